/* End-to-end tests of customer imports from CSV (IMP-1..5): the template, uploads that
 * start a background job, mapping by header name, validation by the API's rules, the
 * per-row report with physical line numbers, dry runs, encodings and separators, refusals
 * of bad input that store nothing, roles and tenant isolation, and a daemon killed with
 * SIGKILL in the middle of an import whose restart resumes it to the same counts as an
 * uninterrupted run. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
TestSuite(import, .init = setup, .fini = teardown, .timeout = 240);

static th_resp post_csv(const char *token, const char *query, const char *csv, size_t len,
                        const char *type) {
  char path[512];
  snprintf(path, sizeof path, "/v1/imports%s", query);
  return th_req_len(&S, "POST", path, token, csv, len, type ? type : "text/csv", NULL);
}

/* Polls the import until it is done (or failed); returns its record (caller frees). */
static json_t *wait_done(const char *token, long long id) {
  char path[64];
  snprintf(path, sizeof path, "/v1/imports/%lld", id);
  for (int i = 0; i < 2400; i++) {
    th_resp r = th_get(&S, token, path);
    cr_assert_eq(r.status, 200, "%s", r.body);
    const char *st = th_jstr(r.json, "status");
    if (!strcmp(st, "done") || !strcmp(st, "failed")) {
      json_t *j = json_incref(r.json);
      th_resp_free(&r);
      return j;
    }
    th_resp_free(&r);
    usleep(50 * 1000);
  }
  cr_assert_fail("import %lld did not finish", id);
  return NULL;
}

/* Uploads csv and waits for the job; returns the finished import (caller frees). */
static json_t *import(const char *token, const char *query, const char *csv) {
  th_resp r = post_csv(token, query, csv, strlen(csv), NULL);
  cr_assert_eq(r.status, 202, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "status"), "queued");
  long long id = json_integer_value(json_object_get(r.json, "id"));
  cr_assert(th_header(&r, "Location"));
  th_resp_free(&r);
  return wait_done(token, id);
}

static long long num(json_t *j, const char *k) {
  return json_integer_value(json_object_get(j, k));
}

/* The rows of an import's report (?result=... may be NULL). Caller frees. */
static json_t *rows(const char *token, json_t *imp, const char *result) {
  char path[128];
  snprintf(path, sizeof path, "/v1/imports/%lld/rows?per_page=100%s%s", num(imp, "id"),
           result ? "&result=" : "", result ? result : "");
  th_resp r = th_get(&S, token, path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_t *j = json_incref(r.json);
  th_resp_free(&r);
  return j;
}

/* The person with username (JSON, caller frees) or NULL. */
static json_t *person(const char *token, const char *username) {
  char path[128];
  snprintf(path, sizeof path, "/v1/people?username=%s", username);
  th_resp r = th_get(&S, token, path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_t *p = json_array_size(r.json) ? json_incref(json_array_get(r.json, 0)) : NULL;
  th_resp_free(&r);
  return p;
}

static size_t count_people(const char *token) {
  th_resp r = th_get(&S, token, "/v1/people?per_page=100");
  cr_assert_eq(r.status, 200, "%s", r.body);
  size_t n = json_array_size(r.json);
  th_resp_free(&r);
  return n;
}

static size_t count_orgs(const char *token, const char *name) {
  th_resp r = th_get(&S, token, "/v1/organizations?per_page=100");
  cr_assert_eq(r.status, 200, "%s", r.body);
  size_t n = 0, i;
  json_t *o;
  json_array_foreach(r.json, i, o) n += !name || !strcmp(th_jstr(o, "name"), name);
  th_resp_free(&r);
  return n;
}

/* The errors of the report row on line (asserts it failed). */
static json_t *failed_row(json_t *report, long line) {
  size_t i;
  json_t *row;
  json_array_foreach(report, i, row) {
    if (num(row, "line") == line) {
      cr_assert_str_eq(th_jstr(row, "result"), "failed", "line %ld", line);
      return json_object_get(row, "errors");
    }
  }
  cr_assert_fail("no row for line %ld", line);
  return NULL;
}

static bool has_error(json_t *errors, const char *column, const char *fragment) {
  size_t i;
  json_t *e;
  json_array_foreach(errors, i, e) {
    const char *c = th_jstr(e, "column"), *m = th_jstr(e, "message");
    if (c && !strcmp(c, column) && (!fragment || (m && strstr(m, fragment))))
      return true;
  }
  return false;
}

Test(import, IMP1_template_has_the_seed_columns_in_order_and_a_description) {
  th_resp r = th_get(&S, admin(), "/v1/imports/templates/people.csv");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(!strncmp(th_header(&r, "Content-Type"), "text/csv", 8));
  cr_assert_str_eq(r.body,
                   "Title,First Name,Last Name,Email Address,Company,Department,Primary Company "
                   "Contact,Primary Department Contact,Address 1,Address 2,City,State,Postcode/ "
                   "Zip,Country,Phone,Mobile,Fax,Pager,Username,Password,Partners Email,Custom1,"
                   "Custom2,Custom3,Custom4,Custom5,Notes,Locale,Line Manager Username\r\n");
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/imports/templates/people.csv?describe=true");
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_t *cols = json_object_get(r.json, "columns");
  cr_assert_geq(json_array_size(cols), 29);
  cr_assert_str_eq(th_jstr(json_array_get(cols, 1), "column"), "First Name");
  cr_assert_eq(num(json_array_get(cols, 1), "max_length"), 64);
  cr_assert(json_is_true(json_object_get(json_array_get(cols, 1), "required")));
  cr_assert_str_eq(th_jstr(json_array_get(cols, 12), "column"), "Postcode/ Zip");
  cr_assert_eq(num(json_array_get(cols, 12), "max_length"), 20);
  cr_assert_str_eq(th_jstr(json_array_get(cols, 28), "column"), "Line Manager Username");
  th_resp_free(&r);
  r = th_get(&S, th_token(&S, "wdc", "cust", "customer"), "/v1/imports/templates/people.csv");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
}

Test(import, IMP2_maps_headers_creates_units_once_and_forward_line_managers) {
  /* Header spellings vary in case, spacing and punctuation; Custom1 fills the first custom
   * field; the line manager of ann is defined two lines further down. */
  th_resp r = th_json(&S, "POST", admin(), "/v1/custom_fields", "{s:s,s:s,s:s,s:s}",
                      "record_type", "person", "key", "badge", "label", "Badge", "type", "text");
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  const char *csv =
      "first name,LAST NAME,E-mail Address,username,Company,Department,postcode/zip,Country,"
      "Line Manager Username,custom1,Primary Company Contact\n"
      "Ann,Lee,ann@example.com,ann,Acme,Sales,1011 AB,Netherlands,bob,B-1,1\n"
      "Cid,Ng,cid@example.com,cid,Acme,Sales,,NL,,,\n"
      "Bob,Ray,bob@example.com,bob,Acme,Support,,deu,,,0\n";
  json_t *imp = import(admin(), "?ignore_first_line=true", csv);
  cr_assert_str_eq(th_jstr(imp, "status"), "done");
  cr_assert_eq(num(imp, "rows"), 3);
  cr_assert_eq(num(imp, "created"), 3, "%s", json_dumps(imp, 0));
  cr_assert_eq(num(imp, "failed"), 0);
  cr_assert_str_eq(th_jstr(json_object_get(imp, "mapping"), "6"), "postcode");
  cr_assert_str_eq(th_jstr(json_object_get(imp, "mapping"), "9"), "custom1");
  json_t *ann = person(admin(), "ann"), *bob = person(admin(), "bob");
  cr_assert(ann && bob);
  cr_assert_eq(num(json_object_get(ann, "line_manager"), "id"), num(bob, "id"));
  cr_assert_str_eq(th_jstr(ann, "country"), "NL");
  cr_assert_str_eq(th_jstr(ann, "postcode"), "1011 AB");
  cr_assert_str_eq(th_jstr(ann, "source"), "csv");
  cr_assert_str_eq(th_jstr(ann, "email_locale"), "en", "IMP-2: the account's default locale");
  cr_assert(json_is_false(json_object_get(ann, "web_access")));
  cr_assert_str_eq(th_jstr(json_object_get(ann, "custom_fields"), "badge"), "B-1");
  cr_assert_str_eq(th_jstr(json_object_get(ann, "organization"), "name"), "Sales");
  cr_assert_str_eq(th_jstr(json_object_get(bob, "organization"), "name"), "Support");
  /* Units are created once each, departments under the company. */
  cr_assert_eq(count_orgs(admin(), "Acme"), 1);
  cr_assert_eq(count_orgs(admin(), "Sales"), 1);
  char path[64];
  snprintf(path, sizeof path, "/v1/organizations/%lld",
           num(json_object_get(ann, "organization"), "id"));
  r = th_get(&S, admin(), path);
  cr_assert_str_eq(th_jstr(json_object_get(r.json, "parent"), "name"), "Acme");
  th_resp_free(&r);
  json_t *report = rows(admin(), imp, "created");
  cr_assert_eq(json_array_size(report), 3);
  cr_assert_eq(num(json_array_get(report, 0), "line"), 2);
  json_decref(report);
  json_decref(ann);
  json_decref(bob);
  json_decref(imp);
  /* Again with web access: units exist now and are reused. */
  imp = import(admin(), "?ignore_first_line=true&web_access=true",
               "First Name,Last Name,Email Address,Username,Company\n"
               "Dee,Po,dee@example.com,dee,Acme\n");
  cr_assert_eq(num(imp, "created"), 1);
  json_t *dee = person(admin(), "dee");
  cr_assert(json_is_true(json_object_get(dee, "web_access")));
  cr_assert_eq(count_orgs(admin(), "Acme"), 1);
  json_decref(dee);
  json_decref(imp);
}

/* Units are found by name regardless of case (one probe of the lower(name) index); the name
 * as written wins over one that differs only in case, and nothing is created again. */
Test(import, IMP2_units_are_matched_by_name_regardless_of_case) {
  long long upper = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "GLOBEX");
  long long exact = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Initech");
  long long other = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "INITECH");
  long long dept = th_create(&S, admin(), "/v1/organizations", "{s:s,s:{s:I}}", "name", "Sales",
                             "parent", "id", (json_int_t)upper);
  cr_assert_neq(exact, other);
  size_t before = count_orgs(admin(), NULL);
  json_t *imp = import(admin(), "?ignore_first_line=true",
                       "First Name,Last Name,Email Address,Username,Company,Department\n"
                       "Al,Bo,al@example.com,al,globex,\n"
                       "Cy,Do,cy@example.com,cy,Initech,\n"
                       "Ed,Fo,ed@example.com,ed,INITECH,\n"
                       "Gu,Ho,gu@example.com,gu,Globex,SALES\n");
  cr_assert_eq(num(imp, "created"), 4, "%s", json_dumps(imp, 0));
  cr_assert_eq(count_orgs(admin(), NULL), before, "no unit was created");
  const char *const users[] = {"al", "cy", "ed", "gu"};
  const long long orgs[] = {upper, exact, other, dept};
  for (size_t i = 0; i < 4; i++) {
    json_t *p = person(admin(), users[i]);
    cr_assert_eq(num(json_object_get(p, "organization"), "id"), orgs[i], "%s", users[i]);
    json_decref(p);
  }
  json_decref(imp);
}

/* Issue 11: a row that leaves its customer as it is writes nothing and says so. It is an
 * update (API.md: an existing username is "updated", and counts in updated) marked
 * "unchanged": true, counted again in unchanged; a row that changes a field, or only a
 * primary contact flag, is not marked. */
Test(import, ISSUE11_IMP3_rows_that_change_nothing_are_reported_unchanged) {
  const char *csv = "First Name,Last Name,Email Address,Username,City,Company,"
                    "Primary Company Contact\n"
                    "Uma,Ng,uma@example.com,uma,Delft,Unchanged Co,0\n"
                    "Vic,Oh,vic@example.com,vic,Delft,Unchanged Co,0\n";
  json_t *imp = import(admin(), "?ignore_first_line=true", csv);
  cr_assert_eq(num(imp, "created"), 2, "%s", json_dumps(imp, 0));
  json_decref(imp);
  json_t *uma = person(admin(), "uma");
  long long version = num(uma, "version");
  json_decref(uma);

  imp = import(admin(), "?ignore_first_line=true", csv);
  cr_assert_eq(num(imp, "unchanged"), 2, "%s", json_dumps(imp, 0));
  cr_assert_eq(num(imp, "updated"), 2);
  cr_assert_eq(num(imp, "created"), 0);
  cr_assert_eq(num(imp, "processed"), 2);
  json_t *report = rows(admin(), imp, "updated");
  cr_assert_eq(json_array_size(report), 2, "%s", json_dumps(report, 0));
  cr_assert_str_eq(th_jstr(json_array_get(report, 0), "result"), "updated");
  cr_assert(json_is_true(json_object_get(json_array_get(report, 1), "unchanged")));
  cr_assert_gt(num(json_object_get(json_array_get(report, 0), "person"), "id"), 0);
  json_decref(report);
  json_decref(imp);
  uma = person(admin(), "uma");
  cr_assert_eq(num(uma, "version"), version, "nothing written");
  json_decref(uma);

  imp = import(admin(), "?ignore_first_line=true",
               "First Name,Last Name,Email Address,Username,City,Company,"
               "Primary Company Contact\n"
               "Uma,Ng,uma@example.com,uma,Delft,Unchanged Co,1\n"
               "Vic,Oh,vic@example.com,vic,Leiden,Unchanged Co,0\n");
  cr_assert_eq(num(imp, "updated"), 2, "%s", json_dumps(imp, 0));
  cr_assert_eq(num(imp, "unchanged"), 0, "a contact flag is a change too: %s", json_dumps(imp, 0));
  report = rows(admin(), imp, NULL);
  cr_assert_null(json_object_get(json_array_get(report, 0), "unchanged"));
  json_decref(report);
  json_decref(imp);
  /* A dry run tells the same before anything is written. */
  imp = import(admin(), "?ignore_first_line=true&dry_run=true", csv);
  cr_assert_eq(num(imp, "updated"), 2, "%s", json_dumps(imp, 0));
  cr_assert_eq(num(imp, "unchanged"), 0);
  json_decref(imp);
  imp = import(admin(), "?ignore_first_line=true&dry_run=true",
               "First Name,Last Name,Email Address,Username,City\n"
               "Vic,Oh,vic@example.com,vic,Leiden\n");
  cr_assert_eq(num(imp, "unchanged"), 1, "%s", json_dumps(imp, 0));
  cr_assert_eq(num(imp, "updated"), 1);
  json_decref(imp);
}

Test(import, IMP2_existing_username_updates_and_twice_in_a_file_fails_the_second) {
  json_t *imp = import(admin(), "?ignore_first_line=true",
                       "First Name,Last Name,Email Address,Username,City\n"
                       "Ann,Lee,ann@example.com,ann,Delft\n");
  cr_assert_eq(num(imp, "created"), 1);
  json_decref(imp);
  imp = import(admin(), "?ignore_first_line=true",
               "First Name,Last Name,Email Address,Username,City\n"
               "Ann,Lee,ann@example.com,ann,Leiden\n"
               "Eve,Kim,eve@example.com,eve,Utrecht\n"
               "Ann,Other,ann2@example.com,ann,Gouda\n");
  cr_assert_eq(num(imp, "updated"), 1);
  cr_assert_eq(num(imp, "created"), 1);
  cr_assert_eq(num(imp, "failed"), 1);
  json_t *report = rows(admin(), imp, NULL);
  cr_assert_str_eq(th_jstr(json_array_get(report, 0), "result"), "updated");
  json_t *errors = failed_row(report, 4);
  cr_assert(has_error(errors, "Username", "first on line 2"), "%s", json_dumps(errors, 0));
  json_t *ann = person(admin(), "ann");
  cr_assert_str_eq(th_jstr(ann, "city"), "Leiden");
  cr_assert_str_eq(th_jstr(ann, "last_name"), "Lee");
  json_decref(ann);
  json_decref(report);
  json_decref(imp);
}

Test(import, IMP3_report_gives_physical_lines_and_every_reason) {
  const char *csv =
      "First Name,Last Name,Email Address,Username,Country,Notes,Line Manager Username,Locale\n"
      "Ann,Lee,ann@example.com,ann,Holand,\"two\nlines\",,\n"
      "Bob,,not-an-email,bob,NL,,ghost,toolongloc\n"
      "\"Cat\",Sun,cat@example.com,cat,FR,\"a \"\"quoted\"\" note\nover\nthree lines\",,\n"
      "Dan,Moe,dan@example.com,dan,XX,,,\n";
  json_t *imp = import(admin(), "?ignore_first_line=true", csv);
  cr_assert_eq(num(imp, "rows"), 4);
  cr_assert_eq(num(imp, "created"), 1);
  cr_assert_eq(num(imp, "failed"), 3);
  json_t *report = rows(admin(), imp, "failed");
  cr_assert_eq(json_array_size(report), 3);
  json_t *e = failed_row(report, 2);
  cr_assert(has_error(e, "Country", "unknown country 'Holand'"), "%s", json_dumps(e, 0));
  e = failed_row(report, 4); /* the record of line 2 spans two lines */
  cr_assert(has_error(e, "Line Manager Username", "ghost"), "%s", json_dumps(e, 0));
  e = failed_row(report, 8); /* Cat's notes span lines 5-7 */
  cr_assert(has_error(e, "Country", "'XX'"), "%s", json_dumps(e, 0));
  json_t *cat = person(admin(), "cat");
  cr_assert_str_eq(th_jstr(cat, "notes"), "a \"quoted\" note\nover\nthree lines");
  json_decref(cat);
  json_decref(report);
  json_decref(imp);
  /* Every reason of a row at once, as the API gives them for the same record: the field
   * checks all together, then (when they pass) the record's rules all together. */
  imp = import(admin(), "?ignore_first_line=true",
               "First Name,Last Name,Email Address,Username,Locale,Phone,Country,Time Zone\n"
               "Bob,,bob@example.com,bob,toolongloc,123456789012345678901,NL,\n"
               "Bob,Ray,not-an-email,bob2,en,,Holand,Mars/Base\n");
  report = rows(admin(), imp, "failed");
  e = failed_row(report, 2);
  cr_assert(has_error(e, "Last Name", NULL), "%s", json_dumps(e, 0));
  cr_assert(has_error(e, "Locale", NULL), "%s", json_dumps(e, 0));
  cr_assert(has_error(e, "Phone", NULL), "%s", json_dumps(e, 0));
  e = failed_row(report, 3);
  cr_assert(has_error(e, "Email Address", NULL), "%s", json_dumps(e, 0));
  cr_assert(has_error(e, "Country", NULL), "%s", json_dumps(e, 0));
  cr_assert(has_error(e, "Time Zone", NULL), "%s", json_dumps(e, 0));
  cr_assert_null(person(admin(), "bob"), "a failed row stores nothing");
  json_decref(report);
  json_decref(imp);
}

Test(import, IMP4_dry_run_reports_the_same_and_stores_nothing) {
  const char *csv = "First Name,Last Name,Email Address,Username,Company,Department,"
                    "Line Manager Username,Country\n"
                    "Ann,Lee,ann@example.com,ann,Acme,Sales,bob,NL\n"
                    "Bob,Ray,bob@example.com,bob,Acme,Sales,,NL\n"
                    "Cat,Sun,cat@example.com,cat,Acme,,,Holand\n";
  size_t people = count_people(admin());
  json_t *dry = import(admin(), "?ignore_first_line=true&dry_run=true", csv);
  cr_assert(json_is_true(json_object_get(dry, "dry_run")));
  cr_assert_eq(num(dry, "created"), 2, "%s", json_dumps(dry, 0));
  cr_assert_eq(num(dry, "failed"), 1);
  cr_assert_eq(count_people(admin()), people);
  cr_assert_eq(count_orgs(admin(), NULL), 0);
  cr_assert_null(person(admin(), "ann"));
  json_t *real = import(admin(), "?ignore_first_line=true", csv);
  cr_assert_eq(num(real, "created"), num(dry, "created"));
  cr_assert_eq(num(real, "failed"), num(dry, "failed"));
  json_t *a = rows(admin(), dry, NULL), *b = rows(admin(), real, NULL);
  cr_assert_eq(json_array_size(a), json_array_size(b));
  for (size_t i = 0; i < json_array_size(a); i++)
    cr_assert_str_eq(th_jstr(json_array_get(a, i), "result"), th_jstr(json_array_get(b, i), "result"));
  json_decref(a);
  json_decref(b);
  json_decref(dry);
  json_decref(real);
}

/* IMP-4 (issue 11, a dry run with a diff): each created or updated row of a dry run's report
 * carries the changes a real run would make, as its audit row would hold them; the real
 * run's report has none (the audit trail has them), and the dry run changed nothing. */
Test(import, IMP4_dry_run_rows_carry_the_changes_a_real_run_would_make) {
  json_t *first = import(admin(), "?ignore_first_line=true",
                         "First Name,Last Name,Email Address,Username\n"
                         "Dan,Old,dan@example.com,dan\n");
  cr_assert_eq(num(first, "created"), 1);
  json_t *r0 = rows(admin(), first, NULL);
  cr_assert_null(json_object_get(json_array_get(r0, 0), "changes"), "a real run has no diff");
  const char *csv = "First Name,Last Name,Email Address,Username\n"
                    "Dan,New,dan@example.com,dan\n"
                    "Eve,Roe,eve@example.com,eve\n"
                    "Fay,,fay@example.com,fay\n";
  json_t *dry = import(admin(), "?ignore_first_line=true&dry_run=true", csv);
  cr_assert_eq(num(dry, "updated"), 1, "%s", json_dumps(dry, 0));
  cr_assert_eq(num(dry, "created"), 1);
  cr_assert_eq(num(dry, "failed"), 1);
  json_t *r = rows(admin(), dry, NULL);
  cr_assert_eq(json_array_size(r), 3);
  json_t *upd = json_object_get(json_array_get(r, 0), "changes");
  cr_assert_str_eq(th_jstr(json_array_get(r, 0), "result"), "updated");
  cr_assert(json_is_object(upd), "%s", json_dumps(r, 0));
  json_t *ln = json_object_get(upd, "last_name");
  cr_assert_str_eq(json_string_value(json_object_get(ln, "old")), "Old", "%s", json_dumps(upd, 0));
  cr_assert_str_eq(json_string_value(json_object_get(ln, "new")), "New");
  cr_assert_null(json_object_get(upd, "first_name"), "unchanged fields are not in the diff");
  json_t *cre = json_object_get(json_array_get(r, 1), "changes");
  cr_assert_str_eq(th_jstr(json_array_get(r, 1), "result"), "created");
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(cre, "first_name"), "new")),
                   "Eve", "%s", json_dumps(cre, 0));
  cr_assert(json_is_null(json_object_get(json_object_get(cre, "first_name"), "old")));
  cr_assert_str_eq(th_jstr(json_array_get(r, 2), "result"), "failed");
  cr_assert_null(json_object_get(json_array_get(r, 2), "changes"), "a failed row has no diff");
  /* Nothing was stored. */
  json_t *dan = person(admin(), "dan");
  cr_assert_str_eq(th_jstr(dan, "last_name"), "Old");
  cr_assert_null(person(admin(), "eve"));
  json_decref(dan);
  json_decref(r);
  json_decref(r0);
  json_decref(dry);
  json_decref(first);
}

static int login_status(const char *user, const char *pw) {
  th_resp r = th_json(&S, "POST", NULL, "/v1/login", "{s:s,s:s,s:s}", "account", "wdc",
                      "username", user, "password", pw);
  int st = r.status;
  th_resp_free(&r);
  return st;
}

Test(import, IMP2_imported_passwords_work_for_login_and_failing_rows_store_none) {
  /* Issue 11: passwords are hashed ahead on all cores; each person still signs in with its
   * own, a failing row (new or an update) stores no password, a dry run none at all. */
  json_t *imp = import(admin(), "?ignore_first_line=true&web_access=true",
                       "First Name,Last Name,Email Address,Username,Password\n"
                       "Ann,Lee,ann@example.com,ann,ann-password-1\n");
  cr_assert_eq(num(imp, "created"), 1);
  json_decref(imp);
  imp = import(admin(), "?ignore_first_line=true&web_access=true",
               "First Name,Last Name,Email Address,Username,Password,Country,"
               "Line Manager Username\n"
               "Ann,Lee,ann@example.com,ann,ann-password-2,Holand,\n" /* update fails */
               "Bob,Ray,bob@example.com,bob,bob-password-1,NL,\n"
               "Cat,Sun,not-an-email,cat,cat-password-1,NL,\n" /* create fails */
               "Dan,Moe,dan@example.com,dan,dan-password-1,NL,eve\n" /* deferred */
               "Eve,Kim,eve@example.com,eve,eve-password-1,NL,\n"
               "Fay,Oz,fay@example.com,fay,short,NL,\n");
  cr_assert_eq(num(imp, "created"), 3, "%s", json_dumps(imp, 0));
  cr_assert_eq(num(imp, "failed"), 3);
  json_t *report = rows(admin(), imp, "failed");
  cr_assert(has_error(failed_row(report, 7), "Password", "8 to"), "%s", json_dumps(report, 0));
  json_decref(report);
  json_decref(imp);
  cr_assert_eq(login_status("ann", "ann-password-1"), 200, "the failed update kept it");
  cr_assert_eq(login_status("ann", "ann-password-2"), 401);
  cr_assert_eq(login_status("bob", "bob-password-1"), 200);
  cr_assert_eq(login_status("bob", "eve-password-1"), 401, "not another row's password");
  cr_assert_eq(login_status("cat", "cat-password-1"), 401);
  cr_assert_eq(login_status("dan", "dan-password-1"), 200);
  cr_assert_eq(login_status("eve", "eve-password-1"), 200);
  cr_assert_eq(login_status("fay", "short"), 401);
  imp = import(admin(), "?ignore_first_line=true&web_access=true&dry_run=true",
               "First Name,Last Name,Email Address,Username,Password\n"
               "Gus,Ng,gus@example.com,gus,gus-password-1\n"
               "Bob,Ray,bob@example.com,bob,bob-password-2\n");
  cr_assert_eq(num(imp, "created"), 1, "%s", json_dumps(imp, 0));
  cr_assert_eq(num(imp, "updated"), 1);
  json_decref(imp);
  cr_assert_eq(login_status("gus", "gus-password-1"), 401);
  cr_assert_eq(login_status("bob", "bob-password-1"), 200, "a dry run changes nothing");
}

Test(import, IMP2_encodings_bom_utf16_windows1252_semicolons_crlf) {
  /* UTF-8 with BOM, semicolons, CRLF. */
  const char utf8[] = "\xEF\xBB\xBF" "First Name;Last Name;Email Address;Username\r\n"
                      "Jos\xC3\xA9;M\xC3\xBCller;jose@example.com;jose\r\n";
  json_t *imp = import(admin(), "?ignore_first_line=true", utf8);
  cr_assert_eq(num(imp, "created"), 1, "%s", json_dumps(imp, 0));
  cr_assert_str_eq(th_jstr(imp, "separator"), ";");
  json_t *p = person(admin(), "jose");
  cr_assert_str_eq(th_jstr(p, "first_name"), "Jos\xC3\xA9");
  cr_assert_str_eq(th_jstr(p, "last_name"), "M\xC3\xBCller");
  json_decref(p);
  json_decref(imp);
  /* UTF-16LE with BOM, built from ASCII plus one non-ASCII letter. */
  const char *src = "First Name,Last Name,Email Address,Username\r\nZo\xEB,Ng,zoe@example.com,zoe\r\n";
  char u16[512];
  size_t n = 0;
  u16[n++] = (char)0xFF;
  u16[n++] = (char)0xFE;
  for (const unsigned char *s = (const unsigned char *)src; *s; s++) {
    u16[n++] = (char)*s; /* Latin-1 code points are their UTF-16 code units */
    u16[n++] = 0;
  }
  th_resp r = post_csv(admin(), "?ignore_first_line=true", u16, n, NULL);
  cr_assert_eq(r.status, 202, "%s", r.body);
  long long id = num(r.json, "id");
  th_resp_free(&r);
  imp = wait_done(admin(), id);
  cr_assert_eq(num(imp, "created"), 1, "%s", json_dumps(imp, 0));
  p = person(admin(), "zoe");
  cr_assert_str_eq(th_jstr(p, "first_name"), "Zo\xC3\xAB");
  json_decref(p);
  json_decref(imp);
  /* Windows-1252 declared in the Content-Type (0x80 is the euro sign there). */
  const char w1252[] = "First Name,Last Name,Email Address,Username,Notes\n"
                       "Ren\xE9,D\xFCrr,rene@example.com,rene,costs 5\x80\n";
  r = post_csv(admin(), "?ignore_first_line=true", w1252, sizeof w1252 - 1,
               "text/csv; charset=windows-1252");
  cr_assert_eq(r.status, 202, "%s", r.body);
  id = num(r.json, "id");
  th_resp_free(&r);
  imp = wait_done(admin(), id);
  cr_assert_eq(num(imp, "created"), 1, "%s", json_dumps(imp, 0));
  p = person(admin(), "rene");
  cr_assert_str_eq(th_jstr(p, "first_name"), "Ren\xC3\xA9");
  cr_assert_str_eq(th_jstr(p, "notes"), "costs 5\xE2\x82\xAC");
  json_decref(p);
  json_decref(imp);
  /* The same bytes undeclared are not UTF-8: refused with the line, nothing stored. */
  r = post_csv(admin(), "?ignore_first_line=true", w1252, sizeof w1252 - 1, NULL);
  th_assert_error(&r, 400, NULL);
  cr_assert_eq(num(json_array_get(json_object_get(r.json, "errors"), 0), "line"), 2, "%s", r.body);
  cr_assert_str_eq(th_jstr(json_array_get(json_object_get(r.json, "errors"), 0), "column"),
                   "First Name");
  th_resp_free(&r);
}

Test(import, IMP3_bad_input_is_refused_with_where_and_changes_nothing) {
  size_t people = count_people(admin());
  struct {
    const char *query, *csv, *type;
    long status;
    long line;
  } cases[] = {
      /* a quote never closed */
      {"?ignore_first_line=true", "First Name,Last Name,Email Address,Username\nA,\"B,c@x.com,d\n", NULL, 400, 2},
      /* a quote inside an unquoted field */
      {"?ignore_first_line=true", "First Name,Last Name,Email Address,Username\nA,B\"x,c@x.com,d\n", NULL, 400, 2},
      /* no Username column */
      {"?ignore_first_line=true", "First Name,Last Name,Email Address\nA,B,c@x.com\n", NULL, 422, 1},
      /* a header read as data */
      {"", "First Name,Last Name,Email Address,Username\nA,B,c@x.com,d\n", NULL, 422, 1},
      /* only a header */
      {"?ignore_first_line=true", "First Name,Last Name,Email Address,Username\n", NULL, 422, 0},
      /* NUL bytes */
      {"?ignore_first_line=true", "First Name,Last Name,Email Address,Username\nA\x01,B,c@x.com,d\n", NULL, 0, 0},
      {"?ignore_first_line=maybe", "a,b\n", NULL, 400, 0},
      {"?ignore_first_line=true&bogus=1", "a,b\n", NULL, 400, 0},
      {"?type=orgs", "a,b\n", NULL, 422, 0},
      {"?charset=klingon", "a,b\n", NULL, 422, 0},
      {"?ignore_first_line=true&mapping=%7B%220%22%3A%22shoe_size%22%7D",
       "First Name,Last Name,Email Address,Username\nA,B,c@x.com,d\n", NULL, 422, 0},
      {"?ignore_first_line=true&mapping=nope", "a,b\n", NULL, 400, 0},
      {"", "a,b\n", "application/json", 415, 0},
      {"", "", NULL, 400, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    if (!cases[i].status)
      continue;
    th_resp r = post_csv(admin(), cases[i].query, cases[i].csv, strlen(cases[i].csv), cases[i].type);
    cr_assert_eq(r.status, cases[i].status, "case %zu: %s", i, r.body);
    th_assert_error(&r, cases[i].status, NULL);
    if (cases[i].line)
      cr_assert_eq(num(json_array_get(json_object_get(r.json, "errors"), 0), "line"),
                   cases[i].line, "case %zu: %s", i, r.body);
    th_resp_free(&r);
  }
  /* A NUL byte inside a field (a UTF-16 file without its BOM looks like this). */
  const char nul[] = "First Name,Last Name,Email Address,Username\nA\0B,C,c@x.com,d\n";
  th_resp r = post_csv(admin(), "?ignore_first_line=true", nul, sizeof nul - 1, NULL);
  th_assert_error(&r, 400, NULL);
  cr_assert(strstr(r.body, "NUL"), "%s", r.body);
  th_resp_free(&r);
  cr_assert_eq(count_people(admin()), people, "nothing stored");
  cr_assert_eq(count_orgs(admin(), NULL), 0);
}

Test(import, IMP1_roles_and_other_accounts_imports) {
  const char *csv = "First Name,Last Name,Email Address,Username\nA,B,a@example.com,a\n";
  th_resp r = post_csv(th_token(&S, "wdc", "tech", "technician"), "?ignore_first_line=true", csv,
                       strlen(csv), NULL);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = post_csv(NULL, "?ignore_first_line=true", csv, strlen(csv), NULL);
  th_assert_error(&r, 401, NULL);
  th_resp_free(&r);
  json_t *imp = import(th_token(&S, "wdc", "sup", "supervisor"), "?ignore_first_line=true", csv);
  cr_assert_eq(num(imp, "created"), 1);
  char path[96];
  snprintf(path, sizeof path, "/v1/imports/%lld", num(imp, "id"));
  r = th_get(&S, gt_admin(), path);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  snprintf(path, sizeof path, "/v1/imports/%lld/rows", num(imp, "id"));
  r = th_get(&S, gt_admin(), path);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_get(&S, th_token(&S, "wdc", "tech", "technician"), path);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  snprintf(path, sizeof path, "/v1/imports/%lld/rows?result=exploded", num(imp, "id"));
  r = th_get(&S, admin(), path);
  th_assert_error(&r, 400, "result");
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/imports/99999999");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  json_decref(imp);
}

Test(import, IMP3_imports_are_listed_per_account_oldest_first_and_paged) {
  const char *csv = "First Name,Last Name,Email Address,Username\nA,B,l1@example.com,l1\n";
  json_t *first = import(admin(), "?ignore_first_line=true", csv);
  json_t *second = import(admin(), "?ignore_first_line=true&dry_run=true", csv);
  th_resp r = th_get(&S, admin(), "/v1/imports");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 2);
  cr_assert_eq(num(json_array_get(r.json, 0), "id"), num(first, "id"));
  cr_assert_eq(num(json_array_get(r.json, 1), "id"), num(second, "id"));
  cr_assert(json_is_true(json_object_get(json_array_get(r.json, 1), "dry_run")));
  cr_assert_str_eq(th_jstr(json_array_get(r.json, 0), "status"), "done");
  th_resp_free(&r);
  /* One a page: the Link header leads to the second and no further. */
  r = th_get(&S, admin(), "/v1/imports?per_page=1");
  cr_assert_eq(json_array_size(r.json), 1);
  const char *link = th_header(&r, "Link");
  cr_assert(link && strstr(link, "rel=\"next\""), "%s", link ? link : "no Link");
  char next[256];
  const char *lt = strchr(link, '<'), *gt = strchr(link, '>');
  snprintf(next, sizeof next, "%.*s", (int)(gt - lt - 1), lt + 1);
  th_resp_free(&r);
  r = th_get(&S, admin(), next);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 1);
  cr_assert_eq(num(json_array_get(r.json, 0), "id"), num(second, "id"));
  cr_assert_null(th_header(&r, "Link"));
  th_resp_free(&r);
  /* Another account sees none of them; other roles none at all; bad paging is a 400. */
  r = th_get(&S, gt_admin(), "/v1/imports");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 0);
  th_resp_free(&r);
  r = th_get(&S, th_token(&S, "wdc", "tech", "technician"), "/v1/imports");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/imports?per_page=0");
  th_assert_error(&r, 400, "per_page");
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/imports?status=done");
  th_assert_error(&r, 400, "status");
  th_resp_free(&r);
  json_decref(first);
  json_decref(second);
}

Test(import, IMP1_multipart_mapping_overrides_and_headerless_template_order) {
  /* A file without header in the template's order: positional. */
  json_t *imp = import(admin(), "",
                       ",Ann,Lee,ann@example.com,,,,,,,Delft,,,,,,,,ann,,,,,,,,,,\r\n");
  cr_assert_eq(num(imp, "created"), 1, "%s", json_dumps(imp, 0));
  json_t *ann = person(admin(), "ann");
  cr_assert_str_eq(th_jstr(ann, "city"), "Delft");
  json_decref(ann);
  json_decref(imp);
  /* multipart: file and mapping parts; the mapping renames an unknown header. */
  const char *body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.csv\"\r\n"
      "Content-Type: text/csv\r\n\r\n"
      "Given,Family,Mail,Login,Shoe\r\nBea,Ko,bea@example.com,bea,44\r\n"
      "\r\n--XyZ\r\nContent-Disposition: form-data; name=\"mapping\"\r\n\r\n"
      "{\"0\": \"first_name\", \"1\": \"Last Name\", \"2\": \"primary_email\", \"3\": \"username\","
      " \"4\": null}\r\n--XyZ--\r\n";
  th_resp r = post_csv(admin(), "?ignore_first_line=true", body, strlen(body),
                       "multipart/form-data; boundary=XyZ");
  cr_assert_eq(r.status, 202, "%s", r.body);
  long long id = num(r.json, "id");
  th_resp_free(&r);
  imp = wait_done(admin(), id);
  cr_assert_eq(num(imp, "created"), 1, "%s", json_dumps(imp, 0));
  cr_assert(json_is_null(json_object_get(json_object_get(imp, "mapping"), "4")));
  json_t *bea = person(admin(), "bea");
  cr_assert_str_eq(th_jstr(bea, "last_name"), "Ko");
  json_decref(bea);
  json_decref(imp);
  /* multipart without a file part */
  const char *nofile = "--XyZ\r\nContent-Disposition: form-data; name=\"mapping\"\r\n\r\n{}\r\n--XyZ--\r\n";
  r = post_csv(admin(), "", nofile, strlen(nofile), "multipart/form-data; boundary=XyZ");
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
}

Test(import, IMP2_partner_by_email_cycles_and_missing_managers) {
  th_resp r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:b}}", "settings",
                      "customer_partner_editable", 1);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), "/v1/organizations", "{s:s,s:b,s:{s:[{s:s,s:s}]}}", "name",
              "Partner Co", "partner", 1, "contact", "email_addresses", "label", "work",
              "address", "desk@partner.example");
  cr_assert_eq(r.status, 201, "%s", r.body);
  long long partner = num(r.json, "id");
  th_resp_free(&r);
  json_t *imp = import(admin(), "?ignore_first_line=true",
                       "First Name,Last Name,Email Address,Username,Partners Email,Line Manager Username\n"
                       "Ann,Lee,ann@example.com,ann,DESK@partner.example,\n"
                       "Bob,Ray,bob@example.com,bob,nobody@example.com,\n"
                       "Cy,Aa,cy@example.com,cy,,dee\n"
                       "Dee,Bb,dee@example.com,dee,,cy\n"
                       "Eve,Cc,eve@example.com,eve,,bob\n");
  cr_assert_eq(num(imp, "created"), 1, "%s", json_dumps(imp, 0));
  cr_assert_eq(num(imp, "failed"), 4);
  cr_assert_eq(num(imp, "deferred"), 0);
  json_t *report = rows(admin(), imp, NULL);
  cr_assert(has_error(failed_row(report, 3), "Partners Email", "nobody@example.com"));
  /* cy and dee manage each other: the last round fails one as a cycle, then the other. */
  json_t *e4 = failed_row(report, 4), *e5 = failed_row(report, 5);
  cr_assert(has_error(e5, "Line Manager Username", "cycle"), "%s", json_dumps(e5, 0));
  cr_assert(has_error(e4, "Line Manager Username", "dee"), "%s", json_dumps(e4, 0));
  cr_assert(has_error(failed_row(report, 6), "Line Manager Username", "line 3"));
  json_t *ann = person(admin(), "ann");
  cr_assert_eq(num(json_object_get(ann, "partner_organization"), "id"), partner);
  json_decref(ann);
  json_decref(report);
  json_decref(imp);
}

/* Issue 11: on PostgreSQL an import's batches are pipelined (writes sent without waiting,
 * reference checks made by the server). A row that fails there breaks its batch, which is
 * repeated without pipelining: only that row fails, with its own reason, and no other row
 * is lost or written twice. SQLite gives the same reports. Two imports: a check the
 * server makes (line 3: the line manager is not a customer), then a constraint the
 * importer does not check before writing (line 4: a unique index the test adds). */
/* How many times a fast run stopped (a row failed after writing, or a pipelined batch
 * failed) and the import went on with a savepoint per row (rd_import_run). */
static int replays(void) {
  char path[300], line[1024];
  snprintf(path, sizeof path, "%s/daemon.log", S.dir);
  FILE *f = fopen(path, "r");
  int n = 0;
  while (f && fgets(line, sizeof line, f))
    n += strstr(line, "going on with a savepoint per row") != NULL;
  if (f)
    fclose(f);
  return n;
}

Test(import, ISSUE11_a_row_failing_inside_a_pipelined_batch_fails_alone) {
  th_token(&S, "wdc", "boss", "supervisor");
  /* A clean import that updates a person (found by the lookup of its window): no replay. */
  json_t *imp = import(admin(), "?ignore_first_line=true",
                       "First Name,Last Name,Email Address,Username\n"
                       "Bo,Ss,boss@example.com,boss\n");
  cr_assert_eq(num(imp, "updated"), 1, "%s", json_dumps(imp, 0));
  json_decref(imp);
  cr_assert_eq(replays(), 0);
  imp = import(admin(), "?ignore_first_line=true",
                       "First Name,Last Name,Email Address,Username,Line Manager Username\n"
                       "Ann,Lee,ann@example.com,ann,\n"
                       "Dee,Bb,dee@example.com,dee,boss\n"
                       "Bob,Ray,bob@example.com,bob,ann\n");
  cr_assert_eq(num(imp, "created"), 2, "%s", json_dumps(imp, 0));
  cr_assert_eq(num(imp, "failed"), 1);
  json_t *report = rows(admin(), imp, NULL);
  cr_assert(has_error(failed_row(report, 3), "Line Manager Username", "a customer"));
  json_decref(report);
  json_decref(imp);

  th_sql(&S, "CREATE UNIQUE INDEX test_people_last ON people (last_name) WHERE last_name = 'Cc'");
  imp = import(admin(), "?ignore_first_line=true",
               "First Name,Last Name,Email Address,Username,Line Manager Username\n"
               "Cy,Cc,cy@example.com,cy,ann\n"
               "Ed,Cc,ed@example.com,ed,ann\n"
               "Eve,Ee,eve@example.com,eve,bob\n");
  th_sql(&S, "DROP INDEX test_people_last");
  /* Dee (line 3 above: its line manager is no customer) and Ed each stopped a fast run. */
  cr_assert_eq(replays(), 2, "each failure after a write stops a fast run once");
  cr_assert_eq(num(imp, "created"), 2, "%s", json_dumps(imp, 0));
  cr_assert_eq(num(imp, "failed"), 1);
  report = rows(admin(), imp, NULL);
  failed_row(report, 3);
  json_decref(report);
  json_decref(imp);
  const char *const in[] = {"ann", "bob", "cy", "eve"}, *const out[] = {"dee", "ed"};
  for (size_t i = 0; i < 4; i++) {
    json_t *p = person(admin(), in[i]);
    cr_assert(p, "%s was imported", in[i]);
    json_decref(p);
  }
  for (size_t i = 0; i < 2; i++)
    cr_assert_null(person(admin(), out[i]), "%s was not imported", out[i]);
  json_t *eve = person(admin(), "eve"), *bob = person(admin(), "bob");
  cr_assert_eq(num(json_object_get(eve, "line_manager"), "id"), num(bob, "id"));
  json_decref(eve);
  json_decref(bob);
  /* Every created person was audited once: no row was written twice. */
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM audit WHERE record_type = 'person'"
                              " AND action = 'create' AND record_id IN (SELECT id FROM people"
                              " WHERE username IN ('ann', 'bob', 'cy', 'eve'))"),
               4);
}

/* IMP-3, ISSUE11: batches run without a savepoint per row; a row that fails after its
 * company was created rolls the batch back and the import goes on from its last committed
 * batch with savepoints: nothing of the row stays, every other row is stored once. */
Test(import, IMP3_a_row_failing_after_creating_its_company_leaves_nothing) {
  json_t *imp = import(admin(), "?ignore_first_line=true",
                       "First Name,Last Name,Email Address,Username,Company,Country\n"
                       "Ann,Lee,ann@example.com,ann,Alpha Co,NL\n"
                       "Bob,Ray,bob@example.com,bob,Ghost Co,Holand\n"
                       "Cy,Sun,cy@example.com,cy,Gamma Co,FR\n");
  cr_assert_eq(num(imp, "created"), 2, "%s", json_dumps(imp, 0));
  cr_assert_eq(num(imp, "failed"), 1);
  json_t *report = rows(admin(), imp, "failed");
  cr_assert(has_error(failed_row(report, 3), "Country", "Holand"));
  json_decref(report);
  json_decref(imp);
  cr_assert_eq(replays(), 1);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM organizations WHERE name = 'Ghost Co'"), 0,
               "the failed row's company is gone");
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM organizations WHERE name IN ('Alpha Co',"
                              " 'Gamma Co')"),
               2);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM audit WHERE record_type = 'organization'"
                              " AND action = 'create' AND changes LIKE '%Co\"%'"),
               2, "each company was created (and audited) once");
  cr_assert_null(person(admin(), "bob"));
  json_t *ann = person(admin(), "ann"), *cy = person(admin(), "cy");
  cr_assert(ann && cy);
  json_decref(ann);
  json_decref(cy);
  /* A clean file runs fast to its end. */
  imp = import(admin(), "?ignore_first_line=true",
               "First Name,Last Name,Email Address,Username,Company\n"
               "Dee,Bb,dee@example.com,dee,Alpha Co\n");
  cr_assert_eq(num(imp, "created"), 1);
  json_decref(imp);
  cr_assert_eq(replays(), 1);
}

/* IMP-2: Custom1..Custom5 fill the account's first five person custom fields and every
 * partner organization is found by its address; the import read only the first of each
 * (its loops stopped after one row). */
Test(import, IMP2_every_custom_field_and_every_partner_is_read) {
  const char *const keys[] = {"badge", "desk", "floor"};
  for (int i = 0; i < 3; i++) {
    th_resp r = th_json(&S, "POST", admin(), "/v1/custom_fields", "{s:s,s:s,s:s,s:s}",
                        "record_type", "person", "key", keys[i], "label", keys[i], "type", "text");
    cr_assert_eq(r.status, 201, "%s", r.body);
    th_resp_free(&r);
  }
  th_resp r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:b}}", "settings",
                      "customer_partner_editable", 1);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  long long partner[2];
  for (int i = 0; i < 2; i++) {
    char name[32], mail[48];
    snprintf(name, sizeof name, "Partner %d", i);
    snprintf(mail, sizeof mail, "desk@partner%d.example", i);
    partner[i] = th_create(&S, admin(), "/v1/organizations", "{s:s,s:b,s:{s:[{s:s,s:s}]}}",
                           "name", name, "partner", 1, "contact", "email_addresses", "label",
                           "work", "address", mail);
  }
  json_t *imp = import(admin(), "?ignore_first_line=true",
                       "First Name,Last Name,Email Address,Username,Partners Email,Custom1,"
                       "Custom2,Custom3\n"
                       "Ann,Lee,ann@example.com,ann,desk@partner1.example,B-1,D-2,F-3\n"
                       "Bob,Ray,bob@example.com,bob,desk@partner0.example,,D-9,\n");
  cr_assert_eq(num(imp, "created"), 2, "%s", json_dumps(imp, 0));
  json_t *ann = person(admin(), "ann"), *bob = person(admin(), "bob");
  json_t *cf = json_object_get(ann, "custom_fields");
  cr_assert_str_eq(th_jstr(cf, "badge"), "B-1");
  cr_assert_str_eq(th_jstr(cf, "desk"), "D-2");
  cr_assert_str_eq(th_jstr(cf, "floor"), "F-3");
  cr_assert_str_eq(th_jstr(json_object_get(bob, "custom_fields"), "desk"), "D-9");
  cr_assert_eq(num(json_object_get(ann, "partner_organization"), "id"), partner[1]);
  cr_assert_eq(num(json_object_get(bob, "partner_organization"), "id"), partner[0]);
  json_decref(ann);
  json_decref(bob);
  json_decref(imp);
}

Test(import, IMP5_cli_runs_the_same_job_with_a_summary) {
  char file[512], data[512];
  snprintf(file, sizeof file, "%s/cli.csv", S.dir);
  snprintf(data, sizeof data, "%s/data", S.dir);
  FILE *f = fopen(file, "w");
  cr_assert_not_null(f);
  fputs("First Name,Last Name,Email Address,Username,Country\n"
        "Ann,Lee,ann@example.com,ann,NL\n"
        "Bob,Ray,bob@example.com,bob,Holand\n", f);
  fclose(f);
  int status = -1;
  char *out = th_cli(&S, NULL, &status, "import", "people", file, "--account", "wdc",
                     "--ignore-first-line", "--dry-run", "--data", data, NULL);
  cr_assert_eq(status, 3, "a dry run with a failed row exits 3: %s", out);
  cr_assert(strstr(out, "dry run"), "%s", out);
  cr_assert_null(person(admin(), "ann"), "IMP-4: the CLI's dry run stores nothing");
  free(out);
  out = th_cli(&S, NULL, &status, "import", "people", file, "--account", "wdc",
               "--ignore-first-line", "--data", data, NULL);
  cr_assert_eq(status, 3, "an import with a failed row exits 3: %s", out);
  cr_assert(strstr(out, "created") && strstr(out, "line 3  Country: unknown country 'Holand'"),
            "%s", out);
  free(out);
  json_t *ann = person(admin(), "ann");
  cr_assert_not_null(ann);
  json_decref(ann);
  /* The same import is visible through the API. */
  th_resp r = th_get(&S, admin(), "/v1/people?username=ann");
  cr_assert_eq(json_array_size(r.json), 1);
  th_resp_free(&r);
  /* A broken file: exit status 1, the line on stderr, nothing stored. */
  f = fopen(file, "w");
  fputs("First Name,Last Name,Email Address,Username\nCy,\"Oops,cy@example.com,cy\n", f);
  fclose(f);
  out = th_cli(&S, NULL, &status, "import", "people", file, "--account", "wdc",
               "--ignore-first-line", "--data", data, NULL);
  cr_assert_eq(status, 1, "%s", out);
  free(out);
  cr_assert_null(person(admin(), "cy"));
  out = th_cli(&S, NULL, &status, "import", "people", file, NULL);
  cr_assert_eq(status, 2, "usage error without --account");
  free(out);
}

/* ---- kill -9 in the middle, restart, resume (IMP-3, REL-2) ---- */

static char *big_csv(int n, size_t *len) {
  size_t cap = (size_t)n * 160 + 256, off = 0;
  char *buf = malloc(cap);
  off += (size_t)snprintf(buf + off, cap - off,
                          "First Name,Last Name,Email Address,Username,Company,Department,"
                          "Country,Line Manager Username\n");
  for (int i = 0; i < n; i++) {
    /* Every tenth row manages the nine after it; every 97th names one further down. */
    char mgr[32] = "";
    if (i % 97 == 3 && i + 20 < n)
      snprintf(mgr, sizeof mgr, "k%d", i - i % 10 + 20);
    else if (i % 10)
      snprintf(mgr, sizeof mgr, "k%d", i - i % 10);
    off += (size_t)snprintf(buf + off, cap - off, "F%d,L%d,k%d@example.com,k%d,Co %d,Dep %d,%s,%s\n",
                            i, i, i, i, i % 13, i % 3, i % 501 == 7 ? "Atlantis" : "NL", mgr);
  }
  *len = off;
  return buf;
}

Test(import, IMP3_kill_9_mid_import_then_restart_resumes_to_the_same_counts) {
  size_t len = 0;
  /* A few batches (the kill -9 loop of tests/api/resume_test.c is the long form); SQLite
   * needs more rows for the poll below to see a batch committed before the end. */
  int n = strcmp(th_backend(), "postgresql") ? 6000 : 2500;
  char *csv = big_csv(n, &len);
  /* The reference: the same file, uninterrupted, into another account. */
  th_resp r = post_csv(gt_admin(), "?ignore_first_line=true", csv, len, NULL);
  cr_assert_eq(r.status, 202, "%s", r.body);
  json_t *ref = wait_done(gt_admin(), num(r.json, "id"));
  th_resp_free(&r);
  cr_assert_eq(num(ref, "rows"), n);
  cr_assert_gt(num(ref, "failed"), 0);
  /* The same file into wdc, killed once some batches have committed. */
  r = post_csv(admin(), "?ignore_first_line=true", csv, len, NULL);
  cr_assert_eq(r.status, 202, "%s", r.body);
  long long id = num(r.json, "id");
  th_resp_free(&r);
  char path[64];
  snprintf(path, sizeof path, "/v1/imports/%lld", id);
  bool killed = false;
  for (int i = 0; i < 20000 && !killed; i++) {
    r = th_get(&S, admin(), path);
    long long done = num(r.json, "processed");
    const char *st = th_jstr(r.json, "status");
    cr_assert_str_neq(st, "done", "the import ended before it could be killed");
    if (done > 0 && done < n) {
      kill(S.pid, SIGKILL);
      waitpid(S.pid, NULL, 0);
      killed = true;
    }
    th_resp_free(&r);
    if (!killed)
      usleep(2000);
  }
  cr_assert(killed);
  /* A new daemon takes the job over once its lease has run out (1 s here). */
  setenv("ROLODESK_JOB_LEASE", "1", 1);
  th_start_daemon(&S);
  unsetenv("ROLODESK_JOB_LEASE");
  json_t *imp = wait_done(admin(), id);
  cr_assert_str_eq(th_jstr(imp, "status"), "done");
  static const char *const KEYS[] = {"rows", "processed", "created", "updated", "unchanged", "failed", "deferred"};
  for (size_t i = 0; i < sizeof KEYS / sizeof *KEYS; i++)
    cr_assert_eq(num(imp, KEYS[i]), num(ref, KEYS[i]), "%s: %lld after the kill, %lld without",
                 KEYS[i], num(imp, KEYS[i]), num(ref, KEYS[i]));
  /* Nothing was created twice: the units once each, every row reported once. */
  cr_assert_eq(count_orgs(admin(), NULL), count_orgs(gt_admin(), NULL));
  json_t *failed = rows(admin(), imp, "failed"), *ref_failed = rows(gt_admin(), ref, "failed");
  cr_assert_eq(json_array_size(failed), json_array_size(ref_failed));
  for (size_t i = 0; i < json_array_size(failed); i++)
    cr_assert_eq(num(json_array_get(failed, i), "line"), num(json_array_get(ref_failed, i), "line"));
  json_decref(failed);
  json_decref(ref_failed);
  json_decref(imp);
  json_decref(ref);
  free(csv);
}
