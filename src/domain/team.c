/* Teams: see team.h. Everything but the members and layers rules is the engine's
 * (record.c): input checks, roles, transactions, versions, updated_at and the audit. */
#include "domain/team.h"

#include <stdbool.h>
#include <stdio.h>

/* Who may change teams: those who may change agreements, and supervisors. */
#define TEAM_WRITERS                                                                          \
  (RD_ROLE_ACCOUNT_ADMINISTRATOR | RD_ROLE_SERVICE_LEVEL_MANAGER | RD_ROLE_SUPERVISOR)

/* list (at path): an array of {"id"} naming people of the account that are not deleted;
 * each is stored as {"id", "name"} with the person's name at the time of writing. PART-2:
 * a person with the partner role is a member only while linked to a partner organization. */
static int check_people(rd_conn *c, const rd_caller *who, json_t *list, const char *path,
                        rd_err *err) {
  if (!json_is_array(list) || json_array_size(list) > RD_TEAM_MEMBERS_MAX)
    return rd_err_field(err, path, "must be an array of at most %d people", RD_TEAM_MEMBERS_MAX);
  size_t i;
  json_t *m;
  json_array_foreach(list, i, m) {
    char at[64];
    snprintf(at, sizeof at, "%s[%zu]", path, i);
    json_t *mid = json_object_get(m, "id");
    if (!json_is_object(m) || !json_is_integer(mid)) {
      rd_err_field(err, at, "must be an object with the id of a person");
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
      rd_err_field(err, at, "is a partner technician not linked to a partner organization");
    else if (rv == RD_ROW)
      json_array_set_new(list, i, json_pack("{s:O,s:s}", "id", mid, "name", rd_stmt_text(s, 0)));
    else if (rv == RD_DONE)
      rd_err_field(err, at, "no such person in this account");
    rd_stmt_done(s);
    if (rv < 0)
      return rv;
  }
  return 0;
}

/* Whether two lists of people name the same ids in the same order. */
static bool same_ids(json_t *a, json_t *b) {
  if (json_array_size(a) != json_array_size(b))
    return false;
  for (size_t i = 0; i < json_array_size(a); i++)
    if (!json_equal(json_object_get(json_array_get(a, i), "id"),
                    json_object_get(json_array_get(b, i), "id")))
      return false;
  return true;
}

/* PART-4: layers, in escalation order, each {"members": [people]}; a person is in one
 * layer at most. While a team has layers its members are theirs, in layer order: setting
 * members to anything else is refused (the layers say who is in the team). */
static int check_layers(rd_conn *c, const rd_caller *who, json_t *old, json_t *rec,
                        rd_err *err) {
  json_t *layers = json_object_get(rec, "layers");
  if (!layers || json_is_null(layers)) {
    layers = json_array();
    json_object_set_new(rec, "layers", layers);
  }
  if (!json_is_array(layers) || json_array_size(layers) > RD_TEAM_LAYERS_MAX)
    return rd_err_field(err, "layers", "must be an array of at most %d layers",
                        RD_TEAM_LAYERS_MAX);
  if (!json_array_size(layers))
    return 0;
  json_t *all = json_array();
  size_t i;
  json_t *layer;
  int rv = 0;
  json_array_foreach(layers, i, layer) {
    char at[48];
    snprintf(at, sizeof at, "layers[%zu]", i);
    json_t *members = json_object_get(layer, "members");
    if (!json_is_object(layer) || json_object_size(layer) != 1 || !members) {
      rd_err_field(err, at, "must be {\"members\": [people]}");
      continue;
    }
    snprintf(at, sizeof at, "layers[%zu].members", i);
    if ((rv = check_people(c, who, members, at, err)))
      break;
    size_t j, k;
    json_t *m, *seen;
    json_array_foreach(members, j, m) {
      json_array_foreach(all, k, seen)
        if (json_equal(json_object_get(seen, "id"), json_object_get(m, "id"))) {
          snprintf(at, sizeof at, "layers[%zu].members[%zu]", i, j);
          rd_err_field(err, at, "is in an earlier layer already");
          break;
        }
      json_array_append(all, m);
    }
  }
  json_t *members = json_object_get(rec, "members");
  if (!rv && json_array_size(all) > RD_TEAM_MEMBERS_MAX)
    rd_err_field(err, "layers", "hold at most %d people in all", RD_TEAM_MEMBERS_MAX);
  else if (!rv && json_array_size(members) && !same_ids(members, all) &&
           !(old && same_ids(members, json_object_get(old, "members"))))
    rd_err_field(err, "members", "are the members of the team's layers while it has layers");
  json_object_set_new(rec, "members", all);
  return rv;
}

static int validate(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                    json_t *old, json_t *rec, rd_err *err) {
  (void)t, (void)id;
  json_t *members = json_object_get(rec, "members");
  if (!members || json_is_null(members)) {
    members = json_array();
    json_object_set_new(rec, "members", members);
  }
  int rv = check_people(c, who, members, "members", err);
  if (!rv)
    rv = check_layers(c, who, old, rec, err);
  if (rv)
    return rv;
  return err && err->code ? err->code : 0;
}

/* team_members (migration 021): the members by layer, for assignment and the PART-2 rule;
 * a team without layers is one layer of its members. */
static int after_write(rd_conn *c, const rd_caller *who, int64_t id, json_t *old, json_t *rec,
                       rd_err *err) {
  (void)old;
  int rv = rd_sql_exec(c, NULL, err, "DELETE FROM team_members WHERE team_id = ?", "i", id);
  json_t *layers = json_object_get(rec, "layers");
  json_t *one = json_pack("[{s:O}]", "members", json_object_get(rec, "members"));
  if (!json_array_size(layers))
    layers = one;
  size_t l, i;
  json_t *layer, *m;
  json_array_foreach(layers, l, layer) {
    json_array_foreach(json_object_get(layer, "members"), i, m) {
      if (rv)
        break;
      rv = rd_sql_exec(c, NULL, err,
                       "INSERT INTO team_members (account_id, team_id, layer, person_id)"
                       " VALUES (?, ?, ?, ?)",
                       "tiii", who->account_id, id, (int64_t)l + 1,
                       (int64_t)json_integer_value(json_object_get(m, "id")));
    }
  }
  json_decref(one);
  return rv;
}

static const rd_field FIELDS[] = {
    {.name = "name", .column = "name", .type = RD_FT_TEXT, .flags = RD_FF_REQUIRED, .max_len = RD_TEAM_NAME_MAX},
    {.name = "members", .column = "members", .type = RD_FT_JSON, .def = "[]"},
    {.name = "layers", .column = "layers", .type = RD_FT_JSON, .def = "[]"},
};

const rd_rtype rd_team_type = {
    .name = "team",
    .table = "teams",
    .fields = FIELDS,
    .nfields = sizeof FIELDS / sizeof *FIELDS,
    .validate = validate,
    .after_write = after_write,
    .read_roles = RD_ROLES_STAFF,
    .write_roles = TEAM_WRITERS,
};
