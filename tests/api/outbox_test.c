/* End-to-end tests of the mail outbox (ACC-8, CUST-6, REL-1): requests only queue mail and
 * answer at once, whatever the SMTP server does (a silent one stalls nobody); the outbox
 * workers deliver, retry with backoff, scrub the text, and report in GET /v1/outbox;
 * links start with --public-url whatever the request's Host says; several daemons send
 * each message once; settings.smtp.port takes mail ports only, and every failure to talk
 * to a server reads the same. SMTP listeners on loopback: tests/harness/smtp_sink.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "domain/mail.h"
#include "harness/harness.h"
#include "harness/smtp_sink.h"
#include "store/store.h"

#define PUBLIC_URL "https://desk.example.com"

static th_server S;
static th_smtp *SMTP;

static void setup(void) {
  th_init_db(&S);
  /* The sinks listen on ephemeral ports, which an installation allows explicitly. */
  S.daemon_args[0] = "--smtp-ports";
  S.daemon_args[1] = "25,465,587,2525,1024-65535";
  S.daemon_args[2] = "--mail-retry";
  S.daemon_args[3] = "1";
  S.daemon_args[4] = "--public-url";
  S.daemon_args[5] = PUBLIC_URL "/"; /* the trailing slash is trimmed */
  th_start_daemon(&S);
  th_account(&S, "wdc", "Widget Data Center");
  th_account(&S, "gigatera", "GigaTera");
  SMTP = th_smtp_start(TH_SMTP_ACCEPT, 0);
  cr_assert_not_null(SMTP);
}
static void teardown(void) {
  th_smtp_stop(SMTP);
  th_stop(&S);
}
TestSuite(outbox, .init = setup, .fini = teardown, .timeout = 120);

static const char *admin(void) {
  return th_token(&S, "wdc", "admin", "account_administrator");
}

static long ms_since(const struct timespec *t0) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void settings(const char *token, const char *json) {
  char body[512];
  snprintf(body, sizeof body, "{\"settings\": %s}", json);
  th_resp r = th_req(&S, "PATCH", "/v1/account", token, body, NULL, NULL);
  cr_assert_eq(r.status, 200, "%s: %s", body, r.body);
  th_resp_free(&r);
}

/* SMTP of the account of token (an administrator) at 127.0.0.1:port; random passwords
 * on (credentials mail sets one) when random. */
static void smtp_at(const char *token, int port, int timeout, bool random) {
  char json[300];
  snprintf(json, sizeof json,
           "{\"random_passwords\": %s, \"smtp\": {\"host\": \"127.0.0.1\", \"port\": %d,"
           " \"from\": \"desk@wdc.example\", \"timeout\": %d}}",
           random ? "true" : "false", port, timeout);
  settings(token, json);
}

static long long customer(const char *token, const char *username) {
  char email[128];
  snprintf(email, sizeof email, "%s@wdc.example", username);
  return th_create(&S, token, "/v1/people", "{s:s,s:s,s:s,s:s,s:[s]}", "first_name", "Ann",
                   "last_name", "Lee", "username", username, "primary_email", email, "roles",
                   "customer");
}

static th_resp send_credentials(const char *token, long long id, const char *header) {
  char p[96];
  snprintf(p, sizeof p, "/v1/people/%lld/credentials_email", id);
  return th_req(&S, "POST", p, token, NULL, NULL, header);
}

static th_resp forgot(const char *body, const char *header) {
  return th_req(&S, "POST", "/v1/password_reset", NULL, body, "application/json", header);
}

/* The message as received with quoted-printable soft breaks undone (enough to read a
 * link, whose characters are all literal). Caller frees. */
static char *unfolded(th_smtp_msg *m) {
  char *out = strdup(m->data), *w = out;
  for (const char *p = m->data; *p;) {
    if (p[0] == '=' && p[1] == '\r' && p[2] == '\n')
      p += 3;
    else
      *w++ = *p++;
  }
  *w = 0;
  return out;
}

static int64_t db_int(const char *sql) {
  return th_sql_int(&S, sql);
}

static void drain(void) {
  th_outbox_drain(&S);
}

/* GET /v1/outbox[query] as token; the array (caller decrefs). */
static json_t *outbox(const char *token, const char *query) {
  char p[128];
  snprintf(p, sizeof p, "/v1/outbox%s", query ? query : "");
  th_resp r = th_get(&S, token, p);
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_t *j = json_incref(r.json);
  th_resp_free(&r);
  return j;
}

/* Waits up to 20 s until message id is in state with at least attempts attempts; returns
 * its outbox entry (caller decrefs). */
static json_t *wait_state(long long id, const char *state, int attempts) {
  for (int i = 0; i < 400; i++) {
    json_t *list = outbox(admin(), "?per_page=100");
    size_t k;
    json_t *m;
    json_array_foreach(list, k, m) {
      if (json_integer_value(json_object_get(m, "id")) == id &&
          !strcmp(th_jstr(m, "state"), state) &&
          json_integer_value(json_object_get(m, "attempts")) >= attempts) {
        json_incref(m);
        json_decref(list);
        return m;
      }
    }
    json_decref(list);
    usleep(50000);
  }
  cr_assert_fail("message %lld never reached %s (attempt %d)", id, state, attempts);
  return NULL;
}

/* ---- links ---- */

Test(outbox, ACC8_links_start_with_public_url_whatever_the_host_header) {
  smtp_at(admin(), th_smtp_port(SMTP), 10, false);
  settings(admin(), "{\"password_questions\": true}");
  long long id = customer(admin(), "ann");
  char p[96];
  snprintf(p, sizeof p, "/v1/people/%lld/security_questions", id);
  th_resp r = th_req(&S, "PUT", p, admin(), "{\"questions\": [{\"question\": \"Pet?\", \"answer\": \"Rex\"}]}",
             NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  /* Staff mail, with a forged Host; and the person's own request, with forwarding
   * headers: neither names the host of the link. */
  r = send_credentials(admin(), id, "Host: attacker.example");
  cr_assert_eq(r.status, 202, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "kind"), "reset_link");
  th_resp_free(&r);
  r = forgot("{\"account\": \"wdc\", \"username\": \"ann\"}", "X-Forwarded-Host: attacker.example");
  cr_assert_eq(r.status, 202, "%s", r.body);
  th_resp_free(&r);
  r = forgot("{\"account\": \"wdc\", \"username\": \"ann\"}", "Host: attacker.example:8080");
  cr_assert_eq(r.status, 202, "%s", r.body);
  th_resp_free(&r);
  for (int i = 0; i < 3; i++) {
    th_smtp_msg *m = th_smtp_wait(SMTP, i, 10000);
    cr_assert_not_null(m, "mail %d did not arrive", i);
    char *text = unfolded(m);
    cr_assert_null(strstr(text, "attacker"), "a request header made the link:\n%s", text);
    char *link = strstr(text, PUBLIC_URL "/v1/password_reset/");
    cr_assert_not_null(link, "the link does not start with --public-url:\n%s", text);
    /* The link works (against this daemon: the public URL names where it is reached). */
    char path[128];
    snprintf(path, sizeof path, "%.*s", (int)strcspn(link + strlen(PUBLIC_URL), "\r\n "),
             link + strlen(PUBLIC_URL));
    r = th_req(&S, "GET", path, NULL, NULL, NULL, "Accept: application/json");
    cr_assert_eq(r.status, 200, "%s: %s", path, r.body);
    th_resp_free(&r);
    free(text);
    th_smtp_msg_free(m);
  }
}

/* rolodeskd with args; its exit status, and its stderr in err (cap bytes). */
static int daemon_exit(const char *const *args, char *err, size_t cap) {
  char path[300];
  snprintf(path, sizeof path, "%s/stderr.txt", S.dir);
  pid_t pid = fork();
  cr_assert(pid >= 0);
  if (pid == 0) {
    FILE *f = freopen(path, "w", stderr);
    (void)f;
    const char *argv[16] = {"rolodeskd", "--db", S.db, "--listen", "127.0.0.1:0"};
    int n = 5;
    for (int i = 0; args[i] && n < 15; i++)
      argv[n++] = args[i];
    argv[n] = NULL;
    execv(RD_BUILD_DIR "/rolodeskd", (char *const *)argv);
    _exit(127);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(err, 1, cap - 1, f) : 0;
  err[n] = 0;
  if (f)
    fclose(f);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(outbox, ACC8_REL1_bad_public_url_or_smtp_ports_stop_the_start) {
  const char *bad[] = {"ftp://desk.example.com", "https://desk.example.com/?a=b",
                       "https://desk.example.com/#x", "desk.example.com", "https://",
                       "https://user@desk.example.com", "https://desk.example.com/a b"};
  char err[1024];
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    const char *args[] = {"--public-url", bad[i], NULL};
    cr_assert_eq(daemon_exit(args, err, sizeof err), 2, "%s was taken", bad[i]);
    cr_assert(strstr(err, "--public-url must be"), "%s: %s", bad[i], err);
  }
  const char *ports[] = {"", "25,", "0", "70000", "30-20", "25;587", "x"};
  for (size_t i = 0; i < sizeof ports / sizeof *ports; i++) {
    const char *args[] = {"--smtp-ports", ports[i], NULL};
    cr_assert_eq(daemon_exit(args, err, sizeof err), 2, "'%s' was taken", ports[i]);
  }
}

/* ---- no request waits on SMTP ---- */

Test(outbox, ACC8_REL1_silent_smtp_server_stalls_no_request) {
  th_smtp *silent = th_smtp_start(TH_SMTP_SILENT, 0);
  smtp_at(admin(), th_smtp_port(silent), 5, true);
  long long id = customer(admin(), "bob");
  struct timespec t0;
  /* Two unauthenticated requests for a person who exists, and one for nobody. */
  const char *asks[] = {"{\"account\": \"wdc\", \"username\": \"bob\"}",
                        "{\"account\": \"wdc\", \"email\": \"bob@wdc.example\"}",
                        "{\"account\": \"wdc\", \"username\": \"nobody\"}"};
  for (int i = 0; i < 3; i++) {
    clock_gettime(CLOCK_MONOTONIC, &t0);
    th_resp r = forgot(asks[i], NULL);
    long ms = ms_since(&t0);
    cr_assert_eq(r.status, 202, "%s", r.body);
    th_resp_free(&r);
    cr_assert_lt(ms, 1000, "password_reset %d took %ld ms", i, ms);
  }
  clock_gettime(CLOCK_MONOTONIC, &t0);
  th_resp r = send_credentials(admin(), id, NULL);
  long ms = ms_since(&t0);
  cr_assert_eq(r.status, 202, "%s", r.body);
  th_resp_free(&r);
  cr_assert_lt(ms, 1000, "credentials_email took %ld ms", ms);
  /* The workers are talking to the silent server now; the API answers anyway. */
  for (int i = 0; i < 100 && th_smtp_connections(silent) < 1; i++)
    usleep(50000);
  cr_assert_geq(th_smtp_connections(silent), 1, "no worker is waiting on the server");
  /* The best of five within 200 ms, none over a second (the machine may be loaded; a
   * request stuck behind SMTP would take the 5 s timeout or more). */
  long best = 1000000;
  for (int i = 0; i < 5; i++) {
    clock_gettime(CLOCK_MONOTONIC, &t0);
    r = th_get(&S, NULL, "/healthz");
    ms = ms_since(&t0);
    cr_assert_eq(r.status, 200);
    th_resp_free(&r);
    cr_assert_lt(ms, 1000, "/healthz took %ld ms while SMTP was silent", ms);
    best = ms < best ? ms : best;
    r = th_get(&S, admin(), "/v1/me");
    cr_assert_eq(r.status, 200);
    th_resp_free(&r);
  }
  cr_assert_lt(best, 200, "/healthz took %ld ms at best while SMTP was silent", best);
  cr_assert_eq(th_smtp_count(silent), 0);
  th_smtp_stop(silent);
}

Test(outbox, ACC8_forgot_password_does_the_same_work_for_anyone) {
  /* While the account's server keeps a worker waiting, its other messages wait too: what
   * the two requests stored can be looked at before any worker touches it. */
  th_smtp *silent = th_smtp_start(TH_SMTP_SILENT, 0);
  smtp_at(admin(), th_smtp_port(silent), 15, true);
  long long id = customer(admin(), "gil");
  th_resp r = send_credentials(admin(), id, NULL);
  cr_assert_eq(r.status, 202, "%s", r.body);
  th_resp_free(&r);
  for (int i = 0; i < 100 && th_smtp_connections(silent) < 1; i++)
    usleep(50000);
  cr_assert_geq(th_smtp_connections(silent), 1, "no worker is waiting on the server");
  char bodies[2][512];
  const char *asks[] = {"{\"account\": \"wdc\", \"username\": \"gil\"}",
                        "{\"account\": \"wdc\", \"username\": \"nobody\"}"};
  for (int i = 0; i < 2; i++) {
    r = forgot(asks[i], NULL);
    cr_assert_eq(r.status, 202, "%s", r.body);
    snprintf(bodies[i], sizeof bodies[i], "%s", r.body);
    th_resp_free(&r);
  }
  cr_assert_str_eq(bodies[0], bodies[1], "the answer tells who exists");
  /* One row each, alike but for what was asked: nothing was looked up. */
  cr_assert_eq(db_int("SELECT COUNT(*) FROM outbox WHERE kind = 'password_reset'"), 2);
  cr_assert_eq(db_int("SELECT COUNT(*) FROM outbox WHERE kind = 'password_reset'"
                      " AND account_id = 'wdc' AND state = 'queued' AND attempts = 0"
                      " AND recipient IS NULL AND person_id IS NULL AND body IS NULL"
                      " AND subject IS NULL AND request IS NOT NULL"),
               2);
  /* Not listed until composed. */
  json_t *list = outbox(admin(), NULL);
  cr_assert_eq(json_array_size(list), 1, "only the credentials mail");
  json_decref(list);
  th_smtp_stop(silent);
}

/* ---- delivery ---- */

Test(outbox, ACC8_CUST6_mail_is_delivered_by_the_worker_and_listed) {
  smtp_at(admin(), th_smtp_port(SMTP), 10, true);
  long long id = customer(admin(), "cleo");
  th_resp r = send_credentials(admin(), id, NULL);
  cr_assert_eq(r.status, 202, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "state"), "queued");
  long long mid = json_integer_value(th_jpath(r.json, "outbox_id"));
  cr_assert_gt(mid, 0, "%s", r.body);
  th_resp_free(&r);
  th_smtp_msg *m = th_smtp_wait(SMTP, 0, 10000);
  cr_assert_not_null(m, "the worker sent nothing");
  cr_assert_str_eq(m->rcpt, "cleo@wdc.example");
  th_smtp_msg_free(m);
  json_t *e = wait_state(mid, "sent", 1);
  cr_assert_str_eq(th_jstr(e, "to"), "cleo@wdc.example");
  cr_assert_str_eq(th_jstr(e, "kind"), "credentials");
  cr_assert_str_eq(th_jstr(e, "subject"), "Your new password for Widget Data Center");
  cr_assert_eq(json_integer_value(json_object_get(e, "attempts")), 1);
  cr_assert(json_is_null(json_object_get(e, "last_error")));
  cr_assert_not_null(th_jstr(e, "created_at"));
  cr_assert_not_null(th_jstr(e, "sent_at"));
  cr_assert_null(json_object_get(e, "body"), "the body is never listed");
  json_decref(e);
  json_t *list = outbox(admin(), "?state=sent");
  cr_assert_eq(json_array_size(list), 1);
  json_decref(list);
  list = outbox(admin(), "?state=failed");
  cr_assert_eq(json_array_size(list), 0);
  json_decref(list);
}

Test(outbox, ACC8_failed_attempts_are_retried_then_sent) {
  /* Nothing listens on the port: attempt 1 fails, the message waits (--mail-retry 1 s). */
  smtp_at(admin(), th_free_port(), 2, false);
  long long id = customer(admin(), "dan");
  th_resp r = send_credentials(admin(), id, NULL);
  cr_assert_eq(r.status, 202, "%s", r.body);
  long long mid = json_integer_value(th_jpath(r.json, "outbox_id"));
  th_resp_free(&r);
  json_t *e = wait_state(mid, "queued", 1);
  cr_assert_str_eq(th_jstr(e, "last_error"), RD_SMTP_UNREACHABLE);
  cr_assert_not_null(th_jstr(e, "next_attempt_at"));
  json_decref(e);
  /* The administrator fixes the settings; the next attempt reads them and succeeds. */
  smtp_at(admin(), th_smtp_port(SMTP), 10, false);
  th_smtp_msg *m = th_smtp_wait(SMTP, 0, 15000);
  cr_assert_not_null(m, "the retry sent nothing");
  th_smtp_msg_free(m);
  e = wait_state(mid, "sent", 2);
  cr_assert(json_is_null(json_object_get(e, "last_error")), "a sent message keeps no error");
  json_decref(e);
  cr_assert_eq(th_smtp_count(SMTP), 1);
}

Test(outbox, ACC8_connection_failures_all_read_the_same) {
  /* A closed port, a server that never answers, and a service that is not SMTP (this
   * daemon's own HTTP port): the administrator cannot tell them apart. */
  th_smtp *silent = th_smtp_start(TH_SMTP_SILENT, 0);
  int ports[] = {th_free_port(), th_smtp_port(silent), S.port};
  long long ids[3];
  for (int i = 0; i < 3; i++) {
    smtp_at(admin(), ports[i], 1, false);
    char name[16];
    snprintf(name, sizeof name, "eve%d", i);
    long long id = customer(admin(), name);
    th_resp r = send_credentials(admin(), id, NULL);
    cr_assert_eq(r.status, 202, "%s", r.body);
    ids[i] = json_integer_value(th_jpath(r.json, "outbox_id"));
    th_resp_free(&r);
    json_t *e = wait_state(ids[i], "queued", 1);
    cr_assert_str_eq(th_jstr(e, "last_error"), RD_SMTP_UNREACHABLE, "port %d: %s", ports[i],
                     th_jstr(e, "last_error"));
    json_decref(e);
    /* Parked, so the next one goes on its own. */
    smtp_at(admin(), 25, 1, false);
  }
  th_smtp_stop(silent);
}

Test(outbox, ACC8_texts_are_gone_once_sent) {
  smtp_at(admin(), th_smtp_port(SMTP), 10, true);
  long long id = customer(admin(), "fred");
  th_resp r = send_credentials(admin(), id, NULL);
  cr_assert_eq(r.status, 202, "%s", r.body);
  th_resp_free(&r);
  r = forgot("{\"account\": \"wdc\", \"username\": \"fred\"}", NULL);
  cr_assert_eq(r.status, 202, "%s", r.body);
  th_resp_free(&r);
  r = forgot("{\"account\": \"wdc\", \"username\": \"nobody\"}", NULL);
  cr_assert_eq(r.status, 202, "%s", r.body);
  th_resp_free(&r);
  drain();
  cr_assert_eq(th_smtp_count(SMTP), 2);
  /* The password and the link were in the bodies; a request named who was asked for. */
  cr_assert_eq(db_int("SELECT COUNT(*) FROM outbox WHERE body IS NOT NULL OR request IS NOT NULL"), 0);
  /* The request for nobody left nothing behind. */
  cr_assert_eq(db_int("SELECT COUNT(*) FROM outbox"), 2);
  json_t *list = outbox(admin(), NULL);
  cr_assert_eq(json_array_size(list), 2);
  cr_assert_str_eq(th_jstr(list, "[1].kind"), "password_reset");
  cr_assert_str_eq(th_jstr(list, "[1].state"), "sent");
  json_decref(list);
}

Test(outbox, ACC8_two_daemons_send_each_message_once) {
  th_server B = S;
  memset(B.daemon_args, 0, sizeof B.daemon_args);
  B.daemon_args[0] = "--smtp-ports";
  B.daemon_args[1] = "1024-65535";
  th_start_daemon(&B);
  B.pg_name[0] = 0; /* S owns the database and the directory */
  B.dir[0] = 0;
  const char *gt = th_token(&S, "gigatera", "gtadmin", "account_administrator");
  smtp_at(admin(), th_smtp_port(SMTP), 10, false);
  smtp_at(gt, th_smtp_port(SMTP), 10, false);
  enum { N = 6 };
  for (int i = 0; i < N; i++) {
    char name[16];
    snprintf(name, sizeof name, "w%d", i);
    th_resp r = send_credentials(admin(), customer(admin(), name), NULL);
    cr_assert_eq(r.status, 202, "%s", r.body);
    th_resp_free(&r);
    snprintf(name, sizeof name, "g%d", i);
    r = send_credentials(gt, customer(gt, name), NULL);
    cr_assert_eq(r.status, 202, "%s", r.body);
    th_resp_free(&r);
  }
  drain();
  usleep(500000); /* a second copy would be on its way by now */
  cr_assert_eq(th_smtp_count(SMTP), 2 * N, "%d messages for %d queued", th_smtp_count(SMTP), 2 * N);
  for (int i = 0; i < 2 * N; i++) {
    th_smtp_msg *m = th_smtp_wait(SMTP, i, 0);
    for (int j = i + 1; j < 2 * N; j++) {
      th_smtp_msg *o = th_smtp_wait(SMTP, j, 0);
      cr_assert_str_neq(m->rcpt, o->rcpt, "%s got two messages", m->rcpt);
      th_smtp_msg_free(o);
    }
    th_smtp_msg_free(m);
  }
  cr_assert_eq(db_int("SELECT COUNT(*) FROM outbox WHERE state = 'sent' AND attempts = 1"), 2 * N);
  th_stop(&B);
}

static void db_exec(const char *sql) {
  th_sql(&S, sql);
}

Test(outbox, ACC8_a_dead_daemons_message_is_taken_over_after_its_lease) {
  smtp_at(admin(), th_smtp_port(SMTP), 10, false);
  /* A message claimed by a daemon that died (its lease ran out), and one whose lease still
   * runs: the first is sent by the next claim, the second is left alone. */
  db_exec("INSERT INTO outbox (id, account_id, kind, recipient, subject, body, state, attempts,"
          " next_attempt_at, claimed_by, lease_until, created_at, updated_at) VALUES"
          " (900000001, 'wdc', 'credentials', 'ivy@wdc.example', 'Hello', 'Hello again', 'sending',"
          " 1, '2000-01-01T00:00:00Z', 'dead', '2000-01-01T00:05:00Z', '2000-01-01T00:00:00Z',"
          " '2000-01-01T00:00:00Z'),"
          " (900000002, 'gigatera', 'credentials', 'x@gigatera.example', 'Hello', 'Busy', 'sending',"
          " 1, '2000-01-01T00:00:00Z', 'alive', '2999-01-01T00:00:00Z', '2000-01-01T00:00:00Z',"
          " '2000-01-01T00:00:00Z')");
  th_smtp_msg *m = th_smtp_wait(SMTP, 0, 10000);
  cr_assert_not_null(m, "the message of the dead daemon was not taken over");
  cr_assert_str_eq(m->rcpt, "ivy@wdc.example");
  th_smtp_msg_free(m);
  json_t *e = wait_state(900000001, "sent", 2);
  json_decref(e);
  usleep(500000);
  cr_assert_eq(th_smtp_count(SMTP), 1, "a message under a live lease was sent");
  cr_assert_eq(db_int("SELECT COUNT(*) FROM outbox WHERE id = 900000002 AND claimed_by = 'alive'"
                      " AND state = 'sending'"),
               1);
}

/* ---- GET /v1/outbox: who, and bad input ---- */

Test(outbox, ACC8_REL1_outbox_list_roles_isolation_paging_bad_input) {
  smtp_at(admin(), th_smtp_port(SMTP), 10, false);
  for (int i = 0; i < 3; i++) {
    char name[16];
    snprintf(name, sizeof name, "h%d", i);
    th_resp r = send_credentials(admin(), customer(admin(), name), NULL);
    cr_assert_eq(r.status, 202, "%s", r.body);
    th_resp_free(&r);
  }
  drain();
  /* Paged, oldest first, with a Link to the next page. */
  th_resp r = th_get(&S, admin(), "/v1/outbox?per_page=2");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 2);
  cr_assert_str_eq(th_jstr(r.json, "[0].to"), "h0@wdc.example");
  const char *link = th_header(&r, "Link");
  cr_assert_not_null(link);
  char next[512];
  snprintf(next, sizeof next, "%.*s", (int)(strchr(link, '>') - link - 1), link + 1);
  th_resp_free(&r);
  r = th_get(&S, admin(), next);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 1);
  cr_assert_str_eq(th_jstr(r.json, "[0].to"), "h2@wdc.example");
  cr_assert_null(th_header(&r, "Link"));
  th_resp_free(&r);
  /* Another account sees none of them; other roles may not look. */
  json_t *other = outbox(th_token(&S, "gigatera", "gtadmin", "account_administrator"), NULL);
  cr_assert_eq(json_array_size(other), 0);
  json_decref(other);
  const char *roles[] = {"supervisor", "technician", "customer"};
  for (int i = 0; i < 3; i++) {
    char user[32];
    snprintf(user, sizeof user, "role%d", i);
    r = th_get(&S, th_token(&S, "wdc", user, roles[i]), "/v1/outbox");
    th_assert_error(&r, 403, NULL);
    th_resp_free(&r);
  }
  r = th_get(&S, NULL, "/v1/outbox");
  th_assert_error(&r, 401, NULL);
  th_resp_free(&r);
  static const char *const BAD[][2] = {{"/v1/outbox?state=lost", "state"},
                                       {"/v1/outbox?state=", "state"},
                                       {"/v1/outbox?to=x@y.z", "to"},
                                       {"/v1/outbox?per_page=0", "per_page"},
                                       {"/v1/outbox?cursor=nonsense", "cursor"}};
  for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
    r = th_get(&S, admin(), BAD[i][0]);
    th_assert_error(&r, 400, BAD[i][1]);
    th_resp_free(&r);
  }
  r = th_req(&S, "POST", "/v1/outbox", admin(), "{}", NULL, NULL);
  th_assert_error(&r, 405, NULL);
  th_resp_free(&r);
}

/* ---- settings.smtp.port ---- */

Test(outbox, ACC8_REL1_smtp_port_only_mail_ports) {
  /* A daemon with the default list (this suite's allows the sinks' ports). */
  th_server D;
  th_start(&D);
  th_account(&D, "wdc", "Widget Data Center");
  const char *token = th_token(&D, "wdc", "admin", "account_administrator");
  int ok[] = {25, 465, 587, 2525};
  for (int i = 0; i < 4; i++) {
    char body[96];
    snprintf(body, sizeof body, "{\"settings\": {\"smtp\": {\"port\": %d}}}", ok[i]);
    th_resp r = th_req(&D, "PATCH", "/v1/account", token, body, NULL, NULL);
    cr_assert_eq(r.status, 200, "%d: %s", ok[i], r.body);
    th_resp_free(&r);
  }
  int bad[] = {22, 80, 5432, 6379, 8025, 1025};
  for (int i = 0; i < 6; i++) {
    char body[96];
    snprintf(body, sizeof body, "{\"settings\": {\"smtp\": {\"port\": %d}}}", bad[i]);
    th_resp r = th_req(&D, "PATCH", "/v1/account", token, body, NULL, NULL);
    th_assert_error(&r, 422, "settings.smtp.port");
    th_resp_free(&r);
  }
  th_resp r = th_req(&D, "PATCH", "/v1/account", token,
                     "{\"settings\": {\"smtp\": {\"timeout\": 600}}}", NULL, NULL);
  th_assert_error(&r, 422, "settings.smtp.timeout");
  th_resp_free(&r);
  r = th_get(&D, token, "/v1/account");
  cr_assert_eq(json_integer_value(th_jpath(r.json, "settings.smtp.port")), 2525, "%s", r.body);
  th_resp_free(&r);
  th_stop(&D);
  /* This suite's daemon allows 1024-65535 as well, and still not 22. */
  r = th_req(&S, "PATCH", "/v1/account", admin(), "{\"settings\": {\"smtp\": {\"port\": 8025}}}",
             NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_req(&S, "PATCH", "/v1/account", admin(), "{\"settings\": {\"smtp\": {\"port\": 22}}}",
             NULL, NULL);
  th_assert_error(&r, 422, "settings.smtp.port");
  th_resp_free(&r);
}
