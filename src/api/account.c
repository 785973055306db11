/* GET/PATCH /v1/account (ACC-1, ACC-5). */
#include "api/api.h"
#include "domain/account.h"
#include "domain/record.h"

int rd_api_account_get(rd_ctx *x, rd_err *err) {
  json_t *acc = NULL;
  int64_t version = 0;
  int rv = rd_account_get(x->db, x->who.account_id, &acc, &version, err);
  if (!rv)
    rd_api_json(x, 200, acc, version);
  return rv;
}

static int update(rd_conn *c, void *arg, rd_err *err) {
  rd_ctx *x = ((void **)arg)[0];
  json_t *patch = ((void **)arg)[1];
  int64_t *if_match = ((void **)arg)[2];
  return rd_account_update(c, &x->who, patch, *if_match, err);
}

int rd_api_account_patch(rd_ctx *x, rd_err *err) {
  json_t *patch = NULL;
  int64_t if_match = -1;
  int rv = rd_api_if_match(x, &if_match, err);
  if (!rv)
    rv = rd_api_body(x, &patch, err);
  if (!rv) {
    void *args[] = {x, patch, &if_match};
    rv = rd_with_tx(x->db, err, update, args);
  }
  json_decref(patch);
  return rv ? rv : rd_api_account_get(x, err);
}
