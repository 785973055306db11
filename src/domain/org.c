/* Organizations (ORG-1..4): see org.h. The rules beyond field types live in validate():
 * no parent cycles, contact details, custom fields, attachments, manager in the account. */
#include "domain/org.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "domain/custom_field.h"
#include "domain/rmm.h"
#include "domain/search.h"
#include "domain/trust.h"
#include "domain/validate.h"

#define ORG_WRITERS                                                                           \
  (RD_ROLE_ACCOUNT_ADMINISTRATOR | RD_ROLE_SUPERVISOR | RD_ROLE_SERVICE_LEVEL_MANAGER)

int rd_org_check_attachments(rd_conn *c, const char *account_id, json_t *list, rd_err *err) {
  if (!json_is_array(list))
    return rd_err_field(err, "remarks_attachments", "must be an array");
  if (json_array_size(list) > 50)
    return rd_err_field(err, "remarks_attachments", "at most 50 attachments");
  size_t i;
  json_t *a;
  json_array_foreach(list, i, a) {
    char path[64];
    snprintf(path, sizeof path, "remarks_attachments[%zu]", i);
    json_t *kv = json_object_get(a, "key");
    const char *key = json_string_value(kv);
    if (!json_is_object(a) || !key) {
      rd_err_field(err, path, "must be an object with the key of an uploaded attachment");
      continue;
    }
    rd_stmt *s = NULL;
    int rv = rd_sql(c, &s, err,
                    "SELECT filename, size, content_type FROM attachments"
                    " WHERE key = ? AND account_id = ?",
                    "tt", key, account_id);
    if (rv)
      return rv;
    rv = rd_stmt_step(s, err);
    if (rv == RD_ROW) {
      /* The key string belongs to a: keep it alive across the clear. */
      json_incref(kv);
      json_object_clear(a);
      json_object_set_new(a, "key", kv);
      json_object_set_new(a, "filename", json_string(rd_stmt_text(s, 0)));
      json_object_set_new(a, "size", json_integer(rd_stmt_int64(s, 1)));
      json_object_set_new(a, "content_type", json_string(rd_stmt_text(s, 2)));
    } else if (rv == RD_DONE) {
      rd_err_field(err, path, "no such attachment");
    }
    rd_stmt_done(s);
    if (rv < 0)
      return rv;
  }
  return err && err->code ? err->code : 0;
}

int rd_org_partner_check(rd_conn *c, const char *account_id, json_t *ref, const char *field,
                         rd_err *err) {
  if (!json_is_object(ref))
    return 0;
  int64_t partner = 0;
  int rv = rd_sql_int64(c, &partner, err,
                        "SELECT CASE WHEN partner THEN 1 ELSE 0 END FROM organizations"
                        " WHERE id = ? AND account_id = ?",
                        "it", (int64_t)json_integer_value(json_object_get(ref, "id")),
                        account_id);
  if (rv < 0)
    return rv;
  if (rv == RD_DONE || !partner)
    return rd_err_field(err, field, "must be a partner organization of this account");
  return 0;
}

int rd_org_partner_get(rd_conn *c, const rd_caller *who, int64_t id, rd_err *err) {
  int64_t partner = 0;
  int rv = rd_sql_int64(c, &partner, err,
                        "SELECT CASE WHEN partner THEN 1 ELSE 0 END FROM organizations"
                        " WHERE id = ? AND account_id = ?",
                        "it", id, who->account_id);
  if (rv < 0)
    return rv;
  if (rv == RD_DONE || !partner)
    return rd_err_set(err, RD_ENOTFOUND, "No partner organization with id %lld", (long long)id);
  return 0;
}

/* PART-1: only a supervisor or an administrator makes an organization a partner; one
 * that is still the partner of people or units stays one. */
static int partner_rules(rd_conn *c, const rd_caller *who, int64_t id, json_t *old,
                         json_t *rec, rd_err *err) {
  bool was = old && json_is_true(json_object_get(old, "partner"));
  bool is = json_is_true(json_object_get(rec, "partner"));
  if (is && !was && !rd_caller_has(who, RD_ROLE_SUPERVISOR | RD_ROLE_ACCOUNT_ADMINISTRATOR))
    return rd_err_set(err, RD_EFORBIDDEN,
                      "Only a supervisor or administrator may make an organization a partner"
                      " organization");
  if (was && !is) {
    int64_t n = 0;
    int rv = rd_sql_int64(c, &n, err,
                          "SELECT (SELECT COUNT(*) FROM people WHERE partner_organization_id = ?"
                          " AND account_id = ? AND NOT deleted) + (SELECT COUNT(*) FROM"
                          " organizations WHERE partner_organization_id = ? AND account_id = ?)",
                          "itit", id, who->account_id, id, who->account_id);
    if (rv < 0)
      return rv;
    if (n > 0)
      rd_err_field(err, "partner",
                   "is still the partner organization of %lld people or units; link them"
                   " elsewhere first",
                   (long long)n);
  }
  /* PART-5: the banner switch is the partner's writers' and means something for partners
   * only; a change of it is checked, an unchanged value never (a rename, a create that
   * leaves the default). */
  json_t *use = json_object_get(rec, "use_custom_banner");
  if (!json_equal(old ? json_object_get(old, "use_custom_banner") : json_true(), use)) {
    if (!rd_caller_has(who, RD_ROLE_SUPERVISOR | RD_ROLE_ACCOUNT_ADMINISTRATOR))
      return rd_err_set(err, RD_EFORBIDDEN,
                        "Only a supervisor or administrator may switch a partner"
                        " organization's banner");
    if (!is)
      rd_err_field(err, "use_custom_banner",
                   "applies only to partner organizations (partner is false)");
  }
  json_t *of = json_object_get(rec, "partner_organization");
  if (json_is_object(of) && id && json_integer_value(json_object_get(of, "id")) == id)
    return rd_err_field(err, "partner_organization", "cannot be the organization itself");
  return rd_org_partner_check(c, who->account_id, of, "partner_organization", err);
}

/* The parent chain from parent_id upwards must not reach id (and must end). */
static int check_parent(rd_conn *c, const char *account_id, int64_t id, int64_t parent,
                        rd_err *err) {
  for (int depth = 0; parent; depth++) {
    if (parent == id || depth > 64)
      return rd_err_field(err, "parent", "would make the hierarchy a cycle");
    int64_t next = 0;
    int rv = rd_sql_int64(c, &next, err,
                          "SELECT COALESCE(parent_id, 0) FROM organizations WHERE id = ?"
                          " AND account_id = ?",
                          "it", parent, account_id);
    if (rv < 0)
      return rv;
    parent = rv == RD_ROW ? next : 0;
  }
  return 0;
}

static int validate(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id, json_t *old,
                    json_t *rec, rd_err *err) {
  (void)t;
  int prv = partner_rules(c, who, id, old, rec, err);
  if (prv && prv != RD_EINVAL)
    return prv;
  json_t *parent = json_object_get(rec, "parent");
  if (json_is_object(parent) && id) {
    int rv = check_parent(c, who->account_id, id,
                          json_integer_value(json_object_get(parent, "id")), err);
    if (rv && rv != RD_EINVAL)
      return rv;
  }
  json_t *contact = json_object_get(rec, "contact");
  if (!contact || json_is_null(contact))
    json_object_set_new(rec, "contact", json_object());
  else
    rd_contact_check(contact, "contact", err);
  json_t *cf = json_object_get(rec, "custom_fields");
  if (!cf || json_is_null(cf)) {
    cf = json_object();
    json_object_set_new(rec, "custom_fields", cf);
  }
  int rv = rd_custom_values_check(c, who->account_id, "organization",
                                  old ? json_object_get(old, "custom_fields") : NULL, cf, err);
  if (rv && rv != RD_EINVAL)
    return rv;
  json_t *att = json_object_get(rec, "remarks_attachments");
  if (!att || json_is_null(att))
    json_object_set_new(rec, "remarks_attachments", json_array());
  else if ((rv = rd_org_check_attachments(c, who->account_id, att, err)) && rv != RD_EINVAL)
    return rv;
  json_t *manager = json_object_get(rec, "manager");
  if (json_is_object(manager)) {
    int64_t one = 0;
    rv = rd_sql_int64(c, &one, err,
                      "SELECT 1 FROM people WHERE id = ? AND account_id = ? AND NOT deleted", "it",
                      (int64_t)json_integer_value(json_object_get(manager, "id")),
                      who->account_id);
    if (rv < 0)
      return rv;
    if (rv == RD_DONE)
      rd_err_field(err, "manager", "no such person in this account");
  }
  return err && err->code ? err->code : 0;
}

static int after_write(rd_conn *c, const rd_caller *who, int64_t id, json_t *old, json_t *rec,
                       rd_err *err) {
  /* RMM-3: a new organization (or a mapped one renamed) goes to the RMM when the account
   * pushes automatically. */
  int prv = rd_rmm_push_new(c, who, id, old, rec, err);
  if (prv)
    return prv;
  /* CUST-4: people are found by their organization's name. */
  json_t *name = json_object_get(rec, "name");
  if (old && !json_equal(json_object_get(old, "name"), name)) {
    int rv = rd_search_org_renamed(c, id, json_string_value(name), err);
    if (rv)
      return rv;
  }
  json_t *cf = json_object_get(rec, "custom_fields");
  if (old ? json_equal(json_object_get(old, "custom_fields"), cf) : json_object_size(cf) == 0)
    return 0; /* unchanged, or a new record without values: nothing to delete or insert */
  return rd_custom_values_store(c, who->account_id, id, cf, err);
}

static int decorate(rd_conn *c, json_t *rec, rd_err *err) {
  (void)c;
  (void)err;
  json_object_set_new(rec, "foreign", json_false());
  return 0;
}

/* decorate in text form (issue 12). */
static void decorate_text(const rd_row *row, const rd_field *f, rd_buf *out) {
  (void)row;
  if (!f)
    rd_buf_adds(out, ",\"foreign\":false");
}

#define PERSON_NAME "r.first_name || ' ' || r.last_name"

static const rd_field FIELDS[] = {
    {.name = "name", .column = "name", .type = RD_FT_TEXT, .flags = RD_FF_REQUIRED, .max_len = RD_ORG_NAME_MAX},
    {.name = "parent", .column = "parent_id", .type = RD_FT_REF, .ref_table = "organizations", .ref_name_sql = "r.name"},
    {.name = "manager", .column = "manager_id", .type = RD_FT_REF, .ref_table = "people", .ref_name_sql = PERSON_NAME},
    {.name = "financial_id", .column = "financial_id", .type = RD_FT_TEXT, .max_len = RD_ORG_FINANCIAL_ID_MAX},
    {.name = "remarks", .column = "remarks", .type = RD_FT_TEXT, .flags = RD_FF_MULTILINE, .max_len = 65536},
    {.name = "remarks_attachments", .column = "remarks_attachments", .type = RD_FT_JSON, .def = "[]"},
    {.name = "disabled", .column = "disabled", .type = RD_FT_BOOL, .flags = RD_FF_NOTNULL, .def = "false"},
    {.name = "partner", .column = "partner", .type = RD_FT_BOOL, .flags = RD_FF_NOTNULL, .def = "false"},
    {.name = "partner_organization", .column = "partner_organization_id", .type = RD_FT_REF, .flags = RD_FF_REFHOOK, .ref_table = "organizations", .ref_name_sql = "r.name"},
    {.name = "use_custom_banner", .column = "use_custom_banner", .type = RD_FT_BOOL, .flags = RD_FF_NOTNULL, .def = "true"},
    {.name = "picture_uri", .column = "picture_uri", .type = RD_FT_TEXT, .max_len = 2048},
    {.name = "contact", .column = "contact", .type = RD_FT_JSON, .def = "{}"},
    {.name = "custom_fields", .column = "custom_fields", .type = RD_FT_JSON, .def = "{}"},
    {.name = "source", .column = "source", .type = RD_FT_TEXT, .flags = RD_FF_READONLY, .def = "\"manual\""},
    {.name = "source_id", .column = "source_id", .type = RD_FT_TEXT, .flags = RD_FF_READONLY},
};

const rd_rtype rd_org_type = {
    .name = "organization",
    .table = "organizations",
    .fields = FIELDS,
    .nfields = sizeof FIELDS / sizeof *FIELDS,
    .validate = validate,
    .after_write = after_write,
    .decorate = decorate,
    .decorate_text = decorate_text,
    /* Customers and partners read through rd_org_project_for_caller (ACC-7). */
    .read_roles = RD_ROLES_ALL,
    .write_roles = ORG_WRITERS,
    .denied = "Only a supervisor, service level manager or administrator may %s organizations",
};

/* The condition of filter f over alias t into where (size RD_ORG_WHERE_MAX) and its
 * parameters into p (at most 8); *pattern is the LIKE pattern to rd_free. */
enum { RD_ORG_WHERE_MAX = 512 };
static int filter_where(const rd_org_filter *f, char *where, rd_param *p, char **pattern) {
  snprintf(where, RD_ORG_WHERE_MAX, "1 = 1");
  int n = 0;
  size_t len = strlen(where);
#define ADD(cond) len += (size_t)snprintf(where + len, RD_ORG_WHERE_MAX - len, " AND %s", cond)
  if (f->name) {
    ADD("LOWER(t.name) = LOWER(?)");
    p[n++] = (rd_param){.type = 't', .t = f->name};
  }
  *pattern = NULL;
  if (f->q) {
    /* Substring of the name; '%', '_' and '\\' in the input are escaped, so literal. */
    ADD("LOWER(t.name) LIKE LOWER(?) ESCAPE '\\'");
    *pattern = rd_like_pattern(f->q);
    p[n++] = (rd_param){.type = 't', .t = *pattern};
  }
  if (f->disabled >= 0) {
    ADD("t.disabled = ?");
    p[n++] = (rd_param){.type = 'b', .i = f->disabled};
  }
  if (f->parent) {
    ADD("t.parent_id = ?");
    p[n++] = (rd_param){.type = 'i', .i = f->parent};
  }
  if (f->financial_id) {
    ADD("t.financial_id = ?");
    p[n++] = (rd_param){.type = 't', .t = f->financial_id};
  }
  if (f->partner_organization) {
    ADD("t.partner_organization_id = ?");
    p[n++] = (rd_param){.type = 'i', .i = f->partner_organization};
  }
  if (f->rmm_mapped) /* RMM-2: the choice offered for a mapping is the unmapped ones */
    ADD(f->rmm_mapped == 1 ? "EXISTS (SELECT 1 FROM rmm_orgs m WHERE m.organization_id = t.id)"
                      : "NOT EXISTS (SELECT 1 FROM rmm_orgs m WHERE m.organization_id = t.id)");
  if (f->cf_key) {
    ADD("EXISTS (SELECT 1 FROM custom_values v WHERE v.account_id = t.account_id"
        " AND v.record_id = t.id AND v.field_key = ? AND v.value_text = ?)");
    p[n++] = (rd_param){.type = 't', .t = f->cf_key};
    p[n++] = (rd_param){.type = 't', .t = f->cf_value};
  }
#undef ADD
  assert(len < RD_ORG_WHERE_MAX && n <= 8); /* constant fragments, at most 8 parameters */
  return n;
}

int rd_org_list(rd_conn *c, const rd_caller *who, const rd_org_filter *f, int64_t after,
                int limit, json_t **out, bool *more, rd_err *err) {
  char where[RD_ORG_WHERE_MAX];
  rd_param p[8];
  char *pattern = NULL;
  int n = filter_where(f, where, p, &pattern);
  json_t *rows = NULL;
  int rv = rd_rec_list(c, &rd_org_type, who->account_id, where, p, n, after, limit, &rows, more,
                       err);
  rd_free(pattern);
  if (rv)
    return rv;
  size_t i;
  json_t *rec;
  json_array_foreach(rows, i, rec)
      json_array_set_new(rows, i, rd_org_project_for_caller(who, json_incref(rec)));
  *out = rows;
  return 0;
}

static int own_row(const rd_row *row, void *arg, rd_buf *out) {
  return rd_org_row_for_caller(arg, row, NULL, out);
}

int rd_org_list_text(rd_conn *c, const rd_caller *who, const rd_org_filter *f, int64_t after,
                     int limit, rd_buf *out, int64_t *last_id, bool *more, rd_err *err) {
  char where[RD_ORG_WHERE_MAX];
  rd_param p[8];
  char *pattern = NULL;
  int n = filter_where(f, where, p, &pattern);
  rd_list_q q = {.account_id = who->account_id, .where = where, .p = p, .np = n,
                 .after = after, .limit = limit};
  int rv = rd_rec_list_text(c, &rd_org_type, &q, own_row, (void *)who, out, last_id, more, err);
  rd_free(pattern);
  return rv;
}

int rd_org_get(rd_conn *c, const rd_caller *who, int64_t id, json_t **out, int64_t *version,
               rd_err *err) {
  json_t *rec = NULL;
  int rv = rd_rec_get(c, &rd_org_type, who->account_id, id, &rec, version, err);
  if (!rv)
    *out = rd_org_project_for_caller(who, rec);
  return rv;
}

int rd_org_create(rd_conn *c, const rd_caller *who, json_t *in, int64_t *id, rd_err *err) {
  return rd_rec_create_tx(c, who, &rd_org_type, in, id, err);
}

int rd_org_update(rd_conn *c, const rd_caller *who, int64_t id, json_t *patch, int64_t if_match,
                  rd_err *err) {
  return rd_rec_update_tx(c, who, &rd_org_type, id, patch, if_match, err);
}

int rd_org_first_id(rd_conn *c, const char *account_id, int64_t *id, rd_err *err) {
  int64_t first = 0;
  int rv = rd_sql_int64(c, &first, err,
                        "SELECT id FROM organizations WHERE account_id = ? ORDER BY id LIMIT 1",
                        "t", account_id);
  if (rv == RD_DONE)
    rv = rd_err_set(err, RD_ENOTFOUND, "Account %.64s has no organization", account_id);
  if (rv < 0)
    return rv;
  *id = first;
  return 0;
}
