/* RMM assets become items (issue 15, RMM-4/5): rd_rmm_sync_* of rmm.h. An agent's item is
 * found by source rmm and source_id its AgentId; it is written through the item's record
 * type (rules, audit) and only when something the RMM decides differs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"
#include "domain/item.h"
#include "domain/location.h"
#include "domain/record.h"
#include "domain/rmm.h"

#define CHANGES_MAX 200
#define PAGE_MAX 128 /* agents a call takes at most (the driver's pages are 100) */

struct rd_rmm_sync {
  rd_caller who;
  bool dry_run;
  json_t *orgs; /* rmm_id -> {"row", "org", "proposed", "mode", "groups"} */
  json_t *locations; /* "<org>:<name or *main>" -> location id, for this transaction */
  int64_t agents, created, updated, unchanged, skipped, failed, orgs_created, locations_created;
  json_t *changes;
};

int rd_rmm_sync_begin(rd_conn *c, const rd_caller *who, bool dry_run, rd_rmm_sync **out,
                      rd_err *err) {
  int rv = rd_rec_allow(who, &rd_item_type, RD_REC_CREATE, err);
  rd_stmt *s = NULL;
  if (!rv)
    rv = rd_sql(c, &s, err,
                "SELECT id, rmm_id, COALESCE(organization_id, 0), COALESCE(proposed_id, 0),"
                " location_mode, group_locations FROM rmm_orgs WHERE account_id = ?",
                "t", who->account_id);
  if (rv)
    return rv;
  rd_rmm_sync *y = rd_calloc(1, sizeof *y);
  y->who = *who;
  y->dry_run = dry_run;
  y->orgs = json_object();
  y->locations = json_object();
  y->changes = dry_run ? json_array() : NULL;
  while (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    rv = 0;
    json_t *groups = json_loads(rd_stmt_text(s, 5), 0, NULL);
    json_object_set_new(y->orgs, rd_stmt_text(s, 1),
                        json_pack("{s:I,s:I,s:I,s:s,s:o}", "row", (json_int_t)rd_stmt_int64(s, 0),
                                  "org", (json_int_t)rd_stmt_int64(s, 2), "proposed",
                                  (json_int_t)rd_stmt_int64(s, 3), "mode", rd_stmt_text(s, 4),
                                  "groups", groups ? groups : json_object()));
  }
  rd_stmt_done(s);
  if (rv < 0) {
    rd_rmm_sync_free(y);
    return rv;
  }
  *out = y;
  return 0;
}

void rd_rmm_sync_free(rd_rmm_sync *y) {
  if (!y)
    return;
  json_decref(y->orgs);
  json_decref(y->locations);
  json_decref(y->changes);
  rd_free(y);
}

json_t *rd_rmm_sync_report(const rd_rmm_sync *y) {
  json_t *r = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "agents", (json_int_t)y->agents,
                        "created", (json_int_t)y->created, "updated", (json_int_t)y->updated,
                        "unchanged", (json_int_t)y->unchanged, "skipped",
                        (json_int_t)y->skipped, "failed", (json_int_t)y->failed,
                        "organizations_created", (json_int_t)y->orgs_created,
                        "locations_created", (json_int_t)y->locations_created);
  if (y->dry_run) {
    json_object_set_new(r, "dry_run", json_true());
    json_object_set(r, "changes", y->changes);
  }
  return r;
}

static void note(rd_rmm_sync *y, const char *change, const char *agent, json_t *what) {
  if (y->changes && json_array_size(y->changes) < CHANGES_MAX)
    json_array_append_new(y->changes, json_pack("{s:s,s:s,s:O}", "change", change, "agent",
                                                agent, "fields", what));
}

static const char *text(json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s && *s ? s : NULL;
}

/* A string or number member as text (AgentId, OrgId, MachineGroupId). */
static const char *key(json_t *o, const char *k, char buf[32]) {
  json_t *v = json_object_get(o, k);
  if (json_is_integer(v)) {
    snprintf(buf, 32, "%lld", (long long)json_integer_value(v));
    return buf;
  }
  return text(o, k);
}

/* The organization's main location (0: it has none). */
static int main_location(rd_conn *c, rd_rmm_sync *y, int64_t org, int64_t *loc, rd_err *err) {
  char memo[48];
  snprintf(memo, sizeof memo, "%lld:*main", (long long)org);
  json_t *m = json_object_get(y->locations, memo);
  if (m) {
    *loc = (int64_t)json_integer_value(m);
    return 0;
  }
  int rv = rd_sql_int64(c, loc, err,
                        "SELECT COALESCE(MAX(id), 0) FROM locations WHERE organization_id = ? AND"
                        " main = TRUE",
                        "i", org);
  if (rv >= 0)
    json_object_set_new(y->locations, memo, json_integer(*loc));
  return rv < 0 ? rv : 0;
}

/* RMM-5 group_id: the location named after the machine group, made when missing (also when
 * it was renamed by hand since the last sync). */
static int group_location(rd_conn *c, rd_rmm_sync *y, int64_t org, const char *group,
                          int64_t *loc, rd_err *err) {
  char name[RD_LOCATION_NAME_MAX + 1], memo[RD_LOCATION_NAME_MAX + 32];
  snprintf(name, sizeof name, "%s", group);
  snprintf(memo, sizeof memo, "%lld:%s", (long long)org, name);
  json_t *m = json_object_get(y->locations, memo);
  if (m) {
    *loc = (int64_t)json_integer_value(m);
    return 0;
  }
  int rv = rd_sql_int64(c, loc, err,
                        "SELECT COALESCE(MAX(id), 0) FROM locations WHERE organization_id = ? AND"
                        " lower(name) = lower(?)",
                        "it", org, name);
  if (rv < 0)
    return rv;
  if (!*loc) {
    json_t *in = json_pack("{s:s,s:{s:I}}", "name", name, "organization", "id", (json_int_t)org);
    rv = rd_rec_create(c, &y->who, &rd_location_type, in, loc, err);
    json_decref(in);
    if (rv)
      return rv;
    y->locations_created++;
  }
  json_object_set_new(y->locations, memo, json_integer(*loc));
  return 0;
}

/* Where the agent's item goes: *loc and *dep (0: none; *dep -1: leave the item's as it is). */
static int placement(rd_conn *c, rd_rmm_sync *y, json_t *map, json_t *agent, int64_t *loc,
                     int64_t *dep, rd_err *err) {
  int64_t org = (int64_t)json_integer_value(json_object_get(map, "org"));
  const char *mode = json_string_value(json_object_get(map, "mode"));
  char gbuf[32];
  const char *group_id = key(agent, "MachineGroupId", gbuf);
  const char *group = text(agent, "MachineGroup") ? text(agent, "MachineGroup") : group_id;
  *dep = -1;
  if (!strcmp(mode, "group_id") && group)
    return group_location(c, y, org, group, loc, err);
  if (!strcmp(mode, "custom")) {
    json_t *g = group_id ? json_object_get(json_object_get(map, "groups"), group_id) : NULL;
    int64_t want = (int64_t)json_integer_value(json_object_get(g, "location"));
    if (g) { /* custom overwrites the department, also one set by hand (RMM-5) */
      *dep = (int64_t)json_integer_value(json_object_get(g, "department"));
      int64_t n = 0;
      int rv = rd_sql_int64(c, &n, err,
                            "SELECT COUNT(*) FROM locations WHERE id = ? AND organization_id = ?",
                            "ii", want, org);
      if (rv < 0)
        return rv;
      if (n) {
        *loc = want;
        return 0;
      }
      *dep = -1; /* the chosen location is gone: the main one, as for an unnamed group */
    }
  }
  return main_location(c, y, org, loc, err);
}

/* The organization the agent's RMM organization maps to: imported now when it is not mapped
 * and no organization of the account has its name (RMM-4); 0: skip the agent. */
static int agent_org(rd_conn *c, rd_rmm_sync *y, json_t *agent, json_t **map, rd_err *err) {
  char obuf[32];
  const char *org_key = key(agent, "OrgId", obuf);
  *map = org_key ? json_object_get(y->orgs, org_key) : NULL;
  if (!*map)
    return 0; /* not loaded: an organization the RMM lists without its agents' org */
  if (json_integer_value(json_object_get(*map, "org")))
    return 0;
  if (json_integer_value(json_object_get(*map, "proposed"))) {
    *map = NULL; /* the same name as one of ours: a person decides (RMM-2) */
    return 0;
  }
  int64_t org = 0;
  int rv = rd_rmm_import_one(c, &y->who, (int64_t)json_integer_value(json_object_get(*map, "row")),
                             "OrgId", &org, err);
  if (rv)
    return rv;
  json_object_set_new(*map, "org", json_integer(org));
  y->orgs_created++;
  return 0;
}

/* The item's fields as the RMM decides them. */
static json_t *desired(json_t *agent, int64_t org, int64_t loc, int64_t dep) {
  const char *name = text(agent, "ComputerName") ? text(agent, "ComputerName")
                                                 : text(agent, "AgentName");
  char notes[600];
  snprintf(notes, sizeof notes, "Operating system: %s\nIP address: %s\nLast check-in: %s",
           text(agent, "OperatingSystem") ? text(agent, "OperatingSystem") : "-",
           text(agent, "IPAddress") ? text(agent, "IPAddress") : "-",
           text(agent, "LastCheckInTime") ? text(agent, "LastCheckInTime") : "-");
  char nbuf[RD_ITEM_NAME_MAX + 1], cbuf[65];
  snprintf(nbuf, sizeof nbuf, "%s", name ? name : "agent");
  snprintf(cbuf, sizeof cbuf, "%s", text(agent, "OSType") ? text(agent, "OSType") : "");
  json_t *d = json_pack("{s:s,s:s*,s:{s:I},s:s}", "name", nbuf, "category", *cbuf ? cbuf : NULL,
                        "organization", "id", (json_int_t)org, "notes", notes);
  json_object_set_new(d, "location", loc ? json_pack("{s:I}", "id", (json_int_t)loc) : json_null());
  if (dep >= 0)
    json_object_set_new(d, "department",
                        dep ? json_pack("{s:I}", "id", (json_int_t)dep) : json_null());
  return d;
}

/* The members of want that differ from the stored row (a patch; empty when none). */
static json_t *differences(json_t *want, json_t *have) {
  json_t *patch = json_object();
  const char *k;
  json_t *v;
  json_object_foreach(want, k, v) {
    json_t *h = json_object_get(have, k);
    bool same = json_is_object(v) ? json_equal(json_object_get(v, "id"), h)
                                  : (json_is_null(v) ? json_is_null(h) || !h : json_equal(v, h));
    if (!same)
      json_object_set(patch, k, v);
  }
  return patch;
}

/* The stored RMM items of the page's agents: AgentId -> {"id", "name", ...} as stored. */
static int stored_items(rd_conn *c, const char *account_id, json_t *agents, json_t **out,
                        rd_err *err) {
  size_t n = json_array_size(agents);
  rd_param p[PAGE_MAX + 1];
  char bufs[PAGE_MAX][32];
  rd_buf sql;
  rd_buf_init(&sql);
  rd_buf_adds(&sql, "SELECT id, source_id, name, category, organization_id, location_id,"
                    " department_id, notes FROM items WHERE account_id = ? AND source = 'rmm'"
                    " AND source_id IN (");
  p[0] = (rd_param){.type = 't', .t = account_id};
  int np = 1;
  for (size_t i = 0; i < n; i++) {
    const char *id = key(json_array_get(agents, i), "AgentId", bufs[i]);
    rd_buf_adds(&sql, np > 1 ? ", ?" : "?");
    p[np++] = (rd_param){.type = 't', .t = id ? id : ""};
  }
  rd_buf_adds(&sql, ")");
  rd_buf_add(&sql, "", 1);
  *out = json_object();
  rd_stmt *s = NULL;
  int rv = rd_sql_params(c, &s, err, sql.data, p, np);
  rd_buf_term(&sql);
  while (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    rv = 0;
    json_t *row = json_pack("{s:I,s:s,s:s?,s:I,s:o,s:o,s:s?}", "id",
                            (json_int_t)rd_stmt_int64(s, 0), "name", rd_stmt_text(s, 2),
                            "category", rd_stmt_text(s, 3), "organization",
                            (json_int_t)rd_stmt_int64(s, 4),
                            "location", rd_stmt_null(s, 5) ? json_null()
                                                           : json_integer(rd_stmt_int64(s, 5)),
                            "department", rd_stmt_null(s, 6) ? json_null()
                                                             : json_integer(rd_stmt_int64(s, 6)),
                            "notes", rd_stmt_text(s, 7));
    json_object_set_new(*out, rd_stmt_text(s, 1), row);
  }
  if (s)
    rd_stmt_done(s);
  return rv < 0 ? rv : 0;
}

/* One agent: its item created, updated or left as it is. */
static int sync_one(rd_conn *c, rd_rmm_sync *y, json_t *agent, json_t *items, rd_err *err) {
  char abuf[32];
  const char *agent_id = key(agent, "AgentId", abuf);
  json_t *map = NULL;
  int rv = agent_org(c, y, agent, &map, err);
  if (rv || !map) {
    y->skipped += !rv;
    return rv;
  }
  int64_t org = (int64_t)json_integer_value(json_object_get(map, "org")), loc = 0, dep = -1;
  rv = placement(c, y, map, agent, &loc, &dep, err);
  if (rv)
    return rv;
  json_t *want = desired(agent, org, loc, dep);
  json_t *have = json_object_get(items, agent_id);
  if (have) {
    json_t *patch = differences(want, have);
    if (!json_object_size(patch)) {
      y->unchanged++;
    } else {
      rv = rd_rec_update(c, &y->who, &rd_item_type,
                         (int64_t)json_integer_value(json_object_get(have, "id")), patch, -1,
                         err);
      y->updated += !rv;
      note(y, "updated", agent_id, patch);
    }
    json_decref(patch);
  } else {
    char number[RD_ITEM_NUMBER_MAX + 1];
    snprintf(number, sizeof number, "RMM-%s", agent_id);
    int64_t taken = 0, id = 0;
    rv = rd_sql_int64(c, &taken, err,
                      "SELECT COUNT(*) FROM items WHERE account_id = ? AND number = ?", "tt",
                      y->who.account_id, number);
    rv = rv < 0 ? rv : 0;
    if (!rv && taken) { /* a number someone gave by hand: reported, not overwritten */
      y->failed++;
      json_t *why = json_pack("{s:s}", "number", "is taken by another item");
      note(y, "failed", agent_id, why);
      json_decref(why);
    } else if (!rv) {
      json_object_set_new(want, "number", json_string(number));
      json_object_set_new(want, "source", json_string("rmm"));
      json_object_set_new(want, "source_id", json_string(agent_id));
      rv = rd_rec_create(c, &y->who, &rd_item_type, want, &id, err);
      y->created += !rv;
      note(y, "created", agent_id, want);
    }
  }
  json_decref(want);
  return rv;
}

int rd_rmm_sync_agents(rd_conn *c, rd_rmm_sync *y, json_t *agents, rd_err *err) {
  json_object_clear(y->locations); /* per transaction: a rolled back one made none */
  for (size_t at = 0; at < json_array_size(agents); at += PAGE_MAX) {
    json_t *page = json_array(), *items = NULL;
    for (size_t i = at; i < json_array_size(agents) && i < at + PAGE_MAX; i++) {
      json_t *a = json_array_get(agents, i);
      char buf[32];
      if (json_is_object(a) && key(a, "AgentId", buf))
        json_array_append(page, a);
    }
    int rv = stored_items(c, y->who.account_id, page, &items, err);
    size_t i;
    json_t *a;
    json_array_foreach(page, i, a) {
      if (rv)
        break;
      y->agents++;
      rv = sync_one(c, y, a, items, err);
    }
    json_decref(items);
    json_decref(page);
    if (rv)
      return rv;
  }
  return 0;
}

int rd_rmm_item_agent(rd_conn *c, const rd_caller *who, int64_t item, char **out, rd_err *err) {
  json_t *rec = NULL;
  int rv = rd_rec_read(c, who, &rd_item_type, item, &rec, NULL, err);
  const char *source = json_string_value(json_object_get(rec, "source"));
  const char *agent = json_string_value(json_object_get(rec, "source_id"));
  if (!rv && (!source || strcmp(source, "rmm") || !agent))
    rv = rd_err_field(err, "source", "item %lld did not come from the RMM", (long long)item);
  if (!rv)
    *out = rd_strdup(agent);
  json_decref(rec);
  return rv;
}
