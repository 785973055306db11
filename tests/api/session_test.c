/* End-to-end tests of POST /v1/login, POST /v1/logout, GET /v1/me (ACC-3, ACC-4). */
#include <criterion/criterion.h>
#include <string.h>

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
  cr_assert_str_eq(th_header(&r, "Allow"), "POST");
  th_resp_free(&r);
}
