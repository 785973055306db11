/* Unit tests of src/domain/team.c, the example resource of the record engine (issue 11):
 * the roles declared in rd_team_type are the domain's check, whatever path calls the
 * engine (the route table is only the first gate), and the members rule. */
#include <criterion/criterion.h>
#include <string.h>

#include "auth/auth.h"
#include "domain/account.h"
#include "domain/person.h"
#include "domain/team.h"
#include "unit/unit.h"

static ut_db T;
static rd_err err;

static void setup(void) {
  ut_db_open(&T);
  cr_assert_eq(rd_auth_init(), 0);
  rd_err_clear(&err);
  cr_assert_eq(rd_account_create(T.c, "acme", "Acme", &err), 0, "%s", err.message);
}
static void teardown(void) {
  ut_db_close(&T);
}
TestSuite(team, .init = setup, .fini = teardown, .timeout = 30);

static rd_caller caller(unsigned roles) {
  rd_caller who = rd_system_caller("acme");
  who.roles = roles;
  who.person_id = 42;
  return who;
}

static int create(const rd_caller *who, const char *name, int64_t *id) {
  rd_err_clear(&err);
  json_t *in = json_pack("{s:s}", "name", name);
  int rv = rd_rec_create_tx(T.c, who, &rd_team_type, in, id, &err);
  json_decref(in);
  return rv;
}

typedef struct direct {
  const rd_caller *who;
  json_t *in;
  int64_t id;
} direct;

static int direct_create(rd_conn *c, void *arg, rd_err *e) {
  direct *d = arg;
  return rd_rec_create(c, d->who, &rd_team_type, d->in, &d->id, e);
}

Test(team, ISSUE11_technician_gets_403_from_the_domain_on_every_path) {
  rd_caller tech = caller(RD_ROLE_TECHNICIAN), cust = caller(RD_ROLE_CUSTOMER);
  int64_t id = 0;
  /* the generic entry point, as the API calls it */
  cr_assert_eq(create(&tech, "Tech team", &id), RD_EFORBIDDEN);
  cr_assert_eq(err.status, 403);
  /* the engine itself, as a bulk path would call it inside its own transaction */
  direct d = {&tech, json_pack("{s:s}", "name", "Tech team"), 0};
  rd_err_clear(&err);
  cr_assert_eq(rd_with_tx(T.c, &err, direct_create, &d), RD_EFORBIDDEN);
  cr_assert_eq(err.status, 403);
  json_decref(d.in);
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM teams"), 0);
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM audit WHERE record_type = 'team'"), 0);
  /* the declared writers may */
  static const unsigned WRITERS[] = {RD_ROLE_SUPERVISOR, RD_ROLE_SERVICE_LEVEL_MANAGER,
                                     RD_ROLE_ACCOUNT_ADMINISTRATOR};
  for (size_t i = 0; i < sizeof WRITERS / sizeof *WRITERS; i++) {
    rd_caller w = caller(WRITERS[i]);
    cr_assert_eq(create(&w, "Desk", &id), 0, "roles %u: %s", WRITERS[i], err.message);
  }
  /* changing: the same roles */
  json_t *patch = json_pack("{s:s}", "name", "Renamed");
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_update_tx(T.c, &tech, &rd_team_type, id, patch, -1, &err), RD_EFORBIDDEN);
  rd_caller sup = caller(RD_ROLE_SUPERVISOR);
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_update_tx(T.c, &sup, &rd_team_type, id, patch, -1, &err), 0, "%s",
               err.message);
  json_decref(patch);
  /* reading: staff only */
  json_t *rec = NULL;
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_read(T.c, &tech, &rd_team_type, id, &rec, NULL, &err), 0, "%s", err.message);
  cr_assert_str_eq(json_string_value(json_object_get(rec, "name")), "Renamed");
  json_decref(rec);
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_read(T.c, &cust, &rd_team_type, id, &rec, NULL, &err), RD_EFORBIDDEN);
  cr_assert_eq(rd_rec_allow(&cust, &rd_team_type, RD_REC_READ, NULL), RD_EFORBIDDEN);
  cr_assert_eq(rd_rec_allow(&tech, &rd_team_type, RD_REC_READ, NULL), 0);
}

Test(team, TRUST2_members_are_people_of_the_account) {
  rd_caller admin = caller(RD_ROLE_ACCOUNT_ADMINISTRATOR);
  json_t *person = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "first_name", "Pat", "last_name", "Jones",
                             "username", "pat", "primary_email", "pat@example.com", "roles",
                             "customer");
  int64_t pid = 0, id = 0;
  cr_assert_eq(rd_person_create(T.c, &admin, person, &pid, &err), 0, "%s", err.message);
  json_decref(person);
  json_t *in = json_pack("{s:s,s:[{s:I},{s:I}]}", "name", "Desk", "members", "id", (json_int_t)pid,
                         "id", (json_int_t)(pid + 1000));
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_create_tx(T.c, &admin, &rd_team_type, in, &id, &err), RD_EINVAL);
  cr_assert_eq(err.nitems, 1);
  cr_assert_str_eq(err.items[0].field, "members[1]");
  json_array_remove(json_object_get(in, "members"), 1);
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_create_tx(T.c, &admin, &rd_team_type, in, &id, &err), 0, "%s", err.message);
  json_decref(in);
  json_t *rec = NULL;
  cr_assert_eq(rd_rec_read(T.c, &admin, &rd_team_type, id, &rec, NULL, &err), 0);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(rec, "members"), 0), "name")),
                   "Pat Jones");
  json_decref(rec);
}
