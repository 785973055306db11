/* /v1/account/trusts (TRUST-1) and the All Organizations view: /v1/organizations/all and
 * /v1/organizations/trusted (TRUST-3..6). */
#include <string.h>

#include "api/api.h"
#include "domain/trust.h"

int rd_api_trust_list(rd_ctx *x, rd_err *err) {
  json_t *rows = NULL;
  int rv = rd_trust_list(x->db, &x->who, &rows, err);
  if (!rv)
    rd_api_json(x, 200, rows, -1);
  return rv;
}

int rd_api_trust_add(rd_ctx *x, rd_err *err) {
  json_t *in = NULL;
  int rv = rd_api_body(x, &in, err);
  if (rv)
    return rv;
  const char *k;
  json_t *v;
  json_object_foreach(in, k, v) {
    if (strcmp(k, "account"))
      rd_err_field(err, k, "unknown field");
  }
  json_t *acct = json_object_get(in, "account");
  if (!acct)
    rd_err_field(err, "account", "is required");
  else if (!json_is_string(acct) || json_string_length(acct) > 64)
    rd_err_field(err, "account", "must be an account id");
  rv = err->code;
  if (!rv)
    rv = rd_trust_add(x->db, &x->who, json_string_value(acct), err);
  if (!rv) {
    json_t *rows = NULL;
    rv = rd_trust_list(x->db, &x->who, &rows, err);
    json_t *created = NULL;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
      if (!strcmp(json_string_value(json_object_get(json_object_get(row, "account"), "id")),
                  json_string_value(acct)))
        created = json_incref(row);
    }
    json_decref(rows);
    char loc[128];
    snprintf(loc, sizeof loc, "/v1/account/trusts/%s", json_string_value(acct));
    rd_resp_header(x->req, "Location", loc);
    rd_api_json(x, 201, created ? created : json_object(), -1);
  }
  json_decref(in);
  return rv;
}

/* GET /v1/account/trusts/{account_id}: one trust, the Location of a new one (issue 12). */
int rd_api_trust_get(rd_ctx *x, rd_err *err) {
  json_t *rows = NULL, *found = NULL;
  int rv = rd_api_query_check(x, NULL, err);
  if (!rv)
    rv = rd_trust_list(x->db, &x->who, &rows, err);
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    const char *id = json_string_value(json_object_get(json_object_get(row, "account"), "id"));
    if (id && !strcmp(id, x->params[0]))
      found = json_incref(row);
  }
  json_decref(rows);
  if (!rv && !found)
    rv = rd_err_set(err, RD_ENOTFOUND, "This account does not trust %.64s", x->params[0]);
  if (!rv)
    rd_api_json(x, 200, found, -1);
  return rv;
}

int rd_api_trust_remove(rd_ctx *x, rd_err *err) {
  int rv = rd_trust_remove(x->db, &x->who, x->params[0], err);
  if (!rv)
    rd_api_no_content(x);
  return rv;
}

static const char *const LIST_PARAMS[] = {"per_page", "cursor", NULL};

static int view(rd_ctx *x, bool foreign_only, rd_err *err) {
  int64_t after = 0;
  int limit = 0;
  int rv = rd_api_query_check(x, LIST_PARAMS, err);
  if (!rv)
    rv = rd_api_page(x, &after, &limit, err);
  rd_buf page;
  rd_buf_init(&page);
  int64_t last = 0;
  bool more = false;
  if (!rv)
    rv = rd_org_view_list_text(x->db, &x->who, foreign_only, after, limit, &page, &last, &more,
                               err);
  if (!rv)
    rd_api_list_text(x, &page, last, more);
  rd_buf_term(&page);
  return rv;
}

int rd_api_org_all(rd_ctx *x, rd_err *err) {
  return view(x, false, err);
}

int rd_api_org_trusted(rd_ctx *x, rd_err *err) {
  return view(x, true, err);
}
