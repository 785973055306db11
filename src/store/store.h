/* The storage layer: one table of operations per backend (SQLite, PostgreSQL) behind the
 * wrappers of store.c, the single place for tracing, timing and fault injection.
 *
 * Callers write portable SQL with `?` placeholders; a backend translates what it must
 * (PostgreSQL numbers them $1, $2...). Parameters are always bound, never spliced.
 *
 *   rd_db    a database: a pool of connections, thread-safe.
 *   rd_conn  one connection, used by one thread at a time; caches prepared statements
 *            (stmt_cache.h: at most RD_STMT_CACHE_MAX, the least used evicted and
 *            finalized, never one that is handed out).
 *   rd_stmt  a prepared statement and its current result. rd_sql() hands one out ready to
 *            step; rd_stmt_done() gives it back (always call it, also after errors).
 *
 * Errors are RD_E* codes with rd_err filled: a unique-constraint violation is
 * RD_ECONFLICT, a lost or unreachable server RD_EUNAVAIL, anything else RD_EINTERNAL. */
#ifndef RD_STORE_STORE_H
#define RD_STORE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/str.h"

typedef struct rd_db rd_db;
typedef struct rd_conn rd_conn;
typedef struct rd_stmt rd_stmt;

enum { RD_DONE = 0, RD_ROW = 1 };

typedef struct rd_store_ops {
  const char *name; /* "sqlite", "postgresql" */
  int (*open)(const char *uri, rd_conn **out, rd_err *err);
  void (*close)(rd_conn *c);
  /* Gives a statement for sql with no parameters bound; the backend may cache it. */
  int (*prepare)(rd_conn *c, const char *sql, rd_stmt **out, rd_err *err);
  /* Parameter indexes are 1-based. text is copied. */
  void (*bind_null)(rd_stmt *s, int i);
  void (*bind_int64)(rd_stmt *s, int i, int64_t v);
  void (*bind_text)(rd_stmt *s, int i, const char *v);
  void (*bind_bool)(rd_stmt *s, int i, bool v);
  int (*step)(rd_stmt *s, rd_err *err); /* RD_ROW, RD_DONE or RD_E* */
  void (*done)(rd_stmt *s);             /* resets it for reuse */
  int64_t (*changes)(rd_stmt *s);       /* rows changed by the last step of an update */
  int (*ncols)(rd_stmt *s);
  bool (*col_null)(rd_stmt *s, int i); /* column indexes are 0-based */
  int64_t (*col_int64)(rd_stmt *s, int i);
  const char *(*col_text)(rd_stmt *s, int i); /* valid until the next step; NULL for NULL */
  bool (*col_bool)(rd_stmt *s, int i);
  /* Runs SQL text with no parameters and no result (migrations). */
  int (*exec)(rd_conn *c, const char *sql, rd_err *err);
  int (*begin)(rd_conn *c, bool write, rd_err *err);
  int (*commit)(rd_conn *c, rd_err *err);
  void (*rollback)(rd_conn *c);
  /* A new record id, unique across the installation (API.md). */
  int (*next_id)(rd_conn *c, int64_t *out, rd_err *err);
  /* Whether the connection is still usable (PostgreSQL: not lost, not inside a
   * transaction). The pool asks before handing out an idle connection and when one is
   * released; an unhealthy one is closed, and the next acquire opens a new one. */
  bool (*healthy)(rd_conn *c);
  /* Inside a write transaction: waits until no other process changes the schema, and
   * keeps them waiting until this transaction ends (rd_store_migrate). */
  int (*lock_schema)(rd_conn *c, rd_err *err);
  /* Claims the oldest job of one of kinds[0..nkinds) (1..RD_JOB_KINDS_MAX) that is queued
   * and due (run_on NULL or not after today), or running with heartbeat_at < stale_before
   * (its worker died): sets it running for worker at now. RD_ROW with *job_id set, RD_DONE
   * when there is none. See rd_job_claim. */
  int (*claim_job)(rd_conn *c, const char *worker, const char *const *kinds, int nkinds,
                   const char *now, const char *stale_before, const char *today,
                   int64_t *job_id, rd_err *err);
  /* CUST-4: appends to cond a condition that holds when the person_search text (migration
   * 006) of person t contains each of the n terms, found with the backend's text index
   * (normalized text, no spaces, 3 characters or more; n >= 1), and each of the nchecks
   * checks, tested on the text itself (any length). When the backend wants its index to
   * drive the list of people (alias t) in id order, it sets *join and *key for
   * rd_rec_list_by (record.h) and the condition is over t and the joined table; else it
   * sets them NULL and the condition is over alias s, a person_search row of the caller's
   * account. The text parameters it binds, in order, go to params[0..*np), at most
   * n + nchecks of them, new strings the caller frees with rd_free. */
  void (*search_match)(const char *const *terms, int n, const char *const *checks, int nchecks,
                       rd_buf *cond, char **params, int *np, const char **join,
                       const char **key);
  /* Pipelining (rd_pipeline), NULL where every statement runs at once (SQLite): send
   * queues s's execution without waiting for its result; pipeline turns the mode on, or
   * off (reading back what is outstanding: the first error of the pipeline); broke says
   * whether the current (or last) transaction failed on a statement sent without waiting. */
  int (*send)(rd_stmt *s, rd_err *err);
  int (*pipeline)(rd_conn *c, bool on, rd_err *err);
  bool (*pipeline_broke)(rd_conn *c);
  /* Outside a transaction: brings the planner's statistics of tables (a constant list,
   * "a, b") up to date when grown rows are many next to what the first one held when last
   * analyzed. NULL where the planner needs none (SQLite). */
  int (*refresh_stats)(rd_conn *c, const char *tables, int64_t grown, rd_err *err);
  /* Inside a write transaction: waits for, then holds until the transaction ends, the lock
   * named by key. NULL where a write transaction already excludes every other writer
   * (SQLite). */
  int (*tx_lock)(rd_conn *c, const char *key, rd_err *err);
} rd_store_ops;

extern const rd_store_ops rd_sqlite_ops;
extern const rd_store_ops rd_postgres_ops;

/* Opens a database by URI: a path (SQLite) or postgresql://... . Applies pending
 * migrations when migrate is true. The returned db is owned by the caller: rd_db_free. */
int rd_db_open(const char *uri, bool migrate, rd_db **out, rd_err *err);
void rd_db_free(rd_db *db);
const char *rd_db_backend(const rd_db *db);

/* A connection from the pool, for one thread until rd_db_release. */
int rd_db_acquire(rd_db *db, rd_conn **out, rd_err *err);
void rd_db_release(rd_db *db, rd_conn *c);

/* Prepares sql and binds parameters described by types, one letter each:
 *   i  int64_t          t  const char * (NULL binds SQL NULL)
 *   b  int (bool)       n  nothing: binds NULL (no argument consumed)
 *   I  int64_t, where 0 binds NULL (optional references)
 * On success *out is ready to step; call rd_stmt_done when finished. */
int rd_sql(rd_conn *c, rd_stmt **out, rd_err *err, const char *sql, const char *types, ...);
/* Runs a statement to completion. *changes (may be NULL) gets the rows changed. */
int rd_sql_exec(rd_conn *c, int64_t *changes, rd_err *err, const char *sql, const char *types,
                ...);
/* Runs a query expected to return at most one row with one integer column. Returns RD_ROW
 * with *out set, RD_DONE when there was no row. */
int rd_sql_int64(rd_conn *c, int64_t *out, rd_err *err, const char *sql, const char *types,
                 ...);

/* The same with parameters in an array, for queries whose filters vary. */
typedef struct rd_param {
  char type; /* 'i' int64, 't' text (NULL binds NULL), 'b' bool, 'n' NULL */
  int64_t i;
  const char *t;
} rd_param;
int rd_sql_params(rd_conn *c, rd_stmt **out, rd_err *err, const char *sql, const rd_param *p,
                  int n);
/* SQL that begins with this comment is planned once for any parameters (PostgreSQL's
 * generic plan, plan_cache_mode = force_generic_plan while it runs) instead of for each
 * execution: for statements whose planning costs more than running them (the All
 * Organizations page: 4-5 ms to plan, 0.5 ms to run). SQLite plans every statement once
 * when it is prepared; the comment is only a comment there. */
#define RD_SQL_GENERIC_PLAN "/* generic plan */ "
/* Runs such a statement to completion, its result unread (sent without waiting inside a
 * pipeline, like rd_sql_exec without changes). */
int rd_sql_params_exec(rd_conn *c, rd_err *err, const char *sql, const rd_param *p, int n);

int rd_stmt_step(rd_stmt *s, rd_err *err);
void rd_stmt_done(rd_stmt *s);
bool rd_stmt_null(rd_stmt *s, int i);
int64_t rd_stmt_int64(rd_stmt *s, int i);
const char *rd_stmt_text(rd_stmt *s, int i);
bool rd_stmt_bool(rd_stmt *s, int i);
/* Rows changed by the statement's last step (an UPDATE or DELETE that returned RD_DONE). */
int64_t rd_stmt_changes(rd_stmt *s);

int rd_tx_begin(rd_conn *c, bool write, rd_err *err);
int rd_tx_commit(rd_conn *c, rd_err *err);
void rd_tx_rollback(rd_conn *c);
int rd_next_id(rd_conn *c, int64_t *out, rd_err *err);
const rd_store_ops *rd_conn_ops(rd_conn *c);

/* Savepoints inside a transaction, for work that may have to be undone alone (an import
 * row). name is an SQL identifier written in the code, never input. The statements go
 * through the statement cache like any other. rd_savepoint_undo rolls back to the
 * savepoint and ends it. */
int rd_savepoint(rd_conn *c, const char *name, rd_err *err);
/* Test hook: the n-th statement step (or commit) from now, on any connection, fails with
 * RD_EUNAVAIL as if the database had gone away; 0 turns it off. Tests use it to cut a
 * multi-statement change at every point and check that none leaves half of it. */
void rd_store_fault_after(long n);
int rd_savepoint_release(rd_conn *c, const char *name, rd_err *err);
int rd_savepoint_undo(rd_conn *c, const char *name, rd_err *err);

/* Issue 11, bulk writes on PostgreSQL: until the open write transaction ends, statements
 * run by rd_sql_exec without asking for *changes, and savepoints, are sent without waiting
 * for their results (libpq pipeline mode); any statement whose result is read waits for
 * all of them, in one round trip. An error of a statement sent that way surfaces at the
 * next statement that waits, or at the commit, and fails every statement after it until
 * the transaction is rolled back; rd_pipeline_broke then says that this is what happened,
 * so the caller can repeat the transaction's work without rd_pipeline, where each
 * statement's error is its own. A no-op on SQLite, where statements cost no round trip. */
int rd_pipeline(rd_conn *c, rd_err *err);
bool rd_pipeline_broke(rd_conn *c);
/* Outside a transaction: refreshes the planner's statistics of tables (a constant list,
 * "people, organizations"), for bulk jobs whose tables grow under them: on PostgreSQL a
 * plan made while a table was small (and kept for a prepared statement) stays until the
 * statistics change. grown: the rows the job added; nothing is done while that is under a
 * tenth of what the first table held at its last analysis (its plans are still right). A
 * no-op on SQLite. */
int rd_refresh_stats(rd_conn *c, const char *tables, int64_t grown, rd_err *err);
/* Inside a write transaction: the transactions that take the same key (any text) run one
 * after the other from here to their end, so a check followed by a write ("fewer than N
 * rows yet, so insert one") holds under concurrency. PostgreSQL: a transaction-scoped
 * advisory lock on a hash of key (two keys may share a hash: they then wait for each other,
 * never more). SQLite: nothing to do, a write transaction excludes every other writer. */
int rd_tx_lock(rd_conn *c, const char *key, rd_err *err);
/* Whether rd_pipeline sends statements without waiting on c's backend (PostgreSQL). */
bool rd_pipelines(rd_conn *c);
/* Whether query sql returns a row: RD_ROW or RD_DONE (or RD_E*), for checks that almost
 * always hold (a reference names a record of the caller's account). Inside a pipeline it
 * is not waited for: it answers RD_ROW, and the server makes the check; when the query
 * returns no row the statement fails, which breaks the pipeline like any failed statement
 * sent without waiting, and the repetition without rd_pipeline gets the real answer. */
int rd_sql_expect(rd_conn *c, rd_err *err, const char *sql, const char *types, ...);

/* Values read once per transaction: what every row of an import batch would otherwise
 * read again (account settings, custom field definitions). An entry is named by the table
 * it was read from (kind, a constant) and whose it is (owner, e.g. an account id); it lives
 * until the transaction ends, and a write to that table through the record engine (or
 * rd_tx_memo_forget) drops it. Outside a transaction nothing is remembered. */
enum { RD_TX_MEMO_MAX = 8, RD_TX_MEMO_OWNER_MAX = 48 };
typedef struct rd_tx_memo {
  const char *kind;
  char owner[RD_TX_MEMO_OWNER_MAX];
  void *value;
  void (*drop)(void *value);
} rd_tx_memo;
/* The value remembered for (kind, owner) in this transaction, or NULL (borrowed). */
void *rd_tx_memo_get(rd_conn *c, const char *kind, const char *owner);
/* Remembers value (owned by the memo from now on: drop frees it; dropped at once when
 * there is no transaction or no free entry). */
void rd_tx_memo_put(rd_conn *c, const char *kind, const char *owner, void *value,
                    void (*drop)(void *value));
/* Forgets every value read from table kind (call after writing it). */
void rd_tx_memo_forget(rd_conn *c, const char *kind);

/* The counters of c's statement cache (struct rd_stmt_cache_stats of store/stmt_cache.h):
 * statements prepared, reused and evicted since the connection opened. For tests. */
struct rd_stmt_cache_stats;
void rd_conn_stmt_stats(rd_conn *c, struct rd_stmt_cache_stats *out);

/* Every backend's rd_conn and rd_stmt start with these, so the wrappers can dispatch. */
struct rd_conn {
  const rd_store_ops *ops;
  bool in_tx;
  bool piped; /* rd_pipeline in this transaction */
  rd_tx_memo memo[RD_TX_MEMO_MAX];
  struct rd_stmt_cache *stmts; /* the backend's statement cache (stmt_cache.h) */
};
struct rd_stmt {
  const rd_store_ops *ops;
  const char *sql; /* the text it was prepared from, for timing (borrowed) */
  int64_t us;      /* time spent stepping it since it was handed out */
};

/* Background jobs (table jobs, migration 002): imports, syncs, anything a worker thread
 * of any rolodeskd process may run. A worker claims one job at a time; the claim is one
 * atomic statement, so with several workers in several processes on one database each job
 * goes to exactly one of them (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer).
 * A running job whose heartbeat_at is older than RD_JOB_LEASE_S is taken over by the next
 * claim (its worker is presumed dead); attempts counts the claims. A job with run_on (a
 * date, migration 026) waits until that day (rd_date_today). Jobs are created and finished
 * with portable SQL by their owners. */
#define RD_JOB_LEASE_S 300
/* The lease rd_job_claim applies, in seconds (RD_JOB_LEASE_S unless the daemon was told
 * otherwise with --job-lease; tests shorten it to resume a killed worker's job). */
extern int rd_job_lease_s;

/* How many kinds one claim may name (an assert: the callers' lists are constants). */
#define RD_JOB_KINDS_MAX 8

/* Claims a job for worker (a name saying which process and thread, for operators), only
 * among the kinds the caller runs: kinds is a NULL-terminated list of 1..RD_JOB_KINDS_MAX
 * names (borrowed). Jobs of other kinds stay queued for a daemon that knows them.
 * Returns RD_ROW with *job_id set, RD_DONE when no job of those kinds is waiting, or
 * RD_E* with err. Call it outside a transaction: the claim commits by itself. Thread-safe
 * as the connection is (one thread per rd_conn). */
int rd_job_claim(rd_conn *c, const char *worker, const char *const *kinds, int64_t *job_id,
                 rd_err *err);

/* Migrations, embedded at build time from src/store/migrations: NNN_name.sql (portable
 * SQL) and NNN_name.sqlite.sql / NNN_name.postgresql.sql (one backend's own SQL: indexes
 * and triggers only that engine has), one entry per version NNN. rd_store_migrate runs the
 * portable part, then the backend's part, in one transaction. Each part may be NULL. */
typedef struct rd_migration {
  int version;
  const char *name;
  const char *sql;
  const char *sqlite;
  const char *postgresql;
} rd_migration;
extern const rd_migration rd_migrations[];
extern const int rd_nmigrations;

/* Applies every migration newer than the schema_version table says, each in its own
 * transaction. Safe to run from several processes at once: each migration runs under
 * the backend's schema lock (lock_schema), so the first process applies it and the others
 * then find it recorded. */
int rd_store_migrate(rd_conn *c, rd_err *err);

#endif
