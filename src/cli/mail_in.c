/* rolodesk mail-in --account ID: one RFC 5322 message on standard input, delivered as
 * CUST-9 says (src/mail/mail_in.h); meant as an MTA's pipe command (Postfix, Exim,
 * sendmail aliases), so the exit status is one an MTA understands (sysexits.h): 0
 * delivered (also a dropped auto-reply or loop: it was handled), 67 unknown sender
 * rejected (a reply was queued), 65 not a message, 75 temporary failure (the database
 * busy or unreachable: the MTA tries again later). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/str.h"
#include "cli/cli.h"
#include "mail/mail_in.h"

enum { EX_DATAERR_ = 65, EX_NOUSER_ = 67, EX_TEMPFAIL_ = 75 };

static const char HELP[] =
    "usage: rolodesk mail-in --account ID [--data DIR] [--quiet] < message.eml\n"
    "Delivers one RFC 5322 message read on standard input to the service desk of account ID\n"
    "(CUST-9): a new request of the customer who sent it, or a note on the request its\n"
    "subject names ([RD-123]); prints the outcome as JSON (not with --quiet).\n"
    "  --data DIR   the data directory for attachments (default: rolodeskd's)\n"
    "Exit status (for MTAs, sysexits.h): 0 delivered (also an auto-reply or loop that was\n"
    "dropped), 67 unknown sender rejected, 65 not a parseable message, 75 temporary\n"
    "failure (database busy or unavailable: retry), 1 other errors, 2 usage error.\n";

typedef struct mail_in_opts {
  const char *account, *data;
  bool quiet;
} mail_in_opts;

static int option(void *ctx, const char *name, const char *value) {
  mail_in_opts *o = ctx;
  if (!strcmp(name, "--account"))
    o->account = value;
  else if (!strcmp(name, "--data"))
    o->data = value;
  else
    o->quiet = true; /* --quiet */
  return 0;
}

/* Standard input, at most RD_MAIL_IN_MAX bytes; -1 when larger or unreadable. */
static int read_stdin(rd_buf *b) {
  char chunk[65536];
  for (;;) {
    ssize_t n = read(0, chunk, sizeof chunk);
    if (n < 0)
      return -1;
    if (n == 0)
      return 0;
    if (b->len + (size_t)n > RD_MAIL_IN_MAX)
      return -1;
    rd_buf_add(b, chunk, (size_t)n);
  }
}

int rd_cli_mail_in(rd_cli *c, int argc, char **argv) {
  static const rd_opt opts[] = {{"account", 0, true},
                                {"data", 0, true},
                                {"quiet", 'q', false},
                                {"help", 'h', false},
                                {NULL}};
  mail_in_opts o = {0};
  rd_cli_args args = {.max = 0, .option = option, .ctx = &o};
  int rv = rd_cli_parse("mail-in", HELP, opts, argc, argv, &args);
  if (rv != RD_CLI_RUN)
    return rv;
  if (!o.account)
    return rd_cli_usage("mail-in", "missing --account");
  rd_buf msg;
  rd_buf_init(&msg);
  if (read_stdin(&msg)) {
    fprintf(stderr, "rolodesk: the message is unreadable or over %u MB\n", RD_MAIL_IN_MAX >> 20);
    rd_buf_term(&msg);
    return EX_DATAERR_;
  }
  rv = rd_cli_open(c);
  if (rv) {
    rd_buf_term(&msg);
    /* the database cannot be reached now: the MTA keeps the message and tries again */
    return rv == RD_EXIT_USAGE ? rv : EX_TEMPFAIL_;
  }
  char default_data[1024];
  const char *data = o.data;
  if (!data) { /* as rolodeskd defaults it */
    const char *uri = c->db_uri ? c->db_uri : "";
    bool pg = !strncmp(uri, "postgres", 8);
    snprintf(default_data, sizeof default_data, "%s%s", pg ? "rolodesk-data" : uri,
             pg ? "" : ".data");
    data = default_data;
  }
  rd_err err;
  rd_err_clear(&err);
  rd_mail_in_result res;
  rv = rd_mail_in_deliver(c->conn, o.account, data, msg.data ? msg.data : "", msg.len, &res,
                          &err);
  rd_buf_term(&msg);
  if (rv == RD_EINVAL) {
    rd_cli_fail(&err);
    return EX_DATAERR_;
  }
  /* RD_ECONFLICT: two messages of one unknown sender made its customer at once; the next
   * attempt finds it. */
  if (rv == RD_EUNAVAIL || rv == RD_EINTERNAL || rv == RD_EIO || rv == RD_ECONFLICT) {
    rd_cli_fail(&err);
    return EX_TEMPFAIL_;
  }
  if (rv)
    return rd_cli_fail(&err);
  if (!o.quiet) {
    json_t *j = rd_mail_in_result_json(&res);
    char *text = json_dumps(j, JSON_COMPACT);
    puts(text);
    free(text);
    json_decref(j);
  }
  return strcmp(res.outcome, "rejected") ? RD_EXIT_OK : EX_NOUSER_;
}
