/* Unit tests of src/domain/search.c's text (CUST-4): what a person's search text holds, so
 * that `q` finds a person by any known detail whatever its case, accents and phone
 * punctuation. Pure functions; the index and its queries are covered by tests/api. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/str.h"
#include "domain/search.h"

static bool has_word(const char *text, const char *word) {
  size_t n = strlen(word);
  for (const char *p = strstr(text, word); p; p = strstr(p + 1, word))
    if ((p == text || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
      return true;
  return false;
}

Test(search, CUST4_person_text_holds_every_detail_folded) {
  rd_buf text, first, last;
  rd_buf_init(&text);
  rd_buf_init(&first);
  rd_buf_init(&last);
  const char *phones[4] = {"+31 (20) 555-0100", NULL, "", "desk 9-5"};
  const char *addresses[] = {"Zoë.Ångström@Example.COM", "z@b.example"};
  rd_search_person_text("Zoë", "Ångström", "ZAngstrom", phones, addresses, 2, &text, &first,
                        &last);
  const char *t = rd_buf_cstr(&text);
  cr_assert_str_eq(rd_buf_cstr(&first), "zoe");
  cr_assert_str_eq(rd_buf_cstr(&last), "angstrom");
  cr_assert(has_word(t, "zoe"), "%s", t);
  cr_assert(has_word(t, "angstrom"), "%s", t);
  cr_assert(has_word(t, "zangstrom"), "username: %s", t);
  cr_assert(has_word(t, "zoe.angstrom@example.com"), "address folded: %s", t);
  cr_assert(has_word(t, "z@b.example"), "every address: %s", t);
  cr_assert(strstr(t, "+31 (20) 555-0100"), "phone as written: %s", t);
  cr_assert(has_word(t, "31205550100"), "phone by its digits: %s", t);
  cr_assert(strstr(t, "desk 9-5"), "%s", t);
  cr_assert_not(has_word(t, "95"), "not a phone number: no digits-only form: %s", t);

  rd_buf doc;
  rd_buf_init(&doc);
  rd_search_doc(t, "Müller & Söhne GmbH", &doc);
  cr_assert(strncmp(rd_buf_cstr(&doc), t, strlen(t)) == 0);
  cr_assert(strstr(rd_buf_cstr(&doc), "muller & sohne gmbh"), "%s", rd_buf_cstr(&doc));
  rd_buf_term(&doc);
  rd_buf_term(&text);
  rd_buf_term(&first);
  rd_buf_term(&last);
}
