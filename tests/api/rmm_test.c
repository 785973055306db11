/* End-to-end tests of RMM account synchronization (issue 15, RMM-1/2/6) against the
 * VSA-shaped double of tests/harness/vsa_double.c: loading the RMM's organizations with
 * paging, name proposals that are never mappings until confirmed, mappings from both sides
 * (one to one), importing, every fault switch of the double, roles and other accounts. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/harness.h"
#include "harness/vsa_double.h"

static th_server S;
static th_vsa *V;

static const char *admin(void) {
  return th_token(&S, "wdc", "admin", "account_administrator");
}
static const char *gt_admin(void) {
  return th_token(&S, "gigatera", "gtadmin", "account_administrator");
}

/* The account's rmm setting pointing at the double, with timeout seconds. */
static void connect_rmm(const char *token, const char *secret, int timeout) {
  th_resp r = th_json(&S, "PATCH", token, "/v1/account", "{s:{s:{s:s,s:s,s:s,s:i}}}", "settings",
                      "rmm", "url", th_vsa_url(V), "username", "vsa-user", "token", secret,
                      "timeout", timeout);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
}

static void setup(void) {
  setenv("ROLODESK_RMM_ALLOW_HTTP", "1", 1); /* the double speaks plain HTTP on loopback */
  V = th_vsa_start("vsa-user", "vsa-secret");
  th_start(&S);
  th_account(&S, "wdc", "Widget Data Center");
  th_account(&S, "gigatera", "GigaTera");
  connect_rmm(admin(), "vsa-secret", 5);
}
static void teardown(void) {
  th_stop(&S);
  th_vsa_stop(V);
}
TestSuite(rmm, .init = setup, .fini = teardown, .timeout = 120);

static char *path(const char *fmt, long long a) {
  static char p[200];
  snprintf(p, sizeof p, fmt, a);
  return p;
}

/* Waits for the end of RMM job `job`; returns it (caller frees). */
static json_t *wait_job(const char *token, long long job) {
  th_resp r;
  for (int i = 0; i < 400; i++) {
    r = th_get(&S, token, path("/v1/rmm/jobs/%lld", job));
    cr_assert_eq(r.status, 200, "%s", r.body);
    const char *status = th_jstr(r.json, "status");
    if (!strcmp(status, "done") || !strcmp(status, "failed")) {
      json_t *out = json_incref(r.json);
      th_resp_free(&r);
      return out;
    }
    th_resp_free(&r);
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  cr_assert_fail("the job did not end");
  return NULL;
}

/* Starts a load and waits for its end; returns the job (caller frees). */
static json_t *load(const char *token) {
  th_resp r = th_json(&S, "POST", token, "/v1/rmm/load", NULL);
  cr_assert_eq(r.status, 202, "%s", r.body);
  long long job = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  return wait_job(token, job);
}

/* Exports organizations ids[0..n) and waits for the job; returns it (caller frees). */
static json_t *export(const long long *ids, int n) {
  json_t *list = json_array();
  for (int i = 0; i < n; i++)
    json_array_append_new(list, json_pack("{s:I}", "id", (json_int_t)ids[i]));
  json_t *body = json_pack("{s:o}", "organizations", list);
  char *text = json_dumps(body, 0);
  json_decref(body);
  th_resp r = th_req(&S, "POST", "/v1/rmm/export", admin(), text, NULL, NULL);
  free(text);
  cr_assert_eq(r.status, 202, "%s", r.body);
  long long job = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  return wait_job(admin(), job);
}

/* The double's organization named name (borrowed from all), or NULL. */
static json_t *vsa_org(json_t *all, const char *name) {
  size_t i;
  json_t *o;
  json_array_foreach(all, i, o) {
    if (!strcmp(json_string_value(json_object_get(o, "OrgName")), name))
      return o;
  }
  return NULL;
}

static long long count(const char *sql) {
  return th_sql_int(&S, sql);
}

/* The id of the loaded RMM organization whose RMM key is rmm_id. */
static long long rmm_org(const char *rmm_id) {
  char sql[200];
  snprintf(sql, sizeof sql, "SELECT id FROM rmm_orgs WHERE account_id = 'wdc' AND rmm_id = '%s'",
           rmm_id);
  long long id = count(sql);
  cr_assert(id > 0, "RMM organization %s was not loaded", rmm_id);
  return id;
}

Test(rmm, RMM1_load_pages_through_every_organization_and_skips_the_built_in_ones) {
  th_vsa_add_org(V, "1", "myOrg", "myOrg", NULL);
  th_vsa_add_org(V, "2", "Kserver", "kserver", NULL);
  th_vsa_add_org(V, "3", "Unnamed", "unnamed", NULL);
  th_vsa_add_orgs(V, 100, 250); /* three pages of at most 100 */
  /* BEYOND-1: a dry run says what a load would change and stores nothing */
  th_resp r = th_json(&S, "POST", admin(), "/v1/rmm/load?dry_run=true", NULL);
  cr_assert_eq(r.status, 202, "%s", r.body);
  json_t *job = wait_job(admin(), json_integer_value(json_object_get(r.json, "id")));
  th_resp_free(&r);
  cr_assert_str_eq(th_jstr(job, "status"), "done", "%s", th_jstr(job, "error"));
  cr_assert(json_is_true(th_jpath(job, "result.dry_run")));
  cr_assert_eq(json_integer_value(th_jpath(job, "result.added")), 250);
  cr_assert_eq(json_array_size(th_jpath(job, "result.changes")), 200, "the diff is capped");
  cr_assert_str_eq(th_jstr(job, "result.changes[0].change"), "added");
  cr_assert_str_eq(th_jstr(job, "result.changes[0].name"), "Org 100");
  json_decref(job);
  cr_assert_eq(count("SELECT COUNT(*) FROM rmm_orgs"), 0);
  r = th_json(&S, "POST", admin(), "/v1/rmm/load?dry_run=maybe", NULL);
  th_assert_error(&r, 400, "dry_run");
  th_resp_free(&r);
  job = load(admin());
  cr_assert_str_eq(th_jstr(job, "status"), "done", "%s", json_dumps(job, 0));
  cr_assert_eq(json_integer_value(th_jpath(job, "result.loaded")), 250);
  cr_assert_eq(json_integer_value(th_jpath(job, "result.added")), 250);
  json_decref(job);
  cr_assert_eq(count("SELECT COUNT(*) FROM rmm_orgs WHERE account_id = 'wdc'"), 250);
  cr_assert_eq(count("SELECT COUNT(*) FROM rmm_orgs WHERE name IN ('myOrg','Kserver','Unnamed')"),
               0, "built-in organizations are never imported");
  /* the list pages and filters by name */
  r = th_get(&S, admin(), "/v1/rmm/organizations?per_page=100&q=org%2012");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 10, "Org 120 to Org 129: %s", r.body);
  th_resp_free(&r);
  /* RMM-6: a second load of the same RMM changes nothing */
  job = load(admin());
  cr_assert_eq(json_integer_value(th_jpath(job, "result.added")), 0);
  cr_assert_eq(json_integer_value(th_jpath(job, "result.updated")), 0);
  cr_assert_eq(json_integer_value(th_jpath(job, "result.removed")), 0);
  json_decref(job);
  /* a renamed organization is updated, a vanished unmapped one removed */
  th_vsa_stop(V);
  V = th_vsa_start("vsa-user", "vsa-secret");
  connect_rmm(admin(), "vsa-secret", 5);
  th_vsa_add_orgs(V, 100, 249);
  th_vsa_add_org(V, "349", "Org 349 renamed", "org349", NULL);
  job = load(admin());
  cr_assert_eq(json_integer_value(th_jpath(job, "result.updated")), 1, "%s", json_dumps(job, 0));
  cr_assert_eq(json_integer_value(th_jpath(job, "result.removed")), 0);
  json_decref(job);
}

Test(rmm, RMM2_a_name_match_is_a_proposal_never_a_mapping_until_confirmed) {
  long long acme = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Acme Corp");
  th_vsa_add_org(V, "7", "  ACME   corp ", "acme", NULL); /* case and spacing fold */
  th_vsa_add_org(V, "8", "Elsewhere", "elsewhere", NULL);
  json_decref(load(admin()));
  long long id = rmm_org("7");
  th_resp r = th_get(&S, admin(), path("/v1/rmm/organizations/%lld", id));
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(json_is_null(json_object_get(r.json, "organization")),
            "an exact name match to someone's organization must not map by itself: %s", r.body);
  cr_assert_eq(json_integer_value(th_jpath(r.json, "proposed_organization.id")), acme);
  th_resp_free(&r);
  r = th_get(&S, admin(), path("/v1/organizations/%lld/rmm_mapping", acme));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/rmm/organizations?mapped=true");
  cr_assert_eq(json_array_size(r.json), 0, "%s", r.body);
  th_resp_free(&r);
  /* confirmed by a person: mapped, audited, no longer a proposal */
  r = th_json(&S, "PATCH", admin(), path("/v1/rmm/organizations/%lld", id), "{s:{s:I}}",
              "organization", "id", (json_int_t)acme);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_integer_value(th_jpath(r.json, "organization.id")), acme);
  cr_assert(json_is_null(json_object_get(r.json, "proposed_organization")));
  th_resp_free(&r);
  r = th_get(&S, admin(), path("/v1/organizations/%lld/rmm_mapping", acme));
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "rmm_id"), "7");
  th_resp_free(&r);
  r = th_get(&S, admin(), path("/v1/audit?record_type=rmm_organization&record_id=%lld", id));
  cr_assert(strstr(r.body, "\"organization\""), "the mapping is audited: %s", r.body);
  th_resp_free(&r);
  /* a later load keeps the mapping */
  json_decref(load(admin()));
  cr_assert_eq(count("SELECT COUNT(*) FROM rmm_orgs WHERE organization_id IS NOT NULL"), 1);
}

Test(rmm, RMM2_mappings_from_either_side_are_one_to_one_and_deleted_ones_return_on_load) {
  long long a = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Alpha");
  long long b = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Beta");
  th_vsa_add_org(V, "1001", "Alpha", "alpha", NULL);
  th_vsa_add_org(V, "1002", "Gamma", "gamma", NULL);
  json_decref(load(admin()));
  long long ra = rmm_org("1001"), rg = rmm_org("1002");
  /* from the organization's side */
  th_resp r = th_json(&S, "PUT", admin(), path("/v1/organizations/%lld/rmm_mapping", b),
                      "{s:{s:I}}", "rmm_organization", "id", (json_int_t)rg);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  /* a mapped RMM organization is not offered to another organization */
  r = th_json(&S, "PUT", admin(), path("/v1/organizations/%lld/rmm_mapping", a), "{s:{s:I}}",
              "rmm_organization", "id", (json_int_t)rg);
  th_assert_error(&r, 409, "rmm_organization");
  th_resp_free(&r);
  /* nor is a mapped organization to another RMM organization */
  r = th_json(&S, "PATCH", admin(), path("/v1/rmm/organizations/%lld", ra), "{s:{s:I}}",
              "organization", "id", (json_int_t)b);
  th_assert_error(&r, 409, "organization");
  th_resp_free(&r);
  /* editing from the organization's side moves its mapping to an unmapped one */
  r = th_json(&S, "PUT", admin(), path("/v1/organizations/%lld/rmm_mapping", b), "{s:{s:I}}",
              "rmm_organization", "id", (json_int_t)ra);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  cr_assert_eq(count("SELECT COUNT(*) FROM rmm_orgs WHERE organization_id IS NOT NULL"), 1);
  /* deleted: the name proposal (Alpha) stays away until the next load */
  r = th_req(&S, "DELETE", path("/v1/organizations/%lld/rmm_mapping", b), admin(), NULL, NULL,
             NULL);
  cr_assert_eq(r.status, 204, "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, admin(), path("/v1/rmm/organizations/%lld", ra));
  cr_assert(json_is_null(json_object_get(r.json, "organization")), "%s", r.body);
  cr_assert(json_is_null(json_object_get(r.json, "proposed_organization")), "%s", r.body);
  th_resp_free(&r);
  json_decref(load(admin()));
  r = th_get(&S, admin(), path("/v1/rmm/organizations/%lld", ra));
  cr_assert_eq(json_integer_value(th_jpath(r.json, "proposed_organization.id")), a, "%s",
               r.body);
  th_resp_free(&r);
  /* bad input */
  r = th_json(&S, "PUT", admin(), path("/v1/organizations/%lld/rmm_mapping", a), "{s:s}",
              "rmm_organization", "x");
  th_assert_error(&r, 422, "rmm_organization");
  th_resp_free(&r);
  r = th_json(&S, "PUT", admin(), path("/v1/organizations/%lld/rmm_mapping", a), "{s:{s:i},s:b}",
              "rmm_organization", "id", 1, "extra", true);
  th_assert_error(&r, 422, "extra");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), path("/v1/rmm/organizations/%lld", ra), "{s:s}", "name",
              "renamed");
  th_assert_error(&r, 422, "name");
  th_resp_free(&r);
}

Test(rmm, RMM2_import_creates_organizations_and_mappings_all_or_nothing) {
  th_vsa_add_org(V, "501", "Imported One", "imp1", NULL);
  th_vsa_add_org(V, "502", "Imported Two", "imp2", NULL);
  th_vsa_add_org(V, "503", "Imported Three", "imp3", NULL);
  json_decref(load(admin()));
  long long r1 = rmm_org("501"), r2 = rmm_org("502"), r3 = rmm_org("503");
  th_resp r = th_json(&S, "POST", admin(), "/v1/rmm/import", "{s:[I,{s:I}]}", "rmm_organizations",
                      (json_int_t)r1, "id", (json_int_t)r2);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 2);
  long long org = json_integer_value(th_jpath(r.json, "[0].organization.id"));
  th_resp_free(&r);
  r = th_get(&S, admin(), path("/v1/organizations/%lld", org));
  cr_assert_str_eq(th_jstr(r.json, "name"), "Imported One");
  cr_assert_str_eq(th_jstr(r.json, "source"), "rmm");
  cr_assert_str_eq(th_jstr(r.json, "source_id"), "501");
  th_resp_free(&r);
  /* one already mapped: nothing of the call stays */
  long long orgs = count("SELECT COUNT(*) FROM organizations WHERE account_id = 'wdc'");
  r = th_json(&S, "POST", admin(), "/v1/rmm/import", "{s:[I,I]}", "rmm_organizations",
              (json_int_t)r3, (json_int_t)r1);
  th_assert_error(&r, 409, "rmm_organizations[1]");
  th_resp_free(&r);
  cr_assert_eq(count("SELECT COUNT(*) FROM organizations WHERE account_id = 'wdc'"), orgs);
  cr_assert_eq(count("SELECT COUNT(*) FROM rmm_orgs WHERE organization_id IS NOT NULL"), 2);
  /* at most 100 a call, none twice, ids only */
  json_t *many = json_array();
  for (int i = 0; i < 101; i++)
    json_array_append_new(many, json_integer(r3 + i));
  json_t *body = json_pack("{s:o}", "rmm_organizations", many);
  char *text = json_dumps(body, 0);
  json_decref(body);
  r = th_req(&S, "POST", "/v1/rmm/import", admin(), text, NULL, NULL);
  free(text);
  th_assert_error(&r, 422, "rmm_organizations");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), "/v1/rmm/import", "{s:[I,I]}", "rmm_organizations",
              (json_int_t)r3, (json_int_t)r3);
  th_assert_error(&r, 422, "rmm_organizations[1]");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), "/v1/rmm/import", "{s:[s]}", "rmm_organizations", "503");
  th_assert_error(&r, 422, "rmm_organizations[0]");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), "/v1/rmm/import", "{s:[]}", "rmm_organizations");
  th_assert_error(&r, 422, "rmm_organizations");
  th_resp_free(&r);
}

/* Loads with fault switched on: the job's status and error, and what the RMM saw. */
static json_t *load_with(th_vsa_fault fault, int n, int delay_ms) {
  th_vsa_fault_set(V, fault, n, delay_ms);
  json_t *job = load(admin());
  th_vsa_fault_set(V, TH_VSA_OK, 0, 0);
  return job;
}

Test(rmm, RMM6_a_failing_rmm_fails_the_load_and_changes_nothing_here, .timeout = 180) {
  th_vsa_add_orgs(V, 100, 150);
  json_decref(load(admin()));
  long long id = rmm_org("100");
  long long acme = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Mapped");
  th_resp r = th_json(&S, "PATCH", admin(), path("/v1/rmm/organizations/%lld", id), "{s:{s:I}}",
                      "organization", "id", (json_int_t)acme);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  th_vsa_add_org(V, "9999", "Arrives later", "later", NULL);
  const char *snapshot = "SELECT COUNT(*) * 1000 + SUM(CASE WHEN present THEN 1 ELSE 0 END)"
                         " FROM rmm_orgs";
  long long before = count(snapshot);
  struct {
    th_vsa_fault fault;
    int n, delay;
    const char *says;
  } cases[] = {
      {TH_VSA_GARBAGE, 0, 0, "not a VSA envelope"},
      {TH_VSA_SHORT, 0, 0, "TotalRecords"},
      {TH_VSA_RESULT_CODE, 0, 0, "ResponseCode 500"},
      {TH_VSA_DOWN, 0, 0, "HTTP 503"},
      {TH_VSA_500, 10, 0, "HTTP 500"},
      {TH_VSA_SLOW, 0, 2500, "curl 28"}, /* timeout 1 s below */
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    if (cases[i].fault == TH_VSA_SLOW)
      connect_rmm(admin(), "vsa-secret", 1);
    json_t *job = load_with(cases[i].fault, cases[i].n, cases[i].delay);
    char *text = json_dumps(job, 0);
    cr_assert_str_eq(th_jstr(job, "status"), "failed", "case %zu: %s", i, text);
    cr_assert(strstr(th_jstr(job, "error"), cases[i].says), "case %zu: %s", i, text);
    free(text);
    json_decref(job);
    cr_assert_eq(count(snapshot), before, "case %zu changed what was loaded", i);
  }
  /* wrong credentials */
  connect_rmm(admin(), "wrong-secret", 5);
  json_t *job = load(admin());
  cr_assert_str_eq(th_jstr(job, "status"), "failed");
  cr_assert(strstr(th_jstr(job, "error"), "refused the username and token"), "%s",
            th_jstr(job, "error"));
  json_decref(job);
  cr_assert_eq(count(snapshot), before);
  cr_assert_eq(count("SELECT COUNT(*) FROM rmm_orgs WHERE organization_id IS NOT NULL"), 1,
               "a failed load loses no mapping");
}

Test(rmm, RMM6_retries_on_500_and_429_and_a_new_session_on_401, .timeout = 120) {
  th_vsa_add_orgs(V, 100, 120);
  int auths = th_vsa_auths(V);
  json_t *job = load_with(TH_VSA_500, 2, 0); /* two 500s, then answers */
  cr_assert_str_eq(th_jstr(job, "status"), "done", "%s", th_jstr(job, "error"));
  cr_assert_eq(json_integer_value(th_jpath(job, "result.loaded")), 120);
  json_decref(job);
  job = load_with(TH_VSA_429, 1, 0); /* Retry-After: 1 */
  cr_assert_str_eq(th_jstr(job, "status"), "done", "%s", th_jstr(job, "error"));
  json_decref(job);
  int before = th_vsa_auths(V);
  cr_assert_gt(before, auths);
  job = load_with(TH_VSA_401_ONCE, 0, 0);
  cr_assert_str_eq(th_jstr(job, "status"), "done", "%s", th_jstr(job, "error"));
  json_decref(job);
  cr_assert_eq(th_vsa_auths(V), before + 2, "one session for the load, one after the 401");
}

Test(rmm, RMM1_roles_settings_and_other_accounts) {
  th_vsa_add_org(V, "42", "Shared Name", "shared", NULL);
  json_decref(load(admin()));
  long long id = rmm_org("42");
  /* the token is write-only */
  th_resp r = th_get(&S, admin(), "/v1/account");
  cr_assert(json_is_true(th_jpath(r.json, "settings.rmm.token_set")), "%s", r.body);
  cr_assert(!strstr(r.body, "vsa-secret"), "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/audit?record_type=account");
  cr_assert(!strstr(r.body, "vsa-secret"), "the audit keeps no secret: %s", r.body);
  th_resp_free(&r);
  /* bad settings */
  r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:{s:s}}}", "settings", "rmm", "url",
              "ftp://rmm.example.com");
  th_assert_error(&r, 422, "settings.rmm.url");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:{s:i}}}", "settings", "rmm", "timeout",
              0);
  th_assert_error(&r, 422, "settings.rmm.timeout");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:{s:b}}}", "settings", "rmm", "colour",
              true);
  th_assert_error(&r, 422, "settings.rmm.colour");
  th_resp_free(&r);
  /* roles: a technician neither loads nor maps */
  const char *tech = th_token(&S, "wdc", "tech", "technician");
  r = th_json(&S, "POST", tech, "/v1/rmm/load", NULL);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_get(&S, tech, "/v1/rmm/organizations");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  /* another account sees none of it and cannot map to it, nor map its own to it */
  long long gt_org = th_create(&S, gt_admin(), "/v1/organizations", "{s:s}", "name", "Shared Name");
  r = th_get(&S, gt_admin(), "/v1/rmm/organizations");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 0, "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, gt_admin(), path("/v1/rmm/organizations/%lld", id));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_json(&S, "PUT", gt_admin(), path("/v1/organizations/%lld/rmm_mapping", gt_org),
              "{s:{s:I}}", "rmm_organization", "id", (json_int_t)id);
  th_assert_error(&r, 422, "rmm_organization");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), path("/v1/rmm/organizations/%lld", id), "{s:{s:I}}",
              "organization", "id", (json_int_t)gt_org);
  th_assert_error(&r, 422, "organization");
  th_resp_free(&r);
  r = th_json(&S, "POST", gt_admin(), "/v1/rmm/import", "{s:[I]}", "rmm_organizations",
              (json_int_t)id);
  th_assert_error(&r, 422, "rmm_organizations[0]");
  th_resp_free(&r);
  cr_assert_eq(count("SELECT COUNT(*) FROM rmm_orgs WHERE organization_id IS NOT NULL"), 0);
  /* the name of another account's organization is never proposed */
  r = th_get(&S, admin(), path("/v1/rmm/organizations/%lld", id));
  cr_assert(json_is_null(json_object_get(r.json, "proposed_organization")), "%s", r.body);
  th_resp_free(&r);
  /* and another account has no RMM connection: 422 */
  r = th_json(&S, "POST", gt_admin(), "/v1/rmm/load", NULL);
  th_assert_error(&r, 422, "settings.rmm");
  th_resp_free(&r);
}

Test(rmm, RMM3_export_creates_rmm_organizations_with_unique_refs_and_maps_them, .timeout = 120) {
  th_vsa_add_org(V, "77", "Someone else", "acme", NULL); /* OrgRef acme is taken */
  long long acme = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "ACME");
  long long beta = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Beta Ltd.");
  long long sub = th_create(&S, admin(), "/v1/organizations", "{s:s,s:{s:I}}", "name",
                            "Beta Süd", "parent", "id", (json_int_t)beta);
  long long two[] = {acme, beta};
  json_t *job = export(two, 2);
  cr_assert_str_eq(th_jstr(job, "status"), "done", "%s", th_jstr(job, "error"));
  cr_assert_eq(json_integer_value(th_jpath(job, "result.exported")), 2);
  json_decref(job);
  long long one[] = {sub};
  job = export(one, 1);
  cr_assert_str_eq(th_jstr(job, "status"), "done", "%s", th_jstr(job, "error"));
  json_decref(job);
  json_t *all = th_vsa_orgs(V);
  json_t *a = vsa_org(all, "ACME"), *b = vsa_org(all, "Beta Ltd."), *s = vsa_org(all, "Beta Süd");
  cr_assert(a && b && s, "%s", json_dumps(all, 0));
  cr_assert_str_eq(th_jstr(a, "OrgRef"), "acme2", "OrgRefs stay unique");
  cr_assert_str_eq(th_jstr(b, "OrgRef"), "betaltd");
  cr_assert_str_eq(th_jstr(s, "OrgRef"), "betaltd.betasud", "dotted under the parent's");
  cr_assert_str_eq(th_jstr(s, "ParentOrgId"), th_jstr(b, "OrgId"));
  th_resp r = th_get(&S, admin(), path("/v1/organizations/%lld/rmm_mapping", acme));
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "rmm_id"), th_jstr(a, "OrgId"));
  th_resp_free(&r);
  json_decref(all);
  /* a mapped organization, another account's, too many: refused, nothing queued */
  r = th_json(&S, "POST", admin(), "/v1/rmm/export", "{s:[I]}", "organizations",
              (json_int_t)acme);
  th_assert_error(&r, 409, "organizations[0]");
  th_resp_free(&r);
  long long gt_org = th_create(&S, gt_admin(), "/v1/organizations", "{s:s}", "name", "Theirs");
  r = th_json(&S, "POST", admin(), "/v1/rmm/export", "{s:[I]}", "organizations",
              (json_int_t)gt_org);
  th_assert_error(&r, 422, "organizations[0]");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), "/v1/rmm/export", "{s:[]}", "organizations");
  th_assert_error(&r, 422, "organizations");
  th_resp_free(&r);
  cr_assert_eq(count("SELECT COUNT(*) FROM rmm_push"), 0);
  /* an RMM that is down fails the export; the organization waits for the next one */
  long long gamma = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Gamma");
  long long g[] = {gamma};
  th_vsa_fault_set(V, TH_VSA_DOWN, 0, 0);
  job = export(g, 1);
  th_vsa_fault_set(V, TH_VSA_OK, 0, 0);
  cr_assert_str_eq(th_jstr(job, "status"), "failed");
  json_decref(job);
  cr_assert_eq(count("SELECT COUNT(*) FROM rmm_push"), 1);
  cr_assert_eq(count("SELECT COUNT(*) FROM rmm_orgs WHERE organization_id IS NOT NULL"), 3);
  job = export(g, 1);
  cr_assert_str_eq(th_jstr(job, "status"), "done", "%s", th_jstr(job, "error"));
  json_decref(job);
  cr_assert_eq(count("SELECT COUNT(*) FROM rmm_push"), 0);
}

Test(rmm, RMM3_push_automatically_exports_every_new_organization_but_not_the_rmms_own) {
  th_resp r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:{s:b}}}", "settings", "rmm",
                      "push_automatically", true);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  long long org = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Pushed Inc");
  long long job = count("SELECT MAX(id) FROM jobs WHERE kind = 'rmm_export'");
  cr_assert(job > 0, "creating the organization queued an export");
  json_t *j = wait_job(admin(), job);
  cr_assert_str_eq(th_jstr(j, "status"), "done", "%s", th_jstr(j, "error"));
  json_decref(j);
  json_t *all = th_vsa_orgs(V);
  cr_assert(vsa_org(all, "Pushed Inc"), "%s", json_dumps(all, 0));
  json_decref(all);
  r = th_get(&S, admin(), path("/v1/organizations/%lld/rmm_mapping", org));
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  /* renamed here, renamed there */
  r = th_json(&S, "PATCH", admin(), path("/v1/organizations/%lld", org), "{s:s}", "name",
              "Pushed Holding");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  job = count("SELECT MAX(id) FROM jobs WHERE kind = 'rmm_export'");
  j = wait_job(admin(), job);
  cr_assert_str_eq(th_jstr(j, "status"), "done", "%s", th_jstr(j, "error"));
  json_decref(j);
  all = th_vsa_orgs(V);
  cr_assert(vsa_org(all, "Pushed Holding") && !vsa_org(all, "Pushed Inc"), "%s",
            json_dumps(all, 0));
  json_decref(all);
  cr_assert_eq(count("SELECT COUNT(*) FROM rmm_orgs WHERE name = 'Pushed Holding'"), 1);
  /* an organization imported from the RMM is mapped, never pushed back */
  th_vsa_add_org(V, "8001", "From The RMM", "fromrmm", NULL);
  json_decref(load(admin()));
  r = th_json(&S, "POST", admin(), "/v1/rmm/import", "{s:[I]}", "rmm_organizations",
              (json_int_t)rmm_org("8001"));
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  cr_assert_eq(count("SELECT COUNT(*) FROM rmm_push"), 0);
  cr_assert_eq(count("SELECT COUNT(*) FROM jobs WHERE kind = 'rmm_export'"), 2);
}

Test(rmm, RMM2_the_cli_loads_imports_and_exports) {
  th_vsa_add_orgs(V, 300, 130);
  long long own = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Only Here");
  int status = 0;
  char *out = th_cli(&S, NULL, &status, "rmm", "load", "--account", "wdc", "--dry-run", NULL);
  cr_assert_eq(status, 0, "%s", out);
  cr_assert(strstr(out, "\"dry_run\": true"), "%s", out);
  free(out);
  cr_assert_eq(count("SELECT COUNT(*) FROM rmm_orgs"), 0);
  out = th_cli(&S, NULL, &status, "rmm", "load", "--account", "wdc", NULL);
  cr_assert_eq(status, 0, "%s", out);
  cr_assert(strstr(out, "\"added\": 130"), "%s", out);
  free(out);
  out = th_cli(&S, NULL, &status, "rmm", "import", "--account", "wdc", "--all-unmapped", NULL);
  cr_assert_eq(status, 0, "%s", out);
  free(out);
  cr_assert_eq(count("SELECT COUNT(*) FROM organizations WHERE source = 'rmm'"), 130);
  cr_assert_eq(count("SELECT COUNT(*) FROM rmm_orgs WHERE organization_id IS NULL"), 0);
  out = th_cli(&S, NULL, &status, "rmm", "export", "--account", "wdc", "--all-unmapped", NULL);
  cr_assert_eq(status, 0, "%s", out);
  cr_assert(strstr(out, "\"exported\": 1"), "%s", out);
  free(out);
  char sql[160];
  snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM rmm_orgs WHERE organization_id = %lld", own);
  cr_assert_eq(count(sql), 1);
  /* usage errors and a failing RMM */
  out = th_cli(&S, NULL, &status, "rmm", "import", "--account", "wdc", NULL);
  cr_assert_eq(status, 2);
  free(out);
  out = th_cli(&S, NULL, &status, "rmm", "export", "--account", "wdc", "--ids", "1,x", NULL);
  cr_assert_eq(status, 2);
  free(out);
  th_vsa_fault_set(V, TH_VSA_RESULT_CODE, 0, 0);
  out = th_cli(&S, NULL, &status, "rmm", "load", "--account", "wdc", NULL);
  cr_assert_eq(status, 1, "%s", out);
  free(out);
}

/* Runs a sync (dry_run: "?dry_run=true" or "") and waits; returns the job (caller frees). */
static json_t *sync_job(const char *query) {
  char p[64];
  snprintf(p, sizeof p, "/v1/rmm/sync%s", query);
  th_resp r = th_json(&S, "POST", admin(), p, NULL);
  cr_assert_eq(r.status, 202, "%s", r.body);
  long long job = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  return wait_job(admin(), job);
}

static long long result(json_t *job, const char *what) {
  char p[64];
  snprintf(p, sizeof p, "result.%s", what);
  return json_integer_value(th_jpath(job, p));
}

/* The item of agent id: its record (caller frees). */
static json_t *item_of(const char *agent) {
  char sql[160];
  snprintf(sql, sizeof sql, "SELECT id FROM items WHERE source = 'rmm' AND source_id = '%s'",
           agent);
  long long id = count(sql);
  cr_assert(id > 0, "agent %s has no item", agent);
  th_resp r = th_get(&S, admin(), path("/v1/items/%lld", id));
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_t *out = json_incref(r.json);
  th_resp_free(&r);
  return out;
}

/* Imports RMM organization rmm_id as an organization; returns the organization's id. */
static long long import_org(const char *rmm_id) {
  th_resp r = th_json(&S, "POST", admin(), "/v1/rmm/import", "{s:[I]}", "rmm_organizations",
                      (json_int_t)rmm_org(rmm_id));
  cr_assert_eq(r.status, 200, "%s", r.body);
  long long org = json_integer_value(th_jpath(r.json, "[0].organization.id"));
  th_resp_free(&r);
  return org;
}

Test(rmm, RMM5_agents_become_items_where_the_mapping_says_and_a_resync_changes_nothing,
     .timeout = 120) {
  th_vsa_add_org(V, "10", "Acme RMM", "acme", NULL);
  th_vsa_add_org(V, "20", "Beta RMM", "beta", NULL);
  th_vsa_add_group(V, "10", "101", "root", NULL);
  th_vsa_add_group(V, "10", "102", "root.servers", "101");
  th_vsa_add_group(V, "20", "201", "root.office", NULL);
  th_vsa_add_agent(V, "9001", "acme-pc", "10", "101");
  th_vsa_add_agent(V, "9002", "acme-srv", "10", "102");
  th_vsa_add_agent(V, "9003", "beta-pc", "20", "201");
  json_decref(load(admin()));
  long long a = import_org("10"), b = import_org("20");
  long long hq = th_create(&S, admin(), path("/v1/organizations/%lld/locations", a), "{s:s}",
                           "name", "HQ");
  long long room = th_create(&S, admin(), path("/v1/organizations/%lld/locations", a), "{s:s}",
                             "name", "Server room");
  long long it = th_create(&S, admin(), path("/v1/organizations/%lld/departments", a), "{s:s}",
                           "name", "IT");
  long long ops = th_create(&S, admin(), path("/v1/organizations/%lld/departments", a), "{s:s}",
                            "name", "Ops");
  th_resp r = th_json(&S, "PATCH", admin(), path("/v1/rmm/organizations/%lld", rmm_org("20")),
                      "{s:s}", "location_mode", "group_id");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  json_t *job = sync_job("");
  cr_assert_str_eq(th_jstr(job, "status"), "done", "%s", th_jstr(job, "error"));
  cr_assert_eq(result(job, "created"), 3, "%s", json_dumps(job, 0));
  cr_assert_eq(result(job, "locations_created"), 1);
  json_decref(job);
  json_t *i1 = item_of("9001"), *i3 = item_of("9003");
  cr_assert_str_eq(th_jstr(i1, "name"), "acme-pc");
  cr_assert_str_eq(th_jstr(i1, "source"), "rmm");
  cr_assert_eq(json_integer_value(th_jpath(i1, "organization.id")), a);
  cr_assert_eq(json_integer_value(th_jpath(i1, "location.id")), hq, "main: %s",
               json_dumps(i1, 0));
  cr_assert_eq(json_integer_value(th_jpath(i3, "organization.id")), b);
  cr_assert_str_eq(th_jstr(i3, "location.name"), "root.office", "group_id");
  long long office = json_integer_value(th_jpath(i3, "location.id"));
  json_decref(i1);
  json_decref(i3);
  /* RMM-6: a second sync changes nothing */
  job = sync_job("");
  cr_assert_eq(result(job, "created") + result(job, "updated"), 0, "%s", json_dumps(job, 0));
  cr_assert_eq(result(job, "unchanged"), 3);
  json_decref(job);
  /* custom: the servers group goes to the server room and IT; other groups to main */
  r = th_json(&S, "PATCH", admin(), path("/v1/rmm/organizations/%lld", rmm_org("10")),
              "{s:s,s:{s:{s:{s:I},s:{s:I}}}}", "location_mode", "custom", "group_locations",
              "102", "location", "id", (json_int_t)room, "department", "id", (json_int_t)it);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  job = sync_job("");
  cr_assert_eq(result(job, "updated"), 1, "%s", json_dumps(job, 0));
  json_decref(job);
  json_t *i2 = item_of("9002");
  cr_assert_eq(json_integer_value(th_jpath(i2, "location.id")), room);
  cr_assert_eq(json_integer_value(th_jpath(i2, "department.id")), it);
  long long id2 = json_integer_value(json_object_get(i2, "id"));
  json_decref(i2);
  /* a department set by hand is overwritten by the custom mapping */
  r = th_json(&S, "PATCH", admin(), path("/v1/items/%lld", id2), "{s:{s:I}}", "department", "id",
              (json_int_t)ops);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  /* a group location renamed by hand is made again; an agent renamed in the RMM follows */
  char lp[160];
  snprintf(lp, sizeof lp, "/v1/organizations/%lld/locations/%lld", b, office);
  r = th_json(&S, "PATCH", admin(), lp, "{s:s}", "name", "Front office");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  th_vsa_agent_set(V, "9001", "ComputerName", "acme-pc-2");
  job = sync_job("");
  cr_assert_eq(result(job, "updated"), 3, "%s", json_dumps(job, 0));
  cr_assert_eq(result(job, "locations_created"), 1);
  json_decref(job);
  i2 = item_of("9002");
  cr_assert_eq(json_integer_value(th_jpath(i2, "department.id")), it, "custom overwrites");
  json_decref(i2);
  i3 = item_of("9003");
  cr_assert_str_eq(th_jstr(i3, "location.name"), "root.office");
  cr_assert_neq(json_integer_value(th_jpath(i3, "location.id")), office);
  json_decref(i3);
  i1 = item_of("9001");
  cr_assert_str_eq(th_jstr(i1, "name"), "acme-pc-2");
  long long id1 = json_integer_value(json_object_get(i1, "id"));
  json_decref(i1);
  /* one asset on demand */
  th_vsa_agent_set(V, "9001", "ComputerName", "acme-pc-3");
  r = th_json(&S, "POST", admin(), path("/v1/items/%lld/rmm_sync", id1), NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "name"), "acme-pc-3");
  th_resp_free(&r);
  long long manual = th_create(&S, admin(), "/v1/items", "{s:s,s:s}", "number", "M-1", "name",
                               "Manual");
  r = th_json(&S, "POST", admin(), path("/v1/items/%lld/rmm_sync", manual), NULL);
  th_assert_error(&r, 422, "source");
  th_resp_free(&r);
  r = th_json(&S, "POST", gt_admin(), path("/v1/items/%lld/rmm_sync", id1), NULL);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  /* bad mappings: an unknown mode, another organization's location */
  r = th_json(&S, "PATCH", admin(), path("/v1/rmm/organizations/%lld", rmm_org("10")), "{s:s}",
              "location_mode", "nearest");
  th_assert_error(&r, 422, "location_mode");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), path("/v1/rmm/organizations/%lld", rmm_org("20")),
              "{s:{s:{s:{s:I}}}}", "group_locations", "201", "location", "id", (json_int_t)room);
  th_assert_error(&r, 422, "group_locations.201");
  th_resp_free(&r);
}

Test(rmm, RMM4_an_unmapped_rmm_organization_is_created_by_its_agents_unless_its_name_is_ours) {
  th_vsa_add_org(V, "30", "Gamma", "gamma", NULL);
  th_vsa_add_org(V, "40", "Delta", "delta", NULL);
  th_vsa_add_group(V, "30", "301", "root", NULL);
  th_vsa_add_group(V, "40", "401", "root", NULL);
  th_vsa_add_agent(V, "7001", "gamma-pc", "30", "301");
  th_vsa_add_agent(V, "7002", "delta-pc", "40", "401");
  long long delta = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Delta");
  json_t *job = sync_job("");
  cr_assert_str_eq(th_jstr(job, "status"), "done", "%s", th_jstr(job, "error"));
  cr_assert_eq(result(job, "organizations_created"), 1, "%s", json_dumps(job, 0));
  cr_assert_eq(result(job, "skipped"), 1);
  cr_assert_eq(result(job, "created"), 1);
  json_decref(job);
  cr_assert_eq(count("SELECT COUNT(*) FROM organizations WHERE name = 'Gamma' AND source = 'rmm'"),
               1);
  char sql[160];
  snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM rmm_orgs WHERE organization_id = %lld", delta);
  cr_assert_eq(count(sql), 0, "an exact name match is never mapped by a sync");
  cr_assert_eq(count("SELECT COUNT(*) FROM items WHERE source_id = '7002'"), 0);
  cr_assert_eq(count("SELECT COUNT(*) FROM organizations WHERE name = 'Delta'"), 1);
  /* confirmed by a person, the next sync brings the asset */
  th_resp r = th_json(&S, "PUT", admin(), path("/v1/organizations/%lld/rmm_mapping", delta),
                      "{s:{s:I}}", "rmm_organization", "id", (json_int_t)rmm_org("40"));
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  json_decref(sync_job(""));
  json_t *item = item_of("7002");
  cr_assert_eq(json_integer_value(th_jpath(item, "organization.id")), delta);
  json_decref(item);
}

Test(rmm, RMM6_a_sync_dry_run_stores_nothing_and_a_failing_page_keeps_what_was_committed,
     .timeout = 120) {
  th_vsa_add_org(V, "50", "Epsilon", "eps", NULL);
  th_vsa_add_group(V, "50", "501", "root", NULL);
  th_vsa_add_agents(V, 10000, 250);
  json_t *job = sync_job("?dry_run=true");
  cr_assert_str_eq(th_jstr(job, "status"), "done", "%s", th_jstr(job, "error"));
  cr_assert(json_is_true(th_jpath(job, "result.dry_run")));
  cr_assert_eq(result(job, "created"), 250);
  cr_assert_eq(result(job, "organizations_created"), 1);
  cr_assert_eq(json_array_size(th_jpath(job, "result.changes")), 200);
  json_decref(job);
  cr_assert_eq(count("SELECT COUNT(*) FROM items"), 0);
  cr_assert_eq(count("SELECT COUNT(*) FROM organizations WHERE name = 'Epsilon'"), 0);
  /* garbage on the second page of agents: the first page stays, the job fails */
  th_vsa_fault_set(V, TH_VSA_GARBAGE, 2, 0); /* organizations, agents page 1, then garbage */
  job = sync_job("");
  th_vsa_fault_set(V, TH_VSA_OK, 0, 0);
  cr_assert_str_eq(th_jstr(job, "status"), "failed");
  cr_assert(strstr(th_jstr(job, "error"), "not a VSA envelope"), "%s", th_jstr(job, "error"));
  json_decref(job);
  cr_assert_eq(count("SELECT COUNT(*) FROM items"), 100);
  /* a page short of TotalRecords fails too */
  th_vsa_fault_set(V, TH_VSA_SHORT, 0, 0);
  job = sync_job("");
  th_vsa_fault_set(V, TH_VSA_OK, 0, 0);
  cr_assert_str_eq(th_jstr(job, "status"), "failed");
  cr_assert(strstr(th_jstr(job, "error"), "TotalRecords"), "%s", th_jstr(job, "error"));
  json_decref(job);
  job = sync_job("");
  cr_assert_str_eq(th_jstr(job, "status"), "done", "%s", th_jstr(job, "error"));
  cr_assert_eq(result(job, "created"), 150, "%s", json_dumps(job, 0));
  cr_assert_eq(result(job, "unchanged"), 100);
  json_decref(job);
  cr_assert_eq(count("SELECT COUNT(*) FROM items"), 250);
  const char *tech = th_token(&S, "wdc", "tech", "technician");
  th_resp r = th_json(&S, "POST", tech, "/v1/rmm/sync", NULL);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
}

Test(rmm, RMM6_scheduled_syncs_follow_the_setting, .timeout = 120) {
  th_vsa_add_org(V, "60", "Zeta", "zeta", NULL);
  th_vsa_add_group(V, "60", "601", "root", NULL);
  th_vsa_add_agent(V, "6001", "zeta-pc", "60", "601");
  const char *waiting = "SELECT COUNT(*) FROM jobs WHERE kind = 'rmm_sync' AND status = 'queued'"
                        " AND run_at IS NOT NULL";
  th_resp r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:{s:i}}}", "settings", "rmm",
                      "sync_every_minutes", 60);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  cr_assert_eq(count(waiting), 1, "the next sync waits an hour");
  /* an on-demand sync is not refused because a scheduled one waits */
  json_t *job = sync_job("");
  cr_assert_str_eq(th_jstr(job, "status"), "done", "%s", th_jstr(job, "error"));
  json_decref(job);
  cr_assert_eq(count(waiting), 1, "still one waiting");
  /* its time comes: it runs, and the one after it waits again */
  long long id = count("SELECT MAX(id) FROM jobs WHERE kind = 'rmm_sync' AND status = 'queued'");
  th_sql(&S, "UPDATE jobs SET run_at = '2000-01-01T00:00:00Z' WHERE kind = 'rmm_sync' AND"
             " status = 'queued'");
  job = wait_job(admin(), id);
  cr_assert_str_eq(th_jstr(job, "status"), "done", "%s", th_jstr(job, "error"));
  cr_assert_eq(result(job, "unchanged"), 1);
  json_decref(job);
  cr_assert_eq(count(waiting), 1);
  r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:{s:i}}}", "settings", "rmm",
              "sync_every_minutes", 0);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  cr_assert_eq(count(waiting), 0, "switched off: nothing waits");
  r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:{s:i}}}", "settings", "rmm",
              "sync_every_minutes", 20000);
  th_assert_error(&r, 422, "settings.rmm.sync_every_minutes");
  th_resp_free(&r);
}

Test(rmm, RMM2_only_unmapped_organizations_are_offered) {
  th_vsa_add_org(V, "70", "Eta", "eta", NULL);
  json_decref(load(admin()));
  long long a = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Theta");
  long long b = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Iota");
  th_resp r = th_get(&S, admin(), "/v1/organizations?rmm_mapped=false");
  cr_assert_eq(r.status, 200, "%s", r.body);
  size_t before = json_array_size(r.json);
  th_resp_free(&r);
  r = th_json(&S, "PUT", admin(), path("/v1/organizations/%lld/rmm_mapping", a), "{s:{s:I}}",
              "rmm_organization", "id", (json_int_t)rmm_org("70"));
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  /* the page kept before the mapping is not served again */
  r = th_get(&S, admin(), "/v1/organizations?rmm_mapped=false");
  cr_assert_eq(json_array_size(r.json), before - 1, "%s", r.body);
  cr_assert(!strstr(r.body, "\"Theta\"") && strstr(r.body, "\"Iota\""), "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/organizations?rmm_mapped=true");
  cr_assert_eq(json_array_size(r.json), 1, "%s", r.body);
  cr_assert_eq(json_integer_value(th_jpath(r.json, "[0].id")), a);
  th_resp_free(&r);
  (void)b;
  r = th_get(&S, admin(), "/v1/organizations?rmm_mapped=maybe");
  th_assert_error(&r, 400, "rmm_mapped");
  th_resp_free(&r);
}
