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

int rd_cli_person(rd_cli *c, int argc, char **argv) {
  const char *account = NULL, *username = NULL, *first = NULL, *last = NULL, *email = NULL;
  const char *supervisor = NULL, *roles[8] = {0};
  int nroles = 0;
  bool pw_stdin = false;
  if (argc < 1 || strcmp(argv[0], "create"))
    goto usage;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--password-stdin")) {
      pw_stdin = true;
      continue;
    }
    if (i + 1 >= argc)
      goto usage;
    const char *v = argv[++i];
    if (!strcmp(argv[i - 1], "--account"))
      account = v;
    else if (!strcmp(argv[i - 1], "--username"))
      username = v;
    else if (!strcmp(argv[i - 1], "--first-name"))
      first = v;
    else if (!strcmp(argv[i - 1], "--last-name"))
      last = v;
    else if (!strcmp(argv[i - 1], "--email"))
      email = v;
    else if (!strcmp(argv[i - 1], "--supervisor"))
      supervisor = v;
    else if (!strcmp(argv[i - 1], "--role") && nroles < 7)
      roles[nroles++] = v;
    else
      goto usage;
  }
  if (!account || !username || !first || !last || !email || !nroles)
    goto usage;
  char password[RD_PASSWORD_MAX + 2] = "";
  if (pw_stdin) {
    if (!fgets(password, sizeof password, stdin)) {
      fputs("rolodesk: no password on standard input\n", stderr);
      return RD_EXIT_ERROR;
    }
    password[strcspn(password, "\r\n")] = 0;
  }
  rd_err err;
  rd_err_clear(&err);
  int64_t id = 0;
  if (rd_cli_make_person(c->conn, account, username, first, last, email, roles, supervisor,
                         pw_stdin ? password : NULL, &id, &err))
    return rd_cli_fail(&err);
  printf("person %s created (id %lld)\n", username, (long long)id);
  return RD_EXIT_OK;
usage:
  fputs("usage: rolodesk person create --account ID --username U --first-name F --last-name L\n"
        "                              --email E --role R [--role R ...] [--supervisor USERNAME]\n"
        "                              [--password-stdin]\n",
        stderr);
  return RD_EXIT_USAGE;
}
