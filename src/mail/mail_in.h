/* Mail in (CUST-9): a message sent to the service desk becomes a request of the customer
 * who sent it, or a note on one of its requests. Both ways in, `rolodesk mail-in` (an MTA
 * pipe, src/cli/mail_in.c) and POST /v1/mail/inbound (src/api/mail_in.c), call
 * rd_mail_in_deliver; it parses with mime.c (GMime) and does the rest in one transaction
 * per message:
 *
 *   - loops and auto-replies never create anything (dropped, logged): Auto-Submitted other
 *     than "no", Precedence bulk/junk/list, a bounce (multipart/report, Return-Path <>),
 *     a Message-ID of our own (rdmail.<request>.<random>@...), a reply to one of our
 *     rejections, or more than settings.mail_in.max_per_minute messages of one sender in
 *     the last minute;
 *   - the sender is found by primary address or alias within the account (person_emails);
 *     an unknown sender follows settings.mail_in.unknown_sender: "create" a customer, or
 *     "reject" (a reply saying so is queued, outcome "rejected");
 *   - a reference [RD-<id>] in the subject (or In-Reply-To/References naming one of our
 *     acknowledgements) of an existing request of that same customer adds a note, written
 *     as the customer; any other reference (another customer's, another account's) is
 *     ignored and a new request is created;
 *   - attachments become request attachments within the upload limits (type allowlist,
 *     RD_ATTACHMENT_MAX, the account's quota); one over them is dropped and said so in the
 *     request's text and the log, the message is still delivered;
 *   - an acknowledgement is queued in the outbox to the customer's send-to address, with
 *     the alias the customer wrote from in Cc, our own Message-ID (rdmail.<request>.<random>
 *     @<domain>) and [RD-<id>] in its subject;
 *   - every message is logged in mail_in_log (GET /v1/mail/inbound). */
#ifndef RD_MAIL_MAIL_IN_H
#define RD_MAIL_MAIL_IN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/caller.h"
#include "base/err.h"
#include "store/store.h"

#define RD_MAIL_IN_MAX (32u << 20) /* bytes of one message read from an MTA pipe */
#define RD_MAIL_IN_DOMAIN_DEFAULT "rolodesk.invalid"
#define RD_MAIL_IN_SECRET_PREFIX "rdmail."

typedef struct rd_mail_in_result {
  char outcome[16]; /* created, noted, dropped, rejected */
  char reason[256]; /* why dropped or rejected; dropped attachments; "" otherwise */
  int64_t request_id; /* the request created or noted, 0 otherwise */
  int64_t person_id;  /* the sender, 0 when unknown */
  int64_t log_id;     /* its mail_in_log row */
  bool customer_created;
  int attachments, attachments_dropped;
} rd_mail_in_result;

/* Delivers the message data[0..len) to account_id (attachments stored under data_dir).
 * Returns 0 with *res filled for every message that was handled, including dropped and
 * rejected ones; RD_EINVAL (422) for a message that cannot be parsed (logged as
 * "unparseable" too); RD_ENOTFOUND for an unknown account; RD_EUNAVAIL (or another
 * store error) when the database is busy or gone: nothing was stored, try again. */
int rd_mail_in_deliver(rd_conn *c, const char *account_id, const char *data_dir,
                       const char *data, size_t len, rd_mail_in_result *res, rd_err *err);

/* The result as JSON {"outcome", "reason", "request_id", "person_id", "log_id",
 * "customer_created", "attachments", "attachments_dropped"}; a new reference. */
json_t *rd_mail_in_result_json(const rd_mail_in_result *res);

/* GET /v1/mail/inbound: the log of who's account (account administrators; 403 otherwise),
 * oldest first, after id `after`, at most limit: {"id", "received_at", "sender",
 * "message_id", "outcome", "request_id", "person_id", "reason"}. *out (caller owns). */
int rd_mail_in_log_list(rd_conn *c, const rd_caller *who, int64_t after, int limit,
                        json_t **out, bool *more, rd_err *err);

/* The per-account inbound secret of POST /v1/mail/inbound (write-only): a new one for
 * who's account (account administrators; 403 otherwise), replacing any other. out gets
 * the whole bearer token, rdmail.<account>.<43 characters>, shown once: only its hash is
 * stored. Audited. */
#define RD_MAIL_IN_SECRET_LEN (sizeof RD_MAIL_IN_SECRET_PREFIX + 32 + 44)
int rd_mail_in_secret_rotate(rd_conn *c, const rd_caller *who, char out[RD_MAIL_IN_SECRET_LEN],
                             rd_err *err);
/* Whether token is the current inbound secret of its account: 0 with account_out set, else
 * RD_EAUTH (401). The hashes are compared in constant time. */
int rd_mail_in_secret_check(rd_conn *c, const char *token,
                            char account_out[RD_ACCOUNT_ID_MAX + 1], rd_err *err);

#endif
