/* Two daemons on one database (SPEC §1: several rolodeskd behind a load balancer), hammered
 * from many threads at once: conditional updates (If-Match) let exactly one writer win and
 * lose nothing, unique usernames, email addresses and account ids hold under concurrent
 * creates (409), and every successful change has its audit row (ACC-6). Runs on SQLite
 * (two processes on one WAL file) and on PostgreSQL. On PostgreSQL also: a daemon whose
 * database connection is killed answers that request 503 and the next ones normally. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/harness.h"

static th_server A, B; /* B is a second daemon on A's database */
static char *admin;

static void setup(void) {
  curl_global_init(CURL_GLOBAL_ALL);
  th_start(&A);
  th_account(&A, "wdc", "Widget Data Center");
  admin = th_person_token(&A, "wdc", "admin", "account_administrator");
  B = A;
  th_start_daemon(&B);
  B.pg_name[0] = 0; /* A owns the database and the directory */
  B.dir[0] = 0;
}
/* Idempotent: a skipped test calls it itself (Criterion runs no .fini after a skip). */
static void teardown(void) {
  th_stop(&B);
  th_stop(&A);
  free(admin);
  admin = NULL;
}
TestSuite(concurrency, .init = setup, .fini = teardown, .timeout = 180);

/* ---- HTTP from worker threads: no cr_assert off the main thread ---- */

typedef struct call_buf {
  char *p;
  size_t len;
} call_buf;

static size_t collect(char *ptr, size_t size, size_t nmemb, void *ud) {
  call_buf *b = ud;
  size_t n = size * nmemb;
  char *grown = realloc(b->p, b->len + n + 1);
  if (!grown)
    return 0;
  b->p = grown;
  memcpy(b->p + b->len, ptr, n);
  b->len += n;
  b->p[b->len] = 0;
  return n;
}

typedef struct reply {
  long status;      /* 0: the request itself failed */
  long long etag;   /* version from ETag, -1 without one */
  json_t *json;     /* parsed body (caller decrefs), may be NULL */
} reply;

/* One request to the daemon on port; if_match >= 0 sends If-Match: "if_match". */
static reply call(int port, const char *method, const char *path, long long if_match,
                  const char *body) {
  reply r = {.etag = -1};
  CURL *c = curl_easy_init();
  if (!c)
    return r;
  char url[512], auth[256], im[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
  snprintf(auth, sizeof auth, "Authorization: Bearer %s", admin);
  struct curl_slist *h = curl_slist_append(NULL, auth);
  h = curl_slist_append(h, "Expect:");
  if (body)
    h = curl_slist_append(h, "Content-Type: application/json");
  if (if_match >= 0) {
    snprintf(im, sizeof im, "If-Match: \"%lld\"", if_match);
    h = curl_slist_append(h, im);
  }
  call_buf b = {0}, hd = {0};
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  if (body)
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &hd);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (curl_easy_perform(c) == CURLE_OK) {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    const char *e = hd.p ? strstr(hd.p, "ETag: \"") : NULL;
    if (e)
      r.etag = strtoll(e + 7, NULL, 10);
    if (b.p)
      r.json = json_loads(b.p, 0, NULL);
  }
  free(b.p);
  free(hd.p);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  return r;
}

static int port_of(int i) {
  return i % 2 ? B.port : A.port;
}

static long long version_of(long long org_id) {
  char path[64];
  snprintf(path, sizeof path, "/v1/organizations/%lld", org_id);
  reply r = call(A.port, "GET", path, -1, NULL);
  cr_assert_eq(r.status, 200);
  json_decref(r.json);
  return r.etag;
}

/* Audit rows (ACC-6) of one organization with the given action, over every page. */
static int audit_rows(long long org_id, const char *action) {
  int n = 0;
  char path[256];
  snprintf(path, sizeof path, "/v1/audit?record_type=organization&record_id=%lld&per_page=100",
           org_id);
  for (;;) {
    th_resp r = th_get(&A, admin, path);
    cr_assert_eq(r.status, 200, "%s", r.body);
    size_t i;
    json_t *e;
    json_array_foreach(r.json, i, e) {
      const char *a = json_string_value(json_object_get(e, "action"));
      n += a && !strcmp(a, action);
    }
    const char *link = th_header(&r, "Link");
    const char *lt = link ? strchr(link, '<') : NULL, *gt = lt ? strchr(lt, '>') : NULL;
    if (!lt || !gt) {
      th_resp_free(&r);
      return n;
    }
    snprintf(path, sizeof path, "%.*s", (int)(gt - lt - 1), lt + 1);
    th_resp_free(&r);
  }
}

/* ---- (a) the same If-Match from many clients: exactly one wins ---- */

enum { RACERS = 16 };

typedef struct racer {
  int i, round;
  long long org, version;
  pthread_barrier_t *go;
  long status;
} racer;

static void *race_patch(void *arg) {
  racer *r = arg;
  char path[64], body[64];
  snprintf(path, sizeof path, "/v1/organizations/%lld", r->org);
  /* A name no round had: a PATCH that changes nothing is not a write (issue 11). */
  snprintf(body, sizeof body, "{\"name\":\"winner %d of round %d\"}", r->i, r->round);
  pthread_barrier_wait(r->go);
  reply rep = call(port_of(r->i), "PATCH", path, r->version, body);
  r->status = rep.status;
  json_decref(rep.json);
  return NULL;
}

Test(concurrency, ACC6_same_if_match_from_two_daemons_exactly_one_wins) {
  long long org = th_create(&A, admin, "/v1/organizations", "{s:s}", "name", "Contested");
  long long v = version_of(org);
  for (int round = 0; round < 3; round++) {
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, RACERS);
    racer r[RACERS];
    pthread_t th[RACERS];
    for (int i = 0; i < RACERS; i++) {
      r[i] = (racer){.i = i, .round = round, .org = org, .version = v, .go = &go};
      cr_assert_eq(pthread_create(&th[i], NULL, race_patch, &r[i]), 0);
    }
    int ok = 0, stale = 0, winner = -1;
    for (int i = 0; i < RACERS; i++) {
      pthread_join(th[i], NULL);
      if (r[i].status == 200) {
        ok++;
        winner = i;
      } else if (r[i].status == 412) {
        stale++;
      } else {
        cr_assert_fail("racer %d: status %ld (want 200 or 412)", i, r[i].status);
      }
    }
    pthread_barrier_destroy(&go);
    cr_assert_eq(ok, 1, "round %d: %d winners", round, ok);
    cr_assert_eq(stale, RACERS - 1);
    char path[64], want[32];
    snprintf(path, sizeof path, "/v1/organizations/%lld", org);
    snprintf(want, sizeof want, "winner %d of round %d", winner, round);
    th_resp got = th_get(&B, admin, path);
    cr_assert_eq(got.status, 200);
    cr_assert_str_eq(th_jstr(got.json, "name"), want, "the stored name is the winner's");
    th_resp_free(&got);
    cr_assert_eq(version_of(org), v + 1, "one update, one version");
    v++;
  }
  cr_assert_eq(audit_rows(org, "update"), 3, "ACC-6: one audit row per successful update");
}

/* ---- (b) read-modify-write loops: nothing lost ---- */

enum { WORKERS = 6, INCREMENTS = 12, MAX_TRIES = 400 };

typedef struct incrementer {
  int i;
  long long org;
  int done, conflicts, errors;
  long last_bad;
} incrementer;

static void *increment(void *arg) {
  incrementer *w = arg;
  char path[64];
  snprintf(path, sizeof path, "/v1/organizations/%lld", w->org);
  for (int tries = 0; w->done < INCREMENTS && tries < MAX_TRIES; tries++) {
    int port = port_of(w->i + tries); /* read and write through either daemon */
    reply cur = call(port, "GET", path, -1, NULL);
    if (cur.status != 200) {
      w->errors++;
      w->last_bad = cur.status;
      json_decref(cur.json);
      continue;
    }
    const char *fin = json_string_value(json_object_get(cur.json, "financial_id"));
    long long n = fin ? strtoll(fin, NULL, 10) : 0;
    json_decref(cur.json);
    char body[64];
    snprintf(body, sizeof body, "{\"financial_id\":\"%lld\"}", n + 1);
    reply up = call(port_of(w->i + tries + 1), "PATCH", path, cur.etag, body);
    json_decref(up.json);
    if (up.status == 200) {
      w->done++;
    } else if (up.status == 412) {
      w->conflicts++;
    } else {
      w->errors++;
      w->last_bad = up.status;
    }
  }
  return NULL;
}

Test(concurrency, ACC6_read_modify_write_with_if_match_loses_no_update) {
  long long org = th_create(&A, admin, "/v1/organizations", "{s:s,s:s}", "name", "Counter",
                            "financial_id", "0");
  long long v0 = version_of(org);
  incrementer w[WORKERS];
  pthread_t th[WORKERS];
  for (int i = 0; i < WORKERS; i++) {
    w[i] = (incrementer){.i = i, .org = org};
    cr_assert_eq(pthread_create(&th[i], NULL, increment, &w[i]), 0);
  }
  int total = 0, conflicts = 0;
  for (int i = 0; i < WORKERS; i++) {
    pthread_join(th[i], NULL);
    cr_assert_eq(w[i].errors, 0, "worker %d: %d unexpected answers, last %ld", i, w[i].errors,
                 w[i].last_bad);
    cr_assert_eq(w[i].done, INCREMENTS, "worker %d gave up after %d conflicts", i, w[i].conflicts);
    total += w[i].done;
    conflicts += w[i].conflicts;
  }
  char path[64];
  snprintf(path, sizeof path, "/v1/organizations/%lld", org);
  th_resp r = th_get(&B, admin, path);
  cr_assert_eq(r.status, 200);
  char want[16];
  snprintf(want, sizeof want, "%d", total);
  cr_assert_str_eq(th_jstr(r.json, "financial_id"), want,
                   "final value = successful updates (%d conflicts were retried)", conflicts);
  th_resp_free(&r);
  cr_assert_eq(version_of(org), v0 + total);
  cr_assert_eq(audit_rows(org, "update"), total, "ACC-6: audit rows = successful updates");
}

/* ---- (c, d) concurrent creates of the same unique value ---- */

typedef struct creator {
  int i;
  const char *username_fmt, *email_fmt; /* %d is the creator's index, or a constant */
  pthread_barrier_t *go;
  long status;
  char field[64];
} creator;

static void *create_person(void *arg) {
  creator *c = arg;
  char user[64], email[96], body[512];
  snprintf(user, sizeof user, c->username_fmt, c->i);
  snprintf(email, sizeof email, c->email_fmt, c->i);
  snprintf(body, sizeof body,
           "{\"username\":\"%s\",\"first_name\":\"Pat\",\"last_name\":\"Doe\","
           "\"primary_email\":\"%s\",\"roles\":[\"customer\"]}",
           user, email);
  pthread_barrier_wait(c->go);
  reply r = call(port_of(c->i), "POST", "/v1/people", -1, body);
  c->status = r.status;
  json_t *errs = json_object_get(r.json, "errors");
  const char *f = json_string_value(json_object_get(json_array_get(errs, 0), "field"));
  snprintf(c->field, sizeof c->field, "%s", f ? f : "");
  json_decref(r.json);
  return NULL;
}

/* Creates RACERS people at once; asserts one 201 and 409s naming field. */
static void create_race(const char *username_fmt, const char *email_fmt, const char *field) {
  pthread_barrier_t go;
  pthread_barrier_init(&go, NULL, RACERS);
  creator c[RACERS];
  pthread_t th[RACERS];
  for (int i = 0; i < RACERS; i++) {
    c[i] = (creator){.i = i, .username_fmt = username_fmt, .email_fmt = email_fmt, .go = &go};
    cr_assert_eq(pthread_create(&th[i], NULL, create_person, &c[i]), 0);
  }
  int created = 0;
  for (int i = 0; i < RACERS; i++) {
    pthread_join(th[i], NULL);
    if (c[i].status == 201) {
      created++;
      continue;
    }
    cr_assert_eq(c[i].status, 409, "creator %d: status %ld (want 201 or 409)", i, c[i].status);
    cr_assert_str_eq(c[i].field, field, "creator %d: the 409 names %s", i, field);
  }
  pthread_barrier_destroy(&go);
  cr_assert_eq(created, 1, "%d of %d concurrent creates succeeded", created, RACERS);
}

static int people_matching(const char *query) {
  char path[256];
  snprintf(path, sizeof path, "/v1/people?per_page=100&%s", query);
  th_resp r = th_get(&A, admin, path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  int n = (int)json_array_size(r.json);
  th_resp_free(&r);
  return n;
}

Test(concurrency, CUST1_concurrent_creates_with_one_username_make_one_person) {
  create_race("same.user", "same.user.%d@wdc.example", "username");
  cr_assert_eq(people_matching("username=same.user"), 1);
}

Test(concurrency, CUST2_concurrent_creates_with_one_email_make_one_person) {
  create_race("mail.user.%d", "shared@wdc.example", "primary_email");
  cr_assert_eq(people_matching("email=shared@wdc.example"), 1);
}

Test(concurrency, ACC1_concurrent_account_creates_with_one_id_make_one_account) {
  /* Accounts are created by the CLI: several at once, as several operators might. */
  pid_t pids[RACERS];
  for (int i = 0; i < RACERS; i++) {
    pids[i] = fork();
    cr_assert(pids[i] >= 0);
    if (pids[i] == 0) {
      FILE *devnull = freopen("/dev/null", "w", stdout);
      devnull = freopen("/dev/null", "w", stderr);
      (void)devnull;
      execl(RD_BUILD_DIR "/rolodesk", "rolodesk", "--db", A.db, "account", "create", "twin",
            "Twin", (char *)NULL);
      _exit(127);
    }
  }
  int ok = 0;
  for (int i = 0; i < RACERS; i++) {
    int st = 0;
    waitpid(pids[i], &st, 0);
    cr_assert(WIFEXITED(st), "rolodesk %d died", i);
    if (WEXITSTATUS(st) == 0)
      ok++;
    else
      cr_assert_eq(WEXITSTATUS(st), 1, "a refused create exits 1");
  }
  cr_assert_eq(ok, 1, "%d of %d concurrent account creates succeeded", ok, RACERS);
  /* the one account works: an administrator can be made in it */
  free(th_person_token(&A, "twin", "twinadmin", "account_administrator"));
}

/* ---- PostgreSQL: connections killed under a running daemon ---- */

/* Runs SQL on the test server's database of A as another client; returns psql's first
 * output line (static) or "" . */
static const char *psql(const char *app, const char *sql) {
  static char line[256];
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "/usr/bin/psql -At -v ON_ERROR_STOP=1 -d '%s?application_name=%s' -c \"%s\" 2>&1",
           A.db, app, sql);
  FILE *p = popen(cmd, "r");
  cr_assert(p);
  line[0] = 0;
  if (!fgets(line, sizeof line, p))
    line[0] = 0;
  line[strcspn(line, "\n")] = 0;
  char rest[256];
  while (fgets(rest, sizeof rest, p))
    ;
  pclose(p);
  return line;
}

/* Terminates the daemons' server connections, and waits until those are gone (the
 * daemons' background workers open new ones at once: waiting for none would wait for
 * ever). Returns how many were terminated. */
static int kill_daemon_connections(const char *extra_condition) {
  char sql[512], pids[256];
  snprintf(sql, sizeof sql,
           "WITH k AS MATERIALIZED (SELECT pid, pg_terminate_backend(pid) AS done FROM"
           " pg_stat_activity WHERE datname = current_database() AND application_name ="
           " 'rolodesk' %s) SELECT COALESCE(string_agg(pid::text, ','), '') FROM k WHERE done",
           extra_condition);
  snprintf(pids, sizeof pids, "%s", psql("rd_test_admin", sql));
  if (!pids[0])
    return 0;
  snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM pg_stat_activity WHERE pid IN (%s)", pids);
  for (int i = 0; i < 500 && strcmp(psql("rd_test_admin", sql), "0"); i++)
    usleep(10000);
  int n = 1;
  for (const char *p = pids; *p; p++)
    n += *p == ',';
  return n;
}

typedef struct waiter {
  long status;
  char message[256];
} waiter;

static void *blocked_list(void *arg) {
  waiter *w = arg;
  /* A page not read before: the page cache answers one it keeps without reading the
   * (locked) organizations table. */
  reply r = call(A.port, "GET", "/v1/organizations?per_page=7", -1, NULL);
  w->status = r.status;
  const char *m = json_string_value(json_object_get(r.json, "message"));
  snprintf(w->message, sizeof w->message, "%s", m ? m : "");
  json_decref(r.json);
  return NULL;
}

static void holds_lock(const char *db) {
  /* a client that locks organizations for a while, so the daemon's query waits */
  char uri[600];
  snprintf(uri, sizeof uri, "%s?application_name=rd_lock_holder", db);
  execl("/usr/bin/psql", "psql", "-q", "-d", uri, "-c",
        "BEGIN; LOCK TABLE organizations IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(20); COMMIT;",
        (char *)NULL);
  _exit(127);
}

Test(concurrency, killed_database_connection_answers_503_then_recovers) {
  if (strcmp(th_backend(), "postgresql")) {
    teardown();
    cr_skip_test("PostgreSQL only: SQLite has no connection to lose");
  }
  th_create(&A, admin, "/v1/organizations", "{s:s}", "name", "Before");
  /* 1. idle connections killed between requests: the pool replaces them unseen */
  for (int i = 0; i < 6; i++) {
    reply r = call(port_of(i), "GET", "/v1/organizations", -1, NULL);
    cr_assert_eq(r.status, 200);
    json_decref(r.json);
  }
  cr_assert_gt(kill_daemon_connections(""), 0, "the daemons had connections to kill");
  for (int i = 0; i < 10; i++) {
    reply r = call(port_of(i), "GET", "/v1/organizations", -1, NULL);
    cr_assert_eq(r.status, 200, "request %d after the kill: %ld", i, r.status);
    json_decref(r.json);
  }
  /* 2. the connection killed while a request runs on it: that request gets 503 */
  pid_t holder = fork();
  cr_assert(holder >= 0);
  if (holder == 0) {
    FILE *devnull = freopen("/dev/null", "w", stdout);
    (void)devnull;
    holds_lock(A.db);
  }
  for (int i = 0; i < 500; i++) {
    if (!strcmp(psql("rd_test_admin", "SELECT COUNT(*) FROM pg_locks l JOIN pg_stat_activity a"
                                      " ON a.pid = l.pid WHERE a.application_name ="
                                      " 'rd_lock_holder' AND l.mode = 'AccessExclusiveLock'"
                                      " AND l.granted"),
                "1"))
      break;
    usleep(10000);
  }
  waiter w = {0};
  pthread_t th;
  cr_assert_eq(pthread_create(&th, NULL, blocked_list, &w), 0);
  int killed = 0;
  for (int i = 0; i < 500 && !killed; i++) {
    killed = (int)strtol(psql("rd_test_admin",
                              "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
                              " WHERE datname = current_database() AND application_name ="
                              " 'rolodesk' AND wait_event_type = 'Lock'"),
                         NULL, 10);
    if (!killed)
      usleep(10000);
  }
  pthread_join(th, NULL);
  psql("rd_test_admin", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE"
                        " application_name = 'rd_lock_holder'");
  kill(holder, SIGTERM);
  waitpid(holder, NULL, 0);
  cr_assert_eq(killed, 1, "the daemon's request was waiting on the lock");
  cr_assert_eq(w.status, 503, "the request on the killed connection: %ld %s", w.status, w.message);
  cr_assert(strstr(w.message, "PostgreSQL"), "a clear message: %s", w.message);
  /* 3. and then everything works again, on both daemons, reads and writes */
  for (int i = 0; i < 10; i++) {
    reply r = call(port_of(i), "GET", "/v1/organizations", -1, NULL);
    cr_assert_eq(r.status, 200, "request %d after the 503: %ld", i, r.status);
    json_decref(r.json);
  }
  th_create(&B, admin, "/v1/organizations", "{s:s}", "name", "After");
}
