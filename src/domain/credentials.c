/* Credentials mail, security questions and reset links (CUST-6): see credentials.h.
 *
 * ACC-8: no request talks to an SMTP server. A change and the mail announcing it are one
 * transaction: a new random password (hashed before it) is stored together with its
 * queued mail, a reset link's row together with the mail carrying the link; the outbox
 * workers (src/mail/outbox.c) deliver, retry, and scrub the text once it is sent or has
 * finally failed. So the password changes when the request succeeds, not when the mail
 * arrives: a mail that finally fails leaves a password nobody knows (the outbox shows
 * it failed; mailing again sets another), never an old one that still works after the
 * administrator was told a new one was sent. "Forgot password" requests are only
 * recorded by the request; the worker composes them (rd_credentials_forgot_compose). */
#include "domain/credentials.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "base/fold.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "domain/account.h"
#include "domain/audit.h"
#include "domain/mail.h"
#include "domain/person.h"
#include "domain/record.h"

#define RESET_TOKEN_LEN 44 /* 43 base64url characters of 32 random bytes + NUL */

typedef enum kind { KIND_USERNAME, KIND_PASSWORD, KIND_LINK } kind;
static const char *const KIND_NAMES[] = {"username", "password", "reset_link"};

/* ---- small helpers ---- */

static void time_in(int seconds, char out[RD_TIME_LEN]) {
  time_t t = time(NULL) + seconds;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, RD_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm); /* the format of rd_time_now */
}

/* Reset tokens are 256-bit secrets: a fast hash is right (as for API tokens). */
static void token_hash(const char *token, char out[65]) {
  unsigned char h[32];
  crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
  sodium_bin2hex(out, 65, h, sizeof h);
}

static void random_password(char out[RD_RANDOM_PASSWORD_LEN + 1]) {
  /* No 0/O, 1/l/I: the password is read from a mail and typed. */
  static const char ALPHABET[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  for (int i = 0; i < RD_RANDOM_PASSWORD_LEN; i++)
    out[i] = ALPHABET[randombytes_uniform(sizeof ALPHABET - 1)];
  out[RD_RANDOM_PASSWORD_LEN] = 0;
}

/* ---- the person mail goes to ---- */

typedef struct target {
  int64_t id;
  json_t *person;   /* API record */
  json_t *settings; /* the account's, with secrets */
  json_t *account;  /* {"id", "name"} */
  const char *send_to;
  int64_t nquestions;
} target;

static void target_term(target *t) {
  json_decref(t->person);
  json_decref(t->settings);
  json_decref(t->account);
  memset(t, 0, sizeof *t);
}

/* Reads person id as who sees it, with the account's settings; 422 when mail to it
 * cannot help it sign in. */
static int target_load(rd_conn *c, const rd_caller *who, int64_t id, target *t, rd_err *err) {
  memset(t, 0, sizeof *t);
  t->id = id;
  int rv = rd_person_get(c, who, id, &t->person, NULL, err);
  if (!rv)
    rv = rd_account_settings(c, who->account_id, &t->settings, err);
  if (rv)
    return rv;
  t->account = rd_account_ref(c, who->account_id);
  /* CUST-2: mail goes to send_to. */
  t->send_to = json_string_value(json_object_get(t->person, "send_to"));
  if (!t->send_to || !*t->send_to)
    t->send_to = json_string_value(json_object_get(t->person, "primary_email"));
  if (!t->send_to || !*t->send_to)
    rd_err_field(err, "send_to", "the person has no email address to send to");
  for (const char *p = t->send_to ? t->send_to : ""; *p; p++) {
    if ((unsigned char)*p >= 0x80) {
      rd_err_field(err, "send_to", "is an internationalized address, which needs SMTPUTF8 (not"
                                   " supported yet)");
      break;
    }
  }
  if (json_is_true(json_object_get(t->person, "deleted")))
    rd_err_field(err, "deleted", "the person is deleted and cannot sign in");
  if (!json_is_true(json_object_get(t->person, "web_access")))
    rd_err_field(err, "web_access", "is off: the person cannot sign in");
  if (err && err->code)
    return err->code;
  rv = rd_sql_int64(c, &t->nquestions, err,
                    "SELECT COUNT(*) FROM security_questions WHERE person_id = ?", "i", id);
  return rv < 0 ? rv : 0;
}

static const char *pstr(json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

/* Composes the mail of kind k for t into subject and body (both initialized by the
 * caller); secret is the password or the link token, base_url the --public-url. */
static void compose(target *t, kind k, const char *secret, const char *base_url, rd_buf *subject,
                    rd_buf *body) {
  const char *account_name = pstr(t->account, "name");
  const char *account_id = pstr(t->account, "id");
  const char *username = pstr(t->person, "username");
  rd_buf_adds(body, "Hello ");
  for (const char *p = pstr(t->person, "name"); *p; p++) /* a name on one line */
    rd_buf_add(body, (unsigned char)*p < 0x20 ? " " : p, 1);
  rd_buf_adds(body, ",\n\n");
  switch (k) {
  case KIND_PASSWORD:
    rd_buf_printf(subject, "Your new password for %s", account_name);
    rd_buf_printf(body,
                  "A new password has been set for you at %s. Sign in with:\n\n"
                  "  Account:   %s\n  Username:  %s\n  Password:  %s\n\n"
                  "Sign-in page: %s/\n\n"
                  "Keep this password to yourself. If you did not expect this message, tell\n"
                  "your service desk.\n",
                  account_name, account_id, username, secret, base_url);
    break;
  case KIND_LINK:
    rd_buf_printf(subject, "Set your password for %s", account_name);
    rd_buf_printf(body,
                  "To set a new password for your sign-in at %s (account %s, username %s),\n"
                  "open this link within one hour:\n\n%s/v1/password_reset/%s\n\n"
                  "The page asks your security questions, if you have any, and then your new\n"
                  "password. The link works once. If you did not ask for this, ignore this\n"
                  "message: your password stays as it is.\n",
                  account_name, account_id, username, base_url, secret);
    break;
  case KIND_USERNAME:
    rd_buf_printf(subject, "Your sign-in details for %s", account_name);
    rd_buf_printf(body,
                  "Your sign-in details for %s:\n\n  Account:   %s\n  Username:  %s\n\n"
                  "Sign-in page: %s/\n\n"
                  "Use the password you chose. If you have none yet or forgot it, ask your\n"
                  "service desk to send you one.\n",
                  account_name, account_id, username, base_url);
    break;
  }
}

static rd_mail mail_of(target *t, rd_buf *subject, rd_buf *body) {
  const char *account_name = pstr(t->account, "name");
  return (rd_mail){.from_name = account_name,
                   .to = t->send_to,
                   .to_name = pstr(t->person, "name"),
                   .subject = rd_buf_cstr(subject),
                   .body = rd_buf_cstr(body)};
}

static void secret_term(rd_buf *b) {
  if (b->data)
    sodium_memzero(b->data, b->len); /* it may hold a password or a link */
  rd_buf_term(b);
}

/* A new reset link's secret; its row is written by store_change. */
static void link_token(char token[RESET_TOKEN_LEN]) {
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  rd_b64url_encode(raw, sizeof raw, token);
  sodium_memzero(raw, sizeof raw);
}

/* Writes the reset link row of token for person_id of account_id. */
static int link_create(rd_conn *c, const char *account_id, int64_t person_id,
                       int64_t created_by, const char *token, rd_err *err) {
  char hash[65], now[RD_TIME_LEN], expires[RD_TIME_LEN];
  token_hash(token, hash);
  rd_time_now(now);
  time_in(RD_RESET_VALID_S, expires);
  int64_t row = 0;
  int rv = rd_next_id(c, &row, err);
  if (!rv)
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO password_resets (id, account_id, person_id, token_hash,"
                     " created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     "itit" "Itt", row, account_id, person_id, hash, created_by, now, expires);
  return rv;
}

/* ---- storing a password ---- */

typedef struct pw_change {
  const rd_caller *who;
  int64_t person_id;
  const char *hash;   /* new argon2id hash, or NULL (audit only) */
  const char *action; /* audit action */
  json_t *changes;    /* audit changes (borrowed) */
  int64_t reset_id;   /* the link being used, or 0 */
  const char *link;   /* a new reset link's token to store, or NULL */
  const rd_mail *mail; /* the mail to queue with the change, or NULL */
  int64_t outbox_id;  /* out: the queued mail */
} pw_change;

static int store_change(rd_conn *c, void *arg, rd_err *err) {
  pw_change *a = arg;
  char now[RD_TIME_LEN];
  rd_time_now(now);
  int64_t changed = 0;
  int rv = 0;
  if (a->reset_id) {
    /* Single use, also against a concurrent request with the same link. */
    rv = rd_sql_exec(c, &changed, err,
                     "UPDATE password_resets SET used_at = ? WHERE id = ? AND used_at IS NULL"
                     " AND expires_at > ?",
                     "tit", now, a->reset_id, now);
    if (!rv && changed != 1) {
      rd_err_set(err, RD_ENOTFOUND, "This link has already been used or has expired");
      if (err)
        err->status = 410;
      return RD_ENOTFOUND;
    }
  }
  if (!rv && a->hash) {
    rv = rd_sql_exec(c, &changed, err,
                     "UPDATE people SET password_hash = ?, version = version + 1, updated_at = ?"
                     " WHERE id = ? AND account_id = ? AND NOT deleted",
                     "ttit", a->hash, now, a->person_id, a->who->account_id);
    if (!rv && changed != 1)
      rv = rd_err_set(err, RD_ENOTFOUND, "No person with id %lld", (long long)a->person_id);
    /* Whoever held the old password loses the sessions it opened; API tokens stay. */
    if (!rv)
      rv = rd_sql_exec(c, NULL, err,
                       "UPDATE api_tokens SET revoked = ? WHERE person_id = ? AND kind = ?", "bit",
                       1, a->person_id, "session");
    /* Every other open link of the person stops working with the new password. */
    if (!rv)
      rv = rd_sql_exec(c, NULL, err,
                       "UPDATE password_resets SET used_at = ? WHERE person_id = ?"
                       " AND used_at IS NULL",
                       "ti", now, a->person_id);
  }
  /* After the password: the new password spends every older link, not this one. */
  if (!rv && a->link)
    rv = link_create(c, a->who->account_id, a->person_id, a->who->person_id, a->link, err);
  if (!rv)
    rv = rd_audit_write(c, a->who, "person", a->person_id, a->action, a->changes, err);
  /* ACC-8: the mail is queued with the change it announces, or neither happens. */
  if (!rv && a->mail)
    rv = rd_mail_queue(c, a->who->account_id, "credentials", a->person_id, a->mail,
                       &a->outbox_id, err);
  return rv;
}

/* ---- staff: POST /v1/people/{id}/credentials_email ---- */

int rd_credentials_email(rd_conn *c, const rd_caller *who, int64_t id, const char *base_url,
                         json_t **out, rd_err *err) {
  target t = {0};
  json_t *changes = NULL;
  char hash[128] = "";
  /* ACC-7: mailing a password (or a link to set one) is managing the person. */
  int rv = rd_person_check_manage(c, who, id, NULL, err);
  if (!rv)
    rv = target_load(c, who, id, &t, err);
  if (!rv)
    rv = rd_mail_configured(json_object_get(t.settings, "smtp"), err);
  if (rv)
    goto out;
  bool questions = json_is_true(json_object_get(t.settings, "password_questions"));
  bool random = json_is_true(json_object_get(t.settings, "random_passwords"));
  kind k = questions && t.nquestions > 0 ? KIND_LINK : random ? KIND_PASSWORD : KIND_USERNAME;
  if (questions && !t.nquestions && !random) {
    rv = rd_err_field(err, "security_questions",
                      "none are set for this person; set them with PUT "
                      "/v1/people/%lld/security_questions or turn on random passwords",
                      (long long)id);
    goto out;
  }
  changes = json_pack("{s:{s:s}}", "credentials_email", "new", KIND_NAMES[k]);
  pw_change change = {.who = who, .person_id = id, .action = "credentials_email",
                      .changes = changes};
  char secret[RESET_TOKEN_LEN] = "";
  if (k == KIND_LINK) {
    link_token(secret);
    change.link = secret;
  } else if (k == KIND_PASSWORD) {
    /* ACC-8: stored together with the queued mail (argon2id first, outside the
     * transaction); see the file comment. */
    random_password(secret);
    rv = rd_password_hash(secret, hash, err);
    change.hash = hash;
    json_object_set_new(changes, "password", json_pack("{s:b}", "changed", 1));
  }
  rd_buf subject, body;
  rd_buf_init(&subject);
  rd_buf_init(&body);
  compose(&t, k, secret, base_url, &subject, &body);
  rd_mail m = mail_of(&t, &subject, &body);
  change.mail = &m;
  if (!rv)
    rv = rd_with_tx(c, err, store_change, &change);
  sodium_memzero(secret, sizeof secret);
  secret_term(&body);
  rd_buf_term(&subject);
  if (!rv)
    *out = json_pack("{s:s,s:s,s:I,s:s}", "kind", KIND_NAMES[k], "sent_to", t.send_to,
                     "outbox_id", (json_int_t)change.outbox_id, "state", "queued");
out:
  sodium_memzero(hash, sizeof hash);
  json_decref(changes);
  target_term(&t);
  return rv;
}

/* ---- anyone: POST /v1/password_reset ---- */

int rd_credentials_forgot(rd_conn *c, const char *account_id, const char *username,
                          const char *email, rd_err *err) {
  /* ACC-8: the request is stored as asked, nothing looked up: the same work, the same
   * time and the same answer whoever it names. The outbox worker does the rest. */
  json_t *request = username ? json_pack("{s:s}", "username", username)
                             : json_pack("{s:s}", "email", email ? email : "");
  int rv = rd_mail_request(c, account_id, "password_reset", request, err);
  json_decref(request);
  return rv;
}

int rd_credentials_forgot_compose(rd_conn *c, int64_t outbox_id, const char *worker,
                                  const char *account_id, json_t *request,
                                  const char *base_url, bool *dropped, rd_err *err) {
  const char *username = json_string_value(json_object_get(request, "username"));
  const char *email = json_string_value(json_object_get(request, "email"));
  int64_t id = 0;
  int rv = RD_DONE;
  char token[RESET_TOKEN_LEN] = "";
  rd_buf subject, body;
  rd_buf_init(&subject);
  rd_buf_init(&body);
  target t;
  memset(&t, 0, sizeof t);
  *dropped = false;
  if (!rd_account_id_valid(account_id)) {
    rv = RD_DONE;
  } else if (username) {
    char hash[128];
    rv = rd_person_for_login(c, account_id, username, &id, hash, err);
    sodium_memzero(hash, sizeof hash);
  } else if (email) {
    rv = rd_sql_int64(c, &id, err,
                      "SELECT e.person_id FROM person_emails e JOIN people p ON p.id = e.person_id"
                      " WHERE e.account_id = ? AND e.address = LOWER(?) AND NOT p.deleted"
                      " AND p.web_access",
                      "tt", account_id, email);
  }
  if (rv < 0)
    goto out;
  rd_caller system = rd_system_caller(account_id);
  rd_err quiet; /* why nothing is sent goes to the log, never to anyone who asks */
  rd_err_clear(&quiet);
  bool send = rv == RD_ROW;
  if (send && target_load(c, &system, id, &t, &quiet))
    send = false;
  if (send && rd_mail_configured(json_object_get(t.settings, "smtp"), &quiet))
    send = false;
  if (!send && quiet.code && quiet.code != RD_EINVAL && quiet.code != RD_ENOTFOUND) {
    if (err)
      *err = quiet; /* database trouble: the worker tries again */
    rv = quiet.code;
    goto out;
  }
  if (!send) {
    if (quiet.code)
      rd_log(RD_LOG_INFO, "password reset for person %lld in %s not mailed: %s", (long long)id,
             account_id, quiet.message);
    *dropped = true;
    rv = rd_mail_drop(c, outbox_id, worker, err);
    goto out;
  }
  bool questions = json_is_true(json_object_get(t.settings, "password_questions"));
  bool random = json_is_true(json_object_get(t.settings, "random_passwords"));
  /* Asking never changes a password: where staff would mail a random one, the person
   * gets a link and chooses it (nobody can lock someone else out by asking). */
  kind k = (questions && t.nquestions > 0) || random ? KIND_LINK : KIND_USERNAME;
  if (k == KIND_LINK)
    link_token(token);
  compose(&t, k, token, base_url, &subject, &body);
  rd_mail m = mail_of(&t, &subject, &body);
  /* The link row and the message in one transaction. */
  rv = rd_tx_begin(c, true, err);
  if (!rv && k == KIND_LINK)
    rv = link_create(c, account_id, id, 0, token, err);
  if (!rv)
    rv = rd_mail_resolve(c, outbox_id, worker, id, &m, err);
  if (!rv)
    rv = rd_tx_commit(c, err);
  else
    rd_tx_rollback(c);
out:
  sodium_memzero(token, sizeof token);
  secret_term(&body);
  rd_buf_term(&subject);
  target_term(&t);
  return rv < 0 ? rv : 0;
}

/* ---- security questions ---- */

/* Who may read (write: change) person id's questions: itself, staff to read, managers to
 * change; 404 when the caller may not see the person at all. */
static int questions_access(rd_conn *c, const rd_caller *who, int64_t id, bool write,
                            rd_err *err) {
  if (id != who->person_id) {
    if (!rd_caller_has(who, RD_ROLES_STAFF))
      return rd_err_set(err, RD_ENOTFOUND, "No person with id %lld", (long long)id);
    /* ACC-7: the questions let whoever knows the answers set a password. */
    int mrv = write ? rd_person_check_manage(c, who, id, NULL, err) : 0;
    if (mrv)
      return mrv;
  }
  json_t *person = NULL;
  int rv = rd_person_get(c, who, id, &person, NULL, err);
  json_decref(person);
  return rv;
}

static bool text_ok(json_t *v, size_t max) {
  return json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v) &&
         rd_utf8_len(json_string_value(v)) <= max;
}

static int questions_check(json_t *body, rd_err *err) {
  const char *k;
  json_t *v;
  json_object_foreach(body, k, v) {
    if (strcmp(k, "questions"))
      rd_err_field(err, k, "unknown field");
  }
  json_t *list = json_object_get(body, "questions");
  if (!json_is_array(list) || json_array_size(list) < 1 || json_array_size(list) > RD_QUESTIONS_MAX)
    return rd_err_field(err, "questions", "must be an array of 1 to %d questions",
                        RD_QUESTIONS_MAX);
  size_t i;
  json_t *q;
  json_array_foreach(list, i, q) {
    char path[64];
    if (!json_is_object(q)) {
      snprintf(path, sizeof path, "questions[%zu]", i);
      rd_err_field(err, path, "must be an object {\"question\": ..., \"answer\": ...}");
      continue;
    }
    json_object_foreach(q, k, v) {
      if (strcmp(k, "question") && strcmp(k, "answer")) {
        snprintf(path, sizeof path, "questions[%zu].%.32s", i, k);
        rd_err_field(err, path, "unknown field");
      }
    }
    static const char *const FIELDS[] = {"question", "answer"};
    for (int f = 0; f < 2; f++) {
      json_t *s = json_object_get(q, FIELDS[f]);
      snprintf(path, sizeof path, "questions[%zu].%s", i, FIELDS[f]);
      rd_buf norm;
      rd_buf_init(&norm);
      if (text_ok(s, RD_QUESTION_MAX))
        rd_fold(json_string_value(s), false, &norm);
      if (!text_ok(s, RD_QUESTION_MAX) || norm.len == 0)
        rd_err_field(err, path, "is required: text of 1 to %d characters", RD_QUESTION_MAX);
      rd_buf_term(&norm);
    }
  }
  return err && err->code ? err->code : 0;
}

static json_t *questions_public(json_t *list) {
  json_t *out = json_array();
  size_t i;
  json_t *q;
  json_array_foreach(list, i, q) {
    json_array_append_new(out, json_pack("{s:O}", "question", json_object_get(q, "question")));
  }
  return json_pack("{s:o}", "questions", out);
}

typedef struct qs_args {
  const rd_caller *who;
  int64_t id;
  json_t *list;
  char (*hashes)[128];
} qs_args;

static int store_questions(rd_conn *c, void *arg, rd_err *err) {
  qs_args *a = arg;
  char now[RD_TIME_LEN];
  rd_time_now(now);
  int rv = rd_sql_exec(c, NULL, err, "DELETE FROM security_questions WHERE person_id = ?", "i",
                       a->id);
  size_t i;
  json_t *q;
  json_array_foreach(a->list, i, q) {
    if (rv)
      break;
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO security_questions (account_id, person_id, seq, question,"
                     " answer_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                     "tiittt", a->who->account_id, a->id, (int64_t)i,
                     json_string_value(json_object_get(q, "question")), a->hashes[i], now);
  }
  json_t *changes = json_pack("{s:{s:b}}", "security_questions", "changed", 1);
  if (!rv)
    rv = rd_audit_write(c, a->who, "person", a->id, "update", changes, err);
  json_decref(changes);
  return rv;
}

int rd_security_questions_set(rd_conn *c, const rd_caller *who, int64_t id, json_t *body,
                              json_t **out, rd_err *err) {
  int rv = questions_access(c, who, id, true, err);
  if (!rv)
    rv = questions_check(body, err);
  if (rv)
    return rv;
  json_t *list = json_object_get(body, "questions");
  size_t n = json_array_size(list);
  char(*hashes)[128] = rd_calloc(n, sizeof *hashes);
  size_t i;
  json_t *q;
  /* argon2id outside the transaction: it takes tens of milliseconds per answer. */
  json_array_foreach(list, i, q) {
    rd_buf norm;
    rd_buf_init(&norm);
    rd_fold(json_string_value(json_object_get(q, "answer")), false, &norm);
    if (!rv)
      rv = rd_password_hash(norm.data, hashes[i], err);
    sodium_memzero(norm.data, norm.len);
    rd_buf_term(&norm);
  }
  qs_args a = {who, id, list, hashes};
  if (!rv)
    rv = rd_with_tx(c, err, store_questions, &a);
  if (!rv)
    *out = questions_public(list);
  rd_free(hashes);
  return rv;
}

/* The questions of person id as [{"question", "answer_hash"}] (hashes for checking). */
static int questions_read(rd_conn *c, int64_t id, json_t **out, rd_err *err) {
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err,
                  "SELECT question, answer_hash FROM security_questions WHERE person_id = ?"
                  " ORDER BY seq",
                  "i", id);
  if (rv)
    return rv;
  json_t *list = json_array();
  while ((rv = rd_stmt_step(s, err)) == RD_ROW)
    json_array_append_new(list, json_pack("{s:s,s:s}", "question", rd_stmt_text(s, 0),
                                          "answer_hash", rd_stmt_text(s, 1)));
  rd_stmt_done(s);
  if (rv < 0) {
    json_decref(list);
    return rv;
  }
  *out = list;
  return 0;
}

int rd_security_questions_get(rd_conn *c, const rd_caller *who, int64_t id, json_t **out,
                              rd_err *err) {
  json_t *list = NULL;
  int rv = questions_access(c, who, id, false, err);
  if (!rv)
    rv = questions_read(c, id, &list, err);
  if (!rv)
    *out = questions_public(list);
  json_decref(list);
  return rv;
}

/* ---- the reset link ---- */

typedef struct reset {
  int64_t id, person_id, attempts;
  rd_caller person; /* the person as the caller of its own reset (audit) */
  json_t *info;     /* what rd_password_reset_open answers */
  json_t *questions; /* with hashes */
} reset;

static void reset_term(reset *r) {
  json_decref(r->info);
  json_decref(r->questions);
  memset(r, 0, sizeof *r);
}

static int gone(rd_err *err, const char *msg) {
  rd_err_set(err, RD_ENOTFOUND, "%s", msg);
  if (err)
    err->status = 410;
  return RD_ENOTFOUND;
}

static int reset_find(rd_conn *c, const char *token, reset *r, rd_err *err) {
  memset(r, 0, sizeof *r);
  if (!token || strlen(token) != RESET_TOKEN_LEN - 1)
    return rd_err_set(err, RD_ENOTFOUND, "No such password reset link");
  char hash[65], now[RD_TIME_LEN];
  token_hash(token, hash);
  rd_time_now(now);
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err,
                  "SELECT r.id, r.person_id, r.account_id, r.expires_at, r.used_at, r.attempts,"
                  " p.username, p.first_name, p.last_name, p.roles, p.deleted, p.web_access"
                  " FROM password_resets r JOIN people p ON p.id = r.person_id"
                  " WHERE r.token_hash = ?",
                  "t", hash);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  if (rv == RD_DONE) {
    rd_stmt_done(s);
    return rd_err_set(err, RD_ENOTFOUND, "No such password reset link");
  }
  if (rv < 0) {
    rd_stmt_done(s);
    return rv;
  }
  r->id = rd_stmt_int64(s, 0);
  r->person_id = rd_stmt_int64(s, 1);
  r->attempts = rd_stmt_int64(s, 5);
  snprintf(r->person.account_id, sizeof r->person.account_id, "%s", rd_stmt_text(s, 2));
  r->person.person_id = r->person_id;
  r->person.roles = (unsigned)rd_stmt_int64(s, 9);
  snprintf(r->person.name, sizeof r->person.name, "%s %s", rd_stmt_text(s, 7),
           rd_stmt_text(s, 8));
  bool used = !rd_stmt_null(s, 4), expired = strcmp(rd_stmt_text(s, 3), now) <= 0;
  bool locked = rd_stmt_bool(s, 10) || !rd_stmt_bool(s, 11);
  r->info = json_pack("{s:s,s:s,s:s,s:s}", "account", r->person.account_id, "username",
                      rd_stmt_text(s, 6), "name", r->person.name, "expires_at",
                      rd_stmt_text(s, 3));
  rd_stmt_done(s);
  if (used)
    return gone(err, "This link has already been used. Ask for a new one.");
  if (expired)
    return gone(err, "This link has expired (links work for one hour). Ask for a new one.");
  if (locked)
    return gone(err, "This link no longer works: the person cannot sign in.");
  json_t *settings = NULL;
  rv = rd_account_settings(c, r->person.account_id, &settings, err);
  if (!rv) {
    json_t *account = rd_account_ref(c, r->person.account_id);
    json_t *name = json_object_get(account, "name");
    json_object_set_new(r->info, "account_name", name ? json_incref(name) : json_null());
    json_decref(account);
  }
  /* Questions are asked while the account wants them; answers were set by the person. */
  if (!rv && json_is_true(json_object_get(settings, "password_questions")))
    rv = questions_read(c, r->person_id, &r->questions, err);
  json_decref(settings);
  if (rv)
    return rv;
  if (!r->questions)
    r->questions = json_array();
  json_t *texts = json_array();
  size_t i;
  json_t *q;
  json_array_foreach(r->questions, i, q) json_array_append(texts, json_object_get(q, "question"));
  json_object_set_new(r->info, "questions", texts);
  return 0;
}

int rd_password_reset_open(rd_conn *c, const char *token, json_t **out, rd_err *err) {
  reset r;
  int rv = reset_find(c, token, &r, err);
  if (!rv)
    *out = json_incref(r.info);
  reset_term(&r);
  return rv;
}

int rd_password_reset_complete(rd_conn *c, const char *token, json_t *answers,
                               const char *password, json_t **out, rd_err *err) {
  reset r;
  char hash[128] = "";
  json_t *changes = NULL;
  int rv = reset_find(c, token, &r, err);
  if (rv)
    goto out;
  size_t n = json_array_size(r.questions);
  if (!password || strlen(password) < 8 || strlen(password) > RD_PASSWORD_MAX)
    rd_err_field(err, "password", "must be 8 to %d characters", RD_PASSWORD_MAX);
  if (n && (!json_is_array(answers) || json_array_size(answers) != n))
    rd_err_field(err, "answers", "must answer each of the %zu questions", n);
  if (err && err->code) {
    rv = err->code;
    goto out;
  }
  /* Every answer is checked, right or wrong, so the time says nothing of which failed. */
  bool right = true;
  size_t i;
  json_t *q;
  json_array_foreach(r.questions, i, q) {
    rd_buf norm;
    rd_buf_init(&norm);
    const char *a = json_string_value(json_array_get(answers, i));
    rd_fold(a, false, &norm);
    const char *stored = json_string_value(json_object_get(q, "answer_hash"));
    bool match = rd_password_verify(stored, norm.data ? norm.data : "");
    right &= a && norm.len && match;
    if (norm.data)
      sodium_memzero(norm.data, norm.len);
    rd_buf_term(&norm);
  }
  if (!right) {
    char now[RD_TIME_LEN];
    rd_time_now(now);
    rv = rd_sql_exec(c, NULL, err,
                     "UPDATE password_resets SET attempts = attempts + 1,"
                     " used_at = CASE WHEN attempts + 1 >= ? THEN ? ELSE used_at END WHERE id = ?",
                     "iti", (int64_t)RD_RESET_ATTEMPTS_MAX, now, r.id);
    if (!rv && r.attempts + 1 >= RD_RESET_ATTEMPTS_MAX)
      rv = gone(err, "Too many wrong answers: this link no longer works. Ask for a new one.");
    else if (!rv) {
      rd_err_field(err, "answers", "do not match the answers on record");
      rv = RD_EINVAL;
    }
    goto out;
  }
  rv = rd_password_hash(password, hash, err);
  if (rv)
    goto out;
  changes = json_pack("{s:{s:b}}", "password", "changed", 1);
  pw_change change = {.who = &r.person, .person_id = r.person_id, .hash = hash,
                      .action = "password_reset", .changes = changes, .reset_id = r.id};
  rv = rd_with_tx(c, err, store_change, &change);
  if (!rv)
    *out = json_incref(r.info);
out:
  sodium_memzero(hash, sizeof hash);
  json_decref(changes);
  reset_term(&r);
  return rv;
}
