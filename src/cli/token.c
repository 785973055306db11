/* rolodesk token create --account ID --username U: prints only the new API token. */
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "cli/cli.h"
#include "domain/person.h"

int rd_cli_token(rd_cli *c, int argc, char **argv) {
  const char *account = NULL, *username = NULL;
  if (argc != 5 || strcmp(argv[0], "create"))
    goto usage;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--account"))
      account = argv[i + 1];
    else if (!strcmp(argv[i], "--username"))
      username = argv[i + 1];
    else
      goto usage;
  }
  if (!account || !username)
    goto usage;
  rd_err err;
  rd_err_clear(&err);
  rd_caller who = rd_system_caller(account);
  rd_person_filter f = {.username = username};
  json_t *rows = NULL;
  bool more = false;
  if (rd_person_list(c->conn, &who, &f, 0, 1, &rows, &more, &err))
    return rd_cli_fail(&err);
  json_int_t id = json_integer_value(json_object_get(json_array_get(rows, 0), "id"));
  json_decref(rows);
  if (!id) {
    fprintf(stderr, "rolodesk: no person '%s' in account '%s'\n", username, account);
    return RD_EXIT_ERROR;
  }
  char token[RD_TOKEN_LEN];
  if (rd_token_create(c->conn, account, id, "api", token, &err))
    return rd_cli_fail(&err);
  puts(token);
  return RD_EXIT_OK;
usage:
  fputs("usage: rolodesk token create --account ID --username U\n", stderr);
  return RD_EXIT_USAGE;
}
