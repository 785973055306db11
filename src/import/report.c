/* An import's end and its report (IMP-4): the import's status with its counts, the list of
 * an account's imports and the per-row results, for administrators and supervisors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/time.h"
#include "import/internal.h"

int rd_import_end(rd_conn *c, int64_t id, const char *status, rd_err *err) {
  char now[RD_TIME_LEN];
  rd_time_now(now);
  bool done = !strcmp(status, "done");
  int rv = rd_sql_exec(c, NULL, err,
                       "UPDATE imports SET phase = CASE WHEN ? THEN 'done' ELSE phase END,"
                       " finished_at = ?, updated_at = ? WHERE id = ?",
                       "btti", (int)done, now, now, id);
  rd_stmt *s = NULL;
  if (!rv && done)
    rv = rd_sql(c, &s, err, "SELECT file_path FROM imports WHERE id = ?", "i", id);
  /* The file served its purpose (only the rows phase reads it); the report stays. */
  if (!rv && done && rd_stmt_step(s, err) == RD_ROW)
    unlink(rd_stmt_text(s, 0));
  rd_stmt_done(s);
  return rv;
}

/* ---- reading imports ---- */

/* The columns import_json reads, FROM imports i joined with its job. */
#define IMPORT_SELECT                                                                          \
  "SELECT j.status, i.dry_run, i.total_rows, i.created, i.updated, i.failed,"                  \
  " i.deferred, i.skipped, i.mapping, i.phase, j.error, i.ignore_first_line,"                  \
  " i.web_access, i.charset, i.separator, i.kind, i.created_at, i.updated_at,"                 \
  " i.started_at, i.finished_at, i.id, j.cancel_requested, i.unchanged FROM imports i"        \
  " JOIN jobs j ON j.id = i.id"

static json_t *import_json(rd_stmt *s) {
  json_t *m = json_loads(rd_stmt_text(s, 8), 0, NULL);
  json_int_t created = rd_stmt_int64(s, 3), updated = rd_stmt_int64(s, 4),
             failed = rd_stmt_int64(s, 5), deferred = rd_stmt_int64(s, 6),
             unchanged = rd_stmt_int64(s, 22);
  json_t *o = json_pack(
      "{s:I,s:s,s:s,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:O,s:s,s:s?,s:b,s:b,s:s,s:s,s:s,s:s,"
      "s:s?,s:s?}",
      "id", (json_int_t)rd_stmt_int64(s, 20), "type", rd_stmt_text(s, 15), "status",
      rd_stmt_text(s, 0), "dry_run", rd_stmt_bool(s, 1), "rows",
      (json_int_t)rd_stmt_int64(s, 2), "processed",
      created + updated + unchanged + failed + deferred, "created", created, "updated",
      updated + unchanged, "unchanged", unchanged, "failed", failed, "deferred", deferred,
      "skipped", (json_int_t)rd_stmt_int64(s, 7), "mapping",
      json_object_get(m, "columns") ? json_object_get(m, "columns") : json_null(), "phase",
      rd_stmt_text(s, 9), "error", rd_stmt_text(s, 10), "ignore_first_line",
      rd_stmt_bool(s, 11), "web_access", rd_stmt_bool(s, 12), "charset", rd_stmt_text(s, 13),
      "separator", rd_stmt_text(s, 14), "created_at", rd_stmt_text(s, 16), "updated_at",
      rd_stmt_text(s, 17), "started_at", rd_stmt_text(s, 18), "finished_at",
      rd_stmt_text(s, 19));
  /* Issue 11: a cancel was asked for (a running import stops at its next batch). */
  json_object_set_new(o, "cancel_requested", json_boolean(rd_stmt_bool(s, 21)));
  json_decref(m);
  return o;
}

static int may_see_imports(const rd_caller *who, rd_err *err) {
  if (!rd_caller_has(who, RD_IMPORT_MANAGERS))
    return rd_err_set(err, RD_EFORBIDDEN, "Only an administrator or supervisor may see imports");
  return 0;
}

int rd_import_get(rd_conn *c, const rd_caller *who, int64_t id, json_t **out, rd_err *err) {
  int rv = may_see_imports(who, err);
  if (rv)
    return rv;
  rd_stmt *s = NULL;
  rv = rd_sql(c, &s, err, IMPORT_SELECT " WHERE i.id = ? AND i.account_id = ?", "it", id,
              who->account_id);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  if (rv == RD_DONE)
    rv = rd_err_set(err, RD_ENOTFOUND, "No import with id %lld", (long long)id);
  if (rv == RD_ROW) {
    *out = import_json(s);
    rv = 0;
  }
  rd_stmt_done(s);
  return rv;
}

int rd_import_list(rd_conn *c, const rd_caller *who, int64_t after, int limit, json_t **out,
                   bool *more, rd_err *err) {
  int rv = may_see_imports(who, err);
  if (rv)
    return rv;
  rd_stmt *s = NULL;
  rv = rd_sql(c, &s, err, IMPORT_SELECT " WHERE i.account_id = ? AND i.id > ? ORDER BY i.id LIMIT ?",
              "tii", who->account_id, after, (int64_t)limit + 1);
  if (rv)
    return rv;
  json_t *list = json_array();
  int n = 0;
  *more = false;
  while ((rv = rd_stmt_step(s, err)) == RD_ROW) {
    if (n++ == limit) {
      *more = true;
      break;
    }
    json_array_append_new(list, import_json(s));
  }
  rd_stmt_done(s);
  if (rv < 0) {
    json_decref(list);
    return rv;
  }
  *out = list;
  return 0;
}

int rd_import_rows(rd_conn *c, const rd_caller *who, int64_t id, const char *result,
                   int64_t after, int limit, json_t **out, bool *more, rd_err *err) {
  json_t *imp = NULL;
  int rv = rd_import_get(c, who, id, &imp, err);
  json_decref(imp);
  if (rv)
    return rv;
  static const char *const RESULTS[] = {"created", "updated", "failed", "deferred", NULL};
  rv = rd_err_enum(err, "result", result, RESULTS);
  if (rv)
    return rv;
  rd_stmt *s = NULL;
  rv = rd_sql(c, &s, err,
              "SELECT line, result, username, person_id, errors, changes FROM import_rows"
              " WHERE import_id = ? AND line > ? AND (? = '' OR result = ? OR"
              " (? = 'updated' AND result = 'unchanged')) ORDER BY line LIMIT ?",
              "iittti", id, after, result ? result : "", result ? result : "",
              result ? result : "", (int64_t)limit + 1);
  if (rv)
    return rv;
  json_t *rows = json_array();
  *more = false;
  while ((rv = rd_stmt_step(s, err)) == RD_ROW) {
    if ((int)json_array_size(rows) == limit) {
      *more = true;
      break;
    }
    json_t *errors = rd_stmt_text(s, 4) ? json_loads(rd_stmt_text(s, 4), 0, NULL) : NULL;
    /* Stored apart, answered as the update it is (API.md: an existing username is
     * "updated"), marked unchanged. */
    bool unchanged = !strcmp(rd_stmt_text(s, 1), "unchanged");
    json_t *row = json_pack("{s:I,s:s,s:s?,s:o}", "line", (json_int_t)rd_stmt_int64(s, 0),
                            "result", unchanged ? "updated" : rd_stmt_text(s, 1), "username",
                            rd_stmt_text(s, 2), "errors", errors ? errors : json_array());
    if (unchanged)
      json_object_set_new(row, "unchanged", json_true());
    if (!rd_stmt_null(s, 3))
      json_object_set_new(row, "person", json_pack("{s:I}", "id", (json_int_t)rd_stmt_int64(s, 3)));
    /* IMP-4: a dry run's diff (stored by rolodesk itself, as the audit writes it). */
    json_t *changes = rd_stmt_text(s, 5) ? json_loads(rd_stmt_text(s, 5), 0, NULL) : NULL;
    if (changes)
      json_object_set_new(row, "changes", changes);
    json_array_append_new(rows, row);
  }
  rd_stmt_done(s);
  if (rv < 0) {
    json_decref(rows);
    return rv;
  }
  *out = rows;
  return 0;
}
