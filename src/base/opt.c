/* Command-line options over getopt_long (see opt.h). Each long option's getopt value is
 * 256 + its index in the table, so it never collides with a one-letter form. */
#include "base/opt.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#define LONG_BASE 256

void rd_opt_init(rd_opt_parser *p, int argc, char **argv, const rd_opt *opts, bool stop) {
  memset(p, 0, sizeof *p);
  p->argc = argc;
  p->argv = argv;
  p->opts = opts;
  p->stop = stop;
  size_t n = 0, k = 0;
  /* '+': stop at the first positional; '-': return positionals in order (whatever
   * POSIXLY_CORRECT says); ':': report a missing value apart, print nothing. */
  p->letters[k++] = stop ? '+' : '-';
  p->letters[k++] = ':';
  for (const rd_opt *o = opts; o->name; o++, n++) {
    assert(n < RD_OPT_MAX);
    p->lo[n] = (struct option){o->name, o->value ? required_argument : no_argument, NULL,
                               LONG_BASE + (int)n};
    if (o->letter) {
      p->letters[k++] = o->letter;
      if (o->value)
        p->letters[k++] = ':';
    }
  }
  p->lo[n] = (struct option){0};
  p->letters[k] = 0;
  optind = 0; /* glibc: start over, also after another parser */
  opterr = 0;
}

static const rd_opt *by_code(const rd_opt_parser *p, int code) {
  if (code >= LONG_BASE)
    return &p->opts[code - LONG_BASE];
  for (const rd_opt *o = p->opts; code && o->name; o++)
    if (o->letter == code)
      return o;
  return NULL;
}

int rd_opt_next(rd_opt_parser *p, const char **name, const char **value) {
  int c = -1;
  if (p->next == 0)
    c = getopt_long(p->argc, p->argv, p->letters, p->lo, NULL);
  if (c == -1) {
    /* After "--" everything left is positional (unless we stop at positionals). */
    if (p->next == 0)
      p->next = optind < p->argc ? optind : p->argc;
    if (!p->stop && p->next < p->argc) {
      *value = p->argv[p->next++];
      return RD_OPT_ARG;
    }
    return RD_OPT_END;
  }
  if (c == 1) {
    *value = optarg;
    return RD_OPT_ARG;
  }
  const rd_opt *o = by_code(p, c == '?' || c == ':' ? optopt : c);
  if (c == ':') {
    if (optopt >= LONG_BASE)
      snprintf(p->error, sizeof p->error, "option --%s needs a value", o->name);
    else
      snprintf(p->error, sizeof p->error, "option -%c needs a value", optopt);
    return RD_OPT_ERROR;
  }
  if (c == '?') {
    const char *text = optind > 0 && optind <= p->argc ? p->argv[optind - 1] : "";
    if (o && optopt >= LONG_BASE)
      snprintf(p->error, sizeof p->error, "option --%s takes no value", o->name);
    else if (optopt)
      snprintf(p->error, sizeof p->error, "unknown option -%c", optopt);
    else
      snprintf(p->error, sizeof p->error, "unknown option %.*s", (int)strcspn(text, "="), text);
    return RD_OPT_ERROR;
  }
  assert(o);
  snprintf(p->name, sizeof p->name, "--%s", o->name);
  *name = p->name;
  *value = o->value ? optarg : NULL;
  return RD_OPT_OPTION;
}
