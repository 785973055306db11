/* libFuzzer target (REL-3, CUST-9): the MIME path of mail in, bytes to an rd_mime_msg with
 * GMime 3 (src/mail/mime.c): headers, RFC 2047 words, multipart walking, transfer
 * encodings, charset conversion, and the HTML-to-text converter on whatever text came.
 *
 * Invariants checked (abort() makes libFuzzer and the corpus replay report them):
 *  - a parsed message has a sender with an '@', lower case;
 *  - the subject, body text, ids and file names are valid UTF-8 without NUL, the subject
 *    one line, the text within RD_MIME_TEXT_MAX;
 *  - attachments are at most RD_MIME_PARTS_MAX, their names without path separators;
 *  - a refused message is RD_EINVAL with a message, and leaves the result empty;
 *  - parsing the same bytes twice gives the same result (nothing global leaks in).
 *
 * Built by RD_FUZZ with clang (make fuzz); tests/fuzz/replay_test.c also compiles this file
 * into the unit tests under another entry name and runs the corpus through it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "mail/mime.h"

#ifndef RD_FUZZ_MIME_ENTRY
#define RD_FUZZ_MIME_ENTRY LLVMFuzzerTestOneInput
#endif

int RD_FUZZ_MIME_ENTRY(const uint8_t *data, size_t size);

static void mime_fz_text(const char *s, bool one_line) {
  if (!s)
    return;
  size_t n = strlen(s);
  if (!rd_utf8_valid(s, n))
    abort();
  if (one_line && (strchr(s, '\n') || strchr(s, '\r')))
    abort();
}

static uint64_t mime_fz_digest(const rd_mime_msg *m) {
  uint64_t h = 1469598103934665603ull;
  const char *parts[] = {m->from, m->subject, m->message_id, m->in_reply_to, m->text};
  for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
    for (const char *p = parts[i] ? parts[i] : ""; *p; p++)
      h = (h ^ (unsigned char)*p) * 1099511628211ull;
  for (int i = 0; i < m->nparts; i++)
    for (size_t j = 0; j < m->parts[i].len; j++)
      h = (h ^ (unsigned char)m->parts[i].data[j]) * 1099511628211ull;
  return h ^ (uint64_t)m->nparts;
}

int RD_FUZZ_MIME_ENTRY(const uint8_t *data, size_t size) {
  rd_mime_msg m;
  rd_err err;
  rd_err_clear(&err);
  int rv = rd_mime_parse((const char *)data, size, &m, &err);
  if (rv) {
    if (rv != RD_EINVAL || (!err.message[0] && !err.nitems) || m.from || m.text)
      abort();
    return 0;
  }
  if (!m.from || !strchr(m.from, '@') || !m.subject || !m.text)
    abort();
  for (const char *p = m.from; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      abort();
  mime_fz_text(m.from, true);
  mime_fz_text(m.subject, true);
  mime_fz_text(m.message_id, false);
  mime_fz_text(m.in_reply_to, false);
  mime_fz_text(m.text, false);
  mime_fz_text(m.auto_submitted, true);
  mime_fz_text(m.precedence, true);
  for (int i = 0; i < m.nrefs; i++)
    mime_fz_text(m.refs[i], false);
  if (strlen(m.text) > RD_MIME_TEXT_MAX * 2u)
    abort();
  if (m.nparts < 0 || m.nparts > RD_MIME_PARTS_MAX)
    abort();
  for (int i = 0; i < m.nparts; i++) {
    mime_fz_text(m.parts[i].filename, true);
    if (strchr(m.parts[i].filename, '/') || strchr(m.parts[i].filename, '\\'))
      abort();
  }
  /* the HTML converter on the text as if it were HTML: valid UTF-8 in, valid UTF-8 out */
  rd_buf b;
  rd_buf_init(&b);
  rd_mime_html_text(&b, m.text, strlen(m.text));
  if (b.len && !rd_utf8_valid(b.data, b.len))
    abort();
  rd_buf_term(&b);
  uint64_t first = mime_fz_digest(&m);
  rd_mime_msg_term(&m);
  rd_err_clear(&err);
  if (rd_mime_parse((const char *)data, size, &m, &err) || mime_fz_digest(&m) != first)
    abort();
  rd_mime_msg_term(&m);
  return 0;
}
