/* Unit tests of src/import/csv_read.c (the streaming reader: encodings, separators,
 * physical lines, chunking, refusals) and of the mapping and record functions of
 * src/import/ (IMP-1, IMP-2, IMP-5), plus a run of the import job itself on a
 * fresh database of the backend under test (tests/unit/unit.h; IMP-3 resume after a stop,
 * IMP-4 dry run).  */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "base/mem.h"
#include "domain/account.h"
#include "import/import.h"
#include "import/csv_read.h"
#include "domain/person.h"
#include "jobs/runner.h"
#include "unit/unit.h"

typedef struct collected {
  json_t *rows; /* [[line, field, field...], ...] */
} collected;

static int collect(void *arg, const rd_csv_row *row, rd_err *err) {
  (void)err;
  collected *c = arg;
  json_t *r = json_array();
  json_array_append_new(r, json_integer(row->line));
  for (int i = 0; i < row->nfields; i++)
    json_array_append_new(r, json_stringn(row->fields[i], row->lens[i]));
  json_array_append_new(c->rows, r);
  return 0;
}

/* Reads data in chunks of step bytes (0: all at once); returns the rows or NULL with err. */
static json_t *read_csv(const char *data, size_t len, size_t step, const char *charset,
                        rd_err *err) {
  collected c = {json_array()};
  rd_csv *r = NULL;
  rd_csv_opts o = {.charset = charset, .header = true};
  int rv = rd_csv_new(&o, collect, &c, &r, err);
  for (size_t off = 0; !rv && off < len; off += step ? step : len)
    rv = rd_csv_feed(r, data + off, step && len - off > step ? step : len - off, err);
  if (!rv)
    rv = rd_csv_finish(r, err);
  rd_csv_free(r);
  if (rv) {
    json_decref(c.rows);
    return NULL;
  }
  return c.rows;
}

static void expect(const char *data, size_t len, const char *charset, const char *json_rows) {
  json_t *want = json_loads(json_rows, 0, NULL);
  cr_assert_not_null(want, "bad expectation %s", json_rows);
  for (size_t step = 0; step <= 7; step++) { /* IMP-5: the same rows however it is fed */
    rd_err err;
    rd_err_clear(&err);
    json_t *got = read_csv(data, len, step, charset, &err);
    cr_assert_not_null(got, "step %zu: %s (%s)", step, err.message, err.nitems ? err.items[0].message : "");
    char *g = json_dumps(got, JSON_COMPACT);
    cr_assert(json_equal(got, want), "step %zu: got %s, want %s", step, g, json_rows);
    free(g);
    json_decref(got);
  }
  json_decref(want);
}

Test(import_csv, IMP3_physical_lines_of_records_with_quoted_line_breaks) {
  const char csv[] = "a,b\n\"x\ny\",z\r\n\n1,\"2\r\n3\r\n4\"\n5,6";
  expect(csv, sizeof csv - 1, NULL,
         "[[1,\"a\",\"b\"],[2,\"x\\ny\",\"z\"],[5,\"1\",\"2\\r\\n3\\r\\n4\"],[8,\"5\",\"6\"]]");
}

Test(import_csv, IMP2_separators_and_line_ends) {
  const char semi[] = "a;b;\"c;d\"\r\n1;2;3\r\n";
  expect(semi, sizeof semi - 1, NULL, "[[1,\"a\",\"b\",\"c;d\"],[2,\"1\",\"2\",\"3\"]]");
  const char tab[] = "a\tb\n1\t 2\n";
  expect(tab, sizeof tab - 1, NULL, "[[1,\"a\",\"b\"],[2,\"1\",\"2\"]]");
  const char cr[] = "a,b\r1,2\r";
  expect(cr, sizeof cr - 1, NULL, "[[1,\"a\",\"b\"],[1,\"1\",\"2\"]]");
}

Test(import_csv, IMP2_encodings) {
  const char bom[] = "\xEF\xBB\xBF" "n\xC3\xA9,x\n";
  expect(bom, sizeof bom - 1, NULL, "[[1,\"n\\u00e9\",\"x\"]]");
  const char le[] = "\xFF\xFE" "a\0,\0\xE9\0\n\0";
  expect(le, sizeof le - 1, NULL, "[[1,\"a\",\"\\u00e9\"]]");
  const char be[] = "\xFE\xFF" "\0a\0,\0\xE9\0\n";
  expect(be, sizeof be - 1, NULL, "[[1,\"a\",\"\\u00e9\"]]");
  const char w[] = "\x80,\xE9\n";
  expect(w, sizeof w - 1, "windows-1252", "[[1,\"\\u20ac\",\"\\u00e9\"]]");
  /* A BOM wins over a declared charset. */
  expect(bom, sizeof bom - 1, "windows-1252", "[[1,\"n\\u00e9\",\"x\"]]");
}

static void refused(const char *data, size_t len, const char *charset, long line,
                    const char *column, const char *fragment) {
  rd_err err;
  rd_err_clear(&err);
  json_t *got = read_csv(data, len, 0, charset, &err);
  cr_assert_null(got, "accepted: %s", data);
  cr_assert_eq(err.code, RD_EBADREQ);
  cr_assert_eq(err.nitems, 1);
  cr_assert_eq(err.items[0].line, line, "line %ld, want %ld: %s", err.items[0].line, line,
               err.items[0].message);
  if (column)
    cr_assert_str_eq(err.items[0].field, column);
  cr_assert(strstr(err.items[0].message, fragment), "%s", err.items[0].message);
}

Test(import_csv, REL1_broken_files_name_line_and_column) {
  const char open_quote[] = "Name,City\nann,\"Delft\nbob,Leiden\n";
  refused(open_quote, sizeof open_quote - 1, NULL, 2, "City", "never closed");
  const char stray[] = "Name,City\nann,Del\"ft\n";
  refused(stray, sizeof stray - 1, NULL, 2, "City", "quote");
  const char latin1[] = "Name,City\nann,G\xF6teborg\n";
  refused(latin1, sizeof latin1 - 1, NULL, 2, "City", "not valid UTF-8");
  const char nul[] = "Name,City\na\0nn,x\n";
  refused(nul, sizeof nul - 1, NULL, 2, "Name", "NUL");
  const char badle[] = "\xFF\xFE" "a\0\n\0\x00\xD8" "b\0"; /* a lone surrogate */
  refused(badle, sizeof badle - 1, NULL, 2, NULL, "not valid");
  rd_err err;
  rd_err_clear(&err);
  rd_csv *r = NULL;
  rd_csv_opts o = {.charset = "no-such-charset"};
  cr_assert_eq(rd_csv_new(&o, collect, NULL, &r, &err), RD_EINVAL);
}

Test(import_csv, REL1_record_and_field_ceilings) {
  size_t n = RD_CSV_RECORD_MAX + 100;
  char *big = rd_malloc(n + 16);
  memcpy(big, "a\n\"", 3);
  memset(big + 3, 'x', n);
  rd_err err;
  rd_err_clear(&err);
  json_t *got = read_csv(big, n + 3, 0, NULL, &err);
  cr_assert_null(got);
  cr_assert(strstr(err.items[0].message, "longer than"), "%s", err.items[0].message);
  cr_assert_eq(err.items[0].line, 2);
  memset(big, ',', RD_CSV_FIELDS_MAX + 10);
  big[RD_CSV_FIELDS_MAX + 10] = '\n';
  rd_err_clear(&err);
  got = read_csv(big, RD_CSV_FIELDS_MAX + 11, 0, NULL, &err);
  cr_assert_null(got);
  cr_assert(strstr(err.items[0].message, "fields"), "%s", err.items[0].message);
  rd_free(big);
}

Test(import_map, IMP1_header_names_are_matched_tolerantly) {
  static const struct {
    const char *header, *target;
  } cases[] = {{"Postcode/ Zip", "postcode"}, {"postcode/zip", "postcode"},
               {"ZIP", "postcode"},           {"First Name(char 64)", "first_name"},
               {"first_name", "first_name"},  {"E-mail Address", "primary_email"},
               {"Username (Unique char 64)", "username"},
               {"Line Manager Username", "line_manager_username"},
               {"Partners Email", "partner_email"}, {" custom3 ", "custom3"},
               {"Locale", "email_locale"},    {"Time Zone", "time_zone"}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    cr_assert_str_eq(rd_import_target_name(rd_import_target(cases[i].header)), cases[i].target,
                     "%s", cases[i].header);
  cr_assert_eq(rd_import_target("Shoe Size"), -1);
  cr_assert_eq(rd_import_target(""), -1);
}

static rd_csv_row row_of(const char **fields, size_t *lens, int n) {
  for (int i = 0; i < n; i++)
    lens[i] = strlen(fields[i]);
  return (rd_csv_row){.line = 1, .nfields = n, .fields = fields, .lens = lens};
}

Test(import_map, IMP1_required_columns_duplicates_and_overrides) {
  const char *h[] = {"First Name", "Last Name", "Email", "Login", "Shoe"};
  size_t lens[5];
  rd_csv_row header = row_of(h, lens, 5);
  rd_import_map m;
  rd_err err;
  rd_err_clear(&err);
  cr_assert_eq(rd_import_map_build(&header, NULL, &m, &err), 0, "%s", err.message);
  cr_assert_eq(m.target[4], -1);
  json_t *over = json_pack("{s:s,s:s}", "4", "username", "3", "custom1");
  cr_assert_eq(rd_import_map_build(&header, over, &m, &err), 0);
  json_decref(over);
  const char *h2[] = {"First Name", "Last Name", "Email"};
  header = row_of(h2, lens, 3);
  rd_err_clear(&err);
  cr_assert_eq(rd_import_map_build(&header, NULL, &m, &err), RD_EINVAL);
  cr_assert(strstr(err.items[0].message, "Username"), "%s", err.items[0].message);
  const char *h3[] = {"First Name", "Last Name", "Email", "Username", "Mail"};
  header = row_of(h3, lens, 5);
  rd_err_clear(&err);
  cr_assert_eq(rd_import_map_build(&header, NULL, &m, &err), RD_EINVAL);
  cr_assert(strstr(err.items[0].message, "both map"), "%s", err.items[0].message);
  header = row_of(h, lens, 5);
  over = json_pack("{s:s}", "9", "city");
  rd_err_clear(&err);
  cr_assert_eq(rd_import_map_build(&header, over, &m, &err), RD_EINVAL);
  json_decref(over);
}

Test(import_map, IMP2_record_fields_and_flags) {
  rd_import_map m;
  rd_err err;
  rd_err_clear(&err);
  cr_assert_eq(rd_import_map_build(NULL, NULL, &m, &err), 0); /* the template's order */
  const char *f[29] = {"", "Ann", "Lee", "ann@x.com", "Acme", "Sales", "1", "no", "", "", "",
                       "", "", "NL", "", "", "", "", "ann", "", "", "c1", "", "", "", "", "",
                       "", "bob"};
  size_t lens[29];
  rd_csv_row row = row_of(f, lens, 29);
  rd_import_record rec;
  cr_assert_eq(rd_import_record_map(&m, &row, &rec, &err), 0);
  cr_assert_str_eq(json_string_value(json_object_get(rec.person, "first_name")), "Ann");
  cr_assert_str_eq(json_string_value(json_object_get(rec.person, "country")), "NL");
  cr_assert_null(json_object_get(rec.person, "title"), "empty cells are absent");
  cr_assert_str_eq(rec.company, "Acme");
  cr_assert_str_eq(rec.department, "Sales");
  cr_assert_eq(rec.company_contact, 1);
  cr_assert_eq(rec.department_contact, 0);
  cr_assert_str_eq(rec.custom[0], "c1");
  cr_assert_str_eq(rec.line_manager, "bob");
  cr_assert(!rec.blank);
  rd_import_record_term(&rec);
  f[6] = "maybe";
  row = row_of(f, lens, 29);
  cr_assert_eq(rd_import_record_map(&m, &row, &rec, &err), RD_EINVAL);
  cr_assert_str_eq(err.items[0].field, "Primary Company Contact");
  rd_import_record_term(&rec);
  const char *blank[3] = {"", " ", ""};
  row = row_of(blank, lens, 3);
  rd_err_clear(&err);
  cr_assert_eq(rd_import_record_map(&m, &row, &rec, &err), 0);
  cr_assert(rec.blank);
  rd_import_record_term(&rec);
}

/* ---- the job on a database (SQLite, or PostgreSQL: tests/unit/unit.h) ---- */

static ut_db T;

static void job_setup(void) {
  ut_db_open(&T);
  rd_err err;
  rd_err_clear(&err);
  cr_assert_eq(rd_account_create(T.c, "wdc", "Widget", &err), 0, "%s", err.message);
}
static void job_teardown(void) {
  ut_db_close(&T);
}

static int64_t create(const char *csv, bool dry, const char *worker) {
  rd_caller who = rd_system_caller("wdc");
  rd_import_opts o = {.type = "people", .ignore_first_line = true, .dry_run = dry};
  rd_err err;
  rd_err_clear(&err);
  int64_t id = 0;
  cr_assert_eq(rd_import_create(T.c, &who, T.dir, -1, csv, strlen(csv), &o, worker, &id, &err), 0,
               "%s", err.message);
  return id;
}

static json_t *status(int64_t id) {
  rd_caller who = rd_system_caller("wdc");
  rd_err err;
  rd_err_clear(&err);
  json_t *st = NULL;
  cr_assert_eq(rd_import_get(T.c, &who, id, &st, &err), 0, "%s", err.message);
  return st;
}

static int64_t people(void) {
  int64_t n = 0;
  rd_err err;
  rd_err_clear(&err);
  cr_assert_eq(rd_sql_int64(T.c, &n, &err, "SELECT COUNT(*) FROM people", ""), RD_ROW);
  return n;
}

static char *rows_csv(int n) {
  rd_buf b;
  rd_buf_init(&b);
  rd_buf_adds(&b, "First Name,Last Name,Email Address,Username,Line Manager Username\n");
  for (int i = 0; i < n; i++) { /* odd rows: managed by the next row (further down) */
    char mgr[16] = "";
    if (i % 2 && i + 1 < n)
      snprintf(mgr, sizeof mgr, "p%d", i + 1);
    rd_buf_printf(&b, "F%d,L%d,p%d@example.com,p%d,%s\n", i, i, i, i, mgr);
  }
  return b.data;
}

static void stop_after_first_batch(void *arg, const json_t *st) {
  (void)st;
  atomic_store((atomic_bool *)arg, true);
}

TestSuite(import_job, .init = job_setup, .fini = job_teardown, .timeout = 120);

Test(import_job, IMP3_a_stopped_job_resumes_after_its_last_batch) {
  int n = RD_IMPORT_BATCH * 2 + 17;
  char *csv = rows_csv(n);
  int64_t id = create(csv, false, "unit-test");
  atomic_bool stop;
  atomic_init(&stop, false);
  rd_err err;
  rd_err_clear(&err);
  rd_job_opts jo = {.data_dir = T.dir, .stop = &stop, .progress = stop_after_first_batch,
                    .progress_arg = &stop};
  int rv = rd_job_run(T.c, id, "unit-test", &jo, &err);
  cr_assert_eq(rv, 0, "%s", err.message);
  json_t *st = status(id);
  cr_assert_str_eq(json_string_value(json_object_get(st, "status")), "queued");
  int64_t first = json_integer_value(json_object_get(st, "processed"));
  cr_assert(first > 0 && first < n, "processed %lld", (long long)first);
  cr_assert_eq(people(), json_integer_value(json_object_get(st, "created")));
  json_decref(st);
  /* Claimed again (as a worker would), it goes on from there. */
  int64_t claimed = 0;
  static const char *const kinds[] = {RD_IMPORT_JOB_KIND, NULL};
  cr_assert_eq(rd_job_claim(T.c, "unit-test", kinds, &claimed, &err), RD_ROW);
  cr_assert_eq(claimed, id);
  atomic_store(&stop, false);
  rv = rd_job_run(T.c, id, "unit-test", &(rd_job_opts){.data_dir = T.dir, .stop = &stop}, &err);
  cr_assert_eq(rv, 0, "%s", err.message);
  st = status(id);
  cr_assert_str_eq(json_string_value(json_object_get(st, "status")), "done");
  cr_assert_eq(json_integer_value(json_object_get(st, "created")), n);
  cr_assert_eq(json_integer_value(json_object_get(st, "failed")), 0);
  cr_assert_eq(people(), n);
  json_decref(st);
  rd_free(csv);
}

/* Issue 11: an import refreshes the planner's statistics of the tables it grows (on
 * PostgreSQL; a no-op on SQLite), so that the lookups of its later batches are not planned
 * for the empty tables of a new account. Fails on PostgreSQL when the import does not. */
Test(import_job, ISSUE11_an_import_refreshes_the_statistics_of_the_tables_it_grows) {
  int n = 1100;
  char *csv = rows_csv(n);
  int64_t id = create(csv, false, "unit-test");
  rd_err err;
  rd_err_clear(&err);
  cr_assert_eq(rd_job_run(T.c, id, "unit-test", &(rd_job_opts){.data_dir = T.dir}, &err), 0,
               "%s", err.message);
  cr_assert_eq(people(), n);
  if (ut_pg()) {
    int64_t analyzed = 0;
    cr_assert_eq(rd_sql_exec(T.c, NULL, &err, "SELECT pg_stat_clear_snapshot()", ""), 0);
    cr_assert_eq(rd_sql_int64(T.c, &analyzed, &err,
                              "SELECT COUNT(*) FROM pg_stat_user_tables WHERE last_analyze IS NOT"
                              " NULL AND relname IN ('people', 'person_search', 'organizations')",
                              ""),
                 RD_ROW, "%s", err.message);
    cr_assert_eq(analyzed, 3);
  }
  rd_free(csv);
}

Test(import_job, IMP4_dry_run_stores_no_person_but_the_report) {
  char *csv = rows_csv(50);
  int64_t id = create(csv, true, "unit-test");
  rd_err err;
  rd_err_clear(&err);
  cr_assert_eq(rd_job_run(T.c, id, "unit-test", NULL, &err), 0, "%s", err.message);
  json_t *st = status(id);
  cr_assert_eq(json_integer_value(json_object_get(st, "created")), 50, "%s", json_dumps(st, 0));
  cr_assert_eq(people(), 0);
  json_decref(st);
  rd_free(csv);
}

typedef struct deferred_log {
  int flushes;             /* progress reports of the deferred phase */
  int64_t first_deferred;  /* "deferred" after its first page: the rows still waiting */
} deferred_log;

static void log_deferred(void *arg, const json_t *st) {
  deferred_log *l = arg;
  if (strcmp(json_string_value(json_object_get(st, "phase")), "deferred"))
    return;
  if (l->flushes++ == 1) /* report 0 closes the rows phase; report 1 ends the first page */
    l->first_deferred = json_integer_value(json_object_get(st, "deferred"));
}

/* Issue 11: the deferred pass reads a page of up to RD_IMPORT_BATCH waiting rows and decides
 * them in one transaction, not one row per page. */
Test(import_job, IMP3_deferred_rows_are_decided_a_page_at_a_time) {
  int n = 60; /* 29 rows wait for a manager further down */
  char *csv = rows_csv(n);
  int64_t id = create(csv, false, "unit-test");
  deferred_log l = {0, -1};
  rd_err err;
  rd_err_clear(&err);
  rd_job_opts jo = {.progress = log_deferred, .progress_arg = &l};
  cr_assert_eq(rd_job_run(T.c, id, "unit-test", &jo, &err), 0, "%s", err.message);
  cr_assert_eq(l.first_deferred, 0, "the first page left %lld rows waiting",
               (long long)l.first_deferred);
  cr_assert_eq(l.flushes, 2, "%d batches for 29 deferred rows", l.flushes);
  json_t *st = status(id);
  cr_assert_str_eq(json_string_value(json_object_get(st, "status")), "done");
  cr_assert_eq(json_integer_value(json_object_get(st, "created")), n);
  cr_assert_eq(people(), n);
  json_decref(st);
  rd_free(csv);
}

/* Issue 11: a file with a Password column is read ahead and its passwords hashed on all
 * cores; each person gets the hash of its own password (over several windows), failing rows
 * store none, and the preset key cannot come from input. */
Test(import_job, ACC3_passwords_hashed_ahead_belong_to_their_rows) {
  enum { N = 21 };
  rd_buf b;
  rd_buf_init(&b);
  rd_buf_adds(&b, "First Name,Last Name,Email Address,Username,Password\n");
  for (int i = 0; i < N; i++) { /* every fifth row fails (bad address), every seventh has none */
    char pw[32] = "";
    if (i % 7 != 6)
      snprintf(pw, sizeof pw, "password-%d", i);
    rd_buf_printf(&b, "F%d,L%d,%s%d@example.com,p%d,%s\n", i, i, i % 5 == 4 ? "bad " : "", i, i,
                  pw);
  }
  int64_t id = create(b.data, false, "unit-test");
  rd_err err;
  rd_err_clear(&err);
  cr_assert_eq(rd_job_run(T.c, id, "unit-test", NULL, &err), 0, "%s", err.message);
  json_t *st = status(id);
  cr_assert_eq(json_integer_value(json_object_get(st, "failed")), 4, "%s", json_dumps(st, 0));
  json_decref(st);
  cr_assert_eq(people(), N - 4);
  for (int i = 0; i < N; i++) {
    char user[16], pw[32], other[32];
    snprintf(user, sizeof user, "p%d", i);
    snprintf(pw, sizeof pw, "password-%d", i);
    snprintf(other, sizeof other, "password-%d", (i + 1) % N);
    int64_t pid = 0;
    char hash[128] = "";
    rd_err_clear(&err);
    rd_stmt *s = NULL;
    cr_assert_eq(rd_sql(T.c, &s, &err, "SELECT id, password_hash FROM people WHERE username = ?",
                        "t", user), 0);
    if (rd_stmt_step(s, &err) == RD_ROW) {
      pid = rd_stmt_int64(s, 0);
      snprintf(hash, sizeof hash, "%s", rd_stmt_text(s, 1) ? rd_stmt_text(s, 1) : "");
    }
    rd_stmt_done(s);
    if (i % 5 == 4) {
      cr_assert_eq(pid, 0, "row %d failed: no person", i);
    } else if (i % 7 == 6) {
      cr_assert_str_eq(hash, "", "row %d has no password", i);
    } else {
      cr_assert(rd_password_verify(hash, pw), "row %d: its own password", i);
      cr_assert_not(rd_password_verify(hash, other), "row %d: not another row's", i);
    }
  }
  rd_free(b.data);
  /* The API's check refuses the key that carries a preset hash. */
  json_t *in = json_pack("{s:s}", RD_PERSON_PRESET_HASH, "$argon2id$forged");
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_check(&rd_person_type, in, false, NULL, &err), RD_EINVAL);
  json_decref(in);
}

/* Issue 11, IMP-3: the database fails at every statement of an import in turn (the store's
 * fault hook: the k-th step or commit from the start of a run fails as if the server had
 * gone away), and the import is run again after each failure until it ends. Whatever the
 * point of failure, nothing is half written: the end is the same as an uninterrupted run
 * (every person once, line managers set, one audit row and one report row per person). */
Test(import_job, ISSUE11_IMP3_a_failure_at_every_statement_resumes_to_the_same_result) {
  enum { N = 12 };
  char *csv = rows_csv(N); /* odd rows wait for their manager further down */
  int64_t id = create(csv, false, "unit-test");
  static const char *const kinds[] = {RD_IMPORT_JOB_KIND, NULL};
  rd_err err;
  int failures = 0;
  for (long k = 1;; k++) {
    cr_assert_lt(k, 20000, "the import never got through");
    rd_err_clear(&err);
    rd_store_fault_after(k);
    rd_job_run(T.c, id, "unit-test", &(rd_job_opts){.data_dir = T.dir}, &err);
    rd_store_fault_after(0);
    json_t *st = status(id);
    const char *s = json_string_value(json_object_get(st, "status"));
    bool done = !strcmp(s, "done"), queued = !strcmp(s, "queued");
    cr_assert(done || queued || !strcmp(s, "running"), "status %s after a fault at %ld", s, k);
    json_decref(st);
    if (done)
      break;
    failures++;
    if (queued) { /* claimed again, as a worker would */
      int64_t claimed = 0;
      rd_err_clear(&err);
      cr_assert_eq(rd_job_claim(T.c, "unit-test", kinds, &claimed, &err), RD_ROW, "%s",
                   err.message);
      cr_assert_eq(claimed, id);
    }
  }
  cr_assert_gt(failures, 60, "the faults hit only %d points", failures); /* 96 in 12 rows now */
  json_t *st = status(id);
  cr_assert_eq(json_integer_value(json_object_get(st, "created")), N, "%s", json_dumps(st, 0));
  cr_assert_eq(json_integer_value(json_object_get(st, "failed")), 0);
  json_decref(st);
  cr_assert_eq(people(), N);
  int64_t n = 0;
  rd_err_clear(&err);
  cr_assert_eq(rd_sql_int64(T.c, &n, &err,
                            "SELECT COUNT(*) FROM people p JOIN people m ON m.id = p.line_manager_id"
                            " WHERE m.username = 'p' || CAST(CAST(SUBSTR(p.username, 2) AS INTEGER)"
                            " + 1 AS TEXT)",
                            ""),
               RD_ROW);
  cr_assert_eq(n, (N - 1) / 2, "every odd row but the last has its manager (%lld)", (long long)n);
  cr_assert_eq(rd_sql_int64(T.c, &n, &err,
                            "SELECT COUNT(*) FROM audit WHERE record_type = 'person'", ""),
               RD_ROW);
  cr_assert_eq(n, N, "one audit row per person");
  cr_assert_eq(rd_sql_int64(T.c, &n, &err,
                            "SELECT COUNT(*) FROM import_rows WHERE import_id = ? AND result = 'created'",
                            "i", id),
               RD_ROW);
  cr_assert_eq(n, N, "one report row per person");
  /* The text index itself: FTS5's table on SQLite, pg_trgm's GIN over doc on PostgreSQL. */
  cr_assert_eq(rd_sql_int64(T.c, &n, &err,
                            ut_pg() ? "SELECT COUNT(*) FROM person_search WHERE doc LIKE '%example%'"
                                    : "SELECT COUNT(*) FROM person_search_fts"
                                      " WHERE person_search_fts MATCH 'example'",
                            ""),
               RD_ROW);
  cr_assert_eq(n, N, "every person in the search index once");
  rd_free(csv);
}
