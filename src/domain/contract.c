/* Contracts (CUST-8): see contract.h. The rule (rd_contract_states) is plain C over the
 * terms and time entries of one customer's or unit's contracts; the rest loads them, checks
 * input and serves the API. */
#include "domain/contract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/time.h"
#include "domain/person.h"
#include "domain/request.h"

#define WRITERS                                                                               \
  (RD_ROLE_ACCOUNT_ADMINISTRATOR | RD_ROLE_SERVICE_LEVEL_MANAGER | RD_ROLE_SUPERVISOR)
#define PERSON_NAME "r.first_name || ' ' || r.last_name"

static const char *const TYPES[] = {"subscription", "time_limited", "hours", "monthly_hours",
                                    NULL};

static int64_t ref_id(json_t *rec, const char *field) {
  return (int64_t)json_integer_value(json_object_get(json_object_get(rec, field), "id"));
}

/* ---- dates ---- */

/* The digits s[0..n) as a number (dates checked by the engine: RD_FT_DATE). */
static int num(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++)
    v = v * 10 + (s[i] - '0');
  return v;
}

static void ymd(const char *s, int *y, int *m, int *d) {
  *y = num(s, 4);
  *m = num(s + 5, 2);
  *d = num(s + 8, 2);
}

static void fmt(char out[11], int y, int m, int d) {
  snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
}

/* The first day of the monthly period (from rollover day rd) that holds date. */
static void period_of(const char *date, int rd, char out[11]) {
  int y, m, d;
  ymd(date, &y, &m, &d);
  if (d < rd && --m == 0)
    m = 12, y--;
  fmt(out, y, m, rd);
}

/* The first day of the period after the one starting at p. */
static void next_period(const char *p, char out[11]) {
  int y, m, d;
  ymd(p, &y, &m, &d);
  if (++m == 13)
    m = 1, y++;
  fmt(out, y, m, d);
}

/* ---- the rule ---- */

static int64_t used_between(const rd_contract_terms *k, const char *from, const char *to) {
  int64_t n = 0;
  for (int i = 0; i < k->nuses; i++)
    if ((!from || strcmp(k->uses[i].date, from) >= 0) && (!to || strcmp(k->uses[i].date, to) < 0))
      n += k->uses[i].minutes;
  return n;
}

/* The state of one contract before the queue: "eligible" where it could be active. */
static void state_of(const rd_contract_terms *k, const char *today, rd_contract_state *s) {
  memset(s, 0, sizeof *s);
  s->allowance = -1;
  s->used = used_between(k, NULL, NULL);
  bool monthly = !strcmp(k->type, "monthly_hours");
  bool hours = !strcmp(k->type, "hours") || !strcmp(k->type, "time_limited");
  if (hours)
    s->allowance = k->hours * 60;
  if (monthly) {
    /* every period from the start's to today's: unused minutes carried over or not */
    char p[11], next[11], now[11];
    period_of(k->start, k->rollover_day, p);
    period_of(strcmp(today, k->start) > 0 ? today : k->start, k->rollover_day, now);
    int64_t balance = 0;
    for (;;) {
      next_period(p, next);
      int64_t avail = k->monthly_hours * 60 + (k->carry_over ? balance : 0);
      int64_t used = used_between(k, p, next);
      if (!strcmp(p, now)) {
        s->allowance = avail;
        s->used = used;
        memcpy(s->period_start, p, 11);
        memcpy(s->period_end, next, 11);
        break;
      }
      balance = avail > used ? avail - used : 0;
      memcpy(p, next, 11);
    }
  }
  if (k->cancelled)
    s->status = "cancelled";
  else if (k->end && strcmp(k->end, today) < 0)
    s->status = "expired";
  else if (strcmp(k->start, today) > 0)
    s->status = "pending", s->pending_reason = "start";
  else if (!k->invoice_paid)
    s->status = "pending", s->pending_reason = "invoice";
  else if ((hours || monthly) && s->used >= s->allowance)
    s->status = "exhausted";
  else
    s->status = "eligible";
}

void rd_contract_states(const rd_contract_terms *k, int n, const char *today,
                        rd_contract_state *out) {
  int first = -1;
  for (int i = 0; i < n; i++) {
    state_of(&k[i], today, &out[i]);
    if (strcmp(out[i].status, "eligible"))
      continue;
    int o = first < 0 ? 1 : strcmp(k[i].start, k[first].start);
    if (first < 0 || o < 0 || (o == 0 && k[i].id < k[first].id))
      first = i;
  }
  for (int i = 0; i < n; i++)
    if (!strcmp(out[i].status, "eligible")) {
      out[i].status = i == first ? "active" : "pending";
      out[i].pending_reason = i == first ? NULL : "queue";
    }
}

/* ---- loading one customer's or unit's contracts ---- */

typedef struct target_set {
  rd_contract_terms *k;
  rd_contract_state *s;
  rd_contract_use *uses;
  int n, nuses;
  json_t *keep; /* the strings the terms point into */
} target_set;

static void set_free(target_set *t) {
  rd_free(t->k);
  rd_free(t->s);
  rd_free(t->uses);
  json_decref(t->keep);
  memset(t, 0, sizeof *t);
}

static const char *keep_str(json_t *keep, const char *s) {
  if (!s)
    return NULL;
  json_array_append_new(keep, json_string(s));
  return json_string_value(json_array_get(keep, json_array_size(keep) - 1));
}

/* The contracts of customer (column customer_id) or unit (organization_id) of account,
 * their time entries and their states today. */
static int load_set(rd_conn *c, const char *account_id, const char *column, int64_t target,
                    target_set *t, rd_err *err) {
  memset(t, 0, sizeof *t);
  t->keep = json_array();
  char sql[512];
  snprintf(sql, sizeof sql,
           "SELECT id, type, start_date, end_date, COALESCE(hours, 0), COALESCE(monthly_hours, 0),"
           " COALESCE(rollover_day, 1), carry_over, invoice_paid, cancelled FROM contracts"
           " WHERE account_id = ? AND %s = ? ORDER BY id",
           column);
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err, sql, "ti", account_id, target);
  int cap = 0;
  while (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    rv = 0;
    if (t->n == cap) {
      cap = cap ? cap * 2 : 8;
      t->k = rd_realloc(t->k, (size_t)cap * sizeof *t->k);
    }
    t->k[t->n++] = (rd_contract_terms){
        .id = rd_stmt_int64(s, 0), .type = keep_str(t->keep, rd_stmt_text(s, 1)),
        .start = keep_str(t->keep, rd_stmt_text(s, 2)),
        .end = keep_str(t->keep, rd_stmt_text(s, 3)), .hours = rd_stmt_int64(s, 4),
        .monthly_hours = rd_stmt_int64(s, 5), .rollover_day = (int)rd_stmt_int64(s, 6),
        .carry_over = rd_stmt_bool(s, 7), .invoice_paid = rd_stmt_bool(s, 8),
        .cancelled = rd_stmt_bool(s, 9)};
  }
  if (s)
    rd_stmt_done(s);
  s = NULL;
  snprintf(sql, sizeof sql,
           "SELECT e.contract_id, e.performed_on, e.minutes FROM request_time e JOIN contracts k"
           " ON k.id = e.contract_id WHERE k.account_id = ? AND k.%s = ?"
           " ORDER BY e.contract_id, e.performed_on",
           column);
  if (!rv && t->n)
    rv = rd_sql(c, &s, err, sql, "ti", account_id, target);
  cap = 0;
  int64_t *owner = NULL;
  while (!rv && s && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    rv = 0;
    if (t->nuses == cap) {
      cap = cap ? cap * 2 : 16;
      t->uses = rd_realloc(t->uses, (size_t)cap * sizeof *t->uses);
      owner = rd_realloc(owner, (size_t)cap * sizeof *owner);
    }
    owner[t->nuses] = rd_stmt_int64(s, 0);
    snprintf(t->uses[t->nuses].date, 11, "%s", rd_stmt_text(s, 1));
    t->uses[t->nuses++].minutes = rd_stmt_int64(s, 2);
  }
  if (s)
    rd_stmt_done(s);
  /* each contract's entries are a run of the ordered list */
  for (int i = 0, u = 0; i < t->n; i++) {
    while (u < t->nuses && owner[u] < t->k[i].id)
      u++;
    t->k[i].uses = t->uses + u;
    while (u < t->nuses && owner[u] == t->k[i].id)
      t->k[i].nuses++, u++;
  }
  rd_free(owner);
  if (rv) {
    set_free(t);
    return rv;
  }
  char today[RD_DATE_LEN];
  rd_date_today(today);
  t->s = rd_calloc((size_t)t->n + 1, sizeof *t->s);
  rd_contract_states(t->k, t->n, today, t->s);
  return 0;
}

/* The holder of contract rec: its column and id (customer, unit or item). */
static const char *holder_of(json_t *rec, int64_t *id) {
  if ((*id = ref_id(rec, "customer")))
    return "customer_id";
  if ((*id = ref_id(rec, "item")))
    return "item_id";
  *id = ref_id(rec, "organization");
  return "organization_id";
}

/* The set of the contract rec belongs to. */
static int load_set_of(rd_conn *c, const char *account_id, json_t *rec, target_set *t,
                       rd_err *err) {
  int64_t holder = 0;
  const char *column = holder_of(rec, &holder);
  return load_set(c, account_id, column, holder, t, err);
}

static int index_of(const target_set *t, int64_t id) {
  for (int i = 0; i < t->n; i++)
    if (t->k[i].id == id)
      return i;
  return -1;
}

static void add_state(json_t *rec, const rd_contract_state *s) {
  json_object_set_new(rec, "status", json_string(s->status));
  json_object_set_new(rec, "pending_reason",
                      s->pending_reason ? json_string(s->pending_reason) : json_null());
  json_object_set_new(rec, "allowance_minutes",
                      s->allowance >= 0 ? json_integer(s->allowance) : json_null());
  json_object_set_new(rec, "used_minutes", json_integer(s->used));
  json_object_set_new(rec, "period_start",
                      s->period_start[0] ? json_string(s->period_start) : json_null());
  json_object_set_new(rec, "period_end", s->period_end[0] ? json_string(s->period_end) : json_null());
}

static int decorate(rd_conn *c, json_t *rec, rd_err *err) {
  target_set t;
  const char *account = json_string_value(json_object_get(json_object_get(rec, "account"), "id"));
  int rv = load_set_of(c, account, rec, &t, err);
  if (rv)
    return rv;
  int i = index_of(&t, (int64_t)json_integer_value(json_object_get(rec, "id")));
  if (i >= 0)
    add_state(rec, &t.s[i]);
  set_free(&t);
  return 0;
}

/* CUST-8: the holders whose contracts cover a request, in the order they are asked. */
static const char *const HOLDER_COLUMNS[] = {"customer_id", "organization_id", "item_id"};

int rd_contract_covering(rd_conn *c, const char *account_id, int64_t customer, int64_t unit,
                         int64_t item, int64_t *id, rd_err *err) {
  *id = 0;
  const int64_t holders[] = {customer, unit, item};
  for (int pass = 0; pass < 3 && !*id; pass++) {
    int64_t target = holders[pass];
    if (!target)
      continue;
    target_set t;
    int rv = load_set(c, account_id, HOLDER_COLUMNS[pass], target, &t, err);
    if (rv)
      return rv;
    for (int i = 0; i < t.n; i++)
      if (!strcmp(t.s[i].status, "active"))
        *id = t.k[i].id;
    set_free(&t);
  }
  return 0;
}

/* The customer's unit (0: none). */
static int unit_of(rd_conn *c, int64_t customer, int64_t *unit, rd_err *err) {
  *unit = 0;
  int rv = rd_sql_int64(c, unit, err, "SELECT COALESCE(organization_id, 0) FROM people WHERE id = ?",
                        "i", customer);
  return rv < 0 ? rv : 0;
}

/* Whether any contract of a set is pending (waiting for its start, payment or turn). */
static bool any_pending(const target_set *t) {
  for (int i = 0; i < t->n; i++)
    if (!strcmp(t->s[i].status, "pending"))
      return true;
  return false;
}

int rd_contract_request_status(rd_conn *c, const char *account_id, int64_t customer,
                               int64_t item, const char **status, rd_err *err) {
  *status = "open";
  int64_t unit = 0, active = 0;
  int rv = unit_of(c, customer, &unit, err);
  if (!rv)
    rv = rd_contract_covering(c, account_id, customer, unit, item, &active, err);
  const int64_t holders[] = {customer, unit, item};
  for (int pass = 0; !rv && !active && pass < 3; pass++) {
    int64_t target = holders[pass];
    if (!target)
      continue;
    target_set t;
    rv = load_set(c, account_id, HOLDER_COLUMNS[pass], target, &t, err);
    if (!rv && any_pending(&t))
      *status = "pending_no_contract";
    if (!rv)
      set_free(&t);
  }
  return rv;
}

int rd_contract_release(rd_conn *c, const char *account_id, const char *column, int64_t holder,
                        int64_t *moved, rd_err *err) {
  *moved = 0;
  char sql[200];
  snprintf(sql, sizeof sql,
           "SELECT id, customer_id, COALESCE(organization_id, 0), COALESCE(item_id, 0) FROM"
           " requests WHERE account_id = ? AND status = 'pending_no_contract' AND %s = ?"
           " ORDER BY id",
           !strcmp(column, "customer_id") ? "customer_id"
           : !strcmp(column, "item_id")   ? "item_id"
                                          : "organization_id");
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err, sql, "ti", account_id, holder);
  json_t *ids = json_array();
  while (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    rv = 0;
    json_array_append_new(ids, json_pack("[I,I,I,I]", (json_int_t)rd_stmt_int64(s, 0),
                                         (json_int_t)rd_stmt_int64(s, 1),
                                         (json_int_t)rd_stmt_int64(s, 2),
                                         (json_int_t)rd_stmt_int64(s, 3)));
  }
  if (s)
    rd_stmt_done(s);
  rd_caller who = rd_system_caller(account_id);
  json_t *patch = json_pack("{s:s}", "status", "open");
  size_t i;
  json_t *r;
  json_array_foreach(ids, i, r) {
    int64_t active = 0;
    if (!rv)
      rv = rd_contract_covering(c, account_id, (int64_t)json_integer_value(json_array_get(r, 1)),
                                (int64_t)json_integer_value(json_array_get(r, 2)),
                                (int64_t)json_integer_value(json_array_get(r, 3)), &active, err);
    if (!rv && active) {
      rv = rd_rec_update(c, &who, &rd_request_type,
                         (int64_t)json_integer_value(json_array_get(r, 0)), patch, -1, err);
      *moved += !rv;
    }
  }
  json_decref(patch);
  json_decref(ids);
  return rv;
}

/* After a contract is written: its holder's waiting requests are looked at again on its
 * start date (today when that has come), by a job of the runner (jobs/kinds.c); one job
 * per holder and day. */
static int after_write(rd_conn *c, const rd_caller *who, int64_t id, json_t *old, json_t *rec,
                       rd_err *err) {
  (void)id, (void)old;
  int64_t holder = 0;
  const char *column = holder_of(rec, &holder);
  json_t *payload = json_pack("{s:I}",
                              !strcmp(column, "customer_id") ? "customer"
                              : !strcmp(column, "item_id")   ? "item"
                                                             : "organization",
                              (json_int_t)holder);
  char *text = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(payload);
  char today[RD_DATE_LEN], now[RD_TIME_LEN];
  rd_date_today(today);
  rd_time_now(now);
  const char *start = json_string_value(json_object_get(rec, "start_date"));
  const char *run_on = start && strcmp(start, today) > 0 ? start : today;
  int64_t queued = 0, job = 0;
  int rv = rd_sql_int64(c, &queued, err,
                        "SELECT COUNT(*) FROM jobs WHERE account_id = ? AND kind = ? AND status ="
                        " 'queued' AND payload = ? AND run_on = ?",
                        "tttt", who->account_id, RD_CONTRACT_JOB_KIND, text, run_on);
  if (rv >= 0 && !queued)
    rv = rd_next_id(c, &job, err);
  if (rv >= 0 && !queued)
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO jobs (id, account_id, kind, status, payload, run_on,"
                     " created_at, updated_at) VALUES (?, ?, ?, 'queued', ?, ?, ?, ?)",
                     "itttttt", job, who->account_id, RD_CONTRACT_JOB_KIND, text, run_on, now,
                     now);
  free(text);
  return rv < 0 ? rv : 0;
}

/* ---- input ---- */

static bool in_list(const char *s, const char *const *list) {
  for (; s && *list; list++)
    if (!strcmp(s, *list))
      return true;
  return false;
}

/* Which of hours, monthly_hours, rollover_day and end_date a type needs (1), allows (0)
 * or refuses (-1). */
typedef struct type_rule {
  const char *type;
  int end, hours, monthly;
} type_rule;
static const type_rule RULES[] = {{"subscription", 1, -1, -1},
                                  {"time_limited", 1, 1, -1},
                                  {"hours", 0, 1, -1},
                                  {"monthly_hours", 0, -1, 1}};

static void need(json_t *rec, const char *field, int rule, const char *type, rd_err *err) {
  json_t *v = json_object_get(rec, field);
  bool set = v && !json_is_null(v);
  if (rule > 0 && !set)
    rd_err_field(err, field, "is required for a %s contract", type);
  else if (rule < 0 && set)
    rd_err_field(err, field, "does not apply to a %s contract", type);
}

static int validate(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                    json_t *old, json_t *rec, rd_err *err) {
  (void)t, (void)id;
  const char *type = json_string_value(json_object_get(rec, "type"));
  if (!in_list(type, TYPES))
    return rd_err_field(err, "type", "must be subscription, time_limited, hours or monthly_hours");
  const type_rule *r = RULES;
  while (strcmp(r->type, type))
    r++;
  need(rec, "end_date", r->end, type, err);
  need(rec, "hours", r->hours, type, err);
  need(rec, "monthly_hours", r->monthly, type, err);
  need(rec, "rollover_day", r->monthly, type, err);
  if (r->monthly < 0 && json_is_true(json_object_get(rec, "carry_over")))
    rd_err_field(err, "carry_over", "does not apply to a %s contract", type);
  json_t *start = json_object_get(rec, "start_date");
  if (!start || json_is_null(start)) {
    char today[RD_DATE_LEN];
    rd_date_today(today);
    json_object_set_new(rec, "start_date", json_string(today));
  }
  const char *s = json_string_value(json_object_get(rec, "start_date"));
  const char *e = json_string_value(json_object_get(rec, "end_date"));
  if (e && strcmp(e, s) < 0)
    rd_err_field(err, "end_date", "is before start_date");
  json_int_t hours = json_integer_value(json_object_get(rec, "hours"));
  json_int_t monthly = json_integer_value(json_object_get(rec, "monthly_hours"));
  json_int_t day = json_integer_value(json_object_get(rec, "rollover_day"));
  if (json_object_get(rec, "hours") && !json_is_null(json_object_get(rec, "hours")) &&
      (hours < 1 || hours > 100000))
    rd_err_field(err, "hours", "must be from 1 to 100000");
  if (json_is_integer(json_object_get(rec, "monthly_hours")) && (monthly < 1 || monthly > 10000))
    rd_err_field(err, "monthly_hours", "must be from 1 to 10000");
  if (json_is_integer(json_object_get(rec, "rollover_day")) && (day < 1 || day > 28))
    rd_err_field(err, "rollover_day", "must be from 1 to 28 (a day every month has)");
  int64_t customer = ref_id(rec, "customer"), unit = ref_id(rec, "organization");
  int64_t item = ref_id(rec, "item");
  if ((customer != 0) + (unit != 0) + (item != 0) != 1)
    rd_err_field(err, customer ? (unit ? "organization" : "item") : unit ? "item" : "customer",
                 "a contract is held by one customer, one organizational unit or one item");
  if (customer && !old) {
    int64_t n = 0;
    int rv = rd_sql_int64(c, &n, err,
                          "SELECT COUNT(*) FROM people WHERE id = ? AND account_id = ? AND NOT"
                          " deleted AND (roles & ?) <> 0",
                          "iti", customer, who->account_id, (int64_t)RD_ROLE_CUSTOMER);
    if (rv < 0)
      return rv;
    if (!n)
      rd_err_field(err, "customer", "must be a customer of this account");
  }
  return err && err->code ? err->code : 0;
}

static const rd_field FIELDS[] = {
    {.name = "type", .column = "type", .type = RD_FT_TEXT, .flags = RD_FF_REQUIRED | RD_FF_NOTNULL},
    {.name = "customer", .column = "customer_id", .type = RD_FT_REF, .flags = RD_FF_REFHOOK, .ref_table = "people", .ref_name_sql = PERSON_NAME},
    {.name = "organization", .column = "organization_id", .type = RD_FT_REF, .ref_table = "organizations", .ref_name_sql = "r.name"},
    {.name = "item", .column = "item_id", .type = RD_FT_REF, .ref_table = "items", .ref_name_sql = "r.name"},
    {.name = "sla", .column = "sla_id", .type = RD_FT_REF, .flags = RD_FF_REQUIRED | RD_FF_NOTNULL, .ref_table = "slas", .ref_name_sql = "(SELECT s.name FROM services s WHERE s.id = r.service_id)"},
    {.name = "start_date", .column = "start_date", .type = RD_FT_DATE},
    {.name = "end_date", .column = "end_date", .type = RD_FT_DATE},
    {.name = "hours", .column = "hours", .type = RD_FT_INT},
    {.name = "monthly_hours", .column = "monthly_hours", .type = RD_FT_INT},
    {.name = "rollover_day", .column = "rollover_day", .type = RD_FT_INT},
    {.name = "carry_over", .column = "carry_over", .type = RD_FT_BOOL, .flags = RD_FF_NOTNULL, .def = "false"},
    {.name = "invoice_paid", .column = "invoice_paid", .type = RD_FT_BOOL, .flags = RD_FF_NOTNULL, .def = "true"},
    {.name = "cancelled", .column = "cancelled", .type = RD_FT_BOOL, .flags = RD_FF_NOTNULL, .def = "false"},
    {.name = "notes", .column = "notes", .type = RD_FT_TEXT, .flags = RD_FF_MULTILINE, .max_len = 65536},
    /* computed by decorate */
    {.name = "status", .type = RD_FT_TEXT, .flags = RD_FF_READONLY},
    {.name = "pending_reason", .type = RD_FT_TEXT, .flags = RD_FF_READONLY},
    {.name = "allowance_minutes", .type = RD_FT_INT, .flags = RD_FF_READONLY},
    {.name = "used_minutes", .type = RD_FT_INT, .flags = RD_FF_READONLY},
    {.name = "period_start", .type = RD_FT_DATE, .flags = RD_FF_READONLY},
    {.name = "period_end", .type = RD_FT_DATE, .flags = RD_FF_READONLY},
};

static const char *const UPDATE_FIELDS[] = {"type", "sla", "start_date", "end_date", "hours",
                                            "monthly_hours", "rollover_day", "carry_over",
                                            "invoice_paid", "cancelled", "notes", NULL};

const rd_rtype rd_contract_type = {
    .name = "contract",
    .table = "contracts",
    .fields = FIELDS,
    .nfields = sizeof FIELDS / sizeof *FIELDS,
    .validate = validate,
    .decorate = decorate,
    .after_write = after_write,
    .update_fields = UPDATE_FIELDS,
    .read_roles = RD_ROLES_STAFF | RD_ROLE_CUSTOMER,
    .write_roles = WRITERS,
};

/* ---- who sees a contract: staff all; a customer its own and its unit's ---- */

static const char *scope(const rd_caller *who, rd_param *p, int *n) {
  if (rd_caller_has(who, RD_ROLES_STAFF))
    return "1 = 1";
  p[(*n)++] = (rd_param){.type = 'i', .i = who->person_id};
  p[(*n)++] = (rd_param){.type = 'i', .i = who->person_id};
  p[(*n)++] = (rd_param){.type = 'i', .i = who->person_id};
  /* ... and those of the items it owns or that are shared with it (CUST-7) */
  return "(t.customer_id = ? OR t.organization_id = (SELECT x.organization_id FROM people x"
         " WHERE x.id = ?) OR t.item_id IN (SELECT y.item_id FROM item_people y WHERE"
         " y.person_id = ?))";
}

static int visible(rd_conn *c, const rd_caller *who, int64_t id, rd_err *err) {
  rd_param p[3];
  int n = 0;
  const char *cond = scope(who, p, &n);
  return rd_rec_in_scope(c, &rd_contract_type, who->account_id, id, cond, p, n, err);
}

int rd_contract_get(rd_conn *c, const rd_caller *who, int64_t id, json_t **out,
                    int64_t *version, rd_err *err) {
  int rv = rd_rec_allow(who, &rd_contract_type, RD_REC_READ, err);
  if (!rv)
    rv = visible(c, who, id, err);
  return rv ? rv : rd_rec_get(c, &rd_contract_type, who->account_id, id, out, version, err);
}

int rd_contract_list(rd_conn *c, const rd_caller *who, int64_t customer, int64_t organization,
                     int64_t item, int64_t after, int limit, json_t **rows, bool *more,
                     rd_err *err) {
  rd_param p[6];
  int n = 0;
  char where[500];
  snprintf(where, sizeof where, "%s%s%s%s", scope(who, p, &n),
           customer ? " AND t.customer_id = ?" : "", organization ? " AND t.organization_id = ?" : "",
           item ? " AND t.item_id = ?" : "");
  if (customer)
    p[n++] = (rd_param){.type = 'i', .i = customer};
  if (organization)
    p[n++] = (rd_param){.type = 'i', .i = organization};
  if (item)
    p[n++] = (rd_param){.type = 'i', .i = item};
  return rd_rec_read_list(c, who, &rd_contract_type, where, p, n, after, limit, rows, more, err);
}

typedef struct enable_args {
  const rd_caller *who;
  int64_t id;
} enable_args;

static int enable_tx(rd_conn *c, void *arg, rd_err *err) {
  enable_args *a = arg;
  json_t *rec = NULL;
  int rv = rd_contract_get(c, a->who, a->id, &rec, NULL, err);
  if (rv)
    return rv;
  target_set t;
  rv = load_set_of(c, a->who->account_id, rec, &t, err);
  json_decref(rec);
  if (rv)
    return rv;
  int i = index_of(&t, a->id);
  const char *reason = t.s[i].pending_reason;
  int64_t active = 0;
  for (int k = 0; k < t.n; k++)
    if (!strcmp(t.s[k].status, "active"))
      active = t.k[k].id;
  if (strcmp(t.s[i].status, "pending"))
    rv = rd_err_field(err, "status", "is %s: only a pending contract is enabled", t.s[i].status);
  else if (!strcmp(reason, "invoice"))
    rv = rd_err_set(err, RD_ECONFLICT, "The contract's invoice is not paid (invoice_paid)");
  else if (active)
    rv = rd_err_set(err, RD_ECONFLICT,
                    "Contract %lld is active for the same customer or unit; this one would queue",
                    (long long)active);
  set_free(&t);
  if (rv)
    return rv;
  char today[RD_DATE_LEN];
  rd_date_today(today);
  json_t *patch = json_pack("{s:s}", "start_date", today);
  rv = rd_rec_update(c, a->who, &rd_contract_type, a->id, patch, -1, err);
  json_decref(patch);
  return rv;
}

int rd_contract_enable(rd_conn *c, const rd_caller *who, int64_t id, rd_err *err) {
  enable_args a = {who, id};
  int rv = rd_rec_allow(who, &rd_contract_type, RD_REC_UPDATE, err);
  return rv ? rv : rd_with_tx(c, err, enable_tx, &a);
}

int rd_contract_usage(rd_conn *c, const rd_caller *who, int64_t id, json_t **out, rd_err *err) {
  json_t *rec = NULL;
  int rv = rd_contract_get(c, who, id, &rec, NULL, err);
  if (rv)
    return rv;
  json_t *requests = json_array();
  *out = json_pack("{s:I,s:O,s:O,s:O,s:O,s:O,s:o}", "contract", (json_int_t)id, "status",
                   json_object_get(rec, "status"), "allowance_minutes",
                   json_object_get(rec, "allowance_minutes"), "used_minutes",
                   json_object_get(rec, "used_minutes"), "period_start",
                   json_object_get(rec, "period_start"), "period_end",
                   json_object_get(rec, "period_end"), "requests", requests);
  json_decref(rec);
  rd_stmt *s = NULL;
  rv = rd_sql(c, &s, err,
              "SELECT r.id, r.subject, SUM(e.minutes), COUNT(*) FROM request_time e JOIN requests r"
              " ON r.id = e.request_id WHERE e.contract_id = ? AND e.account_id = ?"
              " GROUP BY r.id, r.subject ORDER BY r.id",
              "it", id, who->account_id);
  while (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    rv = 0;
    json_array_append_new(requests, json_pack("{s:{s:I,s:s},s:I,s:I}", "request", "id",
                                              (json_int_t)rd_stmt_int64(s, 0), "subject",
                                              rd_stmt_text(s, 1), "minutes",
                                              (json_int_t)rd_stmt_int64(s, 2), "entries",
                                              (json_int_t)rd_stmt_int64(s, 3)));
  }
  if (s)
    rd_stmt_done(s);
  if (rv) {
    json_decref(*out);
    *out = NULL;
  }
  return rv;
}
