/* bench_load: fills a fresh database with one account of N organizations for the
 * benchmark of bench/run.sh (PERF-1). It goes through the domain layer (rd_account_create,
 * rd_person_create, rd_org_create) exactly like `rolodesk demo`, so every row is
 * validated, versioned and audited as the API would write it, and it works on both
 * backends through --db.
 *
 * The account gets an administrator "admin" (for `rolodesk token create`), a few staff
 * people who manage some organizations, and N organizations with contact details; one
 * in ten is a top-level organization and the others hang below one of them, one in three
 * has a financial ID and one in five a manager. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "base/log.h"
#include "base/mem.h"
#include "domain/account.h"
#include "domain/org.h"
#include "domain/person.h"

enum { STAFF = 8 };

static const char *const CITIES[] = {"Amsterdam", "Rotterdam", "Utrecht", "Berlin",
                                     "Hamburg",   "London",    "Leeds",   "Paris"};
static const char *const COUNTRIES[] = {"NL", "NL", "NL", "DE", "DE", "GB", "GB", "FR"};

static int usage(void) {
  fputs("usage: bench_load --db PATH|postgresql://... [--account ID] [--orgs N]\n", stderr);
  return 2;
}

static int fail(const char *what, const rd_err *err) {
  fprintf(stderr, "bench_load: %s: %s", what, err->message[0] ? err->message : "error");
  for (int i = 0; i < err->nitems; i++)
    fprintf(stderr, "%s%s: %s", i ? ", " : " (", err->items[i].field, err->items[i].message);
  fputs(err->nitems ? ")\n" : "\n", stderr);
  return 1;
}

static int add_person(rd_conn *conn, const rd_caller *who, const char *username,
                      const char *first, const char *last, const char *role, int64_t *id,
                      rd_err *err) {
  char email[96];
  snprintf(email, sizeof email, "%s@bench.example", username);
  json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "username", username, "first_name", first,
                         "last_name", last, "primary_email", email, "roles", role);
  int rv = rd_person_create(conn, who, in, id, err);
  json_decref(in);
  return rv;
}

/* Organization i (0-based): parents are the top-level ones made before it. */
static json_t *org_json(long i, const int64_t *tops, long ntops, const int64_t *staff) {
  char name[64], street[64], phone[32], mail[64], web[64], fin[32];
  int c = (int)(i % 8);
  snprintf(name, sizeof name, "Bench Organization %05ld", i + 1);
  snprintf(street, sizeof street, "Main Street %ld", i % 400 + 1);
  snprintf(phone, sizeof phone, "+31 20 555 %04ld", i % 10000);
  snprintf(mail, sizeof mail, "desk%ld@org%ld.example", i + 1, i + 1);
  snprintf(web, sizeof web, "https://org%ld.example", i + 1);
  json_t *o = json_pack(
      "{s:s,s:{s:[{s:s,s:s,s:s,s:s,s:s}],s:[{s:s,s:s},{s:s,s:s}],s:[{s:s,s:s}],s:[{s:s,s:s}]}}",
      "name", name, "contact", "addresses", "label", "work", "street", street, "city",
      CITIES[c], "zip", "1000 AA", "country", COUNTRIES[c], "telephones", "label", "work",
      "number", phone, "label", "fax", "number", phone, "email_addresses", "label", "work",
      "address", mail, "websites", "label", "work", "url", web);
  if (i % 10 != 0 && ntops > 0)
    json_object_set_new(o, "parent", json_pack("{s:I}", "id", (json_int_t)tops[i % ntops]));
  if (i % 3 == 0) {
    snprintf(fin, sizeof fin, "F-%05ld", i + 1);
    json_object_set_new(o, "financial_id", json_string(fin));
  }
  if (i % 5 == 0)
    json_object_set_new(o, "manager", json_pack("{s:I}", "id", (json_int_t)staff[i % STAFF]));
  if (i % 7 == 0)
    json_object_set_new(o, "remarks", json_string("Key account; call before visiting."));
  return o;
}

int main(int argc, char **argv) {
  const char *db_uri = NULL, *account = "bench";
  long norgs = 10000;
  for (int i = 1; i + 1 < argc; i += 2) {
    char *end = NULL;
    if (!strcmp(argv[i], "--db"))
      db_uri = argv[i + 1];
    else if (!strcmp(argv[i], "--account"))
      account = argv[i + 1];
    else if (!strcmp(argv[i], "--orgs") && (norgs = strtol(argv[i + 1], &end, 10)) > 0 && !*end)
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
  int64_t *tops = NULL, staff[STAFF] = {0}, id = 0;
  long ntops = 0;
  int rv = 1;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (rd_db_open(db_uri, true, &db, &err) || rd_db_acquire(db, &conn, &err)) {
    fail("open", &err);
    goto out;
  }
  if (rd_account_create(conn, account, "Bench Corporation", &err)) {
    fail("account create", &err);
    goto out;
  }
  rd_caller who = rd_system_caller(account);
  if (add_person(conn, &who, "admin", "Alex", "Admin", "account_administrator", &id, &err)) {
    fail("person create", &err);
    goto out;
  }
  for (int i = 0; i < STAFF; i++) {
    char user[16], last[16];
    snprintf(user, sizeof user, "manager%d", i + 1);
    snprintf(last, sizeof last, "Manager%d", i + 1);
    if (add_person(conn, &who, user, "Morgan", last, "service_level_manager", &staff[i], &err)) {
      fail("person create", &err);
      goto out;
    }
  }
  tops = rd_calloc((size_t)norgs / 10 + 1, sizeof *tops);
  for (long i = 0; i < norgs; i++) {
    json_t *in = org_json(i, tops, ntops, staff);
    int r = rd_org_create(conn, &who, in, &id, &err);
    json_decref(in);
    if (r) {
      fail("organization create", &err);
      goto out;
    }
    if (i % 10 == 0)
      tops[ntops++] = id;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  fprintf(stderr, "bench_load: %ld organizations in account %s (%s) in %.2f s (%.0f/s)\n", norgs,
          account, rd_db_backend(db), secs, (double)norgs / secs);
  rv = 0;
out:
  rd_free(tops);
  if (conn)
    rd_db_release(db, conn);
  rd_db_free(db);
  return rv;
}
