/* The libmicrohttpd wrapper: see http.h. Bodies are gathered into a buffer bounded by the
 * application's limit; a body over it is drained (not stored) and answered by too_big. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "base/time.h"
#include "http/http.h"

/* Largest body over the limit that is read and discarded rather than refused unread. */
#define DRAIN_MAX ((uint64_t)64 << 20)

struct rd_hdr {
  struct rd_hdr *next;
  char *name, *value;
};

struct rd_http_server {
  struct MHD_Daemon *mhd;
  rd_http_app app;
  bool quiet;
  atomic_int inflight;
};

typedef struct conn_state {
  rd_req req;
  rd_buf body;
  size_t limit;
  rd_http_server *srv;
} conn_state;

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
  void *arg;
} foreach_ctx;

static enum MHD_Result each_arg(void *cls, enum MHD_ValueKind kind, const char *k,
                                const char *v) {
  (void)kind;
  foreach_ctx *f = cls;
  return f->fn(f->arg, k, v) ? MHD_YES : MHD_NO;
}

void rd_req_query_foreach(rd_req *r, bool (*fn)(void *, const char *, const char *), void *arg) {
  foreach_ctx f = {fn, arg};
  MHD_get_connection_values(r->mhd_conn, MHD_GET_ARGUMENT_KIND, each_arg, &f);
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

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
  (void)version;
  rd_http_server *srv = cls;
  conn_state *st = *con_cls;
  if (!st) {
    st = rd_calloc(1, sizeof *st);
    st->srv = srv;
    rd_arena_init(&st->req.arena);
    rd_buf_init(&st->body);
    st->req.method = rd_arena_strdup(&st->req.arena, method);
    st->req.path = rd_arena_strdup(&st->req.arena, url);
    st->req.mhd_conn = conn;
    st->req.resp_fd = -1;
    st->req.start_us = rd_mono_us();
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
      inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr,
                st->req.client, sizeof st->req.client);
    else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
      inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr,
                st->req.client, sizeof st->req.client);
    st->limit = srv->app.body_limit(srv->app.ctx, method, url);
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    int64_t n = 0;
    if (cl && rd_parse_i64(cl, &n) && n > 0 && (uint64_t)n > st->limit)
      st->req.body_too_big = true;
    atomic_fetch_add(&srv->inflight, 1);
    *con_cls = st;
    /* A client waiting for 100-continue, or a body too big to be worth reading, is answered
     * at once and MHD closes the connection unread. Any other body over the limit is read and
     * discarded: a client that sends it without waiting would otherwise meet a reset
     * connection instead of the 413. */
    if (st->req.body_too_big &&
        (MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Expect") || (uint64_t)n > DRAIN_MAX)) {
      srv->app.too_big(srv->app.ctx, &st->req);
      return respond(conn, &st->req);
    }
    return MHD_YES;
  }
  if (*upload_data_size) {
    if (!st->req.body_too_big && st->body.len + *upload_data_size <= st->limit)
      rd_buf_add(&st->body, upload_data, *upload_data_size);
    else
      st->req.body_too_big = true;
    *upload_data_size = 0;
    return MHD_YES;
  }
  rd_req *r = &st->req;
  if (r->body_too_big) {
    srv->app.too_big(srv->app.ctx, r);
  } else {
    r->body = st->body.data ? st->body.data : (char *)"";
    r->body_len = st->body.len;
    srv->app.handle(srv->app.ctx, r);
  }
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
  if (!srv->quiet)
    rd_log(RD_LOG_INFO, "%s %s %d %lldus%s", r->method, r->path, r->status,
           (long long)(rd_mono_us() - r->start_us),
           toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
  reset_body(r);
  rd_buf_term(&st->body);
  rd_arena_term(&r->arena);
  rd_free(st);
  *con_cls = NULL;
  atomic_fetch_sub(&srv->inflight, 1);
}

int rd_http_start(const rd_http_config *cfg, const rd_http_app *app, rd_http_server **out) {
  rd_http_server *srv = rd_calloc(1, sizeof *srv);
  srv->app = *app;
  srv->quiet = cfg->quiet;
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->port)};
  if (inet_pton(AF_INET, cfg->host ? cfg->host : "127.0.0.1", &addr.sin_addr) != 1) {
    rd_log(RD_LOG_ERROR, "bad listen address %s", cfg->host);
    rd_free(srv);
    return RD_EINVAL;
  }
  srv->mhd = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ITC |
          MHD_USE_ERROR_LOG,
      (uint16_t)cfg->port, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, &addr,
      MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(cfg->threads > 0 ? cfg->threads : 4),
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_CONNECTION_TIMEOUT,
      (unsigned)60, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
      MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024, MHD_OPTION_END);
  if (!srv->mhd) {
    rd_log(RD_LOG_ERROR, "cannot listen on %s:%d", cfg->host, cfg->port);
    rd_free(srv);
    return RD_EIO;
  }
  *out = srv;
  return 0;
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
  MHD_stop_daemon(s->mhd);
  if (fd != MHD_INVALID_SOCKET)
    close(fd);
  rd_free(s);
}
