/* The PostgreSQL backend of rd_store_ops, on libpq: the store for installations that run
 * several rolodeskd processes on one database (SPEC §1). Portable `?` placeholders become
 * $1..$n; each connection keeps its statements prepared on the server (PQprepare once,
 * PQexecPrepared after), keyed by SQL text, in the cache of stmt_cache.h: an evicted one
 * is deallocated on the server later, when that is safe (deallocate_evicted). Parameters
 * and results travel as text, so types are inferred by the server from context.
 * Transactions are READ COMMITTED: every update of a record is a version-checked
 * `UPDATE ... WHERE version = ?`, which the server re-checks after waiting for a
 * concurrent writer, so of two writers with the same If-Match exactly one changes a row.
 * Record ids come from the sequence record_ids. A connection the server drops is marked
 * lost: the statement fails with RD_EUNAVAIL and healthy() turns false, so the pool
 * discards it and a later acquire reconnects. The only file that includes libpq-fe.h. */
#include <assert.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"
#include "store/stmt_cache.h"
#include "store/store.h"

enum {
  CONNECT_TIMEOUT_S = 10,
  RETRIES = 3, /* of one autocommit statement the server aborted (deadlock, serialization) */
  /* Evicted statements deallocated together inside a transaction (one round trip). */
  DEALLOCATE_BATCH = 16,
  /* Pipelined statements sent before their results are read back (see pipe_collect): few
   * enough that their results never fill the socket buffers both ways. */
  PIPE_MAX = 128,
};

/* Any constant works; it names the lock schema changes take (pg_advisory_xact_lock). */
#define SCHEMA_LOCK_KEY "7240115321"

typedef struct pg_stmt {
  rd_stmt base;
  rd_cached ce;   /* key sql, busy while handed out */
  struct pg_conn *conn;
  char *sql;      /* the caller's text: the cache key (owned) */
  char *text;     /* translated to $n, for statements run without a server-side name */
  unsigned id;    /* server-side prepared statement rd_<id>, 0 when run unnamed */
  char name[24];  /* "rd_<id>", "" when unnamed */
  int nparams;
  char **values;  /* nparams bound values as text, NULL for SQL NULL (owned) */
  PGresult *res;  /* result of the execution, NULL before the first step */
  int row;        /* current row of res */
  int failed;     /* RD_E* of a failed execution, repeated by later steps */
  int64_t changes;
  bool generic;   /* RD_SQL_GENERIC_PLAN */
} pg_stmt;

/* The largest block of record ids a write transaction takes at once (pg_next_id). */
enum { ID_BLOCK_MAX = 256 };

typedef struct pg_conn {
  rd_conn base;
  PGconn *pg;
  bool lost;       /* the server is gone: never reuse this connection */
  unsigned nnames; /* server-side statement names handed out */
  rd_stmt_cache cache;
  unsigned *gone;  /* ids of evicted statements still prepared on the server (owned) */
  int ngone, capgone;
  /* Pipeline mode (rd_pipeline): statements sent, results not read back yet; the first
   * error among them (repeated by every later call until the transaction ends); whether
   * the last pipelined transaction failed that way (rd_pipeline_broke). */
  bool pipe;
  int queued;
  int pipe_rv;
  rd_err pipe_err;
  bool broke;
  /* The session's plan_cache_mode as last set: 0 the server's default (auto), 1
   * force_generic_plan, -1 unknown (a transaction that set it was rolled back); whether it
   * was set inside the transaction in progress. */
  int generic;
  bool generic_in_tx;
  /* Record ids taken from the sequence in blocks inside a write transaction (issue 11):
   * the first id of a transaction costs one round trip, the next ones blocks of 2, 4, ...
   * ID_BLOCK_MAX in one statement. What the transaction did not use is dropped at its end
   * (a gap in the ids, as a rollback leaves one anyway). */
  bool write_tx;
  int64_t ids[ID_BLOCK_MAX];
  int nids, idpos, idblock;
} pg_conn;

/* Notices ("relation already exists, skipping") are not errors and are dropped. A FATAL
 * error arriving between statements is the server saying why it closes the connection
 * (libpq hands it here): the connection is lost even before the socket says so. */
static void on_notice(void *arg, const PGresult *res) {
  pg_conn *c = arg;
  const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
  if (severity && (!strcmp(severity, "FATAL") || !strcmp(severity, "PANIC")))
    c->lost = true;
}

/* Copies msg into out on one line: newlines and tabs become spaces, the end is trimmed. */
static void one_line(char *out, size_t cap, const char *msg) {
  size_t n = 0;
  for (const char *p = msg ? msg : ""; *p && n + 1 < cap; p++) {
    char ch = (*p == '\n' || *p == '\t' || *p == '\r') ? ' ' : *p;
    if (ch == ' ' && (n == 0 || out[n - 1] == ' '))
      continue;
    out[n++] = ch;
  }
  while (n > 0 && out[n - 1] == ' ')
    n--;
  out[n] = 0;
}

static bool state_is(const char *state, const char *code) {
  return state && !strcmp(state, code);
}

/* Turns a failed result (res may be NULL) into RD_E* and err; marks c lost when the
 * server is gone. Messages name no parameter values; the SQL text goes to the log only. */
static int fail(pg_conn *c, const PGresult *res, rd_err *err, const char *sql) {
  const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
  const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  char msg[RD_ERR_MSG_MAX];
  one_line(msg, sizeof msg, primary ? primary : PQerrorMessage(c->pg));
  /* Class 08 is connection trouble; 57P01-57P03 are a terminated backend or a server
   * shutting down; CONNECTION_BAD covers a socket that simply closed. */
  if (PQstatus(c->pg) != CONNECTION_OK || (state && !strncmp(state, "08", 2)) ||
      state_is(state, "57P01") || state_is(state, "57P02") || state_is(state, "57P03")) {
    c->lost = true;
    rd_log(RD_LOG_WARN, "postgresql: connection lost: %s", msg);
    return rd_err_set(err, RD_EUNAVAIL, "lost the connection to PostgreSQL (%s); retry the request",
                      msg);
  }
  if (state_is(state, "23505"))
    return rd_err_set(err, RD_ECONFLICT, "Conflict: %s", msg);
  if (state_is(state, "23503") || state_is(state, "23514") || state_is(state, "23502"))
    return rd_err_set(err, RD_EINVAL, "Constraint failed: %s", msg);
  if (state_is(state, "40001") || state_is(state, "40P01") || state_is(state, "55P03") ||
      state_is(state, "57014") || (state && !strncmp(state, "53", 2))) {
    /* The server rolled the transaction back (serialization failure, deadlock, lock or
     * statement timeout, out of connections): nothing was written, the whole request may
     * be repeated. A lone statement was already retried (see run). */
    if (err)
      err->retry_after = 1;
    return rd_err_set(err, RD_EUNAVAIL, "database is busy (%s), retry later", msg);
  }
  if (state_is(state, "RD001")) /* rd_expect (migration 019): a pipelined check failed */
    return rd_err_set(err, RD_EINTERNAL, "an expected row is missing");
  rd_log(RD_LOG_ERROR, "postgresql %s: %s [%s]", state ? state : "-", msg, sql ? sql : "");
  return rd_err_set(err, RD_EINTERNAL, "database error");
}

static bool ok_result(const PGresult *res) {
  ExecStatusType st = PQresultStatus(res);
  return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* Host and port of a connection string, for messages: never its password. */
static void describe(const char *uri, char *out, size_t cap) {
  char *errmsg = NULL;
  PQconninfoOption *opts = PQconninfoParse(uri, &errmsg);
  const char *host = NULL, *port = NULL;
  for (PQconninfoOption *o = opts; o && o->keyword; o++) {
    if (!strcmp(o->keyword, "host") && o->val && *o->val)
      host = o->val;
    else if (!strcmp(o->keyword, "hostaddr") && o->val && *o->val && !host)
      host = o->val;
    else if (!strcmp(o->keyword, "port") && o->val && *o->val)
      port = o->val;
  }
  snprintf(out, cap, "%s:%s", host ? host : "localhost", port ? port : "5432");
  PQconninfoFree(opts);
  PQfreemem(errmsg);
}

static int pg_exec(rd_conn *rc, const char *sql, rd_err *err) {
  pg_conn *c = (pg_conn *)rc;
  assert(!c->pipe); /* the store ends a pipeline before the transaction ends */
  PGresult *res = PQexec(c->pg, sql);
  int rv = ok_result(res) ? 0 : fail(c, res, err, sql);
  PQclear(res);
  return rv;
}

static void free_stmt(pg_stmt *s);

static pg_stmt *stmt_of(rd_cached *e) {
  return (pg_stmt *)(void *)((char *)e - offsetof(pg_stmt, ce));
}

/* The cache's evict callback: the statement is not busy; its server-side twin is noted
 * for deallocate_evicted, since the server may refuse commands just now. */
static void evict(void *ctx, rd_cached *e) {
  pg_conn *c = ctx;
  pg_stmt *s = stmt_of(e);
  if (c->ngone == c->capgone) {
    c->capgone = c->capgone ? 2 * c->capgone : DEALLOCATE_BATCH;
    c->gone = rd_realloc(c->gone, (size_t)c->capgone * sizeof *c->gone);
  }
  c->gone[c->ngone++] = s->id;
  free_stmt(s);
}

/* Deallocates on the server the statements evicted from the cache, when it is safe and
 * worth a round trip: outside a transaction at once (so the server holds no more than the
 * cache); inside one that has not failed once DEALLOCATE_BATCH have gathered (DEALLOCATE
 * is not transactional: a later rollback does not bring them back, and it is allowed in
 * a read-only transaction); never inside a failed transaction, where the server refuses
 * every command until the rollback: they wait for the next time. A name is never used
 * again, and the statement behind it was not busy when evicted. */
static void deallocate_evicted(pg_conn *c) {
  if (!c->ngone || c->lost || c->pipe)
    return;
  PGTransactionStatusType ts = PQtransactionStatus(c->pg);
  if (ts != PQTRANS_IDLE && !(ts == PQTRANS_INTRANS && c->ngone >= DEALLOCATE_BATCH))
    return;
  rd_buf sql;
  rd_buf_init(&sql);
  for (int i = 0; i < c->ngone; i++)
    rd_buf_printf(&sql, "DEALLOCATE rd_%u;", c->gone[i]);
  PGresult *res = PQexec(c->pg, rd_buf_cstr(&sql));
  if (!ok_result(res)) /* only a lost connection; logged, and the next statement fails */
    fail(c, res, NULL, rd_buf_cstr(&sql));
  PQclear(res);
  rd_buf_term(&sql);
  c->ngone = 0;
}

static void pg_close(rd_conn *rc) {
  pg_conn *c = (pg_conn *)rc;
  if (!c)
    return;
  rd_stmt_cache_term(&c->cache);
  rd_free(c->gone);
  PQfinish(c->pg); /* the server drops the prepared statements with the session */
  rd_free(c);
}

static int pg_open(const char *uri, rd_conn **out, rd_err *err) {
  char where[256], reason[RD_ERR_MSG_MAX], timeout[16];
  snprintf(timeout, sizeof timeout, "%d", CONNECT_TIMEOUT_S);
  /* Defaults first: with expand_dbname the URI's own settings override them.
   * join_collapse_limit = 1: explicit JOINs are joined in the order written. Every list
   * page is its driving rows (the page's ids) and up to six LEFT JOINs by primary key for
   * the names of references; the planner's search of their orders cost about 2 ms a page
   * at 1M people (0.6 ms planned as written), more than running it (bench/RESULTS.md). */
  const char *keys[] = {"connect_timeout", "fallback_application_name", "client_encoding",
                        "options", "dbname", NULL};
  const char *vals[] = {timeout, "rolodesk", "UTF8", "-c join_collapse_limit=1", uri, NULL};
  pg_conn *c = rd_calloc(1, sizeof *c);
  c->base.ops = &rd_postgres_ops;
  rd_stmt_cache_init(&c->cache, evict, c);
  c->base.stmts = &c->cache;
  c->pg = PQconnectdbParams(keys, vals, 1);
  if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
    describe(uri, where, sizeof where);
    one_line(reason, sizeof reason, c->pg ? PQerrorMessage(c->pg) : "out of memory");
    /* libpq says 'connection to server at "h" (addr), port p failed: REASON'; keep REASON. */
    const char *r = strstr(reason, "failed: ");
    rd_err_set(err, RD_EUNAVAIL, "cannot connect to PostgreSQL at %s: %s", where, r ? r + 8 : reason);
    goto fail;
  }
  PQsetNoticeReceiver(c->pg, on_notice, c);
  /* Record ids (API.md: unique across the installation). The portable id_sequence table
   * stays unused here. Two processes creating it at once may collide on the catalog. */
  PGresult *res = PQexec(c->pg, "CREATE SEQUENCE IF NOT EXISTS record_ids");
  const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  bool ok = ok_result(res) || state_is(state, "23505") || state_is(state, "42P07");
  if (!ok) {
    describe(uri, where, sizeof where);
    one_line(reason, sizeof reason, PQresultErrorMessage(res));
    rd_err_set(err, RD_EUNAVAIL, "cannot use PostgreSQL at %s: %s", where, reason);
  }
  PQclear(res);
  if (!ok)
    goto fail;
  *out = &c->base;
  return 0;
fail:
  pg_close(&c->base);
  return RD_EUNAVAIL;
}

/* Rewrites `?` as $1, $2... outside string literals, quoted identifiers and comments.
 * Returns the new text (owned by the caller) and the number of parameters. */
static char *translate(const char *sql, int *nparams) {
  size_t len = strlen(sql), cap = len + 1, n = 0;
  for (const char *p = sql; *p; p++)
    if (*p == '?')
      cap += 10;
  char *out = rd_malloc(cap);
  int count = 0;
  char quote = 0; /* ' or " while inside one */
  for (const char *p = sql; *p; p++) {
    if (quote) {
      if (*p == quote)
        quote = 0; /* a doubled quote reopens at once: '' stays inside */
      out[n++] = *p;
    } else if (*p == '\'' || *p == '"') {
      quote = *p;
      out[n++] = *p;
    } else if (p[0] == '-' && p[1] == '-') {
      while (*p && *p != '\n')
        out[n++] = *p++;
      if (!*p)
        break;
      out[n++] = *p;
    } else if (*p == '?') {
      n += (size_t)snprintf(out + n, cap - n, "$%d", ++count);
    } else {
      out[n++] = *p;
    }
  }
  out[n] = 0;
  *nparams = count;
  return out;
}

static void reset(pg_stmt *s) {
  PQclear(s->res);
  s->res = NULL;
  for (int k = 0; k < s->nparams; k++) {
    rd_free(s->values[k]);
    s->values[k] = NULL;
  }
  s->row = -1;
  s->failed = 0;
  s->changes = 0;
}

static void free_stmt(pg_stmt *s) {
  reset(s);
  rd_free(s->values);
  rd_free(s->sql);
  rd_free(s->text);
  rd_free(s);
}

/* Pipeline mode (rd_pipeline). Inside a write transaction the importer sends the
 * statements whose results it does not read (INSERTs, savepoints) without waiting for
 * them: libpq's pipeline mode. A statement whose result is wanted is sent after them with
 * a sync; then the results of everything sent are read back, in order, in one round trip.
 * The first error among them fails that call and every later one until the transaction
 * ends (the server skips the rest of the pipeline, and the transaction is aborted), and
 * rd_pipeline_broke says so: the importer then repeats the batch without pipelining,
 * where every statement's error is its own. */

/* Sends a sync and reads back the results of the c->queued statements sent before it;
 * the result of the last one goes to *last when last is not NULL (the caller clears it). */
static int pipe_collect(pg_conn *c, PGresult **last, rd_err *err) {
  int n = c->queued;
  c->queued = 0;
  if (PQpipelineSync(c->pg) != 1)
    return fail(c, NULL, err, "(pipeline sync)");
  int i = 0, nulls = 0;
  for (;;) {
    PGresult *res = PQgetResult(c->pg);
    if (!res) { /* one NULL ends each statement's results; two: nothing more will come */
      if (PQstatus(c->pg) != CONNECTION_OK || ++nulls > 1) {
        int rv = fail(c, NULL, err, "(pipeline results)");
        c->lost = true;
        return rv;
      }
      continue;
    }
    nulls = 0;
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_PIPELINE_SYNC) {
      PQclear(res);
      break;
    }
    if (!ok_result(res) && st != PGRES_PIPELINE_ABORTED && !c->pipe_rv) {
      c->pipe_rv = fail(c, res, &c->pipe_err, "(pipelined statement)");
      c->broke = true;
      rd_log(RD_LOG_INFO, "postgresql: a pipelined statement failed: %s", c->pipe_err.message);
    }
    if (last && i == n - 1 && ok_result(res))
      *last = res;
    else
      PQclear(res);
    i++;
  }
  if (c->pipe_rv) {
    if (err)
      *err = c->pipe_err;
    return c->pipe_rv;
  }
  return 0;
}

/* Room for one more statement in the pipeline; the pipeline's error if it failed. */
static int pipe_room(pg_conn *c, rd_err *err) {
  if (c->pipe_rv) {
    if (err)
      *err = c->pipe_err;
    return c->pipe_rv;
  }
  return c->queued >= PIPE_MAX ? pipe_collect(c, NULL, err) : 0;
}

/* Sends s's execution into the pipeline; its result is read back later. */
static int pipe_send(pg_stmt *s, rd_err *err) {
  pg_conn *c = s->conn;
  int rv = pipe_room(c, err);
  if (rv)
    return rv;
  const char *const *values = (const char *const *)s->values;
  int ok = s->id ? PQsendQueryPrepared(c->pg, s->name, s->nparams, values, NULL, NULL, 0)
                 : PQsendQueryParams(c->pg, s->text, s->nparams, NULL, values, NULL, NULL, 0);
  if (!ok)
    return fail(c, NULL, err, s->sql);
  c->queued++;
  return 0;
}

static int pg_send(rd_stmt *rs, rd_err *err) {
  return pipe_send((pg_stmt *)rs, err);
}

/* RD_SQL_GENERIC_PLAN: the session's plan_cache_mode for the next prepared statement, set
 * only when it changes (one round trip). A failure leaves the mode unknown; the statement
 * then runs with whatever plan the server picks. */
static void plan_mode(pg_conn *c, bool generic) {
  PGresult *res = PQexec(c->pg, generic ? "SET plan_cache_mode = force_generic_plan"
                                        : "SET plan_cache_mode = auto");
  bool ok = ok_result(res);
  PQclear(res);
  c->generic = ok ? generic : -1;
  c->generic_in_tx |= ok && PQtransactionStatus(c->pg) != PQTRANS_IDLE;
}

static int pg_pipeline(rd_conn *rc, bool on, rd_err *err) {
  pg_conn *c = (pg_conn *)rc;
  if (on) {
    c->pipe_rv = 0;
    rd_err_clear(&c->pipe_err);
    if (c->pipe)
      return 0;
    if (c->generic) /* pipelined statements (imports) run with the server's default */
      plan_mode(c, false);
    if (PQenterPipelineMode(c->pg) != 1)
      return fail(c, NULL, err, "(pipeline mode)");
    c->pipe = true;
    return 0;
  }
  if (!c->pipe)
    return 0;
  int rv = c->queued && !c->lost ? pipe_collect(c, NULL, err) : 0;
  if (!rv && c->pipe_rv) {
    rv = c->pipe_rv;
    if (err)
      *err = c->pipe_err;
  }
  if (!c->lost && PQexitPipelineMode(c->pg) != 1)
    c->lost = true; /* results left unread: this connection is not used again */
  c->pipe = false;
  c->pipe_rv = 0;
  return rv;
}

static int pg_refresh_stats(rd_conn *c, const char *tables, int64_t grown, rd_err *err) {
  rd_buf sql;
  rd_buf_init(&sql);
  /* reltuples: the rows of the first table at its last analysis, -1 when never analyzed. */
  rd_buf_adds(&sql, "SELECT CAST(reltuples AS bigint) FROM pg_class WHERE oid = CAST('");
  rd_buf_add(&sql, tables, strcspn(tables, ","));
  rd_buf_adds(&sql, "' AS regclass)");
  char *q = rd_strdup(rd_buf_cstr(&sql));
  rd_buf_term(&sql);
  int64_t held = -1;
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err, q, "");
  rd_free(q);
  if (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW)
    held = rd_stmt_int64(s, 0);
  rd_stmt_done(s);
  if (rv < 0)
    return rv;
  if (held >= 0 && grown < held / 10)
    return 0;
  rd_buf_init(&sql);
  rd_buf_adds(&sql, "ANALYZE ");
  rd_buf_adds(&sql, tables);
  rv = pg_exec(c, rd_buf_cstr(&sql), err);
  rd_buf_term(&sql);
  return rv;
}

static bool pg_pipeline_broke(rd_conn *rc) {
  return ((pg_conn *)rc)->broke;
}

static int pg_prepare(rd_conn *rc, const char *sql, rd_stmt **out, rd_err *err) {
  pg_conn *c = (pg_conn *)rc;
  if (c->lost)
    return rd_err_set(err, RD_EUNAVAIL, "lost the connection to PostgreSQL; retry the request");
  unsigned h = rd_stmt_cache_hash(sql);
  rd_cached *e = rd_stmt_cache_get(&c->cache, sql, h);
  if (e) {
    pg_stmt *s = stmt_of(e);
    reset(s);
    *out = &s->base;
    return 0;
  }
  pg_stmt *s = rd_calloc(1, sizeof *s);
  s->base.ops = &rd_postgres_ops;
  s->conn = c;
  s->sql = rd_strdup(sql);
  s->text = translate(sql, &s->nparams);
  s->generic = !strncmp(sql, RD_SQL_GENERIC_PLAN, strlen(RD_SQL_GENERIC_PLAN));
  s->values = rd_calloc((size_t)(s->nparams ? s->nparams : 1), sizeof *s->values);
  s->row = -1;
  rd_cached_init(&s->ce, s->sql, h);
  if (rd_stmt_cache_has_room(&c->cache)) {
    /* Parsed and planned once per connection while cached. The victim, if any, is evicted
     * only once this one is prepared: never inside a failed transaction, where the
     * server refuses the PQprepare. */
    s->id = ++c->nnames;
    snprintf(s->name, sizeof s->name, "rd_%u", s->id);
    int rv = 0;
    if (c->pipe) {
      /* Waited for (with whatever is outstanding): a prepare the server skipped, because
       * a statement before it failed, must not stay in the cache as if it existed. */
      rv = pipe_room(c, err);
      if (!rv && PQsendPrepare(c->pg, s->name, s->text, 0, NULL) != 1)
        rv = fail(c, NULL, err, sql);
      c->queued += !rv;
      if (!rv)
        rv = pipe_collect(c, NULL, err);
    } else {
      PGresult *res = PQprepare(c->pg, s->name, s->text, 0, NULL);
      rv = ok_result(res) ? 0 : fail(c, res, err, sql);
      PQclear(res);
    }
    if (rv) {
      free_stmt(s);
      return rv;
    }
    bool kept = rd_stmt_cache_put(&c->cache, &s->ce);
    assert(kept);
    (void)kept;
    deallocate_evicted(c);
  } else {
    c->cache.stats.uncached++; /* every cached statement is busy: this one runs unnamed */
  }
  *out = &s->base;
  return 0;
}

static void bind_value(rd_stmt *rs, int i, char *owned) {
  pg_stmt *s = (pg_stmt *)rs;
  if (i < 1 || i > s->nparams) {
    rd_free(owned);
    return;
  }
  rd_free(s->values[i - 1]);
  s->values[i - 1] = owned;
}
static void bind_null(rd_stmt *s, int i) {
  bind_value(s, i, NULL);
}
static void bind_int64(rd_stmt *s, int i, int64_t v) {
  char num[24];
  snprintf(num, sizeof num, "%lld", (long long)v);
  bind_value(s, i, rd_strdup(num));
}
static void bind_text(rd_stmt *s, int i, const char *v) {
  bind_value(s, i, rd_strdup(v));
}
static void bind_bool(rd_stmt *s, int i, bool v) {
  bind_value(s, i, rd_strdup(v ? "true" : "false"));
}

/* Executes s once. A statement outside any transaction that the server aborted for a
 * deadlock or serialization failure changed nothing and is run again, a few times. */
static int run(pg_stmt *s, rd_err *err) {
  pg_conn *c = s->conn;
  if (c->pipe) {
    int rv = pipe_send(s, err);
    if (!rv)
      rv = pipe_collect(c, &s->res, err);
    if (!rv && !s->res)
      rv = rd_err_set(err, RD_EINTERNAL, "database error");
    if (!rv)
      s->changes = strtoll(PQcmdTuples(s->res), NULL, 10);
    return rv;
  }
  const char *const *values = (const char *const *)s->values;
  if (s->id && c->generic != s->generic)
    plan_mode(c, s->generic);
  for (int attempt = 0;; attempt++) {
    PGresult *res = s->id
                        ? PQexecPrepared(c->pg, s->name, s->nparams, values, NULL, NULL, 0)
                        : PQexecParams(c->pg, s->text, s->nparams, NULL, values, NULL, NULL, 0);
    if (ok_result(res)) {
      s->res = res;
      s->changes = strtoll(PQcmdTuples(res), NULL, 10);
      return 0;
    }
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    bool again = (state_is(state, "40001") || state_is(state, "40P01")) &&
                 PQtransactionStatus(c->pg) == PQTRANS_IDLE && attempt + 1 < RETRIES;
    if (!again) {
      int rv = fail(c, res, err, s->sql);
      PQclear(res);
      return rv;
    }
    PQclear(res);
  }
}

static int pg_step(rd_stmt *rs, rd_err *err) {
  pg_stmt *s = (pg_stmt *)rs;
  if (s->failed)
    return rd_err_set(err, s->failed, "statement failed");
  if (!s->res) {
    int rv = run(s, err);
    if (rv) {
      s->failed = rv;
      return rv;
    }
  }
  if (s->row + 1 < PQntuples(s->res)) {
    s->row++;
    return RD_ROW;
  }
  s->row = PQntuples(s->res);
  return RD_DONE;
}

static void pg_done(rd_stmt *rs) {
  pg_stmt *s = (pg_stmt *)rs;
  if (!s)
    return;
  reset(s);
  if (!rd_stmt_cache_release(&s->conn->cache, &s->ce))
    free_stmt(s);
}

static int64_t pg_changes(rd_stmt *s) {
  return ((pg_stmt *)s)->changes;
}

static int pg_ncols(rd_stmt *rs) {
  pg_stmt *s = (pg_stmt *)rs;
  return s->res ? PQnfields(s->res) : 0;
}

/* The current row's value of column i, NULL for SQL NULL or no such cell. */
static const char *cell(rd_stmt *rs, int i) {
  pg_stmt *s = (pg_stmt *)rs;
  if (!s->res || s->row < 0 || s->row >= PQntuples(s->res) || i < 0 || i >= PQnfields(s->res) ||
      PQgetisnull(s->res, s->row, i))
    return NULL;
  return PQgetvalue(s->res, s->row, i);
}

static bool col_null(rd_stmt *s, int i) {
  return cell(s, i) == NULL;
}

/* Booleans read as integers too ("t" is 1), as SQLite stores them. */
static int64_t col_int64(rd_stmt *s, int i) {
  const char *v = cell(s, i);
  if (!v)
    return 0;
  if (!strcmp(v, "t"))
    return 1;
  return strtoll(v, NULL, 10);
}

static const char *col_text(rd_stmt *s, int i) {
  return cell(s, i);
}

static bool col_bool(rd_stmt *s, int i) {
  const char *v = cell(s, i);
  if (!v)
    return false;
  if (!strcmp(v, "t") || !strcmp(v, "true"))
    return true;
  return strtoll(v, NULL, 10) != 0; /* an integer expression used as a flag */
}

static void ids_drop(pg_conn *c) {
  c->nids = c->idpos = c->idblock = 0;
}

static int pg_begin(rd_conn *c, bool write, rd_err *err) {
  pg_conn *pc = (pg_conn *)c;
  pc->broke = false; /* rd_pipeline_broke: of this transaction from now on */
  ids_drop(pc);
  pc->write_tx = write;
  /* Writers: READ COMMITTED, because updates are version-checked (see the top). Readers
   * get one snapshot for all their statements, as SQLite's deferred transaction does. */
  return pg_exec(c, write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", err);
}

/* A SET inside a transaction ends with it: kept by a commit, undone by a rollback (or a
 * commit that fails). */
static void plan_mode_tx_end(pg_conn *c, bool kept) {
  if (c->generic_in_tx && !kept)
    c->generic = -1;
  c->generic_in_tx = false;
}

static int pg_commit(rd_conn *c, rd_err *err) {
  ids_drop((pg_conn *)c);
  ((pg_conn *)c)->write_tx = false;
  int rv = pg_exec(c, "COMMIT", err);
  plan_mode_tx_end((pg_conn *)c, !rv);
  return rv;
}

static void pg_rollback(rd_conn *rc) {
  pg_conn *c = (pg_conn *)rc;
  ids_drop(c);
  c->write_tx = false;
  if (!c->lost)
    pg_exec(rc, "ROLLBACK", NULL);
  plan_mode_tx_end(c, false);
}

/* Runs sql (no parameters but those given as text) expecting one integer row. */
static int one_int64(rd_conn *c, const char *sql, int n, const char *const *args, int64_t *out,
                     rd_err *err) {
  rd_stmt *s = NULL;
  int rv = pg_prepare(c, sql, &s, err);
  if (rv)
    return rv;
  for (int i = 0; i < n; i++)
    bind_text(s, i + 1, args[i]);
  rv = pg_step(s, err);
  if (rv == RD_ROW)
    *out = col_int64(s, 0);
  pg_done(s);
  return rv;
}

static int pg_next_id(rd_conn *rc, int64_t *out, rd_err *err) {
  pg_conn *c = (pg_conn *)rc;
  if (c->idpos < c->nids) {
    *out = c->ids[c->idpos++];
    return 0;
  }
  int n = 1;
  if (c->write_tx)
    n = c->idblock = c->idblock ? (c->idblock < ID_BLOCK_MAX ? c->idblock * 2 : ID_BLOCK_MAX) : 1;
  /* One statement, one row, one round trip: the block as "id,id,...", ascending. Through
   * rd_sql like any statement (the fault hook of the tests counts it). */
  rd_stmt *s = NULL;
  int rv = rd_sql(rc, &s, err,
                  "SELECT string_agg(v::text, ',' ORDER BY v) FROM (SELECT nextval('record_ids')"
                  " AS v FROM generate_series(1, CAST(? AS int))) b",
                  "i", (int64_t)n);
  if (!rv)
    rv = rd_stmt_step(s, err);
  c->nids = c->idpos = 0;
  if (rv == RD_ROW)
    for (const char *p = rd_stmt_text(s, 0); p && *p && c->nids < n; p += *p == ',') {
      char *end = NULL;
      int64_t id = strtoll(p, &end, 10);
      if (end == p || id <= 0)
        break;
      c->ids[c->nids++] = id;
      p = end;
    }
  rd_stmt_done(s);
  if (rv < 0)
    return rv;
  if (!c->nids)
    return rd_err_set(err, RD_EINTERNAL, "id sequence missing");
  *out = c->ids[c->idpos++];
  return 0;
}

static int pg_lock_schema(rd_conn *c, rd_err *err) {
  /* Held until the transaction ends: migrations from several processes run one at a time,
   * and each sees what the one before committed (READ COMMITTED takes a new snapshot). */
  int64_t ignored = 0; /* the function returns void: one row, an empty value */
  int rv = one_int64(c, "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK_KEY ")", 0, NULL, &ignored,
                     err);
  return rv < 0 ? rv : 0;
}

/* rd_tx_lock: the two-int4 form, whose keys never meet the bigint SCHEMA_LOCK_KEY. */
static int pg_tx_lock(rd_conn *c, const char *key, rd_err *err) {
  int64_t ignored = 0;
  const char *args[] = {key};
  int rv = one_int64(c, "SELECT pg_advisory_xact_lock(1, hashtext(?))", 1, args, &ignored, err);
  return rv < 0 ? rv : 0;
}

static int pg_claim_job(rd_conn *c, const char *worker, const char *const *kinds, int nkinds,
                        const char *now, const char *stale_before, const char *today,
                        int64_t *job_id, rd_err *err) {
  /* SKIP LOCKED: workers in other processes pass over a row another worker is claiming
   * instead of queueing behind it, so each job goes to exactly one of them. */
  const char *args[6 + RD_JOB_KINDS_MAX] = {worker, now, now, today, now, stale_before};
  assert(nkinds >= 1 && nkinds <= RD_JOB_KINDS_MAX);
  rd_buf sql;
  rd_buf_init(&sql);
  rd_buf_adds(&sql, "UPDATE jobs SET status = 'running', claimed_by = ?, heartbeat_at = ?,"
                    " updated_at = ?, attempts = attempts + 1"
                    " WHERE id = (SELECT id FROM jobs WHERE ((status = 'queued' AND (run_on IS NULL"
                    " OR run_on <= ?) AND (run_at IS NULL OR run_at <= ?)) OR (status ="
                    " 'running' AND heartbeat_at < ?)) AND kind IN (?");
  for (int i = 0; i < nkinds; i++) {
    args[6 + i] = kinds[i];
    if (i)
      rd_buf_adds(&sql, ", ?");
  }
  rd_buf_adds(&sql, ") ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id");
  int64_t id = 0;
  int rv = one_int64(c, rd_buf_cstr(&sql), 6 + nkinds, args, &id, err);
  rd_buf_term(&sql);
  if (rv == RD_ROW)
    *job_id = id;
  return rv;
}

static bool pg_healthy(rd_conn *rc) {
  pg_conn *c = (pg_conn *)rc;
  if (c->lost || PQstatus(c->pg) != CONNECTION_OK || PQtransactionStatus(c->pg) != PQTRANS_IDLE)
    return false;
  /* An idle connection has nothing to read unless the server said goodbye (a terminated
   * backend sends its FATAL error, then closes): read it now rather than fail a request.
   * The error and the end of the stream may come in separate reads. */
  for (int i = 0; i < 4; i++) {
    struct pollfd p = {.fd = PQsocket(c->pg), .events = POLLIN};
    if (poll(&p, 1, 0) <= 0)
      break;
    if (!PQconsumeInput(c->pg) || PQstatus(c->pg) != CONNECTION_OK)
      break;
    PQisBusy(c->pg); /* parses what came: a FATAL error goes to on_notice */
  }
  if (c->lost || PQstatus(c->pg) != CONNECTION_OK) {
    c->lost = true;
    return false;
  }
  return true;
}

/* One LIKE per term (the GIN index intersects them); the checks are strpos() filters,
 * which the planner cannot send to the index: a pattern without a whole trigram would
 * make GIN read every entry, and a word split around a common trigram (search.c) would
 * bring that trigram's long posting list back. */
static void pg_search_match(const char *const *terms, int n, const char *const *checks,
                            int nchecks, rd_buf *cond, char **params, int *np,
                            const char **join, const char **key) {
  int k = 0;
  *join = *key = NULL;
  for (int i = 0; i < n; i++) {
    rd_buf_adds(cond, k ? " AND s.doc LIKE ?" : "s.doc LIKE ?");
    rd_buf like;
    rd_buf_init(&like);
    rd_buf_adds(&like, "%");
    for (const char *p = terms[i]; *p; p++) {
      if (*p == '%' || *p == '_' || *p == '\\')
        rd_buf_adds(&like, "\\");
      rd_buf_add(&like, p, 1);
    }
    rd_buf_adds(&like, "%");
    params[k++] = rd_strdup(rd_buf_cstr(&like));
    rd_buf_term(&like);
  }
  /* Not a LIKE: checked on the rows the index found, not added to its search. */
  for (int i = 0; i < nchecks; i++) {
    rd_buf_adds(cond, " AND strpos(s.doc, ?) > 0");
    params[k++] = rd_strdup(checks[i]);
  }
  *np = k;
}

const rd_store_ops rd_postgres_ops = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .prepare = pg_prepare,
    .bind_null = bind_null,
    .bind_int64 = bind_int64,
    .bind_text = bind_text,
    .bind_bool = bind_bool,
    .step = pg_step,
    .done = pg_done,
    .changes = pg_changes,
    .ncols = pg_ncols,
    .col_null = col_null,
    .col_int64 = col_int64,
    .col_text = col_text,
    .col_bool = col_bool,
    .exec = pg_exec,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .next_id = pg_next_id,
    .healthy = pg_healthy,
    .lock_schema = pg_lock_schema,
    .claim_job = pg_claim_job,
    .search_match = pg_search_match,
    .send = pg_send,
    .pipeline = pg_pipeline,
    .pipeline_broke = pg_pipeline_broke,
    .refresh_stats = pg_refresh_stats,
    .tx_lock = pg_tx_lock,
};
