/* End-to-end tests of the limits every endpoint shares (REL-1): bad input gets a clear 4xx
 * with the JSON error body and changes nothing — deep or duplicate-keyed JSON, non-object
 * bodies, wrong content types, wrong methods, oversize and malformed query values — and
 * injection strings are stored and returned verbatim. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "harness/harness.h"

static th_server S;

/* The people of a test, made on first use. */
static const char *admin(void) {
  return th_token(&S, "wdc", "admin", "account_administrator");
}

static void setup(void) {
  th_start(&S);
  th_account(&S, "wdc", "Widget Data Center");
}
static void teardown(void) {
  th_stop(&S);
}
TestSuite(limits, .init = setup, .fini = teardown, .timeout = 60);

static size_t count(const char *path) {
  th_resp r = th_get(&S, admin(), path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  size_t n = json_array_size(r.json);
  th_resp_free(&r);
  return n;
}

/* POSTs body to /v1/organizations and asserts status and that nothing was stored. */
static void refused(const char *body, const char *content_type, long status, const char *field) {
  size_t before = count("/v1/organizations?per_page=100");
  th_resp r = th_req(&S, "POST", "/v1/organizations", admin(), body, content_type, NULL);
  th_assert_error(&r, status, field);
  th_resp_free(&r);
  cr_assert_eq(count("/v1/organizations?per_page=100"), before,
               "a refused request stored something");
}

/* {"name": "N", "x": [[...]]} with depth arrays around 0: the document's depth is depth + 1. */
static char *nested(int depth) {
  size_t n = (size_t)depth * 2 + 64;
  char *s = malloc(n);
  size_t len = (size_t)snprintf(s, n, "{\"name\": \"N\", \"x\": ");
  for (int i = 0; i < depth; i++)
    s[len++] = '[';
  s[len++] = '0';
  for (int i = 0; i < depth; i++)
    s[len++] = ']';
  s[len++] = '}';
  s[len] = 0;
  return s;
}

Test(limits, REL1_json_nested_deeper_than_32_is_400) {
  char *ok = nested(31), *deep = nested(32), *deeper = nested(100000);
  /* depth 32 parses (and is refused for the unknown field), 33 does not */
  refused(ok, NULL, 422, "x");
  refused(deep, NULL, 400, NULL);
  refused(deeper, NULL, 400, NULL);
  free(ok);
  free(deep);
  free(deeper);
  /* objects count too */
  size_t n = 40 * 8 + 64, len = 0;
  char *s = malloc(n);
  for (int i = 0; i < 40; i++)
    len += (size_t)snprintf(s + len, n - len, "{\"a\": ");
  len += (size_t)snprintf(s + len, n - len, "1");
  for (int i = 0; i < 40; i++)
    s[len++] = '}';
  s[len] = 0;
  refused(s, NULL, 400, NULL);
  free(s);
}

Test(limits, REL1_duplicate_keys_are_400) {
  refused("{\"name\": \"A\", \"name\": \"B\"}", NULL, 400, NULL);
  refused("{\"name\": \"A\", \"contact\": {\"websites\": [], \"websites\": []}}", NULL, 400, NULL);
}

Test(limits, REL1_non_object_body_is_422) {
  const char *bodies[] = {"[]", "[{\"name\": \"A\"}]", "\"Acme\"", "5", "null", "true"};
  for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++)
    refused(bodies[i], NULL, 422, NULL);
  refused("", NULL, 400, NULL);
  refused("   ", NULL, 400, NULL);
  refused("{\"name\": \"A\"} {}", NULL, 400, NULL);
  refused("{\"name\": \"A\\u0000B\"}", NULL, 400, NULL); /* NUL in a string */
}

Test(limits, REL1_wrong_content_type_is_415) {
  refused("{\"name\": \"A\"}", "text/plain", 415, NULL);
  refused("{\"name\": \"A\"}", "application/x-www-form-urlencoded", 415, NULL);
  refused("{\"name\": \"A\"}", "application/jsonp", 415, NULL);
  refused("{\"name\": \"A\"}", "", 415, NULL); /* none */
  th_resp r = th_req(&S, "POST", "/v1/organizations", admin(), "{\"name\": \"A\"}",
                     "application/json; charset=utf-8", NULL);
  cr_assert_eq(r.status, 201, "parameters are fine: %s", r.body);
  th_resp_free(&r);
  r = th_req(&S, "POST", "/v1/organizations", admin(), "{\"name\": \"B\"}", "Application/JSON",
             NULL);
  cr_assert_eq(r.status, 201, "media types are case-insensitive: %s", r.body);
  th_resp_free(&r);
}

Test(limits, REL1_wrong_method_is_405_with_allow) {
  struct {
    const char *method, *path, *allow;
  } cases[] = {
      /* issue 12: HEAD beside GET, OPTIONS last */
      {"DELETE", "/v1/organizations", "GET, HEAD, POST, OPTIONS"},
      {"PUT", "/v1/organizations/1", "GET, HEAD, PATCH, OPTIONS"},
      {"DELETE", "/v1/account", "GET, HEAD, PATCH, OPTIONS"},
      {"POST", "/v1/people/1", "GET, HEAD, PATCH, DELETE, OPTIONS"},
      {"PUT", "/v1/custom_fields", "GET, HEAD, POST, OPTIONS"},
      {"PATCH", "/v1/audit", "GET, HEAD, OPTIONS"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    th_resp r = th_req(&S, cases[i].method, cases[i].path, admin(), NULL, NULL, NULL);
    th_assert_error(&r, 405, NULL);
    const char *allow = th_header(&r, "Allow");
    cr_assert(allow, "%s %s: no Allow", cases[i].method, cases[i].path);
    cr_assert_str_eq(allow, cases[i].allow, "%s %s", cases[i].method, cases[i].path);
    th_resp_free(&r);
  }
  th_resp r = th_get(&S, admin(), "/v1/organisations");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
}

Test(limits, REL1_oversize_and_malformed_query_values_are_400) {
  char path[2200];
  int n = snprintf(path, sizeof path, "/v1/organizations?q=");
  memset(path + n, 'a', 1100);
  path[n + 1100] = 0;
  th_resp r = th_get(&S, admin(), path);
  th_assert_error(&r, 400, "q");
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/organizations?name=%C0%AF");
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/people?q=%FF");
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
}

Test(limits, REL1_oversize_json_is_413_everywhere) {
  size_t n = (1u << 20) + 1;
  char *body = malloc(n + 1);
  memset(body, ' ', n);
  body[0] = '{';
  body[n - 1] = '}';
  body[n] = 0;
  const char *paths[][2] = {{"POST", "/v1/organizations"},
                            {"POST", "/v1/people"},
                            {"PATCH", "/v1/account"},
                            {"POST", "/v1/custom_fields"},
                            {"POST", "/v1/login"}};
  for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
    th_resp r = th_req(&S, paths[i][0], paths[i][1], admin(), body, NULL, NULL);
    th_assert_error(&r, 413, NULL);
    th_resp_free(&r);
  }
  free(body);
  /* exactly 1 MiB is within the limit */
  n = 1u << 20;
  body = malloc(n + 1);
  int off = snprintf(body, n + 1, "{\"name\": \"Big\", \"remarks\": \"");
  memset(body + off, 'r', n - (size_t)off - 2);
  memcpy(body + n - 2, "\"}", 2);
  body[n] = 0;
  th_resp r = th_req(&S, "POST", "/v1/organizations", admin(), body, NULL, NULL);
  cr_assert_eq(r.status, 422, "1 MiB is read; the remarks are over 65536: %ld", r.status);
  th_assert_error(&r, 422, "remarks");
  th_resp_free(&r);
  free(body);
}

Test(limits, REL1_injection_strings_are_stored_and_returned_verbatim) {
  const char *strings[] = {
      "'; DROP TABLE people; --",
      "Robert'); DROP TABLE organizations;--",
      "1' OR '1'='1",
      "\\\" OR 1=1 --",
      "<script>alert(1)</script>",
      "${jndi:ldap://x/a}",
      "%s%s%s%n",
      "../../etc/passwd",
      "\xe2\x80\xae\xf0\x9f\x98\x80 \xe4\xb8\xad\xe6\x96\x87",
  };
  for (size_t i = 0; i < sizeof strings / sizeof *strings; i++) {
    th_resp r = th_json(&S, "POST", admin(), "/v1/organizations", "{s:s,s:s,s:s}", "name",
                        strings[i], "financial_id", strings[i], "remarks", strings[i]);
    cr_assert_eq(r.status, 201, "%s: %s", strings[i], r.body);
    long long id = json_integer_value(json_object_get(r.json, "id"));
    th_resp_free(&r);
    char path[64];
    snprintf(path, sizeof path, "/v1/organizations/%lld", id);
    r = th_get(&S, admin(), path);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(th_jstr(r.json, "name"), strings[i]);
    cr_assert_str_eq(th_jstr(r.json, "financial_id"), strings[i]);
    cr_assert_str_eq(th_jstr(r.json, "remarks"), strings[i]);
    th_resp_free(&r);
  }
  /* the tables are all still there, and filters match the strings literally */
  cr_assert_eq(count("/v1/organizations?per_page=100"), sizeof strings / sizeof *strings);
  cr_assert_geq(count("/v1/people"), 1);
  cr_assert_eq(count("/v1/organizations?financial_id=1%27%20OR%20%271%27%3D%271"), 1);
  cr_assert_eq(count("/v1/organizations?name=%27%20OR%201%3D1%20--"), 0);
  cr_assert_eq(count("/v1/organizations?q=%27%3B%20DROP"), 1);
  /* people too */
  th_resp r = th_json(&S, "POST", admin(), "/v1/people", "{s:s,s:s,s:s,s:s,s:[s]}", "first_name",
                      "Robert'); DROP TABLE people;--", "last_name", "<b>Tables</b>", "username",
                      "bobby'--", "primary_email", "bobby@wdc.example", "roles", "customer");
  cr_assert_eq(r.status, 201, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "first_name"), "Robert'); DROP TABLE people;--");
  cr_assert_str_eq(th_jstr(r.json, "name"), "Robert'); DROP TABLE people;-- <b>Tables</b>");
  th_resp_free(&r);
  cr_assert_eq(count("/v1/people?username=bobby%27--"), 1);
  cr_assert_geq(count("/v1/people"), 2);
}

/* Sends raw request head (and no body) and returns the status of the answer, which must
 * come without the body having been sent. */
static int raw_status(const char *head) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  cr_assert(fd >= 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)S.port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  struct timeval tv = {.tv_sec = 5};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  cr_assert_eq(write(fd, head, strlen(head)), (ssize_t)strlen(head));
  char buf[512] = "";
  ssize_t got = read(fd, buf, sizeof buf - 1);
  close(fd);
  cr_assert_gt(got, 12, "no answer before the body was sent");
  buf[got] = 0;
  int status = 0;
  cr_assert_eq(sscanf(buf, "HTTP/1.1 %d", &status), 1, "%s", buf);
  return status;
}

Test(limits, REL1_huge_or_expected_bodies_are_refused_before_they_are_sent) {
  char head[512];
  /* a body far over every limit is refused from its Content-Length alone */
  snprintf(head, sizeof head,
           "POST /v1/attachments?filename=x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
           "Content-Type: application/octet-stream\r\nContent-Length: 10737418240\r\n\r\n",
           admin());
  cr_assert_eq(raw_status(head), 413);
  /* a client that waits for 100-continue is told at once */
  snprintf(
      head, sizeof head,
      "POST /v1/organizations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
      "Content-Type: application/json\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n",
      admin());
  cr_assert_eq(raw_status(head), 413);
  cr_assert_eq(count("/v1/organizations"), 0);
}

/* REL-1, issue 11: files to import have their own ceiling (--max-import-mb, default the
 * upload limit of 20 MiB), so an installation can take large customer files without
 * raising the limit of every other upload. */
Test(limits, REL1_import_files_have_their_own_limit) {
  th_server L;
  memset(&L, 0, sizeof L);
  th_init_db(&L);
  L.daemon_args[0] = "--max-import-mb";
  L.daemon_args[1] = "1";
  th_start_daemon(&L);
  th_account(&L, "wdc", "Widget Data Center");
  const char *tok = th_token(&L, "wdc", "admin", "account_administrator");
  size_t len = (3u << 20) / 2; /* 1.5 MiB: over the import limit, under the upload one */
  char *body = malloc(len);
  const char *head = "First Name,Last Name,Email Address,Username\n";
  memset(body, '\n', len);
  memcpy(body, head, strlen(head));
  th_resp r = th_req_len(&L, "POST", "/v1/imports?type=people", tok, body, len, "text/csv", NULL);
  th_assert_error(&r, 413, NULL);
  th_resp_free(&r);
  r = th_get(&L, tok, "/v1/imports");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 0, "a refused import left a job");
  th_resp_free(&r);
  r = th_req_len(&L, "POST", "/v1/attachments?filename=big.pdf", tok, body, len,
                 "application/pdf", NULL);
  cr_assert_eq(r.status, 201, "other uploads keep their limit: %ld %s", r.status, r.body);
  th_resp_free(&r);
  free(body);
  th_stop(&L);
}
