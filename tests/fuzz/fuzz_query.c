/* libFuzzer target (REL-3): the parsers query strings and headers reach: rd_b64url_decode
 * as rd_api_page decodes a cursor, rd_parse_i64 (ids, per_page, If-Match), rd_parse_bool,
 * rd_time_parse and rd_date_valid (created_after, dates), and rd_utf8_valid on raw bytes.
 *
 * Invariants checked (abort() makes libFuzzer and the corpus replay report them):
 *  - rd_utf8_valid agrees with jansson's UTF-8 check (plus: no NUL);
 *  - a decoded cursor never exceeds its buffer and re-encodes to an equivalent string;
 *  - rd_parse_i64 round-trips through printf;
 *  - rd_time_parse writes exactly "YYYY-MM-DDTHH:MM:SSZ" and is idempotent on its output.
 *
 * Built by RD_FUZZ with clang (make fuzz); tests/fuzz/replay_test.c also compiles this file
 * into the unit tests under another entry name and runs the corpus through it. */
#include <inttypes.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "base/time.h"

#ifndef RD_FUZZ_QUERY_ENTRY
#define RD_FUZZ_QUERY_ENTRY LLVMFuzzerTestOneInput
#endif

int RD_FUZZ_QUERY_ENTRY(const uint8_t *data, size_t size);

static void q_utf8(const char *s, size_t n) {
  bool ours = rd_utf8_valid(s, n);
  json_t *j = json_stringn(s, n); /* jansson validates UTF-8 and accepts NUL */
  bool theirs = j && !memchr(s, 0, n);
  json_decref(j);
  if (ours != theirs)
    abort();
  if (ours && rd_utf8_len(s) > n) /* s may continue past n only if NUL-terminated there */
    abort();
}

static void q_cursor(const char *s) {
  unsigned char raw[32];
  memset(raw, 0xA5, sizeof raw);
  long len = rd_b64url_decode(s, raw, sizeof raw - 1); /* as rd_api_page */
  if (len < -1 || len > (long)sizeof raw - 1)
    abort();
  if (raw[sizeof raw - 1] != 0xA5) /* wrote past cap */
    abort();
  if (len >= 0) {
    char enc[64];
    rd_b64url_encode(raw, (size_t)len, enc);
    if (strlen(enc) != strlen(s)) /* same length: no padding, no junk accepted */
      abort();
    unsigned char again[32];
    if (rd_b64url_decode(enc, again, sizeof again) != len || memcmp(raw, again, (size_t)len))
      abort();
  }
}

static void q_i64(const char *s) {
  int64_t v = 0;
  if (!rd_parse_i64(s, &v))
    return;
  char buf[32];
  snprintf(buf, sizeof buf, "%" PRId64, v);
  int64_t w = 1;
  if (!rd_parse_i64(buf, &w) || w != v)
    abort();
}

static bool q_digits(const char *s, int n) {
  for (int i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return true;
}

static void q_time(const char *s) {
  char out[RD_TIME_LEN + 8];
  memset(out, 'x', sizeof out);
  if (!rd_time_parse(s, out))
    return;
  if (out[RD_TIME_LEN] != 'x') /* wrote past RD_TIME_LEN */
    abort();
  if (strlen(out) != RD_TIME_LEN - 1 || !q_digits(out, 4) || out[4] != '-' || out[7] != '-' ||
      out[10] != 'T' || out[13] != ':' || out[16] != ':' || out[19] != 'Z')
    abort();
  char date[RD_DATE_LEN];
  memcpy(date, out, 10);
  date[10] = '\0';
  if (!rd_date_valid(date))
    abort();
  char again[RD_TIME_LEN];
  if (!rd_time_parse(out, again) || strcmp(out, again))
    abort();
}

int RD_FUZZ_QUERY_ENTRY(const uint8_t *data, size_t size) {
  if (size > 4096)
    return 0;
  char *s = malloc(size + 1);
  if (!s)
    return 0;
  memcpy(s, data, size);
  s[size] = '\0';
  q_utf8(s, size);
  /* the C-string parsers see what a query value would: bytes up to the first NUL */
  q_cursor(s);
  q_i64(s);
  bool b;
  if (rd_parse_bool(s, &b) && strcmp(s, b ? "true" : "false"))
    abort();
  q_time(s);
  if (rd_date_valid(s) && strlen(s) != 10)
    abort();
  free(s);
  return 0;
}
