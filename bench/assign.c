/* bench_assign: PART-4 assignment speed (issue 13). In a fresh account: --partners partner
 * organizations, a team of --members people in two layers (half internal technicians, half
 * partner technicians spread over the partners), 2,000 customers (one in two associated
 * with a partner, directly or through one of 40 units); then --requests new requests for
 * the team, each through rd_request_create in its own transaction (validated, assigned,
 * versioned, audited, as POST /v1/requests), one in five closed again to keep loads moving.
 *
 * Three timed phases on the same database, printed as one line each:
 *   floor     the same number of plain INSERTs of a request row, each in its own
 *             transaction, through the store layer (what any write costs here);
 *   no team   rd_request_create without a team (the engine's work, no assignment);
 *   assigned  rd_request_create with the team (the engine's work plus assignment).
 * Usage: bench_assign --db PATH|postgresql://... [--requests N] [--members N]
 *        [--partners N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "base/log.h"
#include "base/time.h"
#include "domain/account.h"
#include "domain/person.h"
#include "domain/request.h"
#include "domain/team.h"

#define BENCH_NAME "bench_assign"
#include "bench.h"

enum { CUSTOMERS = 2000, UNITS = 40 };

/* Rows written with plain SQL in one transaction (setup, not timed). */
static int64_t insert_org(rd_conn *c, const char *name, bool partner, int64_t partner_of,
                          rd_err *err) {
  int64_t id = 0;
  char now[RD_TIME_LEN];
  rd_time_now(now);
  if (rd_next_id(c, &id, err) ||
      rd_sql_exec(c, NULL, err,
                  "INSERT INTO organizations (id, account_id, name, partner,"
                  " partner_organization_id, created_at, updated_at) VALUES (?, 'bench', ?, ?,"
                  " ?, ?, ?)",
                  "itbItt", id, name, (int)partner, partner_of, now, now))
    return 0;
  return id;
}

static int64_t insert_person(rd_conn *c, const char *username, unsigned roles, int64_t partner_org,
                             int64_t unit, rd_err *err) {
  int64_t id = 0;
  char now[RD_TIME_LEN];
  rd_time_now(now);
  if (rd_next_id(c, &id, err) ||
      rd_sql_exec(c, NULL, err,
                  "INSERT INTO people (id, account_id, username, first_name, last_name, roles,"
                  " partner_organization_id, organization_id, created_at, updated_at) VALUES"
                  " (?, 'bench', ?, 'Bench', ?, ?, ?, ?, ?, ?)",
                  "ittiIItt", id, username, username, (int64_t)roles, partner_org, unit, now, now))
    return 0;
  return id;
}

typedef struct setup_args {
  int members, partners;
  int64_t customers[CUSTOMERS];
  json_t *layers;
} setup_args;

static int setup_tx(rd_conn *c, void *arg, rd_err *err) {
  setup_args *a = arg;
  int64_t partners[256], units[UNITS];
  char name[64];
  for (int i = 0; i < a->partners; i++) {
    snprintf(name, sizeof name, "Partner %d", i + 1);
    if (!(partners[i] = insert_org(c, name, true, 0, err)))
      return err->code;
  }
  for (int i = 0; i < UNITS; i++) {
    snprintf(name, sizeof name, "Unit %d", i + 1);
    if (!(units[i] = insert_org(c, name, false, i % 2 ? partners[i % a->partners] : 0, err)))
      return err->code;
  }
  json_t *layer[2] = {json_array(), json_array()};
  for (int i = 0; i < a->members; i++) {
    bool partner = i % 2;
    snprintf(name, sizeof name, "tech%d", i + 1);
    int64_t id = insert_person(c, name, partner ? RD_ROLE_PARTNER : RD_ROLE_TECHNICIAN,
                               partner ? partners[(i / 2) % a->partners] : 0, 0, err);
    if (!id)
      return err->code;
    json_array_append_new(layer[i % 4 < 2 ? 0 : 1], json_pack("{s:I}", "id", (json_int_t)id));
  }
  a->layers = json_pack("[{s:o},{s:o}]", "members", layer[0], "members", layer[1]);
  for (int i = 0; i < CUSTOMERS; i++) {
    snprintf(name, sizeof name, "cust%d", i + 1);
    int kind = i % 4; /* 0, 1: none; 2: a partner directly; 3: a unit (half with a partner) */
    if (!(a->customers[i] = insert_person(c, name, RD_ROLE_CUSTOMER,
                                          kind == 2 ? partners[i % a->partners] : 0,
                                          kind == 3 ? units[i % UNITS] : 0, err)))
      return err->code;
  }
  return 0;
}

typedef struct floor_args {
  int64_t customer;
  int i;
} floor_args;

/* The floor: one plain INSERT of a request row in a transaction of its own. */
static int floor_tx(rd_conn *c, void *arg, rd_err *err) {
  floor_args *f = arg;
  int64_t id = 0;
  char now[RD_TIME_LEN];
  rd_time_now(now);
  int rv = rd_next_id(c, &id, err);
  if (!rv)
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO requests (id, account_id, subject, status, customer_id,"
                     " created_at, updated_at) VALUES (?, 'bench', 'Floor', 'closed', ?, ?, ?)",
                     "iitt", id, f->customer, now, now);
  return rv;
}

int main(int argc, char **argv) {
  const char *db_uri = NULL;
  long requests = 100000;
  int members = 200, partners = 20;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--db") && i + 1 < argc)
      db_uri = argv[++i];
    else if (!strcmp(argv[i], "--requests") && i + 1 < argc)
      requests = strtol(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--members") && i + 1 < argc)
      members = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--partners") && i + 1 < argc)
      partners = atoi(argv[++i]);
    else
      db_uri = NULL, i = argc;
  }
  if (!db_uri || requests < 1 || members < 2 || members > RD_TEAM_MEMBERS_MAX || partners < 1 ||
      partners > 256) {
    fputs("usage: bench_assign --db PATH|postgresql://... [--requests N] [--members N]"
          " [--partners N]\n",
          stderr);
    return 2;
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
  static setup_args a;
  a.members = members;
  a.partners = partners;
  if (rd_with_tx(c, &err, setup_tx, &a))
    return fail("setup", &err);
  rd_caller who = rd_system_caller("bench");
  who.roles = RD_ROLE_ACCOUNT_ADMINISTRATOR;
  int64_t team = 0;
  json_t *in = json_pack("{s:s,s:o}", "name", "Bench desk", "layers", a.layers);
  if (rd_rec_create_tx(c, &who, &rd_team_type, in, &team, &err))
    return fail("team", &err);
  json_decref(in);

  double t0 = now_s();
  for (long i = 0; i < requests; i++) {
    floor_args f = {a.customers[i % CUSTOMERS], (int)i};
    if (rd_with_tx(c, &err, floor_tx, &f))
      return fail("floor", &err);
  }
  double floor_s = now_s() - t0;

  double phase[2];
  long assigned = 0;
  for (int with_team = 0; with_team < 2; with_team++) {
    t0 = now_s();
    for (long i = 0; i < requests; i++) {
      int64_t id = 0;
      in = json_pack("{s:s,s:{s:I}}", "subject", "Bench request", "customer", "id",
                     (json_int_t)a.customers[(i * 7) % CUSTOMERS]);
      if (with_team)
        json_object_set_new(in, "team", json_pack("{s:I}", "id", (json_int_t)team));
      if (rd_request_create(c, &who, in, &id, &err))
        return fail("request", &err);
      json_decref(in);
      if (with_team && i % 5 == 4) { /* keep the loads moving */
        json_t *patch = json_pack("{s:s}", "status", "closed");
        if (rd_request_update(c, &who, id, patch, -1, &err))
          return fail("close", &err);
        json_decref(patch);
      }
      assigned += with_team;
    }
    phase[with_team] = now_s() - t0;
  }
  int64_t unassigned = -1;
  rd_sql_int64(c, &unassigned, &err,
               "SELECT COUNT(*) FROM requests WHERE team_id IS NOT NULL AND assignee_id IS NULL",
               "");
  printf("backend %s, %ld requests, team of %d in 2 layers, %d partners\n", rd_db_backend(db),
         requests, members, partners);
  printf("floor     %8.0f rows/s      (plain INSERT, a transaction each)\n", requests / floor_s);
  printf("no team   %8.0f requests/s  %5.1f%% of the floor\n", requests / phase[0],
         100.0 * floor_s / phase[0]);
  printf("assigned  %8.0f requests/s  %5.1f%% of the floor (%lld unassigned; one in five also"
         " closed, not counted)\n",
         requests / phase[1], 100.0 * floor_s / phase[1], (long long)unassigned);
  rd_db_release(db, c);
  rd_db_free(db);
  return 0;
}
