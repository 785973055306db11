/* The table from job kind to handler (runner.h): every kind this build runs, and the
 * adapters that put each bulk path of the domain on the runner. A job kind not in this
 * table is never claimed here: it waits for a daemon that knows it. */
#include <stdbool.h>
#include <stdio.h>

#include "domain/account.h"
#include "domain/contract.h"
#include "domain/rmm.h"
#include "import/rmm.h"
#include "import/import.h"
#include "jobs/runner.h"

/* ---- "import": customer imports from CSV (IMP-1..5, src/import/csv.c) ---- */

static int import_checkpoint(void *arg, rd_conn *c, int64_t processed, int64_t succeeded,
                             int64_t failed, rd_err *err) {
  rd_job_counts n = {.processed = processed, .succeeded = succeeded, .failed_items = failed};
  return rd_job_checkpoint(c, arg, &n, err);
}

static bool import_should_stop(void *arg) {
  return rd_job_should_stop(arg);
}

static int import_run(rd_conn *c, rd_job *job, rd_err *err) {
  rd_import_hooks h = {.arg = job, .checkpoint = import_checkpoint,
                       .should_stop = import_should_stop, .progress = job->progress,
                       .progress_arg = job->progress_arg};
  int rv = rd_import_run(c, job->id, &h, &job->result, err);
  return rv == RD_IMPORT_STOPPED ? RD_JOB_STOPPED : rv;
}

static int import_end(rd_conn *c, const rd_job *job, const char *status, rd_err *err) {
  return rd_import_end(c, job->id, status, err);
}

static const rd_job_kind import_kind = {RD_IMPORT_JOB_KIND, import_run, import_end};

/* ---- "contract_activation": requests waiting for a contract (CUST-8) ---- */

/* One transaction: the holder's pending_no_contract requests that a contract now covers
 * move to open (rd_contract_release; running it again finds nothing more to move). */
static int activation_run(rd_conn *c, rd_job *job, rd_err *err) {
  rd_stmt *s = NULL;
  json_t *payload = NULL;
  int rv = rd_sql(c, &s, err, "SELECT payload FROM jobs WHERE id = ?", "i", job->id);
  if (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW)
    payload = json_loads(rd_stmt_text(s, 0), 0, NULL), rv = 0;
  if (s)
    rd_stmt_done(s);
  if (rv)
    return rv;
  json_t *customer = json_object_get(payload, "customer");
  int64_t holder = (int64_t)json_integer_value(customer ? customer
                                                        : json_object_get(payload, "organization"));
  json_decref(payload);
  int64_t moved = 0;
  rv = rd_tx_begin(c, true, err);
  if (!rv)
    rv = rd_contract_release(c, job->account_id, customer ? "customer_id" : "organization_id",
                             holder, &moved, err);
  rd_job_counts n = {.processed = moved, .succeeded = moved};
  if (!rv)
    rv = rd_job_checkpoint(c, job, &n, err);
  if (!rv)
    rv = rd_tx_commit(c, err);
  else
    rd_tx_rollback(c);
  if (!rv)
    job->result = json_pack("{s:I}", "requests_opened", (json_int_t)moved);
  return rv;
}

static const rd_job_kind activation_kind = {RD_CONTRACT_JOB_KIND, activation_run, NULL};

/* ---- "rmm_load": the RMM's organizations (RMM-1) ---- */

/* Fetches every organization of the account's RMM first, then stores them in one
 * transaction: an RMM that is slow, down or answers garbage fails the job and changes
 * nothing here (RMM-6). A second run of an unchanged RMM updates nothing. */
static int rmm_load_run(rd_conn *c, rd_job *job, rd_err *err) {
  rd_stmt *s = NULL;
  json_t *payload = NULL, *settings = NULL, *orgs = NULL, *report = NULL;
  rd_rmm *r = NULL;
  int rv = rd_sql(c, &s, err, "SELECT payload FROM jobs WHERE id = ?", "i", job->id);
  if (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW)
    payload = json_loads(rd_stmt_text(s, 0), 0, NULL), rv = 0;
  if (s)
    rd_stmt_done(s);
  /* The audit names the person who asked for the load. */
  rd_caller who = {.person_id = (int64_t)json_integer_value(json_object_get(payload, "person")),
                   .roles = RD_ROLE_ACCOUNT_ADMINISTRATOR};
  snprintf(who.account_id, sizeof who.account_id, "%s", job->account_id);
  snprintf(who.name, sizeof who.name, "%s",
           json_is_string(json_object_get(payload, "name"))
               ? json_string_value(json_object_get(payload, "name")) : "");
  json_decref(payload);
  if (!rv)
    rv = rd_account_settings(c, job->account_id, &settings, err);
  if (!rv)
    rv = rd_rmm_open(json_object_get(settings, "rmm"), job->stop, &r, err);
  if (!rv)
    rv = rd_rmm_orgs(r, &orgs, err);
  if (!rv)
    rv = rd_tx_begin(c, true, err);
  if (!rv) {
    rv = rd_rmm_load_store(c, &who, orgs, &report, err);
    json_t *n = json_object_get(report, "loaded");
    rd_job_counts counts = {.processed = (int64_t)json_integer_value(n),
                            .succeeded = (int64_t)json_integer_value(n)};
    if (!rv)
      rv = rd_job_checkpoint(c, job, &counts, err);
    if (!rv)
      rv = rd_tx_commit(c, err);
    else
      rd_tx_rollback(c);
  }
  if (!rv && report) {
    json_object_set_new(report, "rmm_requests", json_integer(rd_rmm_requests(r)));
    job->result = json_incref(report);
  }
  /* A failed RMM is the job's failure, not a reason to queue it again. */
  if (rv == RD_EUNAVAIL && err && err->status == 502)
    rv = RD_EINVAL;
  rd_rmm_close(r);
  json_decref(report);
  json_decref(orgs);
  json_decref(settings);
  return rv;
}

static const rd_job_kind rmm_load_kind = {RD_RMM_LOAD_JOB_KIND, rmm_load_run, NULL};

/* ---- the table ---- */

const rd_job_kind *const rd_job_kinds[] = {&import_kind, &activation_kind, &rmm_load_kind, NULL};
