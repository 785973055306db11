/* Unit tests of src/domain/agreement.c (TRUST-2): an agreement's status follows its dates
 * and its cancelled flag at the time of reading, without any job, and the SQL condition
 * the views use (RD_AGREEMENT_ACTIVE_SQL) agrees with it on the backend under test
 * (unit.h). */
#include <criterion/criterion.h>
#include <string.h>

#include "domain/agreement.h"
#include "unit/unit.h"

static const struct {
  const char *start, *expiry;
  bool cancelled;
  const char *want; /* on 2026-06-15 */
} CASES[] = {
    {"2026-06-16", NULL, false, "pending"},
    {"2026-06-15", NULL, false, "active"},     /* from its start date */
    {"2026-01-01", "2026-06-16", false, "active"}, /* up to the day before its expiry */
    {"2026-01-01", "2026-06-15", false, "expired"},
    {"2026-01-01", "2026-03-01", false, "expired"},
    {"2026-06-16", "2026-07-01", true, "cancelled"},
    {"2026-01-01", NULL, true, "cancelled"},
};
#define TODAY "2026-06-15"

Test(agreement, TRUST2_status_follows_the_dates_and_the_cancelled_flag) {
  for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++)
    cr_assert_str_eq(rd_agreement_status(CASES[i].start, CASES[i].expiry, CASES[i].cancelled,
                                         TODAY),
                     CASES[i].want, "case %zu", i);
}

static ut_db T;
static void setup(void) {
  ut_db_open(&T);
}
static void teardown(void) {
  ut_db_close(&T);
}
TestSuite(agreement_sql, .init = setup, .fini = teardown, .timeout = 30);

Test(agreement_sql, TRUST2_the_active_condition_of_the_views_agrees_with_the_status) {
  rd_err err;
  rd_err_clear(&err);
  /* the columns of slas and flsas (migration 003) */
  cr_assert_eq(rd_sql_exec(T.c, NULL, &err,
                           "CREATE TABLE agreement_dates (n INTEGER PRIMARY KEY,"
                           " start_date TEXT NOT NULL, expiry_date TEXT,"
                           " cancelled BOOLEAN NOT NULL DEFAULT FALSE)",
                           ""),
               0, "%s", err.message);
  for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
    rd_err_clear(&err);
    cr_assert_eq(rd_sql_exec(T.c, NULL, &err,
                             "INSERT INTO agreement_dates (n, start_date, expiry_date, cancelled)"
                             " VALUES (?, ?, ?, ?)",
                             "itt" "b", (int64_t)i, CASES[i].start, CASES[i].expiry,
                             CASES[i].cancelled),
                 0, "%s", err.message);
  }
  for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
    int64_t active = 0;
    rd_err_clear(&err);
    int rv = rd_sql_int64(T.c, &active, &err,
                          "SELECT CASE WHEN " RD_AGREEMENT_ACTIVE_SQL("a") " THEN 1 ELSE 0 END"
                          " FROM agreement_dates a WHERE a.n = ?",
                          "tti", TODAY, TODAY, (int64_t)i);
    cr_assert_eq(rv, RD_ROW, "%s", err.message);
    cr_assert_eq(active, !strcmp(CASES[i].want, "active"), "case %zu", i);
  }
}
