/* Unit tests of src/domain/account.c: account ids (ACC-1), and the settings an
 * administrator may change (ACC-5): merged over the defaults, every key checked by type and
 * range, unknown keys refused, nothing stored when any is wrong; on a fresh database of
 * the backend under test (unit.h). */
#include <criterion/criterion.h>
#include <string.h>

#include "domain/account.h"
#include "domain/person.h"
#include "unit/unit.h"

Test(account_id, ACC1_ids_are_short_slugs) {
  static const char *const good[] = {"wdc", "a", "acme-2", "0day"};
  static const char *const bad[] = {"", "-wdc", "WDC", "w dc", "wdc_1", "wdč",
                                    "an-id-much-longer-than-any-slug-should-be-at-all-really"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++)
    cr_assert(rd_account_id_valid(good[i]), "%s", good[i]);
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    cr_assert_not(rd_account_id_valid(bad[i]), "%s", bad[i]);
  cr_assert_not(rd_account_id_valid(NULL));
}

static ut_db T;
static rd_err err;

static void setup(void) {
  ut_db_open(&T);
  rd_err_clear(&err);
  cr_assert_eq(rd_account_create(T.c, "wdc", "Widget", &err), 0, "%s", err.message);
}
static void teardown(void) {
  ut_db_close(&T);
}
TestSuite(account, .init = setup, .fini = teardown, .timeout = 30);

static rd_caller admin(void) {
  rd_caller who = rd_system_caller("wdc");
  who.roles = RD_ROLE_ACCOUNT_ADMINISTRATOR;
  return who;
}

static int update(const rd_caller *who, const char *patch_text) {
  json_t *patch = json_loads(patch_text, 0, NULL);
  cr_assert_not_null(patch, "%s", patch_text);
  rd_err_clear(&err);
  int rv = rd_account_update(T.c, who, patch, -1, &err);
  json_decref(patch);
  return rv;
}

static bool has_field(const char *field) {
  for (int i = 0; i < err.nitems; i++)
    if (!strcmp(err.items[i].field, field))
      return true;
  return false;
}

static json_t *settings(void) {
  json_t *s = NULL;
  rd_err_clear(&err);
  cr_assert_eq(rd_account_settings(T.c, "wdc", &s, &err), 0, "%s", err.message);
  return s;
}

Test(account, ACC5_each_setting_is_checked_and_a_bad_one_stores_nothing) {
  rd_caller who = admin();
  static const struct {
    const char *patch, *field;
  } cases[] = {
      {"{\"settings\": {\"titles_enabled\": 1}}", "settings.titles_enabled"},
      {"{\"settings\": {\"default_time_zone\": \"Mars/Olympus\"}}", "settings.default_time_zone"},
      {"{\"settings\": {\"session_idle_minutes\": 4}}", "settings.session_idle_minutes"},
      {"{\"settings\": {\"session_max_hours\": 721}}", "settings.session_max_hours"},
      {"{\"settings\": {\"attachment_quota_mb\": 0}}", "settings.attachment_quota_mb"},
      {"{\"settings\": {\"no_such_setting\": true}}", "settings.no_such_setting"},
      {"{\"settings\": {\"smtp\": {\"hots\": \"mail.example\"}}}", "settings.smtp.hots"},
      {"{\"settings\": {\"smtp\": {\"port\": 0}}}", "settings.smtp.port"},
      /* CUST-9 mail in */
      {"{\"settings\": {\"mail_in\": {\"unknown_sender\": \"drop\"}}}",
       "settings.mail_in.unknown_sender"},
      {"{\"settings\": {\"mail_in\": {\"max_per_minute\": 10001}}}",
       "settings.mail_in.max_per_minute"},
      {"{\"settings\": {\"mail_in\": {\"secret\": \"x\"}}}", "settings.mail_in.secret"},
      {"{\"settings\": {\"mail_in\": true}}", "settings.mail_in"},
      {"{\"settings\": []}", "settings"},
      {"{\"colour\": \"blue\"}", "colour"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    cr_assert_eq(update(&who, cases[i].patch), RD_EINVAL, "%s", cases[i].patch);
    cr_assert_eq(err.status, 422);
    cr_assert(has_field(cases[i].field), "%s names %s", cases[i].patch, cases[i].field);
  }
  /* One wrong key refuses the whole patch: the good key beside it is not stored either. */
  cr_assert_eq(update(&who, "{\"settings\": {\"rooms_displayed\": true, \"gps_recorded\": 3}}"),
               RD_EINVAL);
  json_t *s = settings();
  cr_assert(json_is_false(json_object_get(s, "rooms_displayed")));
  json_decref(s);
  cr_assert_eq(ut_int(T.c, "SELECT version FROM accounts WHERE id = 'wdc'"), 1);
}

Test(account, ACC5_settings_merge_over_the_defaults_and_only_an_administrator_changes_them) {
  rd_caller who = admin();
  rd_caller supervisor = who;
  supervisor.roles = RD_ROLE_SUPERVISOR | RD_ROLE_SERVICE_LEVEL_MANAGER;
  cr_assert_eq(update(&supervisor, "{\"settings\": {\"titles_enabled\": true}}"), RD_EFORBIDDEN);
  cr_assert_eq(err.status, 403);
  cr_assert_eq(update(&who, "{\"settings\": {\"titles_enabled\": true,"
                            " \"default_time_zone\": \"Europe/Amsterdam\","
                            " \"session_idle_minutes\": 30}}"),
               0, "%s", err.message);
  json_t *s = settings();
  cr_assert(json_is_true(json_object_get(s, "titles_enabled")));
  cr_assert_str_eq(json_string_value(json_object_get(s, "default_time_zone")), "Europe/Amsterdam");
  cr_assert_eq(json_integer_value(json_object_get(s, "session_idle_minutes")), 30);
  /* untouched keys keep their defaults */
  cr_assert(json_is_true(json_object_get(s, "mixed_mode_authentication")));
  cr_assert_eq(json_integer_value(json_object_get(s, "session_max_hours")), 12);
  json_decref(s);
  /* A later patch changes only what it names. */
  cr_assert_eq(update(&who, "{\"settings\": {\"session_max_hours\": 24}}"), 0, "%s", err.message);
  s = settings();
  cr_assert(json_is_true(json_object_get(s, "titles_enabled")));
  cr_assert_eq(json_integer_value(json_object_get(s, "session_idle_minutes")), 30);
  cr_assert_eq(json_integer_value(json_object_get(s, "session_max_hours")), 24);
  json_decref(s);
  cr_assert_eq(ut_int(T.c, "SELECT version FROM accounts WHERE id = 'wdc'"), 3);
}
