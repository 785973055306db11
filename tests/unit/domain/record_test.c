/* Unit tests of src/domain/record.c, the field-table engine every resource uses: input
 * checks (REL-1), RFC 7386 merge patch, and reading and writing rows with optimistic
 * versions (412) and the audit row written in the same transaction (ACC-6, REL-2), against
 * a fresh database of the backend under test (unit.h). A test-only resource ("widget",
 * table widgets, portable SQL) covers every field type and flag; the organization type
 * covers a resource with its own rules. */
#include <criterion/criterion.h>
#include <string.h>

#include "auth/auth.h"
#include "base/mem.h"
#include "base/time.h"
#include "domain/account.h"
#include "domain/custom_field.h"
#include "domain/org.h"
#include "domain/person.h"
#include "domain/record.h"
#include "unit/unit.h"

/* ---- the test resource ---- */

enum { MODE_OK, MODE_FAIL_VALIDATE, MODE_FAIL_AFTER_WRITE };
static int mode;
static int after_writes;

static int w_validate(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                      json_t *old, json_t *rec, rd_err *err) {
  (void)c, (void)who, (void)t, (void)id, (void)old, (void)rec;
  if (mode == MODE_FAIL_VALIDATE)
    return rd_err_field(err, "label", "refused by the resource's rule");
  return 0;
}

static int w_after_write(rd_conn *c, const rd_caller *who, int64_t id, json_t *old, json_t *rec,
                         rd_err *err) {
  (void)c, (void)who, (void)id, (void)old, (void)rec;
  after_writes++;
  if (mode == MODE_FAIL_AFTER_WRITE)
    return rd_err_set(err, RD_ECONFLICT, "side table refused the write");
  return 0;
}

static int w_decorate(rd_conn *c, json_t *rec, rd_err *err) {
  (void)c, (void)err;
  json_object_set_new(rec, "shown", json_string("computed"));
  return 0;
}

static const rd_field W_FIELDS[] = {
    {.name = "label", .column = "label", .type = RD_FT_TEXT, .flags = RD_FF_REQUIRED, .max_len = 5},
    {.name = "note", .column = "note", .type = RD_FT_TEXT},
    {.name = "active", .column = "active", .type = RD_FT_BOOL, .flags = RD_FF_NOTNULL, .def = "true"},
    {.name = "count", .column = "count", .type = RD_FT_INT},
    {.name = "org", .column = "org_id", .type = RD_FT_REF, .ref_table = "organizations", .ref_name_sql = "r.name"},
    {.name = "born", .column = "born", .type = RD_FT_DATE},
    {.name = "seen_at", .column = "seen_at", .type = RD_FT_TIME},
    {.name = "data", .column = "data", .type = RD_FT_JSON, .def = "{}"},
    {.name = "roles", .column = "roles", .type = RD_FT_ROLES, .def = "[\"customer\"]"},
    {.name = "source", .column = "source", .type = RD_FT_TEXT, .flags = RD_FF_READONLY, .def = "\"manual\""},
    {.name = "secret", .type = RD_FT_TEXT, .flags = RD_FF_WRITEONLY, .max_len = 64},
    {.name = "shown", .type = RD_FT_TEXT, .flags = RD_FF_READONLY},
};

static const rd_rtype W = {
    .name = "widget",
    .table = "widgets",
    .fields = W_FIELDS,
    .nfields = sizeof W_FIELDS / sizeof *W_FIELDS,
    .validate = w_validate,
    .after_write = w_after_write,
    .decorate = w_decorate,
};

static const char W_TABLE[] =
    "CREATE TABLE widgets (id BIGINT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts (id),"
    " label TEXT NOT NULL, note TEXT, active BOOLEAN NOT NULL DEFAULT TRUE, count BIGINT,"
    " org_id BIGINT REFERENCES organizations (id), born TEXT, seen_at TEXT,"
    " data TEXT NOT NULL DEFAULT '{}', roles INTEGER NOT NULL DEFAULT 0, source TEXT,"
    " version BIGINT NOT NULL DEFAULT 1, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)";

/* ---- fixture ---- */

static ut_db T;
static rd_err err;
static rd_caller who, other_who;

static void setup(void) {
  ut_db_open(&T);
  cr_assert_eq(rd_auth_init(), 0);
  rd_err_clear(&err);
  mode = MODE_OK;
  after_writes = 0;
  cr_assert_eq(rd_sql_exec(T.c, NULL, &err, W_TABLE, ""), 0, "%s", err.message);
  cr_assert_eq(rd_account_create(T.c, "acme", "Acme", &err), 0, "%s", err.message);
  cr_assert_eq(rd_account_create(T.c, "other", "Other Inc", &err), 0, "%s", err.message);
  who = rd_system_caller("acme");
  other_who = rd_system_caller("other");
}
static void teardown(void) {
  ut_db_close(&T);
}

static json_t *parse(const char *text) {
  json_error_t je;
  json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
  cr_assert_not_null(j, "%s: %s", text, je.text);
  return j;
}

static bool has_item(const rd_err *e, const char *field, const char *msg_part) {
  for (int i = 0; i < e->nitems; i++)
    if (!strcmp(e->items[i].field, field) && strstr(e->items[i].message, msg_part))
      return true;
  return false;
}

static const char *items(const rd_err *e) {
  static char out[4096];
  size_t len = 0;
  out[0] = '\0';
  for (int i = 0; i < e->nitems && len < sizeof out; i++)
    len += (size_t)snprintf(out + len, sizeof out - len, "[%s: %s] ", e->items[i].field,
                            e->items[i].message);
  return out;
}

/* rd_rec_check of text on W; returns the code, leaves details in err. */
static int check(const char *text, bool create) {
  rd_err_clear(&err);
  json_t *in = parse(text);
  int rv = rd_rec_check(&W, in, create, NULL, &err);
  json_decref(in);
  return rv;
}

static void check_fails(const char *text, bool create, const char *field, const char *msg) {
  cr_assert_eq(check(text, create), RD_EINVAL, "%s should fail", text);
  cr_assert_eq(err.status, 422);
  cr_assert(has_item(&err, field, msg), "%s: want [%s: %s], got %s", text, field, msg,
            items(&err));
}

/* ---- rd_rec_check (REL-1) ---- */

TestSuite(record_check, .init = setup, .fini = teardown, .timeout = 30);

Test(record_check, accepts_a_good_record) {
  cr_assert_eq(check("{\"label\": \"abc\", \"note\": null, \"active\": false, \"count\": -3,"
                     " \"org\": {\"id\": 5, \"name\": \"ignored\"}, \"born\": \"2024-02-29\","
                     " \"seen_at\": \"2026-11-23T10:00:00+01:00\", \"data\": [1, {\"x\": null}],"
                     " \"roles\": [\"supervisor\", \"customer\"], \"secret\": \"s3cret\"}",
                     true),
               0, "%s", items(&err));
  cr_assert_eq(err.nitems, 0);
}

Test(record_check, unknown_field) {
  check_fails("{\"label\": \"a\", \"bogus\": 1}", true, "bogus", "unknown field");
  check_fails("{\"Label\": \"a\"}", false, "Label", "unknown field"); /* names are exact */
  check_fails("{\"id\": 4}", false, "id", "unknown field");
  cr_assert_eq(err.nitems, 1);
}

Test(record_check, read_only_fields) {
  check_fails("{\"label\": \"a\", \"source\": \"import\"}", true, "source", "read-only");
  check_fails("{\"shown\": \"x\"}", false, "shown", "read-only");
  check_fails("{\"source\": null}", false, "source", "read-only");
}

Test(record_check, types) {
  check_fails("{\"label\": 5}", false, "label", "must be a string");
  check_fails("{\"label\": [\"a\"]}", false, "label", "must be a string");
  check_fails("{\"active\": \"true\"}", false, "active", "must be a boolean");
  check_fails("{\"active\": 1}", false, "active", "must be a boolean");
  check_fails("{\"count\": 1.5}", false, "count", "must be an integer");
  check_fails("{\"count\": \"1\"}", false, "count", "must be an integer");
  check_fails("{\"count\": true}", false, "count", "must be an integer");
  check_fails("{\"org\": 5}", false, "org", "positive integer id");
  check_fails("{\"org\": {\"id\": 0}}", false, "org", "positive integer id");
  check_fails("{\"org\": {\"id\": -1}}", false, "org", "positive integer id");
  check_fails("{\"org\": {\"id\": \"5\"}}", false, "org", "positive integer id");
  check_fails("{\"org\": {\"name\": \"Acme\"}}", false, "org", "positive integer id");
  check_fails("{\"org\": {\"id\": 5, \"extra\": 1}}", false, "org.extra", "unknown field");
  check_fails("{\"born\": \"2023-02-29\"}", false, "born", "date");
  check_fails("{\"born\": \"29-02-2024\"}", false, "born", "date");
  check_fails("{\"born\": 20240229}", false, "born", "date");
  check_fails("{\"seen_at\": \"yesterday\"}", false, "seen_at", "RFC 3339");
  check_fails("{\"seen_at\": \"2026-11-23T10:00:00\"}", false, "seen_at", "RFC 3339");
  check_fails("{\"data\": \"{}\"}", false, "data", "object or an array");
  check_fails("{\"data\": 3}", false, "data", "object or an array");
  check_fails("{\"roles\": []}", false, "roles", "non-empty array");
  check_fails("{\"roles\": \"supervisor\"}", false, "roles", "non-empty array");
  check_fails("{\"roles\": [\"supervisor\", \"wizard\"]}", false, "roles[1]", "unknown role");
  check_fails("{\"roles\": [7]}", false, "roles[0]", "unknown role");
  check_fails("{\"secret\": false}", false, "secret", "must be a string");
}

Test(record_check, null_handling) {
  check_fails("{\"active\": null}", false, "active", "must not be null");
  check_fails("{\"label\": null}", false, "label", "must not be null");
  cr_assert_eq(check("{\"note\": null, \"count\": null, \"org\": null, \"born\": null}", false),
               0, "%s", items(&err));
}

Test(record_check, max_length_counts_code_points_not_bytes) {
  cr_assert_eq(check("{\"label\": \"abcde\"}", false), 0);
  check_fails("{\"label\": \"abcdef\"}", false, "label", "longer than 5");
  /* five two-byte characters: 10 bytes, 5 code points */
  cr_assert_eq(check("{\"label\": \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}", false), 0,
               "%s", items(&err));
  cr_assert_eq(check("{\"label\": \"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"}", false), 0);
  /* five four-byte characters (escaped as surrogate pairs in JSON): 20 bytes */
  cr_assert_eq(check("{\"label\": \"\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00"
                     "\\ud83d\\ude00\"}",
                     false),
               0, "%s", items(&err));
  check_fails("{\"label\": \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}", false, "label",
              "longer than 5");
}

Test(record_check, max_length_of_real_types) {
  /* ORG-1: organization names up to RD_ORG_NAME_MAX characters, however many bytes */
  char name[RD_ORG_NAME_MAX * 3 + 8];
  size_t n = 0;
  for (int i = 0; i < RD_ORG_NAME_MAX; i++, n += 3)
    memcpy(name + n, "\xe2\x82\xac", 3); /* U+20AC, three bytes */
  name[n] = '\0';
  json_t *in = json_pack("{s:s}", "name", name);
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_check(&rd_org_type, in, true, NULL, &err), 0, "%s", items(&err));
  json_decref(in);
  memcpy(name + n, "x", 2);
  in = json_pack("{s:s}", "name", name);
  cr_assert_eq(rd_rec_check(&rd_org_type, in, true, NULL, &err), RD_EINVAL);
  cr_assert(has_item(&err, "name", "longer than 128"));
  json_decref(in);
  /* the default for text without a max_len */
  char *big = rd_malloc(RD_TEXT_MAX + 2);
  memset(big, 'n', RD_TEXT_MAX + 1);
  big[RD_TEXT_MAX + 1] = '\0';
  in = json_pack("{s:s}", "note", big);
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_check(&W, in, false, NULL, &err), RD_EINVAL);
  cr_assert(has_item(&err, "note", "longer than 65536"));
  json_decref(in);
  big[RD_TEXT_MAX] = '\0';
  in = json_pack("{s:s}", "note", big);
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_check(&W, in, false, NULL, &err), 0);
  json_decref(in);
  rd_free(big);
}

Test(record_check, nul_inside_a_string) {
  json_t *in = json_pack("{s:s%}", "label", "a\0b", (size_t)3);
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_check(&W, in, false, NULL, &err), RD_EINVAL);
  cr_assert(has_item(&err, "label", "NUL"));
  json_decref(in);
}

Test(record_check, required_on_create_only) {
  check_fails("{}", true, "label", "is required");
  check_fails("{\"note\": \"x\"}", true, "label", "is required");
  cr_assert_eq(check("{}", false), 0, "an empty patch is fine");
  cr_assert_eq(check("{\"note\": \"x\"}", false), 0);
  check_fails("{\"label\": \"   \"}", true, "label", "blank");
  check_fails("{\"label\": \" \\t\\n\"}", false, "label", "blank");
}

Test(record_check, collects_every_problem_at_once) {
  cr_assert_eq(check("{\"bogus\": 1, \"source\": \"x\", \"active\": 0, \"born\": \"x\"}", true),
               RD_EINVAL);
  cr_assert_eq(err.nitems, 5, "%s", items(&err));
  cr_assert(has_item(&err, "bogus", "unknown"));
  cr_assert(has_item(&err, "source", "read-only"));
  cr_assert(has_item(&err, "active", "boolean"));
  cr_assert(has_item(&err, "born", "date"));
  cr_assert(has_item(&err, "label", "required"));
}

Test(record_check, allowed_list_restricts_fields) {
  static const char *const allowed[] = {"note", "label", NULL};
  json_t *in = parse("{\"note\": \"x\", \"count\": 1}");
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_check(&W, in, false, allowed, &err), RD_EINVAL);
  cr_assert(has_item(&err, "count", "cannot be changed here"));
  cr_assert_eq(err.nitems, 1);
  json_decref(in);
}

Test(record_check, body_must_be_an_object) {
  const char *bad[] = {"[]", "[{\"label\": \"a\"}]", "\"label\"", "3", "null", "true"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    json_t *in = json_loads(bad[i], JSON_DECODE_ANY, NULL);
    cr_assert_not_null(in);
    rd_err_clear(&err);
    cr_assert_eq(rd_rec_check(&W, in, true, NULL, &err), RD_EINVAL, "%s", bad[i]);
    cr_assert_eq(err.status, 422);
    cr_assert(strstr(err.message, "JSON object"));
    json_decref(in);
  }
}

Test(record_check, organization_and_person_tables) {
  rd_err_clear(&err);
  json_t *org = parse("{\"name\": \"Acme\", \"foreign\": true, \"source\": \"ldap\","
                      " \"parent\": {\"id\": 1}, \"disabled\": null}");
  cr_assert_eq(rd_rec_check(&rd_org_type, org, true, NULL, &err), RD_EINVAL);
  cr_assert(has_item(&err, "foreign", "unknown field"), "%s", items(&err));
  cr_assert(has_item(&err, "source", "read-only"));
  cr_assert(has_item(&err, "disabled", "must not be null"));
  cr_assert_eq(err.nitems, 3, "%s", items(&err));
  json_decref(org);

  rd_err_clear(&err);
  json_t *person = parse("{\"first_name\": \"Ada\"}");
  cr_assert_eq(rd_rec_check(&rd_person_type, person, true, NULL, &err), RD_EINVAL);
  const char *required[] = {"last_name", "username", "primary_email", "roles"};
  for (size_t i = 0; i < 4; i++)
    cr_assert(has_item(&err, required[i], "is required"), "%s: %s", required[i], items(&err));
  json_decref(person);
}

/* ---- rd_json_merge_patch (RFC 7386) ---- */

static void merges(const char *target, const char *patch, const char *want) {
  json_t *t = parse(target), *p = parse(patch), *w = parse(want);
  char *before = json_dumps(p, JSON_SORT_KEYS);
  rd_json_merge_patch(t, p);
  char *got = json_dumps(t, JSON_SORT_KEYS), *after = json_dumps(p, JSON_SORT_KEYS);
  cr_assert(json_equal(t, w), "%s + %s: got %s, want %s", target, patch, got, want);
  cr_assert_str_eq(before, after, "the patch is not modified");
  free(before);
  free(after);
  free(got);
  json_decref(t);
  json_decref(p);
  json_decref(w);
}

Test(merge_patch, rfc7386_appendix_a) {
  /* The examples of RFC 7386 Appendix A whose target and patch are objects (rd's merge
   * patch works in place on a record object, so a non-object at the top is not a case). */
  merges("{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
  merges("{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}");
  merges("{\"a\":\"b\"}", "{\"a\":null}", "{}");
  merges("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}");
  merges("{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
  merges("{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}");
  merges("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}");
  merges("{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}");
  merges("{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}");
  merges("{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}");
  /* the non-object rows, one level down */
  merges("{\"x\":[\"a\",\"b\"]}", "{\"x\":[\"c\",\"d\"]}", "{\"x\":[\"c\",\"d\"]}");
  merges("{\"x\":{\"a\":\"b\"}}", "{\"x\":[\"c\"]}", "{\"x\":[\"c\"]}");
  merges("{\"x\":{\"a\":\"foo\"}}", "{\"x\":null}", "{}");
  merges("{\"x\":{\"a\":\"foo\"}}", "{\"x\":\"bar\"}", "{\"x\":\"bar\"}");
  merges("{\"x\":[1,2]}", "{\"x\":{\"a\":\"b\",\"c\":null}}", "{\"x\":{\"a\":\"b\"}}");
}

Test(merge_patch, rfc7386_section_3_example) {
  merges("{\"title\":\"Goodbye!\",\"author\":{\"givenName\":\"John\",\"familyName\":\"Doe\"},"
         "\"tags\":[\"example\",\"sample\"],\"content\":\"This will be unchanged\"}",
         "{\"title\":\"Hello!\",\"phoneNumber\":\"+01-555-1234\",\"author\":{\"familyName\":null},"
         "\"tags\":[\"example\"]}",
         "{\"title\":\"Hello!\",\"author\":{\"givenName\":\"John\"},\"tags\":[\"example\"],"
         "\"content\":\"This will be unchanged\",\"phoneNumber\":\"+01-555-1234\"}");
}

Test(merge_patch, empty_patch_changes_nothing) {
  merges("{\"a\":1,\"b\":{\"c\":[1]}}", "{}", "{\"a\":1,\"b\":{\"c\":[1]}}");
}

Test(merge_patch, result_does_not_share_values_with_the_patch) {
  /* Resources normalize the merged record in place (attachments, send_to...); that must
   * not reach back into the request's patch. */
  json_t *t = parse("{}"), *p = parse("{\"list\":[{\"key\":\"k\"}],\"obj\":{\"x\":1}}");
  rd_json_merge_patch(t, p);
  json_object_set_new(json_array_get(json_object_get(t, "list"), 0), "filename",
                      json_string("a.png"));
  json_array_append_new(json_object_get(t, "list"), json_integer(2));
  json_object_set_new(json_object_get(t, "obj"), "y", json_integer(2));
  json_t *want = parse("{\"list\":[{\"key\":\"k\"}],\"obj\":{\"x\":1}}");
  char *got = json_dumps(p, JSON_SORT_KEYS);
  cr_assert(json_equal(p, want), "patch became %s", got);
  free(got);
  json_decref(t);
  json_decref(p);
  json_decref(want);
}

/* ---- create, get, update against the database ---- */

TestSuite(record_db, .init = setup, .fini = teardown, .timeout = 30);

typedef struct op {
  const rd_caller *who;
  json_t *in;
  int64_t id, if_match;
} op;

static int do_create(rd_conn *c, void *arg, rd_err *e) {
  op *o = arg;
  return rd_rec_create(c, o->who, &W, o->in, &o->id, e);
}

static int do_update(rd_conn *c, void *arg, rd_err *e) {
  op *o = arg;
  return rd_rec_update(c, o->who, &W, o->id, o->in, o->if_match, e);
}

static int create_w(const rd_caller *as, const char *text, int64_t *id) {
  json_t *in = parse(text);
  op o = {as, in, 0, -1};
  rd_err_clear(&err);
  int rv = rd_with_tx(T.c, &err, do_create, &o);
  json_decref(in);
  if (!rv)
    *id = o.id;
  return rv;
}

static int update_w(const rd_caller *as, int64_t id, const char *patch, int64_t if_match) {
  json_t *in = parse(patch);
  op o = {as, in, id, if_match};
  rd_err_clear(&err);
  int rv = rd_with_tx(T.c, &err, do_update, &o);
  json_decref(in);
  return rv;
}

static json_t *get_w(int64_t id, int64_t *version) {
  json_t *rec = NULL;
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_get(T.c, &W, "acme", id, &rec, version, &err), 0, "%s", err.message);
  return rec;
}

static int64_t count(const char *sql) {
  return ut_int(T.c, sql);
}

static int64_t make_org(const rd_caller *as, const char *name) {
  json_t *in = json_pack("{s:s}", "name", name);
  int64_t id = 0;
  rd_err_clear(&err);
  cr_assert_eq(rd_org_create(T.c, as, in, &id, &err), 0, "%s %s", err.message, items(&err));
  json_decref(in);
  return id;
}

Test(record_db, create_then_get_round_trips) {
  int64_t org = make_org(&who, "Parent Org");
  char text[512];
  snprintf(text, sizeof text,
           "{\"label\": \"abc\", \"note\": \"caf\xc3\xa9\", \"count\": 9007199254740993,"
           " \"org\": {\"id\": %lld}, \"born\": \"2024-02-29\","
           " \"seen_at\": \"2026-11-23T09:00:00Z\", \"data\": {\"x\": [1, null]},"
           " \"roles\": [\"supervisor\", \"customer\"], \"secret\": \"hunter22\"}",
           (long long)org);
  int64_t id = 0;
  cr_assert_eq(create_w(&who, text, &id), 0, "%s %s", err.message, items(&err));
  cr_assert_gt(id, org);
  cr_assert_eq(after_writes, 1);

  int64_t version = 0;
  json_t *rec = get_w(id, &version);
  cr_assert_eq(version, 1);
  char *dump = json_dumps(rec, JSON_SORT_KEYS);
  json_t *want = json_pack(
      "{s:I,s:{s:s,s:s},s:s,s:s,s:b,s:I,s:{s:I,s:s},s:s,s:s,s:{s:[i,n]},s:[s,s],s:s,s:s}", "id",
      (json_int_t)id, "account", "id", "acme", "name", "Acme", "label", "abc", "note",
      "caf\xc3\xa9", "active", 1, "count", (json_int_t)9007199254740993LL, "org", "id",
      (json_int_t)org, "name", "Parent Org", "born", "2024-02-29", "seen_at",
      "2026-11-23T09:00:00Z", "data", "x", 1, "roles", "supervisor", "customer", "source",
      "manual", "shown", "computed");
  const char *k;
  json_t *v;
  json_object_foreach(want, k, v)
    cr_assert(json_equal(json_object_get(rec, k), v), "field %s in %s", k, dump);
  cr_assert_null(json_object_get(rec, "secret"), "write-only fields are never read back");
  char t[RD_TIME_LEN];
  cr_assert(rd_time_parse(json_string_value(json_object_get(rec, "created_at")), t));
  cr_assert_str_eq(json_string_value(json_object_get(rec, "created_at")),
                   json_string_value(json_object_get(rec, "updated_at")));
  free(dump);
  json_decref(want);
  json_decref(rec);
}

Test(record_db, defaults_apply_on_create) {
  int64_t id = 0;
  cr_assert_eq(create_w(&who, "{\"label\": \"d\"}", &id), 0, "%s", items(&err));
  json_t *rec = get_w(id, NULL);
  cr_assert(json_is_true(json_object_get(rec, "active")));
  cr_assert(json_is_object(json_object_get(rec, "data")));
  cr_assert_eq(json_object_size(json_object_get(rec, "data")), 0);
  cr_assert_str_eq(json_string_value(json_array_get(json_object_get(rec, "roles"), 0)),
                   "customer");
  cr_assert_str_eq(json_string_value(json_object_get(rec, "source")), "manual");
  cr_assert(json_is_null(json_object_get(rec, "note")));
  cr_assert(json_is_null(json_object_get(rec, "org")));
  json_decref(rec);
}

Test(record_db, ids_are_unique_across_resources) {
  int64_t a = 0, b = 0;
  int64_t org = make_org(&who, "O");
  cr_assert_eq(create_w(&who, "{\"label\": \"a\"}", &a), 0);
  cr_assert_eq(create_w(&who, "{\"label\": \"b\"}", &b), 0);
  cr_assert(a != b && a != org && b != org);
}

Test(record_db, get_is_scoped_to_the_account) {
  int64_t id = 0;
  cr_assert_eq(create_w(&who, "{\"label\": \"mine\"}", &id), 0);
  json_t *rec = NULL;
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_get(T.c, &W, "other", id, &rec, NULL, &err), RD_ENOTFOUND);
  cr_assert_eq(err.status, 404);
  cr_assert_null(rec);
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_get(T.c, &W, "acme", id + 1000, &rec, NULL, &err), RD_ENOTFOUND);
  /* and another account cannot update it either */
  cr_assert_eq(update_w(&other_who, id, "{\"label\": \"theirs\"}", -1), RD_ENOTFOUND);
  json_t *mine = get_w(id, NULL);
  cr_assert_str_eq(json_string_value(json_object_get(mine, "label")), "mine");
  json_decref(mine);
}

Test(record_db, references_must_be_in_the_same_account) {
  int64_t theirs = make_org(&other_who, "Their Org");
  char text[128];
  snprintf(text, sizeof text, "{\"label\": \"x\", \"org\": {\"id\": %lld}}", (long long)theirs);
  int64_t id = 0;
  cr_assert_eq(create_w(&who, text, &id), RD_EINVAL);
  cr_assert(has_item(&err, "org", "no such record in this account"), "%s", items(&err));
  cr_assert_eq(create_w(&who, "{\"label\": \"x\", \"org\": {\"id\": 999999}}", &id), RD_EINVAL);
  cr_assert_eq(count("SELECT COUNT(*) FROM widgets"), 0);
}

/* ISSUE11: a reference the writer read in this transaction (rd_rec_ref_seen: an import
 * resolving organization names) is not queried again, for that account only, and only
 * until the transaction ends or the engine writes the table. */
Test(record_db, ISSUE11_references_seen_in_a_transaction_are_not_checked_again_and_only_there) {
  int64_t mine = make_org(&who, "Mine");
  int64_t theirs = make_org(&other_who, "Theirs");
  cr_assert_eq(rd_tx_begin(T.c, true, &err), 0);
  rd_rec_ref_seen(T.c, "organizations", "acme", mine, "Mine");
  cr_assert_str_eq(rd_rec_ref_name(T.c, "organizations", "acme", mine), "Mine");
  cr_assert_null(rd_rec_ref_name(T.c, "organizations", "other", mine), "another account's");
  cr_assert_null(rd_rec_ref_name(T.c, "organizations", "acme", theirs));
  /* Seen as theirs by another account's writer: this account's check still runs. */
  rd_rec_ref_seen(T.c, "organizations", "other", theirs, "Theirs");
  char text[128];
  snprintf(text, sizeof text, "{\"label\": \"x\", \"org\": {\"id\": %lld}}", (long long)theirs);
  json_t *in = parse(text);
  int64_t id = 0;
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_create(T.c, &who, &W, in, &id, &err), RD_EINVAL);
  cr_assert(has_item(&err, "org", "no such record in this account"), "%s", items(&err));
  json_decref(in);
  /* A write to organizations through the engine forgets what was seen. */
  json_t *org = json_pack("{s:s}", "name", "New");
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_create(T.c, &who, &rd_org_type, org, &id, &err), 0, "%s", err.message);
  json_decref(org);
  cr_assert_null(rd_rec_ref_name(T.c, "organizations", "acme", mine));
  rd_rec_ref_seen(T.c, "organizations", "acme", mine, "Mine");
  cr_assert_eq(rd_tx_commit(T.c, &err), 0);
  /* So does the end of the transaction. */
  cr_assert_eq(rd_tx_begin(T.c, true, &err), 0);
  cr_assert_null(rd_rec_ref_name(T.c, "organizations", "acme", mine));
  rd_tx_rollback(T.c);
}

Test(record_db, update_merges_and_bumps_the_version) {
  int64_t id = 0;
  cr_assert_eq(create_w(&who,
                        "{\"label\": \"one\", \"note\": \"n\", \"count\": 1,"
                        " \"data\": {\"a\": 1, \"b\": {\"c\": 2}}}",
                        &id),
               0);
  cr_assert_eq(update_w(&who, id, "{\"label\": \"two\", \"note\": null, \"data\": {\"b\": {\"c\": null, \"d\": 3}}}", 1), 0,
               "%s %s", err.message, items(&err));
  int64_t version = 0;
  json_t *rec = get_w(id, &version);
  cr_assert_eq(version, 2);
  cr_assert_str_eq(json_string_value(json_object_get(rec, "label")), "two");
  cr_assert(json_is_null(json_object_get(rec, "note")));
  cr_assert_eq(json_integer_value(json_object_get(rec, "count")), 1, "untouched fields stay");
  json_t *want = parse("{\"a\": 1, \"b\": {\"d\": 3}}");
  cr_assert(json_equal(json_object_get(rec, "data"), want));
  json_decref(want);
  json_decref(rec);
}

Test(record_db, stale_version_is_412_and_changes_nothing) {
  int64_t id = 0;
  cr_assert_eq(create_w(&who, "{\"label\": \"one\"}", &id), 0);
  cr_assert_eq(update_w(&who, id, "{\"label\": \"two\"}", 1), 0);
  int64_t audits = count("SELECT COUNT(*) FROM audit");
  /* a second writer that read version 1 */
  cr_assert_eq(update_w(&who, id, "{\"label\": \"lost\"}", 1), RD_EPRECOND);
  cr_assert_eq(err.status, 412);
  cr_assert_eq(update_w(&who, id, "{\"label\": \"lost\"}", 7), RD_EPRECOND);
  int64_t version = 0;
  json_t *rec = get_w(id, &version);
  cr_assert_eq(version, 2);
  cr_assert_str_eq(json_string_value(json_object_get(rec, "label")), "two");
  json_decref(rec);
  cr_assert_eq(count("SELECT COUNT(*) FROM audit"), audits, "no audit row for a refused write");
  /* without If-Match the write goes through */
  cr_assert_eq(update_w(&who, id, "{\"label\": \"three\"}", -1), 0);
  rec = get_w(id, &version);
  cr_assert_eq(version, 3);
  json_decref(rec);
  /* and the current version works */
  cr_assert_eq(update_w(&who, id, "{\"label\": \"four\"}", 3), 0);
}

Test(record_db, update_of_a_missing_record_is_404) {
  cr_assert_eq(update_w(&who, 424242, "{\"label\": \"x\"}", -1), RD_ENOTFOUND);
  cr_assert_eq(err.status, 404);
}

static json_t *audit_rows(void) {
  json_t *rows = NULL;
  bool more = false;
  rd_err_clear(&err);
  cr_assert_eq(rd_audit_list(T.c, &who, NULL, 0, 0, 100, &rows, &more, &err), 0, "%s",
               err.message);
  return rows;
}

/* ---- composite keys (issue 11) ---- */

/* A note about a widget, one per account: its key is (account_id, widget_id). */
static const rd_field WN_FIELDS[] = {
    {.name = "text", .column = "text", .type = RD_FT_TEXT, .max_len = 100},
    {.name = "tags", .column = "tags", .type = RD_FT_JSON, .def = "[]"},
};
static const rd_rtype WN = {
    .name = "widget",
    .table = "widget_notes",
    .key_column = "widget_id",
    .fields = WN_FIELDS,
    .nfields = sizeof WN_FIELDS / sizeof *WN_FIELDS,
    .write_roles = RD_ROLE_ACCOUNT_ADMINISTRATOR,
};

static int do_delete_wn(rd_conn *c, void *arg, rd_err *e) {
  rd_caller admin = rd_system_caller("acme");
  return rd_rec_delete(c, &admin, &WN, *(int64_t *)arg, e);
}

typedef struct put_op {
  const rd_caller *as;
  int64_t key, if_match;
  const char *patch;
} put_op;

static int do_put(rd_conn *c, void *arg, rd_err *e) {
  put_op *o = arg;
  json_t *patch = parse(o->patch);
  int rv = rd_rec_put(c, o->as, &WN, o->key, patch, o->if_match, "annotate", e);
  json_decref(patch);
  return rv;
}

static int put_wn(const rd_caller *as, int64_t key, const char *patch, int64_t if_match) {
  put_op o = {as, key, if_match, patch};
  rd_err_clear(&err);
  return rd_with_tx(T.c, &err, do_put, &o);
}

Test(record_db, ISSUE11_composite_keys_put_creates_then_updates_by_the_callers_key) {
  cr_assert_eq(rd_sql_exec(T.c, NULL, &err,
                           "CREATE TABLE widget_notes (account_id TEXT NOT NULL REFERENCES"
                           " accounts (id), widget_id BIGINT NOT NULL, text TEXT,"
                           " tags TEXT NOT NULL DEFAULT '[]', version BIGINT NOT NULL DEFAULT 1,"
                           " created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
                           " PRIMARY KEY (account_id, widget_id))",
                           ""),
               0, "%s", err.message);
  int64_t id = 0;
  cr_assert_eq(create_w(&who, "{\"label\": \"one\"}", &id), 0, "%s", err.message);
  /* none yet: version 0; a stale If-Match is 412 and writes nothing */
  cr_assert_eq(put_wn(&who, id, "{\"text\": \"a\"}", 5), RD_EPRECOND);
  cr_assert_eq(put_wn(&who, id, "{\"text\": \"a\"}", 0), 0, "%s", err.message);
  json_t *rec = NULL;
  int64_t version = 0;
  cr_assert_eq(rd_rec_get(T.c, &WN, "acme", id, &rec, &version, &err), 0, "%s", err.message);
  cr_assert_eq(json_integer_value(json_object_get(rec, "id")), id, "the key is the record's id");
  cr_assert_str_eq(json_string_value(json_object_get(rec, "text")), "a");
  cr_assert(json_equal(json_object_get(rec, "tags"), json_array()), "the default");
  cr_assert_eq(version, 1);
  json_decref(rec);
  /* the same key in another account is another record */
  cr_assert_eq(rd_rec_get(T.c, &WN, "other", id, &rec, NULL, &err), RD_ENOTFOUND);
  cr_assert_eq(put_wn(&who, id, "{\"text\": \"b\"}", 0), RD_EPRECOND, "it exists now");
  cr_assert_eq(put_wn(&who, id, "{\"text\": \"b\"}", 1), 0, "%s", err.message);
  cr_assert_eq(rd_rec_get(T.c, &WN, "acme", id, &rec, &version, &err), 0);
  cr_assert_str_eq(json_string_value(json_object_get(rec, "text")), "b");
  cr_assert_eq(version, 2);
  json_decref(rec);
  /* the declared roles hold */
  rd_caller tech = who;
  tech.roles = RD_ROLE_TECHNICIAN;
  cr_assert_eq(put_wn(&tech, id, "{\"text\": \"c\"}", -1), RD_EFORBIDDEN);
  /* audited with the caller's action, the changes from the record before */
  json_t *rows = audit_rows();
  cr_assert_eq(json_array_size(rows), 3, "create of the widget, two puts");
  json_t *first = json_array_get(rows, 1), *second = json_array_get(rows, 2);
  cr_assert_str_eq(json_string_value(json_object_get(first, "action")), "annotate");
  cr_assert_eq(json_integer_value(json_object_get(first, "record_id")), id);
  json_t *want = parse("{\"text\": {\"old\": null, \"new\": \"a\"}}");
  cr_assert(json_equal(json_object_get(first, "changes"), want));
  json_decref(want);
  want = parse("{\"text\": {\"old\": \"a\", \"new\": \"b\"}}");
  cr_assert(json_equal(json_object_get(second, "changes"), want));
  json_decref(want);
  json_decref(rows);
  /* deleted by its composite key */
  rd_err_clear(&err);
  cr_assert_eq(rd_with_tx(T.c, &err, do_delete_wn, &id), 0, "%s", err.message);
  cr_assert_eq(rd_rec_get(T.c, &WN, "acme", id, &rec, NULL, &err), RD_ENOTFOUND);
}

Test(record_db, ACC6_audit_rows_for_create_and_update) {
  int64_t id = 0;
  cr_assert_eq(create_w(&who, "{\"label\": \"one\", \"count\": 1, \"secret\": \"hunter22\"}", &id),
               0);
  cr_assert_eq(update_w(&who, id, "{\"label\": \"two\", \"secret\": \"swordfish\"}", 1), 0);
  json_t *rows = audit_rows();
  cr_assert_eq(json_array_size(rows), 2);
  json_t *c = json_array_get(rows, 0), *u = json_array_get(rows, 1);
  cr_assert_str_eq(json_string_value(json_object_get(c, "action")), "create");
  cr_assert_str_eq(json_string_value(json_object_get(c, "record_type")), "widget");
  cr_assert_eq(json_integer_value(json_object_get(c, "record_id")), id);
  cr_assert_str_eq(json_string_value(json_object_get(json_object_get(c, "actor"), "name")),
                   "system");
  json_t *cc = json_object_get(c, "changes");
  json_t *want = parse("{\"old\": null, \"new\": \"one\"}");
  cr_assert(json_equal(json_object_get(cc, "label"), want));
  json_decref(want);
  cr_assert(json_is_true(json_object_get(json_object_get(cc, "secret"), "changed")));

  cr_assert_str_eq(json_string_value(json_object_get(u, "action")), "update");
  json_t *uc = json_object_get(u, "changes");
  want = parse("{\"label\": {\"old\": \"one\", \"new\": \"two\"},"
               " \"secret\": {\"changed\": true}}");
  char *got = json_dumps(uc, JSON_SORT_KEYS);
  cr_assert(json_equal(uc, want), "only the changed fields: %s", got);
  free(got);
  json_decref(want);
  json_decref(rows);
  /* ACC-6: secrets never reach the audit trail */
  cr_assert_eq(count("SELECT COUNT(*) FROM audit WHERE changes LIKE '%hunter22%'"
                     " OR changes LIKE '%swordfish%'"),
               0);
  cr_assert_eq(count("SELECT COUNT(*) FROM audit WHERE account_id = 'acme'"), 2);
}

Test(record_db, REL2_audit_row_is_in_the_same_transaction) {
  rd_conn *other = NULL;
  cr_assert_eq(rd_db_acquire(T.db, &other, &err), 0);
  json_t *in = parse("{\"label\": \"tx\"}");
  int64_t id = 0;
  cr_assert_eq(rd_tx_begin(T.c, true, &err), 0);
  cr_assert_eq(rd_rec_create(T.c, &who, &W, in, &id, &err), 0, "%s", items(&err));
  /* inside: both visible; outside: neither, until the commit */
  cr_assert_eq(count("SELECT COUNT(*) FROM widgets"), 1);
  cr_assert_eq(count("SELECT COUNT(*) FROM audit"), 1);
  cr_assert_eq(ut_int(other, "SELECT COUNT(*) FROM widgets"), 0);
  cr_assert_eq(ut_int(other, "SELECT COUNT(*) FROM audit"), 0);
  cr_assert_eq(rd_tx_commit(T.c, &err), 0);
  cr_assert_eq(ut_int(other, "SELECT COUNT(*) FROM widgets"), 1);
  cr_assert_eq(ut_int(other, "SELECT COUNT(*) FROM audit"), 1);
  json_decref(in);
  rd_db_release(T.db, other);
}

Test(record_db, REL2_rollback_leaves_neither_record_nor_audit_row) {
  json_t *in = parse("{\"label\": \"gone\"}");
  int64_t id = 0;
  cr_assert_eq(rd_tx_begin(T.c, true, &err), 0);
  cr_assert_eq(rd_rec_create(T.c, &who, &W, in, &id, &err), 0);
  rd_tx_rollback(T.c);
  cr_assert_eq(count("SELECT COUNT(*) FROM widgets"), 0);
  cr_assert_eq(count("SELECT COUNT(*) FROM audit"), 0);
  json_decref(in);
}

Test(record_db, REL2_failure_after_the_insert_rolls_everything_back) {
  mode = MODE_FAIL_AFTER_WRITE;
  int64_t id = 0;
  cr_assert_eq(create_w(&who, "{\"label\": \"half\"}", &id), RD_ECONFLICT);
  cr_assert_eq(after_writes, 1, "the row was written before the hook failed");
  cr_assert_eq(count("SELECT COUNT(*) FROM widgets"), 0);
  cr_assert_eq(count("SELECT COUNT(*) FROM audit"), 0);

  mode = MODE_OK;
  cr_assert_eq(create_w(&who, "{\"label\": \"whole\"}", &id), 0);
  mode = MODE_FAIL_AFTER_WRITE;
  cr_assert_eq(update_w(&who, id, "{\"label\": \"half\"}", -1), RD_ECONFLICT);
  int64_t version = 0;
  json_t *rec = get_w(id, &version);
  cr_assert_eq(version, 1);
  cr_assert_str_eq(json_string_value(json_object_get(rec, "label")), "whole");
  json_decref(rec);
  cr_assert_eq(count("SELECT COUNT(*) FROM audit"), 1);
}

Test(record_db, validate_hook_failure_writes_nothing) {
  mode = MODE_FAIL_VALIDATE;
  int64_t id = 0;
  cr_assert_eq(create_w(&who, "{\"label\": \"no\"}", &id), RD_EINVAL);
  cr_assert(has_item(&err, "label", "refused"));
  cr_assert_eq(after_writes, 0);
  cr_assert_eq(count("SELECT COUNT(*) FROM widgets"), 0);
  cr_assert_eq(count("SELECT COUNT(*) FROM audit"), 0);
}

/* ---- a resource with its own rules: organizations ---- */

Test(record_db, REL1_organization_bad_contact_names_the_path_and_writes_nothing) {
  char city[66];
  memset(city, 'c', 65);
  city[65] = '\0';
  json_t *in = json_pack("{s:s,s:{s:[{s:s}]}}", "name", "Acme HQ", "contact", "addresses",
                         "city", city);
  int64_t id = 0;
  rd_err_clear(&err);
  cr_assert_eq(rd_org_create(T.c, &who, in, &id, &err), RD_EINVAL);
  cr_assert(has_item(&err, "contact.addresses[0].city", "longer than 64"), "%s", items(&err));
  cr_assert_eq(count("SELECT COUNT(*) FROM organizations"), 0);
  cr_assert_eq(count("SELECT COUNT(*) FROM audit"), 0);
  json_decref(in);
}

Test(record_db, organization_update_with_if_match) {
  int64_t id = make_org(&who, "Acme");
  json_t *patch = parse("{\"financial_id\": \"FIN-1\"}");
  rd_err_clear(&err);
  cr_assert_eq(rd_org_update(T.c, &who, id, patch, 1, &err), 0, "%s", items(&err));
  rd_err_clear(&err);
  cr_assert_eq(rd_org_update(T.c, &who, id, patch, 1, &err), RD_EPRECOND);
  cr_assert_eq(err.status, 412);
  json_decref(patch);
  json_t *org = NULL;
  int64_t version = 0;
  rd_err_clear(&err);
  cr_assert_eq(rd_org_get(T.c, &who, id, &org, &version, &err), 0);
  cr_assert_eq(version, 2);
  cr_assert_str_eq(json_string_value(json_object_get(org, "financial_id")), "FIN-1");
  cr_assert(json_is_false(json_object_get(org, "foreign")));
  json_decref(org);
}

Test(record_db, ORG2_custom_field_values_are_checked) {
  json_t *def = parse("{\"record_type\": \"organization\", \"key\": \"tier\", \"label\": \"Tier\","
                      " \"type\": \"select\", \"options\": [\"gold\", \"silver\"],"
                      " \"required\": true}");
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_check(&rd_custom_field_type, def, true, NULL, &err), 0, "%s", items(&err));
  cr_assert_eq(rd_tx_begin(T.c, true, &err), 0);
  int64_t def_id = 0;
  cr_assert_eq(rd_rec_create(T.c, &who, &rd_custom_field_type, def, &def_id, &err), 0, "%s",
               items(&err));
  cr_assert_eq(rd_tx_commit(T.c, &err), 0);
  json_decref(def);

  const char *bad[][2] = {
      {"{\"name\": \"A\"}", "custom_fields.tier"},
      {"{\"name\": \"A\", \"custom_fields\": {\"tier\": \"bronze\"}}", "custom_fields.tier"},
      {"{\"name\": \"A\", \"custom_fields\": {\"tier\": \"gold\", \"size\": 3}}",
       "custom_fields.size"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    json_t *in = parse(bad[i][0]);
    int64_t id = 0;
    rd_err_clear(&err);
    cr_assert_eq(rd_org_create(T.c, &who, in, &id, &err), RD_EINVAL, "%s", bad[i][0]);
    cr_assert(has_item(&err, bad[i][1], ""), "%s: %s", bad[i][0], items(&err));
    json_decref(in);
  }
  cr_assert_eq(count("SELECT COUNT(*) FROM organizations"), 0);
  json_t *in = parse("{\"name\": \"A\", \"custom_fields\": {\"tier\": \"gold\"}}");
  int64_t id = 0;
  rd_err_clear(&err);
  cr_assert_eq(rd_org_create(T.c, &who, in, &id, &err), 0, "%s", items(&err));
  json_decref(in);
  cr_assert_eq(count("SELECT COUNT(*) FROM custom_values WHERE field_key = 'tier'"
                     " AND value_text = 'gold'"),
               1);
}

/* ---- no silent limits (issue 11): records wider than the old fixed parameter arrays ---- */

enum { WIDE_N = 70 }; /* the old arrays held 64 (create), 60 (update), 40 (list) */
static char wide_names[WIDE_N][8];
static rd_field wide_fields[WIDE_N];
static const rd_rtype WIDE = {.name = "wide", .table = "wides", .fields = wide_fields,
                              .nfields = WIDE_N};

static void wide_setup(void) {
  setup();
  rd_buf sql;
  rd_buf_init(&sql);
  rd_buf_adds(&sql, "CREATE TABLE wides (id BIGINT PRIMARY KEY, account_id TEXT NOT NULL,"
                    " version BIGINT NOT NULL DEFAULT 1, created_at TEXT NOT NULL,"
                    " updated_at TEXT NOT NULL");
  for (int i = 0; i < WIDE_N; i++) {
    snprintf(wide_names[i], sizeof wide_names[i], "f%02d", i);
    wide_fields[i] = (rd_field){.name = wide_names[i], .column = wide_names[i],
                                .type = RD_FT_TEXT};
    rd_buf_printf(&sql, ", %s TEXT", wide_names[i]);
  }
  rd_buf_adds(&sql, ")");
  cr_assert_eq(rd_sql_exec(T.c, NULL, &err, rd_buf_cstr(&sql), ""), 0, "%s", err.message);
  rd_buf_term(&sql);
}

static int do_wide_create(rd_conn *c, void *arg, rd_err *e) {
  op *o = arg;
  return rd_rec_create(c, o->who, &WIDE, o->in, &o->id, e);
}

static int do_wide_update(rd_conn *c, void *arg, rd_err *e) {
  op *o = arg;
  return rd_rec_update(c, o->who, &WIDE, o->id, o->in, o->if_match, e);
}

TestSuite(record_wide, .init = wide_setup, .fini = teardown, .timeout = 30);

Test(record_wide, ISSUE11_every_field_of_a_wide_record_is_written_and_listed) {
  json_t *in = json_object();
  for (int i = 0; i < WIDE_N; i++)
    json_object_set_new(in, wide_names[i], json_sprintf("v%02d", i));
  op o = {&who, in, 0, -1};
  rd_err_clear(&err);
  cr_assert_eq(rd_with_tx(T.c, &err, do_wide_create, &o), 0, "%s", err.message);
  json_decref(in);
  json_t *rec = NULL;
  cr_assert_eq(rd_rec_get(T.c, &WIDE, "acme", o.id, &rec, NULL, &err), 0, "%s", err.message);
  for (int i = 0; i < WIDE_N; i++) {
    char want[8];
    snprintf(want, sizeof want, "v%02d", i);
    const char *got = json_string_value(json_object_get(rec, wide_names[i]));
    cr_assert(got && !strcmp(got, want), "create dropped %s", wide_names[i]);
  }
  json_decref(rec);

  /* update: every field changes, the last ones too */
  json_t *patch = json_object();
  for (int i = 0; i < WIDE_N; i++)
    json_object_set_new(patch, wide_names[i], json_sprintf("u%02d", i));
  op u = {&who, patch, o.id, -1};
  rd_err_clear(&err);
  cr_assert_eq(rd_with_tx(T.c, &err, do_wide_update, &u), 0, "%s", err.message);
  json_decref(patch);
  cr_assert_eq(rd_rec_get(T.c, &WIDE, "acme", o.id, &rec, NULL, &err), 0, "%s", err.message);
  for (int i = 0; i < WIDE_N; i++) {
    char want[8];
    snprintf(want, sizeof want, "u%02d", i);
    const char *got = json_string_value(json_object_get(rec, wide_names[i]));
    cr_assert(got && !strcmp(got, want), "update dropped %s", wide_names[i]);
  }
  json_decref(rec);

  /* list: a condition with one parameter per field binds all of them */
  rd_buf where;
  rd_buf_init(&where);
  rd_param p[WIDE_N];
  char vals[WIDE_N][8];
  for (int i = 0; i < WIDE_N; i++) {
    rd_buf_printf(&where, "%st.%s = ?", i ? " AND " : "", wide_names[i]);
    snprintf(vals[i], sizeof vals[i], "u%02d", i);
    p[i] = (rd_param){.type = 't', .t = vals[i]};
  }
  json_t *rows = NULL;
  bool more = true;
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_list(T.c, &WIDE, "acme", rd_buf_cstr(&where), p, WIDE_N, 0, 10, &rows,
                           &more, &err),
               0, "%s", err.message);
  cr_assert_eq(json_array_size(rows), 1, "the last parameters were not bound");
  cr_assert_not(more);
  json_decref(rows);
  rd_buf_term(&where);
}

/* ---- the generic entry points (issue 11) ---- */

typedef struct touch_op {
  const rd_caller *who;
  const rd_rtype *t;
  int64_t id;
  const char *what;
  json_t *detail;
} touch_op;

static int do_touch(rd_conn *c, void *arg, rd_err *e) {
  touch_op *o = arg;
  return rd_rec_touch(c, o->who, o->t, o->id, o->what, o->detail, e);
}

static int touch_w(const rd_caller *as, int64_t id, const char *what, json_t *detail) {
  touch_op o = {as, &W, id, what, detail};
  rd_err_clear(&err);
  return rd_with_tx(T.c, &err, do_touch, &o);
}

Test(record_db, ISSUE11_touch_bumps_version_and_updated_at_and_audits_like_an_update) {
  int64_t id = 0, version = 0;
  cr_assert_eq(create_w(&who, "{\"label\": \"one\"}", &id), 0);
  char sql[128];
  snprintf(sql, sizeof sql, "UPDATE widgets SET updated_at = '2001-01-01T00:00:00Z' WHERE id = %lld",
           (long long)id);
  cr_assert_eq(rd_sql_exec(T.c, NULL, &err, sql, ""), 0);
  json_t *detail = parse("{\"parts\": {\"old\": null, \"new\": \"bolt\"}}");
  cr_assert_eq(touch_w(&who, id, "add_part", detail), 0, "%s", err.message);
  json_t *rec = get_w(id, &version);
  cr_assert_eq(version, 2);
  cr_assert_str_neq(json_string_value(json_object_get(rec, "updated_at")), "2001-01-01T00:00:00Z");
  cr_assert_str_eq(json_string_value(json_object_get(rec, "label")), "one");
  json_decref(rec);
  json_t *rows = audit_rows();
  cr_assert_eq(json_array_size(rows), 2);
  json_t *t = json_array_get(rows, 1);
  cr_assert_str_eq(json_string_value(json_object_get(t, "action")), "add_part");
  cr_assert_str_eq(json_string_value(json_object_get(t, "record_type")), "widget");
  cr_assert_eq(json_integer_value(json_object_get(t, "record_id")), id);
  cr_assert(json_equal(json_object_get(t, "changes"), detail));
  json_decref(rows);
  /* an If-Match of the version before the touch is stale */
  cr_assert_eq(update_w(&who, id, "{\"label\": \"two\"}", 1), RD_EPRECOND);
  /* another account's record, or none: 404, nothing written */
  cr_assert_eq(touch_w(&other_who, id, "add_part", detail), RD_ENOTFOUND);
  cr_assert_eq(touch_w(&who, id + 1000, "add_part", detail), RD_ENOTFOUND);
  json_decref(detail);
  cr_assert_eq(count("SELECT COUNT(*) FROM audit"), 2);
  cr_assert_eq(count("SELECT MAX(version) FROM widgets"), 2);
}

Test(record_db, ISSUE11_delete_removes_the_row_and_audits) {
  int64_t id = 0;
  cr_assert_eq(create_w(&who, "{\"label\": \"one\"}", &id), 0);
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_delete_tx(T.c, &other_who, &W, id, &err), RD_ENOTFOUND);
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_delete_tx(T.c, &who, &W, id, &err), 0, "%s", err.message);
  cr_assert_eq(count("SELECT COUNT(*) FROM widgets"), 0);
  cr_assert_eq(count("SELECT COUNT(*) FROM audit WHERE action = 'delete'"
                     " AND record_type = 'widget'"),
               1);
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_delete_tx(T.c, &who, &W, id, &err), RD_ENOTFOUND);
}

/* W with its roles declared: what the declaration alone decides. */
static const rd_rtype W_GUARDED = {
    .name = "widget",
    .table = "widgets",
    .fields = W_FIELDS,
    .nfields = sizeof W_FIELDS / sizeof *W_FIELDS,
    .read_roles = RD_ROLES_STAFF,
    .write_roles = RD_ROLE_ACCOUNT_ADMINISTRATOR,
    .create_roles = RD_ROLE_ACCOUNT_ADMINISTRATOR | RD_ROLE_TECHNICIAN,
};

Test(record_db, ISSUE11_declared_roles_are_checked_by_every_entry_point) {
  rd_caller tech = who, cust = who;
  tech.roles = RD_ROLE_TECHNICIAN;
  cust.roles = RD_ROLE_CUSTOMER;
  int64_t id = 0;
  json_t *in = parse("{\"label\": \"one\"}");
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_create_tx(T.c, &cust, &W_GUARDED, in, &id, &err), RD_EFORBIDDEN);
  cr_assert_eq(err.status, 403);
  cr_assert_str_eq(err.message, "Your roles do not allow changing widgets");
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_create_tx(T.c, &tech, &W_GUARDED, in, &id, &err), 0, "%s", err.message);
  json_decref(in);
  json_t *patch = parse("{\"label\": \"two\"}");
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_update_tx(T.c, &tech, &W_GUARDED, id, patch, -1, &err), RD_EFORBIDDEN);
  json_decref(patch);
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_delete_tx(T.c, &tech, &W_GUARDED, id, &err), RD_EFORBIDDEN);
  touch_op o = {&tech, &W_GUARDED, id, "add_part", NULL};
  rd_err_clear(&err);
  cr_assert_eq(rd_with_tx(T.c, &err, do_touch, &o), RD_EFORBIDDEN);
  json_t *rec = NULL;
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_read(T.c, &cust, &W_GUARDED, id, &rec, NULL, &err), RD_EFORBIDDEN);
  cr_assert_str_eq(err.message, "Your roles do not allow reading widgets");
  cr_assert_eq(rd_rec_read(T.c, &tech, &W_GUARDED, id, &rec, NULL, &err), 0);
  json_decref(rec);
  /* nothing but the create was written */
  cr_assert_eq(count("SELECT COUNT(*) FROM audit"), 1);
  cr_assert_eq(count("SELECT MAX(version) FROM widgets"), 1);
}
