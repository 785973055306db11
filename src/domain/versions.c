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
                  "SELECT kind, version FROM data_versions WHERE (account_id = ? AND kind = 'rec')"
                  " OR (? AND account_id = '*' AND kind = 'cross')",
                  "tb", account_id, (int)cross);
  while (!rv) {
    rv = rd_stmt_step(s, err);
    if (rv != RD_ROW)
      break;
    rv = 0;
    if (!strcmp(rd_stmt_text(s, 0), "rec"))
      v.rec = rd_stmt_int64(s, 1);
    else
      v.cross = rd_stmt_int64(s, 1);
  }
  rd_stmt_done(s);
  if (rv == RD_DONE)
    rv = 0;
  if (!rv)
    *out = v;
  return rv;
}
