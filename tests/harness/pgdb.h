/* A fresh database per test on the throwaway PostgreSQL server the tests use
 * ($ROLODESK_TEST_PG, started by scripts/pg-test.sh). Shared by the API harness
 * (harness.c), the store's backend tests (unit/store/backends.h) and the unit tests'
 * ut_db (unit/unit.h). Failures abort the test (cr_assert). */
#ifndef RD_TESTS_HARNESS_PGDB_H
#define RD_TESTS_HARNESS_PGDB_H

#include <stddef.h>

#define TH_PG_NAME_MAX 64

/* $ROLODESK_TEST_PG: the server URI without a database name; NULL when unset or empty. */
const char *th_pg_server(void);

/* Creates an empty database on that server, named prefix_<pid>_<clock> (unique to this
 * process and moment), and writes its name (TH_PG_NAME_MAX bytes) and its URI. */
void th_pg_create(const char *prefix, char *name, char *uri, size_t uri_cap);

/* Like th_pg_create, but the new database is a copy of a migrated one (every migration
 * of store.h's rd_migrations applied): the template rdtmpl_<hash of those migrations>, made
 * once per server and migration set by the first test that asks, under an advisory lock.
 * A copy costs a fraction of running the migrations in every test. */
void th_pg_create_migrated(const char *prefix, char *name, char *uri, size_t uri_cap);

/* Drops the database name (ending sessions still connected to it) and clears name; does
 * nothing when name is "". */
void th_pg_drop(char *name);

#endif
