/* Unit tests of src/store/postgres.c that only PostgreSQL has: a server that is down or
 * drops a connection (RD_EUNAVAIL, the pool reconnects), the per-connection cache of
 * server-side prepared statements (reuse, nesting, overflow, surviving a rollback), and a
 * deadlock reported as retryable. Suite postgres_pg needs $ROLODESK_TEST_PG (backends.h);
 * suite postgres does not. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#include "fixture.h"
#include "store/stmt_cache.h"

TestSuite(postgres, .timeout = 30);
TestSuite(postgres_pg, .fini = ub_fini, .timeout = 60);

Test(postgres, down_server_names_host_port_and_reason) {
  rd_db *d = NULL;
  rd_err e;
  rd_err_clear(&e);
  /* port 1 on loopback: nothing listens there */
  cr_assert_eq(rd_db_open("postgresql://someone:secret@127.0.0.1:1/rolodesk", true, &d, &e),
               RD_EUNAVAIL);
  cr_assert_null(d);
  cr_assert_eq(e.status, 503);
  cr_assert(strstr(e.message, "cannot connect to PostgreSQL at 127.0.0.1:1: "), "%s", e.message);
  cr_assert(strstr(e.message, "refused"), "the reason is given: %s", e.message);
  cr_assert_null(strstr(e.message, "secret"), "never the password: %s", e.message);
  rd_err_clear(&e);
  cr_assert_eq(rd_db_open("postgres://db.invalid/rolodesk", true, &d, &e), RD_EUNAVAIL);
  cr_assert(strstr(e.message, "at db.invalid:5432: "), "%s", e.message);
}

static int backend_pid(rd_conn *conn) {
  int64_t pid = 0;
  cr_assert_eq(rd_sql_int64(conn, &pid, &err, "SELECT pg_backend_pid()", ""), RD_ROW, "%s",
               err.message);
  return (int)pid;
}

/* Ends the server process of pid from conn, as an administrator would, and waits until
 * it is gone. */
static void terminate(rd_conn *conn, int pid) {
  int64_t ok = 0;
  cr_assert_eq(rd_sql_int64(conn, &ok, &err, "SELECT CAST(pg_terminate_backend(CAST(? AS INTEGER)) AS INTEGER)",
                            "i", (int64_t)pid),
               RD_ROW, "%s", err.message);
  cr_assert_eq(ok, 1);
  for (int i = 0; i < 500; i++) {
    int64_t n = 0;
    cr_assert_eq(rd_sql_int64(conn, &n, &err,
                              "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = CAST(? AS INTEGER)",
                              "i", (int64_t)pid),
                 RD_ROW);
    if (!n)
      return;
    usleep(10000);
  }
  cr_assert_fail("backend %d did not exit", pid);
}

Test(postgres_pg, lost_connection_is_unavailable_and_the_pool_reconnects) {
  ub_open(true);
  rd_conn *admin = NULL;
  cr_assert_eq(rd_db_acquire(db, &admin, &err), 0);
  int pid = backend_pid(c);
  terminate(admin, pid);
  /* the request that hits it: 503, with a message saying what happened */
  rd_err_clear(&err);
  int64_t v = 0;
  cr_assert_eq(rd_sql_int64(c, &v, &err, "SELECT 1", ""), RD_EUNAVAIL);
  cr_assert_eq(err.status, 503);
  cr_assert(strstr(err.message, "lost the connection to PostgreSQL"), "%s", err.message);
  cr_assert_not(rd_conn_ops(c)->healthy(c));
  rd_stmt *s = NULL;
  cr_assert_eq(rd_sql(c, &s, &err, "SELECT 2", ""), RD_EUNAVAIL, "it stays lost");
  /* given back, it is closed; the next acquire connects afresh */
  rd_db_release(db, c);
  c = NULL;
  rd_db_release(db, admin);
  cr_assert_eq(rd_db_acquire(db, &c, &err), 0, "%s", err.message);
  cr_assert_neq(backend_pid(c), pid);
  cr_assert_eq(ub_int(c, "SELECT COUNT(*) FROM schema_version"), rd_nmigrations);
}

Test(postgres_pg, lost_connection_inside_a_transaction) {
  ub_open(true);
  rd_conn *admin = NULL;
  cr_assert_eq(rd_db_acquire(db, &admin, &err), 0);
  cr_assert_eq(rd_tx_begin(c, true, &err), 0);
  cr_assert_eq(rd_sql_exec(c, NULL, &err,
                           "INSERT INTO accounts (id, name, settings, created_at, updated_at)"
                           " VALUES ('gone', 'G', '{}', 'now', 'now')",
                           ""),
               0);
  terminate(admin, backend_pid(c));
  rd_err_clear(&err);
  cr_assert_eq(rd_tx_commit(c, &err), RD_EUNAVAIL);
  rd_tx_rollback(c);
  rd_db_release(db, c);
  c = NULL;
  cr_assert_eq(ub_int(admin, "SELECT COUNT(*) FROM accounts WHERE id = 'gone'"), 0,
               "nothing of the lost transaction was committed");
  rd_db_release(db, admin);
}

Test(postgres_pg, idle_connection_dropped_by_the_server_is_replaced_before_use) {
  ub_open(true);
  rd_conn *admin = NULL;
  cr_assert_eq(rd_db_acquire(db, &admin, &err), 0);
  int pid = backend_pid(c);
  rd_db_release(db, c); /* idle in the pool */
  c = NULL;
  terminate(admin, pid);
  /* admin is busy, so the pool's idle connection is the dead one: it must not be used */
  cr_assert_eq(rd_db_acquire(db, &c, &err), 0, "%s", err.message);
  rd_err_clear(&err);
  int64_t v = 0;
  cr_assert_eq(rd_sql_int64(c, &v, &err, "SELECT 41 + 1", ""), RD_ROW, "%s", err.message);
  cr_assert_eq(v, 42);
  cr_assert_neq(backend_pid(c), pid);
  rd_db_release(db, admin);
}

Test(postgres_pg, statement_cache_reuses_nests_and_overflows) {
  ub_open(true);
  const char *sql = "SELECT CAST(? AS BIGINT) * 2";
  rd_stmt *a = NULL, *b = NULL;
  cr_assert_eq(rd_sql(c, &a, &err, sql, "i", (int64_t)1), 0);
  rd_stmt_done(a);
  cr_assert_eq(rd_sql(c, &b, &err, sql, "i", (int64_t)2), 0);
  cr_assert_eq(a, b, "the second use gets the cached statement");
  /* nested: the same SQL while b is open is another statement */
  cr_assert_eq(rd_stmt_step(b, &err), RD_ROW);
  rd_stmt *inner = NULL;
  cr_assert_eq(rd_sql(c, &inner, &err, sql, "i", (int64_t)5), 0);
  cr_assert_neq(inner, b);
  cr_assert_eq(rd_stmt_step(inner, &err), RD_ROW);
  cr_assert_eq(rd_stmt_int64(inner, 0), 10);
  rd_stmt_done(inner);
  cr_assert_eq(rd_stmt_int64(b, 0), 4, "the outer statement keeps its row");
  rd_stmt_done(b);
  /* more distinct texts than the cache holds: the least used are evicted and deallocated */
  for (int i = 0; i < 400; i++) {
    char q[64];
    snprintf(q, sizeof q, "SELECT %d + CAST(? AS BIGINT)", i);
    int64_t v = 0;
    cr_assert_eq(rd_sql_int64(c, &v, &err, q, "i", (int64_t)1), RD_ROW, "%s", err.message);
    cr_assert_eq(v, i + 1);
  }
  cr_assert_leq(ub_int(c, "SELECT COUNT(*) FROM pg_prepared_statements"), 256,
                "server-side statements stay bounded");
}

static int64_t server_statements(void) {
  return ub_int(c, "SELECT COUNT(*) FROM pg_prepared_statements");
}

/* Runs "SELECT <tag> + ?", a text of its own per tag; RD_ROW or the error. */
static int run_text(int tag) {
  char q[64];
  snprintf(q, sizeof q, "SELECT %d + CAST(? AS BIGINT)", tag);
  int64_t v = 0;
  rd_err_clear(&err);
  int rv = rd_sql_int64(c, &v, &err, q, "i", (int64_t)1);
  if (rv == RD_ROW)
    cr_assert_eq(v, tag + 1);
  return rv;
}

/* Issue 11: statements evicted inside a transaction are deallocated there (in batches) or
 * after it; when the transaction fails, where the server refuses every command, nothing
 * is sent until the rollback, new texts fail without evicting anything, and afterwards the
 * connection works, every cached statement still exists on the server and the server
 * holds no more statements than the cache. */
Test(postgres_pg, ISSUE11_eviction_in_a_failed_transaction_leaves_the_connection_usable) {
  ub_open(true);
  rd_stmt_cache_stats st;
  for (int i = 0; i < RD_STMT_CACHE_MAX; i++)
    cr_assert_eq(run_text(i), RD_ROW, "%s", err.message);
  cr_assert_eq(rd_tx_begin(c, true, &err), 0);
  /* evictions inside the transaction: a few more than a batch of deallocations */
  for (int i = 0; i < 21; i++)
    cr_assert_eq(run_text(1000 + i), RD_ROW, "%s", err.message);
  cr_assert_leq(server_statements(), RD_STMT_CACHE_MAX + 16 /* DEALLOCATE_BATCH */);
  /* the transaction fails (the statement was prepared, and evicted one, before) */
  int64_t v = 0;
  cr_assert_lt(rd_sql_int64(c, &v, &err, "SELECT 1 / CAST(? AS INTEGER)", "i", (int64_t)0), 0);
  rd_conn_stmt_stats(c, &st);
  int64_t evicted = st.evictions;
  cr_assert_geq(evicted, 21);
  for (int i = 0; i < 40; i++)
    cr_assert_lt(run_text(2000 + i), 0, "the server refuses every command");
  cr_assert_lt(run_text(1000), 0);
  rd_conn_stmt_stats(c, &st);
  cr_assert_eq(st.evictions, evicted, "a statement the server refused evicts nothing");
  rd_tx_rollback(c);
  cr_assert(rd_conn_ops(c)->healthy(c));
  /* usable: new texts (the deallocations left over go first), and every cached one */
  for (int i = 0; i < 10; i++)
    cr_assert_eq(run_text(3000 + i), RD_ROW, "%s", err.message);
  cr_assert_leq(server_statements(), RD_STMT_CACHE_MAX);
  rd_conn_stmt_stats(c, &st);
  int64_t misses = st.misses;
  /* the statements prepared in the transaction are still cached and exist on the server */
  for (int i = 0; i < 21; i++)
    cr_assert_eq(run_text(1000 + i), RD_ROW, "%s", err.message);
  rd_conn_stmt_stats(c, &st);
  cr_assert_eq(st.misses, misses, "all of them from the cache");
  cr_assert_leq(server_statements(), RD_STMT_CACHE_MAX);
}

Test(postgres_pg, prepared_statements_survive_a_rollback) {
  ub_open(true);
  const char *sql = "SELECT COUNT(*) FROM accounts WHERE id = ?";
  cr_assert_eq(rd_tx_begin(c, true, &err), 0);
  int64_t n = -1;
  cr_assert_eq(rd_sql_int64(c, &n, &err, sql, "t", "x"), RD_ROW);
  rd_tx_rollback(c);
  cr_assert_eq(rd_sql_int64(c, &n, &err, sql, "t", "x"), RD_ROW, "%s", err.message);
  cr_assert_eq(n, 0);
}

/* ---- a deadlock: the server aborts one transaction; the caller may retry it ---- */

typedef struct locker {
  rd_db *db;
  rd_conn *c;
  int rv;
  rd_err err;
} locker;

static void *update_a(void *arg) {
  locker *l = arg;
  rd_err_clear(&l->err);
  l->rv = rd_sql_exec(l->c, NULL, &l->err, "UPDATE accounts SET name = 'x' WHERE id = 'a'", "");
  return NULL;
}

Test(postgres_pg, deadlock_is_unavailable_and_retryable) {
  ub_open(true);
  for (int i = 0; i < 2; i++)
    cr_assert_eq(rd_sql_exec(c, NULL, &err,
                             "INSERT INTO accounts (id, name, settings, created_at, updated_at)"
                             " VALUES (?, 'n', '{}', 'now', 'now')",
                             "t", i ? "b" : "a"),
                 0);
  locker l = {.db = db};
  cr_assert_eq(rd_db_acquire(db, &l.c, &err), 0);
  cr_assert_eq(rd_tx_begin(c, true, &err), 0);
  cr_assert_eq(rd_tx_begin(l.c, true, &err), 0);
  cr_assert_eq(rd_sql_exec(c, NULL, &err, "UPDATE accounts SET name = 'c' WHERE id = 'a'", ""), 0);
  cr_assert_eq(rd_sql_exec(l.c, NULL, &err, "UPDATE accounts SET name = 'l' WHERE id = 'b'", ""), 0);
  pthread_t th;
  cr_assert_eq(pthread_create(&th, NULL, update_a, &l), 0); /* waits for c */
  usleep(200 * 1000);
  rd_err_clear(&err);
  int mine = rd_sql_exec(c, NULL, &err, "UPDATE accounts SET name = 'c' WHERE id = 'b'", "");
  if (mine == 0) /* the server chose the other one as the victim: let it go */
    rd_tx_rollback(c);
  pthread_join(th, NULL);
  int victim = mine ? mine : l.rv;
  rd_err *verr = mine ? &err : &l.err;
  cr_assert_eq(victim, RD_EUNAVAIL, "%s", verr->message);
  cr_assert_eq(verr->status, 503);
  cr_assert_eq(verr->retry_after, 1);
  cr_assert(strstr(verr->message, "deadlock"), "%s", verr->message);
  rd_tx_rollback(c);
  rd_tx_rollback(l.c);
  rd_db_release(db, l.c);
  cr_assert_eq(ub_int(c, "SELECT COUNT(*) FROM accounts WHERE name = 'n'"), 2,
               "both transactions rolled back");
}

/* The plan_cache_mode a statement of text sql (with or without RD_SQL_GENERIC_PLAN) runs
 * with, read by the statement itself. */
static void plan_mode_is(bool generic, const char *want) {
  char q[128];
  snprintf(q, sizeof q, "%sSELECT current_setting('plan_cache_mode') WHERE CAST(? AS BIGINT) = 1",
           generic ? RD_SQL_GENERIC_PLAN : "");
  rd_stmt *s = NULL;
  cr_assert_eq(rd_sql(c, &s, &err, q, "i", (int64_t)1), 0, "%s", err.message);
  cr_assert_eq(rd_stmt_step(s, &err), RD_ROW, "%s", err.message);
  cr_assert_str_eq(rd_stmt_text(s, 0), want, "%s: %s", q, rd_stmt_text(s, 0));
  rd_stmt_done(s);
}

/* Issue 12: a statement marked RD_SQL_GENERIC_PLAN runs with generic plans, every other
 * one with the server's default, also after a rolled-back transaction undid the setting,
 * after a committed one kept it, and in a pipeline. */
Test(postgres_pg, ISSUE12_generic_plan_marker_sets_the_plan_mode_only_for_its_statements) {
  ub_open(true);
  plan_mode_is(false, "auto");
  plan_mode_is(true, "force_generic_plan");
  plan_mode_is(false, "auto");
  cr_assert_eq(rd_tx_begin(c, false, &err), 0);
  plan_mode_is(true, "force_generic_plan");
  rd_tx_rollback(c); /* the SET is undone with the transaction */
  plan_mode_is(true, "force_generic_plan");
  plan_mode_is(false, "auto");
  cr_assert_eq(rd_tx_begin(c, false, &err), 0);
  plan_mode_is(true, "force_generic_plan");
  cr_assert_eq(rd_tx_commit(c, &err), 0);
  plan_mode_is(false, "auto");
  cr_assert_eq(rd_tx_begin(c, false, &err), 0);
  plan_mode_is(false, "auto");
  plan_mode_is(true, "force_generic_plan");
  rd_tx_rollback(c); /* now the server's mode is auto again, whatever was set last */
  plan_mode_is(false, "auto");
  plan_mode_is(true, "force_generic_plan");
  /* A pipelined transaction (imports) runs with the server's default. */
  cr_assert_eq(rd_tx_begin(c, true, &err), 0);
  cr_assert_eq(rd_pipeline(c, &err), 0, "%s", err.message);
  plan_mode_is(false, "auto");
  cr_assert_eq(rd_tx_commit(c, &err), 0, "%s", err.message);
  plan_mode_is(false, "auto");
}

/* Issue 12: connections join explicit JOINs in the order written (postgres.c, pg_open: a
 * list page's reference joins were planned for longer than they ran). */
Test(postgres_pg, ISSUE12_connections_join_in_the_order_written) {
  ub_open(true);
  rd_stmt *s = NULL;
  cr_assert_eq(rd_sql(c, &s, &err, "SELECT current_setting('join_collapse_limit')", ""), 0,
               "%s", err.message);
  cr_assert_eq(rd_stmt_step(s, &err), RD_ROW, "%s", err.message);
  cr_assert_str_eq(rd_stmt_text(s, 0), "1");
  rd_stmt_done(s);
}
