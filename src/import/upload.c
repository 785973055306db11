/* Creating an import (IMP-1, IMP-5): the uploaded file is stored under the data directory
 * and read once (encoding, CSV syntax, mapping, row count; any problem is refused with its
 * line and column and nothing is stored), then its job is queued (import.h). */
#include <errno.h>
#include <sodium.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "base/mem.h"
#include "base/str.h"
#include "base/time.h"
#include "domain/account.h"
#include "import/csv_read.h"
#include "import/internal.h"

/* Copies the upload (fd or data) to path, fsynced. */
static int store_file(const char *path, int src, const char *data, size_t len, rd_err *err) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0)
    return rd_err_set(err, RD_EIO, "cannot store the import file");
  bool ok = true;
  if (src >= 0) {
    char *buf = rd_malloc(1 << 16);
    for (;;) {
      ssize_t n = read(src, buf, 1 << 16);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        ok = n == 0;
        break;
      }
      if (!rd_write_all(fd, buf, (size_t)n)) {
        ok = false;
        break;
      }
    }
    rd_free(buf);
  } else {
    ok = rd_write_all(fd, data, len);
  }
  ok = ok && fsync(fd) == 0;
  close(fd);
  if (!ok) {
    unlink(path);
    return rd_err_set(err, RD_EIO, "cannot store the import file");
  }
  return 0;
}

typedef struct scan_state {
  const rd_import_opts *o;
  rd_import_map map;
  bool mapped;
  long rows, blank, records;
} scan_state;

/* Gives the errors of a mapping problem the line of the header. */
static void at_line(rd_err *err, long line) {
  for (int i = 0; err && i < err->nitems; i++)
    if (!err->items[i].line)
      err->items[i].line = line;
}

static int scan_row(void *arg, const rd_csv_row *row, rd_err *err) {
  scan_state *s = arg;
  s->records++;
  if (row->index == 0) {
    if (s->o->ignore_first_line) {
      int rv = rd_import_map_build(row, s->o->mapping, &s->map, err);
      at_line(err, row->line);
      s->mapped = true;
      return rv;
    }
    int named = 0;
    for (int i = 0; i < row->nfields; i++)
      named += rd_import_target(row->fields[i]) >= 0 && row->lens[i] < 64;
    if (named >= 3 && named * 2 >= row->nfields) {
      rd_err_field(err, "ignore_first_line",
                   "the first line looks like a header row (%d column names); import with"
                   " ignore_first_line=true, or without that line",
                   named);
      at_line(err, row->line);
      return err->code;
    }
    int rv = rd_import_map_build(NULL, s->o->mapping, &s->map, err);
    s->mapped = true;
    if (rv)
      return rv;
  }
  bool blank = true;
  for (int i = 0; i < row->nfields && blank; i++)
    blank = rd_import_blank(row->fields[i], row->lens[i]);
  if (blank)
    s->blank++;
  else
    s->rows++;
  return 0;
}

static json_t *caller_json(const rd_caller *who) {
  return json_pack("{s:I,s:i,s:s}", "person_id", (json_int_t)who->person_id, "roles",
                   (int)who->roles, "name", who->name);
}

int rd_import_create(rd_conn *c, const rd_caller *who, const char *data_dir, int fd,
                     const char *data, size_t len, const rd_import_opts *o, const char *worker,
                     int64_t *id_out, rd_err *err) {
  if (!rd_caller_has(who, RD_IMPORT_MANAGERS))
    return rd_err_set(err, RD_EFORBIDDEN, "Only an administrator or supervisor may import people");
  if (!o->type || strcmp(o->type, "people"))
    return rd_err_field(err, "type", "must be people");
  char dir[1024], tmp[1100], path[1100];
  unsigned char raw[12];
  char rnd[24];
  randombytes_buf(raw, sizeof raw);
  rd_b64url_encode(raw, sizeof raw, rnd);
  snprintf(dir, sizeof dir, "%s/imports/%s", data_dir, who->account_id);
  snprintf(tmp, sizeof tmp, "%s/upload-%s.tmp", dir, rnd);
  path[0] = 0;
  if (rd_mkdirs(dir))
    return rd_err_set(err, RD_EIO, "cannot create the import directory");
  int rv = store_file(tmp, fd, data, len, err);
  if (rv)
    return rv;
  /* Read the stored file once: encoding, CSV syntax, mapping, rows. */
  scan_state s = {.o = o};
  rd_csv *r = NULL;
  rd_csv_opts co = {.charset = o->charset, .separator = o->separator,
                    .header = o->ignore_first_line};
  json_t *mapping = NULL, *caller = NULL;
  char *mapping_text = NULL, *caller_text = NULL;
  bool in_tx = false;
  rv = rd_csv_new(&co, scan_row, &s, &r, err);
  if (!rv) {
    int in = open(tmp, O_RDONLY | O_CLOEXEC);
    rv = in < 0 ? rd_err_set(err, RD_EIO, "cannot read the import file") : rd_csv_read_fd(r, in, err);
    if (in >= 0)
      close(in);
  }
  if (!rv && !s.mapped && o->ignore_first_line)
    rv = rd_err_set(err, RD_EINVAL, "The file is empty: no header line");
  if (!rv && !s.mapped)
    rv = rd_import_map_build(NULL, o->mapping, &s.map, err);
  if (!rv && s.rows == 0)
    rv = rd_err_set(err, RD_EINVAL, "The file has no rows to import");
  if (rv)
    goto out;
  mapping = rd_import_map_json(&s.map);
  /* The column names of the header stay with the mapping for the report. */
  json_t *names = json_array();
  for (int i = 0; i < s.map.ncols; i++)
    json_array_append_new(names, json_string(s.map.header[i]));
  json_t *stored = json_pack("{s:O,s:o}", "columns", mapping, "names", names);
  mapping_text = json_dumps(stored, JSON_COMPACT);
  json_decref(stored);
  caller = caller_json(who);
  caller_text = json_dumps(caller, JSON_COMPACT);
  rv = rd_tx_begin(c, true, err);
  in_tx = rv == 0;
  int64_t id = 0;
  if (!rv)
    rv = rd_next_id(c, &id, err);
  char now[RD_TIME_LEN], sep[2] = {rd_csv_separator(r), 0};
  rd_time_now(now);
  if (!rv) {
    snprintf(path, sizeof path, "%s/%lld.csv", dir, (long long)id);
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO jobs (id, account_id, kind, status, payload, total, created_by,"
                     " claimed_by, heartbeat_at, attempts, created_at, updated_at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     "ittttiIttitt", id, who->account_id,
                     RD_IMPORT_JOB_KIND, worker ? "running" : "queued", "{\"type\":\"people\"}",
                     (int64_t)s.rows, who->person_id, worker, worker ? now : NULL,
                     (int64_t)(worker ? 1 : 0), now, now);
  }
  if (!rv)
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO imports (id, account_id, kind, file_path, charset, separator,"
                     " ignore_first_line, web_access, dry_run, mapping, caller, total_rows,"
                     " started_at, created_at, updated_at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     "ittttt" "bbbtti" "ttt", id, who->account_id, o->type, path,
                     rd_csv_charset(r), sep, (int)o->ignore_first_line, (int)o->web_access,
                     (int)o->dry_run, mapping_text, caller_text, (int64_t)s.rows,
                     worker ? now : NULL, now, now);
  if (!rv && rename(tmp, path))
    rv = rd_err_set(err, RD_EIO, "cannot store the import file");
  if (!rv) {
    rv = rd_tx_commit(c, err);
    in_tx = false;
  }
  if (!rv)
    *id_out = id;
out:
  if (in_tx)
    rd_tx_rollback(c);
  if (rv) {
    unlink(tmp);
    if (path[0])
      unlink(path);
  }
  rd_csv_free(r);
  json_decref(mapping);
  json_decref(caller);
  free(mapping_text);
  free(caller_text);
  return rv;
}
