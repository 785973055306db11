/* Unit tests of src/domain/trust.c: the one projection every foreign organization leaves
 * the domain through (TRUST-4, with the viewer's own annotation: TRUST-5), the projection
 * customers and partners see every organization through (ACC-7), and trusted accounts
 * (TRUST-1) on a fresh database of the backend under test (unit.h). The All Organizations
 * view itself (TRUST-3) is covered end to end by tests/api and tests/prop. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "domain/account.h"
#include "domain/person.h"
#include "domain/trust.h"
#include "unit/unit.h"

/* An owner's record with every field an organization may carry. */
static json_t *full_record(void) {
  json_t *rec = json_loads(
      "{\"id\": 7, \"account\": {\"id\": \"own\", \"name\": \"Owner\"}, \"name\": \"Globex\","
      " \"picture_uri\": \"https://example.com/g.png\","
      " \"contact\": {\"email\": \"desk@globex.example\", \"phone\": \"+31 20 123\"},"
      " \"remarks\": \"owner remark\", \"remarks_attachments\": [{\"id\": 3}],"
      " \"financial_id\": \"FIN-OWNER\", \"custom_fields\": {\"tier\": \"gold\"},"
      " \"manager\": {\"id\": 11}, \"parent\": {\"id\": 5}, \"attachments\": [{\"id\": 4}],"
      " \"disabled\": false, \"version\": 3, \"created_at\": \"2026-01-01T00:00:00Z\","
      " \"updated_at\": \"2026-01-02T00:00:00Z\"}",
      0, NULL);
  cr_assert_not_null(rec);
  return rec;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of obj, sorted and comma-separated. */
static const char *keys(json_t *obj) {
  static char out[512];
  const char *names[32];
  size_t n = 0;
  const char *k;
  json_t *v;
  json_object_foreach(obj, k, v) {
    cr_assert_lt(n, 32);
    names[n++] = k;
  }
  qsort(names, n, sizeof *names, by_name);
  size_t len = 0;
  out[0] = 0;
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(out + len, sizeof out - len, "%s%s", i ? "," : "", names[i]);
  return out;
}

Test(trust_project, TRUST4_a_foreign_record_shows_only_picture_name_and_contact) {
  json_t *rec = full_record();
  json_t *out = rd_org_project(rec, NULL);
  cr_assert_str_eq(keys(out), "account,contact,custom_fields,financial_id,foreign,id,name,"
                              "picture_uri,remarks,remarks_attachments");
  cr_assert(json_equal(json_object_get(out, "contact"), json_object_get(rec, "contact")));
  cr_assert_str_eq(json_string_value(json_object_get(out, "name")), "Globex");
  cr_assert_str_eq(json_string_value(json_object_get(out, "picture_uri")),
                   "https://example.com/g.png");
  cr_assert(json_is_true(json_object_get(out, "foreign")));
  /* Never the owner's remarks, financial ID or custom fields: empty until the viewer
   * writes its own. */
  cr_assert(json_is_null(json_object_get(out, "remarks")));
  cr_assert(json_is_null(json_object_get(out, "financial_id")));
  cr_assert_eq(json_array_size(json_object_get(out, "remarks_attachments")), 0);
  cr_assert_eq(json_object_size(json_object_get(out, "custom_fields")), 0);
  char *text = json_dumps(out, 0);
  cr_assert_null(strstr(text, "owner remark"), "%s", text);
  cr_assert_null(strstr(text, "FIN-OWNER"), "%s", text);
  cr_assert_null(strstr(text, "gold"), "%s", text);
  free(text);
  json_decref(out);
  json_decref(rec);
}

Test(trust_project, TRUST5_the_viewers_annotation_fills_the_viewers_fields) {
  json_t *rec = full_record();
  json_t *note = json_loads("{\"remarks\": \"ours\", \"remarks_attachments\": [{\"id\": 9}],"
                            " \"financial_id\": \"FIN-VIEWER\", \"custom_fields\": {\"k\": 1}}",
                            0, NULL);
  json_t *out = rd_org_project(rec, note);
  cr_assert_str_eq(json_string_value(json_object_get(out, "remarks")), "ours");
  cr_assert_str_eq(json_string_value(json_object_get(out, "financial_id")), "FIN-VIEWER");
  cr_assert(json_equal(json_object_get(out, "custom_fields"),
                       json_object_get(note, "custom_fields")));
  cr_assert(json_equal(json_object_get(out, "remarks_attachments"),
                       json_object_get(note, "remarks_attachments")));
  cr_assert_null(json_object_get(out, "manager"));
  cr_assert_null(json_object_get(out, "parent"));
  cr_assert_null(json_object_get(out, "attachments"));
  json_decref(out);
  json_decref(note);
  json_decref(rec);
}

Test(trust_project, ACC7_customers_and_partners_see_only_the_contact_card_of_their_own_org) {
  static const unsigned outside[] = {RD_ROLE_CUSTOMER, RD_ROLE_PARTNER};
  for (int i = 0; i < 2; i++) {
    rd_caller who = rd_system_caller("own");
    who.roles = outside[i];
    json_t *out = rd_org_project_for_caller(&who, full_record());
    cr_assert_str_eq(keys(out), "account,contact,foreign,id,name,picture_uri", "roles %u",
                     outside[i]);
    cr_assert(json_is_false(json_object_get(out, "foreign")));
    json_decref(out);
  }
  rd_caller staff = rd_system_caller("own");
  staff.roles = RD_ROLE_TECHNICIAN;
  json_t *rec = full_record();
  json_t *out = rd_org_project_for_caller(&staff, json_incref(rec));
  cr_assert(json_equal(out, rec), "staff see the record whole");
  json_decref(out);
  json_decref(rec);
}

/* ---- trusted accounts (TRUST-1) ---- */

static ut_db T;
static rd_err err;

static void setup(void) {
  ut_db_open(&T);
  rd_err_clear(&err);
  cr_assert_eq(rd_account_create(T.c, "aaa", "A", &err), 0, "%s", err.message);
  cr_assert_eq(rd_account_create(T.c, "bbb", "B", &err), 0, "%s", err.message);
}
static void teardown(void) {
  ut_db_close(&T);
}
TestSuite(trust, .init = setup, .fini = teardown, .timeout = 30);

static size_t trusted(const char *account) {
  rd_caller who = rd_system_caller(account);
  json_t *list = NULL;
  rd_err_clear(&err);
  cr_assert_eq(rd_trust_list(T.c, &who, &list, &err), 0, "%s", err.message);
  size_t n = json_array_size(list);
  json_decref(list);
  return n;
}

Test(trust, TRUST1_an_administrator_adds_a_trust_once_it_is_directed_and_removed) {
  rd_caller admin = rd_system_caller("aaa");
  admin.roles = RD_ROLE_ACCOUNT_ADMINISTRATOR;
  rd_caller slm = admin;
  slm.roles = RD_ROLE_SERVICE_LEVEL_MANAGER;
  rd_err_clear(&err);
  cr_assert_eq(rd_trust_add(T.c, &slm, "bbb", &err), RD_EFORBIDDEN);
  rd_err_clear(&err);
  cr_assert_eq(rd_trust_add(T.c, &admin, "aaa", &err), RD_EINVAL, "not itself");
  cr_assert_str_eq(err.items[0].field, "account");
  rd_err_clear(&err);
  cr_assert_eq(rd_trust_add(T.c, &admin, "zzz", &err), RD_EINVAL, "no such account");
  cr_assert_eq(trusted("aaa"), 0);

  rd_err_clear(&err);
  cr_assert_eq(rd_trust_add(T.c, &admin, "bbb", &err), 0, "%s", err.message);
  cr_assert_eq(trusted("aaa"), 1);
  cr_assert_eq(trusted("bbb"), 0, "A trusts B says nothing of B");
  rd_err_clear(&err);
  cr_assert_eq(rd_trust_add(T.c, &admin, "bbb", &err), RD_ECONFLICT, "%s", err.message);
  cr_assert_eq(err.status, 409);
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM audit WHERE record_type = 'trust'"), 1);

  rd_err_clear(&err);
  cr_assert_eq(rd_trust_remove(T.c, &admin, "bbb", &err), 0, "%s", err.message);
  cr_assert_eq(trusted("aaa"), 0);
  rd_err_clear(&err);
  cr_assert_eq(rd_trust_remove(T.c, &admin, "bbb", &err), RD_ENOTFOUND);
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM audit WHERE record_type = 'trust'"), 2);
}
