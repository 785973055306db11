/* Fresh PostgreSQL databases for tests: see pgdb.h. */
#include "harness/pgdb.h"

#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdbool.h>
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

const char *th_pg_server(void) {
  const char *pg = getenv("ROLODESK_TEST_PG");
  return pg && *pg ? pg : NULL;
}

/* A session on the server's maintenance database: CREATE and DROP DATABASE cannot run
 * inside the database they name, nor in a transaction. */
static PGconn *admin_open(void) {
  const char *server = th_pg_server();
  cr_assert_not_null(server, "ROLODESK_TEST_PG is not set");
  char uri[512];
  snprintf(uri, sizeof uri, "%s/postgres", server);
  PGconn *pg = PQconnectdb(uri);
  cr_assert_eq(PQstatus(pg), CONNECTION_OK, "cannot connect to %s: %s", uri, PQerrorMessage(pg));
  return pg;
}

/* Runs sql on pg; true when it returned rows. */
static bool run(PGconn *pg, const char *sql) {
  PGresult *res = PQexec(pg, sql);
  ExecStatusType st = PQresultStatus(res);
  bool rows = st == PGRES_TUPLES_OK && PQntuples(res) > 0;
  char message[512];
  snprintf(message, sizeof message, "%s", PQresultErrorMessage(res));
  PQclear(res);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    PQfinish(pg);
  cr_assert(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", sql, message);
  return rows;
}

static void admin(const char *sql) {
  PGconn *pg = admin_open();
  run(pg, sql);
  PQfinish(pg);
}

/* FNV-1a over every embedded migration: a new or edited migration names a new template. */
static uint64_t migrations_hash(void) {
  uint64_t h = 1469598103934665603ULL;
  for (int i = 0; i < rd_nmigrations; i++) {
    const rd_migration *m = &rd_migrations[i];
    const char *parts[] = {m->name, m->sql, m->sqlite, m->postgresql};
    h = (h ^ (uint64_t)m->version) * 1099511628211ULL;
    for (int k = 0; k < 4; k++) {
      for (const char *p = parts[k] ? parts[k] : ""; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
      h = (h ^ 0xff) * 1099511628211ULL; /* part boundary */
    }
  }
  return h;
}

/* Makes the template when the server has none for this migration set: built under a
 * temporary name and renamed when complete, so a test killed half-way leaves no half
 * template behind; the advisory lock makes concurrent tests wait for the first. */
static void ensure_template(PGconn *pg, const char *tmpl) {
  char sql[256], building[TH_PG_NAME_MAX + 16], uri[512];
  run(pg, "SELECT pg_advisory_lock(7240116)");
  snprintf(sql, sizeof sql, "SELECT 1 FROM pg_database WHERE datname = '%s'", tmpl);
  if (!run(pg, sql)) {
    snprintf(building, sizeof building, "%s_building", tmpl);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", building);
    run(pg, sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", building);
    run(pg, sql);
    snprintf(uri, sizeof uri, "%s/%s", th_pg_server(), building);
    rd_db *db = NULL;
    rd_err err;
    rd_err_clear(&err);
    int rv = rd_db_open(uri, true, &db, &err);
    rd_db_free(db); /* closes its sessions: a template must have none */
    cr_assert_eq(rv, 0, "migrating the template %s: %s", building, err.message);
    snprintf(sql, sizeof sql, "ALTER DATABASE %s RENAME TO %s", building, tmpl);
    run(pg, sql);
  }
  run(pg, "SELECT pg_advisory_unlock(7240116)");
}

void th_pg_create_migrated(const char *prefix, char *name, char *uri, size_t uri_cap) {
  char tmpl[TH_PG_NAME_MAX], sql[256];
  snprintf(tmpl, sizeof tmpl, "rdtmpl_%016" PRIx64, migrations_hash());
  PGconn *pg = admin_open();
  ensure_template(pg, tmpl);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  snprintf(name, TH_PG_NAME_MAX, "%s_%d_%ld", prefix, (int)getpid(), (long)(ts.tv_nsec % 1000000));
  /* FILE_COPY (PostgreSQL 15 and later; older servers always copy files) copies the few files
   * of a small database at once instead of logging every block. */
  snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE %s%s", name, tmpl,
           PQserverVersion(pg) >= 150000 ? " STRATEGY FILE_COPY" : "");
  run(pg, sql);
  PQfinish(pg);
  snprintf(uri, uri_cap, "%s/%s", th_pg_server(), name);
}

void th_pg_create(const char *prefix, char *name, char *uri, size_t uri_cap) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  snprintf(name, TH_PG_NAME_MAX, "%s_%d_%ld", prefix, (int)getpid(), (long)(ts.tv_nsec % 1000000));
  char sql[128];
  snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
  admin(sql);
  snprintf(uri, uri_cap, "%s/%s", th_pg_server(), name);
}

void th_pg_drop(char *name) {
  if (!name[0])
    return;
  char sql[128];
  snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
  admin(sql);
  name[0] = 0;
}
