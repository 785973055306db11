/* The libmicrohttpd wrapper: see http.h. Bodies are gathered into a buffer bounded by the
 * application's limit, or spooled to an anonymous temporary file for uploads; a body over
 * the limit is drained (not stored) and answered 413. Requests the application offloads
 * are handled on a small work pool while their connection is suspended. */
#include <arpa/inet.h>
#include <assert.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "base/err.h"
#include "base/file.h"
#include "base/log.h"
#include "base/str.h"
#include "base/time.h"
#include "http/http.h"

/* Largest body over the limit that is read and discarded rather than refused unread. */
#define DRAIN_MAX ((uint64_t)64 << 20)
#define WORK_THREADS_MAX 2
#define TMPFILES_MAX 4

struct rd_hdr {
  struct rd_hdr *next;
  char *name, *value;
};

enum phase { PHASE_NEW, PHASE_BODY, PHASE_QUEUED, PHASE_DONE };

typedef struct conn_state {
  rd_req req;
  rd_buf body;
  size_t limit;
  rd_http_server *srv;
  _Atomic int phase;
  bool counted;        /* in srv->inflight */
  bool holds_upload;   /* one of srv->uploads */
  bool holds_work;     /* one of the work slots (global and of its client) */
  bool spool_failed;   /* a write to the spool file failed */
  bool path_nul;       /* the raw path held %00 */
  bool responded;      /* respond ran (MHD may call again when it is stopping) */
  void *map;           /* rd_req_body_map */
  int tmpfds[TMPFILES_MAX];
  int ntmpfds;
  struct conn_state *next_work; /* the work queue */
} conn_state;

typedef struct client_slot {
  char client[64];
  int n;
} client_slot;

struct rd_http_server {
  struct MHD_Daemon *mhd;
  rd_http_app app;
  bool quiet;
  atomic_bool closing; /* rd_http_stop has begun: new requests are answered 503 */
  atomic_int inflight;
  char *spool_dir;
  int max_uploads;
  atomic_int uploads;
  /* the work pool */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t threads[WORK_THREADS_MAX];
  int nthreads;
  bool stopping;
  bool drained; /* stopping, and pool_stop found the queue empty (under mu) */
  conn_state *work_head, *work_tail;
  int work_reserved; /* queued or running, all clients (<= RD_HTTP_WORK_QUEUE) */
  client_slot clients[RD_HTTP_WORK_QUEUE]; /* clients with work reserved */
};

const char *rd_req_header(rd_req *r, const char *name) {
  return MHD_lookup_connection_value(r->mhd_conn, MHD_HEADER_KIND, name);
}

const char *rd_req_cookie(rd_req *r, const char *name) {
  return MHD_lookup_connection_value(r->mhd_conn, MHD_COOKIE_KIND, name);
}

const char *rd_req_query(rd_req *r, const char *name) {
  return MHD_lookup_connection_value(r->mhd_conn, MHD_GET_ARGUMENT_KIND, name);
}

typedef struct foreach_ctx {
  bool (*fn)(void *, const char *, const char *);
  bool (*fn_n)(void *, const char *, size_t, const char *, size_t);
  void *arg;
  const char *name;
  int count;
} foreach_ctx;

static enum MHD_Result each_arg(void *cls, enum MHD_ValueKind kind, const char *k,
                                const char *v) {
  (void)kind;
  foreach_ctx *f = cls;
  return f->fn(f->arg, k, v) ? MHD_YES : MHD_NO;
}

void rd_req_query_foreach(rd_req *r, bool (*fn)(void *, const char *, const char *), void *arg) {
  foreach_ctx f = {.fn = fn, .arg = arg};
  MHD_get_connection_values(r->mhd_conn, MHD_GET_ARGUMENT_KIND, each_arg, &f);
}

static enum MHD_Result each_arg_n(void *cls, enum MHD_ValueKind kind, const char *k, size_t kl,
                                  const char *v, size_t vl) {
  (void)kind;
  foreach_ctx *f = cls;
  return f->fn_n(f->arg, k, kl, v, vl) ? MHD_YES : MHD_NO;
}

void rd_req_query_foreach_n(rd_req *r,
                            bool (*fn)(void *, const char *, size_t, const char *, size_t),
                            void *arg) {
  foreach_ctx f = {.fn_n = fn, .arg = arg};
  MHD_get_connection_values_n(r->mhd_conn, MHD_GET_ARGUMENT_KIND, each_arg_n, &f);
}

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *k,
                                    const char *v) {
  (void)kind;
  (void)v;
  foreach_ctx *f = cls;
  if (k && !strcasecmp(k, f->name))
    f->count++;
  return MHD_YES;
}

int rd_req_header_count(rd_req *r, const char *name) {
  foreach_ctx f = {.name = name};
  MHD_get_connection_values(r->mhd_conn, MHD_HEADER_KIND, count_header, &f);
  return f.count;
}

bool rd_req_path_has_nul(rd_req *r) {
  return ((conn_state *)r->conn_state)->path_nul;
}

void rd_resp_header(rd_req *r, const char *name, const char *value) {
  struct rd_hdr *h = rd_arena_alloc(&r->arena, sizeof *h);
  h->name = rd_arena_strdup(&r->arena, name);
  h->value = rd_arena_strdup(&r->arena, value);
  h->next = r->headers;
  r->headers = h;
}

const char *rd_resp_header_get(rd_req *r, const char *name) {
  for (struct rd_hdr *h = r->headers; h; h = h->next)
    if (!strcasecmp(h->name, name))
      return h->value;
  return NULL;
}

static void reset_body(rd_req *r) {
  rd_free(r->resp_body);
  r->resp_body = NULL;
  if (r->resp_fd >= 0)
    close(r->resp_fd);
  r->resp_fd = -1;
}

void rd_resp_body_owned(rd_req *r, int status, const char *content_type, char *body, size_t len) {
  reset_body(r);
  r->status = status;
  r->content_type = content_type;
  r->resp_body = body;
  r->resp_len = len;
}

void rd_resp_body(rd_req *r, int status, const char *content_type, const char *data, size_t len) {
  rd_resp_body_owned(r, status, content_type, len ? rd_strndup(data, len) : NULL, len);
}

void rd_resp_fd(rd_req *r, int status, const char *content_type, int fd, size_t len) {
  reset_body(r);
  r->status = status;
  r->content_type = content_type;
  r->resp_fd = fd;
  r->resp_len = len;
}

void rd_resp_reset(rd_req *r) {
  reset_body(r);
  r->status = 0;
  r->content_type = NULL;
  r->resp_len = 0;
  r->resp_identity = false;
  r->headers = NULL; /* arena memory, freed with the request */
}

static void free_body(void *p) {
  rd_free(p);
}

/* ---- conventions: conditional GET and gzip (issue 12) ---- */

static const char *skip_ows(const char *p) {
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

/* The next entity tag of a list at *pp (RFC 9110 8.8.3: [W/] DQUOTE *etagc DQUOTE): its
 * weakness and opaque part. False at the end of the list, or with *bad set when the list
 * is malformed. */
static bool next_tag(const char **pp, bool *weak, const char **opaque, size_t *len, bool *bad) {
  const char *p = *pp;
  while (*p == ' ' || *p == '\t' || *p == ',')
    p++;
  if (!*p)
    return false;
  *weak = p[0] == 'W' && p[1] == '/';
  if (*weak)
    p += 2;
  const char *close = *p == '"' ? strchr(p + 1, '"') : NULL;
  if (!close) {
    *bad = true;
    return false;
  }
  *opaque = p + 1;
  *len = (size_t)(close - p - 1);
  p = skip_ows(close + 1);
  if (*p && *p != ',') {
    *bad = true;
    return false;
  }
  *pp = p;
  return true;
}

bool rd_http_etag_match(const char *list, const char *etag, bool strong) {
  bool bad = false, weak = false, tweak = false;
  const char *opaque = NULL, *topaque = NULL;
  size_t len = 0, tlen = 0;
  if (!list || !etag || !next_tag(&etag, &weak, &opaque, &len, &bad))
    return false;
  const char *p = skip_ows(list);
  if (*p == '*' && !*skip_ows(p + 1))
    return true;
  while (next_tag(&p, &tweak, &topaque, &tlen, &bad)) {
    if (tlen == len && !memcmp(topaque, opaque, len) && (!strong || (!weak && !tweak)))
      return true;
  }
  return false;
}

/* A q value ("0", "0.5", "1.000") above zero. */
static bool q_positive(const char *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (v[i] >= '1' && v[i] <= '9')
      return true;
  return false;
}

bool rd_http_accepts_gzip(const char *ae) {
  int gzip_q = -1, star_q = -1; /* -1 not named, 0 refused, 1 accepted */
  for (const char *p = ae; p && *p;) {
    p = skip_ows(p);
    size_t n = strcspn(p, ";, \t");
    const char *name = p;
    p += n;
    int q = 1;
    for (p = skip_ows(p); *p == ';'; p = skip_ows(p)) {
      p = skip_ows(p + 1);
      size_t pl = strcspn(p, ";,");
      if ((p[0] == 'q' || p[0] == 'Q') && skip_ows(p + 1)[0] == '=') {
        const char *v = skip_ows(skip_ows(p + 1) + 1);
        q = q_positive(v, (size_t)(p + pl - v));
      }
      p += pl;
    }
    if ((n == 4 && !strncasecmp(name, "gzip", 4)) || (n == 6 && !strncasecmp(name, "x-gzip", 6)))
      gzip_q = q;
    else if (n == 1 && name[0] == '*')
      star_q = q;
    if (*p == ',')
      p++;
    else if (*p)
      break; /* malformed: stop */
  }
  return gzip_q >= 0 ? gzip_q > 0 : star_q > 0;
}

/* Types worth compressing: text, JSON, XML, JavaScript, SVG, vCard, CSV. */
static bool compressible(const char *ct) {
  if (!ct)
    return false;
  size_t n = strcspn(ct, "; ");
  static const char *const TYPES[] = {"application/json", "application/javascript",
                                      "application/xml", "image/svg+xml", NULL};
  if (!strncasecmp(ct, "text/", 5))
    return true;
  for (int i = 0; TYPES[i]; i++)
    if (strlen(TYPES[i]) == n && !strncasecmp(ct, TYPES[i], n))
      return true;
  return n > 5 && (!strncasecmp(ct + n - 5, "+json", 5) || !strncasecmp(ct + n - 4, "+xml", 4));
}

/* in[0..len) as a gzip stream (owned by the caller), or NULL. */
static char *gzip_of(const char *in, size_t len, size_t *out_len) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return NULL;
  size_t cap = deflateBound(&z, (uLong)len);
  char *out = rd_malloc(cap);
  z.next_in = (Bytef *)in;
  z.avail_in = (uInt)len;
  z.next_out = (Bytef *)out;
  z.avail_out = (uInt)cap;
  int rc = deflate(&z, Z_FINISH);
  *out_len = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) {
    rd_free(out);
    out = NULL;
  }
  return out;
}

/* The conventions of http.h on r's response: 304 for a matching If-None-Match, then gzip. */
static void conventions(rd_req *r) {
  bool get = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD");
  bool candidate = !r->resp_identity && r->status != 204 && r->status != 206 &&
                   r->resp_len >= RD_HTTP_GZIP_MIN &&
                   r->resp_len <= RD_HTTP_GZIP_MAX && compressible(r->content_type) &&
                   !rd_resp_header_get(r, "Content-Encoding");
  if (candidate)
    rd_resp_header(r, "Vary", "Accept-Encoding");
  const char *etag = rd_resp_header_get(r, "ETag");
  if (get && r->status == 200 && etag &&
      rd_http_etag_match(rd_req_header(r, "If-None-Match"), etag, false)) {
    reset_body(r);
    r->status = 304;
    r->resp_len = 0;
    r->content_type = NULL;
    return;
  }
  if (!candidate || !rd_http_accepts_gzip(rd_req_header(r, "Accept-Encoding")))
    return;
  char *file = NULL;
  const char *in = r->resp_body;
  if (r->resp_fd >= 0) {
    file = rd_malloc(r->resp_len);
    ssize_t got = pread(r->resp_fd, file, r->resp_len, 0);
    in = got == (ssize_t)r->resp_len ? file : NULL;
  }
  size_t zlen = 0;
  char *z = in ? gzip_of(in, r->resp_len, &zlen) : NULL;
  rd_free(file);
  if (!z)
    return; /* sent as it is */
  reset_body(r);
  r->resp_body = z;
  r->resp_len = zlen;
  rd_resp_header(r, "Content-Encoding", "gzip");
}

static enum MHD_Result respond(struct MHD_Connection *conn, rd_req *r) {
  struct MHD_Response *resp;
  conn_state *st = r->conn_state;
  rd_http_server *srv = st->srv;
  st->responded = true;
  if (srv->app.finish)
    srv->app.finish(srv->app.ctx, r);
  conventions(r);
  if (r->resp_fd >= 0) {
    resp = MHD_create_response_from_fd(r->resp_len, r->resp_fd);
    r->resp_fd = -1; /* MHD closes it */
  } else {
    resp = MHD_create_response_from_buffer_with_free_callback(r->resp_len, r->resp_body,
                                                              free_body);
    r->resp_body = NULL;
  }
  if (!resp)
    return MHD_NO;
  if (r->content_type)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
  for (struct rd_hdr *h = r->headers; h; h = h->next)
    MHD_add_response_header(resp, h->name, h->value);
  if (!r->status)
    r->status = 500;
  enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, resp);
  MHD_destroy_response(resp);
  return ret;
}

/* ---- spooling and temporary files ---- */

/* An anonymous file in dir: O_TMPFILE, else a unique name unlinked at once. */
static int anon_file(const char *dir) {
  int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0)
    return fd;
  char path[1100];
  snprintf(path, sizeof path, "%s/upload-XXXXXX", dir);
  fd = mkostemp(path, O_CLOEXEC);
  if (fd >= 0)
    unlink(path);
  return fd;
}

int rd_req_spool(rd_req *r) {
  conn_state *st = r->conn_state;
  rd_http_server *srv = st->srv;
  if (st->holds_upload)
    return RD_HTTP_OK;
  if (atomic_fetch_add(&srv->uploads, 1) >= srv->max_uploads) {
    atomic_fetch_sub(&srv->uploads, 1);
    return RD_HTTP_BUSY;
  }
  st->holds_upload = true;
  r->spool = true;
  return RD_HTTP_OK;
}

int rd_req_tmpfile(rd_req *r) {
  conn_state *st = r->conn_state;
  if (st->ntmpfds == TMPFILES_MAX)
    return -1;
  int fd = anon_file(st->srv->spool_dir);
  if (fd >= 0)
    st->tmpfds[st->ntmpfds++] = fd;
  return fd;
}

int rd_req_body_map(rd_req *r) {
  conn_state *st = r->conn_state;
  if (r->body_fd < 0 || r->body)
    return 0;
  if (r->body_len == 0) {
    r->body = (char *)"";
    return 0;
  }
  void *p = mmap(NULL, r->body_len, PROT_READ, MAP_PRIVATE, r->body_fd, 0);
  if (p == MAP_FAILED)
    return RD_EIO;
  st->map = p;
  r->body = p;
  return 0;
}

/* ---- the work pool ---- */

static client_slot *client_of(rd_http_server *srv, const char *client, bool make) {
  client_slot *free_slot = NULL;
  for (int i = 0; i < RD_HTTP_WORK_QUEUE; i++) {
    client_slot *c = &srv->clients[i];
    if (c->n > 0 && !strcmp(c->client, client))
      return c;
    if (c->n == 0 && !free_slot)
      free_slot = c;
  }
  if (make && free_slot)
    snprintf(free_slot->client, sizeof free_slot->client, "%s", client);
  return make ? free_slot : NULL;
}

int rd_req_offload(rd_req *r) {
  conn_state *st = r->conn_state;
  rd_http_server *srv = st->srv;
  int rv = RD_HTTP_OK;
  if (st->holds_work)
    return RD_HTTP_OK;
  pthread_mutex_lock(&srv->mu);
  client_slot *c = client_of(srv, r->client, false);
  if (c && c->n >= RD_HTTP_WORK_PER_CLIENT) {
    rv = RD_HTTP_CLIENT_BUSY;
  } else if (srv->work_reserved >= RD_HTTP_WORK_QUEUE || srv->stopping) {
    rv = RD_HTTP_BUSY;
  } else {
    c = client_of(srv, r->client, true);
    /* a slot per reservation at most, so one is always free here */
    assert(c);
    c->n++;
    srv->work_reserved++;
    st->holds_work = true;
  }
  pthread_mutex_unlock(&srv->mu);
  return rv;
}

static void release_work(rd_http_server *srv, conn_state *st) {
  pthread_mutex_lock(&srv->mu);
  client_slot *c = client_of(srv, st->req.client, false);
  assert(c && c->n > 0 && srv->work_reserved > 0);
  c->n--;
  srv->work_reserved--;
  pthread_mutex_unlock(&srv->mu);
}

static void run_work(rd_http_server *srv, conn_state *st) {
  srv->app.handle(srv->app.ctx, &st->req);
  atomic_store(&st->phase, PHASE_DONE);
  MHD_resume_connection(st->req.mhd_conn);
}

static conn_state *pop_work(rd_http_server *srv) {
  conn_state *st = srv->work_head;
  if (st) {
    srv->work_head = st->next_work;
    if (!srv->work_head)
      srv->work_tail = NULL;
  }
  return st;
}

static void *work_main(void *arg) {
  rd_http_server *srv = arg;
  pthread_mutex_lock(&srv->mu);
  for (;;) {
    while (!srv->work_head && !srv->stopping)
      pthread_cond_wait(&srv->cv, &srv->mu);
    conn_state *st = pop_work(srv);
    if (!st)
      break;
    pthread_mutex_unlock(&srv->mu);
    run_work(srv, st);
    pthread_mutex_lock(&srv->mu);
  }
  pthread_mutex_unlock(&srv->mu);
  return NULL;
}

/* Suspends the connection (outside our lock: MHD takes its own) and queues st for the
 * pool. Work queued after the workers stopped is run by pool_stop, and once pool_stop has
 * found the queue empty, here. */
static void enqueue(rd_http_server *srv, conn_state *st) {
  atomic_store(&st->phase, PHASE_QUEUED);
  MHD_suspend_connection(st->req.mhd_conn);
  pthread_mutex_lock(&srv->mu);
  if (srv->drained) { /* stopping, and nobody will look at the queue again */
    pthread_mutex_unlock(&srv->mu);
    run_work(srv, st);
    return;
  }
  st->next_work = NULL;
  if (srv->work_tail)
    srv->work_tail->next_work = st;
  else
    srv->work_head = st;
  srv->work_tail = st;
  pthread_cond_signal(&srv->cv);
  pthread_mutex_unlock(&srv->mu);
}

/* ---- requests ---- */

/* Called with the raw request URI, before MHD decodes it: the only place where a %00 in
 * the path can be seen (MHD hands the path on as a C string, cut at the NUL). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn) {
  (void)conn;
  conn_state *st = rd_calloc(1, sizeof *st);
  st->srv = cls;
  /* on_completed runs for requests that never reached on_request too */
  st->req.body_fd = -1;
  st->req.resp_fd = -1;
  size_t n = strcspn(uri, "?");
  for (size_t i = 0; i + 2 < n; i++)
    if (uri[i] == '%' && uri[i + 1] == '0' && uri[i + 2] == '0')
      st->path_nul = true;
  return st;
}

static void start(rd_http_server *srv, conn_state *st, struct MHD_Connection *conn,
                  const char *url, const char *method) {
  rd_req *r = &st->req;
  rd_arena_init(&r->arena);
  rd_buf_init(&st->body);
  r->method = rd_arena_strdup(&r->arena, method);
  r->path = rd_arena_strdup(&r->arena, url);
  r->mhd_conn = conn;
  r->conn_state = st;
  r->resp_fd = -1;
  r->body_fd = -1;
  r->body_limit = RD_HTTP_BODY_DEFAULT;
  r->start_us = rd_mono_us();
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, r->client,
              sizeof r->client);
  else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, r->client,
              sizeof r->client);
  st->counted = true;
  atomic_fetch_add(&srv->inflight, 1);
}

static enum MHD_Result refuse(rd_http_server *srv, struct MHD_Connection *conn, rd_req *r,
                              int status, const char *message) {
  srv->app.error(srv->app.ctx, r, status, message);
  return respond(conn, r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
  (void)version;
  rd_http_server *srv = cls;
  conn_state *st = *con_cls;
  if (!st) {
    st = on_uri(srv, "", conn);
    *con_cls = st;
  }
  rd_req *r = &st->req;
  /* Once MHD_stop_daemon has begun, MHD_queue_response answers MHD_YES without queueing,
   * and MHD calls again for the same request: close it. */
  if (st->responded)
    return MHD_NO;
  int phase = atomic_load(&st->phase);
  if (phase == PHASE_NEW) {
    start(srv, st, conn, url, method);
    atomic_store(&st->phase, PHASE_BODY);
    if (atomic_load(&srv->closing)) {
      rd_resp_header(r, "Connection", "close");
      return refuse(srv, conn, r, 503, "The server is stopping");
    }
    /* Issue 10: authentication, roles and every limit are decided on the headers; a
     * refusal is sent before any body byte is read. */
    if (!srv->app.admit(srv->app.ctx, r))
      return respond(conn, r);
    st->limit = r->body_limit;
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    int64_t n = 0;
    if (cl && rd_parse_i64(cl, &n) && n > 0 && (uint64_t)n > st->limit)
      r->body_too_big = true;
    /* A client waiting for 100-continue, or a body too big to be worth reading, is answered
     * at once and MHD closes the connection unread. Any other body over the limit is read
     * and discarded: a client that sends it without waiting would otherwise meet a reset
     * connection instead of the 413. */
    if (r->body_too_big &&
        (MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Expect") || (uint64_t)n > DRAIN_MAX))
      return refuse(srv, conn, r, 413, NULL);
    if (r->spool && !r->body_too_big) {
      r->body_fd = anon_file(srv->spool_dir);
      if (r->body_fd < 0) {
        rd_log(RD_LOG_ERROR, "cannot create a spool file in %s", srv->spool_dir);
        return refuse(srv, conn, r, 500, "The upload cannot be stored");
      }
    }
    return MHD_YES;
  }
  if (phase == PHASE_BODY && *upload_data_size) {
    size_t got = *upload_data_size;
    *upload_data_size = 0;
    if (r->body_too_big || r->body_len + got > st->limit) {
      r->body_too_big = true;
    } else if (r->body_fd >= 0) {
      if (!st->spool_failed && !rd_write_all(r->body_fd, upload_data, got))
        st->spool_failed = true;
      r->body_len += got;
    } else {
      rd_buf_add(&st->body, upload_data, got);
      r->body_len += got;
    }
    return MHD_YES;
  }
  if (phase == PHASE_BODY) {
    if (r->body_too_big)
      return refuse(srv, conn, r, 413, NULL);
    if (st->spool_failed) {
      rd_log(RD_LOG_ERROR, "cannot write a spool file in %s", srv->spool_dir);
      return refuse(srv, conn, r, 500, "The upload cannot be stored");
    }
    if (r->body_fd < 0)
      r->body = st->body.data ? st->body.data : (char *)"";
    if (st->holds_work) {
      enqueue(srv, st);
      return MHD_YES; /* suspended; resumed in PHASE_DONE */
    }
    srv->app.handle(srv->app.ctx, r);
    atomic_store(&st->phase, PHASE_DONE);
    return respond(conn, r);
  }
  /* resumed after the work pool handled it */
  assert(phase == PHASE_DONE);
  return respond(conn, r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)conn;
  rd_http_server *srv = cls;
  conn_state *st = *con_cls;
  if (!st)
    return;
  rd_req *r = &st->req;
  if (st->counted && !srv->quiet) {
    /* Issue 10: never a secret (log_path redacts them; the query is never logged), and
     * no control byte a client could use to forge a line. */
    char method[64], path[512];
    rd_log_escape(method, sizeof method, r->method);
    rd_log_escape(path, sizeof path, r->log_path ? r->log_path : r->path);
    rd_log(RD_LOG_INFO, "%s %s %d %lldus%s", method, path, r->status,
           (long long)(rd_mono_us() - r->start_us),
           toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
  }
  if (st->counted && srv->app.done)
    srv->app.done(srv->app.ctx, r);
  if (st->holds_work)
    release_work(srv, st);
  if (st->holds_upload)
    atomic_fetch_sub(&srv->uploads, 1);
  if (st->map)
    munmap(st->map, r->body_len);
  if (r->body_fd >= 0)
    close(r->body_fd);
  for (int i = 0; i < st->ntmpfds; i++)
    close(st->tmpfds[i]);
  if (st->counted) {
    reset_body(r);
    rd_buf_term(&st->body);
    rd_arena_term(&r->arena);
    atomic_fetch_sub(&srv->inflight, 1);
  }
  rd_free(st);
  *con_cls = NULL;
}

static void server_free(rd_http_server *srv) {
  pthread_mutex_destroy(&srv->mu);
  pthread_cond_destroy(&srv->cv);
  rd_free(srv->spool_dir);
  rd_free(srv);
}

static void pool_stop(rd_http_server *srv) {
  pthread_mutex_lock(&srv->mu);
  srv->stopping = true;
  pthread_cond_broadcast(&srv->cv);
  pthread_mutex_unlock(&srv->mu);
  for (int i = 0; i < srv->nthreads; i++)
    pthread_join(srv->threads[i], NULL);
  srv->nthreads = 0;
  /* what an HTTP thread queued after the workers left (MHD is still running); from the
   * moment the queue is found empty, enqueue runs work on the HTTP thread itself, so that
   * no connection stays suspended (MHD_stop_daemon aborts the process on one) */
  for (;;) {
    pthread_mutex_lock(&srv->mu);
    conn_state *st = pop_work(srv);
    srv->drained = !st;
    pthread_mutex_unlock(&srv->mu);
    if (!st)
      break;
    run_work(srv, st);
  }
}

int rd_http_start(const rd_http_config *cfg, const rd_http_app *app, rd_http_server **out) {
  rd_http_server *srv = rd_calloc(1, sizeof *srv);
  int rv = 0;
  srv->app = *app;
  srv->quiet = cfg->quiet;
  srv->spool_dir = rd_strdup(cfg->spool_dir ? cfg->spool_dir : "/tmp");
  srv->max_uploads = cfg->max_uploads > 0 ? cfg->max_uploads : RD_HTTP_UPLOADS;
  pthread_mutex_init(&srv->mu, NULL);
  pthread_cond_init(&srv->cv, NULL);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->port)};
  if (inet_pton(AF_INET, cfg->host ? cfg->host : "127.0.0.1", &addr.sin_addr) != 1) {
    rd_log(RD_LOG_ERROR, "bad listen address %s", cfg->host);
    rv = RD_EINVAL;
    goto out;
  }
  if (rd_mkdirs(srv->spool_dir)) {
    rd_log(RD_LOG_ERROR, "cannot create the spool directory %s", srv->spool_dir);
    rv = RD_EIO;
    goto out;
  }
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  int nwork = cfg->work_threads > 0 ? cfg->work_threads : ncpu >= 3 ? 2 : 1;
  if (nwork > WORK_THREADS_MAX)
    nwork = WORK_THREADS_MAX;
  for (int i = 0; i < nwork; i++) {
    if (pthread_create(&srv->threads[i], NULL, work_main, srv)) {
      rd_log(RD_LOG_ERROR, "cannot start the work pool");
      rv = RD_EINTERNAL;
      goto out;
    }
    srv->nthreads++;
  }
  srv->mhd = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ITC |
          MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
      (uint16_t)cfg->port, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, &addr,
      MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(cfg->threads > 0 ? cfg->threads : 4),
      MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
      (size_t)64 * 1024, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT,
      (unsigned)(cfg->max_conns_per_ip > 0 ? cfg->max_conns_per_ip : RD_HTTP_CONNS_PER_IP),
      MHD_OPTION_END);
  if (!srv->mhd) {
    rd_log(RD_LOG_ERROR, "cannot listen on %s:%d", cfg->host, cfg->port);
    rv = RD_EIO;
    goto out;
  }
  *out = srv;
out:
  if (rv) {
    pool_stop(srv);
    server_free(srv);
  }
  return rv;
}

int rd_http_port(rd_http_server *s) {
  const union MHD_DaemonInfo *i = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
  return i ? i->port : 0;
}

void rd_http_stop(rd_http_server *s, int drain_ms) {
  if (!s)
    return;
  /* No MHD_quiesce_daemon: with a thread pool on epoll it races the worker that removes
   * the listening socket from its own epoll set, and MHD panics ("Failed to remove listen
   * FD from epoll set", seen in CI). The listener stays open; requests that start now are
   * answered 503 with Retry-After and the connection closed. */
  atomic_store(&s->closing, true);
  int64_t deadline = rd_mono_us() + (int64_t)drain_ms * 1000;
  while (atomic_load(&s->inflight) > 0 && rd_mono_us() < deadline)
    usleep(5000);
  /* The pool finishes what is queued (each resumes its connection) before MHD stops. */
  pool_stop(s);
  MHD_stop_daemon(s->mhd);
  server_free(s);
}
