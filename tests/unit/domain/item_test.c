/* Unit tests of src/domain/item_export.c's CSV cell (CUST-7): RFC 4180 quoting and the
 * formula-injection prefix, without a database. The whole export is read back by Python in
 * tests/api/item_test.c. */
#include <criterion/criterion.h>
#include <string.h>

#include "domain/item.h"

static const char *cell(const char *s) {
  static char out[256];
  rd_buf b;
  rd_buf_init(&b);
  rd_item_csv_cell(&b, s);
  snprintf(out, sizeof out, "%s", b.len ? rd_buf_cstr(&b) : "");
  rd_buf_term(&b);
  return out;
}

Test(item_csv, CUST7_plain_cells_stay_as_they_are) {
  cr_assert_str_eq(cell("Laptop"), "Laptop");
  cr_assert_str_eq(cell(""), "");
  cr_assert_str_eq(cell(NULL), "");
  cr_assert_str_eq(cell("Überwachungskamera 東京"), "Überwachungskamera 東京");
  cr_assert_str_eq(cell("a-b=c"), "a-b=c", "only the first character matters");
}

Test(item_csv, CUST7_rfc4180_quoting) {
  cr_assert_str_eq(cell("a,b"), "\"a,b\"");
  cr_assert_str_eq(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
  cr_assert_str_eq(cell("two\nlines"), "\"two\nlines\"");
  cr_assert_str_eq(cell("cr\rhere"), "\"cr\rhere\"");
}

Test(item_csv, CUST7_formula_injection_is_neutralised) {
  const char *starts[][2] = {{"=1+2", "\"'=1+2\""},     {"+31 30", "\"'+31 30\""},
                             {"-5", "\"'-5\""},         {"@SUM(A1)", "\"'@SUM(A1)\""},
                             {"\tx", "\"'\tx\""},       {"\rx", "\"'\rx\""},
                             {"=\"a\",b", "\"'=\"\"a\"\",b\""}};
  for (size_t i = 0; i < sizeof starts / sizeof *starts; i++)
    cr_assert_str_eq(cell(starts[i][0]), starts[i][1], "%s", starts[i][0]);
}
