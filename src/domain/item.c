/* Items (CUST-7): see item.h. A record type of the engine (record.h); this file adds who sees
 * which item (scope), the organization rule of location and department, the owners and the
 * people an item is shared with (item_people), and the person's view of its items. The
 * export is in item_export.c. */
#include "domain/item.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "domain/custom_field.h"

#define STAFF RD_ROLES_STAFF

const char *const rd_item_statuses[] = {"in_use", "in_stock", "in_repair", "retired", NULL};

static int64_t ref_id(json_t *rec, const char *field) {
  return (int64_t)json_integer_value(json_object_get(json_object_get(rec, field), "id"));
}

/* ---- who sees an item ---- */

/* The condition over alias t that holds for the items who sees, its parameter (at most one)
 * appended to p. The one rule of item visibility: lists, reads, exports. */
static const char *scope(const rd_caller *who, rd_param *p, int *n) {
  if (rd_caller_has(who, STAFF))
    return "1 = 1";
  if (!rd_caller_has(who, RD_ROLE_CUSTOMER))
    return "1 = 0";
  /* CUST-7: a customer sees the items it owns and those shared with it. */
  p[(*n)++] = (rd_param){.type = 'i', .i = who->person_id};
  return "t.id IN (SELECT x.item_id FROM item_people x WHERE x.person_id = ?)";
}

void rd_item_where(const rd_caller *who, const rd_item_filter *f, rd_buf *where, rd_param *p,
                   int *n, char **pattern) {
  *pattern = NULL;
  rd_buf_adds(where, scope(who, p, n));
#define ID_FILTER(value, cond)                                                                \
  if (value) {                                                                                \
    rd_buf_adds(where, " AND " cond);                                                         \
    p[(*n)++] = (rd_param){.type = 'i', .i = (value)};                                        \
  }
  ID_FILTER(f->organization, "t.organization_id = ?")
  ID_FILTER(f->location, "t.location_id = ?")
  ID_FILTER(f->department, "t.department_id = ?")
  ID_FILTER(f->person, "t.id IN (SELECT y.item_id FROM item_people y WHERE y.person_id = ?)")
#undef ID_FILTER
  if (f->category) {
    rd_buf_adds(where, " AND t.category = ?");
    p[(*n)++] = (rd_param){.type = 't', .t = f->category};
  }
  if (f->status) {
    rd_buf_adds(where, " AND t.status = ?");
    p[(*n)++] = (rd_param){.type = 't', .t = f->status};
  }
  if (f->q) {
    /* A substring of number, name or serial; %, _ and \ in the input are literal. */
    *pattern = rd_like_pattern(f->q);
    rd_buf_adds(where, " AND (LOWER(t.number) LIKE LOWER(?) ESCAPE '\\' OR LOWER(t.name) LIKE"
                       " LOWER(?) ESCAPE '\\' OR LOWER(t.serial) LIKE LOWER(?) ESCAPE '\\')");
    for (int i = 0; i < 3; i++)
      p[(*n)++] = (rd_param){.type = 't', .t = *pattern};
  }
  assert(*n <= RD_ITEM_PARAMS_MAX);
}

/* 404 unless item id of the caller's account is one it sees. */
static int visible(rd_conn *c, const rd_caller *who, int64_t id, rd_err *err) {
  rd_param p[1];
  int n = 0;
  const char *cond = scope(who, p, &n);
  return rd_rec_in_scope(c, &rd_item_type, who->account_id, id, cond, p, n, err);
}

/* ---- owners and people shared with ---- */

static int cmp_id(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* The person ids of field (an array of {"id"}; null or absent: none) into ids (room for
 * RD_ITEM_PEOPLE_MAX), sorted; the field is rewritten as [{"id"}...] in that order. Shape
 * errors are collected into err. */
static int people_of(json_t *rec, const char *field, int64_t *ids, int *n, rd_err *err) {
  *n = 0;
  json_t *v = json_object_get(rec, field);
  if (!v || json_is_null(v)) {
    json_object_set_new(rec, field, json_array());
    return 0;
  }
  if (!json_is_array(v))
    return rd_err_field(err, field, "must be an array of people ({\"id\": n})");
  if (json_array_size(v) > RD_ITEM_PEOPLE_MAX)
    return rd_err_field(err, field, "holds at most %d people", RD_ITEM_PEOPLE_MAX);
  size_t i;
  json_t *e;
  json_array_foreach(v, i, e) {
    json_t *id = json_object_get(e, "id");
    char path[RD_ERR_FIELD_MAX];
    snprintf(path, sizeof path, "%s[%zu]", field, i);
    if (!json_is_integer(id) || json_integer_value(id) < 1)
      rd_err_field(err, path, "must be {\"id\": n} naming a person");
    else
      ids[(*n)++] = (int64_t)json_integer_value(id);
  }
  qsort(ids, (size_t)*n, sizeof *ids, cmp_id);
  for (int k = 1; k < *n; k++)
    if (ids[k] == ids[k - 1])
      rd_err_field(err, field, "names person %lld twice", (long long)ids[k]);
  json_t *norm = json_array();
  for (int k = 0; k < *n; k++)
    json_array_append_new(norm, json_pack("{s:I}", "id", (json_int_t)ids[k]));
  json_object_set_new(rec, field, norm);
  return err && err->code ? err->code : 0;
}

static bool has_id(const int64_t *ids, int n, int64_t id) {
  for (int i = 0; i < n; i++)
    if (ids[i] == id)
      return true;
  return false;
}

/* Every person newly named in field is a person of the account, not deleted (one named
 * before may have been deleted since: the item keeps it). */
static int check_people(rd_conn *c, const rd_caller *who, const char *field, const int64_t *ids,
                        int n, json_t *old, rd_err *err) {
  json_t *was = old ? json_object_get(old, field) : NULL;
  for (int i = 0; i < n; i++) {
    bool known = false;
    size_t k;
    json_t *e;
    json_array_foreach(was, k, e) known |= json_integer_value(json_object_get(e, "id")) == ids[i];
    if (known)
      continue;
    int64_t found = 0;
    int rv = rd_sql_int64(c, &found, err,
                          "SELECT COUNT(*) FROM people WHERE id = ? AND account_id = ? AND NOT"
                          " deleted",
                          "it", ids[i], who->account_id);
    if (rv < 0)
      return rv;
    if (!found)
      rd_err_field(err, field, "person %lld is not a person of this account", (long long)ids[i]);
  }
  return 0;
}

/* ---- the rules of an item ---- */

/* A location or department (field, in table) must be one of the item's organization. */
static int check_part(rd_conn *c, const rd_caller *who, json_t *rec, const char *field,
                      const char *table, rd_err *err) {
  int64_t id = ref_id(rec, field), org = ref_id(rec, "organization");
  if (!id)
    return 0;
  if (!org)
    return rd_err_field(err, field, "needs the item's organization");
  char sql[160];
  snprintf(sql, sizeof sql,
           "SELECT COUNT(*) FROM %s WHERE id = ? AND account_id = ? AND organization_id = ?",
           table);
  int64_t n = 0;
  int rv = rd_sql_int64(c, &n, err, sql, "iti", id, who->account_id, org);
  if (rv < 0)
    return rv;
  if (!n)
    rd_err_field(err, field, "must be a %s of the item's organization", field);
  return 0;
}

static bool in_list(const char *s, const char *const *list) {
  for (; s && *list; list++)
    if (!strcmp(s, *list))
      return true;
  return false;
}

static int validate(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                    json_t *old, json_t *rec, rd_err *err) {
  (void)t;
  if (!in_list(json_string_value(json_object_get(rec, "status")), rd_item_statuses))
    rd_err_field(err, "status", "must be in_use, in_stock, in_repair or retired");
  int64_t owners[RD_ITEM_PEOPLE_MAX], shared[RD_ITEM_PEOPLE_MAX];
  int nowners = 0, nshared = 0;
  people_of(rec, "owners", owners, &nowners, err);
  people_of(rec, "shared_with", shared, &nshared, err);
  for (int i = 0; i < nshared; i++)
    if (has_id(owners, nowners, shared[i]))
      rd_err_field(err, "shared_with", "person %lld owns the item already", (long long)shared[i]);
  int rv = check_people(c, who, "owners", owners, nowners, old, err);
  if (!rv)
    rv = check_people(c, who, "shared_with", shared, nshared, old, err);
  if (!rv)
    rv = check_part(c, who, rec, "location", "locations", err);
  if (!rv)
    rv = check_part(c, who, rec, "department", "departments", err);
  json_t *cf = json_object_get(rec, "custom_fields");
  if (!rv && (!cf || json_is_null(cf))) {
    cf = json_object();
    json_object_set_new(rec, "custom_fields", cf);
  }
  if (!rv)
    rv = rd_custom_values_check(c, who->account_id, "item",
                                old ? json_object_get(old, "custom_fields") : NULL, cf, err);
  if (rv && rv != RD_EINVAL)
    return rv;
  if (err && err->code)
    return err->code;
  /* The number is unique in the account: 409 naming it. */
  int64_t taken = 0;
  rv = rd_sql_int64(c, &taken, err,
                    "SELECT COUNT(*) FROM items WHERE account_id = ? AND number = ? AND id <> ?",
                    "tti", who->account_id, json_string_value(json_object_get(rec, "number")), id);
  if (rv < 0)
    return rv;
  if (taken) {
    rd_err_set(err, RD_ECONFLICT, "The account has an item with that number already");
    return rd_err_field(err, "number", "is in use by another item");
  }
  return 0;
}

/* The ids of a people field of a record as a JSON array of integers (new reference). */
static json_t *id_list(json_t *rec, const char *field) {
  json_t *out = json_array();
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(rec, field), i, e)
      json_array_append_new(out, json_integer(json_integer_value(json_object_get(e, "id"))));
  return out;
}

/* Writes item id's item_people rows from rec when they changed, with an audit row
 * "set_people" of the old and new sets (the engine audits stored columns only). */
static int store_people(rd_conn *c, const rd_caller *who, int64_t id, json_t *old, json_t *rec,
                        rd_err *err) {
  static const char *const FIELDS[] = {"owners", "shared_with"};
  static const char *const RELATION[] = {"owner", "shared"};
  json_t *changes = json_object();
  for (int f = 0; f < 2; f++) {
    json_t *a = old ? id_list(old, FIELDS[f]) : json_array(), *b = id_list(rec, FIELDS[f]);
    if (!json_equal(a, b))
      json_object_set_new(changes, FIELDS[f], json_pack("{s:o,s:o}", "old", a, "new", b));
    else
      json_decref(a), json_decref(b);
  }
  int rv = 0;
  if (!json_object_size(changes))
    goto out;
  if (old)
    rv = rd_sql_exec(c, NULL, err, "DELETE FROM item_people WHERE item_id = ?", "i", id);
  for (int f = 0; f < 2 && !rv; f++) {
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(rec, FIELDS[f]), i, e) {
      if (rv)
        break;
      rv = rd_sql_exec(c, NULL, err,
                       "INSERT INTO item_people (account_id, item_id, person_id, relation) VALUES"
                       " (?, ?, ?, ?)",
                       "tiit", who->account_id, id,
                       (int64_t)json_integer_value(json_object_get(e, "id")), RELATION[f]);
    }
  }
  if (!rv)
    rv = rd_audit_write(c, who, "item", id, "set_people", changes, err);
out:
  json_decref(changes);
  return rv;
}

static int after_write(rd_conn *c, const rd_caller *who, int64_t id, json_t *old, json_t *rec,
                       rd_err *err) {
  int rv = store_people(c, who, id, old, rec, err);
  json_t *cf = json_object_get(rec, "custom_fields");
  if (!rv && !(old ? json_equal(json_object_get(old, "custom_fields"), cf)
                   : json_object_size(cf) == 0))
    rv = rd_custom_values_store(c, who->account_id, id, cf, err);
  return rv;
}

/* owners and shared_with from item_people: [{"id", "name"}] in id order. */
static int decorate(rd_conn *c, json_t *rec, rd_err *err) {
  json_t *owners = json_array(), *shared = json_array();
  json_object_set_new(rec, "owners", owners);
  json_object_set_new(rec, "shared_with", shared);
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err,
                  "SELECT x.person_id, x.relation, p.first_name || ' ' || p.last_name FROM"
                  " item_people x JOIN people p ON p.id = x.person_id WHERE x.item_id = ?"
                  " ORDER BY x.person_id",
                  "i", (int64_t)json_integer_value(json_object_get(rec, "id")));
  while (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    rv = 0;
    json_array_append_new(strcmp(rd_stmt_text(s, 1), "owner") ? shared : owners,
                          json_pack("{s:I,s:s}", "id", (json_int_t)rd_stmt_int64(s, 0), "name",
                                    rd_stmt_text(s, 2)));
  }
  if (s)
    rd_stmt_done(s);
  return rv < 0 ? rv : 0;
}

/* Contracts and requests keep their item: an item something refers to is not deleted
 * (retire it: status "retired"). Its own rows go with it. */
static int before_delete(rd_conn *c, const rd_caller *who, int64_t id, json_t *old,
                         rd_err *err) {
  (void)old;
  static const char *const REFERRERS[][2] = {{"contracts", "contracts"},
                                             {"requests", "requests"}};
  for (int i = 0; i < 2; i++) {
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE item_id = ?", REFERRERS[i][0]);
    int64_t n = 0;
    int rv = rd_sql_int64(c, &n, err, sql, "i", id);
    if (rv < 0)
      return rv;
    if (n)
      return rd_err_set(err, RD_ECONFLICT,
                        "%lld %s still refer to the item; retire it (status retired) instead",
                        (long long)n, REFERRERS[i][1]);
  }
  int rv = rd_sql_exec(c, NULL, err, "DELETE FROM item_people WHERE item_id = ?", "i", id);
  if (!rv)
    rv = rd_sql_exec(c, NULL, err,
                     "DELETE FROM custom_values WHERE account_id = ? AND record_id = ?", "ti",
                     who->account_id, id);
  return rv;
}

static const rd_field FIELDS[] = {
    {.name = "number", .column = "number", .type = RD_FT_TEXT, .flags = RD_FF_REQUIRED | RD_FF_NOTNULL, .max_len = RD_ITEM_NUMBER_MAX},
    {.name = "name", .column = "name", .type = RD_FT_TEXT, .flags = RD_FF_REQUIRED | RD_FF_NOTNULL, .max_len = RD_ITEM_NAME_MAX},
    {.name = "category", .column = "category", .type = RD_FT_TEXT, .max_len = 64},
    {.name = "status", .column = "status", .type = RD_FT_TEXT, .flags = RD_FF_NOTNULL, .def = "\"in_use\""},
    {.name = "serial", .column = "serial", .type = RD_FT_TEXT, .max_len = 128},
    {.name = "organization", .column = "organization_id", .type = RD_FT_REF, .ref_table = "organizations", .ref_name_sql = "r.name"},
    {.name = "location", .column = "location_id", .type = RD_FT_REF, .flags = RD_FF_REFHOOK, .ref_table = "locations", .ref_name_sql = "r.name"},
    {.name = "department", .column = "department_id", .type = RD_FT_REF, .flags = RD_FF_REFHOOK, .ref_table = "departments", .ref_name_sql = "r.name"},
    /* item_people, written by after_write, read by decorate */
    {.name = "owners", .type = RD_FT_JSON, .def = "[]"},
    {.name = "shared_with", .type = RD_FT_JSON, .def = "[]"},
    {.name = "custom_fields", .column = "custom_fields", .type = RD_FT_JSON, .def = "{}"},
    {.name = "notes", .column = "notes", .type = RD_FT_TEXT, .flags = RD_FF_MULTILINE, .max_len = 65536},
    {.name = "source", .column = "source", .type = RD_FT_TEXT, .flags = RD_FF_READONLY, .def = "\"manual\""},
    {.name = "source_id", .column = "source_id", .type = RD_FT_TEXT, .flags = RD_FF_READONLY},
};

const rd_rtype rd_item_type = {
    .name = "item",
    .table = "items",
    .fields = FIELDS,
    .nfields = sizeof FIELDS / sizeof *FIELDS,
    .validate = validate,
    .after_write = after_write,
    .decorate = decorate,
    .before_delete = before_delete,
    .read_roles = STAFF | RD_ROLE_CUSTOMER,
    .write_roles = STAFF,
    .denied = "Only the service desk's staff may %s items",
};

/* ---- the entry points ---- */

int rd_item_get(rd_conn *c, const rd_caller *who, int64_t id, json_t **out, int64_t *version,
                rd_err *err) {
  int rv = rd_rec_allow(who, &rd_item_type, RD_REC_READ, err);
  if (!rv)
    rv = visible(c, who, id, err);
  return rv ? rv : rd_rec_get(c, &rd_item_type, who->account_id, id, out, version, err);
}

int rd_item_list_text(rd_conn *c, const rd_caller *who, const rd_item_filter *f, int64_t after,
                      int limit, rd_buf *out, int64_t *last_id, bool *more, rd_err *err) {
  rd_param p[RD_ITEM_PARAMS_MAX];
  int n = 0;
  char *pattern = NULL;
  rd_buf where;
  rd_buf_init(&where);
  rd_item_where(who, f, &where, p, &n, &pattern);
  rd_list_q q = {.account_id = who->account_id, .where = rd_buf_cstr(&where), .p = p, .np = n,
                 .after = after, .limit = limit};
  int rv = rd_rec_read_list_text(c, who, &rd_item_type, &q, out, last_id, more, err);
  rd_buf_term(&where);
  rd_free(pattern);
  return rv;
}

int rd_item_of_person(rd_conn *c, const rd_caller *who, int64_t person, int64_t after, int limit,
                      json_t **rows, bool *more, rd_err *err) {
  int rv = rd_rec_allow(who, &rd_item_type, RD_REC_READ, err);
  if (rv)
    return rv;
  int64_t found = 0;
  /* CUST-7: a customer asks about itself only; staff about anyone of the account. */
  if (rd_caller_has(who, STAFF) || person == who->person_id)
    rv = rd_sql_int64(c, &found, err, "SELECT COUNT(*) FROM people WHERE id = ? AND account_id = ?",
                      "it", person, who->account_id);
  if (rv < 0)
    return rv;
  if (!found)
    return rd_err_set(err, RD_ENOTFOUND, "No person with id %lld", (long long)person);
  rd_param p[1] = {{.type = 'i', .i = person}};
  rv = rd_rec_list_by(c, &rd_item_type, who->account_id,
                      " JOIN item_people x ON x.item_id = t.id", NULL, 0, "x.item_id",
                      "x.person_id = ?", p, 1, after, limit, rows, more, err);
  if (rv)
    return rv;
  size_t i;
  json_t *rec;
  json_array_foreach(*rows, i, rec) {
    bool owner = false;
    size_t k;
    json_t *e;
    json_array_foreach(json_object_get(rec, "owners"), k, e) owner |=
        json_integer_value(json_object_get(e, "id")) == person;
    json_object_set_new(rec, "relation", json_string(owner ? "owner" : "shared"));
  }
  return 0;
}
