/* /v1/imports (IMP-1..5): the template, uploads that start an import job, the job's
 * progress and its per-row report. The rules are in src/domain/import.c. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "api/api.h"
#include "base/file.h"
#include "base/str.h"
#include "import/import.h"
#include "http/multipart.h"
#include "jobs/runner.h"

static const char *const TEMPLATE_PARAMS[] = {"describe", NULL};

int rd_api_import_template(rd_ctx *x, rd_err *err) {
  int describe = 0;
  int rv = rd_api_query_check(x, TEMPLATE_PARAMS, err);
  if (!rv)
    rv = rd_api_query_bool(x, "describe", &describe, err);
  if (rv)
    return rv;
  if (describe) {
    rd_api_json(x, 200, rd_import_template_describe(), -1);
    return 0;
  }
  const char *csv = rd_import_template_csv();
  rd_resp_header(x->req, "Content-Disposition", "attachment; filename=\"people.csv\"");
  rd_resp_body(x->req, 200, "text/csv; charset=utf-8", csv, strlen(csv));
  return 0;
}

static const char *const CREATE_PARAMS[] = {"type", "ignore_first_line", "web_access", "dry_run",
                                            "charset", "separator", "mapping", NULL};

/* The charset parameter of a media type ("text/csv; charset=windows-1252"), or NULL. */
static const char *charset_of(rd_arena *a, const char *ct) {
  const char *p = ct ? strcasestr(ct, "charset=") : NULL;
  if (!p)
    return NULL;
  p += 8;
  if (*p == '"')
    p++;
  size_t n = strcspn(p, "\"; \t");
  if (n == 0 || n >= RD_CSV_CHARSET_MAX)
    return NULL;
  char *cs = rd_arena_alloc(a, n + 1);
  memcpy(cs, p, n);
  return cs;
}

static bool csv_media_type(const char *ct) {
  static const char *const OK[] = {"text/csv", "application/csv", "text/plain",
                                   "application/octet-stream", "application/vnd.ms-excel",
                                   "text/comma-separated-values", NULL};
  if (!ct)
    return false;
  for (int i = 0; OK[i]; i++) {
    size_t n = strlen(OK[i]);
    if (!strncasecmp(ct, OK[i], n) && (!ct[n] || ct[n] == ';' || ct[n] == ' '))
      return true;
  }
  return false;
}

typedef struct upload {
  rd_buf mapping;
  int file_fd; /* the 'file' part, in a temporary file of the request (issue 10) */
  uint64_t file_len;
  bool write_failed;
  const char *charset;
  bool has_file;
  rd_req *req;
} upload;

static int on_part(void *arg, const char *name, const char *filename, const char *content_type,
                   const char *data, uint64_t off, size_t len) {
  upload *u = arg;
  (void)filename;
  if (!strcmp(name, "file")) {
    if (off == 0 && !u->has_file) {
      u->charset = charset_of(&u->req->arena, content_type);
      u->file_fd = rd_req_tmpfile(u->req);
    }
    u->has_file = true;
    if (u->file_fd < 0 || !rd_write_all(u->file_fd, data, len)) {
      u->write_failed = true;
      return 1;
    }
    u->file_len += len;
  } else if (!strcmp(name, "mapping")) {
    if (u->mapping.len + len > 64 * 1024)
      return 1;
    rd_buf_add(&u->mapping, data, len);
  }
  return 0;
}

static int bad_query(rd_err *err, const char *name, const char *msg) {
  rd_err_set(err, RD_EBADREQ, "Bad query parameter");
  rd_err_field(err, name, "%s", msg);
  err->code = RD_EBADREQ;
  err->status = 400;
  return RD_EBADREQ;
}

static int parse_mapping(const char *text, size_t len, json_t **out, rd_err *err) {
  json_error_t je;
  json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (!j || !json_is_object(j)) {
    json_decref(j);
    rd_err_set(err, RD_EBADREQ, "Malformed mapping");
    rd_err_field(err, "mapping", "must be a JSON object such as {\"0\": \"first_name\"}");
    err->code = RD_EBADREQ;
    err->status = 400;
    return RD_EBADREQ;
  }
  *out = j;
  return 0;
}

int rd_api_import_create(rd_ctx *x, rd_err *err) {
  rd_import_opts o = {.type = "people"};
  int ignore = 0, web = 0, dry = 0;
  upload u = {.req = x->req, .file_fd = -1};
  rd_buf_init(&u.mapping);
  json_t *mapping = NULL;
  int rv = rd_api_query_check(x, CREATE_PARAMS, err);
  if (!rv)
    rv = rd_api_query_bool(x, "ignore_first_line", &ignore, err);
  if (!rv)
    rv = rd_api_query_bool(x, "web_access", &web, err);
  if (!rv)
    rv = rd_api_query_bool(x, "dry_run", &dry, err);
  if (rv)
    goto out;
  const char *type = rd_req_query(x->req, "type");
  if (type && strcmp(type, "people")) {
    rv = rd_err_field(err, "type", "must be people");
    goto out;
  }
  const char *sep = rd_req_query(x->req, "separator");
  if (sep) {
    static const struct {
      const char *name;
      char c;
    } SEPS[] = {{"comma", ','}, {",", ','}, {"semicolon", ';'}, {";", ';'}, {"tab", '\t'},
                {"\t", '\t'}, {"pipe", '|'}, {"|", '|'}};
    for (size_t i = 0; i < sizeof SEPS / sizeof *SEPS; i++)
      if (!strcmp(sep, SEPS[i].name))
        o.separator = SEPS[i].c;
    if (!o.separator) {
      rv = bad_query(err, "separator", "must be comma, semicolon, tab or pipe");
      goto out;
    }
  }
  /* The body was spooled to a file (RD_ROUTE_UPLOAD); the import copies it from there. */
  int fd = x->req->body_fd;
  const char *data = x->req->body;
  size_t len = x->req->body_len;
  const char *ct = rd_req_header(x->req, "Content-Type");
  o.charset = rd_req_query(x->req, "charset");
  if (rd_req_is_multipart(x->req)) {
    int mp = rd_req_multipart(x->req, on_part, &u);
    if (u.write_failed) {
      rv = rd_err_set(err, RD_EIO, "cannot store the uploaded file");
      goto out;
    }
    if (mp || !u.has_file) {
      rv = rd_err_set(err, RD_EBADREQ,
                      "The multipart body must have a 'file' part (and may have a 'mapping' part)");
      goto out;
    }
    fd = u.file_fd;
    data = "";
    len = (size_t)u.file_len;
    if (!o.charset)
      o.charset = u.charset;
    if (u.mapping.len) {
      rv = parse_mapping(u.mapping.data, u.mapping.len, &mapping, err);
      if (rv)
        goto out;
    }
  } else if (!csv_media_type(ct)) {
    rv = rd_err_set(err, RD_EMEDIA, "Content-Type must be text/csv or multipart/form-data");
    goto out;
  } else if (!o.charset) {
    o.charset = charset_of(&x->req->arena, ct);
  }
  const char *qm = rd_req_query(x->req, "mapping");
  if (qm && !mapping) {
    rv = parse_mapping(qm, strlen(qm), &mapping, err);
    if (rv)
      goto out;
  }
  if (len == 0) {
    rv = rd_err_set(err, RD_EBADREQ, "The file is empty");
    goto out;
  }
  o.ignore_first_line = ignore;
  o.web_access = web;
  o.dry_run = dry;
  o.mapping = mapping;
  int64_t id = 0;
  if (fd >= 0 && lseek(fd, 0, SEEK_SET) != 0) {
    rv = rd_err_set(err, RD_EIO, "cannot read the uploaded file");
    goto out;
  }
  rv = rd_import_create(x->db, &x->who, x->api->data_dir, fd, data, len, &o, NULL, &id, err);
  if (rv)
    goto out;
  char loc[64];
  snprintf(loc, sizeof loc, "/v1/imports/%lld", (long long)id);
  rd_resp_header(x->req, "Location", loc);
  rd_api_json(x, 202, json_pack("{s:I,s:s}", "id", (json_int_t)id, "status", "queued"), -1);
out:
  json_decref(mapping);
  rd_buf_term(&u.mapping);
  return rv;
}

int rd_api_import_get(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  json_t *imp = NULL;
  int rv = rd_api_query_check(x, (const char *const[]){NULL}, err);
  if (!rv)
    rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_import_get(x->db, &x->who, id, &imp, err);
  if (!rv)
    rd_api_json(x, 200, imp, -1);
  return rv;
}

/* Issue 11: cancels through the job runner; 200 when the import ended at once (it was
 * queued), 202 when its worker stops it at its next batch. */
int rd_api_import_cancel(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  json_t *imp = NULL;
  bool ended = false;
  int rv = rd_api_query_check(x, (const char *const[]){NULL}, err);
  if (!rv)
    rv = rd_api_id(x, 0, &id, err);
  if (!rv) /* 404 unless the caller's account has it */
    rv = rd_import_get(x->db, &x->who, id, &imp, err);
  json_decref(imp);
  imp = NULL;
  if (!rv)
    rv = rd_job_cancel(x->db, x->who.account_id, id, &ended, err);
  if (rv == RD_ECONFLICT)
    rv = rd_err_set(err, RD_ECONFLICT, "The import has ended already");
  if (!rv)
    rv = rd_import_get(x->db, &x->who, id, &imp, err);
  if (!rv)
    rd_api_json(x, ended ? 200 : 202, imp, -1);
  return rv;
}

static const char *const LIST_PARAMS[] = {"per_page", "cursor", NULL};

int rd_api_import_list(rd_ctx *x, rd_err *err) {
  int64_t after = 0;
  int limit = 0;
  json_t *list = NULL;
  bool more = false;
  int rv = rd_api_query_check(x, LIST_PARAMS, err);
  if (!rv)
    rv = rd_api_page(x, &after, &limit, err);
  if (!rv)
    rv = rd_import_list(x->db, &x->who, after, limit, &list, &more, err);
  if (!rv)
    rd_api_list(x, list, more);
  return rv;
}

static const char *const ROWS_PARAMS[] = {"result", "per_page", "cursor", NULL};

int rd_api_import_rows(rd_ctx *x, rd_err *err) {
  int64_t id = 0, after = 0;
  int limit = 0;
  json_t *rows = NULL;
  bool more = false;
  int rv = rd_api_query_check(x, ROWS_PARAMS, err);
  if (!rv)
    rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_api_page(x, &after, &limit, err);
  if (!rv)
    rv = rd_import_rows(x->db, &x->who, id, rd_req_query(x->req, "result"), after, limit, &rows,
                        &more, err);
  if (rv)
    return rv;
  if (more) {
    /* The cursor of rd_api_page ("c1:<n>"), here after the last line. */
    json_int_t last = json_integer_value(json_object_get(json_array_get(rows, json_array_size(rows) - 1), "line"));
    char raw[40], cur[64], link[256];
    int n = snprintf(raw, sizeof raw, "c1:%lld", (long long)last);
    rd_b64url_encode((const unsigned char *)raw, (size_t)n, cur);
    const char *result = rd_req_query(x->req, "result");
    const char *pp = rd_req_query(x->req, "per_page");
    /* result and per_page passed the checks above: plain words and digits */
    snprintf(link, sizeof link, "</v1/imports/%lld/rows?%s%s%s%s%s%scursor=%s>; rel=\"next\"",
             (long long)id, result ? "result=" : "", result ? result : "", result ? "&" : "",
             pp ? "per_page=" : "", pp ? pp : "", pp ? "&" : "", cur);
    rd_resp_header(x->req, "Link", link);
  }
  rd_api_json(x, 200, rows, -1);
  return 0;
}
