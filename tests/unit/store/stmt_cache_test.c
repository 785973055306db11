/* Unit tests of src/store/stmt_cache.c (issue 11: one statement cache with eviction for
 * both backends). Suite stmt_cache drives the cache alone with stand-in statements: CLOCK
 * keeps what is used, a busy entry is never evicted, nested use of one text, the whole
 * cache busy. Suites stmt_cache_db and stmt_cache_db_pg (backends.h) run a workload of
 * more distinct SQL texts than the cache holds on a real connection: the hot statements
 * are not prepared again, the evicted ones are finalized (SQLite's sqlite_stmt) or
 * deallocated (PostgreSQL's pg_prepared_statements), and a statement handed out survives. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "store/stmt_cache.h"

/* ---- the cache alone ---- */

enum { NFAKE = 4 * RD_STMT_CACHE_MAX };

typedef struct fake {
  rd_cached ce;
  char sql[32];
  bool evicted;
} fake;

static fake F[NFAKE];
static int nevicted;

static void evict_fake(void *ctx, rd_cached *e) {
  (void)ctx;
  fake *f = (fake *)(void *)e; /* ce is the first member */
  cr_assert_not(f->evicted, "%s evicted twice", f->sql);
  cr_assert_not(e->busy && e->slot >= 0, "busy entries are evicted only at term");
  f->evicted = true;
  nevicted++;
}

static void fake_init(rd_stmt_cache *sc) {
  memset(F, 0, sizeof F);
  nevicted = 0;
  for (int i = 0; i < NFAKE; i++)
    snprintf(F[i].sql, sizeof F[i].sql, "SELECT %d", i);
  for (int i = 0; i < NFAKE; i++)
    F[i].ce.slot = -1;
  rd_stmt_cache_init(sc, evict_fake, NULL);
}

/* Hands out F[i]'s text: from the cache, or "prepares" F[i] and offers it. Returns the
 * entry handed out and whether it was a hit. */
static rd_cached *use(rd_stmt_cache *sc, int i, bool *hit) {
  unsigned h = rd_stmt_cache_hash(F[i].sql);
  rd_cached *e = rd_stmt_cache_get(sc, F[i].sql, h);
  *hit = e != NULL;
  if (!e) {
    cr_assert_not(F[i].ce.slot >= 0 && !F[i].evicted && !F[i].ce.busy,
                  "F[%d] is cached and free but was not found", i);
    memset(&F[i].ce, 0, sizeof F[i].ce);
    F[i].evicted = false;
    rd_cached_init(&F[i].ce, F[i].sql, h);
    rd_stmt_cache_put(sc, &F[i].ce);
    e = &F[i].ce;
  }
  return e;
}

static bool use_once(rd_stmt_cache *sc, int i) {
  bool hit = false;
  rd_cached *e = use(sc, i, &hit);
  rd_stmt_cache_release(sc, e);
  return hit;
}

/* Issue 11: ten hot texts used between every pair of one-off texts stay cached while
 * three times the cache's size of one-off texts pass through it. */
Test(stmt_cache, ISSUE11_clock_keeps_the_hot_statements) {
  rd_stmt_cache sc;
  fake_init(&sc);
  for (int i = 0; i < 10; i++)
    cr_assert_not(use_once(&sc, i));
  for (int cold = 10; cold < 3 * RD_STMT_CACHE_MAX; cold++) {
    cr_assert_not(use_once(&sc, cold), "one-off text %d", cold);
    int hot = cold % 10;
    cr_assert(use_once(&sc, hot), "hot text %d was evicted (after %d)", hot, cold);
    cr_assert_leq(sc.n, RD_STMT_CACHE_MAX);
  }
  cr_assert_eq(sc.n, RD_STMT_CACHE_MAX);
  cr_assert_eq(sc.stats.evictions, 3 * RD_STMT_CACHE_MAX - RD_STMT_CACHE_MAX);
  cr_assert_eq(nevicted, sc.stats.evictions);
  for (int i = 0; i < 10; i++)
    cr_assert_not(F[i].evicted);
  cr_assert_eq(sc.stats.misses, 3 * RD_STMT_CACHE_MAX);
  rd_stmt_cache_term(&sc);
  cr_assert_eq(nevicted, 3 * RD_STMT_CACHE_MAX, "term evicts every entry left");
  cr_assert_eq(sc.n, 0);
}

/* Issue 11: an entry handed out is never evicted, however many texts pass, and is found
 * again once given back. When every entry is busy, a new statement stays uncached. */
Test(stmt_cache, ISSUE11_busy_statements_are_never_evicted) {
  rd_stmt_cache sc;
  fake_init(&sc);
  bool hit = false;
  rd_cached *held = use(&sc, 0, &hit);
  for (int i = 1; i < NFAKE; i++)
    use_once(&sc, i);
  cr_assert_gt(sc.stats.evictions, 2 * RD_STMT_CACHE_MAX);
  cr_assert_not(F[0].evicted);
  cr_assert(held->busy);
  cr_assert(rd_stmt_cache_release(&sc, held), "still cached");
  cr_assert(use_once(&sc, 0), "found again");

  /* every entry busy: the next statement is not cached, and nothing is evicted */
  rd_stmt_cache_term(&sc);
  fake_init(&sc);
  for (int i = 0; i < RD_STMT_CACHE_MAX; i++)
    use(&sc, i, &hit);
  cr_assert_not(rd_stmt_cache_has_room(&sc));
  rd_cached *extra = use(&sc, RD_STMT_CACHE_MAX, &hit);
  cr_assert_lt(extra->slot, 0);
  cr_assert_eq(sc.stats.uncached, 1);
  cr_assert_eq(nevicted, 0);
  cr_assert_not(rd_stmt_cache_release(&sc, extra), "uncached: the backend frees it");
  /* one given back makes room, and it is the one evicted */
  rd_stmt_cache_release(&sc, &F[7].ce);
  cr_assert(rd_stmt_cache_has_room(&sc));
  use_once(&sc, RD_STMT_CACHE_MAX + 1);
  cr_assert(F[7].evicted);
  cr_assert_eq(nevicted, 1);
  rd_stmt_cache_term(&sc);
}

/* The same text used while it is busy: a second entry, and both are found afterwards. */
Test(stmt_cache, nested_use_of_one_text_gets_a_second_entry) {
  rd_stmt_cache sc;
  fake_init(&sc);
  const char *sql = "SELECT nested";
  unsigned h = rd_stmt_cache_hash(sql);
  rd_cached a, b;
  rd_cached_init(&a, sql, h);
  rd_stmt_cache_put(&sc, &a);
  cr_assert_null(rd_stmt_cache_get(&sc, sql, h), "the only one is busy");
  rd_cached_init(&b, sql, h);
  rd_stmt_cache_put(&sc, &b);
  rd_stmt_cache_release(&sc, &b);
  rd_stmt_cache_release(&sc, &a);
  rd_cached *x = rd_stmt_cache_get(&sc, sql, h);
  rd_cached *y = rd_stmt_cache_get(&sc, sql, h);
  cr_assert(x && y && x != y);
  cr_assert((x == &a || x == &b) && (y == &a || y == &b));
  cr_assert_eq(sc.nbusy, 2);
  rd_stmt_cache_release(&sc, x);
  rd_stmt_cache_release(&sc, y);
  cr_assert_eq(sc.nbusy, 0);
  cr_assert_eq(sc.n, 2);
}

/* ---- on a connection, both backends ---- */

TestSuite(stmt_cache_db, .fini = ub_fini, .timeout = 60);
TestSuite(stmt_cache_db_pg, .fini = ub_fini, .timeout = 60);

static rd_stmt_cache_stats stats(void) {
  rd_stmt_cache_stats st;
  rd_conn_stmt_stats(c, &st);
  return st;
}

/* Runs "SELECT <tag> + ?" (a text of its own per tag) and checks the answer. */
static void run_text(int tag) {
  char sql[64];
  snprintf(sql, sizeof sql, "SELECT %d + CAST(? AS BIGINT)", tag);
  int64_t v = 0;
  cr_assert_eq(rd_sql_int64(c, &v, &err, sql, "i", (int64_t)1), RD_ROW, "%s: %s", sql,
               err.message);
  cr_assert_eq(v, tag + 1);
}

/* Statements prepared on the connection now and not in the cache: SQLite's own list of
 * them (sqlite_stmt, which also has FTS5's statements) or the server's
 * (pg_prepared_statements), less the cache's entries (the counting statement is one). */
static int64_t prepared_beyond_cache(bool pg) {
  int64_t n = ub_int(c, pg ? "SELECT COUNT(*) FROM pg_prepared_statements"
                           : "SELECT COUNT(*) FROM sqlite_stmt");
  return n - stats().entries;
}

/* Issue 11: the cache filled with one-off texts first, then three times as many distinct
 * texts as it holds with five hot texts between them: the hot ones are prepared once (a
 * cache that kept its first statements would prepare them at every use), the one-off ones
 * evicted, and the backend holds no statement the cache does not. */
static void hot_statements_are_reused(bool pg) {
  ub_open(pg);
  enum { HOT = 5, COLD = 3 * RD_STMT_CACHE_MAX };
  int64_t others = prepared_beyond_cache(pg);
  cr_assert_geq(others, 0);
  for (int i = 0; i < RD_STMT_CACHE_MAX; i++)
    run_text(2000000 + i);
  rd_stmt_cache_stats before = stats();
  for (int i = 0; i < COLD; i++) {
    run_text(1000000 + i);
    for (int h = 0; h < HOT; h++)
      run_text(h);
  }
  rd_stmt_cache_stats after = stats();
  cr_assert_eq(after.misses - before.misses, COLD + HOT, "each text prepared once: %lld",
               (long long)(after.misses - before.misses));
  cr_assert_eq(after.hits - before.hits, (int64_t)COLD * HOT - HOT);
  cr_assert_geq(after.evictions - before.evictions, COLD + HOT - RD_STMT_CACHE_MAX);
  cr_assert_leq(after.entries, RD_STMT_CACHE_MAX);
  cr_assert_eq(prepared_beyond_cache(pg), others, "evicted statements are finalized");
  /* and an evicted text comes back as a new statement that works */
  run_text(1000000);
  cr_assert_eq(prepared_beyond_cache(pg), others);
}
UB_BOTH(stmt_cache_db, ISSUE11_hot_statements_are_reused_and_evicted_ones_finalized,
        hot_statements_are_reused)

/* Issue 11: statements handed out stay usable while more texts than the cache holds pass
 * through it (one mid-way through its rows, one not yet stepped: on PostgreSQL its
 * server-side statement must still exist), and come from the cache again afterwards. */
static void busy_statements_survive(bool pg) {
  ub_open(pg);
  const char *rows = "SELECT column1 FROM (VALUES (1), (2), (3)) AS t ORDER BY column1";
  const char *later = "SELECT CAST(? AS BIGINT) * 3";
  rd_stmt *mid = NULL, *fresh = NULL;
  cr_assert_eq(rd_sql(c, &mid, &err, rows, ""), 0, "%s", err.message);
  cr_assert_eq(rd_stmt_step(mid, &err), RD_ROW, "%s", err.message);
  cr_assert_eq(rd_stmt_int64(mid, 0), 1);
  cr_assert_eq(rd_sql(c, &fresh, &err, later, "i", (int64_t)7), 0, "%s", err.message);
  for (int i = 0; i < 2 * RD_STMT_CACHE_MAX + 10; i++)
    run_text(i);
  cr_assert_geq(stats().evictions, RD_STMT_CACHE_MAX);
  cr_assert_eq(rd_stmt_step(fresh, &err), RD_ROW, "%s", err.message);
  cr_assert_eq(rd_stmt_int64(fresh, 0), 21);
  cr_assert_eq(rd_stmt_step(mid, &err), RD_ROW, "%s", err.message);
  cr_assert_eq(rd_stmt_int64(mid, 0), 2);
  rd_stmt_done(fresh);
  rd_stmt_done(mid);
  rd_stmt_cache_stats before = stats();
  rd_stmt *again = NULL;
  cr_assert_eq(rd_sql(c, &again, &err, rows, ""), 0);
  cr_assert_eq(again, mid, "the same statement, still cached");
  rd_stmt_done(again);
  cr_assert_eq(rd_sql(c, &again, &err, later, "i", (int64_t)1), 0);
  cr_assert_eq(again, fresh, "the same statement, still cached");
  cr_assert_eq(rd_stmt_step(again, &err), RD_ROW, "%s", err.message);
  cr_assert_eq(rd_stmt_int64(again, 0), 3);
  rd_stmt_done(again);
  cr_assert_eq(stats().hits - before.hits, 2);
  cr_assert_eq(stats().misses, before.misses);
}
UB_BOTH(stmt_cache_db, ISSUE11_busy_statements_are_never_evicted, busy_statements_survive)
