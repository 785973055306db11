/* Attachments: see attachment.h. The file is written under a temporary name, fsynced and
 * renamed before its row commits; a crash leaves at most an orphan file, never a row
 * without its file, and the sweeper removes such orphans once they are older than the
 * grace period. */
#include "domain/attachment.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/file.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"
#include "base/time.h"
#include "domain/account.h"
#include "domain/audit.h"
#include "domain/record.h"
#include "store/worker.h"

/* ---- media types (issue 10) ---- */

/* What attachments may be: documents, images browsers render inertly, archives, mail. */
static const char *const ALLOWED_TYPES[] = {
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/zip",
    "message/rfc822",
    NULL,
};

/* Types that carry scripts a browser runs; refused with a message saying so. */
static const char *const SCRIPT_TYPES[] = {
    "image/svg+xml", "text/html", "application/xhtml+xml", "text/xml", "application/xml",
    "text/javascript", "application/javascript", NULL,
};

static bool content_type_valid(const char *t) {
  /* type/subtype with token characters, optional parameters; no control characters. */
  if (!t || !*t || strlen(t) > 255 || !strchr(t, '/'))
    return false;
  for (const unsigned char *p = (const unsigned char *)t; *p; p++)
    if (*p < 32 || *p == 127)
      return false;
  return true;
}

/* Whether the type/subtype of t (before any ';', spaces around it ignored, any case) is
 * one of list. */
static bool essence_in(const char *t, const char *const *list) {
  while (*t == ' ' || *t == '\t')
    t++;
  size_t n = strcspn(t, ";");
  while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
    n--;
  for (; *list; list++)
    if (strlen(*list) == n && !strncasecmp(*list, t, n))
      return true;
  return false;
}

bool rd_attachment_type_allowed(const char *content_type) {
  return content_type_valid(content_type) && essence_in(content_type, ALLOWED_TYPES);
}

int rd_attachment_type_check(const char *content_type, rd_err *err) {
  if (!content_type_valid(content_type))
    return rd_err_field(err, "content_type", "must be a media type such as application/pdf");
  if (essence_in(content_type, ALLOWED_TYPES))
    return 0;
  /* Issue 10: SVG and HTML run scripts in the browser that opens them. */
  if (essence_in(content_type, SCRIPT_TYPES))
    rd_err_field(err, "content_type", "is a type that carries scripts; upload a PDF or an image");
  else
    rd_err_field(err, "content_type",
                 "must be one of image/png, image/jpeg, image/gif, image/webp, application/pdf,"
                 " text/plain, text/csv, an OOXML or ODF office type, application/zip,"
                 " message/rfc822");
  return rd_err_set(err, RD_EMEDIA, "Content-Type %.*s is not accepted for attachments", 100,
                    content_type);
}

/* ---- quota (issue 10) ---- */

/* The account's attachment_quota_mb (its default when unset). */
static int quota_mb(rd_conn *c, const char *account_id, int64_t *out, rd_err *err) {
  json_t *settings = NULL;
  int rv = rd_account_settings(c, account_id, &settings, err);
  if (!rv) {
    json_t *v = json_object_get(settings, "attachment_quota_mb");
    *out = json_is_integer(v) && json_integer_value(v) > 0 ? json_integer_value(v)
                                                           : RD_ATTACHMENT_QUOTA_MB_DEFAULT;
  }
  json_decref(settings);
  return rv;
}

int rd_attachment_quota_check(rd_conn *c, const rd_caller *who, uint64_t size, rd_err *err) {
  int64_t mb = 0, used = 0;
  int rv = quota_mb(c, who->account_id, &mb, err);
  if (!rv)
    rv = rd_sql_int64(c, &used, err,
                      "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM attachments"
                      " WHERE account_id = ?",
                      "t", who->account_id);
  if (rv < 0)
    return rv;
  uint64_t quota = (uint64_t)mb << 20;
  if (size > quota || (uint64_t)used > quota - size)
    return rd_err_set(err, RD_ETOOBIG,
                      "Over the attachment quota of this account (attachment_quota_mb: %lld MB;"
                      " %lld bytes stored, %llu more asked)",
                      (long long)mb, (long long)used, (unsigned long long)size);
  return 0;
}

/* ---- upload and download ---- */

/* The row and its audit entry, in one transaction with the quota check: the account's row
 * is locked first (a no-op update), so concurrent uploads of one account check the quota
 * one after another on PostgreSQL too (SQLite has one writer anyway). */
static int insert_row(rd_conn *c, const rd_caller *who, const char *key, const char *filename,
                      const char *content_type, size_t len, json_t *meta, bool own_tx,
                      rd_err *err) {
  char now[RD_TIME_LEN];
  rd_time_now(now);
  int rv = own_tx ? rd_tx_begin(c, true, err) : 0;
  if (rv)
    return rv;
  rv = rd_sql_exec(c, NULL, err, "UPDATE accounts SET version = version WHERE id = ?", "t",
                   who->account_id);
  if (!rv)
    rv = rd_attachment_quota_check(c, who, len, err);
  if (!rv)
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO attachments (key, account_id, filename, size, content_type,"
                     " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     "ttti" "tIt", key, who->account_id, filename, (int64_t)len, content_type,
                     who->person_id, now);
  if (!rv)
    rv = rd_audit_write(c, who, "attachment", 0, "create", meta, err);
  if (!own_tx)
    return rv;
  if (!rv)
    rv = rd_tx_commit(c, err);
  else
    rd_tx_rollback(c);
  return rv;
}

static int create(rd_conn *c, const rd_caller *who, const char *data_dir, const char *filename,
                  const char *content_type, const char *data, size_t len, bool own_tx,
                  json_t **out, rd_err *err) {
  if (!filename || !*filename)
    rd_err_field(err, "filename", "is required (?filename=)");
  else if (!rd_utf8_valid(filename, strlen(filename)) || rd_utf8_len(filename) > RD_FILENAME_MAX ||
           strchr(filename, '/') || strchr(filename, '\\'))
    rd_err_field(err, "filename", "must be at most %d characters without path separators",
                 RD_FILENAME_MAX);
  if (!content_type_valid(content_type))
    rd_err_field(err, "content_type", "must be a media type such as application/pdf");
  if (len == 0)
    rd_err_field(err, "body", "the file is empty");
  if (err && err->code)
    return err->code;
  int rv = rd_attachment_type_check(content_type, err);
  if (!rv) /* before the file is written; again under the lock below */
    rv = rd_attachment_quota_check(c, who, len, err);
  if (rv)
    return rv;
  unsigned char raw[16];
  randombytes_buf(raw, sizeof raw);
  char key[32], dir[1024], path[1100], tmp[1120];
  rd_b64url_encode(raw, sizeof raw, key);
  snprintf(dir, sizeof dir, "%s/attachments/%s", data_dir, who->account_id);
  snprintf(path, sizeof path, "%s/%s", dir, key);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  if (rd_mkdirs(dir))
    return rd_err_set(err, RD_EIO, "cannot create the attachment directory");
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0)
    return rd_err_set(err, RD_EIO, "cannot store the attachment");
  bool ok = rd_write_all(fd, data, len) && fsync(fd) == 0;
  close(fd);
  if (!ok || rename(tmp, path)) {
    unlink(tmp);
    return rd_err_set(err, RD_EIO, "cannot store the attachment");
  }
  json_t *meta = json_pack("{s:s,s:s,s:I,s:s}", "key", key, "filename", filename, "size",
                           (json_int_t)len, "content_type", content_type);
  rv = insert_row(c, who, key, filename, content_type, len, meta, own_tx, err);
  if (rv) {
    unlink(path);
    json_decref(meta);
    return rv;
  }
  *out = meta;
  return 0;
}

int rd_attachment_create(rd_conn *c, const rd_caller *who, const char *data_dir,
                         const char *filename, const char *content_type, const char *data,
                         size_t len, json_t **out, rd_err *err) {
  return create(c, who, data_dir, filename, content_type, data, len, true, out, err);
}

int rd_attachment_create_in(rd_conn *c, const rd_caller *who, const char *data_dir,
                            const char *filename, const char *content_type, const char *data,
                            size_t len, json_t **out, rd_err *err) {
  return create(c, who, data_dir, filename, content_type, data, len, false, out, err);
}

int rd_attachment_open(rd_conn *c, const rd_caller *who, const char *data_dir, const char *key,
                       int *fd, json_t **meta, rd_err *err) {
  rd_stmt *s = NULL;
  /* ACC-7: people without a staff role (customers, partners) read only their own uploads,
   * never the staff's remark attachments. */
  int64_t staff = rd_caller_has(who, RD_ROLES_STAFF) ? 1 : 0;
  int rv = rd_sql(c, &s, err,
                  "SELECT filename, size, content_type FROM attachments"
                  " WHERE key = ? AND account_id = ? AND (? = 1 OR created_by = ?)",
                  "ttii", key, who->account_id, staff, who->person_id);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  if (rv == RD_DONE)
    rv = rd_err_set(err, RD_ENOTFOUND, "No such attachment");
  if (rv == RD_ROW) {
    char path[1100];
    snprintf(path, sizeof path, "%s/attachments/%s/%s", data_dir, who->account_id, key);
    int f = open(path, O_RDONLY | O_CLOEXEC);
    if (f < 0) {
      rv = rd_err_set(err, RD_EIO, "The attachment's file is missing");
    } else {
      /* A type stored before the allowlist existed is served as opaque bytes. */
      const char *type = rd_stmt_text(s, 2);
      *fd = f;
      *meta = json_pack("{s:s,s:s,s:I,s:s}", "key", key, "filename", rd_stmt_text(s, 0), "size",
                        (json_int_t)rd_stmt_int64(s, 1), "content_type",
                        rd_attachment_type_allowed(type) ? type : "application/octet-stream");
      rv = 0;
    }
  }
  rd_stmt_done(s);
  return rv;
}

/* ---- the sweeper (issue 10) ---- */

/* Holds when no record of the attachment's account names the key (bound three times, as
 * the ? after each account) in its remarks_attachments (JSON text with "key":"<key>") or
 * its request_attachments (CUST-9, mail in). LIKE's '_' (in base64url keys) is escaped;
 * SQLite's LIKE ignores ASCII case, which can only keep an upload, never remove a
 * referenced one. Portable SQL. */
#define UNREFERENCED(account, key)                                                            \
  " NOT EXISTS (SELECT 1 FROM organizations o WHERE o.account_id = " account                 \
  " AND o.remarks_attachments LIKE ('%\"' || REPLACE(" key ", '_', '!_') || '\"%') ESCAPE '!')" \
  " AND NOT EXISTS (SELECT 1 FROM org_annotations n WHERE n.account_id = " account           \
  " AND n.remarks_attachments LIKE ('%\"' || REPLACE(" key ", '_', '!_') || '\"%') ESCAPE '!')" \
  " AND NOT EXISTS (SELECT 1 FROM request_attachments q WHERE q.account_id = " account       \
  " AND q.attachment_key = " key ")"

enum { SWEEP_PAGE = 100 };

/* The time grace_s seconds ago, in rd_time_now's format. */
static void cutoff_time(int64_t grace_s, char out[RD_TIME_LEN]) {
  time_t t = time(NULL) - (time_t)grace_s;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, RD_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Deletes one unreferenced old attachment's row (audited as the system), then its file.
 * Another sweeper that got there first, or a reference made meanwhile, changes nothing. */
static int remove_one(rd_conn *c, const char *data_dir, const char *account_id, const char *key,
                      const char *cutoff, int64_t *removed, rd_err *err) {
  rd_caller sys = {.person_id = 0};
  snprintf(sys.account_id, sizeof sys.account_id, "%s", account_id);
  snprintf(sys.name, sizeof sys.name, "attachment sweeper");
  int64_t changed = 0;
  int rv = rd_tx_begin(c, true, err);
  if (rv)
    return rv;
  rv = rd_sql_exec(c, &changed, err,
                   "DELETE FROM attachments WHERE key = ? AND account_id = ? AND created_at < ?"
                   " AND" UNREFERENCED("?", "?"),
                   "tttttttt", key, account_id, cutoff, account_id, key, account_id, key,
                   account_id, key);
  if (!rv && changed == 1) {
    json_t *changes = json_pack("{s:s,s:s}", "key", key, "reason", "unreferenced");
    rv = rd_audit_write(c, &sys, "attachment", 0, "delete", changes, err);
    json_decref(changes);
  }
  if (!rv)
    rv = rd_tx_commit(c, err);
  else
    rd_tx_rollback(c);
  if (!rv && changed == 1) {
    char path[1100];
    snprintf(path, sizeof path, "%s/attachments/%s/%s", data_dir, account_id, key);
    if (unlink(path) && errno != ENOENT)
      rd_log(RD_LOG_WARN, "attachments: cannot remove %s: %s", path, strerror(errno));
    (*removed)++;
  }
  return rv;
}

/* Files of one account's directory older than the cutoff without a row: left by a crash
 * between the file and the row's commit (or a row deleted before its file). */
static int sweep_files(rd_conn *c, const char *dir, const char *account_id, time_t cutoff,
                       int64_t *removed, rd_err *err) {
  DIR *d = opendir(dir);
  if (!d)
    return 0;
  int rv = 0;
  struct dirent *e;
  while (!rv && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    char path[1400];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (lstat(path, &st) || !S_ISREG(st.st_mode) || st.st_mtime >= cutoff)
      continue;
    size_t n = strlen(e->d_name);
    bool orphan = n > 4 && !strcmp(e->d_name + n - 4, ".tmp");
    if (!orphan) {
      int64_t one = 0;
      rv = rd_sql_int64(c, &one, err, "SELECT 1 FROM attachments WHERE key = ? AND account_id = ?",
                        "tt", e->d_name, account_id);
      orphan = rv == RD_DONE;
      rv = rv < 0 ? rv : 0;
    }
    if (orphan && !unlink(path))
      (*removed)++;
  }
  closedir(d);
  return rv;
}

static int sweep(rd_conn *c, const char *data_dir, int64_t grace_s, int64_t *removed,
                 const atomic_bool *stop, rd_err *err) {
  char cutoff[RD_TIME_LEN], after[64] = "";
  cutoff_time(grace_s, cutoff);
  int rv = 0;
  for (;;) {
    /* A page of candidates by key, then each deleted in its own transaction. */
    char keys[SWEEP_PAGE][40], accounts[SWEEP_PAGE][RD_ACCOUNT_ID_MAX + 1];
    int n = 0;
    rd_stmt *s = NULL;
    rv = rd_sql(c, &s, err,
                "SELECT a.key, a.account_id FROM attachments a WHERE a.created_at < ?"
                " AND a.key > ? AND" UNREFERENCED("a.account_id", "a.key")
                " ORDER BY a.key LIMIT 100",
                "tt", cutoff, after);
    if (rv)
      return rv;
    while ((rv = rd_stmt_step(s, err)) == RD_ROW) {
      assert(n < SWEEP_PAGE);
      snprintf(keys[n], sizeof keys[n], "%s", rd_stmt_text(s, 0));
      snprintf(accounts[n], sizeof accounts[n], "%s", rd_stmt_text(s, 1));
      n++;
    }
    rd_stmt_done(s);
    if (rv < 0)
      return rv;
    rv = 0;
    for (int i = 0; !rv && i < n && !(stop && atomic_load(stop)); i++)
      rv = remove_one(c, data_dir, accounts[i], keys[i], cutoff, removed, err);
    if (rv || n < SWEEP_PAGE || (stop && atomic_load(stop)))
      break;
    snprintf(after, sizeof after, "%s", keys[n - 1]);
  }
  if (rv || (stop && atomic_load(stop)))
    return rv;
  char root[1100];
  snprintf(root, sizeof root, "%s/attachments", data_dir);
  DIR *d = opendir(root);
  if (!d)
    return 0;
  time_t file_cutoff = time(NULL) - (time_t)grace_s;
  struct dirent *e;
  while (!rv && (e = readdir(d)) != NULL && !(stop && atomic_load(stop))) {
    if (!rd_account_id_valid(e->d_name))
      continue;
    char dir[1300];
    snprintf(dir, sizeof dir, "%s/%s", root, e->d_name);
    rv = sweep_files(c, dir, e->d_name, file_cutoff, removed, err);
  }
  closedir(d);
  return rv;
}

int rd_attachment_sweep(rd_conn *c, const char *data_dir, int64_t grace_s, int64_t *removed,
                        rd_err *err) {
  int64_t n = 0;
  int rv = sweep(c, data_dir, grace_s, &n, NULL, err);
  if (removed)
    *removed = n;
  return rv;
}

struct rd_attachment_sweeper {
  rd_worker *worker;
  char *data_dir;
  int64_t grace_s;
};

/* One pass; the worker waits half the grace period (1 s to an hour) before the next. */
static int sweeper_pass(rd_conn *c, void *arg, const char *name, const atomic_bool *stop,
                        rd_err *err) {
  rd_attachment_sweeper *w = arg;
  int64_t removed = 0;
  int rv = sweep(c, w->data_dir, w->grace_s, &removed, stop, err);
  if (removed)
    rd_log(RD_LOG_INFO, "attachments: removed %lld unreferenced uploads or files",
           (long long)removed);
  return rv < 0 ? rv : 0;
}

int rd_attachment_sweeper_start(rd_db *db, const char *data_dir, int64_t grace_s,
                                rd_attachment_sweeper **out) {
  rd_attachment_sweeper *w = rd_calloc(1, sizeof *w);
  w->data_dir = rd_strdup(data_dir);
  w->grace_s = grace_s > 0 ? grace_s : RD_ATTACHMENT_GRACE_S;
  int64_t interval = w->grace_s / 2;
  interval = interval < 1 ? 1 : interval > 3600 ? 3600 : interval;
  int rv = rd_worker_start(db, "sweeper", 1, interval * 1000, sweeper_pass, w, &w->worker);
  if (rv) {
    rd_free(w->data_dir);
    rd_free(w);
    return rv;
  }
  *out = w;
  return 0;
}

void rd_attachment_sweeper_stop(rd_attachment_sweeper *w) {
  if (!w)
    return;
  rd_worker_stop(w->worker);
  rd_free(w->data_dir);
  rd_free(w);
}
