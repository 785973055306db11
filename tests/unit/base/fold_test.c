/* Unit tests of src/base/fold.c: how security answers (CUST-6) and search text (CUST-4)
 * are folded before they are compared. */
#include <criterion/criterion.h>

#include "base/fold.h"

static char *fold(const char *s, bool strip_accents) {
  static rd_buf b;
  rd_buf_term(&b);
  rd_fold(s, strip_accents, &b);
  return (char *)rd_buf_cstr(&b);
}

Test(fold, CUST6_answers_ignore_case_and_spacing_but_keep_accents) {
  cr_assert_str_eq(fold("  Fluffy  the\tCAT \n", false), "fluffy the cat");
  cr_assert_str_eq(fold("fluffy the cat", false), "fluffy the cat");
  cr_assert_str_eq(fold("\xc3\x84RGER \xc3\x96L", false), "\xc3\xa4rger \xc3\xb6l"); /* ÄRGER ÖL */
  cr_assert_str_eq(fold("\xd0\x9c\xd0\x9e\xd0\xa1\xd0\x9a\xd0\x92\xd0\x90", false),
                   "\xd0\xbc\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0"); /* МОСКВА */
  cr_assert_str_eq(fold("\xce\x91\xce\x98\xce\x97\xce\x9d\xce\x91", false),
                   "\xce\xb1\xce\xb8\xce\xb7\xce\xbd\xce\xb1"); /* ΑΘΗΝΑ */
  cr_assert_str_eq(fold("a\xc2\xa0\xc2\xa0" "b", false), "a b"); /* no-break spaces */
  cr_assert_str_eq(fold("\xc3\x97", false), "\xc3\x97");         /* × has no lower case */
  cr_assert_str_eq(fold("\xf0\x9f\x98\x80 X", false), "\xf0\x9f\x98\x80 x");
  cr_assert_str_eq(fold("   ", false), "");
  cr_assert_str_eq(fold("", false), "");
  cr_assert_str_eq(fold(NULL, false), "");
}

Test(fold, CUST4_search_text_ignores_case_accents_and_spacing) {
  cr_assert_str_eq(fold("Jos\xc3\xa9  M\xc3\x9cLLER", true), "jose muller"); /* José MÜLLER */
  cr_assert_str_eq(fold("Stra\xc3\x9f" "e", true), "strasse");                /* Straße */
  cr_assert_str_eq(fold("\xc5\x92uvre \xc5\x81\xc3\xb3" "d\xc5\xba", true), "oeuvre lodz"); /* Œuvre Łódź */
  cr_assert_str_eq(fold("\xc3\x86THER \xc3\x9eorn", true), "aether thorn");   /* ÆTHER Þorn */
  cr_assert_str_eq(fold("\xc3\x97", true), "\xc3\x97");                      /* × kept */
  cr_assert_str_eq(fold("\xd0\x9c\xd0\x98\xd0\xa0", true), "\xd0\xbc\xd0\xb8\xd1\x80"); /* МИР */
  cr_assert_str_eq(fold(" +31 (0)20 ", true), "+31 (0)20");
}
