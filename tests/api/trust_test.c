/* End-to-end tests of trusts, agreements, the All Organizations view, the foreign-record
 * projection and private annotations (TRUST-1..7). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "harness/harness.h"

static th_server S;
static char *msp, *cust, *other, *msp_tech, *cust_slm, *cust_customer;
static long long msp_org, cust_org, cust_org2, other_org;

static void setup(void) {
  th_start(&S);
  th_account(&S, "msp", "The MSP");
  th_account(&S, "cust", "The Customer");
  th_account(&S, "other", "Someone Else");
  msp = th_person_token(&S, "msp", "madmin", "account_administrator");
  cust = th_person_token(&S, "cust", "cadmin", "account_administrator");
  other = th_person_token(&S, "other", "oadmin", "account_administrator");
  msp_tech = th_person_token(&S, "msp", "mtech", "technician");
  cust_slm = th_person_token(&S, "cust", "cslm", "service_level_manager");
  cust_customer = th_person_token(&S, "cust", "ccust", "customer");
  msp_org = th_create(&S, msp, "/v1/organizations",
                      "{s:s,s:s,s:s,s:{s:[{s:s,s:s}]}}", "name", "MSP Inc", "financial_id", "SECRET-FIN",
                      "remarks", "owner remarks", "contact", "telephones", "label", "work",
                      "number", "+1 555 0100");
  cust_org = th_create(&S, cust, "/v1/organizations", "{s:s,s:s}", "name", "Customer BV",
                       "financial_id", "CUST-FIN");
  cust_org2 = th_create(&S, cust, "/v1/organizations", "{s:s}", "name", "Customer Subsidiary");
  other_org = th_create(&S, other, "/v1/organizations", "{s:s}", "name", "Other Ltd");
}
static void teardown(void) {
  free(msp), free(cust), free(other), free(msp_tech), free(cust_slm), free(cust_customer);
  th_stop(&S);
}
TestSuite(trust, .init = setup, .fini = teardown, .timeout = 90);

static void trust(const char *token, const char *account) {
  th_resp r = th_json(&S, "POST", token, "/v1/account/trusts", "{s:s}", "account", account);
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
}

/* The msp registers a service provided by msp_org and an SLA for cust_org. */
static long long sla(const char *start, const char *expiry, bool cancelled) {
  long long svc = th_create(&S, msp, "/v1/services", "{s:s,s:{s:I}}", "name", "Hosting",
                            "provider", "id", msp_org);
  return th_create(&S, msp, "/v1/slas", "{s:{s:I},s:{s:I},s:s,s:s?,s:b}", "service", "id", svc,
                   "customer", "id", cust_org, "start_date", start, "expiry_date", expiry,
                   "cancelled", cancelled);
}

/* ids listed by GET path for token, as "id,id,..." */
static void ids(const char *token, const char *path, char *out, size_t cap) {
  th_resp r = th_get(&S, token, path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  out[0] = 0;
  size_t i;
  json_t *o;
  json_array_foreach(r.json, i, o) {
    size_t n = strlen(out);
    snprintf(out + n, cap - n, "%s%lld", n ? "," : "", json_integer_value(json_object_get(o, "id")));
  }
  th_resp_free(&r);
}

static bool visible(const char *token, long long id) {
  char path[64];
  snprintf(path, sizeof path, "/v1/organizations/%lld", id);
  th_resp r = th_get(&S, token, path);
  bool ok = r.status == 200;
  if (!ok)
    th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  return ok;
}

Test(trust, TRUST1_trusts_add_list_remove_and_errors) {
  trust(msp, "cust");
  th_resp r = th_get(&S, msp, "/v1/account/trusts");
  cr_assert_eq(json_array_size(r.json), 1);
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(r.json, 0), "account"), "name")), "The Customer");
  th_resp_free(&r);
  r = th_json(&S, "POST", msp, "/v1/account/trusts", "{s:s}", "account", "cust");
  th_assert_error(&r, 409, NULL);
  th_resp_free(&r);
  r = th_json(&S, "POST", msp, "/v1/account/trusts", "{s:s}", "account", "nosuch");
  th_assert_error(&r, 422, "account");
  th_resp_free(&r);
  r = th_json(&S, "POST", msp, "/v1/account/trusts", "{s:s}", "account", "msp");
  th_assert_error(&r, 422, "account");
  th_resp_free(&r);
  r = th_json(&S, "POST", msp, "/v1/account/trusts", "{s:s,s:b}", "account", "other", "x", 1);
  th_assert_error(&r, 422, "x");
  th_resp_free(&r);
  r = th_json(&S, "POST", msp, "/v1/account/trusts", "{s:i}", "account", 5);
  th_assert_error(&r, 422, "account");
  th_resp_free(&r);
  r = th_json(&S, "POST", msp_tech, "/v1/account/trusts", "{s:s}", "account", "other");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", "/v1/account/trusts/cust", msp, NULL, NULL, NULL);
  cr_assert_eq(r.status, 204);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", "/v1/account/trusts/cust", msp, NULL, NULL, NULL);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
}

Test(trust, TRUST2_sla_customer_must_be_own_or_of_an_account_that_trusts_the_provider) {
  long long svc = th_create(&S, msp, "/v1/services", "{s:s,s:{s:I}}", "name", "Hosting",
                            "provider", "id", msp_org);
  th_resp r = th_json(&S, "POST", msp, "/v1/slas", "{s:{s:I},s:{s:I},s:s}", "service", "id", svc,
                      "customer", "id", cust_org, "start_date", "2020-01-01");
  th_assert_error(&r, 422, "customer");
  th_resp_free(&r);
  trust(cust, "msp"); /* the customer's consent */
  r = th_json(&S, "POST", msp, "/v1/slas", "{s:{s:I},s:{s:I},s:s}", "service", "id", svc,
              "customer", "id", cust_org, "start_date", "2020-01-01");
  cr_assert_eq(r.status, 201, "%s", r.body);
  char where[64];
  snprintf(where, sizeof where, "/v1/slas/%lld", (long long)json_integer_value(json_object_get(r.json, "id")));
  cr_assert_str_eq(th_header(&r, "Location"), where);
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(r.json, "customer_account"), "id")), "cust");
  cr_assert_str_eq(json_string_value(json_object_get(r.json, "status")), "active");
  th_resp_free(&r);
  /* the service's provider must be an own organization */
  r = th_json(&S, "POST", msp, "/v1/services", "{s:s,s:{s:I}}", "name", "X", "provider", "id", cust_org);
  th_assert_error(&r, 422, "provider");
  th_resp_free(&r);
  /* bad input */
  r = th_json(&S, "POST", msp, "/v1/slas", "{s:{s:I},s:{s:I},s:s}", "service", "id", svc,
              "customer", "id", msp_org, "start_date", "2020-02-30");
  th_assert_error(&r, 422, "start_date");
  th_resp_free(&r);
  r = th_json(&S, "POST", msp, "/v1/slas", "{s:{s:I},s:{s:I},s:s,s:s}", "service", "id", svc,
              "customer", "id", msp_org, "start_date", "2020-01-01", "status", "active");
  th_assert_error(&r, 422, "status");
  th_resp_free(&r);
  r = th_json(&S, "POST", msp, "/v1/slas", "{s:{s:I},s:{s:I},s:s,s:s}", "service", "id", svc,
              "customer", "id", msp_org, "start_date", "2021-01-01", "expiry_date", "2020-01-01");
  th_assert_error(&r, 422, "expiry_date");
  th_resp_free(&r);
  r = th_json(&S, "POST", msp_tech, "/v1/services", "{s:s,s:{s:I}}", "name", "X", "provider", "id", msp_org);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_get(&S, msp, "/v1/slas?status=bogus");
  th_assert_error(&r, 400, "status");
  th_resp_free(&r);
}

Test(trust, TRUST2_status_follows_dates_and_filter) {
  trust(cust, "msp");
  long long active = sla("2020-01-01", NULL, false);
  long long pending = sla("2999-01-01", NULL, false);
  long long expired = sla("2020-01-01", "2021-01-01", false);
  long long cancelled = sla("2020-01-01", NULL, true);
  char got[256], want[256];
  ids(msp, "/v1/slas?status=active", got, sizeof got);
  snprintf(want, sizeof want, "%lld", active);
  cr_assert_str_eq(got, want);
  ids(msp, "/v1/slas?status=pending", got, sizeof got);
  snprintf(want, sizeof want, "%lld", pending);
  cr_assert_str_eq(got, want);
  ids(msp, "/v1/slas?status=expired", got, sizeof got);
  snprintf(want, sizeof want, "%lld", expired);
  cr_assert_str_eq(got, want);
  ids(msp, "/v1/slas?status=cancelled", got, sizeof got);
  snprintf(want, sizeof want, "%lld", cancelled);
  cr_assert_str_eq(got, want);
}

Test(trust, TRUST3_view_follows_trusts_and_agreements) {
  /* msp's SLA with cust's organization, registered with cust's consent (cust trusts msp):
   * the customer org shows in msp's view (source 3) and the provider org in cust's view
   * (source 2). Nothing of `other` ever shows. */
  trust(cust, "msp");
  long long s = sla("2020-01-01", NULL, false);
  char got[256], want[256];
  ids(msp, "/v1/organizations/all", got, sizeof got);
  snprintf(want, sizeof want, "%lld,%lld", msp_org, cust_org);
  cr_assert_str_eq(got, want);
  ids(msp, "/v1/organizations/trusted", got, sizeof got);
  snprintf(want, sizeof want, "%lld", cust_org);
  cr_assert_str_eq(got, want);
  ids(cust, "/v1/organizations/trusted", got, sizeof got);
  snprintf(want, sizeof want, "%lld", msp_org);
  cr_assert_str_eq(got, want);
  cr_assert(visible(cust, msp_org));
  cr_assert(visible(msp, cust_org));
  cr_assert_not(visible(msp, cust_org2));
  cr_assert_not(visible(msp, other_org));
  cr_assert(visible(cust_customer, msp_org), "TRUST-6: any person of the account may read");
  /* cancelling the SLA takes both away */
  char path[64];
  snprintf(path, sizeof path, "/v1/slas/%lld", s);
  th_resp r = th_json(&S, "PATCH", msp, path, "{s:b}", "cancelled", 1);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  cr_assert_not(visible(msp, cust_org));
  cr_assert_not(visible(cust, msp_org));
  /* re-activate: both back */
  r = th_json(&S, "PATCH", msp, path, "{s:b}", "cancelled", 0);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  cr_assert(visible(msp, cust_org));
  cr_assert(visible(cust, msp_org));
}

/* TRUST-3: the customer's trust is checked at read time, in both sources of the view:
 * withdrawing it hides the records at once (lists and single GET 404), on both sides,
 * however the provider trusts the customer. */
Test(trust, TRUST3_withdrawn_customer_trust_hides_records_at_once) {
  trust(cust, "msp");
  trust(msp, "cust"); /* the provider's trust: never enough on its own */
  sla("2020-01-01", NULL, false);
  th_create(&S, msp, "/v1/flsas", "{s:{s:I},s:{s:I},s:s}", "provider", "id", msp_org,
            "customer", "id", cust_org2, "start_date", "2020-01-01");
  char got[256], want[256];
  ids(msp, "/v1/organizations/trusted", got, sizeof got);
  snprintf(want, sizeof want, "%lld,%lld", cust_org, cust_org2);
  cr_assert_str_eq(got, want);
  ids(cust, "/v1/organizations/trusted", got, sizeof got);
  snprintf(want, sizeof want, "%lld", msp_org);
  cr_assert_str_eq(got, want);
  th_resp r = th_req(&S, "DELETE", "/v1/account/trusts/msp", cust, NULL, NULL, NULL);
  cr_assert_eq(r.status, 204, "%s", r.body);
  th_resp_free(&r);
  /* source 3: msp registered the agreements, but cust no longer consents */
  ids(msp, "/v1/organizations/trusted", got, sizeof got);
  cr_assert_str_eq(got, "");
  ids(msp, "/v1/organizations/all", got, sizeof got);
  snprintf(want, sizeof want, "%lld", msp_org);
  cr_assert_str_eq(got, want);
  cr_assert_not(visible(msp, cust_org), "SLA customer still readable by the provider");
  cr_assert_not(visible(msp, cust_org2), "FLSA customer still readable by the provider");
  /* and no annotation of it either */
  char path[64];
  snprintf(path, sizeof path, "/v1/organizations/%lld", cust_org);
  r = th_json(&S, "PATCH", msp, path, "{s:s}", "remarks", "x");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  /* source 2: cust is the customer and no longer trusts the provider */
  ids(cust, "/v1/organizations/trusted", got, sizeof got);
  cr_assert_str_eq(got, "");
  cr_assert_not(visible(cust, msp_org));
  /* consent given again: back at once */
  trust(cust, "msp");
  cr_assert(visible(msp, cust_org));
  cr_assert(visible(msp, cust_org2));
  cr_assert(visible(cust, msp_org));
}

Test(trust, TRUST3_view_lists_need_staff_and_page) {
  trust(cust, "msp");
  for (int i = 0; i < 3; i++)
    sla("2020-01-01", NULL, false);
  th_resp r = th_get(&S, cust_customer, "/v1/organizations/all");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_get(&S, msp, "/v1/organizations/all?per_page=1");
  cr_assert_eq(json_array_size(r.json), 1);
  const char *link = th_header(&r, "Link");
  cr_assert(link && strstr(link, "rel=\"next\""));
  th_resp_free(&r);
  r = th_get(&S, msp, "/v1/organizations/all?per_page=1000");
  th_assert_error(&r, 400, "per_page");
  th_resp_free(&r);
  r = th_get(&S, msp, "/v1/organizations/all?name=x");
  th_assert_error(&r, 400, "name");
  th_resp_free(&r);
}

/* Every page through the cursor, as "id,id,...". */
static void all_pages(const char *token, const char *first, char *out, size_t cap) {
  char path[256];
  snprintf(path, sizeof path, "%s", first);
  out[0] = 0;
  for (int page = 0; page < 20; page++) {
    th_resp r = th_get(&S, token, path);
    cr_assert_eq(r.status, 200, "%s", r.body);
    size_t i;
    json_t *o;
    json_array_foreach(r.json, i, o) {
      size_t n = strlen(out);
      snprintf(out + n, cap - n, "%s%lld", n ? "," : "",
               json_integer_value(json_object_get(o, "id")));
    }
    const char *link = th_header(&r, "Link");
    const char *lt = link ? strchr(link, '<') : NULL, *gt = lt ? strchr(lt, '>') : NULL;
    if (lt && gt)
      snprintf(path, sizeof path, "%.*s", (int)(gt - lt - 1), lt + 1);
    th_resp_free(&r);
    if (!lt || !gt)
      return;
  }
  cr_assert_fail("more than 20 pages");
}

Test(trust, TRUST3_view_pages_are_exact_when_agreements_share_an_organization) {
  /* Each source of a page is read from the cursor and cut at the page's length
   * (trust.c, FOREIGN_PAGE): three SLAs for cust_org must not hide cust_org2 behind it. */
  trust(cust, "msp");
  for (int i = 0; i < 3; i++)
    sla("2020-01-01", NULL, false);
  long long svc = th_create(&S, msp, "/v1/services", "{s:s,s:{s:I}}", "name", "Backup",
                            "provider", "id", msp_org);
  th_create(&S, msp, "/v1/slas", "{s:{s:I},s:{s:I},s:s}", "service", "id", svc, "customer", "id",
            cust_org2, "start_date", "2020-01-01");
  char got[256], want[256];
  all_pages(msp, "/v1/organizations/all?per_page=1", got, sizeof got);
  snprintf(want, sizeof want, "%lld,%lld,%lld", msp_org, cust_org, cust_org2);
  cr_assert_str_eq(got, want);
  all_pages(msp, "/v1/organizations/trusted?per_page=1", got, sizeof got);
  snprintf(want, sizeof want, "%lld,%lld", cust_org, cust_org2);
  cr_assert_str_eq(got, want);
}

Test(trust, TRUST4_foreign_record_shows_only_name_picture_contact) {
  trust(cust, "msp");
  sla("2020-01-01", NULL, false);
  char path[64];
  snprintf(path, sizeof path, "/v1/organizations/%lld", msp_org);
  th_resp r = th_get(&S, cust, path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(json_is_true(json_object_get(r.json, "foreign")));
  cr_assert_str_eq(json_string_value(json_object_get(r.json, "name")), "MSP Inc");
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(r.json, "account"), "id")), "msp");
  cr_assert(json_object_get(json_object_get(r.json, "contact"), "telephones"));
  cr_assert(json_is_null(json_object_get(r.json, "financial_id")), "owner's financial id leaked");
  cr_assert(json_is_null(json_object_get(r.json, "remarks")), "owner's remarks leaked");
  cr_assert_null(json_object_get(r.json, "parent"));
  cr_assert_null(json_object_get(r.json, "manager"));
  cr_assert_null(json_object_get(r.json, "disabled"));
  cr_assert_null(json_object_get(r.json, "source"));
  cr_assert_not(strstr(r.body, "SECRET-FIN"));
  th_resp_free(&r);
  /* the same through the list */
  r = th_get(&S, cust, "/v1/organizations/trusted");
  cr_assert_eq(json_array_size(r.json), 1);
  cr_assert_not(strstr(r.body, "SECRET-FIN"));
  cr_assert_not(strstr(r.body, "owner remarks"));
  th_resp_free(&r);
}

Test(trust, TRUST5_annotations_are_private_to_the_viewer) {
  trust(cust, "msp");
  sla("2020-01-01", NULL, false);
  char path[64];
  snprintf(path, sizeof path, "/v1/organizations/%lld", msp_org);
  /* wrong role, wrong field, wrong type */
  th_resp r = th_json(&S, "PATCH", cust_customer, path, "{s:s}", "financial_id", "X");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", cust_slm, path, "{s:s}", "name", "Renamed");
  th_assert_error(&r, 422, "name");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", cust_slm, path, "{s:i}", "financial_id", 5);
  th_assert_error(&r, 422, "financial_id");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", cust_slm, path, "{s:{s:s}}", "custom_fields", "nope", "x");
  th_assert_error(&r, 422, "custom_fields.nope");
  th_resp_free(&r);
  /* the viewer's own custom field */
  r = th_json(&S, "POST", cust, "/v1/custom_fields", "{s:s,s:s,s:s,s:s}", "record_type",
              "organization", "key", "purchasing_contact", "label", "Purchasing contact", "type", "text");
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", cust_slm, path, "{s:s,s:s,s:{s:s}}", "financial_id", "OUR-42",
              "remarks", "good provider", "custom_fields", "purchasing_contact", "Jane");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(json_string_value(json_object_get(r.json, "financial_id")), "OUR-42");
  cr_assert(json_is_true(json_object_get(r.json, "foreign")));
  const char *etag = th_header(&r, "ETag");
  cr_assert(etag);
  char stale[64];
  snprintf(stale, sizeof stale, "If-Match: \"0\"");
  th_resp_free(&r);
  /* If-Match with the version before the change: 412 */
  r = th_req(&S, "PATCH", path, cust_slm, "{\"remarks\":\"x\"}", NULL, stale);
  th_assert_error(&r, 412, NULL);
  th_resp_free(&r);
  /* the owner's record is unchanged */
  r = th_get(&S, msp, path);
  cr_assert_str_eq(json_string_value(json_object_get(r.json, "financial_id")), "SECRET-FIN");
  cr_assert_str_eq(json_string_value(json_object_get(r.json, "remarks")), "owner remarks");
  cr_assert(json_is_false(json_object_get(r.json, "foreign")));
  th_resp_free(&r);
  /* another viewer sees nothing of it (other gets the record into its view via its own
   * SLA with msp's provider org: other trusts msp, msp registers an SLA for other) */
  trust(other, "msp");
  long long svc = th_create(&S, msp, "/v1/services", "{s:s,s:{s:I}}", "name", "Net", "provider", "id", msp_org);
  th_create(&S, msp, "/v1/slas", "{s:{s:I},s:{s:I},s:s}", "service", "id", svc, "customer", "id",
            other_org, "start_date", "2020-01-01");
  r = th_get(&S, other, path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(json_is_null(json_object_get(r.json, "financial_id")));
  cr_assert_not(strstr(r.body, "good provider"));
  th_resp_free(&r);
  /* and the customer's view keeps it */
  r = th_get(&S, cust, path);
  cr_assert_str_eq(json_string_value(json_object_get(r.json, "remarks")), "good provider");
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(r.json, "custom_fields"), "purchasing_contact")), "Jane");
  th_resp_free(&r);
  /* audit row in the viewer's account, none in the owner's */
  char q[128];
  snprintf(q, sizeof q, "/v1/audit?record_type=organization&record_id=%lld", msp_org);
  r = th_get(&S, cust, q);
  cr_assert_eq(json_array_size(r.json), 1, "%s", r.body);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(r.json, 0), "action")), "annotate");
  th_resp_free(&r);
  r = th_get(&S, msp, q);
  size_t i;
  json_t *row;
  json_array_foreach(r.json, i, row)
      cr_assert_str_neq(json_string_value(json_object_get(row, "action")), "annotate");
  th_resp_free(&r);
}

Test(trust, TRUST4_foreign_records_outside_the_view_are_404_for_every_verb) {
  char path[64];
  snprintf(path, sizeof path, "/v1/organizations/%lld", other_org);
  th_resp r = th_json(&S, "PATCH", msp, path, "{s:s}", "remarks", "x");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_get(&S, msp, path);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
}

/* TRUST-2: consent comes from the customer's account. A trust by the registering
 * (provider) account alone grants nothing: SLA and FLSA creates naming the other
 * account's organization are 422 naming `customer`, and so is a PATCH that changes the
 * customer to it; nothing is stored. */
Test(trust, TRUST2_one_sided_provider_trust_is_422_on_create_and_on_customer_change) {
  trust(msp, "cust");
  long long svc = th_create(&S, msp, "/v1/services", "{s:s,s:{s:I}}", "name", "Hosting",
                            "provider", "id", msp_org);
  th_resp r = th_json(&S, "POST", msp, "/v1/slas", "{s:{s:I},s:{s:I},s:s}", "service", "id", svc,
                      "customer", "id", cust_org, "start_date", "2020-01-01");
  th_assert_error(&r, 422, "customer");
  th_resp_free(&r);
  r = th_json(&S, "POST", msp, "/v1/flsas", "{s:{s:I},s:{s:I},s:s}", "provider", "id", msp_org,
              "customer", "id", cust_org, "start_date", "2020-01-01");
  th_assert_error(&r, 422, "customer");
  th_resp_free(&r);
  /* agreements with an own customer, then a PATCH naming cust's organization */
  long long s = th_create(&S, msp, "/v1/slas", "{s:{s:I},s:{s:I},s:s}", "service", "id", svc,
                          "customer", "id", msp_org, "start_date", "2020-01-01");
  long long f = th_create(&S, msp, "/v1/flsas", "{s:{s:I},s:{s:I},s:s}", "provider", "id",
                          msp_org, "customer", "id", msp_org, "start_date", "2020-01-01");
  char spath[64], fpath[64];
  snprintf(spath, sizeof spath, "/v1/slas/%lld", s);
  snprintf(fpath, sizeof fpath, "/v1/flsas/%lld", f);
  const char *paths[] = {spath, fpath};
  for (int i = 0; i < 2; i++) {
    r = th_json(&S, "PATCH", msp, paths[i], "{s:{s:I}}", "customer", "id", cust_org);
    th_assert_error(&r, 422, "customer");
    th_resp_free(&r);
    r = th_get(&S, msp, paths[i]);
    cr_assert_eq(json_integer_value(th_jpath(r.json, "customer.id")), msp_org, "%s", r.body);
    cr_assert_str_eq(th_jstr(r.json, "customer_account.id"), "msp");
    th_resp_free(&r);
  }
  char got[256];
  ids(msp, "/v1/organizations/trusted", got, sizeof got);
  cr_assert_str_eq(got, "");
  cr_assert_not(visible(msp, cust_org));
  /* the customer's consent makes the same requests work */
  trust(cust, "msp");
  for (int i = 0; i < 2; i++) {
    r = th_json(&S, "PATCH", msp, paths[i], "{s:{s:I}}", "customer", "id", cust_org);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(th_jstr(r.json, "customer_account.id"), "cust");
    th_resp_free(&r);
  }
  r = th_json(&S, "POST", msp, "/v1/flsas", "{s:{s:I},s:{s:I},s:s}", "provider", "id", msp_org,
              "customer", "id", cust_org2, "start_date", "2020-01-01");
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  cr_assert(visible(msp, cust_org));
  /* the same rule the other way round: msp's trust in cust is msp's consent to be named
   * as customer in cust's agreements; `other` has given none */
  long long csvc = th_create(&S, cust, "/v1/services", "{s:s,s:{s:I}}", "name", "Catering",
                             "provider", "id", cust_org);
  r = th_json(&S, "POST", cust, "/v1/slas", "{s:{s:I},s:{s:I},s:s}", "service", "id", csvc,
              "customer", "id", msp_org, "start_date", "2020-01-01");
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  r = th_json(&S, "POST", cust, "/v1/slas", "{s:{s:I},s:{s:I},s:s}", "service", "id", csvc,
              "customer", "id", other_org, "start_date", "2020-01-01");
  th_assert_error(&r, 422, "customer");
  th_resp_free(&r);
}

/* ACC-7: a customer (or partner) reads a foreign organization of its account's view only
 * as its contact card: without the annotations its own account keeps about it (TRUST-5),
 * which its staff still see. */
Test(trust, ACC7_customer_sees_a_foreign_organization_without_annotations) {
  trust(cust, "msp");
  sla("2020-01-01", NULL, false);
  char path[64];
  snprintf(path, sizeof path, "/v1/organizations/%lld", msp_org);
  th_resp r = th_json(&S, "PATCH", cust_slm, path, "{s:s,s:s}", "financial_id", "OUR-42",
                      "remarks", "slow to answer");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, cust_customer, path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "name"), "MSP Inc");
  cr_assert(json_object_get(json_object_get(r.json, "contact"), "telephones"));
  cr_assert(json_is_true(json_object_get(r.json, "foreign")));
  static const char *const hidden[] = {"remarks", "remarks_attachments", "financial_id",
                                       "custom_fields", "manager", "parent", "disabled"};
  for (size_t i = 0; i < sizeof hidden / sizeof *hidden; i++)
    cr_assert_null(json_object_get(r.json, hidden[i]), "%s shown to a customer: %s", hidden[i],
                   r.body);
  cr_assert_not(strstr(r.body, "OUR-42"));
  cr_assert_not(strstr(r.body, "slow to answer"));
  th_resp_free(&r);
  r = th_get(&S, cust_slm, path);
  cr_assert_str_eq(th_jstr(r.json, "financial_id"), "OUR-42");
  cr_assert_str_eq(th_jstr(r.json, "remarks"), "slow to answer");
  th_resp_free(&r);
}
