/* End-to-end tests of the command-line conventions of rolodesk and rolodeskd (issue 12):
 * --help and -h on standard output with status 0 for the tool and every command, without
 * running the command; --version on both programs; --opt=value beside --opt value;
 * unknown options and missing values named in the error (status 2); and an import whose
 * run has failed rows exiting 3 (IMP-3), also in a dry run (IMP-4). The programs run as a
 * script would run them: their standard output, standard error and status are checked. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/harness.h"

static th_server S;

static void setup(void) {
  th_init_db(&S); /* a database (SQLite or PostgreSQL) for the import tests; no daemon */
}
static void teardown(void) {
  th_stop(&S);
}
TestSuite(cli, .init = setup, .fini = teardown, .timeout = 120);

typedef struct run_result {
  int status;
  char out[16384], err[4096];
} run_result;

static void slurp(const char *path, char *buf, size_t cap) {
  buf[0] = 0;
  FILE *f = fopen(path, "r");
  if (!f)
    return;
  size_t n = fread(buf, 1, cap - 1, f);
  buf[n] = 0;
  fclose(f);
}

/* Runs build/<prog> with the NULL-terminated arguments, stdin from /dev/null. */
static void run(run_result *r, const char *prog, ...) {
  char *argv[32], path[512], out[300], err[300];
  snprintf(path, sizeof path, "%s/%s", RD_BUILD_DIR, prog);
  snprintf(out, sizeof out, "%s/run.out", S.dir);
  snprintf(err, sizeof err, "%s/run.err", S.dir);
  int n = 0;
  argv[n++] = path;
  va_list ap;
  va_start(ap, prog);
  const char *a;
  while ((a = va_arg(ap, const char *)) && n < 31)
    argv[n++] = (char *)a;
  va_end(ap);
  argv[n] = NULL;
  pid_t pid = fork();
  cr_assert(pid >= 0);
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(in, 0);
    dup2(o, 1);
    dup2(e, 2);
    execv(argv[0], argv);
    _exit(127);
  }
  int st = 0;
  cr_assert_eq(waitpid(pid, &st, 0), pid);
  r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  slurp(out, r->out, sizeof r->out);
  slurp(err, r->err, sizeof r->err);
}

static bool exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

Test(cli, CLI_help_on_stdout_exit_0_for_the_tool_and_every_command_without_running_it) {
  char db[400], dbopt[420];
  snprintf(db, sizeof db, "%s/never.db", S.dir);
  snprintf(dbopt, sizeof dbopt, "--db=%s", db);
  /* Every command's help, with -h and --help, before and after its words; the database
   * named does not exist, and must still not exist afterwards. */
  const char *cases[][6] = {
      {"--help"},
      {"-h"},
      {dbopt, "init", "--help"},
      {dbopt, "init", "-h"},
      {"--db", db, "account", "create", "--help"},
      {dbopt, "account", "create", "x", "y", "-h"},
      {dbopt, "person", "create", "--help"},
      {dbopt, "person", "-h", "create"},
      {dbopt, "token", "create", "--help"},
      {dbopt, "token", "create", "-h"},
      {dbopt, "demo", "--help"},
      {dbopt, "import", "people", "--help"},
  };
  const char *expect[] = {"usage: rolodesk [", "usage: rolodesk [", "usage: rolodesk [--db",
                          "usage: rolodesk [--db", "usage: rolodesk account create",
                          "usage: rolodesk account create", "usage: rolodesk person create",
                          "usage: rolodesk person create", "usage: rolodesk token create",
                          "usage: rolodesk token create", "usage: rolodesk demo",
                          "usage: rolodesk import people", NULL};
  static run_result r;
  for (size_t i = 0; expect[i]; i++) {
    const char *const *c = cases[i];
    run(&r, "rolodesk", c[0], c[1], c[2], c[3], c[4], c[5], NULL);
    cr_assert_eq(r.status, 0, "case %zu: status %d, stderr %s", i, r.status, r.err);
    cr_assert(strstr(r.out, expect[i]), "case %zu: stdout %s", i, r.out);
    cr_assert(strstr(r.out, "Exit status: 0 ok, 1 error"), "case %zu: %s", i, r.out);
    cr_assert_str_eq(r.err, "", "case %zu: stderr %s", i, r.err);
    cr_assert(!exists(db), "case %zu: the command ran (%s exists)", i, db);
  }
  /* The import's help and the tool's document status 3. */
  run(&r, "rolodesk", "import", "people", "--help", NULL);
  cr_assert(strstr(r.out, "3 an import ran but\nsome rows failed"), "%s", r.out);
  run(&r, "rolodesk", "--help", NULL);
  cr_assert(strstr(r.out, "3 an import ran but\nsome rows failed"), "%s", r.out);
  /* rolodeskd too, and it starts nothing. */
  run(&r, "rolodeskd", dbopt, "--help", NULL);
  cr_assert_eq(r.status, 0, "%s", r.err);
  cr_assert(strstr(r.out, "usage: rolodeskd"), "%s", r.out);
  run(&r, "rolodeskd", "-h", NULL);
  cr_assert_eq(r.status, 0, "%s", r.err);
  cr_assert(strstr(r.out, "usage: rolodeskd"), "%s", r.out);
  cr_assert(!exists(db), "rolodeskd --help opened the database");
}

Test(cli, CLI_version_on_both_programs) {
  static run_result r, d;
  run(&r, "rolodesk", "--version", NULL);
  cr_assert_eq(r.status, 0, "%s", r.err);
  cr_assert_eq(strncmp(r.out, "rolodesk ", 9), 0, "%s", r.out);
  cr_assert(r.out[9] >= '0' && r.out[9] <= '9', "%s", r.out);
  run(&d, "rolodeskd", "--version", NULL);
  cr_assert_eq(d.status, 0, "%s", d.err);
  cr_assert_eq(strncmp(d.out, "rolodeskd ", 10), 0, "%s", d.out);
  cr_assert_str_eq(d.out + 10, r.out + 9, "one version for both programs");
  cr_assert_str_eq(r.err, "");
  cr_assert_str_eq(d.err, "");
}

Test(cli, CLI_opt_equals_value_form_on_both_programs) {
  char db[400], dbopt[420], port_file[400], pfopt[420], dataopt[420];
  snprintf(db, sizeof db, "%s/eq.db", S.dir);
  snprintf(dbopt, sizeof dbopt, "--db=%s", db);
  static run_result r;
  run(&r, "rolodesk", dbopt, "init", NULL);
  cr_assert_eq(r.status, 0, "%s", r.err);
  cr_assert(exists(db));
  run(&r, "rolodesk", dbopt, "account", "create", "eq", "Equals", NULL);
  cr_assert_eq(r.status, 0, "%s", r.err);
  run(&r, "rolodesk", dbopt, "person", "create", "--account=eq", "--username=eve",
      "--first-name=Eve", "--last-name", "Equals", "--email=eve@example.com",
      "--role=account_administrator", NULL);
  cr_assert_eq(r.status, 0, "%s", r.err);
  run(&r, "rolodesk", dbopt, "token", "create", "--account=eq", "--username=eve", NULL);
  cr_assert_eq(r.status, 0, "%s", r.err);
  cr_assert_gt(strlen(r.out), 20, "%s", r.out);
  /* rolodeskd with every option in the = form. */
  snprintf(port_file, sizeof port_file, "%s/eq.port", S.dir);
  snprintf(pfopt, sizeof pfopt, "--port-file=%s", port_file);
  snprintf(dataopt, sizeof dataopt, "--data=%s/eq.data", S.dir);
  char log[400];
  snprintf(log, sizeof log, "%s/eq.log", S.dir);
  pid_t pid = fork();
  cr_assert(pid >= 0);
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    FILE *f = freopen(log, "a", stderr);
    (void)f;
    f = freopen("/dev/null", "w", stdout);
    (void)f;
    execl(RD_BUILD_DIR "/rolodeskd", "rolodeskd", dbopt, "--listen=127.0.0.1:0", pfopt,
          dataopt, "--threads=2", "--job-workers=0", "--quiet", (char *)NULL);
    _exit(127);
  }
  bool up = false;
  int st = 0;
  for (int i = 0; i < 200 && !up; i++) {
    up = exists(port_file);
    if (!up && waitpid(pid, &st, WNOHANG) == pid) {
      pid = 0;
      break;
    }
    if (!up)
      usleep(50 * 1000);
  }
  if (pid > 0) {
    kill(pid, SIGTERM);
    waitpid(pid, &st, 0);
  }
  static char logtext[4096];
  slurp(log, logtext, sizeof logtext);
  cr_assert(up, "rolodeskd did not start with --opt=value options: %s", logtext);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", logtext);
}

Test(cli, CLI_unknown_option_named_with_status_2) {
  char dbopt[420];
  snprintf(dbopt, sizeof dbopt, "--db=%s", S.db);
  static run_result r;
  run(&r, "rolodesk", dbopt, "import", "people", "f.csv", "--account", "wdc", "--fro", NULL);
  cr_assert_eq(r.status, 2, "%s", r.err);
  cr_assert_str_eq(r.err, "rolodesk: unknown option --fro (see rolodesk import people --help)\n");
  cr_assert_str_eq(r.out, "");
  run(&r, "rolodesk", "--fro=1", "init", NULL);
  cr_assert_eq(r.status, 2);
  cr_assert_str_eq(r.err, "rolodesk: unknown option --fro (see rolodesk --help)\n");
  run(&r, "rolodesk", dbopt, "token", "create", "--account", "wdc", "--user-name", "x", NULL);
  cr_assert_eq(r.status, 2);
  cr_assert(strstr(r.err, "unknown option --user-name (see rolodesk token create --help)"),
            "%s", r.err);
  run(&r, "rolodesk", dbopt, "init", "--force", NULL);
  cr_assert_eq(r.status, 2);
  cr_assert(strstr(r.err, "unknown option --force"), "%s", r.err);
  run(&r, "rolodesk", dbopt, "import", "people", "f.csv", "--account", "wdc", "--dry-run=no",
      NULL);
  cr_assert_eq(r.status, 2);
  cr_assert(strstr(r.err, "option --dry-run takes no value"), "%s", r.err);
  run(&r, "rolodeskd", dbopt, "--fro", NULL);
  cr_assert_eq(r.status, 2);
  cr_assert_str_eq(r.err, "rolodeskd: unknown option --fro (see rolodeskd --help)\n");
  run(&r, "rolodeskd", dbopt, "--threads=many", NULL);
  cr_assert_eq(r.status, 2);
  cr_assert(strstr(r.err, "invalid value 'many' for --threads"), "%s", r.err);
  /* Issue 12: the page cache's size is a count of MB, never negative. */
  run(&r, "rolodeskd", dbopt, "--page-cache-mb", "-3", NULL);
  cr_assert_eq(r.status, 2);
  cr_assert(strstr(r.err, "invalid value '-3' for --page-cache-mb"), "%s", r.err);
}

Test(cli, CLI_missing_value_named_with_status_2) {
  char dbopt[420];
  snprintf(dbopt, sizeof dbopt, "--db=%s", S.db);
  static run_result r;
  run(&r, "rolodesk", dbopt, "import", "people", "f.csv", "--account", NULL);
  cr_assert_eq(r.status, 2, "%s", r.err);
  cr_assert_str_eq(r.err,
                   "rolodesk: option --account needs a value (see rolodesk import people --help)\n");
  run(&r, "rolodesk", "--db", NULL);
  cr_assert_eq(r.status, 2);
  cr_assert_str_eq(r.err, "rolodesk: option --db needs a value (see rolodesk --help)\n");
  run(&r, "rolodesk", dbopt, "import", "people", "f.csv", NULL);
  cr_assert_eq(r.status, 2);
  cr_assert(strstr(r.err, "missing --account"), "%s", r.err);
  run(&r, "rolodesk", dbopt, "person", "create", "--account", "wdc", "--username", "u", NULL);
  cr_assert_eq(r.status, 2);
  cr_assert(strstr(r.err, "missing --first-name"), "%s", r.err);
  run(&r, "rolodeskd", dbopt, "--listen", NULL);
  cr_assert_eq(r.status, 2);
  cr_assert_str_eq(r.err, "rolodeskd: option --listen needs a value (see rolodeskd --help)\n");
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fputs(text, f);
  fclose(f);
}

/* Imports file into account wdc; returns the status, stdout in r. The options' separate
 * form, which the CLI always took: what is under test here is the status alone. */
static int import(run_result *r, const char *file, bool dry) {
  char data[420];
  snprintf(data, sizeof data, "%s/data", S.dir);
  run(r, "rolodesk", "--db", S.db, "import", "people", file, "--account", "wdc",
      "--ignore-first-line", "--data", data, dry ? "--dry-run" : NULL, NULL);
  return r->status;
}

Test(cli, CLI_IMP3_import_with_failed_rows_exits_3_and_a_clean_one_0) {
  static run_result r;
  char clean[400], bad[400];
  run(&r, "rolodesk", "--db", S.db, "account", "create", "wdc", "Widget Data Center", NULL);
  cr_assert_eq(r.status, 0, "%s", r.err);
  snprintf(clean, sizeof clean, "%s/clean.csv", S.dir);
  snprintf(bad, sizeof bad, "%s/bad.csv", S.dir);
  write_file(clean, "First Name,Last Name,Email Address,Username\n"
                    "Ann,Lee,ann@example.com,ann\n");
  write_file(bad, "First Name,Last Name,Email Address,Username,Country\n"
                  "Bob,Ray,bob@example.com,bob,NL\n"
                  "Cy,Dee,cy@example.com,cy,Holand\n");
  cr_assert_eq(import(&r, clean, false), 0, "%s%s", r.out, r.err);
  cr_assert(strstr(r.out, "import ") && strstr(r.out, " done"), "%s", r.out);
  cr_assert_eq(import(&r, bad, false), 3, "%s%s", r.out, r.err);
  /* The run happened: the good row is stored, the failed one reported. */
  cr_assert(strstr(r.out, "line 3  Country: unknown country 'Holand'"), "%s", r.out);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM people WHERE username = 'bob'"), 1);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM people WHERE username = 'cy'"), 0);
}

Test(cli, CLI_IMP4_dry_run_with_failed_rows_exits_3_and_a_clean_one_0) {
  static run_result r;
  char clean[400], bad[400];
  run(&r, "rolodesk", "--db", S.db, "account", "create", "wdc", "Widget Data Center", NULL);
  cr_assert_eq(r.status, 0, "%s", r.err);
  snprintf(clean, sizeof clean, "%s/clean.csv", S.dir);
  snprintf(bad, sizeof bad, "%s/bad.csv", S.dir);
  write_file(clean, "First Name,Last Name,Email Address,Username\n"
                    "Ann,Lee,ann@example.com,ann\n");
  write_file(bad, "First Name,Last Name,Email Address,Username,Country\n"
                  "Bob,Ray,bob@example.com,bob,NL\n"
                  "Cy,Dee,cy@example.com,cy,Holand\n");
  cr_assert_eq(import(&r, clean, true), 0, "%s%s", r.out, r.err);
  cr_assert(strstr(r.out, "dry run"), "%s", r.out);
  cr_assert_eq(import(&r, bad, true), 3, "%s%s", r.out, r.err);
  cr_assert(strstr(r.out, "dry run") && strstr(r.out, "Holand"), "%s", r.out);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM people"), 0, "a dry run stores nothing");
}
