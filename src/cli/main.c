/* rolodesk: parses the global --db option and dispatches to a command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/log.h"
#include "cli/cli.h"

static int usage(void) {
  fputs("usage: rolodesk [--db PATH|postgresql://...] COMMAND ...\n"
        "  init                                   create or migrate the database\n"
        "  account create ID NAME                 add an account\n"
        "  person create --account ID --username U --first-name F --last-name L --email E\n"
        "                --role R [--role R ...] [--supervisor USERNAME] [--password-stdin]\n"
        "  token create --account ID --username U print a new API token\n"
        "  demo                                   load the demo accounts\n"
        "  import people FILE.csv --account ID [--dry-run] [--ignore-first-line] [--web-access]\n"
        "                [--charset CS] [--separator comma|semicolon|tab] [--mapping JSON]\n"
        "                                         import customers from CSV (IMP-1..5)\n"
        "The database defaults to $ROLODESK_DB.\n",
        stderr);
  return RD_EXIT_USAGE;
}

int rd_cli_fail(const rd_err *err) {
  fprintf(stderr, "rolodesk: %s", err->message[0] ? err->message : "error");
  for (int i = 0; i < err->nitems; i++)
    fprintf(stderr, "%s%s: %s", i ? ", " : " (", err->items[i].field, err->items[i].message);
  fputs(err->nitems ? ")\n" : "\n", stderr);
  return RD_EXIT_ERROR;
}

int main(int argc, char **argv) {
  const char *db_uri = getenv("ROLODESK_DB");
  int i = 1;
  if (i + 1 < argc && !strcmp(argv[i], "--db")) {
    db_uri = argv[i + 1];
    i += 2;
  }
  if (i >= argc || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
    return usage();
  if (!db_uri) {
    fputs("rolodesk: no database: pass --db or set ROLODESK_DB\n", stderr);
    return RD_EXIT_USAGE;
  }
  const char *cmd = argv[i++];
  int (*fn)(rd_cli *, int, char **) = NULL;
  if (!strcmp(cmd, "account"))
    fn = rd_cli_account;
  else if (!strcmp(cmd, "person"))
    fn = rd_cli_person;
  else if (!strcmp(cmd, "token"))
    fn = rd_cli_token;
  else if (!strcmp(cmd, "demo"))
    fn = rd_cli_demo;
  else if (!strcmp(cmd, "import"))
    fn = rd_cli_import;
  else if (strcmp(cmd, "init"))
    return usage();
  rd_log_level = RD_LOG_WARN;
  if (rd_auth_init())
    return RD_EXIT_ERROR;
  rd_err err;
  rd_err_clear(&err);
  rd_cli c = {.db_uri = db_uri};
  if (rd_db_open(db_uri, true, &c.db, &err) || rd_db_acquire(c.db, &c.conn, &err)) {
    rd_db_free(c.db);
    return rd_cli_fail(&err);
  }
  int rv = fn ? fn(&c, argc - i, argv + i) : RD_EXIT_OK;
  if (!fn)
    printf("database ready (%s)\n", rd_db_backend(c.db));
  rd_db_release(c.db, c.conn);
  rd_db_free(c.db);
  return rv;
}
