/* End-to-end tests of the audit trail (ACC-6): every create, update and delete writes one
 * row in the same transaction with old and new values, secrets only as "changed";
 * GET /v1/audit is for staff, per account, filtered and paginated. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "harness/harness.h"

static th_server S;

/* The people of a test, made on first use. */
static const char *admin(void) {
  return th_token(&S, "wdc", "admin", "account_administrator");
}
static const char *tech(void) {
  return th_token(&S, "wdc", "tech", "technician");
}
static const char *partner(void) {
  return th_token(&S, "wdc", "partner", "partner");
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
TestSuite(audit, .init = setup, .fini = teardown, .timeout = 60);

/* GET /v1/audit<query> as admin; asserts 200 and returns the rows (caller frees). */
static json_t *rows(const char *query) {
  char path[256];
  snprintf(path, sizeof path, "/v1/audit%s", query);
  th_resp r = th_get(&S, admin(), path);
  cr_assert_eq(r.status, 200, "%s: %s", path, r.body);
  cr_assert(json_is_array(r.json), "%s", r.body);
  json_t *j = json_incref(r.json);
  th_resp_free(&r);
  return j;
}

static json_t *rows_of(const char *type, long long id) {
  char q[128];
  snprintf(q, sizeof q, "?record_type=%s&record_id=%lld", type, id);
  return rows(q);
}

Test(audit, ACC6_organization_create_and_update_write_rows_with_old_and_new_values) {
  long long id = th_create(&S, admin(), "/v1/organizations", "{s:s,s:s}", "name", "Acme",
                           "financial_id", "F-1");
  char path[64];
  snprintf(path, sizeof path, "/v1/organizations/%lld", id);
  th_resp r = th_req(&S, "PATCH", path, admin(),
                     "{\"name\": \"Acme Corp\", \"financial_id\": \"F-1\"}", NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  json_t *a = rows_of("organization", id);
  char *text = json_dumps(a, 0);
  cr_assert_eq(json_array_size(a), 2, "%s", text);
  json_t *c = json_array_get(a, 0), *u = json_array_get(a, 1);
  cr_assert_str_eq(th_jstr(c, "action"), "create");
  cr_assert_str_eq(th_jstr(c, "record_type"), "organization");
  cr_assert_eq(json_integer_value(json_object_get(c, "record_id")), id);
  cr_assert_str_eq(th_jstr(c, "actor.name"), "admin Tester");
  cr_assert(json_integer_value(th_jpath(c, "actor.id")) > 0);
  cr_assert(th_jstr(c, "at") && strlen(th_jstr(c, "at")) == 20, "%s", text);
  cr_assert(json_is_null(th_jpath(c, "changes.name.old")), "%s", text);
  cr_assert_str_eq(th_jstr(c, "changes.name.new"), "Acme");
  cr_assert_str_eq(th_jstr(c, "changes.financial_id.new"), "F-1");
  cr_assert_str_eq(th_jstr(u, "action"), "update");
  cr_assert_str_eq(th_jstr(u, "changes.name.old"), "Acme");
  cr_assert_str_eq(th_jstr(u, "changes.name.new"), "Acme Corp");
  cr_assert_null(th_jpath(u, "changes.financial_id"), "unchanged fields are not listed: %s", text);
  cr_assert_null(th_jpath(u, "changes.updated_at"), "%s", text);
  cr_assert_lt(json_integer_value(json_object_get(c, "id")),
               json_integer_value(json_object_get(u, "id")));
  free(text);
  json_decref(a);
}

Test(audit, ACC6_person_create_update_delete_write_rows) {
  long long id = th_create(&S, admin(), "/v1/people", "{s:s,s:s,s:s,s:s,s:[s]}", "first_name",
                           "Ann", "last_name", "Lee", "username", "alee", "primary_email",
                           "alee@wdc.example", "roles", "customer");
  char path[64];
  snprintf(path, sizeof path, "/v1/people/%lld", id);
  th_resp r = th_req(&S, "PATCH", path, admin(),
                     "{\"city\": \"Delft\", \"roles\": [\"customer\", \"partner\"]}", NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", path, admin(), NULL, NULL, NULL);
  cr_assert_eq(r.status, 204, "%s", r.body);
  th_resp_free(&r);
  json_t *a = rows_of("person", id);
  char *text = json_dumps(a, 0);
  cr_assert_eq(json_array_size(a), 3, "%s", text);
  cr_assert_str_eq(th_jstr(a, "[0].action"), "create");
  cr_assert_str_eq(th_jstr(a, "[0].changes.username.new"), "alee");
  cr_assert_str_eq(th_jstr(a, "[1].action"), "update");
  cr_assert(json_is_null(th_jpath(a, "[1].changes.city.old")), "%s", text);
  cr_assert_str_eq(th_jstr(a, "[1].changes.city.new"), "Delft");
  cr_assert_eq(json_array_size(th_jpath(a, "[1].changes.roles.old")), 1, "%s", text);
  cr_assert_eq(json_array_size(th_jpath(a, "[1].changes.roles.new")), 2, "%s", text);
  cr_assert_str_eq(th_jstr(a, "[2].action"), "delete");
  cr_assert(json_is_false(th_jpath(a, "[2].changes.deleted.old")), "%s", text);
  cr_assert(json_is_true(th_jpath(a, "[2].changes.deleted.new")), "%s", text);
  free(text);
  json_decref(a);
}

Test(audit, ACC6_passwords_never_appear_only_changed) {
  long long id = th_create(&S, admin(), "/v1/people", "{s:s,s:s,s:s,s:s,s:[s],s:s}", "first_name",
                           "Pat", "last_name", "Word", "username", "pw", "primary_email",
                           "pw@wdc.example", "roles", "supervisor", "password", "first-secret-1");
  char path[64];
  snprintf(path, sizeof path, "/v1/people/%lld", id);
  th_resp r = th_req(&S, "PATCH", path, admin(), "{\"password\": \"second-secret-2\"}", NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_req(&S, "PATCH", "/v1/account", admin(),
             "{\"settings\": {\"smtp\": {\"password\": \"third-secret-3\"}}}", NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/audit?per_page=100");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_null(strstr(r.body, "secret-"), "a secret is in the audit trail: %s", r.body);
  cr_assert_null(strstr(r.body, "argon2"), "a hash is in the audit trail: %s", r.body);
  th_resp_free(&r);
  json_t *a = rows_of("person", id);
  char *text = json_dumps(a, 0);
  cr_assert_eq(json_array_size(a), 2, "%s", text);
  cr_assert(json_is_true(th_jpath(a, "[0].changes.password.changed")), "%s", text);
  cr_assert_eq(json_object_size(th_jpath(a, "[0].changes.password")), 1, "%s", text);
  cr_assert(json_is_true(th_jpath(a, "[1].changes.password.changed")), "%s", text);
  cr_assert_eq(json_object_size(th_jpath(a, "[1].changes")), 1, "only the password changed: %s",
               text);
  free(text);
  json_decref(a);
}

Test(audit, ACC6_refused_changes_write_no_row) {
  long long id = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Acme");
  char path[64];
  snprintf(path, sizeof path, "/v1/organizations/%lld", id);
  tech(); /* made before counting: making a person is audited */
  json_t *before = rows("?per_page=100");
  const char *bad[] = {"{\"name\": null}", "{\"colour\": 1}", "{\"parent\": {\"id\": 987654}}",
                       "{\"name\": "};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    th_resp r = th_req(&S, "PATCH", path, admin(), bad[i], NULL, NULL);
    cr_assert(r.status >= 400, "%s", r.body);
    th_resp_free(&r);
  }
  th_resp r = th_req(&S, "PATCH", path, tech(), "{\"name\": \"X\"}", NULL, NULL);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_req(&S, "PATCH", path, admin(), "{\"name\": \"X\"}", NULL, "If-Match: \"999\"");
  th_assert_error(&r, 412, NULL);
  th_resp_free(&r);
  r = th_req(&S, "POST", "/v1/organizations", admin(), "{\"name\": \"\"}", NULL, NULL);
  th_assert_error(&r, 422, "name");
  th_resp_free(&r);
  json_t *after = rows("?per_page=100");
  cr_assert_eq(json_array_size(after), json_array_size(before), "a refused change was audited");
  json_decref(before);
  json_decref(after);
}

Test(audit, ACC6_audit_is_for_staff_only) {
  th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Acme");
  th_resp r = th_get(&S, cust(), "/v1/audit");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_get(&S, partner(), "/v1/audit");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_get(&S, NULL, "/v1/audit");
  th_assert_error(&r, 401, NULL);
  th_resp_free(&r);
  r = th_get(&S, tech(), "/v1/audit");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_gt(json_array_size(r.json), 0);
  th_resp_free(&r);
}

Test(audit, ACC6_audit_is_per_account) {
  long long id = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Acme");
  char q[96];
  snprintf(q, sizeof q, "/v1/audit?record_id=%lld", id);
  th_resp r = th_get(&S, gt_admin(), q);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 0, "another account's audit rows leak: %s", r.body);
  th_resp_free(&r);
  r = th_get(&S, gt_admin(), "/v1/audit");
  cr_assert_null(strstr(r.body, "Acme"), "%s", r.body);
  th_resp_free(&r);
}

Test(audit, ACC6_filters_and_pagination) {
  long long org[3];
  for (int i = 0; i < 3; i++)
    org[i] = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Org");
  long long person = th_create(&S, admin(), "/v1/people", "{s:s,s:s,s:s,s:s,s:[s]}", "first_name",
                               "A", "last_name", "B", "username", "ab", "primary_email",
                               "ab@wdc.example", "roles", "customer");
  /* the people of setup (made by the CLI) are audited too; the new one is last */
  json_t *a = rows("?record_type=person&per_page=100");
  size_t np = json_array_size(a), k;
  json_t *row;
  cr_assert_geq(np, 2);
  json_array_foreach(a, k, row) cr_assert_str_eq(th_jstr(row, "record_type"), "person");
  cr_assert_eq(json_integer_value(th_jpath(json_array_get(a, np - 1), "record_id")), person);
  json_decref(a);
  a = rows("?record_type=organization");
  cr_assert_eq(json_array_size(a), 3);
  json_decref(a);
  char q[96];
  snprintf(q, sizeof q, "?record_id=%lld", org[1]);
  a = rows(q);
  cr_assert_eq(json_array_size(a), 1);
  cr_assert_str_eq(th_jstr(a, "[0].record_type"), "organization");
  json_decref(a);
  a = rows("?record_type=nothing");
  cr_assert_eq(json_array_size(a), 0);
  json_decref(a);
  /* pages of two, in order, every row once */
  char path[512] = "/v1/audit?record_type=organization&per_page=2";
  long long seen[8];
  int n = 0, pages = 0;
  for (;;) {
    th_resp r = th_get(&S, tech(), path);
    cr_assert_eq(r.status, 200, "%s", r.body);
    size_t i;
    json_t *e;
    json_array_foreach(r.json, i, e) {
      cr_assert_lt(n, 8);
      seen[n++] = json_integer_value(json_object_get(e, "record_id"));
    }
    pages++;
    const char *link = th_header(&r, "Link");
    if (!link) {
      th_resp_free(&r);
      break;
    }
    cr_assert(strstr(link, "record_type=organization"), "%s", link);
    const char *lt = strchr(link, '<'), *gt = strchr(link, '>');
    snprintf(path, sizeof path, "%.*s", (int)(gt - lt - 1), lt + 1);
    th_resp_free(&r);
  }
  cr_assert_eq(pages, 2);
  cr_assert_eq(n, 3);
  for (int i = 0; i < 3; i++)
    cr_assert_eq(seen[i], org[i]);
  /* bad parameters */
  const char *bad[] = {"/v1/audit?record_id=abc", "/v1/audit?record_id=0", "/v1/audit?per_page=101",
                       "/v1/audit?cursor=zzz", "/v1/audit?action=create"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    th_resp r = th_get(&S, admin(), bad[i]);
    th_assert_error(&r, 400, NULL);
    th_resp_free(&r);
  }
}

/* ACC-6: a change inside a JSON field (an organization's contact details) is in the audit
 * row with its old and new value (the diff compared such objects by an "id" they do not
 * have, so it saw no change). */
Test(audit, ACC6_changes_of_json_fields_are_in_the_row) {
  long long id = th_create(&S, admin(), "/v1/organizations", "{s:s,s:{s:[{s:s,s:s}]}}", "name",
                           "Acme", "contact", "telephones", "label", "work", "number",
                           "+31 15 111");
  char path[64];
  snprintf(path, sizeof path, "/v1/organizations/%lld", id);
  th_resp r = th_req(&S, "PATCH", path, admin(),
                     "{\"contact\": {\"telephones\": [{\"label\": \"work\", \"number\": \"+31 15 222\"}]}}", NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  json_t *a = rows_of("organization", id);
  char *text = json_dumps(a, 0);
  cr_assert_eq(json_array_size(a), 2, "%s", text);
  cr_assert_str_eq(th_jstr(a, "[1].action"), "update", "%s", text);
  cr_assert_str_eq(th_jstr(a, "[1].changes.contact.old.telephones[0].number"), "+31 15 111", "%s",
                   text);
  cr_assert_str_eq(th_jstr(a, "[1].changes.contact.new.telephones[0].number"), "+31 15 222", "%s",
                   text);
  free(text);
  json_decref(a);
}

/* Issue 11 (the record engine): a PATCH that leaves every value as it is changes nothing:
 * 200 with the record, the same ETag and updated_at, and no audit row. A re-import of an
 * unchanged file is such a write for every row. */
Test(audit, ISSUE11_ACC6_a_write_that_changes_nothing_keeps_version_and_writes_no_row) {
  long long id = th_create(&S, admin(), "/v1/organizations", "{s:s,s:s,s:{s:[{s:s,s:s}]}}", "name",
                           "Acme", "financial_id", "F-1", "contact", "telephones", "label",
                           "work", "number", "+31 15 111");
  char path[64];
  snprintf(path, sizeof path, "/v1/organizations/%lld", id);
  th_resp r = th_get(&S, admin(), path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  char etag[64], updated[64];
  snprintf(etag, sizeof etag, "%s", th_header(&r, "ETag"));
  snprintf(updated, sizeof updated, "%s", th_jstr(r.json, "updated_at"));
  th_resp_free(&r);
  const char *same[] = {
      "{\"name\": \"Acme\"}",
      "{\"name\": \"Acme\", \"financial_id\": \"F-1\"}",
      "{\"contact\": {\"telephones\": [{\"label\": \"work\", \"number\": \"+31 15 111\"}]}}",
  };
  for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
    r = th_req(&S, "PATCH", path, admin(), same[i], NULL, NULL);
    cr_assert_eq(r.status, 200, "%s: %s", same[i], r.body);
    cr_assert_str_eq(th_header(&r, "ETag"), etag, "%s", same[i]);
    cr_assert_str_eq(th_jstr(r.json, "updated_at"), updated, "%s", same[i]);
    th_resp_free(&r);
  }
  json_t *a = rows_of("organization", id);
  cr_assert_eq(json_array_size(a), 1, "only the create: %s", json_dumps(a, 0));
  json_decref(a);
  /* A stale If-Match is still refused, and a real change is still a new version. */
  r = th_req(&S, "PATCH", path, admin(), "{\"name\": \"Acme\"}", NULL, "If-Match: \"999\"");
  th_assert_error(&r, 412, NULL);
  th_resp_free(&r);
  r = th_req(&S, "PATCH", path, admin(), "{\"name\": \"Acme B.V.\"}", NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_neq(th_header(&r, "ETag"), etag);
  th_resp_free(&r);
  a = rows_of("organization", id);
  cr_assert_eq(json_array_size(a), 2);
  json_decref(a);
}
