/* Unit tests of src/auth (ACC-3): argon2id password hashes, API and session tokens against
 * a fresh database (unit.h) with an account and a person created by the domain
 * functions, the CSRF token of a session, and the failed-login rate limit. */
#include <criterion/criterion.h>
#include <string.h>

#include "auth/auth.h"
#include "domain/account.h"
#include "domain/person.h"
#include "unit/unit.h"

static ut_db T;
static rd_err err;
static int64_t ada;

static void setup(void) {
  ut_db_open(&T);
  cr_assert_eq(rd_auth_init(), 0);
  rd_err_clear(&err);
  cr_assert_eq(rd_account_create(T.c, "acme", "Acme", &err), 0, "%s", err.message);
  rd_caller sys = rd_system_caller("acme");
  json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:[s],s:s}", "first_name", "Ada", "last_name",
                         "Lovelace", "username", "ada", "primary_email", "ada@acme.example",
                         "roles", "supervisor", "password", "correct horse battery");
  cr_assert_eq(rd_person_create(T.c, &sys, in, &ada, &err), 0, "%s", err.message);
  json_decref(in);
}
static void teardown(void) {
  ut_db_close(&T);
}

/* ---- passwords ---- */

Test(password, hash_and_verify) {
  char hash[128];
  cr_assert_eq(rd_auth_init(), 0);
  cr_assert_eq(rd_password_hash("correct horse", hash, &err), 0);
  cr_assert_eq(strncmp(hash, "$argon2id$", 10), 0, "%s", hash);
  cr_assert_null(strstr(hash, "correct horse"));
  cr_assert(rd_password_verify(hash, "correct horse"));
  cr_assert_not(rd_password_verify(hash, "correct horsE"));
  cr_assert_not(rd_password_verify(hash, "correct horse "));
  cr_assert_not(rd_password_verify(hash, ""));
  cr_assert_not(rd_password_verify(hash, NULL));
  cr_assert_not(rd_password_verify(NULL, "correct horse"));
  cr_assert_not(rd_password_verify("", "correct horse"));
  cr_assert_not(rd_password_verify("$argon2id$garbage", "correct horse"));
}

Test(password, ACC3_hash_many_hashes_each_password_on_several_threads) {
  /* Issue 11: the import hashes a batch's passwords at once; each hash must be of its own
   * password, a NULL one gives "". */
  const char *pw[5] = {"first password", NULL, "third password", "fourth password",
                       "fifth password"};
  char out[5][128];
  memset(out, 'x', sizeof out);
  cr_assert_eq(rd_auth_init(), 0);
  cr_assert_geq(rd_password_threads(), 1);
  cr_assert_leq(rd_password_threads(), 8);
  rd_password_hash_many(pw, out, 5, 2);
  cr_assert_str_eq(out[1], "");
  for (int i = 0; i < 5; i++) {
    if (!pw[i])
      continue;
    cr_assert_eq(strncmp(out[i], "$argon2id$", 10), 0, "%d: %.20s", i, out[i]);
    for (int k = 0; k < 5; k++)
      cr_assert_eq(rd_password_verify(out[i], pw[k]), i == k, "hash %d, password %d", i, k);
  }
  rd_password_hash_many(pw, out, 0, 2); /* nothing to do */
}

Test(password, salted) {
  char a[128], b[128];
  cr_assert_eq(rd_auth_init(), 0);
  cr_assert_eq(rd_password_hash("same", a, &err), 0);
  cr_assert_eq(rd_password_hash("same", b, &err), 0);
  cr_assert_str_neq(a, b);
  cr_assert(rd_password_verify(a, "same") && rd_password_verify(b, "same"));
}

Test(password, utf8_and_long_passwords) {
  char hash[128], pw[RD_PASSWORD_MAX + 1];
  cr_assert_eq(rd_auth_init(), 0);
  memset(pw, 'p', RD_PASSWORD_MAX);
  pw[RD_PASSWORD_MAX] = '\0';
  cr_assert_eq(rd_password_hash(pw, hash, &err), 0);
  cr_assert(rd_password_verify(hash, pw));
  pw[RD_PASSWORD_MAX - 1] = 'q';
  cr_assert_not(rd_password_verify(hash, pw), "the last byte counts");
  cr_assert_eq(rd_password_hash("p\xc3\xa4ssw\xc3\xb6rd", hash, &err), 0);
  cr_assert(rd_password_verify(hash, "p\xc3\xa4ssw\xc3\xb6rd"));
  cr_assert_not(rd_password_verify(hash, "passwrd"));
}

Test(password, dummy_hash_matches_nothing_and_is_stable) {
  cr_assert_eq(rd_auth_init(), 0);
  const char *d = rd_password_dummy_hash();
  cr_assert_eq(strncmp(d, "$argon2id$", 10), 0);
  cr_assert_eq(rd_password_dummy_hash(), d);
  cr_assert_not(rd_password_verify(d, ""));
  cr_assert_not(rd_password_verify(d, "password"));
}

/* ---- the person's stored password (created through the domain) ---- */

TestSuite(token, .init = setup, .fini = teardown, .timeout = 60);

Test(token, ACC3_person_password_is_stored_hashed) {
  int64_t id = 0;
  char hash[128];
  cr_assert_eq(rd_person_for_login(T.c, "acme", "ada", &id, hash, &err), RD_ROW);
  cr_assert_eq(id, ada);
  cr_assert(rd_password_verify(hash, "correct horse battery"));
  cr_assert_not(rd_password_verify(hash, "wrong"));
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM people WHERE password_hash LIKE"
                           " '%correct horse%'"),
               0);
  cr_assert_eq(rd_person_for_login(T.c, "acme", "nobody", &id, hash, &err), RD_DONE);
  cr_assert_eq(rd_person_for_login(T.c, "other", "ada", &id, hash, &err), RD_DONE);
}

static void issue(const char *kind, char token[RD_TOKEN_LEN]) {
  rd_err_clear(&err);
  cr_assert_eq(rd_token_create(T.c, "acme", ada, kind, token, &err), 0, "%s", err.message);
}

Test(token, ACC3_create_and_look_up) {
  char token[RD_TOKEN_LEN];
  issue("api", token);
  cr_assert_eq(strlen(token), RD_TOKEN_LEN - 1);
  cr_assert_eq(strncmp(token, "rd_", 3), 0);
  for (const char *p = token + 3; *p; p++)
    cr_assert(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p),
              "token is base64url");
  rd_caller who;
  cr_assert_eq(rd_token_lookup(T.c, token, &who, &err), 0, "%s", err.message);
  cr_assert_str_eq(who.account_id, "acme");
  cr_assert_eq(who.person_id, ada);
  cr_assert_eq(who.roles, RD_ROLE_SUPERVISOR);
  cr_assert_str_eq(who.name, "Ada Lovelace");
}

/* Issue 12: a list page's token and its cache counters come in one statement; the
 * counters are the account's (bumped by its writes) and the cross one only when asked. */
Test(token, ISSUE12_lookup_reads_the_page_counters_in_the_same_statement) {
  char token[RD_TOKEN_LEN];
  issue("api", token);
  rd_caller who;
  rd_versions v, w;
  cr_assert_eq(rd_token_lookup_versions(T.c, token, false, &who, &v, &err), 0, "%s",
               err.message);
  cr_assert_eq(who.person_id, ada);
  cr_assert_gt(v.rec, 0, "creating Ada bumped the account's counter");
  cr_assert_eq(v.cross, 0);
  cr_assert_eq(strlen(v.today), RD_DATE_LEN - 1);
  cr_assert_eq(rd_sql_exec(T.c, NULL, &err, "UPDATE people SET first_name = ? WHERE id = ?",
                           "ti", "Augusta", ada),
               0, "%s", err.message);
  cr_assert_eq(rd_token_lookup_versions(T.c, token, false, &who, &w, &err), 0);
  cr_assert_gt(w.rec, v.rec, "a write to the account moves its counter");
  cr_assert_str_eq(who.name, "Augusta Lovelace", "the caller of the same statement");
  cr_assert_eq(rd_sql_exec(T.c, NULL, &err,
                           "INSERT INTO data_versions (account_id, kind, version)"
                           " VALUES ('*', 'cross', 41) ON CONFLICT (account_id, kind)"
                           " DO UPDATE SET version = 41",
                           ""),
               0, "%s", err.message);
  cr_assert_eq(rd_token_lookup_versions(T.c, token, true, &who, &w, &err), 0);
  cr_assert_eq(w.cross, 41);
  cr_assert_eq(rd_token_lookup_versions(T.c, token, false, &who, &w, &err), 0);
  cr_assert_eq(w.cross, 0, "not read unless asked");
  cr_assert_eq(rd_token_revoke(T.c, token, &err), 0);
  cr_assert_eq(rd_token_lookup_versions(T.c, token, true, &who, &w, &err), RD_EAUTH);
}

Test(token, ACC3_only_a_hash_is_stored) {
  char token[RD_TOKEN_LEN];
  issue("session", token);
  rd_stmt *s = NULL;
  cr_assert_eq(rd_sql(T.c, &s, &err, "SELECT token_hash, kind FROM api_tokens", ""), 0);
  cr_assert_eq(rd_stmt_step(s, &err), RD_ROW);
  const char *stored = rd_stmt_text(s, 0);
  cr_assert_eq(strlen(stored), 64, "hex of a 256-bit hash");
  cr_assert_null(strstr(stored, token + 3));
  cr_assert_str_eq(rd_stmt_text(s, 1), "session");
  cr_assert_eq(rd_stmt_step(s, &err), RD_DONE);
  rd_stmt_done(s);
}

Test(token, tokens_are_distinct) {
  char a[RD_TOKEN_LEN], b[RD_TOKEN_LEN];
  issue("api", a);
  issue("api", b);
  cr_assert_str_neq(a, b);
  rd_caller w;
  cr_assert_eq(rd_token_lookup(T.c, a, &w, &err), 0);
  cr_assert_eq(rd_token_lookup(T.c, b, &w, &err), 0);
}

Test(token, ACC3_unknown_and_malformed_tokens_are_401) {
  char token[RD_TOKEN_LEN];
  issue("api", token);
  char wrong[RD_TOKEN_LEN];
  memcpy(wrong, token, sizeof wrong);
  wrong[10] = wrong[10] == 'A' ? 'B' : 'A';
  char noprefix[RD_TOKEN_LEN];
  memcpy(noprefix, token, sizeof noprefix);
  noprefix[0] = 'x';
  char longer[RD_TOKEN_LEN + 1];
  snprintf(longer, sizeof longer, "%sA", token);
  const char *bad[] = {NULL, "", "rd_", "rd_short", wrong, noprefix, longer,
                       "rd_' OR '1'='1' --                          x"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    rd_caller who;
    rd_err_clear(&err);
    cr_assert_eq(rd_token_lookup(T.c, bad[i], &who, &err), RD_EAUTH, "%s", bad[i] ? bad[i] : "NULL");
    cr_assert_eq(err.status, 401);
  }
}

Test(token, ACC3_revoked_token_stops_working) {
  char token[RD_TOKEN_LEN], kept[RD_TOKEN_LEN];
  issue("api", token);
  issue("api", kept);
  rd_caller who;
  cr_assert_eq(rd_token_revoke(T.c, token, &err), 0);
  cr_assert_eq(rd_token_lookup(T.c, token, &who, &err), RD_EAUTH);
  cr_assert_eq(rd_token_lookup(T.c, kept, &who, &err), 0, "other tokens keep working");
  /* revoking twice, or a token that never existed, is harmless */
  cr_assert_eq(rd_token_revoke(T.c, token, &err), 0);
  cr_assert_eq(rd_token_revoke(T.c, "rd_nothing", &err), 0);
}

Test(token, deleted_person_and_no_web_access_lose_their_tokens) {
  char token[RD_TOKEN_LEN];
  issue("api", token);
  rd_caller sys = rd_system_caller("acme"), who;
  /* domain calls expect a clean err: they report err->code as their own */
  json_t *patch = json_pack("{s:b}", "web_access", 0);
  rd_err_clear(&err);
  cr_assert_eq(rd_person_update(T.c, &sys, ada, patch, -1, &err), 0, "%s", err.message);
  json_decref(patch);
  cr_assert_eq(rd_token_lookup(T.c, token, &who, &err), RD_EAUTH);
  patch = json_pack("{s:b}", "web_access", 1);
  rd_err_clear(&err);
  cr_assert_eq(rd_person_update(T.c, &sys, ada, patch, -1, &err), 0, "%s", err.message);
  json_decref(patch);
  cr_assert_eq(rd_token_lookup(T.c, token, &who, &err), 0);
  rd_err_clear(&err);
  cr_assert_eq(rd_person_delete(T.c, &sys, ada, &err), 0, "%s", err.message);
  cr_assert_eq(rd_token_lookup(T.c, token, &who, &err), RD_EAUTH);
}

/* ---- CSRF ---- */

Test(csrf, ACC3_bound_to_the_session_token) {
  const char *a = "rd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  const char *b = "rd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB";
  char ca[RD_CSRF_LEN], ca2[RD_CSRF_LEN], cb[RD_CSRF_LEN];
  cr_assert_eq(rd_auth_init(), 0);
  rd_csrf_for(a, ca);
  rd_csrf_for(a, ca2);
  rd_csrf_for(b, cb);
  cr_assert_eq(strlen(ca), RD_CSRF_LEN - 1);
  cr_assert_str_eq(ca, ca2, "derived, so stable");
  cr_assert_str_neq(ca, cb);
  cr_assert_null(strstr(ca, a + 3), "not the token itself");
  cr_assert(rd_csrf_check(a, ca));
  cr_assert_not(rd_csrf_check(a, cb));
  cr_assert_not(rd_csrf_check(b, ca));
  cr_assert_not(rd_csrf_check(a, NULL));
  cr_assert_not(rd_csrf_check(a, ""));
  char shorter[RD_CSRF_LEN], longer[RD_CSRF_LEN + 2];
  snprintf(shorter, sizeof shorter, "%.*s", RD_CSRF_LEN - 2, ca);
  snprintf(longer, sizeof longer, "%sA", ca);
  cr_assert_not(rd_csrf_check(a, shorter));
  cr_assert_not(rd_csrf_check(a, longer));
  char flipped[RD_CSRF_LEN];
  memcpy(flipped, ca, sizeof flipped);
  flipped[0] = flipped[0] == 'A' ? 'B' : 'A';
  cr_assert_not(rd_csrf_check(a, flipped));
}

/* ---- rate limit ---- */

TestSuite(ratelimit, .init = setup, .fini = teardown, .timeout = 30);

Test(ratelimit, ACC3_locks_out_after_ten_failures) {
  const char *key = "user:acme:ada";
  for (int i = 0; i < 10; i++) {
    rd_err_clear(&err);
    cr_assert_eq(rd_ratelimit_check(T.c, key, &err), 0, "after %d failures", i);
    rd_ratelimit_fail(T.c, key);
  }
  rd_err_clear(&err);
  cr_assert_eq(rd_ratelimit_check(T.c, key, &err), RD_ERATE);
  cr_assert_eq(err.status, 429);
  cr_assert_gt(err.retry_after, 0);
  cr_assert_leq(err.retry_after, 300);
  /* other keys are not affected */
  rd_err_clear(&err);
  cr_assert_eq(rd_ratelimit_check(T.c, "user:acme:bob", &err), 0);
  cr_assert_eq(rd_ratelimit_check(T.c, "addr:192.0.2.1", &err), 0);
  /* a success clears the counter */
  rd_ratelimit_clear(T.c, key);
  cr_assert_eq(rd_ratelimit_check(T.c, key, &err), 0);
}

Test(ratelimit, nine_failures_are_not_enough) {
  for (int i = 0; i < 9; i++)
    rd_ratelimit_fail(T.c, "addr:198.51.100.7");
  rd_err_clear(&err);
  cr_assert_eq(rd_ratelimit_check(T.c, "addr:198.51.100.7", &err), 0);
  rd_ratelimit_fail(T.c, "addr:198.51.100.7");
  cr_assert_eq(rd_ratelimit_check(T.c, "addr:198.51.100.7", &err), RD_ERATE);
}

Test(ratelimit, the_window_ends) {
  const char *key = "user:acme:ada";
  for (int i = 0; i < 12; i++)
    rd_ratelimit_fail(T.c, key);
  cr_assert_eq(rd_ratelimit_check(T.c, key, &err), RD_ERATE);
  /* as if the failures were 301 seconds ago */
  cr_assert_eq(rd_sql_exec(T.c, NULL, &err,
                           "UPDATE login_failures SET window_start = window_start - 301"
                           " WHERE key = ?",
                           "t", key),
               0);
  rd_err_clear(&err);
  cr_assert_eq(rd_ratelimit_check(T.c, key, &err), 0);
  /* the next failure starts a new window at one */
  rd_ratelimit_fail(T.c, key);
  cr_assert_eq(ut_int(T.c, "SELECT failures FROM login_failures WHERE key = 'user:acme:ada'"), 1);
  cr_assert_eq(rd_ratelimit_check(T.c, key, &err), 0);
}

Test(ratelimit, keys_are_bound_not_spliced) {
  const char *key = "user:acme:x'); DELETE FROM login_failures; --";
  for (int i = 0; i < 10; i++)
    rd_ratelimit_fail(T.c, key);
  rd_ratelimit_fail(T.c, "addr:203.0.113.5");
  cr_assert_eq(rd_ratelimit_check(T.c, key, &err), RD_ERATE);
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM login_failures"), 2);
}
