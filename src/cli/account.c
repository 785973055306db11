/* rolodesk account create ID NAME */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "domain/account.h"

static const char HELP[] = "usage: rolodesk account create ID NAME\n"
                           "Adds an account with the given id (as in URLs and logins) and name.\n"
                           RD_CLI_EXIT_HELP;

int rd_cli_account(rd_cli *c, int argc, char **argv) {
  static const rd_opt opts[] = {{"help", 'h', false}, {NULL}};
  const char *pos[3] = {0};
  int npos = 0;
  rd_opt_parser p;
  rd_opt_init(&p, argc, argv, opts, false);
  const char *a = NULL, *v = NULL;
  int k;
  while ((k = rd_opt_next(&p, &a, &v)) != RD_OPT_END) {
    if (k == RD_OPT_ERROR)
      return rd_cli_usage("account create", "%s", p.error);
    if (k == RD_OPT_OPTION)
      return rd_cli_help(HELP); /* --help, the only option */
    if (npos == 3)
      return rd_cli_usage("account create", "unexpected argument '%s'", v);
    pos[npos++] = v;
  }
  if (npos != 3 || strcmp(pos[0], "create"))
    return rd_cli_usage("account create", "expected: account create ID NAME");
  int rv = rd_cli_open(c);
  if (rv)
    return rv;
  rd_err err;
  rd_err_clear(&err);
  if (rd_account_create(c->conn, pos[1], pos[2], &err))
    return rd_cli_fail(&err);
  printf("account %s created\n", pos[1]);
  return RD_EXIT_OK;
}
