/* What the benchmark programs of bench/ share: fail() prints an rd_err as
 * "<BENCH_NAME>: what: message (field: message, ...)" and returns 1 (the exit status);
 * now_s() is a monotonic clock in seconds. Define BENCH_NAME before including it. */
#ifndef RD_BENCH_BENCH_H
#define RD_BENCH_BENCH_H

#include <stdio.h>
#include <time.h>

#include "base/err.h"

static inline int fail(const char *what, const rd_err *err) {
  fprintf(stderr, BENCH_NAME ": %s: %s", what, err->message[0] ? err->message : "error");
  for (int i = 0; i < err->nitems; i++)
    fprintf(stderr, "%s%s: %s", i ? ", " : " (", err->items[i].field, err->items[i].message);
  fputs(err->nitems ? ")\n" : "\n", stderr);
  return 1;
}

static inline double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
