/* Authentication (ACC-3): argon2id password hashes, API and session tokens (256-bit
 * random, shown once, stored as a BLAKE2b hash, revocable), the CSRF token bound to a
 * session, and the failed-login rate limit per username and per client address (kept in
 * the database, so it holds across several daemons). Uses libsodium only. */
#ifndef RD_AUTH_AUTH_H
#define RD_AUTH_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/time.h"
#include "auth/caller.h"
#include "store/store.h"

#define RD_TOKEN_LEN 47 /* "rd_" + 43 base64url characters + NUL */
#define RD_CSRF_LEN 44
#define RD_PASSWORD_MAX 1024

/* Must be called once before anything else here (sodium_init). */
int rd_auth_init(void);

/* Hashes a password (argon2id). out holds crypto_pwhash_STRBYTES. */
int rd_password_hash(const char *password, char out[128], rd_err *err);
bool rd_password_verify(const char *hash, const char *password);
/* Hashes n passwords on up to `threads` threads at once (argon2id is CPU-bound and
 * crypto_pwhash is thread-safe; each hash holds its 19 MiB only while it runs), one hash
 * per task, and returns when all are done. passwords[i] NULL: out[i] is left empty ("").
 * A hash that fails (out of memory) also leaves out[i] empty: the caller hashes that one
 * itself or reports the error. Never fails as a whole (no thread: the calling thread does
 * the work). Borrowed passwords; out owned by the caller. Thread-safe. */
void rd_password_hash_many(const char *const *passwords, char (*out)[128], int n, int threads);
/* Threads for rd_password_hash_many: the online cores, 1 to 8 (8 x 19 MiB at most). */
int rd_password_threads(void);
/* A password nobody could guess, for verifying against when the user does not exist, so
 * that every failure costs the same time. */
const char *rd_password_dummy_hash(void);

/* Issues a token for person_id; kind is "api" or "session". token receives the secret,
 * shown once. */
int rd_token_create(rd_conn *c, const char *account_id, int64_t person_id, const char *kind,
                    char token[RD_TOKEN_LEN], rd_err *err);
/* ACC-8: issues a login session token that ends after idle_s seconds without use and
 * max_s seconds after login, whichever comes first (0: no such limit). */
int rd_session_create(rd_conn *c, const char *account_id, int64_t person_id, int64_t idle_s,
                      int64_t max_s, char token[RD_TOKEN_LEN], rd_err *err);
/* Resolves a token into the caller (401 RD_EAUTH when unknown, revoked, expired, or the
 * person is deleted or without web access). Each use of a session moves its idle limit on
 * (written at most once a minute). */
int rd_token_lookup(rd_conn *c, const char *token, rd_caller *out, rd_err *err);

/* Version counters of the data a list page depends on (issue 12, page cache): the
 * data_versions table of migration 018, which triggers bump in every writer's own
 * transaction (the daemon, the CLI, another daemon on the same PostgreSQL). Counters only
 * grow, so a page rendered after reading counters v is at least as new as v, and a page
 * kept under v may be served to anyone who reads v again. */
typedef struct rd_versions {
  int64_t rec;             /* the account's records, names, annotations, trusts */
  int64_t cross;           /* other accounts' organizations, trusts, agreements; 0 unread */
  char today[RD_DATE_LEN]; /* pages that show agreements change with the date */
} rd_versions;

/* rd_token_lookup and, in the same statement (one implicit read transaction, one round
 * trip), the counters of the caller's account into *v, and the installation-wide cross
 * counter when cross. */
int rd_token_lookup_versions(rd_conn *c, const char *token, bool cross, rd_caller *out,
                             rd_versions *v, rd_err *err);
/* ACC-8: ends person_id's login sessions but keep_session_id (0: all). API tokens stay. */
int rd_token_end_sessions(rd_conn *c, int64_t person_id, int64_t keep_session_id, rd_err *err);
int rd_token_revoke(rd_conn *c, const char *token, rd_err *err);
/* The CSRF token of a session token (derived, nothing stored). */
void rd_csrf_for(const char *token, char out[RD_CSRF_LEN]);
bool rd_csrf_check(const char *token, const char *csrf);

/* Login rate limit: RD_ERATE with err->retry_after when key is locked out. */
int rd_ratelimit_check(rd_conn *c, const char *key, rd_err *err);
void rd_ratelimit_fail(rd_conn *c, const char *key);
void rd_ratelimit_clear(rd_conn *c, const char *key);

#endif
