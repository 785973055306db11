/* The generic handlers of resources on the record engine (issue 11): HTTP in, one call of
 * the engine's entry points (rd_rec_read_list_text, rd_rec_read, rd_rec_create_tx,
 * rd_rec_update_tx, rd_rec_delete_tx), HTTP out. Roles, input checks, transactions,
 * versions and the audit are the engine's; a resource's own file names them with
 * RD_API_RECORD_HANDLERS (api.h). */
#include <string.h>

#include "api/api.h"
#include "domain/record.h"

static const char *const LIST_PARAMS[] = {"per_page", "cursor", NULL};

int rd_api_rec_list(rd_ctx *x, const rd_rtype *t, rd_err *err) {
  int64_t after = 0;
  int limit = 0;
  rd_buf page;
  rd_buf_init(&page);
  int64_t last = 0;
  bool more = false;
  int rv = rd_api_query_check(x, LIST_PARAMS, err);
  if (!rv)
    rv = rd_api_page(x, &after, &limit, err);
  rd_list_q q = {.account_id = x->who.account_id, .after = after, .limit = limit};
  if (!rv)
    rv = rd_rec_read_list_text(x->db, &x->who, t, &q, &page, &last, &more, err);
  if (!rv)
    rd_api_list_text(x, &page, last, more);
  rd_buf_term(&page);
  return rv;
}

int rd_api_answer(rd_ctx *x, rd_api_getter get, int64_t id, const char *collection, rd_err *err) {
  json_t *rec = NULL;
  int64_t version = 0;
  int rv = get(x->db, &x->who, id, &rec, &version, err);
  if (rv)
    return rv;
  if (collection)
    rd_api_created(x, collection, id, rec, version);
  else
    rd_api_json(x, 200, rec, version);
  return 0;
}

/* The record as get reads it for the caller (NULL: rd_rec_read, the stored record), 201
 * with its Location (the POST route's path is the collection) or 200, with its ETag. */
static int answer(rd_ctx *x, const rd_rtype *t, rd_api_getter get, int64_t id, bool created,
                  rd_err *err) {
  json_t *rec = NULL;
  int64_t version = 0;
  int rv = get ? get(x->db, &x->who, id, &rec, &version, err)
               : rd_rec_read(x->db, &x->who, t, id, &rec, &version, err);
  if (rv)
    return rv;
  if (created)
    rd_api_created(x, x->route->pattern, id, rec, version);
  else
    rd_api_json(x, 200, rec, version);
  return 0;
}

int rd_api_rec_get(rd_ctx *x, const rd_rtype *t, rd_err *err) {
  return rd_api_rec_get_as(x, t, NULL, err);
}

int rd_api_rec_get_as(rd_ctx *x, const rd_rtype *t, rd_api_getter get, rd_err *err) {
  int64_t id = 0;
  int rv = rd_api_id(x, 0, &id, err);
  return rv ? rv : answer(x, t, get, id, false, err);
}

int rd_api_rec_create(rd_ctx *x, const rd_rtype *t, rd_err *err) {
  return rd_api_rec_create_as(x, t, NULL, err);
}

int rd_api_rec_create_as(rd_ctx *x, const rd_rtype *t, rd_api_getter get, rd_err *err) {
  json_t *in = NULL;
  int64_t id = 0;
  int rv = rd_api_body(x, &in, err);
  if (!rv)
    rv = rd_rec_create_tx(x->db, &x->who, t, in, &id, err);
  json_decref(in);
  return rv ? rv : answer(x, t, get, id, true, err);
}

int rd_api_rec_patch(rd_ctx *x, const rd_rtype *t, rd_err *err) {
  return rd_api_rec_patch_as(x, t, NULL, err);
}

int rd_api_rec_patch_as(rd_ctx *x, const rd_rtype *t, rd_api_getter get, rd_err *err) {
  json_t *in = NULL;
  int64_t id = 0, if_match = -1;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_api_if_match(x, &if_match, err);
  if (!rv)
    rv = rd_api_body(x, &in, err);
  if (!rv)
    rv = rd_rec_update_tx(x->db, &x->who, t, id, in, if_match, err);
  json_decref(in);
  return rv ? rv : answer(x, t, get, id, false, err);
}

int rd_api_rec_delete(rd_ctx *x, const rd_rtype *t, rd_err *err) {
  int64_t id = 0;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_rec_delete_tx(x->db, &x->who, t, id, err);
  if (!rv)
    rd_api_no_content(x);
  return rv;
}
