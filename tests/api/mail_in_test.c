/* End-to-end tests of mail in (CUST-9): real messages written by Python's email package
 * (tests/mail/make_mail.py) piped to `rolodesk mail-in` or posted to POST /v1/mail/inbound
 * against a running daemon, on SQLite and (with $ROLODESK_TEST_PG) PostgreSQL: a new
 * request, an alias sender with the alias in Cc of the acknowledgement, a reply adding a
 * note, auto-replies and loops dropped, the per-sender rate limit, unknown senders (create
 * and reject), charsets, RFC 2047 subjects, HTML-only bodies, attachments at and over the
 * upload limit, garbage, another account's reference, and who may post. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/wait.h>

#include "harness/harness.h"

static th_server S;
static long long ann, bob;

static const char *admin(void) {
  return th_token(&S, "wdc", "admin", "account_administrator");
}
static const char *gt_admin(void) {
  return th_token(&S, "gigatera", "gtadmin", "account_administrator");
}

static long long customer(const char *token, const char *username, const char *email) {
  return th_create(&S, token, "/v1/people", "{s:s,s:s,s:s,s:s,s:[s]}", "first_name", "Pat",
                   "last_name", username, "username", username, "primary_email", email, "roles",
                   "customer");
}

static void setup(void) {
  th_start(&S);
  th_account(&S, "wdc", "Widget Data Center");
  th_account(&S, "gigatera", "GigaTera");
  ann = customer(admin(), "ann", "ann@example.com");
  bob = customer(admin(), "bob", "bob@example.com");
  char path[96];
  snprintf(path, sizeof path, "/v1/people/%lld/aliases", ann);
  th_resp r = th_json(&S, "POST", admin(), path, "{s:s}", "address", "ann.lee@example.org");
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
}
static void teardown(void) {
  th_stop(&S);
}
TestSuite(mail_in, .init = setup, .fini = teardown, .timeout = 120);

/* ---- messages and the two ways in ---- */

typedef struct msg {
  char *data;
  size_t len;
} msg;

/* A message written by make_mail.py with args (shell words). */
static msg mail(const char *fmt, ...) {
  char args[1500], cmd[2000];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tests/mail/make_mail.py %s", RD_SOURCE_DIR,
           args);
  FILE *p = popen(cmd, "r");
  cr_assert(p);
  msg m = {0};
  size_t cap = 0;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
    if (m.len + n + 1 > cap) {
      cap = (m.len + n + 1) * 2;
      m.data = realloc(m.data, cap);
      cr_assert(m.data);
    }
    memcpy(m.data + m.len, buf, n);
    m.len += n;
  }
  cr_assert_eq(pclose(p), 0, "make_mail.py %s failed", args);
  m.data[m.len] = 0;
  return m;
}

/* rolodesk mail-in --account account < m: the exit status; *out (may be NULL) the JSON it
 * printed. */
static int cli(const char *account, msg m, json_t **out) {
  char data[300];
  snprintf(data, sizeof data, "%s/data", S.dir);
  int status = -1;
  char *text = th_cli(&S, m.data, &status, "mail-in", "--account", account, "--data", data, NULL);
  if (out)
    *out = json_loads(text ? text : "", 0, NULL);
  free(text);
  free(m.data);
  return status;
}

/* POST /v1/mail/inbound with token. */
static th_resp post(const char *token, msg m) {
  char auth[400];
  snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
  th_resp r = th_req_len(&S, "POST", "/v1/mail/inbound", NULL, m.data, m.len, "message/rfc822",
                         auth);
  free(m.data);
  return r;
}

static long long jint(json_t *j, const char *path) {
  return (long long)json_integer_value(th_jpath(j, path));
}

/* Delivers m through the CLI (expects exit 0) and returns its outcome JSON (caller frees). */
static json_t *deliver(msg m) {
  json_t *out = NULL;
  int st = cli("wdc", m, &out);
  cr_assert_eq(st, 0, "mail-in exit %d", st);
  cr_assert(out);
  return out;
}

/* The newest outbox message of wdc (caller frees). */
static json_t *last_outbox(void) {
  th_resp r = th_get(&S, admin(), "/v1/outbox?per_page=100");
  cr_assert_eq(r.status, 200, "%s", r.body);
  size_t n = json_array_size(r.json);
  cr_assert(n > 0);
  json_t *m = json_incref(json_array_get(r.json, n - 1));
  th_resp_free(&r);
  return m;
}

static json_t *request(long long id) {
  char path[64];
  snprintf(path, sizeof path, "/v1/requests/%lld", id);
  th_resp r = th_get(&S, admin(), path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_t *j = json_incref(r.json);
  th_resp_free(&r);
  return j;
}

static long long requests(void) {
  return th_sql_int(&S, "SELECT COUNT(*) FROM requests");
}

/* ---- the tests ---- */

Test(mail_in, CUST9_cli_new_request_with_ack_and_log) {
  json_t *out = deliver(mail("--from Ann@Example.com --subject 'Printer broken'"
                             " --body 'The printer on floor 2 is broken.'"));
  cr_assert_str_eq(th_jstr(out, "outcome"), "created");
  long long id = jint(out, "request_id");
  cr_assert(id > 0);
  cr_assert_eq(jint(out, "person_id"), ann);
  json_decref(out);
  json_t *rq = request(id);
  cr_assert_str_eq(th_jstr(rq, "subject"), "Printer broken");
  cr_assert_str_eq(th_jstr(rq, "description"), "The printer on floor 2 is broken.");
  cr_assert_eq(jint(rq, "customer.id"), ann);
  json_decref(rq);
  /* the acknowledgement: to the send-to address, our Message-ID, the reference */
  json_t *ack = last_outbox();
  cr_assert_str_eq(th_jstr(ack, "kind"), "mail_in_ack");
  cr_assert_str_eq(th_jstr(ack, "to"), "ann@example.com");
  cr_assert(json_is_null(th_jpath(ack, "cc")), "no Cc when the primary address wrote");
  char ref[40];
  snprintf(ref, sizeof ref, "[RD-%lld] Printer broken", id);
  cr_assert_str_eq(th_jstr(ack, "subject"), ref);
  cr_assert(!strncmp(th_jstr(ack, "message_id"), "rdmail.", 7), "%s", th_jstr(ack, "message_id"));
  json_decref(ack);
  /* the log, for administrators, paged */
  th_resp r = th_get(&S, admin(), "/v1/mail/inbound");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 1);
  cr_assert_str_eq(th_jstr(r.json, "[0].outcome"), "created");
  cr_assert_str_eq(th_jstr(r.json, "[0].sender"), "ann@example.com");
  cr_assert_eq(jint(r.json, "[0].request_id"), id);
  th_resp_free(&r);
}

Test(mail_in, CUST9_alias_sender_gets_ack_with_alias_in_cc) {
  json_t *out = deliver(mail("--from ann.lee@example.org --subject 'From my alias'"));
  cr_assert_str_eq(th_jstr(out, "outcome"), "created");
  cr_assert_eq(jint(out, "person_id"), ann);
  json_decref(out);
  json_t *ack = last_outbox();
  cr_assert_str_eq(th_jstr(ack, "to"), "ann@example.com");
  cr_assert_str_eq(th_jstr(ack, "cc"), "ann.lee@example.org");
  json_decref(ack);
}

Test(mail_in, CUST9_reply_thread_adds_note) {
  json_t *out = deliver(mail("--from ann@example.com --subject 'VPN down'"));
  long long id = jint(out, "request_id");
  json_decref(out);
  json_t *ack = last_outbox();
  char mid[400];
  snprintf(mid, sizeof mid, "%s", th_jstr(ack, "message_id"));
  json_decref(ack);
  long long before = requests();
  /* by the reference in the subject */
  out = deliver(mail("--from ann@example.com --subject 'Re: [RD-%lld] VPN down'"
                     " --body 'Still down this morning.'", id));
  cr_assert_str_eq(th_jstr(out, "outcome"), "noted");
  cr_assert_eq(jint(out, "request_id"), id);
  json_decref(out);
  /* by In-Reply-To our acknowledgement, without a reference */
  out = deliver(mail("--from ann@example.com --subject 'Re: VPN' --body 'And now?'"
                     " --in-reply-to '<%s>'", mid));
  cr_assert_str_eq(th_jstr(out, "outcome"), "noted");
  cr_assert_eq(jint(out, "request_id"), id);
  json_decref(out);
  cr_assert_eq(requests(), before);
  char path[64];
  snprintf(path, sizeof path, "/v1/requests/%lld/notes", id);
  th_resp r = th_get(&S, admin(), path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 2, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "[0].text"), "Still down this morning.");
  cr_assert_eq(jint(r.json, "[0].author.id"), ann, "the note is the customer's");
  th_resp_free(&r);
}

Test(mail_in, CUST9_auto_replies_and_bulk_are_dropped) {
  long long before = requests();
  const char *const drops[] = {"'Auto-Submitted: auto-replied'",
                               "'Auto-Submitted: auto-generated'", "'Precedence: bulk'",
                               "'Precedence: junk'", "'Precedence: list'",
                               "'Return-Path: <>'"};
  for (size_t i = 0; i < sizeof drops / sizeof *drops; i++) {
    json_t *out = deliver(mail("--from ann@example.com --subject 'Out of office' --header %s",
                               drops[i]));
    cr_assert_str_eq(th_jstr(out, "outcome"), "dropped", "%s", drops[i]);
    cr_assert(strstr(th_jstr(out, "reason"), "auto-reply"), "%s", th_jstr(out, "reason"));
    json_decref(out);
  }
  /* a delivery status report (a bounce of our acknowledgement) */
  msg dsn = {strdup("From: MAILER-DAEMON@mx.example.com\r\nTo: desk@x\r\nSubject: Undelivered\r\n"
                    "MIME-Version: 1.0\r\nContent-Type: multipart/report;"
                    " report-type=delivery-status; boundary=R\r\n\r\n--R\r\n"
                    "Content-Type: text/plain\r\n\r\nNot delivered.\r\n--R--\r\n"), 0};
  dsn.len = strlen(dsn.data);
  json_t *o = NULL;
  cr_assert_eq(cli("wdc", dsn, &o), 0);
  cr_assert_str_eq(th_jstr(o, "outcome"), "dropped");
  json_decref(o);
  /* raw 8-bit bytes in the header (logged in its reason: valid UTF-8 for PostgreSQL) */
  msg raw8 = {strdup("From: ann@example.com\r\nAuto-Submitted: auto-\xff\xfe replied\r\n"
                     "Precedence: \xc3\r\n\r\nx\r\n"), 0};
  raw8.len = strlen(raw8.data);
  cr_assert_eq(cli("wdc", raw8, &o), 0);
  cr_assert_str_eq(th_jstr(o, "outcome"), "dropped");
  json_decref(o);
  cr_assert_eq(requests(), before, "no request from an auto-reply");
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM outbox"), 0, "and no answer to one");
  json_t *out = deliver(mail("--from ann@example.com --header 'Auto-Submitted: no'"));
  cr_assert_str_eq(th_jstr(out, "outcome"), "created");
  json_decref(out);
}

Test(mail_in, CUST9_own_message_id_is_a_loop) {
  json_t *out = deliver(mail("--from ann@example.com --subject 'First'"));
  json_decref(out);
  json_t *ack = last_outbox();
  char mid[400];
  snprintf(mid, sizeof mid, "%s", th_jstr(ack, "message_id"));
  json_decref(ack);
  long long before = requests();
  /* our acknowledgement coming back (a forwarding loop) */
  out = deliver(mail("--from ann@example.com --subject 'Fwd' --message-id '<%s>'", mid));
  cr_assert_str_eq(th_jstr(out, "outcome"), "dropped");
  cr_assert(strstr(th_jstr(out, "reason"), "loop"), "%s", th_jstr(out, "reason"));
  json_decref(out);
  /* any Message-ID of our making */
  out = deliver(mail("--from ann@example.com --message-id '<rdmail.1.x@rolodesk.invalid>'"));
  cr_assert_str_eq(th_jstr(out, "outcome"), "dropped");
  json_decref(out);
  cr_assert_eq(requests(), before);
}

Test(mail_in, CUST9_rate_limit_per_sender) {
  th_resp r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:{s:i}}}", "settings", "mail_in",
                      "max_per_minute", 3);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  for (int i = 0; i < 3; i++) {
    json_t *out = deliver(mail("--from ann@example.com --subject 'Spam %d'", i));
    cr_assert_str_eq(th_jstr(out, "outcome"), "created");
    json_decref(out);
  }
  json_t *out = deliver(mail("--from ann@example.com --subject 'Spam 4'"));
  cr_assert_str_eq(th_jstr(out, "outcome"), "dropped");
  cr_assert(strstr(th_jstr(out, "reason"), "rate limit"), "%s", th_jstr(out, "reason"));
  json_decref(out);
  /* another sender is not held up */
  out = deliver(mail("--from bob@example.com"));
  cr_assert_str_eq(th_jstr(out, "outcome"), "created");
  json_decref(out);
  r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:{s:i}}}", "settings", "mail_in",
              "max_per_minute", 0);
  th_assert_error(&r, 422, "settings.mail_in.max_per_minute");
  th_resp_free(&r);
}

/* CUST-9: the per-sender limit holds when the messages arrive at once (each delivery is
 * its own connection: on PostgreSQL they would all count the same rows without the lock of
 * rd_tx_lock). */
enum { RUSH = 12 };
typedef struct rusher {
  msg m;
  const char *token;
  pthread_barrier_t *go;
  long status;
  char outcome[16];
} rusher;

static void *rush(void *arg) {
  rusher *r = arg;
  char auth[400];
  snprintf(auth, sizeof auth, "Authorization: Bearer %s", r->token);
  pthread_barrier_wait(r->go);
  th_resp resp = th_req_len(&S, "POST", "/v1/mail/inbound", NULL, r->m.data, r->m.len,
                            "message/rfc822", auth);
  r->status = resp.status;
  const char *o = resp.json ? json_string_value(json_object_get(resp.json, "outcome")) : NULL;
  snprintf(r->outcome, sizeof r->outcome, "%s", o ? o : "?");
  th_resp_free(&resp);
  return NULL;
}

Test(mail_in, CUST9_rate_limit_holds_for_messages_at_once) {
  th_resp r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:{s:i}}}", "settings", "mail_in",
                      "max_per_minute", 3);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  const char *token = admin(); /* made once, before the threads */
  pthread_barrier_t go;
  pthread_barrier_init(&go, NULL, RUSH);
  rusher rs[RUSH];
  pthread_t th[RUSH];
  for (int i = 0; i < RUSH; i++) {
    rs[i] = (rusher){.m = mail("--from bob@example.com --subject 'Rush %d'", i),
                    .token = token,
                    .go = &go};
    cr_assert_eq(pthread_create(&th[i], NULL, rush, &rs[i]), 0);
  }
  int created = 0, dropped = 0;
  for (int i = 0; i < RUSH; i++) {
    pthread_join(th[i], NULL);
    free(rs[i].m.data);
    cr_assert(rs[i].status == 200 || rs[i].status == 201, "message %d: status %ld", i,
              rs[i].status);
    created += !strcmp(rs[i].outcome, "created");
    dropped += !strcmp(rs[i].outcome, "dropped");
  }
  pthread_barrier_destroy(&go);
  cr_assert_eq(created, 3, "%d of %d messages got in at once (limit 3)", created, RUSH);
  cr_assert_eq(dropped, RUSH - 3);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM requests"), 3);
}

Test(mail_in, CUST9_unknown_sender_rejected_with_reply) {
  long long before = requests();
  json_t *out = NULL;
  int st = cli("wdc", mail("--from stranger@elsewhere.example --subject 'Hello'"), &out);
  cr_assert_eq(st, 67, "EX_NOUSER for a rejected sender, got %d", st);
  cr_assert_str_eq(th_jstr(out, "outcome"), "rejected");
  json_decref(out);
  cr_assert_eq(requests(), before);
  json_t *reply = last_outbox();
  cr_assert_str_eq(th_jstr(reply, "kind"), "mail_in_reject");
  cr_assert_str_eq(th_jstr(reply, "to"), "stranger@elsewhere.example");
  json_decref(reply);
  th_resp r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:{s:s}}}", "settings",
                      "mail_in", "unknown_sender", "maybe");
  th_assert_error(&r, 422, "settings.mail_in.unknown_sender");
  th_resp_free(&r);
}

Test(mail_in, CUST9_unknown_sender_creates_customer) {
  th_resp r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:{s:s}}}", "settings",
                      "mail_in", "unknown_sender", "create");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  json_t *out = deliver(mail("--from new.person@elsewhere.example --name 'Nina Novak'"));
  cr_assert_str_eq(th_jstr(out, "outcome"), "created");
  cr_assert(json_is_true(th_jpath(out, "customer_created")));
  long long person = jint(out, "person_id");
  json_decref(out);
  char path[64];
  snprintf(path, sizeof path, "/v1/people/%lld", person);
  r = th_get(&S, admin(), path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "primary_email"), "new.person@elsewhere.example");
  cr_assert_str_eq(th_jstr(r.json, "first_name"), "Nina");
  cr_assert_str_eq(th_jstr(r.json, "last_name"), "Novak");
  cr_assert_str_eq(th_jstr(r.json, "roles[0]"), "customer");
  th_resp_free(&r);
  /* an address no username can hold (over 64 characters): rejected, nothing made */
  json_t *rej = NULL;
  int st = cli("wdc", mail("--from %0100d@elsewhere.example", 7), &rej);
  cr_assert_eq(st, 67, "%d", st);
  cr_assert_str_eq(th_jstr(rej, "outcome"), "rejected");
  cr_assert(strstr(th_jstr(rej, "reason"), "username"), "%s", th_jstr(rej, "reason"));
  json_decref(rej);
  /* the second message finds the customer made by the first */
  out = deliver(mail("--from new.person@elsewhere.example"));
  cr_assert(!json_is_true(th_jpath(out, "customer_created")));
  cr_assert_eq(jint(out, "person_id"), person);
  json_decref(out);
}

Test(mail_in, CUST9_non_utf8_charsets_become_utf8) {
  static const struct {
    const char *charset, *text;
  } cases[] = {{"iso-8859-1", "Grüße aus Köln, ça va?"},
               {"shift_jis", "プリンターが壊れました"},
               {"koi8-r", "Принтер сломался"},
               {"windows-1252", "Café – “quoted”"}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    json_t *out = deliver(mail("--from ann@example.com --charset %s --body '%s'",
                               cases[i].charset, cases[i].text));
    json_t *rq = request(jint(out, "request_id"));
    cr_assert_str_eq(th_jstr(rq, "description"), cases[i].text, "%s", cases[i].charset);
    json_decref(rq);
    json_decref(out);
  }
  /* C1 controls (Windows-1252 text labelled ISO-8859-1) and U+2028 in the subject are
   * dropped, not a reason to refuse the message */
  {
    json_t *out = deliver(mail("--from ann@example.com --charset iso-8859-1 --escapes"
                               " --body 'a\\x85b' --raw-subject '=?utf-8?b?b25l4oCodHdvwoUh?='"));
    cr_assert_str_eq(th_jstr(out, "outcome"), "created");
    json_t *rq = request(jint(out, "request_id"));
    cr_assert_str_eq(th_jstr(rq, "description"), "ab");
    cr_assert_str_eq(th_jstr(rq, "subject"), "one two!", "U+2028 a space, U+0085 dropped");
    json_decref(rq);
    json_decref(out);
  }
  /* quoted-printable and base64 transfer encodings */
  const char *const ctes[] = {"quoted-printable", "base64"};
  for (int i = 0; i < 2; i++) {
    json_t *out = deliver(mail("--from ann@example.com --charset utf-8 --cte %s --body '%s'",
                               ctes[i], "Zürich = 100% kaputt"));
    json_t *rq = request(jint(out, "request_id"));
    cr_assert_str_eq(th_jstr(rq, "description"), "Zürich = 100% kaputt", "%s", ctes[i]);
    json_decref(rq);
    json_decref(out);
  }
}

Test(mail_in, CUST9_rfc2047_subject_decoded) {
  const char *const charsets[] = {"iso-8859-1", "utf-8"};
  for (int i = 0; i < 2; i++) {
    json_t *out = deliver(mail("--from ann@example.com --encode-subject %s"
                               " --subject 'Grüße aus Köln'", charsets[i]));
    json_t *rq = request(jint(out, "request_id"));
    cr_assert_str_eq(th_jstr(rq, "subject"), "Grüße aus Köln", "%s", charsets[i]);
    json_decref(rq);
    json_decref(out);
  }
  json_t *out = deliver(mail("--from ann@example.com --encode-subject shift_jis"
                             " --subject 'プリンター'"));
  json_t *rq = request(jint(out, "request_id"));
  cr_assert_str_eq(th_jstr(rq, "subject"), "プリンター");
  json_decref(rq);
  json_decref(out);
}

Test(mail_in, CUST9_html_only_body_as_text_and_alternative_prefers_plain) {
  json_t *out = deliver(mail("--from ann@example.com --html --body 'Screen &lt;flickers&gt;'"));
  json_t *rq = request(jint(out, "request_id"));
  cr_assert_str_eq(th_jstr(rq, "description"), "Screen <flickers>\n\nSecond line & more");
  json_decref(rq);
  json_decref(out);
  out = deliver(mail("--from ann@example.com --alternative --body 'Plain wins'"));
  rq = request(jint(out, "request_id"));
  cr_assert_str_eq(th_jstr(rq, "description"), "Plain wins");
  json_decref(rq);
  json_decref(out);
}

Test(mail_in, CUST9_attachments_within_and_over_the_upload_limit) {
  json_t *out = deliver(mail("--from ann@example.com --attach-size 5242880"));
  cr_assert_str_eq(th_jstr(out, "outcome"), "created");
  cr_assert_eq(jint(out, "attachments"), 1);
  cr_assert_eq(jint(out, "attachments_dropped"), 0);
  long long id = jint(out, "request_id");
  json_decref(out);
  char sql[200];
  snprintf(sql, sizeof sql,
           "SELECT size FROM request_attachments WHERE request_id = %lld AND"
           " filename = 'report.pdf' AND content_type = 'application/pdf'", id);
  cr_assert_eq(th_sql_int(&S, sql), 5242880);
  /* listed on the request, and downloaded as the upload it is */
  char path[96];
  snprintf(path, sizeof path, "/v1/requests/%lld/attachments", id);
  th_resp r = th_get(&S, admin(), path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 1, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "[0].filename"), "report.pdf");
  cr_assert_eq(jint(r.json, "[0].size"), 5242880);
  char file[128];
  snprintf(file, sizeof file, "/v1/attachments/%s", th_jstr(r.json, "[0].key"));
  th_resp_free(&r);
  r = th_get(&S, admin(), file);
  cr_assert_eq(r.status, 200);
  cr_assert_eq(r.len, 5242880);
  th_resp_free(&r);
  /* another customer does not see them (404, as for any request not its own) */
  r = th_get(&S, th_token(&S, "wdc", "carl", "customer"), path);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_get(&S, gt_admin(), path);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  /* over the 20 MB upload limit: dropped and said so; the message still makes a request */
  out = deliver(mail("--from ann@example.com --attach-size 21000000 --attach-name big.pdf"));
  cr_assert_str_eq(th_jstr(out, "outcome"), "created");
  cr_assert_eq(jint(out, "attachments"), 0);
  cr_assert_eq(jint(out, "attachments_dropped"), 1);
  cr_assert(strstr(th_jstr(out, "reason"), "big.pdf"), "%s", th_jstr(out, "reason"));
  id = jint(out, "request_id");
  json_decref(out);
  snprintf(path, sizeof path, "/v1/requests/%lld/notes", id);
  r = th_get(&S, admin(), path);
  cr_assert(strstr(th_jstr(r.json, "[0].text"), "big.pdf"), "%s", r.body);
  th_resp_free(&r);
  /* a type uploads do not allow */
  out = deliver(mail("--from ann@example.com --attach-size 100 --attach-type"
                     " application/x-msdownload --attach-name setup.exe"));
  cr_assert_eq(jint(out, "attachments_dropped"), 1);
  json_decref(out);
}

Test(mail_in, CUST9_garbage_is_65_and_422) {
  msg m = {strdup("this is not a mail at all"), 25};
  cr_assert_eq(cli("wdc", m, NULL), 65);
  msg none = {strdup("Subject: no sender\r\n\r\nbody\r\n"), 0};
  none.len = strlen(none.data);
  cr_assert_eq(cli("wdc", none, NULL), 65);
  msg g = {strdup("this is not a mail at all"), 25};
  th_resp r = post(admin(), g);
  th_assert_error(&r, 422, NULL);
  th_resp_free(&r);
  /* logged as unparseable */
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM mail_in_log WHERE outcome = 'unparseable'"),
               3);
  /* an unknown account */
  msg ok = mail("--from ann@example.com");
  int st = cli("nosuch", ok, NULL);
  cr_assert(st != 0 && st != 75, "%d", st);
}

Test(mail_in, CUST9_tenant_other_accounts_reference_never_adds_a_note) {
  /* a request of GigaTera's customer */
  long long gt = customer(gt_admin(), "gina", "gina@gigatera.example");
  long long foreign = th_create(&S, gt_admin(), "/v1/requests", "{s:s,s:{s:I}}", "subject",
                                "GigaTera's own", "customer", "id", (json_int_t)gt);
  /* and one of Bob's in wdc */
  json_t *out = deliver(mail("--from bob@example.com --subject 'Bob'"));
  long long bobs = jint(out, "request_id");
  json_decref(out);
  long long refs[] = {foreign, bobs};
  for (int i = 0; i < 2; i++) {
    out = deliver(mail("--from ann@example.com --subject 'Re: [RD-%lld] hijack'"
                       " --body 'injected'", refs[i]));
    cr_assert_str_eq(th_jstr(out, "outcome"), "created", "a new request of Ann's own");
    cr_assert_neq(jint(out, "request_id"), refs[i]);
    json_t *rq = request(jint(out, "request_id"));
    cr_assert_eq(jint(rq, "customer.id"), ann);
    cr_assert_str_eq(th_jstr(rq, "subject"), "Re: hijack");
    json_decref(rq);
    json_decref(out);
  }
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM request_notes"), 0);
  /* the same through the API with GigaTera's secret: delivered to GigaTera only */
  th_resp r = th_req(&S, "POST", "/v1/mail/inbound/secret", gt_admin(), NULL, NULL, NULL);
  cr_assert_eq(r.status, 201, "%s", r.body);
  char secret[200];
  snprintf(secret, sizeof secret, "%s", th_jstr(r.json, "secret"));
  th_resp_free(&r);
  r = post(secret, mail("--from ann@example.com --subject '[RD-%lld] x'", bobs));
  cr_assert_eq(r.status, 201, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "outcome"), "rejected", "Ann is nobody at GigaTera");
  th_resp_free(&r);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM request_notes"), 0);
}

Test(mail_in, CUST9_api_roles_secret_and_bad_input) {
  /* an administrator's token */
  th_resp r = post(admin(), mail("--from ann@example.com --subject 'Over HTTP' --html"));
  cr_assert_eq(r.status, 201, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "outcome"), "created");
  th_resp_free(&r);
  /* other roles: 403, also for the log and the secret */
  const char *tech = th_token(&S, "wdc", "sup", "supervisor");
  r = post(tech, mail("--from ann@example.com"));
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_get(&S, tech, "/v1/mail/inbound");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_req(&S, "POST", "/v1/mail/inbound/secret", tech, NULL, NULL, NULL);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  /* the inbound secret: shown once, stored hashed, rotated */
  r = th_req(&S, "POST", "/v1/mail/inbound/secret", admin(), NULL, NULL, NULL);
  cr_assert_eq(r.status, 201, "%s", r.body);
  char secret[200];
  snprintf(secret, sizeof secret, "%s", th_jstr(r.json, "secret"));
  th_resp_free(&r);
  cr_assert(!strncmp(secret, "rdmail.wdc.", 11), "%s", secret);
  char sql[300];
  snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM mail_in_secrets WHERE secret_hash = '%s'",
           secret);
  cr_assert_eq(th_sql_int(&S, sql), 0, "never stored as given");
  r = post(secret, mail("--from ann@example.com --subject 'By secret'"));
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  char wrong[200];
  snprintf(wrong, sizeof wrong, "%s", secret);
  wrong[strlen(wrong) - 1] = wrong[strlen(wrong) - 1] == 'A' ? 'B' : 'A';
  const char *const bad[] = {wrong, "rdmail.wdc.x", "rdmail.nosuch.abc", "rdmail.", "nonsense"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    r = post(bad[i], mail("--from ann@example.com"));
    th_assert_error(&r, 401, NULL);
    th_resp_free(&r);
  }
  /* a secret is no token elsewhere */
  r = th_get(&S, secret, "/v1/mail/inbound");
  th_assert_error(&r, 401, NULL);
  th_resp_free(&r);
  /* rotated: the old one stops working */
  r = th_req(&S, "POST", "/v1/mail/inbound/secret", admin(), NULL, NULL, NULL);
  th_resp_free(&r);
  r = post(secret, mail("--from ann@example.com"));
  th_assert_error(&r, 401, NULL);
  th_resp_free(&r);
  /* wrong media type: 415; unknown query: 400 */
  msg m = mail("--from ann@example.com");
  r = th_req_len(&S, "POST", "/v1/mail/inbound", admin(), m.data, m.len, "text/plain", NULL);
  th_assert_error(&r, 415, NULL);
  th_resp_free(&r);
  r = th_req_len(&S, "POST", "/v1/mail/inbound?x=1", admin(), m.data, m.len, "message/rfc822",
                 NULL);
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
  free(m.data);
  /* the log pages like other lists */
  r = th_get(&S, admin(), "/v1/mail/inbound?per_page=1");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 1);
  cr_assert(th_header(&r, "Link") && strstr(th_header(&r, "Link"), "rel=\"next\""));
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/mail/inbound?per_page=0");
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
}

/* An MTA keeps the message and tries again on 75: the database cannot be reached. */
Test(mail_in, CUST9_cli_database_unavailable_is_75) {
  char path[400], cmd[1200];
  snprintf(path, sizeof path, "%s/m.eml", S.dir);
  msg m = mail("--from ann@example.com");
  FILE *f = fopen(path, "wb");
  cr_assert(f);
  fwrite(m.data, 1, m.len, f);
  fclose(f);
  free(m.data);
  snprintf(cmd, sizeof cmd,
           "%s/rolodesk --db postgresql://nobody@127.0.0.1:1/none mail-in --account wdc"
           " <%s 2>/dev/null",
           RD_BUILD_DIR, path);
  int st = system(cmd);
  cr_assert(WIFEXITED(st));
  cr_assert_eq(WEXITSTATUS(st), 75);
  /* and usage errors stay usage errors */
  snprintf(cmd, sizeof cmd, "%s/rolodesk --db %s mail-in <%s 2>/dev/null", RD_BUILD_DIR, S.db,
           path);
  st = system(cmd);
  cr_assert_eq(WEXITSTATUS(st), 2);
}

Test(mail_in, CUST9_api_body_over_the_upload_limit_is_413) {
  size_t n = (20u << 20) + 1024;
  char *big = malloc(n);
  cr_assert(big);
  memset(big, 'a', n);
  memcpy(big, "From: ann@example.com\r\n\r\n", 25);
  th_resp r = th_req_len(&S, "POST", "/v1/mail/inbound", admin(), big, n, "message/rfc822", NULL);
  free(big);
  th_assert_error(&r, 413, NULL);
  th_resp_free(&r);
}
