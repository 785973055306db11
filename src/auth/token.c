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

int rd_token_create(rd_conn *c, const char *account_id, int64_t person_id, const char *kind,
                    char token[RD_TOKEN_LEN], rd_err *err) {
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  memcpy(token, "rd_", 3);
  rd_b64url_encode(raw, sizeof raw, token + 3);
  sodium_memzero(raw, sizeof raw);
  char hash[65], now[RD_TIME_LEN];
  token_hash(token, hash);
  rd_time_now(now);
  int64_t id = 0;
  int rv = rd_next_id(c, &id, err);
  if (rv)
    return rv;
  return rd_sql_exec(c, NULL, err,
                     "INSERT INTO api_tokens (id, account_id, person_id, token_hash, kind,"
                     " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                     "ititt" "t", id, account_id, person_id, hash, kind, now);
}

int rd_token_lookup(rd_conn *c, const char *token, rd_caller *out, rd_err *err) {
  if (!token || strlen(token) != RD_TOKEN_LEN - 1 || strncmp(token, "rd_", 3))
    return rd_err_set(err, RD_EAUTH, "Authentication required");
  char hash[65];
  token_hash(token, hash);
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err,
                  "SELECT p.account_id, p.id, p.roles, p.first_name, p.last_name"
                  " FROM api_tokens k JOIN people p ON p.id = k.person_id"
                  " WHERE k.token_hash = ? AND NOT k.revoked AND NOT p.deleted"
                  " AND p.web_access",
                  "t", hash);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  if (rv == RD_ROW) {
    memset(out, 0, sizeof *out);
    snprintf(out->account_id, sizeof out->account_id, "%s", rd_stmt_text(s, 0));
    out->person_id = rd_stmt_int64(s, 1);
    out->roles = (unsigned)rd_stmt_int64(s, 2);
    snprintf(out->name, sizeof out->name, "%s %s", rd_stmt_text(s, 3), rd_stmt_text(s, 4));
    rv = 0;
  } else if (rv == RD_DONE) {
    rv = rd_err_set(err, RD_EAUTH, "Authentication required");
  }
  rd_stmt_done(s);
  return rv;
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
