/* Records described by field tables: see record.h. SQL here is built only from the
 * constant names in the tables, never from input; values are always bound. */
#include "domain/record.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"
#include "base/time.h"

const rd_field *rd_rec_field(const rd_rtype *t, const char *name) {
  for (int i = 0; i < t->nfields; i++)
    if (!strcmp(t->fields[i].name, name))
      return &t->fields[i];
  return NULL;
}

/* The INSERT and UPDATE text of each record type, built once from its field table (the
 * statement cache of the store is keyed by the text; building it again for every record
 * cost an import 4% of its time). Texts live until the process ends. */
enum { SQL_TYPES_MAX = 64 };
static pthread_mutex_t sql_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
  const rd_rtype *t;
  char *insert, *update;
} sql_texts[SQL_TYPES_MAX];

static bool stored(const rd_field *f) {
  return f->column && !(f->flags & RD_FF_WRITEONLY);
}

/* The column of a record's key (key_column, else "id"). */
static const char *key_col(const rd_rtype *t) {
  return t->key_column ? t->key_column : "id";
}

static const char *write_sql(const rd_rtype *t, bool insert) {
  pthread_mutex_lock(&sql_lock);
  int i = 0;
  while (i < SQL_TYPES_MAX && sql_texts[i].t && sql_texts[i].t != t)
    i++;
  if (i == SQL_TYPES_MAX)
    abort(); /* more record types than SQL_TYPES_MAX: raise it */
  if (!sql_texts[i].t) {
    rd_buf ins, upd;
    rd_buf_init(&ins);
    rd_buf_init(&upd);
    rd_buf_printf(&ins, "INSERT INTO %s (%s, account_id, created_at, updated_at", t->table,
                  key_col(t));
    rd_buf_printf(&upd, "UPDATE %s SET version = version + 1, updated_at = ?", t->table);
    int n = 4;
    for (int k = 0; k < t->nfields; k++) {
      const rd_field *f = &t->fields[k];
      if (!stored(f))
        continue;
      rd_buf_printf(&ins, ", %s", f->column);
      rd_buf_printf(&upd, ", %s = ?", f->column);
      n++;
    }
    rd_buf_adds(&ins, ") VALUES (?");
    for (int k = 1; k < n; k++)
      rd_buf_adds(&ins, ", ?");
    rd_buf_adds(&ins, ")");
    rd_buf_printf(&upd, " WHERE %s = ? AND account_id = ? AND version = ?", key_col(t));
    sql_texts[i].insert = rd_strdup(rd_buf_cstr(&ins));
    sql_texts[i].update = rd_strdup(rd_buf_cstr(&upd));
    sql_texts[i].t = t;
    rd_buf_term(&ins);
    rd_buf_term(&upd);
  }
  const char *sql = insert ? sql_texts[i].insert : sql_texts[i].update;
  pthread_mutex_unlock(&sql_lock);
  return sql;
}

static const char *type_name(rd_ftype t) {
  switch (t) {
  case RD_FT_TEXT: return "a string";
  case RD_FT_BOOL: return "a boolean";
  case RD_FT_INT: return "an integer";
  case RD_FT_REF: return "an object with an integer id";
  case RD_FT_JSON: return "an object";
  case RD_FT_DATE: return "a date (YYYY-MM-DD)";
  case RD_FT_TIME: return "an RFC 3339 time";
  case RD_FT_ROLES: return "an array of role names";
  case RD_FT_ACCOUNT: return "an account";
  }
  return "?";
}

static bool allowed_name(const char *const *allowed, const char *name) {
  if (!allowed)
    return true;
  for (; *allowed; allowed++)
    if (!strcmp(*allowed, name))
      return true;
  return false;
}

/* Checks one value against its field; adds to err. */
static void check_value(const rd_field *f, json_t *v, rd_err *err) {
  if (json_is_null(v)) {
    if (f->flags & (RD_FF_NOTNULL | RD_FF_REQUIRED))
      rd_err_field(err, f->name, "must not be null");
    return;
  }
  switch (f->type) {
  case RD_FT_TEXT:
  case RD_FT_DATE:
  case RD_FT_TIME: {
    if (!json_is_string(v)) {
      rd_err_field(err, f->name, "must be %s", type_name(f->type));
      return;
    }
    const char *s = json_string_value(v);
    size_t max = f->max_len ? (size_t)f->max_len : RD_TEXT_MAX;
    if (strlen(s) != json_string_length(v)) {
      rd_err_field(err, f->name, "must not contain NUL characters");
    } else if (rd_utf8_len(s) > max) {
      rd_err_field(err, f->name, "is longer than %zu characters", max);
    } else if ((f->flags & RD_FF_REQUIRED) && f->type == RD_FT_TEXT &&
               s[strspn(s, " \t\r\n")] == '\0') {
      rd_err_field(err, f->name, "must not be blank");
    } else if (!(f->flags & RD_FF_WRITEONLY) &&
               !rd_text_clean(s, (f->flags & RD_FF_MULTILINE) != 0)) {
      rd_err_field(err, f->name, (f->flags & RD_FF_MULTILINE)
                                     ? "must not contain control characters other than tab and line breaks"
                                     : "must be one line without control characters");
    } else if (f->type == RD_FT_DATE && !rd_date_valid(s)) {
      rd_err_field(err, f->name, "must be a date (YYYY-MM-DD)");
    } else if (f->type == RD_FT_TIME) {
      char norm[RD_TIME_LEN];
      if (!rd_time_parse(s, norm))
        rd_err_field(err, f->name, "must be an RFC 3339 time");
    }
    return;
  }
  case RD_FT_BOOL:
    if (!json_is_boolean(v))
      rd_err_field(err, f->name, "must be a boolean");
    return;
  case RD_FT_INT:
    if (!json_is_integer(v))
      rd_err_field(err, f->name, "must be an integer");
    return;
  case RD_FT_REF: {
    json_t *id = json_is_object(v) ? json_object_get(v, "id") : NULL;
    if (!id || !json_is_integer(id) || json_integer_value(id) <= 0) {
      rd_err_field(err, f->name, "must be an object with a positive integer id");
      return;
    }
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x) {
      if (strcmp(k, "id") && strcmp(k, "name")) {
        char path[RD_ERR_FIELD_MAX];
        snprintf(path, sizeof path, "%s.%s", f->name, k);
        rd_err_field(err, path, "unknown field");
      }
    }
    return;
  }
  case RD_FT_JSON:
    if (!json_is_object(v) && !json_is_array(v))
      rd_err_field(err, f->name, "must be an object or an array");
    return;
  case RD_FT_ACCOUNT:
    rd_err_field(err, f->name, "is read-only");
    return;
  case RD_FT_ROLES: {
    size_t i;
    json_t *x;
    if (!json_is_array(v) || json_array_size(v) == 0) {
      rd_err_field(err, f->name, "must be a non-empty array of role names");
      return;
    }
    json_array_foreach(v, i, x) {
      if (!rd_role_bit(json_string_value(x))) {
        char path[RD_ERR_FIELD_MAX];
        snprintf(path, sizeof path, "%s[%zu]", f->name, i);
        rd_err_field(err, path, "unknown role");
      }
    }
    return;
  }
  }
}

json_t *rd_roles_json(unsigned roles) {
  json_t *a = json_array();
  for (int i = 0; i < 6; i++)
    if (roles & (1u << i))
      json_array_append_new(a, json_string(rd_role_names[i]));
  return a;
}

unsigned rd_roles_bits(json_t *a) {
  unsigned bits = 0;
  size_t i;
  json_t *x;
  json_array_foreach(a, i, x) bits |= rd_role_bit(json_string_value(x));
  return bits;
}

int rd_rec_check(const rd_rtype *t, json_t *in, bool create, const char *const *allowed,
                 rd_err *err) {
  if (!json_is_object(in))
    return rd_err_set(err, RD_EINVAL, "The request body must be a JSON object");
  const char *k;
  json_t *v;
  json_object_foreach(in, k, v) {
    const rd_field *f = rd_rec_field(t, k);
    if (!f) {
      rd_err_field(err, k, "unknown field");
    } else if (!allowed_name(allowed, k)) {
      rd_err_field(err, k, "cannot be changed here");
    } else if (f->flags & RD_FF_READONLY) {
      rd_err_field(err, k, "is read-only");
    } else {
      check_value(f, v, err);
    }
  }
  if (create) {
    for (int i = 0; i < t->nfields; i++) {
      const rd_field *f = &t->fields[i];
      if ((f->flags & RD_FF_REQUIRED) && !json_object_get(in, f->name))
        rd_err_field(err, f->name, "is required");
    }
  }
  return err && err->code ? err->code : 0;
}

void rd_json_merge_patch(json_t *target, json_t *patch) {
  const char *k;
  json_t *v;
  json_object_foreach(patch, k, v) {
    json_t *cur = json_object_get(target, k);
    if (json_is_null(v)) {
      json_object_del(target, k);
    } else if (json_is_object(v) && json_is_object(cur)) {
      rd_json_merge_patch(cur, v);
    } else if (json_is_object(v)) {
      json_t *fresh = json_object();
      rd_json_merge_patch(fresh, v);
      json_object_set_new(target, k, fresh);
    } else {
      /* a copy: resources normalize the merged record in place; the patch stays as sent */
      json_object_set_new(target, k, json_deep_copy(v));
    }
  }
}

/* ---- reading ---- */

static bool selected(const rd_field *f) {
  return f->column && !(f->flags & RD_FF_WRITEONLY);
}

/* expr (a constant ref_name_sql over alias r) with that alias renamed to alias. */
static void add_renamed(rd_buf *sql, const char *expr, const char *alias) {
  for (const char *e = expr; *e; e++) {
    bool ident_before = e > expr && (e[-1] == '_' || e[-1] == '.' || (e[-1] >= 'a' && e[-1] <= 'z') ||
                                     (e[-1] >= 'A' && e[-1] <= 'Z') || (e[-1] >= '0' && e[-1] <= '9'));
    if (e[0] == 'r' && e[1] == '.' && !ident_before) {
      rd_buf_adds(sql, alias); /* alias ends with its own dot */
      e++;
      continue;
    }
    rd_buf_add(sql, e, 1);
  }
}

/* The SELECT of a record's columns over alias t, with the names of its account and of its
 * references read by LEFT JOINs on their primary keys (issue 12: one correlated sub-select
 * per name and row cost a page of 25 organizations 75 extra lookups). extra_cols (may be
 * NULL) are appended to the columns; join (may be NULL) comes right after the records'
 * table, so that a driving table keeps its place in the plan; extra_join after the name
 * joins. */
static void select_list_ex(const rd_rtype *t, rd_buf *sql, const char *extra_cols,
                           const char *join, const char *extra_join) {
  rd_buf joins;
  rd_buf_init(&joins);
  rd_buf_adds(sql, "SELECT t.");
  rd_buf_adds(sql, key_col(t));
  rd_buf_adds(sql, ", t.version, t.created_at, t.updated_at, t.account_id, ja.name");
  rd_buf_adds(&joins, " LEFT JOIN accounts ja ON ja.id = t.account_id");
  for (int i = 0; i < t->nfields; i++) {
    const rd_field *f = &t->fields[i];
    if (!selected(f))
      continue;
    rd_buf_adds(sql, ", t."); /* not printf: every page builds its SQL text again */
    rd_buf_adds(sql, f->column);
    if (f->type != RD_FT_REF && f->type != RD_FT_ACCOUNT)
      continue;
    char alias[16];
    snprintf(alias, sizeof alias, "j%d.", i);
    if (f->type == RD_FT_REF) {
      rd_buf_adds(sql, ", ");
      add_renamed(sql, f->ref_name_sql, alias);
      rd_buf_printf(&joins, " LEFT JOIN %s j%d ON j%d.id = t.%s", f->ref_table, i, i, f->column);
    } else if (f->type == RD_FT_ACCOUNT) {
      rd_buf_printf(sql, ", %sname", alias);
      rd_buf_printf(&joins, " LEFT JOIN accounts j%d ON j%d.id = t.%s", i, i, f->column);
    }
  }
  if (extra_cols)
    rd_buf_adds(sql, extra_cols);
  rd_buf_printf(sql, " FROM %s t", t->table);
  if (join)
    rd_buf_adds(sql, join);
  rd_buf_adds(sql, rd_buf_cstr(&joins));
  if (extra_join)
    rd_buf_adds(sql, extra_join);
  rd_buf_term(&joins);
}

static void select_list(const rd_rtype *t, rd_buf *sql) {
  select_list_ex(t, sql, NULL, NULL, NULL);
}

static json_t *row_json(const rd_rtype *t, rd_stmt *s, int64_t *version) {
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(rd_stmt_int64(s, 0)));
  json_object_set_new(o, "account", json_pack("{s:s,s:s?}", "id", rd_stmt_text(s, 4), "name",
                                              rd_stmt_text(s, 5)));
  if (version)
    *version = rd_stmt_int64(s, 1);
  int col = 6;
  for (int i = 0; i < t->nfields; i++) {
    const rd_field *f = &t->fields[i];
    if (!f->column && !(f->flags & RD_FF_WRITEONLY))
      json_object_set_new(o, f->name, json_null()); /* keeps field order; decorate fills */
    if (!selected(f))
      continue;
    json_t *v = NULL;
    if (rd_stmt_null(s, col)) {
      v = json_null();
    } else {
      switch (f->type) {
      case RD_FT_BOOL: v = json_boolean(rd_stmt_bool(s, col)); break;
      case RD_FT_INT: v = json_integer(rd_stmt_int64(s, col)); break;
      case RD_FT_ROLES: v = rd_roles_json((unsigned)rd_stmt_int64(s, col)); break;
      case RD_FT_ACCOUNT:
        v = json_pack("{s:s,s:s?}", "id", rd_stmt_text(s, col), "name", rd_stmt_text(s, col + 1));
        break;
      case RD_FT_REF: {
        const char *name = rd_stmt_text(s, col + 1);
        v = json_pack("{s:I,s:s?}", "id", (json_int_t)rd_stmt_int64(s, col), "name", name);
        break;
      }
      case RD_FT_JSON: v = json_loads(rd_stmt_text(s, col), JSON_DECODE_ANY, NULL); break;
      default: v = json_string(rd_stmt_text(s, col)); break;
      }
      if (!v)
        v = json_null();
    }
    json_object_set_new(o, f->name, v);
    col += f->type == RD_FT_REF || f->type == RD_FT_ACCOUNT ? 2 : 1;
  }
  json_object_set_new(o, "created_at", json_string(rd_stmt_text(s, 2)));
  json_object_set_new(o, "updated_at", json_string(rd_stmt_text(s, 3)));
  return o;
}

int rd_rec_get(rd_conn *c, const rd_rtype *t, const char *account_id, int64_t id, json_t **out,
               int64_t *version, rd_err *err) {
  rd_buf sql;
  rd_buf_init(&sql);
  select_list(t, &sql);
  rd_buf_printf(&sql, " WHERE t.%s = ? AND t.account_id = ?", key_col(t));
  rd_stmt *s = NULL;
  json_t *rec = NULL;
  int rv = rd_sql(c, &s, err, rd_buf_cstr(&sql), "it", id, account_id);
  if (rv)
    goto out;
  rv = rd_stmt_step(s, err);
  if (rv == RD_DONE)
    rv = rd_err_set(err, RD_ENOTFOUND, "No %s with id %lld", t->name, (long long)id);
  if (rv < 0)
    goto out;
  rec = row_json(t, s, version);
  rd_stmt_done(s);
  s = NULL;
  rv = t->decorate ? t->decorate(c, rec, err) : 0;
  if (!rv) {
    *out = rec;
    rec = NULL;
  }
out:
  rd_stmt_done(s);
  json_decref(rec);
  rd_buf_term(&sql);
  return rv;
}

int rd_rec_list(rd_conn *c, const rd_rtype *t, const char *account_id, const char *where,
                const rd_param *p, int np, int64_t after, int limit, json_t **out, bool *more,
                rd_err *err) {
  return rd_rec_list_by(c, t, account_id, NULL, NULL, 0, NULL, where, p, np, after, limit, out,
                        more, err);
}

/* The SELECT of a page of q and its parameters (*params, rd_calloc'd; *n of them):
 * join parameters, account, cursor, where's, limit + 1. */
static void page_query(const rd_rtype *t, const rd_list_q *q, rd_buf *sql, rd_param **params,
                       int *n) {
  const char *key = q->key ? q->key : "t.id";
  if (q->generic_plan)
    rd_buf_adds(sql, RD_SQL_GENERIC_PLAN);
  select_list_ex(t, sql, q->extra_cols, q->join, q->extra_join);
  /* Appended, not printf'd: the All Organizations view's where is kilobytes long. */
  rd_buf_adds(sql, q->account_id ? " WHERE t.account_id = ? AND " : " WHERE ");
  rd_buf_adds(sql, key);
  rd_buf_adds(sql, " > ?");
  if (q->where && *q->where) {
    rd_buf_adds(sql, " AND (");
    rd_buf_adds(sql, q->where);
    rd_buf_adds(sql, ")");
  }
  rd_buf_adds(sql, " ORDER BY ");
  rd_buf_adds(sql, key);
  rd_buf_adds(sql, " LIMIT ?");
  /* Sized from np and njp: every parameter is bound, none dropped. */
  rd_param *p = rd_calloc((size_t)q->np + (size_t)q->njp + 3, sizeof *p);
  int k = 0;
  for (int i = 0; i < q->njp; i++)
    p[k++] = q->jp[i];
  if (q->account_id)
    p[k++] = (rd_param){.type = 't', .t = q->account_id};
  p[k++] = (rd_param){.type = 'i', .i = q->after};
  for (int i = 0; i < q->np; i++)
    p[k++] = q->p[i];
  p[k++] = (rd_param){.type = 'i', .i = (int64_t)q->limit + 1};
  assert(k <= q->np + q->njp + 3); /* p holds np + njp + 3 */
  *params = p;
  *n = k;
}

int rd_rec_list_by(rd_conn *c, const rd_rtype *t, const char *account_id, const char *join,
                   const rd_param *jp, int njp, const char *key, const char *where,
                   const rd_param *p, int np, int64_t after, int limit, json_t **out,
                   bool *more, rd_err *err) {
  rd_list_q q = {.account_id = account_id, .join = join, .jp = jp, .njp = njp, .key = key,
                 .where = where, .p = p, .np = np, .after = after, .limit = limit};
  rd_buf sql;
  rd_buf_init(&sql);
  rd_param *params = NULL;
  int n = 0;
  page_query(t, &q, &sql, &params, &n);
  rd_stmt *s = NULL;
  json_t *arr = json_array();
  int rv = rd_sql_params(c, &s, err, rd_buf_cstr(&sql), params, n);
  if (rv)
    goto out;
  int rows = 0;
  *more = false;
  while ((rv = rd_stmt_step(s, err)) == RD_ROW) {
    if (rows++ == limit) {
      *more = true;
      break;
    }
    json_array_append_new(arr, row_json(t, s, NULL));
  }
  if (rv < 0)
    goto out;
  rd_stmt_done(s);
  s = NULL;
  rv = 0;
  if (t->decorate) {
    size_t i;
    json_t *rec;
    json_array_foreach(arr, i, rec) {
      rv = t->decorate(c, rec, err);
      if (rv)
        goto out;
    }
  }
  *out = arr;
  arr = NULL;
out:
  rd_stmt_done(s);
  json_decref(arr);
  rd_free(params);
  rd_buf_term(&sql);
  return rv;
}

/* ---- list pages as text (issue 12) ----
 * A page is written straight into the answer's buffer: plain values encoded by jansson one
 * at a time, the stored JSON columns spliced as they are (rolodesk writes them with
 * json_dumps(JSON_COMPACT), which is what dumping them again would give), the structure
 * around them from the constant field names, in the order of row_json (then what decorate
 * adds), so that the bytes equal json_dumps(JSON_COMPACT) of the jansson page. */

struct rd_row {
  const rd_rtype *t;
  rd_stmt *s;
  const int *col;   /* col[i]: column of field i (-1: none) */
  int extra;        /* column of the first of q->extra_cols */
  size_t *late_at;  /* where the row's t->late_field value goes in out */
};

static int chunk_to_buf(const char *chunk, size_t n, void *out) {
  rd_buf_add(out, chunk, n);
  return 0;
}

/* json (reference taken; NULL: null) encoded compactly into out. */
static void add_new_json(rd_buf *out, json_t *v) {
  json_dump_callback(v ? v : json_null(), chunk_to_buf, out, JSON_COMPACT | JSON_ENCODE_ANY);
  json_decref(v);
}

/* Issue 12: most values of a page (names, e-mail addresses, dates, ids) are printable ASCII
 * without a quote or a backslash, which JSON takes as they are (jansson would write each
 * byte unchanged): those are copied between quotes. Every other string (control
 * characters, quotes, backslashes, any byte of 0x7f or more, whose UTF-8 jansson checks)
 * goes through jansson. A unit test holds the two to the same bytes. */
void rd_json_add_string(rd_buf *out, const char *s) {
  if (s) {
    size_t n = 0;
    for (unsigned char ch; (ch = (unsigned char)s[n]) >= 0x20 && ch < 0x7f && ch != '"' &&
                           ch != '\\';)
      n++;
    if (!s[n]) {
      rd_buf_add(out, "\"", 1);
      rd_buf_add(out, s, n);
      rd_buf_add(out, "\"", 1);
      return;
    }
  }
  add_new_json(out, s ? json_string(s) : NULL);
}

static const rd_field *row_field(const rd_row *r, const char *name, int *col) {
  for (int i = 0; i < r->t->nfields; i++)
    if (!strcmp(r->t->fields[i].name, name)) {
      *col = r->col[i];
      return &r->t->fields[i];
    }
  *col = -1;
  return NULL;
}

const char *rd_row_text(const rd_row *r, const char *name) {
  int col = -1;
  row_field(r, name, &col);
  return col < 0 || rd_stmt_null(r->s, col) ? NULL : rd_stmt_text(r->s, col);
}

bool rd_row_bool(const rd_row *r, const char *name) {
  int col = -1;
  row_field(r, name, &col);
  return col >= 0 && !rd_stmt_null(r->s, col) && rd_stmt_bool(r->s, col);
}

int64_t rd_row_id(const rd_row *r) {
  return rd_stmt_int64(r->s, 0);
}

const char *rd_row_account(const rd_row *r) {
  return rd_stmt_text(r->s, 4);
}

const char *rd_row_extra(const rd_row *r, int i) {
  int col = r->extra + i;
  return rd_stmt_null(r->s, col) ? NULL : rd_stmt_text(r->s, col);
}

void rd_row_splice_json(rd_buf *out, const char *stored, const char *fallback) {
  /* What row_json gives: the parsed value, or null when it does not parse (fallback, when
   * given, replaces that null, as the annotation readers do). Text that jansson wrote is
   * an object or an array in compact form: spliced; anything else takes the long way. */
  if (stored && (stored[0] == '{' || stored[0] == '[')) {
    rd_buf_adds(out, stored);
    return;
  }
  json_t *v = stored ? json_loads(stored, fallback ? 0 : JSON_DECODE_ANY, NULL) : NULL;
  if (!v && fallback)
    rd_buf_adds(out, fallback);
  else
    add_new_json(out, v);
}

/* {"id":<id>,"name":<name or null>} as json_pack("{s:?,s:s?}") gives it. */
static void add_ref(rd_buf *out, const rd_row *r, int col, bool text_id) {
  rd_buf_adds(out, "{\"id\":");
  if (text_id)
    rd_json_add_string(out, rd_stmt_text(r->s, col));
  else
    rd_buf_add_i64(out, rd_stmt_int64(r->s, col));
  rd_buf_adds(out, ",\"name\":");
  rd_json_add_string(out, rd_stmt_null(r->s, col + 1) ? NULL : rd_stmt_text(r->s, col + 1));
  rd_buf_adds(out, "}");
}

/* The value of field f (selected, column col) as row_json holds it. */
static void add_field(rd_buf *out, const rd_row *r, const rd_field *f, int col) {
  if (rd_stmt_null(r->s, col)) {
    rd_buf_adds(out, "null");
    return;
  }
  switch (f->type) {
  case RD_FT_BOOL: rd_buf_adds(out, rd_stmt_bool(r->s, col) ? "true" : "false"); break;
  case RD_FT_INT: rd_buf_add_i64(out, rd_stmt_int64(r->s, col)); break;
  case RD_FT_ROLES: add_new_json(out, rd_roles_json((unsigned)rd_stmt_int64(r->s, col))); break;
  case RD_FT_ACCOUNT: add_ref(out, r, col, true); break;
  case RD_FT_REF: add_ref(out, r, col, false); break;
  case RD_FT_JSON: rd_row_splice_json(out, rd_stmt_text(r->s, col), NULL); break;
  default: rd_json_add_string(out, rd_stmt_text(r->s, col)); break;
  }
}

void rd_row_value(const rd_row *r, const char *name, rd_buf *out) {
  int col = -1;
  const rd_field *f = NULL;
  if (!strcmp(name, "id")) {
    rd_buf_add_i64(out, rd_row_id(r));
  } else if (!strcmp(name, "account")) {
    add_ref(out, r, 4, true);
  } else if (!strcmp(name, "created_at") || !strcmp(name, "updated_at")) {
    rd_json_add_string(out, rd_stmt_text(r->s, name[0] == 'c' ? 2 : 3));
  } else if ((f = row_field(r, name, &col)) && col >= 0) {
    add_field(out, r, f, col);
  } else {
    rd_buf_adds(out, "null"); /* absent, or computed (decorate's) */
  }
}

int rd_row_record(const rd_row *r, rd_buf *out) {
  const rd_rtype *t = r->t;
  rd_buf_adds(out, "{\"id\":");
  rd_row_value(r, "id", out);
  rd_buf_adds(out, ",\"account\":");
  rd_row_value(r, "account", out);
  for (int i = 0; i < t->nfields; i++) {
    const rd_field *f = &t->fields[i];
    if (f->flags & RD_FF_WRITEONLY)
      continue;
    rd_buf_adds(out, ",\"");
    rd_buf_adds(out, f->name);
    rd_buf_adds(out, "\":");
    if (r->col[i] >= 0) {
      add_field(out, r, f, r->col[i]);
      continue;
    }
    if (t->late_field && !strcmp(f->name, t->late_field)) {
      *r->late_at = out->len; /* filled after the page's statement (late_text) */
      continue;
    }
    size_t len = out->len;
    if (t->decorate_text)
      t->decorate_text(r, f, out);
    if (out->len == len)
      rd_buf_adds(out, "null"); /* what row_json holds until decorate fills it */
  }
  rd_buf_adds(out, ",\"created_at\":");
  rd_row_value(r, "created_at", out);
  rd_buf_adds(out, ",\"updated_at\":");
  rd_row_value(r, "updated_at", out);
  if (t->decorate_text)
    t->decorate_text(r, NULL, out);
  rd_buf_adds(out, "}");
  return 0;
}

static int row_record_fn(const rd_row *r, void *arg, rd_buf *out) {
  (void)arg;
  return rd_row_record(r, out);
}

/* The jansson page of q written into out: for types whose decorate has no text form (it
 * may read the database, which the text path cannot do while the page's statement is
 * open). */
static int list_text_jansson(rd_conn *c, const rd_rtype *t, const rd_list_q *q, rd_buf *out,
                             int64_t *last_id, bool *more, rd_err *err) {
  json_t *rows = NULL;
  int rv = rd_rec_list_by(c, t, q->account_id, q->join, q->jp, q->njp, q->key, q->where, q->p,
                          q->np, q->after, q->limit, &rows, more, err);
  if (rv)
    return rv;
  size_t n = json_array_size(rows);
  if (n)
    *last_id = json_integer_value(json_object_get(json_array_get(rows, n - 1), "id"));
  add_new_json(out, rows);
  return 0;
}

/* Writes t->late_field's values of the page's rows ids[0..n) into out at the offsets
 * late[0..n) (ascending, after start). */
static int splice_late(rd_conn *c, const rd_rtype *t, const int64_t *ids, const size_t *late,
                       int n, size_t start, rd_buf *out, rd_err *err) {
  rd_buf *vals = rd_calloc((size_t)n, sizeof *vals);
  rd_buf page;
  rd_buf_init(&page);
  for (int i = 0; i < n; i++)
    rd_buf_init(&vals[i]);
  int rv = t->late_text(c, ids, n, vals, err);
  if (!rv) {
    size_t from = start;
    for (int i = 0; i < n; i++) {
      assert(late[i] >= from && late[i] <= out->len);
      rd_buf_add(&page, out->data + from, late[i] - from);
      if (vals[i].len)
        rd_buf_add(&page, vals[i].data, vals[i].len);
      else
        rd_buf_adds(&page, "null");
      from = late[i];
    }
    rd_buf_add(&page, out->data + from, out->len - from);
    out->len = start;
    rd_buf_add(out, page.data, page.len);
  }
  for (int i = 0; i < n; i++)
    rd_buf_term(&vals[i]);
  rd_free(vals);
  rd_buf_term(&page);
  return rv;
}

int rd_rec_list_text(rd_conn *c, const rd_rtype *t, const rd_list_q *q, rd_row_fn fn, void *arg,
                     rd_buf *out, int64_t *last_id, bool *more, rd_err *err) {
  assert(!fn || !t->late_field);      /* late values go where rd_row_record leaves them */
  if (!fn && t->decorate && !t->decorate_text)
    return list_text_jansson(c, t, q, out, last_id, more, err);
  rd_buf sql;
  rd_buf_init(&sql);
  rd_param *params = NULL;
  int n = 0;
  page_query(t, q, &sql, &params, &n);
  int *col = rd_calloc((size_t)t->nfields + 1, sizeof *col);
  int next = 6;
  for (int i = 0; i < t->nfields; i++) {
    const rd_field *f = &t->fields[i];
    col[i] = selected(f) ? next : -1;
    if (selected(f))
      next += f->type == RD_FT_REF || f->type == RD_FT_ACCOUNT ? 2 : 1;
  }
  /* late_text: the rows' ids and where their late field goes (at most limit rows) */
  int64_t *ids = rd_calloc((size_t)q->limit + 1, sizeof *ids);
  size_t *late = rd_calloc((size_t)q->limit + 1, sizeof *late);
  size_t late_at = 0;
  rd_row row = {.t = t, .col = col, .extra = next, .late_at = &late_at};
  size_t start = out->len;
  rd_buf_adds(out, "[");
  int64_t last = 0;
  bool more_rows = false;
  int rv = rd_sql_params(c, &row.s, err, rd_buf_cstr(&sql), params, n);
  if (rv)
    goto out;
  int rows = 0;
  while ((rv = rd_stmt_step(row.s, err)) == RD_ROW) {
    if (rows == q->limit) {
      more_rows = true;
      break;
    }
    if (rows++)
      rd_buf_adds(out, ",");
    late_at = out->len;
    rv = fn ? fn(&row, arg, out) : row_record_fn(&row, arg, out);
    if (rv)
      goto out;
    last = rd_row_id(&row);
    assert(rows <= q->limit); /* ids and late hold limit + 1 */
    ids[rows - 1] = last;
    late[rows - 1] = late_at;
  }
  if (rv < 0)
    goto out;
  rd_stmt_done(row.s);
  row.s = NULL;
  rv = 0;
  if (t->late_field && rows > 0) {
    rv = splice_late(c, t, ids, late, rows, start, out, err);
    if (rv)
      goto out;
  }
  rd_buf_adds(out, "]");
  *last_id = last;
  *more = more_rows;
out:
  if (rv)
    out->len = start; /* no half page */
  rd_stmt_done(row.s);
  rd_free(ids);
  rd_free(late);
  rd_free(col);
  rd_free(params);
  rd_buf_term(&sql);
  return rv;
}

/* ---- writing ---- */

/* Binds the value of f in rec as parameter p; JSON texts are kept alive in keep. */
static rd_param value_param(const rd_field *f, json_t *rec, json_t *keep) {
  json_t *v = json_object_get(rec, f->name);
  if (!v || json_is_null(v))
    return (rd_param){.type = 'n'};
  switch (f->type) {
  case RD_FT_BOOL: return (rd_param){.type = 'b', .i = json_is_true(v)};
  case RD_FT_INT: return (rd_param){.type = 'i', .i = json_integer_value(v)};
  case RD_FT_ROLES: return (rd_param){.type = 'i', .i = rd_roles_bits(v)};
  case RD_FT_ACCOUNT:
    return (rd_param){.type = 't', .t = json_string_value(json_object_get(v, "id"))};
  case RD_FT_REF:
    return (rd_param){.type = 'i', .i = json_integer_value(json_object_get(v, "id"))};
  case RD_FT_JSON: {
    char *text = json_dumps(v, JSON_COMPACT);
    json_array_append_new(keep, json_string(text));
    free(text);
    return (rd_param){.type = 't', .t = json_string_value(json_array_get(keep, json_array_size(keep) - 1))};
  }
  default: return (rd_param){.type = 't', .t = json_string_value(v)};
  }
}

static void drop_json(void *v) {
  json_decref(v);
}

static json_t *seen_map(rd_conn *c, const char *table, const char *account_id) {
  return rd_tx_memo_get(c, table, account_id);
}

void rd_rec_ref_seen(rd_conn *c, const char *table, const char *account_id, int64_t id,
                     const char *name) {
  json_t *map = seen_map(c, table, account_id);
  if (!map) {
    map = json_object();
    rd_tx_memo_put(c, table, account_id, map, drop_json);
    if (!(map = seen_map(c, table, account_id)))
      return; /* no transaction, or the memo is full */
  }
  char key[24];
  snprintf(key, sizeof key, "%lld", (long long)id);
  json_object_set_new(map, key, name ? json_string(name) : json_null());
}

static json_t *ref_seen(rd_conn *c, const char *table, const char *account_id, int64_t id) {
  json_t *map = seen_map(c, table, account_id);
  if (!map)
    return NULL;
  char key[24];
  snprintf(key, sizeof key, "%lld", (long long)id);
  return json_object_get(map, key);
}

const char *rd_rec_ref_name(rd_conn *c, const char *table, const char *account_id, int64_t id) {
  return json_string_value(ref_seen(c, table, account_id, id));
}

/* REF fields must name a record of the same account (404 would leak; 422 names it). */
static int check_refs(rd_conn *c, const rd_caller *who, const rd_rtype *t, json_t *rec,
                      rd_err *err) {
  for (int i = 0; i < t->nfields; i++) {
    const rd_field *f = &t->fields[i];
    if (f->type != RD_FT_REF || !f->column || (f->flags & (RD_FF_ANYACCOUNT | RD_FF_REFHOOK)))
      continue;
    json_t *v = json_object_get(rec, f->name);
    if (!json_is_object(v))
      continue;
    int64_t id = (int64_t)json_integer_value(json_object_get(v, "id"));
    if (ref_seen(c, f->ref_table, who->account_id, id))
      continue;
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT 1 FROM %s WHERE id = ? AND account_id = ?", f->ref_table);
    int rv = rd_sql_expect(c, err, sql, "it", id, who->account_id);
    if (rv < 0)
      return rv;
    if (rv == RD_DONE)
      rd_err_field(err, f->name, "no such record in this account");
  }
  return err && err->code ? err->code : 0;
}

/* What a change of field f compares: a reference by its id (its name is read, not
 * written), any other value whole. NULL, a missing value, is null. */
static json_t *compared(const rd_field *f, json_t *v) {
  if ((f->type == RD_FT_REF || f->type == RD_FT_ACCOUNT) && json_is_object(v))
    v = json_object_get(v, "id");
  return v ? v : json_null();
}

static bool same_value(const rd_field *f, json_t *a, json_t *b) {
  return json_equal(compared(f, a), compared(f, b));
}

/* v encoded compactly into out (NULL: null): strings and integers as a page writes them
 * (issue 11: one jansson dump per value was most of the audit diff of an imported row),
 * objects, arrays and reals by jansson. */
static void add_json(rd_buf *out, json_t *v) {
  if (json_is_string(v))
    rd_json_add_string(out, json_string_value(v));
  else if (json_is_integer(v))
    rd_buf_add_i64(out, json_integer_value(v));
  else if (!v || json_is_null(v))
    rd_buf_adds(out, "null");
  else if (json_is_boolean(v))
    rd_buf_adds(out, json_is_true(v) ? "true" : "false");
  else
    json_dump_callback(v, chunk_to_buf, out, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* "name": after a comma unless it is the first */
static void add_key(rd_buf *out, bool first, const char *name) {
  rd_buf_adds(out, first ? "\"" : ",\"");
  rd_buf_adds(out, name);
  rd_buf_adds(out, "\":");
}

/* The audit's changes of a create (old NULL) or an update as JSON text: {"field": {"old":
 * ..., "new": ...}, ...} in field order. Values are encoded by jansson one by one; the
 * structure around them is spliced (field names are constant identifiers of the tables):
 * one json_dumps of the whole object cost an import a tenth of its time, most of it in
 * jansson's cycle check of every nested object. */
static void diff(const rd_rtype *t, json_t *old, json_t *rec, json_t *patch, rd_buf *out) {
  rd_buf_adds(out, "{");
  bool first = true;
  for (int i = 0; i < t->nfields; i++) {
    const rd_field *f = &t->fields[i];
    if (f->flags & RD_FF_CHECKONLY)
      continue;
    if (f->flags & RD_FF_WRITEONLY) {
      /* ACC-6: secrets are never written to the audit trail; only that they changed. */
      if (patch && json_object_get(patch, f->name)) {
        add_key(out, first, f->name);
        rd_buf_adds(out, "{\"changed\":true}");
        first = false;
      }
      continue;
    }
    if (!f->column)
      continue;
    json_t *a = old ? json_object_get(old, f->name) : NULL;
    json_t *b = json_object_get(rec, f->name);
    if (same_value(f, a, b) || (!old && (!b || json_is_null(b))))
      continue;
    add_key(out, first, f->name);
    rd_buf_adds(out, "{\"old\":");
    add_json(out, a);
    rd_buf_adds(out, ",\"new\":");
    add_json(out, b);
    rd_buf_adds(out, "}");
    first = false;
  }
  rd_buf_adds(out, "}");
}

int rd_rec_create(rd_conn *c, const rd_caller *who, const rd_rtype *t, json_t *in,
                  int64_t *id_out, rd_err *err) {
  json_t *rec = json_deep_copy(in), *keep = json_array();
  rd_param *p = NULL;
  rd_buf changes;
  rd_buf_init(&changes);
  int64_t id = 0;
  for (int i = 0; i < t->nfields; i++) {
    const rd_field *f = &t->fields[i];
    if (f->def && !json_object_get(rec, f->name))
      json_object_set_new(rec, f->name, json_loads(f->def, JSON_DECODE_ANY, NULL));
  }
  int rv = check_refs(c, who, t, rec, err);
  if (!rv)
    rv = rd_rec_rules(c, who, t, 0, NULL, rec, err);
  if (!rv)
    rv = rd_next_id(c, &id, err);
  if (rv)
    goto out;
  char now[RD_TIME_LEN];
  rd_time_now(now);
  /* Sized from t->nfields: every stored field is bound, none dropped. */
  p = rd_calloc((size_t)t->nfields + 4, sizeof *p);
  int n = 0;
  p[n++] = (rd_param){.type = 'i', .i = id};
  p[n++] = (rd_param){.type = 't', .t = who->account_id};
  p[n++] = (rd_param){.type = 't', .t = now};
  p[n++] = (rd_param){.type = 't', .t = now};
  for (int i = 0; i < t->nfields; i++)
    if (stored(&t->fields[i]))
      p[n++] = value_param(&t->fields[i], rec, keep);
  assert(n <= t->nfields + 4); /* p holds nfields + 4 */
  rd_tx_memo_forget(c, t->table);
  rv = rd_sql_params_exec(c, err, write_sql(t, true), p, n);
  if (rv)
    goto out;
  rv = t->after_write ? t->after_write(c, who, id, NULL, rec, err) : 0;
  if (rv)
    goto out;
  diff(t, NULL, rec, in, &changes);
  rv = rd_audit_write_text(c, who, t->name, id, "create", rd_buf_cstr(&changes), err);
  if (!rv)
    *id_out = id;
out:
  rd_free(p);
  json_decref(rec);
  json_decref(keep);
  rd_buf_term(&changes);
  return rv;
}

/* Whether patch, merged into old as rec, changes anything (issue 11). A patch of stored
 * fields whose values stay what they are does not: it is not written (no new version,
 * updated_at or audit row), after the same checks and rules as any write, so a caller
 * who may not write the record is still refused. A re-import of an unchanged file is such
 * a write for each row. A secret, a field kept elsewhere (after_write) or a field the
 * type does not know counts as a change. */
static bool changes_anything(const rd_rtype *t, json_t *old, json_t *rec, json_t *patch) {
  const char *name;
  json_t *v;
  json_object_foreach(patch, name, v) {
    const rd_field *f = rd_rec_field(t, name);
    if (!f || !f->column || (f->flags & (RD_FF_WRITEONLY | RD_FF_CHECKONLY)) ||
        !same_value(f, json_object_get(old, name), json_object_get(rec, name)))
      return true;
  }
  return false;
}

/* rd_rec_update, and with put rd_rec_put: a missing record of a type with key_column reads
 * as the fields' defaults (version 0) and is inserted with the caller's key. */
static int write_one(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                     json_t *patch, int64_t if_match, const char *action, bool put,
                     bool *wrote, rd_err *err) {
  json_t *old = NULL, *rec = NULL, *keep = json_array();
  rd_buf changes;
  rd_buf_init(&changes);
  rd_param *p = NULL;
  int64_t version = 0;
  int rv = rd_rec_get(c, t, who->account_id, id, &old, &version, err);
  bool exists = !rv;
  if (put && rv == RD_ENOTFOUND) { /* none yet: the defaults, version 0 */
    rd_err_clear(err);
    rv = 0;
    old = json_object();
    for (int i = 0; i < t->nfields; i++) {
      const rd_field *f = &t->fields[i];
      if (stored(f))
        json_object_set_new(old, f->name,
                            f->def ? json_loads(f->def, JSON_DECODE_ANY, NULL) : json_null());
    }
  }
  if (rv)
    goto out;
  if (if_match >= 0 && if_match != version) {
    rv = rd_err_set(err, RD_EPRECOND, "The record has changed since it was read (If-Match)");
    goto out;
  }
  rec = json_deep_copy(old);
  rd_json_merge_patch(rec, patch);
  rv = check_refs(c, who, t, rec, err);
  if (!rv)
    rv = rd_rec_rules(c, who, t, id, old, rec, err);
  if (rv || (exists && !changes_anything(t, old, rec, patch)))
    goto out;
  if (wrote)
    *wrote = true;
  char now[RD_TIME_LEN];
  rd_time_now(now);
  /* Sized from t->nfields: every stored field is bound, none dropped. */
  p = rd_calloc((size_t)t->nfields + 4, sizeof *p);
  int n = 0;
  if (!exists) { /* INSERT (key, account_id, created_at, updated_at, fields...) */
    p[n++] = (rd_param){.type = 'i', .i = id};
    p[n++] = (rd_param){.type = 't', .t = who->account_id};
    p[n++] = (rd_param){.type = 't', .t = now};
  }
  p[n++] = (rd_param){.type = 't', .t = now};
  for (int i = 0; i < t->nfields; i++)
    if (stored(&t->fields[i]))
      p[n++] = value_param(&t->fields[i], rec, keep);
  if (exists) { /* UPDATE ... WHERE key = ? AND account_id = ? AND version = ? */
    p[n++] = (rd_param){.type = 'i', .i = id};
    p[n++] = (rd_param){.type = 't', .t = who->account_id};
    p[n++] = (rd_param){.type = 'i', .i = version};
  }
  assert(n <= t->nfields + 4); /* p holds nfields + 4 */
  rd_stmt *s = NULL;
  rd_tx_memo_forget(c, t->table);
  rv = rd_sql_params(c, &s, err, write_sql(t, !exists), p, n);
  if (rv)
    goto out;
  rv = rd_stmt_step(s, err);
  int64_t changed = rv == RD_DONE ? rd_stmt_changes(s) : 0;
  rd_stmt_done(s);
  /* Another writer got there first: changed it since it was read, or created it. */
  if ((rv == RD_ECONFLICT && !exists) || (rv == RD_DONE && changed != 1)) {
    rd_err_clear(err);
    rv = rd_err_set(err, RD_EPRECOND, "The record has changed since it was read (If-Match)");
  }
  if (rv < 0)
    goto out;
  rv = t->after_write ? t->after_write(c, who, id, exists ? old : NULL, rec, err) : 0;
  if (rv)
    goto out;
  diff(t, old, rec, patch, &changes);
  rv = rd_audit_write_text(c, who, t->name, id, action, rd_buf_cstr(&changes), err);
out:
  rd_free(p);
  json_decref(old);
  json_decref(rec);
  json_decref(keep);
  rd_buf_term(&changes);
  return rv;
}

int rd_rec_update(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id, json_t *patch,
                  int64_t if_match, rd_err *err) {
  return write_one(c, who, t, id, patch, if_match, "update", false, NULL, err);
}

int rd_rec_update_wrote(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                        json_t *patch, int64_t if_match, bool *wrote, rd_err *err) {
  *wrote = false;
  return write_one(c, who, t, id, patch, if_match, "update", false, wrote, err);
}

int rd_rec_put(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t key, json_t *patch,
               int64_t if_match, const char *action, rd_err *err) {
  assert(t->key_column); /* records with engine ids are created with rd_rec_create */
  return write_one(c, who, t, key, patch, if_match, action, true, NULL, err);
}

/* ---- the generic entry points (issue 11) ---- */

int rd_rec_allow(const rd_caller *who, const rd_rtype *t, rd_rec_op op, rd_err *err) {
  static const char *const VERBS[] = {"read", "create", "change", "delete"};
  assert(op >= RD_REC_READ && op <= RD_REC_DELETE);
  unsigned roles = t->write_roles;
  if (op == RD_REC_READ)
    roles = t->read_roles;
  else if (op == RD_REC_CREATE && t->create_roles)
    roles = t->create_roles;
  if (!roles || rd_caller_has(who, roles))
    return 0;
  if (t->denied)
    return rd_err_set(err, RD_EFORBIDDEN, t->denied, VERBS[op]);
  return rd_err_set(err, RD_EFORBIDDEN, "Your roles do not allow %s %ss",
                    op == RD_REC_READ ? "reading" : "changing", t->name);
}

int rd_rec_rules(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id, json_t *old,
                 json_t *rec, rd_err *err) {
  int rv = rd_rec_allow(who, t, old ? RD_REC_UPDATE : RD_REC_CREATE, err);
  if (!rv && t->may_write)
    rv = t->may_write(c, who, t, id, old, rec, err);
  if (!rv && t->validate)
    rv = t->validate(c, who, t, id, old, rec, err);
  return rv;
}

typedef struct tx_args {
  const rd_caller *who;
  const rd_rtype *t;
  json_t *in;
  int64_t id, if_match;
} tx_args;

static int tx_create(rd_conn *c, void *arg, rd_err *err) {
  tx_args *a = arg;
  return rd_rec_create(c, a->who, a->t, a->in, &a->id, err);
}

static int tx_update(rd_conn *c, void *arg, rd_err *err) {
  tx_args *a = arg;
  return rd_rec_update(c, a->who, a->t, a->id, a->in, a->if_match, err);
}

static int tx_delete(rd_conn *c, void *arg, rd_err *err) {
  tx_args *a = arg;
  return rd_rec_delete(c, a->who, a->t, a->id, err);
}

int rd_rec_create_tx(rd_conn *c, const rd_caller *who, const rd_rtype *t, json_t *in,
                     int64_t *id_out, rd_err *err) {
  tx_args a = {who, t, in, 0, -1};
  int rv = rd_rec_allow(who, t, RD_REC_CREATE, err);
  if (!rv)
    rv = rd_rec_check(t, in, true, NULL, err);
  if (!rv)
    rv = rd_with_tx(c, err, tx_create, &a);
  if (!rv)
    *id_out = a.id;
  return rv;
}

int rd_rec_update_tx(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                     json_t *patch, int64_t if_match, rd_err *err) {
  tx_args a = {who, t, patch, id, if_match};
  int rv = rd_rec_allow(who, t, RD_REC_UPDATE, err);
  if (!rv)
    rv = rd_rec_check(t, patch, false, t->update_fields, err);
  if (!rv)
    rv = rd_with_tx(c, err, tx_update, &a);
  return rv;
}

int rd_rec_in_scope(rd_conn *c, const rd_rtype *t, const char *account_id, int64_t id,
                    const char *cond, const rd_param *p, int np, rd_err *err) {
  rd_param *all = rd_calloc((size_t)np + 2, sizeof *all);
  all[0] = (rd_param){.type = 'i', .i = id};
  all[1] = (rd_param){.type = 't', .t = account_id};
  for (int i = 0; i < np; i++)
    all[i + 2] = p[i];
  rd_buf sql;
  rd_buf_init(&sql);
  rd_buf_printf(&sql, "SELECT 1 FROM %s t WHERE t.id = ? AND t.account_id = ? AND (%s)", t->table,
                cond);
  rd_stmt *s = NULL;
  int rv = rd_sql_params(c, &s, err, rd_buf_cstr(&sql), all, np + 2);
  if (!rv) {
    rv = rd_stmt_step(s, err);
    rd_stmt_done(s);
  }
  rd_buf_term(&sql);
  rd_free(all);
  if (rv == RD_DONE)
    return rd_err_set(err, RD_ENOTFOUND, "No %s with id %lld", t->name, (long long)id);
  return rv < 0 ? rv : 0;
}

int rd_rec_delete_tx(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                     rd_err *err) {
  tx_args a = {who, t, NULL, id, -1};
  int rv = rd_rec_allow(who, t, RD_REC_DELETE, err);
  if (!rv)
    rv = rd_with_tx(c, err, tx_delete, &a);
  return rv;
}

int rd_rec_delete(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id, rd_err *err) {
  json_t *old = NULL;
  char sql[128];
  int rv = rd_rec_allow(who, t, RD_REC_DELETE, err);
  if (!rv)
    rv = rd_rec_get(c, t, who->account_id, id, &old, NULL, err);
  if (!rv && t->may_write)
    rv = t->may_write(c, who, t, id, old, NULL, err);
  if (!rv && t->before_delete)
    rv = t->before_delete(c, who, id, old, err);
  if (rv)
    goto out;
  int n = snprintf(sql, sizeof sql, "DELETE FROM %s WHERE %s = ? AND account_id = ?", t->table,
                   key_col(t));
  assert(n > 0 && (size_t)n < sizeof sql); /* table names are short constants */
  (void)n;
  rd_tx_memo_forget(c, t->table);
  rv = rd_sql_exec(c, NULL, err, sql, "it", id, who->account_id);
  if (!rv)
    rv = rd_audit_write(c, who, t->name, id, "delete", NULL, err);
out:
  json_decref(old);
  return rv;
}

int rd_rec_touch(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                 const char *what, json_t *detail, rd_err *err) {
  char sql[160], now[RD_TIME_LEN];
  int64_t changed = 0;
  rd_time_now(now);
  int n = snprintf(sql, sizeof sql,
                   "UPDATE %s SET version = version + 1, updated_at = ? WHERE %s = ?"
                   " AND account_id = ?",
                   t->table, key_col(t));
  assert(n > 0 && (size_t)n < sizeof sql); /* table names are short constants */
  (void)n;
  int rv = rd_rec_allow(who, t, RD_REC_UPDATE, err);
  if (!rv)
    rv = rd_sql_exec(c, &changed, err, sql, "tit", now, id, who->account_id);
  if (!rv && changed != 1)
    rv = rd_err_set(err, RD_ENOTFOUND, "No %s with id %lld", t->name, (long long)id);
  if (!rv)
    rv = rd_audit_write(c, who, t->name, id, what, detail, err);
  return rv;
}

int rd_rec_read(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id, json_t **out,
                int64_t *version, rd_err *err) {
  int rv = rd_rec_allow(who, t, RD_REC_READ, err);
  return rv ? rv : rd_rec_get(c, t, who->account_id, id, out, version, err);
}

int rd_rec_read_list(rd_conn *c, const rd_caller *who, const rd_rtype *t, const char *where,
                     const rd_param *p, int np, int64_t after, int limit, json_t **out,
                     bool *more, rd_err *err) {
  int rv = rd_rec_allow(who, t, RD_REC_READ, err);
  return rv ? rv
            : rd_rec_list(c, t, who->account_id, where, p, np, after, limit, out, more, err);
}

int rd_rec_read_list_text(rd_conn *c, const rd_caller *who, const rd_rtype *t,
                          const rd_list_q *q, rd_buf *out, int64_t *last_id, bool *more,
                          rd_err *err) {
  int rv = rd_rec_allow(who, t, RD_REC_READ, err);
  return rv ? rv : rd_rec_list_text(c, t, q, NULL, NULL, out, last_id, more, err);
}

int rd_with_tx(rd_conn *c, rd_err *err, int (*fn)(rd_conn *, void *, rd_err *), void *arg) {
  int rv = rd_tx_begin(c, true, err);
  if (rv)
    return rv;
  rv = fn(c, arg, err);
  if (rv) {
    rd_tx_rollback(c);
    return rv;
  }
  return rd_tx_commit(c, err);
}

char *rd_like_pattern(const char *s) {
  rd_buf b;
  rd_buf_init(&b);
  rd_buf_adds(&b, "%");
  for (; *s; s++) {
    if (*s == '%' || *s == '_' || *s == '\\')
      rd_buf_add(&b, "\\", 1);
    rd_buf_add(&b, s, 1);
  }
  rd_buf_adds(&b, "%");
  return b.data;
}
