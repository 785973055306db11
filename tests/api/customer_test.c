/* End-to-end tests of the customer record (CUST-1), aliases and send-to (CUST-2), and
 * soft delete / enable (CUST-3). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "harness/harness.h"

static th_server S;
static char *admin, *other, *customer_token;

static void setup(void) {
  th_start(&S);
  th_account(&S, "wdc", "Widget Data Center");
  th_account(&S, "gt", "GigaTera");
  admin = th_person_token(&S, "wdc", "admin", "account_administrator");
  other = th_person_token(&S, "gt", "gadmin", "account_administrator");
  customer_token = th_person_token(&S, "wdc", "cust", "customer");
}
static void teardown(void) {
  free(admin), free(other), free(customer_token);
  th_stop(&S);
}
TestSuite(customer, .init = setup, .fini = teardown, .timeout = 90);

static long long make(const char *username, const char *email) {
  return th_create(&S, admin, "/v1/people", "{s:s,s:s,s:s,s:s,s:[s]}", "first_name", "Ann",
                   "last_name", "Lee", "username", username, "primary_email", email, "roles",
                   "customer");
}

static th_resp patch(long long id, const char *fmt, ...) {
  char path[64], *body;
  snprintf(path, sizeof path, "/v1/people/%lld", id);
  va_list ap;
  va_start(ap, fmt);
  json_t *j = json_vpack_ex(NULL, 0, fmt, ap);
  va_end(ap);
  body = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  th_resp r = th_req(&S, "PATCH", path, admin, body, NULL, NULL);
  free(body);
  return r;
}

Test(customer, CUST1_settings_gate_title_room_gps_partner) {
  long long id = make("ann", "ann@example.com");
  th_resp r = patch(id, "{s:s}", "title", "Dr.");
  th_assert_error(&r, 422, "title");
  th_resp_free(&r);
  r = patch(id, "{s:s}", "room", "B-12");
  th_assert_error(&r, 422, "room");
  th_resp_free(&r);
  r = patch(id, "{s:{s:f,s:f}}", "gps", "lat", 52.1, "lon", 4.3);
  th_assert_error(&r, 422, "gps");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin, "/v1/account", "{s:{s:b,s:b,s:b}}", "settings", "titles_enabled",
              1, "rooms_displayed", 1, "gps_recorded", 1);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = patch(id, "{s:s,s:s,s:{s:f,s:f}}", "title", "Dr.", "room", "B-12", "gps", "lat", 52.1, "lon", 4.3);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(json_string_value(json_object_get(r.json, "title")), "Dr.");
  th_resp_free(&r);
  r = patch(id, "{s:{s:i,s:i}}", "gps", "lat", 95, "lon", 4);
  th_assert_error(&r, 422, "gps");
  th_resp_free(&r);
}

Test(customer, CUST1_country_is_iso3166_and_time_zone_iana) {
  long long id = make("ann", "ann@example.com");
  th_resp r = patch(id, "{s:s}", "country", "Netherlands");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(json_string_value(json_object_get(r.json, "country")), "NL");
  th_resp_free(&r);
  r = patch(id, "{s:s}", "country", "deu");
  cr_assert_str_eq(json_string_value(json_object_get(r.json, "country")), "DE");
  th_resp_free(&r);
  r = patch(id, "{s:s}", "country", "Holand");
  th_assert_error(&r, 422, "country");
  th_resp_free(&r);
  r = patch(id, "{s:s}", "time_zone", "Europe/Amsterdam");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = patch(id, "{s:s}", "time_zone", "Europe/Atlantis");
  th_assert_error(&r, 422, "time_zone");
  th_resp_free(&r);
  r = patch(id, "{s:s}", "time_zone", "../../etc/passwd");
  th_assert_error(&r, 422, "time_zone");
  th_resp_free(&r);
  /* lengths of the seed's template */
  r = patch(id, "{s:s}", "postcode", "123456789012345678901");
  th_assert_error(&r, 422, "postcode");
  th_resp_free(&r);
  r = patch(id, "{s:s}", "email_locale", "en-GB-x");
  th_assert_error(&r, 422, "email_locale");
  th_resp_free(&r);
}

Test(customer, CUST1_line_manager_is_a_customer_of_the_account) {
  long long a = make("ann", "ann@example.com");
  long long b = make("bob", "bob@example.com");
  long long foreign = th_create(&S, other, "/v1/people", "{s:s,s:s,s:s,s:s,s:[s]}", "first_name",
                                "X", "last_name", "Y", "username", "x", "primary_email",
                                "x@example.com", "roles", "customer");
  th_resp r = patch(a, "{s:{s:I}}", "line_manager", "id", b);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(r.json, "line_manager"), "name")), "Ann Lee");
  th_resp_free(&r);
  r = patch(a, "{s:{s:I}}", "line_manager", "id", foreign);
  th_assert_error(&r, 422, "line_manager");
  th_resp_free(&r);
  r = patch(a, "{s:{s:I}}", "line_manager", "id", a);
  th_assert_error(&r, 422, "line_manager");
  th_resp_free(&r);
}

Test(customer, CUST2_aliases_identify_one_person_and_send_to) {
  long long a = make("ann", "ann@example.com");
  long long b = make("bob", "bob@example.com");
  char path[96];
  snprintf(path, sizeof path, "/v1/people/%lld/aliases", a);
  th_resp r = th_json(&S, "POST", admin, path, "{s:s}", "address", "Ann.Lee@Example.org");
  cr_assert_eq(r.status, 201, "%s", r.body);
  cr_assert_str_eq(json_string_value(json_array_get(json_object_get(r.json, "aliases"), 0)), "ann.lee@example.org");
  th_resp_free(&r);
  /* the same address for another person, or a primary of another: 409 */
  char pb[96];
  snprintf(pb, sizeof pb, "/v1/people/%lld/aliases", b);
  r = th_json(&S, "POST", admin, pb, "{s:s}", "address", "ann.lee@example.org");
  th_assert_error(&r, 409, "address");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin, pb, "{s:s}", "address", "ANN@example.com");
  th_assert_error(&r, 409, NULL);
  th_resp_free(&r);
  r = patch(b, "{s:s}", "primary_email", "ann.lee@example.org");
  th_assert_error(&r, 409, NULL);
  th_resp_free(&r);
  /* another account may use it */
  th_create(&S, other, "/v1/people", "{s:s,s:s,s:s,s:s,s:[s]}", "first_name", "A", "last_name",
            "B", "username", "ann", "primary_email", "ann.lee@example.org", "roles", "customer");
  /* bad input */
  r = th_json(&S, "POST", admin, path, "{s:s}", "address", "not-an-address");
  th_assert_error(&r, 422, "address");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin, path, "{s:s,s:b}", "address", "x@example.com", "primary", 1);
  th_assert_error(&r, 422, "primary");
  th_resp_free(&r);
  /* send_to: any of the person's addresses, nothing else */
  r = patch(a, "{s:s}", "send_to", "ann.lee@example.org");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = patch(a, "{s:s}", "send_to", "bob@example.com");
  th_assert_error(&r, 422, "send_to");
  th_resp_free(&r);
  /* find by any address */
  r = th_get(&S, admin, "/v1/people?email=ANN.LEE@example.org");
  cr_assert_eq(json_array_size(r.json), 1, "%s", r.body);
  cr_assert_eq(json_integer_value(json_object_get(json_array_get(r.json, 0), "id")), a);
  th_resp_free(&r);
  /* removing the alias that is send_to falls back to the primary */
  char del[160];
  snprintf(del, sizeof del, "/v1/people/%lld/aliases/ann.lee@example.org", a);
  r = th_req(&S, "DELETE", del, admin, NULL, NULL, NULL);
  cr_assert_eq(r.status, 204, "%s", r.body);
  th_resp_free(&r);
  snprintf(del, sizeof del, "/v1/people/%lld", a);
  r = th_get(&S, admin, del);
  cr_assert_str_eq(json_string_value(json_object_get(r.json, "send_to")), "ann@example.com");
  cr_assert_eq(json_array_size(json_object_get(r.json, "aliases")), 0);
  th_resp_free(&r);
  /* other account's person: 404 */
  r = th_json(&S, "POST", other, path, "{s:s}", "address", "z@example.com");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
}

typedef struct race {
  long long id;
  long status;
} race;

static void *add_same(void *arg) {
  race *r = arg;
  char path[96];
  snprintf(path, sizeof path, "/v1/people/%lld/aliases", r->id);
  th_resp resp = th_json(&S, "POST", admin, path, "{s:s}", "address", "shared@example.net");
  r->status = resp.status;
  th_resp_free(&resp);
  return NULL;
}

Test(customer, CUST2_concurrent_alias_claims_one_winner) {
  enum { N = 6 };
  race rs[N];
  pthread_t t[N];
  char name[16], email[64];
  for (int i = 0; i < N; i++) {
    snprintf(name, sizeof name, "p%d", i);
    snprintf(email, sizeof email, "p%d@example.com", i);
    rs[i].id = make(name, email);
  }
  for (int i = 0; i < N; i++)
    pthread_create(&t[i], NULL, add_same, &rs[i]);
  int won = 0;
  for (int i = 0; i < N; i++) {
    pthread_join(t[i], NULL);
    cr_assert(rs[i].status == 201 || rs[i].status == 409, "status %ld", rs[i].status);
    won += rs[i].status == 201;
  }
  cr_assert_eq(won, 1);
}

Test(customer, CUST3_soft_delete_hides_and_enable_restores) {
  long long a = make("ann", "ann@example.com");
  char path[64], en[80];
  snprintf(path, sizeof path, "/v1/people/%lld", a);
  snprintf(en, sizeof en, "/v1/people/%lld/enable", a);
  th_resp r = patch(a, "{s:s,s:s}", "city", "Delft", "phone", "+31 15 555");
  th_resp_free(&r);
  r = th_req(&S, "DELETE", path, admin, NULL, NULL, NULL);
  cr_assert_eq(r.status, 204);
  th_resp_free(&r);
  r = th_get(&S, admin, "/v1/people?q=ann");
  cr_assert_eq(json_array_size(r.json), 0, "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, admin, "/v1/people?deleted=true");
  cr_assert_eq(json_array_size(r.json), 1, "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, customer_token, "/v1/people?deleted=true");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  /* the address stays reserved while deleted */
  r = th_json(&S, "POST", admin, "/v1/people", "{s:s,s:s,s:s,s:s,s:[s]}", "first_name", "N",
              "last_name", "N", "username", "new", "primary_email", "ann@example.com", "roles",
              "customer");
  th_assert_error(&r, 409, NULL);
  th_resp_free(&r);
  r = th_req(&S, "POST", en, customer_token, NULL, NULL, NULL);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_req(&S, "POST", en, admin, NULL, NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(json_is_false(json_object_get(r.json, "deleted")));
  cr_assert_str_eq(json_string_value(json_object_get(r.json, "city")), "Delft");
  cr_assert_str_eq(json_string_value(json_object_get(r.json, "phone")), "+31 15 555");
  th_resp_free(&r);
  r = th_req(&S, "POST", en, admin, NULL, NULL, NULL);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_req(&S, "POST", en, other, NULL, NULL, NULL);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
}

/* The ETag of person id and its updated_at, as a GET answers them. */
static void etag_of(long long id, char etag[64], char updated[64]) {
  char path[64];
  snprintf(path, sizeof path, "/v1/people/%lld", id);
  th_resp r = th_get(&S, admin, path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  const char *e = th_header(&r, "ETag");
  cr_assert_not_null(e);
  snprintf(etag, 64, "%s", e);
  snprintf(updated, 64, "%s", json_string_value(json_object_get(r.json, "updated_at")));
  th_resp_free(&r);
}

/* The number of audit rows of person id with action. */
static int audit_actions(long long id, const char *action) {
  char path[96];
  snprintf(path, sizeof path, "/v1/audit?record_type=person&record_id=%lld&per_page=100", id);
  th_resp r = th_get(&S, admin, path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  int n = 0;
  size_t i;
  json_t *row;
  json_array_foreach(r.json, i, row) {
    if (!strcmp(json_string_value(json_object_get(row, "action")), action))
      n++;
  }
  th_resp_free(&r);
  return n;
}

/* Issue 11 (rd_rec_touch): a side-table change (an alias) moves the person's ETag and
 * updated_at and writes its audit row, like any change of the record; an If-Match of the
 * old ETag is then stale (412). */
Test(customer, ISSUE11_CUST2_alias_changes_move_the_etag_and_updated_at_and_are_audited) {
  long long id = make("ann", "ann@example.com");
  char e0[64], u0[64], e1[64], u1[64], e2[64], u2[64], sql[160];
  /* an updated_at in the past, so a new one differs whatever the clock's resolution */
  snprintf(sql, sizeof sql, "UPDATE people SET updated_at = '2001-01-01T00:00:00Z' WHERE id = %lld", id);
  th_sql(&S, sql);
  etag_of(id, e0, u0);
  char path[96];
  snprintf(path, sizeof path, "/v1/people/%lld/aliases", id);
  th_resp r = th_json(&S, "POST", admin, path, "{s:s}", "address", "ann.lee@example.org");
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  etag_of(id, e1, u1);
  cr_assert_str_neq(e1, e0, "adding an alias keeps the ETag");
  cr_assert_str_neq(u1, u0, "adding an alias keeps updated_at");
  cr_assert_eq(audit_actions(id, "add_alias"), 1);
  /* the old ETag is stale now */
  char pp[64];
  snprintf(pp, sizeof pp, "/v1/people/%lld", id);
  char im[96];
  snprintf(im, sizeof im, "If-Match: %s", e0);
  r = th_req(&S, "PATCH", pp, admin, "{\"city\": \"Delft\"}", NULL, im);
  th_assert_error(&r, 412, NULL);
  th_resp_free(&r);
  th_sql(&S, sql);
  etag_of(id, e1, u1);
  snprintf(path, sizeof path, "/v1/people/%lld/aliases/ann.lee@example.org", id);
  r = th_req(&S, "DELETE", path, admin, NULL, NULL, NULL);
  cr_assert_lt(r.status, 300, "%s", r.body);
  th_resp_free(&r);
  etag_of(id, e2, u2);
  cr_assert_str_neq(e2, e1, "removing an alias keeps the ETag");
  cr_assert_str_neq(u2, u1, "removing an alias keeps updated_at");
  cr_assert_eq(audit_actions(id, "remove_alias"), 1);
  /* a refused change moves nothing and writes no row */
  r = th_req(&S, "DELETE", path, admin, NULL, NULL, NULL);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  etag_of(id, e1, u1);
  cr_assert_str_eq(e1, e2);
  cr_assert_eq(audit_actions(id, "remove_alias"), 1);
}
