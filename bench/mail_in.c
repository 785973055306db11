/* bench_mail_in: CUST-9 mail-in speed (issue 13). In a fresh account "bench" with
 * --customers customers (cust<i>@bench.example) and an administrator (benchadmin, for the
 * HTTP phase of bench/mail_in.sh), reads the messages of --messages FILE (written by
 * tests/mail/make_mail.py --count: each preceded by a line "#<length>") and times, on the
 * same database:
 *   floor    one plain INSERT of a request row per message, each in its own transaction,
 *            through the store layer (what any write costs here);
 *   domain   rd_mail_in_deliver per message (GMime parse, sender lookup, loop checks, the
 *            request through the record engine, attachments, the acknowledgement in the
 *            outbox, the log row: one transaction each), as rolodesk mail-in and
 *            POST /v1/mail/inbound do after reading the message.
 * Prints one line each, then leaves the database for the CLI and HTTP phases.
 * Usage: bench_mail_in --db PATH|postgresql://... --messages FILE [--customers N]
 *        [--data DIR] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"
#include "base/time.h"
#include "domain/account.h"
#include "domain/person.h"
#include "mail/mail_in.h"

#define BENCH_NAME "bench_mail_in"
#include "bench.h"

typedef struct message {
  const char *data;
  size_t len;
} message;

/* The framed messages of path, in one buffer (*all, caller frees) with an index. */
static message *load(const char *path, char **all, long *n) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  rd_buf b;
  rd_buf_init(&b);
  char chunk[65536];
  size_t got;
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
    rd_buf_add(&b, chunk, got);
  fclose(f);
  long cap = 1024, count = 0;
  message *list = rd_malloc(sizeof *list * (size_t)cap);
  size_t at = 0;
  while (at < b.len && b.data[at] == '#') {
    char *end = NULL;
    unsigned long len = strtoul(b.data + at + 1, &end, 10);
    if (!end || *end != '\n' || (size_t)(end + 1 - b.data) + len > b.len)
      break;
    if (count == cap)
      list = rd_realloc(list, sizeof *list * (size_t)(cap *= 2));
    list[count++] = (message){end + 1, len};
    at = (size_t)(end + 1 - b.data) + len;
  }
  *all = b.data;
  *n = count;
  return list;
}

typedef struct setup_args {
  int customers;
  int64_t first_customer;
} setup_args;

static int setup_tx(rd_conn *c, void *arg, rd_err *err) {
  setup_args *a = arg;
  rd_caller sys = rd_system_caller("bench");
  char now[RD_TIME_LEN];
  rd_time_now(now);
  for (int i = 0; i <= a->customers; i++) {
    char username[32], email[64];
    bool admin = i == a->customers;
    snprintf(username, sizeof username, admin ? "benchadmin" : "cust%d", i);
    snprintf(email, sizeof email, "%s@bench.example", username);
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "username", username, "first_name",
                           "Bench", "last_name", username, "primary_email", email, "roles",
                           admin ? "account_administrator" : "customer");
    int64_t id = 0;
    int rv = rd_rec_check(&rd_person_type, in, true, NULL, err);
    if (!rv)
      rv = rd_rec_create(c, &sys, &rd_person_type, in, &id, err);
    json_decref(in);
    if (rv)
      return rv;
    if (i == 0)
      a->first_customer = id;
  }
  return 0;
}

/* The floor: one plain INSERT of a request row in a transaction of its own. */
static int floor_tx(rd_conn *c, void *arg, rd_err *err) {
  int64_t customer = *(int64_t *)arg, id = 0;
  char now[RD_TIME_LEN];
  rd_time_now(now);
  int rv = rd_next_id(c, &id, err);
  if (!rv)
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO requests (id, account_id, subject, description, status,"
                     " customer_id, created_at, updated_at) VALUES (?, 'bench', 'Floor',"
                     " 'The printer on floor 2 is broken.', 'closed', ?, ?, ?)",
                     "iitt", id, customer, now, now);
  return rv;
}

int main(int argc, char **argv) {
  const char *db_uri = NULL, *file = NULL, *data = "/tmp/rdbench-mail-data";
  long customers = 100;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--db") && i + 1 < argc)
      db_uri = argv[++i];
    else if (!strcmp(argv[i], "--messages") && i + 1 < argc)
      file = argv[++i];
    else if (!strcmp(argv[i], "--customers") && i + 1 < argc)
      customers = strtol(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--data") && i + 1 < argc)
      data = argv[++i];
    else
      db_uri = NULL, i = argc;
  }
  if (!db_uri || !file || customers < 1 || customers > 100000) {
    fputs("usage: bench_mail_in --db PATH|postgresql://... --messages FILE [--customers N]"
          " [--data DIR]\n",
          stderr);
    return 2;
  }
  char *all = NULL;
  long n = 0;
  message *msgs = load(file, &all, &n);
  if (!msgs || n < 1) {
    fprintf(stderr, "bench_mail_in: no messages in %s\n", file);
    return 1;
  }
  rd_log_level = RD_LOG_WARN;
  rd_err err;
  rd_err_clear(&err);
  rd_db *db = NULL;
  rd_conn *c = NULL;
  if (rd_auth_init() || rd_db_open(db_uri, true, &db, &err) || rd_db_acquire(db, &c, &err))
    return fail("open", &err);
  if (rd_account_create(c, "bench", "Bench", &err))
    return fail("account", &err);
  setup_args a = {.customers = (int)customers};
  if (rd_with_tx(c, &err, setup_tx, &a))
    return fail("setup", &err);
  rd_caller admin = rd_system_caller("bench");
  admin.roles = RD_ROLE_ACCOUNT_ADMINISTRATOR;
  json_t *patch = json_pack("{s:{s:{s:i}}}", "settings", "mail_in", "max_per_minute", 10000);
  if (rd_account_update(c, &admin, patch, -1, &err))
    return fail("settings", &err);
  json_decref(patch);

  double t0 = now_s();
  for (long i = 0; i < n; i++) {
    int64_t customer = a.first_customer; /* any customer: the row is what costs */
    if (rd_with_tx(c, &err, floor_tx, &customer))
      return fail("floor", &err);
  }
  double floor_s = now_s() - t0;

  long created = 0, other = 0, attachments = 0;
  t0 = now_s();
  for (long i = 0; i < n; i++) {
    rd_mail_in_result res;
    if (rd_mail_in_deliver(c, "bench", data, msgs[i].data, msgs[i].len, &res, &err))
      return fail("deliver", &err);
    if (!strcmp(res.outcome, "created"))
      created++;
    else
      other++;
    attachments += res.attachments;
  }
  double domain_s = now_s() - t0;
  printf("backend %s, %ld messages from %ld customers (%ld created, %ld other; %ld"
         " attachments)\n",
         rd_db_backend(db), n, customers, created, other, attachments);
  printf("floor    %8.0f rows/s      (plain INSERT of a request row, a transaction each)\n",
         n / floor_s);
  printf("domain   %8.0f messages/s  %5.1f%% of the floor (rd_mail_in_deliver)\n",
         n / domain_s, 100.0 * floor_s / domain_s);
  rd_db_release(db, c);
  rd_db_free(db);
  rd_free(msgs);
  rd_free(all);
  return 0;
}
