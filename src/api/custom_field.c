/* /v1/custom_fields (ORG-2): definitions, administered by account administrators. */
#include "api/api.h"
#include "domain/custom_field.h"

static const char *const LIST_PARAMS[] = {"per_page", "cursor", "record_type", NULL};

int rd_api_custom_field_list(rd_ctx *x, rd_err *err) {
  int64_t after = 0;
  int limit = 0;
  int rv = rd_api_query_check(x, LIST_PARAMS, err);
  if (!rv)
    rv = rd_api_page(x, &after, &limit, err);
  if (rv)
    return rv;
  const char *rt = rd_req_query(x->req, "record_type");
  rd_param p = {.type = 't', .t = rt};
  rd_list_q q = {.account_id = x->who.account_id, .where = rt ? "t.record_type = ?" : NULL,
                 .p = &p, .np = rt ? 1 : 0, .after = after, .limit = limit};
  rd_buf page;
  rd_buf_init(&page);
  int64_t last = 0;
  bool more = false;
  rv = rd_rec_list_text(x->db, &rd_custom_field_type, &q, NULL, NULL, &page, &last, &more, err);
  if (!rv)
    rd_api_list_text(x, &page, last, more);
  rd_buf_term(&page);
  return rv;
}

static int answer(rd_ctx *x, int64_t id, bool created, rd_err *err) {
  json_t *rec = NULL;
  int64_t version = 0;
  int rv = rd_rec_get(x->db, &rd_custom_field_type, x->who.account_id, id, &rec, &version, err);
  if (rv)
    return rv;
  if (created)
    rd_api_created(x, "/v1/custom_fields", id, rec, version);
  else
    rd_api_json(x, 200, rec, version);
  return 0;
}

int rd_api_custom_field_create(rd_ctx *x, rd_err *err) {
  json_t *in = NULL;
  int64_t id = 0;
  int rv = rd_api_body(x, &in, err);
  if (!rv)
    rv = rd_custom_field_create(x->db, &x->who, in, &id, err);
  json_decref(in);
  return rv ? rv : answer(x, id, true, err);
}

int rd_api_custom_field_get(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  int rv = rd_api_id(x, 0, &id, err);
  return rv ? rv : answer(x, id, false, err);
}

int rd_api_custom_field_patch(rd_ctx *x, rd_err *err) {
  json_t *in = NULL;
  int64_t id = 0, if_match = -1;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_api_if_match(x, &if_match, err);
  if (!rv)
    rv = rd_api_body(x, &in, err);
  if (!rv)
    rv = rd_custom_field_update(x->db, &x->who, id, in, if_match, err);
  json_decref(in);
  return rv ? rv : answer(x, id, false, err);
}

int rd_api_custom_field_delete(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_custom_field_delete(x->db, &x->who, id, err);
  if (!rv)
    rd_api_no_content(x);
  return rv;
}
