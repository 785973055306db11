/* Shared by the unit tests that need a database: a fresh, migrated SQLite file in its own
 * temporary directory with one connection held for the test. Criterion runs each test in
 * its own process, so every test gets its own file and nothing leaks between tests. */
#ifndef RD_TESTS_UNIT_H
#define RD_TESTS_UNIT_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/log.h"
#include "store/store.h"

typedef struct ut_db {
  char dir[256];
  char path[320];
  rd_db *db;
  rd_conn *c; /* acquired for the test; released by ut_db_close */
} ut_db;

static inline void ut_db_open(ut_db *t) {
  const char *tmp = getenv("TMPDIR");
  rd_log_level = RD_LOG_WARN; /* no "applied migration" lines per test */
  snprintf(t->dir, sizeof t->dir, "%s/rdunit.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  cr_assert_not_null(mkdtemp(t->dir), "mkdtemp %s", t->dir);
  snprintf(t->path, sizeof t->path, "%s/test.db", t->dir);
  rd_err err;
  rd_err_clear(&err);
  t->db = NULL;
  t->c = NULL;
  cr_assert_eq(rd_db_open(t->path, true, &t->db, &err), 0, "rd_db_open: %s", err.message);
  cr_assert_eq(rd_db_acquire(t->db, &t->c, &err), 0, "rd_db_acquire: %s", err.message);
}

static inline void ut_db_close(ut_db *t) {
  if (t->c)
    rd_db_release(t->db, t->c);
  rd_db_free(t->db);
  t->c = NULL;
  t->db = NULL;
  const char *suffix[] = {"", "-wal", "-shm", "-journal"};
  for (int i = 0; i < 4; i++) {
    char p[340];
    snprintf(p, sizeof p, "%s%s", t->path, suffix[i]);
    unlink(p);
  }
  rmdir(t->dir);
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
