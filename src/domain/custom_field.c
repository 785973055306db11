/* Custom field definitions and values: see custom_field.h. */
#include "domain/custom_field.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "base/time.h"

static const char *const RECORD_TYPES[] = {"organization", "person", "item", NULL};
static const char *const TYPES[] = {"text", "number", "date", "boolean", "select", NULL};

static bool one_of(const char *const *list, const char *s) {
  for (; s && *list; list++)
    if (!strcmp(*list, s))
      return true;
  return false;
}

static bool key_valid(const char *k) {
  size_t n = k ? strlen(k) : 0;
  if (n < 1 || n > 64 || !(k[0] >= 'a' && k[0] <= 'z'))
    return false;
  for (size_t i = 0; i < n; i++)
    if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
      return false;
  return true;
}

static int validate_def(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                        json_t *old, json_t *rec, rd_err *err) {
  (void)c;
  (void)t;
  (void)id;
  (void)who;
  const char *rt = json_string_value(json_object_get(rec, "record_type"));
  const char *key = json_string_value(json_object_get(rec, "key"));
  const char *type = json_string_value(json_object_get(rec, "type"));
  if (!one_of(RECORD_TYPES, rt))
    rd_err_field(err, "record_type", "must be one of organization, person, item");
  if (!key_valid(key))
    rd_err_field(err, "key", "must be 1 to 64 characters of a-z, 0-9 and _, starting with a letter");
  if (!one_of(TYPES, type))
    rd_err_field(err, "type", "must be one of text, number, date, boolean, select");
  if (old) {
    const char *fixed[] = {"record_type", "key", "type"};
    for (int i = 0; i < 3; i++)
      if (!json_equal(json_object_get(old, fixed[i]), json_object_get(rec, fixed[i])))
        rd_err_field(err, fixed[i], "cannot be changed once the field exists");
  }
  json_t *ml = json_object_get(rec, "max_length");
  if (ml && !json_is_null(ml) && (json_integer_value(ml) < 1 || json_integer_value(ml) > 65536))
    rd_err_field(err, "max_length", "must be from 1 to 65536");
  json_t *opts = json_object_get(rec, "options");
  if (type && !strcmp(type, "select")) {
    if (!json_is_array(opts) || json_array_size(opts) == 0 || json_array_size(opts) > 200) {
      rd_err_field(err, "options", "a select field needs 1 to 200 options");
    } else {
      size_t i;
      json_t *o;
      json_array_foreach(opts, i, o) {
        if (!json_is_string(o) || json_string_length(o) == 0 ||
            rd_utf8_len(json_string_value(o)) > 128) {
          char p[32];
          snprintf(p, sizeof p, "options[%zu]", i);
          rd_err_field(err, p, "must be a non-empty string of at most 128 characters");
        }
      }
    }
  } else if (opts && !json_is_null(opts)) {
    rd_err_field(err, "options", "only select fields have options");
  }
  return err && err->code ? err->code : 0;
}

static const rd_field FIELDS[] = {
    {.name = "record_type", .column = "record_type", .type = RD_FT_TEXT, .flags = RD_FF_REQUIRED, .max_len = 16},
    {.name = "key", .column = "field_key", .type = RD_FT_TEXT, .flags = RD_FF_REQUIRED, .max_len = 64},
    {.name = "label", .column = "label", .type = RD_FT_TEXT, .flags = RD_FF_REQUIRED, .max_len = 128},
    {.name = "type", .column = "type", .type = RD_FT_TEXT, .flags = RD_FF_REQUIRED, .max_len = 16},
    {.name = "required", .column = "required", .type = RD_FT_BOOL, .flags = RD_FF_NOTNULL, .def = "false"},
    {.name = "max_length", .column = "max_length", .type = RD_FT_INT},
    {.name = "options", .column = "options", .type = RD_FT_JSON},
};

/* The values of a definition go with it. */
static int before_delete(rd_conn *c, const rd_caller *who, int64_t id, json_t *def, rd_err *err) {
  (void)id;
  const char *rt = json_string_value(json_object_get(def, "record_type"));
  return rd_sql_exec(c, NULL, err,
                     "DELETE FROM custom_values WHERE account_id = ? AND field_key = ? AND"
                     " record_id IN (SELECT id FROM organizations WHERE ? = 'organization'"
                     " UNION SELECT id FROM people WHERE ? = 'person')",
                     "tttt", who->account_id, json_string_value(json_object_get(def, "key")), rt,
                     rt);
}

const rd_rtype rd_custom_field_type = {
    .name = "custom_field",
    .table = "custom_fields",
    .fields = FIELDS,
    .nfields = sizeof FIELDS / sizeof *FIELDS,
    .validate = validate_def,
    .before_delete = before_delete,
    .read_roles = RD_ROLES_ALL,
    .write_roles = RD_ROLE_ACCOUNT_ADMINISTRATOR,
    .denied = "Only an account administrator may %s custom fields",
};

/* The UNIQUE (account_id, record_type, field_key) index speaks for concurrent creates too. */
static int duplicate_key(int rv, rd_err *err) {
  if (rv == RD_ECONFLICT) {
    rd_err_set(err, RD_ECONFLICT, "A custom field with this key already exists for this record type");
    rd_err_field(err, "key", "is already defined");
  }
  return rv;
}

int rd_custom_field_create(rd_conn *c, const rd_caller *who, json_t *in, int64_t *id,
                           rd_err *err) {
  return duplicate_key(rd_rec_create_tx(c, who, &rd_custom_field_type, in, id, err), err);
}

int rd_custom_field_update(rd_conn *c, const rd_caller *who, int64_t id, json_t *patch,
                           int64_t if_match, rd_err *err) {
  return rd_rec_update_tx(c, who, &rd_custom_field_type, id, patch, if_match, err);
}

int rd_custom_field_delete(rd_conn *c, const rd_caller *who, int64_t id, rd_err *err) {
  return rd_rec_delete_tx(c, who, &rd_custom_field_type, id, err);
}

static void check_one(json_t *def, const char *key, json_t *v, rd_err *err) {
  char path[RD_ERR_FIELD_MAX];
  snprintf(path, sizeof path, "custom_fields.%s", key);
  const char *type = json_string_value(json_object_get(def, "type"));
  json_int_t max = json_integer_value(json_object_get(def, "max_length"));
  if (!strcmp(type, "number")) {
    if (!json_is_number(v))
      rd_err_field(err, path, "must be a number");
  } else if (!strcmp(type, "boolean")) {
    if (!json_is_boolean(v))
      rd_err_field(err, path, "must be a boolean");
  } else if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
    rd_err_field(err, path, "must be a string");
  } else if (!strcmp(type, "date")) {
    if (!rd_date_valid(json_string_value(v)))
      rd_err_field(err, path, "must be a date (YYYY-MM-DD)");
  } else if (!strcmp(type, "select")) {
    bool found = false;
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(def, "options"), i, o) found |= json_equal(o, v);
    if (!found)
      rd_err_field(err, path, "must be one of the field's options");
  } else if (rd_utf8_len(json_string_value(v)) > (size_t)(max ? max : 4096)) {
    rd_err_field(err, path, "is longer than %lld characters", (long long)(max ? max : 4096));
  }
}

static void drop_json(void *v) {
  json_decref(v);
}

int rd_custom_values_check(rd_conn *c, const char *account_id, const char *record_type,
                           json_t *old, json_t *values, rd_err *err) {
  if (!json_is_object(values))
    return rd_err_field(err, "custom_fields", "must be an object");
  /* The definitions, read once per transaction (an import batch checks every row). */
  char owner[RD_TX_MEMO_OWNER_MAX];
  snprintf(owner, sizeof owner, "%s/%s", record_type, account_id);
  json_t *defs = rd_tx_memo_get(c, "custom_fields", owner);
  rd_stmt *s = NULL;
  int rv = 0;
  if (defs) {
    json_incref(defs);
    goto have_defs;
  }
  defs = json_object();
  rv = rd_sql(c, &s, err,
              "SELECT field_key, type, required, max_length, options FROM custom_fields"
              " WHERE account_id = ? AND record_type = ?",
              "tt", account_id, record_type);
  if (rv)
    goto out;
  while ((rv = rd_stmt_step(s, err)) == RD_ROW) {
    const char *opts = rd_stmt_text(s, 4);
    json_object_set_new(defs, rd_stmt_text(s, 0),
                        json_pack("{s:s,s:b,s:I,s:o}", "type", rd_stmt_text(s, 1), "required",
                                  rd_stmt_bool(s, 2), "max_length",
                                  (json_int_t)rd_stmt_int64(s, 3), "options",
                                  opts ? json_loads(opts, 0, NULL) : json_array()));
  }
  rd_stmt_done(s);
  s = NULL;
  if (rv < 0)
    goto out;
  rd_tx_memo_put(c, "custom_fields", owner, json_incref(defs), drop_json);
have_defs:
  rv = 0;
  const char *k;
  json_t *v;
  void *tmp;
  json_object_foreach_safe(values, tmp, k, v) {
    json_t *def = json_object_get(defs, k);
    if (!def) {
      json_t *was = json_is_object(old) ? json_object_get(old, k) : NULL;
      if (was && json_equal(was, v)) {
        json_object_del(values, k); /* its definition was deleted: drop it quietly */
        continue;
      }
      char path[RD_ERR_FIELD_MAX];
      snprintf(path, sizeof path, "custom_fields.%s", k);
      rd_err_field(err, path, "unknown custom field");
      continue;
    }
    check_one(def, k, v, err);
  }
  json_object_foreach(defs, k, v) {
    if (json_is_true(json_object_get(v, "required")) && !json_object_get(values, k)) {
      char path[RD_ERR_FIELD_MAX];
      snprintf(path, sizeof path, "custom_fields.%s", k);
      rd_err_field(err, path, "is required");
    }
  }
  rv = err && err->code ? err->code : 0;
out:
  rd_stmt_done(s);
  json_decref(defs);
  return rv;
}

int rd_custom_values_store(rd_conn *c, const char *account_id, int64_t record_id,
                           json_t *values, rd_err *err) {
  int rv = rd_sql_exec(c, NULL, err, "DELETE FROM custom_values WHERE account_id = ? AND record_id = ?",
                       "ti", account_id, record_id);
  const char *k;
  json_t *v;
  json_object_foreach(values, k, v) {
    if (rv)
      break;
    char num[64] = "", *text = NULL;
    const char *str = NULL;
    if (json_is_string(v)) {
      str = json_string_value(v);
    } else if (json_is_boolean(v)) {
      str = json_is_true(v) ? "true" : "false";
    } else if (json_is_number(v)) {
      /* The shortest text that reads back as the same double: filters match "0.1" as
       * written, not 0.10000000000000001. */
      for (int prec = 15; prec <= 17; prec++) {
        snprintf(num, sizeof num, "%.*g", prec, json_number_value(v));
        if (strtod(num, NULL) == json_number_value(v))
          break;
      }
      str = num;
    } else {
      text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
      str = text;
    }
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO custom_values (account_id, record_id, field_key, value_text,"
                     " value_num) VALUES (?, ?, ?, ?, ?)",
                     "titt" "t", account_id, record_id, k, str, json_is_number(v) ? num : NULL);
    free(text);
  }
  return rv;
}
