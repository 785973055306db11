/* The HTTP layer: libmicrohttpd with a thread pool on epoll, wrapped so that the rest of
 * rolodesk sees one rd_req per request: method, path, headers, query, the whole body
 * (bounded by a limit the application chooses per request before reading it), an arena,
 * and a response to fill. One log line per request on completion. Nothing here knows
 * routes or JSON error shapes; that is src/api/. */
#ifndef RD_HTTP_HTTP_H
#define RD_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mem.h"

typedef struct rd_req rd_req;
typedef struct rd_http_server rd_http_server;

typedef struct rd_http_app {
  /* Largest body accepted for this request (checked against Content-Length before any
   * byte is read, and while reading). */
  size_t (*body_limit)(void *ctx, const char *method, const char *path);
  /* Answers a request whose body is complete; must set a response. */
  void (*handle)(void *ctx, rd_req *r);
  /* Answers a request whose body was over the limit (413). */
  void (*too_big)(void *ctx, rd_req *r);
  void *ctx;
} rd_http_app;

typedef struct rd_http_config {
  const char *host; /* numeric IPv4 address */
  int port;         /* 0: any free port (see rd_http_port) */
  int threads;
  bool quiet;       /* no per-request log lines */
} rd_http_config;

/* Starts serving. *out is owned by the caller: rd_http_stop. */
int rd_http_start(const rd_http_config *cfg, const rd_http_app *app, rd_http_server **out);
int rd_http_port(rd_http_server *s);
/* Stops accepting, waits up to drain_ms for requests in flight, then stops and frees. */
void rd_http_stop(rd_http_server *s, int drain_ms);

/* ---- the request ---- */
struct rd_req {
  rd_arena arena; /* freed with the request */
  const char *method, *path;
  char *body; /* NUL-terminated; body_len bytes (may contain NULs) */
  size_t body_len;
  bool body_too_big;
  char client[64]; /* numeric peer address */
  void *app_data;  /* for the application */
  /* response */
  int status;
  const char *content_type;
  char *resp_body; /* owned by the response: freed with rd_free */
  size_t resp_len;
  int resp_fd; /* when >= 0, the response is this file (resp_len bytes); closed after */
  struct rd_hdr *headers;
  /* private */
  void *mhd_conn;
  int64_t start_us;
};

const char *rd_req_header(rd_req *r, const char *name);
const char *rd_req_cookie(rd_req *r, const char *name);
const char *rd_req_query(rd_req *r, const char *name);
/* Calls fn for every query argument (key, value; value may be NULL). Stops when fn
 * returns false. */
void rd_req_query_foreach(rd_req *r, bool (*fn)(void *arg, const char *k, const char *v),
                          void *arg);

/* Adds a response header; both strings are copied. */
void rd_resp_header(rd_req *r, const char *name, const char *value);
/* Sets the response body; data is copied. */
void rd_resp_body(rd_req *r, int status, const char *content_type, const char *data, size_t len);
/* Takes ownership of body (allocated with rd_malloc or malloc). */
void rd_resp_body_owned(rd_req *r, int status, const char *content_type, char *body, size_t len);
/* Sends an open file of len bytes; takes ownership of fd. */
void rd_resp_fd(rd_req *r, int status, const char *content_type, int fd, size_t len);

#endif
