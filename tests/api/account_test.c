/* End-to-end tests of GET/PATCH /v1/account (ACC-1, ACC-5) and its audit rows (ACC-6). */
#include <criterion/criterion.h>
#include <string.h>

#include "harness/harness.h"

static th_server S;

/* The people of a test, made on first use. */
static const char *admin(void) {
  return th_token(&S, "wdc", "admin", "account_administrator");
}
static const char *sup(void) {
  return th_token(&S, "wdc", "sup", "supervisor");
}
static const char *cust(void) {
  return th_token(&S, "wdc", "cust", "customer");
}
static const char *gt_admin(void) {
  return th_token(&S, "gigatera", "gtadmin", "account_administrator");
}

static void setup(void) {
  th_start(&S);
  th_account(&S, "wdc", "Widget Data Center");
  th_account(&S, "gigatera", "GigaTera");
}
static void teardown(void) {
  th_stop(&S);
}
TestSuite(account, .init = setup, .fini = teardown, .timeout = 60);

/* The stored account as GET shows it (caller frees). */
static json_t *get_account(const char *token) {
  th_resp r = th_get(&S, token, "/v1/account");
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_t *j = json_incref(r.json);
  th_resp_free(&r);
  return j;
}

static th_resp patch(const char *token, const char *body, const char *if_match) {
  char h[128];
  if (if_match)
    snprintf(h, sizeof h, "If-Match: %s", if_match);
  return th_req(&S, "PATCH", "/v1/account", token, body, NULL, if_match ? h : NULL);
}

Test(account, ACC1_get_returns_id_name_and_default_settings) {
  th_resp r = th_get(&S, cust(), "/v1/account");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "id"), "wdc");
  cr_assert_str_eq(th_jstr(r.json, "name"), "Widget Data Center");
  cr_assert(th_header(&r, "ETag"));
  json_t *st = json_object_get(r.json, "settings");
  const char *bools[] = {"random_passwords", "password_questions", "titles_enabled",
                         "rooms_displayed",  "gps_recorded",       "customer_partner_editable"};
  for (size_t i = 0; i < sizeof bools / sizeof *bools; i++)
    cr_assert(json_is_false(json_object_get(st, bools[i])), "%s: %s", bools[i], r.body);
  cr_assert(json_is_true(json_object_get(st, "mixed_mode_authentication")));
  cr_assert_str_eq(th_jstr(st, "default_email_locale"), "en");
  cr_assert_str_eq(th_jstr(st, "default_time_zone"), "UTC");
  cr_assert_eq(json_integer_value(th_jpath(st, "smtp.port")), 25);
  cr_assert(json_is_false(th_jpath(st, "smtp.starttls")));
  cr_assert_null(th_jpath(st, "smtp.password"), "%s", r.body);
  cr_assert(json_is_false(th_jpath(st, "smtp.password_set")), "%s", r.body);
  th_resp_free(&r);
}

Test(account, ACC1_each_caller_sees_its_own_account) {
  th_resp r = th_get(&S, gt_admin(), "/v1/account");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "id"), "gigatera");
  cr_assert_str_eq(th_jstr(r.json, "name"), "GigaTera");
  th_resp_free(&r);
  r = patch(gt_admin(), "{\"settings\": {\"titles_enabled\": true}}", NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  json_t *wdc = get_account(admin());
  cr_assert(json_is_false(th_jpath(wdc, "settings.titles_enabled")),
            "ACC-1: another account's change leaked");
  json_decref(wdc);
}

Test(account, ACC5_patch_merges_settings) {
  th_resp r = patch(admin(),
                    "{\"settings\": {\"titles_enabled\": true, \"default_email_locale\": \"nl\","
                    " \"smtp\": {\"host\": \"mail.example.com\", \"from\": \"desk@example.com\"}}}",
                    NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(json_is_true(th_jpath(r.json, "settings.titles_enabled")));
  cr_assert_str_eq(th_jstr(r.json, "settings.default_email_locale"), "nl");
  cr_assert_str_eq(th_jstr(r.json, "settings.smtp.host"), "mail.example.com");
  /* merged, not replaced: the other smtp keys and settings keep their values */
  cr_assert_eq(json_integer_value(th_jpath(r.json, "settings.smtp.port")), 25, "%s", r.body);
  cr_assert(json_is_false(th_jpath(r.json, "settings.rooms_displayed")));
  cr_assert_str_eq(th_jstr(r.json, "settings.default_time_zone"), "UTC");
  th_resp_free(&r);
  r = patch(admin(), "{\"settings\": {\"rooms_displayed\": true, \"smtp\": {\"port\": 587}}}",
            NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  json_t *a = get_account(sup());
  cr_assert(json_is_true(th_jpath(a, "settings.titles_enabled")));
  cr_assert(json_is_true(th_jpath(a, "settings.rooms_displayed")));
  cr_assert_eq(json_integer_value(th_jpath(a, "settings.smtp.port")), 587);
  cr_assert_str_eq(th_jstr(a, "settings.smtp.host"), "mail.example.com");
  cr_assert_str_eq(th_jstr(a, "settings.smtp.from"), "desk@example.com");
  json_decref(a);
  /* null clears a nullable setting */
  r = patch(admin(), "{\"settings\": {\"smtp\": {\"host\": null}}}", NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(json_is_null(th_jpath(r.json, "settings.smtp.host")), "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "settings.smtp.from"), "desk@example.com");
  th_resp_free(&r);
}

/* Sends body, expects 422 naming field, and checks the account did not change. */
static void refused(const char *body, long status, const char *field) {
  json_t *before = get_account(admin());
  th_resp r = patch(admin(), body, NULL);
  th_assert_error(&r, status, field);
  th_resp_free(&r);
  json_t *after = get_account(admin());
  cr_assert(json_equal(before, after), "a refused PATCH (%s) changed the account", body);
  json_decref(before);
  json_decref(after);
}

Test(account, ACC5_unknown_setting_is_422_naming_it) {
  refused("{\"settings\": {\"x\": 1}}", 422, "settings.x");
  refused("{\"settings\": {\"titles_enabled\": true, \"x\": 1}}", 422, "settings.x");
  refused("{\"settings\": {\"smtp\": {\"hostname\": \"a\"}}}", 422, "settings.smtp.hostname");
  refused("{\"colour\": \"red\"}", 422, "colour");
}

Test(account, ACC5_wrong_types_are_422) {
  refused("{\"settings\": {\"titles_enabled\": \"yes\"}}", 422, "settings.titles_enabled");
  refused("{\"settings\": {\"gps_recorded\": null}}", 422, "settings.gps_recorded");
  refused("{\"settings\": {\"smtp\": {\"port\": \"25\"}}}", 422, "settings.smtp.port");
  refused("{\"settings\": {\"smtp\": {\"port\": 70000}}}", 422, "settings.smtp.port");
  refused("{\"settings\": {\"smtp\": {\"starttls\": 1}}}", 422, "settings.smtp.starttls");
  refused("{\"settings\": {\"smtp\": \"mail.example.com\"}}", 422, "settings.smtp");
  refused("{\"settings\": {\"default_email_locale\": 5}}", 422, "settings.default_email_locale");
  refused("{\"settings\": [true]}", 422, "settings");
  refused("{\"settings\": 1}", 422, "settings");
}

Test(account, ACC5_bad_time_zone_is_422) {
  refused("{\"settings\": {\"default_time_zone\": \"Mars/Olympus_Mons\"}}", 422,
          "settings.default_time_zone");
  refused("{\"settings\": {\"default_time_zone\": \"../../../etc/passwd\"}}", 422,
          "settings.default_time_zone");
  refused("{\"settings\": {\"default_time_zone\": \"Europe\"}}", 422, "settings.default_time_zone");
  refused("{\"settings\": {\"default_time_zone\": null}}", 422, "settings.default_time_zone");
  th_resp r = patch(admin(), "{\"settings\": {\"default_time_zone\": \"Europe/Amsterdam\"}}", NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "settings.default_time_zone"), "Europe/Amsterdam");
  th_resp_free(&r);
}

Test(account, ACC5_smtp_password_is_write_only) {
  th_resp r = patch(admin(),
                    "{\"settings\": {\"smtp\": {\"username\": \"desk\","
                    " \"password\": \"hunter2-secret\"}}}",
                    NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_null(strstr(r.body, "hunter2-secret"), "secret returned: %s", r.body);
  cr_assert_null(th_jpath(r.json, "settings.smtp.password"));
  cr_assert(json_is_true(th_jpath(r.json, "settings.smtp.password_set")), "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/account");
  cr_assert_null(strstr(r.body, "hunter2-secret"), "secret returned: %s", r.body);
  cr_assert(json_is_true(th_jpath(r.json, "settings.smtp.password_set")), "%s", r.body);
  th_resp_free(&r);
  /* another change keeps the password */
  r = patch(admin(), "{\"settings\": {\"smtp\": {\"host\": \"smtp.example.com\"}}}", NULL);
  cr_assert(json_is_true(th_jpath(r.json, "settings.smtp.password_set")), "%s", r.body);
  th_resp_free(&r);
  /* password_set is output only */
  refused("{\"settings\": {\"smtp\": {\"password_set\": false}}}", 422,
          "settings.smtp.password_set");
  /* null clears it */
  r = patch(admin(), "{\"settings\": {\"smtp\": {\"password\": null}}}", NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(json_is_false(th_jpath(r.json, "settings.smtp.password_set")), "%s", r.body);
  th_resp_free(&r);
}

Test(account, ACC5_non_admin_patch_is_403_and_changes_nothing) {
  json_t *before = get_account(admin());
  const char *tokens[] = {sup(), cust()};
  for (int i = 0; i < 2; i++) {
    th_resp r = patch(tokens[i], "{\"settings\": {\"titles_enabled\": true}}", NULL);
    th_assert_error(&r, 403, NULL);
    th_resp_free(&r);
  }
  json_t *after = get_account(admin());
  cr_assert(json_equal(before, after));
  json_decref(before);
  json_decref(after);
}

Test(account, ACC5_if_match_mismatch_is_412_and_changes_nothing) {
  th_resp g = th_get(&S, admin(), "/v1/account");
  char etag[64];
  snprintf(etag, sizeof etag, "%s", th_header(&g, "ETag"));
  th_resp_free(&g);
  th_resp r = patch(admin(), "{\"settings\": {\"titles_enabled\": true}}", etag);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(th_header(&r, "ETag"));
  cr_assert_str_neq(th_header(&r, "ETag"), etag, "ETag did not change with the record");
  th_resp_free(&r);
  json_t *before = get_account(admin());
  r = patch(admin(), "{\"settings\": {\"rooms_displayed\": true}}", etag);
  th_assert_error(&r, 412, NULL);
  th_resp_free(&r);
  r = patch(admin(), "{\"settings\": {\"rooms_displayed\": true}}", "\"not-a-version\"");
  th_assert_error(&r, 412, NULL);
  th_resp_free(&r);
  json_t *after = get_account(admin());
  cr_assert(json_equal(before, after), "a 412 changed the account");
  cr_assert(json_is_false(th_jpath(after, "settings.rooms_displayed")));
  json_decref(before);
  json_decref(after);
}

Test(account, ACC6_patch_writes_an_audit_row_without_secrets) {
  th_resp r = patch(admin(),
                    "{\"settings\": {\"titles_enabled\": true,"
                    " \"smtp\": {\"password\": \"hunter2-secret\"}}}",
                    NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/audit?record_type=account");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 1, "%s", r.body);
  json_t *row = json_array_get(r.json, 0);
  cr_assert_str_eq(th_jstr(row, "record_type"), "account");
  cr_assert_str_eq(th_jstr(row, "action"), "update");
  cr_assert_str_eq(th_jstr(row, "actor.name"), "admin Tester");
  json_t *ch = json_object_get(row, "changes");
  cr_assert(json_is_false(th_jpath(ch, "titles_enabled.old")), "%s", r.body);
  cr_assert(json_is_true(th_jpath(ch, "titles_enabled.new")), "%s", r.body);
  cr_assert(json_is_true(th_jpath(json_object_get(ch, "smtp.password"), "changed")), "%s", r.body);
  cr_assert_null(strstr(r.body, "hunter2-secret"), "secret in the audit trail: %s", r.body);
  cr_assert_null(json_object_get(ch, "rooms_displayed"), "unchanged setting audited: %s", r.body);
  th_resp_free(&r);
  /* a refused change writes nothing */
  r = patch(admin(), "{\"settings\": {\"x\": 1}}", NULL);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/audit?record_type=account");
  cr_assert_eq(json_array_size(r.json), 1, "%s", r.body);
  th_resp_free(&r);
}

Test(account, ACC5_bad_requests) {
  th_resp r = patch(admin(), "{\"settings\": {", NULL);
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
  r = th_req(&S, "PATCH", "/v1/account", admin(), "{\"settings\": {}}", "text/plain", NULL);
  th_assert_error(&r, 415, NULL);
  th_resp_free(&r);
  r = patch(admin(), "{\"settings\": {\"smtp\": {\"host\": \"m\xe9il\"}}}", NULL);
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
  r = patch(NULL, "{\"settings\": {}}", NULL);
  th_assert_error(&r, 401, NULL);
  th_resp_free(&r);
  r = th_get(&S, NULL, "/v1/account");
  th_assert_error(&r, 401, NULL);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", "/v1/account", admin(), NULL, NULL, NULL);
  th_assert_error(&r, 405, NULL);
  cr_assert_str_eq(th_header(&r, "Allow"), "GET, HEAD, PATCH, OPTIONS");
  th_resp_free(&r);
}
