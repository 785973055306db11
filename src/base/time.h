/* Time: RFC 3339 UTC timestamps ("2026-11-23T09:00:00Z") and calendar dates
 * ("YYYY-MM-DD"), both stored as text so that they sort and compare the same way on every
 * storage backend. */
#ifndef RD_BASE_TIME_H
#define RD_BASE_TIME_H

#include <stdbool.h>
#include <stdint.h>

#define RD_TIME_LEN 21 /* "2026-11-23T09:00:00Z" + NUL */
#define RD_DATE_LEN 11

void rd_time_now(char out[RD_TIME_LEN]);
/* The time seconds from now (negative: ago), in the format of rd_time_now. */
void rd_time_in(int64_t seconds, char out[RD_TIME_LEN]);
/* Today's date (UTC), or with a test clock the date its file holds. */
void rd_date_today(char out[RD_DATE_LEN]);
/* Test only (rolodeskd --test-clock FILE): rd_date_today reads the date ("YYYY-MM-DD") from
 * path at every call, so tests move the calendar (contract dates, CUST-8) without sleeping;
 * a file that is missing or holds no valid date means the real date. Timestamps
 * (rd_time_now: sessions, audit) keep the real clock. Set once before threads start. */
void rd_date_test_clock(const char *path);
/* Microseconds from a monotonic clock, for durations. */
int64_t rd_mono_us(void);
/* True when s is a real calendar date YYYY-MM-DD (leap years checked). */
bool rd_date_valid(const char *s);
/* True when s is an RFC 3339 timestamp; writes it normalized to UTC into out. */
bool rd_time_parse(const char *s, char out[RD_TIME_LEN]);

#endif
