/* Unit tests of src/domain/customer.c's aliases (CUST-2): an address, primary or alias,
 * identifies one person of the account, aliases are stored lower-cased and searched
 * (CUST-4), and removing the alias send_to names falls back to the primary address; on a
 * fresh database of the backend under test (unit.h). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "domain/account.h"
#include "domain/customer.h"
#include "domain/org.h"
#include "domain/search.h"
#include "domain/person.h"
#include "unit/unit.h"

static ut_db T;
static rd_err err;
static rd_caller sys;

static int64_t person(const char *account, const char *username, const char *email) {
  rd_caller who = rd_system_caller(account);
  json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "first_name", "F", "last_name", username,
                         "username", username, "primary_email", email, "roles", "customer");
  int64_t id = 0;
  rd_err_clear(&err);
  cr_assert_eq(rd_person_create(T.c, &who, in, &id, &err), 0, "%s", err.message);
  json_decref(in);
  return id;
}

static void setup(void) {
  ut_db_open(&T);
  cr_assert_eq(rd_auth_init(), 0);
  rd_err_clear(&err);
  cr_assert_eq(rd_account_create(T.c, "acme", "Acme", &err), 0, "%s", err.message);
  cr_assert_eq(rd_account_create(T.c, "other", "Other", &err), 0, "%s", err.message);
  sys = rd_system_caller("acme");
}
static void teardown(void) {
  ut_db_close(&T);
}
TestSuite(customer, .init = setup, .fini = teardown, .timeout = 30);

static int alias_add(const rd_caller *who, int64_t id, const char *address) {
  rd_err_clear(&err);
  return rd_customer_alias_add(T.c, who, id, address, &err);
}

static const char *aliases(int64_t id) {
  static char out[512];
  json_t *list = NULL;
  rd_err_clear(&err);
  cr_assert_eq(rd_customer_aliases(T.c, id, &list, &err), 0, "%s", err.message);
  char *text = json_dumps(list, JSON_COMPACT);
  snprintf(out, sizeof out, "%s", text);
  free(text);
  json_decref(list);
  return out;
}

Test(customer, CUST2_an_address_identifies_one_person_of_the_account) {
  int64_t ada = person("acme", "ada", "ada@acme.example");
  int64_t bob = person("acme", "bob", "bob@acme.example");
  cr_assert_eq(alias_add(&sys, ada, "Ada.L@Acme.Example"), 0, "%s", err.message);
  cr_assert_str_eq(aliases(ada), "[\"ada.l@acme.example\"]");
  /* taken: by ada's alias (in any case), by bob's primary address, by ada herself */
  cr_assert_eq(alias_add(&sys, bob, "ADA.L@acme.example"), RD_ECONFLICT);
  cr_assert_eq(err.status, 409);
  cr_assert_str_eq(err.items[0].field, "address");
  cr_assert_eq(alias_add(&sys, ada, "bob@acme.example"), RD_ECONFLICT);
  cr_assert_eq(alias_add(&sys, ada, "ada.l@acme.example"), RD_ECONFLICT);
  cr_assert_eq(alias_add(&sys, ada, "not an address"), RD_EINVAL);
  cr_assert_str_eq(aliases(bob), "[]");
  /* another account is another namespace */
  int64_t other = person("other", "ada", "ada@other.example");
  rd_caller other_sys = rd_system_caller("other");
  cr_assert_eq(alias_add(&other_sys, other, "ada.l@acme.example"), 0, "%s", err.message);
  /* CUST-4: the alias is searched */
  char sql[160];
  snprintf(sql, sizeof sql,
           "SELECT COUNT(*) FROM person_search"
           " WHERE person_id = %lld AND doc LIKE '%%ada.l@acme%%'",
           (long long)ada);
  cr_assert_eq(ut_int(T.c, sql), 1);
}

Test(customer, CUST2_removing_the_send_to_alias_falls_back_to_the_primary_address) {
  int64_t ada = person("acme", "ada", "ada@acme.example");
  cr_assert_eq(alias_add(&sys, ada, "desk@acme.example"), 0, "%s", err.message);
  json_t *patch = json_pack("{s:s}", "send_to", "desk@acme.example");
  rd_err_clear(&err);
  cr_assert_eq(rd_person_update(T.c, &sys, ada, patch, -1, &err), 0, "%s", err.message);
  json_decref(patch);
  patch = json_pack("{s:s}", "send_to", "someone@else.example");
  rd_err_clear(&err);
  cr_assert_eq(rd_person_update(T.c, &sys, ada, patch, -1, &err), RD_EINVAL,
               "not one of her addresses");
  json_decref(patch);
  char sql[128];
  snprintf(sql, sizeof sql,
           "SELECT COUNT(*) FROM people WHERE id = %lld AND send_to = 'desk@acme.example'",
           (long long)ada);
  cr_assert_eq(ut_int(T.c, sql), 1);
  rd_err_clear(&err);
  cr_assert_eq(rd_customer_alias_remove(T.c, &sys, ada, "DESK@acme.example", &err), 0, "%s",
               err.message);
  cr_assert_str_eq(aliases(ada), "[]");
  snprintf(sql, sizeof sql,
           "SELECT COUNT(*) FROM people WHERE id = %lld AND send_to = 'ada@acme.example'",
           (long long)ada);
  cr_assert_eq(ut_int(T.c, sql), 1);
  rd_err_clear(&err);
  cr_assert_eq(rd_customer_alias_remove(T.c, &sys, ada, "desk@acme.example", &err), RD_ENOTFOUND);
}

/* The search row of one person: its columns joined with '|' (static buffer). */
static const char *search_row(int64_t id) {
  static char out[2048];
  rd_stmt *s = NULL;
  rd_err_clear(&err);
  cr_assert_eq(rd_sql(T.c, &s, &err,
                      "SELECT account_id, person_text, doc, first_key, last_key FROM person_search"
                      " WHERE person_id = ?",
                      "i", id),
               0, "%s", err.message);
  cr_assert_eq(rd_stmt_step(s, &err), RD_ROW, "no search row for %lld", (long long)id);
  snprintf(out, sizeof out, "%s|%s|%s|%s|%s", rd_stmt_text(s, 0), rd_stmt_text(s, 1),
           rd_stmt_text(s, 2), rd_stmt_text(s, 3), rd_stmt_text(s, 4));
  rd_stmt_done(s);
  return out;
}

/* CUST-4 (issue 11): a new person's search row is written from the record in hand, not read
 * back; it must be exactly what reading it back (rd_search_person_refresh) writes. */
Test(customer, CUST4_a_new_persons_search_row_is_what_a_refresh_writes) {
  json_t *org = json_pack("{s:s}", "name", "Müller & Söhne GmbH");
  int64_t org_id = 0;
  rd_err_clear(&err);
  cr_assert_eq(rd_org_create(T.c, &sys, org, &org_id, &err), 0, "%s", err.message);
  json_decref(org);
  json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:[s],s:{s:I}}", "first_name", "Zoë",
                         "last_name", "Ångström", "username", "ZAngstrom", "primary_email",
                         "Zoe.Angstrom@Example.COM", "phone", "+31 (20) 555-0100", "pager",
                         "desk 9-5", "mobile", "06 1234", "roles", "customer", "organization",
                         "id", (json_int_t)org_id);
  int64_t id = 0;
  rd_err_clear(&err);
  cr_assert_eq(rd_person_create(T.c, &sys, in, &id, &err), 0, "%s", err.message);
  json_decref(in);
  char written[2048];
  snprintf(written, sizeof written, "%s", search_row(id));
  cr_assert(strstr(written, "muller & sohne gmbh"), "%s", written);
  cr_assert(strstr(written, "zoe.angstrom@example.com"), "%s", written);
  rd_err_clear(&err);
  cr_assert_eq(rd_tx_begin(T.c, true, &err), 0);
  cr_assert_eq(rd_search_person_refresh(T.c, id, &err), 0, "%s", err.message);
  cr_assert_eq(rd_tx_commit(T.c, &err), 0);
  cr_assert_str_eq(search_row(id), written);
  /* and without an organization or phones */
  in = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "first_name", "No", "last_name", "Org", "username",
                 "noorg", "primary_email", "NoOrg@Example.com", "roles", "customer");
  rd_err_clear(&err);
  cr_assert_eq(rd_person_create(T.c, &sys, in, &id, &err), 0, "%s", err.message);
  json_decref(in);
  snprintf(written, sizeof written, "%s", search_row(id));
  cr_assert_eq(rd_tx_begin(T.c, true, &err), 0);
  cr_assert_eq(rd_search_person_refresh(T.c, id, &err), 0, "%s", err.message);
  cr_assert_eq(rd_tx_commit(T.c, &err), 0);
  cr_assert_str_eq(search_row(id), written);
}
