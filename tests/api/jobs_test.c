/* End-to-end tests of the job runner (issue 11, src/jobs/): cancelling imports
 * (POST /v1/imports/{id}/cancel: a queued one ends at once, a running one at its next batch
 * with its committed rows kept) with its bad input, and jobs of kinds this daemon does not
 * know left queued for a daemon that does. The kill -9 loop is tests/api/resume_test.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/harness.h"

static th_server S;

static const char *admin(void) {
  return th_token(&S, "wdc", "admin", "account_administrator");
}

/* Accounts made; each test starts its daemon (with or without job workers). */
static void setup(void) {
  th_init_db(&S);
  th_account(&S, "wdc", "Widget Data Center");
  th_account(&S, "gigatera", "GigaTera");
}
static void teardown(void) {
  th_stop(&S);
}
TestSuite(jobs, .init = setup, .fini = teardown, .timeout = 600);

static void start(bool workers) {
  if (!workers) {
    S.daemon_args[0] = "--job-workers";
    S.daemon_args[1] = "0";
  }
  th_start_daemon(&S);
}

static char *people_csv(int n) {
  size_t cap = (size_t)n * 80 + 128, off = 0;
  char *buf = malloc(cap);
  off += (size_t)snprintf(buf + off, cap - off, "First Name,Last Name,Email Address,Username\n");
  for (int i = 0; i < n; i++)
    off += (size_t)snprintf(buf + off, cap - off, "F%d,L%d,j%d@example.com,j%d\n", i, i, i, i);
  return buf;
}

static long long upload(const char *token, const char *csv) {
  th_resp r = th_req(&S, "POST", "/v1/imports?ignore_first_line=true", token, csv, "text/csv",
                     NULL);
  cr_assert_eq(r.status, 202, "%s", r.body);
  long long id = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  return id;
}

static th_resp cancel(const char *token, long long id) {
  char path[96];
  snprintf(path, sizeof path, "/v1/imports/%lld/cancel", id);
  return th_req(&S, "POST", path, token, NULL, NULL, NULL);
}

static json_t *get(long long id) {
  char path[64];
  snprintf(path, sizeof path, "/v1/imports/%lld", id);
  th_resp r = th_get(&S, admin(), path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_t *j = json_incref(r.json);
  th_resp_free(&r);
  return j;
}

static long long num(json_t *j, const char *k) {
  return json_integer_value(json_object_get(j, k));
}

/* Waits until import id is no longer queued or running; returns it (caller frees). */
static json_t *wait_ended(long long id) {
  for (int i = 0; i < 6000; i++) {
    json_t *j = get(id);
    const char *st = json_string_value(json_object_get(j, "status"));
    if (strcmp(st, "queued") && strcmp(st, "running"))
      return j;
    json_decref(j);
    usleep(50 * 1000);
  }
  cr_assert_fail("import %lld did not end", id);
  return NULL;
}

static long long imported_people(void) {
  return th_sql_int(&S, "SELECT COUNT(*) FROM people WHERE account_id = 'wdc'"
                        " AND username LIKE 'j%'");
}

Test(jobs, ISSUE11_IMP3_cancel_of_a_queued_import_ends_it_at_once) {
  start(false); /* no job workers: the import stays queued */
  long long id = upload(admin(), "First Name,Last Name,Email Address,Username\nA,B,a@x.example,a\n");
  json_t *imp = get(id);
  cr_assert_str_eq(json_string_value(json_object_get(imp, "status")), "queued");
  cr_assert(json_is_false(json_object_get(imp, "cancel_requested")));
  json_decref(imp);
  th_resp r = cancel(admin(), id);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "status"), "failed");
  cr_assert_str_eq(th_jstr(r.json, "error"), "cancelled");
  cr_assert(json_is_true(json_object_get(r.json, "cancel_requested")));
  cr_assert(th_jstr(r.json, "finished_at"), "%s", r.body);
  cr_assert_eq(num(r.json, "processed"), 0);
  th_resp_free(&r);
  /* Ended: a second cancel is a conflict, and a daemon with workers does not run it. */
  r = cancel(admin(), id);
  th_assert_error(&r, 409, NULL);
  th_resp_free(&r);
  th_kill(&S);
  S.daemon_args[0] = NULL;
  start(true);
  usleep(1500 * 1000);
  imp = get(id);
  cr_assert_str_eq(json_string_value(json_object_get(imp, "status")), "failed");
  json_decref(imp);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM people WHERE username = 'a'"), 0);
}

Test(jobs, ISSUE11_REL2_cancel_of_a_running_import_stops_at_its_next_batch_and_keeps_its_rows) {
  start(true);
  int n = 40000;
  char *csv = people_csv(n);
  long long id = upload(admin(), csv);
  free(csv);
  /* Once a batch has committed, cancel. */
  for (int i = 0; i < 6000; i++) {
    json_t *imp = get(id);
    long long done = num(imp, "processed");
    cr_assert_str_neq(json_string_value(json_object_get(imp, "status")), "done",
                      "the import ended before it could be cancelled");
    json_decref(imp);
    if (done > 0)
      break;
    usleep(20 * 1000);
  }
  /* On SQLite a running import holds the one write lock batch after batch, and a writer
   * waiting in SQLite's busy handler may miss every gap between batches: 503 with
   * Retry-After, which a client retries (see DECISIONS: writers starved by a bulk job). */
  th_resp r = cancel(admin(), id);
  for (int i = 0; i < 5 && r.status == 503; i++) {
    th_resp_free(&r);
    r = cancel(admin(), id);
  }
  cr_assert_eq(r.status, 202, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "status"), "running");
  cr_assert(json_is_true(json_object_get(r.json, "cancel_requested")));
  th_resp_free(&r);
  json_t *imp = wait_ended(id);
  cr_assert_str_eq(json_string_value(json_object_get(imp, "status")), "failed");
  cr_assert_str_eq(json_string_value(json_object_get(imp, "error")), "cancelled");
  long long created = num(imp, "created");
  cr_assert(created > 0 && created < n, "created %lld of %d", created, n);
  cr_assert(json_string_value(json_object_get(imp, "finished_at")));
  /* What was committed stays, and nothing more. */
  cr_assert_eq(imported_people(), created);
  json_decref(imp);
  r = cancel(admin(), id);
  th_assert_error(&r, 409, NULL);
  th_resp_free(&r);
}

Test(jobs, ISSUE11_IMP3_cancel_bad_input_unknown_foreign_ended_and_roles) {
  start(true);
  long long id = upload(admin(), "First Name,Last Name,Email Address,Username\nA,B,a@x.example,a\n");
  json_t *imp = wait_ended(id);
  cr_assert_str_eq(json_string_value(json_object_get(imp, "status")), "done");
  json_decref(imp);
  th_resp r = cancel(admin(), 99999999);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  /* Another account's import does not exist for this one. */
  r = cancel(th_token(&S, "gigatera", "gtadmin", "account_administrator"), id);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  /* Done already. */
  r = cancel(admin(), id);
  th_assert_error(&r, 409, NULL);
  th_resp_free(&r);
  /* Customers and technicians may not; nobody without a token. */
  r = cancel(th_token(&S, "wdc", "cust", "customer"), id);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = cancel(th_token(&S, "wdc", "tech", "technician"), id);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = cancel(NULL, id);
  th_assert_error(&r, 401, NULL);
  th_resp_free(&r);
  /* Not an id; an unknown query parameter; another method. */
  r = th_req(&S, "POST", "/v1/imports/abc/cancel", admin(), NULL, NULL, NULL);
  cr_assert(r.status == 400 || r.status == 404, "%ld %s", r.status, r.body);
  th_assert_error(&r, r.status, NULL);
  th_resp_free(&r);
  char path[96];
  snprintf(path, sizeof path, "/v1/imports/%lld/cancel?force=true", id);
  r = th_req(&S, "POST", path, admin(), NULL, NULL, NULL);
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
  snprintf(path, sizeof path, "/v1/imports/%lld/cancel", id);
  r = th_req(&S, "GET", path, admin(), NULL, NULL, NULL);
  th_assert_error(&r, 405, NULL);
  th_resp_free(&r);
}

/* Issue 11: a daemon claims only the kinds in its table; jobs of other kinds (a newer
 * daemon's), queued or abandoned, wait for a daemon that knows them. */
Test(jobs, ISSUE11_unknown_kinds_stay_queued_for_a_daemon_that_knows_them) {
  th_sql(&S, "INSERT INTO jobs (id, account_id, kind, status, created_at, updated_at)"
             " VALUES (990000001, 'wdc', 'kind_of_a_newer_daemon', 'queued', '2026-01-01T00:00:00Z',"
             " '2026-01-01T00:00:00Z')");
  th_sql(&S, "INSERT INTO jobs (id, account_id, kind, status, claimed_by, heartbeat_at,"
             " attempts, created_at, updated_at) VALUES (990000002, 'wdc', 'kind_of_a_newer_daemon',"
             " 'running', 'rolodeskd:gone:1:jobs', '2026-01-01T00:00:00Z', 1,"
             " '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')");
  S.daemon_args[0] = "--job-lease";
  S.daemon_args[1] = "1";
  start(true);
  long long id = upload(admin(), "First Name,Last Name,Email Address,Username\nA,B,a@x.example,a\n");
  json_t *imp = wait_ended(id);
  cr_assert_str_eq(json_string_value(json_object_get(imp, "status")), "done");
  json_decref(imp);
  usleep(1000 * 1000); /* a few more claims */
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM jobs WHERE id = 990000001 AND status ="
                              " 'queued' AND attempts = 0 AND claimed_by IS NULL"), 1);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM jobs WHERE id = 990000002 AND status ="
                              " 'running' AND attempts = 1 AND claimed_by = 'rolodeskd:gone:1:jobs'"), 1);
}
