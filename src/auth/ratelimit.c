/* Failed-login rate limit (ACC-3): after MAX_FAILURES failures for one key within WINDOW
 * seconds, logins for that key answer 429 until the window ends. Keys are per username
 * ("user:<account>:<username>") and per client address ("addr:<ip>"). The counters live in
 * the database so that every daemon behind a load balancer shares them. */
#include <time.h>

#include "auth/auth.h"

enum { WINDOW = 300, MAX_FAILURES = 10 };

int rd_ratelimit_check(rd_conn *c, const char *key, rd_err *err) {
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err, "SELECT failures, window_start FROM login_failures WHERE key = ?",
                  "t", key);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  if (rv == RD_ROW) {
    int64_t failures = rd_stmt_int64(s, 0), start = rd_stmt_int64(s, 1);
    int64_t now = (int64_t)time(NULL);
    rv = 0;
    if (failures >= MAX_FAILURES && now < start + WINDOW) {
      rd_err_set(err, RD_ERATE, "Too many failed logins; try again later");
      if (err)
        err->retry_after = (int)(start + WINDOW - now);
      rv = RD_ERATE;
    }
  } else if (rv == RD_DONE) {
    rv = 0;
  }
  rd_stmt_done(s);
  return rv;
}

void rd_ratelimit_fail(rd_conn *c, const char *key) {
  int64_t now = (int64_t)time(NULL);
  /* Start a new window when the old one is over, else count one more failure. */
  rd_sql_exec(c, NULL, NULL, "DELETE FROM login_failures WHERE key = ? AND window_start <= ?",
              "ti", key, now - WINDOW);
  int64_t changed = 0;
  rd_sql_exec(c, &changed, NULL,
              "UPDATE login_failures SET failures = failures + 1 WHERE key = ?", "t", key);
  if (!changed)
    rd_sql_exec(c, NULL, NULL,
                "INSERT INTO login_failures (key, failures, window_start) VALUES (?, 1, ?)",
                "ti", key, now);
}

void rd_ratelimit_clear(rd_conn *c, const char *key) {
  rd_sql_exec(c, NULL, NULL, "DELETE FROM login_failures WHERE key = ?", "t", key);
}
