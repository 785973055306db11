/* The job runner (issue 11): one loop for every bulk path of rolodeskd. A table from job
 * kind to handler (rd_job_kinds, kinds.c); worker threads that claim jobs of the kinds in
 * that table only (rd_job_claim: jobs of other kinds stay queued for a daemon that knows
 * them), with a lease renewed by every batch; a fencing check in every batch's transaction
 * (rd_job_checkpoint: a worker whose job was taken over commits nothing more); progress
 * counters; resume after a crash (a running job whose heartbeat is older than the lease is
 * claimed again and its handler goes on from its own committed offset); stop (the daemon
 * stops: the job is queued again) and cancel (rd_job_cancel: a queued job ends at once, a
 * running one at its next batch; what was committed stays).
 *
 * Sits above domain (handlers call the domain's bulk functions) and below api/daemon/cli.
 * A handler keeps its own resume state in its own tables, written in the same transaction
 * as its batch and the checkpoint; the runner owns the jobs row. */
#ifndef RD_JOBS_RUNNER_H
#define RD_JOBS_RUNNER_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth/caller.h"
#include "store/store.h"

/* What a handler's run returns besides 0 (done) and RD_E* (failed). */
enum { RD_JOB_STOPPED = 1 /* rd_job_should_stop said so after a committed batch */ };

/* A job's error text when it was cancelled (status "failed"; see DECISIONS.md). */
#define RD_JOB_CANCELLED "cancelled"

/* Progress after every committed batch (the CLI's progress bar). status is the kind's
 * own report (borrowed). */
typedef void (*rd_job_progress_fn)(void *arg, const json_t *status);

typedef struct rd_job_kind rd_job_kind;

/* One claimed job while it runs. Owned by the runner; handlers read it and pass it back. */
typedef struct rd_job {
  int64_t id;
  const rd_job_kind *kind;
  char account_id[RD_ACCOUNT_ID_MAX + 1];
  char worker[256];        /* jobs.claimed_by: the fencing token of every write */
  const char *data_dir;    /* the daemon's data directory (borrowed) */
  const atomic_bool *stop; /* true when the daemon stops (NULL: never) */
  bool cancelled;          /* a cancel was seen by rd_job_checkpoint */
  bool taken_over;         /* the fencing check failed: another worker owns the job */
  rd_job_progress_fn progress; /* may be NULL */
  void *progress_arg;
  json_t *result; /* the handler's summary when done (owned; stored in jobs.result) */
} rd_job;

/* A job kind: its name (jobs.kind) and its handler. */
struct rd_job_kind {
  const char *name;
  /* Runs or resumes job on c (outside any transaction) to its end. Commits its work in
   * batches, each calling rd_job_checkpoint inside its transaction and rd_job_should_stop
   * after its commit. Returns 0 when done (job->result may be set), RD_JOB_STOPPED, or
   * RD_E* with err (the job then fails with err's message, except RD_EUNAVAIL: queued
   * again, and a failed fencing check: left to the worker that owns it). */
  int (*run)(rd_conn *c, rd_job *job, rd_err *err);
  /* Optional: the kind's own tables when the job ends, inside the transaction that sets
   * the job's final status; status is "done", "failed" or RD_JOB_CANCELLED. */
  int (*end)(rd_conn *c, const rd_job *job, const char *status, rd_err *err);
};

/* The kinds this build runs, NULL-terminated (kinds.c). */
extern const rd_job_kind *const rd_job_kinds[];
/* The kind named name, or NULL. */
const rd_job_kind *rd_job_kind_find(const char *name);

/* Inside the transaction of one of job's batches: checks that job is still running and
 * claimed by job->worker (fencing), records the progress counters and renews the lease
 * (heartbeat_at), and notes a requested cancel in job->cancelled. RD_ECONFLICT (409,
 * "taken over", job->taken_over set) when another worker owns the job: the caller rolls
 * its batch back. */
typedef struct rd_job_counts {
  int64_t processed, succeeded, failed_items;
} rd_job_counts;
int rd_job_checkpoint(rd_conn *c, rd_job *job, const rd_job_counts *n, rd_err *err);

/* After a committed batch: true when the handler should return RD_JOB_STOPPED (the daemon
 * is stopping, or the job was cancelled). */
bool rd_job_should_stop(const rd_job *job);

/* How rd_job_run runs one job. */
typedef struct rd_job_opts {
  const char *data_dir;
  const atomic_bool *stop;
  rd_job_progress_fn progress;
  void *progress_arg;
} rd_job_opts;

/* Runs job id, claimed by worker (rd_job_claim, or created claimed by the CLI), with its
 * kind's handler and ends it: done (with the handler's result), queued again (stopped, or
 * the database went away), cancelled, or failed (with the handler's error). Returns 0 when
 * the job is done, cancelled or queued again; the handler's RD_E* with err when it failed
 * (or was taken over by another worker: RD_ECONFLICT); RD_ECONFLICT when job id is not
 * running for worker and RD_EINVAL when its kind is unknown (both leave it untouched). Uses
 * c outside any transaction of the caller; one job per connection at a time. */
int rd_job_run(rd_conn *c, int64_t id, const char *worker, const rd_job_opts *o, rd_err *err);

/* Cancels job id of account_id: a queued job ends at once (status "failed", error
 * "cancelled", *ended true); a running one gets cancel_requested and ends at its next
 * batch (*ended false). 404 when there is no such job in the account, 409 when it has
 * ended already. */
int rd_job_cancel(rd_conn *c, const char *account_id, int64_t id, bool *ended, rd_err *err);

/* ---- the workers of rolodeskd ---- */

typedef struct rd_runner rd_runner;
/* Starts threads (at least 1) that claim jobs of rd_job_kinds and run them (rd_job_run).
 * data_dir is copied. *out is owned by the caller. */
int rd_runner_start(rd_db *db, const char *data_dir, int threads, rd_runner **out);
/* Asks the threads to stop after their current batch (the job is queued again) and waits
 * for them; frees r (NULL: nothing). */
void rd_runner_stop(rd_runner *r);

#endif
