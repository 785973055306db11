/* Version counters of the data a list page depends on (issue 12, page cache): the
 * data_versions table of migration 018, which triggers bump in every writer's own
 * transaction (the daemon, the CLI, another daemon on the same PostgreSQL). A page rendered
 * after reading counters c is at least as new as c, so a page cached under c may be served
 * to anyone who reads c again. */
#ifndef RD_DOMAIN_VERSIONS_H
#define RD_DOMAIN_VERSIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/time.h"
#include "store/store.h"

typedef struct rd_versions {
  int64_t rec;              /* the account's records, names, annotations, trusts */
  int64_t cross;            /* other accounts' organizations, trusts, agreements; 0 unread */
  char today[RD_DATE_LEN];  /* pages that show agreements change with the date */
} rd_versions;

/* Reads the account's counter and, when cross, the counter of the tables other accounts'
 * pages read, in one query on c (run it in the page's read transaction, before the page is
 * rendered). Fills *out on success; RD_E* on a database error. Thread-safe per connection. */
int rd_versions_read(rd_conn *c, const char *account_id, bool cross, rd_versions *out,
                     rd_err *err);

#endif
