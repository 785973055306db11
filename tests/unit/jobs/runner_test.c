/* Unit tests of src/jobs/runner.c (issue 11): the fencing check of every batch
 * (rd_job_checkpoint), the cancel flag it reads, and rd_job_cancel's states. The runner
 * with a real kind is exercised by tests/unit/import/csv_test.c and tests/api/jobs_test.c. */
#include <criterion/criterion.h>
#include <string.h>

#include "domain/account.h"
#include "jobs/runner.h"
#include "unit/unit.h"

static ut_db T;

static void setup(void) {
  ut_db_open(&T);
  rd_err err;
  rd_err_clear(&err);
  cr_assert_eq(rd_account_create(T.c, "wdc", "Widget", &err), 0, "%s", err.message);
  cr_assert_eq(rd_sql_exec(T.c, NULL, &err,
                           "INSERT INTO jobs (id, account_id, kind, status, claimed_by,"
                           " heartbeat_at, attempts, created_at, updated_at) VALUES"
                           " (7, 'wdc', 'test', 'running', 'w1', '2026-01-01T00:00:00Z', 1,"
                           " '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                           ""),
               0, "%s", err.message);
}
static void teardown(void) {
  ut_db_close(&T);
}
TestSuite(job_runner, .init = setup, .fini = teardown);

static int checkpoint(rd_job *job, int64_t processed, rd_err *err) {
  rd_job_counts n = {.processed = processed, .succeeded = processed - 1, .failed_items = 1};
  int rv = rd_tx_begin(T.c, true, err);
  if (!rv)
    rv = rd_job_checkpoint(T.c, job, &n, err);
  if (!rv)
    rv = rd_tx_commit(T.c, err);
  else
    rd_tx_rollback(T.c);
  return rv;
}

Test(job_runner, JOB_checkpoint_of_a_worker_that_lost_its_claim_fails_with_409) {
  rd_err err;
  rd_err_clear(&err);
  rd_job other = {.id = 7};
  snprintf(other.worker, sizeof other.worker, "w2");
  cr_assert_eq(checkpoint(&other, 10, &err), RD_ECONFLICT);
  cr_assert_eq(err.status, 409);
  cr_assert(strstr(err.message, "taken over"), "%s", err.message);
  cr_assert(other.taken_over);
  cr_assert_eq(ut_int(T.c, "SELECT processed FROM jobs WHERE id = 7"), 0);
  /* The owner's checkpoint records the counters and renews the lease. */
  rd_job own = {.id = 7};
  snprintf(own.worker, sizeof own.worker, "w1");
  rd_err_clear(&err);
  cr_assert_eq(checkpoint(&own, 10, &err), 0, "%s", err.message);
  cr_assert_eq(ut_int(T.c, "SELECT processed + succeeded * 100 + failed_items * 10000 FROM jobs"
                           " WHERE id = 7"), 10 + 900 + 10000);
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM jobs WHERE id = 7 AND heartbeat_at >"
                           " '2026-01-01T00:00:00Z'"), 1);
  cr_assert_not(own.taken_over);
  cr_assert_not(rd_job_should_stop(&own));
  /* Ended jobs are fenced too. */
  cr_assert_eq(rd_sql_exec(T.c, NULL, &err, "UPDATE jobs SET status = 'done' WHERE id = 7", ""), 0);
  cr_assert_eq(checkpoint(&own, 11, &err), RD_ECONFLICT);
}

Test(job_runner, JOB_checkpoint_sees_a_requested_cancel) {
  rd_err err;
  rd_err_clear(&err);
  bool ended = true;
  cr_assert_eq(rd_job_cancel(T.c, "wdc", 7, &ended, &err), 0, "%s", err.message);
  cr_assert_not(ended, "a running job ends at its next batch");
  rd_job own = {.id = 7};
  snprintf(own.worker, sizeof own.worker, "w1");
  cr_assert_eq(checkpoint(&own, 5, &err), 0, "%s", err.message);
  cr_assert(own.cancelled);
  cr_assert(rd_job_should_stop(&own));
}

Test(job_runner, ISSUE11_IMP3_cancel_ends_a_queued_job_and_refuses_ended_and_foreign_ones) {
  rd_err err;
  rd_err_clear(&err);
  cr_assert_eq(rd_sql_exec(T.c, NULL, &err, "UPDATE jobs SET status = 'queued', claimed_by = NULL"
                                           " WHERE id = 7", ""), 0);
  bool ended = false;
  cr_assert_eq(rd_job_cancel(T.c, "other", 7, &ended, &err), RD_ENOTFOUND);
  rd_err_clear(&err);
  cr_assert_eq(rd_job_cancel(T.c, "wdc", 7, &ended, &err), 0, "%s", err.message);
  cr_assert(ended);
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM jobs WHERE id = 7 AND status = 'failed'"
                           " AND error = 'cancelled'"), 1);
  cr_assert_eq(rd_job_cancel(T.c, "wdc", 7, &ended, &err), RD_ECONFLICT);
}

/* A kind is found by name; a job of no known kind is not run. */
Test(job_runner, ISSUE11_unknown_kind_is_not_run) {
  cr_assert_not_null(rd_job_kind_find("import"));
  cr_assert_null(rd_job_kind_find("test"));
  rd_err err;
  rd_err_clear(&err);
  cr_assert_eq(rd_job_run(T.c, 7, "w1", NULL, &err), RD_EINVAL);
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM jobs WHERE id = 7 AND status = 'running'"
                           " AND claimed_by = 'w1'"), 1, "left as it was");
  cr_assert_eq(rd_job_run(T.c, 7, "w2", NULL, &err), RD_ECONFLICT, "not claimed by w2");
}
