/* Dispatch: matches the route table, authenticates (bearer token, or session cookie plus
 * X-CSRF-Token for calls that change data), checks roles, hands the handler a database
 * connection, and renders every error as the JSON body of API.md. Also the helpers of
 * api.h that handlers share.
 *
 * Issue 10: all of that except the handler happens in admit(), on the headers alone,
 * before the HTTP layer reads any body byte; a refusal (400 strict input, 404/405, 401,
 * 403, 429/503 limits) is answered at once and the body is never read. admit() also sets
 * the body limit, spools uploads (RD_ROUTE_UPLOAD), sends password hashing to the work
 * pool (RD_ROUTE_HASHES) and sets the path as logged, with secret segments redacted. The
 * caller it authenticated is kept in the request's rd_ctx for handle(). */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/page_cache.h"
#include "auth/auth.h"
#include "base/log.h"
#include "base/str.h"
#include "mail/mail_in.h"

/* ---- answers ---- */

static void set_json(rd_req *r, int status, json_t *json) {
  static const char failed[] = "{\"message\":\"Internal error\",\"errors\":[]}";
  char *text = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY);
  if (!text) {
    rd_log(RD_LOG_ERROR, "a response could not be encoded as JSON");
    rd_resp_body(r, 500, "application/json", failed, sizeof failed - 1);
    return;
  }
  rd_resp_body_owned(r, status, "application/json", text, strlen(text));
}

void rd_api_json(rd_ctx *x, int status, json_t *json, int64_t version) {
  if (version >= 0) {
    char etag[32];
    snprintf(etag, sizeof etag, "\"%lld\"", (long long)version);
    rd_resp_header(x->req, "ETag", etag);
  }
  set_json(x->req, status, json);
  json_decref(json);
}

void rd_api_created(rd_ctx *x, const char *collection, int64_t id, json_t *json, int64_t version) {
  char loc[256];
  snprintf(loc, sizeof loc, "%s/%lld", collection, (long long)id);
  rd_resp_header(x->req, "Location", loc);
  rd_api_json(x, 201, json, version);
}

void rd_api_no_content(rd_ctx *x) {
  rd_resp_body(x->req, 204, NULL, NULL, 0);
}

void rd_api_error(rd_req *r, const rd_err *err) {
  int status = err->status ? err->status : rd_err_status(err->code);
  json_t *errors = json_array();
  for (int i = 0; i < err->nitems; i++) {
    const rd_err_item *it = &err->items[i];
    json_t *e = it->line ? json_pack("{s:I,s:s,s:s}", "line", (json_int_t)it->line, "column",
                                     it->field, "message", it->message)
                         : json_pack("{s:s,s:s}", "field", it->field, "message", it->message);
    json_array_append_new(errors, e);
  }
  json_t *body = json_pack("{s:s,s:o}", "message",
                           err->message[0] ? err->message : "Internal error", "errors", errors);
  if ((status == 429 || status == 503) && err->retry_after > 0) {
    char ra[16];
    snprintf(ra, sizeof ra, "%d", err->retry_after);
    rd_resp_header(r, "Retry-After", ra);
  }
  set_json(r, status, body);
  json_decref(body);
}

/* ---- request helpers ---- */

static int depth_of(json_t *j, int limit) {
  if (limit < 0)
    return 1;
  int max = 0;
  if (json_is_object(j)) {
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v) {
      int d = depth_of(v, limit - 1);
      if (d > max)
        max = d;
    }
    return max + 1;
  }
  if (json_is_array(j)) {
    size_t i;
    json_t *v;
    json_array_foreach(j, i, v) {
      int d = depth_of(v, limit - 1);
      if (d > max)
        max = d;
    }
    return max + 1;
  }
  return 0;
}

int rd_api_json_parse(const char *content_type, const char *body, size_t len, json_t **out,
                      rd_err *err) {
  const char *ct = content_type;
  if (!ct || strncasecmp(ct, "application/json", 16) || (ct[16] && ct[16] != ';' && ct[16] != ' '))
    return rd_err_set(err, RD_EMEDIA, "Content-Type must be application/json");
  if (len == 0)
    return rd_err_set(err, RD_EBADREQ, "The request body is empty; a JSON object is expected");
  if (!rd_utf8_valid(body, len))
    return rd_err_set(err, RD_EBADREQ, "The request body is not valid UTF-8");
  json_error_t je;
  json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
  if (!j) {
    rd_err_set(err, RD_EBADREQ, "Malformed JSON");
    rd_err_field(err, "body", "line %d, column %d: %s", je.line, je.column, je.text);
    err->code = RD_EBADREQ;
    err->status = 400;
    return RD_EBADREQ;
  }
  if (depth_of(j, RD_JSON_DEPTH_MAX) > RD_JSON_DEPTH_MAX) {
    json_decref(j);
    return rd_err_set(err, RD_EBADREQ, "JSON nested deeper than %d levels", RD_JSON_DEPTH_MAX);
  }
  if (!json_is_object(j)) {
    json_decref(j);
    return rd_err_set(err, RD_EINVAL, "The request body must be a JSON object");
  }
  *out = j;
  return 0;
}

static bool media_is(const char *ct, const char *type) {
  size_t n = strlen(type);
  return ct && !strncasecmp(ct, type, n) && (!ct[n] || ct[n] == ';' || ct[n] == ' ');
}

int rd_api_body(rd_ctx *x, json_t **out, rd_err *err) {
  rd_req *r = x->req;
  const char *ct = rd_req_header(r, "Content-Type");
  bool patch = !strcmp(r->method, "PATCH");
  /* Issue 12: PATCH bodies are JSON merge patches (RFC 7396) and may say so. */
  if (patch && media_is(ct, "application/merge-patch+json"))
    ct = "application/json";
  int rv = rd_api_json_parse(ct, r->body, r->body_len, out, err);
  if (rv == RD_EMEDIA && patch)
    rv = rd_err_set(err, RD_EMEDIA,
                    "Content-Type must be application/json or application/merge-patch+json");
  return rv;
}

typedef struct qcheck {
  const char *const *allowed;
  rd_err *err;
} qcheck;

static bool check_arg(void *arg, const char *k, const char *v) {
  qcheck *q = arg;
  bool known = false;
  for (const char *const *a = q->allowed; a && *a; a++) {
    size_t n = strlen(*a);
    /* "custom_fields." allows any key below it */
    if (!strcmp(*a, k) || ((*a)[n - 1] == '.' && !strncmp(*a, k, n)))
      known = true;
  }
  if (!rd_utf8_valid(k, strlen(k)) || (v && !rd_utf8_valid(v, strlen(v)))) {
    rd_err_set(q->err, RD_EBADREQ, "Query parameters must be valid UTF-8");
    return false;
  }
  if (!known) {
    rd_err_set(q->err, RD_EBADREQ, "Unknown query parameter");
    rd_err_field(q->err, k, "is not a parameter of this endpoint");
    q->err->code = RD_EBADREQ;
    q->err->status = 400;
    return false;
  }
  if (v && strlen(v) > 1024) {
    rd_err_set(q->err, RD_EBADREQ, "Query value too long");
    rd_err_field(q->err, k, "is longer than 1024 bytes");
    q->err->code = RD_EBADREQ;
    q->err->status = 400;
    return false;
  }
  return true;
}

int rd_api_query_check(rd_ctx *x, const char *const *allowed, rd_err *err) {
  qcheck q = {allowed, err};
  rd_req_query_foreach(x->req, check_arg, &q);
  return err->code;
}

static int bad_query(rd_err *err, const char *name, const char *msg) {
  rd_err_set(err, RD_EBADREQ, "Bad query parameter");
  rd_err_field(err, name, "%s", msg);
  err->code = RD_EBADREQ;
  err->status = 400;
  return RD_EBADREQ;
}

int rd_api_page(rd_ctx *x, int64_t *after, int *limit, rd_err *err) {
  const char *pp = rd_req_query(x->req, "per_page");
  const char *cur = rd_req_query(x->req, "cursor");
  int64_t n = RD_PER_PAGE_DEFAULT;
  if (pp && (!rd_parse_i64(pp, &n) || n < 1 || n > RD_PER_PAGE_MAX))
    return bad_query(err, "per_page", "must be an integer from 1 to 100");
  *after = 0;
  if (cur) {
    unsigned char raw[32];
    long len = rd_b64url_decode(cur, raw, sizeof raw - 1);
    int64_t id = 0;
    if (len < 3 || memcmp(raw, "c1:", 3))
      return bad_query(err, "cursor", "is not a cursor this server issued");
    raw[len] = 0;
    if (!rd_parse_i64((const char *)raw + 3, &id) || id < 0)
      return bad_query(err, "cursor", "is not a cursor this server issued");
    *after = id;
  }
  *limit = (int)n;
  return 0;
}

static void url_encode(rd_buf *b, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
        strchr("-_.~", *p))
      rd_buf_add(b, p, 1);
    else
      rd_buf_printf(b, "%%%02X", *p);
  }
}

static bool add_arg(void *arg, const char *k, const char *v) {
  rd_buf *b = arg;
  if (!strcmp(k, "cursor"))
    return true;
  rd_buf_adds(b, b->data[b->len - 1] == '?' ? "" : "&");
  url_encode(b, k);
  if (v) {
    rd_buf_adds(b, "=");
    url_encode(b, v);
  }
  return true;
}

/* The Link rel="next" of a page whose last row is last. */
static void next_link(rd_ctx *x, int64_t last) {
  char raw[40], cur[64];
  int len = snprintf(raw, sizeof raw, "c1:%lld", (long long)last);
  rd_b64url_encode((const unsigned char *)raw, (size_t)len, cur);
  rd_buf b;
  rd_buf_init(&b);
  rd_buf_printf(&b, "<%s?", x->req->path);
  rd_req_query_foreach(x->req, add_arg, &b);
  rd_buf_printf(&b, "%scursor=%s>; rel=\"next\"", b.data[b.len - 1] == '?' ? "" : "&", cur);
  rd_resp_header(x->req, "Link", rd_buf_cstr(&b));
  rd_buf_term(&b);
}

void rd_api_list(rd_ctx *x, json_t *rows, bool more) {
  size_t n = json_array_size(rows);
  if (more && n > 0)
    next_link(x, json_integer_value(json_object_get(json_array_get(rows, n - 1), "id")));
  rd_api_json(x, 200, rows, -1);
}

void rd_api_list_text(rd_ctx *x, rd_buf *page, int64_t last_id, bool more) {
  if (more && last_id > 0)
    next_link(x, last_id);
  size_t len = page->len;
  rd_resp_body_owned(x->req, 200, "application/json", page->data, len);
  rd_buf_init(page);
}

int rd_api_id(rd_ctx *x, int i, int64_t *id, rd_err *err) {
  int64_t v = 0;
  if (i >= x->nparams || !rd_parse_i64(x->params[i], &v) || v <= 0)
    return rd_err_set(err, RD_ENOTFOUND, "Not found");
  *id = v;
  return 0;
}

/* The current ETag of x's resource, from the GET route of the same path run for the
 * caller (its answer is then forgotten): into etag, or its error. */
static int current_etag(rd_ctx *x, char *etag, size_t cap, rd_err *err) {
  const rd_route *get = NULL;
  for (int i = 0; i < rd_nroutes && !get; i++)
    if (!strcmp(rd_routes[i].method, "GET") && !strcmp(rd_routes[i].pattern, x->route->pattern))
      get = &rd_routes[i];
  if (!get || !(x->who.roles & get->roles))
    return rd_err_set(err, RD_EPRECOND, "If-Match does not match the current version");
  int rv = get->handler(x, err);
  const char *tag = rd_resp_header_get(x->req, "ETag");
  if (!rv && !tag)
    rv = rd_err_set(err, RD_EPRECOND, "If-Match does not match the current version");
  if (!rv)
    snprintf(etag, cap, "%s", tag);
  rd_resp_reset(x->req);
  return rv;
}

/* A version ETag: "N" (strong), N >= 0. */
static bool version_of(const char *tag, int64_t *version) {
  size_t n = strlen(tag);
  char num[24];
  if (n < 3 || n > 22 || tag[0] != '"' || tag[n - 1] != '"')
    return false;
  memcpy(num, tag + 1, n - 2);
  num[n - 2] = 0;
  return rd_parse_i64(num, version) && *version >= 0;
}

int rd_api_if_match(rd_ctx *x, int64_t *version, rd_err *err) {
  const char *h = rd_req_header(x->req, "If-Match");
  char one[32], etag[32];
  int64_t v = -1;
  *version = -1;
  if (h)
    h += strspn(h, " \t");
  if (!h || (h[0] == '*' && !h[1 + strspn(h + 1, " \t")]))
    return 0; /* RFC 9110 13.1.1: "*" matches any current version */
  size_t n = strcspn(h, ",");
  if (!h[n]) {
    /* One tag: strong comparison (RFC 9110 13.1.1), so W/"3" matches nothing. */
    while (n && (h[n - 1] == ' ' || h[n - 1] == '\t'))
      n--;
    snprintf(one, sizeof one, "%.*s", (int)n, h);
    if (n >= sizeof one || !version_of(one, &v))
      return rd_err_set(err, RD_EPRECOND, "If-Match does not match the current version");
    *version = v;
    return 0;
  }
  /* A list: the version it matches is the current one, if any. The domain checks in its
   * transaction that the record is still at that version. */
  int rv = current_etag(x, etag, sizeof etag, err);
  if (rv)
    return rv;
  if (!rd_http_etag_match(h, etag, true) || !version_of(etag, &v))
    return rd_err_set(err, RD_EPRECOND, "If-Match does not match the current version");
  *version = v;
  return 0;
}

int rd_api_query_bool(rd_ctx *x, const char *name, int *out, rd_err *err) {
  const char *v = rd_req_query(x->req, name);
  bool b;
  if (!v)
    return 0;
  if (!rd_parse_bool(v, &b))
    return bad_query(err, name, "must be true or false");
  *out = b;
  return 0;
}

int rd_api_query_id(rd_ctx *x, const char *name, int64_t *out, rd_err *err) {
  const char *v = rd_req_query(x->req, name);
  int64_t id;
  if (!v)
    return 0;
  if (!rd_parse_i64(v, &id) || id <= 0)
    return bad_query(err, name, "must be a positive integer id");
  *out = id;
  return 0;
}

/* ---- dispatch ---- */

/* Matches path against pattern; fills params. Segments "{x}" match any non-empty one. */
static bool match(const char *pattern, const char *path, rd_ctx *x, rd_arena *arena) {
  int np = 0;
  const char *params[4];
  while (*pattern && *path) {
    if (*pattern != '/' || *path != '/')
      return false;
    pattern++;
    path++;
    const char *pe = strchr(pattern, '/'), *se = strchr(path, '/');
    size_t pl = pe ? (size_t)(pe - pattern) : strlen(pattern);
    size_t sl = se ? (size_t)(se - path) : strlen(path);
    if (pattern[0] == '{') {
      if (sl == 0 || np == 4)
        return false;
      char *seg = rd_arena_alloc(arena, sl + 1);
      memcpy(seg, path, sl);
      params[np++] = seg;
    } else if (pl != sl || memcmp(pattern, path, pl)) {
      return false;
    }
    pattern += pl;
    path += sl;
  }
  if (*pattern || *path)
    return false;
  if (x) {
    memcpy(x->params, params, sizeof params);
    x->nparams = np;
  }
  return true;
}

/* Issue 12: the literal segments of pattern as bits, the first segment highest. Of the
 * patterns that match a path, the one with the largest value is the resource the path
 * names (/v1/organizations/all, not /v1/organizations/{id}); only its routes serve it. */
static unsigned literal_bits(const char *pattern) {
  unsigned bits = 0;
  for (const char *p = pattern; *p == '/'; p += strcspn(p + 1, "/") + 1)
    bits = bits << 1 | (p[1] != '{');
  return bits;
}

static void allow_add(char *allow, size_t cap, const char *method) {
  size_t n = strlen(allow);
  snprintf(allow + n, cap - n, "%s%s", n ? ", " : "", method);
}

/* Per route, computed once (issue 12: matching every pattern segment by segment was a
 * tenth of a kept page): the length of the pattern's literal start (up to its first
 * parameter), which a path must begin with, and whether it has a secret segment. */
enum { ROUTES_MAX = 512 };
static unsigned short route_lit[ROUTES_MAX];
static bool route_secret[ROUTES_MAX];
static pthread_once_t routes_once = PTHREAD_ONCE_INIT;

static bool secret_segment(const char *seg, size_t len);

static void routes_init(void) {
  assert(rd_nroutes <= ROUTES_MAX);
  for (int i = 0; i < rd_nroutes; i++) {
    const char *p = rd_routes[i].pattern;
    route_lit[i] = (unsigned short)strcspn(p, "{");
    for (const char *q = p; (q = strchr(q, '{')); q++)
      route_secret[i] = route_secret[i] || secret_segment(q, strcspn(q, "/"));
  }
}

/* The route serving r's method on r's path (HEAD: the GET route), with x's parameters
 * filled; else NULL and err says why (404, or 405). allow (cap bytes) receives the
 * methods the path's resource serves, HEAD beside GET and OPTIONS last ("" when none). */
static const rd_route *find(rd_req *r, rd_ctx *x, char *allow, size_t cap, rd_err *err) {
  const char *best = NULL;
  unsigned best_bits = 0;
  allow[0] = 0;
  pthread_once(&routes_once, routes_init);
  for (int i = 0; i < rd_nroutes; i++) {
    const rd_route *rt = &rd_routes[i];
    if (strncmp(rt->pattern, r->path, route_lit[i]) ||
        !match(rt->pattern, r->path, NULL, &r->arena))
      continue;
    unsigned bits = literal_bits(rt->pattern);
    if (!best || bits > best_bits) {
      best = rt->pattern;
      best_bits = bits;
    }
  }
  if (!best) {
    rd_err_set(err, RD_ENOTFOUND, "No such endpoint");
    return NULL;
  }
  const rd_route *hit = NULL, *get = NULL;
  for (int i = 0; i < rd_nroutes; i++) {
    const rd_route *rt = &rd_routes[i];
    if (strcmp(rt->pattern, best))
      continue;
    allow_add(allow, cap, rt->method);
    if (!strcmp(rt->method, "GET")) {
      allow_add(allow, cap, "HEAD");
      get = rt;
    }
    if (!strcmp(rt->method, r->method))
      hit = rt;
  }
  allow_add(allow, cap, "OPTIONS");
  if (!hit && !strcmp(r->method, "HEAD"))
    hit = get; /* HEAD is GET without the body (the HTTP layer drops it) */
  if (hit) {
    match(hit->pattern, r->path, x, &r->arena);
    return hit;
  }
  rd_err_set(err, RD_EMETHOD, "Method %s not allowed; allowed: %s", r->method, allow);
  return NULL;
}

static bool changes_data(const char *method) {
  return strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "OPTIONS");
}

static int authenticate(rd_ctx *x, const rd_route *rt, rd_err *err) {
  const char *h = rd_req_header(x->req, "Authorization");
  const char *token = NULL;
  bool cookie = false;
  if (h) {
    if (strncasecmp(h, "Bearer ", 7))
      return rd_err_set(err, RD_EAUTH, "Authentication required (Authorization: Bearer <token>)");
    token = h + 7;
  } else {
    token = rd_req_cookie(x->req, "rd_session");
    cookie = token != NULL;
  }
  if (!token)
    return rd_err_set(err, RD_EAUTH, "Authentication required (Authorization: Bearer <token>)");
  if ((rt->flags & RD_ROUTE_MAIL_SECRET) && !cookie &&
      !strncmp(token, RD_MAIL_IN_SECRET_PREFIX, strlen(RD_MAIL_IN_SECRET_PREFIX))) {
    /* CUST-9: the account's inbound secret; it stands for no person. */
    int srv = rd_mail_in_secret_check(x->db, token, x->who.account_id, err);
    if (srv)
      return srv;
    x->who.person_id = 0;
    x->who.roles = 0;
    snprintf(x->who.name, sizeof x->who.name, "inbound mail");
    x->mail_secret = true;
    x->authenticated = true;
    return 0;
  }
  int rv = !(rt->flags & RD_ROUTE_PAGE)
               ? rd_token_lookup(x->db, token, &x->who, err)
               : rd_token_lookup_versions(x->db, token, (rt->flags & RD_ROUTE_CROSS) != 0,
                                          &x->who, &x->versions, err);
  if (rv)
    return rv;
  if (cookie && changes_data(x->req->method) &&
      !rd_csrf_check(token, rd_req_header(x->req, "X-CSRF-Token")))
    return rd_err_set(err, RD_EFORBIDDEN, "Missing or wrong X-CSRF-Token header");
  x->token = token;
  x->authenticated = true;
  if (!(x->who.roles & rt->roles))
    return rd_err_set(err, RD_EFORBIDDEN, "Your roles do not allow this");
  return 0;
}

/* ---- admission (issue 10): everything decided on the headers, before the body ---- */

/* Path segments that carry secrets: never logged (ACC-8: reset tokens). */
static const char *const SECRET_SEGMENTS[] = {"{token}", NULL};

static bool secret_segment(const char *seg, size_t len) {
  for (int i = 0; SECRET_SEGMENTS[i]; i++)
    if (strlen(SECRET_SEGMENTS[i]) == len && !memcmp(SECRET_SEGMENTS[i], seg, len))
      return true;
  return false;
}

/* Marks in *mask the segments of path that sit where a secret segment of pattern is, when
 * every literal segment before it matches (so /v1/password_reset/<token>/x, a 404, is
 * redacted too). */
static void secrets_of(const char *pattern, const char *path, unsigned *mask) {
  for (int i = 0; i < 32 && *pattern == '/' && *path == '/'; i++) {
    pattern++;
    path++;
    size_t pl = strcspn(pattern, "/"), sl = strcspn(path, "/");
    if (pattern[0] == '{' && secret_segment(pattern, pl))
      *mask |= 1u << i;
    else if (pattern[0] != '{' && (pl != sl || memcmp(pattern, path, pl)))
      return;
    pattern += pl;
    path += sl;
  }
}

/* The path as logged: secret segments replaced by [redacted]. */
static const char *log_path(rd_req *r) {
  unsigned mask = 0;
  pthread_once(&routes_once, routes_init);
  for (int i = 0; i < rd_nroutes; i++)
    if (route_secret[i])
      secrets_of(rd_routes[i].pattern, r->path, &mask);
  if (!mask)
    return r->path;
  rd_buf b;
  rd_buf_init(&b);
  const char *p = r->path;
  for (int i = 0; *p == '/'; i++) {
    size_t sl = strcspn(p + 1, "/");
    if (i < 32 && (mask & (1u << i)))
      rd_buf_adds(&b, "/[redacted]");
    else
      rd_buf_add(&b, p, sl + 1);
    p += sl + 1;
  }
  rd_buf_adds(&b, p);
  const char *out = rd_arena_strdup(&r->arena, rd_buf_cstr(&b));
  rd_buf_term(&b);
  return out;
}

static int bad_input(rd_err *err, const char *field, const char *msg) {
  rd_err_set(err, RD_EBADREQ, "%s", msg);
  rd_err_field(err, field, "must not contain NUL bytes (%%00)");
  err->code = RD_EBADREQ;
  err->status = 400;
  return RD_EBADREQ;
}

static bool nul_arg(void *arg, const char *k, size_t kl, const char *v, size_t vl) {
  rd_err *err = arg;
  if (memchr(k, 0, kl) || (v && memchr(v, 0, vl))) {
    bad_input(err, k, "NUL byte in a query parameter");
    return false;
  }
  return true;
}

/* REL-1: requests no client should send are refused before anything else. */
static int strict(rd_req *r, rd_err *err) {
  if (rd_req_header_count(r, "Content-Length") > 1) {
    rd_err_set(err, RD_EBADREQ, "More than one Content-Length header");
    rd_err_field(err, "Content-Length", "must appear at most once");
    err->code = RD_EBADREQ;
    err->status = 400;
    return RD_EBADREQ;
  }
  if (rd_req_path_has_nul(r))
    return bad_input(err, "path", "NUL byte in the path");
  rd_req_query_foreach_n(r, nul_arg, err);
  return err->code;
}

/* Refusals the work pool and upload cap decide: 503 (server busy) or 429 (this client). */
static int busy(int outcome, const char *what, int retry_after, rd_err *err) {
  if (outcome == RD_HTTP_CLIENT_BUSY)
    rd_err_set(err, RD_ERATE, "Too many %s requests from your address at once; retry later", what);
  else
    rd_err_set(err, RD_EUNAVAIL, "Too many %s requests at once; retry later", what);
  err->retry_after = retry_after;
  return err->code;
}

/* ---- conventions every answer follows (issue 12) ---- */

/* CORS: origin is one of --cors-origin (exact, case-sensitive as browsers send it). */
static bool cors_allowed(const rd_api *api, const char *origin) {
  for (int i = 0; origin && i < api->ncors_origins; i++)
    if (!strcmp(api->cors_origins[i], origin))
      return true;
  return false;
}

/* OPTIONS on any path of the table: 204 with Allow, and for a CORS preflight from an
 * allowed origin the methods and the request headers the API reads (the origin itself
 * comes from finish). Answered before authentication: preflights carry no credentials. */
static int options(rd_ctx *x, rd_err *err) {
  (void)err;
  rd_req *r = x->req;
  const char *allow = x->allow;
  rd_resp_header(r, "Allow", allow);
  if (cors_allowed(x->api, rd_req_header(r, "Origin")) &&
      rd_req_header(r, "Access-Control-Request-Method")) {
    rd_resp_header(r, "Access-Control-Allow-Methods", allow);
    rd_resp_header(r, "Access-Control-Allow-Headers",
                   "Authorization, Content-Type, If-Match, If-None-Match, X-CSRF-Token");
    rd_resp_header(r, "Access-Control-Max-Age", "600");
  }
  rd_resp_body(r, 204, NULL, NULL, 0);
  return 0;
}

/* Issue 16: GET or HEAD of a path that is not the API's serves the web UI (web.c); not in
 * rd_routes (the UI is not an API operation). */
static const rd_route WEB_ROUTE = {"GET", "/*", rd_api_web, 0, RD_ROUTE_PUBLIC | RD_ROUTE_NODB};

/* OPTIONS on a path of the table; not in rd_routes (no OpenAPI operation of its own). */
static const rd_route OPTIONS_ROUTE = {"OPTIONS", "*", options, 0,
                                       RD_ROUTE_PUBLIC | RD_ROUTE_NODB};

/* Headers of every answer, whoever made it (handlers, refusals, 413s): CORS for allowed
 * origins, the Bearer challenge on 401 (RFC 6750 3), Retry-After on 503. */
static void finish(void *ctx, rd_req *r) {
  rd_api *api = ctx;
  if (api->ncors_origins > 0) {
    const char *origin = rd_req_header(r, "Origin");
    rd_resp_header(r, "Vary", "Origin");
    if (cors_allowed(api, origin)) {
      rd_resp_header(r, "Access-Control-Allow-Origin", origin);
      rd_resp_header(r, "Access-Control-Expose-Headers", "ETag, Location, Link, Retry-After");
    }
  }
  if (r->status == 401 && !rd_resp_header_get(r, "WWW-Authenticate")) {
    const char *h = rd_req_header(r, "Authorization");
    bool given = h && !strncasecmp(h, "Bearer ", 7) && h[7 + strspn(h + 7, " ")];
    rd_resp_header(r, "WWW-Authenticate", given ? "Bearer error=\"invalid_token\"" : "Bearer");
  }
  if (r->status == 503 && !rd_resp_header_get(r, "Retry-After"))
    rd_resp_header(r, "Retry-After", RD_API_RETRY_AFTER_DEFAULT);
}

static bool admit(void *ctx, rd_req *r) {
  rd_api *api = ctx;
  rd_err err, nf;
  rd_err_clear(&err);
  rd_err_clear(&nf);
  rd_ctx *x = rd_arena_alloc(&r->arena, sizeof *x);
  x->api = api;
  x->req = r;
  r->app_data = x;
  r->log_path = log_path(r);
  char allow[160];
  const rd_route *rt = find(r, x, allow, sizeof allow, &nf);
  int rv = strict(r, &err);
  if (!rv && !rt && allow[0] && !strcmp(r->method, "OPTIONS")) {
    x->allow = rd_arena_strdup(&r->arena, allow);
    rt = &OPTIONS_ROUTE; /* answered like a route: the connection stays open */
  }
  if (!rv && !rt && !allow[0] && (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD")) &&
      rd_api_web_path(api, r->path))
    rt = &WEB_ROUTE;
  if (!rv && !rt) {
    if (allow[0])
      rd_resp_header(r, "Allow", allow);
    err = nf;
    rv = err.code;
  }
  if (!rv && !(rt->flags & RD_ROUTE_PUBLIC)) {
    /* The connection is held only while the token is looked up, not while the body comes. */
    rv = rd_db_acquire(api->db, &x->db, &err);
    if (!rv)
      rv = authenticate(x, rt, &err);
    rd_db_release(api->db, x->db);
    x->db = NULL;
  }
  if (!rv) {
    x->route = rt;
    r->body_limit = !(rt->flags & RD_ROUTE_UPLOAD) ? RD_JSON_BODY_MAX
                    : (rt->flags & RD_ROUTE_BULK) && x->api->import_body_max
                        ? x->api->import_body_max
                        : RD_UPLOAD_BODY_MAX;
  }
  if (!rv && (rt->flags & RD_ROUTE_UPLOAD)) {
    int o = rd_req_spool(r);
    if (o)
      rv = busy(o, "upload", 5, &err);
  }
  if (!rv && (rt->flags & RD_ROUTE_HASHES)) {
    int o = rd_req_offload(r);
    if (o)
      rv = busy(o, "password", 1, &err);
  }
  if (rv) {
    if (!err.code)
      rd_err_set(&err, rv, "Internal error");
    rd_api_error(r, &err);
    return false;
  }
  return true;
}

static void handle(void *ctx, rd_req *r) {
  rd_api *api = ctx;
  rd_ctx *x = r->app_data;
  const rd_route *rt = x->route;
  rd_err err;
  rd_err_clear(&err);
  int rv = 0;
  if (rt->flags & RD_ROUTE_PAGE)
    rv = rd_api_page_serve(x, rt, &err); /* takes a connection only to render */
  else if (!(rt->flags & RD_ROUTE_NODB))
    rv = rd_db_acquire(api->db, &x->db, &err);
  if (!rv && !(rt->flags & RD_ROUTE_PAGE))
    rv = rt->handler(x, &err);
  if (rv) {
    if (!err.code)
      rd_err_set(&err, rv, "Internal error");
    rd_api_error(r, &err);
  }
  if (x->db)
    rd_db_release(api->db, x->db);
  x->db = NULL;
}

static void fail(void *ctx, rd_req *r, int status, const char *message) {
  (void)ctx;
  rd_err err;
  rd_err_clear(&err);
  if (status == 413)
    rd_err_set(&err, RD_ETOOBIG, "The request body is larger than the limit of this endpoint");
  else if (status == 503)
    rd_err_set(&err, RD_EUNAVAIL, "%s", message ? message : "Unavailable");
  else
    rd_err_set(&err, RD_EINTERNAL, "%s", message ? message : "Internal error");
  rd_api_error(r, &err);
}

rd_http_app rd_api_app(rd_api *api) {
  return (rd_http_app){
      .admit = admit, .handle = handle, .error = fail, .finish = finish, .ctx = api};
}
