/* End-to-end tests of ACC-7, who may change whom: every pair of caller role and target
 * role through PATCH, DELETE and enable; which roles each caller may grant; the self
 * service of people who do not manage themselves; aliases (staff only); and the CSV
 * import, which applies the same rule per row with the importer's rights. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/harness.h"

static th_server S;

static void setup(void) {
  th_start(&S);
  th_account(&S, "wdc", "Widget Data Center");
}
static void teardown(void) {
  th_stop(&S);
}
TestSuite(manage, .init = setup, .fini = teardown, .timeout = 120);

enum { ADMIN, SUP, SLM, TECH, PARTNER, CUST, NROLES };
static const char *const ROLE[NROLES] = {"account_administrator", "supervisor",
                                         "service_level_manager", "technician", "partner",
                                         "customer"};

/* Callers c-<role> and targets t-<role>, made on first use. */
static const char *caller(int r) {
  char user[32];
  snprintf(user, sizeof user, "c-%d", r);
  return th_token(&S, "wdc", user, ROLE[r]);
}
static const char *target_token(int r) {
  char user[32];
  snprintf(user, sizeof user, "t-%d", r);
  return th_token(&S, "wdc", user, ROLE[r]);
}
static long long id_of(const char *token) {
  th_resp r = th_get(&S, token, "/v1/me");
  cr_assert_eq(r.status, 200, "%s", r.body);
  long long id = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  return id;
}
static const char *path_of(long long id, const char *tail) {
  static char p[96];
  snprintf(p, sizeof p, "/v1/people/%lld%s", id, tail ? tail : "");
  return p;
}
static json_t *person(long long id) {
  th_resp r = th_get(&S, caller(ADMIN), path_of(id, NULL));
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_t *j = json_incref(r.json);
  th_resp_free(&r);
  return j;
}

/* The rule of SPEC ACC-7, written out as the test's oracle. */
static bool manages(int caller_role, int target_role) {
  switch (caller_role) {
  case ADMIN: return true;
  case SUP: return target_role == TECH || target_role == PARTNER || target_role == CUST;
  case SLM:
  case TECH: return target_role == CUST;
  default: return false;
  }
}
static bool grants(int caller_role, int role) {
  return caller_role == ADMIN ||
         (caller_role == SUP && (role == TECH || role == PARTNER || role == CUST));
}

Test(manage, ACC7_every_caller_and_target_role_pair_for_patch_and_delete) {
  long long target[NROLES];
  for (int t = 0; t < NROLES; t++)
    target[t] = id_of(target_token(t));
  for (int c = 0; c < NROLES; c++) {
    for (int t = 0; t < NROLES; t++) {
      json_t *before = person(target[t]);
      th_resp r = th_json(&S, "PATCH", caller(c), path_of(target[t], NULL), "{s:s}", "city",
                          "Changed");
      long want = manages(c, t) ? 200 : c == PARTNER || c == CUST ? 404 : 403;
      cr_assert_eq(r.status, want, "%s patching a %s: %ld %s", ROLE[c], ROLE[t], r.status, r.body);
      th_resp_free(&r);
      json_t *after = person(target[t]);
      if (want != 200)
        cr_assert(json_equal(before, after), "a refused change by %s changed a %s", ROLE[c],
                  ROLE[t]);
      json_decref(before);
      json_decref(after);
      /* The password and the email: the takeover of the issue. */
      r = th_json(&S, "PATCH", caller(c), path_of(target[t], NULL), "{s:s}", "password",
                  "taken over by someone");
      cr_assert_eq(r.status, want, "%s setting a %s's password: %s", ROLE[c], ROLE[t], r.body);
      th_resp_free(&r);
    }
  }
  /* DELETE with the same rule (people without a staff role: 403 at the route). */
  for (int c = 0; c < NROLES; c++) {
    for (int t = CUST; t >= 0; t--) {
      if (!manages(c, t) || c == t)
        continue;
      char user[32];
      snprintf(user, sizeof user, "d-%d-%d", c, t);
      long long victim = id_of(th_token(&S, "wdc", user, ROLE[t]));
      th_resp r = th_req(&S, "DELETE", path_of(victim, NULL), caller(c), NULL, NULL, NULL);
      cr_assert_eq(r.status, 204, "%s deleting a %s: %s", ROLE[c], ROLE[t], r.body);
      th_resp_free(&r);
      r = th_req(&S, "POST", path_of(victim, "/enable"), caller(c), NULL, NULL, NULL);
      cr_assert_eq(r.status, 200, "%s enabling a %s: %s", ROLE[c], ROLE[t], r.body);
      th_resp_free(&r);
    }
  }
  for (int c = 0; c < NROLES; c++) {
    for (int t = 0; t < NROLES; t++) {
      if (manages(c, t))
        continue;
      th_resp r = th_req(&S, "DELETE", path_of(target[t], NULL), caller(c), NULL, NULL, NULL);
      cr_assert_eq(r.status, 403, "%s deleting a %s: %ld %s", ROLE[c], ROLE[t], r.status, r.body);
      th_resp_free(&r);
      json_t *p = person(target[t]);
      cr_assert(json_is_false(json_object_get(p, "deleted")));
      json_decref(p);
    }
  }
}

Test(manage, ACC7_roles_are_granted_only_along_the_rule) {
  long long supervisor = id_of(target_token(SUP));
  for (int c = 0; c < NROLES; c++) {
    for (int g = 0; g < NROLES; g++) {
      char user[32], email[64];
      snprintf(user, sizeof user, "g-%d-%d", c, g);
      snprintf(email, sizeof email, "%s@wdc.example", user);
      json_t *body = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "first_name", "G", "last_name", user,
                               "username", user, "primary_email", email, "roles", ROLE[g]);
      if (g == TECH)
        json_object_set_new(body, "supervisor", json_pack("{s:I}", "id", (json_int_t)supervisor));
      char *text = json_dumps(body, 0);
      th_resp r = th_req(&S, "POST", "/v1/people", caller(c), text, NULL, NULL);
      /* ACC-7: a person may be added with a role when it may be managed with it. */
      long want = manages(c, g) ? 201 : 403;
      cr_assert_eq(r.status, want, "%s adding a %s: %ld %s", ROLE[c], ROLE[g], r.status, r.body);
      th_resp_free(&r);
      free(text);
      json_decref(body);
    }
  }
  /* Changing the roles of a customer: only roles the caller grants. */
  long long cust = id_of(target_token(CUST));
  for (int c = 0; c < NROLES; c++) {
    for (int g = 0; g < NROLES; g++) {
      if (g == CUST || g == TECH || !manages(c, CUST))
        continue;
      th_resp r = th_json(&S, "PATCH", caller(c), path_of(cust, NULL), "{s:[s,s]}", "roles",
                          "customer", ROLE[g]);
      long want = grants(c, g) ? 200 : 403;
      cr_assert_eq(r.status, want, "%s granting %s: %ld %s", ROLE[c], ROLE[g], r.status, r.body);
      if (want == 403)
        th_assert_error(&r, 403, "roles");
      th_resp_free(&r);
      r = th_json(&S, "PATCH", caller(ADMIN), path_of(cust, NULL), "{s:[s]}", "roles", "customer");
      cr_assert_eq(r.status, 200, "%s", r.body);
      th_resp_free(&r);
    }
  }
}

/* The takeover: a supervisor could change an administrator and promote itself. */
Test(manage, ACC7_a_supervisor_cannot_take_over_an_administrator_or_promote_itself) {
  long long admin = id_of(target_token(ADMIN)), self = id_of(caller(SUP));
  const char *patches[] = {"{\"password\": \"correct horse battery\"}",
                           "{\"primary_email\": \"evil@attacker.example\"}",
                           "{\"roles\": [\"customer\"]}", "{\"web_access\": false}",
                           "{\"username\": \"gone\"}"};
  for (size_t i = 0; i < sizeof patches / sizeof *patches; i++) {
    th_resp r = th_req(&S, "PATCH", path_of(admin, NULL), caller(SUP), patches[i], NULL, NULL);
    th_assert_error(&r, 403, NULL);
    th_resp_free(&r);
  }
  th_resp r = th_req(&S, "DELETE", path_of(admin, NULL), caller(SUP), NULL, NULL, NULL);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  /* Its own roles and web access are not its to change; its contact details are. */
  r = th_json(&S, "PATCH", caller(SUP), path_of(self, NULL), "{s:[s,s]}", "roles", "supervisor",
              "service_level_manager");
  th_assert_error(&r, 403, "roles");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", caller(SUP), path_of(self, NULL), "{s:b}", "web_access", 0);
  th_assert_error(&r, 403, "web_access");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", caller(SUP), path_of(self, NULL), "{s:s}", "phone", "+31 20 555 0100");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  json_t *p = person(self);
  cr_assert_eq(json_array_size(json_object_get(p, "roles")), 1);
  json_decref(p);
  /* A customer changes its own contact details, never its roles or web access. */
  long long cust = id_of(caller(CUST));
  r = th_json(&S, "PATCH", caller(CUST), path_of(cust, NULL), "{s:[s,s]}", "roles", "customer",
              "technician");
  th_assert_error(&r, 403, "roles");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", caller(CUST), path_of(cust, NULL), "{s:s}", "city", "Utrecht");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
}

Test(manage, ACC7_the_last_administrator_stays) {
  long long admin = id_of(caller(ADMIN));
  th_resp r = th_json(&S, "PATCH", caller(ADMIN), path_of(admin, NULL), "{s:[s]}", "roles",
                      "supervisor");
  th_assert_error(&r, 409, NULL);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", caller(ADMIN), path_of(admin, NULL), "{s:b}", "web_access", 0);
  th_assert_error(&r, 409, NULL);
  th_resp_free(&r);
  /* With a second administrator, the first may step down. */
  id_of(target_token(ADMIN));
  r = th_json(&S, "PATCH", caller(ADMIN), path_of(admin, NULL), "{s:[s]}", "roles", "supervisor");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
}

/* The issue: a customer squatted a colleague's address as its own alias. */
Test(manage, ACC7_aliases_are_staff_only_and_every_accepted_alias_can_be_removed) {
  long long cust = id_of(caller(CUST)), other = id_of(target_token(CUST));
  th_resp r = th_json(&S, "POST", caller(CUST), path_of(cust, "/aliases"), "{s:s}", "address",
                      "ceo@wdc.example");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  /* A technician adds a customer's alias, not a supervisor's. */
  r = th_json(&S, "POST", caller(TECH), path_of(other, "/aliases"), "{s:s}", "address",
              "t5.alt@wdc.example");
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  r = th_json(&S, "POST", caller(TECH), path_of(id_of(target_token(SUP)), "/aliases"), "{s:s}",
              "address", "sup.alt@wdc.example");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  /* An address with '/' could never be named in DELETE .../aliases/{address}. */
  r = th_json(&S, "POST", caller(ADMIN), path_of(other, "/aliases"), "{s:s}", "address",
              "a/b@wdc.example");
  th_assert_error(&r, 422, "address");
  th_resp_free(&r);
  r = th_req(&S, "DELETE", path_of(other, "/aliases/t5.alt@wdc.example"), caller(CUST), NULL,
             NULL, NULL);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", path_of(other, "/aliases/t5.alt@wdc.example"), caller(TECH), NULL,
             NULL, NULL);
  cr_assert_eq(r.status, 204, "%s", r.body);
  th_resp_free(&r);
}

/* REL-1: single-line fields refuse line breaks and control characters. */
Test(manage, REL1_single_line_fields_refuse_control_characters) {
  long long cust = id_of(target_token(CUST));
  const char *fields[] = {"first_name", "last_name", "phone", "city", "title"};
  for (size_t i = 0; i < 3; i++) {
    th_resp r = th_json(&S, "PATCH", caller(ADMIN), path_of(cust, NULL), "{s:s}", fields[i],
                        "Ann\r\nX-Injected: yes");
    th_assert_error(&r, 422, fields[i]);
    th_resp_free(&r);
    r = th_json(&S, "PATCH", caller(ADMIN), path_of(cust, NULL), "{s:s}", fields[i], "A\x1b[31m");
    th_assert_error(&r, 422, fields[i]);
    th_resp_free(&r);
    r = th_json(&S, "PATCH", caller(ADMIN), path_of(cust, NULL), "{s:s}", fields[i], "A\xc2\x85");
    th_assert_error(&r, 422, fields[i]);
    th_resp_free(&r);
  }
  /* Notes are multi-line text. */
  th_resp r = th_json(&S, "PATCH", caller(ADMIN), path_of(cust, NULL), "{s:s}", "notes",
                      "line one\nline two\ttabbed");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", caller(ADMIN), path_of(cust, NULL), "{s:s}", "notes", "bell\a");
  th_assert_error(&r, 422, "notes");
  th_resp_free(&r);
  /* Organizations: the name is one line, remarks many. */
  r = th_json(&S, "POST", caller(ADMIN), "/v1/organizations", "{s:s}", "name", "Evil\nCorp");
  th_assert_error(&r, 422, "name");
  th_resp_free(&r);
  r = th_json(&S, "POST", caller(ADMIN), "/v1/organizations", "{s:s,s:s}", "name", "Good Corp",
              "remarks", "first\nsecond");
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  /* The account's name too. */
  r = th_json(&S, "PATCH", caller(ADMIN), "/v1/account", "{s:s}", "name", "Widget\r\nData");
  th_assert_error(&r, 422, "name");
  th_resp_free(&r);
}

/* Polls the import until it has ended; returns its record (caller frees). */
static json_t *import(const char *token, const char *csv) {
  th_resp r = th_req(&S, "POST", "/v1/imports?ignore_first_line=true", token, csv, "text/csv", NULL);
  cr_assert_eq(r.status, 202, "%s", r.body);
  char path[64];
  snprintf(path, sizeof path, "/v1/imports/%lld",
           (long long)json_integer_value(json_object_get(r.json, "id")));
  th_resp_free(&r);
  for (int i = 0; i < 600; i++) {
    r = th_get(&S, token, path);
    const char *st = th_jstr(r.json, "status");
    if (st && (!strcmp(st, "done") || !strcmp(st, "failed"))) {
      json_t *j = json_incref(r.json);
      th_resp_free(&r);
      return j;
    }
    th_resp_free(&r);
    usleep(50 * 1000);
  }
  cr_assert_fail("the import did not end");
  return NULL;
}

/* The issue: a CSV row naming the administrator's username changed its password. */
Test(manage, ACC7_imports_apply_the_rule_per_row_with_the_importers_rights) {
  int st = 0;
  free(th_cli(&S, "the admins own password\n", &st, "person", "create", "--account", "wdc",
              "--username", "boss", "--first-name", "Big", "--last-name", "Boss", "--email",
              "boss@wdc.example", "--role", "account_administrator", "--password-stdin", NULL));
  cr_assert_eq(st, 0);
  id_of(target_token(CUST)); /* t-5, a customer the supervisor may update */
  json_t *imp = import(caller(SUP), "Username,First name,Last name,Email,Password,City\n"
                                    "boss,Big,Boss,evil@attacker.example,attacker password,X\n"
                                    "t-5,Tee,Five,t-5@wdc.example,a new password 5,Delft\n"
                                    "newbie,New,Bie,newbie@wdc.example,,Leiden\n");
  cr_assert_str_eq(th_jstr(imp, "status"), "done");
  cr_assert_eq(json_integer_value(json_object_get(imp, "failed")), 1, "%s",
               json_dumps(imp, 0));
  cr_assert_eq(json_integer_value(json_object_get(imp, "updated")), 1);
  cr_assert_eq(json_integer_value(json_object_get(imp, "created")), 1);
  char path[96];
  snprintf(path, sizeof path, "/v1/imports/%lld/rows?result=failed",
           (long long)json_integer_value(json_object_get(imp, "id")));
  th_resp r = th_get(&S, caller(SUP), path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_integer_value(json_object_get(json_array_get(r.json, 0), "line")), 2);
  cr_assert(strstr(r.body, "ACC-7"), "the failed row says why: %s", r.body);
  th_resp_free(&r);
  json_decref(imp);
  /* The administrator's password and address are untouched. */
  r = th_json(&S, "POST", NULL, "/v1/login", "{s:s,s:s,s:s}", "account", "wdc", "username",
              "boss", "password", "the admins own password");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "person.primary_email"), "boss@wdc.example");
  th_resp_free(&r);
}

/* ACC-7: security questions and credentials mail set passwords, so they follow the rule. */
Test(manage, ACC7_security_questions_and_credentials_mail_follow_the_rule) {
  long long admin = id_of(target_token(ADMIN)), cust = id_of(target_token(CUST));
  const char *qs = "{\"questions\": [{\"question\": \"Pet?\", \"answer\": \"Rex\"}]}";
  th_resp r = th_req(&S, "PUT", path_of(admin, "/security_questions"), caller(SUP), qs, NULL, NULL);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_req(&S, "PUT", path_of(cust, "/security_questions"), caller(TECH), qs, NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_req(&S, "PUT", path_of(cust, "/security_questions"), caller(PARTNER), qs, NULL, NULL);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_req(&S, "POST", path_of(admin, "/credentials_email"), caller(SUP), NULL, NULL, NULL);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_req(&S, "POST", path_of(admin, "/credentials_email"), caller(TECH), NULL, NULL, NULL);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  /* A technician may mail a customer (422 here: the account has no SMTP server yet). */
  r = th_req(&S, "POST", path_of(cust, "/credentials_email"), caller(TECH), NULL, NULL, NULL);
  th_assert_error(&r, 422, NULL);
  th_resp_free(&r);
}
