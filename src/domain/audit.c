/* The audit trail: see audit.h. */
#include "domain/audit.h"

#include <stdlib.h>

#include "base/time.h"

int rd_audit_write_text(rd_conn *c, const rd_caller *who, const char *record_type,
                        int64_t record_id, const char *action, const char *changes,
                        rd_err *err) {
  int64_t id = 0;
  int rv = rd_next_id(c, &id, err);
  if (rv)
    return rv;
  char now[RD_TIME_LEN];
  rd_time_now(now);
  return rd_sql_exec(c, NULL, err,
                     "INSERT INTO audit (id, account_id, at, actor_id, actor_name, record_type,"
                     " record_id, action, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     "ittIttitt", id, who->account_id, now, who->person_id,
                     who->name[0] ? who->name : "system", record_type, record_id, action,
                     changes ? changes : "{}");
}

int rd_audit_write(rd_conn *c, const rd_caller *who, const char *record_type, int64_t record_id,
                   const char *action, json_t *changes, rd_err *err) {
  char *text = changes ? json_dumps(changes, JSON_COMPACT) : NULL;
  int rv = rd_audit_write_text(c, who, record_type, record_id, action, text, err);
  free(text);
  return rv;
}

int rd_audit_list(rd_conn *c, const rd_caller *who, const char *record_type, int64_t record_id,
                  int64_t after, int limit, json_t **out, bool *more, rd_err *err) {
  if (!rd_caller_has(who, RD_ROLES_STAFF))
    return rd_err_set(err, RD_EFORBIDDEN, "The audit trail is for staff");
  /* The filter text is one of four constant strings; values are bound. */
  const char *sql =
      record_type && record_id
          ? "SELECT id, at, actor_id, actor_name, record_type, record_id, action, changes"
            " FROM audit WHERE account_id = ? AND id > ? AND record_type = ? AND record_id = ?"
            " ORDER BY id LIMIT ?"
      : record_type
          ? "SELECT id, at, actor_id, actor_name, record_type, record_id, action, changes"
            " FROM audit WHERE account_id = ? AND id > ? AND record_type = ? ORDER BY id LIMIT ?"
      : record_id
          ? "SELECT id, at, actor_id, actor_name, record_type, record_id, action, changes"
            " FROM audit WHERE account_id = ? AND id > ? AND record_id = ? ORDER BY id LIMIT ?"
          : "SELECT id, at, actor_id, actor_name, record_type, record_id, action, changes"
            " FROM audit WHERE account_id = ? AND id > ? ORDER BY id LIMIT ?";
  rd_param p[5];
  int n = 0;
  p[n++] = (rd_param){.type = 't', .t = who->account_id};
  p[n++] = (rd_param){.type = 'i', .i = after};
  if (record_type)
    p[n++] = (rd_param){.type = 't', .t = record_type};
  if (record_id)
    p[n++] = (rd_param){.type = 'i', .i = record_id};
  p[n++] = (rd_param){.type = 'i', .i = (int64_t)limit + 1};
  rd_stmt *s = NULL;
  int rv = rd_sql_params(c, &s, err, sql, p, n);
  if (rv)
    return rv;
  json_t *arr = json_array();
  int rows = 0;
  *more = false;
  while ((rv = rd_stmt_step(s, err)) == RD_ROW) {
    if (rows++ == limit) {
      *more = true;
      break;
    }
    json_t *changes = json_loads(rd_stmt_text(s, 7), 0, NULL);
    json_t *actor = rd_stmt_null(s, 2)
                        ? json_pack("{s:n,s:s?}", "id", "name", rd_stmt_text(s, 3))
                        : json_pack("{s:I,s:s?}", "id", (json_int_t)rd_stmt_int64(s, 2), "name",
                                    rd_stmt_text(s, 3));
    json_array_append_new(arr, json_pack("{s:I,s:s,s:o,s:s,s:I,s:s,s:o}", "id",
                                         (json_int_t)rd_stmt_int64(s, 0), "at",
                                         rd_stmt_text(s, 1), "actor", actor, "record_type",
                                         rd_stmt_text(s, 4), "record_id",
                                         (json_int_t)rd_stmt_int64(s, 5), "action",
                                         rd_stmt_text(s, 6), "changes",
                                         changes ? changes : json_object()));
  }
  rd_stmt_done(s);
  if (rv < 0) {
    json_decref(arr);
    return rv;
  }
  *out = arr;
  return 0;
}
