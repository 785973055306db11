/* Teams: see team.h. Everything but the members rule is the engine's (record.c): input
 * checks, roles, transactions, versions, updated_at and the audit. */
#include "domain/team.h"

#include <stdio.h>

/* Who may change teams: those who may change agreements, and supervisors. */
#define TEAM_WRITERS                                                                          \
  (RD_ROLE_ACCOUNT_ADMINISTRATOR | RD_ROLE_SERVICE_LEVEL_MANAGER | RD_ROLE_SUPERVISOR)

/* members: an array of {"id"} naming people of the account that are not deleted; stored
 * as {"id", "name"} with the person's name at the time of writing. PART-2: a person with
 * the partner role is a member only while linked to a partner organization. */
static int validate(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                    json_t *old, json_t *rec, rd_err *err) {
  (void)t, (void)id, (void)old;
  json_t *members = json_object_get(rec, "members");
  if (!members || json_is_null(members)) {
    json_object_set_new(rec, "members", json_array());
    return 0;
  }
  if (!json_is_array(members) || json_array_size(members) > RD_TEAM_MEMBERS_MAX)
    return rd_err_field(err, "members", "must be an array of at most %d people",
                        RD_TEAM_MEMBERS_MAX);
  size_t i;
  json_t *m;
  json_array_foreach(members, i, m) {
    char path[32];
    snprintf(path, sizeof path, "members[%zu]", i);
    json_t *mid = json_object_get(m, "id");
    if (!json_is_object(m) || !json_is_integer(mid)) {
      rd_err_field(err, path, "must be an object with the id of a person");
      continue;
    }
    rd_stmt *s = NULL;
    int rv = rd_sql(c, &s, err,
                    "SELECT first_name || ' ' || last_name, roles, partner_organization_id"
                    " FROM people WHERE id = ? AND account_id = ? AND NOT deleted",
                    "it", (int64_t)json_integer_value(mid), who->account_id);
    if (rv)
      return rv;
    rv = rd_stmt_step(s, err);
    if (rv == RD_ROW && (rd_stmt_int64(s, 1) & RD_ROLE_PARTNER) && rd_stmt_null(s, 2))
      rd_err_field(err, path, "is a partner technician not linked to a partner organization");
    else if (rv == RD_ROW)
      json_array_set_new(members, i, json_pack("{s:O,s:s}", "id", mid, "name", rd_stmt_text(s, 0)));
    else if (rv == RD_DONE)
      rd_err_field(err, path, "no such person in this account");
    rd_stmt_done(s);
    if (rv < 0)
      return rv;
  }
  return err && err->code ? err->code : 0;
}

static const rd_field FIELDS[] = {
    {.name = "name", .column = "name", .type = RD_FT_TEXT, .flags = RD_FF_REQUIRED, .max_len = RD_TEAM_NAME_MAX},
    {.name = "members", .column = "members", .type = RD_FT_JSON, .def = "[]"},
};

const rd_rtype rd_team_type = {
    .name = "team",
    .table = "teams",
    .fields = FIELDS,
    .nfields = sizeof FIELDS / sizeof *FIELDS,
    .validate = validate,
    .read_roles = RD_ROLES_STAFF,
    .write_roles = TEAM_WRITERS,
};
