/* Unit tests of src/domain/org.c (ORG-1..4, issue 11): every public function with its error
 * paths, on a fresh database of the backend under test (unit.h). The rules of validate()
 * (no parent cycles, the manager a person of the account, contact details, custom fields,
 * attachments uploaded in the account), the declared writer roles, the filters of the list,
 * what a customer reads (ACC-7) and that another account's organization is not found. */
#include <criterion/criterion.h>
#include <string.h>

#include "domain/org.h"
#include "fixture.h"

static ut_db T;
static rd_err err;
static rd_caller admin;

static void setup(void) {
  ut_db_open(&T);
  ud_tenants(&T);
  admin = ud_caller("acme", RD_ROLE_ACCOUNT_ADMINISTRATOR, 0);
}
static void teardown(void) {
  ut_db_close(&T);
}
TestSuite(org, .init = setup, .fini = teardown, .timeout = 30);

/* Creates an organization from in (stolen); returns rd_org_create's result. */
static int create(const rd_caller *who, json_t *in, int64_t *id) {
  rd_err_clear(&err);
  int rv = rd_org_create(T.c, who, in, id, &err);
  json_decref(in);
  return rv;
}

/* Creates {"name": name, ref: {"id": ref_id}} as admin (ref: "parent" or "manager"). */
static int create_ref(const char *name, const char *ref, int64_t ref_id, int64_t *id) {
  return create(&admin, json_pack("{s:s,s:{s:I}}", "name", name, ref, "id", (json_int_t)ref_id),
                id);
}

static int64_t org(const rd_caller *who, const char *name) {
  int64_t id = 0;
  cr_assert_eq(create(who, json_pack("{s:s}", "name", name), &id), 0, "%s", err.message);
  return id;
}

static int update(const rd_caller *who, int64_t id, json_t *patch) {
  rd_err_clear(&err);
  int rv = rd_org_update(T.c, who, id, patch, -1, &err);
  json_decref(patch);
  return rv;
}

/* The one field error rv came with. */
static void assert_field(int rv, int code, const char *field) {
  cr_assert_eq(rv, code, "rv %d: %s", rv, err.message);
  cr_assert_eq(err.code, code);
  cr_assert_geq(err.nitems, 1, "no field item: %s", err.message);
  cr_assert_str_eq(err.items[0].field, field, "%s: %s", err.items[0].field, err.items[0].message);
}

static json_t *get(const rd_caller *who, int64_t id) {
  json_t *rec = NULL;
  rd_err_clear(&err);
  cr_assert_eq(rd_org_get(T.c, who, id, &rec, NULL, &err), 0, "%s", err.message);
  return rec;
}

static const char *str(json_t *rec, const char *key) {
  return json_string_value(json_object_get(rec, key));
}

/* rd_org_list's page for who (caller owns it); *more (may be NULL) whether more follow. */
static json_t *list(const rd_caller *who, const rd_org_filter *f, int64_t after, int limit,
                   bool *more) {
  json_t *rows = NULL;
  bool m = false;
  rd_err_clear(&err);
  cr_assert_eq(rd_org_list(T.c, who, f, after, limit, &rows, &m, &err), 0, "%s", err.message);
  if (more)
    *more = m;
  return rows;
}

Test(org, ORG1_create_and_get_with_the_defaults) {
  int64_t id = 0;
  cr_assert_eq(create(&admin, json_pack("{s:s,s:s,s:s}", "name", "Gigatera", "financial_id",
                                        "F-1", "remarks", "Line one\nline two"),
                      &id),
               0, "%s", err.message);
  cr_assert_gt(id, 0);
  int64_t version = 0;
  json_t *rec = NULL;
  rd_err_clear(&err);
  cr_assert_eq(rd_org_get(T.c, &admin, id, &rec, &version, &err), 0, "%s", err.message);
  cr_assert_gt(version, 0);
  cr_assert_str_eq(str(rec, "name"), "Gigatera");
  cr_assert_str_eq(str(rec, "financial_id"), "F-1");
  cr_assert_str_eq(str(rec, "remarks"), "Line one\nline two");
  cr_assert(json_is_false(json_object_get(rec, "disabled")));
  cr_assert(json_is_false(json_object_get(rec, "foreign")));
  cr_assert(json_is_object(json_object_get(rec, "contact")));
  cr_assert(json_is_object(json_object_get(rec, "custom_fields")));
  cr_assert(json_is_array(json_object_get(rec, "remarks_attachments")));
  json_decref(rec);
}

Test(org, ORG1_name_is_required_and_at_most_128_characters) {
  int64_t id = 0;
  assert_field(create(&admin, json_pack("{s:s}", "remarks", "no name"), &id), RD_EINVAL, "name");
  char name[RD_ORG_NAME_MAX + 2];
  memset(name, 'n', sizeof name - 1);
  name[sizeof name - 1] = 0;
  assert_field(create(&admin, json_pack("{s:s}", "name", name), &id), RD_EINVAL, "name");
  name[RD_ORG_NAME_MAX] = 0;
  cr_assert_eq(create(&admin, json_pack("{s:s}", "name", name), &id), 0, "%s", err.message);
  assert_field(create(&admin, json_pack("{s:i}", "name", 7), &id), RD_EINVAL, "name");
}

Test(org, ORG3_financial_id_is_at_most_64_characters) {
  char fin[RD_ORG_FINANCIAL_ID_MAX + 2];
  memset(fin, '7', sizeof fin - 1);
  fin[sizeof fin - 1] = 0;
  int64_t id = 0;
  assert_field(create(&admin, json_pack("{s:s,s:s}", "name", "A", "financial_id", fin), &id),
               RD_EINVAL, "financial_id");
  fin[RD_ORG_FINANCIAL_ID_MAX] = 0;
  cr_assert_eq(create(&admin, json_pack("{s:s,s:s}", "name", "A", "financial_id", fin), &id), 0,
               "%s", err.message);
}

Test(org, ORG1_the_hierarchy_has_no_cycles) {
  int64_t top = org(&admin, "Top"), dept = 0, team = 0;
  cr_assert_eq(create_ref("Dept", "parent", top, &dept), 0, "%s", err.message);
  cr_assert_eq(create_ref("Team", "parent", dept, &team), 0, "%s", err.message);
  json_t *rec = get(&admin, team);
  cr_assert_str_eq(str(json_object_get(rec, "parent"), "name"), "Dept");
  json_decref(rec);
  /* its own parent, and its grandchild as its parent */
  assert_field(update(&admin, top, json_pack("{s:{s:I}}", "parent", "id", (json_int_t)top)),
               RD_EINVAL, "parent");
  assert_field(update(&admin, top, json_pack("{s:{s:I}}", "parent", "id", (json_int_t)team)),
               RD_EINVAL, "parent");
  rec = get(&admin, top);
  cr_assert(json_is_null(json_object_get(rec, "parent")) || !json_object_get(rec, "parent"));
  json_decref(rec);
  /* moving a leaf under another branch is fine */
  int64_t other = org(&admin, "Other branch");
  cr_assert_eq(update(&admin, team, json_pack("{s:{s:I}}", "parent", "id", (json_int_t)other)),
               0, "%s", err.message);
}

Test(org, ACC4_the_parent_is_an_organization_of_the_account) {
  rd_caller them = ud_caller("other", RD_ROLE_ACCOUNT_ADMINISTRATOR, 0);
  int64_t foreign = org(&them, "Theirs"), id = 0;
  assert_field(create_ref("Mine", "parent", foreign, &id), RD_EINVAL, "parent");
}

Test(org, ORG1_the_manager_is_a_person_of_the_account) {
  rd_caller them = ud_caller("other", RD_ROLE_ACCOUNT_ADMINISTRATOR, 0);
  json_t *p = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "first_name", "Pat", "last_name", "Jones",
                        "username", "pat", "primary_email", "pat@example.com", "roles",
                        "customer");
  int64_t mine = 0, theirs = 0, id = 0;
  rd_err_clear(&err);
  cr_assert_eq(rd_person_create(T.c, &admin, p, &mine, &err), 0, "%s", err.message);
  rd_err_clear(&err);
  cr_assert_eq(rd_person_create(T.c, &them, p, &theirs, &err), 0, "%s", err.message);
  json_decref(p);
  assert_field(create_ref("A", "manager", theirs, &id), RD_EINVAL, "manager");
  cr_assert_eq(create_ref("A", "manager", mine, &id), 0, "%s", err.message);
  json_t *rec = get(&admin, id);
  cr_assert_str_eq(str(json_object_get(rec, "manager"), "name"), "Pat Jones");
  json_decref(rec);
}

Test(org, ORG1_contact_details_are_checked) {
  int64_t id = 0;
  int rv = create(&admin, json_pack("{s:s,s:{s:[{s:i}]}}", "name", "A", "contact", "addresses",
                                    "city", 5),
                  &id);
  cr_assert_eq(rv, RD_EINVAL, "%s", err.message);
  cr_assert_geq(err.nitems, 1);
  cr_assert(!strncmp(err.items[0].field, "contact", 7), "%s", err.items[0].field);
  cr_assert_eq(create(&admin, json_pack("{s:s,s:{s:[{s:s,s:s}]}}", "name", "A", "contact",
                                        "telephones", "label", "Desk", "number",
                                        "+41 44 000 00 00"),
                      &id),
               0, "%s", err.message);
}

Test(org, ORG2_unknown_custom_fields_are_refused) {
  int64_t id = 0;
  assert_field(create(&admin, json_pack("{s:s,s:{s:s}}", "name", "A", "custom_fields", "nope",
                                        "x"),
                      &id),
               RD_EINVAL, "custom_fields.nope");
}

static void attachment(const char *account, const char *key) {
  rd_err_clear(&err);
  cr_assert_eq(rd_sql_exec(T.c, NULL, &err,
                           "INSERT INTO attachments (key, account_id, filename, size, content_type,"
                           " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                           "ttti" "tt", key, account, "plan.pdf", (int64_t)1234,
                           "application/pdf", "2026-01-01T00:00:00Z"),
               0, "%s", err.message);
}

Test(org, ORG1_remarks_attachments_are_uploads_of_the_account) {
  attachment("acme", "k-mine");
  attachment("other", "k-theirs");
  /* not an array, too many, not an object, unknown, another account's */
  json_t *list = json_object();
  rd_err_clear(&err);
  assert_field(rd_org_check_attachments(T.c, "acme", list, &err), RD_EINVAL,
               "remarks_attachments");
  json_decref(list);
  list = json_array();
  for (int i = 0; i < 51; i++)
    json_array_append_new(list, json_pack("{s:s}", "key", "k-mine"));
  rd_err_clear(&err);
  assert_field(rd_org_check_attachments(T.c, "acme", list, &err), RD_EINVAL,
               "remarks_attachments");
  json_decref(list);
  list = json_pack("[s,{s:s},{s:s}]", "k-mine", "key", "k-none", "key", "k-theirs");
  rd_err_clear(&err);
  cr_assert_eq(rd_org_check_attachments(T.c, "acme", list, &err), RD_EINVAL);
  cr_assert_eq(err.nitems, 3);
  cr_assert_str_eq(err.items[0].field, "remarks_attachments[0]");
  cr_assert_str_eq(err.items[1].field, "remarks_attachments[1]");
  cr_assert_str_eq(err.items[2].field, "remarks_attachments[2]");
  json_decref(list);
  /* the upload's details are filled in, whatever the client said */
  list = json_pack("[{s:s,s:s,s:i}]", "key", "k-mine", "filename", "evil.exe", "size", 1);
  rd_err_clear(&err);
  cr_assert_eq(rd_org_check_attachments(T.c, "acme", list, &err), 0, "%s", err.message);
  json_t *a = json_array_get(list, 0);
  cr_assert_str_eq(str(a, "filename"), "plan.pdf");
  cr_assert_eq(json_integer_value(json_object_get(a, "size")), 1234);
  cr_assert_str_eq(str(a, "content_type"), "application/pdf");
  json_decref(list);
  /* and through create */
  int64_t id = 0;
  assert_field(create(&admin, json_pack("{s:s,s:[{s:s}]}", "name", "A", "remarks_attachments",
                                        "key", "k-theirs"),
                      &id),
               RD_EINVAL, "remarks_attachments[0]");
  cr_assert_eq(create(&admin, json_pack("{s:s,s:[{s:s}]}", "name", "A", "remarks_attachments",
                                        "key", "k-mine"),
                      &id),
               0, "%s", err.message);
}

Test(org, ORG4_only_supervisors_service_level_managers_and_administrators_write) {
  static const unsigned DENIED[] = {RD_ROLE_TECHNICIAN, RD_ROLE_PARTNER, RD_ROLE_CUSTOMER};
  int64_t id = org(&admin, "Desk");
  for (size_t i = 0; i < sizeof DENIED / sizeof *DENIED; i++) {
    rd_caller who = ud_caller("acme", DENIED[i], 0);
    int64_t nid = 0;
    cr_assert_eq(create(&who, json_pack("{s:s}", "name", "No"), &nid), RD_EFORBIDDEN,
                 "roles %u", DENIED[i]);
    cr_assert_eq(err.status, 403);
    cr_assert_eq(update(&who, id, json_pack("{s:s}", "name", "No")), RD_EFORBIDDEN);
  }
  static const unsigned WRITERS[] = {RD_ROLE_SUPERVISOR, RD_ROLE_SERVICE_LEVEL_MANAGER,
                                     RD_ROLE_ACCOUNT_ADMINISTRATOR};
  for (size_t i = 0; i < sizeof WRITERS / sizeof *WRITERS; i++) {
    rd_caller who = ud_caller("acme", WRITERS[i], 0);
    org(&who, "Yes");
    cr_assert_eq(update(&who, id, json_pack("{s:b}", "disabled", 1)), 0, "%s", err.message);
  }
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM organizations WHERE name = 'No'"), 0);
}

Test(org, ORG4_update_changes_disables_and_checks_the_version) {
  int64_t id = org(&admin, "Before");
  cr_assert_eq(update(&admin, id, json_pack("{s:s,s:b}", "name", "After", "disabled", 1)), 0,
               "%s", err.message);
  json_t *rec = NULL;
  int64_t version = 0;
  rd_err_clear(&err);
  cr_assert_eq(rd_org_get(T.c, &admin, id, &rec, &version, &err), 0, "%s", err.message);
  cr_assert_str_eq(str(rec, "name"), "After");
  cr_assert(json_is_true(json_object_get(rec, "disabled")));
  json_decref(rec);
  /* a stale If-Match */
  json_t *patch = json_pack("{s:b}", "disabled", 0);
  rd_err_clear(&err);
  cr_assert_eq(rd_org_update(T.c, &admin, id, patch, version - 1, &err), RD_EPRECOND, "%s",
               err.message);
  rd_err_clear(&err);
  cr_assert_eq(rd_org_update(T.c, &admin, id, patch, version, &err), 0, "%s", err.message);
  json_decref(patch);
  /* bad input */
  assert_field(update(&admin, id, json_pack("{s:s}", "name", "")), RD_EINVAL, "name");
  cr_assert_eq(update(&admin, id, json_pack("{s:s}", "source", "ldap")), RD_EINVAL);
}

Test(org, ACC4_another_accounts_organization_is_not_found) {
  rd_caller them = ud_caller("other", RD_ROLE_ACCOUNT_ADMINISTRATOR, 0);
  int64_t theirs = org(&them, "Theirs");
  json_t *rec = NULL;
  rd_err_clear(&err);
  cr_assert_eq(rd_org_get(T.c, &admin, theirs, &rec, NULL, &err), RD_ENOTFOUND);
  cr_assert_eq(err.status, 404);
  cr_assert_null(rec);
  cr_assert_eq(update(&admin, theirs, json_pack("{s:s}", "name", "Mine now")), RD_ENOTFOUND);
  rec = get(&them, theirs);
  cr_assert_str_eq(str(rec, "name"), "Theirs");
  json_decref(rec);
  /* and never listed */
  bool more = true;
  rd_org_filter f = {.disabled = -1};
  json_t *rows = list(&admin, &f, 0, 50, &more);
  cr_assert_eq(json_array_size(rows), 0);
  cr_assert_not(more);
  json_decref(rows);
  rd_err_clear(&err);
  cr_assert_eq(rd_org_get(T.c, &admin, 999999, &rec, NULL, &err), RD_ENOTFOUND);
}

Test(org, ACC7_customers_read_only_name_picture_and_contact) {
  int64_t id = 0;
  cr_assert_eq(create(&admin, json_pack("{s:s,s:s,s:s,s:{s:[{s:s,s:s}]}}", "name", "Acme HQ",
                                        "financial_id", "F-9", "remarks", "secret",
                                        "contact", "telephones", "label", "Desk", "number",
                                        "+41 44 000 00 00"),
                      &id),
               0, "%s", err.message);
  static const unsigned READERS[] = {RD_ROLE_CUSTOMER, RD_ROLE_PARTNER};
  for (size_t i = 0; i < sizeof READERS / sizeof *READERS; i++) {
    rd_caller who = ud_caller("acme", READERS[i], 0);
    json_t *rec = get(&who, id);
    cr_assert_str_eq(str(rec, "name"), "Acme HQ");
    cr_assert(json_is_object(json_object_get(rec, "contact")));
    cr_assert_null(json_object_get(rec, "financial_id"), "roles %u", READERS[i]);
    cr_assert_null(json_object_get(rec, "remarks"));
    cr_assert_null(json_object_get(rec, "custom_fields"));
    cr_assert_null(json_object_get(rec, "remarks_attachments"));
    json_decref(rec);
    rd_org_filter f = {.disabled = -1};
    json_t *rows = list(&who, &f, 0, 10, NULL);
    cr_assert_eq(json_array_size(rows), 1);
    cr_assert_null(json_object_get(json_array_get(rows, 0), "financial_id"));
    cr_assert_null(json_object_get(json_array_get(rows, 0), "remarks"));
    json_decref(rows);
  }
  /* staff read it all */
  rd_caller tech = ud_caller("acme", RD_ROLE_TECHNICIAN, 0);
  json_t *rec = get(&tech, id);
  cr_assert_str_eq(str(rec, "financial_id"), "F-9");
  cr_assert_str_eq(str(rec, "remarks"), "secret");
  json_decref(rec);
}

/* The names rd_org_list returns for f, comma-separated, in order. */
static const char *names(const rd_org_filter *f, int64_t after, int limit, bool *more) {
  static char out[512];
  json_t *rows = list(&admin, f, after, limit, more);
  size_t i, n = 0;
  json_t *rec;
  out[0] = 0;
  json_array_foreach(rows, i, rec) {
    n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", i ? "," : "", str(rec, "name"));
  }
  json_decref(rows);
  return out;
}

Test(org, ORG4_ORG3_list_filters_and_pages) {
  int64_t top = org(&admin, "Top");
  int64_t id = 0, sales = 0;
  cr_assert_eq(create(&admin, json_pack("{s:s,s:{s:I},s:s}", "name", "Sales 100%", "parent", "id",
                                        (json_int_t)top, "financial_id", "F-1"),
                      &sales),
               0, "%s", err.message);
  cr_assert_eq(create(&admin, json_pack("{s:s,s:b,s:s}", "name", "Sales Old", "disabled", 1,
                                        "financial_id", "f-1"),
                      &id),
               0, "%s", err.message);
  rd_org_filter f = {.disabled = -1};
  cr_assert_str_eq(names(&f, 0, 10, NULL), "Top,Sales 100%,Sales Old");
  /* name: exact, case-insensitive */
  f = (rd_org_filter){.disabled = -1, .name = "sales old"};
  cr_assert_str_eq(names(&f, 0, 10, NULL), "Sales Old");
  f = (rd_org_filter){.disabled = -1, .name = "Sales"};
  cr_assert_str_eq(names(&f, 0, 10, NULL), "");
  /* q: a substring, with % and _ taken literally */
  f = (rd_org_filter){.disabled = -1, .q = "SALES"};
  cr_assert_str_eq(names(&f, 0, 10, NULL), "Sales 100%,Sales Old");
  f = (rd_org_filter){.disabled = -1, .q = "0%"};
  cr_assert_str_eq(names(&f, 0, 10, NULL), "Sales 100%");
  f = (rd_org_filter){.disabled = -1, .q = "_"};
  cr_assert_str_eq(names(&f, 0, 10, NULL), "");
  /* disabled, parent */
  f = (rd_org_filter){.disabled = 1};
  cr_assert_str_eq(names(&f, 0, 10, NULL), "Sales Old");
  f = (rd_org_filter){.disabled = 0};
  cr_assert_str_eq(names(&f, 0, 10, NULL), "Top,Sales 100%");
  f = (rd_org_filter){.disabled = -1, .parent = top};
  cr_assert_str_eq(names(&f, 0, 10, NULL), "Sales 100%");
  /* ORG-3: financial ID exactly */
  f = (rd_org_filter){.disabled = -1, .financial_id = "F-1"};
  cr_assert_str_eq(names(&f, 0, 10, NULL), "Sales 100%");
  f = (rd_org_filter){.disabled = -1, .financial_id = "F-"};
  cr_assert_str_eq(names(&f, 0, 10, NULL), "");
  /* pages */
  bool more = false;
  f = (rd_org_filter){.disabled = -1};
  cr_assert_str_eq(names(&f, 0, 2, &more), "Top,Sales 100%");
  cr_assert(more);
  cr_assert_str_eq(names(&f, sales, 2, &more), "Sales Old");
  cr_assert_not(more);
}

Test(org, ORG4_first_id_is_the_oldest_organization_or_404) {
  int64_t id = 0;
  rd_err_clear(&err);
  cr_assert_eq(rd_org_first_id(T.c, "acme", &id, &err), RD_ENOTFOUND);
  cr_assert_eq(err.status, 404);
  cr_assert_eq(id, 0, "written on failure");
  int64_t first = org(&admin, "First");
  org(&admin, "Second");
  rd_caller them = ud_caller("other", RD_ROLE_ACCOUNT_ADMINISTRATOR, 0);
  org(&them, "Theirs");
  rd_err_clear(&err);
  cr_assert_eq(rd_org_first_id(T.c, "acme", &id, &err), 0, "%s", err.message);
  cr_assert_eq(id, first);
}
