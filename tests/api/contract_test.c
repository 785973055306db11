/* End-to-end tests of contracts (CUST-8, issue 14): status from dates, payment, hours and
 * the queue, computed when read; enabling early; time entries counted against the covering
 * contract; monthly hours with and without carry-over; roles, other accounts and bad input.
 * The calendar moves through rolodeskd's test-only --test-clock file, never by sleeping. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/harness.h"

static th_server S;
static char clock_file[300];

static const char *admin(void) {
  return th_token(&S, "wdc", "admin", "account_administrator");
}

static void today(const char *date) {
  FILE *f = fopen(clock_file, "w");
  cr_assert(f);
  fprintf(f, "%s\n", date);
  fclose(f);
}

static void setup(void) {
  th_init_db(&S);
  snprintf(clock_file, sizeof clock_file, "%s/today", S.dir);
  today("2027-01-10");
  S.daemon_args[0] = "--test-clock";
  S.daemon_args[1] = clock_file;
  th_start_daemon(&S);
  th_account(&S, "wdc", "Widget Data Center");
  th_account(&S, "gigatera", "GigaTera");
}
static void teardown(void) {
  th_stop(&S);
}
TestSuite(contract, .init = setup, .fini = teardown, .timeout = 90);

static char *path(const char *fmt, long long a) {
  static char p[160];
  snprintf(p, sizeof p, fmt, a);
  return p;
}

typedef struct world {
  long long org, unit, sla, customer, other_customer;
} world;

static world make_world(const char *token) {
  world w;
  w.org = th_create(&S, token, "/v1/organizations", "{s:s}", "name", "Provider");
  w.unit = th_create(&S, token, "/v1/organizations", "{s:s}", "name", "Sales");
  long long svc = th_create(&S, token, "/v1/services", "{s:s,s:{s:I}}", "name", "Support",
                            "provider", "id", (json_int_t)w.org);
  w.sla = th_create(&S, token, "/v1/slas", "{s:{s:I},s:{s:I},s:s}", "service", "id",
                    (json_int_t)svc, "customer", "id", (json_int_t)w.unit, "start_date",
                    "2020-01-01");
  w.customer = th_create(&S, token, "/v1/people", "{s:s,s:s,s:s,s:s,s:[s],s:{s:I}}",
                         "first_name", "Cas", "last_name", "Tomer", "username", "cas",
                         "primary_email", "cas@example.com", "roles", "customer", "organization",
                         "id", (json_int_t)w.unit);
  w.other_customer = th_create(&S, token, "/v1/people", "{s:s,s:s,s:s,s:s,s:[s]}", "first_name",
                               "Oth", "last_name", "Er", "username", "oth", "primary_email",
                               "oth@example.com", "roles", "customer");
  return w;
}

/* A contract of the customer: type, start, end (NULL: none), hours (0: none). */
static long long contract(const world *w, const char *type, const char *start, const char *end,
                          int hours) {
  json_t *in = json_pack("{s:s,s:{s:I},s:{s:I},s:s}", "type", type, "customer", "id",
                         (json_int_t)w->customer, "sla", "id", (json_int_t)w->sla, "start_date",
                         start);
  if (end)
    json_object_set_new(in, "end_date", json_string(end));
  if (hours)
    json_object_set_new(in, "hours", json_integer(hours));
  char *body = json_dumps(in, JSON_COMPACT);
  json_decref(in);
  th_resp r = th_req(&S, "POST", "/v1/contracts", admin(), body, "application/json", NULL);
  free(body);
  cr_assert_eq(r.status, 201, "%s", r.body);
  long long id = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  return id;
}

/* "status" or "status/reason" of a contract now. */
static const char *status(long long id) {
  static char out[64];
  th_resp r = th_get(&S, admin(), path("/v1/contracts/%lld", id));
  cr_assert_eq(r.status, 200, "%s", r.body);
  const char *reason = th_jstr(r.json, "pending_reason");
  snprintf(out, sizeof out, "%s%s%s", th_jstr(r.json, "status"), reason ? "/" : "",
           reason ? reason : "");
  th_resp_free(&r);
  return out;
}

static long long request(const world *w) {
  return th_create(&S, admin(), "/v1/requests", "{s:s,s:{s:I}}", "subject", "Help", "customer",
                   "id", (json_int_t)w->customer);
}

static long long log_time(long long req, int minutes) {
  th_resp r = th_json(&S, "POST", admin(), path("/v1/requests/%lld/time_entries", req), "{s:i}",
                      "minutes", minutes);
  cr_assert_eq(r.status, 201, "%s", r.body);
  long long k = json_integer_value(th_jpath(r.json, "contract.id"));
  th_resp_free(&r);
  return k;
}

Test(contract, CUST8_status_follows_dates_payment_and_the_queue) {
  world w = make_world(admin());
  long long first = contract(&w, "subscription", "2027-01-01", "2027-06-30", 0);
  long long second = contract(&w, "subscription", "2027-03-01", "2027-12-31", 0);
  cr_assert_str_eq(status(first), "active");
  cr_assert_str_eq(status(second), "pending/start");
  today("2027-03-05"); /* both could be active: one is, the other queues in start order */
  cr_assert_str_eq(status(first), "active");
  cr_assert_str_eq(status(second), "pending/queue");
  today("2027-07-01");
  cr_assert_str_eq(status(first), "expired");
  cr_assert_str_eq(status(second), "active");
  /* an unpaid invoice keeps a contract pending; cancelled is final */
  th_resp r = th_json(&S, "PATCH", admin(), path("/v1/contracts/%lld", second), "{s:b}",
                      "invoice_paid", false);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "status"), "pending");
  cr_assert_str_eq(th_jstr(r.json, "pending_reason"), "invoice");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), path("/v1/contracts/%lld", second), "{s:b,s:b}",
              "invoice_paid", true, "cancelled", true);
  cr_assert_str_eq(th_jstr(r.json, "status"), "cancelled");
  th_resp_free(&r);
  today("2028-01-01");
  cr_assert_str_eq(status(second), "cancelled");
  /* the list shows the same states */
  r = th_get(&S, admin(), path("/v1/contracts?customer=%lld", w.customer));
  cr_assert_eq(json_array_size(r.json), 2, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "[0].status"), "expired");
  th_resp_free(&r);
}

Test(contract, CUST8_hours_are_used_by_time_entries_and_the_next_contract_follows) {
  world w = make_world(admin());
  long long block = contract(&w, "hours", "2027-01-01", NULL, 2);
  long long next = contract(&w, "hours", "2027-01-05", NULL, 10);
  cr_assert_str_eq(status(next), "pending/queue");
  long long req = request(&w);
  cr_assert_eq(log_time(req, 60), block);
  cr_assert_eq(log_time(req, 45), block);
  cr_assert_str_eq(status(block), "active");
  cr_assert_eq(log_time(req, 30), block, "the entry that crosses the limit counts in full");
  cr_assert_str_eq(status(block), "exhausted");
  cr_assert_str_eq(status(next), "active");
  cr_assert_eq(log_time(req, 15), next);
  th_resp r = th_get(&S, admin(), path("/v1/contracts/%lld/usage", block));
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_integer_value(json_object_get(r.json, "used_minutes")), 135);
  cr_assert_eq(json_integer_value(json_object_get(r.json, "allowance_minutes")), 120);
  cr_assert_eq(json_integer_value(th_jpath(r.json, "requests[0].request.id")), req);
  cr_assert_eq(json_integer_value(th_jpath(r.json, "requests[0].minutes")), 135);
  cr_assert_eq(json_integer_value(th_jpath(r.json, "requests[0].entries")), 3);
  th_resp_free(&r);
  /* a request of a customer without a contract of its own counts against its unit's */
  th_resp u = th_json(&S, "POST", admin(), "/v1/contracts", "{s:s,s:{s:I},s:{s:I},s:s,s:i}",
                      "type", "hours", "organization", "id", (json_int_t)w.unit, "sla", "id",
                      (json_int_t)w.sla, "start_date", "2027-01-01", "hours", 5);
  cr_assert_eq(u.status, 201, "%s", u.body);
  long long unit_contract = json_integer_value(json_object_get(u.json, "id"));
  th_resp_free(&u);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), path("/v1/contracts/%lld", next), "{s:b}", "cancelled", true);
  th_resp_free(&r);
  cr_assert_eq(log_time(req, 10), unit_contract);
  long long plain = th_create(&S, admin(), "/v1/requests", "{s:s,s:{s:I}}", "subject", "x",
                              "customer", "id", (json_int_t)w.other_customer);
  cr_assert_eq(log_time(plain, 10), 0, "no contract covers it");
}

Test(contract, CUST8_monthly_hours_reset_on_the_rollover_day) {
  world w = make_world(admin());
  long long keep = th_create(&S, admin(), "/v1/contracts", "{s:s,s:{s:I},s:{s:I},s:s,s:i,s:i,s:b}",
                             "type", "monthly_hours", "customer", "id", (json_int_t)w.customer,
                             "sla", "id", (json_int_t)w.sla, "start_date", "2027-01-01",
                             "monthly_hours", 2, "rollover_day", 15, "carry_over", true);
  today("2027-01-20"); /* period 2027-01-15 .. 2027-02-15; the first period from 2026-12-15 */
  th_resp r = th_get(&S, admin(), path("/v1/contracts/%lld", keep));
  cr_assert_str_eq(th_jstr(r.json, "period_start"), "2027-01-15");
  cr_assert_str_eq(th_jstr(r.json, "period_end"), "2027-02-15");
  /* 2027-01-01..14 was a period of its own (from 2026-12-15): 120 unused minutes carried */
  cr_assert_eq(json_integer_value(json_object_get(r.json, "allowance_minutes")), 240, "%s", r.body);
  th_resp_free(&r);
  long long req = request(&w);
  log_time(req, 240);
  cr_assert_str_eq(status(keep), "exhausted");
  today("2027-02-15"); /* the rollover day: a new allowance, nothing left to carry */
  cr_assert_str_eq(status(keep), "active");
  r = th_get(&S, admin(), path("/v1/contracts/%lld", keep));
  cr_assert_eq(json_integer_value(json_object_get(r.json, "allowance_minutes")), 120, "%s", r.body);
  cr_assert_eq(json_integer_value(json_object_get(r.json, "used_minutes")), 0);
  th_resp_free(&r);
  /* without carry-over the unused hours of a month are gone */
  r = th_json(&S, "PATCH", admin(), path("/v1/contracts/%lld", keep), "{s:b}", "carry_over", false);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  today("2027-04-20");
  r = th_get(&S, admin(), path("/v1/contracts/%lld", keep));
  cr_assert_eq(json_integer_value(json_object_get(r.json, "allowance_minutes")), 120, "%s", r.body);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), path("/v1/contracts/%lld", keep), "{s:b}", "carry_over", true);
  th_resp_free(&r);
  r = th_get(&S, admin(), path("/v1/contracts/%lld", keep));
  /* Feb 15 - Apr 15: two full unused months carried: 120 + 120 + 120 */
  cr_assert_eq(json_integer_value(json_object_get(r.json, "allowance_minutes")), 360, "%s", r.body);
  th_resp_free(&r);
}

Test(contract, CUST8_enable_starts_a_pending_contract_today) {
  world w = make_world(admin());
  long long later = contract(&w, "subscription", "2027-05-01", "2027-12-31", 0);
  cr_assert_str_eq(status(later), "pending/start");
  th_resp r = th_json(&S, "POST", admin(), path("/v1/contracts/%lld/enable", later), NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "status"), "active");
  cr_assert_str_eq(th_jstr(r.json, "start_date"), "2027-01-10");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), path("/v1/contracts/%lld/enable", later), NULL);
  th_assert_error(&r, 422, "status"); /* active already */
  th_resp_free(&r);
  long long queued = contract(&w, "subscription", "2027-06-01", "2027-12-31", 0);
  r = th_json(&S, "POST", admin(), path("/v1/contracts/%lld/enable", queued), NULL);
  th_assert_error(&r, 409, NULL); /* another one is active */
  th_resp_free(&r);
  cr_assert_str_eq(status(queued), "pending/start");
  r = th_get(&S, admin(), path("/v1/audit?record_type=contract&record_id=%lld", later));
  cr_assert(strstr(r.body, "start_date"), "%s", r.body);
  th_resp_free(&r);
}

Test(contract, CUST8_roles_other_accounts_and_bad_input) {
  world w = make_world(admin());
  long long k = contract(&w, "subscription", "2027-01-01", "2027-12-31", 0);
  /* the customer reads its own contract, not another's, and writes none */
  int st = 0;
  char *tok = th_cli(&S, NULL, &st, "token", "create", "--account", "wdc", "--username", "cas",
                     NULL);
  cr_assert_eq(st, 0);
  tok[strcspn(tok, "\n")] = 0;
  th_resp r = th_get(&S, tok, path("/v1/contracts/%lld", k));
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_json(&S, "POST", tok, "/v1/contracts", "{s:s}", "type", "hours");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  const char *other = th_token(&S, "wdc", "someone", "customer");
  r = th_get(&S, other, path("/v1/contracts/%lld", k));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_get(&S, other, "/v1/contracts");
  cr_assert_eq(json_array_size(r.json), 0, "%s", r.body);
  th_resp_free(&r);
  const char *tech = th_token(&S, "wdc", "tech", "technician");
  r = th_json(&S, "PATCH", tech, path("/v1/contracts/%lld", k), "{s:b}", "cancelled", true);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  const char *gt = th_token(&S, "gigatera", "gtadmin", "account_administrator");
  r = th_get(&S, gt, path("/v1/contracts/%lld", k));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_json(&S, "POST", gt, path("/v1/contracts/%lld/enable", k), NULL);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  /* bad input: each is 422 naming the field, and nothing is written */
  long long before = th_sql_int(&S, "SELECT COUNT(*) FROM contracts");
  struct {
    const char *json, *field;
  } bad[] = {
      {"{\"type\":\"lifetime\"}", "type"},
      {"{\"type\":\"subscription\",\"start_date\":\"2027-01-01\"}", "end_date"},
      {"{\"type\":\"subscription\",\"start_date\":\"2027-01-01\",\"end_date\":\"2027-12-31\","
       "\"hours\":5}", "hours"},
      {"{\"type\":\"hours\",\"hours\":0}", "hours"},
      {"{\"type\":\"monthly_hours\",\"monthly_hours\":5,\"rollover_day\":31}", "rollover_day"},
      {"{\"type\":\"monthly_hours\",\"monthly_hours\":5}", "rollover_day"},
      {"{\"type\":\"time_limited\",\"start_date\":\"2027-05-01\",\"end_date\":\"2027-04-01\","
       "\"hours\":5}", "end_date"},
      {"{\"type\":\"hours\",\"hours\":5,\"start_date\":\"2027-02-30\"}", "start_date"},
      {"{\"type\":\"hours\",\"hours\":5,\"status\":\"active\"}", "status"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    json_t *in = json_loads(bad[i].json, 0, NULL);
    json_object_set_new(in, "customer", json_pack("{s:I}", "id", (json_int_t)w.customer));
    json_object_set_new(in, "sla", json_pack("{s:I}", "id", (json_int_t)w.sla));
    char *body = json_dumps(in, JSON_COMPACT);
    json_decref(in);
    r = th_req(&S, "POST", "/v1/contracts", admin(), body, "application/json", NULL);
    free(body);
    th_assert_error(&r, 422, bad[i].field);
    th_resp_free(&r);
  }
  r = th_json(&S, "POST", admin(), "/v1/contracts", "{s:s,s:i,s:{s:I},s:{s:I},s:{s:I}}", "type",
              "hours", "hours", 5, "sla", "id", (json_int_t)w.sla, "customer", "id",
              (json_int_t)w.customer, "organization", "id", (json_int_t)w.unit);
  th_assert_error(&r, 422, "organization"); /* one customer or one unit */
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), "/v1/contracts", "{s:s,s:i,s:{s:I}}", "type", "hours", "hours",
              5, "sla", "id", (json_int_t)w.sla);
  th_assert_error(&r, 422, "customer");
  th_resp_free(&r);
  long long gt_org = th_create(&S, gt, "/v1/organizations", "{s:s}", "name", "GT");
  long long gt_svc = th_create(&S, gt, "/v1/services", "{s:s,s:{s:I}}", "name", "S", "provider",
                               "id", (json_int_t)gt_org);
  long long gt_sla = th_create(&S, gt, "/v1/slas", "{s:{s:I},s:{s:I},s:s}", "service", "id",
                               (json_int_t)gt_svc, "customer", "id", (json_int_t)gt_org,
                               "start_date", "2020-01-01");
  r = th_json(&S, "POST", admin(), "/v1/contracts", "{s:s,s:i,s:{s:I},s:{s:I}}", "type", "hours",
              "hours", 5, "sla", "id", (json_int_t)gt_sla, "customer", "id", (json_int_t)w.customer);
  th_assert_error(&r, 422, "sla");
  th_resp_free(&r);
  r = th_json(&S, "POST", admin(), "/v1/contracts", "{s:s,s:i,s:{s:I},s:{s:I}}", "type", "hours",
              "hours", 5, "sla", "id", (json_int_t)w.sla, "customer", "id", (json_int_t)w.org);
  th_assert_error(&r, 422, "customer"); /* an organization's id is no customer */
  th_resp_free(&r);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM contracts"), before);
  r = th_get(&S, admin(), "/v1/contracts?customer=x");
  th_assert_error(&r, 400, "customer");
  th_resp_free(&r);
  free(tok);
}

/* The request's status, asked again until it is want or 10 s have passed. */
static const char *status_soon(long long req, const char *want) {
  static char out[32];
  for (int i = 0; i < 100; i++) {
    th_resp r = th_get(&S, admin(), path("/v1/requests/%lld", req));
    cr_assert_eq(r.status, 200, "%s", r.body);
    snprintf(out, sizeof out, "%s", th_jstr(r.json, "status"));
    th_resp_free(&r);
    if (!strcmp(out, want))
      break;
    usleep(100 * 1000);
  }
  return out;
}

Test(contract, CUST8_requests_wait_for_a_pending_contract_and_open_when_it_starts) {
  world w = make_world(admin());
  /* no contract at all: open */
  long long free_req = request(&w);
  cr_assert_str_eq(status_soon(free_req, "open"), "open");
  /* only a contract that starts later: the request waits, and opens on that day */
  long long later = contract(&w, "subscription", "2027-02-01", "2027-12-31", 0);
  long long waiting = request(&w);
  th_resp r = th_get(&S, admin(), path("/v1/requests/%lld", waiting));
  cr_assert_str_eq(th_jstr(r.json, "status"), "pending_no_contract", "%s", r.body);
  th_resp_free(&r);
  usleep(600 * 1000); /* the job waits for its day: nothing moves before */
  cr_assert_str_eq(status_soon(waiting, "x"), "pending_no_contract");
  today("2027-02-01");
  cr_assert_str_eq(status_soon(waiting, "open"), "open");
  r = th_get(&S, admin(), path("/v1/audit?record_type=request&record_id=%lld", waiting));
  cr_assert(strstr(r.body, "pending_no_contract"), "%s", r.body);
  th_resp_free(&r);
  /* an unpaid contract: paying it opens the waiting requests at once */
  th_resp p = th_json(&S, "PATCH", admin(), path("/v1/contracts/%lld", later), "{s:b}",
                      "invoice_paid", false);
  cr_assert_eq(p.status, 200, "%s", p.body);
  th_resp_free(&p);
  long long unpaid = request(&w);
  cr_assert_str_eq(status_soon(unpaid, "x"), "pending_no_contract");
  p = th_json(&S, "PATCH", admin(), path("/v1/contracts/%lld", later), "{s:b}", "invoice_paid",
              true);
  th_resp_free(&p);
  cr_assert_str_eq(status_soon(unpaid, "open"), "open");
  /* enabling a pending contract early does the same; running the job again moves nothing */
  long long later2 = contract(&w, "hours", "2027-06-01", NULL, 3);
  p = th_json(&S, "PATCH", admin(), path("/v1/contracts/%lld", later), "{s:b}", "cancelled", true);
  th_resp_free(&p);
  long long third = request(&w);
  cr_assert_str_eq(status_soon(third, "x"), "pending_no_contract");
  p = th_json(&S, "POST", admin(), path("/v1/contracts/%lld/enable", later2), NULL);
  cr_assert_eq(p.status, 200, "%s", p.body);
  th_resp_free(&p);
  cr_assert_str_eq(status_soon(third, "open"), "open");
  long long audits = th_sql_int(&S, "SELECT COUNT(*) FROM audit WHERE record_type = 'request'");
  th_sql(&S, "UPDATE jobs SET status = 'queued', run_on = NULL WHERE kind = 'contract_activation'");
  for (int i = 0; i < 100 && th_sql_int(&S, "SELECT COUNT(*) FROM jobs WHERE status = 'queued'");
       i++)
    usleep(100 * 1000);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM jobs WHERE status <> 'done'"), 0);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM audit WHERE record_type = 'request'"),
               audits, "the jobs again changed nothing");
}

/* CUST-7 and CUST-8: an item holds a contract. A request about the item, of a customer
 * whose own contracts and unit's are none, counts against it; raised while the item's only
 * contract is pending it waits, and the item's activation job opens it on the start day. */
Test(contract, CUST8_an_items_pending_contract_holds_its_requests_until_it_starts) {
  world w = make_world(admin());
  long long server = th_create(&S, admin(), "/v1/items", "{s:s,s:s,s:[{s:I}]}", "number", "SRV-1",
                               "name", "Server", "owners", "id", (json_int_t)w.other_customer);
  th_resp r = th_json(&S, "POST", admin(), "/v1/contracts", "{s:s,s:{s:I},s:{s:I},s:s,s:i}",
                      "type", "hours", "item", "id", (json_int_t)server, "sla", "id",
                      (json_int_t)w.sla, "start_date", "2027-03-01", "hours", 5);
  cr_assert_eq(r.status, 201, "%s", r.body);
  long long k = json_integer_value(json_object_get(r.json, "id"));
  cr_assert_str_eq(th_jstr(r.json, "status"), "pending");
  th_resp_free(&r);
  long long about = th_create(&S, admin(), "/v1/requests", "{s:s,s:{s:I},s:{s:I}}", "subject",
                              "Down", "customer", "id", (json_int_t)w.other_customer, "item",
                              "id", (json_int_t)server);
  long long other = th_create(&S, admin(), "/v1/requests", "{s:s,s:{s:I}}", "subject", "Other",
                              "customer", "id", (json_int_t)w.other_customer);
  cr_assert_str_eq(status_soon(about, "x"), "pending_no_contract");
  cr_assert_str_eq(status_soon(other, "open"), "open", "not about the item: nothing to wait for");
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM jobs WHERE kind = 'contract_activation' AND"
                              " payload LIKE '{\"item\":%'"),
               1);
  today("2027-03-01");
  cr_assert_str_eq(status_soon(about, "open"), "open");
  cr_assert_str_eq(status(k), "active");
  cr_assert_eq(log_time(about, 20), k);
  cr_assert_eq(log_time(other, 20), 0, "a request about no item is not the item's");
}
