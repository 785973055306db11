/* Banners (PART-5): PUT/GET/DELETE /v1/organizations/{id}/banner (a partner organization's
 * banner), PUT/GET/DELETE /v1/account/banner (the system banner) and GET
 * /v1/portal/banner (the one the caller's portal shows). Bodies are the PNG itself with
 * Content-Type image/png (415 otherwise); the checks and rules are in domain/banner.c.
 * Banners are answered as image/png with a strong ETag (a digest of the bytes), so a
 * client revalidates with If-None-Match (304). */
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "domain/banner.h"

static const char *const NO_PARAMS[] = {NULL};

/* Content-Type image/png, parameters allowed (any case, spaces around it). */
static int png_type(rd_ctx *x, rd_err *err) {
  const char *t = rd_req_header(x->req, "Content-Type");
  if (t) {
    t += strspn(t, " \t");
    size_t n = strcspn(t, ";");
    while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
      n--;
    if (n == 9 && !strncasecmp(t, "image/png", 9))
      return 0;
  }
  return rd_err_set(err, RD_EMEDIA, "Content-Type must be image/png: a banner is a PNG file of"
                                    " %dx%d pixels",
                    RD_BANNER_WIDTH, RD_BANNER_HEIGHT);
}

/* The organization of the path (org true), or 0 for the system banner. */
static int target(rd_ctx *x, bool org, int64_t *id, rd_err *err) {
  *id = 0;
  int rv = org ? rd_api_id(x, 0, id, err) : 0;
  return rv ? rv : rd_api_query_check(x, NO_PARAMS, err);
}

static int put(rd_ctx *x, bool org, rd_err *err) {
  int64_t id = 0;
  char etag[RD_BANNER_ETAG_LEN];
  int rv = target(x, org, &id, err);
  if (!rv)
    rv = png_type(x, err);
  if (!rv)
    rv = rd_banner_put(x->db, &x->who, id, x->req->body, x->req->body_len, etag, err);
  if (rv)
    return rv;
  rd_resp_header(x->req, "ETag", etag);
  rd_api_no_content(x);
  return 0;
}

static int del(rd_ctx *x, bool org, rd_err *err) {
  int64_t id = 0;
  int rv = target(x, org, &id, err);
  if (!rv)
    rv = rd_banner_remove(x->db, &x->who, id, err);
  if (!rv)
    rd_api_no_content(x);
  return rv;
}

/* Answers banner b (its memory is taken). */
static void answer(rd_ctx *x, rd_banner *b) {
  rd_resp_header(x->req, "ETag", b->etag);
  /* Per person (the portal's choice) and behind authentication: revalidated every time. */
  rd_resp_header(x->req, "Cache-Control", "private, no-cache");
  rd_resp_header(x->req, "X-Content-Type-Options", "nosniff");
  rd_resp_body_owned(x->req, 200, "image/png", (char *)b->png, b->len);
  b->png = NULL;
}

static int get(rd_ctx *x, bool org, rd_err *err) {
  int64_t id = 0;
  rd_banner b = {0};
  int rv = target(x, org, &id, err);
  if (!rv)
    rv = rd_banner_get(x->db, &x->who, id, &b, err);
  if (!rv)
    answer(x, &b);
  rd_banner_free(&b);
  return rv;
}

int rd_api_org_banner_put(rd_ctx *x, rd_err *err) {
  return put(x, true, err);
}
int rd_api_org_banner_delete(rd_ctx *x, rd_err *err) {
  return del(x, true, err);
}
int rd_api_org_banner_get(rd_ctx *x, rd_err *err) {
  return get(x, true, err);
}
int rd_api_account_banner_put(rd_ctx *x, rd_err *err) {
  return put(x, false, err);
}
int rd_api_account_banner_delete(rd_ctx *x, rd_err *err) {
  return del(x, false, err);
}
int rd_api_account_banner_get(rd_ctx *x, rd_err *err) {
  return get(x, false, err);
}

int rd_api_portal_banner(rd_ctx *x, rd_err *err) {
  rd_banner b = {0};
  int rv = rd_api_query_check(x, NO_PARAMS, err);
  if (!rv)
    rv = rd_banner_portal(x->db, &x->who, &b, err);
  if (!rv)
    answer(x, &b);
  rd_banner_free(&b);
  return rv;
}
