/* End-to-end tests of /v1/custom_fields (ORG-2): definitions per account and record type,
 * administered by account administrators, and what deleting one does to the values. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "harness/harness.h"

static th_server S;

/* The people of a test, made on first use. */
static const char *admin(void) {
  return th_token(&S, "wdc", "admin", "account_administrator");
}
static const char *sup(void) {
  return th_token(&S, "wdc", "sup", "supervisor,service_level_manager");
}
static const char *tech(void) {
  return th_token(&S, "wdc", "tech", "technician");
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
TestSuite(custom_field, .init = setup, .fini = teardown, .timeout = 60);

static const char *path_of(long long id) {
  static char p[64];
  snprintf(p, sizeof p, "/v1/custom_fields/%lld", id);
  return p;
}

static long long tier(const char *token) {
  return th_create(&S, token, "/v1/custom_fields", "{s:s,s:s,s:s,s:s,s:[s,s]}", "record_type",
                   "organization", "key", "billing_tier", "label", "Billing tier", "type", "select",
                   "options", "gold", "silver");
}

/* The whole list as text, to compare before and after a refused change. */
static char *all(void) {
  th_resp r = th_get(&S, admin(), "/v1/custom_fields?per_page=100");
  cr_assert_eq(r.status, 200, "%s", r.body);
  char *s = json_dumps(r.json, JSON_SORT_KEYS);
  th_resp_free(&r);
  return s;
}

static void refused(const char *token, const char *method, const char *path, const char *body,
                    long status, const char *field) {
  char *before = all();
  th_resp r = th_req(&S, method, path, token, body, NULL, NULL);
  th_assert_error(&r, status, field);
  th_resp_free(&r);
  char *after = all();
  cr_assert_str_eq(after, before, "a refused %s %s (%s) changed the definitions", method, path,
                   body ? body : "");
  free(before);
  free(after);
}

Test(custom_field, ORG2_admin_defines_a_field) {
  th_resp r = th_req(&S, "POST", "/v1/custom_fields", admin(),
                     "{\"record_type\": \"organization\", \"key\": \"billing_tier\","
                     " \"label\": \"Billing tier\", \"type\": \"select\", \"required\": false,"
                     " \"max_length\": 64, \"options\": [\"gold\", \"silver\"]}",
                     NULL, NULL);
  cr_assert_eq(r.status, 201, "%s", r.body);
  long long id = json_integer_value(json_object_get(r.json, "id"));
  cr_assert_str_eq(th_header(&r, "Location"), path_of(id));
  cr_assert(th_header(&r, "ETag"));
  cr_assert_str_eq(th_jstr(r.json, "record_type"), "organization");
  cr_assert_str_eq(th_jstr(r.json, "key"), "billing_tier");
  cr_assert_str_eq(th_jstr(r.json, "label"), "Billing tier");
  cr_assert_str_eq(th_jstr(r.json, "type"), "select");
  cr_assert(json_is_false(json_object_get(r.json, "required")));
  cr_assert_eq(json_integer_value(json_object_get(r.json, "max_length")), 64);
  cr_assert_str_eq(th_jstr(r.json, "options[1]"), "silver");
  th_resp_free(&r);
  r = th_get(&S, admin(), path_of(id));
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "key"), "billing_tier");
  th_resp_free(&r);
  r = th_get(&S, sup(), "/v1/custom_fields");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 1, "%s", r.body);
  cr_assert_eq(json_integer_value(th_jpath(r.json, "[0].id")), id);
  th_resp_free(&r);
  /* filtered by record type */
  r = th_get(&S, admin(), "/v1/custom_fields?record_type=person");
  cr_assert_eq(json_array_size(r.json), 0, "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/custom_fields?record_typ=person");
  th_assert_error(&r, 400, "record_typ");
  th_resp_free(&r);
  /* required defaults to false */
  r = th_json(&S, "POST", admin(), "/v1/custom_fields", "{s:s,s:s,s:s,s:s}", "record_type",
              "person", "key", "shoe_size", "label", "Shoe size", "type", "number");
  cr_assert_eq(r.status, 201, "%s", r.body);
  cr_assert(json_is_false(json_object_get(r.json, "required")), "%s", r.body);
  th_resp_free(&r);
}

Test(custom_field, ORG2_only_administrators_change_definitions) {
  long long id = tier(admin());
  const char *others[] = {sup(), tech(), cust()};
  for (int i = 0; i < 3; i++) {
    refused(others[i], "POST", "/v1/custom_fields",
            "{\"record_type\": \"person\", \"key\": \"x\", \"label\": \"X\", \"type\": \"text\"}",
            403, NULL);
    refused(others[i], "PATCH", path_of(id), "{\"label\": \"Tier\"}", 403, NULL);
    refused(others[i], "DELETE", path_of(id), NULL, 403, NULL);
  }
  th_resp r = th_get(&S, NULL, "/v1/custom_fields");
  th_assert_error(&r, 401, NULL);
  th_resp_free(&r);
  refused(NULL, "DELETE", path_of(id), NULL, 401, NULL);
}

Test(custom_field, ORG2_key_format_is_checked) {
  const char *bad[] = {"Billing", "1tier", "tier-x", "", "tier x", "tier.x", "t\xc3\xa9"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char body[256];
    snprintf(body, sizeof body,
             "{\"record_type\": \"organization\", \"key\": \"%s\", \"label\": \"L\", \"type\": "
             "\"text\"}",
             bad[i]);
    refused(admin(), "POST", "/v1/custom_fields", body, 422, "key");
  }
  char body[256];
  snprintf(body, sizeof body,
           "{\"record_type\": \"organization\", \"key\": \"k%064d\", \"label\": \"L\", \"type\": "
           "\"text\"}",
           0);
  refused(admin(), "POST", "/v1/custom_fields", body, 422, "key");
  th_resp r = th_req(
      &S, "POST", "/v1/custom_fields", admin(),
      "{\"record_type\": \"organization\", \"key\": \"a_1\", \"label\": \"L\", \"type\": \"text\"}",
      NULL, NULL);
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
}

Test(custom_field, ORG2_type_and_options_rules) {
  refused(
      admin(), "POST", "/v1/custom_fields",
      "{\"record_type\": \"organization\", \"key\": \"k\", \"label\": \"L\", \"type\": \"colour\"}",
      422, "type");
  refused(admin(), "POST", "/v1/custom_fields",
          "{\"record_type\": \"ticket\", \"key\": \"k\", \"label\": \"L\", \"type\": \"text\"}",
          422, "record_type");
  refused(
      admin(), "POST", "/v1/custom_fields",
      "{\"record_type\": \"organization\", \"key\": \"k\", \"label\": \"L\", \"type\": \"select\"}",
      422, "options");
  refused(
      admin(), "POST", "/v1/custom_fields",
      "{\"record_type\": \"organization\", \"key\": \"k\", \"label\": \"L\", \"type\": \"select\","
      " \"options\": []}",
      422, "options");
  refused(
      admin(), "POST", "/v1/custom_fields",
      "{\"record_type\": \"organization\", \"key\": \"k\", \"label\": \"L\", \"type\": \"select\","
      " \"options\": [\"a\", 1]}",
      422, "options[1]");
  refused(
      admin(), "POST", "/v1/custom_fields",
      "{\"record_type\": \"organization\", \"key\": \"k\", \"label\": \"L\", \"type\": \"select\","
      " \"options\": [\"a\", \"\"]}",
      422, "options[1]");
  refused(
      admin(), "POST", "/v1/custom_fields",
      "{\"record_type\": \"organization\", \"key\": \"k\", \"label\": \"L\", \"type\": \"text\","
      " \"options\": [\"a\"]}",
      422, "options");
  refused(
      admin(), "POST", "/v1/custom_fields",
      "{\"record_type\": \"organization\", \"key\": \"k\", \"label\": \"L\", \"type\": \"text\","
      " \"max_length\": 0}",
      422, "max_length");
  refused(
      admin(), "POST", "/v1/custom_fields",
      "{\"record_type\": \"organization\", \"key\": \"k\", \"label\": \"L\", \"type\": \"text\","
      " \"max_length\": \"64\"}",
      422, "max_length");
  refused(admin(), "POST", "/v1/custom_fields",
          "{\"record_type\": \"organization\", \"key\": \"k\", \"type\": \"text\"}", 422, "label");
  refused(
      admin(), "POST", "/v1/custom_fields",
      "{\"record_type\": \"organization\", \"key\": \"k\", \"label\": \"L\", \"type\": \"text\","
      " \"required\": \"yes\"}",
      422, "required");
  refused(
      admin(), "POST", "/v1/custom_fields",
      "{\"record_type\": \"organization\", \"key\": \"k\", \"label\": \"L\", \"type\": \"text\","
      " \"hint\": \"x\"}",
      422, "hint");
  refused(admin(), "POST", "/v1/custom_fields", "{\"record_type\": ", 400, NULL);
  /* a select's options can be changed, but not emptied */
  long long id = tier(admin());
  refused(admin(), "PATCH", path_of(id), "{\"options\": []}", 422, "options");
  refused(admin(), "PATCH", path_of(id), "{\"options\": null}", 422, "options");
  th_resp r = th_req(&S, "PATCH", path_of(id), admin(),
                     "{\"options\": [\"gold\", \"silver\", \"bronze\"]}", NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(json_object_get(r.json, "options")), 3);
  th_resp_free(&r);
}

Test(custom_field, ORG2_duplicate_key_is_409) {
  tier(admin());
  refused(admin(), "POST", "/v1/custom_fields",
          "{\"record_type\": \"organization\", \"key\": \"billing_tier\", \"label\": \"Again\","
          " \"type\": \"text\"}",
          409, "key");
  /* the same key for another record type, or in another account, is another field */
  th_resp r = th_req(&S, "POST", "/v1/custom_fields", admin(),
                     "{\"record_type\": \"person\", \"key\": \"billing_tier\", \"label\": \"L\","
                     " \"type\": \"text\"}",
                     NULL, NULL);
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  tier(gt_admin());
  r = th_get(&S, gt_admin(), "/v1/custom_fields");
  cr_assert_eq(json_array_size(r.json), 1, "%s", r.body);
  th_resp_free(&r);
}

Test(custom_field, ORG2_record_type_key_and_type_are_immutable) {
  long long id = tier(admin());
  refused(admin(), "PATCH", path_of(id), "{\"key\": \"tier\"}", 422, "key");
  refused(admin(), "PATCH", path_of(id), "{\"type\": \"text\", \"options\": null}", 422, "type");
  refused(admin(), "PATCH", path_of(id), "{\"record_type\": \"person\"}", 422, "record_type");
  refused(admin(), "PATCH", path_of(id), "{\"label\": \"Tier\", \"key\": \"tier\"}", 422, "key");
  /* the same values are accepted; the label changes */
  th_resp r =
      th_req(&S, "PATCH", path_of(id), admin(),
             "{\"label\": \"Tier\", \"key\": \"billing_tier\", \"required\": true}", NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "label"), "Tier");
  cr_assert(json_is_true(json_object_get(r.json, "required")));
  th_resp_free(&r);
}

Test(custom_field, ORG2_if_match_mismatch_is_412) {
  long long id = tier(admin());
  th_resp g = th_get(&S, admin(), path_of(id));
  char hdr[96];
  snprintf(hdr, sizeof hdr, "If-Match: %s", th_header(&g, "ETag"));
  th_resp_free(&g);
  th_resp r = th_req(&S, "PATCH", path_of(id), admin(), "{\"label\": \"One\"}", NULL, hdr);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  char *before = all();
  r = th_req(&S, "PATCH", path_of(id), admin(), "{\"label\": \"Two\"}", NULL, hdr);
  th_assert_error(&r, 412, NULL);
  th_resp_free(&r);
  char *after = all();
  cr_assert_str_eq(after, before);
  cr_assert(strstr(after, "\"One\""));
  free(before);
  free(after);
}

Test(custom_field, ACC4_another_accounts_definition_is_404) {
  long long id = tier(admin());
  th_resp r = th_get(&S, gt_admin(), path_of(id));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  refused(gt_admin(), "PATCH", path_of(id), "{\"label\": \"Mine\"}", 404, NULL);
  refused(gt_admin(), "DELETE", path_of(id), NULL, 404, NULL);
  r = th_get(&S, gt_admin(), "/v1/custom_fields");
  cr_assert_eq(json_array_size(r.json), 0, "%s", r.body);
  th_resp_free(&r);
  refused(admin(), "DELETE", "/v1/custom_fields/999999", NULL, 404, NULL);
  refused(admin(), "PATCH", "/v1/custom_fields/abc", "{\"label\": \"x\"}", 404, NULL);
}

Test(custom_field, ORG2_delete_then_values_are_no_longer_required_or_validated) {
  long long id = th_create(&S, admin(), "/v1/custom_fields", "{s:s,s:s,s:s,s:s,s:b,s:[s,s]}",
                           "record_type", "organization", "key", "billing_tier", "label", "Tier",
                           "type", "select", "required", 1, "options", "gold", "silver");
  long long org = th_create(&S, admin(), "/v1/organizations", "{s:s,s:{s:s}}", "name", "Acme",
                            "custom_fields", "billing_tier", "gold");
  th_resp r = th_get(&S, admin(), "/v1/organizations?custom_fields.billing_tier=gold");
  cr_assert_eq(json_array_size(r.json), 1, "%s", r.body);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", path_of(id), admin(), NULL, NULL, NULL);
  cr_assert_eq(r.status, 204, "%s", r.body);
  cr_assert_eq(r.len, 0);
  th_resp_free(&r);
  r = th_get(&S, admin(), path_of(id));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", path_of(id), admin(), NULL, NULL, NULL);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  /* no longer required */
  r = th_json(&S, "POST", admin(), "/v1/organizations", "{s:s}", "name", "Without");
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  /* the stored value no longer blocks changes, is not filtered on, and goes away */
  char path[64];
  snprintf(path, sizeof path, "/v1/organizations/%lld", org);
  r = th_req(&S, "PATCH", path, admin(), "{\"name\": \"Acme 2\"}", NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_null(th_jpath(r.json, "custom_fields.billing_tier"), "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/organizations?custom_fields.billing_tier=gold");
  cr_assert_eq(json_array_size(r.json), 0, "%s", r.body);
  th_resp_free(&r);
  /* a new value for the deleted key is an unknown field, whatever the old options were */
  r = th_req(&S, "PATCH", path, admin(), "{\"custom_fields\": {\"billing_tier\": \"platinum\"}}",
             NULL, NULL);
  th_assert_error(&r, 422, "custom_fields.billing_tier");
  th_resp_free(&r);
  /* the key can be defined again, with another type */
  r = th_req(&S, "POST", "/v1/custom_fields", admin(),
             "{\"record_type\": \"organization\", \"key\": \"billing_tier\", \"label\": \"Tier\","
             " \"type\": \"number\"}",
             NULL, NULL);
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  r = th_req(&S, "PATCH", path, admin(), "{\"custom_fields\": {\"billing_tier\": 3}}", NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
}

Test(custom_field, ACC6_definition_changes_are_audited) {
  long long id = tier(admin());
  th_resp r = th_req(&S, "PATCH", path_of(id), admin(), "{\"label\": \"Tier\"}", NULL, NULL);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", path_of(id), admin(), NULL, NULL, NULL);
  th_resp_free(&r);
  char p[96];
  snprintf(p, sizeof p, "/v1/audit?record_type=custom_field&record_id=%lld", id);
  r = th_get(&S, admin(), p);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 3, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "[0].action"), "create");
  cr_assert_str_eq(th_jstr(r.json, "[1].action"), "update");
  cr_assert_str_eq(th_jstr(r.json, "[1].changes.label.old"), "Billing tier");
  cr_assert_str_eq(th_jstr(r.json, "[1].changes.label.new"), "Tier");
  cr_assert_str_eq(th_jstr(r.json, "[2].action"), "delete");
  th_resp_free(&r);
}
