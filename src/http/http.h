/* The HTTP layer: libmicrohttpd with a thread pool on epoll, wrapped so that the rest of
 * rolodesk sees one rd_req per request: method, path, headers, query, the whole body
 * (bounded by a limit the application chooses per request before reading it), an arena,
 * and a response to fill. One log line per request on completion. Nothing here knows
 * routes or JSON error shapes; that is src/api/.
 *
 * Life of a request (issue 10, hostile clients): the application's admit() sees the
 * headers before any body byte is read and either answers at once (the body is never
 * read; the connection is closed) or accepts, choosing the body limit, whether the body
 * is spooled to a temporary file instead of memory (uploads), and whether handle() runs
 * on the small work pool instead of an HTTP thread (password hashing). Connections per
 * client address, spooled uploads at once and work queued per client are all bounded. */
#ifndef RD_HTTP_HTTP_H
#define RD_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mem.h"

typedef struct rd_req rd_req;
typedef struct rd_http_server rd_http_server;

typedef struct rd_http_app {
  /* Called with the headers only, before any body byte is read, on an HTTP thread.
   * Returns true to accept the request: it may then set r->body_limit, r->spool (see
   * rd_req_spool) and call rd_req_offload. Returns false after setting a response, which
   * is sent at once; the body is not read and the connection is closed after it. */
  bool (*admit)(void *ctx, rd_req *r);
  /* Answers an accepted request whose body is complete; must set a response. Runs on an
   * HTTP thread, or on a work-pool thread when the request was offloaded. */
  void (*handle)(void *ctx, rd_req *r);
  /* Answers a request the HTTP layer refuses itself (413 body over the limit, 500 a
   * spool file that cannot be written). */
  void (*error)(void *ctx, rd_req *r, int status, const char *message);
  /* Called when the request ends (may be NULL): frees what admit kept in r->app_data. */
  void (*done)(void *ctx, rd_req *r);
  /* Called once on every response just before it is sent, whoever set it (admit, handle,
   * error); may be NULL. For headers every answer of the application carries (issue 12:
   * CORS, challenges). The HTTP layer then applies If-None-Match (304) and gzip. */
  void (*finish)(void *ctx, rd_req *r);
  void *ctx;
} rd_http_app;

typedef struct rd_http_config {
  const char *host;      /* numeric IPv4 address */
  int port;              /* 0: any free port (see rd_http_port) */
  int threads;
  bool quiet;            /* no per-request log lines */
  const char *spool_dir; /* where spooled bodies are written (created when missing) */
  int max_conns_per_ip;  /* 0: RD_HTTP_CONNS_PER_IP */
  int max_uploads;       /* spooled bodies at once; 0: RD_HTTP_UPLOADS */
  int work_threads;      /* work pool; 0: 1, or 2 with 3 CPUs or more */
} rd_http_config;

#define RD_HTTP_CONNS_PER_IP 32
#define RD_HTTP_UPLOADS 8
#define RD_HTTP_WORK_QUEUE 64 /* offloaded requests queued or running, all clients */
#define RD_HTTP_WORK_PER_CLIENT 2 /* offloaded requests queued or running per address */

/* Starts serving. *out is owned by the caller: rd_http_stop. */
int rd_http_start(const rd_http_config *cfg, const rd_http_app *app, rd_http_server **out);
int rd_http_port(rd_http_server *s);
/* Stops accepting, waits up to drain_ms for requests in flight, then stops and frees. */
void rd_http_stop(rd_http_server *s, int drain_ms);

/* ---- the request ---- */
struct rd_req {
  rd_arena arena; /* freed with the request */
  const char *method, *path;
  /* In memory: NUL-terminated, body_len bytes (may contain NULs). Spooled: NULL until
   * rd_req_body_map; the body is the file body_fd (body_len bytes). */
  char *body;
  size_t body_len;
  bool body_too_big;
  int body_fd; /* spooled body: an anonymous file (pread, or rd_req_body_map), else -1 */
  char client[64]; /* numeric peer address */
  void *app_data;  /* for the application */
  /* set by admit */
  size_t body_limit; /* default RD_HTTP_BODY_DEFAULT */
  bool spool;        /* write the body to a temporary file (see rd_req_spool) */
  const char *log_path; /* the path as logged (secrets redacted); NULL: path */
  /* response */
  int status;
  const char *content_type;
  char *resp_body; /* owned by the response: freed with rd_free */
  size_t resp_len;
  int resp_fd; /* when >= 0, the response is this file (resp_len bytes); closed after */
  /* Send the body as it is, never gzip-compressed (a file whose size must not become
   * memory: the item exports, CUST-7); set by the handler, cleared by rd_resp_reset. */
  bool resp_identity;
  struct rd_hdr *headers;
  /* private */
  void *mhd_conn;
  int64_t start_us;
  void *conn_state;
};

#define RD_HTTP_BODY_DEFAULT (1u << 20)

/* Outcomes of the admission calls below. */
enum { RD_HTTP_OK = 0, RD_HTTP_BUSY = 1, RD_HTTP_CLIENT_BUSY = 2 };

/* From admit: spool the body of r to an anonymous temporary file in the spool directory
 * (gone when the request ends, or if the daemon dies). At most max_uploads requests spool at once: RD_HTTP_BUSY
 * (answer 503) when that many already do. Thread-safe. */
int rd_req_spool(rd_req *r);
/* From admit: run handle() for r on the work pool (the connection is suspended meanwhile,
 * so no HTTP thread waits for it). RD_HTTP_CLIENT_BUSY (answer 429) when r's client
 * address already has RD_HTTP_WORK_PER_CLIENT offloaded requests queued or running,
 * RD_HTTP_BUSY (answer 503) when RD_HTTP_WORK_QUEUE are. Thread-safe. */
int rd_req_offload(rd_req *r);
/* Maps a spooled body into memory read-only and sets r->body to it (not NUL-terminated);
 * unmapped when the request ends. 0, or RD_EIO. No-op for a body in memory. */
int rd_req_body_map(rd_req *r);
/* A new anonymous temporary file in the spool directory for the handler's own use (e.g. a
 * part of a multipart body); owned by the request: closed when it ends. -1 on failure. */
int rd_req_tmpfile(rd_req *r);
/* The number of times header name occurs in the request (names are case-insensitive). */
int rd_req_header_count(rd_req *r, const char *name);
/* Calls fn for every query argument with the byte length of key and value (both may hold
 * NUL bytes from %00; value may be NULL). Stops when fn returns false. */
void rd_req_query_foreach_n(rd_req *r,
                            bool (*fn)(void *arg, const char *k, size_t klen, const char *v,
                                       size_t vlen),
                            void *arg);
/* True when the request line's path (before '?') held a NUL byte (%00). */
bool rd_req_path_has_nul(rd_req *r);

const char *rd_req_header(rd_req *r, const char *name);
const char *rd_req_cookie(rd_req *r, const char *name);
const char *rd_req_query(rd_req *r, const char *name);
/* Calls fn for every query argument (key, value; value may be NULL). Stops when fn
 * returns false. */
void rd_req_query_foreach(rd_req *r, bool (*fn)(void *arg, const char *k, const char *v),
                          void *arg);

/* Adds a response header; both strings are copied. */
void rd_resp_header(rd_req *r, const char *name, const char *value);
/* The value of a response header set so far (the last one added), or NULL. Borrowed. */
const char *rd_resp_header_get(rd_req *r, const char *name);
/* Forgets the response set so far: status, body, content type and headers. */
void rd_resp_reset(rd_req *r);

/* ---- HTTP conventions (issue 12), applied by the layer to every response ----
 * HEAD: the GET answer's status and headers (Content-Length of its body), no body (MHD).
 * 304: a 200 answer to GET or HEAD that carries an ETag becomes 304 (ETag and the other
 * headers kept, no body) when If-None-Match matches it by weak comparison.
 * gzip: a body of a compressible type of RD_HTTP_GZIP_MIN bytes or more is sent with
 * Content-Encoding: gzip when Accept-Encoding allows it (q=0 refuses); such answers carry
 * Vary: Accept-Encoding either way. */
#define RD_HTTP_GZIP_MIN 1024
#define RD_HTTP_GZIP_MAX (16u << 20) /* larger bodies (files) are sent as they are */

/* True when the If-Match / If-None-Match value list ("*", or a comma-separated list of
 * entity tags) matches etag (one entity tag, e.g. ""3"" or "W/"3""). strong: RFC 9110
 * 8.8.3.2 strong comparison (weak tags never match, If-Match), else weak comparison
 * (If-None-Match). A malformed list matches nothing. Pure. */
bool rd_http_etag_match(const char *list, const char *etag, bool strong);
/* True when an Accept-Encoding value allows gzip (RFC 9110 12.5.3: "gzip", "x-gzip" or
 * "*" with a q above 0). NULL (no header) allows nothing. Pure. */
bool rd_http_accepts_gzip(const char *accept_encoding);
/* Sets the response body; data is copied. */
void rd_resp_body(rd_req *r, int status, const char *content_type, const char *data, size_t len);
/* Takes ownership of body (allocated with rd_malloc or malloc). */
void rd_resp_body_owned(rd_req *r, int status, const char *content_type, char *body, size_t len);
/* Sends an open file of len bytes; takes ownership of fd. */
void rd_resp_fd(rd_req *r, int status, const char *content_type, int fd, size_t len);

#endif
