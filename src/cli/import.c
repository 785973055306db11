/* rolodesk import people FILE.csv --account ID [...] (IMP-1..5): the same import job as
 * POST /v1/imports, run in this process: the file is stored under the data directory and
 * checked, the job is created already claimed by this process, and the job runner
 * (rd_job_run) streams it, showing a progress bar (rows/s, ETA) on a terminal and plain lines otherwise, then a
 * summary table and the failed rows. Killed halfway, the job stays in the database and a
 * rolodeskd on the same database resumes it once its lease runs out. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/str.h"
#include "base/time.h"
#include "cli/cli.h"
#include "domain/account.h"
#include "import/import.h"
#include "domain/person.h"
#include "jobs/runner.h"

typedef struct progress {
  bool tty;
  int64_t start_us, last_us;
  long long last_printed;
} progress;

static void show(void *arg, const json_t *st) {
  progress *p = arg;
  long long rows = json_integer_value(json_object_get(st, "rows"));
  long long done = json_integer_value(json_object_get(st, "processed"));
  int64_t now = rd_mono_us();
  double secs = (double)(now - p->start_us) / 1e6;
  double rate = secs > 0 ? (double)done / secs : 0;
  bool finished = !strcmp(json_string_value(json_object_get(st, "status")), "done");
  if (p->tty) {
    int width = 30, fill = rows ? (int)(width * done / rows) : width;
    char bar[64];
    for (int i = 0; i < width; i++)
      bar[i] = i < fill ? '#' : '-';
    bar[width] = 0;
    double eta = rate > 0 && rows > done ? (double)(rows - done) / rate : 0;
    fprintf(stderr, "\r[%s] %3d%% %lld/%lld rows  %.0f rows/s  ETA %d:%02d  ", bar,
            rows ? (int)(100 * done / rows) : 100, done, rows, rate, (int)eta / 60,
            (int)eta % 60);
    if (finished)
      fputc('\n', stderr);
  } else if (finished || now - p->last_us >= 2000000) {
    fprintf(stderr, "import: %lld/%lld rows, %.0f rows/s\n", done, rows, rate);
    p->last_us = now;
  }
}

static const char HELP[] =
    "usage: rolodesk import people FILE.csv --account ID [--dry-run] [--ignore-first-line]\n"
    "         [--web-access] [--charset CHARSET] [--separator comma|semicolon|tab]\n"
    "         [--mapping JSON] [--data DIR] [--as USERNAME]\n"
    "Imports customers from a CSV file (IMP-1..5) as the job POST /v1/imports runs, in this\n"
    "process, with a progress line on standard error and a summary and the failed rows on\n"
    "standard output.\n"
    "  --account ID          the account to import into\n"
    "  --dry-run             check every row, store nothing (IMP-4)\n"
    "  --ignore-first-line   the first line is a header\n"
    "  --web-access          new customers may sign in\n"
    "  --charset CHARSET     the file's encoding (default: detected)\n"
    "  --separator SEP       comma, semicolon or tab (default: detected)\n"
    "  --mapping JSON        column number to field, such as {\"0\": \"first_name\"}\n"
    "  --data DIR            the data directory (default: rolodeskd's)\n"
    "  --as USERNAME         audit the import as this person (its roles apply)\n"
    RD_CLI_EXIT_HELP;

#define CMD "import people"

typedef struct import_opts {
  const char *account, *charset, *sep, *mapping_text, *data, *as;
  bool dry, ignore, web;
} import_opts;

static int import_option(void *ctx, const char *name, const char *value) {
  import_opts *o = ctx;
  if (!strcmp(name, "--dry-run"))
    o->dry = true;
  else if (!strcmp(name, "--ignore-first-line"))
    o->ignore = true;
  else if (!strcmp(name, "--web-access"))
    o->web = true;
  else if (!strcmp(name, "--account"))
    o->account = value;
  else if (!strcmp(name, "--charset"))
    o->charset = value;
  else if (!strcmp(name, "--separator"))
    o->sep = value;
  else if (!strcmp(name, "--mapping"))
    o->mapping_text = value;
  else if (!strcmp(name, "--data"))
    o->data = value;
  else
    o->as = value; /* --as */
  return 0;
}

int rd_cli_import(rd_cli *c, int argc, char **argv) {
  static const rd_opt opts[] = {
      {"account", 0, true},      {"charset", 0, true},           {"separator", 0, true},
      {"mapping", 0, true},      {"data", 0, true},              {"as", 0, true},
      {"dry-run", 0, false},     {"ignore-first-line", 0, false}, {"web-access", 0, false},
      {"help", 'h', false},      {NULL}};
  import_opts given = {0};
  rd_cli_args args = {.max = 2, .option = import_option, .ctx = &given};
  int got = rd_cli_parse(CMD, HELP, opts, argc, argv, &args);
  if (got != RD_CLI_RUN)
    return got;
  const char *file = NULL, *account = given.account, *charset = given.charset;
  const char *sep = given.sep, *mapping_text = given.mapping_text, *data = given.data;
  const char *as = given.as;
  const char *const *pos = args.pos;
  int npos = args.n;
  bool dry = given.dry, ignore = given.ignore, web = given.web;
  if (npos != 2 || strcmp(pos[0], "people"))
    return rd_cli_usage(CMD, "expected: import people FILE.csv --account ID");
  file = pos[1];
  if (!account)
    return rd_cli_usage(CMD, "missing --account");
  rd_err err;
  rd_err_clear(&err);
  rd_import_opts o = {.type = "people", .charset = charset, .ignore_first_line = ignore,
                      .web_access = web, .dry_run = dry};
  if (sep) {
    o.separator = !strcmp(sep, "comma") || !strcmp(sep, ",")       ? ','
                  : !strcmp(sep, "semicolon") || !strcmp(sep, ";") ? ';'
                  : !strcmp(sep, "tab")                            ? '\t'
                                                                   : 0;
    if (!o.separator)
      return rd_cli_usage(CMD, "--separator wants comma, semicolon or tab");
  }
  json_t *mapping = NULL;
  if (mapping_text) {
    mapping = json_loads(mapping_text, 0, NULL);
    if (!json_is_object(mapping)) {
      json_decref(mapping);
      fputs("rolodesk: --mapping must be a JSON object such as {\"0\": \"first_name\"}\n", stderr);
      return RD_EXIT_USAGE;
    }
    o.mapping = mapping;
  }
  int rv = rd_cli_open(c);
  if (rv) {
    json_decref(mapping);
    return rv;
  }
  /* The data directory, as rolodeskd defaults it, so that a daemon can resume the job. */
  char default_data[1024];
  if (!data) {
    const char *uri = c->db_uri ? c->db_uri : "";
    bool pg = !strncmp(uri, "postgres", 8);
    snprintf(default_data, sizeof default_data, "%s%s", pg ? "rolodesk-data" : uri,
             pg ? "" : ".data");
    data = default_data;
  }
  rd_caller who = rd_system_caller(account);
  if (as) { /* audit the import as this person (its roles still apply) */
    json_t *rows = NULL;
    bool more = false;
    rd_person_filter f = {.username = as};
    rv = rd_person_list(c->conn, &who, &f, 0, 1, &rows, &more, &err);
    json_t *p = json_array_get(rows, 0);
    if (!rv && !p)
      rv = rd_err_field(&err, "as", "no person '%s' in account %s", as, account);
    if (!rv) {
      who.person_id = json_integer_value(json_object_get(p, "id"));
      who.roles = rd_roles_bits(json_object_get(p, "roles"));
      snprintf(who.name, sizeof who.name, "%s", json_string_value(json_object_get(p, "name")));
    }
    json_decref(rows);
  }
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "rolodesk: cannot open %s\n", file);
    json_decref(mapping);
    return RD_EXIT_ERROR;
  }
  char worker[160], host[64] = "";
  gethostname(host, sizeof host - 1);
  snprintf(worker, sizeof worker, "rolodesk:%s:%d:import", host, (int)getpid());
  int64_t id = 0;
  json_t *acc = NULL;
  if (!rv)
    rv = rd_account_get(c->conn, account, &acc, NULL, &err);
  json_decref(acc);
  if (!rv)
    rv = rd_import_create(c->conn, &who, data, fd, NULL, 0, &o, worker, &id, &err);
  close(fd);
  json_decref(mapping);
  if (rv) {
    for (int i = 0; i < err.nitems; i++)
      if (err.items[i].line)
        fprintf(stderr, "rolodesk: line %ld, %s: %s\n", err.items[i].line, err.items[i].field,
                err.items[i].message);
    return rd_cli_fail(&err);
  }
  progress p = {.tty = isatty(2), .start_us = rd_mono_us()};
  p.last_us = p.start_us;
  fprintf(stderr, "import %lld: %s%s\n", (long long)id, file, dry ? " (dry run)" : "");
  rd_job_opts jo = {.data_dir = data, .progress = show, .progress_arg = &p};
  rv = rd_job_run(c->conn, id, worker, &jo, &err);
  if (rv)
    return rd_cli_fail(&err);
  json_t *st = NULL, *failed = NULL;
  bool more = false;
  rv = rd_import_get(c->conn, &who, id, &st, &err);
  if (!rv)
    rv = rd_import_rows(c->conn, &who, id, "failed", 0, 20, &failed, &more, &err);
  if (rv) {
    json_decref(st);
    return rd_cli_fail(&err);
  }
  double secs = (double)(rd_mono_us() - p.start_us) / 1e6;
  long long rows = json_integer_value(json_object_get(st, "rows"));
  printf("import %lld %s%s\n", (long long)id, json_string_value(json_object_get(st, "status")),
         dry ? " (dry run: nothing stored)" : "");
  printf("  %-9s %10lld\n", "rows", rows);
  static const char *const KEYS[] = {"created", "updated", "unchanged", "failed", "skipped"};
  for (int i = 0; i < 5; i++)
    printf("  %-9s %10lld%s\n", KEYS[i], (long long)json_integer_value(json_object_get(st, KEYS[i])),
           i == 2 ? " (of the updated: nothing to change)" : "");
  printf("  %-9s %10.2f s (%.0f rows/s)\n", "time", secs, secs > 0 ? (double)rows / secs : 0);
  size_t i;
  json_t *r;
  if (json_array_size(failed))
    printf("failed rows%s:\n", more ? " (the first 20)" : "");
  json_array_foreach(failed, i, r) {
    size_t k;
    json_t *e;
    json_array_foreach(json_object_get(r, "errors"), k, e) {
      const char *col = json_string_value(json_object_get(e, "column"));
      printf("  line %lld  %s%s%s\n", (long long)json_integer_value(json_object_get(r, "line")),
             col ? col : "", col ? ": " : "", json_string_value(json_object_get(e, "message")));
    }
  }
  /* Scripts tell a clean run from one with failed rows (also in a dry run, which shows
   * what a real run would do), and a job that did not finish from both. */
  rv = strcmp(json_string_value(json_object_get(st, "status")), "done") ? RD_EXIT_ERROR
       : json_integer_value(json_object_get(st, "failed")) > 0       ? RD_EXIT_ROWS_FAILED
                                                                     : RD_EXIT_OK;
  json_decref(st);
  json_decref(failed);
  return rv;
}
