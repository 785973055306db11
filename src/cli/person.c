/* rolodesk person create ... (ACC-2): adds a person with roles; --password-stdin reads the
 * password from the first line of standard input so it never shows in ps or history. */
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "cli/cli.h"
#include "domain/person.h"

int rd_cli_make_person(rd_conn *conn, const char *account, const char *username,
                       const char *first, const char *last, const char *email,
                       const char *const *roles, const char *supervisor, const char *password,
                       int64_t *id, rd_err *err) {
  json_t *in = json_pack("{s:s?,s:s?,s:s?,s:s?,s:[]}", "username", username, "first_name",
                         first, "last_name", last, "primary_email", email, "roles");
  for (const char *const *r = roles; *r; r++)
    json_array_append_new(json_object_get(in, "roles"), json_string(*r));
  if (password)
    json_object_set_new(in, "password", json_string(password));
  rd_caller who = rd_system_caller(account);
  int rv = 0;
  if (supervisor) {
    json_t *rows = NULL;
    bool more = false;
    rd_person_filter f = {.username = supervisor};
    rv = rd_person_list(conn, &who, &f, 0, 1, &rows, &more, err);
    if (!rv && json_array_size(rows) == 0)
      rv = rd_err_field(err, "supervisor", "no person '%s' in account %s", supervisor, account);
    if (!rv)
      json_object_set_new(in, "supervisor",
                          json_pack("{s:O}", "id", json_object_get(json_array_get(rows, 0), "id")));
    json_decref(rows);
  }
  if (!rv)
    rv = rd_person_create(conn, &who, in, id, err);
  json_decref(in);
  return rv;
}

static const char HELP[] =
    "usage: rolodesk person create --account ID --username U --first-name F --last-name L\n"
    "                              --email E --role R [--role R ...] [--supervisor USERNAME]\n"
    "                              [--password-stdin]\n"
    "Adds a person with roles (ACC-2); --password-stdin reads the password from the first\n"
    "line of standard input.\n" RD_CLI_EXIT_HELP;

typedef struct person_opts {
  const char *account, *username, *first, *last, *email, *supervisor;
  const char *roles[8]; /* NULL-terminated */
  int nroles;
  bool pw_stdin;
} person_opts;

static int person_option(void *ctx, const char *name, const char *value) {
  person_opts *o = ctx;
  if (!strcmp(name, "--password-stdin"))
    o->pw_stdin = true;
  else if (!strcmp(name, "--account"))
    o->account = value;
  else if (!strcmp(name, "--username"))
    o->username = value;
  else if (!strcmp(name, "--first-name"))
    o->first = value;
  else if (!strcmp(name, "--last-name"))
    o->last = value;
  else if (!strcmp(name, "--email"))
    o->email = value;
  else if (!strcmp(name, "--supervisor"))
    o->supervisor = value;
  else if (o->nroles < 7) /* --role */
    o->roles[o->nroles++] = value;
  else
    return rd_cli_usage("person create", "at most 7 --role");
  return 0;
}

int rd_cli_person(rd_cli *c, int argc, char **argv) {
  static const rd_opt opts[] = {
      {"account", 0, true},    {"username", 0, true},   {"first-name", 0, true},
      {"last-name", 0, true},  {"email", 0, true},      {"supervisor", 0, true},
      {"role", 0, true},       {"password-stdin", 0, false}, {"help", 'h', false},
      {NULL}};
  person_opts o = {0};
  rd_cli_args args = {.max = 1, .option = person_option, .ctx = &o};
  int rv = rd_cli_parse("person create", HELP, opts, argc, argv, &args);
  if (rv != RD_CLI_RUN)
    return rv;
  const char *account = o.account, *username = o.username, *first = o.first, *last = o.last;
  const char *email = o.email, *supervisor = o.supervisor, *const *roles = o.roles;
  const char *verb = args.n ? args.pos[0] : NULL;
  int nroles = o.nroles;
  bool pw_stdin = o.pw_stdin;
  if (!verb || strcmp(verb, "create"))
    return rd_cli_usage("person create", "expected: person create --account ID ...");
  const char *missing = !account    ? "--account"
                        : !username ? "--username"
                        : !first    ? "--first-name"
                        : !last     ? "--last-name"
                        : !email    ? "--email"
                        : !nroles   ? "--role"
                                    : NULL;
  if (missing)
    return rd_cli_usage("person create", "missing %s", missing);
  char password[RD_PASSWORD_MAX + 2] = "";
  if (pw_stdin) {
    if (!fgets(password, sizeof password, stdin)) {
      fputs("rolodesk: no password on standard input\n", stderr);
      return RD_EXIT_ERROR;
    }
    password[strcspn(password, "\r\n")] = 0;
  }
  rv = rd_cli_open(c);
  if (rv)
    return rv;
  rd_err err;
  rd_err_clear(&err);
  int64_t id = 0;
  if (rd_cli_make_person(c->conn, account, username, first, last, email, roles, supervisor,
                         pw_stdin ? password : NULL, &id, &err))
    return rd_cli_fail(&err);
  printf("person %s created (id %lld)\n", username, (long long)id);
  return RD_EXIT_OK;
}
