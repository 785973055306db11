/* The connection fixture of the store unit tests that run on a real database
 * (store_test.c, postgres_test.c, stmt_cache_test.c): one fresh database of the backend
 * (backends.h) opened with its migrations, one connection held for the test, and the
 * suite's .fini that gives both back and drops the database. Include it once per test
 * file; each file gets its own copy of the statics below. */
#ifndef RD_TESTS_UNIT_STORE_FIXTURE_H
#define RD_TESTS_UNIT_STORE_FIXTURE_H

#include "backends.h"

static ub_db T;
static rd_db *db;  /* owned; freed by ub_fini */
static rd_conn *c; /* acquired from db; released by ub_fini */
static rd_err err;

/* The .fini of every suite that calls ub_open. */
static inline void ub_fini(void) {
  if (c)
    rd_db_release(db, c);
  rd_db_free(db);
  c = NULL;
  db = NULL;
  ub_drop(&T);
}

/* A fresh, migrated database of the backend (pg) in db with connection c; skips the test
 * for PostgreSQL when no server is configured. */
static inline void ub_open(bool pg) {
  ub_fresh(&T, pg);
  rd_err_clear(&err);
  cr_assert_eq(rd_db_open(T.uri, true, &db, &err), 0, "rd_db_open: %s", err.message);
  cr_assert_eq(rd_db_acquire(db, &c, &err), 0, "%s", err.message);
}

#endif
