/* API and session tokens: 32 random bytes shown once as "rd_" + base64url; the database
 * keeps only their BLAKE2b-256 hash (a fast hash is right for 256-bit secrets), so a
 * leaked database does not leak usable tokens. Lookups go to the database every time:
 * nothing is cached that another daemon could revoke. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "base/str.h"
#include "base/time.h"

static void token_hash(const char *token, char out[65]) {
  unsigned char h[32];
  crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
  sodium_bin2hex(out, 65, h, sizeof h);
}

static int insert(rd_conn *c, const char *account_id, int64_t person_id, const char *kind,
                  int64_t idle_s, int64_t max_s, char token[RD_TOKEN_LEN], rd_err *err) {
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  memcpy(token, "rd_", 3);
  rd_b64url_encode(raw, sizeof raw, token + 3);
  sodium_memzero(raw, sizeof raw);
  char hash[65], now[RD_TIME_LEN], expires[RD_TIME_LEN], idle_until[RD_TIME_LEN];
  token_hash(token, hash);
  rd_time_now(now);
  rd_time_in(max_s, expires);
  rd_time_in(idle_s, idle_until);
  int64_t id = 0;
  int rv = rd_next_id(c, &id, err);
  if (rv)
    return rv;
  return rd_sql_exec(c, NULL, err,
                     "INSERT INTO api_tokens (id, account_id, person_id, token_hash, kind,"
                     " created_at, expires_at, idle_s, idle_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     "ititt" "tt" "it", id, account_id, person_id, hash, kind, now,
                     max_s > 0 ? expires : NULL, idle_s, idle_s > 0 ? idle_until : NULL);
}

int rd_token_create(rd_conn *c, const char *account_id, int64_t person_id, const char *kind,
                    char token[RD_TOKEN_LEN], rd_err *err) {
  return insert(c, account_id, person_id, kind, 0, 0, token, err);
}

int rd_session_create(rd_conn *c, const char *account_id, int64_t person_id, int64_t idle_s,
                      int64_t max_s, char token[RD_TOKEN_LEN], rd_err *err) {
  return insert(c, account_id, person_id, "session", idle_s, max_s, token, err);
}

/* Idle limits move on with use, written at most once a minute per session. */
#define IDLE_REFRESH_S 60

/* The token's person and session; with the page counters when asked (two scalar
 * sub-selects: a missing counter row reads as 0). */
#define LOOKUP_COLUMNS                                                                      \
  "SELECT p.account_id, p.id, p.roles, p.first_name, p.last_name, k.id, k.kind,"             \
  " k.idle_s, k.idle_until"
#define LOOKUP_FROM                                                                         \
  " FROM api_tokens k JOIN people p ON p.id = k.person_id"                                  \
  " WHERE k.token_hash = ? AND NOT k.revoked AND NOT p.deleted"                             \
  " AND p.web_access AND (k.expires_at IS NULL OR k.expires_at > ?)"                        \
  " AND (k.idle_until IS NULL OR k.idle_until > ?)"

static int lookup(rd_conn *c, const char *token, const bool *cross, rd_caller *out,
                  rd_versions *v, rd_err *err) {
  if (!token || strlen(token) != RD_TOKEN_LEN - 1 || strncmp(token, "rd_", 3))
    return rd_err_set(err, RD_EAUTH, "Authentication required");
  char hash[65], now[RD_TIME_LEN];
  token_hash(token, hash);
  rd_time_now(now);
  rd_stmt *s = NULL;
  int64_t session = 0, idle_s = 0;
  char idle_until[RD_TIME_LEN] = "";
  int rv = !cross ? rd_sql(c, &s, err, LOOKUP_COLUMNS LOOKUP_FROM, "ttt", hash, now, now)
                  : rd_sql(c, &s, err,
                           LOOKUP_COLUMNS
                           ", (SELECT d.version FROM data_versions d"
                           "   WHERE d.account_id = p.account_id AND d.kind = 'rec'),"
                           " (SELECT d.version FROM data_versions d"
                           "   WHERE ? AND d.account_id = '*' AND d.kind = 'cross')" LOOKUP_FROM,
                           "bttt", (int)*cross, hash, now, now);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  if (rv == RD_ROW) {
    memset(out, 0, sizeof *out);
    snprintf(out->account_id, sizeof out->account_id, "%s", rd_stmt_text(s, 0));
    out->person_id = rd_stmt_int64(s, 1);
    out->roles = (unsigned)rd_stmt_int64(s, 2);
    snprintf(out->name, sizeof out->name, "%s %s", rd_stmt_text(s, 3), rd_stmt_text(s, 4));
    if (!strcmp(rd_stmt_text(s, 6), "session"))
      out->session_id = session = rd_stmt_int64(s, 5);
    idle_s = rd_stmt_int64(s, 7);
    if (rd_stmt_text(s, 8))
      snprintf(idle_until, sizeof idle_until, "%s", rd_stmt_text(s, 8));
    if (cross) {
      memset(v, 0, sizeof *v);
      v->rec = rd_stmt_int64(s, 9);
      v->cross = rd_stmt_int64(s, 10);
      rd_date_today(v->today);
    }
    rv = 0;
  } else if (rv == RD_DONE) {
    rv = rd_err_set(err, RD_EAUTH, "Authentication required");
  }
  rd_stmt_done(s);
  if (!rv && session && idle_s > 0) {
    char stale[RD_TIME_LEN], next[RD_TIME_LEN];
    rd_time_in(idle_s - IDLE_REFRESH_S, stale);
    if (strcmp(idle_until, stale) < 0) {
      /* Best effort: a write that waits too long behind an import's batch must not fail
       * the request; the next use tries again. */
      rd_err ignored;
      rd_err_clear(&ignored);
      rd_time_in(idle_s, next);
      rd_sql_exec(c, NULL, &ignored, "UPDATE api_tokens SET idle_until = ? WHERE id = ?", "ti",
                  next, session);
    }
  }
  return rv;
}

int rd_token_lookup(rd_conn *c, const char *token, rd_caller *out, rd_err *err) {
  return lookup(c, token, NULL, out, NULL, err);
}

int rd_token_lookup_versions(rd_conn *c, const char *token, bool cross, rd_caller *out,
                             rd_versions *v, rd_err *err) {
  return lookup(c, token, &cross, out, v, err);
}

int rd_token_end_sessions(rd_conn *c, int64_t person_id, int64_t keep_session_id, rd_err *err) {
  return rd_sql_exec(c, NULL, err,
                     "UPDATE api_tokens SET revoked = ? WHERE person_id = ? AND kind = 'session'"
                     " AND id <> ? AND NOT revoked",
                     "bii", 1, person_id, keep_session_id);
}

int rd_token_revoke(rd_conn *c, const char *token, rd_err *err) {
  char hash[65];
  token_hash(token, hash);
  return rd_sql_exec(c, NULL, err, "UPDATE api_tokens SET revoked = ? WHERE token_hash = ?",
                     "bt", 1, hash);
}

void rd_csrf_for(const char *token, char out[RD_CSRF_LEN]) {
  static const unsigned char key[] = "rolodesk csrf v1 ............. ";
  unsigned char h[32];
  crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), key, 32);
  rd_b64url_encode(h, sizeof h, out);
}

bool rd_csrf_check(const char *token, const char *csrf) {
  char want[RD_CSRF_LEN];
  rd_csrf_for(token, want);
  return csrf && strlen(csrf) == strlen(want) &&
         sodium_memcmp(want, csrf, strlen(want)) == 0;
}
