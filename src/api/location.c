/* ORG-5: /v1/organizations/{id}/locations and /departments (src/domain/location.c). The
 * record type is the route's: one set of handlers for both. */
#include <string.h>

#include "api/api.h"
#include "domain/location.h"

static const rd_rtype *type_of(rd_ctx *x) {
  return strstr(x->route->pattern, "/locations") ? &rd_location_type : &rd_department_type;
}

static const char *const PAGE_PARAMS[] = {"per_page", "cursor", NULL};

int rd_api_org_part_list(rd_ctx *x, rd_err *err) {
  int64_t org = 0, after = 0, last = 0;
  int limit = 0;
  bool more = false;
  int rv = rd_api_id(x, 0, &org, err);
  if (!rv)
    rv = rd_api_query_check(x, PAGE_PARAMS, err);
  if (!rv)
    rv = rd_api_page(x, &after, &limit, err);
  rd_buf page;
  rd_buf_init(&page);
  if (!rv)
    rv = rd_org_part_list_text(x->db, &x->who, type_of(x), org, after, limit, &page, &last,
                               &more, err);
  if (!rv)
    rd_api_list_text(x, &page, last, more);
  rd_buf_term(&page);
  return rv;
}

/* The record as stored: 201 with its Location, or 200; with its ETag. */
static int answer(rd_ctx *x, int64_t org, int64_t id, bool created, rd_err *err) {
  json_t *rec = NULL;
  int64_t version = 0;
  int rv = rd_org_part_get(x->db, &x->who, type_of(x), org, id, &rec, &version, err);
  if (rv)
    return rv;
  if (created) {
    char collection[96];
    snprintf(collection, sizeof collection, "/v1/organizations/%lld/%ss", (long long)org,
             type_of(x)->name);
    rd_api_created(x, collection, id, rec, version);
  } else {
    rd_api_json(x, 200, rec, version);
  }
  return 0;
}

int rd_api_org_part_get(rd_ctx *x, rd_err *err) {
  int64_t org = 0, id = 0;
  int rv = rd_api_id(x, 0, &org, err);
  if (!rv)
    rv = rd_api_id(x, 1, &id, err);
  return rv ? rv : answer(x, org, id, false, err);
}

int rd_api_org_part_create(rd_ctx *x, rd_err *err) {
  int64_t org = 0, id = 0;
  json_t *in = NULL;
  int rv = rd_api_id(x, 0, &org, err);
  if (!rv)
    rv = rd_api_body(x, &in, err);
  if (!rv)
    rv = rd_org_part_create(x->db, &x->who, type_of(x), org, in, &id, err);
  json_decref(in);
  return rv ? rv : answer(x, org, id, true, err);
}

int rd_api_org_part_patch(rd_ctx *x, rd_err *err) {
  int64_t org = 0, id = 0, if_match = -1;
  json_t *in = NULL;
  int rv = rd_api_id(x, 0, &org, err);
  if (!rv)
    rv = rd_api_id(x, 1, &id, err);
  if (!rv)
    rv = rd_api_if_match(x, &if_match, err);
  if (!rv)
    rv = rd_api_body(x, &in, err);
  if (!rv)
    rv = rd_org_part_update(x->db, &x->who, type_of(x), org, id, in, if_match, err);
  json_decref(in);
  return rv ? rv : answer(x, org, id, false, err);
}

int rd_api_org_part_delete(rd_ctx *x, rd_err *err) {
  int64_t org = 0, id = 0;
  int rv = rd_api_id(x, 0, &org, err);
  if (!rv)
    rv = rd_api_id(x, 1, &id, err);
  if (!rv)
    rv = rd_org_part_delete(x->db, &x->who, type_of(x), org, id, err);
  if (!rv)
    rd_api_no_content(x);
  return rv;
}
