/* GET /v1/audit?record_type=&record_id= (ACC-6), staff only. */
#include "api/api.h"
#include "domain/audit.h"

static const char *const PARAMS[] = {"per_page", "cursor", "record_type", "record_id", NULL};

int rd_api_audit_list(rd_ctx *x, rd_err *err) {
  int64_t after = 0, record_id = 0;
  int limit = 0;
  int rv = rd_api_query_check(x, PARAMS, err);
  if (!rv)
    rv = rd_api_page(x, &after, &limit, err);
  if (!rv)
    rv = rd_api_query_id(x, "record_id", &record_id, err);
  if (rv)
    return rv;
  json_t *rows = NULL;
  bool more = false;
  rv = rd_audit_list(x->db, &x->who, rd_req_query(x->req, "record_type"), record_id, after, limit,
                     &rows, &more, err);
  if (!rv)
    rd_api_list(x, rows, more);
  return rv;
}
