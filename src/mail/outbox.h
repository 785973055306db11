/* The mail outbox's delivery side (ACC-8, CUST-6): the workers of rolodeskd that claim
 * queued messages (table outbox, migration 009; queued by rd_mail_queue and
 * rd_mail_request in src/domain/mail.h), compose the ones still to compose ("forgot
 * password" requests), send them over the account's SMTP settings, retry with backoff,
 * and scrub the text once a message is sent or has finally failed; and the list of an
 * account's messages (GET /v1/outbox).
 *
 * Claims: a worker picks due messages (queued with next_attempt_at passed, or sending
 * with a lease that ran out because their daemon died) and takes one with a conditional
 * UPDATE that only one claimant can win, on both backends; so with several daemons on one
 * database each message is sent by one of them. A message whose daemon dies during the
 * SMTP conversation is sent again after the lease: at least once, exactly once unless a
 * daemon dies mid-send. One account's messages go out one at a time, so a silent server
 * holds at most one worker. */
#ifndef RD_MAIL_OUTBOX_H
#define RD_MAIL_OUTBOX_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "auth/caller.h"
#include "store/store.h"

#define RD_OUTBOX_ATTEMPTS_MAX 6    /* then failed */
#define RD_OUTBOX_RETRY_S 30        /* first retry; each next one 4 times later */
#define RD_OUTBOX_RETRY_MAX_S 21600 /* no wait longer than 6 hours */
#define RD_OUTBOX_LEASE_S 300       /* > twice RD_SMTP_TIMEOUT_MAX */
#define RD_OUTBOX_WORKERS 2

/* Seconds to wait before attempt attempts + 1 when attempt attempts (1-based) failed:
 * first_s * 4^(attempts - 1), at most RD_OUTBOX_RETRY_MAX_S. */
int rd_outbox_backoff(int attempts, int first_s);

typedef struct rd_outbox_opts {
  const char *public_url; /* --public-url (borrowed; outlives the workers) */
  int workers;            /* threads; 0: RD_OUTBOX_WORKERS */
  int retry_s;            /* first retry delay; 0: RD_OUTBOX_RETRY_S */
} rd_outbox_opts;

/* Claims one due message for worker and delivers it (compose, send, record the outcome).
 * *did tells whether there was one. stop (may be NULL) cuts an SMTP conversation short;
 * the message is then queued again at once. Call outside a transaction. */
int rd_outbox_run_one(rd_conn *c, const char *worker, const rd_outbox_opts *o,
                      const atomic_bool *stop, bool *did, rd_err *err);

/* GET /v1/outbox: the messages of who's account (account administrators; 403 otherwise),
 * oldest first, after id `after`, at most limit, optionally only those in state (queued,
 * sending, sent, failed; 400 naming "state" otherwise). Each is {"id", "kind", "to", "cc",
 * "message_id" (CUST-9: both null but on mail-in messages),
 * "subject", "state", "attempts", "last_error", "created_at", "next_attempt_at",
 * "sent_at", "person_id"}; never the body. Requests not yet composed are not listed.
 * *out (caller owns) and *more on success. */
int rd_outbox_list(rd_conn *c, const rd_caller *who, const char *state, int64_t after, int limit,
                   json_t **out, bool *more, rd_err *err);

/* The workers of rolodeskd. */
typedef struct rd_outbox rd_outbox;
int rd_outbox_start(rd_db *db, const rd_outbox_opts *o, rd_outbox **out);
/* Stops the workers within about a second (a message being sent is queued again). */
void rd_outbox_stop(rd_outbox *w);

#endif
