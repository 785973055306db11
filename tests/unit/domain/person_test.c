/* Unit tests of src/domain/person.c's one rule of who may change whom (ACC-7) and which
 * roles a caller may grant, as the SPEC's table states them for every role of the caller
 * against every role (and mix of roles) of the person. Pure functions; the paths that
 * apply them are covered by tests/api/manage_test.c. */
#include <criterion/criterion.h>

#include "auth/caller.h"
#include "domain/person.h"

enum {
  ADM = RD_ROLE_ACCOUNT_ADMINISTRATOR,
  SUP = RD_ROLE_SUPERVISOR,
  SLM = RD_ROLE_SERVICE_LEVEL_MANAGER,
  TEC = RD_ROLE_TECHNICIAN,
  PAR = RD_ROLE_PARTNER,
  CUS = RD_ROLE_CUSTOMER,
};

static const unsigned TARGETS[] = {ADM, SUP, SLM, TEC, PAR, CUS, TEC | CUS, SUP | CUS, SLM | CUS};
#define NT (sizeof TARGETS / sizeof *TARGETS)

static const struct {
  unsigned caller;
  bool may[NT]; /* in the order of TARGETS */
} TABLE[] = {
    {ADM, {1, 1, 1, 1, 1, 1, 1, 1, 1}},
    /* never an administrator or another supervisor (nor a service level manager) */
    {SUP, {0, 0, 0, 1, 1, 1, 1, 0, 0}},
    /* customers' records only */
    {SLM, {0, 0, 0, 0, 0, 1, 0, 0, 0}},
    {TEC, {0, 0, 0, 0, 0, 1, 0, 0, 0}},
    /* only itself (rd_person_update's self-service), nobody else */
    {PAR, {0, 0, 0, 0, 0, 0, 0, 0, 0}},
    {CUS, {0, 0, 0, 0, 0, 0, 0, 0, 0}},
};

Test(person_rule, ACC7_who_may_change_whom) {
  for (size_t i = 0; i < sizeof TABLE / sizeof *TABLE; i++) {
    rd_caller who = rd_system_caller("acme");
    who.roles = TABLE[i].caller;
    for (size_t t = 0; t < NT; t++)
      cr_assert_eq(rd_person_may_manage(&who, TARGETS[t]), TABLE[i].may[t],
                   "caller roles %#x, person roles %#x", TABLE[i].caller, TARGETS[t]);
  }
  /* the system caller is an administrator */
  rd_caller sys = rd_system_caller("acme");
  cr_assert(rd_person_may_manage(&sys, ADM | SUP));
}

Test(person_rule, ACC7_roles_a_caller_may_grant) {
  static const struct {
    unsigned caller, grants;
  } cases[] = {
      {ADM, RD_ROLES_ALL}, {SUP, TEC | PAR | CUS}, {SLM, 0}, {TEC, 0}, {PAR, 0}, {CUS, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    rd_caller who = rd_system_caller("acme");
    who.roles = cases[i].caller;
    cr_assert_eq(rd_person_grantable_roles(&who), cases[i].grants, "caller roles %#x",
                 cases[i].caller);
  }
}
