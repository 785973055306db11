/* /v1/organizations (ORG-1..4): list with filters, create, and get/patch of any record of
 * the caller's All Organizations view (own records whole, foreign ones per TRUST-4/5). */
#include <string.h>

#include "api/api.h"
#include "domain/org.h"
#include "domain/trust.h"

static const char *const LIST_PARAMS[] = {"per_page", "cursor", "name", "q", "disabled", "parent",
                                          "financial_id", "custom_fields.", "rmm_mapped", NULL};

typedef struct cf_arg {
  rd_org_filter *f;
  int count;
} cf_arg;

static bool find_cf(void *arg, const char *k, const char *v) {
  cf_arg *a = arg;
  if (!strncmp(k, "custom_fields.", 14)) {
    a->f->cf_key = k + 14;
    a->f->cf_value = v ? v : "";
    a->count++;
  }
  return true;
}

int rd_api_org_list(rd_ctx *x, rd_err *err) {
  rd_org_filter f = {.disabled = -1};
  int mapped = -1;
  int64_t after = 0;
  int limit = 0;
  int rv = rd_api_query_check(x, LIST_PARAMS, err);
  if (!rv)
    rv = rd_api_page(x, &after, &limit, err);
  if (!rv)
    rv = rd_api_query_bool(x, "disabled", &f.disabled, err);
  if (!rv)
    rv = rd_api_query_id(x, "parent", &f.parent, err);
  if (!rv)
    rv = rd_api_query_bool(x, "rmm_mapped", &mapped, err);
  if (rv)
    return rv;
  f.rmm_mapped = mapped < 0 ? 0 : mapped ? 1 : 2;
  f.name = rd_req_query(x->req, "name");
  f.q = rd_req_query(x->req, "q");
  f.financial_id = rd_req_query(x->req, "financial_id");
  cf_arg cf = {&f, 0};
  rd_req_query_foreach(x->req, find_cf, &cf);
  if (cf.count > 1)
    return rd_err_set(err, RD_EBADREQ, "At most one custom_fields.<key> filter");
  rd_buf page;
  rd_buf_init(&page);
  int64_t last = 0;
  bool more = false;
  rv = rd_org_list_text(x->db, &x->who, &f, after, limit, &page, &last, &more, err);
  if (!rv)
    rd_api_list_text(x, &page, last, more);
  rd_buf_term(&page);
  return rv;
}

static int answer(rd_ctx *x, int64_t id, bool created, rd_err *err) {
  json_t *rec = NULL;
  int64_t version = 0;
  int rv = rd_org_view_get(x->db, &x->who, id, &rec, &version, err);
  if (rv)
    return rv;
  if (created)
    rd_api_created(x, "/v1/organizations", id, rec, version);
  else
    rd_api_json(x, 200, rec, version);
  return 0;
}

int rd_api_org_create(rd_ctx *x, rd_err *err) {
  json_t *in = NULL;
  int64_t id = 0;
  int rv = rd_api_body(x, &in, err);
  if (!rv)
    rv = rd_org_create(x->db, &x->who, in, &id, err);
  json_decref(in);
  return rv ? rv : answer(x, id, true, err);
}

int rd_api_org_get(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  int rv = rd_api_id(x, 0, &id, err);
  return rv ? rv : answer(x, id, false, err);
}

int rd_api_org_patch(rd_ctx *x, rd_err *err) {
  json_t *in = NULL;
  int64_t id = 0, if_match = -1;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_api_if_match(x, &if_match, err);
  if (!rv)
    rv = rd_api_body(x, &in, err);
  if (!rv)
    rv = rd_org_view_update(x->db, &x->who, id, in, if_match, err);
  json_decref(in);
  return rv ? rv : answer(x, id, false, err);
}
