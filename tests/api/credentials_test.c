/* End-to-end tests of the credentials mail and password reset (CUST-6): a real SMTP
 * listener on loopback (tests/harness/smtp_sink.c) receives what rolodeskd's outbox
 * workers send over the account's SMTP settings; each mail is parsed by Python's email
 * package (tests/mail/parse.py), the password or link is taken from it, and used: to sign
 * in, or to go through the reset page as a browser would. Requests only queue the mail
 * (ACC-8); tests/api/outbox_test.c covers delivery, retries and failing servers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/filter.h"
#include "harness/harness.h"
#include "harness/smtp_sink.h"
#include "store/store.h"

static th_server S;

/* The person id of a token. */
static long long me_id(const char *token) {
  th_resp r = th_get(&S, token, "/v1/me");
  cr_assert_eq(r.status, 200, "%s", r.body);
  long long id = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  return id;
}
static th_smtp *SMTP;
#define ACCOUNT_NAME "W\xc3\xaf" "dget D\xc3\xa4t\xc3\xa4 Center" /* non-ASCII: encoded-words */

static void setup(void) {
  cr_assert(th_have("python3"), "python3 is not installed (scripts/deps.sh installs it)");
  th_init_db(&S);
  /* The sinks listen on ephemeral ports, which an installation allows explicitly. */
  S.daemon_args[0] = "--smtp-ports";
  S.daemon_args[1] = "25,465,587,2525,1024-65535";
  S.daemon_args[2] = "--mail-retry";
  S.daemon_args[3] = "1";
  th_start_daemon(&S);
  th_account(&S, "wdc", ACCOUNT_NAME);
  th_account(&S, "gigatera", "GigaTera");
  SMTP = th_smtp_start(TH_SMTP_ACCEPT, 0);
  cr_assert_not_null(SMTP);
}
static void teardown(void) {
  th_smtp_stop(SMTP);
  th_stop(&S);
}
TestSuite(credentials, .init = setup, .fini = teardown, .timeout = 120);

static const char *admin(void) {
  return th_token(&S, "wdc", "admin", "account_administrator");
}

static char *path(long long id, const char *suffix) {
  static char p[128];
  snprintf(p, sizeof p, "/v1/people/%lld%s", id, suffix);
  return p;
}

/* PATCH /v1/account settings (a JSON text) as the administrator. */
static void settings(const char *json) {
  char body[512];
  snprintf(body, sizeof body, "{\"settings\": %s}", json);
  th_resp r = th_req(&S, "PATCH", "/v1/account", admin(), body, NULL, NULL);
  cr_assert_eq(r.status, 200, "%s: %s", body, r.body);
  th_resp_free(&r);
}

static void smtp_port(int port, int timeout) {
  char json[256];
  snprintf(json, sizeof json,
           "{\"smtp\": {\"host\": \"127.0.0.1\", \"port\": %d, \"from\": \"desk@wdc.example\","
           " \"timeout\": %d}}",
           port, timeout);
  settings(json);
}

static void mode(bool random, bool questions) {
  char json[128];
  snprintf(json, sizeof json, "{\"random_passwords\": %s, \"password_questions\": %s}",
           random ? "true" : "false", questions ? "true" : "false");
  settings(json);
  smtp_port(th_smtp_port(SMTP), 10);
}

/* A customer of wdc with web access and no password (as every new person: CUST-6). */
static long long customer(const char *username) {
  char email[128];
  snprintf(email, sizeof email, "%s@wdc.example", username);
  return th_create(&S, admin(), "/v1/people", "{s:s,s:s,s:s,s:s,s:[s]}", "first_name", "Ann",
                   "last_name", "L\xc3\xa9" "e", "username", username, "primary_email", email,
                   "roles", "customer");
}

static long login(const char *username, const char *password) {
  th_resp r = th_json(&S, "POST", NULL, "/v1/login", "{s:s,s:s,s:s}", "account", "wdc",
                      "username", username, "password", password);
  long status = r.status;
  th_resp_free(&r);
  return status;
}

static void set_password(long long id, const char *password) {
  th_resp r = th_json(&S, "PATCH", admin(), path(id, ""), "{s:s}", "password", password);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
}

static th_resp send_credentials(const char *token, long long id) {
  return th_req(&S, "POST", path(id, "/credentials_email"), token, NULL, NULL, NULL);
}

/* Message n as the sink received it, parsed by Python's email package; checks that the
 * message is well-formed MIME. Caller decrefs. */
static json_t *mail(int n, th_smtp_msg **raw) {
  th_smtp_msg *m = th_smtp_wait(SMTP, n, 5000);
  cr_assert_not_null(m, "no mail %d arrived", n);
  int st = 0;
  char *out = th_filter("python3 " RD_SOURCE_DIR "/tests/mail/parse.py", m->data,
                        strlen(m->data), &st);
  cr_assert_eq(st, 0, "the mail does not parse:\n%s", m->data);
  json_t *j = json_loads(out, 0, NULL);
  cr_assert_not_null(j, "%s", out);
  free(out);
  cr_assert_eq(json_array_size(json_object_get(j, "defects")), 0, "MIME defects %s in:\n%s",
               json_dumps(json_object_get(j, "defects"), 0), m->data);
  cr_assert(json_is_true(json_object_get(j, "seven_bit")) && json_is_true(json_object_get(j, "crlf_only")));
  cr_assert_str_eq(th_jstr(j, "content_type"), "text/plain");
  cr_assert_str_eq(th_jstr(j, "charset"), "utf-8");
  cr_assert_str_eq(th_jstr(j, "transfer_encoding"), "quoted-printable");
  cr_assert_not_null(th_jstr(j, "date"), "Date does not parse");
  cr_assert_not_null(th_jstr(j, "headers.Message-ID"));
  cr_assert_str_eq(th_jstr(j, "from_addresses[0]"), "desk@wdc.example");
  cr_assert_str_eq(m->from, "desk@wdc.example");
  cr_assert_str_eq(th_jstr(j, "to_addresses[0]"), m->rcpt, "To: and RCPT TO differ");
  if (raw)
    *raw = m;
  else
    th_smtp_msg_free(m);
  return j;
}

/* The text after marker in the mail's body, up to the end of its line. */
static char *after(json_t *j, const char *marker) {
  static char out[512];
  const char *body = th_jstr(j, "body");
  const char *p = body ? strstr(body, marker) : NULL;
  cr_assert_not_null(p, "no '%s' in the mail: %s", marker, body);
  p += strlen(marker);
  size_t n = strcspn(p, "\r\n ");
  snprintf(out, sizeof out, "%.*s", (int)n, p);
  return out;
}

/* The path of the reset link in the mail ("/v1/password_reset/..."). */
static char *link_path(json_t *j) {
  char *url = after(j, "http://");
  cr_assert(!strncmp(url, "127.0.0.1:", 10), "the link names another host: %s", url);
  char *p = strstr(url, "/v1/password_reset/");
  cr_assert_not_null(p, "%s", url);
  return p;
}

/* Runs SQL on the daemon's database (to age a link; to make a person without address). */
static void db_exec(const char *sql) {
  th_sql(&S, sql);
}

static json_t *audit(long long id) {
  char p[128];
  snprintf(p, sizeof p, "/v1/audit?record_type=person&record_id=%lld&per_page=100", id);
  th_resp r = th_get(&S, admin(), p);
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_t *j = json_incref(r.json);
  th_resp_free(&r);
  return j;
}

/* ---- random passwords ---- */

Test(credentials, CUST6_random_password_is_mailed_stored_and_audited) {
  mode(true, false);
  long long id = customer("ann");
  cr_assert_eq(login("ann", ""), 422, "no password at all is a bad request");
  /* A new customer has no usable password until one is set or mailed. */
  cr_assert_eq(login("ann", "ann@wdc.example"), 401);
  th_resp r = send_credentials(admin(), id);
  cr_assert_eq(r.status, 202, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "kind"), "password");
  cr_assert_str_eq(th_jstr(r.json, "sent_to"), "ann@wdc.example");
  th_resp_free(&r);
  th_smtp_msg *raw = NULL;
  json_t *m = mail(0, &raw);
  cr_assert_str_eq(raw->rcpt, "ann@wdc.example");
  cr_assert_str_eq(th_jstr(m, "headers.Subject"), "Your new password for " ACCOUNT_NAME);
  cr_assert(strstr(raw->data, "Subject: =?UTF-8?B?"), "non-ASCII subject as encoded-words");
  cr_assert_str_eq(th_jstr(m, "to_names[0]"), "Ann L\xc3\xa9" "e");
  cr_assert_str_eq(after(m, "Username:  "), "ann");
  char password[64];
  snprintf(password, sizeof password, "%s", after(m, "Password:  "));
  cr_assert_geq(strlen(password), 16);
  cr_assert_eq(login("ann", password), 200, "the mailed password does not work");
  /* ACC-6: audited, never the password itself. */
  json_t *a = audit(id);
  char *text = json_dumps(a, 0);
  cr_assert_null(strstr(text, password), "the password is in the audit trail");
  cr_assert(strstr(text, "\"credentials_email\"") && strstr(text, "\"password\": {\"changed\": true}"),
            "%s", text);
  free(text);
  json_decref(a);
  /* A second mail replaces the password: the first one stops working. */
  r = send_credentials(th_token(&S, "wdc", "sup", "supervisor"), id);
  cr_assert_eq(r.status, 202, "a supervisor may send it too: %s", r.body);
  th_resp_free(&r);
  json_t *m2 = mail(1, NULL);
  cr_assert_str_neq(after(m2, "Password:  "), password);
  cr_assert_eq(login("ann", password), 401);
  cr_assert_eq(login("ann", after(m2, "Password:  ")), 200);
  json_decref(m2);
  json_decref(m);
  th_smtp_msg_free(raw);
}

Test(credentials, CUST6_mail_goes_to_send_to) {
  mode(true, false);
  long long id = customer("bob");
  th_resp r = th_json(&S, "POST", admin(), path(id, "/aliases"), "{s:s}", "address",
                      "bob.b@alias.example");
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), path(id, ""), "{s:s}", "send_to", "bob.b@alias.example");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = send_credentials(admin(), id);
  cr_assert_eq(r.status, 202, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "sent_to"), "bob.b@alias.example");
  th_resp_free(&r);
  th_smtp_msg *raw = NULL;
  json_t *m = mail(0, &raw);
  cr_assert_str_eq(raw->rcpt, "bob.b@alias.example");
  cr_assert_eq(login("bob", after(m, "Password:  ")), 200);
  json_decref(m);
  th_smtp_msg_free(raw);
}

static void drain(void) {
  th_outbox_drain(&S);
}

/* ---- a failed mail ---- */

Test(credentials, CUST6_refused_link_mail_fails_and_its_text_is_gone) {
  mode(false, true);
  long long id = customer("dora");
  th_resp r = th_req(&S, "PUT", path(id, "/security_questions"), admin(),
                     "{\"questions\": [{\"question\": \"Pet?\", \"answer\": \"Rex\"}]}", NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  th_smtp *refusing = th_smtp_start(TH_SMTP_REJECT_DATA, 0);
  smtp_port(th_smtp_port(refusing), 5);
  r = send_credentials(admin(), id);
  cr_assert_eq(r.status, 202, "queued, whatever the server will say: %s", r.body);
  th_resp_free(&r);
  drain();
  th_smtp_stop(refusing);
  /* A 550 is final: failed at once, the link's text gone with the body (the link row
   * stays, a hash nobody can turn back into a link, and expires within the hour). */
  r = th_get(&S, admin(), "/v1/outbox?state=failed");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 1, "%s", r.body);
  cr_assert(strstr(th_jstr(r.json, "[0].last_error"), "SMTP 550"), "%s", r.body);
  cr_assert_eq(json_integer_value(th_jpath(r.json, "[0].attempts")), 1, "%s", r.body);
  th_resp_free(&r);
  cr_assert_eq(th_sql_int(&S, "SELECT COUNT(*) FROM outbox WHERE body IS NOT NULL"), 0,
               "the text of a failed mail is still in the database");
}

/* ---- who may, and bad input ---- */

Test(credentials, CUST6_wrong_role_403_other_account_404_bad_input) {
  mode(true, false);
  long long id = customer("erin");
  const char *tech = th_token(&S, "wdc", "tech", "technician");
  const char *cust = th_token(&S, "wdc", "cust", "customer");
  const char *other = th_token(&S, "gigatera", "gtadmin", "account_administrator");
  /* ACC-7: a technician mails customers, not staff. */
  th_resp r = send_credentials(tech, me_id(th_token(&S, "wdc", "sup2", "supervisor")));
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = send_credentials(cust, id);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = send_credentials(other, id);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = send_credentials(NULL, id);
  th_assert_error(&r, 401, NULL);
  th_resp_free(&r);
  r = send_credentials(admin(), 99999999);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_req(&S, "POST", path(id, "/credentials_email"), admin(), "{\"password\": \"x\"}", NULL, NULL);
  th_assert_error(&r, 422, "password");
  th_resp_free(&r);
  r = th_req(&S, "POST", path(id, "/credentials_email"), admin(), "{", NULL, NULL);
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
  r = th_req(&S, "GET", path(id, "/credentials_email"), admin(), NULL, NULL, NULL);
  th_assert_error(&r, 405, NULL);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/outbox");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 0, "a refused request queued mail: %s", r.body);
  th_resp_free(&r);
}

Test(credentials, CUST6_person_who_cannot_get_mail_is_422) {
  mode(true, false);
  long long id = customer("fay");
  char sql[160];
  snprintf(sql, sizeof sql, "UPDATE people SET primary_email = NULL, send_to = NULL WHERE id = %lld", id);
  db_exec(sql);
  th_resp r = send_credentials(admin(), id);
  th_assert_error(&r, 422, "send_to");
  th_resp_free(&r);
  long long gus = customer("gus");
  r = th_json(&S, "PATCH", admin(), path(gus, ""), "{s:b}", "web_access", 0);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = send_credentials(admin(), gus);
  th_assert_error(&r, 422, "web_access");
  th_resp_free(&r);
  /* An account without SMTP settings cannot send: 422 naming the setting. */
  settings("{\"smtp\": {\"host\": null}}");
  long long hal = customer("hal");
  r = send_credentials(admin(), hal);
  th_assert_error(&r, 422, "settings.smtp.host");
  th_resp_free(&r);
  drain();
  cr_assert_eq(th_smtp_count(SMTP), 0);
}

Test(credentials, CUST6_without_settings_the_mail_tells_the_username) {
  mode(false, false);
  long long id = customer("ida");
  th_resp r = send_credentials(admin(), id);
  cr_assert_eq(r.status, 202, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "kind"), "username");
  th_resp_free(&r);
  json_t *m = mail(0, NULL);
  cr_assert_str_eq(th_jstr(m, "headers.Subject"), "Your sign-in details for " ACCOUNT_NAME);
  cr_assert_str_eq(after(m, "Username:  "), "ida");
  cr_assert_str_eq(after(m, "Account:   "), "wdc");
  cr_assert_null(strstr(th_jstr(m, "body"), "Password:"));
  json_decref(m);
}

/* ---- security questions and the reset link ---- */

static void questions(long long id, const char *token) {
  th_resp r = th_req(&S, "PUT", path(id, "/security_questions"), token,
                     "{\"questions\": [{\"question\": \"Your first <pet> & \\\"friend\\\"?\","
                     " \"answer\": \"  Fluffy  The CAT \"},"
                     " {\"question\": \"City of birth?\", \"answer\": \"\xc3\x84rhus\"}]}",
                     NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "questions[1].question"), "City of birth?");
  cr_assert_null(th_jpath(r.json, "questions[0].answer"), "answers are write-only");
  th_resp_free(&r);
}

static th_resp form(const char *link, const char *body) {
  return th_req(&S, "POST", link, NULL, body, "application/x-www-form-urlencoded", NULL);
}

Test(credentials, CUST6_reset_link_asks_the_questions_and_sets_the_password) {
  mode(false, true);
  long long id = customer("jan");
  questions(id, admin());
  th_resp r = send_credentials(admin(), id);
  cr_assert_eq(r.status, 202, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "kind"), "reset_link");
  th_resp_free(&r);
  json_t *m = mail(0, NULL);
  cr_assert_str_eq(th_jstr(m, "headers.Subject"), "Set your password for " ACCOUNT_NAME);
  char link[256];
  snprintf(link, sizeof link, "%s", link_path(m));
  json_decref(m);
  /* The page: the questions, HTML-escaped; no caching, no referrer, no script. */
  r = th_get(&S, NULL, link);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(!strncmp(th_header(&r, "Content-Type"), "text/html", 9));
  cr_assert(strstr(r.body, "Your first &lt;pet&gt; &amp; &quot;friend&quot;?"), "%s", r.body);
  cr_assert(strstr(r.body, "City of birth?") && strstr(r.body, "name=\"answer1\""));
  cr_assert_null(strstr(r.body, "<script"));
  cr_assert_str_eq(th_header(&r, "Cache-Control"), "no-store");
  cr_assert_str_eq(th_header(&r, "Referrer-Policy"), "no-referrer");
  cr_assert(strstr(th_header(&r, "Content-Security-Policy"), "default-src 'none'"));
  th_resp_free(&r);
  /* Wrong answers: the form again, nothing changed. */
  r = form(link, "answer0=fluffy&answer1=Paris&password=new+secret+1&password_confirm=new+secret+1");
  cr_assert_eq(r.status, 422, "%s", r.body);
  cr_assert(strstr(r.body, "do not match") && strstr(r.body, "<form"), "%s", r.body);
  th_resp_free(&r);
  /* Passwords that differ: the form again. */
  r = form(link, "answer0=fluffy+the+cat&answer1=%C3%A4rhus&password=new+secret+1&password_confirm=other");
  cr_assert_eq(r.status, 422, "%s", r.body);
  cr_assert(strstr(r.body, "not the same"), "%s", r.body);
  th_resp_free(&r);
  cr_assert_eq(login("jan", "new secret 1"), 401);
  /* Right answers, differently cased and spaced: the password is set. */
  r = form(link, "answer0=FLUFFY+the++cat&answer1=+%C3%84RHUS+&password=new+secret+1&password_confirm=new+secret+1");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(strstr(r.body, "has been changed") && strstr(r.body, "<b>jan</b>"), "%s", r.body);
  th_resp_free(&r);
  cr_assert_eq(login("jan", "new secret 1"), 200);
  /* The link is spent. */
  r = th_get(&S, NULL, link);
  cr_assert_eq(r.status, 410, "%s", r.body);
  cr_assert(strstr(r.body, "already been used"), "%s", r.body);
  th_resp_free(&r);
  r = form(link, "answer0=fluffy+the+cat&answer1=%C3%A4rhus&password=another+1&password_confirm=another+1");
  cr_assert_eq(r.status, 410, "%s", r.body);
  th_resp_free(&r);
  cr_assert_eq(login("jan", "another 1"), 401);
  cr_assert_eq(login("jan", "new secret 1"), 200);
  /* Audited as the person's own reset, without the password. */
  json_t *a = audit(id);
  char *text = json_dumps(a, 0);
  cr_assert(strstr(text, "\"password_reset\"") && !strstr(text, "new secret 1"), "%s", text);
  free(text);
  json_decref(a);
}

Test(credentials, CUST6_reset_link_expires_after_an_hour) {
  mode(false, true);
  long long id = customer("kim");
  questions(id, admin());
  th_resp r = send_credentials(admin(), id);
  cr_assert_eq(r.status, 202, "%s", r.body);
  th_resp_free(&r);
  json_t *m = mail(0, NULL);
  char link[256];
  snprintf(link, sizeof link, "%s", link_path(m));
  json_decref(m);
  /* Issued for one hour from now. */
  r = th_req(&S, "GET", link, NULL, NULL, NULL, "Accept: application/json");
  cr_assert_eq(r.status, 200, "%s", r.body);
  time_t now = time(NULL);
  struct tm tm;
  char lo[32], hi[32];
  time_t t = now + 3600 - 60;
  gmtime_r(&t, &tm);
  strftime(lo, sizeof lo, "%Y-%m-%dT%H:%M:%SZ", &tm);
  t = now + 3600 + 60;
  gmtime_r(&t, &tm);
  strftime(hi, sizeof hi, "%Y-%m-%dT%H:%M:%SZ", &tm);
  const char *exp = th_jstr(r.json, "expires_at");
  cr_assert(strcmp(exp, lo) > 0 && strcmp(exp, hi) < 0, "expires_at %s", exp);
  cr_assert_str_eq(th_jstr(r.json, "questions[0]"), "Your first <pet> & \"friend\"?");
  th_resp_free(&r);
  db_exec("UPDATE password_resets SET expires_at = '2000-01-01T00:00:00Z'");
  r = th_get(&S, NULL, link);
  cr_assert_eq(r.status, 410, "%s", r.body);
  cr_assert(strstr(r.body, "expired"), "%s", r.body);
  th_resp_free(&r);
  r = form(link, "answer0=fluffy+the+cat&answer1=%C3%A4rhus&password=new+secret+1&password_confirm=new+secret+1");
  cr_assert_eq(r.status, 410, "%s", r.body);
  th_resp_free(&r);
  cr_assert_eq(login("kim", "new secret 1"), 401);
  /* A link that never existed. */
  r = th_get(&S, NULL, "/v1/password_reset/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  cr_assert_eq(r.status, 404, "%s", r.body);
  th_resp_free(&r);
  r = th_req(&S, "GET", "/v1/password_reset/nonsense", NULL, NULL, NULL, "Accept: application/json");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
}

Test(credentials, CUST6_wrong_answers_spend_the_link) {
  mode(false, true);
  long long id = customer("lou");
  questions(id, admin());
  th_resp r = send_credentials(admin(), id);
  th_resp_free(&r);
  json_t *m = mail(0, NULL);
  char link[256];
  snprintf(link, sizeof link, "%s", link_path(m));
  json_decref(m);
  for (int i = 0; i < 4; i++) {
    r = form(link, "answer0=x&answer1=y&password=new+secret+1&password_confirm=new+secret+1");
    cr_assert_eq(r.status, 422, "attempt %d: %s", i, r.body);
    th_resp_free(&r);
  }
  r = form(link, "answer0=x&answer1=y&password=new+secret+1&password_confirm=new+secret+1");
  cr_assert_eq(r.status, 410, "%s", r.body);
  th_resp_free(&r);
  /* Spent: even the right answers no longer work. */
  r = form(link, "answer0=fluffy+the+cat&answer1=%C3%A4rhus&password=new+secret+1&password_confirm=new+secret+1");
  cr_assert_eq(r.status, 410, "%s", r.body);
  th_resp_free(&r);
  cr_assert_eq(login("lou", "new secret 1"), 401);
}

Test(credentials, CUST6_reset_page_speaks_json_too) {
  mode(false, true);
  long long id = customer("max");
  questions(id, admin());
  th_resp r = send_credentials(admin(), id);
  th_resp_free(&r);
  json_t *m = mail(0, NULL);
  char link[256];
  snprintf(link, sizeof link, "%s", link_path(m));
  json_decref(m);
  r = th_req(&S, "POST", link, NULL, "{\"answers\": [\"fluffy the cat\"], \"password\": \"new secret 1\"}",
             NULL, NULL);
  th_assert_error(&r, 422, "answers");
  th_resp_free(&r);
  r = th_req(&S, "POST", link, NULL, "{\"answers\": [\"a\", \"b\"], \"password\": \"short\", \"x\": 1}",
             NULL, NULL);
  th_assert_error(&r, 422, "x");
  th_resp_free(&r);
  r = th_req(&S, "POST", link, NULL, "{\"answers\": [\"fluffy the cat\", \"\xc3\xa4rhus\"], \"password\": \"short\"}",
             NULL, NULL);
  th_assert_error(&r, 422, "password");
  th_resp_free(&r);
  r = th_req(&S, "POST", link, NULL, "password=x", "text/plain", NULL);
  th_assert_error(&r, 415, NULL);
  th_resp_free(&r);
  r = th_req(&S, "POST", link, NULL,
             "{\"answers\": [\"Fluffy the cat\", \"\xc3\xa4rhus\"], \"password\": \"new secret 1\"}", NULL,
             NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "username"), "max");
  th_resp_free(&r);
  cr_assert_eq(login("max", "new secret 1"), 200);
}

Test(credentials, CUST6_questions_wanted_but_none_set_is_422) {
  mode(false, true);
  long long id = customer("ned");
  th_resp r = send_credentials(admin(), id);
  th_assert_error(&r, 422, "security_questions");
  th_resp_free(&r);
  /* With random passwords on as well, the person gets a password instead. */
  mode(true, true);
  r = send_credentials(admin(), id);
  cr_assert_eq(r.status, 202, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "kind"), "password");
  th_resp_free(&r);
}

Test(credentials, CUST6_security_questions_endpoint) {
  long long id = customer("ola");
  const char *bad[][2] = {
      {"{\"questions\": []}", "questions"},
      {"{\"questions\": [{\"question\": \"a\", \"answer\": \"b\"}, {\"question\": \"a\", \"answer\": \"b\"},"
       " {\"question\": \"a\", \"answer\": \"b\"}, {\"question\": \"a\", \"answer\": \"b\"},"
       " {\"question\": \"a\", \"answer\": \"b\"}, {\"question\": \"a\", \"answer\": \"b\"}]}", "questions"},
      {"{\"questions\": [{\"question\": \"Pet?\"}]}", "questions[0].answer"},
      {"{\"questions\": [{\"question\": \"Pet?\", \"answer\": \"   \"}]}", "questions[0].answer"},
      {"{\"questions\": [{\"question\": 5, \"answer\": \"x\"}]}", "questions[0].question"},
      {"{\"questions\": [{\"question\": \"Pet?\", \"answer\": \"x\", \"hint\": \"y\"}]}", "questions[0].hint"},
      {"{\"questions\": [\"Pet?\"]}", "questions[0]"},
      {"{\"questions\": [{\"question\": \"Pet?\", \"answer\": \"x\"}], \"extra\": 1}", "extra"},
      {"{\"list\": []}", "list"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    th_resp r = th_req(&S, "PUT", path(id, "/security_questions"), admin(), bad[i][0], NULL, NULL);
    th_assert_error(&r, 422, bad[i][1]);
    th_resp_free(&r);
  }
  th_resp r = th_req(&S, "PUT", path(id, "/security_questions"), admin(), "{\"questions\":", NULL, NULL);
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
  /* The person itself may set its own; staff read them; answers never come back. */
  int st = 0;
  free(th_cli(&S, "own password 1\n", &st, "person", "create", "--account", "wdc", "--username",
              "pia", "--first-name", "Pia", "--last-name", "P", "--email", "pia@wdc.example",
              "--role", "customer", "--password-stdin", NULL));
  cr_assert_eq(st, 0);
  r = th_json(&S, "POST", NULL, "/v1/login", "{s:s,s:s,s:s}", "account", "wdc", "username", "pia",
              "password", "own password 1");
  cr_assert_eq(r.status, 200, "%s", r.body);
  char pia[128];
  snprintf(pia, sizeof pia, "%s", th_jstr(r.json, "token"));
  long long pia_id = json_integer_value(th_jpath(r.json, "person.id"));
  th_resp_free(&r);
  questions(pia_id, pia);
  r = th_get(&S, th_token(&S, "wdc", "tech", "technician"), path(pia_id, "/security_questions"));
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(th_jpath(r.json, "questions")), 2);
  cr_assert_null(strstr(r.body, "luffy"), "an answer came back: %s", r.body);
  th_resp_free(&r);
  /* Others: a customer does not see another person (404), a technician may not change
   * someone's questions (403), another account sees nothing (404). */
  r = th_req(&S, "PUT", path(id, "/security_questions"), pia,
             "{\"questions\": [{\"question\": \"Pet?\", \"answer\": \"x\"}]}", NULL, NULL);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_get(&S, pia, path(id, "/security_questions"));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  /* ACC-7: a technician manages customers, not staff. */
  r = th_req(&S, "PUT", path(me_id(admin()), "/security_questions"),
             th_token(&S, "wdc", "tech", "technician"),
             "{\"questions\": [{\"question\": \"Pet?\", \"answer\": \"x\"}]}", NULL, NULL);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_req(&S, "PUT", path(id, "/security_questions"),
             th_token(&S, "gigatera", "gtadmin", "account_administrator"),
             "{\"questions\": [{\"question\": \"Pet?\", \"answer\": \"x\"}]}", NULL, NULL);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
}

/* ---- forgot password ---- */

static th_resp forgot(const char *body) {
  return th_req(&S, "POST", "/v1/password_reset", NULL, body, NULL, NULL);
}

Test(credentials, CUST6_forgot_password_mails_a_link_and_changes_nothing_by_itself) {
  mode(true, false);
  long long id = customer("quin");
  set_password(id, "old password 1");
  th_resp r = forgot("{\"account\": \"wdc\", \"username\": \"quin\"}");
  cr_assert_eq(r.status, 202, "%s", r.body);
  char known[512];
  snprintf(known, sizeof known, "%s", r.body);
  th_resp_free(&r);
  json_t *m = mail(0, NULL);
  char link[256];
  snprintf(link, sizeof link, "%s", link_path(m));
  json_decref(m);
  /* Asking changed nothing: the old password works until the link is used. */
  cr_assert_eq(login("quin", "old password 1"), 200);
  /* Nobody, a wrong account, a person without web access: the same answer, no mail. */
  long long gus = customer("gus");
  r = th_json(&S, "PATCH", admin(), path(gus, ""), "{s:b}", "web_access", 0);
  th_resp_free(&r);
  const char *nobody[] = {"{\"account\": \"wdc\", \"username\": \"nobody\"}",
                          "{\"account\": \"nosuch\", \"username\": \"quin\"}",
                          "{\"account\": \"wdc\", \"email\": \"nobody@wdc.example\"}",
                          "{\"account\": \"wdc\", \"username\": \"gus\"}"};
  for (size_t i = 0; i < 4; i++) {
    r = forgot(nobody[i]);
    cr_assert_eq(r.status, 202, "%s", r.body);
    cr_assert_str_eq(r.body, known, "the answer tells who exists");
    th_resp_free(&r);
  }
  drain();
  cr_assert_eq(th_smtp_count(SMTP), 1);
  /* By any address, case-insensitively. */
  r = forgot("{\"account\": \"wdc\", \"email\": \"QUIN@wdc.example\"}");
  cr_assert_eq(r.status, 202, "%s", r.body);
  th_resp_free(&r);
  json_t *m2 = mail(1, NULL);
  char link2[256];
  snprintf(link2, sizeof link2, "%s", link_path(m2));
  json_decref(m2);
  /* No questions asked (none set): the page only wants the new password. */
  r = th_get(&S, NULL, link2);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_null(strstr(r.body, "answer0"));
  th_resp_free(&r);
  r = form(link2, "password=chosen+pw+1&password_confirm=chosen+pw+1");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  cr_assert_eq(login("quin", "chosen pw 1"), 200);
  cr_assert_eq(login("quin", "old password 1"), 401);
  /* The new password spent the other open link too. */
  r = th_get(&S, NULL, link);
  cr_assert_eq(r.status, 410, "%s", r.body);
  th_resp_free(&r);
}

Test(credentials, CUST6_forgot_password_bad_input_and_rate_limit) {
  mode(false, false);
  const char *bad[][2] = {{"{\"username\": \"x\"}", "account"},
                          {"{\"account\": \"wdc\"}", "username"},
                          {"{\"account\": \"wdc\", \"username\": \"x\", \"email\": \"x@y.z\"}", "username"},
                          {"{\"account\": \"wdc\", \"username\": 5}", "username"},
                          {"{\"account\": \"wdc\", \"username\": \"x\", \"password\": \"y\"}", "password"}};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    th_resp r = forgot(bad[i][0]);
    th_assert_error(&r, 422, bad[i][1]);
    th_resp_free(&r);
  }
  th_resp r = forgot("{\"account\":");
  th_assert_error(&r, 400, NULL);
  th_resp_free(&r);
  r = th_req(&S, "POST", "/v1/password_reset", NULL, "account=wdc", "application/x-www-form-urlencoded", NULL);
  th_assert_error(&r, 415, NULL);
  th_resp_free(&r);
  /* Without random passwords or questions, the mail tells the username. */
  customer("rue");
  r = forgot("{\"account\": \"wdc\", \"username\": \"rue\"}");
  cr_assert_eq(r.status, 202);
  th_resp_free(&r);
  json_t *m = mail(0, NULL);
  cr_assert_str_eq(after(m, "Username:  "), "rue");
  json_decref(m);
  /* Ten requests for one person within five minutes, then 429. */
  for (int i = 1; i < 10; i++) {
    r = forgot("{\"account\": \"wdc\", \"username\": \"RUE\"}");
    cr_assert_eq(r.status, 202, "request %d: %s", i, r.body);
    th_resp_free(&r);
  }
  r = forgot("{\"account\": \"wdc\", \"username\": \"rue\"}");
  th_assert_error(&r, 429, NULL);
  cr_assert_not_null(th_header(&r, "Retry-After"));
  th_resp_free(&r);
}
