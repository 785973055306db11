/* The rolodesk command-line tool: administration straight on the database through the
 * domain layer (never the HTTP API's internals). One file per command. Exit status 0 on
 * success, 1 on a user error (message on stderr), 2 on a usage error. */
#ifndef RD_CLI_CLI_H
#define RD_CLI_CLI_H

#include "base/err.h"
#include "store/store.h"

enum { RD_EXIT_OK = 0, RD_EXIT_ERROR = 1, RD_EXIT_USAGE = 2 };

typedef struct rd_cli {
  rd_db *db;
  rd_conn *conn;
  const char *db_uri; /* as given (--db or ROLODESK_DB) */
} rd_cli;

/* Prints err as "rolodesk: message (field: message, ...)" and returns RD_EXIT_ERROR. */
int rd_cli_fail(const rd_err *err);

int rd_cli_account(rd_cli *c, int argc, char **argv);
int rd_cli_person(rd_cli *c, int argc, char **argv);
int rd_cli_token(rd_cli *c, int argc, char **argv);
int rd_cli_demo(rd_cli *c, int argc, char **argv);
int rd_cli_import(rd_cli *c, int argc, char **argv);

/* Creates a person from flags-like values; used by `person create` and `demo`. roles is
 * a NULL-terminated list. *id gets the new id. */
int rd_cli_make_person(rd_conn *conn, const char *account, const char *username,
                       const char *first, const char *last, const char *email,
                       const char *const *roles, const char *supervisor, const char *password,
                       int64_t *id, rd_err *err);

#endif
