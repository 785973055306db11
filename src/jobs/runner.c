/* The job runner: see runner.h. The jobs table (migrations 002 and 012) is written here
 * and by rd_job_claim (store.c) only; each kind keeps its own tables. */
#include "jobs/runner.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "store/worker.h"

const rd_job_kind *rd_job_kind_find(const char *name) {
  for (int i = 0; name && rd_job_kinds[i]; i++)
    if (!strcmp(rd_job_kinds[i]->name, name))
      return rd_job_kinds[i];
  return NULL;
}

int rd_job_checkpoint(rd_conn *c, rd_job *job, const rd_job_counts *n, rd_err *err) {
  char now[RD_TIME_LEN];
  rd_time_now(now);
  int64_t changed = 0;
  /* Fencing: the write only lands while this worker still holds the claim. */
  int rv = rd_sql_exec(c, &changed, err,
                       "UPDATE jobs SET processed = ?, succeeded = ?, failed_items = ?,"
                       " heartbeat_at = ?, updated_at = ? WHERE id = ? AND status = 'running'"
                       " AND claimed_by = ?",
                       "iiittit", n->processed, n->succeeded, n->failed_items, now, now, job->id,
                       job->worker);
  if (!rv && changed != 1) {
    job->taken_over = true;
    rv = rd_err_set(err, RD_ECONFLICT, "job %lld was taken over by another worker",
                    (long long)job->id);
  }
  rd_stmt *s = NULL;
  if (!rv)
    rv = rd_sql(c, &s, err, "SELECT cancel_requested FROM jobs WHERE id = ?", "i", job->id);
  if (!rv) {
    rv = rd_stmt_step(s, err);
    if (rv == RD_ROW && rd_stmt_bool(s, 0))
      job->cancelled = true;
    if (rv > 0)
      rv = 0;
  }
  rd_stmt_done(s);
  return rv;
}

bool rd_job_should_stop(const rd_job *job) {
  return job->cancelled || (job->stop && atomic_load(job->stop));
}

/* Ends job: status "done", "queued", "failed" or RD_JOB_CANCELLED (stored as failed with
 * that error), fenced like a checkpoint, with the kind's own end in the same transaction. */
static int end(rd_conn *c, rd_job *job, const char *status, const char *error, rd_err *err) {
  char now[RD_TIME_LEN];
  rd_time_now(now);
  bool done = !strcmp(status, "done"), queued = !strcmp(status, "queued");
  bool cancelled = !strcmp(status, RD_JOB_CANCELLED);
  char *result = done && job->result ? json_dumps(job->result, JSON_COMPACT) : NULL;
  int64_t changed = 0;
  int rv = rd_tx_begin(c, true, err);
  if (rv)
    goto out;
  rv = rd_sql_exec(c, &changed, err,
                   "UPDATE jobs SET status = ?, result = ?, error = ?,"
                   " claimed_by = CASE WHEN ? THEN NULL ELSE claimed_by END,"
                   " heartbeat_at = ?, updated_at = ?, version = version + 1"
                   " WHERE id = ? AND status = 'running' AND claimed_by = ?",
                   "tttbttit", cancelled ? "failed" : status, result,
                   cancelled ? RD_JOB_CANCELLED : error, (int)queued, now, now, job->id,
                   job->worker);
  if (!rv && changed != 1) {
    job->taken_over = true;
    rv = rd_err_set(err, RD_ECONFLICT, "job %lld was taken over by another worker",
                    (long long)job->id);
  }
  if (!rv && !queued && job->kind->end)
    rv = job->kind->end(c, job, status, err);
  if (!rv)
    rv = rd_tx_commit(c, err);
  else
    rd_tx_rollback(c);
out:
  free(result);
  return rv;
}

/* "message (line 7, Country: unknown country)": an error as one line for jobs.error. */
static void error_text(const rd_err *e, char *out, size_t cap) {
  if (e->nitems)
    snprintf(out, cap, "%s (line %ld, %s: %s)", e->message, e->items[0].line,
             e->items[0].field, e->items[0].message);
  else
    snprintf(out, cap, "%s", e->message);
}

int rd_job_run(rd_conn *c, int64_t id, const char *worker, const rd_job_opts *o, rd_err *err) {
  rd_job *job = rd_calloc(1, sizeof *job);
  job->id = id;
  snprintf(job->worker, sizeof job->worker, "%s", worker);
  job->data_dir = o ? o->data_dir : NULL;
  job->stop = o ? o->stop : NULL;
  job->progress = o ? o->progress : NULL;
  job->progress_arg = o ? o->progress_arg : NULL;
  rd_stmt *s = NULL;
  bool cancel = false;
  int rv = rd_sql(c, &s, err,
                  "SELECT kind, account_id, cancel_requested FROM jobs WHERE id = ?"
                  " AND status = 'running' AND claimed_by = ?",
                  "it", id, worker);
  if (!rv) {
    rv = rd_stmt_step(s, err);
    if (rv == RD_DONE)
      rv = rd_err_set(err, RD_ECONFLICT, "job %lld is not running for %s", (long long)id, worker);
    if (rv == RD_ROW) {
      job->kind = rd_job_kind_find(rd_stmt_text(s, 0));
      snprintf(job->account_id, sizeof job->account_id, "%s", rd_stmt_text(s, 1));
      cancel = rd_stmt_bool(s, 2);
      rv = job->kind ? 0 : rd_err_set(err, RD_EINVAL, "job %lld has the unknown kind %s",
                                      (long long)id, rd_stmt_text(s, 0));
    }
  }
  rd_stmt_done(s);
  if (rv)
    goto out;
  /* Cancelled while its worker was dead: it ends without running. */
  int ran = cancel ? RD_JOB_STOPPED : job->kind->run(c, job, err);
  job->cancelled = job->cancelled || cancel;
  if (c->in_tx) /* a handler's batch left open by an error */
    rd_tx_rollback(c);
  rd_err e2;
  rd_err_clear(&e2);
  if (ran == 0) {
    rv = end(c, job, "done", NULL, err);
  } else if (ran == RD_JOB_STOPPED) {
    rv = end(c, job, job->cancelled ? RD_JOB_CANCELLED : "queued", NULL, err);
  } else if (job->taken_over) {
    rd_log(RD_LOG_WARN, "job %lld: %s", (long long)id, err->message);
    rv = ran;
  } else if (ran == RD_EUNAVAIL) {
    rd_log(RD_LOG_WARN, "job %lld: %s; it will be retried", (long long)id, err->message);
    end(c, job, "queued", NULL, &e2);
    rv = 0;
  } else {
    char msg[RD_ERR_MSG_MAX + 64];
    error_text(err, msg, sizeof msg);
    rd_log(RD_LOG_ERROR, "job %lld (%s) failed: %s", (long long)id, job->kind->name, msg);
    end(c, job, "failed", msg, &e2);
    rv = ran;
  }
out:
  json_decref(job->result);
  rd_free(job);
  return rv;
}

int rd_job_cancel(rd_conn *c, const char *account_id, int64_t id, bool *ended, rd_err *err) {
  char now[RD_TIME_LEN], kind[64] = "", status[16] = "";
  rd_time_now(now);
  rd_stmt *s = NULL;
  int64_t changed = 0;
  bool queued = false;
  int rv = rd_tx_begin(c, true, err);
  if (rv)
    return rv;
  rv = rd_sql(c, &s, err, "SELECT kind, status FROM jobs WHERE id = ? AND account_id = ?", "it",
              id, account_id);
  if (!rv) {
    rv = rd_stmt_step(s, err);
    if (rv == RD_DONE)
      rv = rd_err_set(err, RD_ENOTFOUND, "No job with id %lld", (long long)id);
    if (rv == RD_ROW) {
      snprintf(kind, sizeof kind, "%s", rd_stmt_text(s, 0));
      snprintf(status, sizeof status, "%s", rd_stmt_text(s, 1));
      rv = 0;
    }
  }
  rd_stmt_done(s);
  if (!rv && strcmp(status, "queued") && strcmp(status, "running"))
    rv = rd_err_set(err, RD_ECONFLICT, "The job has ended already (%s)", status);
  /* Queued: it ends now (unless a worker claimed it a moment ago: then as if running). */
  if (!rv && !strcmp(status, "queued"))
    rv = rd_sql_exec(c, &changed, err,
                     "UPDATE jobs SET status = 'failed', error = ?, cancel_requested = ?,"
                     " updated_at = ?, version = version + 1 WHERE id = ? AND status = 'queued'",
                     "tbti", RD_JOB_CANCELLED, 1, now, id);
  queued = changed == 1;
  const rd_job_kind *k = rd_job_kind_find(kind);
  if (!rv && queued && k && k->end) {
    rd_job job = {.id = id, .kind = k};
    snprintf(job.account_id, sizeof job.account_id, "%s", account_id);
    rv = k->end(c, &job, RD_JOB_CANCELLED, err);
  }
  /* Running: its worker sees the request at its next checkpoint. */
  if (!rv && !queued)
    rv = rd_sql_exec(c, NULL, err,
                     "UPDATE jobs SET cancel_requested = ?, updated_at = ? WHERE id = ?", "bti",
                     1, now, id);
  if (!rv)
    rv = rd_tx_commit(c, err);
  else
    rd_tx_rollback(c);
  if (!rv)
    *ended = queued;
  return rv;
}

/* ---- the workers ---- */

struct rd_runner {
  rd_worker *worker;
  char *data_dir;
  const char *kinds[RD_JOB_KINDS_MAX + 1]; /* the names of rd_job_kinds, for the claim */
};

/* One job claimed (also one of a dead worker) and run to its end or its stop. */
static int step(rd_conn *c, void *arg, const char *name, const atomic_bool *stop, rd_err *err) {
  rd_runner *r = arg;
  int64_t id = 0;
  int rv = rd_job_claim(c, name, r->kinds, &id, err);
  if (rv != RD_ROW)
    return rv < 0 ? rv : 0;
  rd_log(RD_LOG_INFO, "job %lld: running", (long long)id);
  rd_job_opts o = {.data_dir = r->data_dir, .stop = stop};
  rv = rd_job_run(c, id, name, &o, err);
  rd_log(RD_LOG_INFO, "job %lld: %s", (long long)id, rv ? err->message : "ended");
  rd_err_clear(err); /* the job records its own failure */
  return 1;
}

int rd_runner_start(rd_db *db, const char *data_dir, int threads, rd_runner **out) {
  rd_runner *r = rd_calloc(1, sizeof *r);
  int n = 0;
  for (; rd_job_kinds[n]; n++) {
    assert(n < RD_JOB_KINDS_MAX); /* one claim names every kind */
    r->kinds[n] = rd_job_kinds[n]->name;
  }
  r->kinds[n] = NULL;
  r->data_dir = rd_strdup(data_dir ? data_dir : "");
  int rv = rd_worker_start(db, "jobs", threads, 250, step, r, &r->worker);
  if (rv) {
    rd_free(r->data_dir);
    rd_free(r);
    return rv;
  }
  *out = r;
  return 0;
}

void rd_runner_stop(rd_runner *r) {
  if (!r)
    return;
  rd_worker_stop(r->worker);
  rd_free(r->data_dir);
  rd_free(r);
}
