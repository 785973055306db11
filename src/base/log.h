/* Logging: one line per event on stderr, with a UTC timestamp and level. Thread-safe
 * (a single write per line). Never pass secrets. */
#ifndef RD_BASE_LOG_H
#define RD_BASE_LOG_H

enum { RD_LOG_DEBUG, RD_LOG_INFO, RD_LOG_WARN, RD_LOG_ERROR };

extern int rd_log_level; /* messages below it are dropped; default RD_LOG_INFO */
void rd_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
