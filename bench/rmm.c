/* bench_rmm: RMM account synchronization against the VSA-shaped double (issue 15). Starts
 * the double of tests/harness/vsa_double.c on loopback with --orgs organizations, points a
 * fresh account at it, and times, each printed as one line with the requests the RMM saw
 * and the process's peak memory so far:
 *   fetch     the driver alone: every page of organizations (the floor of a load: what
 *             talking to this RMM costs before anything is stored);
 *   load      the rmm_load job (fetch, store, propose) as POST /v1/rmm/load runs it;
 *   reload    the same job again: nothing changes (RMM-6);
 *   import    every loaded organization imported (rd_rmm_import, 100 a transaction);
 *   floor     plain INSERTs of as many organization rows, 100 a transaction (what the
 *             import's writes cost here without rules, audit or mapping);
 *   sync      --agents agents (spread over the organizations, one machine group each)
 *             made items by the rmm_sync job (RMM-5), then
 *   resync    the same job again: every item as the RMM says, nothing written (RMM-6);
 *   ifloor    plain INSERTs of as many item rows, 100 a transaction.
 * Usage: bench_rmm --db PATH|postgresql://... [--orgs N] [--agents N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "auth/auth.h"
#include "base/log.h"
#include "base/time.h"
#include "domain/account.h"
#include "domain/person.h"
#include "domain/rmm.h"
#include "harness/vsa_double.h"
#include "import/rmm.h"
#include "jobs/runner.h"

#define BENCH_NAME "bench_rmm"
#include "bench.h"

static long peak_mb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

static void line(const char *what, long n, double secs, int requests) {
  printf("%-8s %7ld rows %8.2f s %9.0f rows/s %6d RMM requests  peak RSS %ld MB\n", what, n, secs,
         secs > 0 ? (double)n / secs : 0, requests, peak_mb());
}

static int run_load(rd_conn *c, const rd_caller *who, bool sync, rd_err *err) {
  int64_t job = 0;
  int rv = rd_rmm_queue(c, who, sync ? RD_RMM_SYNC_JOB_KIND : RD_RMM_LOAD_JOB_KIND, false,
                        "bench", &job, err);
  rd_job_opts o = {0};
  return rv ? rv : rd_job_run(c, job, "bench", &o, err);
}

typedef struct floor_args {
  long from, n;
  bool items;
} floor_args;

static int floor_tx(rd_conn *c, void *arg, rd_err *err) {
  floor_args *a = arg;
  char now[RD_TIME_LEN], name[64];
  rd_time_now(now);
  int rv = 0;
  for (long i = a->from; !rv && i < a->from + a->n; i++) {
    int64_t id = 0;
    snprintf(name, sizeof name, "Floor %ld", i);
    rv = rd_next_id(c, &id, err);
    if (!rv && !a->items)
      rv = rd_sql_exec(c, NULL, err,
                       "INSERT INTO organizations (id, account_id, name, source, source_id,"
                       " created_at, updated_at) VALUES (?, 'floor', ?, 'rmm', ?, ?, ?)",
                       "itttt", id, name, name, now, now);
    else if (!rv)
      rv = rd_sql_exec(c, NULL, err,
                       "INSERT INTO items (id, account_id, number, name, source, source_id,"
                       " notes, created_at, updated_at) VALUES (?, 'floor', ?, ?, 'rmm', ?, ?,"
                       " ?, ?)",
                       "itttttt", id, name, name, name, name, now, now);
  }
  return rv;
}

int main(int argc, char **argv) {
  const char *db_uri = NULL;
  long orgs = 10000, agents = 100000;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--db") && i + 1 < argc)
      db_uri = argv[++i];
    else if (!strcmp(argv[i], "--orgs") && i + 1 < argc)
      orgs = strtol(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--agents") && i + 1 < argc)
      agents = strtol(argv[++i], NULL, 10);
    else
      db_uri = NULL, i = argc;
  }
  if (!db_uri || orgs < 1) {
    fputs("usage: bench_rmm --db PATH|postgresql://... [--orgs N] [--agents N]\n", stderr);
    return 2;
  }
  setenv("ROLODESK_RMM_ALLOW_HTTP", "1", 1);
  rd_log_level = RD_LOG_WARN;
  rd_err err;
  rd_err_clear(&err);
  rd_db *db = NULL;
  rd_conn *c = NULL;
  if (rd_auth_init() || rd_db_open(db_uri, true, &db, &err) || rd_db_acquire(db, &c, &err))
    return fail("open", &err);
  if (rd_account_create(c, "bench", "Bench", &err) || rd_account_create(c, "floor", "F", &err))
    return fail("account", &err);
  th_vsa *v = th_vsa_start("bench", "bench-token");
  th_vsa_add_orgs(v, 1000, (int)orgs);
  for (long i = 0; i < orgs; i++) { /* one machine group each, for the agents */
    char org[32], group[32];
    snprintf(org, sizeof org, "%ld", 1000 + i);
    snprintf(group, sizeof group, "%ld", 500000 + i);
    th_vsa_add_group(v, org, group, "root", NULL);
  }
  th_vsa_add_agents(v, 2000000, (int)agents);
  rd_caller who = rd_system_caller("bench");
  who.roles = RD_ROLE_ACCOUNT_ADMINISTRATOR;
  json_t *patch = json_pack("{s:{s:{s:s,s:s,s:s}}}", "settings", "rmm", "url", th_vsa_url(v),
                            "username", "bench", "token", "bench-token");
  int rv = rd_tx_begin(c, true, &err);
  if (!rv)
    rv = rd_account_update(c, &who, patch, -1, &err);
  if (!rv)
    rv = rd_tx_commit(c, &err);
  json_decref(patch);
  if (rv)
    return fail("settings", &err);
  printf("backend %s, %ld RMM organizations in pages of %d\n", rd_db_backend(db), orgs,
         RD_RMM_PAGE);

  json_t *settings = NULL, *all = NULL;
  rd_rmm *r = NULL;
  int before = th_vsa_requests(v);
  double t0 = now_s();
  if (rd_account_settings(c, "bench", &settings, &err) ||
      rd_rmm_open(json_object_get(settings, "rmm"), NULL, &r, &err) || rd_rmm_orgs(r, &all, &err))
    return fail("fetch", &err);
  line("fetch", (long)json_array_size(all), now_s() - t0, th_vsa_requests(v) - before);
  rd_rmm_close(r);
  json_decref(all);
  json_decref(settings);

  before = th_vsa_requests(v);
  t0 = now_s();
  if (run_load(c, &who, false, &err))
    return fail("load", &err);
  line("load", orgs, now_s() - t0, th_vsa_requests(v) - before);
  before = th_vsa_requests(v);
  t0 = now_s();
  if (run_load(c, &who, false, &err))
    return fail("reload", &err);
  line("reload", orgs, now_s() - t0, th_vsa_requests(v) - before);

  json_t *ids = NULL;
  if (rd_rmm_unmapped(c, "bench", true, &ids, &err))
    return fail("unmapped", &err);
  before = th_vsa_requests(v);
  t0 = now_s();
  for (size_t i = 0; i < json_array_size(ids); i += RD_RMM_IMPORT_MAX) {
    json_t *batch = json_array(), *out = NULL;
    for (size_t k = i; k < json_array_size(ids) && k < i + RD_RMM_IMPORT_MAX; k++)
      json_array_append(batch, json_array_get(ids, k));
    json_t *in = json_pack("{s:o}", "rmm_organizations", batch);
    rv = rd_rmm_import(c, &who, in, &out, &err);
    json_decref(in);
    json_decref(out);
    if (rv)
      return fail("import", &err);
  }
  line("import", (long)json_array_size(ids), now_s() - t0, th_vsa_requests(v) - before);
  json_decref(ids);

  t0 = now_s();
  for (long i = 0; i < orgs; i += RD_RMM_IMPORT_MAX) {
    floor_args a = {i, orgs - i < RD_RMM_IMPORT_MAX ? orgs - i : RD_RMM_IMPORT_MAX, false};
    if (rd_with_tx(c, &err, floor_tx, &a))
      return fail("floor", &err);
  }
  line("floor", orgs, now_s() - t0, 0);

  before = th_vsa_requests(v);
  t0 = now_s();
  if (run_load(c, &who, true, &err))
    return fail("sync", &err);
  line("sync", agents, now_s() - t0, th_vsa_requests(v) - before);
  before = th_vsa_requests(v);
  t0 = now_s();
  if (run_load(c, &who, true, &err))
    return fail("resync", &err);
  line("resync", agents, now_s() - t0, th_vsa_requests(v) - before);
  t0 = now_s();
  for (long i = 0; i < agents; i += RD_RMM_IMPORT_MAX) {
    floor_args a = {i, agents - i < RD_RMM_IMPORT_MAX ? agents - i : RD_RMM_IMPORT_MAX, true};
    if (rd_with_tx(c, &err, floor_tx, &a))
      return fail("ifloor", &err);
  }
  line("ifloor", agents, now_s() - t0, 0);
  th_vsa_stop(v);
  rd_db_release(db, c);
  rd_db_free(db);
  return 0;
}
