/* End-to-end tests of the HTTP conventions of issue 12: HEAD on every GET route, 304 for
 * If-None-Match, If-Match lists with strong comparison, gzip, CORS with an allowlist,
 * WWW-Authenticate on 401 and Retry-After on 503, JSON merge patches, Allow true to the
 * route table, JSON errors whatever Accept says, and the Location of a new trust. Raw
 * sockets where the bytes on the wire matter (HEAD and 304 send no body). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "api/api.h"
#include "harness/harness.h"

#define ORIGIN "https://app.example.com"

static th_server S;

static void setup(void) {
  th_init_db(&S);
  S.daemon_args[0] = "--cors-origin";
  S.daemon_args[1] = "http://localhost:5173";
  S.daemon_args[2] = "--cors-origin";
  S.daemon_args[3] = ORIGIN;
  th_start_daemon(&S);
  th_account(&S, "acme", "Acme");
  th_account(&S, "other", "Other");
}
static void teardown(void) {
  th_stop(&S);
}
TestSuite(http, .init = setup, .fini = teardown, .timeout = 120);

static const char *admin(void) {
  return th_token(&S, "acme", "admin", "account_administrator");
}

/* ---- raw HTTP: what is really sent ---- */

typedef struct raw {
  int status;
  char *head; /* status line and headers */
  char *body;
  size_t len; /* body bytes after the headers, until the server closed */
} raw;

/* Sends method path with the given extra header lines ("Name: value\r\n"...), reads the
 * whole answer (Connection: close). */
static raw raw_req(th_server *s, const char *method, const char *path, const char *token,
                   const char *headers) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  cr_assert(fd >= 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  char req[4096];
  int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s%s%s%s\r\n",
                   method, path, token ? "Authorization: Bearer " : "", token ? token : "",
                   token ? "\r\n" : "", headers ? headers : "");
  cr_assert_eq(write(fd, req, (size_t)n), n);
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (len + 4096 > cap)
      buf = realloc(buf, cap *= 2);
    ssize_t got = read(fd, buf + len, cap - len - 1);
    if (got <= 0)
      break;
    len += (size_t)got;
  }
  close(fd);
  buf[len] = 0;
  char *end = strstr(buf, "\r\n\r\n");
  cr_assert(end, "no end of headers: %s", buf);
  raw r = {0};
  r.head = strndup(buf, (size_t)(end - buf) + 2);
  r.len = len - (size_t)(end + 4 - buf);
  r.body = malloc(r.len + 1);
  memcpy(r.body, end + 4, r.len);
  r.body[r.len] = 0;
  sscanf(buf, "HTTP/1.1 %d", &r.status);
  free(buf);
  return r;
}

static void raw_free(raw *r) {
  free(r->head);
  free(r->body);
}

/* A header of a raw answer, or NULL (static buffer). */
static const char *raw_header(raw *r, const char *name) {
  th_resp t = {.headers = r->head};
  return th_header(&t, name);
}

static long long org(const char *name) {
  return th_create(&S, admin(), "/v1/organizations", "{s:s,s:s}", "name", name, "remarks",
                   "some remarks");
}

static char *path_of(const char *fmt, long long id) {
  static char p[128];
  snprintf(p, sizeof p, fmt, id);
  return p;
}

/* ---- 1. HEAD ---- */

/* Every GET route of the table: HEAD answers the GET's status and headers, with the GET
 * body's Content-Length, and sends no body. */
Test(http, HTTP_head_on_every_get_route_is_get_without_body) {
  long long o = org("Head Org");
  long long p = th_create(&S, admin(), "/v1/people", "{s:s,s:s,s:s,s:s,s:[s]}", "first_name",
                          "Ann", "last_name", "Lee", "username", "ann", "primary_email",
                          "ann@example.com", "roles", "customer");
  int checked = 0;
  for (int i = 0; i < rd_nroutes; i++) {
    const rd_route *rt = &rd_routes[i];
    if (strcmp(rt->method, "GET"))
      continue;
    /* parameters: a real organization or person where the path takes one, else "1" */
    char path[256] = "";
    for (const char *s = rt->pattern; *s;) {
      if (*s == '{') {
        const char *e = strchr(s, '}');
        long long id = !strncmp(rt->pattern, "/v1/organizations/", 18) ? o
                       : !strncmp(rt->pattern, "/v1/people/", 11)      ? p
                                                                       : 1;
        snprintf(path + strlen(path), sizeof path - strlen(path), "%lld", id);
        s = e + 1;
      } else {
        size_t n = strcspn(s, "{");
        snprintf(path + strlen(path), sizeof path - strlen(path), "%.*s", (int)n, s);
        s += n;
      }
    }
    const char *token = (rt->flags & RD_ROUTE_PUBLIC) ? NULL : admin();
    raw g = raw_req(&S, "GET", path, token, "Accept-Encoding: gzip\r\n");
    raw h = raw_req(&S, "HEAD", path, token, "Accept-Encoding: gzip\r\n");
    cr_assert_eq(h.status, g.status, "HEAD %s: %d, GET %d", path, h.status, g.status);
    cr_assert_eq(h.len, 0, "HEAD %s sent %zu body bytes", path, h.len);
    const char *names[] = {"Content-Type", "Content-Length", "ETag", "Link", "Allow", "Vary",
                           "Content-Encoding", "Cache-Control", NULL};
    for (int k = 0; names[k]; k++) {
      char gv[512] = "";
      const char *v = raw_header(&g, names[k]);
      if (v)
        snprintf(gv, sizeof gv, "%s", v);
      v = raw_header(&h, names[k]);
      cr_assert_str_eq(v ? v : "", gv, "HEAD %s: %s differs", path, names[k]);
    }
    const char *cl = raw_header(&g, "Content-Length");
    cr_assert(cl && strtoull(cl, NULL, 10) == g.len, "GET %s: Content-Length %s, body %zu", path,
              cl ? cl : "(none)", g.len);
    checked++;
    raw_free(&g);
    raw_free(&h);
  }
  cr_assert_gt(checked, 20);
  /* HEAD where there is no GET: 405 naming what is allowed */
  raw r = raw_req(&S, "HEAD", "/v1/login", NULL, NULL);
  cr_assert_eq(r.status, 405);
  cr_assert_eq(r.len, 0);
  cr_assert_str_eq(raw_header(&r, "Allow"), "POST, OPTIONS");
  raw_free(&r);
}

/* ---- 2. conditional requests ---- */

Test(http, HTTP_if_none_match_is_304_with_the_etag_and_no_body) {
  long long o = org("Cached");
  const char *path = path_of("/v1/organizations/%lld", o);
  raw g = raw_req(&S, "GET", path, admin(), NULL);
  cr_assert_eq(g.status, 200);
  char etag[64], hdr[160];
  snprintf(etag, sizeof etag, "%s", raw_header(&g, "ETag"));
  raw_free(&g);
  const char *matching[] = {"%s", "W/%s", "\"999\", %s", "*", " \"1\" ,W/%s "};
  for (size_t i = 0; i < sizeof matching / sizeof *matching; i++) {
    char v[100];
    snprintf(v, sizeof v, matching[i], etag);
    snprintf(hdr, sizeof hdr, "If-None-Match: %s\r\n", v);
    for (int head = 0; head < 2; head++) {
      raw r = raw_req(&S, head ? "HEAD" : "GET", path, admin(), hdr);
      cr_assert_eq(r.status, 304, "If-None-Match: %s: %d %s", v, r.status, r.body);
      cr_assert_eq(r.len, 0, "304 with a body: %s", r.body);
      cr_assert_str_eq(raw_header(&r, "ETag"), etag);
      raw_free(&r);
    }
  }
  /* not matching: the whole answer */
  raw r = raw_req(&S, "GET", path, admin(), "If-None-Match: \"999\", W/\"998\"\r\n");
  cr_assert_eq(r.status, 200);
  cr_assert_gt(r.len, 0);
  raw_free(&r);
  /* after a change the old tag no longer matches */
  th_resp p = th_json(&S, "PATCH", admin(), path, "{s:s}", "name", "Cached 2");
  cr_assert_eq(p.status, 200);
  th_resp_free(&p);
  snprintf(hdr, sizeof hdr, "If-None-Match: %s\r\n", etag);
  r = raw_req(&S, "GET", path, admin(), hdr);
  cr_assert_eq(r.status, 200);
  raw_free(&r);
  /* errors are never 304, and a malformed list matches nothing */
  r = raw_req(&S, "GET", "/v1/organizations/987654", admin(), "If-None-Match: *\r\n");
  cr_assert_eq(r.status, 404);
  raw_free(&r);
  snprintf(hdr, sizeof hdr, "If-None-Match: %s garbage\r\n", etag);
  r = raw_req(&S, "GET", path, admin(), hdr);
  cr_assert_eq(r.status, 200);
  raw_free(&r);
}

Test(http, HTTP_if_match_takes_lists_and_compares_strongly) {
  long long o = org("Guarded");
  const char *path = path_of("/v1/organizations/%lld", o);
  th_resp g = th_get(&S, admin(), path);
  char etag[64], hdr[160];
  snprintf(etag, sizeof etag, "%s", th_header(&g, "ETag"));
  th_resp_free(&g);
  /* a list holding the current tag matches */
  snprintf(hdr, sizeof hdr, "If-Match: \"999\", %s, \"1000\"", etag);
  th_resp r = th_req(&S, "PATCH", path, admin(), "{\"name\": \"G1\"}", NULL, hdr);
  cr_assert_eq(r.status, 200, "%s: %s", hdr, r.body);
  char now[64];
  snprintf(now, sizeof now, "%s", th_header(&r, "ETag"));
  th_resp_free(&r);
  /* the same list is stale now: 412, nothing changed */
  r = th_req(&S, "PATCH", path, admin(), "{\"name\": \"G2\"}", NULL, hdr);
  th_assert_error(&r, 412, NULL);
  th_resp_free(&r);
  /* strong comparison: a weak tag never matches, alone or in a list */
  snprintf(hdr, sizeof hdr, "If-Match: W/%s", now);
  r = th_req(&S, "PATCH", path, admin(), "{\"name\": \"G2\"}", NULL, hdr);
  th_assert_error(&r, 412, NULL);
  th_resp_free(&r);
  snprintf(hdr, sizeof hdr, "If-Match: \"1\", W/%s", now);
  r = th_req(&S, "PATCH", path, admin(), "{\"name\": \"G2\"}", NULL, hdr);
  th_assert_error(&r, 412, NULL);
  th_resp_free(&r);
  g = th_get(&S, admin(), path);
  cr_assert_str_eq(th_jstr(g.json, "name"), "G1");
  th_resp_free(&g);
  /* "*" and a list with the strong tag still work */
  r = th_req(&S, "PATCH", path, admin(), "{\"name\": \"G3\"}", NULL, "If-Match: *");
  cr_assert_eq(r.status, 200, "%s", r.body);
  snprintf(hdr, sizeof hdr, "If-Match: W/\"1\",%s", th_header(&r, "ETag"));
  th_resp_free(&r);
  r = th_req(&S, "PATCH", path, admin(), "{\"name\": \"G4\"}", NULL, hdr);
  cr_assert_eq(r.status, 200, "%s: %s", hdr, r.body);
  th_resp_free(&r);
  /* the same on another resource (the account), and bad input */
  g = th_get(&S, admin(), "/v1/account");
  snprintf(hdr, sizeof hdr, "If-Match: \"12345\", %s", th_header(&g, "ETag"));
  th_resp_free(&g);
  r = th_req(&S, "PATCH", "/v1/account", admin(), "{\"name\": \"Acme 2\"}", NULL, hdr);
  cr_assert_eq(r.status, 200, "%s: %s", hdr, r.body);
  th_resp_free(&r);
  r = th_req(&S, "PATCH", path, admin(), "{\"name\": \"G5\"}", NULL, "If-Match: \"1\", garbage");
  th_assert_error(&r, 412, NULL);
  th_resp_free(&r);
  r = th_req(&S, "PATCH", "/v1/organizations/987654", admin(), "{\"name\": \"X\"}", NULL,
             "If-Match: \"1\", \"2\"");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
}

/* ---- 3. gzip ---- */

static char *gunzip(const char *in, size_t len, size_t *out_len) {
  z_stream z = {0};
  cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK);
  size_t cap = len * 20 + 1024;
  char *out = malloc(cap);
  z.next_in = (Bytef *)in;
  z.avail_in = (uInt)len;
  z.next_out = (Bytef *)out;
  z.avail_out = (uInt)cap;
  int rc = inflate(&z, Z_FINISH);
  cr_assert_eq(rc, Z_STREAM_END, "not one whole gzip stream (%d)", rc);
  *out_len = z.total_out;
  inflateEnd(&z);
  return out;
}

static bool vary_has(const char *head, const char *what) {
  /* Vary may come as several lines */
  for (const char *p = head; (p = strcasestr(p, "\r\nVary:")); p += 7) {
    const char *e = strstr(p + 2, "\r\n");
    char line[256];
    snprintf(line, sizeof line, "%.*s", (int)(e - p), p);
    if (strcasestr(line, what))
      return true;
  }
  return false;
}

Test(http, HTTP_openapi_document_and_big_bodies_come_gzipped_when_accepted) {
  FILE *f = fopen(RD_SOURCE_DIR "/docs/openapi.json", "rb");
  cr_assert(f);
  static char doc[1 << 20];
  size_t doc_len = fread(doc, 1, sizeof doc, f);
  fclose(f);
  raw r = raw_req(&S, "GET", "/v1/openapi.json", NULL, "Accept-Encoding: gzip, deflate, br\r\n");
  cr_assert_eq(r.status, 200);
  cr_assert_str_eq(raw_header(&r, "Content-Encoding"), "gzip");
  cr_assert(vary_has(r.head, "Accept-Encoding"), "%s", r.head);
  cr_assert_lt(r.len, doc_len / 4, "gzip of %zu bytes is %zu", doc_len, r.len);
  size_t n = 0;
  char *plain = gunzip(r.body, r.len, &n);
  cr_assert(n == doc_len && !memcmp(plain, doc, n), "the document, byte for byte");
  free(plain);
  raw_free(&r);
  /* what Accept-Encoding says decides: q=0 refuses, "*" accepts, no header is identity */
  struct {
    const char *ae;
    bool gz;
  } cases[] = {{"gzip;q=0", false},        {"gzip; q=0.000, deflate", false},
               {"*", true},                {"*;q=0.5", true},
               {"br", false},              {"gzip;q=0, *", false},
               {"GZIP;Q=0.3", true},       {"identity, x-gzip", true},
               {NULL, false},              {"*;q=0", false}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char h[128] = "";
    if (cases[i].ae)
      snprintf(h, sizeof h, "Accept-Encoding: %s\r\n", cases[i].ae);
    r = raw_req(&S, "GET", "/v1/openapi.json", NULL, h);
    const char *ce = raw_header(&r, "Content-Encoding");
    cr_assert_eq(ce != NULL, cases[i].gz, "Accept-Encoding: %s: Content-Encoding %s",
                 cases[i].ae ? cases[i].ae : "(none)", ce ? ce : "(none)");
    cr_assert(vary_has(r.head, "Accept-Encoding"), "Vary on every answer that could vary");
    if (!cases[i].gz)
      cr_assert(r.len == doc_len && !memcmp(r.body, doc, doc_len));
    raw_free(&r);
  }
  /* a list page over 1 KB too; a small answer is not worth it */
  for (int i = 0; i < 12; i++)
    org("Gzip Org With A Rather Long Name To Fill The Page");
  r = raw_req(&S, "GET", "/v1/organizations", admin(), "Accept-Encoding: gzip\r\n");
  cr_assert_eq(r.status, 200);
  cr_assert_str_eq(raw_header(&r, "Content-Encoding"), "gzip");
  plain = gunzip(r.body, r.len, &n);
  json_t *j = json_loadb(plain, n, 0, NULL);
  cr_assert(json_is_array(j) && json_array_size(j) >= 12);
  json_decref(j);
  free(plain);
  raw_free(&r);
  r = raw_req(&S, "GET", "/healthz", NULL, "Accept-Encoding: gzip\r\n");
  cr_assert_null(raw_header(&r, "Content-Encoding"));
  cr_assert_str_eq(r.body, "{\"status\":\"ok\"}");
  raw_free(&r);
}

/* ---- 4. CORS ---- */

static const char *const ACA[] = {"Access-Control-Allow-Origin", "Access-Control-Allow-Methods",
                                  "Access-Control-Allow-Headers", "Access-Control-Expose-Headers",
                                  NULL};

static void no_cors(raw *r, const char *what) {
  for (int i = 0; ACA[i]; i++)
    cr_assert_null(raw_header(r, ACA[i]), "%s: %s sent", what, ACA[i]);
}

Test(http, HTTP_cors_preflight_and_answers_for_allowed_origins_only) {
  raw r = raw_req(&S, "OPTIONS", "/v1/organizations/5", NULL,
                  "Origin: " ORIGIN "\r\nAccess-Control-Request-Method: PATCH\r\n"
                  "Access-Control-Request-Headers: authorization, content-type, if-match\r\n");
  cr_assert_eq(r.status, 204, "%s", r.head);
  cr_assert_str_eq(raw_header(&r, "Access-Control-Allow-Origin"), ORIGIN);
  cr_assert_str_eq(raw_header(&r, "Access-Control-Allow-Methods"), "GET, HEAD, PATCH, OPTIONS");
  cr_assert_str_eq(raw_header(&r, "Allow"), "GET, HEAD, PATCH, OPTIONS");
  const char *ah = raw_header(&r, "Access-Control-Allow-Headers");
  const char *need[] = {"Authorization", "Content-Type", "If-Match", "If-None-Match",
                        "X-CSRF-Token", NULL};
  for (int i = 0; need[i]; i++)
    cr_assert(ah && strstr(ah, need[i]), "%s not allowed: %s", need[i], ah ? ah : "(none)");
  cr_assert(vary_has(r.head, "Origin"));
  raw_free(&r);
  /* the other listed origin too; any other origin gets no CORS headers */
  r = raw_req(&S, "OPTIONS", "/v1/people", NULL,
              "Origin: http://localhost:5173\r\nAccess-Control-Request-Method: POST\r\n");
  cr_assert_str_eq(raw_header(&r, "Access-Control-Allow-Origin"), "http://localhost:5173");
  cr_assert_str_eq(raw_header(&r, "Access-Control-Allow-Methods"), "GET, HEAD, POST, OPTIONS");
  raw_free(&r);
  const char *refused[] = {"https://evil.example", "https://app.example.com.evil.example",
                           "http://app.example.com", "null"};
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
    char h[256];
    snprintf(h, sizeof h, "Origin: %s\r\nAccess-Control-Request-Method: GET\r\n", refused[i]);
    r = raw_req(&S, "OPTIONS", "/v1/organizations", NULL, h);
    no_cors(&r, refused[i]);
    raw_free(&r);
    r = raw_req(&S, "GET", "/v1/organizations", admin(), h);
    cr_assert_eq(r.status, 200);
    no_cors(&r, refused[i]);
    raw_free(&r);
  }
  /* real answers, errors included, carry the origin and expose the headers clients read */
  r = raw_req(&S, "GET", "/v1/organizations?per_page=1", admin(), "Origin: " ORIGIN "\r\n");
  cr_assert_eq(r.status, 200);
  cr_assert_str_eq(raw_header(&r, "Access-Control-Allow-Origin"), ORIGIN);
  const char *ex = raw_header(&r, "Access-Control-Expose-Headers");
  const char *exposed[] = {"ETag", "Location", "Link", "Retry-After", NULL};
  for (int i = 0; exposed[i]; i++)
    cr_assert(ex && strstr(ex, exposed[i]), "%s not exposed: %s", exposed[i], ex ? ex : "");
  cr_assert(vary_has(r.head, "Origin"));
  raw_free(&r);
  r = raw_req(&S, "GET", "/v1/organizations", NULL, "Origin: " ORIGIN "\r\n");
  cr_assert_eq(r.status, 401);
  cr_assert_str_eq(raw_header(&r, "Access-Control-Allow-Origin"), ORIGIN);
  raw_free(&r);
  /* OPTIONS on a path that does not exist is 404 */
  r = raw_req(&S, "OPTIONS", "/v1/nothing", NULL, "Origin: " ORIGIN "\r\n");
  cr_assert_eq(r.status, 404);
  raw_free(&r);
}

Test(http, HTTP_cors_is_off_by_default_and_the_option_refuses_wildcards) {
  th_server plain = {0};
  th_start(&plain);
  raw r = raw_req(&plain, "OPTIONS", "/v1/organizations", NULL,
                  "Origin: " ORIGIN "\r\nAccess-Control-Request-Method: GET\r\n");
  cr_assert_eq(r.status, 204);
  cr_assert_str_eq(raw_header(&r, "Allow"), "GET, HEAD, POST, OPTIONS");
  no_cors(&r, "no --cors-origin");
  cr_assert(!vary_has(r.head, "Origin"));
  raw_free(&r);
  r = raw_req(&plain, "GET", "/healthz", NULL, "Origin: " ORIGIN "\r\n");
  no_cors(&r, "no --cors-origin");
  raw_free(&r);
  th_stop(&plain);
  /* bad input: "*" or a list is not an origin */
  const char *bad[] = {"*", "https://a.example,https://b.example", ""};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
      FILE *f = freopen("/dev/null", "w", stderr);
      (void)f;
      execl(RD_BUILD_DIR "/rolodeskd", "rolodeskd", "--db", S.db, "--listen", "127.0.0.1:0",
            "--cors-origin", bad[i], (char *)NULL);
      _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "--cors-origin '%s': exit %d", bad[i],
              WEXITSTATUS(st));
  }
}

/* ---- 5. challenges and Retry-After ---- */

Test(http, HTTP_401_carries_a_bearer_challenge) {
  th_resp r = th_get(&S, NULL, "/v1/organizations");
  th_assert_error(&r, 401, NULL);
  cr_assert_str_eq(th_header(&r, "WWW-Authenticate"), "Bearer");
  th_resp_free(&r);
  r = th_get(&S, "not-a-token", "/v1/organizations");
  th_assert_error(&r, 401, NULL);
  cr_assert_str_eq(th_header(&r, "WWW-Authenticate"), "Bearer error=\"invalid_token\"");
  th_resp_free(&r);
  r = th_req(&S, "GET", "/v1/me", NULL, NULL, NULL, "Authorization: Basic YTpi");
  th_assert_error(&r, 401, NULL);
  cr_assert_str_eq(th_header(&r, "WWW-Authenticate"), "Bearer");
  th_resp_free(&r);
  r = th_json(&S, "POST", NULL, "/v1/login", "{s:s,s:s,s:s}", "account", "acme", "username",
              "nobody", "password", "wrong password");
  th_assert_error(&r, 401, NULL);
  cr_assert(th_header(&r, "WWW-Authenticate"));
  th_resp_free(&r);
  /* a revoked token is a bad token */
  char *t = th_person_token(&S, "acme", "leaver", "technician");
  r = th_req(&S, "POST", "/v1/logout", t, NULL, NULL, NULL);
  cr_assert_eq(r.status, 204);
  th_resp_free(&r);
  r = th_get(&S, t, "/v1/me");
  th_assert_error(&r, 401, NULL);
  cr_assert_str_eq(th_header(&r, "WWW-Authenticate"), "Bearer error=\"invalid_token\"");
  th_resp_free(&r);
  free(t);
}

/* A database that cannot serve the request (SQLite: locked past the busy timeout;
 * PostgreSQL: a statement that fails as a lost connection) answers 503 with Retry-After. */
Test(http, HTTP_503_carries_retry_after) {
  const char *a = admin();
  pid_t holder = -1;
  if (!strcmp(th_backend(), "sqlite")) {
    holder = fork();
    cr_assert(holder >= 0);
    if (holder == 0) {
      FILE *f = freopen("/dev/null", "w", stdout);
      (void)f;
      execl("/usr/bin/sqlite3", "sqlite3", S.db, "BEGIN EXCLUSIVE;",
            "INSERT INTO schema_version SELECT * FROM schema_version WHERE 0;", ".system sleep 14",
            "COMMIT;", (char *)NULL);
      _exit(127);
    }
    sleep(1);
  } else {
    th_sql(&S, "CREATE FUNCTION rd_test_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
               " RAISE EXCEPTION 'down' USING ERRCODE = '08006'; END $$");
    th_sql(&S, "CREATE TRIGGER rd_test_down BEFORE INSERT ON organizations FOR EACH ROW"
               " EXECUTE FUNCTION rd_test_down()");
  }
  th_resp r = th_json(&S, "POST", a, "/v1/organizations", "{s:s}", "name", "Unlucky");
  if (holder > 0) {
    kill(holder, SIGTERM);
    waitpid(holder, NULL, 0);
  } else {
    th_sql(&S, "DROP TRIGGER rd_test_down ON organizations");
  }
  th_assert_error(&r, 503, NULL);
  const char *ra = th_header(&r, "Retry-After");
  cr_assert(ra && strtol(ra, NULL, 10) > 0, "Retry-After: %s", ra ? ra : "(none)");
  th_resp_free(&r);
}

/* ---- 6. merge patches ---- */

Test(http, HTTP_merge_patch_json_is_accepted_on_patch) {
  long long o = org("Merge");
  const char *path = path_of("/v1/organizations/%lld", o);
  th_resp r = th_req(&S, "PATCH", path, admin(), "{\"remarks\": null, \"name\": \"Merged\"}",
                     "application/merge-patch+json", NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "name"), "Merged");
  cr_assert(json_is_null(th_jpath(r.json, "remarks")), "null clears: %s", r.body);
  th_resp_free(&r);
  r = th_req(&S, "PATCH", "/v1/account", admin(), "{\"name\": \"Acme\"}",
             "Application/Merge-Patch+JSON; charset=utf-8", NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  /* bad input: malformed merge patch, unknown field, and merge patches only on PATCH */
  r = th_req(&S, "PATCH", path, admin(), "{\"name\": ", "application/merge-patch+json", NULL);
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
  r = th_req(&S, "PATCH", path, admin(), "{\"nope\": 1}", "application/merge-patch+json", NULL);
  th_assert_error(&r, 422, "nope");
  th_resp_free(&r);
  r = th_req(&S, "POST", "/v1/organizations", admin(), "{\"name\": \"X\"}",
             "application/merge-patch+json", NULL);
  th_assert_error(&r, 415, NULL);
  th_resp_free(&r);
  r = th_req(&S, "PATCH", path, admin(), "{\"name\": \"X\"}", "text/plain", NULL);
  th_assert_error(&r, 415, NULL);
  cr_assert(strstr(th_jstr(r.json, "message"), "merge-patch"), "%s", r.body);
  th_resp_free(&r);
}

/* ---- 7. Allow ---- */

Test(http, HTTP_REL1_allow_is_what_the_route_table_serves) {
  struct {
    const char *method, *path, *allow;
  } cases[] = {
      {"PATCH", "/v1/organizations/all", "GET, HEAD, OPTIONS"},
      {"PATCH", "/v1/organizations/trusted", "GET, HEAD, OPTIONS"},
      {"DELETE", "/v1/imports/templates/people.csv", "GET, HEAD, OPTIONS"},
      {"PUT", "/v1/organizations/1", "GET, HEAD, PATCH, OPTIONS"},
      {"POST", "/v1/people/1", "GET, HEAD, PATCH, DELETE, OPTIONS"},
      {"PUT", "/v1/account/trusts/x", "GET, HEAD, DELETE, OPTIONS"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    th_resp r = th_req(&S, cases[i].method, cases[i].path, admin(), "{}", NULL, NULL);
    th_assert_error(&r, 405, NULL);
    const char *allow = th_header(&r, "Allow");
    cr_assert(allow, "%s %s: no Allow", cases[i].method, cases[i].path);
    cr_assert_str_eq(allow, cases[i].allow, "%s %s", cases[i].method, cases[i].path);
    th_resp_free(&r);
  }
  /* what Allow names answers something other than 405 */
  th_resp r = th_get(&S, admin(), "/v1/organizations/all");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_req(&S, "OPTIONS", "/v1/organizations/all", admin(), NULL, NULL, NULL);
  cr_assert_eq(r.status, 204);
  cr_assert_str_eq(th_header(&r, "Allow"), "GET, HEAD, OPTIONS");
  th_resp_free(&r);
}

/* ---- 8. JSON errors ---- */

Test(http, HTTP_REL1_errors_are_json_whatever_accept_says) {
  const char *accepts[] = {"Accept: */*", "Accept: text/html;q=0, */*", "Accept: text/plain",
                           "Accept: application/xml", NULL};
  for (int i = 0; i < 5; i++) {
    const char *h = accepts[i];
    th_resp r = th_req(&S, "GET", "/v1/password_reset/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                       NULL, NULL, NULL, h);
    th_assert_error(&r, 404, NULL);
    cr_assert(!strncmp(th_header(&r, "Content-Type"), "application/json", 16), "%s: %s",
              h ? h : "no Accept", th_header(&r, "Content-Type"));
    th_resp_free(&r);
    r = th_req(&S, "GET", "/v1/organizations/987654", admin(), NULL, NULL, h);
    th_assert_error(&r, 404, NULL);
    th_resp_free(&r);
  }
  /* a browser opening an expired or wrong mailed link still gets the page */
  th_resp r = th_req(&S, "GET", "/v1/password_reset/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                     NULL, NULL, NULL, "Accept: text/html,application/xhtml+xml,*/*;q=0.8");
  cr_assert_eq(r.status, 404);
  cr_assert(!strncmp(th_header(&r, "Content-Type"), "text/html", 9));
  th_resp_free(&r);
}

/* ---- 9. the Location of a new trust ---- */

Test(http, HTTP_TRUST1_location_of_a_new_trust_answers_get) {
  th_resp r = th_json(&S, "POST", admin(), "/v1/account/trusts", "{s:s}", "account", "other");
  cr_assert_eq(r.status, 201, "%s", r.body);
  char loc[256];
  snprintf(loc, sizeof loc, "%s", th_header(&r, "Location"));
  cr_assert_str_eq(loc, "/v1/account/trusts/other");
  char *created = json_dumps(r.json, JSON_SORT_KEYS);
  th_resp_free(&r);
  r = th_get(&S, admin(), loc);
  cr_assert_eq(r.status, 200, "GET %s: %s", loc, r.body);
  char *got = json_dumps(r.json, JSON_SORT_KEYS);
  cr_assert_str_eq(got, created);
  free(got);
  free(created);
  th_resp_free(&r);
  /* bad input, other roles, and a trust that does not exist */
  r = th_get(&S, admin(), "/v1/account/trusts/other?x=1");
  th_assert_error(&r, 400, "x");
  th_resp_free(&r);
  r = th_get(&S, th_token(&S, "acme", "tech", "technician"), loc);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/account/trusts/nobody");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", loc, admin(), NULL, NULL, NULL);
  cr_assert_eq(r.status, 204);
  th_resp_free(&r);
  r = th_get(&S, admin(), loc);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
}

/* ---- 8. stopping ---- */

/* A client that sends keep-alive GET /healthz until the daemon is gone; exits 1 if any
 * answer is neither 200 nor a 503 that closes the connection. */
static void hammer(int port) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  for (;;) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) {
      close(fd);
      _exit(0); /* the daemon has stopped */
    }
    for (;;) {
      static const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
      if (write(fd, req, sizeof req - 1) != (ssize_t)sizeof req - 1)
        break;
      char buf[2048];
      ssize_t got = read(fd, buf, sizeof buf - 1);
      if (got <= 0)
        break;
      buf[got] = 0;
      int status = 0;
      sscanf(buf, "HTTP/1.1 %d", &status);
      if (status == 503 && strcasestr(buf, "Connection: close"))
        break;
      if (status != 200) {
        fprintf(stderr, "hammer: %.200s\n", buf);
        _exit(1);
      }
    }
    close(fd);
  }
}

/* SIGTERM while clients keep sending: the daemon exits 0 every time, and what it answers
 * meanwhile is 200 or 503 with the connection closed (MHD_quiesce_daemon on an epoll
 * thread pool once aborted the process here). */
Test(http, HTTP_stop_under_load_exits_cleanly) {
  th_server D = {0};
  th_init_db(&D);
  for (int round = 0; round < 8; round++) {
    th_start_daemon(&D);
    pid_t clients[3];
    for (int i = 0; i < 3; i++) {
      clients[i] = fork();
      cr_assert(clients[i] >= 0);
      if (clients[i] == 0)
        hammer(D.port);
    }
    usleep(100 * 1000);
    kill(D.pid, SIGTERM);
    int st = 0;
    cr_assert_eq(waitpid(D.pid, &st, 0), D.pid);
    D.pid = 0;
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "round %d: daemon status %d", round, st);
    for (int i = 0; i < 3; i++) {
      cr_assert_eq(waitpid(clients[i], &st, 0), clients[i]);
      cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "round %d: a client saw %d", round, st);
    }
  }
  th_stop(&D);
}

/* ---- issue 16: the web UI's files ---- */

static char web_root[600];

static void put_file(const char *rel, const char *text) {
  char p[800];
  snprintf(p, sizeof p, "%s/%s", web_root, rel);
  FILE *f = fopen(p, "w");
  cr_assert(f, "%s", p);
  fputs(text, f);
  fclose(f);
}

static void web_setup(void) {
  th_init_db(&S);
  snprintf(web_root, sizeof web_root, "%s/web", S.dir);
  char assets[700], secret[700], link[700];
  snprintf(assets, sizeof assets, "%s/assets", web_root);
  cr_assert_eq(mkdir(web_root, 0755), 0);
  cr_assert_eq(mkdir(assets, 0755), 0);
  put_file("index.html", "<!doctype html><title>rolodesk</title><script src=\"/assets/app-1a2b.js\"></script>");
  put_file("assets/app-1a2b.js", "console.log('ui')");
  put_file("notes.db", "not to be served");
  snprintf(secret, sizeof secret, "%s/db.txt", S.dir);
  snprintf(link, sizeof link, "%s/assets/leak.txt", web_root);
  FILE *f = fopen(secret, "w");
  fputs("secret", f);
  fclose(f);
  cr_assert_eq(symlink(secret, link), 0);
  S.daemon_args[0] = "--web-root";
  S.daemon_args[1] = web_root;
  th_start_daemon(&S);
}
TestSuite(web, .init = web_setup, .fini = teardown, .timeout = 60);

Test(web, ISSUE16_the_ui_is_served_with_its_types_csp_and_caching) {
  raw r = raw_req(&S, "GET", "/", NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.head);
  cr_assert(strstr(r.body, "<title>rolodesk</title>"));
  cr_assert_str_eq(raw_header(&r, "Content-Type"), "text/html; charset=utf-8");
  cr_assert_str_eq(raw_header(&r, "Cache-Control"), "no-cache");
  cr_assert(strstr(raw_header(&r, "Content-Security-Policy"), "script-src 'self';"), "%s",
            r.head);
  cr_assert_str_eq(raw_header(&r, "X-Content-Type-Options"), "nosniff");
  raw_free(&r);
  /* the UI's own routes are index.html; hashed assets are cached for a year */
  r = raw_req(&S, "GET", "/organizations/12", NULL, NULL);
  cr_assert_eq(r.status, 200);
  cr_assert(strstr(r.body, "<title>rolodesk</title>"));
  raw_free(&r);
  r = raw_req(&S, "GET", "/assets/app-1a2b.js", NULL, NULL);
  cr_assert_eq(r.status, 200);
  cr_assert_str_eq(r.body, "console.log('ui')");
  cr_assert_str_eq(raw_header(&r, "Content-Type"), "text/javascript; charset=utf-8");
  cr_assert_str_eq(raw_header(&r, "Cache-Control"), "public, max-age=31536000, immutable");
  raw_free(&r);
  r = raw_req(&S, "HEAD", "/assets/app-1a2b.js", NULL, NULL);
  cr_assert_eq(r.status, 200);
  cr_assert_eq(r.len, 0, "HEAD sends no body");
  cr_assert_str_eq(raw_header(&r, "Content-Length"), "17");
  raw_free(&r);
}

Test(web, ISSUE16_nothing_outside_the_ui_and_the_api_stays_the_api) {
  /* a missing asset, a type not served, a link out of the root, a way up: never a file */
  const char *paths[] = {"/assets/nope.js", "/notes.db", "/assets/leak.txt",
                         "/assets/../../db.txt", "/assets/%2e%2e/%2e%2e/db.txt", "/.hidden.js"};
  for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
    raw r = raw_req(&S, "GET", paths[i], NULL, NULL);
    cr_assert(r.status == 404 || (r.status == 200 && strstr(r.body, "<title>rolodesk")),
              "%s: %s", paths[i], r.head);
    cr_assert(!strstr(r.body, "secret") && !strstr(r.body, "not to be served"), "%s",
              paths[i]);
    raw_free(&r);
  }
  raw r = raw_req(&S, "GET", "/v1/nothing", NULL, NULL);
  cr_assert_eq(r.status, 404);
  cr_assert(!strncmp(raw_header(&r, "Content-Type"), "application/json", 16));
  raw_free(&r);
  r = raw_req(&S, "POST", "/organizations", NULL, NULL);
  cr_assert_eq(r.status, 404, "only GET and HEAD serve the UI");
  raw_free(&r);
  r = raw_req(&S, "GET", "/healthz", NULL, NULL);
  cr_assert(strstr(r.body, "\"ok\""));
  raw_free(&r);
}
