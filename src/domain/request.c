/* Requests: see request.h. The engine (record.c) checks input, roles, versions and writes
 * the audit; this file holds who sees what (scope), the PART-4 assignment and the load it
 * reads, escalation, notes and time entries. */
#include "domain/request.h"

#include <stdio.h>
#include <string.h>

#include "base/time.h"
#include "domain/contract.h"

#define PERSON_NAME "r.first_name || ' ' || r.last_name"
#define STAFF RD_ROLES_STAFF
/* Customers create their own requests and add notes to them (rd_rec_touch checks the write
 * roles); may_write keeps them from changing anything else. */
#define WRITERS (RD_ROLES_STAFF | RD_ROLE_PARTNER | RD_ROLE_CUSTOMER)

const char *const rd_request_statuses[] = {"open", "pending", "pending_no_contract", "resolved",
                                           "closed", NULL};

bool rd_request_status_open(const char *s) {
  return s && (!strcmp(s, "open") || !strcmp(s, "pending") || !strcmp(s, "pending_no_contract"));
}

static int64_t ref_id(json_t *rec, const char *field) {
  return (int64_t)json_integer_value(json_object_get(json_object_get(rec, field), "id"));
}

/* ---- who sees a request ---- */

/* The condition over alias t that holds for the requests who sees, with its parameters
 * appended to p (at least 3 free). The one rule of request visibility: lists, reads and
 * (through visible) every write. */
static const char *scope(const rd_caller *who, rd_param *p, int *n) {
  if (rd_caller_has(who, STAFF))
    return "1 = 1";
  bool cust = rd_caller_has(who, RD_ROLE_CUSTOMER), partner = rd_caller_has(who, RD_ROLE_PARTNER);
  if (cust)
    p[(*n)++] = (rd_param){.type = 'i', .i = who->person_id};
  if (partner) {
    p[(*n)++] = (rd_param){.type = 'i', .i = who->person_id};
    p[(*n)++] = (rd_param){.type = 'i', .i = who->person_id};
  }
#define PARTNER_SCOPE                                                                         \
  "(t.assignee_id = ? OR t.assignee_id IN (SELECT x.id FROM people x WHERE x.account_id ="    \
  " t.account_id AND x.partner_organization_id = (SELECT y.partner_organization_id FROM"      \
  " people y WHERE y.id = ?)))"
  if (cust && partner)
    return "(t.customer_id = ? OR " PARTNER_SCOPE ")";
  if (cust)
    return "t.customer_id = ?";
  if (partner)
    return PARTNER_SCOPE;
  return "1 = 0";
#undef PARTNER_SCOPE
}

/* 404 unless request id of the caller's account is one it sees. */
static int visible(rd_conn *c, const rd_caller *who, int64_t id, rd_err *err) {
  rd_param p[3];
  int n = 0;
  const char *cond = scope(who, p, &n);
  return rd_rec_in_scope(c, &rd_request_type, who->account_id, id, cond, p, n, err);
}

int rd_request_get(rd_conn *c, const rd_caller *who, int64_t id, json_t **out, int64_t *version,
                   rd_err *err) {
  int rv = rd_rec_allow(who, &rd_request_type, RD_REC_READ, err);
  if (!rv)
    rv = visible(c, who, id, err);
  if (!rv)
    rv = rd_rec_get(c, &rd_request_type, who->account_id, id, out, version, err);
  return rv;
}

int rd_request_list_text(rd_conn *c, const rd_caller *who, const rd_request_filter *f,
                         int64_t after, int limit, rd_buf *out, int64_t *last_id, bool *more,
                         rd_err *err) {
  rd_param p[12];
  int n = 0;
  rd_buf where;
  rd_buf_init(&where);
  rd_buf_adds(&where, scope(who, p, &n));
#define FILTER(value, cond)                                                                   \
  if (value) {                                                                                \
    rd_buf_adds(&where, " AND " cond);                                                        \
    p[n++] = (rd_param){.type = 'i', .i = (value)};                                           \
  }
  FILTER(f->team, "t.team_id = ?")
  FILTER(f->assignee, "t.assignee_id = ?")
  FILTER(f->customer, "t.customer_id = ?")
  FILTER(f->organization, "t.organization_id = ?")
  FILTER(f->partner_organization,
         "t.assignee_id IN (SELECT x.id FROM people x WHERE x.account_id = t.account_id AND"
         " x.partner_organization_id = ?)")
#undef FILTER
  if (f->status) {
    rd_buf_adds(&where, " AND t.status = ?");
    p[n++] = (rd_param){.type = 't', .t = f->status};
  }
  rd_list_q q = {.account_id = who->account_id, .where = rd_buf_cstr(&where), .p = p, .np = n,
                 .after = after, .limit = limit};
  int rv = rd_rec_read_list_text(c, who, &rd_request_type, &q, out, last_id, more, err);
  rd_buf_term(&where);
  return rv;
}

/* ---- assignment (PART-4) ---- */

/* How many layers team has (a team with members but no layers is one layer; a team of
 * nobody has none). 404 when the team is not the account's. */
static int layer_count(rd_conn *c, const char *account_id, int64_t team, int *n, rd_err *err) {
  *n = 0;
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err, "SELECT members, layers FROM teams WHERE id = ? AND account_id = ?",
                  "it", team, account_id);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  if (rv == RD_ROW) {
    json_t *members = json_loads(rd_stmt_text(s, 0), 0, NULL);
    json_t *layers = json_loads(rd_stmt_text(s, 1), 0, NULL);
    *n = json_array_size(layers) ? (int)json_array_size(layers) : json_array_size(members) > 0;
    json_decref(members);
    json_decref(layers);
  }
  rd_stmt_done(s);
  if (rv == RD_DONE)
    return rd_err_set(err, RD_ENOTFOUND, "No team with id %lld", (long long)team);
  return rv < 0 ? rv : 0;
}

/* The partner organization associated with customer: its own, else its unit's; 0: none. */
static int customer_partner(rd_conn *c, int64_t customer, int64_t *org, rd_err *err) {
  *org = 0;
  int rv = rd_sql_int64(c, org, err,
                        "SELECT COALESCE(p.partner_organization_id, o.partner_organization_id, 0)"
                        " FROM people p LEFT JOIN organizations o ON o.id = p.organization_id"
                        " WHERE p.id = ?",
                        "i", customer);
  return rv < 0 ? rv : 0;
}

/* PART-4's choice in one statement over team_members (migration 021): the layer's members
 * who are not deleted and are technicians of the customer's partner (the fourth parameter;
 * 0 matches nobody) or internal technicians (a staff role, not the partner role); partner
 * technicians first, then the fewest open requests, the least recently assigned, the
 * lowest id. */
_Static_assert(RD_ROLE_PARTNER == 16 && RD_ROLES_STAFF == 15, "PICK_SQL names the role bits");
static const char PICK_SQL[] =
    "SELECT p.id FROM team_members m JOIN people p ON p.id = m.person_id"
    " LEFT JOIN technician_load l ON l.account_id = m.account_id AND l.person_id = m.person_id"
    " WHERE m.team_id = ? AND m.account_id = ? AND m.layer = ? AND NOT p.deleted AND"
    " (((p.roles & 16) <> 0 AND p.partner_organization_id = ?) OR"
    " ((p.roles & 16) = 0 AND (p.roles & 15) <> 0))"
    " ORDER BY CASE WHEN (p.roles & 16) <> 0 THEN 0 ELSE 1 END, COALESCE(l.open_requests, 0),"
    " COALESCE(l.last_assigned, 0), p.id LIMIT 1";

int rd_request_pick(rd_conn *c, const char *account_id, int64_t team, int layer,
                    int64_t customer, int64_t *assignee, rd_err *err) {
  *assignee = 0;
  int64_t partner = 0;
  int rv = customer_partner(c, customer, &partner, err);
  if (!rv)
    rv = rd_sql_int64(c, assignee, err, PICK_SQL, "itii", team, account_id, (int64_t)layer,
                      partner);
  return rv < 0 ? rv : 0;
}

/* Adds delta to person's open requests, and when stamp marks it assigned now. */
static int load_add(rd_conn *c, const char *account_id, int64_t person, int delta, bool stamp,
                    rd_err *err) {
  int64_t seq = 0;
  int rv = stamp ? rd_next_id(c, &seq, err) : 0;
  if (!rv)
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO technician_load (account_id, person_id, open_requests,"
                     " last_assigned) VALUES (?, ?, ?, ?) ON CONFLICT (account_id, person_id)"
                     " DO UPDATE SET open_requests = technician_load.open_requests +"
                     " excluded.open_requests, last_assigned = CASE WHEN"
                     " excluded.last_assigned > 0 THEN excluded.last_assigned ELSE"
                     " technician_load.last_assigned END",
                     "tiii", account_id, person, (int64_t)delta, seq);
  return rv;
}

/* After every write of a request, in its transaction: the load of the assignee before and
 * after (open requests; the time of the last assignment). */
static int after_write(rd_conn *c, const rd_caller *who, int64_t id, json_t *old, json_t *rec,
                       rd_err *err) {
  (void)id;
  int64_t was = old ? ref_id(old, "assignee") : 0, now = ref_id(rec, "assignee");
  bool was_open = old && rd_request_status_open(json_string_value(json_object_get(old, "status")));
  bool now_open = rd_request_status_open(json_string_value(json_object_get(rec, "status")));
  int rv = 0;
  if (was && was_open && !(was == now && now_open))
    rv = load_add(c, who->account_id, was, -1, false, err);
  if (!rv && now && (was != now || (now_open && !was_open)))
    rv = load_add(c, who->account_id, now, now_open && !(was == now && was_open) ? 1 : 0,
                  was != now, err);
  return rv;
}

/* ---- the rules of a request ---- */

/* The customer of a new request: a customer of the account, not deleted; *org gets its
 * organizational unit. */
static int check_customer(rd_conn *c, const rd_caller *who, json_t *rec, int64_t *org,
                          rd_err *err) {
  int64_t id = ref_id(rec, "customer");
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err,
                  "SELECT roles, COALESCE(organization_id, 0) FROM people WHERE id = ? AND"
                  " account_id = ? AND NOT deleted",
                  "it", id, who->account_id);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  if (rv == RD_ROW && !(rd_stmt_int64(s, 0) & RD_ROLE_CUSTOMER))
    rd_err_field(err, "customer", "is not a customer (the person has no customer role)");
  else if (rv == RD_ROW)
    *org = rd_stmt_int64(s, 1);
  else if (rv == RD_DONE)
    rd_err_field(err, "customer", "must be a customer of this account");
  rd_stmt_done(s);
  return rv < 0 ? rv : 0;
}

/* An assignee: staff or a linked partner technician of the account, not deleted, and a
 * member of the request's team when it has one. */
static int check_assignee(rd_conn *c, const rd_caller *who, json_t *rec, rd_err *err) {
  int64_t id = ref_id(rec, "assignee"), team = ref_id(rec, "team");
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err,
                  "SELECT roles, partner_organization_id FROM people WHERE id = ? AND"
                  " account_id = ? AND NOT deleted",
                  "it", id, who->account_id);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  unsigned roles = rv == RD_ROW ? (unsigned)rd_stmt_int64(s, 0) : 0;
  bool linked = rv == RD_ROW && !rd_stmt_null(s, 1);
  rd_stmt_done(s);
  if (rv < 0)
    return rv;
  if (rv == RD_DONE)
    return rd_err_field(err, "assignee", "must be a person of this account");
  if (roles & RD_ROLE_PARTNER ? !linked : !(roles & STAFF))
    return rd_err_field(err, "assignee", "must be a technician or a linked partner technician");
  if (!team)
    return 0;
  int64_t member = 0;
  rv = rd_sql_int64(c, &member, err,
                    "SELECT COUNT(*) FROM team_members WHERE team_id = ? AND person_id = ?", "ii",
                    team, id);
  if (rv < 0)
    return rv;
  return member ? 0 : rd_err_field(err, "assignee", "is not a member of the request's team");
}

static bool in_list(const char *s, const char *const *list) {
  for (; s && *list; list++)
    if (!strcmp(s, *list))
      return true;
  return false;
}

static int validate(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                    json_t *old, json_t *rec, rd_err *err) {
  (void)t, (void)id;
  int rv = 0;
  if (!in_list(json_string_value(json_object_get(rec, "status")), rd_request_statuses))
    rd_err_field(err, "status", "must be open, pending, pending_no_contract, resolved or closed");
  if (!old) {
    int64_t org = 0;
    rv = check_customer(c, who, rec, &org, err);
    json_object_set_new(rec, "organization", org ? json_pack("{s:I}", "id", (json_int_t)org)
                                                 : json_null());
    /* CUST-8: raised while only a pending contract covers it, it waits for that one */
    const char *status = json_string_value(json_object_get(rec, "status"));
    if (!rv && !(err && err->code) && status && !strcmp(status, "open")) {
      rv = rd_contract_request_status(c, who->account_id, ref_id(rec, "customer"),
                                      ref_id(rec, "item"), &status, err);
      json_object_set_new(rec, "status", json_string(status));
    }
  }
  int64_t team = ref_id(rec, "team"), assignee = ref_id(rec, "assignee");
  int64_t was_team = old ? ref_id(old, "team") : 0, was = old ? ref_id(old, "assignee") : 0;
  json_int_t layer = json_integer_value(json_object_get(rec, "layer"));
  bool picked = false, moved = !old || team != was_team ||
               layer != json_integer_value(json_object_get(old, "layer"));
  if (!rv && moved) {
    if (!team)
      json_object_set_new(rec, "layer", json_null());
    else if (team != was_team || !layer)
      json_object_set_new(rec, "layer", json_integer(layer = 1));
    if (team && assignee == was) { /* not chosen by the caller: PART-4 assignment */
      picked = true;
      int64_t pick = 0;
      rv = rd_request_pick(c, who->account_id, team, (int)layer, ref_id(rec, "customer"), &pick,
                           err);
      json_object_set_new(rec, "assignee", pick ? json_pack("{s:I}", "id", (json_int_t)pick)
                                                : json_null());
      assignee = pick;
    }
  }
  if (!rv && assignee && assignee != was && !picked)
    rv = check_assignee(c, who, rec, err);
  if (!rv && assignee != was) {
    char now[RD_TIME_LEN];
    rd_time_now(now);
    json_object_set_new(rec, "assigned_at", assignee ? json_string(now) : json_null());
  }
  if (rv)
    return rv;
  return err && err->code ? err->code : 0;
}

/* The per-record rule of writes: the caller sees the request; a customer only raises its
 * own requests (without choosing who works on them) and changes none. */
static int may_write(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                     json_t *old, json_t *rec, rd_err *err) {
  (void)t, (void)rec;
  bool staff = rd_caller_has(who, STAFF);
  if (!old) {
    if (staff)
      return 0;
    if (ref_id(rec, "customer") != who->person_id)
      return rd_err_set(err, RD_EFORBIDDEN, "Customers raise requests for themselves only");
    if (ref_id(rec, "assignee"))
      return rd_err_field(err, "assignee", "is chosen by the service desk");
    /* CUST-7: a customer's request is about an item it owns or that is shared with it */
    int64_t item = ref_id(rec, "item"), mine = 0;
    int rv = item ? rd_sql_int64(c, &mine, err,
                                 "SELECT COUNT(*) FROM item_people WHERE item_id = ? AND"
                                 " person_id = ?",
                                 "ii", item, who->person_id)
                  : 0;
    if (rv < 0)
      return rv;
    if (item && !mine)
      return rd_err_field(err, "item", "must be an item you own or that is shared with you");
    return 0;
  }
  int rv = visible(c, who, id, err);
  if (!rv && !staff && !rd_caller_has(who, RD_ROLE_PARTNER))
    rv = rd_err_set(err, RD_EFORBIDDEN, "Your roles do not allow changing requests");
  return rv;
}

static const rd_field FIELDS[] = {
    {.name = "subject", .column = "subject", .type = RD_FT_TEXT, .flags = RD_FF_REQUIRED | RD_FF_NOTNULL, .max_len = RD_REQUEST_SUBJECT_MAX},
    {.name = "description", .column = "description", .type = RD_FT_TEXT, .flags = RD_FF_MULTILINE},
    {.name = "status", .column = "status", .type = RD_FT_TEXT, .flags = RD_FF_NOTNULL, .def = "\"open\""},
    {.name = "customer", .column = "customer_id", .type = RD_FT_REF, .flags = RD_FF_REQUIRED | RD_FF_NOTNULL | RD_FF_REFHOOK, .ref_table = "people", .ref_name_sql = PERSON_NAME},
    {.name = "organization", .column = "organization_id", .type = RD_FT_REF, .flags = RD_FF_READONLY, .ref_table = "organizations", .ref_name_sql = "r.name"},
    {.name = "team", .column = "team_id", .type = RD_FT_REF, .ref_table = "teams", .ref_name_sql = "r.name"},
    {.name = "layer", .column = "layer", .type = RD_FT_INT, .flags = RD_FF_READONLY},
    {.name = "assignee", .column = "assignee_id", .type = RD_FT_REF, .flags = RD_FF_REFHOOK, .ref_table = "people", .ref_name_sql = PERSON_NAME},
    {.name = "assigned_at", .column = "assigned_at", .type = RD_FT_TIME, .flags = RD_FF_READONLY},
    {.name = "minutes", .column = "minutes", .type = RD_FT_INT, .flags = RD_FF_READONLY, .def = "0"},
    /* CUST-7: the item the request is about (a customer names one it owns or shares) */
    {.name = "item", .column = "item_id", .type = RD_FT_REF, .ref_table = "items", .ref_name_sql = "r.name"},
};

static const char *const UPDATE_FIELDS[] = {"subject", "description", "status", "team",
                                            "assignee", "item", NULL};

const rd_rtype rd_request_type = {
    .name = "request",
    .table = "requests",
    .fields = FIELDS,
    .nfields = sizeof FIELDS / sizeof *FIELDS,
    .validate = validate,
    .after_write = after_write,
    .may_write = may_write,
    .update_fields = UPDATE_FIELDS,
    .read_roles = 0,
    .create_roles = STAFF | RD_ROLE_CUSTOMER,
    .write_roles = WRITERS,
};

int rd_request_create(rd_conn *c, const rd_caller *who, json_t *in, int64_t *id, rd_err *err) {
  if (json_is_object(in) && !json_object_get(in, "customer") &&
      !rd_caller_has(who, STAFF) && rd_caller_has(who, RD_ROLE_CUSTOMER))
    json_object_set_new(in, "customer", json_pack("{s:I}", "id", (json_int_t)who->person_id));
  return rd_rec_create_tx(c, who, &rd_request_type, in, id, err);
}

int rd_request_update(rd_conn *c, const rd_caller *who, int64_t id, json_t *patch,
                      int64_t if_match, rd_err *err) {
  /* Not seen is 404 before anything (an If-Match must not tell that it exists). */
  int rv = visible(c, who, id, err);
  if (!rv)
    rv = rd_rec_update_tx(c, who, &rd_request_type, id, patch, if_match, err);
  return rv;
}

typedef struct req_args {
  const rd_caller *who;
  int64_t id;
  json_t *in, **out;
} req_args;

static int escalate_tx(rd_conn *c, void *arg, rd_err *err) {
  req_args *a = arg;
  json_t *rec = NULL;
  int rv = rd_request_get(c, a->who, a->id, &rec, NULL, err);
  int64_t team = rv ? 0 : ref_id(rec, "team");
  int layer = (int)json_integer_value(json_object_get(rec, "layer"));
  json_decref(rec);
  int nlayers = 0;
  if (!rv && !team)
    rv = rd_err_field(err, "team", "the request has no team to escalate in");
  if (!rv)
    rv = layer_count(c, a->who->account_id, team, &nlayers, err);
  if (!rv && layer >= nlayers)
    rv = rd_err_field(err, "layer", "is the last layer of the team (%d)", nlayers);
  if (rv)
    return rv;
  json_t *patch = json_pack("{s:i}", "layer", layer + 1);
  rv = rd_rec_update(c, a->who, &rd_request_type, a->id, patch, -1, err);
  json_decref(patch);
  return rv;
}

int rd_request_escalate(rd_conn *c, const rd_caller *who, int64_t id, rd_err *err) {
  req_args a = {.who = who, .id = id};
  int rv = rd_rec_allow(who, &rd_request_type, RD_REC_UPDATE, err);
  return rv ? rv : rd_with_tx(c, err, escalate_tx, &a);
}

/* ---- notes and time entries ---- */

/* The input checks of a note and of a time entry: field tables for rd_rec_check only. */
static const rd_field NOTE_FIELDS[] = {
    {.name = "text", .type = RD_FT_TEXT, .flags = RD_FF_REQUIRED | RD_FF_NOTNULL | RD_FF_MULTILINE, .max_len = RD_REQUEST_NOTE_MAX},
    {.name = "internal", .type = RD_FT_BOOL, .flags = RD_FF_NOTNULL},
};
static const rd_rtype NOTE_INPUT = {.name = "note", .fields = NOTE_FIELDS, .nfields = 2};
static const rd_field TIME_FIELDS[] = {
    {.name = "minutes", .type = RD_FT_INT, .flags = RD_FF_REQUIRED | RD_FF_NOTNULL},
    {.name = "date", .type = RD_FT_DATE, .flags = RD_FF_NOTNULL},
    {.name = "description", .type = RD_FT_TEXT, .flags = RD_FF_MULTILINE, .max_len = 1000},
};
static const rd_rtype TIME_INPUT = {.name = "time entry", .fields = TIME_FIELDS, .nfields = 3};

/* The caller's name as the audit trail knows it. */
static const char *who_name(const rd_caller *who) {
  return who->name[0] ? who->name : "(unknown)";
}

static int note_tx(rd_conn *c, void *arg, rd_err *err) {
  req_args *a = arg;
  bool internal = json_is_true(json_object_get(a->in, "internal"));
  const char *text = json_string_value(json_object_get(a->in, "text"));
  int rv = visible(c, a->who, a->id, err);
  if (!rv && !text[strspn(text, " \t\r\n")])
    rv = rd_err_field(err, "text", "must not be empty");
  if (!rv && internal && !rd_caller_has(a->who, STAFF | RD_ROLE_PARTNER))
    rv = rd_err_field(err, "internal", "notes of the service desk are not written by customers");
  int64_t note = 0;
  char now[RD_TIME_LEN];
  rd_time_now(now);
  if (!rv)
    rv = rd_next_id(c, &note, err);
  if (!rv)
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO request_notes (id, account_id, request_id, author_id,"
                     " author_name, body, internal, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     "itiIttbt", note, a->who->account_id, a->id, a->who->person_id,
                     who_name(a->who), text, (int)internal, now);
  json_t *detail = NULL;
  if (!rv) {
    detail = json_pack("{s:I,s:b}", "note", (json_int_t)note, "internal", internal);
    rv = rd_rec_touch(c, a->who, &rd_request_type, a->id, "add_note", detail, err);
  }
  json_decref(detail);
  if (!rv)
    *a->out = json_pack("{s:I,s:{s:o,s:s},s:s,s:b,s:s}", "id", (json_int_t)note, "author", "id",
                        a->who->person_id ? json_integer(a->who->person_id) : json_null(),
                        "name", who_name(a->who), "text", text, "internal", internal,
                        "created_at", now);
  return rv;
}

int rd_request_note_add(rd_conn *c, const rd_caller *who, int64_t id, json_t *in, json_t **out,
                        rd_err *err) {
  req_args a = {who, id, in, out};
  int rv = rd_rec_check(&NOTE_INPUT, in, true, NULL, err);
  return rv ? rv : rd_with_tx(c, err, note_tx, &a);
}

int rd_request_note_add_in(rd_conn *c, const rd_caller *who, int64_t id, json_t *in,
                           json_t **out, rd_err *err) {
  req_args a = {who, id, in, out};
  int rv = rd_rec_check(&NOTE_INPUT, in, true, NULL, err);
  return rv ? rv : note_tx(c, &a, err);
}

static int time_tx(rd_conn *c, void *arg, rd_err *err) {
  req_args *a = arg;
  json_int_t minutes = json_integer_value(json_object_get(a->in, "minutes"));
  const char *date = json_string_value(json_object_get(a->in, "date"));
  const char *text = json_string_value(json_object_get(a->in, "description"));
  char today[RD_DATE_LEN], now[RD_TIME_LEN];
  rd_date_today(today);
  rd_time_now(now);
  int rv = visible(c, a->who, a->id, err);
  if (!rv && !rd_caller_has(a->who, STAFF | RD_ROLE_PARTNER))
    rv = rd_err_set(err, RD_EFORBIDDEN, "Your roles do not allow recording time");
  if (!rv && (minutes < 1 || minutes > RD_REQUEST_MINUTES_MAX))
    rv = rd_err_field(err, "minutes", "must be from 1 to %d", RD_REQUEST_MINUTES_MAX);
  /* CUST-8: it counts against the contract that covers the request now */
  int64_t entry = 0, contract = 0, customer = 0, unit = 0, item = 0;
  rd_stmt *s = NULL;
  if (!rv)
    rv = rd_sql(c, &s, err,
                "SELECT customer_id, COALESCE(organization_id, 0), COALESCE(item_id, 0) FROM"
                " requests WHERE id = ?",
                "i", a->id);
  if (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW)
    customer = rd_stmt_int64(s, 0), unit = rd_stmt_int64(s, 1), item = rd_stmt_int64(s, 2), rv = 0;
  if (s)
    rd_stmt_done(s);
  if (!rv)
    rv = rd_contract_covering(c, a->who->account_id, customer, unit, item, &contract, err);
  if (!rv)
    rv = rd_next_id(c, &entry, err);
  if (!rv)
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO request_time (id, account_id, request_id, person_id,"
                     " person_name, minutes, performed_on, description, created_at, contract_id)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     "itiItitttI", entry, a->who->account_id, a->id, a->who->person_id,
                     who_name(a->who), (int64_t)minutes, date ? date : today, text, now, contract);
  if (!rv)
    rv = rd_sql_exec(c, NULL, err,
                     "UPDATE requests SET minutes = minutes + ? WHERE id = ? AND account_id = ?",
                     "iit", (int64_t)minutes, a->id, a->who->account_id);
  json_t *detail = NULL;
  if (!rv) {
    detail = json_pack("{s:I,s:I}", "time_entry", (json_int_t)entry, "minutes", minutes);
    rv = rd_rec_touch(c, a->who, &rd_request_type, a->id, "add_time", detail, err);
  }
  json_decref(detail);
  if (!rv)
    *a->out = json_pack("{s:I,s:{s:o,s:s},s:I,s:s,s:s?,s:s,s:o}", "id", (json_int_t)entry,
                        "person", "id",
                        a->who->person_id ? json_integer(a->who->person_id) : json_null(), "name",
                        who_name(a->who), "minutes", minutes, "date", date ? date : today,
                        "description", text, "created_at", now, "contract",
                        contract ? json_pack("{s:I}", "id", (json_int_t)contract) : json_null());
  return rv;
}

int rd_request_time_add(rd_conn *c, const rd_caller *who, int64_t id, json_t *in, json_t **out,
                        rd_err *err) {
  req_args a = {who, id, in, out};
  int rv = rd_rec_check(&TIME_INPUT, in, true, NULL, err);
  return rv ? rv : rd_with_tx(c, err, time_tx, &a);
}

/* A page of a side table's rows of request id: sql selects them (id first) after id
 * "after", limit + 1 rows; row turns the statement's row into JSON. */
static int side_list(rd_conn *c, const rd_caller *who, int64_t id, const char *sql,
                     json_t *(*row)(rd_stmt *s), int64_t after, int limit, json_t **rows,
                     bool *more, rd_err *err) {
  *rows = json_array();
  *more = false;
  int rv = rd_rec_allow(who, &rd_request_type, RD_REC_READ, err);
  if (!rv)
    rv = visible(c, who, id, err);
  rd_stmt *s = NULL;
  /* Customers see no internal notes (the parameter is unused by the time entries' SQL). */
  if (!rv)
    rv = rd_sql(c, &s, err, sql, "iibi", id, after, (int)!rd_caller_has(who, STAFF | RD_ROLE_PARTNER),
                (int64_t)limit + 1);
  while (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    rv = 0; /* RD_ROW is 1: the loop goes on while rows come */
    if ((int)json_array_size(*rows) == limit) {
      *more = true;
      continue;
    }
    json_array_append_new(*rows, row(s));
  }
  if (s)
    rd_stmt_done(s);
  if (rv) {
    json_decref(*rows);
    *rows = NULL;
  }
  return rv;
}

static json_t *note_row(rd_stmt *s) {
  return json_pack("{s:I,s:{s:o,s:s},s:s,s:b,s:s}", "id", (json_int_t)rd_stmt_int64(s, 0),
                   "author", "id",
                   rd_stmt_null(s, 1) ? json_null() : json_integer(rd_stmt_int64(s, 1)), "name",
                   rd_stmt_text(s, 2), "text", rd_stmt_text(s, 3), "internal",
                   (int)rd_stmt_bool(s, 4), "created_at", rd_stmt_text(s, 5));
}

int rd_request_notes(rd_conn *c, const rd_caller *who, int64_t id, int64_t after, int limit,
                     json_t **rows, bool *more, rd_err *err) {
  return side_list(c, who, id,
                   "SELECT id, author_id, author_name, body, internal, created_at FROM"
                   " request_notes WHERE request_id = ? AND id > ? AND NOT (internal AND ?)"
                   " ORDER BY id LIMIT ?",
                   note_row, after, limit, rows, more, err);
}

static json_t *time_row(rd_stmt *s) {
  return json_pack("{s:I,s:{s:o,s:s},s:I,s:s,s:s?,s:s,s:o}", "id", (json_int_t)rd_stmt_int64(s, 0),
                   "person", "id",
                   rd_stmt_null(s, 1) ? json_null() : json_integer(rd_stmt_int64(s, 1)), "name",
                   rd_stmt_text(s, 2), "minutes", (json_int_t)rd_stmt_int64(s, 3), "date",
                   rd_stmt_text(s, 4), "description", rd_stmt_text(s, 5), "created_at",
                   rd_stmt_text(s, 6), "contract",
                   rd_stmt_null(s, 7) ? json_null()
                                      : json_pack("{s:I}", "id", (json_int_t)rd_stmt_int64(s, 7)));
}

int rd_request_time_list(rd_conn *c, const rd_caller *who, int64_t id, int64_t after, int limit,
                         json_t **rows, bool *more, rd_err *err) {
  return side_list(c, who, id,
                   "SELECT id, person_id, person_name, minutes, performed_on, description,"
                   " created_at, contract_id FROM request_time WHERE request_id = ? AND id > ? AND"
                   " (1 = 1 OR ?) ORDER BY id LIMIT ?",
                   time_row, after, limit, rows, more, err);
}

static json_t *attachment_row(rd_stmt *s) {
  return json_pack("{s:I,s:s,s:s,s:I,s:s,s:s}", "id", (json_int_t)rd_stmt_int64(s, 0), "key",
                   rd_stmt_text(s, 1), "filename", rd_stmt_text(s, 2), "size",
                   (json_int_t)rd_stmt_int64(s, 3), "content_type", rd_stmt_text(s, 4),
                   "created_at", rd_stmt_text(s, 5));
}

int rd_request_attachments(rd_conn *c, const rd_caller *who, int64_t id, int64_t after,
                           int limit, json_t **rows, bool *more, rd_err *err) {
  return side_list(c, who, id,
                   "SELECT id, attachment_key, filename, size, content_type, created_at FROM"
                   " request_attachments WHERE request_id = ? AND id > ? AND (1 = 1 OR ?)"
                   " ORDER BY id LIMIT ?",
                   attachment_row, after, limit, rows, more, err);
}
