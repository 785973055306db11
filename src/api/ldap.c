/* /v1/ldap (LDAP-1): HTTP in, one call of src/domain/ldap.c, HTTP out. */
#include "api/api.h"
#include "domain/ldap.h"

static const char *const JOB_PARAMS[] = {"dry_run", NULL};

/* POST /v1/ldap/sync (?dry_run=true): 202 with the job, to follow at /v1/ldap/jobs/{id}. */
int rd_api_ldap_sync(rd_ctx *x, rd_err *err) {
  int64_t job = 0;
  int dry = 0;
  json_t *out = NULL;
  int rv = rd_api_query_check(x, JOB_PARAMS, err);
  if (!rv)
    rv = rd_api_query_bool(x, "dry_run", &dry, err);
  if (!rv)
    rv = rd_ldap_queue(x->db, &x->who, dry == 1, NULL, &job, err);
  if (!rv)
    rv = rd_ldap_job_get(x->db, &x->who, job, &out, err);
  if (!rv)
    rd_api_json(x, 202, out, -1);
  return rv;
}

int rd_api_ldap_job(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  json_t *out = NULL;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_ldap_job_get(x->db, &x->who, id, &out, err);
  if (!rv)
    rd_api_json(x, 200, out, -1);
  return rv;
}
