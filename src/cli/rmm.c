/* rolodesk rmm load|import|export --account ID (issue 15): the RMM jobs of POST /v1/rmm/load
 * and /v1/rmm/export run in this process (created claimed by it, then rd_job_run), and the
 * import of RMM organizations in calls of at most 100, each one transaction, as
 * POST /v1/rmm/import does. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/time.h"
#include "cli/cli.h"
#include "domain/person.h"
#include "domain/rmm.h"
#include "jobs/runner.h"

static const char HELP[] =
    "usage: rolodesk rmm load --account ID [--dry-run]\n"
    "       rolodesk rmm import --account ID (--all-unmapped | --ids ID,ID,...)\n"
    "       rolodesk rmm export --account ID (--all-unmapped | --ids ID,ID,...)\n"
    "       rolodesk rmm sync --account ID [--dry-run]\n"
    "RMM account synchronization with the account's settings.rmm (issue 15).\n"
    "  load      fetch the RMM's organizations and propose mappings by name (RMM-1);\n"
    "            --dry-run stores nothing and lists what would change\n"
    "  import    create organizations from loaded RMM organizations and map them (RMM-2):\n"
    "            the RMM organizations' ids (as GET /v1/rmm/organizations gives them), or\n"
    "            every unmapped one; 100 a transaction\n"
    "  export    create organizations in the RMM and map them (RMM-3): organization ids,\n"
    "            or every unmapped organization of the account\n"
    "  sync      load, then make every agent (asset) of the RMM an item of its mapped\n"
    "            organization (RMM-4/5); --dry-run stores nothing and lists the changes\n"
    RD_CLI_EXIT_HELP;

#define CMD "rmm"

typedef struct rmm_opts {
  const char *account, *ids;
  bool dry, all;
} rmm_opts;

static int option(void *ctx, const char *name, const char *value) {
  rmm_opts *o = ctx;
  if (!strcmp(name, "--account"))
    o->account = value;
  else if (!strcmp(name, "--ids"))
    o->ids = value;
  else if (!strcmp(name, "--dry-run"))
    o->dry = true;
  else
    o->all = true; /* --all-unmapped */
  return 0;
}

/* The ids of --ids ("1,2,3") into a JSON array; NULL when one is not a positive number. */
static json_t *parse_ids(const char *text) {
  json_t *ids = json_array();
  const char *p = text;
  while (*p) {
    long long v = 0;
    const char *start = p;
    while (*p >= '0' && *p <= '9' && v < 1000000000000000LL)
      v = v * 10 + (*p++ - '0');
    if (p == start || v <= 0 || (*p && *p != ',')) {
      json_decref(ids);
      return NULL;
    }
    json_array_append_new(ids, json_integer(v));
    if (*p)
      p++;
  }
  if (!json_array_size(ids)) {
    json_decref(ids);
    return NULL;
  }
  return ids;
}

static void progress(void *arg, const json_t *st) {
  (void)arg;
  fprintf(stderr, "rmm: %s, %lld processed\n", json_string_value(json_object_get(st, "status")),
          (long long)json_integer_value(json_object_get(st, "processed")));
}

/* Runs job (created claimed by worker) here and prints its result. */
static int run_job(rd_cli *c, const rd_caller *who, int64_t job, const char *worker,
                   rd_err *err) {
  rd_job_opts jo = {.progress = progress};
  int rv = rd_job_run(c->conn, job, worker, &jo, err);
  json_t *st = NULL;
  if (!rv)
    rv = rd_rmm_job_get(c->conn, who, job, &st, err);
  if (rv)
    return rd_cli_fail(err);
  rv = rd_cli_job_report("rmm", job, st);
  json_decref(st);
  return rv;
}

static int import(rd_cli *c, const rd_caller *who, json_t *ids, rd_err *err) {
  int64_t start = rd_mono_us();
  size_t total = json_array_size(ids), done = 0;
  int rv = 0;
  while (!rv && done < total) {
    json_t *batch = json_array(), *out = NULL;
    for (size_t i = done; i < total && i < done + RD_RMM_IMPORT_MAX; i++)
      json_array_append(batch, json_array_get(ids, i));
    size_t n = json_array_size(batch);
    json_t *in = json_pack("{s:o}", "rmm_organizations", batch);
    rv = rd_rmm_import(c->conn, who, in, &out, err);
    json_decref(in);
    json_decref(out);
    if (!rv) {
      done += n;
      fprintf(stderr, "rmm import: %zu/%zu\n", done, total);
    }
  }
  if (rv)
    return rd_cli_fail(err);
  double secs = (double)(rd_mono_us() - start) / 1e6;
  printf("imported %zu RMM organizations in %.2f s\n", done, secs);
  return 0;
}

int rd_cli_rmm(rd_cli *c, int argc, char **argv) {
  static const rd_opt opts[] = {{"account", 0, true},       {"ids", 0, true},
                                {"dry-run", 0, false},      {"all-unmapped", 0, false},
                                {"help", 'h', false},       {NULL}};
  rmm_opts o = {0};
  rd_cli_args args = {.max = 1, .option = option, .ctx = &o};
  int got = rd_cli_parse(CMD, HELP, opts, argc, argv, &args);
  if (got != RD_CLI_RUN)
    return got;
  const char *what = args.n == 1 ? args.pos[0] : "";
  bool sync = !strcmp(what, "sync");
  bool load = sync || !strcmp(what, "load"), imp = !strcmp(what, "import");
  bool exp = !strcmp(what, "export");
  if (!load && !imp && !exp)
    return rd_cli_usage(CMD, "expected: rmm load|import|export|sync --account ID");
  if (!o.account)
    return rd_cli_usage(CMD, "missing --account");
  if (!load && !o.all == !o.ids)
    return rd_cli_usage(CMD, "%s wants --all-unmapped or --ids", what);
  if (load && (o.all || o.ids))
    return rd_cli_usage(CMD, "%s takes no --ids or --all-unmapped", what);
  if (!load && o.dry)
    return rd_cli_usage(CMD, "only load and sync have a --dry-run");
  json_t *ids = o.ids ? parse_ids(o.ids) : NULL;
  if (o.ids && !ids)
    return rd_cli_usage(CMD, "--ids wants positive numbers separated by commas");
  int rv = rd_cli_open(c);
  if (rv) {
    json_decref(ids);
    return rv;
  }
  rd_err err;
  rd_err_clear(&err);
  rd_caller who = rd_system_caller(o.account);
  char worker[160], host[64] = "";
  gethostname(host, sizeof host - 1);
  snprintf(worker, sizeof worker, "rolodesk:%s:%d:rmm", host, (int)getpid());
  int64_t job = 0;
  if (!ids && !load && (rv = rd_rmm_unmapped(c->conn, o.account, imp, &ids, &err)))
    return rd_cli_fail(&err);
  if (load) {
    rv = rd_rmm_queue(c->conn, &who, sync ? RD_RMM_SYNC_JOB_KIND : RD_RMM_LOAD_JOB_KIND, o.dry,
                      worker, &job, &err);
    rv = rv ? rd_cli_fail(&err) : run_job(c, &who, job, worker, &err);
  } else if (imp) {
    rv = import(c, &who, ids, &err);
  } else if (!json_array_size(ids)) {
    printf("nothing to export\n");
  } else {
    /* The first call creates this process's job; later ones queue more for it (and for a
     * daemon's job, which takes only what nobody has claimed). */
    int64_t mine = 0;
    for (size_t i = 0; !rv && i < json_array_size(ids); i += RD_RMM_IMPORT_MAX) {
      json_t *batch = json_array();
      for (size_t k = i; k < json_array_size(ids) && k < i + RD_RMM_IMPORT_MAX; k++)
        json_array_append(batch, json_array_get(ids, k));
      json_t *in = json_pack("{s:o}", "organizations", batch);
      rv = rd_rmm_export_queue(c->conn, &who, in, i ? NULL : worker, i ? &job : &mine, &err);
      json_decref(in);
      if (rv)
        rv = rd_cli_fail(&err);
    }
    if (!rv)
      rv = run_job(c, &who, mine, worker, &err);
  }
  json_decref(ids);
  return rv;
}
