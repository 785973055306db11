/* Runs an outside program of the test toolchain (node, python3) as a filter: the input on
 * its stdin, its stdout returned. Used to check rolodeskd's output with real parsers
 * (tests/vcard/parse.js for vCards, tests/mail/parse.py for mail). */
#ifndef RD_TESTS_FILTER_H
#define RD_TESTS_FILTER_H

#include <stdbool.h>
#include <stddef.h>

/* Runs the shell command cmd with input (len bytes) on stdin; returns its stdout
 * (NUL-terminated, caller frees) and sets *status to its exit status (127: not found). */
char *th_filter(const char *cmd, const char *input, size_t len, int *status);
/* True when program is on PATH. */
bool th_have(const char *program);

#endif
