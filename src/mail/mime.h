/* Mail in (CUST-9), the MIME side: one RFC 5322 message parsed with GMime 3 into what the
 * service desk needs: the sender's address, the subject (RFC 2047 decoded), the ids that
 * thread and detect loops (Message-ID, In-Reply-To, References), the auto-reply headers
 * (Auto-Submitted, Precedence), the body as UTF-8 text (text/plain preferred in a
 * multipart/alternative, HTML turned into text when it is all there is; any charset GMime
 * knows converted, transfer encodings decoded) and the attachments with their bytes (a
 * forwarded message/rfc822 part is one attachment, its bytes as they came).
 * Pure: no database, nothing global but GMime's one-time initialization. Below mail_in.c;
 * also the entry of the fuzz target tests/fuzz/fuzz_mime.c. */
#ifndef RD_MAIL_MIME_H
#define RD_MAIL_MIME_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "base/str.h"

#define RD_MIME_PARTS_MAX 64       /* attachments kept; later ones are counted, not kept */
#define RD_MIME_REFS_MAX 32        /* References ids kept */
#define RD_MIME_TEXT_MAX (1u << 20) /* body text bytes kept (then cut, on a UTF-8 boundary) */

typedef struct rd_mime_attachment {
  char *filename;     /* UTF-8, never NULL ("attachment" when the part names none) */
  char *content_type; /* "type/subtype", lower case */
  char *data;         /* the decoded bytes (owned) */
  size_t len;
} rd_mime_attachment;

typedef struct rd_mime_msg {
  char *from;            /* the first mailbox of From:, lower case; NULL when none */
  char *from_name;       /* its display name, or NULL */
  char *subject;         /* UTF-8, decoded; "" when absent */
  char *message_id;      /* without <>; NULL when absent */
  char *in_reply_to;     /* the first id, without <>; NULL when absent */
  char *refs[RD_MIME_REFS_MAX]; /* References ids, without <> */
  int nrefs;
  char *auto_submitted;  /* the header's value (trimmed, lower case), or NULL */
  char *precedence;      /* likewise */
  bool bounce;           /* a delivery report: multipart/report, or Return-Path: <> */
  char *text;            /* the body as UTF-8 text, "" when there is none */
  bool text_from_html;   /* text came from an HTML part */
  rd_mime_attachment parts[RD_MIME_PARTS_MAX];
  int nparts;
  int parts_dropped; /* attachments over RD_MIME_PARTS_MAX */
} rd_mime_msg;

/* Parses data[0..len). On success fills *m (free with rd_mime_msg_term). A message GMime
 * cannot parse, or one without a From mailbox, is RD_EINVAL (422) with a message naming
 * why; *m is then left empty. Thread-safe (GMime is initialized once). */
int rd_mime_parse(const char *data, size_t len, rd_mime_msg *m, rd_err *err);
void rd_mime_msg_term(rd_mime_msg *m);

/* HTML (UTF-8) as plain text appended to out: tags dropped, script and style skipped,
 * block ends as line breaks, the common entities and numeric references decoded, blank
 * runs collapsed. Exposed for the unit tests. */
void rd_mime_html_text(rd_buf *out, const char *html, size_t len);

#endif
