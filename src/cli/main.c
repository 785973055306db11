/* rolodesk: parses the global options (--db, --help, --version) and dispatches to a
 * command, which parses its own options (every one takes --help) and then opens the
 * database; `init` is here. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/log.h"
#include "cli/cli.h"

static const char HELP[] =
    "usage: rolodesk [--db PATH|postgresql://...] COMMAND [ARGS...]\n"
    "       rolodesk --help | --version\n"
    "commands:\n"
    "  init                                   create or migrate the database\n"
    "  account create ID NAME                 add an account\n"
    "  person create --account ID --username U --first-name F --last-name L --email E\n"
    "                --role R [--role R ...] [--supervisor USERNAME] [--password-stdin]\n"
    "  token create --account ID --username U print a new API token\n"
    "  demo                                   load the demo accounts\n"
    "  import people FILE.csv --account ID [--dry-run] [--ignore-first-line] [--web-access]\n"
    "                [--charset CS] [--separator comma|semicolon|tab] [--mapping JSON]\n"
    "                [--data DIR] [--as USERNAME]\n"
    "                                         import customers from CSV (IMP-1..5)\n"
    "  mail-in --account ID [--data DIR] < message.eml\n"
    "                                         deliver one mail to the service desk (CUST-9)\n"
    "  rmm load|import|export --account ID [--dry-run] [--all-unmapped] [--ids ID,...]\n"
    "                                         RMM account synchronization (issue 15)\n"
    "  ldap sync --account ID [--dry-run]     directory sync (LDAP-1)\n"
    "`rolodesk COMMAND --help` describes a command. Options take `--opt value` or\n"
    "`--opt=value`. The database defaults to $ROLODESK_DB.\n" RD_CLI_EXIT_HELP;

static const char INIT_HELP[] = "usage: rolodesk [--db PATH|postgresql://...] init\n"
                                "Creates the database, or applies the migrations it lacks.\n"
                                RD_CLI_EXIT_HELP;

int rd_cli_fail(const rd_err *err) {
  fprintf(stderr, "rolodesk: %s", err->message[0] ? err->message : "error");
  for (int i = 0; i < err->nitems; i++)
    fprintf(stderr, "%s%s: %s", i ? ", " : " (", err->items[i].field, err->items[i].message);
  fputs(err->nitems ? ")\n" : "\n", stderr);
  return RD_EXIT_ERROR;
}

int rd_cli_job_report(const char *what, int64_t job, json_t *st) {
  char *text = json_dumps(json_object_get(st, "result"), JSON_INDENT(2));
  const char *status = json_string_value(json_object_get(st, "status"));
  printf("%s job %lld %s\n%s\n", what, (long long)job, status ? status : "?", text ? text : "");
  const char *why = json_string_value(json_object_get(st, "error"));
  if (why)
    fprintf(stderr, "rolodesk: %s\n", why);
  free(text);
  return status && !strcmp(status, "done") ? RD_EXIT_OK : RD_EXIT_ERROR;
}

int rd_cli_help(const char *help) {
  fputs(help, stdout);
  return RD_EXIT_OK;
}

int rd_cli_usage(const char *command, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("rolodesk: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, " (see rolodesk %s%s--help)\n", command ? command : "", command ? " " : "");
  return RD_EXIT_USAGE;
}

int rd_cli_parse(const char *command, const char *help, const rd_opt *opts, int argc,
                char **argv, rd_cli_args *args) {
  rd_opt_parser p;
  rd_opt_init(&p, argc, argv, opts, false);
  const char *a = NULL, *v = NULL;
  int k, rv = RD_CLI_RUN;
  assert(args->max <= RD_CLI_POS_MAX);
  args->n = 0;
  while (rv == RD_CLI_RUN && (k = rd_opt_next(&p, &a, &v)) != RD_OPT_END) {
    if (k == RD_OPT_ERROR)
      rv = rd_cli_usage(command, "%s", p.error);
    else if (k == RD_OPT_ARG && args->n == args->max)
      rv = rd_cli_usage(command, "unexpected argument '%s'", v);
    else if (k == RD_OPT_ARG)
      args->pos[args->n++] = v;
    else if (!strcmp(a, "--help"))
      rv = rd_cli_help(help);
    else if (args->option && (rv = args->option(args->ctx, a, v)) == 0)
      rv = RD_CLI_RUN;
  }
  return rv;
}

int rd_cli_open(rd_cli *c) {
  if (!c->db_uri) {
    fputs("rolodesk: no database: pass --db or set ROLODESK_DB\n", stderr);
    return RD_EXIT_USAGE;
  }
  rd_log_level = RD_LOG_WARN;
  if (rd_auth_init()) {
    fputs("rolodesk: cannot initialize libsodium\n", stderr);
    return RD_EXIT_ERROR;
  }
  rd_err err;
  rd_err_clear(&err);
  if (rd_db_open(c->db_uri, true, &c->db, &err) || rd_db_acquire(c->db, &c->conn, &err)) {
    rd_db_free(c->db);
    c->db = NULL;
    c->conn = NULL;
    return rd_cli_fail(&err);
  }
  return RD_EXIT_OK;
}

static int init(rd_cli *c, int argc, char **argv) {
  static const rd_opt opts[] = {{"help", 'h', false}, {NULL}};
  rd_cli_args args = {.max = 0};
  int rv = rd_cli_parse("init", INIT_HELP, opts, argc, argv, &args);
  if (rv != RD_CLI_RUN)
    return rv;
  rv = rd_cli_open(c);
  if (!rv)
    printf("database ready (%s)\n", rd_db_backend(c->db));
  return rv;
}

static const struct {
  const char *name;
  int (*run)(rd_cli *, int, char **);
} COMMANDS[] = {
    {"init", init},       {"account", rd_cli_account}, {"person", rd_cli_person},
    {"token", rd_cli_token}, {"demo", rd_cli_demo},    {"import", rd_cli_import},
    {"mail-in", rd_cli_mail_in},
    {"rmm", rd_cli_rmm},
    {"ldap", rd_cli_ldap},
};

int main(int argc, char **argv) {
  static const rd_opt opts[] = {
      {"db", 0, true}, {"help", 'h', false}, {"version", 0, false}, {NULL}};
  rd_cli c = {.db_uri = getenv("ROLODESK_DB")};
  rd_opt_parser p;
  rd_opt_init(&p, argc, argv, opts, true);
  const char *a = NULL, *v = NULL;
  int k;
  while ((k = rd_opt_next(&p, &a, &v)) != RD_OPT_END) {
    if (k == RD_OPT_ERROR)
      return rd_cli_usage(NULL, "%s", p.error);
    if (!strcmp(a, "--help"))
      return rd_cli_help(HELP);
    if (!strcmp(a, "--version")) {
      puts("rolodesk " RD_VERSION);
      return RD_EXIT_OK;
    }
    c.db_uri = v; /* --db */
  }
  if (p.next >= argc)
    return rd_cli_usage(NULL, "no command");
  const char *cmd = argv[p.next];
  int (*run)(rd_cli *, int, char **) = NULL;
  for (size_t i = 0; i < sizeof COMMANDS / sizeof *COMMANDS && !run; i++)
    if (!strcmp(cmd, COMMANDS[i].name))
      run = COMMANDS[i].run;
  if (!run)
    return rd_cli_usage(NULL, "unknown command '%s'", cmd);
  int rv = run(&c, argc - p.next, argv + p.next);
  if (c.db) {
    rd_db_release(c.db, c.conn);
    rd_db_free(c.db);
  }
  return rv;
}
