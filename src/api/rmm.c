/* /v1/rmm and /v1/organizations/{id}/rmm_mapping (issue 15, RMM-1/2): HTTP in, one call
 * of src/domain/rmm.c, HTTP out. */
#include "api/api.h"
#include "domain/item.h"
#include "domain/rmm.h"
#include "import/rmm.h"

static const char *const LIST_PARAMS[] = {"per_page", "cursor", "q", "mapped", NULL};

static const char *const JOB_PARAMS[] = {"dry_run", NULL};

/* 202 with the job just queued (rv: the queueing's result), to follow at /v1/rmm/jobs/{id}. */
static int queued(rd_ctx *x, int rv, int64_t job, rd_err *err) {
  json_t *out = NULL;
  if (!rv)
    rv = rd_rmm_job_get(x->db, &x->who, job, &out, err);
  if (!rv)
    rd_api_json(x, 202, out, -1);
  return rv;
}

/* POST /v1/rmm/load and /v1/rmm/sync (?dry_run=true). */
static int queue(rd_ctx *x, const char *kind, rd_err *err) {
  int64_t job = 0;
  int dry = 0;
  int rv = rd_api_query_check(x, JOB_PARAMS, err);
  if (!rv)
    rv = rd_api_query_bool(x, "dry_run", &dry, err);
  if (!rv)
    rv = rd_rmm_queue(x->db, &x->who, kind, dry == 1, NULL, &job, err);
  return queued(x, rv, job, err);
}

int rd_api_rmm_load(rd_ctx *x, rd_err *err) {
  return queue(x, RD_RMM_LOAD_JOB_KIND, err);
}

int rd_api_rmm_sync(rd_ctx *x, rd_err *err) {
  return queue(x, RD_RMM_SYNC_JOB_KIND, err);
}

/* RMM-5: one item synced from its agent now; the answer is the item as it is then. */
int rd_api_rmm_item_sync(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  json_t *report = NULL;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_rmm_sync_item(x->db, &x->who, id, &report, err);
  json_decref(report);
  return rv ? rv : rd_api_answer(x, rd_item_get, id, NULL, err);
}

int rd_api_rmm_export(rd_ctx *x, rd_err *err) {
  int64_t job = 0;
  json_t *in = NULL;
  int rv = rd_api_body(x, &in, err);
  if (!rv)
    rv = rd_rmm_export_queue(x->db, &x->who, in, NULL, &job, err);
  json_decref(in);
  return queued(x, rv, job, err);
}

int rd_api_rmm_job(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  json_t *out = NULL;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_rmm_job_get(x->db, &x->who, id, &out, err);
  if (!rv)
    rd_api_json(x, 200, out, -1);
  return rv;
}

int rd_api_rmm_org_list(rd_ctx *x, rd_err *err) {
  int64_t after = 0;
  int limit = 0, mapped = -1;
  json_t *rows = NULL;
  bool more = false;
  int rv = rd_api_query_check(x, LIST_PARAMS, err);
  if (!rv)
    rv = rd_api_page(x, &after, &limit, err);
  if (!rv)
    rv = rd_api_query_bool(x, "mapped", &mapped, err);
  if (!rv)
    rv = rd_rmm_org_list(x->db, &x->who, rd_req_query(x->req, "q"), mapped, after, limit, &rows,
                         &more, err);
  if (!rv)
    rd_api_list(x, rows, more);
  return rv;
}

int rd_api_rmm_org_get(rd_ctx *x, rd_err *err) {
  return rd_api_rec_get(x, &rd_rmm_org_type, err);
}

/* PATCH {"organization": {"id": n} | null, "location_mode", "group_locations"}: the mapping
 * set, moved or deleted, and where its assets go. */
int rd_api_rmm_org_patch(rd_ctx *x, rd_err *err) {
  return rd_api_rec_patch(x, &rd_rmm_org_type, err);
}

int rd_api_rmm_import(rd_ctx *x, rd_err *err) {
  json_t *in = NULL, *out = NULL;
  int rv = rd_api_body(x, &in, err);
  if (!rv)
    rv = rd_rmm_import(x->db, &x->who, in, &out, err);
  json_decref(in);
  if (!rv)
    rd_api_json(x, 200, out, -1);
  return rv;
}

int rd_api_rmm_mapping_get(rd_ctx *x, rd_err *err) {
  int64_t org = 0;
  int rv = rd_api_id(x, 0, &org, err);
  return rv ? rv : rd_api_answer(x, rd_rmm_mapping_get, org, NULL, err);
}

int rd_api_rmm_mapping_put(rd_ctx *x, rd_err *err) {
  int64_t org = 0;
  json_t *in = NULL;
  int rv = rd_api_id(x, 0, &org, err);
  if (!rv)
    rv = rd_api_body(x, &in, err);
  if (!rv)
    rv = rd_rmm_mapping_put(x->db, &x->who, org, in, err);
  json_decref(in);
  return rv ? rv : rd_api_answer(x, rd_rmm_mapping_get, org, NULL, err);
}

int rd_api_rmm_mapping_delete(rd_ctx *x, rd_err *err) {
  int64_t org = 0;
  int rv = rd_api_id(x, 0, &org, err);
  if (!rv)
    rv = rd_rmm_mapping_delete(x->db, &x->who, org, err);
  if (!rv)
    rd_api_no_content(x);
  return rv;
}
