/* Unit tests of src/domain/credentials.c (CUST-6, ACC-7, ACC-8; issue 11): every public
 * function with its error paths, on a fresh database of the backend under test (unit.h).
 * What a credentials mail carries follows the account settings; it is queued in the outbox
 * with the change it announces; who may mail whom; "forgot password" records the request
 * only, and its worker half mails a link or drops the row; security questions are checked
 * and stored hashed; a reset link is single-use, expires, counts wrong answers and spends
 * itself. The mail texts are read back from the outbox rows. tests/api/credentials_test.c
 * covers the same over HTTP with real SMTP. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "domain/credentials.h"
#include "fixture.h"

#define BASE_URL "https://desk.example"

static ut_db T;
static rd_err err;
static rd_caller sys; /* acme's system caller: all roles */
static int64_t pat;   /* a customer of acme who may sign in */

static int64_t person(const char *account, const char *username, const char *role, bool web) {
  rd_caller who = rd_system_caller(account);
  char email[96];
  snprintf(email, sizeof email, "%s@%s.example", username, account);
  json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:[s],s:b}", "first_name", "Pat", "last_name",
                         username, "username", username, "primary_email", email, "roles", role,
                         "web_access", web);
  int64_t id = 0;
  rd_err_clear(&err);
  cr_assert_eq(rd_person_create(T.c, &who, in, &id, &err), 0, "%s", err.message);
  json_decref(in);
  return id;
}

/* Merges settings (stolen) into acme's. */
static void settings(json_t *s) {
  json_t *patch = json_pack("{s:o}", "settings", s);
  rd_err_clear(&err);
  cr_assert_eq(rd_account_update(T.c, &sys, patch, -1, &err), 0, "%s", err.message);
  json_decref(patch);
}

static void setup(void) {
  ut_db_open(&T);
  ud_tenants(&T);
  sys = rd_system_caller("acme");
  pat = person("acme", "pat", "customer", true);
}
static void teardown(void) {
  ut_db_close(&T);
}
TestSuite(credentials, .init = setup, .fini = teardown, .timeout = 60);

static void smtp_on(void) {
  settings(json_pack("{s:{s:s,s:s}}", "smtp", "host", "127.0.0.1", "from", "desk@acme.example"));
}

/* One text column of the first row of sql with one integer parameter; "" when no row. */
static const char *text(const char *sql, int64_t id) {
  static char out[4096];
  rd_stmt *s = NULL;
  rd_err_clear(&err);
  cr_assert_eq(rd_sql(T.c, &s, &err, sql, "i", id), 0, "%s: %s", sql, err.message);
  int rv = rd_stmt_step(s, &err);
  cr_assert_geq(rv, 0, "%s", err.message);
  const char *v = rv == RD_ROW && !rd_stmt_null(s, 0) ? rd_stmt_text(s, 0) : "";
  snprintf(out, sizeof out, "%s", v);
  rd_stmt_done(s);
  return out;
}

static int64_t count(const char *sql, int64_t id) {
  int64_t v = -1;
  rd_err_clear(&err);
  cr_assert_geq(rd_sql_int64(T.c, &v, &err, sql, "i", id), 0, "%s", err.message);
  return v;
}

static int email(const rd_caller *who, int64_t id, json_t **out) {
  rd_err_clear(&err);
  *out = NULL;
  return rd_credentials_email(T.c, who, id, BASE_URL, out, &err);
}

/* The 43 characters after "/v1/password_reset/" in the body of outbox row id. */
static void token_of(int64_t outbox_id, char token[64]) {
  const char *body = text("SELECT body FROM outbox WHERE id = ?", outbox_id);
  const char *p = strstr(body, BASE_URL "/v1/password_reset/");
  cr_assert_not_null(p, "no link in %s", body);
  p += strlen(BASE_URL "/v1/password_reset/");
  snprintf(token, 64, "%.43s", p);
  cr_assert_eq(strlen(token), 43);
}

static void questions(const rd_caller *who, int64_t id, const char *q1, const char *a1) {
  json_t *body = json_pack("{s:[{s:s,s:s}]}", "questions", "question", q1, "answer", a1);
  json_t *out = NULL;
  rd_err_clear(&err);
  cr_assert_eq(rd_security_questions_set(T.c, who, id, body, &out, &err), 0, "%s", err.message);
  json_decref(body);
  json_decref(out);
}

/* A reset link for pat, mailed by staff with password questions on. */
static void link_for_pat(char token[64]) {
  smtp_on();
  settings(json_pack("{s:b}", "password_questions", 1));
  questions(&sys, pat, "First pet?", "Rex");
  json_t *out = NULL;
  cr_assert_eq(email(&sys, pat, &out), 0, "%s", err.message);
  cr_assert_str_eq(json_string_value(json_object_get(out, "kind")), "reset_link");
  token_of(json_integer_value(json_object_get(out, "outbox_id")), token);
  json_decref(out);
}

/* ---- rd_credentials_email ---- */

Test(credentials, CUST6_email_needs_smtp_and_a_person_who_can_sign_in) {
  json_t *out = NULL;
  cr_assert_eq(email(&sys, pat, &out), RD_EINVAL);
  cr_assert_eq(err.status, 422);
  cr_assert(!strncmp(err.items[0].field, "settings.smtp", 13), "%s", err.items[0].field);
  smtp_on();
  int64_t off = person("acme", "nologin", "customer", false);
  cr_assert_eq(email(&sys, off, &out), RD_EINVAL);
  cr_assert_str_eq(err.items[0].field, "web_access");
  cr_assert_null(out);
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM outbox"), 0);
  cr_assert_eq(email(&sys, pat, &out), 0, "%s", err.message);
  json_decref(out);
}

Test(credentials, CUST6_ACC8_without_settings_the_mail_tells_the_username_and_changes_nothing) {
  smtp_on();
  json_t *out = NULL;
  cr_assert_eq(email(&sys, pat, &out), 0, "%s", err.message);
  cr_assert_str_eq(json_string_value(json_object_get(out, "kind")), "username");
  cr_assert_str_eq(json_string_value(json_object_get(out, "sent_to")), "pat@acme.example");
  cr_assert_str_eq(json_string_value(json_object_get(out, "state")), "queued");
  int64_t ob = json_integer_value(json_object_get(out, "outbox_id"));
  json_decref(out);
  cr_assert_str_eq(text("SELECT recipient FROM outbox WHERE id = ?", ob), "pat@acme.example");
  cr_assert(strstr(text("SELECT body FROM outbox WHERE id = ?", ob), "Username:  pat"));
  /* CUST-6: no default password, and none set by this mail */
  cr_assert_str_eq(text("SELECT password_hash FROM people WHERE id = ?", pat), "");
  cr_assert_eq(count("SELECT COUNT(*) FROM password_resets WHERE person_id = ?", pat), 0);
  cr_assert_eq(count("SELECT COUNT(*) FROM audit WHERE record_id = ? AND action ="
                     " 'credentials_email'", pat), 1);
}

Test(credentials, CUST6_ACC8_random_passwords_set_a_new_password_queued_with_its_mail) {
  smtp_on();
  settings(json_pack("{s:b}", "random_passwords", 1));
  json_t *out = NULL;
  cr_assert_eq(email(&sys, pat, &out), 0, "%s", err.message);
  cr_assert_str_eq(json_string_value(json_object_get(out, "kind")), "password");
  int64_t ob = json_integer_value(json_object_get(out, "outbox_id"));
  json_decref(out);
  const char *body = text("SELECT body FROM outbox WHERE id = ?", ob);
  const char *p = strstr(body, "Password:  ");
  cr_assert_not_null(p, "%s", body);
  char password[RD_RANDOM_PASSWORD_LEN + 1];
  snprintf(password, sizeof password, "%s", p + strlen("Password:  "));
  char hash[200];
  snprintf(hash, sizeof hash, "%s", text("SELECT password_hash FROM people WHERE id = ?", pat));
  cr_assert(rd_password_verify(hash, password), "the mailed password does not sign in");
  /* the audit says it changed, never what it is */
  const char *changes = text("SELECT changes FROM audit WHERE record_id = ? AND action ="
                             " 'credentials_email'", pat);
  cr_assert(strstr(changes, "password"), "%s", changes);
  cr_assert_null(strstr(changes, password));
}

Test(credentials, CUST6_password_questions_need_questions_unless_random_passwords) {
  smtp_on();
  settings(json_pack("{s:b}", "password_questions", 1));
  json_t *out = NULL;
  cr_assert_eq(email(&sys, pat, &out), RD_EINVAL);
  cr_assert_str_eq(err.items[0].field, "security_questions");
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM outbox"), 0);
  /* with questions: a one-hour link, stored hashed */
  questions(&sys, pat, "First pet?", "Rex");
  cr_assert_eq(email(&sys, pat, &out), 0, "%s", err.message);
  cr_assert_str_eq(json_string_value(json_object_get(out, "kind")), "reset_link");
  char token[64];
  token_of(json_integer_value(json_object_get(out, "outbox_id")), token);
  json_decref(out);
  cr_assert_eq(count("SELECT COUNT(*) FROM password_resets WHERE person_id = ?", pat), 1);
  cr_assert_str_neq(text("SELECT token_hash FROM password_resets WHERE person_id = ?", pat),
                    token);
  cr_assert_str_eq(text("SELECT password_hash FROM people WHERE id = ?", pat), "");
}

Test(credentials, ACC7_only_those_who_may_manage_the_person_mail_it) {
  smtp_on();
  int64_t sup = person("acme", "sue", "supervisor", true);
  int64_t theirs = person("other", "olaf", "customer", true);
  json_t *out = NULL;
  /* a customer, even about someone else of its account */
  int64_t other_customer = person("acme", "carl", "customer", true);
  rd_caller cust = ud_caller("acme", RD_ROLE_CUSTOMER, other_customer);
  cr_assert_eq(email(&cust, pat, &out), RD_EFORBIDDEN, "%s", err.message);
  cr_assert_eq(err.status, 403);
  /* a supervisor about another supervisor */
  int64_t bea = person("acme", "bea", "supervisor", true);
  rd_caller boss = ud_caller("acme", RD_ROLE_SUPERVISOR, bea);
  cr_assert_eq(email(&boss, sup, &out), RD_EFORBIDDEN, "%s", err.message);
  cr_assert_eq(err.status, 403);
  /* another account's person does not exist here */
  cr_assert_eq(email(&sys, theirs, &out), RD_ENOTFOUND);
  cr_assert_eq(err.status, 404);
  cr_assert_eq(email(&sys, 999999, &out), RD_ENOTFOUND);
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM outbox"), 0);
  cr_assert_eq(email(&boss, pat, &out), 0, "%s", err.message);
  json_decref(out);
}

/* ---- forgot password ---- */

/* Claims outbox row id for worker "w1", as the outbox worker would. */
static void claim(int64_t id) {
  rd_err_clear(&err);
  cr_assert_eq(rd_sql_exec(T.c, NULL, &err,
                           "UPDATE outbox SET state = 'sending', claimed_by = 'w1' WHERE id = ?",
                           "i", id),
               0, "%s", err.message);
}

static int64_t last_outbox(void) {
  return ut_int(T.c, "SELECT MAX(id) FROM outbox");
}

Test(credentials, ACC8_forgot_records_the_request_and_looks_nothing_up) {
  rd_err_clear(&err);
  cr_assert_eq(rd_credentials_forgot(T.c, "acme", "pat", NULL, &err), 0, "%s", err.message);
  int64_t known = last_outbox();
  rd_err_clear(&err);
  cr_assert_eq(rd_credentials_forgot(T.c, "acme", "nobody", NULL, &err), 0, "%s", err.message);
  int64_t unknown = last_outbox();
  rd_err_clear(&err);
  cr_assert_eq(rd_credentials_forgot(T.c, "acme", NULL, "PAT@acme.example", &err), 0, "%s",
               err.message);
  int64_t by_email = last_outbox();
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM outbox"), 3);
  /* the same rows whoever they name: a request, no recipient, no person */
  int64_t rows[] = {known, unknown, by_email};
  for (int i = 0; i < 3; i++) {
    cr_assert_str_eq(text("SELECT kind FROM outbox WHERE id = ?", rows[i]), "password_reset");
    cr_assert_str_eq(text("SELECT recipient FROM outbox WHERE id = ?", rows[i]), "");
    cr_assert_eq(count("SELECT COUNT(*) FROM outbox WHERE id = ? AND person_id IS NULL", rows[i]),
                 1);
  }
  cr_assert(strstr(text("SELECT request FROM outbox WHERE id = ?", unknown), "nobody"));
  cr_assert(strstr(text("SELECT request FROM outbox WHERE id = ?", by_email), "PAT@acme.example"));
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM password_resets"), 0);
}

static int compose(int64_t ob, const char *account, json_t *request, bool *dropped) {
  claim(ob);
  rd_err_clear(&err);
  int rv = rd_credentials_forgot_compose(T.c, ob, "w1", account, request, BASE_URL, dropped,
                                         &err);
  json_decref(request);
  return rv;
}

Test(credentials, ACC8_CUST6_forgot_compose_mails_a_link_never_a_password) {
  smtp_on();
  settings(json_pack("{s:b}", "random_passwords", 1));
  bool dropped = true;
  rd_err_clear(&err);
  cr_assert_eq(rd_credentials_forgot(T.c, "acme", NULL, "Pat@Acme.example", &err), 0);
  int64_t ob = last_outbox();
  cr_assert_eq(compose(ob, "acme", json_pack("{s:s}", "email", "Pat@Acme.example"), &dropped), 0,
               "%s", err.message);
  cr_assert_not(dropped);
  cr_assert_str_eq(text("SELECT recipient FROM outbox WHERE id = ?", ob), "pat@acme.example");
  cr_assert_eq(count("SELECT person_id FROM outbox WHERE id = ?", ob), pat);
  char token[64];
  token_of(ob, token);
  /* asking never changes a password, even where staff would mail a random one */
  cr_assert_str_eq(text("SELECT password_hash FROM people WHERE id = ?", pat), "");
  cr_assert_eq(count("SELECT COUNT(*) FROM password_resets WHERE person_id = ?", pat), 1);
  json_t *info = NULL;
  rd_err_clear(&err);
  cr_assert_eq(rd_password_reset_open(T.c, token, &info, &err), 0, "%s", err.message);
  cr_assert_str_eq(json_string_value(json_object_get(info, "username")), "pat");
  json_decref(info);
}

Test(credentials, ACC8_forgot_compose_without_settings_tells_the_username) {
  smtp_on();
  bool dropped = true;
  rd_err_clear(&err);
  cr_assert_eq(rd_credentials_forgot(T.c, "acme", "pat", NULL, &err), 0);
  int64_t ob = last_outbox();
  cr_assert_eq(compose(ob, "acme", json_pack("{s:s}", "username", "pat"), &dropped), 0, "%s",
               err.message);
  cr_assert_not(dropped);
  cr_assert(strstr(text("SELECT body FROM outbox WHERE id = ?", ob), "Username:  pat"));
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM password_resets"), 0);
}

Test(credentials, ACC8_forgot_compose_drops_what_it_cannot_send) {
  int64_t off = person("acme", "nologin", "customer", false);
  (void)off;
  struct {
    const char *account;
    json_t *request;
    bool smtp;
  } cases[] = {
      {"acme", json_pack("{s:s}", "username", "nobody"), true},
      {"acme", json_pack("{s:s}", "username", "nologin"), true},
      {"acme", json_pack("{s:s}", "email", "nobody@acme.example"), true},
      {"other", json_pack("{s:s}", "username", "pat"), true},
      {"Not an account!", json_pack("{s:s}", "username", "pat"), true},
      {"acme", json_pack("{s:s}", "username", "pat"), false}, /* no SMTP: last */
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    if (cases[i].smtp && i == 0)
      smtp_on();
    if (!cases[i].smtp)
      settings(json_pack("{s:n}", "smtp"));
    rd_err_clear(&err);
    cr_assert_eq(rd_credentials_forgot(T.c, "acme", "x", NULL, &err), 0);
    int64_t ob = last_outbox();
    bool dropped = false;
    cr_assert_eq(compose(ob, cases[i].account, cases[i].request, &dropped), 0, "case %zu: %s", i,
                 err.message);
    cr_assert(dropped, "case %zu", i);
    cr_assert_eq(count("SELECT COUNT(*) FROM outbox WHERE id = ?", ob), 0, "case %zu", i);
  }
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM password_resets"), 0);
}

/* ---- security questions ---- */

static int qset(const rd_caller *who, int64_t id, json_t *body, json_t **out) {
  rd_err_clear(&err);
  *out = NULL;
  int rv = rd_security_questions_set(T.c, who, id, body, out, &err);
  json_decref(body);
  return rv;
}

/* Sets one question on person id as who. */
static int qset_one(const rd_caller *who, int64_t id) {
  json_t *out = NULL;
  int rv = qset(who, id, json_pack("{s:[{s:s,s:s}]}", "questions", "question", "Q?", "answer", "A"),
                &out);
  json_decref(out);
  return rv;
}

Test(credentials, CUST6_REL1_security_questions_bad_input_names_the_field) {
  json_t *out = NULL;
  cr_assert_eq(qset(&sys, pat, json_pack("{s:[]}", "questions"), &out), RD_EINVAL);
  cr_assert_str_eq(err.items[0].field, "questions");
  cr_assert_eq(qset(&sys, pat, json_pack("{s:s}", "questions", "Rex"), &out), RD_EINVAL);
  cr_assert_str_eq(err.items[0].field, "questions");
  json_t *six = json_array();
  for (int i = 0; i < RD_QUESTIONS_MAX + 1; i++)
    json_array_append_new(six, json_pack("{s:s,s:s}", "question", "Q?", "answer", "A"));
  cr_assert_eq(qset(&sys, pat, json_pack("{s:o}", "questions", six), &out), RD_EINVAL);
  cr_assert_str_eq(err.items[0].field, "questions");
  cr_assert_eq(qset(&sys, pat, json_pack("{s:[{s:s,s:s}]}", "questions", "question", "Q?",
                                         "answer", " "),
                    &out),
               RD_EINVAL);
  cr_assert_str_eq(err.items[0].field, "questions[0].answer");
  cr_assert_eq(qset(&sys, pat, json_pack("{s:[{s:s,s:s,s:s}]}", "questions", "question", "Q?",
                                         "answer", "A", "hint", "x"),
                    &out),
               RD_EINVAL);
  cr_assert_str_eq(err.items[0].field, "questions[0].hint");
  cr_assert_eq(qset(&sys, pat, json_pack("{s:[s]}", "questions", "Q?"), &out), RD_EINVAL);
  cr_assert_str_eq(err.items[0].field, "questions[0]");
  char long_q[RD_QUESTION_MAX + 2];
  memset(long_q, 'q', sizeof long_q - 1);
  long_q[sizeof long_q - 1] = 0;
  cr_assert_eq(qset(&sys, pat, json_pack("{s:[{s:s,s:s}]}", "questions", "question", long_q,
                                         "answer", "A"),
                    &out),
               RD_EINVAL);
  cr_assert_str_eq(err.items[0].field, "questions[0].question");
  cr_assert_eq(qset(&sys, pat, json_pack("{s:[{s:s,s:s}],s:i}", "questions", "question", "Q?",
                                         "answer", "A", "extra", 1),
                    &out),
               RD_EINVAL);
  cr_assert_str_eq(err.items[0].field, "extra");
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM security_questions"), 0);
}

Test(credentials, CUST6_security_questions_are_stored_hashed_and_read_without_answers) {
  json_t *out = NULL;
  cr_assert_eq(qset(&sys, pat, json_pack("{s:[{s:s,s:s},{s:s,s:s}]}", "questions", "question",
                                         "First pet?", "answer", "Rex", "question", "Town?",
                                         "answer", "Zürich"),
                    &out),
               0, "%s", err.message);
  char *dumped = json_dumps(out, JSON_COMPACT);
  cr_assert_str_eq(dumped,
                   "{\"questions\":[{\"question\":\"First pet?\"},{\"question\":\"Town?\"}]}");
  free(dumped);
  json_decref(out);
  const char *hash = text("SELECT answer_hash FROM security_questions WHERE person_id = ?"
                          " ORDER BY seq", pat);
  cr_assert_null(strstr(hash, "Rex"));
  cr_assert(rd_password_verify(hash, "rex"), "the folded answer is what is hashed");
  rd_err_clear(&err);
  cr_assert_eq(rd_security_questions_get(T.c, &sys, pat, &out, &err), 0, "%s", err.message);
  dumped = json_dumps(out, JSON_COMPACT);
  cr_assert_null(strstr(dumped, "answer"), "%s", dumped);
  cr_assert(strstr(dumped, "Town?"));
  free(dumped);
  json_decref(out);
  /* replacing them */
  questions(&sys, pat, "Colour?", "Blue");
  cr_assert_eq(count("SELECT COUNT(*) FROM security_questions WHERE person_id = ?", pat), 1);
  cr_assert_eq(count("SELECT COUNT(*) FROM audit WHERE record_id = ? AND changes LIKE"
                     " '%security_questions%'", pat), 2);
}

Test(credentials, ACC7_ACC4_who_may_read_and_set_security_questions) {
  json_t *out = NULL;
  /* the person itself */
  rd_caller self = ud_caller("acme", RD_ROLE_CUSTOMER, pat);
  questions(&self, pat, "First pet?", "Rex");
  rd_err_clear(&err);
  cr_assert_eq(rd_security_questions_get(T.c, &self, pat, &out, &err), 0, "%s", err.message);
  json_decref(out);
  /* another customer: not even there */
  int64_t carl_id = person("acme", "carl", "customer", true);
  rd_caller carl = ud_caller("acme", RD_ROLE_CUSTOMER, carl_id);
  rd_err_clear(&err);
  cr_assert_eq(rd_security_questions_get(T.c, &carl, pat, &out, &err), RD_ENOTFOUND);
  cr_assert_eq(qset_one(&carl, pat),
               RD_ENOTFOUND);
  /* staff read; only who may manage the person sets (ACC-7) */
  int64_t sup = person("acme", "sue", "supervisor", true);
  rd_caller tech = ud_caller("acme", RD_ROLE_TECHNICIAN, 0);
  rd_err_clear(&err);
  cr_assert_eq(rd_security_questions_get(T.c, &tech, sup, &out, &err), 0, "%s", err.message);
  json_decref(out);
  cr_assert_eq(qset_one(&tech, sup),
               RD_EFORBIDDEN, "%s", err.message);
  cr_assert_eq(err.status, 403);
  /* another account's person */
  int64_t theirs = person("other", "olaf", "customer", true);
  rd_err_clear(&err);
  cr_assert_eq(rd_security_questions_get(T.c, &sys, theirs, &out, &err), RD_ENOTFOUND);
  cr_assert_eq(qset_one(&sys, theirs),
               RD_ENOTFOUND);
  cr_assert_eq(count("SELECT COUNT(*) FROM security_questions WHERE person_id = ?", theirs), 0);
}

/* ---- the reset link ---- */

static int complete(const char *token, json_t *answers, const char *password) {
  json_t *out = NULL;
  rd_err_clear(&err);
  int rv = rd_password_reset_complete(T.c, token, answers, password, &out, &err);
  json_decref(answers);
  json_decref(out);
  return rv;
}

Test(credentials, ACC8_CUST6_a_reset_link_asks_the_questions_and_works_once) {
  char token[64];
  link_for_pat(token);
  json_t *info = NULL;
  rd_err_clear(&err);
  cr_assert_eq(rd_password_reset_open(T.c, token, &info, &err), 0, "%s", err.message);
  cr_assert_str_eq(json_string_value(json_object_get(info, "account")), "acme");
  cr_assert_str_eq(json_string_value(json_object_get(info, "account_name")), "Acme");
  cr_assert_str_eq(json_string_value(json_array_get(json_object_get(info, "questions"), 0)),
                   "First pet?");
  json_decref(info);
  /* bad input: a short password, answers missing */
  cr_assert_eq(complete(token, json_pack("[s]", "Rex"), "short"), RD_EINVAL);
  cr_assert_str_eq(err.items[0].field, "password");
  cr_assert_eq(complete(token, json_pack("[]"), "long enough 1"), RD_EINVAL);
  cr_assert_str_eq(err.items[0].field, "answers");
  cr_assert_eq(complete(token, NULL, "long enough 1"), RD_EINVAL);
  cr_assert_str_eq(err.items[0].field, "answers");
  /* a wrong answer counts */
  cr_assert_eq(complete(token, json_pack("[s]", "Max"), "long enough 1"), RD_EINVAL);
  cr_assert_str_eq(err.items[0].field, "answers");
  cr_assert_eq(count("SELECT attempts FROM password_resets WHERE person_id = ?", pat), 1);
  cr_assert_str_eq(text("SELECT password_hash FROM people WHERE id = ?", pat), "");
  /* the right one, folded */
  cr_assert_eq(complete(token, json_pack("[s]", "  REX "), "long enough 1"), 0, "%s",
               err.message);
  char hash[200];
  snprintf(hash, sizeof hash, "%s", text("SELECT password_hash FROM people WHERE id = ?", pat));
  cr_assert(rd_password_verify(hash, "long enough 1"));
  cr_assert_eq(count("SELECT COUNT(*) FROM audit WHERE record_id = ? AND action ="
                     " 'password_reset'", pat), 1);
  /* single use */
  rd_err_clear(&err);
  cr_assert_eq(rd_password_reset_open(T.c, token, &info, &err), RD_ENOTFOUND);
  cr_assert_eq(err.status, 410);
  cr_assert_eq(complete(token, json_pack("[s]", "Rex"), "another one 2"), RD_ENOTFOUND);
  cr_assert_eq(err.status, 410);
}

Test(credentials, ACC8_a_new_password_spends_every_open_link_and_ends_sessions) {
  char first[64], second[64];
  link_for_pat(first);
  json_t *out = NULL;
  cr_assert_eq(email(&sys, pat, &out), 0, "%s", err.message);
  token_of(json_integer_value(json_object_get(out, "outbox_id")), second);
  json_decref(out);
  char session[RD_TOKEN_LEN];
  rd_err_clear(&err);
  cr_assert_eq(rd_token_create(T.c, "acme", pat, "session", session, &err), 0, "%s",
               err.message);
  cr_assert_eq(complete(second, json_pack("[s]", "rex"), "long enough 1"), 0, "%s", err.message);
  json_t *info = NULL;
  rd_err_clear(&err);
  cr_assert_eq(rd_password_reset_open(T.c, first, &info, &err), RD_ENOTFOUND);
  cr_assert_eq(err.status, 410);
  cr_assert_eq(count("SELECT COUNT(*) FROM api_tokens WHERE person_id = ? AND kind = 'session'"
                     " AND NOT revoked", pat), 0);
}

Test(credentials, ACC8_wrong_answers_spend_the_link) {
  char token[64];
  link_for_pat(token);
  for (int i = 1; i < RD_RESET_ATTEMPTS_MAX; i++) {
    cr_assert_eq(complete(token, json_pack("[s]", "Max"), "long enough 1"), RD_EINVAL, "try %d", i);
    cr_assert_eq(err.status, 422);
  }
  cr_assert_eq(complete(token, json_pack("[s]", "Max"), "long enough 1"), RD_ENOTFOUND);
  cr_assert_eq(err.status, 410);
  /* now even the right answer is too late */
  cr_assert_eq(complete(token, json_pack("[s]", "Rex"), "long enough 1"), RD_ENOTFOUND);
  cr_assert_eq(err.status, 410);
  cr_assert_str_eq(text("SELECT password_hash FROM people WHERE id = ?", pat), "");
}

/* Makes person id's reset links expire at at. */
static void expires(int64_t id, const char *at) {
  rd_err_clear(&err);
  cr_assert_eq(rd_sql_exec(T.c, NULL, &err,
                           "UPDATE password_resets SET expires_at = ? WHERE person_id = ?", "ti",
                           at, id),
               0, "%s", err.message);
}

Test(credentials, ACC8_unknown_expired_and_locked_links) {
  json_t *info = NULL;
  const char *unknown[] = {NULL, "", "short", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
  for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++) {
    rd_err_clear(&err);
    cr_assert_eq(rd_password_reset_open(T.c, unknown[i], &info, &err), RD_ENOTFOUND, "%zu", i);
    cr_assert_eq(err.status, 404, "%zu", i);
  }
  char token[64];
  link_for_pat(token);
  /* expired after the hour */
  expires(pat, "2020-01-01T00:00:00Z");
  rd_err_clear(&err);
  cr_assert_eq(rd_password_reset_open(T.c, token, &info, &err), RD_ENOTFOUND);
  cr_assert_eq(err.status, 410);
  cr_assert_eq(complete(token, json_pack("[s]", "Rex"), "long enough 1"), RD_ENOTFOUND);
  cr_assert_eq(err.status, 410);
  /* a person who can no longer sign in */
  expires(pat, "2999-01-01T00:00:00Z");
  rd_err_clear(&err);
  cr_assert_eq(rd_password_reset_open(T.c, token, &info, &err), 0, "%s", err.message);
  json_decref(info);
  rd_err_clear(&err);
  cr_assert_eq(rd_sql_exec(T.c, NULL, &err, "UPDATE people SET web_access = ? WHERE id = ?", "bi",
                           0, pat),
               0, "%s", err.message);
  rd_err_clear(&err);
  cr_assert_eq(rd_password_reset_open(T.c, token, &info, &err), RD_ENOTFOUND);
  cr_assert_eq(err.status, 410);
}
