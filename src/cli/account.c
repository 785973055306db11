/* rolodesk account create ID NAME */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "domain/account.h"

int rd_cli_account(rd_cli *c, int argc, char **argv) {
  if (argc != 3 || strcmp(argv[0], "create")) {
    fputs("usage: rolodesk account create ID NAME\n", stderr);
    return RD_EXIT_USAGE;
  }
  rd_err err;
  rd_err_clear(&err);
  if (rd_account_create(c->conn, argv[1], argv[2], &err))
    return rd_cli_fail(&err);
  printf("account %s created\n", argv[1]);
  return RD_EXIT_OK;
}
