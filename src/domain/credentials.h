/* Credentials mail (CUST-6): staff mail a person its sign-in details, people who forgot
 * their password ask for a reset themselves, and a one-hour single-use link leads to the
 * reset page, which asks the person's security questions and sets a new password.
 *
 * What a mail carries follows the account settings (ACC-5):
 *   password_questions on and the person has questions  -> a reset link;
 *   random_passwords on                                 -> a new random password, stored
 *                                                          with the queued mail (one
 *                                                          transaction; ACC-8);
 *   neither                                             -> the username and how to sign in.
 * "Forgot password" never changes a password by itself: where staff would get a random
 * password it mails a reset link instead, so nobody can reset someone else's password by
 * asking. A new person has no usable password until one is set or mailed (no default). */
#ifndef RD_DOMAIN_CREDENTIALS_H
#define RD_DOMAIN_CREDENTIALS_H

#include <jansson.h>
#include <stdbool.h>

#include "auth/caller.h"
#include "base/str.h"
#include "store/store.h"

#define RD_RESET_VALID_S 3600      /* a reset link works for one hour */
#define RD_RESET_ATTEMPTS_MAX 5    /* wrong answers that spend a link */
#define RD_QUESTIONS_MAX 5
#define RD_QUESTION_MAX 200        /* code points, question and answer */
#define RD_RANDOM_PASSWORD_LEN 16  /* ~93 bits from a 57-character alphabet */

/* POST /v1/people/{id}/credentials_email: administrators and supervisors mail person id
 * of their account (404 otherwise) its credentials as described above. base_url (the
 * daemon's --public-url, never a request header) starts the links in the mail. The mail
 * is queued in the outbox in the transaction that changes the password or writes the
 * link (ACC-8); nothing here waits on SMTP. On success *out is {"kind":
 * "password"|"reset_link"|"username", "sent_to": address, "outbox_id": id, "state":
 * "queued"} (caller owns it). Errors: 422 when the person has no address, cannot sign
 * in, or has no security questions while the account wants them (and random passwords
 * are off), or SMTP is not configured. Audited (never the password). */
int rd_credentials_email(rd_conn *c, const rd_caller *who, int64_t id, const char *base_url,
                         json_t **out, rd_err *err);

/* POST /v1/password_reset: records the request for account_id by username or by email
 * (one of them NULL) in the outbox and nothing else: no lookup, so the work, the time and
 * the answer are the same whether or not anyone is found (ACC-8). Only database errors
 * come back. */
int rd_credentials_forgot(rd_conn *c, const char *account_id, const char *username,
                          const char *email, rd_err *err);

/* The outbox worker's half of a "forgot password" request (outbox row outbox_id, claimed
 * by worker; request the stored {"username"} or {"email"}): finds the person, and when it
 * exists, may sign in, and the account can send mail, writes a reset link (or, when the
 * account allows no self-service reset, tells its username and how to get a password)
 * and fills the row with the mail, in one transaction. Otherwise the row is deleted and
 * *dropped is set. base_url is the --public-url. Only database errors come back. */
int rd_credentials_forgot_compose(rd_conn *c, int64_t outbox_id, const char *worker,
                                  const char *account_id, json_t *request,
                                  const char *base_url, bool *dropped, rd_err *err);

/* PUT /v1/people/{id}/security_questions: replaces the person's questions with body's
 * {"questions": [{"question": ..., "answer": ...}]} (1 to RD_QUESTIONS_MAX entries; 422
 * naming questions[i].field otherwise). Answers are stored as argon2id hashes of their
 * folded form (rd_fold without accent stripping) and never returned. The person itself or an
 * administrator or supervisor; others 403, other accounts 404. *out (caller owns) is
 * {"questions": [{"question": ...}]}. Audited without the answers. */
int rd_security_questions_set(rd_conn *c, const rd_caller *who, int64_t id, json_t *body,
                              json_t **out, rd_err *err);
/* GET of the same: the questions without answers (same access rules as PUT, read by any
 * staff member). */
int rd_security_questions_get(rd_conn *c, const rd_caller *who, int64_t id, json_t **out,
                              rd_err *err);

/* The reset link: what the page shows for token. *out (caller owns) is {"account": id,
 * "account_name": ..., "username": ..., "name": ..., "questions": ["..."], "expires_at": ...};
 * questions is empty unless the account has password questions on. 404 for a token that
 * never existed, 410 (code RD_ENOTFOUND, status 410) for one that expired, was used, or
 * whose person can no longer sign in. */
int rd_password_reset_open(rd_conn *c, const char *token, json_t **out, rd_err *err);

/* Sets password (8 to RD_PASSWORD_MAX bytes) when answers (a JSON array of strings, one
 * per question in order) match, spending the link and every other open link of the
 * person, revoking its sessions, and auditing, in one transaction. Wrong answers: 422
 * (field "answers") and one attempt counted; the RD_RESET_ATTEMPTS_MAX-th spends the link
 * (410). *out as for rd_password_reset_open (caller owns). */
int rd_password_reset_complete(rd_conn *c, const char *token, json_t *answers,
                               const char *password, json_t **out, rd_err *err);

#endif
