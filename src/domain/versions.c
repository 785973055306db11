/* Reading the version counters of migration 018 for the page cache (src/api/page_cache.c):
 * one query per list request, in its read transaction. */
#include "domain/versions.h"

#include <string.h>

int rd_versions_read(rd_conn *c, const char *account_id, bool cross, rd_versions *out,
                     rd_err *err) {
  rd_versions v;
  memset(&v, 0, sizeof v);
  rd_date_today(v.today);
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err,
                  "SELECT COALESCE((SELECT version FROM data_versions WHERE account_id = ? AND"
                  " kind = 'rec'), 0), CASE WHEN ? THEN (SELECT CAST(COALESCE(SUM(version), 0) AS"
                  " BIGINT) FROM data_versions WHERE kind = 'cross') ELSE 0 END",
                  "tb", account_id, (int)cross);
  if (!rv)
    rv = rd_stmt_step(s, err);
  if (rv == RD_ROW) {
    v.rec = rd_stmt_int64(s, 0);
    v.cross = rd_stmt_int64(s, 1);
    rv = 0;
  } else if (rv == RD_DONE) {
    rv = rd_err_set(err, RD_EINTERNAL, "no row from the version counters");
  }
  rd_stmt_done(s);
  if (!rv)
    *out = v;
  return rv;
}
