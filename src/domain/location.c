/* Locations and departments of an organization (ORG-5): see location.h. Field tables and
 * hooks for the engine; the organization in the path is checked here, once, for every
 * entry point. */
#include "domain/location.h"

#include <stdio.h>
#include <string.h>

#include "domain/validate.h"

#define ORG_WRITERS                                                                           \
  (RD_ROLE_ACCOUNT_ADMINISTRATOR | RD_ROLE_SUPERVISOR | RD_ROLE_SERVICE_LEVEL_MANAGER)
#define PERSON_NAME "r.first_name || ' ' || r.last_name"

static int64_t ref_id(json_t *rec, const char *field) {
  return (int64_t)json_integer_value(json_object_get(json_object_get(rec, field), "id"));
}

/* 404 unless org is an organization of the caller's account. */
static int org_of_account(rd_conn *c, const rd_caller *who, int64_t org, rd_err *err) {
  int64_t n = 0;
  int rv = rd_sql_int64(c, &n, err, "SELECT COUNT(*) FROM organizations WHERE id = ? AND"
                                    " account_id = ?",
                        "it", org, who->account_id);
  if (rv < 0)
    return rv;
  return n ? 0 : rd_err_set(err, RD_ENOTFOUND, "No organization with id %lld", (long long)org);
}

/* The name is unique in the organization, whatever its case: 409 naming it. */
static int unique_name(rd_conn *c, const rd_rtype *t, int64_t id, json_t *rec, rd_err *err) {
  char sql[160];
  snprintf(sql, sizeof sql,
           "SELECT COUNT(*) FROM %s WHERE organization_id = ? AND lower(name) = lower(?) AND"
           " id <> ?",
           t->table);
  int64_t n = 0;
  int rv = rd_sql_int64(c, &n, err, sql, "iti", ref_id(rec, "organization"),
                        json_string_value(json_object_get(rec, "name")), id);
  if (rv < 0)
    return rv;
  if (!n)
    return 0;
  rd_err_set(err, RD_ECONFLICT, "The organization has a %s of that name already", t->name);
  return rd_err_field(err, "name", "is in use by another %s of the organization", t->name);
}

static int validate_location(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                             json_t *old, json_t *rec, rd_err *err) {
  (void)who;
  const char *country = json_string_value(json_object_get(rec, "country"));
  char code[3];
  if (country && rd_country_code(country, code))
    json_object_set_new(rec, "country", json_string(code));
  else if (country)
    rd_err_field(err, "country", "unknown country '%.64s' (ISO 3166 code or name)", country);
  if (!old) { /* an organization's first location is its main location */
    int64_t n = 0;
    int rv = rd_sql_int64(c, &n, err, "SELECT COUNT(*) FROM locations WHERE organization_id = ?",
                          "i", ref_id(rec, "organization"));
    if (rv < 0)
      return rv;
    if (!n)
      json_object_set_new(rec, "main", json_true());
  }
  int rv = err && err->code ? err->code : 0;
  return rv ? rv : unique_name(c, t, id, rec, err);
}

/* The main flag moves: a location made main takes it from the one that had it. */
static int after_write_location(rd_conn *c, const rd_caller *who, int64_t id, json_t *old,
                                json_t *rec, rd_err *err) {
  if (!json_is_true(json_object_get(rec, "main")) ||
      (old && json_is_true(json_object_get(old, "main"))))
    return 0;
  int64_t other = 0;
  int rv = rd_sql_int64(c, &other, err,
                        "SELECT id FROM locations WHERE organization_id = ? AND main AND id <> ?",
                        "ii", ref_id(rec, "organization"), id);
  if (rv <= 0)
    return rv;
  json_t *patch = json_pack("{s:b}", "main", false);
  rv = rd_rec_update(c, who, &rd_location_type, other, patch, -1, err);
  json_decref(patch);
  return rv;
}

/* Tables whose rows name a location or department, for the 409 of a delete: what they
 * are and the column that names one of them in the message. */
typedef struct referrer {
  const char *table, *column, *what, *label;
} referrer;
static const referrer LOCATION_REFERRERS[] = {{"items", "location_id", "items", "number"},
                                              {NULL, NULL, NULL, NULL}};
static const referrer DEPARTMENT_REFERRERS[] = {{"items", "department_id", "items", "number"},
                                                {NULL, NULL, NULL, NULL}};

static int referenced(rd_conn *c, const referrer *r, int64_t id, rd_err *err) {
  for (; r->table; r++) {
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE %s = ?", r->table, r->column);
    int64_t n = 0;
    int rv = rd_sql_int64(c, &n, err, sql, "i", id);
    if (rv < 0)
      return rv;
    if (!n)
      continue;
    /* CUST-7: the 409 names the first of them (items by number). */
    snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE %s = ? ORDER BY id LIMIT 1", r->label,
             r->table, r->column);
    rd_stmt *s = NULL;
    rv = rd_sql(c, &s, err, sql, "i", id);
    if (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW)
      rv = rd_err_set(err, RD_ECONFLICT, "%lld %s still refer to it (first: %s); change them first",
                      (long long)n, r->what, rd_stmt_text(s, 0));
    if (s)
      rd_stmt_done(s);
    return rv < 0 ? rv : rd_err_set(err, RD_ECONFLICT, "%lld %s still refer to it", (long long)n,
                                    r->what);
  }
  return 0;
}

static int before_delete_location(rd_conn *c, const rd_caller *who, int64_t id, json_t *old,
                                  rd_err *err) {
  (void)who;
  if (json_is_true(json_object_get(old, "main"))) {
    int64_t n = 0;
    int rv = rd_sql_int64(c, &n, err,
                          "SELECT COUNT(*) FROM locations WHERE organization_id = ? AND id <> ?",
                          "ii", ref_id(old, "organization"), id);
    if (rv < 0)
      return rv;
    if (n)
      return rd_err_set(err, RD_ECONFLICT,
                        "This is the organization's main location; make another location main"
                        " first");
  }
  return referenced(c, LOCATION_REFERRERS, id, err);
}

static int validate_department(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                               json_t *old, json_t *rec, rd_err *err) {
  int64_t contact = ref_id(rec, "primary_contact");
  if (contact && contact != (old ? ref_id(old, "primary_contact") : 0)) {
    int64_t n = 0;
    int rv = rd_sql_int64(c, &n, err,
                          "SELECT COUNT(*) FROM people WHERE id = ? AND account_id = ? AND NOT"
                          " deleted",
                          "it", contact, who->account_id);
    if (rv < 0)
      return rv;
    if (!n)
      return rd_err_field(err, "primary_contact", "must be a person of this account");
  }
  return unique_name(c, t, id, rec, err);
}

static int before_delete_department(rd_conn *c, const rd_caller *who, int64_t id, json_t *old,
                                    rd_err *err) {
  (void)who, (void)old;
  return referenced(c, DEPARTMENT_REFERRERS, id, err);
}

static const rd_field LOCATION_FIELDS[] = {
    {.name = "name", .column = "name", .type = RD_FT_TEXT, .flags = RD_FF_REQUIRED | RD_FF_NOTNULL, .max_len = RD_LOCATION_NAME_MAX},
    {.name = "organization", .column = "organization_id", .type = RD_FT_REF, .flags = RD_FF_READONLY, .ref_table = "organizations", .ref_name_sql = "r.name"},
    {.name = "main", .column = "main", .type = RD_FT_BOOL, .flags = RD_FF_NOTNULL, .def = "false"},
    {.name = "address_1", .column = "address_1", .type = RD_FT_TEXT, .max_len = 128},
    {.name = "address_2", .column = "address_2", .type = RD_FT_TEXT, .max_len = 128},
    {.name = "city", .column = "city", .type = RD_FT_TEXT, .max_len = 64},
    {.name = "state", .column = "state", .type = RD_FT_TEXT, .max_len = 32},
    {.name = "postcode", .column = "postcode", .type = RD_FT_TEXT, .max_len = 20},
    {.name = "country", .column = "country", .type = RD_FT_TEXT, .max_len = 64},
    {.name = "phone", .column = "phone", .type = RD_FT_TEXT, .max_len = 20},
    {.name = "notes", .column = "notes", .type = RD_FT_TEXT, .flags = RD_FF_MULTILINE, .max_len = 65536},
};

const rd_rtype rd_location_type = {
    .name = "location",
    .table = "locations",
    .fields = LOCATION_FIELDS,
    .nfields = sizeof LOCATION_FIELDS / sizeof *LOCATION_FIELDS,
    .validate = validate_location,
    .after_write = after_write_location,
    .before_delete = before_delete_location,
    .read_roles = RD_ROLES_STAFF,
    .write_roles = ORG_WRITERS,
};

static const rd_field DEPARTMENT_FIELDS[] = {
    {.name = "name", .column = "name", .type = RD_FT_TEXT, .flags = RD_FF_REQUIRED | RD_FF_NOTNULL, .max_len = RD_LOCATION_NAME_MAX},
    {.name = "organization", .column = "organization_id", .type = RD_FT_REF, .flags = RD_FF_READONLY, .ref_table = "organizations", .ref_name_sql = "r.name"},
    {.name = "primary_contact", .column = "primary_contact_id", .type = RD_FT_REF, .flags = RD_FF_REFHOOK, .ref_table = "people", .ref_name_sql = PERSON_NAME},
    {.name = "notes", .column = "notes", .type = RD_FT_TEXT, .flags = RD_FF_MULTILINE, .max_len = 65536},
};

const rd_rtype rd_department_type = {
    .name = "department",
    .table = "departments",
    .fields = DEPARTMENT_FIELDS,
    .nfields = sizeof DEPARTMENT_FIELDS / sizeof *DEPARTMENT_FIELDS,
    .validate = validate_department,
    .before_delete = before_delete_department,
    .read_roles = RD_ROLES_STAFF,
    .write_roles = ORG_WRITERS,
};

/* ---- the entry points: the organization of the path first ---- */

int rd_org_part_list_text(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t org,
                          int64_t after, int limit, rd_buf *out, int64_t *last_id, bool *more,
                          rd_err *err) {
  int rv = rd_rec_allow(who, t, RD_REC_READ, err);
  if (!rv)
    rv = org_of_account(c, who, org, err);
  if (rv)
    return rv;
  rd_param p[1] = {{.type = 'i', .i = org}};
  rd_list_q q = {.account_id = who->account_id, .where = "t.organization_id = ?", .p = p,
                 .np = 1, .after = after, .limit = limit};
  return rd_rec_read_list_text(c, who, t, &q, out, last_id, more, err);
}

int rd_org_part_get(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t org, int64_t id,
                    json_t **out, int64_t *version, rd_err *err) {
  json_t *rec = NULL;
  int rv = rd_rec_read(c, who, t, id, &rec, version, err);
  if (!rv && ref_id(rec, "organization") != org) {
    json_decref(rec);
    return rd_err_set(err, RD_ENOTFOUND, "No %s with id %lld in organization %lld", t->name,
                      (long long)id, (long long)org);
  }
  if (!rv)
    *out = rec;
  return rv;
}

typedef struct part_args {
  const rd_caller *who;
  const rd_rtype *t;
  int64_t org;
  json_t *in;
  int64_t *id;
} part_args;

static int create_tx(rd_conn *c, void *arg, rd_err *err) {
  part_args *a = arg;
  int rv = org_of_account(c, a->who, a->org, err);
  if (!rv)
    rv = rd_rec_create(c, a->who, a->t, a->in, a->id, err);
  return rv;
}

int rd_org_part_create(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t org,
                       json_t *in, int64_t *id, rd_err *err) {
  int rv = rd_rec_allow(who, t, RD_REC_CREATE, err);
  if (!rv)
    rv = rd_rec_check(t, in, true, NULL, err);
  if (rv)
    return rv;
  json_object_set_new(in, "organization", json_pack("{s:I}", "id", (json_int_t)org));
  part_args a = {who, t, org, in, id};
  return rd_with_tx(c, err, create_tx, &a);
}

int rd_org_part_update(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t org,
                       int64_t id, json_t *patch, int64_t if_match, rd_err *err) {
  json_t *rec = NULL;
  int rv = rd_org_part_get(c, who, t, org, id, &rec, NULL, err);
  json_decref(rec);
  /* One location is main while there are any: the flag moves by making another main. */
  if (!rv && t == &rd_location_type && json_is_false(json_object_get(patch, "main")))
    rv = rd_err_field(err, "main", "moves by making another location main");
  if (!rv)
    rv = rd_rec_update_tx(c, who, t, id, patch, if_match, err);
  return rv;
}

int rd_org_part_delete(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t org,
                       int64_t id, rd_err *err) {
  json_t *rec = NULL;
  int rv = rd_org_part_get(c, who, t, org, id, &rec, NULL, err);
  json_decref(rec);
  if (!rv)
    rv = rd_rec_delete_tx(c, who, t, id, err);
  return rv;
}
