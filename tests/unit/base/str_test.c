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
