/* Mail in (CUST-9): the rules of mail_in.h over the parsed message of mime.c, in one
 * transaction per message, through the domain's own entry points (the record engine for
 * requests and customers, the request notes, attachments, the outbox) so that the same
 * checks and audit apply as to the API. */
#include "mail/mail_in.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "base/str.h"
#include "base/time.h"
#include "domain/account.h"
#include "domain/attachment.h"
#include "domain/audit.h"
#include "domain/mail.h"
#include "domain/person.h"
#include "domain/record.h"
#include "domain/request.h"
#include "domain/validate.h"
#include "mail/mime.h"

#define DEFAULT_PER_MINUTE 20
/* Bytes of the list of dropped attachments; the body text of a note leaves room for it. */
#define DROPPED_TEXT_MAX 2000
#define NOTE_TEXT_MAX (RD_REQUEST_NOTE_MAX - DROPPED_TEXT_MAX - 1000)

/* s cut back to whole UTF-8 characters (a bounded printf may have cut one in two: the
 * text goes to PostgreSQL, which refuses invalid UTF-8). */
static void utf8_cut(char *s) {
  size_t n = strlen(s);
  while (n && !rd_utf8_valid(s, n))
    s[--n] = 0;
}

static void set_outcome(rd_mail_in_result *r, const char *outcome, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_outcome(rd_mail_in_result *r, const char *outcome, const char *fmt, ...) {
  if (outcome != r->outcome)
    snprintf(r->outcome, sizeof r->outcome, "%s", outcome);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->reason, sizeof r->reason, fmt, ap);
  va_end(ap);
  utf8_cut(r->reason);
}

/* Text for a record, as rd_text_clean wants it (the record engine's check): CRLF as LF,
 * control characters (C0 but LF and TAB, DEL, C1) dropped, at most max bytes (cut on a
 * UTF-8 boundary). single: line breaks, tabs and U+2028/U+2029 become spaces. Appends. */
static void clean_text(rd_buf *out, const char *s, size_t max, bool single) {
  size_t start = out->len;
  for (; *s && out->len - start < max; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '\r')
      continue;
    if (ch == 0xC2 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] <= 0x9F) {
      s++; /* a C1 control (U+0080..U+009F): text mislabelled as Latin-1, mostly */
      continue;
    }
    if (single && ch == 0xE2 && (unsigned char)s[1] == 0x80 &&
        ((unsigned char)s[2] == 0xA8 || (unsigned char)s[2] == 0xA9)) {
      s += 2;
      rd_buf_add(out, " ", 1);
      continue;
    }
    if ((ch == '\n' || ch == '\t') && single)
      ch = ' ';
    else if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f)
      continue;
    rd_buf_add(out, &ch, 1);
  }
  while (out->len > start && ((unsigned char)out->data[out->len - 1] & 0xC0) == 0x80 &&
         !rd_utf8_valid(out->data + start, out->len - start))
    out->len--;
  if (out->len > start && !rd_utf8_valid(out->data + start, out->len - start))
    out->len--; /* a lead byte left alone */
  rd_buf_cstr(out);
}

/* The request id of a reference "[RD-<id>]" in s, 0 when none. */
static int64_t subject_ref(const char *s, size_t *at, size_t *len) {
  for (const char *p = s; (p = strstr(p, "[RD-")) != NULL; p++) {
    const char *q = p + 4;
    int64_t id = 0;
    int digits = 0;
    while (*q >= '0' && *q <= '9' && digits < 18) {
      id = id * 10 + (*q++ - '0');
      digits++;
    }
    if (digits && *q == ']' && id > 0) {
      *at = (size_t)(p - s);
      *len = (size_t)(q + 1 - p);
      return id;
    }
  }
  return 0;
}

/* The request id of one of our Message-IDs (rdmail.<request>.<random>@...), 0 otherwise. */
static int64_t our_id_request(const char *id, const char *domain) {
  if (!id || strncmp(id, "rdmail.", 7))
    return 0;
  const char *at = strrchr(id, '@');
  if (!at || strcasecmp(at + 1, domain))
    return -1;
  int64_t req = 0;
  const char *p = id + 7;
  while (*p >= '0' && *p <= '9' && req < (INT64_MAX - 9) / 10)
    req = req * 10 + (*p++ - '0');
  return *p == '.' ? (req ? req : -1) : -1;
}

/* ---- settings ---- */

typedef struct mi_settings {
  bool create_unknown;
  int64_t per_minute;
  char domain[256]; /* of our Message-IDs: settings.smtp.from's, else the default */
  char from[256];
} mi_settings;

static int read_settings(rd_conn *c, const char *account_id, mi_settings *s, rd_err *err) {
  json_t *settings = NULL;
  int rv = rd_account_settings_shared(c, account_id, &settings, err);
  if (rv)
    return rv;
  json_t *mi = json_object_get(settings, "mail_in");
  const char *unknown = json_string_value(json_object_get(mi, "unknown_sender"));
  json_t *pm = json_object_get(mi, "max_per_minute");
  s->create_unknown = unknown && !strcmp(unknown, "create");
  s->per_minute = json_is_integer(pm) && json_integer_value(pm) > 0 ? json_integer_value(pm)
                                                                    : DEFAULT_PER_MINUTE;
  const char *from = json_string_value(json_object_get(json_object_get(settings, "smtp"), "from"));
  const char *at = from ? strrchr(from, '@') : NULL;
  snprintf(s->domain, sizeof s->domain, "%s", at && at[1] ? at + 1 : RD_MAIL_IN_DOMAIN_DEFAULT);
  for (char *p = s->domain; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  snprintf(s->from, sizeof s->from, "%s", from ? from : "");
  json_decref(settings);
  return 0;
}

/* ---- the steps ---- */

typedef struct delivery {
  rd_conn *c;
  const char *account_id, *data_dir;
  rd_mime_msg *m;
  mi_settings set;
  rd_mail_in_result *res;
  rd_caller customer; /* the sender as caller: notes and requests are the customer's */
  char send_to[RD_EMAIL_MAX + 1];
} delivery;

static int log_row(rd_conn *c, const char *account_id, const rd_mime_msg *m,
                   rd_mail_in_result *res, rd_err *err) {
  char now[RD_TIME_LEN];
  rd_time_now(now);
  int64_t id = 0;
  int rv = rd_next_id(c, &id, err);
  if (!rv)
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO mail_in_log (id, account_id, received_at, sender, message_id,"
                     " outcome, request_id, person_id, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     "ittttt" "IIt", id, account_id, now, m ? m->from : NULL,
                     m ? m->message_id : NULL, res->outcome, res->request_id, res->person_id,
                     res->reason[0] ? res->reason : NULL);
  if (!rv)
    res->log_id = id;
  return rv;
}

/* Why the message is an auto-reply or a loop ("" when it is neither). */
static int loop_check(delivery *d, char *why, size_t cap, rd_err *err) {
  rd_mime_msg *m = d->m;
  why[0] = 0;
  if (m->auto_submitted && strcmp(m->auto_submitted, "no")) {
    snprintf(why, cap, "auto-reply (Auto-Submitted: %.60s)", m->auto_submitted);
    return 0;
  }
  if (m->precedence && (!strcmp(m->precedence, "bulk") || !strcmp(m->precedence, "junk") ||
                        !strcmp(m->precedence, "list"))) {
    snprintf(why, cap, "auto-reply (Precedence: %s)", m->precedence);
    return 0;
  }
  if (m->bounce) { /* a delivery status report (RFC 3464) or a null sender (RFC 5321) */
    snprintf(why, cap, "auto-reply (a delivery report or a null Return-Path)");
    return 0;
  }
  int rv = 0;
  /* Every Message-ID the outbox stores for mail in is of this form (queue_reply): a
   * message that carries one came from us, whatever its domain says. */
  if (our_id_request(m->message_id, d->set.domain)) {
    snprintf(why, cap, "loop: the message has one of our own Message-IDs");
    return 0;
  }
  if (our_id_request(m->in_reply_to, d->set.domain)) {
    /* an answer to a rejection: nobody to raise a request for */
    int64_t rejected = 0;
    rv = rd_sql_int64(d->c, &rejected, err,
                      "SELECT COUNT(*) FROM outbox WHERE message_id = ? AND account_id = ?"
                      " AND kind = 'mail_in_reject'",
                      "tt", m->in_reply_to, d->account_id);
    if (rv < 0)
      return rv;
    if (rejected) {
      snprintf(why, cap, "loop: a reply to our rejection");
      return 0;
    }
  }
  /* Messages from one sender are counted and logged one at a time: two at once would both
   * count the same rows and both get in. */
  char key[600];
  snprintf(key, sizeof key, "mail_in %s %s", d->account_id, m->from);
  rv = rd_tx_lock(d->c, key, err);
  if (rv)
    return rv;
  char since[RD_TIME_LEN];
  rd_time_in(-60, since);
  int64_t recent = 0;
  rv = rd_sql_int64(d->c, &recent, err,
                    "SELECT COUNT(*) FROM mail_in_log WHERE account_id = ? AND sender = ?"
                    " AND received_at > ?",
                    "ttt", d->account_id, m->from, since);
  if (rv < 0)
    return rv;
  if (recent >= d->set.per_minute)
    snprintf(why, cap, "rate limit: more than %lld messages from this sender in a minute",
             (long long)d->set.per_minute);
  return 0;
}

/* The person of the sender's address (primary or alias) in the account: *id (0: nobody),
 * *roles, its name and send-to address (else its primary address). */
static int find_sender(delivery *d, int64_t *id, unsigned *roles, rd_err *err) {
  rd_stmt *s = NULL;
  int rv = rd_sql(d->c, &s, err,
                  "SELECT p.id, p.roles, p.first_name || ' ' || p.last_name,"
                  " COALESCE(p.send_to, p.primary_email) FROM person_emails e"
                  " JOIN people p ON p.id = e.person_id WHERE e.account_id = ? AND e.address = ?"
                  " AND NOT p.deleted",
                  "tt", d->account_id, d->m->from);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  *id = 0;
  if (rv == RD_ROW) {
    *id = rd_stmt_int64(s, 0);
    *roles = (unsigned)rd_stmt_int64(s, 1);
    snprintf(d->customer.name, sizeof d->customer.name, "%s", rd_stmt_text(s, 2));
    snprintf(d->send_to, sizeof d->send_to, "%s", rd_stmt_text(s, 3) ? rd_stmt_text(s, 3) : "");
  }
  rd_stmt_done(s);
  return rv < 0 ? rv : 0;
}

/* unknown_sender = create: a customer with the sender's address as username and primary
 * address, named after the display name (else the address's local part), no web access. */
static int create_customer(delivery *d, int64_t *id, rd_err *err) {
  const rd_mime_msg *m = d->m;
  char first[65] = "", last[65] = "";
  rd_buf name;
  rd_buf_init(&name);
  clean_text(&name, m->from_name ? m->from_name : "", 120, true);
  const char *n = name.len ? name.data : "";
  const char *sp = strrchr(n, ' ');
  if (sp && sp != n) {
    snprintf(first, sizeof first, "%.*s", (int)(sp - n), n);
    snprintf(last, sizeof last, "%s", sp + 1);
  } else {
    const char *at = strchr(m->from, '@');
    snprintf(first, sizeof first, "%s", n[0] ? n : "");
    if (!first[0])
      snprintf(first, sizeof first, "%.*s", (int)(at - m->from), m->from);
    snprintf(last, sizeof last, "(mail)");
  }
  rd_buf_term(&name);
  rd_caller sys = rd_system_caller(d->account_id);
  snprintf(sys.name, sizeof sys.name, "mail in");
  json_t *in = json_pack("{s:s,s:s,s:s,s:s,s:[s],s:b}", "username", m->from, "first_name", first,
                         "last_name", last, "primary_email", m->from, "roles", "customer",
                         "web_access", 0);
  int rv = rd_rec_check(&rd_person_type, in, true, NULL, err);
  if (!rv)
    rv = rd_rec_create(d->c, &sys, &rd_person_type, in, id, err);
  json_decref(in);
  return rv;
}

/* The acknowledgement (or the rejection) through the outbox. */
static int queue_reply(delivery *d, const char *kind, int64_t person, const char *to,
                       const char *cc, const char *subject, const char *body, rd_err *err) {
  if (!rd_email_valid(to))
    return 0; /* nowhere to answer; the log says what happened */
  unsigned char rnd[12];
  char r64[24], mid[400];
  randombytes_buf(rnd, sizeof rnd);
  rd_b64url_encode(rnd, sizeof rnd, r64);
  for (char *p = r64; *p; p++) /* dots only as our separators */
    if (*p == '.')
      *p = '_';
  snprintf(mid, sizeof mid, "rdmail.%lld.%s@%s", (long long)d->res->request_id, r64,
           d->set.domain);
  rd_mail mail = {.to = to,
                  .subject = subject,
                  .body = body,
                  .cc = cc && rd_email_valid(cc) ? cc : NULL,
                  .message_id = mid};
  rd_err qerr;
  rd_err_clear(&qerr);
  int rv = rd_mail_queue(d->c, d->account_id, kind, person, &mail, NULL, &qerr);
  if (rv == RD_EINVAL)
    return 0; /* an address mail cannot go to (not ASCII): no reply */
  if (rv)
    *err = qerr;
  return rv;
}

/* The attachments that fit: stored and linked to the request; the others named in
 * dropped (appended). */
static int store_attachments(delivery *d, rd_buf *dropped, rd_err *err) {
  rd_mime_msg *m = d->m;
  uint64_t planned = 0;
  char now[RD_TIME_LEN];
  rd_time_now(now);
  for (int i = 0; i < m->nparts; i++) {
    rd_mime_attachment *a = &m->parts[i];
    rd_err why;
    rd_err_clear(&why);
    int check = 0;
    if (a->len == 0)
      check = rd_err_set(&why, RD_EINVAL, "empty");
    else if (a->len > RD_ATTACHMENT_MAX)
      check = rd_err_set(&why, RD_ETOOBIG, "over the upload limit of %u MB",
                         RD_ATTACHMENT_MAX >> 20);
    else if (!rd_attachment_type_allowed(a->content_type))
      check = rd_err_set(&why, RD_EMEDIA, "type %s is not allowed", a->content_type);
    else
      check = rd_attachment_quota_check(d->c, &d->customer, planned + a->len, &why);
    if (check && check != RD_EINVAL && check != RD_ETOOBIG && check != RD_EMEDIA) {
      *err = why; /* the database, not the file */
      return check;
    }
    json_t *meta = NULL;
    if (!check) {
      check = rd_attachment_create_in(d->c, &d->customer, d->data_dir, a->filename,
                                      a->content_type, a->data, a->len, &meta, &why);
      if (check == RD_EIO || check == RD_EUNAVAIL || check == RD_EINTERNAL) {
        *err = why;
        return check;
      }
    }
    if (check) { /* named while the list is short: the note has a ceiling */
      if (dropped->len < DROPPED_TEXT_MAX) {
        if (dropped->len)
          rd_buf_adds(dropped, "; ");
        clean_text(dropped, a->filename, 200, true);
        rd_buf_printf(dropped, " (%zu bytes): %s", a->len, why.message);
      }
      d->res->attachments_dropped++;
      continue;
    }
    planned += a->len;
    int64_t row = 0;
    int rv = rd_next_id(d->c, &row, err);
    if (!rv)
      rv = rd_sql_exec(d->c, NULL, err,
                       "INSERT INTO request_attachments (id, account_id, request_id,"
                       " attachment_key, filename, content_type, size, created_at)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       "itit" "ttit", row, d->account_id, d->res->request_id,
                       json_string_value(json_object_get(meta, "key")), a->filename,
                       a->content_type, (int64_t)a->len, now);
    json_decref(meta);
    if (rv)
      return rv;
    d->res->attachments++;
  }
  for (int i = 0; i < m->parts_dropped; i++)
    d->res->attachments_dropped++;
  if (m->parts_dropped)
    rd_buf_printf(dropped, "%s%d more attachments than %d", dropped->len ? "; " : "",
                  m->parts_dropped, RD_MIME_PARTS_MAX);
  return 0;
}

/* The request the message continues: [RD-<id>] in the subject, else one of our
 * acknowledgements in In-Reply-To or References; only a request of this customer in this
 * account counts (never another account's or customer's: those ids are ignored). */
static int thread_of(delivery *d, int64_t *out, rd_err *err) {
  size_t at = 0, len = 0;
  int64_t cand[2 + RD_MIME_REFS_MAX];
  int n = 0;
  int64_t ref = subject_ref(d->m->subject, &at, &len);
  if (ref)
    cand[n++] = ref;
  int64_t irt = our_id_request(d->m->in_reply_to, d->set.domain);
  if (irt > 0)
    cand[n++] = irt;
  for (int i = 0; i < d->m->nrefs; i++) {
    int64_t r = our_id_request(d->m->refs[i], d->set.domain);
    if (r > 0)
      cand[n++] = r;
  }
  *out = 0;
  for (int i = 0; i < n && !*out; i++) {
    int64_t hit = 0;
    int rv = rd_sql_int64(d->c, &hit, err,
                          "SELECT id FROM requests WHERE id = ? AND account_id = ?"
                          " AND customer_id = ?",
                          "iti", cand[i], d->account_id, d->customer.person_id);
    if (rv < 0)
      return rv;
    if (rv == RD_ROW)
      *out = hit;
  }
  return 0;
}

static int deliver_tx(rd_conn *c, void *arg, rd_err *err) {
  delivery *d = arg;
  rd_mime_msg *m = d->m;
  rd_mail_in_result *res = d->res;
  rd_buf text, subject, dropped, reply;
  rd_buf_init(&text);
  rd_buf_init(&subject);
  rd_buf_init(&dropped);
  rd_buf_init(&reply);
  /* RD_ENOTFOUND for an account that does not exist */
  int rv = read_settings(c, d->account_id, &d->set, err);
  char why[200] = "";
  if (!rv)
    rv = loop_check(d, why, sizeof why, err);
  if (rv < 0)
    goto out;
  if (why[0]) {
    set_outcome(res, "dropped", "%s", why);
    rv = log_row(c, d->account_id, m, res, err);
    goto out;
  }
  int64_t person = 0;
  unsigned roles = 0;
  rv = find_sender(d, &person, &roles, err);
  char refused[160] = "";
  if (!rv && !person && d->set.create_unknown) {
    rd_err cerr;
    rd_err_clear(&cerr);
    rv = create_customer(d, &person, &cerr);
    if (rv == RD_EINVAL) { /* an address no username can be (too long): rejected */
      snprintf(refused, sizeof refused, "no customer can be made for this address (%s: %s)",
               cerr.nitems ? cerr.items[0].field : "person",
               cerr.nitems ? cerr.items[0].message : cerr.message);
      person = 0;
      rv = 0;
    } else if (rv) {
      *err = cerr;
    }
    if (!rv && person) {
      roles = RD_ROLE_CUSTOMER;
      res->customer_created = true;
      snprintf(d->send_to, sizeof d->send_to, "%s", m->from);
      snprintf(d->customer.name, sizeof d->customer.name, "%s", m->from);
    }
  }
  if (rv)
    goto out;
  if (!person || !(roles & RD_ROLE_CUSTOMER)) {
    if (refused[0])
      set_outcome(res, "rejected", "%s", refused);
    else if (!person)
      set_outcome(res, "rejected", "unknown sender (settings.mail_in.unknown_sender: reject)");
    else
      set_outcome(res, "rejected", "the sender is not a customer of this account");
    res->person_id = person;
    rd_buf quoted; /* at most 200 bytes of the subject, cut on a character boundary */
    rd_buf_init(&quoted);
    clean_text(&quoted, m->subject, 200, true);
    rd_buf_printf(&reply,
                  "Your message \"%s\" was not accepted: %s is not an address of a customer"
                  " of this service desk.\n\nPlease contact the service desk another way.\n",
                  quoted.len ? quoted.data : "", m->from);
    rd_buf_term(&quoted);
    rv = queue_reply(d, "mail_in_reject", person, m->from, NULL, "Your message was not accepted",
                     reply.data, err);
    if (!rv)
      rv = log_row(c, d->account_id, m, res, err);
    goto out;
  }
  res->person_id = person;
  d->customer.person_id = person;
  d->customer.roles = RD_ROLE_CUSTOMER;
  snprintf(d->customer.account_id, sizeof d->customer.account_id, "%s", d->account_id);
  int64_t request = 0;
  rv = thread_of(d, &request, err);
  if (rv)
    goto out;
  /* The request's id comes first: attachments name it; the text names what was dropped. */
  clean_text(&text, m->text, NOTE_TEXT_MAX, false);
  while (text.len && strchr(" \t\n", text.data[text.len - 1]))
    text.data[--text.len] = 0;
  if (!text.len)
    rd_buf_adds(&text, "(no text)");
  /* The subject without its reference (ours to add again; one we do not follow is not
   * part of the subject either), one line. */
  size_t at = 0, len = 0;
  char *stripped = rd_strdup(m->subject);
  while (subject_ref(stripped, &at, &len)) {
    if (stripped[at + len] == ' ' && (at == 0 || stripped[at - 1] == ' '))
      len++; /* "Re: [RD-1] x" is "Re: x" */
    memmove(stripped + at, stripped + at + len, strlen(stripped + at + len) + 1);
  }
  clean_text(&subject, stripped + strspn(stripped, " "), RD_REQUEST_SUBJECT_MAX, true);
  rd_free(stripped);
  while (subject.len && subject.data[subject.len - 1] == ' ')
    subject.data[--subject.len] = 0;
  if (!subject.len)
    rd_buf_adds(&subject, "(no subject)");
  json_t *in = NULL;
  if (request) {
    res->request_id = request;
    snprintf(res->outcome, sizeof res->outcome, "noted");
  } else {
    in = json_pack("{s:s,s:s,s:{s:I}}", "subject", subject.data, "description", text.data,
                   "customer", "id", (json_int_t)person);
    rv = rd_rec_check(&rd_request_type, in, true, NULL, err);
    if (!rv)
      rv = rd_rec_create(c, &d->customer, &rd_request_type, in, &request, err);
    json_decref(in);
    if (rv)
      goto out;
    res->request_id = request;
    snprintf(res->outcome, sizeof res->outcome, "created");
  }
  rv = store_attachments(d, &dropped, err);
  if (rv)
    goto out;
  if (!strcmp(res->outcome, "noted") || dropped.len) {
    /* the note carries the text of a reply; a dropped attachment is said on the request */
    rd_buf note;
    rd_buf_init(&note);
    if (!strcmp(res->outcome, "noted"))
      rd_buf_add(&note, text.data, text.len);
    if (dropped.len)
      rd_buf_printf(&note, "%sAttachments not stored: %s", note.len ? "\n\n" : "", dropped.data);
    json_t *nin = json_pack("{s:s}", "text", note.data), *nout = NULL;
    rv = rd_request_note_add_in(c, &d->customer, request, nin, &nout, err);
    json_decref(nin);
    json_decref(nout);
    rd_buf_term(&note);
    if (rv)
      goto out;
    if (dropped.len)
      set_outcome(res, res->outcome, "attachments not stored: %s", dropped.data);
  }
  /* CUST-9: the acknowledgement to the send-to address, the alias used in copy. */
  rd_buf ack_subject;
  rd_buf_init(&ack_subject);
  rd_buf_printf(&ack_subject, "[RD-%lld] ", (long long)request);
  clean_text(&ack_subject, subject.data, 200, true);
  rd_buf_printf(&reply,
                "%s\n\nRequest RD-%lld: keep [RD-%lld] in the subject of your replies.\n",
                !strcmp(res->outcome, "noted") ? "Your reply was added to your request."
                                               : "We received your request.",
                (long long)request, (long long)request);
  if (dropped.len)
    rd_buf_printf(&reply, "\nAttachments not stored: %s\n", dropped.data);
  const char *cc = strcasecmp(m->from, d->send_to) ? m->from : NULL;
  rv = queue_reply(d, "mail_in_ack", person, d->send_to, cc, ack_subject.data, reply.data, err);
  rd_buf_term(&ack_subject);
  if (!rv)
    rv = log_row(c, d->account_id, m, res, err);
out:
  rd_buf_term(&text);
  rd_buf_term(&subject);
  rd_buf_term(&dropped);
  rd_buf_term(&reply);
  return rv;
}

typedef struct failed_args {
  const char *account_id;
  rd_mail_in_result *res;
} failed_args;

static int failed_tx(rd_conn *c, void *arg, rd_err *err) {
  failed_args *a = arg;
  int64_t exists = 0;
  int rv = rd_sql_int64(c, &exists, err, "SELECT COUNT(*) FROM accounts WHERE id = ?", "t",
                        a->account_id);
  if (!rv && !exists)
    return rd_err_set(err, RD_ENOTFOUND, "No account '%s'", a->account_id);
  return rv < 0 ? rv : log_row(c, a->account_id, NULL, a->res, err);
}

int rd_mail_in_deliver(rd_conn *c, const char *account_id, const char *data_dir,
                       const char *data, size_t len, rd_mail_in_result *res, rd_err *err) {
  rd_mail_in_result r;
  memset(&r, 0, sizeof r);
  rd_mime_msg m;
  rd_err perr;
  rd_err_clear(&perr);
  int rv = rd_mime_parse(data, len, &m, &perr);
  if (rv) {
    set_outcome(&r, "unparseable", "%s", perr.nitems ? perr.items[0].message : perr.message);
    failed_args a = {account_id, &r};
    rv = rd_with_tx(c, err, failed_tx, &a);
    if (!rv) {
      *err = perr;
      rv = perr.code ? perr.code : RD_EINVAL;
    }
    return rv;
  }
  delivery d = {.c = c, .account_id = account_id, .data_dir = data_dir, .m = &m, .res = &r};
  rv = rd_with_tx(c, err, deliver_tx, &d);
  rd_mime_msg_term(&m);
  if (!rv)
    *res = r;
  return rv;
}

json_t *rd_mail_in_result_json(const rd_mail_in_result *r) {
  return json_pack("{s:s,s:s?,s:o,s:o,s:I,s:b,s:i,s:i}", "outcome", r->outcome, "reason",
                   r->reason[0] ? r->reason : NULL, "request_id",
                   r->request_id ? json_integer(r->request_id) : json_null(), "person_id",
                   r->person_id ? json_integer(r->person_id) : json_null(), "log_id",
                   (json_int_t)r->log_id, "customer_created", r->customer_created,
                   "attachments", r->attachments, "attachments_dropped",
                   r->attachments_dropped);
}

/* ---- the log ---- */

int rd_mail_in_log_list(rd_conn *c, const rd_caller *who, int64_t after, int limit,
                        json_t **out, bool *more, rd_err *err) {
  if (!rd_caller_has(who, RD_ROLE_ACCOUNT_ADMINISTRATOR))
    return rd_err_set(err, RD_EFORBIDDEN, "Only an account administrator may read the mail log");
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err,
                  "SELECT id, received_at, sender, message_id, outcome, request_id, person_id,"
                  " reason FROM mail_in_log WHERE account_id = ? AND id > ? ORDER BY id LIMIT ?",
                  "tii", who->account_id, after, (int64_t)limit + 1);
  if (rv)
    return rv;
  json_t *list = json_array();
  int n = 0;
  bool extra = false;
  while ((rv = rd_stmt_step(s, err)) == RD_ROW) {
    if (n++ == limit) {
      extra = true;
      break;
    }
    json_array_append_new(
        list, json_pack("{s:I,s:s,s:s?,s:s?,s:s,s:o,s:o,s:s?}", "id",
                        (json_int_t)rd_stmt_int64(s, 0), "received_at", rd_stmt_text(s, 1),
                        "sender", rd_stmt_text(s, 2), "message_id", rd_stmt_text(s, 3),
                        "outcome", rd_stmt_text(s, 4), "request_id",
                        rd_stmt_null(s, 5) ? json_null() : json_integer(rd_stmt_int64(s, 5)),
                        "person_id",
                        rd_stmt_null(s, 6) ? json_null() : json_integer(rd_stmt_int64(s, 6)),
                        "reason", rd_stmt_text(s, 7)));
  }
  rd_stmt_done(s);
  if (rv < 0) {
    json_decref(list);
    return rv;
  }
  *out = list;
  *more = extra;
  return 0;
}

/* ---- the inbound secret ---- */

static void secret_hash(const char *token, char hex[crypto_generichash_BYTES * 2 + 1]) {
  unsigned char h[crypto_generichash_BYTES];
  crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
  sodium_bin2hex(hex, crypto_generichash_BYTES * 2 + 1, h, sizeof h);
}

int rd_mail_in_secret_rotate(rd_conn *c, const rd_caller *who, char out[RD_MAIL_IN_SECRET_LEN],
                             rd_err *err) {
  if (!rd_caller_has(who, RD_ROLE_ACCOUNT_ADMINISTRATOR))
    return rd_err_set(err, RD_EFORBIDDEN,
                      "Only an account administrator may set the inbound mail secret");
  unsigned char raw[32];
  char b64[48], token[RD_MAIL_IN_SECRET_LEN], hex[crypto_generichash_BYTES * 2 + 1];
  randombytes_buf(raw, sizeof raw);
  rd_b64url_encode(raw, sizeof raw, b64);
  snprintf(token, sizeof token, RD_MAIL_IN_SECRET_PREFIX "%s.%s", who->account_id, b64);
  secret_hash(token, hex);
  sodium_memzero(raw, sizeof raw);
  char now[RD_TIME_LEN];
  rd_time_now(now);
  int rv = rd_tx_begin(c, true, err);
  if (rv)
    return rv;
  rv = rd_sql_exec(c, NULL, err, "DELETE FROM mail_in_secrets WHERE account_id = ?", "t",
                   who->account_id);
  if (!rv)
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO mail_in_secrets (account_id, secret_hash, created_at)"
                     " VALUES (?, ?, ?)",
                     "ttt", who->account_id, hex, now);
  json_t *changes = json_pack("{s:{s:b}}", "mail_in.secret", "changed", 1);
  if (!rv)
    rv = rd_audit_write(c, who, "account", 0, "update", changes, err);
  json_decref(changes);
  if (!rv)
    rv = rd_tx_commit(c, err);
  else
    rd_tx_rollback(c);
  if (!rv)
    snprintf(out, RD_MAIL_IN_SECRET_LEN, "%s", token);
  sodium_memzero(token, sizeof token);
  return rv;
}

int rd_mail_in_secret_check(rd_conn *c, const char *token,
                            char account_out[RD_ACCOUNT_ID_MAX + 1], rd_err *err) {
  const size_t plen = sizeof RD_MAIL_IN_SECRET_PREFIX - 1;
  const char *acc = token && !strncmp(token, RD_MAIL_IN_SECRET_PREFIX, plen) ? token + plen
                                                                             : NULL;
  const char *dot = acc ? strchr(acc, '.') : NULL;
  char account[RD_ACCOUNT_ID_MAX + 1] = "";
  if (dot && (size_t)(dot - acc) <= RD_ACCOUNT_ID_MAX && strlen(token) < RD_MAIL_IN_SECRET_LEN)
    snprintf(account, sizeof account, "%.*s", (int)(dot - acc), acc);
  if (!account[0] || !rd_account_id_valid(account))
    return rd_err_set(err, RD_EAUTH, "Authentication required (a valid inbound mail secret)");
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err, "SELECT secret_hash FROM mail_in_secrets WHERE account_id = ?",
                  "t", account);
  if (rv)
    return rv;
  char stored[crypto_generichash_BYTES * 2 + 1] = "", given[crypto_generichash_BYTES * 2 + 1];
  rv = rd_stmt_step(s, err);
  if (rv == RD_ROW && rd_stmt_text(s, 0))
    snprintf(stored, sizeof stored, "%s", rd_stmt_text(s, 0));
  rd_stmt_done(s);
  if (rv < 0)
    return rv;
  secret_hash(token, given);
  /* Constant time: the hashes have the same length whatever was sent. */
  bool ok = strlen(stored) == sizeof stored - 1 &&
            sodium_memcmp(stored, given, sizeof stored - 1) == 0;
  if (!ok)
    return rd_err_set(err, RD_EAUTH, "Authentication required (a valid inbound mail secret)");
  snprintf(account_out, RD_ACCOUNT_ID_MAX + 1, "%s", account);
  return 0;
}
