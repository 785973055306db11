/* Strings: a growable byte buffer, base64url, UTF-8 validation and small parsing helpers
 * with explicit bounds. Nothing here knows about HTTP or the database. */
#ifndef RD_BASE_STR_H
#define RD_BASE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct rd_buf {
  char *data; /* always NUL-terminated when len > 0 or after rd_buf_cstr */
  size_t len, cap;
} rd_buf;

void rd_buf_init(rd_buf *b);
void rd_buf_term(rd_buf *b);
/* Makes room for extra more bytes and the NUL (rd_buf_add's slow path). */
void rd_buf_grow(rd_buf *b, size_t extra);
/* Inline: list pages append thousands of small pieces (issue 12), most of them literals
 * whose length the compiler knows. */
static inline void rd_buf_add(rd_buf *b, const void *p, size_t n) {
  if (b->len + n + 1 > b->cap)
    rd_buf_grow(b, n);
  if (n)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
}
static inline void rd_buf_adds(rd_buf *b, const char *s) {
  rd_buf_add(b, s, strlen(s));
}
void rd_buf_printf(rd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends v in decimal, as printf's %lld writes it (without printf's cost: list pages write
 * several numbers a row). */
void rd_buf_add_i64(rd_buf *b, int64_t v);
const char *rd_buf_cstr(rd_buf *b);

/* base64url without padding. out must hold rd_b64url_len(n)+1 bytes. */
size_t rd_b64url_len(size_t n);
void rd_b64url_encode(const unsigned char *in, size_t n, char *out);
/* Returns the decoded length, or -1 when s is not base64url or does not fit in cap. */
long rd_b64url_decode(const char *s, unsigned char *out, size_t cap);

/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, no NUL). */
bool rd_utf8_valid(const char *s, size_t n);
/* Number of code points in a valid UTF-8 string. */
size_t rd_utf8_len(const char *s);
/* REL-1: true when valid UTF-8 s holds no control character: none of C0 (below U+0020),
 * DEL or C1 (U+0080..U+009F), except tab, CR and LF when multiline. Also the Unicode line
 * and paragraph separators count as line breaks. */
bool rd_text_clean(const char *s, bool multiline);

/* Parses a whole decimal int64 (optional '-'); false on junk, overflow or empty. */
bool rd_parse_i64(const char *s, int64_t *out);
/* "true"/"false" only. */
bool rd_parse_bool(const char *s, bool *out);

#endif
