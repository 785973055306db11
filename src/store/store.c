/* The wrappers of store.h: connection pool, parameter binding by type letters, migrations,
 * and the one place where every statement passes (for tracing and timing). */
#include "store/store.h"

#include <assert.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "store/stmt_cache.h"

enum { POOL_MAX = 64 };

struct rd_db {
  const rd_store_ops *ops;
  char *uri;
  pthread_mutex_t lock;
  rd_conn *idle[POOL_MAX];
  int nidle;
};

static const rd_store_ops *backend_for(const char *uri) {
  if (!strncmp(uri, "postgresql://", 13) || !strncmp(uri, "postgres://", 11))
    return &rd_postgres_ops;
  return &rd_sqlite_ops;
}

/* The fault hook (rd_store_fault_after): steps left before the injected failure, 0 off. */
static atomic_long fault_countdown;
/* ROLODESK_SQL_TIMING=MS: statements that took at least MS milliseconds are logged with
 * their time (0: every statement); unset: no timing at all. */
static long timing_ms = -1;

void rd_store_fault_after(long n) {
  atomic_store(&fault_countdown, n > 0 ? n : 0);
}

static int fault(rd_err *err) {
  long left = atomic_load(&fault_countdown);
  while (left > 0 && !atomic_compare_exchange_weak(&fault_countdown, &left, left - 1))
    ;
  if (left == 1)
    return rd_err_set(err, RD_EUNAVAIL, "injected fault (rd_store_fault_after)");
  return 0;
}

/* Every step of every statement passes here. */
static int step(rd_stmt *s, rd_err *err) {
  int rv = fault(err);
  if (rv)
    return rv;
  if (timing_ms < 0)
    return s->ops->step(s, err);
  int64_t t0 = rd_mono_us();
  rv = s->ops->step(s, err);
  s->us += rd_mono_us() - t0;
  return rv;
}

static void done(rd_stmt *s) {
  if (timing_ms >= 0 && s->us >= timing_ms * 1000)
    rd_log(RD_LOG_WARN, "sql timing %.3f ms: %s", (double)s->us / 1000, s->sql ? s->sql : "?");
  s->us = 0;
  s->ops->done(s);
}

int rd_db_open(const char *uri, bool migrate, rd_db **out, rd_err *err) {
  const char *timing = getenv("ROLODESK_SQL_TIMING");
  if (timing && *timing)
    timing_ms = strtol(timing, NULL, 10);
  rd_db *db = rd_calloc(1, sizeof *db);
  db->ops = backend_for(uri);
  db->uri = rd_strdup(uri);
  pthread_mutex_init(&db->lock, NULL);
  rd_conn *c = NULL;
  int rv = rd_db_acquire(db, &c, err);
  if (!rv && migrate)
    rv = rd_store_migrate(c, err);
  if (c)
    rd_db_release(db, c);
  if (rv) {
    rd_db_free(db);
    return rv;
  }
  *out = db;
  return 0;
}

void rd_db_free(rd_db *db) {
  if (!db)
    return;
  for (int i = 0; i < db->nidle; i++)
    db->ops->close(db->idle[i]);
  pthread_mutex_destroy(&db->lock);
  rd_free(db->uri);
  rd_free(db);
}

const char *rd_db_backend(const rd_db *db) {
  return db->ops->name;
}

static void memo_clear(rd_conn *c) {
  for (int i = 0; i < RD_TX_MEMO_MAX; i++) {
    rd_tx_memo *m = &c->memo[i];
    if (m->kind)
      m->drop(m->value);
    memset(m, 0, sizeof *m);
  }
}

int rd_db_acquire(rd_db *db, rd_conn **out, rd_err *err) {
  for (;;) {
    rd_conn *c = NULL;
    pthread_mutex_lock(&db->lock);
    if (db->nidle > 0)
      c = db->idle[--db->nidle];
    pthread_mutex_unlock(&db->lock);
    if (!c)
      break;
    /* An idle connection the server has since dropped is replaced, not handed out. */
    if (c->ops->healthy(c)) {
      *out = c;
      return 0;
    }
    c->ops->close(c);
  }
  return db->ops->open(db->uri, out, err);
}

void rd_db_release(rd_db *db, rd_conn *c) {
  if (!c)
    return;
  if (c->in_tx) {
    c->ops->rollback(c);
    c->in_tx = false;
  }
  memo_clear(c);
  if (c->ops->healthy(c)) {
    pthread_mutex_lock(&db->lock);
    if (db->nidle < POOL_MAX) {
      db->idle[db->nidle++] = c;
      c = NULL;
    }
    pthread_mutex_unlock(&db->lock);
  }
  if (c)
    c->ops->close(c);
}

void *rd_tx_memo_get(rd_conn *c, const char *kind, const char *owner) {
  if (!c->in_tx)
    return NULL;
  for (int i = 0; i < RD_TX_MEMO_MAX; i++)
    if (c->memo[i].kind && !strcmp(c->memo[i].kind, kind) && !strcmp(c->memo[i].owner, owner))
      return c->memo[i].value;
  return NULL;
}

void rd_tx_memo_put(rd_conn *c, const char *kind, const char *owner, void *value,
                    void (*drop)(void *value)) {
  rd_tx_memo *m = NULL;
  for (int i = 0; c->in_tx && !m && i < RD_TX_MEMO_MAX; i++)
    if (!c->memo[i].kind)
      m = &c->memo[i];
  if (!m || strlen(owner) >= sizeof m->owner) {
    drop(value);
    return;
  }
  *m = (rd_tx_memo){.kind = kind, .value = value, .drop = drop};
  memcpy(m->owner, owner, strlen(owner) + 1);
}

void rd_tx_memo_forget(rd_conn *c, const char *kind) {
  for (int i = 0; i < RD_TX_MEMO_MAX; i++) {
    rd_tx_memo *m = &c->memo[i];
    if (m->kind && !strcmp(m->kind, kind)) {
      m->drop(m->value);
      memset(m, 0, sizeof *m);
    }
  }
}

const rd_store_ops *rd_conn_ops(rd_conn *c) {
  return c->ops;
}

void rd_conn_stmt_stats(rd_conn *c, rd_stmt_cache_stats *out) {
  *out = c->stmts->stats;
  out->entries = c->stmts->n;
}

static int vsql(rd_conn *c, rd_stmt **out, rd_err *err, const char *sql, const char *types,
                va_list ap) {
  rd_stmt *s = NULL;
  int rv = c->ops->prepare(c, sql, &s, err);
  if (rv)
    return rv;
  s->sql = sql;
  int i = 1;
  for (const char *t = types; t && *t; t++, i++) {
    switch (*t) {
    case 'i': s->ops->bind_int64(s, i, va_arg(ap, int64_t)); break;
    case 'I': {
      int64_t v = va_arg(ap, int64_t);
      if (v)
        s->ops->bind_int64(s, i, v);
      else
        s->ops->bind_null(s, i);
      break;
    }
    case 't': {
      const char *v = va_arg(ap, const char *);
      if (v)
        s->ops->bind_text(s, i, v);
      else
        s->ops->bind_null(s, i);
      break;
    }
    case 'b': s->ops->bind_bool(s, i, va_arg(ap, int) != 0); break;
    case 'n': s->ops->bind_null(s, i); break;
    default:
      done(s);
      return rd_err_set(err, RD_EINTERNAL, "bad bind type '%c'", *t);
    }
  }
  *out = s;
  return 0;
}

int rd_sql(rd_conn *c, rd_stmt **out, rd_err *err, const char *sql, const char *types, ...) {
  va_list ap;
  va_start(ap, types);
  int rv = vsql(c, out, err, sql, types, ap);
  va_end(ap);
  return rv;
}

/* Steps s to its end and gives it back; inside a pipeline, unless *changes is wanted, it
 * is only sent. */
static int run_to_end(rd_conn *c, rd_stmt *s, int64_t *changes, rd_err *err) {
  int rv;
  if (!changes && c->piped) {
    rv = fault(err);
    if (!rv)
      rv = s->ops->send(s, err);
    done(s);
    return rv;
  }
  while ((rv = step(s, err)) == RD_ROW)
    ;
  if (rv == RD_DONE && changes)
    *changes = s->ops->changes(s);
  done(s);
  return rv < 0 ? rv : 0;
}

int rd_sql_exec(rd_conn *c, int64_t *changes, rd_err *err, const char *sql, const char *types,
                ...) {
  rd_stmt *s = NULL;
  va_list ap;
  va_start(ap, types);
  int rv = vsql(c, &s, err, sql, types, ap);
  va_end(ap);
  return rv ? rv : run_to_end(c, s, changes, err);
}

int rd_sql_expect(rd_conn *c, rd_err *err, const char *sql, const char *types, ...) {
  rd_buf text;
  rd_buf_init(&text);
  if (c->piped) /* the server checks it: rd_expect, migration 019 (PostgreSQL) */
    rd_buf_printf(&text, "SELECT rd_expect(EXISTS (%s))", sql);
  rd_stmt *s = NULL;
  va_list ap;
  va_start(ap, types);
  int rv = vsql(c, &s, err, c->piped ? rd_buf_cstr(&text) : sql, types, ap);
  va_end(ap);
  if (!rv && c->piped) {
    rv = run_to_end(c, s, NULL, err);
    rv = rv ? rv : RD_ROW;
  } else if (!rv) {
    rv = step(s, err);
    done(s);
  }
  rd_buf_term(&text);
  return rv;
}

static int savepoint_sql(rd_conn *c, const char *verb, const char *name, rd_err *err) {
  char sql[96];
  int n = snprintf(sql, sizeof sql, "%s %s", verb, name);
  if (n < 0 || (size_t)n >= sizeof sql)
    return rd_err_set(err, RD_EINTERNAL, "savepoint name too long");
  return rd_sql_exec(c, NULL, err, sql, "");
}
int rd_savepoint(rd_conn *c, const char *name, rd_err *err) {
  return savepoint_sql(c, "SAVEPOINT", name, err);
}
int rd_savepoint_release(rd_conn *c, const char *name, rd_err *err) {
  return savepoint_sql(c, "RELEASE SAVEPOINT", name, err);
}
int rd_savepoint_undo(rd_conn *c, const char *name, rd_err *err) {
  int rv = savepoint_sql(c, "ROLLBACK TO SAVEPOINT", name, err);
  return rv ? rv : savepoint_sql(c, "RELEASE SAVEPOINT", name, err);
}

int rd_sql_int64(rd_conn *c, int64_t *out, rd_err *err, const char *sql, const char *types,
                 ...) {
  rd_stmt *s = NULL;
  va_list ap;
  va_start(ap, types);
  int rv = vsql(c, &s, err, sql, types, ap);
  va_end(ap);
  if (rv)
    return rv;
  rv = step(s, err);
  if (rv == RD_ROW)
    *out = s->ops->col_int64(s, 0);
  done(s);
  return rv;
}

int rd_sql_params(rd_conn *c, rd_stmt **out, rd_err *err, const char *sql, const rd_param *p,
                  int n) {
  rd_stmt *s = NULL;
  int rv = c->ops->prepare(c, sql, &s, err);
  if (rv)
    return rv;
  s->sql = sql;
  for (int i = 0; i < n; i++) {
    switch (p[i].type) {
    case 'i': s->ops->bind_int64(s, i + 1, p[i].i); break;
    case 'b': s->ops->bind_bool(s, i + 1, p[i].i != 0); break;
    case 't':
      if (p[i].t) {
        s->ops->bind_text(s, i + 1, p[i].t);
        break;
      }
      /* fall through */
    default: s->ops->bind_null(s, i + 1); break;
    }
  }
  *out = s;
  return 0;
}

int rd_sql_params_exec(rd_conn *c, rd_err *err, const char *sql, const rd_param *p, int n) {
  rd_stmt *s = NULL;
  int rv = rd_sql_params(c, &s, err, sql, p, n);
  return rv ? rv : run_to_end(c, s, NULL, err);
}

int rd_stmt_step(rd_stmt *s, rd_err *err) {
  return step(s, err);
}
void rd_stmt_done(rd_stmt *s) {
  if (s)
    done(s);
}
bool rd_stmt_null(rd_stmt *s, int i) {
  return s->ops->col_null(s, i);
}
int64_t rd_stmt_int64(rd_stmt *s, int i) {
  return s->ops->col_int64(s, i);
}
const char *rd_stmt_text(rd_stmt *s, int i) {
  return s->ops->col_null(s, i) ? NULL : s->ops->col_text(s, i);
}
bool rd_stmt_bool(rd_stmt *s, int i) {
  return s->ops->col_bool(s, i);
}
int64_t rd_stmt_changes(rd_stmt *s) {
  return s->ops->changes(s);
}

int rd_tx_begin(rd_conn *c, bool write, rd_err *err) {
  int rv = c->ops->begin(c, write, err);
  if (!rv)
    c->in_tx = true;
  return rv;
}

int rd_pipeline(rd_conn *c, rd_err *err) {
  if (!c->ops->pipeline || !c->in_tx || c->piped)
    return 0;
  int rv = c->ops->pipeline(c, true, err);
  c->piped = !rv;
  return rv;
}

bool rd_pipelines(rd_conn *c) {
  return c->ops->pipeline != NULL;
}

int rd_refresh_stats(rd_conn *c, const char *tables, int64_t grown, rd_err *err) {
  assert(!c->in_tx);
  return c->ops->refresh_stats ? c->ops->refresh_stats(c, tables, grown, err) : 0;
}

int rd_tx_lock(rd_conn *c, const char *key, rd_err *err) {
  assert(c->in_tx);
  return c->ops->tx_lock ? c->ops->tx_lock(c, key, err) : 0;
}

bool rd_pipeline_broke(rd_conn *c) {
  return c->ops->pipeline_broke && c->ops->pipeline_broke(c);
}

/* Reads back what a pipeline still has outstanding and leaves pipeline mode. */
static int pipeline_end(rd_conn *c, rd_err *err) {
  if (!c->piped)
    return 0;
  c->piped = false;
  return c->ops->pipeline(c, false, err);
}

int rd_tx_commit(rd_conn *c, rd_err *err) {
  int rv = fault(err);
  if (!rv)
    rv = pipeline_end(c, err);
  if (!rv)
    rv = c->ops->commit(c, err);
  if (rv) {
    pipeline_end(c, NULL);
    c->ops->rollback(c);
  }
  c->in_tx = false;
  memo_clear(c);
  return rv;
}

void rd_tx_rollback(rd_conn *c) {
  pipeline_end(c, NULL);
  if (c->in_tx)
    c->ops->rollback(c);
  c->in_tx = false;
  memo_clear(c);
}

int rd_next_id(rd_conn *c, int64_t *out, rd_err *err) {
  return c->ops->next_id(c, out, err);
}

int rd_store_migrate(rd_conn *c, rd_err *err) {
  /* Every step runs under the schema lock: two daemons starting together on a fresh
   * database take turns instead of both creating the same tables. */
  int rv = rd_tx_begin(c, true, err);
  if (!rv)
    rv = c->ops->lock_schema(c, err);
  if (!rv)
    rv = c->ops->exec(c,
                      "CREATE TABLE IF NOT EXISTS schema_version ("
                      " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                      " applied_at TEXT NOT NULL)",
                      err);
  if (!rv)
    rv = rd_tx_commit(c, err);
  if (rv) {
    rd_tx_rollback(c);
    return rv;
  }
  for (int i = 0; i < rd_nmigrations; i++) {
    const rd_migration *m = &rd_migrations[i];
    rv = rd_tx_begin(c, true, err);
    if (rv)
      return rv;
    rv = c->ops->lock_schema(c, err);
    if (rv)
      goto fail;
    int64_t have = 0;
    rv = rd_sql_int64(c, &have, err, "SELECT COUNT(*) FROM schema_version WHERE version = ?",
                      "i", (int64_t)m->version);
    if (rv < 0)
      goto fail;
    if (have) {
      rd_tx_rollback(c);
      continue;
    }
    const char *own = strcmp(c->ops->name, "sqlite") ? m->postgresql : m->sqlite;
    rv = m->sql ? c->ops->exec(c, m->sql, err) : 0;
    if (!rv && own)
      rv = c->ops->exec(c, own, err);
    if (rv)
      goto fail;
    char now[RD_TIME_LEN];
    rd_time_now(now);
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                     "itt", (int64_t)m->version, m->name, now);
    if (rv)
      goto fail;
    rv = rd_tx_commit(c, err);
    if (rv)
      return rv;
    rd_log(RD_LOG_INFO, "applied migration %03d %s", m->version, m->name);
    continue;
  fail:
    rd_tx_rollback(c);
    return rv;
  }
  return 0;
}

int rd_job_lease_s = RD_JOB_LEASE_S;

int rd_job_claim(rd_conn *c, const char *worker, const char *const *kinds, int64_t *job_id,
                 rd_err *err) {
  int nkinds = 0;
  while (kinds && kinds[nkinds])
    nkinds++;
  assert(nkinds >= 1 && nkinds <= RD_JOB_KINDS_MAX);
  char now[RD_TIME_LEN], stale[RD_TIME_LEN];
  rd_time_now(now);
  time_t t = time(NULL) - rd_job_lease_s;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(stale, sizeof stale, "%Y-%m-%dT%H:%M:%SZ", &tm); /* the format of rd_time_now */
  char today[RD_DATE_LEN];
  rd_date_today(today);
  int64_t id = 0;
  int rv = c->ops->claim_job(c, worker, kinds, nkinds, now, stale, today, &id, err);
  if (rv == RD_ROW)
    *job_id = id;
  return rv;
}
