/* Trusts, the All Organizations view, the foreign-record projection and annotations: see
 * trust.h. The view is computed by SQL (FOREIGN_PAGE, for a page of the list and for one
 * record) from trusts and active agreements at read time; nothing is stored or
 * cached, so it follows every change of a trust, an agreement or the calendar at once
 * (TRUST-7). */
#include "domain/trust.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/time.h"
#include "domain/account.h"
#include "domain/agreement.h"
#include "domain/custom_field.h"
#include "domain/org.h"
#include "domain/record.h"

/* TRUST-3 sources 2 and 3 (organizations of other accounts that account X may see), as
 * one page of the view: the four agreement sources, each read in organization id order from the
 * page's cursor and cut at the page's length, so that a page costs about its own rows
 * whatever the size of the view (the whole set of ids in an IN list makes every page
 * collect, fetch and sort the whole view: 10,000 rows for an MSP with 1,000 customers). The smallest n ids
 * of a union are among the smallest n of each part, so the outer ORDER BY id LIMIT n stays
 * exact; DISTINCT comes before each LIMIT, as several agreements may link one organization.
 * Each branch binds: X, cursor, X, today, today, n (page_params); the indexes of
 * migration 008 let the branches walk in id order.
 *
 * TRUST-2/TRUST-3 consent: in every branch the agreement's customer account must trust the
 * agreement's provider account (the account that registered it) at the time of reading.
 * Sources 2 (X is the customer) check "X trusts a.account_id", sources 3 (X registered the
 * agreement) check "a.customer_account_id trusts X"; what X itself trusts never matters
 * in source 3. Each probe is one index lookup in trusts (its primary key or
 * trusts_trusted: both columns are bound). The trust is checked row by row in an EXISTS that OFFSET 0 keeps
 * from being turned into a join: PostgreSQL's generic plan of the prepared statement
 * would otherwise start from the trusts (estimated 2 rows for "account_id = $1", 1,000
 * for an MSP) and sort every agreement of the account. */
#define PAGE_BRANCH(col, from, truster, trusted, registered)                                   \
  " UNION SELECT id FROM (SELECT DISTINCT " col " AS id FROM " from " WHERE " registered       \
  " = ? AND " col " > ? AND EXISTS (SELECT 1 FROM trusts tr WHERE tr.account_id = " truster    \
  " AND tr.trusted_account_id = " trusted " LIMIT 1 OFFSET 0) AND "
#define PAGE_END(alias) " ORDER BY 1 LIMIT ?) " alias
/* Source 2: X is the customer account and trusts the provider's account. */
#define PROVIDER_BRANCH(col, from, a)                                                          \
  PAGE_BRANCH(col, from, "?", a ".account_id", a ".customer_account_id")
/* Source 3: X registered the agreement and the customer's account trusts X. */
#define CUSTOMER_BRANCH(col, from, a)                                                          \
  PAGE_BRANCH(col, from, a ".customer_account_id", "?", a ".account_id")
#define FOREIGN_PAGE                                                                           \
  PROVIDER_BRANCH("s.provider_org_id", "slas a JOIN services s ON s.id = a.service_id", "a")    \
  RD_AGREEMENT_ACTIVE_SQL("a") PAGE_END("b1")                                                   \
  PROVIDER_BRANCH("f.provider_org_id", "flsas f", "f")                                          \
  RD_AGREEMENT_ACTIVE_SQL("f") PAGE_END("b2")                                                   \
  CUSTOMER_BRANCH("a.customer_org_id", "slas a", "a")                                           \
  RD_AGREEMENT_ACTIVE_SQL("a") PAGE_END("b3")                                                   \
  CUSTOMER_BRANCH("f.customer_org_id", "flsas f", "f")                                          \
  RD_AGREEMENT_ACTIVE_SQL("f") PAGE_END("b4")
/* The caller's own organizations of the page (X, cursor, n), then FOREIGN_PAGE. */
#define VIEW_PAGE                                                                              \
  "t.id IN (SELECT id FROM (SELECT o.id FROM organizations o WHERE o.account_id = ?"           \
  " AND o.id > ? ORDER BY o.id LIMIT ?) b0" FOREIGN_PAGE ")"
/* The same without the own organizations (/organizations/trusted): X, then an empty
 * first branch keeps the UNION chain of FOREIGN_PAGE well formed. */
#define FOREIGN_ONLY_PAGE                                                                      \
  "t.account_id <> ? AND t.id IN (SELECT id FROM (SELECT o.id FROM organizations o"            \
  " WHERE 1 = 0) b0" FOREIGN_PAGE ")"

enum { PAGE_NPARAMS = 4 * 6 };

/* Fills p[0..24) with the parameters of FOREIGN_PAGE. today must outlive p. */
static void page_params(rd_param *p, const char *account_id, int64_t after, int limit,
                        const char *today) {
  for (int b = 0; b < 4; b++) {
    p[b * 6 + 0] = (rd_param){.type = 't', .t = account_id};
    p[b * 6 + 1] = (rd_param){.type = 'i', .i = after};
    p[b * 6 + 2] = (rd_param){.type = 't', .t = account_id};
    p[b * 6 + 3] = (rd_param){.type = 't', .t = today};
    p[b * 6 + 4] = (rd_param){.type = 't', .t = today};
    p[b * 6 + 5] = (rd_param){.type = 'i', .i = (int64_t)limit + 1};
  }
}

/* ---- trusts (TRUST-1) ---- */

int rd_trust_list(rd_conn *c, const rd_caller *who, json_t **out, rd_err *err) {
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err,
                  "SELECT t.trusted_account_id, a.name, t.created_at FROM trusts t"
                  " JOIN accounts a ON a.id = t.trusted_account_id WHERE t.account_id = ?"
                  " ORDER BY t.trusted_account_id",
                  "t", who->account_id);
  if (rv)
    return rv;
  json_t *arr = json_array();
  while ((rv = rd_stmt_step(s, err)) == RD_ROW)
    json_array_append_new(arr, json_pack("{s:{s:s,s:s},s:s}", "account", "id", rd_stmt_text(s, 0),
                                         "name", rd_stmt_text(s, 1), "created_at",
                                         rd_stmt_text(s, 2)));
  rd_stmt_done(s);
  if (rv < 0) {
    json_decref(arr);
    return rv;
  }
  *out = arr;
  return 0;
}

int rd_trust_add(rd_conn *c, const rd_caller *who, const char *account_id, rd_err *err) {
  if (!rd_caller_has(who, RD_ROLE_ACCOUNT_ADMINISTRATOR))
    return rd_err_set(err, RD_EFORBIDDEN, "Only an account administrator may change trusts");
  if (!strcmp(account_id, who->account_id))
    return rd_err_field(err, "account", "an account cannot trust itself");
  int64_t one = 0;
  int rv = rd_tx_begin(c, true, err);
  if (rv)
    return rv;
  rv = rd_sql_int64(c, &one, err, "SELECT 1 FROM accounts WHERE id = ?", "t", account_id);
  if (rv == RD_DONE)
    rv = rd_err_field(err, "account", "no such account");
  if (rv == RD_ROW) {
    char now[RD_TIME_LEN];
    rd_time_now(now);
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO trusts (account_id, trusted_account_id, created_at) VALUES (?, ?, ?)",
                     "ttt", who->account_id, account_id, now);
    if (rv == RD_ECONFLICT)
      rd_err_set(err, RD_ECONFLICT, "Account '%s' is already trusted", account_id);
  }
  if (!rv) {
    json_t *changes = json_pack("{s:{s:n,s:s}}", "trusted_account", "old", "new", account_id);
    rv = rd_audit_write(c, who, "trust", 0, "create", changes, err);
    json_decref(changes);
  }
  if (!rv)
    return rd_tx_commit(c, err);
  rd_tx_rollback(c);
  return rv;
}

int rd_trust_remove(rd_conn *c, const rd_caller *who, const char *account_id, rd_err *err) {
  if (!rd_caller_has(who, RD_ROLE_ACCOUNT_ADMINISTRATOR))
    return rd_err_set(err, RD_EFORBIDDEN, "Only an account administrator may change trusts");
  int rv = rd_tx_begin(c, true, err);
  if (rv)
    return rv;
  int64_t changed = 0;
  rv = rd_sql_exec(c, &changed, err, "DELETE FROM trusts WHERE account_id = ? AND trusted_account_id = ?",
                   "tt", who->account_id, account_id);
  if (!rv && changed != 1)
    rv = rd_err_set(err, RD_ENOTFOUND, "Account '%s' is not trusted", account_id);
  if (!rv) {
    json_t *changes = json_pack("{s:{s:s,s:n}}", "trusted_account", "old", account_id, "new");
    rv = rd_audit_write(c, who, "trust", 0, "delete", changes, err);
    json_decref(changes);
  }
  if (!rv)
    return rd_tx_commit(c, err);
  rd_tx_rollback(c);
  return rv;
}

/* ---- the projections (TRUST-4, ACC-7) ---- */

/* TRUST-4, ACC-7: what every reader of an organization may see of it: picture, name and
 * contact details, with the id and the owning account. */
static const char *const CONTACT_FIELDS[] = {"id", "account", "name", "picture_uri", "contact"};

/* A new record with rec's CONTACT_FIELDS (null where absent). */
static json_t *contact_card(json_t *rec) {
  json_t *out = json_object();
  for (size_t i = 0; i < sizeof CONTACT_FIELDS / sizeof *CONTACT_FIELDS; i++) {
    json_t *v = json_object_get(rec, CONTACT_FIELDS[i]);
    json_object_set(out, CONTACT_FIELDS[i], v ? v : json_null());
  }
  return out;
}

/* TRUST-4: what a foreign record shows of the viewer's annotation, with what it shows
 * before anyone writes one (JSON text). */
static const struct {
  const char *name, *empty;
  bool json; /* stored as JSON text */
} FROM_VIEWER[] = {
    {"remarks", "null", false},
    {"remarks_attachments", "[]", true},
    {"financial_id", "null", false},
    {"custom_fields", "{}", true},
};
enum { FROM_VIEWER_N = sizeof FROM_VIEWER / sizeof *FROM_VIEWER };

json_t *rd_org_project(json_t *owner, json_t *annotation) {
  json_t *out = contact_card(owner);
  for (size_t i = 0; i < FROM_VIEWER_N; i++) {
    json_t *v = annotation ? json_object_get(annotation, FROM_VIEWER[i].name) : NULL;
    if (v)
      json_object_set(out, FROM_VIEWER[i].name, v);
    else /* what an annotation holds before anyone writes one */
      json_object_set_new(out, FROM_VIEWER[i].name,
                          json_loads(FROM_VIEWER[i].empty, JSON_DECODE_ANY, NULL));
  }
  json_object_set_new(out, "foreign", json_true());
  return out;
}

json_t *rd_org_project_for_caller(const rd_caller *who, json_t *rec) {
  if (rd_caller_has(who, RD_ROLES_STAFF))
    return rec;
  /* ACC-7: a customer or partner sees no internal data, of its own organization neither. */
  json_t *out = contact_card(rec);
  json_t *foreign = json_object_get(rec, "foreign");
  json_object_set(out, "foreign", foreign ? foreign : json_false());
  json_decref(rec);
  return out;
}

/* ---- the projections in text form (issue 12) ----
 * The same tables as above, written from the stored row: the bytes of json_dumps
 * (JSON_COMPACT) of what rd_org_project and rd_org_project_for_caller give. */

/* "{" and the CONTACT_FIELDS of row, without the closing brace. */
static void contact_card_text(const rd_row *row, rd_buf *out) {
  for (size_t i = 0; i < sizeof CONTACT_FIELDS / sizeof *CONTACT_FIELDS; i++) {
    rd_buf_adds(out, i ? ",\"" : "{\"");
    rd_buf_adds(out, CONTACT_FIELDS[i]);
    rd_buf_adds(out, "\":");
    rd_row_value(row, CONTACT_FIELDS[i], out);
  }
}

void rd_org_project_text(const rd_row *owner, const char *const *ann, rd_buf *out) {
  contact_card_text(owner, out);
  for (size_t i = 0; i < FROM_VIEWER_N; i++) {
    rd_buf_adds(out, ",\"");
    rd_buf_adds(out, FROM_VIEWER[i].name);
    rd_buf_adds(out, "\":");
    if (!ann)
      rd_buf_adds(out, FROM_VIEWER[i].empty);
    else if (FROM_VIEWER[i].json)
      rd_row_splice_json(out, ann[i], FROM_VIEWER[i].empty);
    else
      rd_json_add_string(out, ann[i]);
  }
  rd_buf_adds(out, ",\"foreign\":true}");
}

int rd_org_row_for_caller(const rd_caller *who, const rd_row *row, const char *const *ann,
                          rd_buf *out) {
  bool own = !strcmp(rd_row_account(row), who->account_id);
  if (rd_caller_has(who, RD_ROLES_STAFF)) {
    if (own)
      return rd_row_record(row, out);
    rd_org_project_text(row, ann, out);
    return 0;
  }
  /* ACC-7: a customer or partner sees no internal data, of its own organization neither. */
  contact_card_text(row, out);
  rd_buf_adds(out, own ? ",\"foreign\":false}" : ",\"foreign\":true}");
  return 0;
}

/* ---- annotations (TRUST-5) ---- */

/* The caller's annotation of org id: *out (new reference) and *version, or RD_DONE when
 * there is none. */
static int annotation_get(rd_conn *c, const char *account_id, int64_t id, json_t **out,
                          int64_t *version, rd_err *err) {
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err,
                  "SELECT remarks, remarks_attachments, financial_id, custom_fields, version,"
                  " updated_at FROM org_annotations WHERE account_id = ? AND organization_id = ?",
                  "ti", account_id, id);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  if (rv == RD_ROW) {
    json_t *att = json_loads(rd_stmt_text(s, 1), 0, NULL);
    json_t *cf = json_loads(rd_stmt_text(s, 3), 0, NULL);
    *out = json_pack("{s:s?,s:o,s:s?,s:o}", "remarks", rd_stmt_text(s, 0), "remarks_attachments",
                     att ? att : json_array(), "financial_id", rd_stmt_text(s, 2),
                     "custom_fields", cf ? cf : json_object());
    *version = rd_stmt_int64(s, 4);
  }
  rd_stmt_done(s);
  return rv;
}

/* One record is in the view when the page of length 1 after id - 1 starts with it: every
 * source then stops at its first id >= id, so this costs a few index probes. */
int rd_org_in_view(rd_conn *c, const rd_caller *who, int64_t id, rd_err *err) {
  char today[RD_DATE_LEN];
  rd_date_today(today);
  rd_param p[PAGE_NPARAMS + 2];
  p[0] = (rd_param){.type = 'i', .i = id};
  p[1] = (rd_param){.type = 't', .t = who->account_id};
  page_params(p + 2, who->account_id, id - 1, 0, today);
  rd_stmt *s = NULL;
  int rv = rd_sql_params(c, &s, err,
                         "SELECT 1 FROM organizations o WHERE o.id = ? AND o.account_id <> ?"
                         " AND o.id IN (SELECT id FROM (SELECT o2.id FROM organizations o2"
                         " WHERE 1 = 0) b0" FOREIGN_PAGE ")",
                         p, PAGE_NPARAMS + 2);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  rd_stmt_done(s);
  return rv;
}

static int owner_of(rd_conn *c, int64_t id, char owner[RD_ACCOUNT_ID_MAX + 1], rd_err *err) {
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err, "SELECT account_id FROM organizations WHERE id = ?", "i", id);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  if (rv == RD_ROW)
    snprintf(owner, RD_ACCOUNT_ID_MAX + 1, "%s", rd_stmt_text(s, 0));
  else if (rv == RD_DONE)
    rv = rd_err_set(err, RD_ENOTFOUND, "No organization with id %lld", (long long)id);
  rd_stmt_done(s);
  return rv < 0 ? rv : 0;
}

int rd_org_view_get(rd_conn *c, const rd_caller *who, int64_t id, json_t **out,
                    int64_t *version, rd_err *err) {
  char owner[RD_ACCOUNT_ID_MAX + 1];
  int rv = owner_of(c, id, owner, err);
  if (rv)
    return rv;
  if (!strcmp(owner, who->account_id))
    return rd_org_get(c, who, id, out, version, err);
  rv = rd_org_in_view(c, who, id, err);
  if (rv == RD_DONE)
    return rd_err_set(err, RD_ENOTFOUND, "No organization with id %lld", (long long)id);
  if (rv < 0)
    return rv;
  json_t *rec = NULL, *ann = NULL;
  int64_t ann_version = 0;
  rv = rd_rec_get(c, &rd_org_type, owner, id, &rec, NULL, err);
  if (!rv)
    rv = annotation_get(c, who->account_id, id, &ann, &ann_version, err);
  if (rv >= 0) {
    *out = rd_org_project_for_caller(who, rd_org_project(rec, ann));
    *version = ann_version;
    rv = 0;
  }
  json_decref(rec);
  json_decref(ann);
  return rv;
}

/* The parameters of VIEW_PAGE (or FOREIGN_ONLY_PAGE) into p (PAGE_NPARAMS + 3 of them);
 * today is filled and must outlive p. Returns how many. */
static int view_params(const rd_caller *who, bool foreign_only, int64_t after, int limit,
                       char today[RD_DATE_LEN], rd_param *p) {
  rd_date_today(today);
  int n = 0;
  p[n++] = (rd_param){.type = 't', .t = who->account_id};
  if (!foreign_only) {
    p[n++] = (rd_param){.type = 'i', .i = after};
    p[n++] = (rd_param){.type = 'i', .i = (int64_t)limit + 1};
  }
  page_params(p + n, who->account_id, after, limit, today);
  return n + PAGE_NPARAMS;
}

int rd_org_view_list(rd_conn *c, const rd_caller *who, bool foreign_only, int64_t after,
                     int limit, json_t **out, bool *more, rd_err *err) {
  char today[RD_DATE_LEN];
  rd_param p[PAGE_NPARAMS + 3];
  int n = view_params(who, foreign_only, after, limit, today, p);
  const char *where = foreign_only ? FOREIGN_ONLY_PAGE : VIEW_PAGE;
  json_t *rows = NULL;
  int rv = rd_rec_list(c, &rd_org_type, NULL, where, p, n, after, limit, &rows, more, err);
  if (rv)
    return rv;
  /* The viewer's annotations of the foreign rows of this page, in one query. */
  size_t count = json_array_size(rows);
  json_t *anns = json_object();
  if (count) {
    rd_stmt *s = NULL;
    rv = rd_sql(c, &s, err,
                "SELECT organization_id, remarks, remarks_attachments, financial_id, custom_fields"
                " FROM org_annotations WHERE account_id = ? AND organization_id >= ?"
                " AND organization_id <= ?",
                "tii", who->account_id,
                (int64_t)json_integer_value(json_object_get(json_array_get(rows, 0), "id")),
                (int64_t)json_integer_value(json_object_get(json_array_get(rows, count - 1), "id")));
    /* Every row of the page's range (a test of the text form found that "!rv &&" here
     * stopped after the first annotation: RD_ROW is not 0). */
    while (rv >= 0 && (rv = rd_stmt_step(s, err)) == RD_ROW) {
      char key[24];
      snprintf(key, sizeof key, "%lld", (long long)rd_stmt_int64(s, 0));
      json_t *att = json_loads(rd_stmt_text(s, 2), 0, NULL);
      json_t *cf = json_loads(rd_stmt_text(s, 4), 0, NULL);
      json_object_set_new(anns, key,
                          json_pack("{s:s?,s:o,s:s?,s:o}", "remarks", rd_stmt_text(s, 1),
                                    "remarks_attachments", att ? att : json_array(),
                                    "financial_id", rd_stmt_text(s, 3), "custom_fields",
                                    cf ? cf : json_object()));
    }
    rd_stmt_done(s);
    rv = rv < 0 ? rv : 0;
  }
  for (size_t i = 0; !rv && i < count; i++) {
    json_t *rec = json_array_get(rows, i), *shown = NULL;
    const char *acct = json_string_value(json_object_get(json_object_get(rec, "account"), "id"));
    if (acct && !strcmp(acct, who->account_id)) {
      shown = json_incref(rec);
    } else {
      char key[24];
      snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(rec, "id")));
      shown = rd_org_project(rec, json_object_get(anns, key));
    }
    json_array_set_new(rows, i, rd_org_project_for_caller(who, shown));
  }
  json_decref(anns);
  if (rv) {
    json_decref(rows);
    return rv;
  }
  *out = rows;
  return 0;
}

/* A row of the view: the viewer's annotation from the page's extra columns (the first says
 * whether one exists, then FROM_VIEWER's in order). */
static int view_row(const rd_row *row, void *arg, rd_buf *out) {
  const char *ann[FROM_VIEWER_N];
  for (int i = 0; i < FROM_VIEWER_N; i++)
    ann[i] = rd_row_extra(row, i + 1);
  return rd_org_row_for_caller(arg, row, rd_row_extra(row, 0) ? ann : NULL, out);
}

int rd_org_view_list_text(rd_conn *c, const rd_caller *who, bool foreign_only, int64_t after,
                          int limit, rd_buf *out, int64_t *last_id, bool *more, rd_err *err) {
  char today[RD_DATE_LEN];
  rd_param p[PAGE_NPARAMS + 3];
  int n = view_params(who, foreign_only, after, limit, today, p);
  /* The viewer's annotations come with the rows (one index probe each). */
  rd_param jp = {.type = 't', .t = who->account_id};
  rd_list_q q = {.where = foreign_only ? FOREIGN_ONLY_PAGE : VIEW_PAGE, .p = p, .np = n,
                 .extra_cols = ", an.organization_id, an.remarks, an.remarks_attachments,"
                               " an.financial_id, an.custom_fields",
                 .extra_join = " LEFT JOIN org_annotations an ON an.account_id = ?"
                               " AND an.organization_id = t.id",
                 .jp = &jp, .njp = 1, .after = after, .limit = limit,
                 /* PostgreSQL: 4-5 ms to plan the five branches for every page, 0.5 ms to
                  * run the generic plan (bench/RESULTS.md). */
                 .generic_plan = true};
  return rd_rec_list_text(c, &rd_org_type, &q, view_row, (void *)who, out, last_id, more, err);
}

static const char *const ANNOTATION_FIELDS[] = {"remarks", "remarks_attachments", "financial_id",
                                                "custom_fields", NULL};

/* TRUST-5: the viewer's own fields of a foreign organization are checked against the
 * viewer's definitions and uploads, never the owner's. */
static int annotation_validate(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                               json_t *old, json_t *rec, rd_err *err) {
  (void)t;
  (void)id;
  if (!json_is_array(json_object_get(rec, "remarks_attachments")))
    json_object_set_new(rec, "remarks_attachments", json_array());
  if (!json_is_object(json_object_get(rec, "custom_fields")))
    json_object_set_new(rec, "custom_fields", json_object());
  int rv = rd_custom_values_check(c, who->account_id, "organization",
                                  json_object_get(old, "custom_fields"),
                                  json_object_get(rec, "custom_fields"), err);
  if (rv && rv != RD_EINVAL)
    return rv;
  return rd_org_check_attachments(c, who->account_id, json_object_get(rec, "remarks_attachments"),
                                  err);
}

static int annotation_after_write(rd_conn *c, const rd_caller *who, int64_t id, json_t *old,
                                  json_t *rec, rd_err *err) {
  json_t *cf = json_object_get(rec, "custom_fields");
  if (old ? json_equal(json_object_get(old, "custom_fields"), cf) : json_object_size(cf) == 0)
    return 0;
  return rd_custom_values_store(c, who->account_id, id, cf, err);
}

/* A foreign organization's annotation in the viewer's account: a record type whose key
 * (with account_id) is the organization's id, written with rd_rec_put. Its fields are the
 * organization's own of the same names (rd_rec_check against rd_org_type). Audited as
 * the organization ("annotate") in the viewer's trail (ACC-6); the owner's is untouched. */
static const rd_field ANNOTATION[] = {
    {.name = "remarks", .column = "remarks", .type = RD_FT_TEXT, .flags = RD_FF_MULTILINE},
    {.name = "remarks_attachments", .column = "remarks_attachments", .type = RD_FT_JSON, .def = "[]"},
    {.name = "financial_id", .column = "financial_id", .type = RD_FT_TEXT},
    {.name = "custom_fields", .column = "custom_fields", .type = RD_FT_JSON, .def = "{}"},
};

static const rd_rtype annotation_type = {
    .name = "organization",
    .table = "org_annotations",
    .key_column = "organization_id",
    .fields = ANNOTATION,
    .nfields = sizeof ANNOTATION / sizeof *ANNOTATION,
    .validate = annotation_validate,
    .after_write = annotation_after_write,
    .read_roles = RD_ROLES_ALL,
    .write_roles = RD_ROLE_SERVICE_LEVEL_MANAGER | RD_ROLE_ACCOUNT_ADMINISTRATOR,
    .denied = "Only a service level manager or account administrator may %s another account's"
              " organization",
};

int rd_org_annotate(rd_conn *c, const rd_caller *who, int64_t id, json_t *patch,
                    int64_t if_match, rd_err *err) {
  char owner[RD_ACCOUNT_ID_MAX + 1];
  int rv = rd_tx_begin(c, true, err);
  if (rv)
    return rv;
  rv = owner_of(c, id, owner, err);
  if (!rv) {
    rv = rd_org_in_view(c, who, id, err);
    if (rv == RD_DONE)
      rv = rd_err_set(err, RD_ENOTFOUND, "No organization with id %lld", (long long)id);
    rv = rv < 0 ? rv : 0;
  }
  if (!rv)
    rv = rd_rec_allow(who, &annotation_type, RD_REC_UPDATE, err);
  if (!rv)
    rv = rd_rec_check(&rd_org_type, patch, false, ANNOTATION_FIELDS, err);
  if (!rv)
    rv = rd_rec_put(c, who, &annotation_type, id, patch, if_match, "annotate", err);
  if (!rv)
    return rd_tx_commit(c, err);
  rd_tx_rollback(c);
  return rv;
}

int rd_org_view_update(rd_conn *c, const rd_caller *who, int64_t id, json_t *patch,
                       int64_t if_match, rd_err *err) {
  char owner[RD_ACCOUNT_ID_MAX + 1];
  int rv = owner_of(c, id, owner, err);
  if (rv)
    return rv;
  if (!strcmp(owner, who->account_id))
    return rd_org_update(c, who, id, patch, if_match, err);
  return rd_org_annotate(c, who, id, patch, if_match, err);
}
