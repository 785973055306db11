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
  json_t *rows = NULL;
  bool more = false;
  rv = rd_rec_list(x->db, &rd_custom_field_type, x->who.account_id, rt ? "t.record_type = ?" : NULL,
                   &p, rt ? 1 : 0, after, limit, &rows, &more, err);
  if (!rv)
    rd_api_list(x, rows, more);
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

typedef struct args {
  rd_ctx *x;
  json_t *in;
  int64_t id, if_match;
} args;

static int do_create(rd_conn *c, void *arg, rd_err *err) {
  args *a = arg;
  return rd_rec_create(c, &a->x->who, &rd_custom_field_type, a->in, &a->id, err);
}

static int do_update(rd_conn *c, void *arg, rd_err *err) {
  args *a = arg;
  return rd_rec_update(c, &a->x->who, &rd_custom_field_type, a->id, a->in, a->if_match, err);
}

static int do_delete(rd_conn *c, void *arg, rd_err *err) {
  args *a = arg;
  return rd_custom_field_delete(c, &a->x->who, a->id, err);
}

int rd_api_custom_field_create(rd_ctx *x, rd_err *err) {
  args a = {x, NULL, 0, -1};
  int rv = rd_api_body(x, &a.in, err);
  if (!rv)
    rv = rd_rec_check(&rd_custom_field_type, a.in, true, NULL, err);
  if (!rv)
    rv = rd_with_tx(x->db, err, do_create, &a);
  if (rv == RD_ECONFLICT) {
    rd_err_set(err, RD_ECONFLICT, "A custom field with this key already exists for this record type");
    rd_err_field(err, "key", "is already defined");
  }
  json_decref(a.in);
  return rv ? rv : answer(x, a.id, true, err);
}

int rd_api_custom_field_get(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  int rv = rd_api_id(x, 0, &id, err);
  return rv ? rv : answer(x, id, false, err);
}

int rd_api_custom_field_patch(rd_ctx *x, rd_err *err) {
  args a = {x, NULL, 0, -1};
  int rv = rd_api_id(x, 0, &a.id, err);
  if (!rv)
    rv = rd_api_if_match(x, &a.if_match, err);
  if (!rv)
    rv = rd_api_body(x, &a.in, err);
  if (!rv)
    rv = rd_rec_check(&rd_custom_field_type, a.in, false, NULL, err);
  if (!rv)
    rv = rd_with_tx(x->db, err, do_update, &a);
  json_decref(a.in);
  return rv ? rv : answer(x, a.id, false, err);
}

int rd_api_custom_field_delete(rd_ctx *x, rd_err *err) {
  args a = {x, NULL, 0, -1};
  int rv = rd_api_id(x, 0, &a.id, err);
  if (!rv)
    rv = rd_with_tx(x->db, err, do_delete, &a);
  if (!rv)
    rd_api_no_content(x);
  return rv;
}
