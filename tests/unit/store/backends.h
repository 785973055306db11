/* The storage backends the store unit tests run on: SQLite always, PostgreSQL when
 * $ROLODESK_TEST_PG names a server (scripts/run-tests.sh starts a throwaway one and runs
 * the `*_pg` suites again with it); without it those tests are skipped. Every test gets a
 * fresh, empty database: a SQLite file in a temporary directory, or a new database on the
 * server, dropped at the end. */
#ifndef RD_TESTS_UNIT_STORE_BACKENDS_H
#define RD_TESTS_UNIT_STORE_BACKENDS_H

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/log.h"
#include "harness/pgdb.h"
#include "store/store.h"

typedef struct ub_db {
  bool pg;
  char dir[256];
  char uri[512];    /* the --db value */
  char pg_name[TH_PG_NAME_MAX]; /* "" for SQLite */
} ub_db;

/* A fresh database of the backend (no migrations yet). Skips the test for PostgreSQL when
 * no server is configured. */
static inline void ub_fresh(ub_db *t, bool pg) {
  rd_log_level = RD_LOG_WARN;
  if (pg && !th_pg_server())
    cr_skip_test("no PostgreSQL server: set ROLODESK_TEST_PG (scripts/run-tests.sh does)");
  t->pg = pg;
  t->pg_name[0] = 0;
  snprintf(t->dir, sizeof t->dir, "/tmp/rdstore.XXXXXX");
  cr_assert_not_null(mkdtemp(t->dir));
  if (pg) {
    th_pg_create("u", t->pg_name, t->uri, sizeof t->uri);
  } else {
    snprintf(t->uri, sizeof t->uri, "%s/test.db", t->dir);
  }
}

static inline void ub_drop(ub_db *t) {
  th_pg_drop(t->pg_name);
  if (t->dir[0]) {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
    int r = system(cmd);
    (void)r;
    t->dir[0] = 0;
  }
}

/* One integer from a query without parameters; -1 when there is no row. */
static inline int64_t ub_int(rd_conn *c, const char *sql) {
  int64_t v = -1;
  rd_err err;
  rd_err_clear(&err);
  int rv = rd_sql_int64(c, &v, &err, sql, "");
  cr_assert_geq(rv, 0, "%s: %s", sql, err.message);
  return rv == RD_ROW ? v : -1;
}

/* Defines Test(suite, name) on SQLite and Test(suite_pg, name) on PostgreSQL, both
 * running body(bool pg). */
#define UB_BOTH(suite, name, body)                                                          \
  Test(suite, name) {                                                                       \
    body(false);                                                                            \
  }                                                                                         \
  Test(suite##_pg, name) {                                                                  \
    body(true);                                                                             \
  }

#endif
