/* Unit tests of src/base/str.c. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/str.h"

Test(str, utf8_valid) {
  cr_assert(rd_utf8_valid("plain", 5));
  cr_assert(rd_utf8_valid("caf\xc3\xa9", 5));
  cr_assert_not(rd_utf8_valid("\xc3", 1));           /* truncated */
  cr_assert_not(rd_utf8_valid("\xc0\xaf", 2));       /* overlong */
  cr_assert_not(rd_utf8_valid("\xed\xa0\x80", 3));   /* surrogate */
  cr_assert_not(rd_utf8_valid("a\0b", 3));           /* NUL */
  cr_assert_eq(rd_utf8_len("caf\xc3\xa9"), 4);
}

Test(str, b64url_round_trip) {
  const unsigned char in[] = {0, 1, 2, 250, 251, 252, 253};
  for (size_t n = 0; n <= sizeof in; n++) {
    char enc[16];
    unsigned char dec[16];
    rd_b64url_encode(in, n, enc);
    cr_assert_eq(strlen(enc), rd_b64url_len(n));
    cr_assert_eq(rd_b64url_decode(enc, dec, sizeof dec), (long)n);
    cr_assert_eq(memcmp(in, dec, n), 0);
  }
  unsigned char out[4];
  cr_assert_eq(rd_b64url_decode("a+b/", out, sizeof out), -1);
}

Test(str, parse_i64) {
  int64_t v;
  cr_assert(rd_parse_i64("42", &v) && v == 42);
  cr_assert(rd_parse_i64("-7", &v) && v == -7);
  cr_assert_not(rd_parse_i64("", &v));
  cr_assert_not(rd_parse_i64("-", &v));
  cr_assert_not(rd_parse_i64("1x", &v));
  cr_assert_not(rd_parse_i64(" 1", &v));
  cr_assert_not(rd_parse_i64("99999999999999999999", &v));
}

Test(str, utf8_boundaries) {
  cr_assert(rd_utf8_valid("", 0));
  cr_assert(rd_utf8_valid("\x7f", 1));
  cr_assert(rd_utf8_valid("\xc2\x80", 2));          /* U+0080 */
  cr_assert(rd_utf8_valid("\xdf\xbf", 2));          /* U+07FF */
  cr_assert(rd_utf8_valid("\xe0\xa0\x80", 3));      /* U+0800 */
  cr_assert(rd_utf8_valid("\xef\xbb\xbf", 3));      /* BOM: valid, if unwelcome */
  cr_assert(rd_utf8_valid("\xed\x9f\xbf", 3));      /* U+D7FF */
  cr_assert(rd_utf8_valid("\xee\x80\x80", 3));      /* U+E000 */
  cr_assert(rd_utf8_valid("\xf0\x90\x80\x80", 4));  /* U+10000 */
  cr_assert(rd_utf8_valid("\xf4\x8f\xbf\xbf", 4));  /* U+10FFFF */
  cr_assert_not(rd_utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
  cr_assert_not(rd_utf8_valid("\xe0\x80\xaf", 3));  /* overlong '/' */
  cr_assert_not(rd_utf8_valid("\xf0\x80\x80\xaf", 4));
  cr_assert_not(rd_utf8_valid("\xc1\xbf", 2));
  cr_assert_not(rd_utf8_valid("\xed\xbf\xbf", 3));  /* low surrogate */
  cr_assert_not(rd_utf8_valid("\x80", 1));          /* stray continuation */
  cr_assert_not(rd_utf8_valid("\xf5\x80\x80\x80", 4));
  cr_assert_not(rd_utf8_valid("\xff", 1));
  cr_assert_not(rd_utf8_valid("\xe2\x82", 2));      /* truncated 3-byte */
  cr_assert_not(rd_utf8_valid("\xf0\x9f\x98", 3));  /* truncated 4-byte */
  cr_assert_not(rd_utf8_valid("\xe2\x28\xa1", 3));  /* bad continuation */
  /* n bounds the scan: a valid prefix of a longer buffer */
  cr_assert(rd_utf8_valid("ok\xff", 2));
  cr_assert_eq(rd_utf8_len(""), 0);
  cr_assert_eq(rd_utf8_len("\xf0\x9f\x98\x80x"), 2);
}

Test(str, b64url_decode_refuses) {
  unsigned char out[8];
  cr_assert_eq(rd_b64url_decode("", out, sizeof out), 0);
  cr_assert_eq(rd_b64url_decode("A", out, sizeof out), -1);     /* 1 mod 4 */
  cr_assert_eq(rd_b64url_decode("AAAAA", out, sizeof out), -1);
  cr_assert_eq(rd_b64url_decode("YQ==", out, sizeof out), -1);  /* no padding */
  cr_assert_eq(rd_b64url_decode("Y Q", out, sizeof out), -1);
  cr_assert_eq(rd_b64url_decode("\xc3\xa9xx", out, sizeof out), -1);
  cr_assert_eq(rd_b64url_decode("YWJjZGVmZ2hp", out, 8), -1);   /* 9 bytes, cap 8 */
  cr_assert_eq(rd_b64url_decode("YWJjZGVmZ2g", out, 8), 8);
  cr_assert_eq(memcmp(out, "abcdefgh", 8), 0);
  cr_assert_eq(rd_b64url_decode("YQ", out, 0), -1);
  cr_assert_eq(rd_b64url_decode("-_-_", out, sizeof out), 3);
  cr_assert_eq(out[0], 0xfb);
  cr_assert_eq(out[1], 0xff);
  cr_assert_eq(out[2], 0xbf);
}

Test(str, b64url_encodes_url_safe) {
  const unsigned char in[] = {0xfb, 0xff, 0xbf};
  char out[8];
  rd_b64url_encode(in, 3, out);
  cr_assert_str_eq(out, "-_-_");
  rd_b64url_encode((const unsigned char *)"c1:42", 5, out);
  cr_assert_str_eq(out, "YzE6NDI");
}

Test(str, parse_i64_limits) {
  int64_t v = 5;
  cr_assert(rd_parse_i64("9223372036854775807", &v) && v == INT64_MAX);
  cr_assert(rd_parse_i64("-9223372036854775808", &v) && v == INT64_MIN);
  cr_assert(rd_parse_i64("0", &v) && v == 0);
  cr_assert(rd_parse_i64("-0", &v) && v == 0);
  cr_assert(rd_parse_i64("007", &v) && v == 7);
  v = 5;
  cr_assert_not(rd_parse_i64("9223372036854775808", &v));
  cr_assert_not(rd_parse_i64("-9223372036854775809", &v));
  cr_assert_not(rd_parse_i64(NULL, &v));
  cr_assert_not(rd_parse_i64("+1", &v));
  cr_assert_not(rd_parse_i64("1 ", &v));
  cr_assert_not(rd_parse_i64("--1", &v));
  cr_assert_not(rd_parse_i64("0x10", &v));
  cr_assert_not(rd_parse_i64("1e3", &v));
  cr_assert_eq(v, 5, "out-parameter written only on success");
}

Test(str, parse_bool) {
  bool b = false;
  cr_assert(rd_parse_bool("true", &b) && b);
  cr_assert(rd_parse_bool("false", &b) && !b);
  cr_assert_not(rd_parse_bool("TRUE", &b));
  cr_assert_not(rd_parse_bool("1", &b));
  cr_assert_not(rd_parse_bool("", &b));
  cr_assert_not(rd_parse_bool(NULL, &b));
}

Test(str, buf_grows_and_stays_terminated) {
  rd_buf b;
  rd_buf_init(&b);
  cr_assert_str_eq(rd_buf_cstr(&b), "");
  rd_buf_adds(&b, "abc");
  rd_buf_add(&b, "\0d", 2);
  cr_assert_eq(b.len, 5);
  cr_assert_eq(memcmp(b.data, "abc\0d", 6), 0);
  for (int i = 0; i < 1000; i++)
    rd_buf_printf(&b, "%04d", i);
  cr_assert_eq(b.len, 5 + 4000);
  cr_assert_eq(b.data[b.len], '\0');
  cr_assert_eq(memcmp(b.data + b.len - 4, "0999", 4), 0);
  rd_buf_add(&b, NULL, 0);
  cr_assert_eq(b.len, 4005);
  rd_buf_term(&b);
  cr_assert_null(b.data);
  cr_assert_eq(b.len, 0);
}

/* rd_buf_add_i64 writes what printf's %lld writes, at the edges too. */
Test(str, buf_add_i64_matches_printf) {
  const int64_t values[] = {0, 1, -1, 9, 10, -10, 42, 1234567890123, -987654321,
                            INT64_MAX, INT64_MIN, INT64_MIN + 1};
  for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
    rd_buf a, b;
    rd_buf_init(&a);
    rd_buf_init(&b);
    rd_buf_adds(&a, "x");
    rd_buf_adds(&b, "x");
    rd_buf_add_i64(&a, values[i]);
    rd_buf_printf(&b, "%lld", (long long)values[i]);
    cr_assert_str_eq(rd_buf_cstr(&a), rd_buf_cstr(&b));
    rd_buf_term(&a);
    rd_buf_term(&b);
  }
}
