/* Shared by the unit tests that need a database: a fresh, migrated database with one
 * connection held for the test, and a temporary directory (data files) beside it.
 * Criterion runs each test in its own process, so every test gets its own database and
 * nothing leaks between tests.
 *
 * The backend: a SQLite file in the temporary directory, or, when the unit tests run for
 * PostgreSQL (ROLODESK_UNIT_BACKEND=postgresql with $ROLODESK_TEST_PG naming a server),
 * a copy of a migrated database on that server (tests/harness/pgdb.h), dropped by
 * ut_db_close. scripts/run-tests.sh does so in its PostgreSQL phase for the suites
 * declared as `TestSuite(name, .init = ...)` in a file that calls ut_db_open: open the
 * database in such a fixture. Tests about SQLite itself (file paths, PRAGMAs) call
 * ut_db_open_sqlite instead. SQL in tests runs on both: portable, or chosen by ut_pg(). */
#ifndef RD_TESTS_UNIT_H
#define RD_TESTS_UNIT_H

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "harness/pgdb.h"
#include "store/store.h"

typedef struct ut_db {
  char dir[256];
  char path[320];                /* the SQLite file; "" on PostgreSQL */
  char uri[512];                 /* what rd_db_open was given */
  char pg_name[TH_PG_NAME_MAX];  /* the PostgreSQL database; "" on SQLite */
  rd_db *db;
  rd_conn *c; /* acquired for the test; released by ut_db_close */
} ut_db;

/* True when the unit tests run for PostgreSQL (see above). */
static inline bool ut_pg(void) {
  const char *b = getenv("ROLODESK_UNIT_BACKEND");
  return b && !strcmp(b, "postgresql");
}

static inline void ut_db_open_on(ut_db *t, bool pg) {
  const char *tmp = getenv("TMPDIR");
  rd_log_level = RD_LOG_WARN; /* no "applied migration" lines per test */
  memset(t, 0, sizeof *t);
  snprintf(t->dir, sizeof t->dir, "%s/rdunit.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  cr_assert_not_null(mkdtemp(t->dir), "mkdtemp %s", t->dir);
  if (pg) {
    cr_assert_not_null(th_pg_server(), "ROLODESK_UNIT_BACKEND=postgresql needs ROLODESK_TEST_PG"
                                       " (scripts/pg-test.sh)");
    th_pg_create_migrated("ut", t->pg_name, t->uri, sizeof t->uri);
  } else {
    snprintf(t->path, sizeof t->path, "%s/test.db", t->dir);
    snprintf(t->uri, sizeof t->uri, "%s", t->path);
  }
  rd_err err;
  rd_err_clear(&err);
  cr_assert_eq(rd_db_open(t->uri, true, &t->db, &err), 0, "rd_db_open: %s", err.message);
  cr_assert_eq(rd_db_acquire(t->db, &t->c, &err), 0, "rd_db_acquire: %s", err.message);
}

/* A fresh migrated database of the backend under test. */
static inline void ut_db_open(ut_db *t) {
  ut_db_open_on(t, ut_pg());
}

/* A fresh migrated SQLite file whatever the backend under test: for tests of SQLite
 * itself. */
static inline void ut_db_open_sqlite(ut_db *t) {
  ut_db_open_on(t, false);
}

static inline void ut_db_close(ut_db *t) {
  if (t->c)
    rd_db_release(t->db, t->c);
  rd_db_free(t->db);
  t->c = NULL;
  t->db = NULL;
  th_pg_drop(t->pg_name);
  const char *suffix[] = {"", "-wal", "-shm", "-journal"};
  for (int i = 0; t->path[0] && i < 4; i++) {
    char p[340];
    snprintf(p, sizeof p, "%s%s", t->path, suffix[i]);
    unlink(p);
  }
  /* Tests that stored files there (uploads, attachments) leave it non-empty. */
  if (rmdir(t->dir) != 0 && !getenv("ROLODESK_TEST_KEEP")) {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
    int r = system(cmd);
    (void)r;
  }
}

/* One integer from a query with text parameters only ("t" per ?), -1 when no row. */
static inline int64_t ut_int(rd_conn *c, const char *sql) {
  int64_t v = -1;
  rd_err err;
  rd_err_clear(&err);
  int rv = rd_sql_int64(c, &v, &err, sql, "");
  cr_assert_geq(rv, 0, "%s: %s", sql, err.message);
  return rv == RD_ROW ? v : -1;
}

#endif
