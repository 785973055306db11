/* Unit tests of the list pages written as text (issue 12: rd_rec_list_text in
 * src/domain/record.c, the text forms of decorate and of the TRUST-4/ACC-7 projections in
 * src/domain/trust.c): on a fresh database of the backend under test (unit.h), rows of
 * every resource are written straight by SQL with random values (unicode, quotes,
 * backslashes, control characters, nulls, empty JSON columns), and every page of every
 * list is rendered both ways, the jansson tree dumped compactly and the text, which must
 * be the same bytes, with the same "more" and last id. A dropped or mis-escaped field in
 * the text path makes the bytes differ. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/mem.h"
#include "domain/account.h"
#include "domain/agreement.h"
#include "domain/custom_field.h"
#include "domain/org.h"
#include "domain/person.h"
#include "domain/team.h"
#include "domain/trust.h"
#include "unit/unit.h"

static ut_db T;
static rd_err err;
static unsigned long long rng;

static unsigned rnd(unsigned n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (unsigned)(rng % n);
}

static void setup(void) {
  ut_db_open(&T);
  cr_assert_eq(rd_auth_init(), 0);
  rd_err_clear(&err);
  cr_assert_eq(rd_account_create(T.c, "acme", "Acme \"A\"", &err), 0, "%s", err.message);
  cr_assert_eq(rd_account_create(T.c, "other", "Other\\Inc \xc3\xa9", &err), 0, "%s",
               err.message);
}
static void teardown(void) {
  ut_db_close(&T);
}

TestSuite(pages, .init = setup, .fini = teardown);

/* Pieces of random text: what JSON must escape, and what it must not. */
static const char *const PIECES[] = {
    "a", "Zo", " ", "\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac", "\xf0\x9f\x98\x80", "\"", "\\",
    "\n", "\t", "\r", "\x01", "\x1f", "\x7f", "/", "</script>", "\xe2\x80\xa8", "'", "%", "{}",
};

/* A random string (valid UTF-8) in buf. */
static const char *text(char *buf, size_t cap, const char *prefix) {
  size_t len = (size_t)snprintf(buf, cap, "%s", prefix);
  unsigned n = rnd(9);
  for (unsigned i = 0; i < n; i++) {
    const char *p = PIECES[rnd(sizeof PIECES / sizeof *PIECES)];
    if (len + strlen(p) + 1 < cap)
      len += (size_t)snprintf(buf + len, cap - len, "%s", p);
  }
  return buf;
}

/* Random JSON as rolodesk stores it (json_dumps, compact); empty containers often. */
static char *json_text(void) {
  json_t *v = NULL;
  char b1[96], b2[96];
  switch (rnd(5)) {
  case 0: v = json_object(); break;
  case 1: v = json_array(); break;
  case 2:
    v = json_pack("{s:s,s:I,s:[b,n,f],s:{s:s}}", text(b1, sizeof b1, "k"), text(b2, sizeof b2, ""),
                  "n", (json_int_t)rnd(100000) - 500, "a", rnd(2), 2.5, "o", "x",
                  text(b2, sizeof b2, "v"));
    break;
  case 3: v = json_pack("[{s:s,s:i}]", "key", text(b1, sizeof b1, "f"), "size", (int)rnd(999)); break;
  default: v = json_pack("{s:f,s:f}", "lat", 52.370216, "lon", -4.895168 * rnd(3)); break;
  }
  cr_assert_not_null(v);
  char *s = json_dumps(v, JSON_COMPACT);
  json_decref(v);
  return s;
}

/* The id of some row of table (0: none). */
static int64_t some_id(const char *table) {
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT id FROM %s ORDER BY id LIMIT 1 OFFSET %u", table, rnd(3));
  int64_t id = 0;
  int rv = rd_sql_int64(T.c, &id, &err, sql, "");
  cr_assert_geq(rv, 0, "%s", err.message);
  if (rv == RD_ROW)
    return id;
  snprintf(sql, sizeof sql, "SELECT id FROM %s ORDER BY id LIMIT 1", table);
  rv = rd_sql_int64(T.c, &id, &err, sql, "");
  return rv == RD_ROW ? id : 0;
}

/* Runs SQL with parameters to completion. */
static int exec_params(const char *sql, const rd_param *p, int n) {
  rd_stmt *s = NULL;
  int rv = rd_sql_params(T.c, &s, &err, sql, p, n);
  if (!rv) {
    rv = rd_stmt_step(s, &err);
    rv = rv < 0 ? rv : 0;
  }
  rd_stmt_done(s);
  return rv;
}

/* Inserts one row of t in account with random values (nulls where the column takes them). */
static void insert_row(const rd_rtype *t, const char *account, bool nulls) {
  rd_buf sql;
  rd_buf_init(&sql);
  rd_param p[64];
  char texts[64][96];
  char *json[64] = {0};
  int n = 0;
  int64_t id = 0;
  cr_assert_eq(rd_next_id(T.c, &id, &err), 0, "%s", err.message);
  rd_buf_printf(&sql, "INSERT INTO %s (id, account_id, created_at, updated_at", t->table);
  p[n++] = (rd_param){.type = 'i', .i = id};
  p[n++] = (rd_param){.type = 't', .t = account};
  snprintf(texts[0], sizeof texts[0], "2026-0%u-1%uT10:00:0%uZ", 1 + rnd(9), rnd(10), rnd(10));
  p[n++] = (rd_param){.type = 't', .t = texts[0]};
  p[n++] = (rd_param){.type = 't', .t = texts[0]};
  for (int i = 0; i < t->nfields; i++) {
    const rd_field *f = &t->fields[i];
    if (!f->column || (f->flags & RD_FF_WRITEONLY))
      continue;
    cr_assert_lt(n, 60);
    rd_buf_printf(&sql, ", %s", f->column);
    char *tb = texts[n];
    if (nulls && rnd(4) == 0 && f->type != RD_FT_BOOL) {
      p[n++] = (rd_param){.type = 'n'};
      continue;
    }
    switch (f->type) {
    case RD_FT_BOOL: p[n++] = (rd_param){.type = 'b', .i = rnd(2)}; break;
    case RD_FT_INT: p[n++] = (rd_param){.type = 'i', .i = (int64_t)rnd(1000000) - 1000}; break;
    case RD_FT_ROLES: p[n++] = (rd_param){.type = 'i', .i = rnd(64)}; break;
    case RD_FT_ACCOUNT: p[n++] = (rd_param){.type = 't', .t = rnd(2) ? "other" : "acme"}; break;
    case RD_FT_REF: {
      int64_t ref = some_id(f->ref_table);
      p[n++] = ref ? (rd_param){.type = 'i', .i = ref} : (rd_param){.type = 'n'};
      break;
    }
    case RD_FT_JSON:
      json[n] = json_text();
      p[n] = (rd_param){.type = 't', .t = json[n]};
      n++;
      break;
    case RD_FT_DATE:
      snprintf(tb, 96, "20%02u-0%u-1%u", 20 + rnd(10), 1 + rnd(9), rnd(10));
      p[n++] = (rd_param){.type = 't', .t = tb};
      break;
    default: { /* numbered: unique where a column must be (usernames) */
      static int serial;
      char prefix[48];
      snprintf(prefix, sizeof prefix, "%s%d", f->name, ++serial);
      p[n++] = (rd_param){.type = 't', .t = text(tb, 96, prefix)};
      break;
    }
    }
  }
  rd_buf_adds(&sql, ") VALUES (?");
  for (int i = 1; i < n; i++)
    rd_buf_adds(&sql, ", ?");
  rd_buf_adds(&sql, ")");
  rd_err_clear(&err);
  int rv = exec_params(rd_buf_cstr(&sql), p, n);
  for (int i = 0; i < 64; i++)
    free(json[i]);
  rd_buf_term(&sql);
  if (rv && nulls) { /* a NOT NULL column drew a null: once more without */
    insert_row(t, account, false);
    return;
  }
  cr_assert_eq(rv, 0, "insert into %s: %s", t->table, err.message);
}

static const rd_rtype *const TYPES[] = {&rd_org_type,   &rd_person_type, &rd_team_type,
                                        &rd_service_type, &rd_sla_type,  &rd_flsa_type,
                                        &rd_custom_field_type};
enum { NTYPES = sizeof TYPES / sizeof *TYPES };

static int naliases;

/* People's addresses: aliases (0-3, of both accounts) and a primary one, which is none. */
static void add_aliases(void) {
  rd_stmt *s = NULL;
  int64_t ids[400];
  char accts[400][8];
  int n = 0;
  cr_assert_eq(rd_sql(T.c, &s, &err, "SELECT id, account_id FROM people ORDER BY id", ""), 0);
  while (rd_stmt_step(s, &err) == RD_ROW && n < 400) {
    ids[n] = rd_stmt_int64(s, 0);
    snprintf(accts[n++], sizeof accts[0], "%s", rd_stmt_text(s, 1));
  }
  rd_stmt_done(s);
  for (int i = 0; i < n; i++) {
    for (unsigned k = rnd(5); k > 0; k--) {
      char addr[160], part[96];
      snprintf(addr, sizeof addr, "a%d.%u%s@x.example", naliases++, rnd(1000),
               text(part, sizeof part, ""));
      rd_param p[] = {{.type = 't', .t = accts[i]}, {.type = 't', .t = addr},
                      {.type = 'i', .i = ids[i]}, {.type = 'b', .i = k == 1 && rnd(2)}};
      cr_assert_eq(exec_params("INSERT INTO person_emails (account_id, address, person_id,"
                               " is_primary) VALUES (?, ?, ?, ?)",
                               p, 4),
                   0, "%s", err.message);
    }
  }
}

static void fill(int rows_per_type) {
  for (int k = 0; k < rows_per_type; k++)
    for (int i = 0; i < NTYPES; i++)
      insert_row(TYPES[i], rnd(3) ? "acme" : "other", true);
  add_aliases();
}

/* Compares the jansson page (dumped compactly) with the text page; returns the cursor of
 * the next page (0: none). */
static int64_t same_page(const char *what, json_t *rows, bool more, const rd_buf *page,
                         int64_t last, bool more_text) {
  char *want = json_dumps(rows, JSON_COMPACT | JSON_ENCODE_ANY);
  cr_assert_not_null(want);
  cr_assert_eq(page->len, strlen(want), "%s: length\njansson %s\ntext    %.*s", what, want,
               (int)page->len, page->data);
  cr_assert(!memcmp(page->data, want, page->len), "%s:\njansson %s\ntext    %.*s", what, want,
            (int)page->len, page->data);
  cr_assert_eq(more, more_text, "%s: more", what);
  size_t n = json_array_size(rows);
  int64_t want_last = n ? json_integer_value(json_object_get(json_array_get(rows, n - 1), "id")) : 0;
  cr_assert_eq(last, want_last, "%s: last id", what);
  free(want);
  json_decref(rows);
  return more ? last : 0;
}

/* Every page of every resource in acme, both ways, with pages of 1, 4 and 100 rows. */
Test(pages, ISSUE12_pages_of_every_resource_as_text_equal_jansson) {
  static const int LIMITS[] = {1, 4, 100};
  for (int seed = 1; seed <= 3; seed++) {
    rng = 0x9E3779B97F4A7C15ULL * (unsigned long long)seed;
    fill(6);
    for (int i = 0; i < NTYPES; i++) {
      for (size_t l = 0; l < sizeof LIMITS / sizeof *LIMITS; l++) {
        int64_t after = 0;
        int pages = 0;
        do {
          json_t *rows = NULL;
          bool more = false, more_text = false;
          int64_t last = 0;
          rd_buf page;
          rd_buf_init(&page);
          cr_assert_eq(rd_rec_list_by(T.c, TYPES[i], "acme", NULL, NULL, 0, NULL, NULL, NULL, 0, after,
                                      LIMITS[l], &rows, &more, &err),
                       0, "%s", err.message);
          rd_list_q q = {.account_id = "acme", .after = after, .limit = LIMITS[l]};
          cr_assert_eq(rd_rec_list_text(T.c, TYPES[i], &q, NULL, NULL, &page, &last, &more_text,
                                        &err),
                       0, "%s", err.message);
          after = same_page(TYPES[i]->name, rows, more, &page, last, more_text);
          rd_buf_term(&page);
          pages++;
        } while (after && pages < 200);
        cr_assert_gt(pages, 0);
      }
    }
  }
}

/* The people list with its filters (its own conditions, the deleted flag) both ways; pages
 * of 100 hold more people than one aliases query reads (person.c, ALIAS_IDS). */
Test(pages, ISSUE12_people_pages_as_text_equal_jansson) {
  rng = 0xA0761D6478BD642FULL;
  fill(160);
  rd_caller who = rd_system_caller("acme");
  static const int LIMITS[] = {1, 4, 7, 100};
  for (int deleted = 0; deleted < 2; deleted++) {
    for (size_t l = 0; l < sizeof LIMITS / sizeof *LIMITS; l++) {
      int limit = LIMITS[l];
      int64_t after = 0;
      int pages = 0;
      do {
        rd_person_filter f = {.deleted = deleted};
        json_t *rows = NULL;
        bool more = false, more_text = false;
        int64_t last = 0;
        rd_buf page;
        rd_buf_init(&page);
        cr_assert_eq(rd_person_list(T.c, &who, &f, after, limit, &rows, &more, &err), 0, "%s",
                     err.message);
        cr_assert_eq(rd_person_list_text(T.c, &who, &f, after, limit, &page, &last, &more_text,
                                         &err),
                     0, "%s", err.message);
        after = same_page("people", rows, more, &page, last, more_text);
        rd_buf_term(&page);
        pages++;
      } while (after && pages < 200);
    }
  }
  cr_assert_gt(naliases, 0);
}

static rd_caller caller(const char *account, unsigned roles) {
  rd_caller c = rd_system_caller(account);
  c.roles = roles;
  return c;
}

/* ACC-7 and TRUST-4 in text form: the organizations list and the All Organizations view
 * (own records whole, foreign ones projected with the viewer's random annotations), for
 * staff and for customers, equal the jansson pages. */
Test(pages, ISSUE12_TRUST4_ACC7_organization_pages_as_text_equal_jansson) {
  rng = 0xD1B54A32D192ED03ULL;
  fill(8);
  for (int k = 0; k < 10; k++)
    insert_row(&rd_org_type, rnd(2) ? "acme" : "other", true);
  /* TRUST-3 source 3: acme registered active SLAs with other's organizations as customers,
   * and other trusts acme. */
  int64_t provider = 0, service = 0;
  cr_assert_eq(rd_sql_int64(T.c, &provider, &err,
                            "SELECT id FROM organizations WHERE account_id = 'acme' ORDER BY id"
                            " LIMIT 1", ""),
               RD_ROW);
  cr_assert_eq(rd_next_id(T.c, &service, &err), 0);
  rd_param sp[] = {{.type = 'i', .i = service}, {.type = 'i', .i = provider}};
  cr_assert_eq(exec_params("INSERT INTO services (id, account_id, name, provider_org_id,"
                           " created_at, updated_at) VALUES (?, 'acme', 'S', ?, 'x', 'x')",
                           sp, 2),
               0, "%s", err.message);
  cr_assert_eq(exec_params("INSERT INTO trusts (account_id, trusted_account_id, created_at)"
                           " VALUES ('other', 'acme', 'x')",
                           NULL, 0),
               0, "%s", err.message);
  rd_stmt *s = NULL;
  int64_t ids[200];
  int nids = 0;
  cr_assert_eq(rd_sql(T.c, &s, &err, "SELECT id FROM organizations WHERE account_id = 'other'"
                                     " ORDER BY id", ""),
               0);
  while (rd_stmt_step(s, &err) == RD_ROW && nids < 200)
    ids[nids++] = rd_stmt_int64(s, 0);
  rd_stmt_done(s);
  cr_assert_gt(nids, 3);
  for (int i = 0; i < nids; i++) {
    if (rnd(5) == 0)
      continue; /* not in the view */
    int64_t sla = 0;
    cr_assert_eq(rd_next_id(T.c, &sla, &err), 0);
    rd_param ap[] = {{.type = 'i', .i = sla}, {.type = 'i', .i = service}, {.type = 'i', .i = ids[i]}};
    cr_assert_eq(exec_params("INSERT INTO slas (id, account_id, service_id, customer_org_id,"
                             " customer_account_id, start_date, cancelled, created_at, updated_at)"
                             " VALUES (?, 'acme', ?, ?, 'other', '2000-01-01', FALSE, 'x', 'x')",
                             ap, 3),
                 0, "%s", err.message);
    if (rnd(2)) { /* acme's annotation of it */
      char remarks[96], fin[96];
      char *att = json_text(), *cf = json_text();
      rd_param np[] = {{.type = 'i', .i = ids[i]},
                       rnd(3) ? (rd_param){.type = 't', .t = text(remarks, sizeof remarks, "r")}
                              : (rd_param){.type = 'n'},
                       {.type = 't', .t = att},
                       rnd(3) ? (rd_param){.type = 't', .t = text(fin, sizeof fin, "F")}
                              : (rd_param){.type = 'n'},
                       {.type = 't', .t = cf}};
      cr_assert_eq(exec_params("INSERT INTO org_annotations (account_id, organization_id, remarks,"
                               " remarks_attachments, financial_id, custom_fields, created_at,"
                               " updated_at) VALUES ('acme', ?, ?, ?, ?, ?, 'x', 'x')",
                               np, 5),
                   0, "%s", err.message);
      free(att);
      free(cf);
    }
  }
  const rd_caller callers[] = {caller("acme", RD_ROLE_ACCOUNT_ADMINISTRATOR),
                               caller("acme", RD_ROLE_TECHNICIAN),
                               caller("acme", RD_ROLE_CUSTOMER), caller("acme", RD_ROLE_PARTNER)};
  static const int LIMITS[] = {1, 3, 100};
  bool saw_foreign = false;
  for (size_t w = 0; w < sizeof callers / sizeof *callers; w++) {
    for (size_t l = 0; l < sizeof LIMITS / sizeof *LIMITS; l++) {
      for (int list = 0; list < 3; list++) { /* own list, All Organizations, trusted only */
        int64_t after = 0;
        int pages = 0;
        do {
          json_t *rows = NULL;
          bool more = false, more_text = false;
          int64_t last = 0;
          rd_buf page;
          rd_buf_init(&page);
          if (list == 0) {
            rd_org_filter f = {.disabled = -1};
            cr_assert_eq(rd_org_list(T.c, &callers[w], &f, after, LIMITS[l], &rows, &more, &err), 0);
            cr_assert_eq(rd_org_list_text(T.c, &callers[w], &f, after, LIMITS[l], &page, &last,
                                          &more_text, &err),
                         0, "%s", err.message);
          } else {
            cr_assert_eq(rd_org_view_list(T.c, &callers[w], list == 2, after, LIMITS[l], &rows,
                                          &more, &err),
                         0, "%s", err.message);
            cr_assert_eq(rd_org_view_list_text(T.c, &callers[w], list == 2, after, LIMITS[l],
                                               &page, &last, &more_text, &err),
                         0, "%s", err.message);
          }
          saw_foreign |= page.len && strstr(page.data, "\"foreign\":true") != NULL;
          after = same_page(list == 0 ? "organizations" : "all organizations", rows, more, &page,
                            last, more_text);
          rd_buf_term(&page);
          pages++;
        } while (after && pages < 500);
      }
    }
  }
  cr_assert(saw_foreign, "the view held no foreign record");
}

/* ISSUE12: rd_json_add_string copies printable ASCII itself and hands every other string to
 * jansson; either way the bytes are jansson's (json_dumps of json_string, "null" for NULL or
 * for text that is not UTF-8). Every byte alone and inside ASCII, then random strings. */
static void same_as_jansson(const char *s) {
  rd_buf b;
  rd_buf_init(&b);
  rd_json_add_string(&b, s);
  json_t *v = s ? json_string(s) : NULL;
  char *want = json_dumps(v ? v : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
  json_decref(v);
  cr_assert_eq(b.len, strlen(want), "length for %s", want);
  cr_assert(!memcmp(b.data, want, b.len), "%.*s against %s", (int)b.len, b.data, want);
  free(want);
  rd_buf_term(&b);
}

Test(pages, ISSUE12_strings_written_as_jansson_writes_them) {
  same_as_jansson(NULL);
  same_as_jansson("");
  for (int ch = 1; ch < 256; ch++) {
    char one[2] = {(char)ch, 0}, mid[8] = {'a', 'b', (char)ch, 'c', 0};
    same_as_jansson(one);
    same_as_jansson(mid);
  }
  static const char pick[] = "aZ09 -_./@+\"\\\t\n\x01\x1f\x7f\xc3\xa9\xe2\x80\xa8\xff";
  rng = 88172645463325252ull;
  for (int i = 0; i < 20000; i++) {
    char s[24];
    int n = (int)rnd(sizeof s);
    for (int k = 0; k < n; k++)
      s[k] = pick[rnd(sizeof pick - 1)];
    s[n] = 0;
    same_as_jansson(s);
  }
}
