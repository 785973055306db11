/* rolodesk token create --account ID --username U: prints only the new API token. */
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "cli/cli.h"
#include "domain/person.h"

static const char HELP[] = "usage: rolodesk token create --account ID --username U\n"
                           "Prints a new API token of that person (and nothing else).\n"
                           RD_CLI_EXIT_HELP;

typedef struct token_opts {
  const char *account, *username;
} token_opts;

static int token_option(void *ctx, const char *name, const char *value) {
  token_opts *o = ctx;
  if (!strcmp(name, "--account"))
    o->account = value;
  else
    o->username = value; /* --username */
  return 0;
}

int rd_cli_token(rd_cli *c, int argc, char **argv) {
  static const rd_opt opts[] = {
      {"account", 0, true}, {"username", 0, true}, {"help", 'h', false}, {NULL}};
  token_opts o = {0};
  rd_cli_args args = {.max = 1, .option = token_option, .ctx = &o};
  int rv = rd_cli_parse("token create", HELP, opts, argc, argv, &args);
  if (rv != RD_CLI_RUN)
    return rv;
  const char *account = o.account, *username = o.username;
  if (args.n != 1 || strcmp(args.pos[0], "create"))
    return rd_cli_usage("token create", "expected: token create --account ID --username U");
  if (!account || !username)
    return rd_cli_usage("token create", "missing %s", account ? "--username" : "--account");
  rv = rd_cli_open(c);
  if (rv)
    return rv;
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
}
