/* The table from job kind to handler (runner.h): every kind this build runs, and the
 * adapters that put each bulk path of the domain on the runner. A job kind not in this
 * table is never claimed here: it waits for a daemon that knows it. */
#include <stdbool.h>

#include "domain/contract.h"
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
  json_t *customer = json_object_get(payload, "customer"), *item = json_object_get(payload, "item");
  const char *column = customer ? "customer_id" : item ? "item_id" : "organization_id";
  int64_t holder = (int64_t)json_integer_value(
      customer ? customer : item ? item : json_object_get(payload, "organization"));
  json_decref(payload);
  int64_t moved = 0;
  rv = rd_tx_begin(c, true, err);
  if (!rv)
    rv = rd_contract_release(c, job->account_id, column, holder, &moved, err);
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

/* ---- the table ---- */

const rd_job_kind *const rd_job_kinds[] = {&import_kind, &activation_kind, NULL};
