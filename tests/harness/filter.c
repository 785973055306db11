/* Filters: see filter.h. The input goes through a temporary file rather than a pipe, so
 * that a large input cannot deadlock against a program that writes before it has read
 * everything. */
#include "harness/filter.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

char *th_filter(const char *cmd, const char *input, size_t len, int *status) {
  char path[] = "/tmp/rdfilter.XXXXXX";
  int fd = mkstemp(path);
  cr_assert(fd >= 0, "mkstemp");
  cr_assert_eq(write(fd, input, len), (ssize_t)len);
  close(fd);
  size_t n = strlen(cmd) + strlen(path) + 16;
  char *line = malloc(n);
  snprintf(line, n, "%s < '%s'", cmd, path);
  FILE *p = popen(line, "r");
  cr_assert_not_null(p, "popen %s", cmd);
  size_t cap = 4096, have = 0;
  char *out = malloc(cap);
  for (;;) {
    if (have + 1024 > cap)
      out = realloc(out, cap *= 2);
    size_t r = fread(out + have, 1, cap - have - 1, p);
    if (r == 0)
      break;
    have += r;
  }
  out[have] = 0;
  int st = pclose(p);
  if (status)
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
  unlink(path);
  free(line);
  return out;
}

bool th_have(const char *program) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "command -v '%s' >/dev/null 2>&1", program);
  return system(cmd) == 0;
}
