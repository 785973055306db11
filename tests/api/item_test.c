/* End-to-end tests of items (CUST-7, issue 14): the record with its owners and the people
 * it is shared with, filters, the customer's view, roles, other accounts' ids, bad input,
 * the CSV and .xlsx exports read back cell for cell by Python (csv, openpyxl), locations
 * and departments an item uses, and a contract held by an item (CUST-8). Run on both
 * backends (ROLODESK_TEST_PG). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
TestSuite(item, .init = setup, .fini = teardown, .timeout = 120);

static char *path(const char *fmt, long long a) {
  static char p[200];
  snprintf(p, sizeof p, fmt, a);
  return p;
}

/* A customer of the account (organization org, 0: none); its id. */
static long long customer(const char *token, const char *username, long long org) {
  char email[96];
  snprintf(email, sizeof email, "%s@example.com", username);
  json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "first_name", username, "last_name", "Test",
                         "username", username, "primary_email", email, "roles", "customer");
  if (org)
    json_object_set_new(in, "organization", json_pack("{s:I}", "id", (json_int_t)org));
  char *body = json_dumps(in, JSON_COMPACT);
  json_decref(in);
  th_resp r = th_req(&S, "POST", "/v1/people", token, body, "application/json", NULL);
  free(body);
  cr_assert_eq(r.status, 201, "%s", r.body);
  long long id = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  return id;
}

/* A token for a person made through the API (the CLI issues it). Caller frees. */
static char *token_of(const char *account, const char *username) {
  int st = 0;
  char *tok = th_cli(&S, NULL, &st, "token", "create", "--account", account, "--username",
                     username, NULL);
  cr_assert_eq(st, 0);
  tok[strcspn(tok, "\n")] = 0;
  return tok;
}

typedef struct world {
  long long org, other_org, hq, depot, eng, ann, bob, cid;
} world;

static world make_world(void) {
  world w;
  w.org = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Widget Labs");
  w.other_org = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name", "Other Co");
  w.hq = th_create(&S, admin(), path("/v1/organizations/%lld/locations", w.org), "{s:s}", "name",
                   "HQ");
  w.depot = th_create(&S, admin(), path("/v1/organizations/%lld/locations", w.other_org),
                      "{s:s}", "name", "Depot");
  w.eng = th_create(&S, admin(), path("/v1/organizations/%lld/departments", w.org), "{s:s}",
                    "name", "Engineering");
  w.ann = customer(admin(), "ann", w.org);
  w.bob = customer(admin(), "bob", w.org);
  w.cid = customer(admin(), "cid", 0);
  return w;
}

/* An item: number, name, owners (ids, 0-terminated) and shared people. */
static long long item(const world *w, const char *number, const char *name, long long owner,
                      long long shared) {
  json_t *in = json_pack("{s:s,s:s,s:s,s:{s:I},s:{s:I},s:{s:I}}", "number", number, "name", name,
                         "category", "laptop", "organization", "id", (json_int_t)w->org,
                         "location", "id", (json_int_t)w->hq, "department", "id",
                         (json_int_t)w->eng);
  json_object_set_new(in, "owners", owner ? json_pack("[{s:I}]", "id", (json_int_t)owner)
                                          : json_array());
  json_object_set_new(in, "shared_with",
                      shared ? json_pack("[{s:I}]", "id", (json_int_t)shared) : json_array());
  char *body = json_dumps(in, JSON_COMPACT);
  json_decref(in);
  th_resp r = th_req(&S, "POST", "/v1/items", admin(), body, "application/json", NULL);
  free(body);
  cr_assert_eq(r.status, 201, "%s", r.body);
  long long id = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  return id;
}

/* The ids of a list answer, as "1,2,3". */
static const char *ids(th_resp *r) {
  static char out[256];
  out[0] = 0;
  size_t i;
  json_t *e;
  cr_assert(json_is_array(r->json), "%s", r->body);
  json_array_foreach(r->json, i, e) snprintf(out + strlen(out), sizeof out - strlen(out), "%s%lld",
                                              i ? "," : "",
                                              (long long)json_integer_value(json_object_get(e, "id")));
  return out;
}

static const char *list_ids(const char *token, const char *p) {
  th_resp r = th_get(&S, token, p);
  cr_assert_eq(r.status, 200, "%s: %s", p, r.body);
  static char out[256];
  snprintf(out, sizeof out, "%s", ids(&r));
  th_resp_free(&r);
  return out;
}

static const char *two(long long a, long long b) {
  static char out[64];
  snprintf(out, sizeof out, "%lld,%lld", a, b);
  return out;
}
static const char *one(long long a) {
  static char out[32];
  snprintf(out, sizeof out, "%lld", a);
  return out;
}

Test(item, CUST7_create_read_filter_change_and_delete) {
  world w = make_world();
  th_resp r = th_json(&S, "POST", admin(), "/v1/items",
                      "{s:s,s:s,s:s,s:s,s:s,s:{s:I},s:{s:I},s:{s:I},s:[{s:I}],s:[{s:I}]}",
                      "number", "PC-0001", "name", "Ann's laptop", "category", "laptop", "status",
                      "in_use", "serial", "SN-123", "organization", "id", (json_int_t)w.org,
                      "location", "id", (json_int_t)w.hq, "department", "id", (json_int_t)w.eng,
                      "owners", "id", (json_int_t)w.ann, "shared_with", "id", (json_int_t)w.bob);
  cr_assert_eq(r.status, 201, "%s", r.body);
  long long pc = json_integer_value(json_object_get(r.json, "id"));
  cr_assert(th_header(&r, "Location") && strstr(th_header(&r, "Location"), "/v1/items/"));
  cr_assert(th_header(&r, "ETag"));
  cr_assert_str_eq(th_jstr(r.json, "number"), "PC-0001");
  cr_assert_str_eq(th_jstr(r.json, "organization.name"), "Widget Labs");
  cr_assert_str_eq(th_jstr(r.json, "location.name"), "HQ");
  cr_assert_str_eq(th_jstr(r.json, "department.name"), "Engineering");
  cr_assert_eq(json_integer_value(th_jpath(r.json, "owners[0].id")), w.ann);
  cr_assert_str_eq(th_jstr(r.json, "owners[0].name"), "ann Test");
  cr_assert_eq(json_integer_value(th_jpath(r.json, "shared_with[0].id")), w.bob);
  cr_assert_str_eq(th_jstr(r.json, "source"), "manual");
  cr_assert(json_is_object(json_object_get(r.json, "custom_fields")));
  th_resp_free(&r);
  long long phone = th_create(&S, admin(), "/v1/items", "{s:s,s:s,s:s,s:s}", "number", "PH-7",
                              "name", "Desk phone", "category", "phone", "status", "in_stock");
  /* filters: each narrows the list */
  cr_assert_str_eq(list_ids(admin(), "/v1/items"), two(pc, phone));
  cr_assert_str_eq(list_ids(admin(), "/v1/items?q=sn-1"), one(pc));
  cr_assert_str_eq(list_ids(admin(), "/v1/items?q=desk"), one(phone));
  cr_assert_str_eq(list_ids(admin(), "/v1/items?q=%25"), "");
  cr_assert_str_eq(list_ids(admin(), "/v1/items?category=phone"), one(phone));
  cr_assert_str_eq(list_ids(admin(), "/v1/items?status=in_stock"), one(phone));
  cr_assert_str_eq(list_ids(admin(), path("/v1/items?organization=%lld", w.org)), one(pc));
  cr_assert_str_eq(list_ids(admin(), path("/v1/items?location=%lld", w.hq)), one(pc));
  cr_assert_str_eq(list_ids(admin(), path("/v1/items?department=%lld", w.eng)), one(pc));
  cr_assert_str_eq(list_ids(admin(), path("/v1/items?person=%lld", w.bob)), one(pc));
  cr_assert_str_eq(list_ids(admin(), path("/v1/items?person=%lld", w.cid)), "");
  /* paging */
  r = th_get(&S, admin(), "/v1/items?per_page=1");
  cr_assert_str_eq(ids(&r), one(pc));
  cr_assert(th_header(&r, "Link") && strstr(th_header(&r, "Link"), "rel=\"next\""));
  th_resp_free(&r);
  /* the person's items, with which is which */
  r = th_get(&S, admin(), path("/v1/people/%lld/items", w.bob));
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "[0].relation"), "shared");
  th_resp_free(&r);
  r = th_get(&S, admin(), path("/v1/people/%lld/items", w.ann));
  cr_assert_str_eq(th_jstr(r.json, "[0].relation"), "owner");
  th_resp_free(&r);
  /* a change: the name, and the item is no longer shared; both audited */
  r = th_json(&S, "PATCH", admin(), path("/v1/items/%lld", pc), "{s:s,s:[]}", "name", "Laptop",
              "shared_with");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(json_object_get(r.json, "shared_with")), 0);
  cr_assert_eq(json_array_size(json_object_get(r.json, "owners")), 1, "owners are kept");
  th_resp_free(&r);
  cr_assert_str_eq(list_ids(admin(), path("/v1/people/%lld/items", w.bob)), "");
  r = th_get(&S, admin(), path("/v1/audit?record_type=item&record_id=%lld", pc));
  cr_assert(strstr(r.body, "\"action\":\"create\""), "%s", r.body);
  cr_assert(strstr(r.body, "\"name\":{\"old\":\"Ann's laptop\",\"new\":\"Laptop\"}"), "%s", r.body);
  cr_assert(strstr(r.body, "\"shared_with\":{\"old\":["), "%s", r.body);
  th_resp_free(&r);
  /* If-Match that no longer matches: 412, nothing changes */
  r = th_req(&S, "PATCH", path("/v1/items/%lld", pc), admin(), "{\"name\":\"x\"}",
             "application/json", "If-Match: \"1\"");
  th_assert_error(&r, 412, NULL);
  th_resp_free(&r);
  /* delete: 204, then 404; audited */
  r = th_req(&S, "DELETE", path("/v1/items/%lld", phone), admin(), NULL, NULL, NULL);
  cr_assert_eq(r.status, 204, "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, admin(), path("/v1/items/%lld", phone));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM audit WHERE record_type = 'item' AND"
                              " action = 'delete'"),
               1);
}

Test(item, CUST7_bad_input_names_each_field) {
  world w = make_world();
  long long pc = item(&w, "PC-1", "Laptop", w.ann, 0);
  long long before = th_sql_int(&S, "SELECT COUNT(*) FROM items");
  char big[300];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = 0;
  char other_loc[64], other_dep[64], shared_owner[96], cid[64];
  snprintf(other_loc, sizeof other_loc, "{\"id\":%lld}", w.depot);
  long long other_dep_id = th_create(&S, admin(),
                                     path("/v1/organizations/%lld/departments", w.other_org),
                                     "{s:s}", "name", "Sales");
  snprintf(other_dep, sizeof other_dep, "{\"id\":%lld}", other_dep_id);
  snprintf(shared_owner, sizeof shared_owner, "[{\"id\":%lld}]", w.ann);
  snprintf(cid, sizeof cid, "{\"id\":%lld}", w.cid);
  struct {
    const char *extra; /* members added to a valid body {"number","name","organization"} */
    const char *field;
    long status;
  } bad[] = {
      {"\"number\":null", "number", 422},
      {"\"number\":\"PC-1\"", "number", 409},
      {"\"number\":5", "number", 422},
      {"\"name\":\"\\u0001\"", "name", 422},
      {"\"category\":\"BIG\"", "category", 422},
      {"\"status\":\"lost\"", "status", 422},
      {"\"serial\":\"BIG\"", "serial", 422},
      {"\"organization\":{\"id\":999999}", "organization", 422},
      {"\"location\":LOC", "location", 422},
      {"\"department\":DEP", "department", 422},
      {"\"organization\":null,\"location\":HQ", "location", 422},
      {"\"owners\":{\"id\":1}", "owners", 422},
      {"\"owners\":[5]", "owners[0]", 422},
      {"\"owners\":[{\"id\":999999}]", "owners", 422},
      {"\"owners\":[ANN,ANN]", "owners", 422},
      {"\"owners\":OWN,\"shared_with\":OWN", "shared_with", 422},
      {"\"custom_fields\":{\"nope\":1}", "custom_fields.nope", 422},
      {"\"source\":\"rmm\"", "source", 422},
      {"\"color\":\"red\"", "color", 422},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char extra[600];
    snprintf(extra, sizeof extra, "%s", bad[i].extra);
    struct {
      const char *key, *value;
    } subst[] = {{"LOC", other_loc}, {"DEP", other_dep}, {"OWN", shared_owner}, {"BIG", big},
                 {"ANN", cid}, {"HQ", NULL}};
    char hq[64];
    snprintf(hq, sizeof hq, "{\"id\":%lld}", w.hq);
    subst[5].value = hq;
    for (size_t k = 0; k < sizeof subst / sizeof *subst; k++) {
      char *at;
      while ((at = strstr(extra, subst[k].key))) {
        char rest[600];
        snprintf(rest, sizeof rest, "%s", at + strlen(subst[k].key));
        snprintf(at, sizeof extra - (size_t)(at - extra), "%s%s", subst[k].value, rest);
      }
    }
    /* a valid body with the bad member in place of (or beside) the good one */
    char text[700];
    snprintf(text, sizeof text, "{%s}", extra);
    json_t *in = json_loads(text, 0, NULL);
    cr_assert(in, "%s", text);
    char number[16];
    snprintf(number, sizeof number, "N-%zu", i);
    if (!json_object_get(in, "number"))
      json_object_set_new(in, "number", json_string(number));
    if (!json_object_get(in, "name"))
      json_object_set_new(in, "name", json_string("n"));
    if (!json_object_get(in, "organization"))
      json_object_set_new(in, "organization", json_pack("{s:I}", "id", (json_int_t)w.org));
    char *body = json_dumps(in, JSON_COMPACT);
    json_decref(in);
    th_resp r = th_req(&S, "POST", "/v1/items", admin(), body, "application/json", NULL);
    free(body);
    th_assert_error(&r, bad[i].status, bad[i].field);
    th_resp_free(&r);
  }
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM items"), before, "nothing was written");
  /* a change that moves the item to another organization keeps no foreign location */
  th_resp r = th_json(&S, "PATCH", admin(), path("/v1/items/%lld", pc), "{s:{s:I}}",
                      "organization", "id", (json_int_t)w.other_org);
  th_assert_error(&r, 422, "location");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), path("/v1/items/%lld", pc), "{s:n}", "number");
  th_assert_error(&r, 422, "number");
  th_resp_free(&r);
  /* bad queries */
  const char *queries[][2] = {{"/v1/items?status=lost", "status"},
                              {"/v1/items?organization=x", "organization"},
                              {"/v1/items?location=0", "location"},
                              {"/v1/items?department=-1", "department"},
                              {"/v1/items?person=y", "person"},
                              {"/v1/items?color=red", "color"},
                              {"/v1/items/export.csv?status=lost", "status"},
                              {"/v1/items/export.xlsx?per_page=5", "per_page"}};
  for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
    r = th_get(&S, admin(), queries[i][0]);
    th_assert_error(&r, 400, queries[i][1]);
    th_resp_free(&r);
  }
  r = th_req(&S, "POST", "/v1/items", admin(), "{\"number\":", "application/json", NULL);
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/items/abc");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
}

Test(item, CUST7_roles) {
  world w = make_world();
  long long pc = item(&w, "PC-1", "Laptop", w.ann, 0);
  /* every staff role reads and writes items */
  const char *staff[] = {"supervisor", "service_level_manager", "technician"};
  for (int i = 0; i < 3; i++) {
    char user[32], number[32];
    snprintf(user, sizeof user, "staff%d", i);
    snprintf(number, sizeof number, "S-%d", i);
    const char *tok = th_token(&S, "wdc", user, staff[i]);
    long long id = th_create(&S, tok, "/v1/items", "{s:s,s:s}", "number", number, "name", "x");
    th_resp r = th_json(&S, "PATCH", tok, path("/v1/items/%lld", id), "{s:s}", "name", "y");
    cr_assert_eq(r.status, 200, "%s: %s", staff[i], r.body);
    th_resp_free(&r);
    r = th_req(&S, "DELETE", path("/v1/items/%lld", id), tok, NULL, NULL, NULL);
    cr_assert_eq(r.status, 204, "%s: %s", staff[i], r.body);
    th_resp_free(&r);
  }
  /* a partner technician: nothing; a customer: reads its own, writes nothing */
  const char *partner = th_token(&S, "wdc", "partner", "partner");
  th_resp r = th_get(&S, partner, "/v1/items");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_get(&S, partner, "/v1/items/export.csv");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  char *ann = token_of("wdc", "ann");
  r = th_json(&S, "POST", ann, "/v1/items", "{s:s,s:s}", "number", "MINE", "name", "x");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", ann, path("/v1/items/%lld", pc), "{s:s}", "name", "mine now");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", path("/v1/items/%lld", pc), ann, NULL, NULL, NULL);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_get(&S, NULL, "/v1/items");
  th_assert_error(&r, 401, NULL);
  th_resp_free(&r);
  free(ann);
}

Test(item, CUST7_a_customer_sees_its_own_and_shared_items_only) {
  world w = make_world();
  long long owned = item(&w, "PC-1", "Ann's", w.ann, 0);
  long long shared = item(&w, "PC-2", "Bob's, shared", w.bob, w.ann);
  long long other = item(&w, "PC-3", "Cid's", w.cid, 0);
  char *ann = token_of("wdc", "ann");
  cr_assert_str_eq(list_ids(ann, "/v1/items"), two(owned, shared));
  cr_assert_str_eq(list_ids(ann, "/v1/items?q=bob"), one(shared));
  th_resp r = th_get(&S, ann, path("/v1/items/%lld", shared));
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, ann, path("/v1/items/%lld", other));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  /* its own items with which is which; nobody else's list */
  r = th_get(&S, ann, path("/v1/people/%lld/items", w.ann));
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(ids(&r), two(owned, shared));
  cr_assert_str_eq(th_jstr(r.json, "[0].relation"), "owner");
  cr_assert_str_eq(th_jstr(r.json, "[1].relation"), "shared");
  th_resp_free(&r);
  r = th_get(&S, ann, path("/v1/people/%lld/items", w.cid));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  /* the export holds the same items */
  r = th_get(&S, ann, "/v1/items/export.csv");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(strstr(r.body, "PC-1") && strstr(r.body, "PC-2") && !strstr(r.body, "PC-3"), "%s",
            r.body);
  th_resp_free(&r);
  /* a request about an item: its own or shared one, not another's */
  r = th_json(&S, "POST", ann, "/v1/requests", "{s:s,s:{s:I}}", "subject", "Broken", "item", "id",
              (json_int_t)other);
  th_assert_error(&r, 422, "item");
  th_resp_free(&r);
  r = th_json(&S, "POST", ann, "/v1/requests", "{s:s,s:{s:I}}", "subject", "Broken", "item", "id",
              (json_int_t)shared);
  cr_assert_eq(r.status, 201, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "item.name"), "Bob's, shared");
  th_resp_free(&r);
  free(ann);
}

Test(item, CUST7_other_accounts_ids_are_never_linked) {
  world w = make_world();
  long long pc = item(&w, "PC-1", "Laptop", w.ann, 0);
  const char *gt = gt_admin();
  th_resp r = th_get(&S, gt, path("/v1/items/%lld", pc));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", gt, path("/v1/items/%lld", pc), "{s:s}", "name", "mine");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", path("/v1/items/%lld", pc), gt, NULL, NULL, NULL);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_get(&S, gt, path("/v1/people/%lld/items", w.ann));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  cr_assert_str_eq(list_ids(gt, "/v1/items"), "");
  cr_assert_str_eq(list_ids(gt, path("/v1/items?person=%lld", w.ann)), "");
  r = th_get(&S, gt, "/v1/items/export.csv");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(!strstr(r.body, "PC-1"), "%s", r.body);
  th_resp_free(&r);
  /* wdc's organization, location, department or person in a gigatera item: 422 */
  long long gt_org = th_create(&S, gt, "/v1/organizations", "{s:s}", "name", "GT");
  r = th_json(&S, "POST", gt, "/v1/items", "{s:s,s:s,s:{s:I}}", "number", "G1", "name", "x",
              "organization", "id", (json_int_t)w.org);
  th_assert_error(&r, 422, "organization");
  th_resp_free(&r);
  r = th_json(&S, "POST", gt, "/v1/items", "{s:s,s:s,s:{s:I},s:{s:I}}", "number", "G1", "name",
              "x", "organization", "id", (json_int_t)gt_org, "location", "id", (json_int_t)w.hq);
  th_assert_error(&r, 422, "location");
  th_resp_free(&r);
  r = th_json(&S, "POST", gt, "/v1/items", "{s:s,s:s,s:{s:I},s:{s:I}}", "number", "G1", "name",
              "x", "organization", "id", (json_int_t)gt_org, "department", "id",
              (json_int_t)w.eng);
  th_assert_error(&r, 422, "department");
  th_resp_free(&r);
  r = th_json(&S, "POST", gt, "/v1/items", "{s:s,s:s,s:[{s:I}]}", "number", "G1", "name", "x",
              "owners", "id", (json_int_t)w.ann);
  th_assert_error(&r, 422, "owners");
  th_resp_free(&r);
  r = th_json(&S, "POST", gt, "/v1/items", "{s:s,s:s,s:[{s:I}]}", "number", "G1", "name", "x",
              "shared_with", "id", (json_int_t)w.bob);
  th_assert_error(&r, 422, "shared_with");
  th_resp_free(&r);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM items WHERE account_id = 'gigatera'"), 0);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM item_people WHERE account_id = 'gigatera'"),
               0);
  /* the same number in another account is no conflict */
  th_create(&S, gt, "/v1/items", "{s:s,s:s}", "number", "PC-1", "name", "theirs");
}

/* The export body read back by /usr/bin/python3: kind "csv" (csv module) or "xlsx"
 * (openpyxl): {"rows": [[cells]], "types": [[openpyxl data types]]} (types: xlsx only). */
static json_t *python_read(const char *kind, const th_resp *r) {
  char file[400];
  snprintf(file, sizeof file, "%s/export.%s", S.dir, kind);
  FILE *f = fopen(file, "wb");
  cr_assert(f);
  cr_assert_eq(fwrite(r->body, 1, r->len, f), r->len);
  fclose(f);
  const char *csv_py = "import csv, json, sys\n"
                       "with open(sys.argv[1], newline='', encoding='utf-8-sig') as f:\n"
                       "    print(json.dumps({'rows': list(csv.reader(f)), 'types': []}))\n";
  const char *xlsx_py =
      "import json, sys, openpyxl\n"
      "ws = openpyxl.load_workbook(sys.argv[1]).active\n"
      "rows = [[c.value for c in row] for row in ws.iter_rows()]\n"
      "types = [[c.data_type for c in row] for row in ws.iter_rows()]\n"
      "print(json.dumps({'rows': rows, 'types': types}))\n";
  char script[400];
  snprintf(script, sizeof script, "%s/read_%s.py", S.dir, kind);
  f = fopen(script, "w");
  cr_assert(f);
  fputs(strcmp(kind, "csv") ? xlsx_py : csv_py, f);
  fclose(f);
  char cmd[900];
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s", script, file);
  FILE *p = popen(cmd, "r");
  cr_assert(p);
  json_error_t je;
  json_t *out = json_loadf(p, 0, &je);
  cr_assert_eq(pclose(p), 0, "python failed on the %s export", kind);
  cr_assert(out, "python's output: %s", je.text);
  return out;
}

/* The cell of row i, column named col in the header row, as text ("" for empty/None). */
static const char *cell(json_t *rows, size_t i, const char *col) {
  json_t *header = json_array_get(rows, 0);
  size_t k;
  json_t *h;
  json_array_foreach(header, k, h) if (!strcmp(json_string_value(h), col)) {
    json_t *v = json_array_get(json_array_get(rows, i), k);
    static char num[32];
    if (json_is_integer(v)) {
      snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
      return num;
    }
    return json_is_string(v) ? json_string_value(v) : "";
  }
  cr_assert_fail("no column %s", col);
  return NULL;
}

Test(item, CUST7_exports_read_back_cell_for_cell) {
  world w = make_world();
  const char *tricky = "Überwachungskamera 東京, \"Eingang\"";
  /* custom fields of items: a column each, in key order */
  th_create(&S, admin(), "/v1/custom_fields", "{s:s,s:s,s:s,s:s}", "record_type", "item", "key",
            "warranty_years", "label", "Warranty", "type", "number");
  th_create(&S, admin(), "/v1/custom_fields", "{s:s,s:s,s:s,s:s}", "record_type", "item", "key",
            "asset_tag", "label", "Asset tag", "type", "text");
  long long a = th_create(&S, admin(), "/v1/items",
                          "{s:s,s:s,s:s,s:s,s:{s:I},s:{s:I},s:[{s:I}],s:[{s:I}],s:{s:s,s:i}}",
                          "number", "CAM-1", "name", tricky, "serial", "=HYPERLINK(\"x\")",
                          "category", "-camera", "organization", "id", (json_int_t)w.org,
                          "location", "id", (json_int_t)w.hq, "owners", "id", (json_int_t)w.ann,
                          "shared_with", "id", (json_int_t)w.bob, "custom_fields", "asset_tag",
                          "Ä-77", "warranty_years", 3);
  long long b = th_create(&S, admin(), "/v1/items", "{s:s,s:s,s:s,s:[{s:I},{s:I}]}", "number",
                          "+31", "name", "@sum", "status", "retired", "owners", "id",
                          (json_int_t)w.ann, "id", (json_int_t)w.cid);
  th_create(&S, admin(), "/v1/items", "{s:s,s:s,s:s}", "number", "OTHER", "name", "not exported",
            "status", "in_stock");
  /* CSV: the type, the BOM, RFC 4180 quoting, formulas made text */
  th_resp r = th_get(&S, admin(), path("/v1/items/export.csv?person=%lld", w.ann));
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(!strncmp(th_header(&r, "Content-Type"), "text/csv", 8), "%s",
            th_header(&r, "Content-Type"));
  cr_assert(!memcmp(r.body, "\xEF\xBB\xBF", 3), "UTF-8 with a BOM");
  cr_assert(strstr(th_header(&r, "Content-Disposition"), "items.csv"));
  cr_assert(strstr(r.body, "\r\n"), "CRLF line ends");
  json_t *csv = python_read("csv", &r);
  th_resp_free(&r);
  json_t *rows = json_object_get(csv, "rows");
  cr_assert_eq(json_array_size(rows), 3, "header and two items: %s",
               json_dumps(rows, JSON_COMPACT));
  cr_assert_str_eq(cell(rows, 0, "number"), "number");
  cr_assert_str_eq(cell(rows, 1, "id"), one(a));
  cr_assert_str_eq(cell(rows, 1, "number"), "CAM-1");
  cr_assert_str_eq(cell(rows, 1, "name"), tricky);
  cr_assert_str_eq(cell(rows, 1, "serial"), "'=HYPERLINK(\"x\")");
  cr_assert_str_eq(cell(rows, 1, "category"), "'-camera");
  cr_assert_str_eq(cell(rows, 1, "status"), "in_use");
  cr_assert_str_eq(cell(rows, 1, "organization"), "Widget Labs");
  cr_assert_str_eq(cell(rows, 1, "location"), "HQ");
  cr_assert_str_eq(cell(rows, 1, "department"), "");
  cr_assert_str_eq(cell(rows, 1, "owners"), "ann Test");
  cr_assert_str_eq(cell(rows, 1, "shared_with"), "bob Test");
  cr_assert_str_eq(cell(rows, 1, "source"), "manual");
  cr_assert_str_eq(cell(rows, 1, "custom_fields.asset_tag"), "Ä-77");
  cr_assert_str_eq(cell(rows, 1, "custom_fields.warranty_years"), "3");
  cr_assert_str_eq(cell(rows, 0, "custom_fields.asset_tag"), "custom_fields.asset_tag");
  cr_assert_str_eq(json_string_value(json_array_get(json_array_get(rows, 0), 15)),
                   "custom_fields.asset_tag", "after the fixed columns, in key order");
  cr_assert_str_eq(cell(rows, 2, "custom_fields.asset_tag"), "");
  cr_assert_str_eq(cell(rows, 2, "id"), one(b));
  cr_assert_str_eq(cell(rows, 2, "number"), "'+31");
  cr_assert_str_eq(cell(rows, 2, "name"), "'@sum");
  cr_assert_str_eq(cell(rows, 2, "owners"), "ann Test; cid Test");
  json_decref(csv);
  /* xlsx: a real workbook; the same cells, strings stay strings (never formulas) */
  r = th_get(&S, admin(), path("/v1/items/export.xlsx?person=%lld", w.ann));
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_header(&r, "Content-Type"),
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  cr_assert(!memcmp(r.body, "PK", 2), "a zip container");
  json_t *xlsx = python_read("xlsx", &r);
  th_resp_free(&r);
  rows = json_object_get(xlsx, "rows");
  cr_assert_eq(json_array_size(rows), 3, "%s", json_dumps(rows, JSON_COMPACT));
  cr_assert_str_eq(cell(rows, 1, "id"), one(a));
  cr_assert_str_eq(cell(rows, 1, "name"), tricky);
  cr_assert_str_eq(cell(rows, 1, "serial"), "=HYPERLINK(\"x\")");
  cr_assert_str_eq(cell(rows, 1, "category"), "-camera");
  cr_assert_str_eq(cell(rows, 1, "owners"), "ann Test");
  cr_assert_str_eq(cell(rows, 1, "shared_with"), "bob Test");
  cr_assert_str_eq(cell(rows, 1, "custom_fields.asset_tag"), "Ä-77");
  cr_assert_str_eq(cell(rows, 1, "custom_fields.warranty_years"), "3");
  cr_assert_str_eq(cell(rows, 2, "number"), "+31");
  cr_assert_str_eq(cell(rows, 2, "name"), "@sum");
  cr_assert_str_eq(cell(rows, 2, "owners"), "ann Test; cid Test");
  json_t *types = json_object_get(xlsx, "types");
  for (size_t i = 1; i < 3; i++)
    for (size_t k = 1; k < json_array_size(json_array_get(types, i)); k++) {
      const char *t = json_string_value(json_array_get(json_array_get(types, i), k));
      cr_assert(strcmp(t, "f"), "row %zu column %zu is a formula", i, k);
    }
  cr_assert_str_eq(json_string_value(json_array_get(json_array_get(types, 1), 0)), "n");
  json_decref(xlsx);
  /* sent as it is, even to a client that takes gzip: memory must not hold the file */
  r = th_req(&S, "GET", "/v1/items/export.csv", admin(), NULL, NULL, "Accept-Encoding: gzip");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_null(th_header(&r, "Content-Encoding"));
  cr_assert(!memcmp(r.body, "\xEF\xBB\xBF", 3));
  th_resp_free(&r);
  /* an empty list is a header row only */
  r = th_get(&S, admin(), "/v1/items/export.csv?q=nothing-matches");
  cr_assert_eq(r.status, 200, "%s", r.body);
  csv = python_read("csv", &r);
  cr_assert_eq(json_array_size(json_object_get(csv, "rows")), 1);
  json_decref(csv);
  th_resp_free(&r);
}

Test(item, CUST7_a_location_or_department_in_use_is_not_deleted) {
  world w = make_world();
  long long pc = item(&w, "PC-42", "Laptop", 0, 0);
  char p[160];
  snprintf(p, sizeof p, "/v1/organizations/%lld/locations/%lld", w.org, w.hq);
  th_resp r = th_req(&S, "DELETE", p, admin(), NULL, NULL, NULL);
  th_assert_error(&r, 409, NULL);
  cr_assert(strstr(th_jstr(r.json, "message"), "PC-42"), "%s", r.body);
  th_resp_free(&r);
  snprintf(p, sizeof p, "/v1/organizations/%lld/departments/%lld", w.org, w.eng);
  r = th_req(&S, "DELETE", p, admin(), NULL, NULL, NULL);
  th_assert_error(&r, 409, NULL);
  cr_assert(strstr(th_jstr(r.json, "message"), "item"), "%s", r.body);
  th_resp_free(&r);
  /* once the item has moved on, both go */
  r = th_json(&S, "PATCH", admin(), path("/v1/items/%lld", pc), "{s:n,s:n}", "location",
              "department");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", p, admin(), NULL, NULL, NULL);
  cr_assert_eq(r.status, 204, "%s", r.body);
  th_resp_free(&r);
  snprintf(p, sizeof p, "/v1/organizations/%lld/locations/%lld", w.org, w.hq);
  r = th_req(&S, "DELETE", p, admin(), NULL, NULL, NULL);
  cr_assert_eq(r.status, 204, "%s", r.body);
  th_resp_free(&r);
}

Test(item, CUST8_an_item_contract_covers_a_requests_time_entry) {
  world w = make_world();
  long long pc = item(&w, "PC-1", "Server", w.ann, 0);
  long long svc = th_create(&S, admin(), "/v1/services", "{s:s,s:{s:I}}", "name", "Support",
                            "provider", "id", (json_int_t)w.org);
  long long sla = th_create(&S, admin(), "/v1/slas", "{s:{s:I},s:{s:I},s:s}", "service", "id",
                            (json_int_t)svc, "customer", "id", (json_int_t)w.other_org,
                            "start_date", "2020-01-01");
  th_resp r = th_json(&S, "POST", admin(), "/v1/contracts", "{s:s,s:i,s:{s:I},s:{s:I}}", "type",
                      "hours", "hours", 10, "sla", "id", (json_int_t)sla, "item", "id",
                      (json_int_t)pc);
  cr_assert_eq(r.status, 201, "%s", r.body);
  long long k = json_integer_value(json_object_get(r.json, "id"));
  cr_assert_str_eq(th_jstr(r.json, "status"), "active");
  cr_assert_str_eq(th_jstr(r.json, "item.name"), "Server");
  th_resp_free(&r);
  /* one holder only */
  r = th_json(&S, "POST", admin(), "/v1/contracts", "{s:s,s:i,s:{s:I},s:{s:I},s:{s:I}}", "type",
              "hours", "hours", 1, "sla", "id", (json_int_t)sla, "item", "id", (json_int_t)pc,
              "customer", "id", (json_int_t)w.cid);
  th_assert_error(&r, 422, "item");
  th_resp_free(&r);
  r = th_json(&S, "POST", gt_admin(), "/v1/contracts", "{s:s,s:i,s:{s:I},s:{s:I}}", "type",
              "hours", "hours", 1, "sla", "id", (json_int_t)sla, "item", "id", (json_int_t)pc);
  th_assert_error(&r, 422, NULL);
  th_resp_free(&r);
  /* a request about the item, by a customer without a contract (nor a unit's): the item's */
  long long req = th_create(&S, admin(), "/v1/requests", "{s:s,s:{s:I},s:{s:I}}", "subject",
                            "Disk", "customer", "id", (json_int_t)w.cid, "item", "id",
                            (json_int_t)pc);
  r = th_json(&S, "POST", admin(), path("/v1/requests/%lld/time_entries", req), "{s:i}",
              "minutes", 30);
  cr_assert_eq(r.status, 201, "%s", r.body);
  cr_assert_eq(json_integer_value(th_jpath(r.json, "contract.id")), k);
  th_resp_free(&r);
  r = th_get(&S, admin(), path("/v1/contracts/%lld/usage", k));
  cr_assert_eq(json_integer_value(json_object_get(r.json, "used_minutes")), 30, "%s", r.body);
  cr_assert_eq(json_integer_value(th_jpath(r.json, "requests[0].request.id")), req);
  th_resp_free(&r);
  /* the customer's own contract comes first */
  long long own = th_create(&S, admin(), "/v1/contracts", "{s:s,s:i,s:{s:I},s:{s:I}}", "type",
                            "hours", "hours", 10, "sla", "id", (json_int_t)sla, "customer", "id",
                            (json_int_t)w.cid);
  r = th_json(&S, "POST", admin(), path("/v1/requests/%lld/time_entries", req), "{s:i}",
              "minutes", 15);
  cr_assert_eq(json_integer_value(th_jpath(r.json, "contract.id")), own, "%s", r.body);
  th_resp_free(&r);
  /* the item's owner sees the item's contract; a contract keeps its item from deletion */
  char *ann = token_of("wdc", "ann");
  cr_assert_str_eq(list_ids(ann, path("/v1/contracts?item=%lld", pc)), one(k));
  free(ann);
  r = th_req(&S, "DELETE", path("/v1/items/%lld", pc), admin(), NULL, NULL, NULL);
  th_assert_error(&r, 409, NULL);
  th_resp_free(&r);
}

Test(item, CUST7_exports_of_more_items_than_a_chunk) {
  world w = make_world();
  /* 1,201 items (more than two chunks of 500) made in SQL, every third one owned by ann */
  th_sql(&S, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1201)"
             " INSERT INTO items (id, account_id, number, name, status, custom_fields, source,"
             " version, created_at, updated_at) SELECT 900000000 + i, 'wdc', 'B-' || i,"
             " 'Bulk ' || i, 'in_use', '{}', 'manual', 1, '2026-12-01T00:00:00Z',"
             " '2026-12-01T00:00:00Z' FROM n");
  char sql[300];
  snprintf(sql, sizeof sql,
           "INSERT INTO item_people (account_id, item_id, person_id, relation) SELECT 'wdc', id,"
           " %lld, 'owner' FROM items WHERE id > 900000000 AND (id - 900000000) %% 3 = 0",
           w.ann);
  th_sql(&S, sql);
  const char *kinds[] = {"csv", "xlsx"};
  for (int k = 0; k < 2; k++) {
    th_resp r = th_get(&S, admin(), k ? "/v1/items/export.xlsx?q=bulk" : "/v1/items/export.csv?q=bulk");
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *out = python_read(kinds[k], &r);
    th_resp_free(&r);
    json_t *rows = json_object_get(out, "rows");
    cr_assert_eq(json_array_size(rows), 1202, "%s: header and 1,201 items", kinds[k]);
    for (size_t i = 1; i <= 1201; i++) {
      char number[16];
      snprintf(number, sizeof number, "B-%zu", i);
      cr_assert_str_eq(cell(rows, i, "number"), number, "%s row %zu", kinds[k], i);
      cr_assert_str_eq(cell(rows, i, "owners"), i % 3 ? "" : "ann Test", "%s row %zu", kinds[k],
                       i);
    }
    json_decref(out);
  }
}
