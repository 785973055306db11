/* Test harness: see harness.h. */
#include "harness/harness.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/pgdb.h"
#include "store/store.h"

#ifndef RD_BUILD_DIR
#error "RD_BUILD_DIR must name the build directory"
#endif

const char *th_backend(void) {
  return th_pg_server() ? "postgresql" : "sqlite";
}

static int run(char *const argv[], const char *stdin_text, char **out) {
  int in[2], o[2];
  cr_assert_eq(pipe(in), 0);
  cr_assert_eq(pipe(o), 0);
  pid_t pid = fork();
  cr_assert(pid >= 0);
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(o[1], 1);
    close(in[1]);
    close(o[0]);
    execv(argv[0], argv);
    _exit(127);
  }
  close(in[0]);
  close(o[1]);
  if (stdin_text) {
    ssize_t w = write(in[1], stdin_text, strlen(stdin_text));
    (void)w;
  }
  close(in[1]);
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (len + 1024 > cap)
      buf = realloc(buf, cap *= 2);
    ssize_t n = read(o[0], buf + len, cap - len - 1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    len += (size_t)n;
  }
  buf[len] = 0;
  close(o[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  if (out)
    *out = buf;
  else
    free(buf);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

char *th_cli(th_server *s, const char *stdin_text, int *status, ...) {
  char *argv[64];
  int n = 0;
  argv[n++] = RD_BUILD_DIR "/rolodesk";
  argv[n++] = "--db";
  argv[n++] = s->db;
  va_list ap;
  va_start(ap, status);
  const char *a;
  while ((a = va_arg(ap, const char *)) && n < 63)
    argv[n++] = (char *)a;
  va_end(ap);
  argv[n] = NULL;
  char *out = NULL;
  int st = run(argv, stdin_text, &out);
  if (status)
    *status = st;
  return out;
}

void th_init_db(th_server *s) {
  memset(s, 0, sizeof *s);
  snprintf(s->dir, sizeof s->dir, "/tmp/rdtest.XXXXXX");
  cr_assert(mkdtemp(s->dir));
  if (th_pg_server()) {
    th_pg_create("t", s->pg_name, s->db, sizeof s->db);
  } else {
    snprintf(s->db, sizeof s->db, "%s/test.db", s->dir);
  }
  int st = 0;
  free(th_cli(s, NULL, &st, "init", NULL));
  cr_assert_eq(st, 0, "rolodesk init failed");
}

void th_start_daemon(th_server *s) {
  char port_file[300], log[300], data[300];
  snprintf(port_file, sizeof port_file, "%s/port.%d", s->dir, rand());
  snprintf(log, sizeof log, "%s/daemon.log", s->dir);
  snprintf(data, sizeof data, "%s/data", s->dir);
  pid_t pid = fork();
  cr_assert(pid >= 0);
  if (pid == 0) {
    /* The daemon dies with the test process (a failed assertion must not leave it
     * running), and keeps none of Criterion's pipes open (the runner waits for them). */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    FILE *f = freopen(log, "a", stderr);
    (void)f;
    f = freopen("/dev/null", "w", stdout);
    (void)f;
    char *argv[32] = {"rolodeskd", "--db", s->db, "--listen", "127.0.0.1:0", "--port-file",
                      port_file, "--data", data, "--openapi",
                      RD_SOURCE_DIR "/docs/openapi.json"};
    int n = 11;
    for (int i = 0; i < 8 && s->daemon_args[i]; i++)
      argv[n++] = (char *)s->daemon_args[i];
    argv[n] = NULL;
    execv(RD_BUILD_DIR "/rolodeskd", argv);
    _exit(127);
  }
  for (int i = 0; i < 1000; i++) {
    FILE *f = fopen(port_file, "r");
    if (f) {
      int port = 0;
      if (fscanf(f, "%d", &port) == 1 && port > 0) {
        fclose(f);
        s->pid = pid;
        s->port = port;
        return;
      }
      fclose(f);
    }
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid)
      cr_assert_fail("rolodeskd exited at start; see %s", log);
    usleep(10000);
  }
  kill(pid, SIGKILL);
  cr_assert_fail("rolodeskd did not start; see %s", log);
}

void th_start(th_server *s) {
  th_init_db(s);
  th_start_daemon(s);
}

/* th_token's people of this test process (Criterion runs each test in its own). */
static struct {
  const th_server *s;
  char account[64], username[64];
  char *token;
} tokens[32];
static int ntokens;

const char *th_token(th_server *s, const char *account, const char *username, const char *roles) {
  for (int i = 0; i < ntokens; i++)
    if (tokens[i].s == s && !strcmp(tokens[i].account, account) &&
        !strcmp(tokens[i].username, username))
      return tokens[i].token;
  cr_assert_lt(ntokens, 32, "too many th_token people");
  tokens[ntokens].s = s;
  snprintf(tokens[ntokens].account, sizeof tokens[ntokens].account, "%s", account);
  snprintf(tokens[ntokens].username, sizeof tokens[ntokens].username, "%s", username);
  tokens[ntokens].token = th_person_token(s, account, username, roles);
  return tokens[ntokens++].token;
}

static void forget_tokens(const th_server *s) {
  int kept = 0;
  for (int i = 0; i < ntokens; i++) {
    if (tokens[i].s == s)
      free(tokens[i].token);
    else
      tokens[kept++] = tokens[i];
  }
  ntokens = kept;
}

void th_stop(th_server *s) {
  forget_tokens(s);
  if (s->pid > 0) {
    kill(s->pid, SIGTERM);
    int st = 0;
    waitpid(s->pid, &st, 0);
    s->pid = 0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      /* The end of its log says why (the directory is removed below). */
      char log[300], tail[4097] = "";
      snprintf(log, sizeof log, "%s/daemon.log", s->dir);
      FILE *f = fopen(log, "r");
      if (f) {
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fseek(f, size > 4096 ? size - 4096 : 0, SEEK_SET);
        size_t n = fread(tail, 1, sizeof tail - 1, f);
        tail[n] = 0;
        fclose(f);
      }
      cr_expect_fail("rolodeskd did not exit cleanly (status %d, %s %d); the end of its log:\n%s",
                     st, WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), tail);
    }
  }
  th_pg_drop(s->pg_name);
  if (s->dir[0] && !getenv("ROLODESK_TEST_KEEP")) {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    int r = system(cmd);
    (void)r;
  }
}

void th_kill(th_server *s) {
  cr_assert_gt(s->pid, 0, "no daemon to kill");
  cr_assert_eq(kill(s->pid, SIGKILL), 0);
  int st = 0;
  cr_assert_eq(waitpid(s->pid, &st, 0), s->pid);
  s->pid = 0;
}

void th_account(th_server *s, const char *id, const char *name) {
  int st = 0;
  free(th_cli(s, NULL, &st, "account", "create", id, name, NULL));
  cr_assert_eq(st, 0, "account create %s failed", id);
}

char *th_person_token(th_server *s, const char *account, const char *username,
                      const char *roles) {
  char *argv[40];
  int n = 0;
  char email[160], sup[80], list[128];
  snprintf(email, sizeof email, "%s@%s.example", username, account);
  snprintf(list, sizeof list, "%s", roles);
  argv[n++] = "person";
  argv[n++] = "create";
  argv[n++] = "--account";
  argv[n++] = (char *)account;
  argv[n++] = "--username";
  argv[n++] = (char *)username;
  argv[n++] = "--first-name";
  argv[n++] = (char *)username;
  argv[n++] = "--last-name";
  argv[n++] = "Tester";
  argv[n++] = "--email";
  argv[n++] = email;
  bool tech = false;
  for (char *save = NULL, *r = strtok_r(list, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
    argv[n++] = "--role";
    argv[n++] = r;
    tech |= !strcmp(r, "technician");
  }
  int st = 0;
  if (tech) {
    snprintf(sup, sizeof sup, "%s-sup", username);
    free(th_person_token(s, account, sup, "supervisor"));
    argv[n++] = "--supervisor";
    argv[n++] = sup;
  }
  char *cmd[48];
  int m = 0;
  cmd[m++] = RD_BUILD_DIR "/rolodesk";
  cmd[m++] = "--db";
  cmd[m++] = s->db;
  for (int i = 0; i < n; i++)
    cmd[m++] = argv[i];
  cmd[m] = NULL;
  cr_assert_eq(run(cmd, NULL, NULL), 0, "person create %s failed", username);
  char *out = th_cli(s, NULL, &st, "token", "create", "--account", account, "--username",
                     username, NULL);
  cr_assert_eq(st, 0);
  out[strcspn(out, "\n")] = 0;
  return out;
}

typedef struct buf {
  char *p;
  size_t len;
} buf;

static size_t collect(char *ptr, size_t size, size_t nmemb, void *ud) {
  buf *b = ud;
  size_t n = size * nmemb;
  b->p = realloc(b->p, b->len + n + 1);
  memcpy(b->p + b->len, ptr, n);
  b->len += n;
  b->p[b->len] = 0;
  return n;
}

th_resp th_req(th_server *s, const char *method, const char *path, const char *token,
               const char *body, const char *content_type, const char *extra_header) {
  return th_req_len(s, method, path, token, body, body ? strlen(body) : 0, content_type,
                    extra_header);
}

th_resp th_req_len(th_server *s, const char *method, const char *path, const char *token,
                   const char *body, size_t len, const char *content_type,
                   const char *extra_header) {
  CURL *c = curl_easy_init();
  cr_assert(c);
  char url[4096], auth[256], ct[256];
  snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s->port, path);
  struct curl_slist *h = NULL;
  if (token) {
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    h = curl_slist_append(h, auth);
  }
  if (body || content_type) {
    snprintf(ct, sizeof ct, "Content-Type: %s", content_type ? content_type : "application/json");
    h = curl_slist_append(h, ct);
  }
  if (extra_header)
    h = curl_slist_append(h, extra_header);
  h = curl_slist_append(h, "Expect:");
  buf b = {calloc(1, 1), 0}, hd = {calloc(1, 1), 0};
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &hd);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
  CURLcode rc = curl_easy_perform(c);
  cr_assert_eq(rc, CURLE_OK, "%s %s: %s", method, path, curl_easy_strerror(rc));
  th_resp r = {0};
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  r.body = b.p;
  r.len = b.len;
  r.headers = hd.p;
  r.json = json_loadb(b.p, b.len, JSON_DECODE_ANY, NULL);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  return r;
}

th_resp th_get(th_server *s, const char *token, const char *path) {
  return th_req(s, "GET", path, token, NULL, NULL, NULL);
}

th_resp th_json(th_server *s, const char *method, const char *token, const char *path,
                const char *fmt, ...) {
  char *body = NULL;
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    json_error_t je;
    json_t *j = json_vpack_ex(&je, 0, fmt, ap);
    va_end(ap);
    cr_assert(j, "bad test JSON: %s", je.text);
    body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
  }
  th_resp r = th_req(s, method, path, token, body, fmt ? "application/json" : NULL, NULL);
  free(body);
  return r;
}

const char *th_header(th_resp *r, const char *name) {
  static char value[4096];
  size_t n = strlen(name);
  for (char *line = r->headers; line && *line;) {
    char *end = strstr(line, "\r\n");
    if (!strncasecmp(line, name, n) && line[n] == ':') {
      const char *v = line + n + 1;
      while (*v == ' ')
        v++;
      size_t len = end ? (size_t)(end - v) : strlen(v);
      if (len >= sizeof value)
        len = sizeof value - 1;
      memcpy(value, v, len);
      value[len] = 0;
      return value;
    }
    line = end ? end + 2 : NULL;
  }
  return NULL;
}

void th_resp_free(th_resp *r) {
  free(r->body);
  free(r->headers);
  json_decref(r->json);
  memset(r, 0, sizeof *r);
}

json_t *th_jpath(json_t *j, const char *path) {
  const char *p = path;
  while (j && *p) {
    if (*p == '.') {
      p++;
    } else if (*p == '[') {
      char *end = NULL;
      unsigned long i = strtoul(p + 1, &end, 10);
      if (!end || *end != ']')
        return NULL;
      j = json_array_get(j, i);
      p = end + 1;
    } else {
      size_t n = strcspn(p, ".[");
      char key[256];
      if (n >= sizeof key)
        return NULL;
      memcpy(key, p, n);
      key[n] = 0;
      j = json_object_get(j, key);
      p += n;
    }
  }
  return j;
}

const char *th_jstr(json_t *j, const char *path) {
  return json_string_value(th_jpath(j, path));
}

void th_assert_error(th_resp *r, long status, const char *field) {
  cr_assert_eq(r->status, status, "expected %ld, got %ld: %s", status, r->status, r->body);
  cr_assert(json_is_object(r->json), "error body is not JSON: %s", r->body);
  cr_assert(json_is_string(json_object_get(r->json, "message")), "no message: %s", r->body);
  json_t *errors = json_object_get(r->json, "errors");
  cr_assert(json_is_array(errors), "no errors array: %s", r->body);
  if (!field)
    return;
  size_t i;
  json_t *e;
  json_array_foreach(errors, i, e) {
    const char *f = json_string_value(json_object_get(e, "field"));
    if (f && !strcmp(f, field))
      return;
  }
  cr_assert_fail("no error for field '%s': %s", field, r->body);
}

long long th_create(th_server *s, const char *token, const char *path, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  json_error_t je;
  json_t *j = json_vpack_ex(&je, 0, fmt, ap);
  va_end(ap);
  cr_assert(j, "bad test JSON: %s", je.text);
  char *body = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  th_resp r = th_req(s, "POST", path, token, body, "application/json", NULL);
  free(body);
  cr_assert_eq(r.status, 201, "POST %s: %ld %s", path, r.status, r.body);
  long long id = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  return id;
}

static void with_db(th_server *s, const char *sql, long long *out) {
  rd_db *db = NULL;
  rd_conn *c = NULL;
  rd_err err;
  rd_err_clear(&err);
  cr_assert_eq(rd_db_open(s->db, false, &db, &err), 0, "%s", err.message);
  cr_assert_eq(rd_db_acquire(db, &c, &err), 0, "%s", err.message);
  int64_t v = 0;
  int rv = out ? rd_sql_int64(c, &v, &err, sql, "") : rd_sql_exec(c, NULL, &err, sql, "");
  cr_assert_geq(rv, 0, "%s: %s", sql, err.message);
  if (out)
    *out = v;
  rd_db_release(db, c);
  rd_db_free(db);
}

void th_sql(th_server *s, const char *sql) {
  with_db(s, sql, NULL);
}

long long th_sql_int(th_server *s, const char *sql) {
  long long v = 0;
  with_db(s, sql, &v);
  return v;
}

void th_outbox_drain(th_server *s) {
  for (int i = 0; i < 400; i++) {
    if (th_sql_int(s, "SELECT COUNT(*) FROM outbox WHERE state IN ('queued', 'sending')") == 0)
      return;
    usleep(50000);
  }
  cr_assert_fail("the outbox did not drain");
}
