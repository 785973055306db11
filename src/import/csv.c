/* Customer imports: see import.h. Every rule a row must pass is the API's: the record is
 * checked with rd_rec_check and written with rd_rec_create / rd_rec_update of
 * rd_person_type (whose validate hook runs rd_customer_check: countries, settings-gated
 * fields, time zones, custom fields...), organizational units with rd_org_type. This file
 * only turns CSV records into those inputs, resolves the references the template names by
 * text (company, department, partner email, line manager username), and keeps the report.
 *
 * A row is stored entirely or not at all (IMP-3). Batches first run without a savepoint
 * per row (and pipelined on PostgreSQL): a row that fails before writing anything is
 * simply reported; one that fails after writing (an organization created, a statement
 * refused) rolls its batch back, and the import goes on from its last committed batch
 * with each row under a SAVEPOINT, so that one failing row does not spoil its batch
 * (rd_import_run). Most files have no such row and pay for no savepoint. A file with a
 * Password column is read a window ahead so that the window's argon2id hashes run on all
 * cores before its rows are written (see AHEAD_PER_THREAD). */
#include <assert.h>
#include <errno.h>
#include <sodium.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"
#include "base/time.h"
#include "auth/auth.h"
#include "domain/account.h"
#include "domain/org.h"
#include "domain/person.h"
#include "domain/record.h"
#include "import/csv_read.h"
#include "import/internal.h"

/* ---- running an import ---- */

/* The organizations a run has found or created, by name and parent: enough slots for a
 * file naming thousands of companies and departments (the bench's 6,000 missed a quarter
 * of their lookups in 4,096 slots); names of ORG_NAME_BYTES or more are looked up in SQL. */
enum { ORG_SLOTS = 16384, ORG_NAME_BYTES = 64, RUN_STOPPED = 1 };
/* The batch's people by username (batch_person): twice RD_IMPORT_BATCH, a power of two. */
enum { RES_SLOTS = 2048 };
#define BATCH_US 1000000 /* a batch also ends after a second, for progress and the lease */
/* Passwords on all cores (issue 11): when the file maps a Password column, rows are read
 * ahead into a window, the window's passwords are hashed at once on rd_password_threads()
 * threads, then its rows are written one by one as before, each person's after_write
 * taking its precomputed hash (RD_PERSON_PRESET_HASH) instead of hashing on this thread.
 * The window ends at AHEAD_PER_THREAD passwords per thread (about a fifth of a second of
 * hashing, so batches still end after about a second), RD_IMPORT_BATCH rows or
 * AHEAD_BYTES of fields, whichever comes first: memory stays bounded. */
enum { AHEAD_PER_THREAD = 8 };
#define AHEAD_BYTES (4u << 20)
/* A dry run stores nothing (its rows are rolled back), so it hashes nothing: its people
 * get this instead of a hash, which no password verifies (it is not an argon2id string). */
#define DRY_RUN_HASH "!dry-run: never stored"

typedef struct ahead_row {
  rd_csv_row row;      /* fields and lens point into the arrays below */
  const char **fields; /* owned, with each field's bytes (NUL-terminated copies) */
  size_t *lens;        /* owned */
} ahead_row;

typedef struct org_slot {
  bool used;
  int64_t parent, id;
  char name[ORG_NAME_BYTES];
} org_slot;

typedef struct row_result {
  long line;
  const char *result;
  char *username, *errors, *fields; /* owned */
  char *changes; /* a dry run's diff of the row (owned; NULL otherwise) */
  int64_t person_id;
  bool update; /* a deferred row decided: UPDATE its import_rows row */
} row_result;

/* The usernames a run has recorded, as 64-bit SipHashes (libsodium's crypto_shorthash under
 * a key of the run): a username not in the set has no row in import_rows, so the lookups
 * of earlier rows (earlier_line, file_row) skip their query for it, which every row paid.
 * Only for a run that starts at the file's first row: a resumed run has rows from before
 * it that are not in the set, and asks the database every time. */
typedef struct name_set {
  bool on;
  uint64_t *slot; /* open addressing, 0 = empty; cap is a power of two */
  size_t cap, n;
  unsigned char key[crypto_shorthash_KEYBYTES];
} name_set;

typedef struct run {
  rd_conn *c;
  int64_t id;
  rd_caller who;
  rd_import_map map;
  char path[1100], charset[RD_CSV_CHARSET_MAX];
  char sep;
  bool ignore_first, web_access, dry_run;
  char locale[16];
  char custom_key[5][128], custom_type[5][16];
  int ncustom;
  json_t *partners; /* [[id, "address"], ...], addresses lower-cased */
  org_slot orgs[ORG_SLOTS];
  int pending_orgs[2], npending; /* slots filled by the current row, kept if it succeeds */
  org_slot pending[2];
  const char *phase;
  int64_t processed, created, updated, unchanged, failed, deferred, skipped, total;
  row_result res[RD_IMPORT_BATCH];
  int nres;
  short res_slot[RES_SLOTS]; /* people the batch wrote, by username: 1 + index in res */
  /* Pipelined imports: the people of the account named by the window read ahead, looked
   * up together (prefetch); id 0 when there is none. 1 + index in known, by username. */
  struct known_person {
    const char *username; /* borrowed from the window's rows */
    int64_t id;
    bool deleted;
  } known[RD_IMPORT_BATCH];
  int nknown;
  short known_slot[RES_SLOTS];
  bool in_tx;
  bool fast;      /* rows without a savepoint each: a row failing after a write stops the run */
  bool replay;    /* ... and it did: rd_import_run goes on with savepoints */
  bool pipelined; /* batches run with rd_pipeline (PostgreSQL: writes sent without waiting) */
  int64_t stats_at; /* rows written by this run at which the planner's statistics are
                     * refreshed next (rd_refresh_stats) */
  int in_batch;
  int64_t batch_us, start_us;
  bool deferred_pass, final_round;
  const rd_import_hooks *hooks; /* the job runner's side (may be NULL) */
  bool stopped;
  rd_import_progress_fn progress;
  void *parg;
  int pw_col;       /* the column mapped to Password; -1: none (nothing is read ahead) */
  int hash_threads; /* rd_password_threads() */
  ahead_row *ahead; /* [RD_IMPORT_BATCH], rows read ahead (owned); nahead of them */
  int nahead, ahead_pw;
  size_t ahead_bytes;
  const char *pws[RD_IMPORT_BATCH]; /* the window's passwords to hash (borrowed) */
  char (*hashes)[128];              /* [RD_IMPORT_BATCH] their hashes (owned) */
  const char *preset_pw, *preset_hash; /* the current row's, or NULL */
  name_set names;
} run;

static unsigned org_hash(const char *name, int64_t parent) {
  unsigned h = 2166136261u ^ (unsigned)parent;
  for (const unsigned char *p = (const unsigned char *)name; *p; p++)
    h = (h ^ *p) * 16777619u;
  return h % ORG_SLOTS;
}

static void org_remember(run *x, const char *name, int64_t parent, int64_t id) {
  if (strlen(name) >= ORG_NAME_BYTES)
    return;
  org_slot *s = &x->orgs[org_hash(name, parent)];
  s->used = true;
  s->parent = parent;
  s->id = id;
  snprintf(s->name, sizeof s->name, "%s", name);
}

/* The id the run's cache holds for the unit name under parent, 0 when none. */
static int64_t org_cached(const run *x, const char *name, int64_t parent) {
  const org_slot *s = &x->orgs[org_hash(name, parent)];
  return s->used && s->parent == parent && !strcmp(s->name, name) ? s->id : 0;
}

/* {"column": ..., "message": ...} for each item of e; fields of the person record become
 * the columns they came from. */
static const char *field_column(run *x, const char *field, const rd_import_record *rec) {
  if (!strncmp(field, "custom_fields.", 14)) {
    for (int i = 0; i < x->ncustom; i++)
      if (!strcmp(field + 14, x->custom_key[i]))
        return rd_import_target_column(&x->map, T_CUSTOM1 + i);
    return field;
  }
  if (!strcmp(field, "organization"))
    return rd_import_target_column(&x->map, rec && rec->department ? T_DEPARTMENT : T_COMPANY);
  if (!strcmp(field, "partner_organization"))
    return rd_import_target_column(&x->map, T_PARTNER_EMAIL);
  if (!strcmp(field, "line_manager"))
    return rd_import_target_column(&x->map, T_LINE_MANAGER);
  for (int t = 0; t < T_COUNT; t++)
    if (rd_import_target_field(t) && !strcmp(field, rd_import_target_field(t)))
      return rd_import_target_column(&x->map, t);
  return field;
}

static void add_errors(run *x, json_t *errors, const rd_err *e, const rd_import_record *rec,
                       bool translate, const char *column) {
  for (int i = 0; i < e->nitems; i++) {
    const char *col = column ? column
                      : translate ? field_column(x, e->items[i].field, rec)
                                  : e->items[i].field;
    json_array_append_new(errors, json_pack("{s:s,s:s}", "column", col, "message",
                                            e->items[i].message));
  }
  if (e->nitems == 0)
    json_array_append_new(errors, json_pack("{s:s?,s:s}", "column", column, "message",
                                            e->message[0] ? e->message : "failed"));
}

static void add_error(json_t *errors, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_error(json_t *errors, const char *column, const char *fmt, ...) {
  char msg[RD_ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  json_array_append_new(errors, json_pack("{s:s?,s:s}", "column", column, "message", msg));
}

static uint64_t name_hash(const name_set *ns, const char *username) {
  unsigned char h[crypto_shorthash_BYTES];
  crypto_shorthash(h, (const unsigned char *)username, strlen(username), ns->key);
  uint64_t v = 0;
  memcpy(&v, h, sizeof v);
  return v ? v : 1;
}

static size_t name_slot(const name_set *ns, uint64_t h) {
  size_t i = (size_t)h & (ns->cap - 1);
  while (ns->slot[i] && ns->slot[i] != h)
    i = (i + 1) & (ns->cap - 1);
  return i;
}

static void name_add(name_set *ns, const char *username) {
  if (ns->n * 2 >= ns->cap) {
    name_set old = *ns;
    ns->cap = old.cap ? old.cap * 2 : 4096;
    ns->slot = rd_calloc(ns->cap, sizeof *ns->slot);
    for (size_t i = 0; i < old.cap; i++)
      if (old.slot[i])
        ns->slot[name_slot(ns, old.slot[i])] = old.slot[i];
    rd_free(old.slot);
  }
  uint64_t h = name_hash(ns, username);
  size_t i = name_slot(ns, h);
  ns->n += !ns->slot[i];
  ns->slot[i] = h;
}

/* False only when username has certainly no row of this import yet. */
static bool name_maybe(const run *x, const char *username) {
  const name_set *ns = &x->names;
  if (!ns->on)
    return true;
  if (!ns->cap)
    return false;
  return ns->slot[name_slot(ns, name_hash(ns, username))] != 0;
}

static size_t res_hash(const char *username) {
  size_t h = 2166136261u;
  for (const unsigned char *p = (const unsigned char *)username; *p; p++)
    h = (h ^ *p) * 16777619u;
  return h & (RES_SLOTS - 1);
}

/* The person created or updated by a row of the open batch under username, 0 when none:
 * a line manager is most often a few rows up (no query for it then, which on PostgreSQL
 * is a round trip). Rows of earlier batches are found by person_by_username. */
static int64_t batch_person(const run *x, const char *username) {
  for (size_t i = res_hash(username); x->res_slot[i]; i = (i + 1) & (RES_SLOTS - 1)) {
    const row_result *r = &x->res[x->res_slot[i] - 1];
    if (!strcmp(r->username, username))
      return r->person_id;
  }
  return 0;
}

/* A row's result that leaves its customer in the account: created, updated or unchanged. */
static bool imported(const char *result) {
  return !strcmp(result, "created") || !strcmp(result, "updated") || !strcmp(result, "unchanged");
}

static void record(run *x, long line, const char *result, const char *username, int64_t pid,
                   json_t *errors, json_t *fields) {
  _Static_assert(RES_SLOTS >= 2 * RD_IMPORT_BATCH, "the index of the batch stays half empty");
  if (username && pid && imported(result)) {
    size_t i = res_hash(username);
    while (x->res_slot[i])
      i = (i + 1) & (RES_SLOTS - 1);
    x->res_slot[i] = (short)(x->nres + 1);
  }
  row_result *r = &x->res[x->nres++];
  r->line = line;
  r->result = result;
  r->username = rd_strdup(username);
  r->person_id = pid;
  r->errors = errors && json_array_size(errors) ? json_dumps(errors, JSON_COMPACT) : NULL;
  r->fields = fields ? json_dumps(fields, JSON_COMPACT) : NULL;
  r->changes = NULL;
  r->update = x->deferred_pass;
  if (username && x->names.on && !r->update)
    name_add(&x->names, username);
  if (x->deferred_pass)
    x->deferred--;
  if (!strcmp(result, "created"))
    x->created++;
  else if (!strcmp(result, "updated"))
    x->updated++;
  else if (!strcmp(result, "unchanged"))
    x->unchanged++;
  else if (!strcmp(result, "failed"))
    x->failed++;
  else
    x->deferred++;
}

/* Where username first appears in the file before line (0: nowhere). */
static int earlier_line(run *x, const char *username, long line, long *out, rd_err *err) {
  long best = 0;
  if (!name_maybe(x, username)) {
    *out = 0;
    return 0;
  }
  for (int i = 0; i < x->nres; i++)
    if (x->res[i].line < line && x->res[i].username && !strcmp(x->res[i].username, username) &&
        (!best || x->res[i].line < best))
      best = x->res[i].line;
  int64_t l = 0;
  int rv = rd_sql_int64(x->c, &l, err,
                        "SELECT line FROM import_rows WHERE import_id = ? AND username = ?"
                        " AND line < ? ORDER BY line LIMIT 1",
                        "iti", x->id, username, (int64_t)line);
  if (rv < 0)
    return rv;
  if (rv == RD_ROW && (!best || l < best))
    best = (long)l;
  *out = best;
  return 0;
}

/* The first row of the file with username: its line and result (NULL: none). */
static int file_row(run *x, const char *username, long *line, const char **result, rd_err *err) {
  static const char *const RESULTS[] = {"created", "updated", "unchanged", "failed", "deferred"};
  long best = 0;
  const char *res = NULL;
  if (!name_maybe(x, username)) {
    *line = 0;
    *result = NULL;
    return 0;
  }
  for (int i = 0; i < x->nres; i++)
    if (x->res[i].username && !strcmp(x->res[i].username, username) &&
        (!best || x->res[i].line < best)) {
      best = x->res[i].line;
      res = x->res[i].result;
    }
  rd_stmt *s = NULL;
  int rv = rd_sql(x->c, &s, err,
                  "SELECT line, result FROM import_rows WHERE import_id = ? AND username = ?"
                  " ORDER BY line LIMIT 1",
                  "it", x->id, username);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  if (rv == RD_ROW) {
    long l = (long)rd_stmt_int64(s, 0);
    const char *r = rd_stmt_text(s, 1);
    if (!best || l < best) {
      best = l;
      res = NULL;
      for (size_t i = 0; i < sizeof RESULTS / sizeof *RESULTS; i++)
        if (r && !strcmp(r, RESULTS[i]))
          res = RESULTS[i];
    }
  }
  rd_stmt_done(s);
  if (rv < 0)
    return rv;
  *line = best;
  *result = res;
  return 0;
}

/* The person of the account with username: id (0: none) and whether it is deleted. */
static struct known_person *known_lookup(run *x, const char *username) {
  for (size_t i = res_hash(username); x->known_slot[i]; i = (i + 1) & (RES_SLOTS - 1))
    if (!strcmp(x->known[x->known_slot[i] - 1].username, username))
      return &x->known[x->known_slot[i] - 1];
  return NULL;
}

static int person_by_username(run *x, const char *username, int64_t *id, bool *deleted,
                              rd_err *err) {
  /* Looked up with its window, and not written by this import since (name_maybe). */
  const struct known_person *k = x->nknown ? known_lookup(x, username) : NULL;
  if (k && !name_maybe(x, username)) {
    *id = k->id;
    *deleted = k->deleted;
    return 0;
  }
  rd_stmt *s = NULL;
  int rv = rd_sql(x->c, &s, err,
                  "SELECT id, deleted FROM people WHERE account_id = ? AND username = ?", "tt",
                  x->who.account_id, username);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  *id = 0;
  if (rv == RD_ROW) {
    *id = rd_stmt_int64(s, 0);
    *deleted = rd_stmt_bool(s, 1);
  }
  rd_stmt_done(s);
  return rv < 0 ? rv : 0;
}

static int64_t partner_by_email(run *x, const char *email) {
  size_t i;
  json_t *p;
  json_array_foreach(x->partners, i, p) {
    if (!strcasecmp(json_string_value(json_array_get(p, 1)), email))
      return json_integer_value(json_array_get(p, 0));
  }
  return 0;
}

/* The organizational unit named name under parent (0: top level), created when missing
 * with the API's rules. Problems go to errors under the column of target t. */
static int org_unit(run *x, const char *name, int64_t parent, int t, int64_t *out,
                    json_t *errors, rd_err *err) {
  org_slot *slot = &x->orgs[org_hash(name, parent)];
  if (slot->used && slot->parent == parent && !strcmp(slot->name, name)) {
    *out = slot->id;
    return 0;
  }
  /* One probe of the (account_id, lower(name)) index (migration 017), or of the parent's
   * children: the rows whose name differs at most in case, the name as written preferred.
   * The preference is made here: an ORDER BY built a temporary B-tree at every lookup, 50k
   * instructions, more than the rest of it. */
  static const char *const SQL[2] = {
      "SELECT id, name FROM organizations WHERE account_id = ? AND lower(name) = lower(?)"
      " AND parent_id IS NULL AND ? = 0",
      "SELECT id, name FROM organizations WHERE account_id = ? AND lower(name) = lower(?)"
      " AND parent_id = ?"};
  rd_stmt *s = NULL;
  int64_t id = 0;
  char *found = NULL; /* its name */
  int rv = rd_sql(x->c, &s, err, SQL[parent != 0], "tti", x->who.account_id, name, parent);
  while (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    const char *n = rd_stmt_text(s, 1);
    if (!id || (n && !strcmp(n, name))) {
      id = rd_stmt_int64(s, 0);
      rd_free(found);
      found = rd_strdup(n ? n : "");
    }
    rv = 0;
  }
  rd_stmt_done(s);
  if (rv < 0) {
    rd_free(found);
    return rv;
  }
  if (id > 0) {
    /* Read in this transaction: the row's reference check and its search text need no
     * query of their own. */
    rd_rec_ref_seen(x->c, "organizations", x->who.account_id, id, found);
    rd_free(found);
    org_remember(x, name, parent, id);
    *out = id;
    return 0;
  }
  rd_free(found);
  json_t *in = parent ? json_pack("{s:s,s:{s:I}}", "name", name, "parent", "id", (json_int_t)parent)
                      : json_pack("{s:s}", "name", name);
  rd_err oerr;
  rd_err_clear(&oerr);
  rv = rd_rec_check(&rd_org_type, in, true, NULL, &oerr);
  if (!rv) {
    json_object_set_new(in, "source", json_string("csv"));
    rv = rd_rec_create(x->c, &x->who, &rd_org_type, in, &id, &oerr);
  }
  json_decref(in);
  if (rv == RD_EINVAL || rv == RD_EFORBIDDEN || rv == RD_ECONFLICT) {
    add_errors(x, errors, &oerr, NULL, false, rd_import_target_column(&x->map, t));
    return RD_EINVAL;
  }
  if (rv) {
    *err = oerr;
    return rv;
  }
  if (x->npending < 2) {
    org_slot *p = &x->pending[x->npending++];
    p->used = strlen(name) < ORG_NAME_BYTES;
    p->parent = parent;
    p->id = id;
    snprintf(p->name, sizeof p->name, "%s", name);
  }
  *out = id;
  return 0;
}

/* Makes person a primary contact of org (flag 1) or not (0); a person created by this row
 * is no one's contact yet. *changed becomes true when that changed anything. */
static int set_contact(run *x, int64_t org, int64_t person, bool created, int flag,
                       bool *changed, rd_err *err) {
  if (!flag && created)
    return 0;
  int64_t n = 0;
  int rv;
  if (!flag) {
    rv = rd_sql_exec(x->c, &n, err,
                     "DELETE FROM organization_contacts WHERE organization_id = ? AND person_id = ?",
                     "ii", org, person);
    *changed |= n > 0;
    return rv;
  }
  char now[RD_TIME_LEN];
  rd_time_now(now);
  rv = rd_sql_exec(x->c, &n, err,
                     "INSERT INTO organization_contacts (account_id, organization_id, person_id,"
                     " created_at) SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM"
                     " organization_contacts WHERE organization_id = ? AND person_id = ?)",
                     "tiitii", x->who.account_id, org, person, now, org, person);
  *changed |= n > 0;
  return rv;
}

static json_t *custom_value(const char *type, const char *v) {
  if (!strcmp(type, "number")) {
    char *end = NULL;
    errno = 0;
    double d = strtod(v, &end);
    if (end != v && !*end && !errno)
      return json_real(d);
  } else if (!strcmp(type, "boolean")) {
    int flag = 0;
    if (!rd_import_parse_flag(v, &flag))
      return json_boolean(flag);
  }
  return json_string(v); /* the API's check says what is wrong with it */
}

static json_t *fields_json(const rd_csv_row *row) {
  json_t *a = json_array();
  for (int i = 0; i < row->nfields; i++)
    json_array_append_new(a, json_stringn(row->fields[i], row->lens[i]));
  return a;
}

static bool row_error(int rv) {
  return rv == RD_EINVAL || rv == RD_ECONFLICT || rv == RD_EFORBIDDEN || rv == RD_ENOTFOUND ||
         rv == RD_EPRECOND || rv == RD_EBADREQ;
}

/* Whether the password field (len bytes) is worth hashing ahead: what rd_import_record_map
 * keeps (not blank) and the person's rules accept (8 to RD_PASSWORD_MAX bytes, no NUL).
 * A row that fails anyway wastes no hash; one this misjudges is hashed by after_write. */
static bool hashable(const char *pw, size_t len) {
  return len >= 8 && len <= RD_PASSWORD_MAX && !rd_import_blank(pw, len) && !memchr(pw, 0, len);
}

/* After rd_rec_check of the person input in: hands after_write the hash computed ahead for
 * this row (only when it is of the very password the record holds), or in a dry run the
 * unusable DRY_RUN_HASH, so that no argon2id runs for a row that is rolled back. */
static void preset_hash(run *x, json_t *in) {
  const char *pw = json_string_value(json_object_get(in, "password"));
  if (!pw)
    return;
  if (x->dry_run)
    json_object_set_new(in, RD_PERSON_PRESET_HASH, json_string(DRY_RUN_HASH));
  else if (x->preset_pw && x->preset_hash && x->preset_hash[0] && !strcmp(pw, x->preset_pw))
    json_object_set_new(in, RD_PERSON_PRESET_HASH, json_string(x->preset_hash));
}

/* IMP-4, a dry run with a diff: the changes the row's write just noted in the audit trail
 * (the person's newest audit row: every create and update writes one, and the dry run rolls
 * it back with the rest), kept for the report. *out owned by the caller. */
static int written_changes(run *x, int64_t pid, char **out, rd_err *err) {
  rd_stmt *s = NULL;
  int rv = rd_sql(x->c, &s, err,
                  "SELECT changes FROM audit WHERE account_id = ? AND record_type = 'person'"
                  " AND record_id = ? ORDER BY id DESC LIMIT 1",
                  "ti", x->who.account_id, pid);
  if (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW && rd_stmt_text(s, 0))
    *out = rd_strdup(rd_stmt_text(s, 0));
  rd_stmt_done(s);
  return rv < 0 ? rv : 0;
}

/* Decides one record: 0 when a result was recorded (or the record is blank), 1 when it
 * waits for its line manager (deferred pass), < 0 on a database failure (err). */
static int do_row(run *x, long line, const rd_csv_row *row, rd_err *err) {
  rd_import_record rec;
  rd_err rerr;
  rd_err_clear(&rerr);
  json_t *errors = json_array(), *in = NULL;
  int64_t pid = 0, manager = 0, partner = 0, company = 0, department = 0;
  bool deleted = false, savepoint = false, writing = false;
  const char *result = NULL;
  x->npending = 0;
  int rv = rd_import_record_map(&x->map, row, &rec, &rerr);
  if (rec.blank) {
    x->skipped++;
    rv = 0;
    goto out;
  }
  if (rv) {
    add_errors(x, errors, &rerr, &rec, false, NULL);
    goto failed;
  }
  const char *username = rec.username;
  const char *ucol = rd_import_target_column(&x->map, T_USERNAME);
  if (username) {
    long first = 0;
    rv = earlier_line(x, username, line, &first, err);
    if (rv)
      goto out;
    if (first) {
      add_error(errors, ucol, "username '%.64s' appears twice in the file (first on line %ld)",
                username, first);
      goto failed;
    }
    rv = person_by_username(x, username, &pid, &deleted, err);
    if (rv)
      goto out;
    if (pid && deleted) {
      add_error(errors, ucol,
                "'%.64s' is a deleted person; enable it (POST /v1/people/%lld/enable) first",
                username, (long long)pid);
      goto failed;
    }
  }
  if (rec.line_manager) {
    const char *mcol = rd_import_target_column(&x->map, T_LINE_MANAGER);
    const char *m = rec.line_manager;
    if (username && !strcmp(m, username)) {
      add_error(errors, mcol, "cannot be the customer itself");
      goto failed;
    }
    bool mdel = false;
    manager = batch_person(x, m);
    rv = manager ? 0 : person_by_username(x, m, &manager, &mdel, err);
    if (rv)
      goto out;
    if (manager && mdel) {
      add_error(errors, mcol, "'%.64s' is a deleted person", m);
      goto failed;
    }
    if (!manager) {
      long mline = 0;
      const char *mres = NULL;
      rv = file_row(x, m, &mline, &mres, err);
      if (rv)
        goto out;
      if (mres && imported(mres) && x->dry_run) {
        /* IMP-4: rolled back with an earlier batch; a real run would have it. */
      } else if (mres && !strcmp(mres, "failed") && mline != line) {
        add_error(errors, mcol, "line manager '%.64s' (line %ld) was not imported", m, mline);
        goto failed;
      } else if (!x->deferred_pass) {
        json_t *fields = fields_json(row);
        record(x, line, "deferred", username, 0, NULL, fields);
        json_decref(fields);
        rv = 0;
        goto out;
      } else if (mres && !strcmp(mres, "deferred") && !x->final_round) {
        rv = 1; /* its manager's row is still waiting too */
        goto out;
      } else if (mres && !strcmp(mres, "deferred")) {
        add_error(errors, mcol,
                  "line manager '%.64s' (line %ld) waits for this row in turn (a cycle of"
                  " line managers)",
                  m, mline);
        goto failed;
      } else {
        add_error(errors, mcol, "no customer with username '%.64s' in the account or the file", m);
        goto failed;
      }
    }
  }
  if (rec.partner_email) {
    partner = partner_by_email(x, rec.partner_email);
    if (!partner) {
      add_error(errors, rd_import_target_column(&x->map, T_PARTNER_EMAIL),
                "no partner organization has the email address '%.64s'", rec.partner_email);
      goto failed;
    }
  }
  if ((rec.company_contact == 1 && !rec.company) || (rec.department_contact == 1 && !rec.department)) {
    add_error(errors, rd_import_target_column(&x->map, rec.company_contact == 1 && !rec.company
                                                 ? T_COMPANY_CONTACT
                                                 : T_DEPARTMENT_CONTACT),
              "needs the %s column filled in", rec.company_contact == 1 && !rec.company
                                                     ? "Company" : "Department");
    goto failed;
  }
  writing = true; /* from here on a failure may follow writes of this row */
  if (!x->fast) {
    rv = rd_savepoint(x->c, "import_row", err);
    if (rv)
      goto out;
    savepoint = true;
  }
  if (rec.company) {
    rv = org_unit(x, rec.company, 0, T_COMPANY, &company, errors, err);
    if (rv == RD_EINVAL)
      goto failed;
    if (rv)
      goto out;
  }
  if (rec.department) {
    rv = org_unit(x, rec.department, company, T_DEPARTMENT, &department, errors, err);
    if (rv == RD_EINVAL)
      goto failed;
    if (rv)
      goto out;
  }
  in = rec.person;
  json_incref(in);
  if (department || company)
    json_object_set_new(in, "organization", json_pack("{s:I}", "id", (json_int_t)(department ? department : company)));
  if (manager)
    json_object_set_new(in, "line_manager", json_pack("{s:I}", "id", (json_int_t)manager));
  if (partner)
    json_object_set_new(in, "partner_organization", json_pack("{s:I}", "id", (json_int_t)partner));
  json_t *cf = NULL;
  for (int i = 0; i < 5; i++) {
    if (!rec.custom[i])
      continue;
    if (i >= x->ncustom) {
      add_error(errors, rd_import_target_column(&x->map, T_CUSTOM1 + i),
                "the account has no person custom field number %d", i + 1);
      continue;
    }
    if (!cf)
      cf = json_object();
    json_object_set_new(cf, x->custom_key[i], custom_value(x->custom_type[i], rec.custom[i]));
  }
  if (json_array_size(errors)) {
    json_decref(cf);
    goto failed;
  }
  if (cf)
    json_object_set_new(in, "custom_fields", cf);
  rd_err_clear(&rerr);
  if (pid) {
    if (x->web_access)
      json_object_set_new(in, "web_access", json_true());
    rv = rd_rec_check(&rd_person_type, in, false, NULL, &rerr);
    bool wrote = false;
    if (!rv) {
      preset_hash(x, in);
      rv = rd_rec_update_wrote(x->c, &x->who, &rd_person_type, pid, in, -1, &wrote, &rerr);
    }
    result = wrote ? "updated" : "unchanged";
  } else {
    json_object_set_new(in, "roles", json_pack("[s]", "customer"));
    json_object_set_new(in, "web_access", json_boolean(x->web_access));
    if (!json_object_get(in, "email_locale") && x->locale[0]) /* IMP-2 */
      json_object_set_new(in, "email_locale", json_string(x->locale));
    rv = rd_rec_check(&rd_person_type, in, true, NULL, &rerr);
    if (!rv) {
      json_object_set_new(in, "source", json_string("csv"));
      preset_hash(x, in);
      rv = rd_rec_create(x->c, &x->who, &rd_person_type, in, &pid, &rerr);
    }
    result = "created";
  }
  if (rv == RD_ECONFLICT && rerr.nitems == 0)
    rd_err_field(&rerr, "username", "is already in use in this account");
  bool contact = false; /* a primary contact flag changed */
  if (!rv && rec.company_contact >= 0 && company)
    rv = set_contact(x, company, pid, !strcmp(result, "created"), rec.company_contact, &contact,
                     &rerr);
  if (!rv && rec.department_contact >= 0 && department)
    rv = set_contact(x, department, pid, !strcmp(result, "created"), rec.department_contact,
                     &contact, &rerr);
  if (!rv && contact && !strcmp(result, "unchanged"))
    result = "updated";
  if (rv && row_error(rv)) {
    add_errors(x, errors, &rerr, &rec, true, NULL);
    goto failed;
  }
  if (rv) {
    *err = rerr;
    goto out;
  }
  char *changes = NULL;
  if (x->dry_run) {
    rv = written_changes(x, pid, &changes, err);
    if (rv)
      goto out;
  }
  if (savepoint) {
    rv = rd_savepoint_release(x->c, "import_row", err);
    savepoint = false;
    if (rv) {
      rd_free(changes);
      goto out;
    }
  }
  for (int i = 0; i < x->npending; i++)
    if (x->pending[i].used)
      org_remember(x, x->pending[i].name, x->pending[i].parent, x->pending[i].id);
  record(x, line, result, username, pid, NULL, NULL);
  x->res[x->nres - 1].changes = changes;
  rv = 0;
  goto out;
failed:
  if (rd_pipeline_broke(x->c)) {
    /* The error may be an earlier row's, sent without waiting: the batch is repeated
     * without pipelining (rd_import_run). */
    rv = rd_err_set(err, RD_EINTERNAL, "a pipelined statement failed");
    goto out;
  }
  if (writing && x->fast) {
    /* What this row wrote cannot be undone alone: its batch is repeated with savepoints. */
    x->replay = true;
    rv = rd_err_set(err, RD_EINTERNAL, "line %ld failed after writing", line);
    goto out;
  }
  if (savepoint) {
    rv = rd_savepoint_undo(x->c, "import_row", err);
    savepoint = false;
    if (rv)
      goto out;
  }
  record(x, line, "failed", rec.username, 0, errors, NULL);
  rv = 0;
out:
  json_decref(in);
  json_decref(errors);
  rd_import_record_term(&rec);
  return rv;
}

static void free_results(run *x) {
  for (int i = 0; i < x->nres; i++) {
    rd_free(x->res[i].username);
    free(x->res[i].errors);
    free(x->res[i].fields);
    rd_free(x->res[i].changes);
  }
  x->nres = 0;
  memset(x->res_slot, 0, sizeof x->res_slot);
}

static int open_batch(run *x, rd_err *err) {
  if (x->in_tx)
    return 0;
  int rv = rd_tx_begin(x->c, true, err);
  if (!rv && x->dry_run)
    rv = rd_savepoint(x->c, "import_batch", err);
  if (!rv && x->pipelined)
    rv = rd_pipeline(x->c, err);
  if (rv) {
    rd_tx_rollback(x->c);
    return rv;
  }
  x->in_tx = true;
  x->in_batch = 0;
  x->batch_us = rd_mono_us();
  return 0;
}

static json_t *progress_json(run *x, const char *status) {
  return json_pack("{s:I,s:s,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s}", "id", (json_int_t)x->id,
                   "status", status, "dry_run", x->dry_run, "rows", (json_int_t)x->total,
                   "processed",
                   (json_int_t)(x->created + x->updated + x->unchanged + x->failed + x->deferred),
                   "created", (json_int_t)x->created, "updated",
                   (json_int_t)(x->updated + x->unchanged), "unchanged",
                   (json_int_t)x->unchanged, "failed", (json_int_t)x->failed,
                   "deferred", (json_int_t)x->deferred, "phase", x->phase);
}

/* The batch's new report rows (x->res without update), INSERTed ROWS_PER_INSERT at a time:
 * one statement (one round trip on PostgreSQL) per chunk instead of one per row. Chunks
 * are of power-of-two sizes, so at most a handful of SQL texts reach the statement cache. */
enum { ROWS_PER_INSERT = 64, RESULT_COLUMNS = 8 };

static int insert_results(run *x, rd_err *err) {
  int rv = 0, at = 0;
  rd_param p[ROWS_PER_INSERT * RESULT_COLUMNS];
  rd_buf sql;
  rd_buf_init(&sql);
  while (!rv) {
    while (at < x->nres && x->res[at].update)
      at++;
    int ready = 0; /* new rows from at on */
    for (int i = at; i < x->nres && ready < ROWS_PER_INSERT; i++)
      ready += !x->res[i].update;
    if (!ready)
      break;
    int n = 1;
    while (n * 2 <= ready)
      n *= 2;
    sql.len = 0;
    rd_buf_adds(&sql, "INSERT INTO import_rows (import_id, line, result, username, person_id,"
                      " errors, fields, changes) VALUES ");
    int np = 0;
    for (int k = 0; k < n; at++) {
      const row_result *r = &x->res[at];
      if (r->update)
        continue;
      rd_buf_adds(&sql, k ? ", (?, ?, ?, ?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?, ?, ?, ?)");
      p[np++] = (rd_param){.type = 'i', .i = x->id};
      p[np++] = (rd_param){.type = 'i', .i = (int64_t)r->line};
      p[np++] = (rd_param){.type = 't', .t = r->result};
      p[np++] = (rd_param){.type = 't', .t = r->username};
      p[np++] = r->person_id ? (rd_param){.type = 'i', .i = r->person_id} : (rd_param){.type = 'n'};
      p[np++] = (rd_param){.type = 't', .t = r->errors};
      p[np++] = (rd_param){.type = 't', .t = r->fields};
      p[np++] = (rd_param){.type = 't', .t = r->changes};
      k++;
    }
    rd_stmt *s = NULL;
    rv = rd_sql_params(x->c, &s, err, rd_buf_cstr(&sql), p, np);
    if (!rv) {
      rv = rd_stmt_step(s, err);
      rv = rv < 0 ? rv : 0;
    }
    rd_stmt_done(s);
  }
  rd_buf_term(&sql);
  return rv;
}

/* Commits the open batch: its rows' results and the import's counts and resume offset, in
 * the same transaction as the rows themselves (a dry run first rolls the rows back). */
/* The tables the import writes grow under it: their statistics are refreshed each time the
 * rows it wrote double from 1,000 (about 10 times for a million rows), unless that is
 * little next to the people the table already held (rd_refresh_stats). On PostgreSQL the
 * plans of the lookups made while a new account's tables were empty scanned the account's
 * people for every username: 33 ms a lookup at 60,000 people. A failure only costs speed. */
static void refresh_stats(run *x) {
  int64_t written = x->created + x->updated;
  if (x->dry_run || written < x->stats_at)
    return;
  while (x->stats_at <= written)
    x->stats_at *= 2;
  rd_err e;
  rd_err_clear(&e);
  if (rd_refresh_stats(x->c, "people, person_search, person_emails, organizations", written,
                       &e))
    rd_log(RD_LOG_WARN, "import %lld: refreshing statistics: %s", (long long)x->id, e.message);
}

static int flush(run *x, rd_err *err) {
  if (!x->in_tx)
    return 0;
  int rv = 0;
  if (x->dry_run) {
    rv = rd_savepoint_undo(x->c, "import_batch", err);
    memset(x->orgs, 0, sizeof x->orgs); /* what they named is gone again */
  }
  for (int i = 0; i < x->nres && !rv; i++) {
    row_result *r = &x->res[i];
    if (r->update)
      rv = rd_sql_exec(x->c, NULL, err,
                       "UPDATE import_rows SET result = ?, person_id = ?, errors = ?, fields = NULL,"
                       " changes = ? WHERE import_id = ? AND line = ?",
                       "tIttii", r->result, r->person_id, r->errors, r->changes, x->id,
                       (int64_t)r->line);
  }
  if (!rv)
    rv = insert_results(x, err);
  char now[RD_TIME_LEN];
  rd_time_now(now);
  if (!rv)
    rv = rd_sql_exec(x->c, NULL, err,
                     "UPDATE imports SET processed = ?, created = ?, updated = ?, unchanged = ?,"
                     " failed = ?, deferred = ?, skipped = ?, phase = ?, updated_at = ?"
                     " WHERE id = ?",
                     "iiiiiiitti", x->processed, x->created, x->updated, x->unchanged, x->failed,
                     x->deferred, x->skipped, x->phase, now, x->id);
  /* The job's progress, lease and fencing check (409 "taken over": nothing commits). */
  if (!rv && x->hooks && x->hooks->checkpoint)
    rv = x->hooks->checkpoint(x->hooks->arg, x->c,
                              x->created + x->updated + x->unchanged + x->failed,
                              x->created + x->updated + x->unchanged, x->failed, err);
  if (!rv)
    rv = rd_tx_commit(x->c, err);
  if (rv) {
    rd_tx_rollback(x->c);
    x->in_tx = false;
    return rv;
  }
  x->in_tx = false;
  free_results(x);
  refresh_stats(x);
  if (x->progress) {
    json_t *p = progress_json(x, "running");
    x->progress(x->parg, p);
    json_decref(p);
  }
  return 0;
}

/* After a committed batch: whether the runner wants the import to stop (daemon stopping,
 * job cancelled). */
static bool stop_asked(run *x) {
  return x->hooks && x->hooks->should_stop && x->hooks->should_stop(x->hooks->arg);
}

/* After a row: ends the batch when it is full or a second old; stops when asked to. */
static int after_row(run *x, rd_err *err) {
  x->in_batch++;
  if (x->in_batch < RD_IMPORT_BATCH && rd_mono_us() - x->batch_us < BATCH_US)
    return 0;
  int rv = flush(x, err);
  if (!rv && stop_asked(x)) {
    x->stopped = true;
    return RUN_STOPPED;
  }
  return rv;
}

/* Writes one record of the main pass in its batch. */
static int write_row(run *x, const rd_csv_row *row, rd_err *err) {
  int rv = open_batch(x, err);
  if (!rv)
    rv = do_row(x, row->line, row, err);
  if (rv)
    return rv;
  x->processed++;
  return after_row(x, err);
}

/* The password of row when it is worth hashing ahead (NUL-terminated in the reader), else
 * NULL. */
static const char *row_password(run *x, const rd_csv_row *row) {
  if (x->pw_col < 0 || x->pw_col >= row->nfields)
    return NULL;
  return hashable(row->fields[x->pw_col], row->lens[x->pw_col]) ? row->fields[x->pw_col] : NULL;
}

/* Hashes the passwords of pws[0..n) on all cores into x->hashes. */
static void hash_ahead(run *x, int n) {
  if (!x->hashes)
    x->hashes = rd_calloc(RD_IMPORT_BATCH, sizeof *x->hashes);
  rd_password_hash_many(x->pws, x->hashes, n, x->hash_threads);
}

static void ahead_clear(run *x) {
  for (int i = 0; i < x->nahead; i++) {
    for (int k = 0; k < x->ahead[i].row.nfields; k++)
      rd_free((void *)x->ahead[i].fields[k]);
    rd_free(x->ahead[i].fields);
    rd_free(x->ahead[i].lens);
  }
  x->nahead = x->ahead_pw = 0;
  x->ahead_bytes = 0;
}

/* Pipelined imports: the people the window's usernames name, PREFETCH_CHUNK per query
 * (the last name repeated to fill a chunk: one SQL text), instead of one query (one round
 * trip on PostgreSQL) per row. Only usernames this import has not written yet
 * (name_maybe): what the window's own rows write is found by batch_person or queried. A
 * person another client creates meanwhile makes the INSERT fail, which breaks the batch
 * and repeats it without pipelining (rd_import_run). */
enum { PREFETCH_CHUNK = 64 };

static int prefetch(run *x, rd_err *err) {
  x->nknown = 0;
  memset(x->known_slot, 0, sizeof x->known_slot);
  for (int i = 0; i < x->nahead; i++) {
    const char *u = rd_import_row_username(&x->map, &x->ahead[i].row);
    if (!u || name_maybe(x, u) || known_lookup(x, u))
      continue;
    size_t h = res_hash(u);
    while (x->known_slot[h])
      h = (h + 1) & (RES_SLOTS - 1);
    x->known_slot[h] = (short)(x->nknown + 1);
    x->known[x->nknown++] = (struct known_person){.username = u};
  }
  rd_buf sql;
  rd_buf_init(&sql);
  rd_buf_adds(&sql, "SELECT username, id, deleted FROM people WHERE account_id = ? AND username IN (");
  for (int k = 0; k < PREFETCH_CHUNK; k++)
    rd_buf_adds(&sql, k ? ", ?" : "?");
  rd_buf_adds(&sql, ")");
  int rv = 0;
  for (int at = 0; at < x->nknown && !rv; at += PREFETCH_CHUNK) {
    rd_param p[1 + PREFETCH_CHUNK];
    p[0] = (rd_param){.type = 't', .t = x->who.account_id};
    for (int k = 0; k < PREFETCH_CHUNK; k++) {
      int j = at + k < x->nknown ? at + k : x->nknown - 1;
      p[1 + k] = (rd_param){.type = 't', .t = x->known[j].username};
    }
    rd_stmt *s = NULL;
    rv = rd_sql_params(x->c, &s, err, rd_buf_cstr(&sql), p, 1 + PREFETCH_CHUNK);
    if (!rv)
      while ((rv = rd_stmt_step(s, err)) == RD_ROW) {
        struct known_person *k = known_lookup(x, rd_stmt_text(s, 0));
        if (k) {
          k->id = rd_stmt_int64(s, 1);
          k->deleted = rd_stmt_bool(s, 2);
        }
      }
    rd_stmt_done(s);
    rv = rv < 0 ? rv : 0;
  }
  rd_buf_term(&sql);
  if (rv)
    x->nknown = 0;
  return rv;
}

/* Pipelined: the organizations that rows [from, nahead) of the window name and the run's
 * cache knows, read in this transaction 64 at a time (rd_rec_ref_seen): the reference
 * check and the search text of each new person then need no statement of their own (two
 * per row, one of them a round trip). Ids a write of organizations has made the memo drop,
 * or that are gone, are looked up by their rows as before. */
static int prefetch_orgs(run *x, int from, rd_err *err) {
  int64_t ids[RD_IMPORT_BATCH]; /* nahead <= RD_IMPORT_BATCH */
  int n = 0;
  for (int i = from; i < x->nahead; i++) {
    const rd_csv_row *row = &x->ahead[i].row;
    const char *company = rd_import_row_value(&x->map, row, T_COMPANY);
    const char *dept = rd_import_row_value(&x->map, row, T_DEPARTMENT);
    int64_t id = company ? org_cached(x, company, 0) : 0;
    if (dept)
      id = company && !id ? 0 : org_cached(x, dept, id);
    if (id && !rd_rec_ref_name(x->c, "organizations", x->who.account_id, id))
      ids[n++] = id;
  }
  rd_buf sql;
  rd_buf_init(&sql);
  rd_buf_adds(&sql, "SELECT id, name FROM organizations WHERE account_id = ? AND id IN (");
  for (int k = 0; k < PREFETCH_CHUNK; k++)
    rd_buf_adds(&sql, k ? ", ?" : "?");
  rd_buf_adds(&sql, ")");
  int rv = 0;
  for (int at = 0; at < n && !rv; at += PREFETCH_CHUNK) {
    rd_param p[1 + PREFETCH_CHUNK];
    p[0] = (rd_param){.type = 't', .t = x->who.account_id};
    for (int k = 0; k < PREFETCH_CHUNK; k++)
      p[1 + k] = (rd_param){.type = 'i', .i = ids[at + k < n ? at + k : n - 1]};
    rd_stmt *s = NULL;
    rv = rd_sql_params(x->c, &s, err, rd_buf_cstr(&sql), p, 1 + PREFETCH_CHUNK);
    while (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
      rd_rec_ref_seen(x->c, "organizations", x->who.account_id, rd_stmt_int64(s, 0),
                      rd_stmt_text(s, 1));
      rv = 0;
    }
    rd_stmt_done(s);
    rv = rv < 0 ? rv : 0;
  }
  rd_buf_term(&sql);
  return rv;
}

/* The rows read ahead: their passwords hashed at once (their people looked up at once when
 * pipelined), then written in file order. */
static int ahead_drain(run *x, rd_err *err) {
  int rv = 0;
  if (!x->nahead)
    return 0;
  if (x->pw_col >= 0) {
    for (int i = 0; i < x->nahead; i++)
      x->pws[i] = row_password(x, &x->ahead[i].row);
    hash_ahead(x, x->nahead);
  }
  if (x->pipelined)
    rv = prefetch(x, err);
  for (int i = 0; i < x->nahead && !rv; i++) {
    if (x->pw_col >= 0) {
      x->preset_pw = x->pws[i];
      x->preset_hash = x->hashes[i];
    }
    if (x->pipelined && (i == 0 || !x->in_tx)) { /* a new window or batch: its units */
      rv = open_batch(x, err);
      if (!rv)
        rv = prefetch_orgs(x, i, err);
      if (rv)
        break;
    }
    rv = write_row(x, &x->ahead[i].row, err);
  }
  x->preset_pw = x->preset_hash = NULL;
  x->nknown = 0; /* they borrow from the window's rows */
  ahead_clear(x);
  return rv;
}

static int on_row(void *arg, const rd_csv_row *row, rd_err *err) {
  run *x = arg;
  if (x->ignore_first && row->index == 0)
    return 0;
  long rec_no = row->index - (x->ignore_first ? 1 : 0);
  if (rec_no < x->processed)
    return 0; /* committed before a crash or a stop: resume after it */
  if ((x->pw_col < 0 && !x->pipelined) || x->dry_run)
    return write_row(x, row, err);
  /* Read ahead: keep a copy of the record until its window is hashed (or its people looked
   * up, when pipelined). */
  if (!x->ahead)
    x->ahead = rd_calloc(RD_IMPORT_BATCH, sizeof *x->ahead);
  assert(x->nahead < RD_IMPORT_BATCH); /* a full window was drained below */
  ahead_row *a = &x->ahead[x->nahead++];
  a->fields = rd_calloc((size_t)row->nfields + 1, sizeof *a->fields);
  a->lens = rd_calloc((size_t)row->nfields + 1, sizeof *a->lens);
  for (int k = 0; k < row->nfields; k++) {
    char *f = rd_malloc(row->lens[k] + 1);
    memcpy(f, row->fields[k], row->lens[k]);
    f[row->lens[k]] = 0;
    a->fields[k] = f;
    a->lens[k] = row->lens[k];
    x->ahead_bytes += row->lens[k] + 1;
  }
  a->row = (rd_csv_row){.line = row->line, .index = row->index, .nfields = row->nfields,
                        .fields = a->fields, .lens = a->lens};
  x->ahead_pw += row_password(x, row) != NULL;
  if (x->nahead < RD_IMPORT_BATCH && x->ahead_pw < AHEAD_PER_THREAD * x->hash_threads &&
      x->ahead_bytes < AHEAD_BYTES)
    return 0;
  return ahead_drain(x, err);
}

/* The rows that waited for a line manager further down the file, newest line first (their
 * managers, being further down, are then decided before them), round after round until a
 * round decides nothing; a last round fails what still waits (cycles). */
static int deferred_pass(run *x, rd_err *err) {
  x->deferred_pass = true;
  while (x->deferred > 0) {
    int decided = 0;
    int64_t cursor = INT64_MAX;
    for (;;) {
      rd_stmt *s = NULL;
      json_t *page = json_array();
      int rv = rd_sql(x->c, &s, err,
                      "SELECT line, fields FROM import_rows WHERE import_id = ? AND result = ?"
                      " AND line < ? ORDER BY line DESC LIMIT ?",
                      "itii", x->id, "deferred", cursor, (int64_t)RD_IMPORT_BATCH);
      /* The whole page: RD_ROW is positive, so rv must not gate the loop. */
      if (!rv) {
        while ((rv = rd_stmt_step(s, err)) == RD_ROW)
          json_array_append_new(page, json_pack("[I,s?]", (json_int_t)rd_stmt_int64(s, 0),
                                                rd_stmt_text(s, 1)));
        if (rv > 0)
          rv = 0;
      }
      rd_stmt_done(s);
      if (rv < 0 || json_array_size(page) == 0) {
        json_decref(page);
        if (rv < 0)
          return rv;
        break;
      }
      /* The page's passwords on all cores first (rows that wait another round are hashed
       * again then: a rare cost). The loads stay alive until the page is done. */
      json_t *loaded = json_array();
      size_t i;
      json_t *e;
      int npw = 0;
      assert(json_array_size(page) <= RD_IMPORT_BATCH); /* x->pws has that many */
      json_array_foreach(page, i, e) {
        json_t *fields = json_loads(json_string_value(json_array_get(e, 1)) ? json_string_value(json_array_get(e, 1)) : "[]", 0, NULL);
        json_t *pw = x->pw_col >= 0 ? json_array_get(fields, (size_t)x->pw_col) : NULL;
        x->pws[i] = !x->dry_run && json_is_string(pw) &&
                            hashable(json_string_value(pw), json_string_length(pw))
                        ? json_string_value(pw)
                        : NULL;
        npw += x->pws[i] != NULL;
        json_array_append_new(loaded, fields ? fields : json_array());
      }
      if (npw)
        hash_ahead(x, (int)json_array_size(page));
      rv = open_batch(x, err);
      json_array_foreach(page, i, e) {
        if (rv)
          break;
        long line = (long)json_integer_value(json_array_get(e, 0));
        json_t *fields = json_incref(json_array_get(loaded, i));
        x->preset_pw = npw ? x->pws[i] : NULL;
        x->preset_hash = npw ? x->hashes[i] : NULL;
        size_t n = json_array_size(fields);
        const char *ptrs[RD_CSV_FIELDS_MAX];
        size_t lens[RD_CSV_FIELDS_MAX];
        for (size_t k = 0; k < n && k < RD_CSV_FIELDS_MAX; k++) {
          ptrs[k] = json_string_value(json_array_get(fields, k));
          lens[k] = json_string_length(json_array_get(fields, k));
        }
        rd_csv_row row = {.line = line, .nfields = (int)(n < RD_CSV_FIELDS_MAX ? n : RD_CSV_FIELDS_MAX),
                          .fields = ptrs, .lens = lens};
        rv = do_row(x, line, &row, err);
        json_decref(fields);
        if (rv == 0)
          decided++;
        if (rv == 1)
          rv = 0;
        cursor = line;
        if (!rv)
          x->in_batch++;
      }
      x->preset_pw = x->preset_hash = NULL;
      json_decref(loaded);
      json_decref(page);
      if (!rv)
        rv = flush(x, err);
      if (rv)
        return rv;
      if (stop_asked(x)) {
        x->stopped = true;
        return RUN_STOPPED;
      }
    }
    if (decided == 0) {
      if (x->final_round)
        break;
      x->final_round = true;
    }
  }
  return 0;
}

static int load(run *x, rd_err *err) {
  rd_stmt *s = NULL;
  int rv = rd_sql(x->c, &s, err,
                  "SELECT i.account_id, i.file_path, i.charset, i.separator, i.ignore_first_line,"
                  " i.web_access, i.dry_run, i.mapping, i.caller, i.phase, i.processed, i.created,"
                  " i.updated, i.failed, i.deferred, i.skipped, i.total_rows, i.unchanged"
                  " FROM imports i WHERE i.id = ?",
                  "i", x->id);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  if (rv == RD_DONE)
    rv = rd_err_set(err, RD_ENOTFOUND, "No import with id %lld", (long long)x->id);
  json_t *mapping = NULL, *caller = NULL;
  static const char *const PHASES[] = {"rows", "deferred", "done"};
  if (rv == RD_ROW) {
    snprintf(x->who.account_id, sizeof x->who.account_id, "%s", rd_stmt_text(s, 0));
    snprintf(x->path, sizeof x->path, "%s", rd_stmt_text(s, 1));
    snprintf(x->charset, sizeof x->charset, "%s", rd_stmt_text(s, 2));
    x->sep = rd_stmt_text(s, 3)[0];
    x->ignore_first = rd_stmt_bool(s, 4);
    x->web_access = rd_stmt_bool(s, 5);
    x->dry_run = rd_stmt_bool(s, 6);
    mapping = json_loads(rd_stmt_text(s, 7), 0, NULL);
    caller = json_loads(rd_stmt_text(s, 8), 0, NULL);
    x->phase = PHASES[0];
    for (int i = 0; i < 3; i++)
      if (!strcmp(rd_stmt_text(s, 9), PHASES[i]))
        x->phase = PHASES[i];
    x->processed = rd_stmt_int64(s, 10);
    x->created = rd_stmt_int64(s, 11);
    x->updated = rd_stmt_int64(s, 12);
    x->failed = rd_stmt_int64(s, 13);
    x->deferred = rd_stmt_int64(s, 14);
    x->skipped = rd_stmt_int64(s, 15);
    x->total = rd_stmt_int64(s, 16);
    x->unchanged = rd_stmt_int64(s, 17);
    rv = 0;
  }
  rd_stmt_done(s);
  if (rv)
    goto out;
  x->who.person_id = json_integer_value(json_object_get(caller, "person_id"));
  x->who.roles = (unsigned)json_integer_value(json_object_get(caller, "roles"));
  if (x->who.person_id) {
    /* ACC-7: rows are written with the importer's rights as they are now: a person who
     * lost a role (or was deleted) since starting the import no longer writes with it. */
    int64_t roles = 0;
    rv = rd_sql_int64(x->c, &roles, err,
                      "SELECT roles FROM people WHERE id = ? AND account_id = ? AND NOT deleted",
                      "it", x->who.person_id, x->who.account_id);
    if (rv < 0)
      goto out;
    x->who.roles = rv == RD_ROW ? (unsigned)roles : 0;
    rv = 0;
  }
  snprintf(x->who.name, sizeof x->who.name, "%s",
           json_string_value(json_object_get(caller, "name")) ? json_string_value(json_object_get(caller, "name")) : "import");
  json_t *cols = json_object_get(mapping, "columns"), *names = json_object_get(mapping, "names");
  x->map.ncols = (int)json_array_size(names);
  if (x->map.ncols > RD_CSV_FIELDS_MAX)
    x->map.ncols = RD_CSV_FIELDS_MAX;
  for (int i = 0; i < x->map.ncols; i++) {
    char key[16];
    snprintf(key, sizeof key, "%d", i);
    const char *t = json_string_value(json_object_get(cols, key));
    x->map.target[i] = t ? rd_import_target(t) : -1;
    snprintf(x->map.header[i], sizeof x->map.header[i], "%s",
             json_string_value(json_array_get(names, (size_t)i)) ? json_string_value(json_array_get(names, (size_t)i)) : "");
  }
  /* Custom1..5: the account's first five person custom fields, oldest first. */
  rv = rd_sql(x->c, &s, err,
              "SELECT field_key, type FROM custom_fields WHERE account_id = ?"
              " AND record_type = 'person' ORDER BY id LIMIT 5",
              "t", x->who.account_id);
  if (!rv)
    while ((rv = rd_stmt_step(s, err)) == RD_ROW && x->ncustom < 5) {
      snprintf(x->custom_key[x->ncustom], sizeof x->custom_key[0], "%s", rd_stmt_text(s, 0));
      snprintf(x->custom_type[x->ncustom], sizeof x->custom_type[0], "%s", rd_stmt_text(s, 1));
      x->ncustom++;
    }
  rd_stmt_done(s);
  if (rv < 0)
    goto out;
  /* Partner organizations by their email addresses (customer of, PART-3). */
  x->partners = json_array();
  rv = rd_sql(x->c, &s, err,
              "SELECT id, contact FROM organizations WHERE account_id = ? AND partner = ?", "tb",
              x->who.account_id, 1);
  if (!rv)
    while ((rv = rd_stmt_step(s, err)) == RD_ROW) {
      json_t *contact = json_loads(rd_stmt_text(s, 1) ? rd_stmt_text(s, 1) : "{}", 0, NULL);
      size_t i;
      json_t *e;
      json_array_foreach(json_object_get(contact, "email_addresses"), i, e) {
        const char *a = json_string_value(json_object_get(e, "address"));
        if (a)
          json_array_append_new(x->partners, json_pack("[I,s]", (json_int_t)rd_stmt_int64(s, 0), a));
      }
      json_decref(contact);
    }
  rd_stmt_done(s);
  if (rv < 0)
    goto out;
  json_t *settings = NULL;
  rv = rd_account_settings(x->c, x->who.account_id, &settings, err);
  if (!rv) {
    const char *loc = json_string_value(json_object_get(settings, "default_email_locale"));
    snprintf(x->locale, sizeof x->locale, "%s", loc ? loc : "");
    json_decref(settings);
  }
out:
  json_decref(mapping);
  json_decref(caller);
  return rv;
}

/* One run from the last committed batch on: fast (no savepoint per row, pipelined where the
 * store pipelines) or careful. *replay: a fast run stopped at a row that needs a savepoint. */
static int import_once(rd_conn *c, int64_t id, const rd_import_hooks *hooks, bool fast,
                       bool *replay, json_t **summary, rd_err *err) {
  run *x = rd_calloc(1, sizeof *x);
  x->c = c;
  x->id = id;
  x->hooks = hooks;
  x->progress = hooks ? hooks->progress : NULL;
  x->parg = hooks ? hooks->progress_arg : NULL;
  x->start_us = rd_mono_us();
  rd_csv *r = NULL;
  int rv = load(x, err);
  /* A dry run keeps its savepoints: each row's changes are read back before the next. */
  x->fast = fast && !x->dry_run;
  x->pipelined = fast && rd_pipelines(c);
  x->stats_at = 1000;
  x->names.on = !rv && x->processed == 0 && !strcmp(x->phase, "rows");
  randombytes_buf(x->names.key, sizeof x->names.key);
  x->pw_col = rd_import_column_of(&x->map, T_PASSWORD);
  x->hash_threads = rd_password_threads();
  char now[RD_TIME_LEN];
  rd_time_now(now);
  if (!rv)
    rv = rd_sql_exec(c, NULL, err,
                     "UPDATE imports SET started_at = COALESCE(started_at, ?) WHERE id = ?", "ti",
                     now, id);
  if (!rv && !strcmp(x->phase, "rows")) {
    rd_csv_opts co = {.charset = x->charset, .separator = x->sep, .header = x->ignore_first};
    rv = rd_csv_new(&co, on_row, x, &r, err);
    int fd = -1;
    if (!rv) {
      fd = open(x->path, O_RDONLY | O_CLOEXEC);
      rv = fd < 0 ? rd_err_set(err, RD_EIO, "the import file %s is missing", x->path)
                  : rd_csv_read_fd(r, fd, err);
    }
    if (!rv)
      rv = ahead_drain(x, err); /* the file's last window */
    if (fd >= 0)
      close(fd);
    if (!rv) {
      x->phase = "deferred";
      rv = open_batch(x, err);
      if (!rv)
        rv = flush(x, err);
    }
  }
  if (!rv && !strcmp(x->phase, "deferred"))
    rv = deferred_pass(x, err);
  if (!rv)
    x->phase = "done";
  if (x->in_tx) {
    rd_tx_rollback(c);
    x->in_tx = false;
  }
  free_results(x);
  if (rv == RUN_STOPPED || (x->stopped && !rv)) {
    rv = RD_IMPORT_STOPPED;
  } else if (!rv) {
    json_t *p = progress_json(x, "done");
    json_object_set_new(p, "skipped", json_integer(x->skipped));
    if (x->progress)
      x->progress(x->parg, p);
    *summary = p;
  }
  rd_csv_free(r);
  ahead_clear(x);
  rd_free(x->ahead);
  rd_free(x->hashes);
  json_decref(x->partners);
  rd_free(x->names.slot);
  *replay = x->replay;
  rd_free(x);
  return rv;
}

/* Runs the import fast (import_once). When a row failed after writing, or a statement
 * sent without waiting failed (its row cannot be told), the batch it was in rolled back:
 * the import goes on from its last committed batch carefully, a savepoint per row and
 * nothing pipelined, where each row's error is its own (the same path as a resume after a
 * crash), and stays careful to its end. */
int rd_import_run(rd_conn *c, int64_t id, const rd_import_hooks *hooks, json_t **summary,
                  rd_err *err) {
  bool replay = false;
  int rv = import_once(c, id, hooks, true, &replay, summary, err);
  if (rv && rv != RD_IMPORT_STOPPED && (replay || rd_pipeline_broke(c))) {
    rd_log(RD_LOG_WARN,
           "import %lld: a batch failed (%s); going on with a savepoint per row, without"
           " pipelining",
           (long long)id, err->message);
    rd_err_clear(err);
    rv = import_once(c, id, hooks, false, &replay, summary, err);
  }
  return rv;
}
