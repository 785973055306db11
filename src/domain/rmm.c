/* RMM organizations, their load, proposals, mappings and import (rmm.h). */
#include "domain/rmm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fold.h"
#include "base/mem.h"
#include "base/str.h"
#include "base/time.h"
#include "domain/account.h"
#include "domain/audit.h"
#include "domain/org.h"
#include "domain/record.h"
#include "domain/sync_job.h"

#define ORG_WRITERS \
  (RD_ROLE_ACCOUNT_ADMINISTRATOR | RD_ROLE_SUPERVISOR | RD_ROLE_SERVICE_LEVEL_MANAGER)

static int64_t ref_id(json_t *rec, const char *name) {
  json_t *r = json_object_get(rec, name);
  return (int64_t)json_integer_value(json_is_object(r) ? json_object_get(r, "id") : r);
}

/* The id of a reference given as n or {"id": n} (0: none or not one). */
static int64_t given_id(json_t *v) {
  json_t *id = json_is_object(v) ? json_object_get(v, "id") : v;
  return json_is_integer(id) && json_integer_value(id) > 0 ? (int64_t)json_integer_value(id) : 0;
}

/* Record id of table belongs to organization org (locations, departments). */
static int of_org(rd_conn *c, const char *table, int64_t id, int64_t org, bool *yes,
                  rd_err *err) {
  char sql[120];
  snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE id = ? AND organization_id = ?",
           table);
  int64_t n = 0;
  int rv = rd_sql_int64(c, &n, err, sql, "ii", id, org);
  *yes = n > 0;
  return rv < 0 ? rv : 0;
}

/* RMM-5: location_mode is main, group_id or custom; group_locations names, per machine
 * group, a location (and optionally a department) of the mapped organization, stored as
 * {"<group>": {"location": id, "department": id | null}}. */
static int check_locations(rd_conn *c, json_t *old, json_t *rec, rd_err *err) {
  static const char *const MODES[] = {"main", "group_id", "custom", NULL};
  const char *mode = json_string_value(json_object_get(rec, "location_mode"));
  bool known = false;
  for (const char *const *m = MODES; mode && *m; m++)
    known |= !strcmp(mode, *m);
  if (!known)
    rd_err_field(err, "location_mode", "must be main, group_id or custom");
  json_t *groups = json_object_get(rec, "group_locations");
  int64_t org = ref_id(rec, "organization"), was = old ? ref_id(old, "organization") : 0;
  /* Another organization (or none): the old one's locations go with the old mapping. */
  if (was && org != was && json_equal(groups, json_object_get(old, "group_locations"))) {
    json_object_set_new(rec, "group_locations", json_object());
    groups = json_object_get(rec, "group_locations");
  }
  if (!json_is_object(groups))
    return rd_err_field(err, "group_locations", "must be an object of machine group ids");
  if (json_object_size(groups) && !org)
    return rd_err_field(err, "group_locations", "needs a mapped organization");
  json_t *clean = json_object();
  const char *group;
  json_t *v;
  int rv = 0;
  json_object_foreach(groups, group, v) {
    char field[RD_ERR_FIELD_MAX];
    snprintf(field, sizeof field, "group_locations.%.64s", group);
    const char *k;
    json_t *w;
    json_object_foreach(v, k, w) {
      if (strcmp(k, "location") && strcmp(k, "department"))
        rd_err_field(err, field, "has the unknown member %.40s", k);
    }
    int64_t loc = given_id(json_object_get(v, "location"));
    json_t *dv = json_object_get(v, "department");
    int64_t dep = given_id(dv);
    bool ok = false;
    if (!json_is_object(v) || !loc || (dv && !json_is_null(dv) && !dep) || strlen(group) > 64) {
      rd_err_field(err, field, "must be {\"location\": {\"id\": n}, \"department\": {\"id\": n} | null}");
      continue;
    }
    if (!(rv = of_org(c, "locations", loc, org, &ok, err)) && !ok)
      rd_err_field(err, field, "location %lld is not one of the mapped organization's",
                   (long long)loc);
    if (!rv && dep && !(rv = of_org(c, "departments", dep, org, &ok, err)) && !ok)
      rd_err_field(err, field, "department %lld is not one of the mapped organization's",
                   (long long)dep);
    if (rv)
      break;
    json_object_set_new(clean, group, json_pack("{s:I,s:o}", "location", (json_int_t)loc,
                                                "department",
                                                dep ? json_integer(dep) : json_null()));
  }
  json_object_set_new(rec, "group_locations", clean); /* stored as ids */
  return rv ? rv : err && err->code ? err->code : 0;
}

/* The organization the mapping names must be unmapped (RMM-2: one to one, and an edit
 * offers and accepts only unmapped targets). The engine has checked that it is one of the
 * account's own organizations. */
static int validate(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id, json_t *old,
                    json_t *rec, rd_err *err) {
  int rv = check_locations(c, old, rec, err);
  int64_t org = ref_id(rec, "organization");
  if (rv || !org || org == (old ? ref_id(old, "organization") : 0))
    return rv;
  int64_t other = 0;
  rv = rd_sql_int64(c, &other, err,
                    "SELECT COALESCE(MAX(id), 0) FROM rmm_orgs WHERE organization_id = ?"
                    " AND id <> ?",
                    "ii", org, id);
  if (rv < 0)
    return rv;
  if (other) {
    rd_err_set(err, RD_ECONFLICT, "Organization %lld is mapped to RMM organization %lld already",
               (long long)org, (long long)other);
    return rd_err_field(err, "organization", "is mapped to another RMM organization");
  }
  return 0;
}

/* A confirmed mapping ends the row's proposal; a new target stops being anyone else's
 * proposal (it is no longer unmapped); an unmapping is not proposed again until the next
 * load (RMM-2). */
static int after_write(rd_conn *c, const rd_caller *who, int64_t id, json_t *old, json_t *rec,
                       rd_err *err) {
  int64_t org = ref_id(rec, "organization");
  int rv = rd_sql_exec(c, NULL, err, "UPDATE rmm_orgs SET proposed_id = NULL WHERE id = ?", "i",
                       id);
  if (!rv && org)
    rv = rd_sql_exec(c, NULL, err, "UPDATE rmm_orgs SET proposed_id = NULL WHERE proposed_id = ?",
                     "i", org);
  return rv;
}

static const char *const UPDATE_FIELDS[] = {"organization", "location_mode", "group_locations",
                                            NULL};

static const rd_field FIELDS[] = {
    {.name = "rmm_id", .column = "rmm_id", .type = RD_FT_TEXT, .flags = RD_FF_READONLY},
    {.name = "name", .column = "name", .type = RD_FT_TEXT, .flags = RD_FF_READONLY},
    {.name = "ref", .column = "ref", .type = RD_FT_TEXT, .flags = RD_FF_READONLY},
    {.name = "parent_rmm_id", .column = "parent_rmm_id", .type = RD_FT_TEXT, .flags = RD_FF_READONLY},
    {.name = "present", .column = "present", .type = RD_FT_BOOL, .flags = RD_FF_READONLY},
    {.name = "organization", .column = "organization_id", .type = RD_FT_REF, .ref_table = "organizations", .ref_name_sql = "r.name"},
    {.name = "proposed_organization", .column = "proposed_id", .type = RD_FT_REF, .flags = RD_FF_READONLY, .ref_table = "organizations", .ref_name_sql = "r.name"},
    {.name = "loaded_at", .column = "loaded_at", .type = RD_FT_TIME, .flags = RD_FF_READONLY},
    {.name = "location_mode", .column = "location_mode", .type = RD_FT_TEXT, .flags = RD_FF_NOTNULL, .def = "\"main\""},
    {.name = "group_locations", .column = "group_locations", .type = RD_FT_JSON, .flags = RD_FF_NOTNULL, .def = "{}"},
};

const rd_rtype rd_rmm_org_type = {
    .name = "rmm_organization",
    .table = "rmm_orgs",
    .fields = FIELDS,
    .nfields = sizeof FIELDS / sizeof *FIELDS,
    .validate = validate,
    .after_write = after_write,
    .read_roles = ORG_WRITERS,
    .write_roles = ORG_WRITERS,
    .denied = "Only a supervisor, service level manager or administrator may %s RMM mappings",
    .update_fields = UPDATE_FIELDS,
};

/* ---- the connection setting (ACC-5 `rmm`) ---- */

bool rd_rmm_http_allowed(void) {
  const char *e = getenv("ROLODESK_RMM_ALLOW_HTTP");
  return e && !strcmp(e, "1");
}

bool rd_rmm_url_ok(const char *url) {
  return !strncmp(url, "https://", 8) || (rd_rmm_http_allowed() && !strncmp(url, "http://", 7));
}

void rd_rmm_settings_check(json_t *rmm, rd_err *err) {
  if (json_is_null(rmm))
    return;
  if (!json_is_object(rmm)) {
    rd_err_field(err, "settings.rmm", "must be an object");
    return;
  }
  const char *k;
  json_t *v;
  json_object_foreach(rmm, k, v) {
    char path[64];
    snprintf(path, sizeof path, "settings.rmm.%s", k);
    bool text = !strcmp(k, "url") || !strcmp(k, "username") || !strcmp(k, "token") ||
                !strcmp(k, "ca_file");
    if (text) {
      const char *s = json_string_value(v);
      if (!json_is_null(v) && (!s || strlen(s) != json_string_length(v) || strlen(s) > RD_RMM_URL_MAX ||
                               !rd_text_clean(s, false)))
        rd_err_field(err, path, "must be null or one line of at most %d characters", RD_RMM_URL_MAX);
      else if (!strcmp(k, "url") && s && !rd_rmm_url_ok(s))
        rd_err_field(err, path, "must be an https:// URL");
      else if (!strcmp(k, "ca_file") && s && s[0] != '/')
        rd_err_field(err, path, "must be an absolute path");
    } else if (!strcmp(k, "timeout")) {
      if (!json_is_integer(v) || json_integer_value(v) < 1 ||
          json_integer_value(v) > RD_RMM_TIMEOUT_MAX)
        rd_err_field(err, path, "must be an integer from 1 to %d (seconds)", RD_RMM_TIMEOUT_MAX);
    } else if (!strcmp(k, "push_automatically")) {
      if (!json_is_boolean(v))
        rd_err_field(err, path, "must be a boolean");
    } else if (!strcmp(k, "sync_every_minutes")) {
      if (!json_is_integer(v) || json_integer_value(v) < 0 ||
          json_integer_value(v) > RD_RMM_SYNC_EVERY_MAX)
        rd_err_field(err, path, "must be an integer from 0 (never) to %d (minutes)",
                     RD_RMM_SYNC_EVERY_MAX);
    } else {
      rd_err_field(err, path, "unknown field");
    }
  }
}

/* ---- the load (RMM-1) ---- */

/* The RMM connection is set up (422 naming the setting otherwise). */
static int connected(rd_conn *c, const char *account_id, rd_err *err) {
  json_t *settings = NULL;
  int rv = rd_account_settings_shared(c, account_id, &settings, err);
  if (rv)
    return rv;
  json_t *rmm = json_object_get(settings, "rmm");
  bool ready = json_is_string(json_object_get(rmm, "url")) &&
               json_is_string(json_object_get(rmm, "username")) &&
               json_is_string(json_object_get(rmm, "token"));
  json_decref(settings);
  return ready ? 0 : rd_err_field(err, "settings.rmm", "url, username and token must be set first");
}

typedef struct job_args {
  const rd_caller *who;
  const char *worker;
  int64_t *job;
  json_t *orgs; /* export: the organizations' ids */
  bool dry_run;
  const char *kind; /* rd_rmm_queue: rmm_load or rmm_sync */
} job_args;

static int queue_tx(rd_conn *c, void *arg, rd_err *err) {
  job_args *a = arg;
  return rd_sync_job_queue(c, a->who, a->kind, a->worker, false, a->dry_run, a->job, err);
}

int rd_rmm_schedule(rd_conn *c, const rd_caller *who, rd_err *err) {
  json_t *settings = NULL;
  int rv = rd_account_settings_shared(c, who->account_id, &settings, err);
  if (rv)
    return rv;
  json_t *rmm = json_object_get(settings, "rmm");
  int64_t every = (int64_t)json_integer_value(json_object_get(rmm, "sync_every_minutes"));
  bool ready = json_is_string(json_object_get(rmm, "url"));
  json_decref(settings);
  return rd_sync_schedule(c, who, RD_RMM_SYNC_JOB_KIND, ready ? every : 0, err);
}

int rd_rmm_queue(rd_conn *c, const rd_caller *who, const char *kind, bool dry_run,
                 const char *worker, int64_t *job, rd_err *err) {
  int rv = rd_rec_allow(who, &rd_rmm_org_type, RD_REC_UPDATE, err);
  if (!rv)
    rv = connected(c, who->account_id, err);
  job_args a = {who, worker, job, NULL, dry_run, kind};
  return rv ? rv : rd_with_tx(c, err, queue_tx, &a);
}

static bool builtin(const char *name, const char *ref) {
  static const char *const NAMES[] = {"myorg", "kserver", "unnamed", NULL};
  for (const char *const *n = NAMES; *n; n++)
    if ((name && !strcasecmp(name, *n)) || (ref && !strcasecmp(ref, *n)))
      return true;
  return false;
}

static char *folded(const char *s) {
  rd_buf b;
  rd_buf_init(&b);
  rd_fold(s, false, &b);
  rd_buf_add(&b, "", 1);
  return b.data;
}

/* A text form of an RMM key given as a string or a number. */
static const char *key_text(json_t *v, char buf[32]) {
  if (json_is_integer(v)) {
    snprintf(buf, 32, "%lld", (long long)json_integer_value(v));
    return buf;
  }
  return json_string_value(v);
}

typedef struct name_id {
  char *key;
  int64_t id;
} name_id;

static int by_key(const void *a, const void *b) {
  const name_id *x = a, *y = b;
  int d = strcmp(x->key, y->key);
  return d ? d : (x->id > y->id) - (x->id < y->id);
}

/* The account's organizations that no RMM organization maps to, by folded name. */
static int unmapped_orgs(rd_conn *c, const char *account_id, name_id **out, size_t *n,
                         rd_err *err) {
  rd_stmt *s = NULL;
  size_t cap = 0;
  *out = NULL;
  *n = 0;
  int rv = rd_sql(c, &s, err,
                  "SELECT o.id, o.name FROM organizations o WHERE o.account_id = ? AND NOT"
                  " EXISTS (SELECT 1 FROM rmm_orgs m WHERE m.organization_id = o.id)",
                  "t", account_id);
  while (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    rv = 0;
    if (*n == cap) {
      cap = cap ? cap * 2 : 256;
      *out = rd_realloc(*out, cap * sizeof **out);
    }
    (*out)[*n].id = rd_stmt_int64(s, 0);
    (*out)[*n].key = folded(rd_stmt_text(s, 1));
    (*n)++;
  }
  if (s)
    rd_stmt_done(s);
  if (rv < 0)
    return rv;
  if (*n)
    qsort(*out, *n, sizeof **out, by_key);
  return 0;
}

static int64_t proposal(const name_id *orgs, size_t n, const char *key) {
  size_t lo = 0, hi = n;
  while (lo < hi) { /* the first entry of key: the lowest id of that name */
    size_t mid = (lo + hi) / 2;
    if (strcmp(orgs[mid].key, key) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && !strcmp(orgs[lo].key, key) ? orgs[lo].id : 0;
}

/* Stores orgs as loaded: with full, the whole list of the RMM (the others are gone: removed,
 * or kept absent while mapped) with one audit row; without, only these (an export). */
#define CHANGES_MAX 200 /* changes a dry run lists */

/* A dry run's diff: one change of an RMM organization, while there is room. */
static void note(json_t *changes, const char *change, const char *rmm_id, const char *name) {
  if (changes && json_array_size(changes) < CHANGES_MAX)
    json_array_append_new(changes, json_pack("{s:s,s:s,s:s}", "change", change, "rmm_id", rmm_id,
                                             "name", name));
}

/* What is stored of the account's RMM organizations (only of RMM key `only` unless it is
 * NULL), by RMM key: [id, mapped, proposed, data, present, seen, name], read with one
 * statement so that a load writes only what changed. */
static int stored_orgs(rd_conn *c, const char *account_id, const char *only, json_t **out,
                       rd_err *err) {
  rd_stmt *s = NULL;
  *out = json_object();
  int rv = rd_sql(c, &s, err,
                  "SELECT id, rmm_id, COALESCE(organization_id, 0), COALESCE(proposed_id, 0),"
                  " data, present, name FROM rmm_orgs WHERE account_id = ? AND (CAST(? AS TEXT) IS NULL OR"
                  " rmm_id = ?)",
                  "ttt", account_id, only, only);
  while (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    rv = 0;
    json_object_set_new(*out, rd_stmt_text(s, 1),
                        json_pack("[I,I,I,s,b,b,s]", (json_int_t)rd_stmt_int64(s, 0),
                                  (json_int_t)rd_stmt_int64(s, 2), (json_int_t)rd_stmt_int64(s, 3),
                                  rd_stmt_text(s, 4), rd_stmt_bool(s, 5), 0, rd_stmt_text(s, 6)));
  }
  if (s)
    rd_stmt_done(s);
  return rv < 0 ? rv : 0;
}

static int64_t at(json_t *row, size_t i) {
  return (int64_t)json_integer_value(json_array_get(row, i));
}

/* Stores orgs as loaded: with full, the whole list of the RMM (the others are gone: removed,
 * or kept absent while mapped) with one audit row; without, only these (an export). Rows
 * are written only when their data, proposal or presence changed. */
static int store_orgs(rd_conn *c, const rd_caller *who, json_t *orgs, bool full,
                      json_t *changes, json_t **report, rd_err *err) {
  name_id *names = NULL;
  size_t nnames = 0;
  json_t *stored = NULL;
  int64_t added = 0, updated = 0, removed = 0, proposed = 0, loaded = 0;
  char now[RD_TIME_LEN];
  rd_time_now(now);
  /* A whole load proposes names; an export maps what it stores at once. */
  int rv = full ? unmapped_orgs(c, who->account_id, &names, &nnames, err) : 0;
  char onebuf[32];
  const char *only = full || json_array_size(orgs) != 1
                         ? NULL
                         : key_text(json_object_get(json_array_get(orgs, 0), "OrgId"), onebuf);
  if (!rv)
    rv = stored_orgs(c, who->account_id, only, &stored, err);
  size_t i;
  json_t *o;
  json_array_foreach(orgs, i, o) {
    if (rv)
      break;
    char idbuf[32], parentbuf[32];
    const char *rmm_id = key_text(json_object_get(o, "OrgId"), idbuf);
    const char *name = json_string_value(json_object_get(o, "OrgName"));
    const char *ref = json_string_value(json_object_get(o, "OrgRef"));
    const char *parent = key_text(json_object_get(o, "ParentOrgId"), parentbuf);
    if (!rmm_id || !name || builtin(name, ref))
      continue;
    loaded++;
    char *key = folded(name), *data = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_t *row = json_object_get(stored, rmm_id);
    int64_t prop = row && at(row, 1) ? 0 : proposal(names, nnames, key);
    proposed += prop != 0;
    if (row) {
      json_array_set_new(row, 5, json_true()); /* seen */
      bool same = !strcmp(json_string_value(json_array_get(row, 3)), data);
      if (!same) {
        rv = rd_sql_exec(c, NULL, err,
                         "UPDATE rmm_orgs SET present = TRUE, loaded_at = ?, proposed_id = ?,"
                         " name = ?, name_key = ?, ref = ?, parent_rmm_id = ?, data = ?,"
                         " version = version + 1, updated_at = ? WHERE id = ?",
                         "tItttttti", now, prop, name, key, ref, parent, data, now, at(row, 0));
        updated++;
        note(changes, "updated", rmm_id, name);
      } else if (prop != at(row, 2) || !json_is_true(json_array_get(row, 4))) {
        rv = rd_sql_exec(c, NULL, err,
                         "UPDATE rmm_orgs SET present = TRUE, proposed_id = ? WHERE id = ?", "Ii",
                         prop, at(row, 0));
      }
    } else {
      int64_t id = 0;
      rv = rd_next_id(c, &id, err);
      if (!rv)
        rv = rd_sql_exec(c, NULL, err,
                         "INSERT INTO rmm_orgs (id, account_id, rmm_id, name, name_key, ref,"
                         " parent_rmm_id, data, present, proposed_id, loaded_at, created_at,"
                         " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?, ?, ?)",
                         "itttttttIttt", id, who->account_id, rmm_id, name, key, ref, parent,
                         data, prop, now, now, now);
      /* seen, should the RMM list it twice */
      json_object_set_new(stored, rmm_id, json_pack("[I,i,I,s,b,b,s]", (json_int_t)id, 0,
                                                    (json_int_t)prop, data, 1, 1, name));
      added++;
      note(changes, "added", rmm_id, name);
    }
    rd_free(key);
    free(data);
  }
  /* What the RMM no longer lists: gone, unless mapped (a load never loses a mapping). */
  const char *k;
  json_t *row;
  json_object_foreach(stored, k, row) {
    if (rv || !full || json_is_true(json_array_get(row, 5)))
      continue;
    if (!at(row, 1)) {
      rv = rd_sql_exec(c, NULL, err, "DELETE FROM rmm_orgs WHERE id = ?", "i", at(row, 0));
      removed++;
      note(changes, "removed", k, json_string_value(json_array_get(row, 6)));
    } else if (json_is_true(json_array_get(row, 4))) {
      rv = rd_sql_exec(c, NULL, err, "UPDATE rmm_orgs SET present = FALSE WHERE id = ?", "i",
                       at(row, 0));
    }
  }
  json_decref(stored);
  for (size_t n = 0; n < nnames; n++)
    rd_free(names[n].key);
  rd_free(names);
  if (rv)
    return rv;
  *report = json_pack("{s:I,s:I,s:I,s:I,s:I}", "loaded", (json_int_t)loaded, "added",
                      (json_int_t)added, "updated", (json_int_t)updated, "removed",
                      (json_int_t)removed, "proposed", (json_int_t)proposed);
  return full ? rd_audit_write(c, who, "rmm_organization", 0, "load", *report, err) : 0;
}

int rd_rmm_load_store(rd_conn *c, const rd_caller *who, json_t *orgs, json_t *changes,
                      json_t **report, rd_err *err) {
  return store_orgs(c, who, orgs, true, changes, report, err);
}

/* ---- export (RMM-3) ---- */

static int push(rd_conn *c, const char *account_id, int64_t org, rd_err *err) {
  char now[RD_TIME_LEN];
  rd_time_now(now);
  int64_t queued = 0;
  int rv = rd_sql_int64(c, &queued, err, "SELECT COUNT(*) FROM rmm_push WHERE organization_id = ?",
                        "i", org);
  if (rv >= 0 && !queued)
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO rmm_push (organization_id, account_id, queued_at) VALUES (?, ?,"
                     " ?)",
                     "itt", org, account_id, now);
  return rv < 0 ? rv : 0;
}

static int export_tx(rd_conn *c, void *arg, rd_err *err) {
  job_args *a = arg;
  size_t i;
  json_t *v;
  int rv = 0;
  json_array_foreach(a->orgs, i, v) {
    char field[48];
    snprintf(field, sizeof field, "organizations[%zu]", i);
    int64_t org = (int64_t)json_integer_value(v), own = 0, mapped = 0;
    rv = rd_sql_int64(c, &own, err,
                      "SELECT COUNT(*) FROM organizations WHERE id = ? AND account_id = ?", "it",
                      org, a->who->account_id);
    if (rv >= 0)
      rv = rd_sql_int64(c, &mapped, err,
                        "SELECT COALESCE(MAX(id), 0) FROM rmm_orgs WHERE organization_id = ?", "i",
                        org);
    if (rv >= 0 && !own)
      rv = rd_err_field(err, field, "no organization with id %lld", (long long)org);
    else if (rv >= 0 && mapped) {
      rd_err_set(err, RD_ECONFLICT, "Organization %lld is mapped to RMM organization %lld",
                 (long long)org, (long long)mapped);
      rv = rd_err_field(err, field, "is mapped already");
    }
    if (rv >= 0)
      rv = push(c, a->who->account_id, org, err);
    if (rv < 0)
      return rv;
  }
  json_t *detail = json_pack("{s:O}", "organizations", a->orgs);
  rv = rd_sync_job_queue(c, a->who, RD_RMM_EXPORT_JOB_KIND, a->worker, true, false, a->job, err);
  if (!rv)
    rv = rd_audit_write(c, a->who, "rmm_organization", 0, "export", detail, err);
  json_decref(detail);
  return rv;
}

/* A list of 1 to RD_RMM_IMPORT_MAX record ids, each given as n or {"id": n}, none twice,
 * under name in in (the only member). *ids: the ids. */
static int id_list(json_t *in, const char *name, json_t **ids, rd_err *err) {
  const char *k;
  json_t *v, *list = json_object_get(in, name);
  json_object_foreach(in, k, v) {
    if (strcmp(k, name))
      rd_err_field(err, k, "unknown field");
  }
  if (!json_is_array(list) || !json_array_size(list) ||
      json_array_size(list) > RD_RMM_IMPORT_MAX)
    rd_err_field(err, name, "must be a list of 1 to %d ids", RD_RMM_IMPORT_MAX);
  if (err && err->code)
    return err->code;
  *ids = json_array();
  size_t i;
  json_array_foreach(list, i, v) {
    char field[48];
    snprintf(field, sizeof field, "%s[%zu]", name, i);
    json_t *id = json_is_object(v) ? json_object_get(v, "id") : v;
    bool twice = false;
    size_t j;
    json_t *w;
    json_array_foreach(*ids, j, w) twice |= json_equal(w, id);
    if (!json_is_integer(id) || json_integer_value(id) <= 0)
      rd_err_field(err, field, "must be an id or {\"id\": n}");
    else if (twice)
      rd_err_field(err, field, "is named twice");
    else
      json_array_append(*ids, id);
  }
  if (err && err->code) {
    json_decref(*ids);
    *ids = NULL;
    return err->code;
  }
  return 0;
}

int rd_rmm_export_queue(rd_conn *c, const rd_caller *who, json_t *in, const char *worker,
                        int64_t *job, rd_err *err) {
  int rv = rd_rec_allow(who, &rd_rmm_org_type, RD_REC_UPDATE, err);
  json_t *ids = NULL;
  if (!rv)
    rv = id_list(in, "organizations", &ids, err);
  if (!rv)
    rv = connected(c, who->account_id, err);
  job_args a = {who, worker, job, ids, false, RD_RMM_EXPORT_JOB_KIND};
  if (!rv)
    rv = rd_with_tx(c, err, export_tx, &a);
  json_decref(ids);
  return rv;
}

int rd_rmm_push_new(rd_conn *c, const rd_caller *who, int64_t org, json_t *old, json_t *rec,
                    rd_err *err) {
  const char *source = json_string_value(json_object_get(rec, "source"));
  if (!old && source && !strcmp(source, "rmm"))
    return 0; /* it came from the RMM: mapped by its import (RMM-2) or sync (RMM-4) */
  if (old) { /* a rename of a mapped organization goes to the RMM too */
    int64_t mapped = 0;
    int got = json_equal(json_object_get(old, "name"), json_object_get(rec, "name"))
                  ? 0
                  : rd_sql_int64(c, &mapped, err,
                                 "SELECT COUNT(*) FROM rmm_orgs WHERE organization_id = ?", "i",
                                 org);
    if (got < 0 || !mapped)
      return got < 0 ? got : 0;
  }
  json_t *settings = NULL;
  int rv = rd_account_settings_shared(c, who->account_id, &settings, err);
  if (rv)
    return rv;
  json_t *rmm = json_object_get(settings, "rmm");
  bool on = json_is_true(json_object_get(rmm, "push_automatically")) &&
            json_is_string(json_object_get(rmm, "url"));
  json_decref(settings);
  if (!on)
    return 0;
  int64_t job = 0;
  rv = push(c, who->account_id, org, err);
  return rv ? rv : rd_sync_job_queue(c, who, RD_RMM_EXPORT_JOB_KIND, NULL, true, false, &job, err);
}

int rd_rmm_export_next(rd_conn *c, const char *account_id, const char *worker,
                       const char *stale_before, int64_t after, int64_t *org, json_t **out,
                       rd_err *err) {
  *out = NULL;
  char now[RD_TIME_LEN];
  rd_time_now(now);
  int rv = 0;
  for (;;) {
    rd_stmt *s = NULL;
    *org = 0;
    rv = rd_sql(c, &s, err,
                "SELECT p.organization_id, o.name, m.id, pm.rmm_id, pm.ref, m.rmm_id FROM rmm_push p"
                " JOIN organizations o ON o.id = p.organization_id"
                " LEFT JOIN rmm_orgs m ON m.organization_id = p.organization_id"
                " LEFT JOIN rmm_orgs pm ON pm.organization_id = o.parent_id"
                " WHERE p.account_id = ? AND p.organization_id > ? AND (p.claimed_by IS NULL"
                " OR p.claimed_by = ? OR p.claimed_at < ?) ORDER BY p.organization_id LIMIT 1",
                "titt", account_id, after, worker, stale_before);
    bool mapped = false;
    if (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
      *org = rd_stmt_int64(s, 0);
      mapped = !rd_stmt_null(s, 2);
      *out = json_pack("{s:I,s:s,s:s?,s:s?,s:s?}", "id", (json_int_t)*org, "name",
                       rd_stmt_text(s, 1), "parent_rmm_id", rd_stmt_text(s, 3), "parent_ref",
                       rd_stmt_text(s, 4), "rmm_id", mapped ? rd_stmt_text(s, 5) : NULL);
      rv = 0;
    } else if (rv == RD_DONE) {
      rv = 0;
    }
    if (s)
      rd_stmt_done(s);
    if (rv || !*org)
      return rv;
    int64_t claimed = 0;
    rv = rd_sql_exec(c, &claimed, err,
                     "UPDATE rmm_push SET claimed_by = ?, claimed_at = ? WHERE organization_id = ?"
                     " AND (claimed_by IS NULL OR claimed_by = ? OR claimed_at < ?)",
                     "ttitt", worker, now, *org, worker, stale_before);
    if (rv || claimed == 1)
      return rv;
    json_decref(*out); /* another job claimed it a moment ago */
    *out = NULL;
    after = *org;
  }
}

int rd_rmm_export_release(rd_conn *c, const char *worker, rd_err *err) {
  return rd_sql_exec(c, NULL, err, "UPDATE rmm_push SET claimed_by = NULL WHERE claimed_by = ?",
                     "t", worker);
}

char *rd_rmm_ref_for(const char *name, const char *parent_ref, json_t *taken) {
  rd_buf f, ref;
  rd_buf_init(&f);
  rd_buf_init(&ref);
  rd_fold(name, true, &f);
  char base[33];
  size_t n = 0;
  for (size_t i = 0; i < f.len && n < sizeof base - 1; i++)
    if ((f.data[i] >= 'a' && f.data[i] <= 'z') || (f.data[i] >= '0' && f.data[i] <= '9'))
      base[n++] = f.data[i];
  base[n] = 0;
  rd_buf_term(&f);
  for (int k = 1;; k++) {
    ref.len = 0;
    if (parent_ref)
      rd_buf_printf(&ref, "%s.", parent_ref);
    rd_buf_adds(&ref, n ? base : "org");
    if (k > 1)
      rd_buf_printf(&ref, "%d", k);
    rd_buf_add(&ref, "", 1);
    if (!json_object_get(taken, ref.data))
      break;
  }
  json_object_set_new(taken, ref.data, json_true());
  return ref.data;
}

int rd_rmm_export_done(rd_conn *c, const rd_caller *who, int64_t org, json_t *created,
                       rd_err *err) {
  json_t *list = json_array();
  json_array_append(list, created);
  json_t *report = NULL;
  /* stored as a load of this one organization would store it, then mapped */
  char idbuf[32];
  const char *rmm_id = key_text(json_object_get(created, "OrgId"), idbuf);
  int rv = rmm_id ? store_orgs(c, who, list, false, NULL, &report, err)
                  : rd_err_set(err, RD_EUNAVAIL, "The RMM created an organization without OrgId");
  json_decref(list);
  json_decref(report);
  int64_t id = 0;
  if (!rv) {
    int got = rd_sql_int64(c, &id, err, "SELECT id FROM rmm_orgs WHERE account_id = ? AND"
                                        " rmm_id = ?",
                           "tt", who->account_id, rmm_id);
    rv = got < 0 ? got : 0;
  }
  int64_t already = 0; /* a rename pushed for a mapped organization */
  if (!rv) {
    int got = rd_sql_int64(c, &already, err,
                           "SELECT COUNT(*) FROM rmm_orgs WHERE id = ? AND organization_id = ?",
                           "ii", id, org);
    rv = got < 0 ? got : 0;
  }
  if (!rv && !already) {
    json_t *set = json_pack("{s:{s:I}}", "organization", "id", (json_int_t)org);
    rv = rd_rec_update(c, who, &rd_rmm_org_type, id, set, -1, err);
    json_decref(set);
  }
  if (!rv)
    rv = rd_sql_exec(c, NULL, err, "DELETE FROM rmm_push WHERE organization_id = ?", "i", org);
  return rv;
}


int rd_rmm_job_get(rd_conn *c, const rd_caller *who, int64_t id, json_t **out, rd_err *err) {
  int rv = rd_rec_allow(who, &rd_rmm_org_type, RD_REC_READ, err);
  return rv ? rv : rd_sync_job_get(c, who, "rmm_", "RMM", id, out, err);
}

/* ---- reading ---- */

int rd_rmm_org_list(rd_conn *c, const rd_caller *who, const char *q, int mapped, int64_t after,
                    int limit, json_t **rows, bool *more, rd_err *err) {
  char where[200] = "1 = 1";
  rd_param p[1];
  int np = 0;
  char *pattern = NULL;
  if (q && *q) {
    char *key = folded(q);
    pattern = rd_like_pattern(key);
    rd_free(key);
    strcat(where, " AND t.name_key LIKE ? ESCAPE '\\'");
    p[np++] = (rd_param){.type = 't', .t = pattern};
  }
  if (mapped == 0)
    strcat(where, " AND t.organization_id IS NULL");
  else if (mapped == 1)
    strcat(where, " AND t.organization_id IS NOT NULL");
  int rv = rd_rec_read_list(c, who, &rd_rmm_org_type, where, p, np, after, limit, rows, more,
                            err);
  rd_free(pattern);
  return rv;
}

/* ---- the mapping from the organization's side ---- */

static int mapped_to(rd_conn *c, const char *account_id, int64_t org, int64_t *id, rd_err *err) {
  int rv = rd_sql_int64(c, id, err,
                        "SELECT COALESCE(MAX(id), 0) FROM rmm_orgs WHERE account_id = ? AND"
                        " organization_id = ?",
                        "ti", account_id, org);
  return rv < 0 ? rv : 0;
}

/* The caller's own organization org (404 otherwise, also for a foreign one it may see). */
static int own_org(rd_conn *c, const rd_caller *who, int64_t org, rd_err *err) {
  int64_t n = 0;
  int rv = rd_sql_int64(c, &n, err, "SELECT COUNT(*) FROM organizations WHERE id = ? AND"
                                    " account_id = ?",
                        "it", org, who->account_id);
  if (rv < 0)
    return rv;
  return n ? 0 : rd_err_set(err, RD_ENOTFOUND, "No organization with id %lld", (long long)org);
}

int rd_rmm_mapping_get(rd_conn *c, const rd_caller *who, int64_t org, json_t **out,
                       int64_t *version, rd_err *err) {
  int64_t id = 0;
  int rv = rd_rec_allow(who, &rd_rmm_org_type, RD_REC_READ, err);
  if (!rv)
    rv = own_org(c, who, org, err);
  if (!rv)
    rv = mapped_to(c, who->account_id, org, &id, err);
  if (!rv && !id)
    rv = rd_err_set(err, RD_ENOTFOUND, "Organization %lld is not mapped to an RMM organization",
                    (long long)org);
  return rv ? rv : rd_rec_read(c, who, &rd_rmm_org_type, id, out, version, err);
}

typedef struct map_args {
  const rd_caller *who;
  int64_t org, rmm;
} map_args;

static int map_tx(rd_conn *c, void *arg, rd_err *err) {
  map_args *a = arg;
  int64_t before = 0;
  int rv = own_org(c, a->who, a->org, err);
  if (!rv)
    rv = mapped_to(c, a->who->account_id, a->org, &before, err);
  if (!rv && before == a->rmm)
    return 0;
  json_t *target = NULL;
  if (!rv && a->rmm) {
    rv = rd_rec_get(c, &rd_rmm_org_type, a->who->account_id, a->rmm, &target, NULL, err);
    if (rv == RD_ENOTFOUND) {
      rd_err_clear(err);
      rv = rd_err_field(err, "rmm_organization", "no RMM organization with id %lld",
                        (long long)a->rmm);
    } else if (!rv && ref_id(target, "organization")) {
      rd_err_set(err, RD_ECONFLICT, "RMM organization %lld is mapped to organization %lld",
                 (long long)a->rmm, (long long)ref_id(target, "organization"));
      rv = rd_err_field(err, "rmm_organization", "is mapped to another organization");
    }
  }
  json_decref(target);
  json_t *none = json_pack("{s:n}", "organization");
  if (!rv && before) /* one RMM organization per organization: the old mapping goes */
    rv = rd_rec_update(c, a->who, &rd_rmm_org_type, before, none, -1, err);
  json_decref(none);
  if (!rv && a->rmm) {
    json_t *set = json_pack("{s:{s:I}}", "organization", "id", (json_int_t)a->org);
    rv = rd_rec_update(c, a->who, &rd_rmm_org_type, a->rmm, set, -1, err);
    json_decref(set);
  }
  return rv;
}

int rd_rmm_mapping_put(rd_conn *c, const rd_caller *who, int64_t org, json_t *in, rd_err *err) {
  int rv = rd_rec_allow(who, &rd_rmm_org_type, RD_REC_UPDATE, err);
  if (rv)
    return rv;
  const char *k;
  json_t *v;
  json_object_foreach(in, k, v) {
    if (strcmp(k, "rmm_organization"))
      rd_err_field(err, k, "unknown field");
  }
  int64_t rmm = ref_id(in, "rmm_organization");
  if (!(err && err->code) && rmm <= 0)
    rd_err_field(err, "rmm_organization", "is required: {\"id\": n} of an RMM organization");
  if (err && err->code)
    return err->code;
  map_args a = {who, org, rmm};
  return rd_with_tx(c, err, map_tx, &a);
}

int rd_rmm_mapping_delete(rd_conn *c, const rd_caller *who, int64_t org, rd_err *err) {
  json_t *rec = NULL;
  int rv = rd_rmm_mapping_get(c, who, org, &rec, NULL, err);
  json_decref(rec);
  if (rv)
    return rv;
  map_args a = {who, org, 0};
  return rd_with_tx(c, err, map_tx, &a);
}

/* ---- import (RMM-2) ---- */

/* The organization an RMM organization becomes: its name, and what of its contact
 * information fits the organization's contact (a phone, an email address, a website). */
static json_t *org_from_rmm(json_t *data) {
  json_t *in = json_pack("{s:O}", "name", json_object_get(data, "OrgName"));
  json_t *ci = json_object_get(data, "ContactInfo"), *contact = json_object();
  const char *phone = json_string_value(json_object_get(ci, "PrimaryPhone"));
  const char *email = json_string_value(json_object_get(ci, "PrimaryEmail"));
  const char *web = json_string_value(json_object_get(data, "Website"));
  if (phone && *phone)
    json_object_set_new(contact, "telephones",
                        json_pack("[{s:s,s:s}]", "label", "work", "number", phone));
  if (email && *email)
    json_object_set_new(contact, "email_addresses",
                        json_pack("[{s:s,s:s}]", "label", "work", "address", email));
  if (web && *web)
    json_object_set_new(contact, "websites", json_pack("[{s:s,s:s}]", "label", "work", "url", web));
  if (json_object_size(contact))
    json_object_set(in, "contact", contact);
  json_decref(contact);
  return in;
}

typedef struct import_args {
  const rd_caller *who;
  json_t *ids, *out;
} import_args;

int rd_rmm_import_one(rd_conn *c, const rd_caller *who, int64_t rmm, const char *field,
                      int64_t *org, rd_err *err) {
  json_t *in = NULL;
  char *data = NULL;
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err,
                  "SELECT data, rmm_id, COALESCE(organization_id, 0) FROM rmm_orgs WHERE id = ? AND"
                  " account_id = ?",
                  "it", rmm, who->account_id);
  int64_t mapped = 0;
  char rmm_key[64] = "";
  if (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    data = rd_strdup(rd_stmt_text(s, 0));
    snprintf(rmm_key, sizeof rmm_key, "%s", rd_stmt_text(s, 1));
    mapped = rd_stmt_int64(s, 2);
    rv = 0;
  } else if (rv == RD_DONE) {
    rv = rd_err_field(err, field, "no RMM organization with id %lld", (long long)rmm);
  }
  if (s)
    rd_stmt_done(s);
  if (!rv && mapped) {
    rd_err_set(err, RD_ECONFLICT, "RMM organization %lld is mapped to organization %lld",
               (long long)rmm, (long long)mapped);
    rv = rd_err_field(err, field, "is mapped already");
  }
  json_t *parsed = data ? json_loads(data, 0, NULL) : NULL;
  rd_free(data);
  if (!rv) {
    in = org_from_rmm(parsed);
    rd_err oerr;
    rd_err_clear(&oerr);
    rv = rd_rec_check(&rd_org_type, in, true, NULL, &oerr);
    if (!rv) {
      json_object_set_new(in, "source", json_string("rmm"));
      json_object_set_new(in, "source_id", json_string(rmm_key));
      rv = rd_rec_create(c, who, &rd_org_type, in, org, &oerr);
    }
    if (rv) /* the organization's own error, named after the RMM organization */
      rv = rd_err_field(err, field, "cannot become an organization: %s",
                        oerr.nitems ? oerr.items[0].message : oerr.message);
  }
  json_decref(parsed);
  json_decref(in);
  if (!rv) {
    json_t *set = json_pack("{s:{s:I}}", "organization", "id", (json_int_t)*org);
    rv = rd_rec_update(c, who, &rd_rmm_org_type, rmm, set, -1, err);
    json_decref(set);
  }
  return rv;
}

static int import_tx(rd_conn *c, void *arg, rd_err *err) {
  import_args *a = arg;
  size_t i;
  json_t *v;
  int rv = 0;
  json_array_foreach(a->ids, i, v) {
    char field[48];
    snprintf(field, sizeof field, "rmm_organizations[%zu]", i);
    int64_t rmm = (int64_t)json_integer_value(v), org = 0;
    json_t *rec = NULL;
    rv = rd_rmm_import_one(c, a->who, rmm, field, &org, err);
    if (!rv)
      rv = rd_rec_get(c, &rd_rmm_org_type, a->who->account_id, rmm, &rec, NULL, err);
    if (!rv)
      json_array_append(a->out, rec);
    json_decref(rec);
    if (rv)
      break;
  }
  return rv;
}

int rd_rmm_import(rd_conn *c, const rd_caller *who, json_t *in, json_t **out, rd_err *err) {
  int rv = rd_rec_allow(who, &rd_rmm_org_type, RD_REC_UPDATE, err);
  if (!rv)
    rv = rd_rec_allow(who, &rd_org_type, RD_REC_CREATE, err);
  if (rv)
    return rv;
  json_t *ids = NULL;
  rv = id_list(in, "rmm_organizations", &ids, err);
  if (rv)
    return rv;
  import_args a = {who, ids, json_array()};
  rv = rd_with_tx(c, err, import_tx, &a);
  json_decref(ids);
  if (rv)
    json_decref(a.out);
  else
    *out = a.out;
  return rv;
}

int rd_rmm_unmapped(rd_conn *c, const char *account, bool rmm, json_t **out, rd_err *err) {
  rd_stmt *s = NULL;
  *out = json_array();
  int rv = rd_sql(c, &s, err,
                  rmm ? "SELECT id FROM rmm_orgs WHERE account_id = ? AND organization_id IS NULL"
                        " ORDER BY id"
                      : "SELECT o.id FROM organizations o WHERE o.account_id = ? AND NOT EXISTS"
                        " (SELECT 1 FROM rmm_orgs m WHERE m.organization_id = o.id) ORDER BY o.id",
                  "t", account);
  while (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    rv = 0;
    json_array_append_new(*out, json_integer(rd_stmt_int64(s, 0)));
  }
  if (s)
    rd_stmt_done(s);
  return rv < 0 ? rv : 0;
}
