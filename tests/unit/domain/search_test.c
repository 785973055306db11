/* Unit tests of src/domain/search.c (CUST-4): what a person's search text holds, so that
 * `q` finds a person by any known detail whatever its case, accents and phone punctuation
 * (pure functions); and the backfill of search rows without text (suite search_db, on the
 * backend under test). The index and its queries are covered by tests/api. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"
#include "domain/search.h"
#include "fixture.h"

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
  /* The names are inside the address: found there (a word of q holds no space). */
  cr_assert(strstr(t, "zoe"), "%s", t);
  cr_assert(strstr(t, "angstrom"), "%s", t);
  cr_assert(has_word(t, "zangstrom"), "username: %s", t);
  cr_assert(has_word(t, "zoe.angstrom@example.com"), "address folded: %s", t);
  cr_assert(has_word(t, "z@b.example"), "every address: %s", t);
  cr_assert(has_word(t, "+31") && has_word(t, "(20)") && has_word(t, "555-0100"),
            "phone as written: %s", t);
  cr_assert(has_word(t, "31205550100"), "phone by its digits: %s", t);
  cr_assert(has_word(t, "desk") && has_word(t, "9-5"), "%s", t);
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

/* Issue 12: a word that is part of another word is not indexed again (the index and its
 * position lists were three times the names: name, username, address), and no word is
 * lost: every word of the details occurs in the text. */
Test(search, ISSUE12_CUST4_words_inside_other_words_are_left_out) {
  rd_buf text, first, last;
  rd_buf_init(&text);
  rd_buf_init(&first);
  rd_buf_init(&last);
  const char *phones[4] = {"+31 6 36926837", NULL, "+31 6 36926837", NULL};
  const char *addresses[] = {"Ada.Lovelace1@Customer.example", "ada@b.example"};
  rd_search_person_text("Ada", "Lovelace", "ada.lovelace1", phones, addresses, 2, &text,
                        &first, &last);
  cr_assert_str_eq(rd_buf_cstr(&text),
                   "+31 31636926837 ada.lovelace1@customer.example ada@b.example");
  const char *every[] = {"ada", "lovelace", "ada.lovelace1", "+31", "6", "36926837",
                         "31636926837", "ada.lovelace1@customer.example", "ada@b.example"};
  for (size_t i = 0; i < sizeof every / sizeof *every; i++)
    cr_assert(strstr(rd_buf_cstr(&text), every[i]), "%s", every[i]);
  rd_buf_term(&text);
  rd_buf_term(&first);
  rd_buf_term(&last);
}

/* Issue 12: a word with common trigrams is looked up by the runs of its characters whose
 * trigrams are all rare (and checked whole by the caller). */
static void assert_pieces(const char *term, int max, const char *want) {
  char *common[] = {"ail", "mai", "sto", "øre"}; /* sorted by strcmp (bytes) */
  char *pieces[8], got[256] = "";
  int n = rd_search_pieces(term, common, 4, pieces, max);
  for (int i = 0; i < n; i++) {
    strcat(got, i ? "|" : "");
    strcat(got, pieces[i]);
    rd_free(pieces[i]);
  }
  cr_assert_str_eq(got, want, "%s", term);
}

Test(search, ISSUE12_CUST4_words_with_common_trigrams_are_looked_up_by_their_rare_pieces) {
  assert_pieces("roston", 8, "rost|ton");
  assert_pieces("mailer", 8, "iler");
  assert_pieces("customer", 8, "cust|tomer");
  assert_pieces("søren", 8, "sør|ren");
  assert_pieces("stormail", 8, "torma");
  assert_pieces("abc", 8, "");     /* no common trigram: the word itself */
  assert_pieces("mail", 8, "");    /* only common ones: the word itself */
  assert_pieces("ab", 8, "");      /* no trigram at all */
  assert_pieces("roston", 1, "");  /* more pieces than allowed: the word itself */
  char *none[] = {NULL};
  char *pieces[2];
  cr_assert_eq(rd_search_pieces("roston", none, 0, pieces, 2), 0, "nothing sampled");
}

/* Issue 12: a word of common trigrams only is checked on what the other words find. */
Test(search, ISSUE12_CUST4_words_of_common_trigrams_only_are_told_apart) {
  char *common[] = {"ail", "mai", "sto", "øre"}; /* sorted by strcmp (bytes) */
  cr_assert(rd_search_only_common("mail", common, 4));
  cr_assert(rd_search_only_common("sto", common, 4));
  cr_assert(!rd_search_only_common("mailer", common, 4), "ler is rare");
  cr_assert(!rd_search_only_common("søren", common, 4), "sør is rare");
  cr_assert(!rd_search_only_common("ma", common, 4), "no trigram");
  cr_assert(!rd_search_only_common("mail", common, 0), "nothing sampled");
}

static ut_db T;
static void setup(void) {
  ut_db_open(&T);
  ud_tenants(&T);
}
static void teardown(void) {
  ut_db_close(&T);
}
TestSuite(search_db, .init = setup, .fini = teardown, .timeout = 60);

/* CUST-4: rd_search_backfill (run at every start of rolodeskd) fills every search row
 * without text, not only the first one its query returns (it stopped after one row). */
Test(search_db, CUST4_backfill_fills_every_row_without_text) {
  rd_caller admin = ud_caller("acme", RD_ROLE_ACCOUNT_ADMINISTRATOR, 0);
  rd_err err;
  for (int i = 0; i < 5; i++) {
    char user[16], mail[32];
    snprintf(user, sizeof user, "p%d", i);
    snprintf(mail, sizeof mail, "p%d@example.com", i);
    json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "username", user, "first_name", "Zoë",
                           "last_name", user, "primary_email", mail, "roles", "customer");
    int64_t id = 0;
    rd_err_clear(&err);
    cr_assert_eq(rd_person_create(T.c, &admin, in, &id, &err), 0, "%s", err.message);
    json_decref(in);
  }
  int64_t changed = 0;
  cr_assert_eq(rd_tx_begin(T.c, true, &err), 0); /* as a migration would leave them */
  cr_assert_eq(rd_sql_exec(T.c, &changed, &err, "UPDATE person_search SET doc = NULL", ""), 0,
               "%s", err.message);
  cr_assert_eq(rd_tx_commit(T.c, &err), 0, "%s", err.message);
  cr_assert_eq(changed, 5);
  int64_t done = 0;
  cr_assert_eq(rd_search_backfill(T.c, &done, &err), 0, "%s", err.message);
  cr_assert_eq(done, 5);
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM person_search WHERE doc LIKE 'zoe %'"), 5);
}

/* CUST-3/CUST-4, issue 11 (migration 033): a search row written for a deleted person is
 * marked deleted by its INSERT (no trigger does it any more), and the mark follows later
 * changes of people.deleted. */
Test(search_db, CUST3_search_rows_carry_the_persons_deleted_mark) {
  rd_caller admin = ud_caller("acme", RD_ROLE_ACCOUNT_ADMINISTRATOR, 0);
  rd_err err;
  rd_err_clear(&err);
  json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "username", "gone", "first_name", "Ann",
                         "last_name", "Gone", "primary_email", "gone@example.com", "roles",
                         "customer");
  int64_t id = 0;
  cr_assert_eq(rd_person_create(T.c, &admin, in, &id, &err), 0, "%s", err.message);
  json_decref(in);
  char q[128];
  snprintf(q, sizeof q, "SELECT COUNT(*) FROM person_search WHERE person_id = %lld AND deleted",
           (long long)id);
  cr_assert_eq(ut_int(T.c, q), 0);
  cr_assert_eq(rd_tx_begin(T.c, true, &err), 0);
  cr_assert_eq(rd_sql_exec(T.c, NULL, &err, "DELETE FROM person_search WHERE person_id = ?", "i",
                           id), 0, "%s", err.message);
  cr_assert_eq(rd_sql_exec(T.c, NULL, &err, "UPDATE people SET deleted = TRUE WHERE id = ?", "i",
                           id), 0, "%s", err.message);
  const char *phones[4] = {NULL, NULL, NULL, NULL}, *addresses[1] = {"gone@example.com"};
  cr_assert_eq(rd_search_person_set(T.c, id, "acme", "Ann", "Gone", "gone", phones, addresses,
                                    1, NULL, &err), 0, "%s", err.message);
  cr_assert_eq(rd_tx_commit(T.c, &err), 0, "%s", err.message);
  cr_assert_eq(ut_int(T.c, q), 1, "the new row of a deleted person is marked deleted");
  cr_assert_eq(rd_tx_begin(T.c, true, &err), 0);
  cr_assert_eq(rd_sql_exec(T.c, NULL, &err, "UPDATE people SET deleted = FALSE WHERE id = ?", "i",
                           id), 0, "%s", err.message);
  cr_assert_eq(rd_tx_commit(T.c, &err), 0, "%s", err.message);
  cr_assert_eq(ut_int(T.c, q), 0, "and follows people.deleted");
}
