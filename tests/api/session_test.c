/* End-to-end tests of POST /v1/login, POST /v1/logout, GET /v1/me (ACC-3, ACC-4). */
#include <criterion/criterion.h>
#include <string.h>
#include <time.h>

#include "harness/harness.h"

static th_server S;
static void setup(void) {
  th_start(&S);
  th_account(&S, "wdc", "Widget Data Center");
  int st = 0;
  free(th_cli(&S, "correct horse\n", &st, "person", "create", "--account", "wdc", "--username",
              "jdoe", "--first-name", "John", "--last-name", "Doe", "--email", "jdoe@wdc.example",
              "--role", "supervisor", "--password-stdin", NULL));
  cr_assert_eq(st, 0);
}
static void teardown(void) {
  th_stop(&S);
}
TestSuite(session, .init = setup, .fini = teardown, .timeout = 60);

static th_resp login(const char *account, const char *user, const char *pw) {
  return th_json(&S, "POST", NULL, "/v1/login", "{s:s,s:s,s:s}", "account", account, "username",
                 user, "password", pw);
}

Test(session, ACC3_login_returns_token_cookie_and_person) {
  th_resp r = login("wdc", "jdoe", "correct horse");
  cr_assert_eq(r.status, 200, "%s", r.body);
  const char *token = json_string_value(json_object_get(r.json, "token"));
  cr_assert(token && !strncmp(token, "rd_", 3));
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(r.json, "person"), "username")),
                   "jdoe");
  cr_assert_null(json_object_get(json_object_get(r.json, "person"), "password"));
  const char *cookie = th_header(&r, "Set-Cookie");
  cr_assert(cookie && strstr(cookie, "HttpOnly") && strstr(cookie, "SameSite=Strict"));
  char tok[128];
  snprintf(tok, sizeof tok, "%s", token);
  th_resp me = th_get(&S, tok, "/v1/me");
  cr_assert_eq(me.status, 200);
  cr_assert_str_eq(json_string_value(json_object_get(me.json, "username")), "jdoe");
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(me.json, "account"), "id")),
                   "wdc");
  cr_assert(json_string_value(json_object_get(me.json, "last_login_at")));
  th_resp_free(&me);
  th_resp_free(&r);
}

Test(session, ACC3_every_failure_has_the_same_401_body) {
  th_resp a = login("wdc", "jdoe", "wrong password");
  th_resp b = login("wdc", "nobody", "correct horse");
  th_resp c = login("nosuch", "jdoe", "correct horse");
  th_assert_error(&a, 401, NULL);
  cr_assert_str_eq(a.body, b.body);
  cr_assert_str_eq(a.body, c.body);
  th_resp_free(&a);
  th_resp_free(&b);
  th_resp_free(&c);
}

Test(session, ACC3_login_bad_input) {
  th_resp r = th_req(&S, "POST", "/v1/login", NULL, "{\"account\":", NULL, NULL);
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
  r = th_req(&S, "POST", "/v1/login", NULL, "{}", "text/plain", NULL);
  th_assert_error(&r, 415, NULL);
  th_resp_free(&r);
  r = th_json(&S, "POST", NULL, "/v1/login", "{s:s,s:s,s:s,s:b}", "account", "wdc", "username",
              "jdoe", "password", "x", "remember", 1);
  th_assert_error(&r, 422, "remember");
  th_resp_free(&r);
  r = th_json(&S, "POST", NULL, "/v1/login", "{s:s,s:i}", "account", "wdc", "username", 5);
  th_assert_error(&r, 422, "username");
  th_resp_free(&r);
  r = th_req(&S, "POST", "/v1/login", NULL, "{\"account\":\"w\xff\"}", NULL, NULL);
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
}

Test(session, ACC3_failed_logins_are_rate_limited) {
  for (int i = 0; i < 10; i++) {
    th_resp r = login("wdc", "jdoe", "wrong password");
    th_assert_error(&r, 401, NULL);
    th_resp_free(&r);
  }
  th_resp r = login("wdc", "jdoe", "correct horse");
  th_assert_error(&r, 429, NULL);
  cr_assert(th_header(&r, "Retry-After"));
  th_resp_free(&r);
}

Test(session, ACC3_logout_revokes_the_token) {
  th_resp r = login("wdc", "jdoe", "correct horse");
  char tok[128];
  snprintf(tok, sizeof tok, "%s", json_string_value(json_object_get(r.json, "token")));
  th_resp_free(&r);
  r = th_req(&S, "POST", "/v1/logout", tok, NULL, NULL, NULL);
  cr_assert_eq(r.status, 204);
  th_resp_free(&r);
  r = th_get(&S, tok, "/v1/me");
  th_assert_error(&r, 401, NULL);
  th_resp_free(&r);
}

Test(session, ACC3_missing_or_bad_token_is_401) {
  th_resp r = th_get(&S, NULL, "/v1/me");
  th_assert_error(&r, 401, NULL);
  th_resp_free(&r);
  r = th_get(&S, "rd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/v1/me");
  th_assert_error(&r, 401, NULL);
  th_resp_free(&r);
  r = th_req(&S, "GET", "/v1/me", NULL, NULL, NULL, "Authorization: Basic Zm9vOmJhcg==");
  th_assert_error(&r, 401, NULL);
  th_resp_free(&r);
}

Test(session, ACC3_cookie_session_needs_csrf_for_changes) {
  th_resp r = login("wdc", "jdoe", "correct horse");
  char cookie[200], csrf[200];
  snprintf(cookie, sizeof cookie, "Cookie: rd_session=%s",
           json_string_value(json_object_get(r.json, "token")));
  snprintf(csrf, sizeof csrf, "%s", json_string_value(json_object_get(r.json, "csrf_token")));
  th_resp_free(&r);
  r = th_req(&S, "GET", "/v1/me", NULL, NULL, NULL, cookie);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_req(&S, "POST", "/v1/logout", NULL, NULL, NULL, cookie);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  (void)csrf;
}

Test(session, unknown_route_and_method) {
  th_resp r = th_get(&S, NULL, "/v1/nothing");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", "/v1/login", NULL, NULL, NULL, NULL);
  th_assert_error(&r, 405, NULL);
  cr_assert_str_eq(th_header(&r, "Allow"), "POST, OPTIONS");
  th_resp_free(&r);
}

/* ---- ACC-8: sessions end ---- */

static const char *admin(void) {
  return th_token(&S, "wdc", "admin", "account_administrator");
}

/* A new login session of jdoe (copied into out). */
static void session(char out[128], const char *password) {
  th_resp r = login("wdc", "jdoe", password);
  cr_assert_eq(r.status, 200, "%s", r.body);
  snprintf(out, 128, "%s", json_string_value(json_object_get(r.json, "token")));
  th_resp_free(&r);
}

static long me_status(const char *token) {
  th_resp r = th_get(&S, token, "/v1/me");
  long st = r.status;
  th_resp_free(&r);
  return st;
}

static long long jdoe_id(void) {
  return th_sql_int(&S, "SELECT id FROM people WHERE username = 'jdoe'");
}

static const char *jdoe_path(void) {
  static char p[64];
  snprintf(p, sizeof p, "/v1/people/%lld", jdoe_id());
  return p;
}

Test(session, ACC8_own_password_change_needs_the_current_one_and_ends_other_sessions) {
  char a[128], b[128];
  session(a, "correct horse");
  session(b, "correct horse");
  th_resp r = th_json(&S, "PATCH", a, jdoe_path(), "{s:s}", "password", "battery staple");
  th_assert_error(&r, 422, "current_password");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", a, jdoe_path(), "{s:s,s:s}", "password", "battery staple",
              "current_password", "wrong guess");
  th_assert_error(&r, 422, "current_password");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", a, jdoe_path(), "{s:s}", "current_password", "correct horse");
  th_assert_error(&r, 422, "current_password");
  th_resp_free(&r);
  cr_assert_eq(me_status(b), 200, "refused changes end no session");
  r = th_json(&S, "PATCH", a, jdoe_path(), "{s:s,s:s}", "password", "battery staple",
              "current_password", "correct horse");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  cr_assert_eq(me_status(b), 401, "the other session outlived the password change");
  cr_assert_eq(me_status(a), 200, "the session that changed the password goes on");
  /* The audit trail says the password changed, and nothing of current_password. */
  r = th_get(&S, admin(), "/v1/audit?record_type=person");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(!strstr(r.body, "current_password") && !strstr(r.body, "correct horse"), "%s", r.body);
  th_resp_free(&r);
  /* A password set by an administrator ends every session of the person. */
  r = th_json(&S, "PATCH", admin(), jdoe_path(), "{s:s}", "password", "set by the admin");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  cr_assert_eq(me_status(a), 401);
  session(a, "set by the admin");
  cr_assert_eq(me_status(a), 200);
}

Test(session, ACC8_disabling_or_deleting_a_person_ends_its_sessions_for_good) {
  char a[128];
  session(a, "correct horse");
  th_resp r = th_json(&S, "PATCH", admin(), jdoe_path(), "{s:b}", "web_access", 0);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  cr_assert_eq(me_status(a), 401);
  r = th_json(&S, "PATCH", admin(), jdoe_path(), "{s:b}", "web_access", 1);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  cr_assert_eq(me_status(a), 401, "web access back brought an old session back");
  session(a, "correct horse");
  r = th_req(&S, "DELETE", jdoe_path(), admin(), NULL, NULL, NULL);
  cr_assert_eq(r.status, 204, "%s", r.body);
  th_resp_free(&r);
  cr_assert_eq(me_status(a), 401);
  char path[96];
  snprintf(path, sizeof path, "%s/enable", jdoe_path());
  r = th_req(&S, "POST", path, admin(), NULL, NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  cr_assert_eq(me_status(a), 401, "enabling brought an old session back");
}

Test(session, ACC8_sessions_end_after_the_idle_and_the_absolute_limit) {
  char a[128];
  session(a, "correct horse");
  /* Safe defaults: 60 minutes idle, 12 hours at most. */
  cr_assert_eq(th_sql_int(&S, "SELECT MAX(idle_s) FROM api_tokens WHERE kind = 'session'"), 3600);
  cr_assert_eq(me_status(a), 200);
  th_sql(&S, "UPDATE api_tokens SET idle_until = '2000-01-01T00:00:00Z' WHERE kind = 'session'");
  cr_assert_eq(me_status(a), 401, "an idle session went on");
  session(a, "correct horse");
  th_sql(&S, "UPDATE api_tokens SET expires_at = '2000-01-01T00:00:00Z' WHERE kind = 'session'");
  cr_assert_eq(me_status(a), 401, "a session went on past its absolute limit");
  /* API tokens have neither limit. */
  cr_assert_eq(me_status(admin()), 200);
  /* Use moves the idle limit on (written at most once a minute). */
  session(a, "correct horse");
  th_sql(&S, "UPDATE api_tokens SET idle_until = '2099-01-01T00:00:00Z' WHERE id ="
             " (SELECT MAX(id) FROM api_tokens WHERE kind = 'session')");
  cr_assert_eq(me_status(a), 200);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM api_tokens WHERE idle_until ="
                              " '2099-01-01T00:00:00Z'"),
               1, "a fresh idle limit was written again");
  th_sql(&S, "UPDATE api_tokens SET idle_until = '2000-01-02T00:00:00Z' WHERE id ="
             " (SELECT MAX(id) FROM api_tokens WHERE kind = 'session')");
  cr_assert_eq(me_status(a), 401);
  /* A session used with 10 minutes left gets its full idle time again. */
  session(a, "correct horse");
  char soon[32], sql[256];
  time_t t = time(NULL) + 600;
  strftime(soon, sizeof soon, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
  snprintf(sql, sizeof sql, "UPDATE api_tokens SET idle_until = '%s' WHERE id ="
                            " (SELECT MAX(id) FROM api_tokens WHERE kind = 'session')", soon);
  th_sql(&S, sql);
  cr_assert_eq(me_status(a), 200);
  snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM api_tokens WHERE idle_until > '%s' AND id ="
                            " (SELECT MAX(id) FROM api_tokens WHERE kind = 'session')", soon);
  cr_assert_eq(th_sql_int(&S, sql), 1, "use did not move the idle limit on");
}

Test(session, ACC8_session_limits_are_account_settings) {
  th_resp r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:i,s:i}}", "settings",
                      "session_idle_minutes", 15, "session_max_hours", 8);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  char a[128];
  session(a, "correct horse");
  cr_assert_eq(th_sql_int(&S, "SELECT MAX(idle_s) FROM api_tokens WHERE kind = 'session'"), 900);
  const char *bad[] = {"{\"settings\": {\"session_idle_minutes\": 0}}",
                       "{\"settings\": {\"session_idle_minutes\": \"60\"}}",
                       "{\"settings\": {\"session_max_hours\": 100000}}"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    r = th_req(&S, "PATCH", "/v1/account", admin(), bad[i], NULL, NULL);
    th_assert_error(&r, 422, NULL);
    th_resp_free(&r);
  }
}

/* ACC-8 with ACC-3: a stolen session cannot guess the current password faster than a login
 * could; wrong guesses count against the person's login limit. */
Test(session, ACC8_wrong_current_passwords_are_rate_limited_like_logins) {
  char a[128];
  session(a, "correct horse");
  for (int i = 0; i < 10; i++) {
    th_resp r = th_json(&S, "PATCH", a, jdoe_path(), "{s:s,s:s}", "password", "battery staple",
                        "current_password", "guess");
    th_assert_error(&r, 422, "current_password");
    th_resp_free(&r);
  }
  th_resp r = th_json(&S, "PATCH", a, jdoe_path(), "{s:s,s:s}", "password", "battery staple",
                      "current_password", "correct horse");
  th_assert_error(&r, 429, NULL);
  cr_assert(th_header(&r, "Retry-After"));
  th_resp_free(&r);
  r = login("wdc", "jdoe", "correct horse");
  th_assert_error(&r, 429, NULL);
  th_resp_free(&r);
}
