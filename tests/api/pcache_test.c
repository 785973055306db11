/* End-to-end tests of the page cache (issue 12, "pages not rebuilt when nothing changed"):
 * every writer (the API, the CLI on the database, a second daemon) invalidates a cached
 * list page at once, the All Organizations view follows other accounts' changes (TRUST-3),
 * pages are never shared between callers they were not rendered for, ETag/304 on list
 * pages, and a daemon without the cache answers the same bytes. The suite's daemon has the
 * cache on (the default); B is a second daemon on the same database with it off. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "harness/harness.h"

static th_server S, B;
static char *msp, *cust, *cust_customer;
static long long msp_org, cust_org;

static void setup(void) {
  th_start(&S);
  th_account(&S, "msp", "The MSP");
  th_account(&S, "cust", "The Customer");
  msp = th_person_token(&S, "msp", "madmin", "account_administrator");
  cust = th_person_token(&S, "cust", "cadmin", "account_administrator");
  cust_customer = th_person_token(&S, "cust", "ccust", "customer");
  msp_org = th_create(&S, msp, "/v1/organizations", "{s:s}", "name", "MSP Inc");
  cust_org = th_create(&S, cust, "/v1/organizations", "{s:s}", "name", "Customer BV");
  B = S;
  B.daemon_args[0] = "--page-cache-mb";
  B.daemon_args[1] = "0";
  B.daemon_args[2] = NULL;
  th_start_daemon(&B);
  B.pg_name[0] = 0; /* S owns the database and the directory */
  B.dir[0] = 0;
}
static void teardown(void) {
  th_stop(&B);
  th_stop(&S);
  free(msp), free(cust), free(cust_customer);
}
TestSuite(pcache, .init = setup, .fini = teardown, .timeout = 120);

/* GET path twice from s (the second read can come from the cache): both answers must be
 * equal; returns the body (caller frees). */
static char *page2(th_server *s, const char *token, const char *path) {
  th_resp a = th_get(s, token, path);
  cr_assert_eq(a.status, 200, "%s: %s", path, a.body);
  th_resp b = th_get(s, token, path);
  cr_assert_eq(b.status, 200, "%s: %s", path, b.body);
  cr_assert_str_eq(a.body, b.body, "%s read twice", path);
  char *out = strdup(b.body);
  th_resp_free(&a);
  th_resp_free(&b);
  return out;
}

static bool has(const char *body, const char *text) {
  return strstr(body, text) != NULL;
}

static void trust(const char *token, const char *account) {
  th_resp r = th_json(&S, "POST", token, "/v1/account/trusts", "{s:s}", "account", account);
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
}

Test(pcache, ISSUE12_a_write_through_the_api_invalidates_the_page_at_once) {
  char *before = page2(&S, msp, "/v1/organizations");
  cr_assert(!has(before, "Fresh Org"));
  th_create(&S, msp, "/v1/organizations", "{s:s}", "name", "Fresh Org");
  char *after = page2(&S, msp, "/v1/organizations");
  cr_assert(has(after, "Fresh Org"), "stale page: %s", after);
  /* A rename, and a second page (cursor) of the same list. */
  char path[64];
  snprintf(path, sizeof path, "/v1/organizations/%lld", msp_org);
  th_resp r = th_json(&S, "PATCH", msp, path, "{s:s}", "name", "MSP Renamed");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  char *renamed = page2(&S, msp, "/v1/organizations?per_page=1");
  cr_assert(has(renamed, "MSP Renamed"), "stale page: %s", renamed);
  free(before), free(after), free(renamed);
}

/* The side tables of a person have no trigger of their own (migration 018): a change to
 * an alias, a custom value or the search text alone must still reach the cached pages,
 * through the record's own row. Fails when a side-table write stops touching it. */
Test(pcache, ISSUE12_a_change_to_a_persons_side_tables_invalidates_the_page) {
  th_create(&S, msp, "/v1/custom_fields", "{s:s,s:s,s:s,s:s}", "record_type", "person", "key",
            "shoe", "label", "Shoe size", "type", "text");
  long long p = th_create(&S, msp, "/v1/people", "{s:s,s:s,s:s,s:s,s:[s]}", "first_name",
                          "Side", "last_name", "Tables", "primary_email", "side@example.com",
                          "username", "side", "roles", "customer");
  char path[96];
  snprintf(path, sizeof path, "/v1/people/%lld", p);
  char *before = page2(&S, msp, "/v1/people?q=side");
  th_resp r = th_json(&S, "PATCH", msp, path, "{s:{s:s}}", "custom_fields", "shoe", "44");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  char *valued = page2(&S, msp, "/v1/people?q=side");
  cr_assert(has(valued, "\"44\"") && strcmp(before, valued), "stale page: %s", valued);
  snprintf(path, sizeof path, "/v1/people/%lld/aliases", p);
  r = th_json(&S, "POST", msp, path, "{s:s}", "address", "other.alias@example.org");
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  char *aliased = page2(&S, msp, "/v1/people?q=side");
  cr_assert(has(aliased, "other.alias@example.org"), "stale page: %s", aliased);
  free(before), free(valued), free(aliased);
}

Test(pcache, ISSUE12_a_write_through_the_cli_on_the_database_invalidates_the_page) {
  char *before = page2(&S, msp, "/v1/people");
  cr_assert(!has(before, "clinew"));
  free(th_person_token(&S, "msp", "clinew", "technician")); /* rolodesk person create */
  char *after = page2(&S, msp, "/v1/people");
  cr_assert(has(after, "clinew"), "stale page: %s", after);
  /* A change no daemon made: plain SQL on the database, as another tool would. */
  th_sql(&S, "UPDATE organizations SET name = 'Renamed By SQL' WHERE name = 'MSP Inc'");
  char *orgs = page2(&S, msp, "/v1/organizations");
  cr_assert(has(orgs, "Renamed By SQL"), "stale page: %s", orgs);
  free(before), free(after), free(orgs);
}

Test(pcache, ISSUE12_a_write_through_a_second_daemon_invalidates_the_page) {
  char *before = page2(&S, cust, "/v1/organizations");
  cr_assert(!has(before, "Via B"));
  th_create(&B, cust, "/v1/organizations", "{s:s}", "name", "Via B");
  char *after = page2(&S, cust, "/v1/organizations");
  cr_assert(has(after, "Via B"), "stale page: %s", after);
  free(before), free(after);
}

/* TRUST-3: msp's All Organizations view shows cust's organization while cust trusts msp
 * and msp has an active SLA for it; the page must follow cust's rename of it and cust's
 * withdrawal of the trust, though neither is a write of msp's account. */
Test(pcache, ISSUE12_TRUST3_all_organizations_follow_another_accounts_changes) {
  trust(cust, "msp");
  long long svc = th_create(&S, msp, "/v1/services", "{s:s,s:{s:I}}", "name", "Hosting",
                            "provider", "id", msp_org);
  th_create(&S, msp, "/v1/slas", "{s:{s:I},s:{s:I},s:s}", "service", "id", svc, "customer",
            "id", cust_org, "start_date", "2020-01-01");
  char *before = page2(&S, msp, "/v1/organizations/all");
  cr_assert(has(before, "Customer BV"), "%s", before);
  char *trusted = page2(&S, msp, "/v1/organizations/trusted");
  cr_assert(has(trusted, "Customer BV"), "%s", trusted);
  char path[64];
  snprintf(path, sizeof path, "/v1/organizations/%lld", cust_org);
  th_resp r = th_json(&S, "PATCH", cust, path, "{s:s}", "name", "Customer Renamed");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  char *renamed = page2(&S, msp, "/v1/organizations/all");
  cr_assert(has(renamed, "Customer Renamed"), "stale All Organizations: %s", renamed);
  r = th_req(&S, "DELETE", "/v1/account/trusts/msp", cust, NULL, NULL, NULL);
  cr_assert_eq(r.status, 204, "%s", r.body);
  th_resp_free(&r);
  char *withdrawn = page2(&S, msp, "/v1/organizations/all");
  cr_assert(!has(withdrawn, "Customer Renamed"), "trust withdrawn, still shown: %s", withdrawn);
  char *trusted2 = page2(&S, msp, "/v1/organizations/trusted");
  cr_assert(!has(trusted2, "Customer Renamed"), "trust withdrawn, still shown: %s", trusted2);
  free(before), free(trusted), free(renamed), free(withdrawn), free(trusted2);
}

/* A customer's page is never one rendered for staff: the key holds the caller's roles and
 * person, so the same path has another ETag, and a staff-only list stays 403 for the
 * customer after staff filled the cache. */
Test(pcache, ISSUE12_a_customer_never_gets_a_staff_rendered_page) {
  th_create(&S, cust, "/v1/custom_fields", "{s:s,s:s,s:s,s:s}", "record_type", "organization",
            "key", "tier", "label", "Tier", "type", "text");
  th_resp staff = th_get(&S, cust, "/v1/custom_fields");
  cr_assert_eq(staff.status, 200, "%s", staff.body);
  th_resp mine = th_get(&S, cust_customer, "/v1/custom_fields");
  cr_assert_eq(mine.status, 200, "%s", mine.body);
  const char *e1 = th_header(&staff, "ETag");
  cr_assert(e1);
  char staff_tag[64];
  snprintf(staff_tag, sizeof staff_tag, "%s", e1);
  const char *e2 = th_header(&mine, "ETag");
  cr_assert(e2);
  cr_assert_str_neq(staff_tag, e2, "a customer was given the staff page's entry");
  th_resp_free(&staff);
  th_resp_free(&mine);
  th_resp o = th_get(&S, cust, "/v1/organizations");
  cr_assert_eq(o.status, 200);
  th_resp_free(&o);
  o = th_get(&S, cust_customer, "/v1/organizations");
  th_assert_error(&o, 403, NULL);
  th_resp_free(&o);
}

Test(pcache, ISSUE12_etag_on_list_pages_304_when_it_matches_200_after_a_write) {
  th_resp a = th_get(&S, msp, "/v1/organizations");
  cr_assert_eq(a.status, 200);
  const char *t = th_header(&a, "ETag");
  cr_assert(t, "no ETag on a list page");
  char etag[64], hdr[96];
  snprintf(etag, sizeof etag, "%s", t);
  snprintf(hdr, sizeof hdr, "If-None-Match: %s", etag);
  th_resp b = th_req(&S, "GET", "/v1/organizations", msp, NULL, NULL, hdr);
  cr_assert_eq(b.status, 304, "%s", b.body);
  cr_assert_eq(b.len, 0);
  cr_assert_str_eq(th_header(&b, "ETag"), etag);
  th_resp_free(&b);
  /* Another page of the same list (other query) has another ETag. */
  b = th_req(&S, "GET", "/v1/organizations?per_page=1", msp, NULL, NULL, hdr);
  cr_assert_eq(b.status, 200, "%s", b.body);
  th_resp_free(&b);
  th_create(&S, msp, "/v1/organizations", "{s:s}", "name", "After Tag");
  b = th_req(&S, "GET", "/v1/organizations", msp, NULL, NULL, hdr);
  cr_assert_eq(b.status, 200, "a write left the old ETag valid");
  cr_assert(has(b.body, "After Tag"));
  cr_assert_str_neq(th_header(&b, "ETag"), etag);
  th_resp_free(&b);
  /* The other daemon (no cache) computes the same ETag from the same counters. */
  th_resp c = th_get(&S, msp, "/v1/organizations");
  th_resp d = th_get(&B, msp, "/v1/organizations");
  const char *ec = th_header(&c, "ETag");
  char tag_c[64];
  snprintf(tag_c, sizeof tag_c, "%s", ec ? ec : "");
  const char *ed = th_header(&d, "ETag");
  cr_assert_str_eq(tag_c, ed ? ed : "", "the ETag depends on the cache");
  th_resp_free(&c);
  th_resp_free(&d);
  th_resp_free(&a);
}

/* Same bytes, Link headers and ETags with and without the cache, for every cached list
 * route, the first read filling the cache and the second served from it. */
Test(pcache, ISSUE12_cache_off_gives_identical_bytes) {
  trust(cust, "msp");
  long long svc = th_create(&S, msp, "/v1/services", "{s:s,s:{s:I}}", "name", "Hosting",
                            "provider", "id", msp_org);
  th_create(&S, msp, "/v1/slas", "{s:{s:I},s:{s:I},s:s}", "service", "id", svc, "customer",
            "id", cust_org, "start_date", "2020-01-01");
  for (int i = 0; i < 3; i++)
    th_create(&S, msp, "/v1/organizations", "{s:s}", "name", i ? "Second" : "First");
  static const char *const paths[] = {
      "/v1/organizations",     "/v1/organizations?per_page=2", "/v1/organizations/all",
      "/v1/organizations/all?per_page=1", "/v1/organizations/trusted", "/v1/people",
      "/v1/custom_fields",     "/v1/services",  "/v1/slas", "/v1/flsas", "/v1/teams",
      "/v1/organizations?name=Second", NULL};
  for (int i = 0; paths[i]; i++) {
    for (int round = 0; round < 2; round++) {
      th_resp a = th_get(&S, msp, paths[i]);
      th_resp b = th_get(&B, msp, paths[i]);
      cr_assert_eq(a.status, 200, "%s: %s", paths[i], a.body);
      cr_assert_eq(b.status, 200, "%s: %s", paths[i], b.body);
      cr_assert_eq(a.len, b.len, "%s", paths[i]);
      cr_assert_str_eq(a.body, b.body, "%s", paths[i]);
      const char *la = th_header(&a, "Link");
      char link[512];
      snprintf(link, sizeof link, "%s", la ? la : "");
      const char *lb = th_header(&b, "Link");
      cr_assert_str_eq(link, lb ? lb : "", "%s: Link", paths[i]);
      const char *ea = th_header(&a, "ETag");
      char tag[64];
      snprintf(tag, sizeof tag, "%s", ea ? ea : "");
      const char *eb = th_header(&b, "ETag");
      cr_assert_str_eq(tag, eb ? eb : "", "%s: ETag", paths[i]);
      th_resp_free(&a);
      th_resp_free(&b);
    }
  }
}
