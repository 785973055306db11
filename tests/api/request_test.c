/* End-to-end tests of requests (issue 13, PART-3/4): assignment to layer 1 with the
 * partner preference, escalation, load, notes and time entries, the list filters, who sees
 * which request (staff, partner technicians, customers), other accounts' ids and bad input.
 * The assignment rule itself is checked against an oracle by
 * tests/unit/domain/assign_test.c over random teams. */
#include <criterion/criterion.h>
#include <stdarg.h>
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
static const char *gt_admin(void) {
  return th_token(&S, "gigatera", "gtadmin", "account_administrator");
}

static void setup(void) {
  th_start(&S);
  th_account(&S, "wdc", "Widget Data Center");
  th_account(&S, "gigatera", "GigaTera");
  th_resp r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:b}}", "settings",
                      "customer_partner_editable", true);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
}
static void teardown(void) {
  th_stop(&S);
}
TestSuite(request, .init = setup, .fini = teardown, .timeout = 90);

static char *path(const char *fmt, long long a) {
  static char p[160];
  snprintf(p, sizeof p, fmt, a);
  return p;
}

static long long org(const char *name, bool partner, long long partner_of) {
  if (partner_of)
    return th_create(&S, sup(), "/v1/organizations", "{s:s,s:b,s:{s:I}}", "name", name,
                     "partner", partner, "partner_organization", "id", (json_int_t)partner_of);
  return th_create(&S, sup(), "/v1/organizations", "{s:s,s:b}", "name", name, "partner", partner);
}

/* The person id behind a token. */
static long long me(const char *token) {
  th_resp r = th_get(&S, token, "/v1/me");
  cr_assert_eq(r.status, 200, "%s", r.body);
  long long id = json_integer_value(th_jpath(r.json, "person.id"));
  if (!id)
    id = json_integer_value(th_jpath(r.json, "id"));
  th_resp_free(&r);
  cr_assert(id > 0);
  return id;
}

/* A person with one role; unit and partner organization when not 0. */
static long long person(const char *username, const char *role, long long unit,
                        long long partner_of) {
  char email[96];
  snprintf(email, sizeof email, "%s@example.com", username);
  json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "first_name", "Pat", "last_name", username,
                         "username", username, "primary_email", email, "roles", role);
  if (unit)
    json_object_set_new(in, "organization", json_pack("{s:I}", "id", (json_int_t)unit));
  if (partner_of)
    json_object_set_new(in, "partner_organization", json_pack("{s:I}", "id", (json_int_t)partner_of));
  if (!strcmp(role, "technician"))
    json_object_set_new(in, "supervisor", json_pack("{s:I}", "id", (json_int_t)me(sup())));
  char *body = json_dumps(in, JSON_COMPACT);
  json_decref(in);
  th_resp r = th_req(&S, "POST", "/v1/people", admin(), body, "application/json", NULL);
  free(body);
  cr_assert_eq(r.status, 201, "%s", r.body);
  long long id = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  return id;
}

static json_t *ref(long long id) {
  return json_pack("{s:I}", "id", (json_int_t)id);
}

/* A team with layers of people (each layer's list ends with 0; the layers end with -1). */
static long long team(const char *name, ...) {
  va_list ap;
  va_start(ap, name);
  json_t *layers = json_array(), *layer = json_array();
  for (long long id; (id = va_arg(ap, long long)) != -1;) {
    if (id == 0) {
      json_array_append_new(layers, json_pack("{s:o}", "members", layer));
      layer = json_array();
    } else {
      json_array_append_new(layer, ref(id));
    }
  }
  va_end(ap);
  json_decref(layer);
  json_t *in = json_pack("{s:s,s:o}", "name", name, "layers", layers);
  char *body = json_dumps(in, JSON_COMPACT);
  json_decref(in);
  th_resp r = th_req(&S, "POST", "/v1/teams", admin(), body, "application/json", NULL);
  free(body);
  cr_assert_eq(r.status, 201, "%s", r.body);
  long long id = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  return id;
}

/* Raises a request for customer in team (0: none) and answers it (the caller frees). */
static th_resp raise(const char *token, long long customer, long long team_id,
                     const char *subject) {
  json_t *in = json_pack("{s:s}", "subject", subject);
  if (customer)
    json_object_set_new(in, "customer", ref(customer));
  if (team_id)
    json_object_set_new(in, "team", ref(team_id));
  char *body = json_dumps(in, JSON_COMPACT);
  json_decref(in);
  th_resp r = th_req(&S, "POST", "/v1/requests", token, body, "application/json", NULL);
  free(body);
  return r;
}

static long long assignee(th_resp *r) {
  return json_integer_value(th_jpath(r->json, "assignee.id"));
}

/* The ids of a list page, "1,2,3". */
static const char *ids(const char *token, const char *p) {
  static char out[512];
  th_resp r = th_get(&S, token, p);
  cr_assert_eq(r.status, 200, "%s: %s", p, r.body);
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

typedef struct world {
  long long partner, other_partner, unit, c_unit, c_direct, c_plain;
  long long t1, t2, p1, p2, team;
} world;

/* Partner P (of unit U), another partner Q; customers through the unit, directly, none;
 * internal technicians t1, t2; p1 of P, p2 of Q; a team of layers [t1, p2, p1] and [t2]. */
static world make_world(void) {
  world w;
  w.partner = org("Fixit BV", true, 0);
  w.other_partner = org("Other BV", true, 0);
  w.unit = org("Sales", false, w.partner);
  w.c_unit = person("cunit", "customer", w.unit, 0);
  w.c_direct = person("cdirect", "customer", 0, w.partner);
  w.c_plain = person("cplain", "customer", 0, 0);
  w.t1 = person("t1", "technician", 0, 0);
  w.t2 = person("t2", "technician", 0, 0);
  w.p1 = person("p1", "partner", 0, w.partner);
  w.p2 = person("p2", "partner", 0, w.other_partner);
  w.team = team("Desk", w.t1, w.p2, w.p1, 0LL, w.t2, 0LL, -1LL);
  return w;
}

Test(request, PART4_a_new_request_goes_to_layer_one_preferring_the_customers_partner) {
  world w = make_world();
  th_resp r = raise(admin(), w.c_unit, w.team, "Printer on fire");
  cr_assert_eq(r.status, 201, "%s", r.body);
  cr_assert_eq(assignee(&r), w.p1, "via the unit's partner: %s", r.body);
  cr_assert_eq(json_integer_value(json_object_get(r.json, "layer")), 1);
  cr_assert_str_eq(th_jstr(r.json, "status"), "open");
  cr_assert_eq(json_integer_value(th_jpath(r.json, "organization.id")), w.unit);
  cr_assert(th_jstr(r.json, "assigned_at"));
  cr_assert(strstr(th_header(&r, "Location"), "/v1/requests/"));
  long long first = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  r = raise(admin(), w.c_direct, w.team, "Mail is slow");
  cr_assert_eq(assignee(&r), w.p1, "the customer's own partner: %s", r.body);
  th_resp_free(&r);
  /* no partner: an internal technician, never another partner's */
  r = raise(admin(), w.c_plain, w.team, "Laptop");
  cr_assert_eq(assignee(&r), w.t1, "%s", r.body);
  long long plain = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  r = raise(admin(), w.c_plain, w.team, "Laptop 2");
  cr_assert_eq(assignee(&r), w.t1, "the only internal technician of layer 1: %s", r.body);
  th_resp_free(&r);
  /* escalation: layer 2 and its technician; at the last layer 422 */
  r = th_json(&S, "POST", admin(), path("/v1/requests/%lld/escalate", first), NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_integer_value(json_object_get(r.json, "layer")), 2);
  cr_assert_eq(assignee(&r), w.t2, "%s", r.body);
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), path("/v1/requests/%lld/escalate", first), NULL);
  th_assert_error(&r, 422, "layer");
  th_resp_free(&r);
  /* the load follows status and assignment: p1 kept one (c_direct), t1 two, t2 one */
  cr_assert_eq(th_sql_int(&S, path("SELECT open_requests FROM technician_load WHERE person_id"
                                   " = %lld", w.p1)), 1);
  cr_assert_eq(th_sql_int(&S, path("SELECT open_requests FROM technician_load WHERE person_id"
                                   " = %lld", w.t1)), 2);
  r = th_json(&S, "PATCH", admin(), path("/v1/requests/%lld", plain), "{s:s}", "status", "closed");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  cr_assert_eq(th_sql_int(&S, path("SELECT open_requests FROM technician_load WHERE person_id"
                                   " = %lld", w.t1)), 1);
  /* a team change starts again at layer 1; an explicit assignee is kept */
  long long solo = team("Solo", w.t2, 0LL, -1LL);
  r = th_json(&S, "PATCH", admin(), path("/v1/requests/%lld", plain), "{s:{s:I}}", "team", "id",
              (json_int_t)solo);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(assignee(&r), w.t2, "%s", r.body);
  cr_assert_eq(json_integer_value(json_object_get(r.json, "layer")), 1);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), path("/v1/requests/%lld", plain), "{s:{s:I}}", "assignee",
              "id", (json_int_t)w.t1);
  th_assert_error(&r, 422, "assignee"); /* not a member of team Solo */
  th_resp_free(&r);
  /* the audit names every change */
  r = th_get(&S, admin(), path("/v1/audit?record_type=request&record_id=%lld", first));
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 2, "create and escalate: %s", r.body);
  th_resp_free(&r);
}

Test(request, PART4_bad_input_changes_nothing) {
  world w = make_world();
  long long before = th_sql_int(&S, "SELECT COUNT(*) FROM requests");
  th_resp r = th_json(&S, "POST", admin(), "/v1/requests", "{s:{s:I}}", "customer", "id",
                      (json_int_t)w.c_plain);
  th_assert_error(&r, 422, "subject");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), "/v1/requests", "{s:s,s:{s:I},s:s}", "subject", "x",
              "customer", "id", (json_int_t)w.c_plain, "colour", "red");
  th_assert_error(&r, 422, "colour");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), "/v1/requests", "{s:s,s:{s:I},s:s}", "subject", "x",
              "customer", "id", (json_int_t)w.c_plain, "status", "lost");
  th_assert_error(&r, 422, "status");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), "/v1/requests", "{s:s,s:{s:I},s:i}", "subject", "x",
              "customer", "id", (json_int_t)w.c_plain, "layer", 2);
  th_assert_error(&r, 422, "layer");
  th_resp_free(&r);
  r = raise(admin(), w.t1, 0, "a technician is no customer");
  th_assert_error(&r, 422, "customer");
  th_resp_free(&r);
  long long gt_cust = th_create(&S, gt_admin(), "/v1/people", "{s:s,s:s,s:s,s:s,s:[s]}",
                                "first_name", "G", "last_name", "T", "username", "gtc",
                                "primary_email", "gtc@example.com", "roles", "customer");
  r = raise(admin(), gt_cust, 0, "another account's customer");
  th_assert_error(&r, 422, "customer");
  th_resp_free(&r);
  long long gt_team = th_create(&S, gt_admin(), "/v1/teams", "{s:s}", "name", "GT");
  r = raise(admin(), w.c_plain, gt_team, "another account's team");
  th_assert_error(&r, 422, "team");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), "/v1/requests", "{s:s,s:{s:I},s:{s:I}}", "subject", "x",
              "customer", "id", (json_int_t)w.c_plain, "assignee", "id", (json_int_t)w.c_unit);
  th_assert_error(&r, 422, "assignee"); /* a customer works on no request */
  th_resp_free(&r);
  r = th_req(&S, "POST", "/v1/requests", admin(), "{\"subject\": ", "application/json", NULL);
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM requests"), before);
  /* a request without a team cannot be escalated; bad filters are 400 */
  r = raise(admin(), w.c_plain, 0, "no team");
  cr_assert_eq(r.status, 201, "%s", r.body);
  cr_assert(json_is_null(json_object_get(r.json, "assignee")));
  long long id = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), path("/v1/requests/%lld/escalate", id), NULL);
  th_assert_error(&r, 422, "team");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), path("/v1/requests/%lld", id), "{s:{s:I}}", "customer", "id",
              (json_int_t)w.c_unit);
  th_assert_error(&r, 422, "customer"); /* the customer of a request stays */
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/requests?status=lost");
  th_assert_error(&r, 400, "status");
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/requests?team=abc");
  th_assert_error(&r, 400, "team");
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/requests?colour=red");
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
  /* another account's ids are 404 */
  r = th_get(&S, gt_admin(), path("/v1/requests/%lld", id));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", gt_admin(), path("/v1/requests/%lld", id), "{s:s}", "status", "closed");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_json(&S, "POST", gt_admin(), path("/v1/requests/%lld/notes", id), "{s:s}", "text", "hi");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  cr_assert_str_eq(ids(gt_admin(), "/v1/requests"), "");
}

/* Who sees which request: staff all, a partner technician its organization's, a customer
 * its own; what is not seen is 404, what a role may not do is 403. */
Test(request, PART3_partner_technicians_and_customers_see_only_their_requests) {
  world w = make_world();
  const char *cust = th_token(&S, "wdc", "custtok", "customer");
  const char *tech = th_token(&S, "wdc", "techtok", "technician");
  long long cust_id = me(cust);
  /* a customer raises its own request (no customer named); not someone else's */
  th_resp r = raise(cust, 0, w.team, "My screen");
  cr_assert_eq(r.status, 201, "%s", r.body);
  cr_assert_eq(json_integer_value(th_jpath(r.json, "customer.id")), cust_id);
  long long own = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  r = raise(cust, w.c_plain, 0, "for another");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_json(&S, "POST", cust, "/v1/requests", "{s:s,s:{s:I}}", "subject", "x", "assignee",
              "id", (json_int_t)w.t1);
  th_assert_error(&r, 422, "assignee");
  th_resp_free(&r);
  r = raise(admin(), w.c_unit, w.team, "Unit request"); /* to p1 */
  long long unit_req = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  r = raise(admin(), w.c_plain, w.team, "Plain request"); /* to t1 */
  long long plain_req = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  char all[128];
  snprintf(all, sizeof all, "%lld,%lld,%lld", own, unit_req, plain_req);
  cr_assert_str_eq(ids(tech, "/v1/requests"), all);
  cr_assert_str_eq(ids(cust, "/v1/requests"), path("%lld", own));
  r = th_get(&S, cust, path("/v1/requests/%lld", plain_req));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", cust, path("/v1/requests/%lld", own), "{s:s}", "status", "closed");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  /* partner technicians: p1's organization has unit_req; a second technician of the same
   * partner sees it too; p2 sees nothing */
  const char *p1 = th_token(&S, "wdc", "p1tok", "partner");
  char link[128];
  snprintf(link, sizeof link, "/v1/organizations/%lld/technicians/%lld", w.partner, me(p1));
  r = th_json(&S, "PUT", admin(), link, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  cr_assert_str_eq(ids(p1, "/v1/requests"), path("%lld", unit_req));
  r = th_get(&S, p1, path("/v1/requests/%lld", plain_req));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", p1, path("/v1/requests/%lld", unit_req), "{s:s}", "status", "pending");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", p1, path("/v1/requests/%lld", plain_req), "{s:s}", "status", "pending");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = raise(p1, w.c_unit, 0, "partners do not raise requests");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  /* the filters, and the partner organization's list (PART-3) */
  cr_assert_str_eq(ids(admin(), path("/v1/requests?partner_organization=%lld", w.partner)),
                   path("%lld", unit_req));
  cr_assert_str_eq(ids(admin(), path("/v1/organizations/%lld/requests", w.partner)),
                   path("%lld", unit_req));
  snprintf(all, sizeof all, "%lld,%lld", own, plain_req); /* no partner: t1 */
  cr_assert_str_eq(ids(admin(), path("/v1/requests?assignee=%lld", w.t1)), all);
  cr_assert_str_eq(ids(admin(), path("/v1/requests?customer=%lld", w.c_unit)), path("%lld", unit_req));
  cr_assert_str_eq(ids(admin(), path("/v1/requests?organization=%lld", w.unit)), path("%lld", unit_req));
  cr_assert_str_eq(ids(admin(), "/v1/requests?status=pending"), path("%lld", unit_req));
  snprintf(all, sizeof all, "%lld,%lld", own, plain_req);
  cr_assert_str_eq(ids(admin(), "/v1/requests?status=open&per_page=5"), all);
  cr_assert_str_eq(ids(admin(), path("/v1/requests?team=%lld&status=open", w.team)), all);
  r = th_get(&S, admin(), path("/v1/organizations/%lld/requests", w.unit));
  th_assert_error(&r, 404, NULL); /* not a partner organization (as for the other lists) */
  th_resp_free(&r);
  r = th_get(&S, cust, path("/v1/organizations/%lld/requests", w.partner));
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
}

Test(request, PART4_notes_and_time_entries) {
  world w = make_world();
  const char *cust = th_token(&S, "wdc", "custtok", "customer");
  th_resp r = raise(cust, 0, w.team, "Help");
  long long id = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), path("/v1/requests/%lld/notes", id), "{s:s,s:b}", "text",
              "Called the vendor\nno answer", "internal", true);
  cr_assert_eq(r.status, 201, "%s", r.body);
  cr_assert_eq(json_integer_value(th_jpath(r.json, "author.id")), me(admin()), "%s", r.body);
  cr_assert(json_is_true(json_object_get(r.json, "internal")));
  th_resp_free(&r);
  r = th_json(&S, "POST", cust, path("/v1/requests/%lld/notes", id), "{s:s}", "text", "Any news?");
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  r = th_json(&S, "POST", cust, path("/v1/requests/%lld/notes", id), "{s:s,s:b}", "text", "x",
              "internal", true);
  th_assert_error(&r, 422, "internal");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), path("/v1/requests/%lld/notes", id), "{s:s}", "text", "");
  th_assert_error(&r, 422, "text");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), path("/v1/requests/%lld/notes", id), "{s:i}", "text", 5);
  th_assert_error(&r, 422, "text");
  th_resp_free(&r);
  r = th_get(&S, admin(), path("/v1/requests/%lld/notes", id));
  cr_assert_eq(json_array_size(r.json), 2, "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, cust, path("/v1/requests/%lld/notes", id));
  cr_assert_eq(json_array_size(r.json), 1, "no internal note for the customer: %s", r.body);
  th_resp_free(&r);
  /* time: staff and partners record it; the request's minutes are the sum */
  r = th_json(&S, "POST", admin(), path("/v1/requests/%lld/time_entries", id), "{s:i,s:s}",
              "minutes", 45, "date", "2026-12-01");
  cr_assert_eq(r.status, 201, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "date"), "2026-12-01");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), path("/v1/requests/%lld/time_entries", id), "{s:i}", "minutes", 15);
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), path("/v1/requests/%lld/time_entries", id), "{s:i}", "minutes", 0);
  th_assert_error(&r, 422, "minutes");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), path("/v1/requests/%lld/time_entries", id), "{s:i,s:s}",
              "minutes", 5, "date", "2026-02-30");
  th_assert_error(&r, 422, "date");
  th_resp_free(&r);
  r = th_json(&S, "POST", cust, path("/v1/requests/%lld/time_entries", id), "{s:i}", "minutes", 5);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_get(&S, cust, path("/v1/requests/%lld", id));
  cr_assert_eq(json_integer_value(json_object_get(r.json, "minutes")), 60, "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, admin(), path("/v1/requests/%lld/time_entries?per_page=1", id));
  cr_assert_eq(json_array_size(r.json), 1, "%s", r.body);
  cr_assert(th_header(&r, "Link"), "a next page");
  th_resp_free(&r);
  r = th_get(&S, admin(), path("/v1/audit?record_type=request&record_id=%lld", id));
  cr_assert(strstr(r.body, "add_note") && strstr(r.body, "add_time"), "%s", r.body);
  th_resp_free(&r);
}
