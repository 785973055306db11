/* Unit tests of src/domain/credentials.c (CUST-6): how security answers are normalized
 * before they are hashed and compared. The flows (mail, links, the reset page) are tested
 * end to end in tests/api/credentials_test.c. */
#include <criterion/criterion.h>

#include "base/str.h"
#include "domain/credentials.h"

static char *norm(const char *s) {
  static rd_buf b;
  rd_buf_term(&b);
  rd_answer_normalize(s, &b);
  return (char *)rd_buf_cstr(&b);
}

Test(credentials, CUST6_answers_ignore_case_and_spacing) {
  cr_assert_str_eq(norm("  Fluffy  the\tCAT \n"), "fluffy the cat");
  cr_assert_str_eq(norm("fluffy the cat"), "fluffy the cat");
  cr_assert_str_eq(norm("\xc3\x84RGER \xc3\x96L"), "\xc3\xa4rger \xc3\xb6l"); /* ÄRGER ÖL */
  cr_assert_str_eq(norm("\xd0\x9c\xd0\x9e\xd0\xa1\xd0\x9a\xd0\x92\xd0\x90"),
                   "\xd0\xbc\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0"); /* МОСКВА */
  cr_assert_str_eq(norm("\xce\x91\xce\x98\xce\x97\xce\x9d\xce\x91"),
                   "\xce\xb1\xce\xb8\xce\xb7\xce\xbd\xce\xb1"); /* ΑΘΗΝΑ */
  cr_assert_str_eq(norm("a\xc2\xa0\xc2\xa0" "b"), "a b"); /* no-break spaces */
  cr_assert_str_eq(norm("\xc3\x97"), "\xc3\x97");         /* × has no lower case */
  cr_assert_str_eq(norm("\xf0\x9f\x98\x80 X"), "\xf0\x9f\x98\x80 x");
  cr_assert_str_eq(norm("   "), "");
  cr_assert_str_eq(norm(""), "");
}
