/* rolodesk ldap sync --account ID [--dry-run] (LDAP-1): the job of POST /v1/ldap/sync, run
 * in this process (created claimed by it, then rd_job_run); prints its report. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "domain/ldap.h"
#include "domain/person.h"
#include "jobs/runner.h"

static const char HELP[] =
    "usage: rolodesk ldap sync --account ID [--dry-run]\n"
    "Directory sync with the account's settings.ldap (LDAP-1): every entry under base_dn\n"
    "that matches the filter becomes or updates a customer, line managers from the manager\n"
    "attribute; --dry-run stores nothing and reports what would change.\n"
    RD_CLI_EXIT_HELP;

#define CMD "ldap"

typedef struct ldap_opts {
  const char *account;
  bool dry;
} ldap_opts;

static int option(void *ctx, const char *name, const char *value) {
  ldap_opts *o = ctx;
  if (!strcmp(name, "--account"))
    o->account = value;
  else
    o->dry = true; /* --dry-run */
  return 0;
}

int rd_cli_ldap(rd_cli *c, int argc, char **argv) {
  static const rd_opt opts[] = {{"account", 0, true}, {"dry-run", 0, false}, {"help", 'h', false},
                                {NULL}};
  ldap_opts o = {0};
  rd_cli_args args = {.max = 1, .option = option, .ctx = &o};
  int got = rd_cli_parse(CMD, HELP, opts, argc, argv, &args);
  if (got != RD_CLI_RUN)
    return got;
  if (args.n != 1 || strcmp(args.pos[0], "sync"))
    return rd_cli_usage(CMD, "expected: ldap sync --account ID");
  if (!o.account)
    return rd_cli_usage(CMD, "missing --account");
  int rv = rd_cli_open(c);
  if (rv)
    return rv;
  rd_err err;
  rd_err_clear(&err);
  rd_caller who = rd_system_caller(o.account);
  snprintf(who.name, sizeof who.name, "rolodesk ldap sync");
  char worker[160], host[64] = "";
  gethostname(host, sizeof host - 1);
  snprintf(worker, sizeof worker, "rolodesk:%s:%d:ldap", host, (int)getpid());
  int64_t job = 0;
  rd_job_opts jo = {0};
  json_t *st = NULL;
  rv = rd_ldap_queue(c->conn, &who, o.dry, worker, &job, &err);
  if (!rv)
    rv = rd_job_run(c->conn, job, worker, &jo, &err);
  if (!rv)
    rv = rd_ldap_job_get(c->conn, &who, job, &st, &err);
  if (rv)
    return rd_cli_fail(&err);
  rv = rd_cli_job_report("ldap", job, st);
  json_decref(st);
  return rv;
}
