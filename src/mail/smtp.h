/* The SMTP client of the outbox workers: see smtp.c. */
#ifndef RD_MAIL_SMTP_H
#define RD_MAIL_SMTP_H

#include <jansson.h>
#include <stdatomic.h>

#include "base/err.h"
#include "domain/mail.h"

/* Sends m over smtp (m->from NULL: smtp.from). Returns 0 once the server accepted the
 * message (250 after DATA); gives up (RD_SMTP_UNREACHABLE, 503) within about a second of
 * *stop (may be NULL) becoming true. For the outbox workers only: it blocks for about twice
 * smtp.timeout (capped at RD_SMTP_TIMEOUT_MAX) at most, a hung server being also waited
 * for when the connection is closed. Failures:
 *   RD_EINVAL (422)     not configured, or a port this installation does not allow;
 *   RD_EUNAVAIL (503)   worth a retry: RD_SMTP_UNREACHABLE whatever the cause, or a
 *                       temporary SMTP refusal (4xx, the reply code in the message);
 *   RD_EUNAVAIL (502)   permanent: the server refused with a 5xx reply (in the message).
 * Thread-safe; logs the cause for the operator, never the message or the password. */
int rd_smtp_send(json_t *smtp, const rd_mail *m, const atomic_bool *stop, rd_err *err);

#endif
