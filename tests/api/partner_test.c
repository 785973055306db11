/* End-to-end tests of partner organizations (PART-1..3, issue 13 part): who may flag an
 * organization as a partner, the partner of units and customers, the lists of a partner
 * organization's customers (direct and through their unit), units and technicians, linking
 * and unlinking technicians with the team rule of PART-2, roles, other accounts' ids and
 * bad input. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "harness/harness.h"

static th_server S;

static const char *admin(void) {
  return th_token(&S, "wdc", "admin", "account_administrator");
}
static const char *sup(void) {
  return th_token(&S, "wdc", "sup", "supervisor");
}
static const char *slm(void) {
  return th_token(&S, "wdc", "slm", "service_level_manager");
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
  /* ACC-5: customers' partner_organization is set only where the account allows it */
  th_resp r = th_json(&S, "PATCH", th_token(&S, "wdc", "admin", "account_administrator"),
                      "/v1/account", "{s:{s:b}}", "settings", "customer_partner_editable", true);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
}
static void teardown(void) {
  th_stop(&S);
}
TestSuite(partner, .init = setup, .fini = teardown, .timeout = 90);

static long long org(const char *token, const char *name, bool partner, long long partner_of) {
  if (partner_of)
    return th_create(&S, token, "/v1/organizations", "{s:s,s:b,s:{s:I}}", "name", name,
                     "partner", partner, "partner_organization", "id", (json_int_t)partner_of);
  return th_create(&S, token, "/v1/organizations", "{s:s,s:b}", "name", name, "partner", partner);
}

/* A person of the account with one role; organization and partner_organization when not 0. */
static long long person(const char *username, const char *role, long long organization,
                        long long partner_of) {
  char email[96];
  snprintf(email, sizeof email, "%s@example.com", username);
  json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "first_name", "Pat", "last_name", username,
                         "username", username, "primary_email", email, "roles", role);
  if (organization)
    json_object_set_new(in, "organization", json_pack("{s:I}", "id", (json_int_t)organization));
  if (partner_of)
    json_object_set_new(in, "partner_organization", json_pack("{s:I}", "id", (json_int_t)partner_of));
  char *body = json_dumps(in, JSON_COMPACT);
  json_decref(in);
  th_resp r = th_req(&S, "POST", "/v1/people", admin(), body, "application/json", NULL);
  free(body);
  cr_assert_eq(r.status, 201, "%s", r.body);
  long long id = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  return id;
}

/* The ids of a list page, "1,2,3". */
static const char *ids(const char *token, const char *path) {
  static char out[256];
  th_resp r = th_get(&S, token, path);
  cr_assert_eq(r.status, 200, "%s: %s", path, r.body);
  out[0] = 0;
  size_t i;
  json_t *row;
  json_array_foreach(r.json, i, row) {
    size_t n = strlen(out);
    snprintf(out + n, sizeof out - n, "%s%lld", n ? "," : "",
             (long long)json_integer_value(json_object_get(row, "id")));
  }
  th_resp_free(&r);
  return out;
}

static char *path(const char *fmt, long long a, long long b) {
  static char p[128];
  snprintf(p, sizeof p, fmt, a, b);
  return p;
}

Test(partner, PART1_supervisors_and_administrators_flag_partner_organizations) {
  org(sup(), "Fixit BV", true, 0);
  org(admin(), "Repairs Ltd", true, 0);
  th_resp r = th_json(&S, "POST", slm(), "/v1/organizations", "{s:s,s:b}", "name", "Nope",
                      "partner", true);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  long long plain = org(slm(), "Plain", false, 0); /* a service level manager's own orgs */
  r = th_json(&S, "PATCH", slm(), path("/v1/organizations/%lld", plain, 0), "{s:b}", "partner",
              true);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", sup(), path("/v1/organizations/%lld", plain, 0), "{s:b}", "partner",
              true);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(json_is_true(json_object_get(r.json, "partner")));
  cr_assert(json_is_null(json_object_get(r.json, "partner_organization")));
  th_resp_free(&r);
}

Test(partner, PART3_the_partner_of_a_unit_or_customer_is_a_partner_organization_of_the_account) {
  long long partner = org(sup(), "Fixit BV", true, 0);
  long long plain = org(sup(), "Plain", false, 0);
  long long foreign = org(gt_admin(), "GT Partner", true, 0);
  const char *bad[] = {"plain", "foreign", "missing"};
  long long refs[] = {plain, foreign, 999999};
  for (int i = 0; i < 3; i++) {
    th_resp r = th_json(&S, "POST", sup(), "/v1/organizations", "{s:s,s:{s:I}}", "name", bad[i],
                        "partner_organization", "id", (json_int_t)refs[i]);
    th_assert_error(&r, 422, "partner_organization");
    th_resp_free(&r);
    r = th_json(&S, "POST", admin(), "/v1/people", "{s:s,s:s,s:s,s:s,s:[s],s:{s:I}}",
                "first_name", "A", "last_name", bad[i], "username", bad[i], "primary_email",
                "a@example.com", "roles", "customer", "partner_organization", "id",
                (json_int_t)refs[i]);
    th_assert_error(&r, 422, "partner_organization");
    th_resp_free(&r);
  }
  th_resp r = th_json(&S, "PATCH", sup(), path("/v1/organizations/%lld", partner, 0),
                      "{s:{s:I}}", "partner_organization", "id", (json_int_t)partner);
  th_assert_error(&r, 422, "partner_organization");
  th_resp_free(&r);
  /* a partner with a unit stays one */
  long long unit = org(sup(), "Acme Sales", false, partner);
  r = th_json(&S, "PATCH", sup(), path("/v1/organizations/%lld", partner, 0), "{s:b}", "partner",
              false);
  th_assert_error(&r, 422, "partner");
  th_resp_free(&r);
  r = th_get(&S, tech(), path("/v1/organizations/%lld", unit, 0));
  cr_assert_eq(json_integer_value(json_object_get(json_object_get(r.json, "partner_organization"), "id")),
               partner, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "partner_organization.name"), "Fixit BV");
  th_resp_free(&r);
}

Test(partner, PART3_a_partner_lists_its_customers_direct_and_through_units_its_units_and_technicians) {
  long long partner = org(sup(), "Fixit BV", true, 0);
  long long other_partner = org(sup(), "Repairs Ltd", true, 0);
  long long unit = org(sup(), "Acme Sales", false, partner);
  long long other_unit = org(sup(), "Acme Support", false, other_partner);
  long long plain = org(sup(), "Plain", false, 0);
  long long direct = person("direct", "customer", plain, partner);
  long long via = person("via", "customer", unit, 0);
  person("elsewhere", "customer", other_unit, 0);
  person("nobody", "customer", plain, 0);
  long long technician = person("fixer", "partner", 0, partner);
  person("fixer2", "partner", 0, other_partner);
  char want[64];
  snprintf(want, sizeof want, "%lld,%lld", direct, via);
  cr_assert_str_eq(ids(tech(), path("/v1/organizations/%lld/customers", partner, 0)), want);
  snprintf(want, sizeof want, "%lld", unit);
  cr_assert_str_eq(ids(tech(), path("/v1/organizations/%lld/units", partner, 0)), want);
  snprintf(want, sizeof want, "%lld", technician);
  cr_assert_str_eq(ids(tech(), path("/v1/organizations/%lld/technicians", partner, 0)), want);
  /* pages */
  th_resp r = th_get(&S, tech(), path("/v1/organizations/%lld/customers?per_page=1", partner, 0));
  cr_assert_eq(json_array_size(r.json), 1);
  const char *link = th_header(&r, "Link");
  cr_assert(link && strstr(link, "cursor="), "Link %s", link ? link : "(none)");
  th_resp_free(&r);
  /* not a partner, another account's, a customer, bad input */
  static const char *const lists[] = {"customers", "units", "technicians"};
  for (int i = 0; i < 3; i++) {
    char p[128];
    snprintf(p, sizeof p, "/v1/organizations/%lld/%s", plain, lists[i]);
    r = th_get(&S, tech(), p);
    th_assert_error(&r, 404, NULL);
    th_resp_free(&r);
    snprintf(p, sizeof p, "/v1/organizations/%lld/%s", partner, lists[i]);
    r = th_get(&S, gt_admin(), p);
    th_assert_error(&r, 404, NULL);
    th_resp_free(&r);
    r = th_get(&S, cust(), p);
    th_assert_error(&r, 403, NULL);
    th_resp_free(&r);
    snprintf(p, sizeof p, "/v1/organizations/%lld/%s?colour=red", partner, lists[i]);
    r = th_get(&S, tech(), p);
    th_assert_error(&r, 400, "colour");
    th_resp_free(&r);
    snprintf(p, sizeof p, "/v1/organizations/x/%s", lists[i]); /* no such path */
    r = th_get(&S, tech(), p);
    th_assert_error(&r, 404, NULL);
    th_resp_free(&r);
  }
}

Test(partner, PART2_technicians_are_linked_before_joining_a_team_and_stay_linked_while_in_one) {
  long long partner = org(sup(), "Fixit BV", true, 0);
  long long fixer = person("fixer", "partner", 0, 0);
  long long customer = person("someone", "customer", 0, 0);
  /* not linked: no team */
  th_resp r = th_json(&S, "POST", sup(), "/v1/teams", "{s:s,s:[{s:I}]}", "name", "Desk",
                      "members", "id", (json_int_t)fixer);
  th_assert_error(&r, 422, "members[0]");
  th_resp_free(&r);
  /* only people with the partner role are linked, by those who manage people */
  char link_path[128];
  snprintf(link_path, sizeof link_path, "/v1/organizations/%lld/technicians/%lld", partner,
           customer);
  r = th_req(&S, "PUT", link_path, sup(), NULL, NULL, NULL);
  th_assert_error(&r, 422, "roles");
  th_resp_free(&r);
  snprintf(link_path, sizeof link_path, "/v1/organizations/%lld/technicians/%lld", partner, fixer);
  r = th_req(&S, "PUT", link_path, tech(), NULL, NULL, NULL);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_req(&S, "PUT", link_path, gt_admin(), NULL, NULL, NULL);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_req(&S, "PUT", link_path, sup(), NULL, NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "partner_organization.name"), "Fixit BV");
  th_resp_free(&r);
  r = th_req(&S, "PUT", link_path, sup(), NULL, NULL, NULL); /* twice: the same */
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  long long team = th_create(&S, sup(), "/v1/teams", "{s:s,s:[{s:I}]}", "name", "Desk",
                             "members", "id", (json_int_t)fixer);
  /* in a team: the link stays (409 naming the team), from here and from the person */
  r = th_req(&S, "DELETE", link_path, sup(), NULL, NULL, NULL);
  th_assert_error(&r, 409, NULL);
  cr_assert(strstr(r.body, "Desk"), "%s", r.body);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), path("/v1/people/%lld", fixer, 0), "{s:n}",
              "partner_organization");
  th_assert_error(&r, 409, NULL);
  th_resp_free(&r);
  /* moving to another partner keeps the technician linked: allowed */
  long long other = org(sup(), "Repairs Ltd", true, 0);
  r = th_json(&S, "PATCH", admin(), path("/v1/people/%lld", fixer, 0), "{s:{s:I}}",
              "partner_organization", "id", (json_int_t)other);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), path("/v1/people/%lld", fixer, 0), "{s:{s:I}}",
              "partner_organization", "id", (json_int_t)partner);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", sup(), path("/v1/teams/%lld", team, 0), "{s:[]}", "members");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", link_path, sup(), NULL, NULL, NULL);
  cr_assert_eq(r.status, 204, "%s", r.body);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", link_path, sup(), NULL, NULL, NULL);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  cr_assert_str_eq(ids(tech(), path("/v1/organizations/%lld/technicians", partner, 0)), "");
  /* audited as changes of the person */
  r = th_get(&S, admin(), path("/v1/audit?record_type=person&record_id=%lld", fixer, 0));
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(strstr(r.body, "partner_organization"), "%s", r.body);
  th_resp_free(&r);
}
