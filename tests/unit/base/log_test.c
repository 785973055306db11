/* Unit tests of src/base/log.c: escaping text a client chose before it is logged. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/log.h"

Test(log, REL1_escape_control_bytes_and_backslash) {
  char out[128];
  rd_log_escape(out, sizeof out, "/v1/x\r\n2020 info forged\x1b[2J\x7f\\end\t");
  cr_assert_str_eq(out, "/v1/x\\x0d\\x0a2020 info forged\\x1b[2J\\x7f\\x5cend\\x09");
  rd_log_escape(out, sizeof out, "/v1/people/\xc3\xa9 ok");
  cr_assert_str_eq(out, "/v1/people/\xc3\xa9 ok", "UTF-8 is kept");
}

Test(log, escape_cuts_at_the_buffer_without_splitting_an_escape) {
  char out[8];
  rd_log_escape(out, sizeof out, "abcd\n");
  cr_assert_str_eq(out, "abcd"); /* "\x0a" does not fit: left out whole */
  rd_log_escape(out, sizeof out, "abcdefghijk");
  cr_assert_str_eq(out, "abcdefg");
  rd_log_escape(out, 1, "abc");
  cr_assert_str_eq(out, "");
}
