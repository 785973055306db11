/* bench_load: fills a fresh database with one account of N organizations for the
 * benchmark of bench/run.sh (PERF-1). It goes through the domain layer (rd_account_create,
 * rd_person_create, rd_org_create) exactly like `rolodesk demo`, so every row is
 * validated, versioned and audited as the API would write it, and it works on both
 * backends through --db.
 *
 * The account gets an administrator "admin" (for `rolodesk token create`), a few staff
 * people who manage some organizations, and N organizations with contact details; one
 * in ten is a top-level organization and the others hang below one of them, one in three
 * has a financial ID and one in five a manager.
 *
 * With --trust N it loads the trusted-accounts dataset of bench/trust.sh (issue 4) instead:
 * an MSP account "msp" with --msp-orgs organizations (100) and ten services, trusted by
 * N customer accounts c0001..cN (their consent, TRUST-2; the MSP trusts none of them, as
 * its own trust would change nothing), each with --orgs organizations (10) and
 * --slas active SLAs (as many as it has organizations) registered by the MSP, one per
 * customer organization, for the MSP's services in turn. So the MSP's All Organizations
 * view holds its own organizations plus N x --slas foreign ones (TRUST-3 source 3), and a
 * customer's view its own plus the provider organizations of its SLAs' services (source
 * 2). These rows are written with plain INSERTs through the store layer in one
 * transaction, not through rd_org_create (one transaction per record, about 600 records/s
 * on PostgreSQL): they are not validated or audited, only the two administrators ("admin"
 * of "msp" and of the customer in the middle, c0500 for N = 1000) go through the domain
 * layer. It prints those two account ids on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "domain/account.h"
#include "domain/org.h"
#include "domain/person.h"

#define BENCH_NAME "bench_load"
#include "bench.h"

enum { STAFF = 8 };

static const char *const CITIES[] = {"Amsterdam", "Rotterdam", "Utrecht", "Berlin",
                                     "Hamburg",   "London",    "Leeds",   "Paris"};
static const char *const COUNTRIES[] = {"NL", "NL", "NL", "DE", "DE", "GB", "GB", "FR"};

static int usage(void) {
  fputs("usage: bench_load --db PATH|postgresql://... [--account ID] [--orgs N]\n"
        "       bench_load --db PATH|postgresql://... --trust CUSTOMERS [--orgs N] [--slas N]"
        " [--msp-orgs N]\n",
        stderr);
  return 2;
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

/* ---- the trusted-accounts dataset (--trust) ---- */

enum { MSP_SERVICES = 10 };

typedef struct trust_opts {
  long customers, orgs, slas, msp_orgs;
} trust_opts;

/* One organization row of account, named name, with the contact details of org_json's
 * organization i; its id in *id. */
static int insert_org(rd_conn *conn, const char *account, const char *name, long i,
                      const char *now, int64_t *id, rd_err *err) {
  int64_t staff[STAFF] = {0};
  json_t *o = org_json(i, NULL, 0, staff);
  char *contact = json_dumps(json_object_get(o, "contact"), JSON_COMPACT);
  int rv = rd_next_id(conn, id, err);
  if (!rv)
    rv = rd_sql_exec(conn, NULL, err,
                     "INSERT INTO organizations (id, account_id, name, financial_id, remarks,"
                     " contact, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     "ittttttt", *id, account, name,
                     json_string_value(json_object_get(o, "financial_id")),
                     json_string_value(json_object_get(o, "remarks")), contact, now, now);
  free(contact);
  json_decref(o);
  return rv;
}

static int insert_trust(rd_conn *conn, const char *truster, const char *trusted,
                        const char *now, rd_err *err) {
  return rd_sql_exec(conn, NULL, err,
                     "INSERT INTO trusts (account_id, trusted_account_id, created_at)"
                     " VALUES (?, ?, ?)",
                     "ttt", truster, trusted, now);
}

/* Everything but the administrators, in the caller's transaction. */
static int load_trust_rows(rd_conn *conn, const trust_opts *o, const char *now, rd_err *err) {
  int64_t services[MSP_SERVICES], id = 0;
  int rv = rd_account_create(conn, "msp", "Managed Services Provider", err);
  for (long i = 0; !rv && i < o->msp_orgs; i++) {
    char name[64];
    snprintf(name, sizeof name, "MSP Organization %04ld", i + 1);
    rv = insert_org(conn, "msp", name, i, now, &id, err);
    if (!rv && i < MSP_SERVICES) {
      int64_t provider_org_id = id;
      char sname[32];
      snprintf(sname, sizeof sname, "Service %ld", i + 1);
      rv = rd_next_id(conn, &services[i], err);
      if (!rv)
        rv = rd_sql_exec(conn, NULL, err,
                         "INSERT INTO services (id, account_id, name, provider_org_id,"
                         " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                         "ittitt", services[i], "msp", sname, provider_org_id, now, now);
    }
  }
  for (long c = 0; !rv && c < o->customers; c++) {
    char account[16], aname[64];
    snprintf(account, sizeof account, "c%04ld", c + 1);
    snprintf(aname, sizeof aname, "Customer %04ld", c + 1);
    rv = rd_account_create(conn, account, aname, err);
    /* TRUST-2: the customer trusts its provider. */
    if (!rv)
      rv = insert_trust(conn, account, "msp", now, err);
    for (long k = 0; !rv && k < o->orgs; k++) {
      char name[64];
      snprintf(name, sizeof name, "Customer %04ld Organization %02ld", c + 1, k + 1);
      rv = insert_org(conn, account, name, c * o->orgs + k, now, &id, err);
      int64_t sla_id = 0;
      if (!rv && k < o->slas)
        rv = rd_next_id(conn, &sla_id, err);
      if (!rv && k < o->slas)
        rv = rd_sql_exec(conn, NULL, err,
                         "INSERT INTO slas (id, account_id, service_id, customer_org_id,"
                         " customer_account_id, start_date, expiry_date, cancelled, created_at,"
                         " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         "itiittnbtt", sla_id, "msp", services[(c + k) % MSP_SERVICES], id,
                         account, "2020-01-01", 0, now, now);
    }
  }
  return rv;
}

static int load_trust(rd_db *db, rd_conn *conn, const trust_opts *o, rd_err *err) {
  char now[RD_TIME_LEN], customer[16];
  rd_time_now(now);
  snprintf(customer, sizeof customer, "c%04ld", o->customers / 2 > 0 ? o->customers / 2 : 1);
  int rv = rd_tx_begin(conn, true, err);
  if (rv)
    return fail("begin", err);
  rv = load_trust_rows(conn, o, now, err);
  if (!rv)
    rv = rd_tx_commit(conn, err);
  else
    rd_tx_rollback(conn);
  if (rv)
    return fail("insert", err);
  /* PostgreSQL's autovacuum would analyze the new tables within a minute; do it now so
   * that the planner sees them as a running installation would. SQLite has no statistics
   * unless ANALYZE is run, and rolodeskd never runs it. */
  if (!strcmp(rd_db_backend(db), "postgresql") && rd_sql_exec(conn, NULL, err, "ANALYZE", ""))
    return fail("analyze", err);
  int64_t id = 0;
  const char *admins[] = {"msp", customer};
  for (int i = 0; i < 2; i++) {
    rd_caller who = rd_system_caller(admins[i]);
    if (add_person(conn, &who, "admin", "Alex", "Admin", "account_administrator", &id, err))
      return fail("person create", err);
  }
  printf("msp %s\n", customer);
  return 0;
}

int main(int argc, char **argv) {
  const char *db_uri = NULL, *account = "bench";
  long norgs = 0;
  trust_opts trust = {.customers = 0, .slas = -1, .msp_orgs = 100};
  for (int i = 1; i + 1 < argc; i += 2) {
    char *end = NULL;
    long *num = !strcmp(argv[i], "--orgs")       ? &norgs
                : !strcmp(argv[i], "--trust")    ? &trust.customers
                : !strcmp(argv[i], "--slas")     ? &trust.slas
                : !strcmp(argv[i], "--msp-orgs") ? &trust.msp_orgs
                                                 : NULL;
    if (!strcmp(argv[i], "--db"))
      db_uri = argv[i + 1];
    else if (!strcmp(argv[i], "--account"))
      account = argv[i + 1];
    else if (num && (*num = strtol(argv[i + 1], &end, 10)) >= 0 && !*end)
      continue;
    else
      return usage();
  }
  if (!db_uri || argc % 2 != 1)
    return usage();
  trust.orgs = norgs ? norgs : 10;
  if (trust.slas < 0 || trust.slas > trust.orgs)
    trust.slas = trust.orgs;
  if (!norgs)
    norgs = 10000;
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
  if (trust.customers > 0) {
    if (load_trust(db, conn, &trust, &err))
      goto out;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    long rows = trust.msp_orgs + trust.customers * (trust.orgs + trust.slas);
    fprintf(stderr,
            "bench_load: MSP with %ld organizations, %ld customer accounts (trusting it) of %ld"
            " organizations and %ld SLAs each (%s): %ld organizations and SLAs in %.2f s"
            " (%.0f/s)\n",
            trust.msp_orgs, trust.customers, trust.orgs, trust.slas, rd_db_backend(db), rows,
            secs, (double)rows / secs);
    rv = 0;
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
