/* A real SMTP listener on loopback for end-to-end tests of outgoing mail (CUST-6): a
 * thread that speaks enough RFC 5321 for libcurl (220 greeting, EHLO/HELO, MAIL FROM,
 * RCPT TO, DATA with dot-unstuffing, RSET, NOOP, QUIT) and keeps every message it
 * accepted. It can also misbehave the ways a mail server does: refuse a recipient or a
 * message with 550, answer the end of DATA only after a delay, or accept and stay
 * silent. */
#ifndef RD_TESTS_SMTP_SINK_H
#define RD_TESTS_SMTP_SINK_H

#include <stdbool.h>

typedef enum th_smtp_mode {
  TH_SMTP_ACCEPT,      /* 250 to everything */
  TH_SMTP_REJECT_RCPT, /* 550 to RCPT TO */
  TH_SMTP_REJECT_DATA, /* 550 after the message (nothing kept) */
  TH_SMTP_SLOW,        /* waits delay_ms before the 250 after the message (kept) */
  TH_SMTP_SILENT,      /* accepts connections and never says a word */
} th_smtp_mode;

typedef struct th_smtp th_smtp;

typedef struct th_smtp_msg {
  char *from;  /* MAIL FROM address, without <> */
  char *rcpt;  /* the (last) RCPT TO address, without <> */
  char *data;  /* the message as received, dot-unstuffed, CRLF line ends */
} th_smtp_msg;

/* Starts listening on 127.0.0.1 on a free port. Owned by the caller: th_smtp_stop. */
th_smtp *th_smtp_start(th_smtp_mode mode, int delay_ms);
int th_smtp_port(th_smtp *s);
/* Messages kept so far. */
int th_smtp_count(th_smtp *s);
/* Waits up to timeout_ms for message n (0-based); a copy (th_smtp_msg_free) or NULL. */
th_smtp_msg *th_smtp_wait(th_smtp *s, int n, int timeout_ms);
void th_smtp_msg_free(th_smtp_msg *m);
/* Connections the listener accepted so far (also those that sent nothing). */
int th_smtp_connections(th_smtp *s);
void th_smtp_stop(th_smtp *s);

/* A loopback port where nothing listens (bound and released a moment ago). */
int th_free_port(void);

#endif
