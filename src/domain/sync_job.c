/* Jobs of the syncs with outside systems (sync_job.h). */
#include "domain/sync_job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/time.h"

int rd_sync_job_queue(rd_conn *c, const rd_caller *who, const char *kind, const char *worker,
                      bool reuse, bool dry_run, int64_t *job, rd_err *err) {
  int64_t busy = 0;
  int rv = rd_sql_int64(c, &busy, err,
                        "SELECT COALESCE(MAX(id), 0) FROM jobs WHERE account_id = ? AND kind = ?"
                        " AND status = 'queued'",
                        "tt", who->account_id, kind);
  if (rv >= 0 && busy && reuse && !worker) {
    *job = busy;
    return 0;
  }
  if (rv >= 0 && !reuse)
    rv = rd_sql_int64(c, &busy, err,
                      "SELECT COUNT(*) FROM jobs WHERE account_id = ? AND kind = ? AND (status ="
                      " 'running' OR (status = 'queued' AND run_at IS NULL))",
                      "tt", who->account_id, kind);
  if (rv >= 0 && busy && !reuse)
    return rd_err_set(err, RD_ECONFLICT, "A job of kind %s is under way", kind);
  char now[RD_TIME_LEN];
  rd_time_now(now);
  json_t *payload = json_pack("{s:I,s:s,s:b}", "person", (json_int_t)who->person_id, "name",
                              who->name, "dry_run", dry_run);
  char *text = json_dumps(payload, JSON_COMPACT);
  json_decref(payload);
  if (rv >= 0)
    rv = rd_next_id(c, job, err);
  if (rv >= 0)
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO jobs (id, account_id, kind, status, payload, created_by,"
                     " claimed_by, heartbeat_at, attempts, created_at, updated_at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     "ittttIttitt", *job, who->account_id, kind, worker ? "running" : "queued",
                     text, who->person_id, worker, worker ? now : NULL,
                     (int64_t)(worker ? 1 : 0), now, now);
  free(text);
  return rv < 0 ? rv : 0;
}


int rd_sync_job_get(rd_conn *c, const rd_caller *who, const char *prefix, const char *what,
                    int64_t id, json_t **out, rd_err *err) {
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err,
                  "SELECT kind, status, processed, result, error, created_at, updated_at FROM jobs"
                  " WHERE id = ? AND account_id = ? AND substr(kind, 1, ?) = ?",
                  "itit", id, who->account_id, (int64_t)strlen(prefix), prefix);
  if (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    json_t *result = rd_stmt_text(s, 3) ? json_loads(rd_stmt_text(s, 3), 0, NULL) : NULL;
    *out = json_pack("{s:I,s:s,s:s,s:I,s:o,s:s?,s:s,s:s}", "id", (json_int_t)id, "kind",
                     rd_stmt_text(s, 0), "status", rd_stmt_text(s, 1), "processed",
                     (json_int_t)rd_stmt_int64(s, 2), "result", result ? result : json_null(),
                     "error", rd_stmt_text(s, 4), "created_at", rd_stmt_text(s, 5),
                     "updated_at", rd_stmt_text(s, 6));
    rv = 0;
  } else if (rv == RD_DONE) {
    rv = rd_err_set(err, RD_ENOTFOUND, "No %s job with id %lld", what, (long long)id);
  }
  if (s)
    rd_stmt_done(s);
  return rv;
}

int rd_sync_schedule(rd_conn *c, const rd_caller *who, const char *kind, int64_t every_minutes,
                     rd_err *err) {
  int64_t waiting = 0;
  int rv = rd_sql_int64(c, &waiting, err,
                        "SELECT COALESCE(MAX(id), 0) FROM jobs WHERE account_id = ? AND kind = ?"
                        " AND status = 'queued' AND run_at IS NOT NULL",
                        "tt", who->account_id, kind);
  if (rv < 0)
    return rv;
  if (every_minutes <= 0) /* switched off: the waiting one goes */
    return waiting ? rd_sql_exec(c, NULL, err, "DELETE FROM jobs WHERE id = ?", "i", waiting) : 0;
  char at[RD_TIME_LEN];
  rd_time_in(every_minutes * 60, at);
  if (waiting) /* the interval may have changed: the next run is one interval from now */
    return rd_sql_exec(c, NULL, err, "UPDATE jobs SET run_at = ? WHERE id = ?", "ti", at, waiting);
  int64_t job = 0;
  rv = rd_sync_job_queue(c, who, kind, NULL, false, false, &job, err);
  return rv ? rv : rd_sql_exec(c, NULL, err, "UPDATE jobs SET run_at = ? WHERE id = ?", "ti", at,
                               job);
}
