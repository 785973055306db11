/* End-to-end tests of /v1/people (ACC-2, ACC-4, the basic CUST-1 fields): create with roles
 * and supervisors, unique usernames and addresses, write-only passwords, what customers
 * see, soft delete (CUST-3) and the list filters (CUST-4). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "harness/harness.h"

static th_server S;

static long long me(const char *token) {
  th_resp r = th_get(&S, token, "/v1/me");
  cr_assert_eq(r.status, 200, "%s", r.body);
  long long id = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  return id;
}

/* The people of a test, made on first use. */
static const char *admin(void) {
  return th_token(&S, "wdc", "admin", "account_administrator");
}
static const char *sup(void) {
  return th_token(&S, "wdc", "sup", "supervisor");
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
static long long admin_id(void) {
  return me(admin());
}
static long long sup_id(void) {
  return me(sup());
}
static long long cust_id(void) {
  return me(cust());
}

static void setup(void) {
  th_start(&S);
  th_account(&S, "wdc", "Widget Data Center");
  th_account(&S, "gigatera", "GigaTera");
}
static void teardown(void) {
  th_stop(&S);
}
TestSuite(person, .init = setup, .fini = teardown, .timeout = 60);

static const char *path_of(long long id) {
  static char p[64];
  snprintf(p, sizeof p, "/v1/people/%lld", id);
  return p;
}

/* A customer with the given username (and username@wdc.example as address). */
static long long customer(const char *token, const char *username) {
  char email[128];
  snprintf(email, sizeof email, "%s@wdc.example", username);
  return th_create(&S, token, "/v1/people", "{s:s,s:s,s:s,s:s,s:[s]}", "first_name", "Ann",
                   "last_name", username, "username", username, "primary_email", email, "roles",
                   "customer");
}

/* The ids a list answers, as "1,2,3". */
static char *list(const char *token, const char *path) {
  static char out[1024];
  th_resp r = th_get(&S, token, path);
  cr_assert_eq(r.status, 200, "%s: %s", path, r.body);
  size_t n = 0, i;
  json_t *e;
  out[0] = 0;
  json_array_foreach(r.json, i, e) {
    n += (size_t)snprintf(out + n, sizeof out - n, "%s%lld", i ? "," : "",
                          (long long)json_integer_value(json_object_get(e, "id")));
  }
  th_resp_free(&r);
  return out;
}

static char *fmt_ids(int n, const long long *v) {
  static char out[1024];
  size_t len = 0;
  out[0] = 0;
  for (int i = 0; i < n; i++)
    len += (size_t)snprintf(out + len, sizeof out - len, "%s%lld", i ? "," : "", v[i]);
  return out;
}

static char *all_people(void) {
  static char out[1024];
  snprintf(out, sizeof out, "%s", list(admin(), "/v1/people?per_page=100"));
  return out;
}

static void refused_create(const char *token, const char *body, long status, const char *field) {
  char before[1024];
  snprintf(before, sizeof before, "%s", all_people());
  th_resp r = th_req(&S, "POST", "/v1/people", token, body, NULL, NULL);
  th_assert_error(&r, status, field);
  th_resp_free(&r);
  cr_assert_str_eq(all_people(), before, "a refused create (%s) stored a person", body);
}

static json_t *get_person(long long id) {
  th_resp r = th_get(&S, admin(), path_of(id));
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_t *j = json_incref(r.json);
  th_resp_free(&r);
  return j;
}

static void refused_patch(const char *token, long long id, const char *body, long status,
                          const char *field) {
  json_t *before = get_person(id);
  th_resp r = th_req(&S, "PATCH", path_of(id), token, body, NULL, NULL);
  th_assert_error(&r, status, field);
  th_resp_free(&r);
  json_t *after = get_person(id);
  cr_assert(json_equal(before, after), "a refused PATCH (%s) changed the person", body);
  json_decref(before);
  json_decref(after);
}

/* ---- create ---- */

Test(person, ACC2_create_returns_201_location_and_the_record) {
  th_resp r = th_req(&S, "POST", "/v1/people", sup(),
                     "{\"first_name\": \"Ann\", \"last_name\": \"Lee\", \"username\": \"alee\","
                     " \"primary_email\": \"Ann@Example.com\", \"roles\": [\"customer\"],"
                     " \"country\": \"NL\", \"time_zone\": \"Europe/Amsterdam\"}",
                     NULL, NULL);
  cr_assert_eq(r.status, 201, "%s", r.body);
  long long id = json_integer_value(json_object_get(r.json, "id"));
  cr_assert_str_eq(th_header(&r, "Location"), path_of(id));
  cr_assert(th_header(&r, "ETag"));
  json_t *j = r.json;
  cr_assert_str_eq(th_jstr(j, "account.id"), "wdc");
  cr_assert_str_eq(th_jstr(j, "name"), "Ann Lee");
  cr_assert_str_eq(th_jstr(j, "username"), "alee");
  cr_assert_str_eq(th_jstr(j, "primary_email"), "Ann@Example.com");
  cr_assert_str_eq(th_jstr(j, "send_to"), "Ann@Example.com",
                   "send_to defaults to the primary address");
  cr_assert_eq(json_array_size(json_object_get(j, "aliases")), 0);
  cr_assert_str_eq(th_jstr(j, "roles[0]"), "customer");
  cr_assert_eq(json_array_size(json_object_get(j, "roles")), 1);
  cr_assert_str_eq(th_jstr(j, "default_portal"), "customer");
  cr_assert(json_is_true(json_object_get(j, "web_access")));
  cr_assert(json_is_false(json_object_get(j, "deleted")));
  cr_assert_str_eq(th_jstr(j, "source"), "manual");
  cr_assert_str_eq(th_jstr(j, "time_zone"), "Europe/Amsterdam");
  cr_assert(json_is_null(json_object_get(j, "organization")));
  cr_assert(json_is_null(json_object_get(j, "last_login_at")));
  cr_assert_null(json_object_get(j, "password"));
  cr_assert_null(json_object_get(j, "password_hash"));
  th_resp g = th_get(&S, admin(), path_of(id));
  cr_assert(json_equal(g.json, r.json), "GET differs:\n%s\n%s", g.body, r.body);
  th_resp_free(&g);
  th_resp_free(&r);
}

Test(person, ACC2_roles_are_required_and_valid) {
  const char *base = "\"first_name\": \"A\", \"last_name\": \"B\", \"username\": \"ab\","
                     " \"primary_email\": \"ab@wdc.example\"";
  char body[512];
  snprintf(body, sizeof body, "{%s}", base);
  refused_create(admin(), body, 422, "roles");
  snprintf(body, sizeof body, "{%s, \"roles\": []}", base);
  refused_create(admin(), body, 422, "roles");
  snprintf(body, sizeof body, "{%s, \"roles\": [\"customer\", \"wizard\"]}", base);
  refused_create(admin(), body, 422, "roles[1]");
  snprintf(body, sizeof body, "{%s, \"roles\": [5]}", base);
  refused_create(admin(), body, 422, "roles[0]");
  snprintf(body, sizeof body, "{%s, \"roles\": \"customer\"}", base);
  refused_create(admin(), body, 422, "roles");
  snprintf(body, sizeof body, "{%s, \"roles\": null}", base);
  refused_create(admin(), body, 422, "roles");
  /* default_portal must be one of the roles */
  snprintf(body, sizeof body, "{%s, \"roles\": [\"customer\"], \"default_portal\": \"supervisor\"}",
           base);
  refused_create(admin(), body, 422, "default_portal");
  /* ACC-7: only an administrator makes administrators (a role outside one's grants: 403) */
  snprintf(body, sizeof body, "{%s, \"roles\": [\"account_administrator\"]}", base);
  refused_create(sup(), body, 403, "roles");
  /* several roles; the portal is one of them */
  snprintf(
      body, sizeof body,
      "{%s, \"roles\": [\"service_level_manager\", \"partner\"], \"default_portal\": \"partner\"}",
      base);
  th_resp r = th_req(&S, "POST", "/v1/people", admin(), body, NULL, NULL);
  cr_assert_eq(r.status, 201, "%s", r.body);
  cr_assert_eq(json_array_size(json_object_get(r.json, "roles")), 2, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "default_portal"), "partner");
  th_resp_free(&r);
}

Test(person, ACC2_technician_needs_a_supervisor_with_the_supervisor_role) {
  const char *base = "\"first_name\": \"T\", \"last_name\": \"T\", \"username\": \"t1\","
                     " \"primary_email\": \"t1@wdc.example\", \"roles\": [\"technician\"]";
  char body[512];
  snprintf(body, sizeof body, "{%s}", base);
  refused_create(admin(), body, 422, "supervisor");
  snprintf(body, sizeof body, "{%s, \"supervisor\": null}", base);
  refused_create(admin(), body, 422, "supervisor");
  snprintf(body, sizeof body, "{%s, \"supervisor\": {\"id\": %lld}}", base, cust_id());
  refused_create(admin(), body, 422, "supervisor");
  long long gt_person = me(gt_admin());
  snprintf(body, sizeof body, "{%s, \"supervisor\": {\"id\": %lld}}", base, gt_person);
  refused_create(admin(), body, 422, "supervisor");
  snprintf(body, sizeof body, "{%s, \"supervisor\": {\"id\": %lld}}", base, sup_id());
  th_resp r = th_req(&S, "POST", "/v1/people", admin(), body, NULL, NULL);
  cr_assert_eq(r.status, 201, "%s", r.body);
  long long id = json_integer_value(json_object_get(r.json, "id"));
  cr_assert_eq(json_integer_value(th_jpath(r.json, "supervisor.id")), sup_id());
  cr_assert_str_eq(th_jstr(r.json, "supervisor.name"), "sup Tester");
  th_resp_free(&r);
  /* the supervisor cannot be taken away from a technician */
  refused_patch(admin(), id, "{\"supervisor\": null}", 422, "supervisor");
  char p[64];
  snprintf(p, sizeof p, "{\"supervisor\": {\"id\": %lld}}", admin_id());
  refused_patch(admin(), id, p, 422, "supervisor");
  /* nor can a technician role be added without one */
  long long c = customer(admin(), "later_tech");
  refused_patch(admin(), c, "{\"roles\": [\"customer\", \"technician\"]}", 422, "supervisor");
}

Test(person, ACC2_a_supervisor_of_technicians_keeps_the_role_and_is_not_deleted) {
  char *boss = th_person_token(&S, "wdc", "boss", "supervisor");
  long long boss_id = me(boss);
  free(boss);
  char body[512];
  snprintf(body, sizeof body,
           "{\"first_name\": \"T\", \"last_name\": \"T\", \"username\": \"t1\","
           " \"primary_email\": \"t1@wdc.example\", \"roles\": [\"technician\"],"
           " \"supervisor\": {\"id\": %lld}}",
           boss_id);
  th_resp r = th_req(&S, "POST", "/v1/people", admin(), body, NULL, NULL);
  cr_assert_eq(r.status, 201, "%s", r.body);
  long long t1 = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  /* ACC-2: the technician's supervisor must stay a supervisor */
  refused_patch(admin(), boss_id, "{\"roles\": [\"service_level_manager\"]}", 422, "roles");
  json_t *before = get_person(boss_id);
  r = th_req(&S, "DELETE", path_of(boss_id), admin(), NULL, NULL, NULL);
  th_assert_error(&r, 409, NULL);
  th_resp_free(&r);
  json_t *after = get_person(boss_id);
  cr_assert(json_equal(before, after), "a refused DELETE changed the supervisor");
  json_decref(before);
  json_decref(after);
  /* other roles may change; once the technician has another supervisor, anything goes */
  r = th_req(&S, "PATCH", path_of(boss_id), admin(), "{\"roles\": [\"supervisor\", \"partner\"]}",
             NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  snprintf(body, sizeof body, "{\"supervisor\": {\"id\": %lld}}", sup_id());
  r = th_req(&S, "PATCH", path_of(t1), admin(), body, NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_req(&S, "PATCH", path_of(boss_id), admin(), "{\"roles\": [\"partner\"]}", NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", path_of(boss_id), admin(), NULL, NULL, NULL);
  cr_assert_eq(r.status, 204, "%s", r.body);
  th_resp_free(&r);
  /* a deleted technician does not hold its supervisor */
  r = th_req(&S, "DELETE", path_of(t1), admin(), NULL, NULL, NULL);
  cr_assert_eq(r.status, 204, "%s", r.body);
  th_resp_free(&r);
  r = th_req(&S, "PATCH", path_of(sup_id()), admin(), "{\"roles\": [\"partner\"]}", NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
}

Test(person, ACC2_username_is_unique_in_the_account_409) {
  customer(admin(), "alee");
  refused_create(admin(),
                 "{\"first_name\": \"A\", \"last_name\": \"B\", \"username\": \"alee\","
                 " \"primary_email\": \"other@wdc.example\", \"roles\": [\"customer\"]}",
                 409, "username");
  /* another account may use it */
  th_resp r = th_req(&S, "POST", "/v1/people", gt_admin(),
                     "{\"first_name\": \"A\", \"last_name\": \"B\", \"username\": \"alee\","
                     " \"primary_email\": \"alee@wdc.example\", \"roles\": [\"customer\"]}",
                     NULL, NULL);
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  /* and a rename onto it is refused too */
  long long b = customer(admin(), "bob");
  refused_patch(admin(), b, "{\"username\": \"alee\"}", 409, "username");
  refused_patch(admin(), b, "{\"username\": \"has space\"}", 422, "username");
  refused_patch(admin(), b, "{\"username\": \"\"}", 422, "username");
}

Test(person, CUST1_primary_email_is_unique_per_account_and_valid) {
  customer(admin(), "alee");
  refused_create(admin(),
                 "{\"first_name\": \"A\", \"last_name\": \"B\", \"username\": \"other\","
                 " \"primary_email\": \"ALEE@wdc.example\", \"roles\": [\"customer\"]}",
                 409, "primary_email");
  const char *bad[] = {"not-an-email",   "a@b",           "a b@wdc.example", "@wdc.example",
                       "a@@wdc.example", "a@wdc..example"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char body[256];
    snprintf(body, sizeof body,
             "{\"first_name\": \"A\", \"last_name\": \"B\", \"username\": \"other\","
             " \"primary_email\": \"%s\", \"roles\": [\"customer\"]}",
             bad[i]);
    refused_create(admin(), body, 422, "primary_email");
  }
  refused_create(admin(),
                 "{\"first_name\": \"A\", \"last_name\": \"B\", \"username\": \"other\","
                 " \"roles\": [\"customer\"]}",
                 422, "primary_email");
  /* the same address in another account is fine */
  th_resp r = th_req(&S, "POST", "/v1/people", gt_admin(),
                     "{\"first_name\": \"A\", \"last_name\": \"B\", \"username\": \"x\","
                     " \"primary_email\": \"alee@wdc.example\", \"roles\": [\"customer\"]}",
                     NULL, NULL);
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  /* changing an address onto another person's is refused */
  long long b = customer(admin(), "bob");
  refused_patch(admin(), b, "{\"primary_email\": \"alee@WDC.example\"}", 409, "primary_email");
}

Test(person, CUST1_changing_the_primary_address_frees_the_old_one) {
  long long a = customer(admin(), "alee");
  th_resp r = th_req(&S, "PATCH", path_of(a), admin(), "{\"primary_email\": \"ann@wdc.example\"}",
                     NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "primary_email"), "ann@wdc.example");
  cr_assert_str_eq(th_jstr(r.json, "send_to"), "ann@wdc.example",
                   "send_to follows the primary address");
  th_resp_free(&r);
  r = th_req(&S, "POST", "/v1/people", admin(),
             "{\"first_name\": \"A\", \"last_name\": \"B\", \"username\": \"other\","
             " \"primary_email\": \"alee@wdc.example\", \"roles\": [\"customer\"]}",
             NULL, NULL);
  cr_assert_eq(r.status, 201, "the old address is free again: %s", r.body);
  th_resp_free(&r);
}

Test(person, CUST1_send_to_must_be_one_of_the_persons_addresses) {
  refused_create(admin(),
                 "{\"first_name\": \"A\", \"last_name\": \"B\", \"username\": \"ab\","
                 " \"primary_email\": \"ab@wdc.example\", \"send_to\": \"boss@wdc.example\","
                 " \"roles\": [\"customer\"]}",
                 422, "send_to");
  th_resp r = th_req(&S, "POST", "/v1/people", admin(),
                     "{\"first_name\": \"A\", \"last_name\": \"B\", \"username\": \"ab\","
                     " \"primary_email\": \"ab@wdc.example\", \"send_to\": \"AB@wdc.example\","
                     " \"roles\": [\"customer\"]}",
                     NULL, NULL);
  cr_assert_eq(r.status, 201, "%s", r.body);
  long long id = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  refused_patch(admin(), id, "{\"send_to\": \"boss@wdc.example\"}", 422, "send_to");
}

Test(person, ACC3_password_is_write_only_and_at_least_8_characters) {
  const char *base = "\"first_name\": \"P\", \"last_name\": \"W\", \"username\": \"pw\","
                     " \"primary_email\": \"pw@wdc.example\", \"roles\": [\"supervisor\"]";
  char body[512];
  snprintf(body, sizeof body, "{%s, \"password\": \"short\"}", base);
  refused_create(admin(), body, 422, "password");
  snprintf(body, sizeof body, "{%s, \"password\": 12345678}", base);
  refused_create(admin(), body, 422, "password");
  snprintf(body, sizeof body, "{%s, \"password\": \"correct horse\"}", base);
  th_resp r = th_req(&S, "POST", "/v1/people", admin(), body, NULL, NULL);
  cr_assert_eq(r.status, 201, "%s", r.body);
  cr_assert_null(json_object_get(r.json, "password"));
  cr_assert_null(strstr(r.body, "correct horse"), "%s", r.body);
  cr_assert_null(strstr(r.body, "argon2"), "%s", r.body);
  long long id = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  r = th_get(&S, admin(), path_of(id));
  cr_assert_null(json_object_get(r.json, "password"));
  cr_assert_null(strstr(r.body, "argon2"), "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/people?username=pw");
  cr_assert_null(strstr(r.body, "correct horse"), "%s", r.body);
  cr_assert_null(strstr(r.body, "argon2"), "%s", r.body);
  th_resp_free(&r);
  /* the password works for login */
  r = th_json(&S, "POST", NULL, "/v1/login", "{s:s,s:s,s:s}", "account", "wdc", "username", "pw",
              "password", "correct horse");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  refused_patch(admin(), id, "{\"password\": \"1234567\"}", 422, "password");
}

/* ---- what each caller may see and change (ACC-4) ---- */

Test(person, ACC4_customers_see_only_themselves) {
  long long other = customer(admin(), "other");
  th_resp r = th_get(&S, cust(), path_of(cust_id()));
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "username"), "cust");
  th_resp_free(&r);
  r = th_get(&S, cust(), path_of(other));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_get(&S, cust(), path_of(admin_id()));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_get(&S, cust(), "/v1/people");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  refused_patch(cust(), other, "{\"first_name\": \"Hacked\"}", 404, NULL);
  refused_create(cust(),
                 "{\"first_name\": \"A\", \"last_name\": \"B\", \"username\": \"x\","
                 " \"primary_email\": \"x@wdc.example\", \"roles\": [\"customer\"]}",
                 403, NULL);
  r = th_req(&S, "DELETE", path_of(other), cust(), NULL, NULL, NULL);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  /* a customer changes its own contact details, but not its roles */
  r = th_req(&S, "PATCH", path_of(cust_id()), cust(), "{\"phone\": \"+31 6 1234\"}", NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "phone"), "+31 6 1234");
  th_resp_free(&r);
  refused_patch(cust(), cust_id(), "{\"roles\": [\"account_administrator\"]}", 403, "roles"); /* ACC-7 */
  refused_patch(cust(), cust_id(), "{\"username\": \"boss\"}", 403, "username");
}

/* ACC-7: a technician manages customers' records, never their roles, nor staff. */
Test(person, ACC7_technicians_manage_customers_but_not_their_roles_nor_staff) {
  long long other = customer(admin(), "other");
  th_resp r = th_get(&S, tech(), path_of(other));
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", tech(), path_of(other), "{s:s}", "first_name", "X");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  refused_patch(tech(), other, "{\"roles\": [\"customer\", \"technician\"]}", 403, "roles");
  refused_patch(tech(), sup_id(), "{\"first_name\": \"X\"}", 403, NULL);
  r = th_req(&S, "DELETE", path_of(sup_id()), tech(), NULL, NULL, NULL);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  refused_create(tech(),
                 "{\"first_name\": \"A\", \"last_name\": \"B\", \"username\": \"x\","
                 " \"primary_email\": \"x@wdc.example\", \"roles\": [\"partner\"]}",
                 403, "roles");
  long long made = customer(tech(), "madebytech");
  r = th_req(&S, "DELETE", path_of(made), tech(), NULL, NULL, NULL);
  cr_assert_eq(r.status, 204, "%s", r.body);
  th_resp_free(&r);
}

Test(person, ACC4_another_accounts_person_is_404) {
  long long other = customer(admin(), "other");
  th_resp r = th_get(&S, gt_admin(), path_of(other));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  refused_patch(gt_admin(), other, "{\"first_name\": \"Stolen\"}", 404, NULL);
  r = th_req(&S, "DELETE", path_of(other), gt_admin(), NULL, NULL, NULL);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  json_t *p = get_person(other);
  cr_assert(json_is_false(json_object_get(p, "deleted")));
  json_decref(p);
  r = th_get(&S, gt_admin(), "/v1/people?username=other");
  cr_assert_eq(json_array_size(r.json), 0, "%s", r.body);
  th_resp_free(&r);
  /* an organization of another account cannot be a person's organization */
  long long gt_org = th_create(&S, gt_admin(), "/v1/organizations", "{s:s}", "name", "GT");
  char body[96];
  snprintf(body, sizeof body, "{\"organization\": {\"id\": %lld}}", gt_org);
  refused_patch(admin(), other, body, 422, "organization");
}

/* ---- soft delete (CUST-3) ---- */

Test(person, CUST3_soft_delete_stops_the_token_and_hides_the_person) {
  char *victim = th_person_token(&S, "wdc", "victim", "customer");
  long long id = me(victim);
  th_resp r = th_req(&S, "DELETE", path_of(id), sup(), NULL, NULL, NULL);
  cr_assert_eq(r.status, 204, "%s", r.body);
  cr_assert_eq(r.len, 0);
  th_resp_free(&r);
  r = th_get(&S, victim, "/v1/me");
  th_assert_error(&r, 401, NULL);
  th_resp_free(&r);
  free(victim);
  cr_assert_str_eq(list(admin(), "/v1/people?username=victim"), "");
  char want[32];
  snprintf(want, sizeof want, "%lld", id);
  cr_assert_str_eq(list(admin(), "/v1/people?deleted=true"), want);
  cr_assert_str_eq(list(sup(), "/v1/people?deleted=true&username=victim"), want);
  r = th_get(&S, tech(), "/v1/people?deleted=true");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  /* administrators still read it, others do not */
  r = th_get(&S, admin(), path_of(id));
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(json_is_true(json_object_get(r.json, "deleted")));
  th_resp_free(&r);
  r = th_get(&S, tech(), path_of(id));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  /* deleting twice, or an unknown id, is 404 */
  r = th_req(&S, "DELETE", path_of(id), admin(), NULL, NULL, NULL);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", path_of(987654), admin(), NULL, NULL, NULL);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
}

Test(person, CUST3_nobody_deletes_themselves) {
  th_resp r = th_req(&S, "DELETE", path_of(admin_id()), admin(), NULL, NULL, NULL);
  cr_assert(r.status == 409 || r.status == 422, "%ld %s", r.status, r.body);
  th_assert_error(&r, r.status, NULL);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/me");
  cr_assert_eq(r.status, 200);
  th_resp_free(&r);
}

/* ---- list filters (CUST-4) ---- */

Test(person, CUST4_list_filters_by_role_email_username_and_q) {
  long long c = cust_id(), s = sup_id(); /* made first: the lists are by id */
  long long a = customer(admin(), "alee");
  long long b = customer(admin(), "bkim");
  th_resp r = th_req(&S, "PATCH", path_of(b), admin(),
                     "{\"first_name\": \"Bo\", \"last_name\": \"Kim\"}", NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  long long custs[] = {c, a, b};
  cr_assert_str_eq(list(admin(), "/v1/people?role=customer"), fmt_ids(3, custs));
  long long sups[] = {s};
  cr_assert_str_eq(list(admin(), "/v1/people?role=supervisor&username=sup"), fmt_ids(1, sups));
  long long v1[] = {a};
  cr_assert_str_eq(list(admin(), "/v1/people?email=ALEE%40wdc.example"), fmt_ids(1, v1));
  cr_assert_str_eq(list(admin(), "/v1/people?email=alee"), "", "email is a whole address");
  cr_assert_str_eq(list(admin(), "/v1/people?username=alee"), fmt_ids(1, v1));
  cr_assert_str_eq(list(admin(), "/v1/people?username=ale"), "", "username is exact");
  long long v2[] = {b};
  cr_assert_str_eq(list(admin(), "/v1/people?q=kim"), fmt_ids(1, v2), "q matches the name");
  cr_assert_str_eq(list(admin(), "/v1/people?q=BKI"), fmt_ids(1, v2), "q matches the username");
  cr_assert_str_eq(list(admin(), "/v1/people?q=%25"), "", "%% is literal");
  cr_assert_str_eq(list(admin(), "/v1/people?q=alee%40wdc"), fmt_ids(1, v1),
                   "q matches the address");
  r = th_get(&S, admin(), "/v1/people?role=wizard");
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/people?nickname=x");
  th_assert_error(&r, 400, "nickname");
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/people?per_page=0");
  th_assert_error(&r, 400, "per_page");
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/people?deleted=yes");
  th_assert_error(&r, 400, "deleted");
  th_resp_free(&r);
}

Test(person, CUST4_list_filters_by_created_after) {
  th_resp r = th_get(&S, admin(), path_of(cust_id()));
  char created[64];
  snprintf(created, sizeof created, "%s", th_jstr(r.json, "created_at"));
  th_resp_free(&r);
  cr_assert_str_eq(list(admin(), "/v1/people?created_after=2999-01-01T00:00:00Z"), "");
  cr_assert_str_eq(list(admin(), "/v1/people?created_after=2999-01-01"), "");
  cr_assert_str_eq(list(admin(), "/v1/people?created_before=2000-01-01"), "");
  char path[128];
  snprintf(path, sizeof path, "/v1/people?created_after=2000-01-01&username=cust");
  char want[32];
  snprintf(want, sizeof want, "%lld", cust_id());
  cr_assert_str_eq(list(admin(), path), want);
  (void)created;
  r = th_get(&S, admin(), "/v1/people?created_after=yesterday");
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/people?created_after=2026-13-01");
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
}

Test(person, CUST4_list_paginates) {
  cust(); /* the fifth customer */
  for (int i = 0; i < 4; i++) {
    char u[16];
    snprintf(u, sizeof u, "c%d", i);
    customer(admin(), u);
  }
  th_resp r = th_get(&S, admin(), "/v1/people?role=customer&per_page=3");
  cr_assert_eq(json_array_size(r.json), 3);
  const char *link = th_header(&r, "Link");
  cr_assert(link && strstr(link, "rel=\"next\"") && strstr(link, "role=customer"), "%s", link);
  char next[512];
  const char *lt = strchr(link, '<'), *gt = strchr(link, '>');
  snprintf(next, sizeof next, "%.*s", (int)(gt - lt - 1), lt + 1);
  th_resp_free(&r);
  r = th_get(&S, admin(), next);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 2, "%s", r.body);
  cr_assert_null(th_header(&r, "Link"));
  th_resp_free(&r);
}

/* ---- bad input ---- */

Test(person, ACC2_bad_input_is_refused) {
  const char *ok = "\"first_name\": \"A\", \"last_name\": \"B\", \"username\": \"ab\","
                   " \"primary_email\": \"ab@wdc.example\", \"roles\": [\"customer\"]";
  char body[512];
  snprintf(body, sizeof body, "{%s, \"nickname\": \"x\"}", ok);
  refused_create(admin(), body, 422, "nickname");
  snprintf(body, sizeof body, "{%s, \"name\": \"A B\"}", ok);
  refused_create(admin(), body, 422, "name");
  snprintf(body, sizeof body, "{%s, \"deleted\": true}", ok);
  refused_create(admin(), body, 422, "deleted");
  snprintf(body, sizeof body, "{%s, \"time_zone\": \"Mars/Base\"}", ok);
  refused_create(admin(), body, 422, "time_zone");
  snprintf(body, sizeof body, "{%s, \"web_access\": \"yes\"}", ok);
  refused_create(admin(), body, 422, "web_access");
  refused_create(admin(),
                 "{\"first_name\": 5, \"last_name\": \"B\", \"username\": \"ab\","
                 " \"primary_email\": \"ab@wdc.example\", \"roles\": [\"customer\"]}",
                 422, "first_name");
  snprintf(body, sizeof body,
           "{\"first_name\": \"%065d\", \"last_name\": \"B\", \"username\": \"ab\","
           " \"primary_email\": \"ab@wdc.example\", \"roles\": [\"customer\"]}",
           0);
  refused_create(admin(), body, 422, "first_name");
  refused_create(admin(), "{\"last_name\": \"B\"}", 422, "first_name");
  refused_create(admin(), "{\"first_name\": \"A\"", 400, NULL);
  refused_create(admin(), "{\"first_name\": \"\xff\"}", 400, NULL);
  th_resp r = th_req(&S, "POST", "/v1/people", NULL, "{}", NULL, NULL);
  th_assert_error(&r, 401, NULL);
  th_resp_free(&r);
  long long id = customer(admin(), "alee");
  refused_patch(admin(), id, "{\"last_login_at\": \"2026-01-01T00:00:00Z\"}", 422, "last_login_at");
  refused_patch(admin(), id, "{\"first_name\": null}", 422, "first_name");
  refused_patch(admin(), id, "{\"line_manager\": {\"id\": 987654}}", 422, "line_manager");
  char p[64];
  snprintf(p, sizeof p, "{\"line_manager\": {\"id\": %lld}}", id);
  refused_patch(admin(), id, p, 422, "line_manager");
}

Test(person, ACC2_if_match_mismatch_is_412_and_changes_nothing) {
  long long id = customer(admin(), "alee");
  th_resp g = th_get(&S, admin(), path_of(id));
  char hdr[96];
  snprintf(hdr, sizeof hdr, "If-Match: %s", th_header(&g, "ETag"));
  th_resp_free(&g);
  th_resp r = th_req(&S, "PATCH", path_of(id), admin(), "{\"city\": \"Delft\"}", NULL, hdr);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  json_t *before = get_person(id);
  r = th_req(&S, "PATCH", path_of(id), admin(), "{\"city\": \"Leiden\"}", NULL, hdr);
  th_assert_error(&r, 412, NULL);
  th_resp_free(&r);
  json_t *after = get_person(id);
  cr_assert(json_equal(before, after));
  cr_assert_str_eq(th_jstr(after, "city"), "Delft");
  json_decref(before);
  json_decref(after);
}
