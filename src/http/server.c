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

static void free_body(void *p) {
  rd_free(p);
}

static enum MHD_Result respond(struct MHD_Connection *conn, rd_req *r) {
  struct MHD_Response *resp;
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
 * pool. Work queued after the pool stopped is run by pool_stop. */
static void enqueue(rd_http_server *srv, conn_state *st) {
  atomic_store(&st->phase, PHASE_QUEUED);
  MHD_suspend_connection(st->req.mhd_conn);
  pthread_mutex_lock(&srv->mu);
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
  int phase = atomic_load(&st->phase);
  if (phase == PHASE_NEW) {
    start(srv, st, conn, url, method);
    atomic_store(&st->phase, PHASE_BODY);
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
  /* what an HTTP thread queued after the workers left (MHD is still running) */
  for (;;) {
    pthread_mutex_lock(&srv->mu);
    conn_state *st = pop_work(srv);
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
  MHD_socket fd = MHD_quiesce_daemon(s->mhd);
  int64_t deadline = rd_mono_us() + (int64_t)drain_ms * 1000;
  while (atomic_load(&s->inflight) > 0 && rd_mono_us() < deadline)
    usleep(5000);
  /* The pool finishes what is queued (each resumes its connection) before MHD stops. */
  pool_stop(s);
  MHD_stop_daemon(s->mhd);
  if (fd != MHD_INVALID_SOCKET)
    close(fd);
  server_free(s);
}
