/* Attachments: see attachment.h. The file is written under a temporary name, fsynced and
 * renamed before its row commits; a crash leaves at most an orphan file, never a row
 * without its file. */
#include "domain/attachment.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "base/str.h"
#include "base/time.h"
#include "domain/record.h"

static bool content_type_valid(const char *t) {
  /* type/subtype with token characters, optional parameters; no control characters. */
  if (!t || !*t || strlen(t) > 255 || !strchr(t, '/'))
    return false;
  for (const unsigned char *p = (const unsigned char *)t; *p; p++)
    if (*p < 32 || *p == 127)
      return false;
  return true;
}

int rd_attachment_create(rd_conn *c, const rd_caller *who, const char *data_dir,
                         const char *filename, const char *content_type, const char *data,
                         size_t len, json_t **out, rd_err *err) {
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
  char now[RD_TIME_LEN];
  rd_time_now(now);
  int rv = rd_tx_begin(c, true, err);
  if (!rv)
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO attachments (key, account_id, filename, size, content_type,"
                     " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     "ttti" "tIt", key, who->account_id, filename, (int64_t)len, content_type,
                     who->person_id, now);
  json_t *meta = json_pack("{s:s,s:s,s:I,s:s}", "key", key, "filename", filename, "size",
                           (json_int_t)len, "content_type", content_type);
  if (!rv)
    rv = rd_audit_write(c, who, "attachment", 0, "create", meta, err);
  if (!rv)
    rv = rd_tx_commit(c, err);
  else
    rd_tx_rollback(c);
  if (rv) {
    unlink(path);
    json_decref(meta);
    return rv;
  }
  *out = meta;
  return 0;
}

int rd_attachment_open(rd_conn *c, const rd_caller *who, const char *data_dir, const char *key,
                       int *fd, json_t **meta, rd_err *err) {
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err,
                  "SELECT filename, size, content_type FROM attachments WHERE key = ? AND account_id = ?",
                  "tt", key, who->account_id);
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
      *fd = f;
      *meta = json_pack("{s:s,s:s,s:I,s:s}", "key", key, "filename", rd_stmt_text(s, 0), "size",
                        (json_int_t)rd_stmt_int64(s, 1), "content_type", rd_stmt_text(s, 2));
      rv = 0;
    }
  }
  rd_stmt_done(s);
  return rv;
}
