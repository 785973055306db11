/* Credentials mail (CUST-6): staff mail a person its sign-in details, people who forgot
 * their password ask for a reset themselves, and a one-hour single-use link leads to the
 * reset page, which asks the person's security questions and sets a new password.
 *
 * What a mail carries follows the account settings (ACC-5):
 *   password_questions on and the person has questions  -> a reset link;
 *   random_passwords on                                 -> a new random password, stored
 *                                                          only once the SMTP server has
 *                                                          accepted the mail;
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
 * of their account (404 otherwise) its credentials as described above. base_url
 * ("http://host:port") starts the links in the mail. On success *out is {"kind":
 * "password"|"reset_link"|"username", "sent_to": address} (caller owns it). Errors: 422
 * when the person has no address, cannot sign in, or has no security questions while the
 * account wants them (and random passwords are off), or SMTP is not configured; the
 * gateway errors of rd_mail_send (502/503/504), in which case no password has changed and
 * no link works. Audited (never the password). */
int rd_credentials_email(rd_conn *c, const rd_caller *who, int64_t id, const char *base_url,
                         json_t **out, rd_err *err);

/* POST /v1/password_reset: finds the person of account_id by username or by any of its
 * addresses (one of them NULL) and, when it exists, may sign in, and the account can send
 * mail, mails it a reset link (or, when the account allows no self-service reset, its
 * username and how to get a password). Returns 0 whether or not anyone was found, so the
 * answer cannot tell who exists; only database errors come back. */
int rd_credentials_forgot(rd_conn *c, const char *account_id, const char *username,
                          const char *email, const char *base_url, rd_err *err);

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
