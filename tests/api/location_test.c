/* End-to-end tests of an organization's locations and departments (ORG-5, issue 14): the
 * main location and how the flag moves, unique names, the department's primary contact,
 * deletes, roles, other accounts' ids and bad input. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "harness/harness.h"

static th_server S;

static const char *admin(void) {
  return th_token(&S, "wdc", "admin", "account_administrator");
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
TestSuite(location, .init = setup, .fini = teardown, .timeout = 90);

static char *path(const char *fmt, long long a, long long b) {
  static char p[160];
  snprintf(p, sizeof p, fmt, a, b);
  return p;
}

static long long location(long long org, const char *name) {
  return th_create(&S, admin(), path("/v1/organizations/%lld/locations", org, 0), "{s:s,s:s}",
                   "name", name, "country", "Netherlands");
}

static bool is_main(long long org, long long id) {
  th_resp r = th_get(&S, admin(), path("/v1/organizations/%lld/locations/%lld", org, id));
  cr_assert_eq(r.status, 200, "%s", r.body);
  bool m = json_is_true(json_object_get(r.json, "main"));
  th_resp_free(&r);
  return m;
}

Test(location, ORG5_the_first_location_is_main_and_the_flag_moves) {
  long long org = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Acme");
  long long hq = location(org, "Head office");
  cr_assert(is_main(org, hq), "an organization's first location is its main location");
  th_resp r = th_get(&S, admin(), path("/v1/organizations/%lld/locations/%lld", org, hq));
  cr_assert_str_eq(th_jstr(r.json, "country"), "NL");
  cr_assert_eq(json_integer_value(th_jpath(r.json, "organization.id")), org);
  cr_assert_str_eq(th_jstr(r.json, "organization.name"), "Acme");
  th_resp_free(&r);
  long long depot = location(org, "Depot");
  cr_assert(!is_main(org, depot));
  /* making the depot main takes the flag from the head office, both audited */
  r = th_json(&S, "PATCH", admin(), path("/v1/organizations/%lld/locations/%lld", org, depot),
              "{s:b}", "main", true);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  cr_assert(is_main(org, depot) && !is_main(org, hq));
  r = th_get(&S, admin(), path("/v1/audit?record_type=location&record_id=%lld", hq, 0));
  cr_assert(strstr(r.body, "\"main\":{\"old\":true,\"new\":false}"), "%s", r.body);
  th_resp_free(&r);
  /* the flag is not cleared by hand; the main location goes only when it is the last */
  r = th_json(&S, "PATCH", admin(), path("/v1/organizations/%lld/locations/%lld", org, depot),
              "{s:b}", "main", false);
  th_assert_error(&r, 422, "main");
  th_resp_free(&r);
  r = th_req(&S, "DELETE", path("/v1/organizations/%lld/locations/%lld", org, depot), admin(),
             NULL, NULL, NULL);
  th_assert_error(&r, 409, NULL);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", path("/v1/organizations/%lld/locations/%lld", org, hq), admin(), NULL,
             NULL, NULL);
  cr_assert_eq(r.status, 204, "%s", r.body);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", path("/v1/organizations/%lld/locations/%lld", org, depot), admin(),
             NULL, NULL, NULL);
  cr_assert_eq(r.status, 204, "the last location: %s", r.body);
  th_resp_free(&r);
  /* a new first location is main again; a second one created main takes the flag */
  long long a = location(org, "A");
  r = th_json(&S, "POST", admin(), path("/v1/organizations/%lld/locations", org, 0), "{s:s,s:b}",
              "name", "B", "main", true);
  cr_assert_eq(r.status, 201, "%s", r.body);
  long long b = json_integer_value(json_object_get(r.json, "id"));
  cr_assert(strstr(th_header(&r, "Location"), path("/v1/organizations/%lld/locations/", org, 0)));
  th_resp_free(&r);
  cr_assert(is_main(org, b) && !is_main(org, a));
  r = th_get(&S, admin(), path("/v1/organizations/%lld/locations?per_page=1", org, 0));
  cr_assert_eq(json_array_size(r.json), 1);
  cr_assert(th_header(&r, "Link"));
  th_resp_free(&r);
}

Test(location, ORG5_departments_with_primary_contacts) {
  long long org = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Acme");
  long long pat = th_create(&S, admin(), "/v1/people", "{s:s,s:s,s:s,s:s,s:[s]}", "first_name",
                            "Pat", "last_name", "Lee", "username", "pat", "primary_email",
                            "pat@example.com", "roles", "customer");
  long long eng = th_create(&S, admin(), path("/v1/organizations/%lld/departments", org, 0),
                            "{s:s,s:{s:I}}", "name", "Engineering", "primary_contact", "id",
                            (json_int_t)pat);
  th_resp r = th_get(&S, admin(), path("/v1/organizations/%lld/departments/%lld", org, eng));
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "primary_contact.name"), "Pat Lee");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), path("/v1/organizations/%lld/departments", org, 0), "{s:s}",
              "name", "ENGINEERING");
  th_assert_error(&r, 409, "name"); /* names are unique whatever their case */
  th_resp_free(&r);
  long long gt_person = th_create(&S, gt_admin(), "/v1/people", "{s:s,s:s,s:s,s:s,s:[s]}",
                                  "first_name", "G", "last_name", "T", "username", "gtp",
                                  "primary_email", "gtp@example.com", "roles", "customer");
  r = th_json(&S, "PATCH", admin(), path("/v1/organizations/%lld/departments/%lld", org, eng),
              "{s:{s:I}}", "primary_contact", "id", (json_int_t)gt_person);
  th_assert_error(&r, 422, "primary_contact");
  th_resp_free(&r);
  /* the same name in another organization is fine */
  long long other = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Other");
  th_create(&S, admin(), path("/v1/organizations/%lld/departments", other, 0), "{s:s}", "name",
            "Engineering");
  r = th_req(&S, "DELETE", path("/v1/organizations/%lld/departments/%lld", org, eng), admin(),
             NULL, NULL, NULL);
  cr_assert_eq(r.status, 204, "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, admin(), path("/v1/organizations/%lld/departments/%lld", org, eng));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
}

Test(location, ORG5_roles_other_accounts_and_bad_input) {
  long long org = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Acme");
  long long hq = location(org, "Head office");
  long long other = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Other");
  const char *tech = th_token(&S, "wdc", "cust", "customer");
  th_resp r = th_get(&S, tech, path("/v1/organizations/%lld/locations", org, 0));
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  const char *sup = th_token(&S, "wdc", "sup", "supervisor");
  r = th_json(&S, "PATCH", sup, path("/v1/organizations/%lld/locations/%lld", org, hq), "{s:s}",
              "city", "Utrecht");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  /* another account's organization and location are 404, also through my organization */
  r = th_get(&S, gt_admin(), path("/v1/organizations/%lld/locations", org, 0));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_json(&S, "POST", gt_admin(), path("/v1/organizations/%lld/locations", org, 0), "{s:s}",
              "name", "Mine");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  long long gt_org = th_create(&S, gt_admin(), "/v1/organizations", "{s:s}", "name", "GT");
  r = th_get(&S, gt_admin(), path("/v1/organizations/%lld/locations/%lld", gt_org, hq));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_get(&S, admin(), path("/v1/organizations/%lld/locations/%lld", other, hq));
  th_assert_error(&r, 404, NULL); /* not that organization's location */
  th_resp_free(&r);
  r = th_req(&S, "DELETE", path("/v1/organizations/%lld/locations/%lld", other, hq), admin(), NULL,
             NULL, NULL);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  /* bad input changes nothing */
  long long before = th_sql_int(&S, "SELECT COUNT(*) FROM locations");
  r = th_json(&S, "POST", admin(), path("/v1/organizations/%lld/locations", org, 0), "{s:s}",
              "city", "Nowhere");
  th_assert_error(&r, 422, "name");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), path("/v1/organizations/%lld/locations", org, 0), "{s:s,s:s}",
              "name", "X", "country", "Atlantis");
  th_assert_error(&r, 422, "country");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), path("/v1/organizations/%lld/locations", org, 0), "{s:s,s:{s:I}}",
              "name", "X", "organization", "id", (json_int_t)other);
  th_assert_error(&r, 422, "organization");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), path("/v1/organizations/%lld/locations", org, 0), "{s:s}",
              "name", "head OFFICE");
  th_assert_error(&r, 409, "name");
  th_resp_free(&r);
  r = th_req(&S, "POST", path("/v1/organizations/%lld/locations", org, 0), admin(), "[1]",
             "application/json", NULL);
  th_assert_error(&r, 422, NULL);
  th_resp_free(&r);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM locations"), before);
  r = th_get(&S, admin(), path("/v1/organizations/%lld/locations?sort=name", org, 0));
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
}
