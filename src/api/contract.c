/* /v1/contracts (CUST-8): HTTP in, one call of src/domain/contract.c, HTTP out. */
#include "api/api.h"
#include "domain/contract.h"

static const char *const LIST_PARAMS[] = {"per_page", "cursor", "customer", "organization",
                                          "item", NULL};

int rd_api_contract_list(rd_ctx *x, rd_err *err) {
  int64_t after = 0, customer = 0, organization = 0, item = 0;
  int limit = 0;
  json_t *rows = NULL;
  bool more = false;
  int rv = rd_api_query_check(x, LIST_PARAMS, err);
  if (!rv)
    rv = rd_api_page(x, &after, &limit, err);
  if (!rv)
    rv = rd_api_query_id(x, "customer", &customer, err);
  if (!rv)
    rv = rd_api_query_id(x, "organization", &organization, err);
  if (!rv)
    rv = rd_api_query_id(x, "item", &item, err);
  if (!rv)
    rv = rd_contract_list(x->db, &x->who, customer, organization, item, after, limit, &rows, &more,
                          err);
  if (!rv)
    rd_api_list(x, rows, more);
  return rv;
}

int rd_api_contract_get(rd_ctx *x, rd_err *err) {
  return rd_api_rec_get_as(x, &rd_contract_type, rd_contract_get, err);
}

int rd_api_contract_create(rd_ctx *x, rd_err *err) {
  return rd_api_rec_create_as(x, &rd_contract_type, rd_contract_get, err);
}

int rd_api_contract_patch(rd_ctx *x, rd_err *err) {
  return rd_api_rec_patch_as(x, &rd_contract_type, rd_contract_get, err);
}

int rd_api_contract_enable(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_contract_enable(x->db, &x->who, id, err);
  return rv ? rv : rd_api_answer(x, rd_contract_get, id, NULL, err);
}

int rd_api_contract_usage(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  json_t *out = NULL;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_contract_usage(x->db, &x->who, id, &out, err);
  if (!rv)
    rd_api_json(x, 200, out, -1);
  return rv;
}
