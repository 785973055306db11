/* Unit tests of src/http/server.c with a small application of its own (no routes, no
 * database): refusals on the headers, spooled bodies, the upload cap, and the work pool
 * (handle() off the HTTP threads, bounded per client address). Issue 10. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "http/http.h"

typedef struct app_state {
  atomic_int admit_outcome; /* last rd_req_spool / rd_req_offload outcome */
  pthread_t http_thread;    /* the HTTP thread that admitted the last /work */
  atomic_bool work_off_http;
} app_state;

static app_state A;
static rd_http_server *SRV;
static int PORT;

static void text(rd_req *r, int status, const char *s) {
  rd_resp_body(r, status, "text/plain", s, strlen(s));
}

static bool admit(void *ctx, rd_req *r) {
  (void)ctx;
  if (!strcmp(r->path, "/refuse")) {
    text(r, 403, "no");
    return false;
  }
  if (!strcmp(r->path, "/spool")) {
    int o = rd_req_spool(r);
    atomic_store(&A.admit_outcome, o);
    if (o) {
      text(r, 503, "busy");
      return false;
    }
    r->body_limit = 4u << 20;
  }
  if (!strcmp(r->path, "/work")) {
    int o = rd_req_offload(r);
    atomic_store(&A.admit_outcome, o);
    if (o) {
      text(r, o == RD_HTTP_CLIENT_BUSY ? 429 : 503, "later");
      return false;
    }
    A.http_thread = pthread_self();
  }
  return true;
}

static void handle(void *ctx, rd_req *r) {
  (void)ctx;
  if (!strcmp(r->path, "/spool")) {
    bool ok = r->body_fd >= 0 && !r->body && rd_req_body_map(r) == 0 && r->body;
    for (size_t i = 0; ok && i < r->body_len; i++)
      ok = r->body[i] == (char)('a' + i % 26);
    char msg[64];
    snprintf(msg, sizeof msg, "%s %zu", ok ? "ok" : "bad", r->body_len);
    text(r, 200, msg);
    return;
  }
  if (!strcmp(r->path, "/work")) {
    if (!pthread_equal(pthread_self(), A.http_thread))
      atomic_store(&A.work_off_http, true);
    usleep(400 * 1000); /* a slow hash */
  }
  text(r, 200, "done");
}

static void fail(void *ctx, rd_req *r, int status, const char *message) {
  (void)ctx;
  text(r, status, message ? message : "error");
}

static char DIR_[64], SPOOL[96];

static void start(int threads, int max_uploads) {
  rd_log_level = RD_LOG_WARN;
  snprintf(DIR_, sizeof DIR_, "/tmp/rdhttp.XXXXXX");
  cr_assert(mkdtemp(DIR_));
  snprintf(SPOOL, sizeof SPOOL, "%s/spool", DIR_);
  const char *spool = SPOOL;
  rd_http_app app = {.admit = admit, .handle = handle, .error = fail};
  rd_http_config cfg = {.host = "127.0.0.1", .threads = threads, .quiet = true,
                        .spool_dir = spool, .max_uploads = max_uploads, .work_threads = 1};
  cr_assert_eq(rd_http_start(&cfg, &app, &SRV), 0);
  PORT = rd_http_port(SRV);
}

static void stop(void) {
  rd_http_stop(SRV, 1000);
  /* spooled bodies are anonymous files: the directory is empty again */
  cr_assert_eq(rmdir(SPOOL), 0, "%s is not empty", SPOOL);
  rmdir(DIR_);
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int dial(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)PORT)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a)) {
    close(fd);
    fd = -1;
  }
  return fd;
}

static void put(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0)
      return;
    p += w;
    n -= (size_t)w;
  }
}

/* The status of the answer on fd, read until the server closes or ms pass (-1: no
 * answer); buf gets the text. */
static int status_of(int fd, int ms, char *buf, size_t cap) {
  size_t len = 0;
  int64_t deadline = now_ms() + ms;
  buf[0] = 0;
  while (len < cap - 1) {
    int left = (int)(deadline - now_ms());
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (left <= 0 || poll(&p, 1, left) != 1)
      break;
    ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
    if (n <= 0)
      break;
    len += (size_t)n;
    buf[len] = 0;
  }
  int status = -1;
  if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
    return -1;
  return status;
}

static int request(const char *req, int ms, char *buf, size_t cap) {
  int fd = dial();
  cr_assert(fd >= 0);
  put(fd, req, strlen(req));
  int st = status_of(fd, ms, buf, cap);
  close(fd);
  return st;
}

Test(http, REL1_refused_on_the_headers_before_the_body) {
  start(1, 4);
  char buf[1024];
  int st = request("POST /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n", 2000,
                   buf, sizeof buf);
  cr_assert_eq(st, 403, "%d %s", st, buf);
  stop();
}

Test(http, REL1_upload_bodies_are_spooled_to_a_file) {
  start(1, 4);
  size_t n = 3u << 20;
  char *body = malloc(n);
  for (size_t i = 0; i < n; i++)
    body[i] = (char)('a' + i % 26);
  char head[256], buf[1024];
  snprintf(head, sizeof head,
           "POST /spool HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
           n);
  int fd = dial();
  cr_assert(fd >= 0);
  put(fd, head, strlen(head));
  put(fd, body, n);
  int st = status_of(fd, 5000, buf, sizeof buf);
  close(fd);
  free(body);
  cr_assert_eq(st, 200, "%s", buf);
  char want[64];
  snprintf(want, sizeof want, "\r\n\r\nok %zu", n);
  cr_assert(strstr(buf, want), "%s", buf);
  stop();
}

Test(http, REL1_spooled_uploads_are_capped) {
  start(2, 1);
  char buf[1024];
  const char *head = "POST /spool HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n";
  int held = dial();
  cr_assert(held >= 0);
  put(held, head, strlen(head));
  put(held, "abcdefghij", 10);
  usleep(200 * 1000);
  int st = request(head, 2000, buf, sizeof buf);
  cr_assert_eq(st, 503, "%d %s", st, buf);
  cr_assert_eq(atomic_load(&A.admit_outcome), RD_HTTP_BUSY);
  close(held);
  /* the slot comes back when the stalled upload goes away */
  for (int i = 0; i < 50 && st != 200; i++) {
    usleep(50 * 1000);
    st = request("POST /spool HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                 "Connection: close\r\n\r\nabc",
                 2000, buf, sizeof buf);
  }
  cr_assert_eq(st, 200, "%d %s", st, buf);
  stop();
}

typedef struct worker_call {
  int status;
} worker_call;

static void *call_work(void *arg) {
  worker_call *w = arg;
  char buf[1024];
  int fd = dial();
  const char *req = "GET /work HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  put(fd, req, strlen(req));
  w->status = status_of(fd, 5000, buf, sizeof buf);
  close(fd);
  return NULL;
}

Test(http, REL1_offloaded_work_leaves_the_http_thread_free_and_is_bounded_per_client) {
  start(1, 4); /* one HTTP thread: it must never wait for the work */
  worker_call w[2] = {{0}, {0}};
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&t[i], NULL, call_work, &w[i]);
  usleep(100 * 1000);
  char buf[1024];
  /* a third from the same address is told to come back */
  int st = request("GET /work HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 2000, buf,
                   sizeof buf);
  cr_assert_eq(st, 429, "%d %s", st, buf);
  /* and other requests are answered at once meanwhile */
  int64_t t0 = now_ms();
  st = request("GET /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 2000, buf,
               sizeof buf);
  cr_assert_eq(st, 200, "%d %s", st, buf);
  cr_assert_lt(now_ms() - t0, 200, "the HTTP thread waited for the work");
  for (int i = 0; i < 2; i++) {
    pthread_join(t[i], NULL);
    cr_assert_eq(w[i].status, 200);
  }
  cr_assert(atomic_load(&A.work_off_http), "handle() ran on the HTTP thread");
  /* the slots are given back */
  usleep(100 * 1000);
  st = request("GET /work HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 2000, buf,
               sizeof buf);
  cr_assert_eq(st, 200, "%d %s", st, buf);
  stop();
}

/* Issue 12: the comparisons of RFC 9110 8.8.3.2 that If-None-Match (weak) and If-Match
 * (strong) use, and what Accept-Encoding allows. */
Test(http, HTTP_etag_lists_compare_weakly_or_strongly) {
  cr_assert(rd_http_etag_match("\"3\"", "\"3\"", true));
  cr_assert(rd_http_etag_match("*", "\"3\"", true));
  cr_assert(rd_http_etag_match(" * ", "W/\"3\"", false));
  cr_assert(rd_http_etag_match("\"1\", W/\"3\"", "\"3\"", false));
  cr_assert_not(rd_http_etag_match("\"1\", W/\"3\"", "\"3\"", true));
  cr_assert_not(rd_http_etag_match("W/\"3\"", "W/\"3\"", true));
  cr_assert(rd_http_etag_match("\"1\",\"2\" ,\t\"3\"", "\"3\"", true));
  cr_assert_not(rd_http_etag_match("\"33\"", "\"3\"", false));
  cr_assert_not(rd_http_etag_match("\"3", "\"3\"", false));     /* malformed */
  cr_assert_not(rd_http_etag_match("3", "\"3\"", false));       /* unquoted */
  cr_assert_not(rd_http_etag_match("\"3\" x", "\"3\"", false)); /* trailing junk */
  cr_assert_not(rd_http_etag_match("*, \"3\"", "\"3\"", false));
  cr_assert_not(rd_http_etag_match(NULL, "\"3\"", false));
  cr_assert_not(rd_http_etag_match("", "\"3\"", false));
}

Test(http, HTTP_accept_encoding_allows_gzip_unless_q_is_zero) {
  cr_assert(rd_http_accepts_gzip("gzip"));
  cr_assert(rd_http_accepts_gzip("deflate, gzip;q=0.1, br"));
  cr_assert(rd_http_accepts_gzip("x-gzip"));
  cr_assert(rd_http_accepts_gzip("*"));
  cr_assert(rd_http_accepts_gzip("GZip ; Q = 1"));
  cr_assert_not(rd_http_accepts_gzip(NULL));
  cr_assert_not(rd_http_accepts_gzip(""));
  cr_assert_not(rd_http_accepts_gzip("identity"));
  cr_assert_not(rd_http_accepts_gzip("gzip;q=0"));
  cr_assert_not(rd_http_accepts_gzip("gzip;q=0.000"));
  cr_assert_not(rd_http_accepts_gzip("gzip;q=0, *"));
  cr_assert_not(rd_http_accepts_gzip("*;q=0"));
  cr_assert_not(rd_http_accepts_gzip("br, deflate"));
}
