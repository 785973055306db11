/* Outgoing mail (CUST-6 and every later notification): an RFC 5322 / MIME text message
 * built from plain strings, sent with libcurl's SMTP client over the account's SMTP
 * settings (ACC-5 settings.smtp: host, port, from, username, password, starttls,
 * timeout). Nothing here knows people or accounts; callers pass the settings document. */
#ifndef RD_DOMAIN_MAIL_H
#define RD_DOMAIN_MAIL_H

#include <jansson.h>

#include "base/err.h"
#include "base/str.h"

#define RD_SMTP_TIMEOUT_DEFAULT 20 /* seconds for the whole SMTP conversation */

typedef struct rd_mail {
  const char *from;      /* envelope and From: address (settings.smtp.from) */
  const char *from_name; /* display name of From:, or NULL */
  const char *to;        /* the one recipient */
  const char *to_name;   /* display name of To:, or NULL */
  const char *subject;   /* UTF-8 */
  const char *body;      /* UTF-8 text; lines end in \n (or \r\n) */
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

/* Sends m over smtp (m->from NULL: smtp.from). Returns 0 once the server accepted the
 * message (250 after DATA). Failures are RD_EUNAVAIL with the HTTP status a gateway
 * answers: 503 when the server cannot be reached, 504 when it does not answer within
 * smtp.timeout seconds, 502 when it refuses (the SMTP reply code is in the message).
 * Blocks for about twice the timeout at most (a hung server is also waited for, that
 * long again, when the connection is closed). Thread-safe; never logs the message or the
 * password. */
int rd_mail_send(json_t *smtp, const rd_mail *m, rd_err *err);

/* Building blocks, exposed for the unit tests. */
/* s as RFC 2047 "B" encoded-words of at most 75 characters each, never splitting a UTF-8
 * sequence, separated by CRLF SP (folding). */
void rd_mail_encoded_words(rd_buf *out, const char *s);
/* s (text with \n or \r\n line ends) in quoted-printable (RFC 2045 6.7) with CRLF line
 * ends and soft breaks keeping every line at most 76 characters. */
void rd_mail_qp(rd_buf *out, const char *s);

#endif
