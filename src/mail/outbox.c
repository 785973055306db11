/* Outbox delivery and listing: see outbox.h. The one place that talks to SMTP servers;
 * it sits above src/domain/ (it composes "forgot password" mail with
 * rd_credentials_forgot_compose and sends with rd_smtp_send, smtp.c) and below src/api/. */
#include "mail/outbox.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "domain/account.h"
#include "domain/credentials.h"
#include "domain/mail.h"
#include "mail/smtp.h"
#include "store/worker.h"

static void time_in(int seconds, char out[RD_TIME_LEN]) {
  time_t t = time(NULL) + seconds;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, RD_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm); /* the format of rd_time_now */
}

int rd_outbox_backoff(int attempts, int first_s) {
  long long s = first_s > 0 ? first_s : RD_OUTBOX_RETRY_S;
  for (int i = 1; i < attempts && s < RD_OUTBOX_RETRY_MAX_S; i++)
    s *= 4;
  return s < RD_OUTBOX_RETRY_MAX_S ? (int)s : RD_OUTBOX_RETRY_MAX_S;
}

/* ---- claiming ---- */

/* What is due: queued and its time has come, or sending under a lease that ran out. */
#define DUE "((state = 'queued' AND next_attempt_at <= ?) OR (state = 'sending' AND lease_until < ?))"
enum { CANDIDATES = 8 };

/* Claims one due message for worker: RD_ROW with *id, RD_DONE when none is due. Of the
 * accounts with a message being sent under a live lease, none is picked (one message per
 * account at a time: a silent server holds one worker, not all). The claim is the
 * conditional UPDATE: of two workers that picked the same message, one changes the row and
 * the other changes nothing (PostgreSQL re-checks the condition on the row the first one
 * committed) and tries the next candidate. */
static int claim(rd_conn *c, const char *worker, int64_t *id, rd_err *err) {
  char now[RD_TIME_LEN], lease[RD_TIME_LEN];
  rd_time_now(now);
  time_in(RD_OUTBOX_LEASE_S, lease);
  int64_t ids[CANDIDATES];
  int n = 0;
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err,
                  "SELECT id FROM outbox WHERE " DUE " AND account_id NOT IN"
                  " (SELECT account_id FROM outbox WHERE state = 'sending' AND lease_until >= ?)"
                  " ORDER BY next_attempt_at, id LIMIT ?",
                  "ttti", now, now, now, (int64_t)CANDIDATES);
  if (rv)
    return rv;
  while (n < CANDIDATES && (rv = rd_stmt_step(s, err)) == RD_ROW)
    ids[n++] = rd_stmt_int64(s, 0);
  rd_stmt_done(s);
  if (rv < 0)
    return rv;
  for (int i = 0; i < n; i++) {
    int64_t changed = 0;
    rv = rd_sql_exec(c, &changed, err,
                     "UPDATE outbox SET state = 'sending', claimed_by = ?, lease_until = ?,"
                     " attempts = attempts + 1, updated_at = ? WHERE id = ? AND " DUE,
                     "tttitt", worker, lease, now, ids[i], now, now);
    if (rv)
      return rv;
    if (changed == 1) {
      *id = ids[i];
      return RD_ROW;
    }
  }
  return RD_DONE;
}

/* ---- one message ---- */

typedef struct msg {
  int64_t id;
  int attempts;
  char account_id[RD_ACCOUNT_ID_MAX + 1];
  char kind[32];
  char *recipient, *recipient_name, *sender_name, *subject, *body, *request, *cc, *message_id;
} msg;

static char *dup_or_null(rd_stmt *s, int i) {
  return rd_stmt_null(s, i) ? NULL : rd_strdup(rd_stmt_text(s, i));
}

static void msg_term(msg *m) {
  if (m->body)
    sodium_memzero(m->body, strlen(m->body));
  rd_free(m->recipient);
  rd_free(m->recipient_name);
  rd_free(m->sender_name);
  rd_free(m->subject);
  rd_free(m->body);
  rd_free(m->request);
  rd_free(m->cc);
  rd_free(m->message_id);
  memset(m, 0, sizeof *m);
}

static int msg_load(rd_conn *c, int64_t id, const char *worker, msg *m, rd_err *err) {
  msg_term(m);
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err,
                  "SELECT account_id, kind, attempts, recipient, recipient_name, sender_name,"
                  " subject, body, request, cc, message_id FROM outbox WHERE id = ?"
                  " AND claimed_by = ? AND state = 'sending'",
                  "it", id, worker);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  if (rv == RD_ROW) {
    m->id = id;
    snprintf(m->account_id, sizeof m->account_id, "%s", rd_stmt_text(s, 0));
    snprintf(m->kind, sizeof m->kind, "%s", rd_stmt_text(s, 1));
    m->attempts = (int)rd_stmt_int64(s, 2);
    m->recipient = dup_or_null(s, 3);
    m->recipient_name = dup_or_null(s, 4);
    m->sender_name = dup_or_null(s, 5);
    m->subject = dup_or_null(s, 6);
    m->body = dup_or_null(s, 7);
    m->request = dup_or_null(s, 8);
    m->cc = dup_or_null(s, 9);
    m->message_id = dup_or_null(s, 10);
  }
  rd_stmt_done(s);
  if (rv == RD_DONE)
    return rd_err_set(err, RD_ECONFLICT, "outbox message %lld was taken over", (long long)id);
  return rv < 0 ? rv : 0;
}

typedef enum outcome { SENT, RETRY, FAILED, REQUEUE } outcome;

/* Records how the attempt went. The text goes once the message is sent or has finally
 * failed: it may carry a password or a reset link (ACC-8). */
static int finish(rd_conn *c, const msg *m, const char *worker, outcome o, const char *error,
                  int retry_s, rd_err *err) {
  char now[RD_TIME_LEN], next[RD_TIME_LEN];
  rd_time_now(now);
  int64_t changed = 0;
  int rv = 0;
  switch (o) {
  case SENT:
    rv = rd_sql_exec(c, &changed, err,
                     "UPDATE outbox SET state = 'sent', sent_at = ?, updated_at = ?, body = NULL,"
                     " last_error = NULL, lease_until = NULL WHERE id = ? AND claimed_by = ?"
                     " AND state = 'sending'",
                     "ttit", now, now, m->id, worker);
    break;
  case FAILED:
    rv = rd_sql_exec(c, &changed, err,
                     "UPDATE outbox SET state = 'failed', updated_at = ?, body = NULL,"
                     " last_error = ?, lease_until = NULL WHERE id = ? AND claimed_by = ?"
                     " AND state = 'sending'",
                     "ttit", now, error, m->id, worker);
    break;
  case RETRY:
  case REQUEUE:
    /* REQUEUE: the daemon is stopping; the attempt did not count. */
    time_in(o == RETRY ? rd_outbox_backoff(m->attempts, retry_s) : 0, next);
    rv = rd_sql_exec(c, &changed, err,
                     "UPDATE outbox SET state = 'queued', next_attempt_at = ?, updated_at = ?,"
                     " last_error = COALESCE(?, last_error), attempts = attempts - ?,"
                     " lease_until = NULL WHERE id = ? AND claimed_by = ? AND state = 'sending'",
                     "ttti" "it", next, now, o == RETRY ? error : NULL,
                     (int64_t)(o == REQUEUE ? 1 : 0), m->id, worker);
    break;
  }
  if (!rv && changed != 1)
    rd_log(RD_LOG_WARN, "outbox %lld: taken over by another worker before it was recorded",
           (long long)m->id);
  return rv;
}

/* Sends claimed message id. */
static int deliver(rd_conn *c, int64_t id, const char *worker, const rd_outbox_opts *o,
                   const atomic_bool *stop, rd_err *err) {
  msg m;
  memset(&m, 0, sizeof m);
  json_t *settings = NULL;
  int rv = msg_load(c, id, worker, &m, err);
  if (rv)
    goto out;
  if (!m.recipient && m.request && !strcmp(m.kind, "password_reset")) {
    json_t *request = json_loads(m.request, 0, NULL);
    bool dropped = false;
    rv = rd_credentials_forgot_compose(c, id, worker, m.account_id, request, o->public_url,
                                       &dropped, err);
    json_decref(request);
    if (!rv && !dropped)
      rv = msg_load(c, id, worker, &m, err);
    if (rv && rv != RD_ECONFLICT) {
      /* Database trouble: try again later rather than hold the lease. */
      rd_log(RD_LOG_WARN, "outbox %lld: %s", (long long)id, err->message);
      rd_err_clear(err);
      m.id = id;
      rv = finish(c, &m, worker, RETRY, "The message could not be composed; it is retried",
                  o->retry_s, err);
      goto out;
    }
    if (rv || dropped)
      goto out;
  }
  if (!m.recipient) {
    rv = finish(c, &m, worker, FAILED, "Nothing to send", 0, err);
    goto out;
  }
  rd_err sent;
  rd_err_clear(&sent);
  rv = rd_account_settings(c, m.account_id, &settings, &sent);
  if (rv == RD_ENOTFOUND) {
    rv = finish(c, &m, worker, FAILED, "The account no longer exists", 0, err);
    goto out;
  }
  if (rv) {
    *err = sent;
    goto out;
  }
  rd_mail mail = {.from_name = m.sender_name,
                  .to = m.recipient,
                  .to_name = m.recipient_name,
                  .subject = m.subject,
                  .body = m.body ? m.body : "",
                  .cc = m.cc,
                  .message_id = m.message_id};
  int srv = rd_smtp_send(json_object_get(settings, "smtp"), &mail, stop, &sent);
  outcome how = SENT;
  if (srv && stop && atomic_load(stop))
    how = REQUEUE;
  else if (srv && (sent.status == 502 || m.attempts >= RD_OUTBOX_ATTEMPTS_MAX))
    how = FAILED; /* a 5xx refusal is final; so is the last attempt */
  else if (srv)
    how = RETRY;
  rv = finish(c, &m, worker, how, srv ? sent.message : NULL, o->retry_s, err);
  rd_log(srv ? RD_LOG_WARN : RD_LOG_INFO, "outbox %lld (%s, %s): %s%s%s", (long long)id, m.kind,
         m.account_id, how == SENT ? "sent" : how == FAILED ? "failed: " : "will retry: ",
         srv ? sent.message : "", how == REQUEUE ? " (stopping)" : "");
out:
  json_decref(settings);
  msg_term(&m);
  return rv;
}

int rd_outbox_run_one(rd_conn *c, const char *worker, const rd_outbox_opts *o,
                      const atomic_bool *stop, bool *did, rd_err *err) {
  int64_t id = 0;
  *did = false;
  int rv = claim(c, worker, &id, err);
  if (rv != RD_ROW)
    return rv;
  *did = true;
  return deliver(c, id, worker, o, stop, err);
}

/* ---- GET /v1/outbox ---- */

int rd_outbox_list(rd_conn *c, const rd_caller *who, const char *state, int64_t after, int limit,
                   json_t **out, bool *more, rd_err *err) {
  if (!rd_caller_has(who, RD_ROLE_ACCOUNT_ADMINISTRATOR))
    return rd_err_set(err, RD_EFORBIDDEN, "Only an account administrator may see the outbox");
  static const char *const STATES[] = {"queued", "sending", "sent", "failed", NULL};
  int rv = rd_err_enum(err, "state", state, STATES);
  if (rv)
    return rv;
  rd_stmt *s = NULL;
  rv = rd_sql(c, &s, err,
                  "SELECT id, kind, recipient, subject, state, attempts, last_error, created_at,"
                  " next_attempt_at, sent_at, person_id, cc, message_id FROM outbox"
                  " WHERE account_id = ? AND recipient IS NOT NULL AND id > ?"
                  " AND (? = '' OR state = ?)"
                  " ORDER BY id LIMIT ?",
                  "titti", who->account_id, after, state ? state : "", state ? state : "",
                  (int64_t)limit + 1);
  if (rv)
    return rv;
  json_t *list = json_array();
  int n = 0;
  *more = false;
  while ((rv = rd_stmt_step(s, err)) == RD_ROW) {
    if (n++ == limit) {
      *more = true;
      break;
    }
    bool queued = !strcmp(rd_stmt_text(s, 4), "queued");
    json_array_append_new(
        list, json_pack("{s:I,s:s,s:s,s:s?,s:s?,s:s,s:s,s:I,s:s?,s:s,s:s?,s:s?,s:o}", "id",
                        (json_int_t)rd_stmt_int64(s, 0), "kind", rd_stmt_text(s, 1), "to",
                        rd_stmt_text(s, 2), "cc", rd_stmt_text(s, 11), "message_id",
                        rd_stmt_text(s, 12), "subject", rd_stmt_text(s, 3), "state",
                        rd_stmt_text(s, 4), "attempts", (json_int_t)rd_stmt_int64(s, 5),
                        "last_error", rd_stmt_text(s, 6), "created_at", rd_stmt_text(s, 7),
                        "next_attempt_at", queued ? rd_stmt_text(s, 8) : NULL, "sent_at",
                        rd_stmt_text(s, 9), "person_id",
                        rd_stmt_null(s, 10) ? json_null()
                                            : json_integer(rd_stmt_int64(s, 10))));
  }
  rd_stmt_done(s);
  if (rv < 0) {
    json_decref(list);
    return rv;
  }
  *out = list;
  return 0;
}

/* ---- the workers ---- */

struct rd_outbox {
  rd_worker *worker;
  rd_outbox_opts opts;
};

static int work(rd_conn *c, void *arg, const char *name, const atomic_bool *stop, rd_err *err) {
  rd_outbox *w = arg;
  bool did = false;
  int rv = rd_outbox_run_one(c, name, &w->opts, stop, &did, err);
  return rv < 0 ? rv : did;
}

int rd_outbox_start(rd_db *db, const rd_outbox_opts *o, rd_outbox **out) {
  rd_outbox *w = rd_calloc(1, sizeof *w);
  w->opts = *o;
  int rv = rd_worker_start(db, "mail", o->workers > 0 ? o->workers : RD_OUTBOX_WORKERS, 250,
                           work, w, &w->worker);
  if (rv) {
    rd_free(w);
    return rv;
  }
  *out = w;
  return 0;
}

void rd_outbox_stop(rd_outbox *w) {
  if (!w)
    return;
  rd_worker_stop(w->worker);
  rd_free(w);
}
