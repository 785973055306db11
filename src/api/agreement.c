/* /v1/services, /v1/slas, /v1/flsas (TRUST-2): one set of handlers for the three record
 * types, chosen by the collection path. */
#include <string.h>

#include "api/api.h"
#include "domain/agreement.h"

static const rd_rtype *type_of(rd_ctx *x, const char **collection) {
  static const struct {
    const char *prefix;
    const rd_rtype *t;
  } map[] = {{"/v1/services", &rd_service_type},
             {"/v1/slas", &rd_sla_type},
             {"/v1/flsas", &rd_flsa_type}};
  for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
    size_t n = strlen(map[i].prefix);
    if (!strncmp(x->req->path, map[i].prefix, n) && (!x->req->path[n] || x->req->path[n] == '/')) {
      *collection = map[i].prefix;
      return map[i].t;
    }
  }
  *collection = NULL;
  return NULL;
}

int rd_api_agreement_list(rd_ctx *x, rd_err *err) {
  const char *coll = NULL;
  const rd_rtype *t = type_of(x, &coll);
  static const char *const AGREEMENT_PARAMS[] = {"per_page", "cursor", "status", NULL};
  static const char *const PLAIN_PARAMS[] = {"per_page", "cursor", NULL};
  bool agreement = t == &rd_sla_type || t == &rd_flsa_type;
  int64_t after = 0;
  int limit = 0;
  int rv = rd_api_query_check(x, agreement ? AGREEMENT_PARAMS : PLAIN_PARAMS, err);
  if (!rv)
    rv = rd_api_page(x, &after, &limit, err);
  json_t *rows = NULL;
  bool more = false;
  if (!rv)
    rv = rd_agreement_list(x->db, &x->who, t, rd_req_query(x->req, "status"), after, limit,
                           &rows, &more, err);
  if (!rv)
    rd_api_list(x, rows, more);
  return rv;
}

static int answer(rd_ctx *x, const rd_rtype *t, const char *coll, int64_t id, bool created,
                  rd_err *err) {
  json_t *rec = NULL;
  int64_t version = 0;
  int rv = rd_rec_read(x->db, &x->who, t, id, &rec, &version, err);
  if (rv)
    return rv;
  if (created)
    rd_api_created(x, coll, id, rec, version);
  else
    rd_api_json(x, 200, rec, version);
  return 0;
}

int rd_api_agreement_create(rd_ctx *x, rd_err *err) {
  const char *coll = NULL;
  const rd_rtype *t = type_of(x, &coll);
  json_t *in = NULL;
  int64_t id = 0;
  int rv = rd_api_body(x, &in, err);
  if (!rv)
    rv = rd_rec_create_tx(x->db, &x->who, t, in, &id, err);
  json_decref(in);
  return rv ? rv : answer(x, t, coll, id, true, err);
}

int rd_api_agreement_get(rd_ctx *x, rd_err *err) {
  const char *coll = NULL;
  const rd_rtype *t = type_of(x, &coll);
  int64_t id = 0;
  int rv = rd_api_id(x, 0, &id, err);
  return rv ? rv : answer(x, t, coll, id, false, err);
}

int rd_api_agreement_patch(rd_ctx *x, rd_err *err) {
  const char *coll = NULL;
  const rd_rtype *t = type_of(x, &coll);
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
  return rv ? rv : answer(x, t, coll, id, false, err);
}
