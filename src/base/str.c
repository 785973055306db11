/* Strings: see str.h. */
#include "base/str.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

void rd_buf_init(rd_buf *b) {
  b->data = NULL;
  b->len = b->cap = 0;
}

void rd_buf_term(rd_buf *b) {
  rd_free(b->data);
  rd_buf_init(b);
}

void rd_buf_grow(rd_buf *b, size_t extra) {
  if (b->len + extra + 1 <= b->cap)
    return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra + 1)
    cap *= 2;
  b->data = rd_realloc(b->data, cap);
  b->cap = cap;
}

void rd_buf_printf(rd_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  rd_buf_grow(b, (size_t)n);
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void rd_buf_add_i64(rd_buf *b, int64_t v) {
  char digits[24], *p = digits + sizeof digits;
  /* The magnitude as unsigned: -INT64_MIN does not fit in int64_t. */
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  do {
    *--p = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0)
    *--p = '-';
  rd_buf_add(b, p, (size_t)(digits + sizeof digits - p));
}

const char *rd_buf_cstr(rd_buf *b) {
  rd_buf_grow(b, 0);
  b->data[b->len] = '\0';
  return b->data;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t rd_b64url_len(size_t n) {
  return (n * 4 + 2) / 3;
}

void rd_b64url_encode(const unsigned char *in, size_t n, char *out) {
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16;
    if (i + 1 < n)
      v |= (uint32_t)in[i + 1] << 8;
    if (i + 2 < n)
      v |= in[i + 2];
    out[o++] = B64[(v >> 18) & 63];
    out[o++] = B64[(v >> 12) & 63];
    if (i + 1 < n)
      out[o++] = B64[(v >> 6) & 63];
    if (i + 2 < n)
      out[o++] = B64[v & 63];
  }
  out[o] = '\0';
}

static int b64val(char c) {
  const char *p = c ? strchr(B64, c) : NULL;
  return p ? (int)(p - B64) : -1;
}

long rd_b64url_decode(const char *s, unsigned char *out, size_t cap) {
  size_t n = strlen(s), o = 0;
  if (n % 4 == 1)
    return -1;
  for (size_t i = 0; i < n; i += 4) {
    uint32_t v = 0;
    size_t k = n - i < 4 ? n - i : 4;
    for (size_t j = 0; j < 4; j++) {
      int d = j < k ? b64val(s[i + j]) : 0;
      if (d < 0)
        return -1;
      v = (v << 6) | (uint32_t)d;
    }
    size_t bytes = k - 1;
    if (o + bytes > cap)
      return -1;
    out[o++] = (unsigned char)(v >> 16);
    if (bytes > 1)
      out[o++] = (unsigned char)(v >> 8);
    if (bytes > 2)
      out[o++] = (unsigned char)v;
  }
  return (long)o;
}

bool rd_utf8_valid(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  while (p < end) {
    unsigned c = *p;
    if (c == 0)
      return false;
    if (c < 0x80) {
      p++;
      continue;
    }
    int len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p < len)
      return false;
    for (int i = 1; i < len; i++) {
      if ((p[i] & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    p += len;
  }
  return true;
}

size_t rd_utf8_len(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80)
      n++;
  return n;
}

bool rd_text_clean(const char *s, bool multiline) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p < 0x20 || *p == 0x7f) {
      if (!multiline || (*p != '\t' && *p != '\n' && *p != '\r'))
        return false;
    } else if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
      return false; /* C1 controls */
    } else if (!multiline && *p == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) {
      return false; /* U+2028, U+2029 */
    }
  }
  return true;
}

bool rd_parse_i64(const char *s, int64_t *out) {
  if (!s || !*s)
    return false;
  for (const char *p = (*s == '-') ? s + 1 : s; *p; p++)
    if (*p < '0' || *p > '9')
      return false;
  if (*s == '-' && !s[1])
    return false;
  errno = 0;
  char *end = NULL;
  long long v = strtoll(s, &end, 10);
  if (errno || *end)
    return false;
  *out = v;
  return true;
}

bool rd_parse_bool(const char *s, bool *out) {
  if (s && !strcmp(s, "true")) {
    *out = true;
    return true;
  }
  if (s && !strcmp(s, "false")) {
    *out = false;
    return true;
  }
  return false;
}
