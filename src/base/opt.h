/* Command-line options of both programs (rolodeskd, and rolodesk with each of its
 * commands), on libc's getopt_long: "--name value" and "--name=value", options before and
 * after positional arguments, "--" ending the options, one-letter forms such as -h. An
 * unknown option, a missing value or a value given to a flag comes back as an error that
 * names the option, for the program to print with its own hint. Not thread-safe
 * (getopt_long keeps global state): call it from main's thread, before starting others. */
#ifndef RD_BASE_OPT_H
#define RD_BASE_OPT_H

#include <getopt.h>
#include <stdbool.h>

#define RD_OPT_MAX 32

/* One option a program accepts. A table of them ends with {NULL}. */
typedef struct rd_opt {
  const char *name; /* long name without the dashes: "account" */
  char letter;      /* one-letter form ('h'), or 0 */
  bool value;       /* takes a value */
} rd_opt;

typedef struct rd_opt_parser {
  int argc;
  char **argv;
  const rd_opt *opts;
  bool stop;         /* stop at the first positional argument (options before a command) */
  int next;          /* after RD_OPT_END: index of the first argument not consumed */
  char name[72];     /* "--account": the option last returned */
  char error[160];   /* after RD_OPT_ERROR: "unknown option --fro" */
  struct option lo[RD_OPT_MAX + 1];
  char letters[2 * RD_OPT_MAX + 4];
} rd_opt_parser;

enum { RD_OPT_ERROR = -1, RD_OPT_END = 0, RD_OPT_OPTION = 1, RD_OPT_ARG = 2 };

/* Prepares p to read argv[1..argc) (argv[0] is the program or command name) against
 * opts (borrowed, with argv, until the last rd_opt_next). With stop, parsing ends at the
 * first positional argument (p->next is its index), so a command's own options stay for
 * the command; otherwise options and positional arguments may come in any order. */
void rd_opt_init(rd_opt_parser *p, int argc, char **argv, const rd_opt *opts, bool stop);

/* The next item: RD_OPT_OPTION with *name the option's long form with its dashes
 * ("--help" also for -h; owned by p, valid until the next call) and *value its value
 * (NULL for a flag); RD_OPT_ARG with *value the positional argument; RD_OPT_END when
 * nothing is left (p->next set); RD_OPT_ERROR with p->error naming the option. */
int rd_opt_next(rd_opt_parser *p, const char **name, const char **value);

#endif
