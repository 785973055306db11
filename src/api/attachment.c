/* POST /v1/attachments (raw body, ?filename=, Content-Type its type) and
 * GET /v1/attachments/{key} (only to people of the uploading account; people without a
 * staff role only their own uploads). Issue 10: the media type and the account's quota
 * are checked from the headers before the body is used, and again by the domain. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "base/str.h"
#include "domain/attachment.h"

static const char *const PARAMS[] = {"filename", NULL};

int rd_api_attachment_precheck(rd_ctx *x, rd_err *err) {
  int rv = rd_api_query_check(x, PARAMS, err);
  if (!rv)
    rv = rd_attachment_type_check(rd_req_header(x->req, "Content-Type"), err);
  /* The quota from Content-Length, so an upload that cannot fit is refused unread. */
  const char *cl = rd_req_header(x->req, "Content-Length");
  int64_t size = 0;
  if (!rv && cl && rd_parse_i64(cl, &size) && size > 0)
    rv = rd_attachment_quota_check(x->db, &x->who, (uint64_t)size, err);
  return rv;
}

int rd_api_attachment_create(rd_ctx *x, rd_err *err) {
  int rv = rd_api_attachment_precheck(x, err);
  if (rv)
    return rv;
  json_t *meta = NULL;
  /* The body was spooled to a file (issue 10); mapped, not copied into memory. */
  if (rd_req_body_map(x->req))
    return rd_err_set(err, RD_EIO, "cannot read the uploaded file");
  rv = rd_attachment_create(x->db, &x->who, x->api->data_dir, rd_req_query(x->req, "filename"),
                            rd_req_header(x->req, "Content-Type"), x->req->body,
                            x->req->body_len, &meta, err);
  if (rv)
    return rv;
  char loc[128];
  snprintf(loc, sizeof loc, "/v1/attachments/%s", json_string_value(json_object_get(meta, "key")));
  rd_resp_header(x->req, "Location", loc);
  rd_api_json(x, 201, meta, -1);
  return 0;
}

int rd_api_attachment_get(rd_ctx *x, rd_err *err) {
  int fd = -1;
  json_t *meta = NULL;
  int rv = rd_attachment_open(x->db, &x->who, x->api->data_dir, x->params[0], &fd, &meta, err);
  if (rv)
    return rv;
  const char *name = json_string_value(json_object_get(meta, "filename"));
  /* RFC 6266 with RFC 8187 encoding: safe for any name. */
  char disp[1024];
  size_t n = (size_t)snprintf(disp, sizeof disp, "attachment; filename*=UTF-8''");
  for (const unsigned char *p = (const unsigned char *)name; *p && n < sizeof disp - 4; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
        strchr("-_.~", *p))
      disp[n++] = (char)*p;
    else
      n += (size_t)snprintf(disp + n, sizeof disp - n, "%%%02X", *p);
  }
  disp[n] = 0;
  rd_resp_header(x->req, "Content-Disposition", disp);
  rd_resp_header(x->req, "X-Content-Type-Options", "nosniff");
  /* Issue 10: opened in a browser anyway, the file runs no script and reaches no origin. */
  rd_resp_header(x->req, "Content-Security-Policy", "sandbox");
  const char *ct = rd_arena_strdup(&x->req->arena, json_string_value(json_object_get(meta, "content_type")));
  rd_resp_fd(x->req, 200, ct, fd, (size_t)json_integer_value(json_object_get(meta, "size")));
  json_decref(meta);
  return 0;
}
