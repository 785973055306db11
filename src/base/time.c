/* Time: see time.h. */
#include "base/time.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void rd_time_now(char out[RD_TIME_LEN]) {
  rd_time_in(0, out);
}

void rd_time_in(int64_t seconds, char out[RD_TIME_LEN]) {
  time_t t = time(NULL) + (time_t)seconds;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, RD_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *test_clock;

void rd_date_test_clock(const char *path) {
  test_clock = path;
}

void rd_date_today(char out[RD_DATE_LEN]) {
  if (test_clock) {
    FILE *f = fopen(test_clock, "r");
    char d[RD_DATE_LEN + 1] = "";
    if (f) {
      if (!fgets(d, sizeof d, f))
        d[0] = 0;
      fclose(f);
    }
    d[strcspn(d, "\r\n")] = 0;
    if (rd_date_valid(d)) {
      memcpy(out, d, RD_DATE_LEN);
      return;
    }
  }
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, RD_DATE_LEN, "%Y-%m-%d", &tm);
}

int64_t rd_mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static bool digits(const char *s, int n) {
  for (int i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return true;
}

static int num(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++)
    v = v * 10 + (s[i] - '0');
  return v;
}

static bool ymd_valid(int y, int m, int d) {
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1)
    return false;
  int max = mdays[m - 1];
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    max = 29;
  return d <= max;
}

bool rd_date_valid(const char *s) {
  if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) ||
      !digits(s + 5, 2) || !digits(s + 8, 2))
    return false;
  return ymd_valid(num(s, 4), num(s + 5, 2), num(s + 8, 2));
}

bool rd_time_parse(const char *s, char out[RD_TIME_LEN]) {
  if (!s || strlen(s) < 20 || !rd_date_valid((char[11]){s[0], s[1], s[2], s[3], s[4], s[5],
                                                         s[6], s[7], s[8], s[9], 0}))
    return false;
  if ((s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2) || s[13] != ':' ||
      !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
    return false;
  struct tm tm = {0};
  tm.tm_year = num(s, 4) - 1900;
  tm.tm_mon = num(s + 5, 2) - 1;
  tm.tm_mday = num(s + 8, 2);
  tm.tm_hour = num(s + 11, 2);
  tm.tm_min = num(s + 14, 2);
  tm.tm_sec = num(s + 17, 2);
  if (tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    return false;
  const char *p = s + 19;
  if (*p == '.') {
    p++;
    if (!digits(p, 1))
      return false;
    while (*p >= '0' && *p <= '9')
      p++;
  }
  long off = 0;
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if ((*p == '+' || *p == '-') && digits(p + 1, 2) && p[3] == ':' && digits(p + 4, 2) &&
             num(p + 1, 2) <= 23 && num(p + 4, 2) <= 59) {
    off = (num(p + 1, 2) * 60 + num(p + 4, 2)) * 60L * (*p == '-' ? -1 : 1);
    p += 6;
  } else {
    return false;
  }
  if (*p)
    return false;
  time_t t = timegm(&tm) - off;
  struct tm u;
  /* The normalized text must still fit RD_TIME_LEN: years 1 to 9999 only, zero-padded
   * (strftime's %Y does not pad years before 1000). */
  if (!gmtime_r(&t, &u) || u.tm_year < 1 - 1900 || u.tm_year > 9999 - 1900)
    return false;
  snprintf(out, RD_TIME_LEN, "%04d-%02d-%02dT%02d:%02d:%02dZ", u.tm_year + 1900, u.tm_mon + 1,
           u.tm_mday, u.tm_hour, u.tm_min, u.tm_sec);
  return true;
}
