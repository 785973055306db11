/* Services, SLAs and FLSAs: see agreement.h. Who may change them is declared in their
 * rtypes (AGREEMENT_WRITERS) and checked by the record engine. */
#include "domain/agreement.h"

#include <string.h>

#include "base/time.h"

#define AGREEMENT_WRITERS (RD_ROLE_ACCOUNT_ADMINISTRATOR | RD_ROLE_SERVICE_LEVEL_MANAGER)

const char *rd_agreement_status(const char *start, const char *expiry, bool cancelled,
                                const char *today) {
  if (cancelled)
    return "cancelled";
  if (start && strcmp(start, today) > 0)
    return "pending";
  if (expiry && strcmp(expiry, today) <= 0)
    return "expired";
  return "active";
}

/* TRUST-2: the customer organization must be the registering account's own, or live in
 * an account that trusts the registering account: consent comes from the customer's side,
 * and a trust by the registering (provider) account grants nothing. Sets
 * customer_account. */
static int check_customer(rd_conn *c, const rd_caller *who, json_t *rec, rd_err *err) {
  json_t *ref = json_object_get(rec, "customer");
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err,
                  "SELECT o.account_id FROM organizations o WHERE o.id = ? AND (o.account_id = ?"
                  " OR EXISTS (SELECT 1 FROM trusts t WHERE t.account_id = o.account_id"
                  " AND t.trusted_account_id = ?))",
                  "itt", (int64_t)json_integer_value(json_object_get(ref, "id")), who->account_id,
                  who->account_id);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  if (rv == RD_ROW)
    json_object_set_new(rec, "customer_account",
                        json_pack("{s:s}", "id", rd_stmt_text(s, 0)));
  else if (rv == RD_DONE)
    rd_err_field(err, "customer",
                 "must be an organization of this account or of an account that trusts it");
  rd_stmt_done(s);
  return rv < 0 ? rv : 0;
}

static int validate_agreement(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                              json_t *old, json_t *rec, rd_err *err) {
  (void)id, (void)t;
  int rv = 0;
  json_t *cust = json_object_get(rec, "customer");
  /* TRUST-2: consent is checked when a customer is named (create, or a PATCH changing
   * it). Other changes of an agreement whose customer has since withdrawn its trust stay
   * possible (cancelling it, above all); the view hides it at read time (TRUST-3). */
  if (!old || !json_equal(json_object_get(json_object_get(old, "customer"), "id"),
                          json_object_get(cust, "id")))
    rv = check_customer(c, who, rec, err);
  if (rv)
    return rv;
  const char *start = json_string_value(json_object_get(rec, "start_date"));
  const char *expiry = json_string_value(json_object_get(rec, "expiry_date"));
  if (start && expiry && strcmp(expiry, start) <= 0)
    rd_err_field(err, "expiry_date", "must be after the start date");
  json_object_del(rec, "status");
  return err && err->code ? err->code : 0;
}

static int decorate_agreement(rd_conn *c, json_t *rec, rd_err *err) {
  (void)c, (void)err;
  char today[RD_DATE_LEN];
  rd_date_today(today);
  json_object_set_new(rec, "status",
                      json_string(rd_agreement_status(
                          json_string_value(json_object_get(rec, "start_date")),
                          json_string_value(json_object_get(rec, "expiry_date")),
                          json_is_true(json_object_get(rec, "cancelled")), today)));
  return 0;
}

/* decorate_agreement in text form (issue 12): the status from the row's dates. */
static void decorate_agreement_text(const rd_row *row, const rd_field *f, rd_buf *out) {
  if (!f || strcmp(f->name, "status"))
    return;
  char today[RD_DATE_LEN];
  rd_date_today(today);
  rd_json_add_string(out, rd_agreement_status(rd_row_text(row, "start_date"),
                                              rd_row_text(row, "expiry_date"),
                                              rd_row_bool(row, "cancelled"), today));
}

static const rd_field SERVICE_FIELDS[] = {
    {.name = "name", .column = "name", .type = RD_FT_TEXT, .flags = RD_FF_REQUIRED, .max_len = 128},
    {.name = "provider", .column = "provider_org_id", .type = RD_FT_REF, .flags = RD_FF_REQUIRED, .ref_table = "organizations", .ref_name_sql = "r.name"},
};

static const rd_field SLA_FIELDS[] = {
    {.name = "service", .column = "service_id", .type = RD_FT_REF, .flags = RD_FF_REQUIRED, .ref_table = "services", .ref_name_sql = "r.name"},
    {.name = "customer", .column = "customer_org_id", .type = RD_FT_REF, .flags = RD_FF_REQUIRED | RD_FF_ANYACCOUNT, .ref_table = "organizations", .ref_name_sql = "r.name"},
    {.name = "customer_account", .column = "customer_account_id", .type = RD_FT_ACCOUNT, .flags = RD_FF_READONLY},
    {.name = "start_date", .column = "start_date", .type = RD_FT_DATE, .flags = RD_FF_REQUIRED},
    {.name = "expiry_date", .column = "expiry_date", .type = RD_FT_DATE},
    {.name = "cancelled", .column = "cancelled", .type = RD_FT_BOOL, .flags = RD_FF_NOTNULL, .def = "false"},
    {.name = "status", .type = RD_FT_TEXT, .flags = RD_FF_READONLY},
};

static const rd_field FLSA_FIELDS[] = {
    {.name = "provider", .column = "provider_org_id", .type = RD_FT_REF, .flags = RD_FF_REQUIRED, .ref_table = "organizations", .ref_name_sql = "r.name"},
    {.name = "customer", .column = "customer_org_id", .type = RD_FT_REF, .flags = RD_FF_REQUIRED | RD_FF_ANYACCOUNT, .ref_table = "organizations", .ref_name_sql = "r.name"},
    {.name = "customer_account", .column = "customer_account_id", .type = RD_FT_ACCOUNT, .flags = RD_FF_READONLY},
    {.name = "service_desk_team", .column = "service_desk_team_id", .type = RD_FT_REF, .ref_table = "teams", .ref_name_sql = "r.name"},
    {.name = "start_date", .column = "start_date", .type = RD_FT_DATE, .flags = RD_FF_REQUIRED},
    {.name = "expiry_date", .column = "expiry_date", .type = RD_FT_DATE},
    {.name = "cancelled", .column = "cancelled", .type = RD_FT_BOOL, .flags = RD_FF_NOTNULL, .def = "false"},
    {.name = "status", .type = RD_FT_TEXT, .flags = RD_FF_READONLY},
};

const rd_rtype rd_service_type = {.name = "service", .table = "services", .fields = SERVICE_FIELDS,
                                  .nfields = sizeof SERVICE_FIELDS / sizeof *SERVICE_FIELDS,
                                  .read_roles = RD_ROLES_STAFF, .write_roles = AGREEMENT_WRITERS};
const rd_rtype rd_sla_type = {.name = "sla", .table = "slas", .fields = SLA_FIELDS,
                              .nfields = sizeof SLA_FIELDS / sizeof *SLA_FIELDS,
                              .validate = validate_agreement, .decorate = decorate_agreement,
                              .decorate_text = decorate_agreement_text,
                              .read_roles = RD_ROLES_STAFF, .write_roles = AGREEMENT_WRITERS};
const rd_rtype rd_flsa_type = {.name = "flsa", .table = "flsas", .fields = FLSA_FIELDS,
                               .nfields = sizeof FLSA_FIELDS / sizeof *FLSA_FIELDS,
                               .validate = validate_agreement, .decorate = decorate_agreement,
                              .decorate_text = decorate_agreement_text,
                               .read_roles = RD_ROLES_STAFF, .write_roles = AGREEMENT_WRITERS};

/* The status filter as a condition over alias t with its parameters (today) in p: 0, or
 * 400 when status is not a status name. */
static int status_where(const char *status, const char **where, int *np, rd_err *err) {
  *where = NULL;
  *np = 0;
  if (!status)
    return 0;
  if (!strcmp(status, "active")) {
    *where = RD_AGREEMENT_ACTIVE_SQL("t");
    *np = 2;
  } else if (!strcmp(status, "cancelled")) {
    *where = "t.cancelled";
  } else if (!strcmp(status, "pending")) {
    *where = "NOT t.cancelled AND t.start_date > ?";
    *np = 1;
  } else if (!strcmp(status, "expired")) {
    *where = "NOT t.cancelled AND t.start_date <= ? AND t.expiry_date <= ?";
    *np = 2;
  } else {
    rd_err_set(err, RD_EBADREQ, "Bad query parameter");
    rd_err_field(err, "status", "must be pending, active, expired or cancelled");
    err->code = RD_EBADREQ;
    err->status = 400;
    return RD_EBADREQ;
  }
  return 0;
}

int rd_agreement_list(rd_conn *c, const rd_caller *who, const rd_rtype *t, const char *status,
                      int64_t after, int limit, json_t **out, bool *more, rd_err *err) {
  char today[RD_DATE_LEN];
  rd_date_today(today);
  const char *where = NULL;
  rd_param p[2] = {{.type = 't', .t = today}, {.type = 't', .t = today}};
  int np = 0;
  int rv = status_where(status, &where, &np, err);
  return rv ? rv : rd_rec_read_list(c, who, t, where, p, np, after, limit, out, more, err);
}

int rd_agreement_list_text(rd_conn *c, const rd_caller *who, const rd_rtype *t,
                           const char *status, int64_t after, int limit, rd_buf *out,
                           int64_t *last_id, bool *more, rd_err *err) {
  char today[RD_DATE_LEN];
  rd_date_today(today);
  rd_param p[2] = {{.type = 't', .t = today}, {.type = 't', .t = today}};
  rd_list_q q = {.account_id = who->account_id, .p = p, .after = after, .limit = limit};
  int rv = status_where(status, &q.where, &q.np, err);
  return rv ? rv : rd_rec_read_list_text(c, who, t, &q, out, last_id, more, err);
}
