/* End-to-end tests of the directory sync (LDAP-1..3) against a real slapd
 * (tests/harness/slapd.c), on SQLite and (with $ROLODESK_TEST_PG) PostgreSQL: settings
 * and their secret, dry run, sync, a second sync that changes nothing, changes and line
 * managers from the directory, a customer taken over and staff never, login by LDAP bind,
 * the fields the directory keeps, filter escaping, a directory that is down or refuses the
 * bind, roles and bad input. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "harness/harness.h"
#include "harness/slapd.h"
#include "import/directory.h"

static th_server S;
static th_slapd *D;

static const char *admin(void) {
  return th_token(&S, "wdc", "admin", "account_administrator");
}

#define DN(uid) "uid=" uid "," TH_LDAP_BASE

static void connect_ldap(const char *uri, const char *password) {
  th_resp r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:{s:s,s:s,s:s,s:s,s:i}}}",
                      "settings", "ldap", "uri", uri, "bind_dn", TH_LDAP_ADMIN_DN, "password",
                      password, "base_dn", TH_LDAP_BASE, "timeout", 5);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
}

static void setup(void) {
  setenv("ROLODESK_LDAP_ALLOW_PLAIN", "1", 1); /* slapd on loopback speaks plain LDAP */
  D = th_slapd_start();
  th_ldap_add_person(D, "jdoe", "givenName", "John", "sn", "Doe", "mail", "jdoe@example.com",
                     "telephoneNumber", "+31 20 555 0101", "userPassword", "john-pw", NULL);
  th_ldap_add_person(D, "asmith", "givenName", "Ann", "sn", "Smith", "mail", "asmith@example.com",
                     "manager", DN("jdoe"), "userPassword", "ann-pw", NULL);
  th_ldap_add_person(D, "bvos", "givenName", "Bram", "sn", "Vos", "mail", "bvos@example.com",
                     "manager", "UID=jdoe, ou=people, dc=example, dc=com", NULL);
  th_start(&S);
  th_account(&S, "wdc", "Widget Data Center");
  th_account(&S, "gigatera", "GigaTera");
}
static void teardown(void) {
  th_stop(&S);
  th_slapd_stop(D);
}
TestSuite(ldap, .init = setup, .fini = teardown, .timeout = 120);

/* POST /v1/ldap/sync (dry run or not) and waits for the job's end: the job (caller frees). */
static json_t *sync_now(bool dry) {
  th_resp r = th_json(&S, "POST", admin(), dry ? "/v1/ldap/sync?dry_run=true" : "/v1/ldap/sync",
                      NULL);
  cr_assert_eq(r.status, 202, "%s", r.body);
  long long job = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  char path[64];
  snprintf(path, sizeof path, "/v1/ldap/jobs/%lld", job);
  for (int i = 0; i < 300; i++) {
    r = th_get(&S, admin(), path);
    cr_assert_eq(r.status, 200, "%s", r.body);
    const char *status = th_jstr(r.json, "status");
    if (!strcmp(status, "done") || !strcmp(status, "failed")) {
      json_t *out = json_incref(r.json);
      th_resp_free(&r);
      return out;
    }
    th_resp_free(&r);
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  cr_assert_fail("the sync did not end");
  return NULL;
}

static long long result(json_t *job, const char *key) {
  json_t *r = json_object_get(job, "result");
  cr_assert(json_is_object(r), "job without result: %s", th_jstr(job, "error"));
  return (long long)json_integer_value(json_object_get(r, key));
}

static long long person_id(const char *username) {
  char sql[200];
  snprintf(sql, sizeof sql, "SELECT id FROM people WHERE account_id = 'wdc' AND username = '%s'",
           username);
  return th_sql_int(&S, sql);
}

static json_t *person(long long id) {
  char path[64];
  snprintf(path, sizeof path, "/v1/people/%lld", id);
  th_resp r = th_get(&S, admin(), path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_t *p = json_incref(r.json);
  th_resp_free(&r);
  return p;
}

static long login(const char *username, const char *password) {
  th_resp r = th_json(&S, "POST", NULL, "/v1/login", "{s:s,s:s,s:s}", "account", "wdc",
                      "username", username, "password", password);
  long st = r.status;
  th_resp_free(&r);
  return st;
}

Test(ldap, LDAP1_settings_keep_the_password_secret_and_check_their_values) {
  connect_ldap(th_slapd_uri(D), TH_LDAP_ADMIN_PW);
  th_resp r = th_get(&S, admin(), "/v1/account");
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_t *l = th_jpath(r.json, "settings.ldap");
  cr_assert(json_is_true(json_object_get(l, "password_set")));
  cr_assert_null(json_object_get(l, "password"), "ACC-6: the bind password is never shown");
  cr_assert_str_eq(json_string_value(json_object_get(l, "filter")), "(objectClass=inetOrgPerson)");
  cr_assert_null(strstr(r.body, TH_LDAP_ADMIN_PW));
  th_resp_free(&r);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM audit WHERE changes LIKE '%directory-secret%'"), 0,
               "the audit trail says the password changed, never what it is");
  struct {
    const char *json, *field;
  } bad[] = {
      {"{\"settings\":{\"ldap\":{\"uri\":\"http://dir.example.com\"}}}", "settings.ldap.uri"},
      {"{\"settings\":{\"ldap\":{\"filter\":\"objectClass=*\"}}}", "settings.ldap.filter"},
      {"{\"settings\":{\"ldap\":{\"timeout\":0}}}", "settings.ldap.timeout"},
      {"{\"settings\":{\"ldap\":{\"starttls\":\"yes\"}}}", "settings.ldap.starttls"},
      {"{\"settings\":{\"ldap\":{\"attributes\":{\"username\":\"uid)(x\"}}}}",
       "settings.ldap.attributes.username"},
      {"{\"settings\":{\"ldap\":{\"attributes\":{\"shoe_size\":\"x\"}}}}",
       "settings.ldap.attributes.shoe_size"},
      {"{\"settings\":{\"ldap\":{\"base\":\"dc=x\"}}}", "settings.ldap.base"},
      {"{\"settings\":{\"ldap\":{\"ca_file\":\"certs/ca.pem\"}}}", "settings.ldap.ca_file"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    r = th_req(&S, "PATCH", "/v1/account", admin(), bad[i].json, NULL, NULL);
    th_assert_error(&r, 422, bad[i].field);
    th_resp_free(&r);
  }
}

Test(ldap, LDAP1_dry_run_then_sync_then_nothing_to_do) {
  connect_ldap(th_slapd_uri(D), TH_LDAP_ADMIN_PW);
  long long before = th_sql_int(&S, "SELECT COUNT(*) FROM people");
  json_t *job = sync_now(true);
  cr_assert_str_eq(th_jstr(job, "status"), "done", "%s", th_jstr(job, "error"));
  cr_assert_eq(result(job, "created"), 3);
  cr_assert(json_is_true(th_jpath(job, "result.dry_run")));
  json_decref(job);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM people"), before, "BEYOND-1: a dry run keeps nothing");

  job = sync_now(false);
  cr_assert_str_eq(th_jstr(job, "status"), "done", "%s", th_jstr(job, "error"));
  cr_assert_eq(result(job, "entries"), 3);
  cr_assert_eq(result(job, "created"), 3);
  cr_assert_eq(result(job, "failed"), 0, "%s", json_dumps(job, 0));
  json_decref(job);
  long long jdoe = person_id("jdoe"), ann = person_id("asmith"), bram = person_id("bvos");
  cr_assert(jdoe && ann && bram);
  json_t *p = person(ann);
  cr_assert_str_eq(th_jstr(p, "first_name"), "Ann");
  cr_assert_str_eq(th_jstr(p, "primary_email"), "asmith@example.com");
  cr_assert_str_eq(th_jstr(p, "source"), "ldap");
  cr_assert_str_eq(th_jstr(p, "source_id"), DN("asmith"));
  cr_assert_eq(json_integer_value(th_jpath(p, "line_manager.id")), jdoe, "manager -> line manager");
  json_decref(p);
  p = person(bram); /* the same manager written with other case and spaces */
  cr_assert_eq(json_integer_value(th_jpath(p, "line_manager.id")), jdoe);
  json_decref(p);
  p = person(jdoe);
  cr_assert_str_eq(th_jstr(p, "phone"), "+31 20 555 0101");
  json_decref(p);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM people WHERE source = 'ldap' AND"
                              " password_hash IS NOT NULL"), 0, "LDAP-2: no password stored");

  /* LDAP-1: a second run changes nothing */
  long long audits = th_sql_int(&S, "SELECT COUNT(*) FROM audit");
  job = sync_now(false);
  cr_assert_eq(result(job, "unchanged"), 3);
  cr_assert_eq(result(job, "created") + result(job, "updated"), 0);
  json_decref(job);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM audit"), audits, "nothing written");

  /* changes in the directory reach rolodesk; a leaver is reported, not touched */
  th_ldap_replace(D, DN("asmith"), "mail", "ann.smith@example.com");
  th_ldap_replace(D, DN("asmith"), "sn", "Smith-Jones");
  th_ldap_replace(D, DN("bvos"), "manager", DN("asmith"));
  th_ldap_delete(D, DN("jdoe"));
  job = sync_now(false);
  cr_assert_eq(result(job, "updated"), 2, "%s", json_dumps(job, 0));
  cr_assert_eq(result(job, "not_in_directory"), 1);
  cr_assert_str_eq(th_jstr(json_array_get(th_jpath(job, "result.missing"), 0), "username"), "jdoe");
  json_decref(job);
  p = person(ann);
  cr_assert_str_eq(th_jstr(p, "primary_email"), "ann.smith@example.com");
  cr_assert_str_eq(th_jstr(p, "last_name"), "Smith-Jones");
  json_decref(p);
  p = person(bram);
  cr_assert_eq(json_integer_value(th_jpath(p, "line_manager.id")), ann);
  json_decref(p);
  p = person(jdoe);
  cr_assert(json_is_false(json_object_get(p, "deleted")));
  json_decref(p);
}

Test(ldap, LDAP2_login_by_bind_and_the_directory_keeps_its_fields) {
  connect_ldap(th_slapd_uri(D), TH_LDAP_ADMIN_PW);
  json_t *job = sync_now(false);
  cr_assert_eq(result(job, "created"), 3);
  json_decref(job);
  cr_assert_eq(login("jdoe", "john-pw"), 200, "LDAP-2: the directory password signs in");
  cr_assert_eq(login("jdoe", "wrong"), 401);
  cr_assert_eq(login("bvos", "anything"), 401, "an entry without a password never signs in");
  long long jdoe = person_id("jdoe");
  char path[64];
  snprintf(path, sizeof path, "/v1/people/%lld", jdoe);
  const char *kept[] = {"first_name", "last_name", "username", "primary_email"};
  for (size_t i = 0; i < 4; i++) {
    th_resp r = th_json(&S, "PATCH", admin(), path, "{s:s}", kept[i], "changed@example.com");
    th_assert_error(&r, 422, kept[i]);
    th_resp_free(&r);
  }
  th_resp r = th_json(&S, "PATCH", admin(), path, "{s:s}", "password", "a-local-password");
  th_assert_error(&r, 422, "password");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), path, "{s:s}", "city", "Utrecht"); /* not the directory's */
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  /* a directory that cannot be asked: 502, and the person does not get in */
  th_resp a = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:{s:s}}}", "settings", "ldap",
                      "uri", "ldap://127.0.0.1:1");
  cr_assert_eq(a.status, 200, "%s", a.body);
  th_resp_free(&a);
  cr_assert_eq(login("jdoe", "john-pw"), 502);
}

Test(ldap, LDAP1_a_customer_is_taken_over_and_staff_never) {
  connect_ldap(th_slapd_uri(D), TH_LDAP_ADMIN_PW);
  /* a customer made by hand with the directory's username, with a password */
  long long mine = th_create(&S, admin(), "/v1/people", "{s:s,s:s,s:s,s:s,s:s,s:[s]}",
                             "first_name", "Johnny", "last_name", "D", "username", "jdoe",
                             "primary_email", "johnny@example.org", "password", "local-pw-123",
                             "roles", "customer");
  /* a supervisor with another entry's username */
  th_token(&S, "wdc", "asmith", "supervisor");
  json_t *job = sync_now(false);
  cr_assert_str_eq(th_jstr(job, "status"), "done", "%s", th_jstr(job, "error"));
  cr_assert_eq(result(job, "adopted"), 1);
  cr_assert_eq(result(job, "created"), 1);
  cr_assert_eq(result(job, "failed"), 1);
  json_t *f = json_array_get(th_jpath(job, "result.failures"), 0);
  cr_assert_str_eq(th_jstr(f, "dn"), DN("asmith"));
  json_decref(job);
  json_t *p = person(mine);
  cr_assert_str_eq(th_jstr(p, "source"), "ldap");
  cr_assert_str_eq(th_jstr(p, "first_name"), "John");
  json_decref(p);
  cr_assert_eq(login("jdoe", "local-pw-123"), 401, "the local password is gone");
  cr_assert_eq(login("jdoe", "john-pw"), 200);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM people WHERE username = 'asmith' AND"
                              " source = 'ldap'"), 0, "staff are never taken over");
}

Test(ldap, LDAP3_filter_values_are_escaped) {
  char *e = rd_ldap_escape("a*)(uid=*");
  cr_assert_str_eq(e, "a\\2A\\29\\28uid=\\2A");
  rd_free(e);
  json_t *settings = json_pack("{s:s,s:s,s:s,s:s}", "uri", th_slapd_uri(D), "bind_dn",
                               TH_LDAP_ADMIN_DN, "password", TH_LDAP_ADMIN_PW, "base_dn",
                               TH_LDAP_BASE);
  rd_ldap *l = NULL;
  rd_err err;
  rd_err_clear(&err);
  cr_assert_eq(rd_ldap_open(settings, &l, &err), 0, "%s", err.message);
  json_t *out = NULL;
  cr_assert_eq(rd_ldap_search(l, "uid", "*", &out, &err), 0, "%s", err.message);
  cr_assert_eq(json_array_size(out), 0, "a value of * matches nobody: it is not a wildcard");
  json_decref(out);
  cr_assert_eq(rd_ldap_search(l, "uid", "jdoe)(uid=*", &out, &err), 0, "%s", err.message);
  cr_assert_eq(json_array_size(out), 0, "no filter injection");
  json_decref(out);
  cr_assert_eq(rd_ldap_search(l, "uid", "jdoe", &out, &err), 0, "%s", err.message);
  cr_assert_eq(json_array_size(out), 1);
  json_decref(out);
  rd_ldap_close(l);
  json_decref(settings);
}

Test(ldap, LDAP1_failures_change_nothing_and_only_administrators_sync) {
  /* not set up */
  th_resp r = th_json(&S, "POST", admin(), "/v1/ldap/sync", NULL);
  th_assert_error(&r, 422, "settings.ldap");
  th_resp_free(&r);
  /* other roles */
  const char *sup = th_token(&S, "wdc", "sam", "supervisor");
  r = th_json(&S, "POST", sup, "/v1/ldap/sync", NULL);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_req(&S, "POST", "/v1/ldap/sync?dry_run=maybe", admin(), NULL, NULL, NULL);
  cr_assert_eq(r.status, 400, "%s", r.body);
  th_resp_free(&r);
  long long before = th_sql_int(&S, "SELECT COUNT(*) FROM people");
  /* a wrong bind password: the job fails, naming the bind */
  connect_ldap(th_slapd_uri(D), "not-the-password");
  json_t *job = sync_now(false);
  cr_assert_str_eq(th_jstr(job, "status"), "failed");
  cr_assert(strstr(th_jstr(job, "error"), "bind"), "%s", th_jstr(job, "error"));
  json_decref(job);
  /* a directory that is down */
  connect_ldap("ldap://127.0.0.1:1", TH_LDAP_ADMIN_PW);
  job = sync_now(false);
  cr_assert_str_eq(th_jstr(job, "status"), "failed");
  json_decref(job);
  /* a base that does not exist */
  connect_ldap(th_slapd_uri(D), TH_LDAP_ADMIN_PW);
  r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:{s:s}}}", "settings", "ldap",
              "base_dn", "ou=nobody,dc=example,dc=com");
  th_resp_free(&r);
  job = sync_now(false);
  cr_assert_str_eq(th_jstr(job, "status"), "failed");
  json_decref(job);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM people"), before, "RMM-6 alike: nothing changed");
  /* another account's job is not found */
  const char *gt = th_token(&S, "gigatera", "gtadmin", "account_administrator");
  long long last = th_sql_int(&S, "SELECT MAX(id) FROM jobs WHERE kind = 'ldap_sync'");
  char path[64];
  snprintf(path, sizeof path, "/v1/ldap/jobs/%lld", last);
  r = th_get(&S, gt, path);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
}

Test(ldap, LDAP1_the_cli_syncs_and_a_dry_run_keeps_nothing) {
  connect_ldap(th_slapd_uri(D), TH_LDAP_ADMIN_PW);
  int status = -1;
  char *out = th_cli(&S, NULL, &status, "ldap", "sync", "--account", "wdc", "--dry-run", NULL);
  cr_assert_eq(status, 0, "%s", out ? out : "");
  cr_assert(strstr(out, "\"created\": 3"), "%s", out);
  free(out);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM people WHERE source = 'ldap'"), 0);
  out = th_cli(&S, NULL, &status, "ldap", "sync", "--account", "wdc", NULL);
  cr_assert_eq(status, 0, "%s", out ? out : "");
  free(out);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM people WHERE source = 'ldap'"), 3);
  out = th_cli(&S, NULL, &status, "ldap", "sync", NULL);
  cr_assert_eq(status, 2, "usage: --account is required");
  free(out);
}
