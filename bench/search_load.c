/* bench_search_load: fills a fresh database with one account of N customers for the
 * customer search benchmark (bench/search.sh, CUST-4, PERF-2). A million people through
 * the domain layer (one transaction, an audit row and an argon2-free but still
 * statement-by-statement create each) would take far too long on PostgreSQL, so the
 * customers go in as multi-row INSERTs of people, person_emails and person_search, 100 rows
 * a statement and 10,000 a transaction, through the portable store API (both backends).
 * The search text comes from the same functions the domain uses (rd_search_person_text,
 * rd_search_doc), so it is what a write through the API would store. No audit rows: this
 * is benchmark data. Organizations and the administrator (for `rolodesk token create`)
 * are made through the domain layer.
 *
 * Names: 60 first names and 1,000 last names (40 stems x 25 endings, some with accents),
 * so a last name matches about N/1,000 customers. --names FILE writes the distinct last
 * names, one a line, for the benchmark's queries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "base/fold.h"
#include "base/log.h"
#include "base/mem.h"
#include "domain/account.h"
#include "domain/org.h"
#include "domain/person.h"
#include "domain/search.h"

#define BENCH_NAME "bench_search_load"
#include "bench.h"

enum { ROWS = 100, TX_ROWS = 10000, ORGS = 1000 };

static const char *const FIRST[] = {
    "José",    "Zoë",   "Łukasz", "Søren",  "Björn",  "François", "Ana",    "Anna",   "Ann",
    "Bram",    "Chloé", "Daan",   "Emma",   "Eva",    "Finn",     "Hélène", "Ines",   "Jan",
    "Jörg",    "Kees",  "Lars",   "Lena",   "Lotte",  "Luca",     "Maja",   "Marek",  "María",
    "Mila",    "Noah",  "Nora",   "Olga",   "Ömer",   "Pablo",   "Petra",  "Pia",    "Raúl",
    "Renée",   "Sanne", "Sara",   "Sem",    "Siân",   "Sofía",   "Stijn",  "Tess",   "Thijs",
    "Tomás",   "Úrsula", "Vera",  "Wim",    "Xavier", "Yara",     "Zofia",  "Agnès",  "Bartosz",
    "Céline",  "Dörte", "Elif",   "Gökhan", "Håkon",  "Iñigo"};
static const char *const STEMS[] = {
    "Berg", "Mül",  "Jan",  "Vis",  "Smit", "Dekk", "Bak",  "Hof",  "Lind",  "Holm",
    "Nú",   "Gonz", "Fern", "Rodr", "Mart", "Lóp",  "Żół",  "Kow",  "Nowa",  "Wiś",
    "Dub",  "Lef",  "Mor",  "Laur", "Ros",  "Ric",  "Fer",  "Bianc", "Col",  "Gal",
    "Ost",  "Schö", "Kel",  "Wal",  "Braun", "Kra", "Frank", "Pet", "Ols",   "Hans"};
static const char *const ENDINGS[] = {"er",   "sen",  "son",  "mann",  "ski",  "ez",   "ini",
                                      "ard",  "ot",   "berg", "feld",  "stra", "ink",  "ens",
                                      "ova",  "ić",   "ley",  "ton",   "well", "wood", "ford",
                                      "by",   "hurst", "ham", "field"};
#define NFIRST (sizeof FIRST / sizeof *FIRST)
#define NSTEMS (sizeof STEMS / sizeof *STEMS)
#define NENDINGS (sizeof ENDINGS / sizeof *ENDINGS)

static int usage(void) {
  fputs("usage: bench_search_load --db PATH|postgresql://... [--account ID] [--customers N]"
        " [--names FILE]\n",
        stderr);
  return 2;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* "INSERT INTO table (cols) VALUES (?, ...), ..." for rows rows of ncols columns. */
static char *insert_sql(const char *head, int ncols, int rows) {
  rd_buf b;
  rd_buf_init(&b);
  rd_buf_adds(&b, head);
  for (int r = 0; r < rows; r++) {
    rd_buf_adds(&b, r ? ", (" : " VALUES (");
    for (int c = 0; c < ncols; c++)
      rd_buf_adds(&b, c ? ", ?" : "?");
    rd_buf_adds(&b, ")");
  }
  char *sql = rd_strdup(rd_buf_cstr(&b));
  rd_buf_term(&b);
  return sql;
}

static int run(rd_conn *c, const char *sql, const rd_param *p, int n, rd_err *err) {
  rd_stmt *s = NULL;
  int rv = rd_sql_params(c, &s, err, sql, p, n);
  if (!rv)
    rv = rd_stmt_step(s, err);
  rd_stmt_done(s);
  return rv < 0 ? rv : 0;
}

/* Strings of one batch, freed together. */
typedef struct batch {
  char *strs[ROWS * 12];
  int n;
} batch;
static const char *keep(batch *b, const char *s) {
  return b->strs[b->n++] = rd_strdup(s);
}
static void batch_clear(batch *b) {
  for (int i = 0; i < b->n; i++)
    rd_free(b->strs[i]);
  b->n = 0;
}

int main(int argc, char **argv) {
  const char *db_uri = NULL, *account = "bench", *names_file = NULL;
  long n = 1000000;
  for (int i = 1; i + 1 < argc; i += 2) {
    char *end = NULL;
    if (!strcmp(argv[i], "--db"))
      db_uri = argv[i + 1];
    else if (!strcmp(argv[i], "--account"))
      account = argv[i + 1];
    else if (!strcmp(argv[i], "--names"))
      names_file = argv[i + 1];
    else if (!strcmp(argv[i], "--customers") && (n = strtol(argv[i + 1], &end, 10)) > 0 && !*end)
      continue;
    else
      return usage();
  }
  if (!db_uri || argc % 2 != 1)
    return usage();
  rd_log_level = RD_LOG_WARN;
  if (rd_auth_init())
    return 1;
  rd_err err;
  rd_err_clear(&err);
  rd_db *db = NULL;
  rd_conn *conn = NULL;
  int rv = 1;
  int64_t id = 0, orgs[ORGS];
  char *org_names[ORGS] = {0};
  char *people_sql = NULL, *emails_sql = NULL, *search_sql = NULL;
  rd_param *pp = rd_calloc(ROWS * 13, sizeof *pp), *pe = rd_calloc(ROWS * 4, sizeof *pe),
           *ps = rd_calloc(ROWS * 6, sizeof *ps);
  batch b = {0};
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (rd_db_open(db_uri, true, &db, &err) || rd_db_acquire(db, &conn, &err)) {
    fail("open", &err);
    goto out;
  }
  if (rd_account_create(conn, account, "Search Bench", &err)) {
    fail("account create", &err);
    goto out;
  }
  rd_caller who = rd_system_caller(account);
  json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "username", "admin", "first_name", "Alex",
                         "last_name", "Admin", "primary_email", "admin@bench.example", "roles",
                         "account_administrator");
  int r = rd_person_create(conn, &who, in, &id, &err);
  json_decref(in);
  if (r) {
    fail("person create", &err);
    goto out;
  }
  for (int i = 0; i < ORGS; i++) {
    char name[64];
    snprintf(name, sizeof name, "%s%s Holding %d", STEMS[i % NSTEMS],
             ENDINGS[(i / NSTEMS) % NENDINGS], i + 1);
    org_names[i] = rd_strdup(name);
    in = json_pack("{s:s}", "name", name);
    r = rd_org_create(conn, &who, in, &orgs[i], &err);
    json_decref(in);
    if (r) {
      fail("organization create", &err);
      goto out;
    }
  }
  if (names_file) {
    FILE *f = fopen(names_file, "w");
    if (!f) {
      perror(names_file);
      goto out;
    }
    for (size_t s = 0; s < NSTEMS; s++)
      for (size_t e = 0; e < NENDINGS; e++)
        fprintf(f, "%s%s\n", STEMS[s], ENDINGS[e]);
    fclose(f);
  }
  people_sql = insert_sql("INSERT INTO people (id, account_id, username, first_name, last_name,"
                          " primary_email, send_to, roles, organization_id, phone,"
                          " default_portal, created_at, updated_at)",
                          13, ROWS);
  emails_sql = insert_sql("INSERT INTO person_emails (account_id, address, person_id, is_primary)",
                          4, ROWS);
  search_sql = insert_sql("INSERT INTO person_search (person_id, account_id, person_text, doc,"
                          " first_key, last_key)",
                          6, ROWS);
  const int64_t customer = rd_role_bit("customer");
  time_t base = 1577836800; /* 2020-01-01T00:00:00Z: one customer a minute from then */
  long done = 0;
  while (done < n) {
    if (rd_tx_begin(conn, true, &err)) {
      fail("begin", &err);
      goto out;
    }
    for (long tx_end = done + TX_ROWS; done < n && done < tx_end;) {
      int rows = (int)(n - done < ROWS ? n - done : ROWS);
      int np = 0, ne = 0, ns = 0;
      for (int k = 0; k < rows; k++, done++) {
        if (rd_next_id(conn, &id, &err)) {
          fail("next id", &err);
          goto out;
        }
        uint64_t x = next_rand();
        const char *first = FIRST[x % NFIRST];
        char last[64], user[96], email[128], phone[32], when[32];
        snprintf(last, sizeof last, "%s%s", STEMS[(x >> 8) % NSTEMS], ENDINGS[(x >> 16) % NENDINGS]);
        rd_buf norm;
        rd_buf_init(&norm);
        rd_fold(first, true, &norm);
        rd_buf_adds(&norm, ".");
        rd_fold(last, true, &norm);
        snprintf(user, sizeof user, "%s%ld", rd_buf_cstr(&norm), done + 1);
        rd_buf_term(&norm);
        snprintf(email, sizeof email, "%s@customer%ld.example", user, (long)((x >> 24) % 5000));
        snprintf(phone, sizeof phone, "+31 6 %08ld", (long)((x >> 32) % 100000000));
        time_t t = base + (time_t)done * 60;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        int org = (x >> 40) % 2 ? (int)((x >> 42) % ORGS) : -1;
        pp[np++] = (rd_param){.type = 'i', .i = id};
        pp[np++] = (rd_param){.type = 't', .t = account};
        pp[np++] = (rd_param){.type = 't', .t = keep(&b, user)};
        pp[np++] = (rd_param){.type = 't', .t = first};
        pp[np++] = (rd_param){.type = 't', .t = keep(&b, last)};
        const char *mail = keep(&b, email);
        pp[np++] = (rd_param){.type = 't', .t = mail};
        pp[np++] = (rd_param){.type = 't', .t = mail};
        pp[np++] = (rd_param){.type = 'i', .i = customer};
        pp[np++] = org >= 0 ? (rd_param){.type = 'i', .i = orgs[org]} : (rd_param){.type = 'n'};
        pp[np++] = (rd_param){.type = 't', .t = keep(&b, phone)};
        pp[np++] = (rd_param){.type = 't', .t = "customer"};
        const char *at = keep(&b, when);
        pp[np++] = (rd_param){.type = 't', .t = at};
        pp[np++] = (rd_param){.type = 't', .t = at};
        pe[ne++] = (rd_param){.type = 't', .t = account};
        pe[ne++] = (rd_param){.type = 't', .t = mail};
        pe[ne++] = (rd_param){.type = 'i', .i = id};
        pe[ne++] = (rd_param){.type = 'b', .i = 1};
        rd_buf text, doc, fk, lk;
        rd_buf_init(&text);
        rd_buf_init(&doc);
        rd_buf_init(&fk);
        rd_buf_init(&lk);
        const char *phones[4] = {phone, NULL, NULL, NULL};
        const char *addr[1] = {email};
        rd_search_person_text(first, last, user, phones, addr, 1, &text, &fk, &lk);
        rd_search_doc(rd_buf_cstr(&text), org >= 0 ? org_names[org] : NULL, &doc);
        ps[ns++] = (rd_param){.type = 'i', .i = id};
        ps[ns++] = (rd_param){.type = 't', .t = account};
        ps[ns++] = (rd_param){.type = 't', .t = keep(&b, rd_buf_cstr(&text))};
        ps[ns++] = (rd_param){.type = 't', .t = keep(&b, rd_buf_cstr(&doc))};
        ps[ns++] = (rd_param){.type = 't', .t = keep(&b, rd_buf_cstr(&fk))};
        ps[ns++] = (rd_param){.type = 't', .t = keep(&b, rd_buf_cstr(&lk))};
        rd_buf_term(&text);
        rd_buf_term(&doc);
        rd_buf_term(&fk);
        rd_buf_term(&lk);
      }
      char *p_sql = rows == ROWS ? people_sql : insert_sql("INSERT INTO people (id, account_id,"
                                                          " username, first_name, last_name,"
                                                          " primary_email, send_to, roles,"
                                                          " organization_id, phone,"
                                                          " default_portal, created_at,"
                                                          " updated_at)", 13, rows);
      char *e_sql = rows == ROWS ? emails_sql : insert_sql("INSERT INTO person_emails (account_id,"
                                                          " address, person_id, is_primary)", 4, rows);
      char *s_sql = rows == ROWS ? search_sql : insert_sql("INSERT INTO person_search (person_id,"
                                                          " account_id, person_text, doc,"
                                                          " first_key, last_key)", 6, rows);
      r = run(conn, p_sql, pp, np, &err);
      if (!r)
        r = run(conn, e_sql, pe, ne, &err);
      if (!r)
        r = run(conn, s_sql, ps, ns, &err);
      if (rows != ROWS) {
        rd_free(p_sql);
        rd_free(e_sql);
        rd_free(s_sql);
      }
      batch_clear(&b);
      if (r) {
        fail("insert", &err);
        goto out;
      }
    }
    if (rd_tx_commit(conn, &err)) {
      fail("commit", &err);
      goto out;
    }
  }
  /* Fresh statistics, so both planners see the tables as they now are. */
  if (rd_sql_exec(conn, NULL, &err, "ANALYZE", "")) {
    fail("analyze", &err);
    goto out;
  }
  /* Issue 12: what an operator does after a bulk load. PostgreSQL: VACUUM merges the GIN
   * pending list into the index (every search scans that list whole) and sets the
   * visibility map, of every table the load wrote (else autovacuum does it for the new
   * tables while the benchmark measures). SQLite: 'optimize' merges the FTS5 segments that
   * the load's 10,000-row transactions left, so a term is looked up in one segment instead
   * of dozens. */
  const char *maint = strcmp(rd_db_backend(db), "sqlite")
                          ? "VACUUM ANALYZE"
                          : "INSERT INTO person_search_fts (person_search_fts) VALUES ('optimize')";
  if (rd_sql_exec(conn, NULL, &err, maint, "")) {
    fail("vacuum", &err);
    goto out;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  fprintf(stderr, "bench_search_load: %ld customers in account %s (%s) in %.1f s (%.0f/s)\n", n,
          account, rd_db_backend(db), secs, (double)n / secs);
  rv = 0;
out:
  if (conn)
    rd_tx_rollback(conn);
  batch_clear(&b);
  for (int i = 0; i < ORGS; i++)
    rd_free(org_names[i]);
  rd_free(people_sql);
  rd_free(emails_sql);
  rd_free(search_sql);
  rd_free(pp);
  rd_free(pe);
  rd_free(ps);
  if (conn)
    rd_db_release(db, conn);
  rd_db_free(db);
  return rv;
}
