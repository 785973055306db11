/* The rolodesk command-line tool: administration straight on the database through the
 * domain layer (never the HTTP API's internals). One file per command. Exit status 0 on
 * success, 1 on a user error (message on stderr), 2 on a usage error, 3 when an import
 * ran but some of its rows failed. Every command takes --help (-h) before it opens the
 * database, and parses its options with rd_opt (base/opt.h). */
#ifndef RD_CLI_CLI_H
#define RD_CLI_CLI_H

#include <jansson.h>
#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

#include "base/opt.h"

enum { RD_EXIT_OK = 0, RD_EXIT_ERROR = 1, RD_EXIT_USAGE = 2, RD_EXIT_ROWS_FAILED = 3 };

typedef struct rd_cli {
  rd_db *db;
  rd_conn *conn;
  const char *db_uri; /* as given (--db or ROLODESK_DB) */
} rd_cli;

/* The exit statuses, as every command's --help ends with them. */
#define RD_CLI_EXIT_HELP                                                                   \
  "Exit status: 0 ok, 1 error (message on stderr), 2 usage error, 3 an import ran but\n"   \
  "some rows failed (also in a dry run).\n"

/* Opens c->db_uri and takes a connection into c->conn; on failure prints why and returns
 * the exit status (2 without a database, 1 when it cannot be opened). Commands call it
 * after their options parsed, so that --help never touches a database. main closes it. */
int rd_cli_open(rd_cli *c);

/* Prints help on standard output and returns RD_EXIT_OK. */
int rd_cli_help(const char *help);

/* Prints "rolodesk: <message> (see rolodesk <command> --help)" on standard error and
 * returns RD_EXIT_USAGE. command is as typed ("import people"), or NULL for the tool. */
int rd_cli_usage(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints err as "rolodesk: message (field: message, ...)" and returns RD_EXIT_ERROR. */
int rd_cli_fail(const rd_err *err);
/* Prints the state st of a sync job ("<what> job ID status" and its result on stdout, its
 * error on stderr) and returns RD_EXIT_OK when it is done, RD_EXIT_ERROR otherwise. */
int rd_cli_job_report(const char *what, int64_t job, json_t *st);

/* What a command's option loop (rd_cli_parse) hands back, and how it treats options. */
#define RD_CLI_POS_MAX 4
typedef struct rd_cli_args {
  int max; /* in: positional arguments the command takes (at most RD_CLI_POS_MAX) */
  /* in: called with each option other than --help ("--account", its value or NULL for a
   * flag; both borrowed from argv or the parser until the next option); returns 0, or an
   * exit status that ends the command (such as rd_cli_usage's). NULL when --help is the
   * command's only option. */
  int (*option)(void *ctx, const char *name, const char *value);
  void *ctx;                       /* in: handed to option */
  int n;                           /* out: how many positional arguments */
  const char *pos[RD_CLI_POS_MAX]; /* out: them, in order (borrowed from argv) */
} rd_cli_args;

/* rd_cli_parse returns this when the command goes on after its options. */
enum { RD_CLI_RUN = -1 };

/* The option loop every command shares: reads argv (argv[0] the command's name) against
 * opts (a table ending with {NULL} that has {"help", 'h', false}) in the order typed. An
 * unknown option or a missing value, or more than args->max positional arguments, is a
 * usage error naming command ("person create") and returns RD_EXIT_USAGE; --help prints
 * help and returns RD_EXIT_OK; an exit status from args->option is returned as it is.
 * Otherwise args->pos/n are filled and it returns RD_CLI_RUN. */
int rd_cli_parse(const char *command, const char *help, const rd_opt *opts, int argc,
                char **argv, rd_cli_args *args);

/* Commands: argv[0] is the command's name ("import"), argv[1..] what follows it. */
int rd_cli_account(rd_cli *c, int argc, char **argv);
int rd_cli_person(rd_cli *c, int argc, char **argv);
int rd_cli_token(rd_cli *c, int argc, char **argv);
int rd_cli_demo(rd_cli *c, int argc, char **argv);
int rd_cli_import(rd_cli *c, int argc, char **argv);
int rd_cli_mail_in(rd_cli *c, int argc, char **argv);
int rd_cli_rmm(rd_cli *c, int argc, char **argv);
int rd_cli_ldap(rd_cli *c, int argc, char **argv);

/* Creates a person from flags-like values; used by `person create` and `demo`. roles is
 * a NULL-terminated list. *id gets the new id. */
int rd_cli_make_person(rd_conn *conn, const char *account, const char *username,
                       const char *first, const char *last, const char *email,
                       const char *const *roles, const char *supervisor, const char *password,
                       int64_t *id, rd_err *err);

#endif
