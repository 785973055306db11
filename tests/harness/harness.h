/* Test harness for end-to-end tests: starts a real rolodeskd on a free loopback port with
 * a fresh database (a SQLite file in a temporary directory, or a new database on the
 * PostgreSQL server named by $ROLODESK_TEST_PG), runs the rolodesk CLI against it, and
 * speaks HTTP with libcurl. Every helper aborts the test (cr_assert) when something that
 * is not under test fails. */
#ifndef RD_TESTS_HARNESS_H
#define RD_TESTS_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct th_server {
  pid_t pid;
  int port;
  char dir[256]; /* temporary directory: database, data, logs */
  char db[512];  /* --db value */
  char pg_name[64]; /* PostgreSQL database to drop at the end ("" for SQLite) */
  /* Extra rolodeskd arguments ("--attachment-grace", "2"), NULL-terminated: set them
   * between th_init_db and th_start_daemon. */
  const char *daemon_args[9];
} th_server;

typedef struct th_resp {
  long status;
  char *body;    /* NUL-terminated */
  size_t len;
  json_t *json;  /* parsed body or NULL */
  char *headers; /* raw response headers */
} th_resp;

/* The backend under test: "sqlite" or "postgresql". */
const char *th_backend(void);

/* Creates a fresh database (init) without starting the daemon. */
void th_init_db(th_server *s);
/* th_init_db, then starts the daemon and waits until it answers /healthz. */
void th_start(th_server *s);
/* Starts (another) daemon on s's database; used by multi-daemon tests. */
void th_start_daemon(th_server *s);
/* SIGTERM, waits, asserts a clean exit; removes the database. */
void th_stop(th_server *s);
/* kill -9 of the daemon the harness started last (s->pid), reaped; the database stays, and
 * th_start_daemon starts a new daemon on it (crash and resume tests). */
void th_kill(th_server *s);

/* Runs build/rolodesk --db <db> <args...> (NULL-terminated), with stdin_text on stdin
 * (may be NULL). Returns its stdout (caller frees) and sets *status to its exit status. */
char *th_cli(th_server *s, const char *stdin_text, int *status, ...);

/* Creates account id, and in it a person with the given comma-separated roles (a
 * technician gets a supervisor created for it). Returns a new API token (caller frees). */
void th_account(th_server *s, const char *id, const char *name);
char *th_person_token(th_server *s, const char *account, const char *username,
                      const char *roles);

/* th_person_token made on first use and remembered until th_stop (each costs CLI runs,
 * so suites ask for the people a test needs instead of making every role up front). The
 * account must exist. Returned string is owned by the harness. */
const char *th_token(th_server *s, const char *account, const char *username, const char *roles);

/* One HTTP request. token may be NULL; body may be NULL; content_type defaults to
 * application/json when body is set. extra_header ("Name: value") may be NULL. */
th_resp th_req(th_server *s, const char *method, const char *path, const char *token,
               const char *body, const char *content_type, const char *extra_header);
/* th_req with a body of len bytes that may hold any bytes (uploads, invalid UTF-8). */
th_resp th_req_len(th_server *s, const char *method, const char *path, const char *token,
                   const char *body, size_t len, const char *content_type,
                   const char *extra_header);
/* Shorthands with JSON bodies built by json_pack-like format (NULL fmt: no body). */
th_resp th_get(th_server *s, const char *token, const char *path);
th_resp th_json(th_server *s, const char *method, const char *token, const char *path,
                const char *fmt, ...);
/* Value of a response header (case-insensitive), or NULL. Returned string is static. */
const char *th_header(th_resp *r, const char *name);
void th_resp_free(th_resp *r);
/* The value at a path of member names and array indexes ("contact.addresses[0].city"),
 * or NULL. Borrowed from j. */
json_t *th_jpath(json_t *j, const char *path);
/* The string at path, or NULL. */
const char *th_jstr(json_t *j, const char *path);

/* Asserts the API.md error shape and status; returns true when some errors[].field
 * equals field (field NULL: not checked). */
void th_assert_error(th_resp *r, long status, const char *field);

/* Convenience: POSTs a JSON body and returns the new record's id (asserts 201). */
long long th_create(th_server *s, const char *token, const char *path, const char *fmt, ...);

/* Runs one SQL statement on s's database directly (to age a session, say) / reads one
 * integer with it (0 when there is no row). Asserts success. */
void th_sql(th_server *s, const char *sql);
long long th_sql_int(th_server *s, const char *sql);
/* Waits (at most 20 s) until s's mail outbox has nothing queued or being sent. */
void th_outbox_drain(th_server *s);

#endif
