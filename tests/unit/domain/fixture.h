/* The fixture of the domain unit tests that need tenants: on the database the test opened
 * with ut_db_open (unit.h; the call stays in the test file, where scripts/run-tests.sh looks
 * for it to run the suite on PostgreSQL too), libsodium ready (passwords, tokens) and two
 * accounts: "acme", where the tests' callers live, and "other", the tenant whose records
 * acme must not reach (ACC-4). */
#ifndef RD_TESTS_UNIT_DOMAIN_FIXTURE_H
#define RD_TESTS_UNIT_DOMAIN_FIXTURE_H

#include "auth/auth.h"
#include "domain/account.h"
#include "domain/person.h"
#include "unit/unit.h"

static inline void ud_tenants(ut_db *t) {
  cr_assert_eq(rd_auth_init(), 0);
  rd_err err;
  rd_err_clear(&err);
  cr_assert_eq(rd_account_create(t->c, "acme", "Acme", &err), 0, "%s", err.message);
  cr_assert_eq(rd_account_create(t->c, "other", "Other", &err), 0, "%s", err.message);
}

/* A caller of account with exactly roles, signed in as person_id (0: nobody). */
static inline rd_caller ud_caller(const char *account, unsigned roles, int64_t person_id) {
  rd_caller who = rd_system_caller(account);
  who.roles = roles;
  who.person_id = person_id;
  return who;
}

#endif
