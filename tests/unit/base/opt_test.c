/* Unit tests of src/base/opt.c: the option parser of rolodesk and rolodeskd (issue 12, CLI
 * conventions): both value forms, options around positionals, "--", one-letter forms, and
 * errors that name the option. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "base/opt.h"

static const rd_opt OPTS[] = {
    {"account", 0, true}, {"dry-run", 0, false}, {"data", 0, true}, {"help", 'h', false}, {NULL}};

/* Parses argv into a line "name=value|arg|..." or "error: ..." */
static void parse(int argc, char **argv, bool stop, char *out, size_t cap) {
  rd_opt_parser p;
  rd_opt_init(&p, argc, argv, OPTS, stop);
  const char *name = NULL, *value = NULL;
  int k;
  out[0] = 0;
  while ((k = rd_opt_next(&p, &name, &value)) != RD_OPT_END) {
    size_t len = strlen(out);
    if (k == RD_OPT_ERROR) {
      snprintf(out + len, cap - len, "error: %s", p.error);
      return;
    }
    if (k == RD_OPT_ARG)
      snprintf(out + len, cap - len, "%s|", value);
    else
      snprintf(out + len, cap - len, "%s=%s|", name, value ? value : "");
  }
  size_t len = strlen(out);
  snprintf(out + len, cap - len, "next %d", p.next);
}

#define ARGV(...) (char *[]){"prog", __VA_ARGS__, NULL}
#define N(...) ((int)(sizeof((char *[]){"prog", __VA_ARGS__}) / sizeof(char *)))

Test(opt, CLI_both_value_forms_options_around_positionals) {
  char out[512];
  parse(N("people", "--account=wdc", "f.csv", "--data", "d", "--dry-run"),
        ARGV("people", "--account=wdc", "f.csv", "--data", "d", "--dry-run"), false, out,
        sizeof out);
  cr_assert_str_eq(out, "people|--account=wdc|f.csv|--data=d|--dry-run=|next 7");
}

Test(opt, CLI_double_dash_ends_options_and_h_is_help) {
  char out[512];
  parse(N("-h", "--", "--account", "x"), ARGV("-h", "--", "--account", "x"), false, out,
        sizeof out);
  cr_assert_str_eq(out, "--help=|--account|x|next 5");
}

Test(opt, CLI_stop_leaves_the_command_and_its_options) {
  char out[512];
  parse(N("--data=x", "import", "--nope"), ARGV("--data=x", "import", "--nope"), true, out,
        sizeof out);
  cr_assert_str_eq(out, "--data=x|next 2");
}

Test(opt, CLI_unknown_option_named) {
  char out[512];
  parse(N("a", "--fro=1", "b"), ARGV("a", "--fro=1", "b"), false, out, sizeof out);
  cr_assert_str_eq(out, "a|error: unknown option --fro");
  parse(N("-x"), ARGV("-x"), false, out, sizeof out);
  cr_assert_str_eq(out, "error: unknown option -x");
}

Test(opt, CLI_missing_value_and_value_to_a_flag_named) {
  char out[512];
  parse(N("a", "--account"), ARGV("a", "--account"), false, out, sizeof out);
  cr_assert_str_eq(out, "a|error: option --account needs a value");
  parse(N("--dry-run=yes"), ARGV("--dry-run=yes"), false, out, sizeof out);
  cr_assert_str_eq(out, "error: option --dry-run takes no value");
}

Test(opt, CLI_ambiguous_abbreviation_is_an_error) {
  char out[512];
  parse(N("--d", "x"), ARGV("--d", "x"), false, out, sizeof out);
  cr_assert(strstr(out, "error: unknown option --d"), "%s", out);
  parse(N("--acc", "x"), ARGV("--acc", "x"), false, out, sizeof out);
  cr_assert_str_eq(out, "--account=x|next 3");
}
