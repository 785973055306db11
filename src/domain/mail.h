/* Outgoing mail (CUST-6, ACC-8 and every later notification): an RFC 5322 / MIME text
 * message built from plain strings, queued in the outbox (migration 009) in the caller's
 * transaction, and sent by the outbox workers (src/mail/outbox.c) with libcurl's SMTP
 * client over the account's SMTP settings (ACC-5 settings.smtp: host, port, from,
 * username, password, starttls, timeout). ACC-8: no request ever waits on an SMTP server:
 * request paths only queue. Nothing here knows people; callers pass the settings. */
#ifndef RD_DOMAIN_MAIL_H
#define RD_DOMAIN_MAIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/str.h"
#include "store/store.h"

#define RD_SMTP_TIMEOUT_DEFAULT 20 /* seconds for the whole SMTP conversation */
#define RD_SMTP_TIMEOUT_MAX 60     /* the cap on settings.smtp.timeout */
#define RD_SMTP_PORTS_DEFAULT "25,465,587,2525"
#define RD_PUBLIC_URL_MAX 256
/* ACC-8: the one text of every failure to reach or talk to a mail server (refused,
 * timeout, TLS, DNS, not SMTP): what an account administrator reads must not tell an
 * open port from a closed one. */
#define RD_SMTP_UNREACHABLE "The mail server could not be reached or did not complete the" \
                            " SMTP conversation; check settings.smtp"

typedef struct rd_mail {
  const char *from;      /* envelope and From: address (settings.smtp.from) */
  const char *from_name; /* display name of From:, or NULL */
  const char *to;        /* the one recipient */
  const char *to_name;   /* display name of To:, or NULL */
  const char *subject;   /* UTF-8 */
  const char *body;      /* UTF-8 text; lines end in \n (or \r\n) */
  const char *cc;         /* CUST-9: one address in copy, or NULL */
  const char *message_id; /* CUST-9: our Message-ID (without <>), or NULL: a random one */
} rd_mail;

/* Appends the whole message to out: Date, From, To, Subject (RFC 2047 encoded-words when
 * not plain ASCII or too long), Message-ID, MIME-Version, Content-Type text/plain;
 * charset=utf-8, Content-Transfer-Encoding quoted-printable, Auto-Submitted, then the
 * quoted-printable body; CRLF line ends, no line over 78 octets. Display names and the
 * subject lose control characters; addresses must be valid (RD_EINVAL, 422, naming
 * "from" or "to"). now is the time for Date (0: the current time). Thread-safe. */
int rd_mail_format(const rd_mail *m, long long now, rd_buf *out, rd_err *err);

/* Checks that smtp (the settings.smtp object, borrowed) names a host and a From address.
 * RD_EINVAL (422) naming settings.smtp.host or settings.smtp.from when not. */
int rd_mail_configured(json_t *smtp, rd_err *err);

/* ---- installation settings (rolodeskd options; set once before any thread starts) ---- */

/* The SMTP ports accounts may use (settings.smtp.port): a comma-separated list of ports
 * and ranges ("25,465,587,2525,1025-2000"). RD_EINVAL for a malformed list. The default
 * is RD_SMTP_PORTS_DEFAULT. Not thread-safe: call at start. */
int rd_mail_ports_set(const char *list);
bool rd_mail_port_allowed(long port);
/* The allowed list as given (for messages). */
const char *rd_mail_ports(void);

/* --public-url: checks url (http or https, a host, no user info, query or fragment, at
 * most RD_PUBLIC_URL_MAX bytes) and writes it to out without trailing slashes. RD_EINVAL
 * with a message otherwise. Links in mail start with it (ACC-8: never with a request's
 * Host or X-Forwarded-* headers). */
int rd_mail_public_url(const char *url, char out[RD_PUBLIC_URL_MAX + 1], rd_err *err);

/* ---- the outbox (table outbox, migration 009) ---- */

/* Queues m (m->to and m->subject required; m->from is ignored: the account's current
 * settings.smtp.from is used when it goes out) for account_id, as kind ("credentials",
 * "password_reset", ...) about person_id (0: none). Call it inside the transaction of the
 * change that causes the mail, so that both or neither happen. *id (may be NULL) gets the
 * outbox id. RD_EINVAL (422 naming "to") for an address mail cannot go to. */
int rd_mail_queue(rd_conn *c, const char *account_id, const char *kind, int64_t person_id,
                  const rd_mail *m, int64_t *id, rd_err *err);
/* Queues a message the outbox worker composes later: request (borrowed; stored as JSON
 * text) says what was asked. Nothing is looked up: the cost is the same whatever the
 * request names. */
int rd_mail_request(rd_conn *c, const char *account_id, const char *kind, json_t *request,
                    rd_err *err);
/* For the worker that claimed request row id (worker: its claimed_by): fills in the
 * message composed for it (the request text is cleared), or drops the row (nothing to
 * send). RD_ECONFLICT when the row is no longer this worker's. */
int rd_mail_resolve(rd_conn *c, int64_t id, const char *worker, int64_t person_id,
                    const rd_mail *m, rd_err *err);
int rd_mail_drop(rd_conn *c, int64_t id, const char *worker, rd_err *err);

/* Building blocks, exposed for the unit tests. */
/* s as RFC 2047 "B" encoded-words of at most 75 characters each, never splitting a UTF-8
 * sequence, separated by CRLF SP (folding). */
void rd_mail_encoded_words(rd_buf *out, const char *s);
/* s (text with \n or \r\n line ends) in quoted-printable (RFC 2045 6.7) with CRLF line
 * ends and soft breaks keeping every line at most 76 characters. */
void rd_mail_qp(rd_buf *out, const char *s);

#endif
