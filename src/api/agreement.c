/* /v1/services, /v1/slas, /v1/flsas (TRUST-2): one set of handlers for the three record
 * types, chosen by the collection path. */
#include <string.h>

#include "api/api.h"
#include "domain/agreement.h"

static const rd_rtype *type_of(rd_ctx *x) {
  static const struct {
    const char *prefix;
    const rd_rtype *t;
  } map[] = {{"/v1/services", &rd_service_type},
             {"/v1/slas", &rd_sla_type},
             {"/v1/flsas", &rd_flsa_type}};
  for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
    size_t n = strlen(map[i].prefix);
    if (!strncmp(x->req->path, map[i].prefix, n) && (!x->req->path[n] || x->req->path[n] == '/'))
      return map[i].t;
  }
  return NULL;
}

int rd_api_agreement_list(rd_ctx *x, rd_err *err) {
  const rd_rtype *t = type_of(x);
  static const char *const AGREEMENT_PARAMS[] = {"per_page", "cursor", "status", NULL};
  static const char *const PLAIN_PARAMS[] = {"per_page", "cursor", NULL};
  bool agreement = t == &rd_sla_type || t == &rd_flsa_type;
  int64_t after = 0;
  int limit = 0;
  int rv = rd_api_query_check(x, agreement ? AGREEMENT_PARAMS : PLAIN_PARAMS, err);
  if (!rv)
    rv = rd_api_page(x, &after, &limit, err);
  rd_buf page;
  rd_buf_init(&page);
  int64_t last = 0;
  bool more = false;
  if (!rv)
    rv = rd_agreement_list_text(x->db, &x->who, t, rd_req_query(x->req, "status"), after,
                                limit, &page, &last, &more, err);
  if (!rv)
    rd_api_list_text(x, &page, last, more);
  rd_buf_term(&page);
  return rv;
}

/* One record: the generic handlers of src/api/record.c with the type of the collection
 * (a new record's Location is the POST route's path, which is the collection). */
int rd_api_agreement_create(rd_ctx *x, rd_err *err) {
  return rd_api_rec_create(x, type_of(x), err);
}

int rd_api_agreement_get(rd_ctx *x, rd_err *err) {
  return rd_api_rec_get(x, type_of(x), err);
}

int rd_api_agreement_patch(rd_ctx *x, rd_err *err) {
  return rd_api_rec_patch(x, type_of(x), err);
}
