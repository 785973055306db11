/* The table from job kind to handler (runner.h): every kind this build runs, and the
 * adapters that put each bulk path of the domain on the runner. A job kind not in this
 * table is never claimed here: it waits for a daemon that knows it. */
#include <stdbool.h>

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

/* ---- the table ---- */

const rd_job_kind *const rd_job_kinds[] = {&import_kind, NULL};
