/* End-to-end tests of /v1/teams (TRUST-2: an FLSA names the provider's service desk team),
 * the example resource on the record engine (issue 11): the generic handlers of
 * src/api/record.c over rd_team_type. Create, get, list, merge-patch with If-Match, the
 * audit, the roles of the route table and of the rtype, isolation between accounts and
 * bad input of every endpoint. */
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
}
static void teardown(void) {
  th_stop(&S);
}
TestSuite(team, .init = setup, .fini = teardown, .timeout = 90);

static long long person(const char *token, const char *username) {
  char email[96];
  snprintf(email, sizeof email, "%s@example.com", username);
  return th_create(&S, token, "/v1/people", "{s:s,s:s,s:s,s:s,s:[s]}", "first_name", "Pat",
                   "last_name", username, "username", username, "primary_email", email, "roles",
                   "customer");
}

static char *team_path(long long id) {
  static char p[64];
  snprintf(p, sizeof p, "/v1/teams/%lld", id);
  return p;
}

Test(team, ISSUE11_TRUST2_teams_create_get_list_patch_and_audit) {
  long long pat = person(admin(), "Jones");
  th_resp r = th_json(&S, "POST", sup(), "/v1/teams", "{s:s,s:[{s:I}]}", "name", "Desk",
                      "members", "id", (json_int_t)pat);
  cr_assert_eq(r.status, 201, "%s", r.body);
  long long id = json_integer_value(json_object_get(r.json, "id"));
  const char *loc = th_header(&r, "Location");
  cr_assert(loc && strstr(loc, team_path(id)), "Location %s", loc ? loc : "(none)");
  cr_assert_not_null(th_header(&r, "ETag"));
  cr_assert_str_eq(th_jstr(r.json, "name"), "Desk");
  cr_assert_str_eq(th_jstr(r.json, "members[0].name"), "Pat Jones");
  cr_assert_str_eq(th_jstr(r.json, "account.id"), "wdc");
  th_resp_free(&r);

  r = th_get(&S, tech(), team_path(id)); /* staff read */
  cr_assert_eq(r.status, 200, "%s", r.body);
  char etag[64];
  snprintf(etag, sizeof etag, "%s", th_header(&r, "ETag"));
  th_resp_free(&r);
  r = th_get(&S, tech(), "/v1/teams?per_page=1");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 1);
  th_resp_free(&r);

  char im[96];
  snprintf(im, sizeof im, "If-Match: %s", etag);
  r = th_req(&S, "PATCH", team_path(id), slm(), "{\"name\": \"Service Desk\"}", NULL, im);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "name"), "Service Desk");
  cr_assert_str_eq(th_jstr(r.json, "members[0].name"), "Pat Jones"); /* merge patch */
  cr_assert_str_neq(th_header(&r, "ETag"), etag);
  th_resp_free(&r);
  /* the same If-Match again is stale */
  r = th_req(&S, "PATCH", team_path(id), admin(), "{\"name\": \"Other\"}", NULL, im);
  th_assert_error(&r, 412, NULL);
  th_resp_free(&r);
  r = th_req(&S, "PATCH", team_path(id), admin(), "{\"members\": null}", NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(json_object_get(r.json, "members")), 0);
  th_resp_free(&r);

  char ap[96];
  snprintf(ap, sizeof ap, "/v1/audit?record_type=team&record_id=%lld", id);
  r = th_get(&S, admin(), ap);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 3, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "[0].action"), "create");
  cr_assert_str_eq(th_jstr(r.json, "[1].action"), "update");
  cr_assert_str_eq(th_jstr(r.json, "[1].changes.name.old"), "Desk");
  cr_assert_str_eq(th_jstr(r.json, "[1].changes.name.new"), "Service Desk");
  th_resp_free(&r);
}

Test(team, ISSUE11_TRUST2_team_roles_and_accounts) {
  long long id = th_create(&S, admin(), "/v1/teams", "{s:s}", "name", "Desk");
  th_resp r = th_json(&S, "POST", tech(), "/v1/teams", "{s:s}", "name", "Tech team");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", tech(), team_path(id), "{s:s}", "name", "Renamed");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_get(&S, cust(), team_path(id));
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_get(&S, cust(), "/v1/teams");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  /* another account's team is 404, and its people are no members */
  r = th_get(&S, gt_admin(), team_path(id));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", gt_admin(), team_path(id), "{s:s}", "name", "Mine");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  long long stranger = person(gt_admin(), "Stranger");
  r = th_json(&S, "POST", admin(), "/v1/teams", "{s:s,s:[{s:I}]}", "name", "X", "members", "id",
              (json_int_t)stranger);
  th_assert_error(&r, 422, "members[0]");
  th_resp_free(&r);
  r = th_get(&S, admin(), team_path(id));
  cr_assert_str_eq(th_jstr(r.json, "name"), "Desk");
  th_resp_free(&r);
}

Test(team, ISSUE11_TRUST2_team_bad_input) {
  long long id = th_create(&S, admin(), "/v1/teams", "{s:s}", "name", "Desk");
  th_resp r = th_json(&S, "POST", admin(), "/v1/teams", "{s:s,s:i}", "name", "A", "colour", 1);
  th_assert_error(&r, 422, "colour");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), "/v1/teams", "{s:[]}", "members");
  th_assert_error(&r, 422, "name");
  th_resp_free(&r);
  char long_name[200];
  memset(long_name, 'n', 129);
  long_name[129] = '\0';
  r = th_json(&S, "POST", admin(), "/v1/teams", "{s:s}", "name", long_name);
  th_assert_error(&r, 422, "name");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), "/v1/teams", "{s:s,s:s}", "name", "A", "members", "all");
  th_assert_error(&r, 422, "members");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), "/v1/teams", "{s:s,s:[s]}", "name", "A", "members", "x");
  th_assert_error(&r, 422, "members[0]");
  th_resp_free(&r);
  r = th_req(&S, "POST", "/v1/teams", admin(), "{\"name\": ", NULL, NULL);
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), team_path(id), "{s:n}", "name");
  th_assert_error(&r, 422, "name");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), team_path(id), "{s:i}", "id", 5);
  th_assert_error(&r, 422, "id");
  th_resp_free(&r);
  r = th_req(&S, "PATCH", team_path(id), admin(), "{\"name\": \"B\"}", NULL, "If-Match: nonsense");
  th_assert_error(&r, 412, NULL);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/teams?status=active");
  th_assert_error(&r, 400, "status");
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/teams?per_page=0");
  th_assert_error(&r, 400, "per_page");
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/teams/99999999");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/teams/abc");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_get(&S, admin(), team_path(id));
  cr_assert_str_eq(th_jstr(r.json, "name"), "Desk");
  th_resp_free(&r);
}

static long long staff(const char *username, const char *role) {
  char email[96];
  snprintf(email, sizeof email, "%s@example.com", username);
  json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "first_name", "Lee", "last_name", username,
                         "username", username, "primary_email", email, "roles", role);
  if (!strcmp(role, "technician"))
    json_object_set_new(in, "supervisor",
                        json_pack("{s:I}", "id", (json_int_t)person(admin(), "boss")));
  char *body = json_dumps(in, JSON_COMPACT);
  json_decref(in);
  th_resp r = th_req(&S, "POST", "/v1/people", admin(), body, "application/json", NULL);
  free(body);
  cr_assert_eq(r.status, 201, "%s", r.body);
  long long id = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  return id;
}

/* PART-4: ordered escalation layers; the team's members are theirs; reorder, add and
 * remove by writing the layers; audited; PART-2 for partner technicians in a layer. */
Test(team, PART4_layers_in_order_hold_the_members_and_are_audited) {
  long long a = person(admin(), "Ames"), b = person(admin(), "Bell"), c = person(admin(), "Cole");
  th_resp r = th_json(&S, "POST", sup(), "/v1/teams", "{s:s,s:[{s:[{s:I}]},{s:[{s:I},{s:I}]}]}",
                      "name", "Desk", "layers", "members", "id", (json_int_t)a, "members", "id",
                      (json_int_t)b, "id", (json_int_t)c);
  cr_assert_eq(r.status, 201, "%s", r.body);
  long long id = json_integer_value(json_object_get(r.json, "id"));
  cr_assert_str_eq(th_jstr(r.json, "layers[1].members[0].name"), "Pat Bell");
  cr_assert_eq(json_array_size(json_object_get(r.json, "members")), 3);
  cr_assert_str_eq(th_jstr(r.json, "members[0].name"), "Pat Ames", "layer order");
  th_resp_free(&r);
  /* reorder: the second layer first, Ames dropped */
  r = th_json(&S, "PATCH", sup(), team_path(id), "{s:[{s:[{s:I},{s:I}]}]}", "layers", "members",
              "id", (json_int_t)c, "id", (json_int_t)b);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(json_object_get(r.json, "layers")), 1);
  cr_assert_str_eq(th_jstr(r.json, "members[0].name"), "Pat Cole");
  cr_assert_eq(json_array_size(json_object_get(r.json, "members")), 2);
  th_resp_free(&r);
  /* while it has layers, members alone are refused; a rename keeps them */
  r = th_json(&S, "PATCH", sup(), team_path(id), "{s:[{s:I}]}", "members", "id", (json_int_t)a);
  th_assert_error(&r, 422, "members");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", sup(), team_path(id), "{s:s}", "name", "Service Desk");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(json_object_get(r.json, "members")), 2);
  th_resp_free(&r);
  /* one layer per person; shapes; at most 10 layers */
  r = th_json(&S, "PATCH", sup(), team_path(id), "{s:[{s:[{s:I}]},{s:[{s:I}]}]}", "layers",
              "members", "id", (json_int_t)a, "members", "id", (json_int_t)a);
  th_assert_error(&r, 422, "layers[1].members[0]");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", sup(), team_path(id), "{s:s}", "layers", "all");
  th_assert_error(&r, 422, "layers");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", sup(), team_path(id), "{s:[i]}", "layers", 5);
  th_assert_error(&r, 422, "layers[0]");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", sup(), team_path(id), "{s:[{s:[],s:i}]}", "layers", "members", "x", 1);
  th_assert_error(&r, 422, "layers[0]");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", sup(), team_path(id), "{s:[{s:[s]}]}", "layers", "members", "x");
  th_assert_error(&r, 422, "layers[0].members[0]");
  th_resp_free(&r);
  json_t *many = json_array();
  for (int i = 0; i < 11; i++)
    json_array_append_new(many, json_pack("{s:[]}", "members"));
  json_t *in = json_pack("{s:o}", "layers", many);
  char *body = json_dumps(in, JSON_COMPACT);
  json_decref(in);
  r = th_req(&S, "PATCH", team_path(id), sup(), body, NULL, NULL);
  free(body);
  th_assert_error(&r, 422, "layers");
  th_resp_free(&r);
  /* another account's person; an unlinked partner technician */
  long long stranger = person(gt_admin(), "Stranger");
  long long fixer = staff("fixer", "partner");
  r = th_json(&S, "PATCH", sup(), team_path(id), "{s:[{s:[{s:I},{s:I}]}]}", "layers", "members",
              "id", (json_int_t)stranger, "id", (json_int_t)fixer);
  th_assert_error(&r, 422, "layers[0].members[0]");
  th_assert_error(&r, 422, "layers[0].members[1]");
  th_resp_free(&r);
  /* removing every layer leaves the members as they were */
  r = th_json(&S, "PATCH", sup(), team_path(id), "{s:[]}", "layers");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(json_object_get(r.json, "members")), 2);
  th_resp_free(&r);
  char ap[96];
  snprintf(ap, sizeof ap, "/v1/audit?record_type=team&record_id=%lld", id);
  r = th_get(&S, admin(), ap);
  cr_assert_eq(json_array_size(r.json), 4, "create, reorder, rename, layers removed: %s", r.body);
  cr_assert(json_is_array(th_jpath(r.json, "[1].changes.layers.old")), "%s", r.body);
  cr_assert_eq(json_array_size(th_jpath(r.json, "[1].changes.layers.new")), 1);
  th_resp_free(&r);
}
