/* Records described by tables of fields: the one implementation of input checking
 * (unknown fields, types, lengths, required, read-only), JSON merge patch, reading rows
 * into JSON, writing JSON into rows with optimistic versions, and the audit diff. Each
 * resource (organization, person, custom field...) declares an rd_rtype and adds its own
 * rules through the validate hook; none re-implements these steps.
 *
 * A record in memory is the JSON object of API.md (references as {"id", "name"}), built
 * with jansson; its version (for ETag / If-Match) travels beside it. */
#ifndef RD_DOMAIN_RECORD_H
#define RD_DOMAIN_RECORD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/str.h"
#include "auth/caller.h"
#include "domain/audit.h"
#include "store/store.h"

typedef enum rd_ftype {
  RD_FT_TEXT, /* string; column TEXT */
  RD_FT_BOOL, /* boolean; column BOOLEAN */
  RD_FT_INT,  /* integer; column BIGINT */
  RD_FT_REF,  /* {"id": n} in, {"id": n, "name": ...} out; column BIGINT */
  RD_FT_JSON, /* object or array; column TEXT holding JSON */
  RD_FT_DATE, /* "YYYY-MM-DD"; column TEXT */
  RD_FT_TIME, /* RFC 3339; column TEXT */
  RD_FT_ROLES, /* array of role names (ACC-2); column INTEGER bit set */
  RD_FT_ACCOUNT, /* {"id": slug, "name": ...} out; column TEXT account id; read-only */
} rd_ftype;

enum {
  RD_FF_REQUIRED = 1 << 0,  /* must be present (and not null) on create */
  RD_FF_READONLY = 1 << 1,  /* never accepted in input; output only */
  RD_FF_WRITEONLY = 1 << 2, /* accepted, never output (passwords); not stored by rd_rec */
  RD_FF_NOTNULL = 1 << 3,   /* null is refused */
  RD_FF_ANYACCOUNT = 1 << 4, /* REF may name another account's record: validate checks it */
  RD_FF_MULTILINE = 1 << 5,  /* TEXT may hold line breaks and tabs (remarks, notes) */
  RD_FF_CHECKONLY = 1 << 6,  /* with WRITEONLY: read by validate, never stored or audited */
  RD_FF_REFHOOK = 1 << 7,    /* REF checked by the validate hook, more strictly than the
                              * engine's "a record of this account" (the engine skips it) */
};

typedef struct rd_field {
  const char *name;   /* JSON name */
  const char *column; /* SQL column; NULL for fields the resource handles in its hooks */
  rd_ftype type;
  unsigned flags;
  int max_len;          /* TEXT: maximum code points (0: RD_TEXT_MAX) */
  const char *def;      /* JSON text of the value a create stores when absent */
  const char *ref_table;     /* REF: table of the referenced record (same account) */
  const char *ref_name_sql;  /* REF: SQL expression of its name over alias r */
} rd_field;

#define RD_TEXT_MAX 65536

typedef struct rd_rtype rd_rtype;
/* One stored row of a list page being written as text (rd_rec_list_text): what the text
 * forms of decorate and of the TRUST-4 projection read. Valid during the call only. */
typedef struct rd_row rd_row;
struct rd_rtype {
  const char *name;  /* audit record_type: "organization" */
  const char *table; /* "organizations" */
  const rd_field *fields;
  int nfields;
  /* Checks the full new record (after merge) against the resource's rules. old is NULL on
   * create. May normalize rec in place. */
  int (*validate)(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                  json_t *old, json_t *rec, rd_err *err);
  /* Called after the row is written, in the same transaction (side tables). */
  int (*after_write)(rd_conn *c, const rd_caller *who, int64_t id, json_t *old, json_t *rec,
                     rd_err *err);
  /* Adds computed fields to an output record (called for every read). */
  int (*decorate)(rd_conn *c, json_t *rec, rd_err *err);
  /* The text form of decorate for list pages (issue 12): writes into out the JSON value
   * decorate gives the computed field f (a field without a column), or, with f NULL, the
   * members decorate appends after updated_at, each after a comma; writing nothing leaves
   * f null. Must give the bytes json_dumps(JSON_COMPACT) gives of decorate's record (the
   * test tests/unit/domain/pages_test.c compares them). Runs while the page's
   * statement is open: reads the row only, never the database. NULL while decorate is
   * set: pages of the type are built with jansson. */
  void (*decorate_text)(const rd_row *row, const rd_field *f, rd_buf *out);
  /* A computed field whose value needs the database (people's aliases): rd_rec_list_text
   * leaves its place in each row of the page and, once the page's statement is done, calls
   * late_text to write the value of each row ids[0..n) (ascending) into vals[i] (empty
   * buffers the caller owns), then splices them in. NULL: none. */
  const char *late_field;
  int (*late_text)(rd_conn *c, const int64_t *ids, int n, rd_buf *vals, rd_err *err);
  /* Who may read and write records of this type (issue 11), declared here once and
   * checked by rd_rec_allow: by every rd_rec_*_tx entry point before anything else, and
   * again by rd_rec_create, rd_rec_update (rd_rec_rules), rd_rec_delete and rd_rec_touch
   * themselves, so bulk paths that call those directly (import) meet the same rule per
   * row. Role bit sets (RD_ROLE_*);
   * 0 means any role of the account. The API's route masks stay the coarse first gate
   * (they are the contract); these are the real check. */
  unsigned read_roles;   /* rd_rec_read, rd_rec_read_list */
  unsigned write_roles;  /* update, delete and touch */
  unsigned create_roles; /* create; 0: write_roles */
  /* The 403 message: a format with one %s, the verb ("create", "change", "delete",
   * "read"). NULL: "Your roles do not allow changing <name>s" ("reading" for reads). */
  const char *denied;
  /* The per-record write rule beyond the role sets (ACC-7 for people): old is NULL on
   * create, rec NULL on delete. Called inside the transaction, after the stored record is
   * read and the references checked, before validate. NULL: none. */
  int (*may_write)(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                   json_t *old, json_t *rec, rd_err *err);
  /* Called by rd_rec_delete before the row is deleted, in the same transaction (side
   * tables that refer to it). NULL: none. */
  int (*before_delete)(rd_conn *c, const rd_caller *who, int64_t id, json_t *old, rd_err *err);
  /* Fields an update may name at all (NULL-terminated; NULL: every writable field); others
   * are 422 "cannot be changed here" (see rd_rec_check's allowed). */
  const char *const *update_fields;
  /* The column that identifies a record together with account_id (composite keys, issue
   * 11). NULL: "id", a record id the engine hands out on create. Otherwise the key is the
   * caller's (another table's id, e.g. the organization an annotation is about): records
   * are written with rd_rec_put, and "id" in the record JSON is that key. */
  const char *key_column;
};

/* Creates or updates the record of key in the caller's account (a type with key_column),
 * inside the caller's transaction: a missing record reads as the fields' defaults with
 * version 0 (so If-Match 0 means "none yet"), patch is merged into it, and the rules, the
 * write, after_write and the audit row (action, e.g. "annotate", with the changes from the
 * record before) follow as for rd_rec_update. The patch is not checked here
 * (rd_rec_check). */
int rd_rec_put(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t key, json_t *patch,
               int64_t if_match, const char *action, rd_err *err);

/* What a caller wants to do with records of a type (rd_rec_allow). */
typedef enum rd_rec_op { RD_REC_READ, RD_REC_CREATE, RD_REC_UPDATE, RD_REC_DELETE } rd_rec_op;

/* Checks input JSON (an object) against t: unknown fields, read-only fields, types, text
 * lengths and valid UTF-8, control characters (REL-1: none in single-line text, only tab and
 * line breaks in RD_FF_MULTILINE text), dates, and on create the required fields. Collects every
 * problem into err (422) before returning. `allowed` (may be NULL) restricts which fields
 * may appear at all (others: "cannot be changed here"). */
int rd_rec_check(const rd_rtype *t, json_t *in, bool create, const char *const *allowed,
                 rd_err *err);

/* RFC 7386 JSON merge patch of patch into target (object values merge recursively, null
 * removes). target is modified; patch is not. */
void rd_json_merge_patch(json_t *target, json_t *patch);

/* Reads one record of account_id (404 when absent or another account's). *out is a new
 * reference owned by the caller. version may be NULL. */
int rd_rec_get(rd_conn *c, const rd_rtype *t, const char *account_id, int64_t id, json_t **out,
               int64_t *version, rd_err *err);

/* Lists records of account_id (NULL: of any account, where must then restrict them) with id > after, at most limit (plus one to learn whether
 * more exist: *more). where is an extra SQL condition over alias t built from constant
 * fragments, with its parameters in p[0..np). *out is a new JSON array. */
int rd_rec_list(rd_conn *c, const rd_rtype *t, const char *account_id, const char *where,
                const rd_param *p, int np, int64_t after, int limit, json_t **out, bool *more,
                rd_err *err);
/* rd_rec_list driven by another table: join (a constant " JOIN x ON x.k = t.id") comes
 * after the records' table, and key (x.k, equal to t.id) carries the cursor and the order,
 * so that the planner can walk x in key order and stop at the page's end (CUST-4: the
 * SQLite full-text index). join's own parameters, if any, are jp[0..njp) (issue 12: a
 * sub-select of the page's ids). */
int rd_rec_list_by(rd_conn *c, const rd_rtype *t, const char *account_id, const char *join,
                   const rd_param *jp, int njp, const char *key, const char *where,
                   const rd_param *p, int np, int64_t after, int limit, json_t **out,
                   bool *more, rd_err *err);

/* ---- list pages as text (issue 12) ----
 * The page's JSON written straight into a buffer, the same bytes as json_dumps
 * (JSON_COMPACT) of the jansson page of rd_rec_list_by: plain values encoded by jansson one
 * at a time, stored JSON columns spliced as they are. */

/* What a page selects: rd_rec_list_by's arguments, plus extra columns (", x.a, x.b",
 * read by rd_row_extra) from extra_join (a constant " LEFT JOIN x ON ..."). jp[0..njp) are
 * the parameters of join and of extra_join, in that order (join comes first in the
 * statement), bound before the others. */
typedef struct rd_list_q {
  const char *account_id; /* NULL: any account (where restricts them) */
  const char *join, *key, *where;
  const rd_param *p;
  int np;
  const char *extra_cols, *extra_join;
  const rd_param *jp;
  int njp;
  int64_t after;
  int limit;
  bool generic_plan; /* RD_SQL_GENERIC_PLAN: planning the page costs more than reading it */
} rd_list_q;

/* Writes one row (as a JSON value) into out; nonzero stops the page. */
typedef int (*rd_row_fn)(const rd_row *row, void *arg, rd_buf *out);

/* Appends the page's JSON array to out: each row through fn (NULL: rd_row_record).
 * *last_id is the id of the last row written (0: none), *more whether rows follow. On
 * error out is as it was. Types whose decorate has no text form (decorate_text) are built
 * with jansson when fn is NULL. */
int rd_rec_list_text(rd_conn *c, const rd_rtype *t, const rd_list_q *q, rd_row_fn fn, void *arg,
                     rd_buf *out, int64_t *last_id, bool *more, rd_err *err);
/* Read roles, then rd_rec_list_text of q (whose account_id is the caller's). */
int rd_rec_read_list_text(rd_conn *c, const rd_caller *who, const rd_rtype *t,
                          const rd_list_q *q, rd_buf *out, int64_t *last_id, bool *more,
                          rd_err *err);
/* The whole record of the row, decorated (decorate_text), as rd_rec_list gives it. */
int rd_row_record(const rd_row *row, rd_buf *out);
/* Writes the JSON value of name ("id", "account", "created_at", "updated_at" or a stored
 * field) as the record of rd_rec_get holds it; null for anything else. */
void rd_row_value(const rd_row *row, const char *name, rd_buf *out);
/* The stored text of field name (NULL when null or not stored); its boolean; the id; the
 * owning account's id; extra column i of rd_list_q.extra_cols (NULL when null). Borrowed
 * from the row. */
const char *rd_row_text(const rd_row *row, const char *name);
bool rd_row_bool(const rd_row *row, const char *name);
int64_t rd_row_id(const rd_row *row);
const char *rd_row_account(const rd_row *row);
const char *rd_row_extra(const rd_row *row, int i);
/* Appends stored JSON text (written by rolodesk with jansson, compactly) as the parsed value
 * would be dumped: objects and arrays spliced as they are; NULL or text that does not parse
 * is null, or the JSON text fallback when given. */
void rd_row_splice_json(rd_buf *out, const char *stored, const char *fallback);
/* s (NULL: null) as a JSON string, encoded by jansson. */
void rd_json_add_string(rd_buf *out, const char *s);

/* Creates a record from checked input in the caller's account, inside a write transaction
 * the caller holds: applies defaults, runs validate, inserts, runs after_write, writes the
 * audit row. *id_out gets the new id. */
int rd_rec_create(rd_conn *c, const rd_caller *who, const rd_rtype *t, json_t *in,
                  int64_t *id_out, rd_err *err);

/* Applies a merge patch to record id, inside a write transaction the caller holds. When
 * if_match >= 0 it must equal the stored version (else 412). Writes the audit row with the
 * fields that changed. */
int rd_rec_update(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id, json_t *patch,
                  int64_t if_match, rd_err *err);
/* rd_rec_update, telling whether the record was written: false when the patch left every
 * value as it was (nothing written; a CSV row reports "unchanged"). */
int rd_rec_update_wrote(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                        json_t *patch, int64_t if_match, bool *wrote, rd_err *err);

/* ---- the generic entry points (issue 11) ----
 * A resource is a field table, hooks and the roles above; these do the rest, so that no
 * resource hand-writes a transaction, a role check, a version bump or an audit row. */

/* 0 when who's roles allow op on records of t (read_roles, create_roles, write_roles),
 * else RD_EFORBIDDEN (403, t->denied). Pure; thread-safe. */
int rd_rec_allow(const rd_caller *who, const rd_rtype *t, rd_rec_op op, rd_err *err);

/* Every rule of t for one new (old NULL, id 0) or changed record: the roles
 * (rd_rec_allow), may_write (ACC-7 for people), then validate (which may normalize rec).
 * rd_rec_create and rd_rec_update call it after the reference check; a bulk path that
 * writes rows its own way must call it per row instead of calling t->validate. */
/* REF targets read in this transaction by whoever writes (an importer resolving names):
 * record id of table exists in account, named name (may be NULL). The engine's reference
 * check skips them, and rd_rec_ref_name gives the name without a query. Kept in the
 * transaction memo: gone when the transaction ends or the record engine writes table.
 * table is a constant (it names the memo entry). */
void rd_rec_ref_seen(rd_conn *c, const char *table, const char *account_id, int64_t id,
                     const char *name);
/* The name remembered by rd_rec_ref_seen (borrowed), or NULL when not seen or unnamed. */
const char *rd_rec_ref_name(rd_conn *c, const char *table, const char *account_id, int64_t id);

int rd_rec_rules(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id, json_t *old,
                 json_t *rec, rd_err *err);

/* Roles, input check (rd_rec_check), then rd_rec_create in a write transaction of its own:
 * defaults, references, may_write, validate, insert, after_write, audit "create". */
int rd_rec_create_tx(rd_conn *c, const rd_caller *who, const rd_rtype *t, json_t *in,
                     int64_t *id_out, rd_err *err);
/* Roles, input check (t->update_fields), then rd_rec_update in a transaction of its own:
 * 404, 412 on a stale if_match (>= 0), merge patch, may_write, validate, version and
 * updated_at bump, after_write, audit "update" with the changed fields. */
int rd_rec_update_tx(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                     json_t *patch, int64_t if_match, rd_err *err);
/* Roles, then in a transaction of its own: rd_rec_delete. */
int rd_rec_delete_tx(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                     rd_err *err);
/* Deletes record id of the caller's account inside a write transaction the caller holds:
 * 404 when absent, may_write (rec NULL), before_delete, the row, audit "delete" (no
 * changes). */
int rd_rec_delete(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id, rd_err *err);
/* For changes to a record's side tables (aliases, members, layers), inside a write
 * transaction the caller holds, after the change: checks the write roles, bumps the
 * record's version and updated_at (so its ETag moves) and writes the audit row (action
 * what, e.g. "add_alias"; detail the changes object, borrowed, may be NULL) the same way
 * as an update. 404 when the record is not the caller's account's. The per-record rule
 * (may_write) is the caller's: it knows what the side-table change means. */
int rd_rec_touch(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                 const char *what, json_t *detail, rd_err *err);
/* Read roles, then rd_rec_get in the caller's account. */
int rd_rec_read(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id, json_t **out,
                int64_t *version, rd_err *err);
/* Read roles, then rd_rec_list in the caller's account. */
int rd_rec_read_list(rd_conn *c, const rd_caller *who, const rd_rtype *t, const char *where,
                     const rd_param *p, int np, int64_t after, int limit, json_t **out,
                     bool *more, rd_err *err);

/* 0 when record id of t in account_id meets cond (an SQL condition over alias t, its
 * parameters p[0..np): who may see it, as the resource's scope says), else 404 "No <type>
 * with id", the same answer as for another account's id. */
int rd_rec_in_scope(rd_conn *c, const rd_rtype *t, const char *account_id, int64_t id,
                    const char *cond, const rd_param *p, int np, rd_err *err);

/* "%<s>%" with %, _ and \ escaped by \, for LIKE ... ESCAPE '\'. Free with rd_free. */
char *rd_like_pattern(const char *s);

/* Roles as the JSON array of API.md and back. */
json_t *rd_roles_json(unsigned roles);
unsigned rd_roles_bits(json_t *array);

/* The field of t named name, or NULL. */
const rd_field *rd_rec_field(const rd_rtype *t, const char *name);

/* Runs fn inside a write transaction, committing on success and rolling back on error. */
int rd_with_tx(rd_conn *c, rd_err *err, int (*fn)(rd_conn *, void *, rd_err *), void *arg);

#endif
