/* Logging: see log.h. */
#include "base/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "base/time.h"

int rd_log_level = RD_LOG_INFO;

void rd_log(int level, const char *fmt, ...) {
  static const char *names[] = {"debug", "info", "warn", "error"};
  if (level < rd_log_level)
    return;
  char line[1024], now[RD_TIME_LEN];
  rd_time_now(now);
  int n = snprintf(line, sizeof line, "%s %s ", now, names[level]);
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
  va_end(ap);
  size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
  if (len > sizeof line - 2)
    len = sizeof line - 2;
  line[len++] = '\n';
  ssize_t w = write(STDERR_FILENO, line, len);
  (void)w;
}

void rd_log_escape(char *out, size_t cap, const char *s) {
  static const char hex[] = "0123456789abcdef";
  size_t n = 0;
  if (cap == 0)
    return;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    bool esc = *p < 0x20 || *p == 0x7f || *p == '\\';
    size_t need = esc ? 4 : 1;
    if (n + need >= cap)
      break;
    if (esc) {
      out[n++] = '\\';
      out[n++] = 'x';
      out[n++] = hex[*p >> 4];
      out[n++] = hex[*p & 15];
    } else {
      out[n++] = (char)*p;
    }
  }
  out[n] = 0;
}
