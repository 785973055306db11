/* Logging: one line per event on stderr, with a UTC timestamp and level. Thread-safe
 * (a single write per line). Never pass secrets. */
#ifndef RD_BASE_LOG_H
#define RD_BASE_LOG_H

#include <stddef.h>

enum { RD_LOG_DEBUG, RD_LOG_INFO, RD_LOG_WARN, RD_LOG_ERROR };

extern int rd_log_level; /* messages below it are dropped; default RD_LOG_INFO */
void rd_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Copies s into out (cap bytes, always NUL-terminated, cut when longer) with every control
 * byte (< 0x20, 0x7f) and the backslash written as \xNN, so that text a client chose
 * (a path, a method) cannot forge or break log lines. */
void rd_log_escape(char *out, size_t cap, const char *s);

#endif
