/* Unit tests of src/domain/custom_field.c (ORG-2): values are validated against the
 * account's definitions for the record type (type, options, max length, required), unknown
 * keys are refused, and a stored value whose definition was deleted is dropped quietly;
 * on a fresh database of the backend under test (unit.h). */
#include <criterion/criterion.h>
#include <string.h>

#include "domain/account.h"
#include "domain/custom_field.h"
#include "domain/person.h"
#include "unit/unit.h"

static ut_db T;
static rd_err err;
static rd_caller admin;

static int64_t define(const char *account, const char *type_json) {
  rd_caller who = rd_system_caller(account);
  json_t *in = json_loads(type_json, 0, NULL);
  cr_assert_not_null(in, "%s", type_json);
  int64_t id = 0;
  rd_err_clear(&err);
  cr_assert_eq(rd_custom_field_create(T.c, &who, in, &id, &err), 0, "%s: %s", type_json,
               err.message);
  json_decref(in);
  return id;
}

static void setup(void) {
  ut_db_open(&T);
  rd_err_clear(&err);
  cr_assert_eq(rd_account_create(T.c, "acme", "Acme", &err), 0, "%s", err.message);
  cr_assert_eq(rd_account_create(T.c, "other", "Other", &err), 0, "%s", err.message);
  admin = rd_system_caller("acme");
  admin.roles = RD_ROLE_ACCOUNT_ADMINISTRATOR;
}
static void teardown(void) {
  ut_db_close(&T);
}
TestSuite(custom_field, .init = setup, .fini = teardown, .timeout = 30);

static bool has_field(const char *field) {
  for (int i = 0; i < err.nitems; i++)
    if (!strcmp(err.items[i].field, field))
      return true;
  return false;
}

static int check(const char *old_json, const char *values_json, json_t **values) {
  json_t *old = old_json ? json_loads(old_json, 0, NULL) : NULL;
  *values = json_loads(values_json, 0, NULL);
  cr_assert_not_null(*values, "%s", values_json);
  rd_err_clear(&err);
  int rv = rd_custom_values_check(T.c, "acme", "organization", old, *values, &err);
  json_decref(old);
  return rv;
}

Test(custom_field, ORG2_values_are_checked_against_the_definitions) {
  define("acme", "{\"record_type\": \"organization\", \"key\": \"tier\", \"label\": \"Tier\","
                 " \"type\": \"select\", \"options\": [\"gold\", \"silver\"], \"required\": true}");
  define("acme", "{\"record_type\": \"organization\", \"key\": \"seats\", \"label\": \"Seats\","
                 " \"type\": \"number\"}");
  define("acme", "{\"record_type\": \"organization\", \"key\": \"since\", \"label\": \"Since\","
                 " \"type\": \"date\"}");
  define("acme", "{\"record_type\": \"organization\", \"key\": \"vip\", \"label\": \"VIP\","
                 " \"type\": \"boolean\"}");
  define("acme", "{\"record_type\": \"organization\", \"key\": \"code\", \"label\": \"Code\","
                 " \"type\": \"text\", \"max_length\": 4}");
  /* another type's and another account's definitions do not count here */
  define("acme", "{\"record_type\": \"person\", \"key\": \"shoe\", \"label\": \"Shoe\","
                 " \"type\": \"number\"}");
  define("other", "{\"record_type\": \"organization\", \"key\": \"region\", \"label\": \"R\","
                  " \"type\": \"text\"}");
  json_t *v = NULL;
  cr_assert_eq(check(NULL, "{\"tier\": \"gold\", \"seats\": 12, \"since\": \"2026-02-28\","
                           " \"vip\": true, \"code\": \"ABCD\"}", &v),
               0, "%s", err.message);
  json_decref(v);
  cr_assert_eq(check(NULL, "{\"tier\": \"bronze\", \"seats\": \"12\", \"since\": \"2026-02-30\","
                           " \"vip\": \"yes\", \"code\": \"ABCDE\", \"shoe\": 9,"
                           " \"region\": \"x\"}",
                     &v),
               RD_EINVAL);
  json_decref(v);
  cr_assert_eq(err.status, 422);
  static const char *const bad[] = {"custom_fields.tier", "custom_fields.seats",
                                    "custom_fields.since", "custom_fields.vip",
                                    "custom_fields.code", "custom_fields.shoe",
                                    "custom_fields.region"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    cr_assert(has_field(bad[i]), "%s refused", bad[i]);
  cr_assert_eq(check(NULL, "{\"seats\": 1}", &v), RD_EINVAL, "tier is required");
  json_decref(v);
  cr_assert(has_field("custom_fields.tier"));
  cr_assert_eq(err.nitems, 1);
}

Test(custom_field, ORG2_a_stored_value_of_a_deleted_definition_is_dropped_quietly) {
  define("acme", "{\"record_type\": \"organization\", \"key\": \"tier\", \"label\": \"Tier\","
                 " \"type\": \"text\"}");
  int64_t old_def = define("acme", "{\"record_type\": \"organization\", \"key\": \"legacy\","
                                   " \"label\": \"Legacy\", \"type\": \"text\"}");
  rd_err_clear(&err);
  cr_assert_eq(rd_custom_field_delete(T.c, &admin, old_def, &err), 0, "%s", err.message);
  json_t *v = NULL;
  cr_assert_eq(check("{\"legacy\": \"kept\", \"tier\": \"a\"}",
                     "{\"legacy\": \"kept\", \"tier\": \"b\"}", &v),
               0, "%s", err.message);
  cr_assert_null(json_object_get(v, "legacy"), "dropped");
  cr_assert_str_eq(json_string_value(json_object_get(v, "tier")), "b");
  json_decref(v);
  /* a new value under the deleted key is an unknown field */
  cr_assert_eq(check("{\"legacy\": \"kept\"}", "{\"legacy\": \"changed\"}", &v), RD_EINVAL);
  cr_assert(has_field("custom_fields.legacy"));
  json_decref(v);
}
