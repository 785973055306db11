/* The SQLite backend of rd_store_ops: one file, WAL journal, a busy timeout, foreign keys
 * on, and a per-connection cache of prepared statements keyed by SQL text (stmt_cache.h:
 * an evicted statement is finalized at once). The only file that includes sqlite3.h. */
#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"
#include "store/stmt_cache.h"
#include "store/store.h"

enum { BUSY_TIMEOUT_MS = 10000 };

typedef struct lite_stmt {
  rd_stmt base;
  rd_cached ce; /* key sqlite3_sql(st), busy while handed out */
  sqlite3_stmt *st;
  struct lite_conn *conn;
  int64_t changes;
} lite_stmt;

/* Writers of one process take turns in arrival order (FIFO) before BEGIN IMMEDIATE.
 * SQLite's own busy handler polls at up to 100 ms and lets whoever asks first at the right
 * moment in: a bulk import that begins its next batch the moment it commits one won every
 * time, and a request that wanted to write got 503 after the busy timeout. Here the waiting
 * request is next. The busy handler still arbitrates between processes (the CLI and the
 * daemon). One queue per database file, shared by the connections opened on it. */
typedef struct wl_waiter {
  struct wl_waiter *next;
  bool granted;
} wl_waiter;

typedef struct writer_lock {
  struct writer_lock *next; /* in the registry */
  char *path;
  int refs;
  bool held;
  wl_waiter *head, *tail;
  pthread_cond_t cond;
} writer_lock;

static pthread_mutex_t wl_mutex = PTHREAD_MUTEX_INITIALIZER; /* the registry and every lock */
static writer_lock *wl_registry;

typedef struct lite_conn {
  rd_conn base;
  sqlite3 *db;
  writer_lock *wl;               /* NULL for a database without a file (":memory:") */
  bool wl_held;                  /* this connection holds wl */
  rd_stmt_cache cache;
  bool write_tx;                 /* inside BEGIN IMMEDIATE of lite_begin */
  bool fts_log;                  /* person_search_fts_log exists (migration 013) */
  /* Ids reserved from id_sequence in this write transaction: next..last are free. */
  int64_t id_next, id_last, id_block;
} lite_conn;

static int fail(lite_conn *c, int rc, rd_err *err, const char *what) {
  const char *msg = c && c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc);
  int prim = rc & 0xff;
  if (prim == SQLITE_CONSTRAINT) {
    int ext = c && c->db ? sqlite3_extended_errcode(c->db) : rc;
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
      return rd_err_set(err, RD_ECONFLICT, "Conflict: %s", msg);
    return rd_err_set(err, RD_EINVAL, "Constraint failed: %s", msg);
  }
  if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
    return rd_err_set(err, RD_EUNAVAIL, "database is busy, retry later");
  rd_log(RD_LOG_ERROR, "sqlite %s: %s", what, msg);
  return rd_err_set(err, RD_EINTERNAL, "database error");
}

static writer_lock *wl_ref(const char *path) {
  if (!path || !*path)
    return NULL;
  pthread_mutex_lock(&wl_mutex);
  writer_lock *l = wl_registry;
  while (l && strcmp(l->path, path) != 0)
    l = l->next;
  if (!l) {
    l = rd_calloc(1, sizeof *l);
    l->path = rd_strdup(path);
    pthread_cond_init(&l->cond, NULL);
    l->next = wl_registry;
    wl_registry = l;
  }
  l->refs++;
  pthread_mutex_unlock(&wl_mutex);
  return l;
}

static void wl_unref(writer_lock *l) {
  if (!l)
    return;
  pthread_mutex_lock(&wl_mutex);
  if (--l->refs == 0) {
    writer_lock **p = &wl_registry;
    while (*p != l)
      p = &(*p)->next;
    *p = l->next;
    pthread_cond_destroy(&l->cond);
    rd_free(l->path);
    rd_free(l);
  }
  pthread_mutex_unlock(&wl_mutex);
}

/* Waits its turn, at most timeout_ms; false when the time ran out (the caller answers
 * "busy", as SQLite's busy timeout would have). */
static bool wl_acquire(writer_lock *l, int timeout_ms) {
  pthread_mutex_lock(&wl_mutex);
  if (!l->held && !l->head) {
    l->held = true;
    pthread_mutex_unlock(&wl_mutex);
    return true;
  }
  wl_waiter me = {0};
  if (l->tail)
    l->tail->next = &me;
  else
    l->head = &me;
  l->tail = &me;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += timeout_ms / 1000;
  until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  while (!me.granted)
    if (pthread_cond_timedwait(&l->cond, &wl_mutex, &until) != 0 && !me.granted) {
      /* Timed out: leave the queue (me is in it: only a grant takes the head out). */
      wl_waiter **p = &l->head, *prev = NULL;
      while (*p != &me) {
        prev = *p;
        p = &(*p)->next;
      }
      *p = me.next;
      if (l->tail == &me)
        l->tail = prev;
      pthread_mutex_unlock(&wl_mutex);
      return false;
    }
  pthread_mutex_unlock(&wl_mutex); /* handed over by wl_release: held stayed true */
  return true;
}

static void wl_release(writer_lock *l) {
  pthread_mutex_lock(&wl_mutex);
  wl_waiter *next = l->head;
  if (next) {
    l->head = next->next;
    if (!l->head)
      l->tail = NULL;
    next->granted = true; /* the lock passes to the first in line, held all along */
    pthread_cond_broadcast(&l->cond);
  } else {
    l->held = false;
  }
  pthread_mutex_unlock(&wl_mutex);
}

static int lite_exec(rd_conn *rc, const char *sql, rd_err *err) {
  lite_conn *c = (lite_conn *)rc;
  char *msg = NULL;
  int rv = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
  sqlite3_free(msg);
  return rv == SQLITE_OK ? 0 : fail(c, rv, err, "exec");
}

static int run(lite_conn *c, const char *sql, rd_err *err);

/* The next writer's turn, once this connection's transaction has ended. */
static void writer_done(lite_conn *c) {
  if (c->wl_held && sqlite3_get_autocommit(c->db)) {
    c->wl_held = false;
    wl_release(c->wl);
  }
}

static int64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* BEGIN IMMEDIATE after this connection's turn among the process's writers. The turn and
 * SQLite's busy handler share one timeout: a writer queued behind one that waited out the
 * timeout on another process's lock gives up with it, not one timeout later. */
static int begin_immediate(lite_conn *c, rd_err *err) {
  int64_t waited = 0;
  if (c->wl && !c->wl_held) {
    int64_t start = now_ms();
    if (!wl_acquire(c->wl, BUSY_TIMEOUT_MS))
      return rd_err_set(err, RD_EUNAVAIL, "database is busy, retry later");
    c->wl_held = true;
    waited = now_ms() - start;
  }
  if (waited > 0)
    sqlite3_busy_timeout(c->db, waited < BUSY_TIMEOUT_MS ? (int)(BUSY_TIMEOUT_MS - waited) : 1);
  int rv = run(c, "BEGIN IMMEDIATE", err);
  if (waited > 0)
    sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
  if (rv)
    writer_done(c);
  return rv;
}

/* Before SQLite's first use: no memory statistics. They take a global mutex at every
 * allocation (925 times per imported row) and rolodesk never reads them. */
static void configure(void) {
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); /* SQLITE_MISUSE when already in use: keep it */
}

static lite_stmt *stmt_of(rd_cached *e) {
  return (lite_stmt *)(void *)((char *)e - offsetof(lite_stmt, ce));
}

/* The cache's evict callback: the statement is not busy (reset by lite_done). */
static void evict(void *ctx, rd_cached *e) {
  (void)ctx;
  lite_stmt *s = stmt_of(e);
  sqlite3_finalize(s->st);
  rd_free(s);
}

static int lite_open(const char *uri, rd_conn **out, rd_err *err) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, configure);
  lite_conn *c = rd_calloc(1, sizeof *c);
  c->base.ops = &rd_sqlite_ops;
  rd_stmt_cache_init(&c->cache, evict, c);
  c->base.stmts = &c->cache;
  int rv = sqlite3_open_v2(uri, &c->db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           NULL);
  if (rv != SQLITE_OK) {
    rd_err_set(err, RD_EUNAVAIL, "cannot open SQLite database %s: %s", uri,
               c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rv));
    sqlite3_close(c->db);
    rd_free(c);
    return RD_EUNAVAIL;
  }
  sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
  sqlite3_extended_result_codes(c->db, 1);
  /* Switching a new file to WAL needs a moment alone with it; SQLite answers SQLITE_BUSY
   * at once, without the busy handler, while another process creates the schema. */
  rd_err ignored;
  for (int tries = 0; tries < BUSY_TIMEOUT_MS / 10; tries++) {
    rv = lite_exec(&c->base, "PRAGMA journal_mode=WAL", &ignored);
    if (rv != RD_EUNAVAIL)
      break;
    struct timespec ts = {.tv_nsec = 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  if (!rv)
    rv = lite_exec(&c->base,
                   "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                   /* Issue 12: the daemon's RSS is, beside its own few MB, each pooled
                    * connection's page cache plus every page it touched in its map (each
                    * connection maps the file on its own): 8 MB + 4 MB a connection keeps
                    * it under 64 MB at a million people. (It was 16 MB + 4 GB: the RSS
                    * grew to the size of the file.) Search pages read about a page's worth
                    * of index entries and rows now; the rest comes from the OS cache. */
                   "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-8000;"
                   "PRAGMA mmap_size=4194304;",
                   &ignored);
  if (rv) {
    rd_err_set(err, RD_EUNAVAIL, "cannot use SQLite database %s: %s", uri,
               sqlite3_errmsg(c->db));
    sqlite3_close(c->db);
    rd_free(c);
    return RD_EUNAVAIL;
  }
  c->wl = wl_ref(sqlite3_db_filename(c->db, "main"));
  *out = &c->base;
  return 0;
}

static void lite_close(rd_conn *rc) {
  lite_conn *c = (lite_conn *)rc;
  if (!c)
    return;
  rd_stmt_cache_term(&c->cache);
  sqlite3_close(c->db);
  if (c->wl_held)
    wl_release(c->wl);
  wl_unref(c->wl);
  rd_free(c);
}

static int lite_prepare(rd_conn *rc, const char *sql, rd_stmt **out, rd_err *err) {
  lite_conn *c = (lite_conn *)rc;
  unsigned h = rd_stmt_cache_hash(sql);
  rd_cached *e = rd_stmt_cache_get(&c->cache, sql, h);
  if (e) {
    lite_stmt *s = stmt_of(e);
    s->changes = 0;
    *out = &s->base;
    return 0;
  }
  sqlite3_stmt *st = NULL;
  int rv = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
  if (rv != SQLITE_OK)
    return fail(c, rv, err, "prepare");
  lite_stmt *s = rd_calloc(1, sizeof *s);
  s->base.ops = &rd_sqlite_ops;
  s->st = st;
  s->conn = c;
  rd_cached_init(&s->ce, sqlite3_sql(st), h);
  rd_stmt_cache_put(&c->cache, &s->ce); /* when every entry is busy, finalized when done */
  *out = &s->base;
  return 0;
}

static void bind_null(rd_stmt *s, int i) {
  sqlite3_bind_null(((lite_stmt *)s)->st, i);
}
static void bind_int64(rd_stmt *s, int i, int64_t v) {
  sqlite3_bind_int64(((lite_stmt *)s)->st, i, v);
}
static void bind_text(rd_stmt *s, int i, const char *v) {
  sqlite3_bind_text(((lite_stmt *)s)->st, i, v, -1, SQLITE_TRANSIENT);
}
static void bind_bool(rd_stmt *s, int i, bool v) {
  sqlite3_bind_int(((lite_stmt *)s)->st, i, v ? 1 : 0);
}

static int lite_step(rd_stmt *rs, rd_err *err) {
  lite_stmt *s = (lite_stmt *)rs;
  int rv = sqlite3_step(s->st);
  if (rv == SQLITE_ROW)
    return RD_ROW;
  if (rv == SQLITE_DONE) {
    s->changes = sqlite3_changes64(s->conn->db);
    return RD_DONE;
  }
  return fail(s->conn, rv, err, "step");
}

static void lite_done(rd_stmt *rs) {
  lite_stmt *s = (lite_stmt *)rs;
  if (!s)
    return;
  sqlite3_reset(s->st);
  sqlite3_clear_bindings(s->st);
  if (!rd_stmt_cache_release(&s->conn->cache, &s->ce)) {
    sqlite3_finalize(s->st);
    rd_free(s);
  }
}

static int64_t lite_changes(rd_stmt *s) {
  return ((lite_stmt *)s)->changes;
}
static int lite_ncols(rd_stmt *s) {
  return sqlite3_column_count(((lite_stmt *)s)->st);
}
static bool col_null(rd_stmt *s, int i) {
  return sqlite3_column_type(((lite_stmt *)s)->st, i) == SQLITE_NULL;
}
static int64_t col_int64(rd_stmt *s, int i) {
  return sqlite3_column_int64(((lite_stmt *)s)->st, i);
}
static const char *col_text(rd_stmt *s, int i) {
  return (const char *)sqlite3_column_text(((lite_stmt *)s)->st, i);
}
static bool col_bool(rd_stmt *s, int i) {
  return sqlite3_column_int(((lite_stmt *)s)->st, i) != 0;
}

static void tx_end(lite_conn *c) {
  c->write_tx = false;
  c->id_next = c->id_last = c->id_block = 0;
}

static int lite_begin(rd_conn *rc, bool write, rd_err *err) {
  lite_conn *c = (lite_conn *)rc;
  tx_end(c);
  /* IMMEDIATE takes the write lock up front, so two writers never deadlock on upgrade. */
  int rv = write ? begin_immediate(c, err) : run(c, "BEGIN", err);
  c->write_tx = write && !rv;
  return rv;
}

/* Runs sql (no parameters, no rows) through the statement cache: also BEGIN and COMMIT,
 * which sqlite3_exec would parse again for every transaction (issue 12: 4% of a page). */
static int run(lite_conn *c, const char *sql, rd_err *err) {
  rd_stmt *s = NULL;
  int rv = lite_prepare(&c->base, sql, &s, err);
  if (!rv)
    rv = lite_step(s, err);
  lite_done(s);
  return rv < 0 ? rv : 0;
}

/* CUST-4 (migration 013): the index changes the transaction's person_search writes
 * noted, in two statements (one FTS5 segment per transaction, not one per row). */
static int fts_flush(lite_conn *c, rd_err *err) {
  if (!c->fts_log) {
    rd_stmt *s = NULL;
    int rv = lite_prepare(&c->base,
                          "SELECT 1 FROM sqlite_master WHERE name = 'person_search_fts_log'",
                          &s, err);
    if (!rv)
      rv = lite_step(s, err);
    lite_done(s);
    if (rv < 0)
      return rv;
    if (rv != RD_ROW)
      return 0; /* a database before migration 013: the old triggers index as they go */
    c->fts_log = true;
  }
  int rv = run(c,
               "INSERT INTO person_search_fts (person_search_fts, rowid, doc)"
               " SELECT 'delete', person_id, old_doc FROM person_search_fts_log"
               " WHERE old_doc IS NOT NULL",
               err);
  if (!rv)
    rv = run(c,
             /* CROSS JOIN keeps the log outside: the planner would scan all of
              * person_search at every commit otherwise (it has no statistics). */
             "INSERT INTO person_search_fts (rowid, doc) SELECT l.person_id, s.doc"
             " FROM person_search_fts_log l CROSS JOIN person_search s"
             " ON s.person_id = l.person_id WHERE s.doc IS NOT NULL",
             err);
  if (!rv)
    rv = run(c, "DELETE FROM person_search_fts_log", err);
  return rv;
}

static int lite_commit(rd_conn *rc, rd_err *err) {
  lite_conn *c = (lite_conn *)rc;
  int rv = 0;
  if (c->write_tx && c->id_last) {
    /* Give back the reserved ids nobody used: under the write lock no one else moved
     * the sequence, and every id handed out is at most id_next - 1. */
    rd_stmt *s = NULL;
    rv = lite_prepare(rc, "UPDATE id_sequence SET value = ?", &s, err);
    if (!rv) {
      bind_int64(s, 1, c->id_next - 1);
      rv = lite_step(s, err);
    }
    lite_done(s);
    rv = rv < 0 ? rv : 0;
  }
  if (!rv && c->write_tx)
    rv = fts_flush(c, err);
  if (!rv)
    rv = run(c, "COMMIT", err);
  tx_end(c);
  writer_done(c);
  return rv;
}
static void lite_rollback(rd_conn *rc) {
  tx_end((lite_conn *)rc);
  run((lite_conn *)rc, "ROLLBACK", NULL);
  writer_done((lite_conn *)rc);
}

/* Outside a write transaction one id at a time. Inside one, a block of ids at once, each
 * block twice the last (up to ID_BLOCK_MAX), the unused rest given back at commit: a
 * transaction writing thousands of records (an import batch) updates id_sequence a few
 * times instead of once per record. The block starts after the last id this transaction
 * handed out even when a savepoint rolled the sequence back behind it. */
enum { ID_BLOCK_MAX = 1024 };
static int lite_next_id(rd_conn *rc, int64_t *out, rd_err *err) {
  lite_conn *c = (lite_conn *)rc;
  if (c->write_tx && c->id_next && c->id_next <= c->id_last) {
    *out = c->id_next++;
    return 0;
  }
  int64_t n = 1;
  if (c->write_tx)
    n = c->id_block = c->id_block ? (c->id_block < ID_BLOCK_MAX ? c->id_block * 2 : ID_BLOCK_MAX) : 1;
  rd_stmt *s = NULL;
  int rv = lite_prepare(rc, "UPDATE id_sequence SET value = max(value, ?) + ? RETURNING value",
                        &s, err);
  if (rv)
    return rv;
  bind_int64(s, 1, c->id_next ? c->id_next - 1 : 0);
  bind_int64(s, 2, n);
  rv = lite_step(s, err);
  if (rv == RD_ROW) {
    int64_t last = col_int64(s, 0);
    *out = last - n + 1;
    if (c->write_tx) {
      c->id_next = last - n + 2;
      c->id_last = last;
    }
    rv = 0;
  } else if (rv == RD_DONE) {
    rv = rd_err_set(err, RD_EINTERNAL, "id sequence missing");
  }
  lite_done(s);
  return rv;
}

static bool lite_healthy(rd_conn *c) {
  (void)c;
  return true;
}

static int lite_lock_schema(rd_conn *c, rd_err *err) {
  (void)c;
  (void)err;
  return 0; /* BEGIN IMMEDIATE already holds the database's one write lock */
}

static int lite_claim_job(rd_conn *c, const char *worker, const char *const *kinds, int nkinds,
                          const char *now, const char *stale_before, const char *today,
                          int64_t *job_id, rd_err *err) {
  /* One writer at a time: under the write lock the oldest claimable job is this one's. */
  rd_stmt *s = NULL;
  int64_t id = 0;
  rd_buf sql;
  rd_buf_init(&sql);
  rd_buf_adds(&sql, "UPDATE jobs SET status = 'running', claimed_by = ?, heartbeat_at = ?,"
                    " updated_at = ?, attempts = attempts + 1"
                    " WHERE id = (SELECT id FROM jobs WHERE ((status = 'queued' AND (run_on IS NULL"
                    " OR run_on <= ?) AND (run_at IS NULL OR run_at <= ?)) OR (status ="
                    " 'running' AND heartbeat_at < ?)) AND kind IN (?");
  for (int i = 1; i < nkinds; i++)
    rd_buf_adds(&sql, ", ?");
  rd_buf_adds(&sql, ") ORDER BY id LIMIT 1) RETURNING id");
  int rv = begin_immediate((lite_conn *)c, err);
  if (rv) {
    rd_buf_term(&sql);
    return rv;
  }
  rv = lite_prepare(c, rd_buf_cstr(&sql), &s, err);
  if (rv)
    goto out;
  bind_text(s, 1, worker);
  bind_text(s, 2, now);
  bind_text(s, 3, now);
  bind_text(s, 4, today);
  bind_text(s, 5, now);
  bind_text(s, 6, stale_before);
  for (int i = 0; i < nkinds; i++)
    bind_text(s, 7 + i, kinds[i]);
  rv = lite_step(s, err);
  if (rv == RD_ROW) {
    id = col_int64(s, 0);
    int last = lite_step(s, err); /* RETURNING: the statement completes at its last step */
    if (last < 0)
      rv = last;
  }
out:
  lite_done(s);
  if (rv >= 0) {
    int crv = lite_exec(c, "COMMIT", err);
    if (crv)
      rv = crv;
  }
  if (rv < 0)
    lite_exec(c, "ROLLBACK", NULL);
  writer_done((lite_conn *)c);
  if (rv == RD_ROW)
    *job_id = id;
  rd_buf_term(&sql);
  return rv;
}

/* The terms become one FTS5 query of quoted strings (each a substring, all required); the
 * checks are tested with instr() on the rows it finds.
 * The FTS5 table drives the list: it yields its matches in rowid (person id) order and the
 * page stops after its last row, where "id IN (all matches)" would first collect every
 * match of a common name (8 times slower for a last name shared by 1,600 of a million). */
static void lite_search_match(const char *const *terms, int n, const char *const *checks,
                              int nchecks, rd_buf *cond, char **params, int *np,
                              const char **join, const char **key) {
  rd_buf fts;
  rd_buf_init(&fts);
  int k = 0;
  for (int i = 0; i < n; i++) {
    rd_buf_adds(&fts, fts.len ? " \"" : "\"");
    for (const char *p = terms[i]; *p; p++)
      rd_buf_add(&fts, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
    rd_buf_adds(&fts, "\"");
  }
  *join = " JOIN person_search_fts ON person_search_fts.rowid = t.id";
  *key = "person_search_fts.rowid";
  rd_buf_adds(cond, "person_search_fts MATCH ?");
  params[k++] = rd_strdup(rd_buf_cstr(&fts));
  for (int i = 0; i < nchecks; i++) {
    rd_buf_adds(cond, " AND EXISTS (SELECT 1 FROM person_search s WHERE s.person_id = t.id"
                      " AND instr(s.doc, ?) > 0)");
    params[k++] = rd_strdup(checks[i]);
  }
  rd_buf_term(&fts);
  *np = k;
}

const rd_store_ops rd_sqlite_ops = {
    .name = "sqlite",
    .open = lite_open,
    .close = lite_close,
    .prepare = lite_prepare,
    .bind_null = bind_null,
    .bind_int64 = bind_int64,
    .bind_text = bind_text,
    .bind_bool = bind_bool,
    .step = lite_step,
    .done = lite_done,
    .changes = lite_changes,
    .ncols = lite_ncols,
    .col_null = col_null,
    .col_int64 = col_int64,
    .col_text = col_text,
    .col_bool = col_bool,
    .exec = lite_exec,
    .begin = lite_begin,
    .commit = lite_commit,
    .rollback = lite_rollback,
    .next_id = lite_next_id,
    .healthy = lite_healthy,
    .lock_schema = lite_lock_schema,
    .claim_job = lite_claim_job,
    .search_match = lite_search_match,
};
