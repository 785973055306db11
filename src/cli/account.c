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
  rd_cli_args args = {.max = 3};
  int rv = rd_cli_parse("account create", HELP, opts, argc, argv, &args);
  if (rv != RD_CLI_RUN)
    return rv;
  const char *const *pos = args.pos;
  if (args.n != 3 || strcmp(pos[0], "create"))
    return rd_cli_usage("account create", "expected: account create ID NAME");
  rv = rd_cli_open(c);
  if (rv)
    return rv;
  rd_err err;
  rd_err_clear(&err);
  if (rd_account_create(c->conn, pos[1], pos[2], &err))
    return rd_cli_fail(&err);
  printf("account %s created\n", pos[1]);
  return RD_EXIT_OK;
}
