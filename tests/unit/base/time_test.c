/* Unit tests of src/base/time.c: calendar dates (leap years) and RFC 3339 timestamps, which
 * are stored normalized to UTC text so that they sort the same on every backend. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/time.h"

Test(time, date_valid_accepts_real_dates) {
  cr_assert(rd_date_valid("2026-11-23"));
  cr_assert(rd_date_valid("0001-01-01"));
  cr_assert(rd_date_valid("9999-12-31"));
  cr_assert(rd_date_valid("2026-01-31"));
  cr_assert(rd_date_valid("2026-04-30"));
}

Test(time, date_valid_leap_years) {
  cr_assert(rd_date_valid("2024-02-29"));     /* divisible by 4 */
  cr_assert(rd_date_valid("2000-02-29"));     /* divisible by 400 */
  cr_assert_not(rd_date_valid("2023-02-29")); /* not a leap year */
  cr_assert_not(rd_date_valid("1900-02-29")); /* divisible by 100, not by 400 */
  cr_assert_not(rd_date_valid("2100-02-29"));
  cr_assert_not(rd_date_valid("2024-02-30"));
  cr_assert(rd_date_valid("2023-02-28"));
}

Test(time, date_valid_refuses_everything_else) {
  cr_assert_not(rd_date_valid(NULL));
  cr_assert_not(rd_date_valid(""));
  cr_assert_not(rd_date_valid("0000-01-01"));
  cr_assert_not(rd_date_valid("2026-00-10"));
  cr_assert_not(rd_date_valid("2026-13-01"));
  cr_assert_not(rd_date_valid("2026-01-00"));
  cr_assert_not(rd_date_valid("2026-04-31"));
  cr_assert_not(rd_date_valid("2026-1-01"));
  cr_assert_not(rd_date_valid("2026-01-1"));
  cr_assert_not(rd_date_valid("2026/01/01"));
  cr_assert_not(rd_date_valid("2026-01-01 "));
  cr_assert_not(rd_date_valid(" 2026-01-01"));
  cr_assert_not(rd_date_valid("2026-01-01T00:00:00Z"));
  cr_assert_not(rd_date_valid("2026-+1-01"));
  cr_assert_not(rd_date_valid("20x6-01-01"));
}

static void parses_to(const char *in, const char *want) {
  char out[RD_TIME_LEN];
  memset(out, 'x', sizeof out);
  cr_assert(rd_time_parse(in, out), "%s should parse", in);
  cr_assert_str_eq(out, want, "%s", in);
}

static void refused(const char *in) {
  char out[RD_TIME_LEN];
  cr_assert_not(rd_time_parse(in, out), "%s should be refused", in);
}

Test(time, parse_utc_stays_as_is) {
  parses_to("2026-11-23T09:00:00Z", "2026-11-23T09:00:00Z");
  parses_to("2026-11-23t09:00:00z", "2026-11-23T09:00:00Z");
  parses_to("2026-11-23T09:00:00+00:00", "2026-11-23T09:00:00Z");
  parses_to("2026-11-23T09:00:00-00:00", "2026-11-23T09:00:00Z");
}

Test(time, parse_drops_fractions) {
  parses_to("2026-11-23T09:00:00.5Z", "2026-11-23T09:00:00Z");
  parses_to("2026-11-23T09:00:00.123456789+00:00", "2026-11-23T09:00:00Z");
  refused("2026-11-23T09:00:00.Z");
}

Test(time, parse_normalizes_offsets_to_utc) {
  parses_to("2026-11-23T10:30:00+01:30", "2026-11-23T09:00:00Z");
  parses_to("2026-11-23T04:00:00-05:00", "2026-11-23T09:00:00Z");
  /* across day, month and year boundaries */
  parses_to("2026-12-31T23:30:00-01:00", "2027-01-01T00:30:00Z");
  parses_to("2027-01-01T00:30:00+01:00", "2026-12-31T23:30:00Z");
  /* into a leap day and past it */
  parses_to("2024-02-28T23:00:00-02:00", "2024-02-29T01:00:00Z");
  parses_to("2023-02-28T23:00:00-02:00", "2023-03-01T01:00:00Z");
  parses_to("2026-06-15T12:00:00+14:00", "2026-06-14T22:00:00Z");
  parses_to("2026-06-15T12:00:00-12:00", "2026-06-16T00:00:00Z");
}

Test(time, parse_accepts_a_leap_second) {
  parses_to("2016-12-31T23:59:60Z", "2017-01-01T00:00:00Z");
}

Test(time, parse_refuses_malformed) {
  refused(NULL);
  refused("");
  refused("2026-11-23");
  refused("2026-11-23T09:00:00");      /* no offset */
  refused("2026-11-23T09:00Z");        /* no seconds */
  refused("2026-11-23 09:00:00Z");     /* we want the T */
  refused("2026-11-23T09:00:00+0100"); /* offset without colon */
  refused("2026-11-23T09:00:00+01");
  refused("2026-11-23T09:00:00Z ");
  refused("2026-11-23T09:00:00ZZ");
  refused("2026-11-23T24:00:00Z");
  refused("2026-11-23T23:60:00Z");
  refused("2026-11-23T23:59:61Z");
  refused("2026-02-30T09:00:00Z");
  refused("2023-02-29T09:00:00Z");
  refused("0000-01-01T00:00:00Z");
  refused("2026-11-23T9:00:00Z");
  refused("2026-11-23T09:00:00+01:00\n");
}

Test(time, parse_refuses_offsets_out_of_range) {
  /* RFC 3339: time-hour 00-23, time-minute 00-59, in offsets too */
  refused("2026-11-23T09:00:00+24:00");
  refused("2026-11-23T09:00:00+99:99");
  refused("2026-11-23T09:00:00-01:60");
}

Test(time, parse_refuses_results_outside_four_digit_years) {
  /* The normalized form must fit "YYYY-MM-DDTHH:MM:SSZ"; year 0 and 10000 do not. */
  refused("9999-12-31T23:59:59-01:00");
  refused("0001-01-01T00:00:00+01:00");
  parses_to("9999-12-31T22:59:59-01:00", "9999-12-31T23:59:59Z");
  parses_to("0001-01-01T01:00:00+01:00", "0001-01-01T00:00:00Z");
}

Test(time, parse_is_idempotent) {
  const char *in[] = {"2026-11-23T10:30:00+01:30", "2024-02-29T00:00:00-23:59",
                      "1970-01-01T00:00:00Z", "2038-01-19T03:14:08Z"};
  for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
    char a[RD_TIME_LEN], b[RD_TIME_LEN];
    cr_assert(rd_time_parse(in[i], a));
    cr_assert(rd_time_parse(a, b));
    cr_assert_str_eq(a, b);
  }
}

Test(time, now_and_today_are_valid) {
  char now[RD_TIME_LEN], back[RD_TIME_LEN], today[RD_DATE_LEN];
  rd_time_now(now);
  cr_assert_eq(strlen(now), RD_TIME_LEN - 1);
  cr_assert(rd_time_parse(now, back));
  cr_assert_str_eq(now, back);
  rd_date_today(today);
  cr_assert(rd_date_valid(today));
  cr_assert(now[4] == '-' && now[10] == 'T' && now[19] == 'Z');
}

Test(time, mono_us_does_not_go_backwards) {
  int64_t a = rd_mono_us(), b = rd_mono_us();
  cr_assert_gt(a, 0);
  cr_assert_geq(b, a);
}

Test(time, parse_pads_early_years) {
  parses_to("0999-06-01T12:00:00Z", "0999-06-01T12:00:00Z");
  parses_to("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z");
}
