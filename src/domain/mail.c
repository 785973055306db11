/* Outgoing mail: see mail.h. The message is all 7-bit (encoded-words in headers,
 * quoted-printable body), so it needs nothing of the server beyond RFC 5321. Sending is
 * src/mail/smtp.c's; here the message, the settings checks and the queue. */
#include "domain/mail.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/time.h"
#include "domain/validate.h"

/* ---- the message ---- */

static size_t line_len(const rd_buf *b) {
  size_t n = 0;
  while (n < b->len && !(b->data[b->len - n - 1] == '\n'))
    n++;
  return n;
}

/* Appends s without control characters (they would break the header grammar): each
 * becomes a space. */
static void clean(rd_buf *out, const char *s) {
  for (const char *p = s ? s : ""; *p; p++) {
    unsigned char ch = (unsigned char)*p;
    rd_buf_add(out, ch < 0x20 || ch == 0x7f ? " " : p, 1);
  }
  rd_buf_cstr(out);
}

static bool plain_ascii(const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p < 0x20 || *p > 0x7e)
      return false;
  return true;
}

/* Largest raw chunk per encoded-word: base64 of 39 bytes is 52 characters, and
 * "=?UTF-8?B?" + 52 + "?=" is 64, which leaves room for "Subject: " on the first line. */
enum { WORD_RAW_MAX = 39 };

void rd_mail_encoded_words(rd_buf *out, const char *s) {
  size_t len = strlen(s), i = 0;
  bool first = true;
  do {
    size_t n = len - i < WORD_RAW_MAX ? len - i : WORD_RAW_MAX;
    /* Back off to the start of a UTF-8 sequence: each word must decode on its own
     * (RFC 2047 5: an encoded-word holds whole characters). */
    while (n > 0 && i + n < len && ((unsigned char)s[i + n] & 0xc0) == 0x80)
      n--;
    if (n == 0) /* not UTF-8 at all; cannot happen with valid input */
      n = len - i < WORD_RAW_MAX ? len - i : WORD_RAW_MAX;
    char b64[sodium_base64_ENCODED_LEN(WORD_RAW_MAX, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, (const unsigned char *)s + i, n,
                      sodium_base64_VARIANT_ORIGINAL);
    rd_buf_printf(out, "%s=?UTF-8?B?%s?=", first ? "" : "\r\n ", b64);
    first = false;
    i += n;
  } while (i < len);
}

/* A display name: a quoted-string when it is short plain ASCII, else encoded-words. */
static void phrase(rd_buf *out, const char *name) {
  if (plain_ascii(name) && strlen(name) <= 60) {
    rd_buf_adds(out, "\"");
    for (const char *p = name; *p; p++) {
      if (*p == '"' || *p == '\\')
        rd_buf_adds(out, "\\");
      rd_buf_add(out, p, 1);
    }
    rd_buf_adds(out, "\"");
  } else {
    rd_mail_encoded_words(out, name);
  }
}

static void address_header(rd_buf *out, const char *field, const char *name, const char *addr) {
  rd_buf_printf(out, "%s: ", field);
  rd_buf n;
  rd_buf_init(&n);
  clean(&n, name);
  if (name && n.len) {
    phrase(out, n.data);
    rd_buf_adds(out, line_len(out) + strlen(addr) + 3 > 78 ? "\r\n " : " ");
  }
  rd_buf_printf(out, "<%s>\r\n", addr);
  rd_buf_term(&n);
}

void rd_mail_qp(rd_buf *out, const char *s) {
  static const char HEX[] = "0123456789ABCDEF";
  const char *p = s;
  while (*p) {
    const char *end = strchr(p, '\n');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n && p[n - 1] == '\r')
      n--;
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
      unsigned char ch = (unsigned char)p[i];
      bool last = i + 1 == n;
      bool literal = (ch >= 33 && ch <= 126 && ch != '=') || ((ch == ' ' || ch == '\t') && !last);
      size_t w = literal ? 1 : 3;
      /* RFC 2045 6.7 (5): at most 76 characters per line, counting a soft break's '='. */
      if (col + w > (last ? 76 : 75)) {
        rd_buf_adds(out, "=\r\n");
        col = 0;
      }
      if (literal) {
        rd_buf_add(out, &p[i], 1);
      } else {
        char enc[3] = {'=', HEX[ch >> 4], HEX[ch & 15]};
        rd_buf_add(out, enc, 3);
      }
      col += w;
    }
    rd_buf_adds(out, "\r\n");
    p = end ? end + 1 : p + strlen(p);
  }
}

static const char *domain_of(const char *addr) {
  const char *at = strrchr(addr, '@');
  return at ? at + 1 : "localhost";
}

int rd_mail_format(const rd_mail *m, long long now, rd_buf *out, rd_err *err) {
  /* ASCII addresses only: an internationalized one needs SMTPUTF8 (RFC 6531) end to end. */
  bool from_ok = m->from && rd_email_valid(m->from) && plain_ascii(m->from);
  bool to_ok = m->to && rd_email_valid(m->to) && plain_ascii(m->to);
  if (!from_ok)
    rd_err_field(err, "from", "is not a valid ASCII email address");
  if (!to_ok)
    rd_err_field(err, "to", "is not a valid ASCII email address");
  if (!from_ok || !to_ok)
    return RD_EINVAL;
  static const char *const DAYS[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char *const MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t t = now ? (time_t)now : time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  /* RFC 5322 3.3, with English names whatever the locale. */
  rd_buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", DAYS[tm.tm_wday],
                tm.tm_mday, MONTHS[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  address_header(out, "From", m->from_name, m->from);
  address_header(out, "To", m->to_name, m->to);
  if (m->cc && rd_email_valid(m->cc) && plain_ascii(m->cc))
    address_header(out, "Cc", NULL, m->cc);
  rd_buf subject;
  rd_buf_init(&subject);
  clean(&subject, m->subject);
  rd_buf_adds(out, "Subject: ");
  if (plain_ascii(subject.data) && subject.len + 9 <= 78)
    rd_buf_adds(out, subject.data);
  else
    rd_mail_encoded_words(out, subject.data);
  rd_buf_adds(out, "\r\n");
  rd_buf_term(&subject);
  unsigned char rnd[18];
  char id[32];
  randombytes_buf(rnd, sizeof rnd);
  rd_b64url_encode(rnd, sizeof rnd, id);
  if (m->message_id && plain_ascii(m->message_id) && !strpbrk(m->message_id, "<>\r\n "))
    rd_buf_printf(out, "Message-ID: <%s>\r\n", m->message_id);
  else
    rd_buf_printf(out, "Message-ID: <%s.%lld@%s>\r\n", id, (long long)t, domain_of(m->from));
  rd_buf_adds(out, "MIME-Version: 1.0\r\n"
                   "Content-Type: text/plain; charset=utf-8\r\n"
                   "Content-Transfer-Encoding: quoted-printable\r\n"
                   "Auto-Submitted: auto-generated\r\n"
                   "\r\n");
  rd_mail_qp(out, m->body ? m->body : "");
  return 0;
}

/* ---- settings ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

static const char *smtp_str(json_t *smtp, const char *k) {
  const char *s = json_string_value(json_object_get(smtp, k));
  return s && *s ? s : NULL;
}

/* A host name or an IP address: letters, digits, '.', '-' and (IPv6) ':'. Nothing that
 * could change the meaning of the URL it goes into. */
static bool host_valid(const char *h) {
  size_t n = strlen(h);
  if (n < 1 || n > 253)
    return false;
  for (const char *p = h; *p; p++) {
    char ch = *p;
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          ch == '.' || ch == '-' || ch == ':'))
      return false;
  }
  return true;
}

int rd_mail_configured(json_t *smtp, rd_err *err) {
  const char *host = smtp_str(smtp, "host"), *from = smtp_str(smtp, "from");
  if (!host || !host_valid(host))
    rd_err_field(err, "settings.smtp.host",
                 "is not set to a host name: this account cannot send mail");
  if (!from || !rd_email_valid(from))
    rd_err_field(err, "settings.smtp.from",
                 "is not set to an address: this account cannot send mail");
  if (host && host_valid(host) && from && rd_email_valid(from))
    return 0;
  rd_err_set(err, RD_EINVAL, "Mail is not configured for this account (settings.smtp)");
  return RD_EINVAL;
}

/* ---- allowed ports ---- */

enum { PORT_RANGES_MAX = 32 };
typedef struct port_range {
  long lo, hi;
} port_range;
static port_range port_ranges[PORT_RANGES_MAX] = {{25, 25}, {465, 465}, {587, 587}, {2525, 2525}};
static int nport_ranges = 4;
static char ports_text[256] = RD_SMTP_PORTS_DEFAULT;

int rd_mail_ports_set(const char *list) {
  int n = 0;
  const char *p = list;
  if (!list || !*list || strlen(list) >= sizeof ports_text)
    return RD_EINVAL;
  port_range ranges[PORT_RANGES_MAX];
  while (*p) {
    char *end = NULL;
    long lo = strtol(p, &end, 10), hi = lo;
    if (end == p || n == PORT_RANGES_MAX)
      return RD_EINVAL;
    p = end;
    if (*p == '-') {
      const char *q = p + 1;
      hi = strtol(q, &end, 10);
      if (end == q)
        return RD_EINVAL;
      p = end;
    }
    if (lo < 1 || hi > 65535 || lo > hi || (*p && *p != ','))
      return RD_EINVAL;
    ranges[n].lo = lo;
    ranges[n++].hi = hi;
    if (*p == ',' && !*++p)
      return RD_EINVAL;
  }
  memcpy(port_ranges, ranges, (size_t)n * sizeof *ranges);
  nport_ranges = n;
  snprintf(ports_text, sizeof ports_text, "%s", list);
  return 0;
}

bool rd_mail_port_allowed(long port) {
  for (int i = 0; i < nport_ranges; i++)
    if (port >= port_ranges[i].lo && port <= port_ranges[i].hi)
      return true;
  return false;
}

const char *rd_mail_ports(void) {
  return ports_text;
}

/* ---- the public URL ---- */

int rd_mail_public_url(const char *url, char out[RD_PUBLIC_URL_MAX + 1], rd_err *err) {
  int rv = 0;
  pthread_once(&curl_once, curl_init);
  CURLU *u = curl_url();
  char *scheme = NULL, *host = NULL, *user = NULL, *query = NULL, *fragment = NULL;
  size_t n = url ? strlen(url) : 0;
  bool ok = n > 0 && n <= RD_PUBLIC_URL_MAX && u;
  for (size_t i = 0; ok && i < n; i++)
    ok = (unsigned char)url[i] > 0x20 && (unsigned char)url[i] < 0x7f;
  /* libcurl's own parser, which is also what reads the link back in a mail client's
   * place; no guessing of a scheme. */
  ok = ok && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
       curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
       curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK;
  ok = ok && (!strcmp(scheme, "http") || !strcmp(scheme, "https")) && *host;
  ok = ok && curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_NO_USER &&
       curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_NO_QUERY &&
       curl_url_get(u, CURLUPART_FRAGMENT, &fragment, 0) == CURLUE_NO_FRAGMENT &&
       !strchr(url, '?') && !strchr(url, '#');
  if (!ok) {
    rv = rd_err_set(err, RD_EINVAL,
                    "--public-url must be an http:// or https:// URL with a host and no user,"
                    " query or fragment (at most %d characters)", RD_PUBLIC_URL_MAX);
    goto out;
  }
  /* The URL as given, less trailing slashes: links append "/v1/...". */
  while (n > 0 && url[n - 1] == '/')
    n--;
  memcpy(out, url, n);
  out[n] = 0;
out:
  curl_free(scheme);
  curl_free(host);
  curl_free(user);
  curl_free(query);
  curl_free(fragment);
  curl_url_cleanup(u);
  return rv;
}

/* ---- the outbox ---- */

int rd_mail_queue(rd_conn *c, const char *account_id, const char *kind, int64_t person_id,
                  const rd_mail *m, int64_t *id, rd_err *err) {
  if (!m->to || !rd_email_valid(m->to) || !plain_ascii(m->to))
    return rd_err_field(err, "to", "is not a valid ASCII email address");
  char now[RD_TIME_LEN];
  rd_time_now(now);
  int64_t row = 0;
  int rv = rd_next_id(c, &row, err);
  if (!rv)
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO outbox (id, account_id, kind, person_id, recipient,"
                     " recipient_name, sender_name, subject, body, state, attempts,"
                     " next_attempt_at, created_at, updated_at, cc, message_id)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?, ?)",
                     "ittI" "ttttt" "ttt" "tt", row, account_id, kind, person_id, m->to,
                     m->to_name, m->from_name, m->subject ? m->subject : "",
                     m->body ? m->body : "", now, now, now, m->cc, m->message_id);
  if (!rv && id)
    *id = row;
  return rv;
}

int rd_mail_request(rd_conn *c, const char *account_id, const char *kind, json_t *request,
                    rd_err *err) {
  char now[RD_TIME_LEN];
  rd_time_now(now);
  char *text = json_dumps(request, JSON_COMPACT);
  int64_t row = 0;
  int rv = rd_next_id(c, &row, err);
  if (!rv)
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO outbox (id, account_id, kind, request, state, attempts,"
                     " next_attempt_at, created_at, updated_at)"
                     " VALUES (?, ?, ?, ?, 'queued', 0, ?, ?, ?)",
                     "itttttt", row, account_id, kind, text, now, now, now);
  free(text);
  return rv;
}

int rd_mail_resolve(rd_conn *c, int64_t id, const char *worker, int64_t person_id,
                    const rd_mail *m, rd_err *err) {
  if (!m->to || !rd_email_valid(m->to) || !plain_ascii(m->to))
    return rd_err_field(err, "to", "is not a valid ASCII email address");
  char now[RD_TIME_LEN];
  rd_time_now(now);
  int64_t changed = 0;
  int rv = rd_sql_exec(c, &changed, err,
                       "UPDATE outbox SET person_id = ?, recipient = ?, recipient_name = ?,"
                       " sender_name = ?, subject = ?, body = ?, request = NULL, updated_at = ?"
                       " WHERE id = ? AND claimed_by = ? AND state = 'sending'",
                       "Itttttt" "it", person_id, m->to, m->to_name, m->from_name,
                       m->subject ? m->subject : "", m->body ? m->body : "", now, id, worker);
  if (!rv && changed != 1)
    rv = rd_err_set(err, RD_ECONFLICT, "outbox message %lld was taken over by another worker",
                    (long long)id);
  return rv;
}

int rd_mail_drop(rd_conn *c, int64_t id, const char *worker, rd_err *err) {
  return rd_sql_exec(c, NULL, err, "DELETE FROM outbox WHERE id = ? AND claimed_by = ?", "it",
                     id, worker);
}
