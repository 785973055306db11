/* Unit tests of src/domain/audit.c (ACC-6): rows are written in the caller's account and
 * transaction, and read back by staff of that account only, in order, a page at a time,
 * of one record when asked; on a fresh database of the backend under test (unit.h). */
#include <criterion/criterion.h>
#include <string.h>

#include "domain/account.h"
#include "domain/audit.h"
#include "domain/person.h"
#include "unit/unit.h"

static ut_db T;
static rd_err err;

static void setup(void) {
  ut_db_open(&T);
  rd_err_clear(&err);
  cr_assert_eq(rd_account_create(T.c, "acme", "Acme", &err), 0, "%s", err.message);
  cr_assert_eq(rd_account_create(T.c, "other", "Other", &err), 0, "%s", err.message);
}
static void teardown(void) {
  ut_db_close(&T);
}
TestSuite(audit, .init = setup, .fini = teardown, .timeout = 30);

static void audit(const char *account, const char *type, int64_t id, const char *field) {
  rd_caller who = rd_system_caller(account);
  json_t *changes = json_pack("{s:{s:n,s:s}}", field, "old", "new", "v");
  rd_err_clear(&err);
  cr_assert_eq(rd_audit_write(T.c, &who, type, id, "update", changes, &err), 0, "%s",
               err.message);
  json_decref(changes);
}

static json_t *list(unsigned roles, const char *type, int64_t id, int64_t after, int limit,
                    bool *more) {
  rd_caller who = rd_system_caller("acme");
  who.roles = roles;
  json_t *out = NULL;
  rd_err_clear(&err);
  cr_assert_eq(rd_audit_list(T.c, &who, type, id, after, limit, &out, more, &err), 0, "%s",
               err.message);
  return out;
}

Test(audit, ACC6_the_trail_of_an_account_is_read_by_its_staff_a_page_at_a_time) {
  audit("acme", "person", 5, "first_name");
  audit("other", "person", 5, "secret_of_other");
  audit("acme", "organization", 6, "name");
  audit("acme", "person", 5, "last_name");
  bool more = false;
  json_t *all = list(RD_ROLE_TECHNICIAN, NULL, 0, 0, 10, &more);
  cr_assert_eq(json_array_size(all), 3, "only the caller's account");
  cr_assert_not(more);
  char *text = json_dumps(all, 0);
  cr_assert_null(strstr(text, "secret_of_other"), "%s", text);
  free(text);
  json_t *first = json_array_get(all, 0);
  cr_assert(json_is_object(json_object_get(json_object_get(first, "changes"), "first_name")));
  cr_assert_str_eq(json_string_value(json_object_get(first, "action")), "update");
  cr_assert_lt(json_integer_value(json_object_get(first, "id")),
               json_integer_value(json_object_get(json_array_get(all, 1), "id")), "oldest first");

  json_t *page = list(RD_ROLE_TECHNICIAN, NULL, 0, 0, 2, &more);
  cr_assert_eq(json_array_size(page), 2);
  cr_assert(more);
  int64_t last = json_integer_value(json_object_get(json_array_get(page, 1), "id"));
  json_decref(page);
  page = list(RD_ROLE_TECHNICIAN, NULL, 0, last, 2, &more);
  cr_assert_eq(json_array_size(page), 1);
  cr_assert_not(more);
  cr_assert(json_equal(json_array_get(page, 0), json_array_get(all, 2)));
  json_decref(page);

  page = list(RD_ROLE_SUPERVISOR, "person", 5, 0, 10, &more);
  cr_assert_eq(json_array_size(page), 2, "one record's rows");
  json_decref(page);
  page = list(RD_ROLE_SUPERVISOR, "organization", 0, 0, 10, &more);
  cr_assert_eq(json_array_size(page), 1, "one type's rows");
  json_decref(page);
  json_decref(all);

  static const unsigned outside[] = {RD_ROLE_CUSTOMER, RD_ROLE_PARTNER};
  for (int i = 0; i < 2; i++) {
    rd_caller who = rd_system_caller("acme");
    who.roles = outside[i];
    json_t *out = NULL;
    rd_err_clear(&err);
    cr_assert_eq(rd_audit_list(T.c, &who, NULL, 0, 0, 10, &out, &more, &err), RD_EFORBIDDEN);
    cr_assert_null(out);
  }
}

Test(audit, ACC6_a_row_rolls_back_with_its_transaction) {
  rd_err_clear(&err);
  cr_assert_eq(rd_tx_begin(T.c, true, &err), 0, "%s", err.message);
  audit("acme", "person", 7, "first_name");
  rd_tx_rollback(T.c);
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM audit"), 0);
}
