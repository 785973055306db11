/* Unit tests of src/domain/mail.c (CUST-6): quoted-printable bodies, RFC 2047
 * encoded-words that never split a character, the headers of a message, header injection,
 * the SMTP settings check, the allowed SMTP ports and --public-url (ACC-8). tests/api/credentials_test.c sends real mail to an SMTP
 * listener and parses it with Python's email package. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <sodium.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/str.h"
#include "domain/mail.h"

/* Decodes quoted-printable (CRLF lines, soft breaks) back to text with \n line ends, and
 * checks every line is at most 76 characters of printable ASCII. */
static char *qp_decode(const char *qp) {
  static char out[16384];
  size_t n = 0;
  const char *p = qp;
  while (*p) {
    const char *crlf = strstr(p, "\r\n");
    cr_assert_not_null(crlf, "QP line without CRLF");
    size_t len = (size_t)(crlf - p);
    cr_assert_leq(len, 76, "QP line of %zu: %.*s", len, (int)len, p);
    bool soft = len > 0 && p[len - 1] == '=';
    if (len > 0 && !soft)
      cr_assert(p[len - 1] != ' ' && p[len - 1] != '\t', "trailing whitespace");
    for (size_t i = 0; i < len - (soft ? 1 : 0); i++) {
      cr_assert(p[i] == ' ' || p[i] == '\t' || (p[i] > 32 && p[i] < 127), "raw byte %d", p[i]);
      if (p[i] == '=') {
        cr_assert(i + 2 < len + (soft ? 0 : 1), "=XX split by a soft break");
        unsigned v = 0;
        cr_assert_eq(sscanf(p + i + 1, "%2X", &v), 1);
        out[n++] = (char)v;
        i += 2;
      } else {
        out[n++] = p[i];
      }
    }
    if (!soft)
      out[n++] = '\n';
    p = crlf + 2;
  }
  out[n] = 0;
  return out;
}

static char *qp(const char *s) {
  static rd_buf b;
  rd_buf_term(&b);
  rd_mail_qp(&b, s);
  return (char *)rd_buf_cstr(&b);
}

Test(mail, CUST6_quoted_printable) {
  cr_assert_str_eq(qp("a=b\n"), "a=3Db\r\n");
  cr_assert_str_eq(qp("trailing \nand\ttab\t\n"), "trailing=20\r\nand\ttab=09\r\n");
  cr_assert_str_eq(qp("caf\xc3\xa9\r\n"), "caf=C3=A9\r\n");
  cr_assert_str_eq(qp("no newline"), "no newline\r\n");
  cr_assert_str_eq(qp("\n\n"), "\r\n\r\n");
  char text[1200];
  size_t n = 0;
  for (int i = 0; i < 300; i++)
    n += (size_t)snprintf(text + n, sizeof text - n, "%s", i % 7 == 0 ? "\xc3\xa9" : i % 11 ? "x" : "= ");
  text[n++] = '\n';
  text[n] = 0;
  cr_assert_str_eq(qp_decode(qp(text)), text);
  /* 76 characters fit on a line; 77 need a soft break. */
  char line[100];
  memset(line, 'q', 76);
  strcpy(line + 76, "\n");
  cr_assert_eq(strlen(qp(line)), 78, "%s", qp(line));
  memset(line, 'q', 77);
  strcpy(line + 77, "\n");
  cr_assert_str_eq(qp_decode(qp(line)), line);
  cr_assert(strstr(qp(line), "=\r\n"));
}

/* Decodes a run of "=?UTF-8?B?...?=" words separated by folding whitespace; each word
 * must be at most 75 characters and decode to whole UTF-8 characters. */
static char *words_decode(const char *s) {
  static char out[4096];
  size_t n = 0;
  const char *p = s;
  while (*p) {
    while (*p == '\r' || *p == '\n' || *p == ' ')
      p++;
    if (!*p)
      break;
    cr_assert(!strncmp(p, "=?UTF-8?B?", 10), "not an encoded-word: %s", p);
    const char *end = strstr(p + 10, "?=");
    cr_assert_not_null(end);
    cr_assert_leq((size_t)(end + 2 - p), 75, "encoded-word longer than 75");
    unsigned char bin[256];
    size_t len = 0;
    cr_assert_eq(sodium_base642bin(bin, sizeof bin, p + 10, (size_t)(end - p - 10), NULL, &len,
                                   NULL, sodium_base64_VARIANT_ORIGINAL),
                 0);
    cr_assert(rd_utf8_valid((const char *)bin, len), "a word splits a character");
    memcpy(out + n, bin, len);
    n += len;
    p = end + 2;
  }
  out[n] = 0;
  return out;
}

Test(mail, CUST6_encoded_words_keep_characters_whole) {
  const char *subjects[] = {"Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln",
                            "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
                            "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
                            "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac",
                            "\xf0\x9f\x98\x80 emoji \xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
                            "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80",
                            "x"};
  for (size_t i = 0; i < sizeof subjects / sizeof *subjects; i++) {
    cr_assert(rd_utf8_valid(subjects[i], strlen(subjects[i])));
    rd_buf b;
    rd_buf_init(&b);
    rd_mail_encoded_words(&b, subjects[i]);
    cr_assert_str_eq(words_decode(rd_buf_cstr(&b)), subjects[i]);
    rd_buf_term(&b);
  }
  char big[400] = "";
  for (int i = 0; i < 40; i++)
    strcat(big, i % 2 ? "\xf0\x9f\x98\x80" : "\xc3\xa9t\xc3\xa9");
  rd_buf b;
  rd_buf_init(&b);
  rd_mail_encoded_words(&b, big);
  cr_assert_str_eq(words_decode(rd_buf_cstr(&b)), big);
  cr_assert(strstr(b.data, "\r\n "), "long text folds between words");
  rd_buf_term(&b);
}

static const char *header(const char *msg, const char *name) {
  static char value[2048];
  size_t n = strlen(name);
  for (const char *p = msg; *p && strncmp(p, "\r\n", 2);) {
    const char *end = strstr(p, "\r\n");
    if (!strncmp(p, name, n) && p[n] == ':') {
      size_t len = 0;
      const char *v = p + n + 1;
      while (*v == ' ')
        v++;
      /* unfold */
      for (;;) {
        const char *e = strstr(v, "\r\n");
        memcpy(value + len, v, (size_t)(e - v));
        len += (size_t)(e - v);
        if (e[2] != ' ' && e[2] != '\t')
          break;
        v = e + 2;
      }
      value[len] = 0;
      return value;
    }
    p = end + 2;
  }
  return NULL;
}

Test(mail, CUST6_message_headers) {
  rd_mail m = {.from = "desk@example.com", .from_name = "Widget \"Data\" Center",
               .to = "ann@example.org", .to_name = "Ann L\xc3\xa9" "e",
               .subject = "Your new password for Wid\xc3\xa9get", .body = "Hello,\n.\nbye\n"};
  rd_buf b;
  rd_buf_init(&b);
  cr_assert_eq(rd_mail_format(&m, 1795424400LL, &b, NULL), 0);
  const char *msg = rd_buf_cstr(&b);
  cr_assert_str_eq(header(msg, "Date"), "Mon, 23 Nov 2026 09:00:00 +0000");
  cr_assert_str_eq(header(msg, "From"), "\"Widget \\\"Data\\\" Center\" <desk@example.com>");
  const char *to = header(msg, "To");
  cr_assert(!strncmp(to, "=?UTF-8?B?", 10) && strstr(to, " <ann@example.org>"), "%s", to);
  char subject[512];
  snprintf(subject, sizeof subject, "%s", header(msg, "Subject"));
  cr_assert_str_eq(words_decode(subject), m.subject);
  const char *mid = header(msg, "Message-ID");
  cr_assert(mid[0] == '<' && strstr(mid, "@example.com>"), "%s", mid);
  cr_assert_str_eq(header(msg, "MIME-Version"), "1.0");
  cr_assert_str_eq(header(msg, "Content-Type"), "text/plain; charset=utf-8");
  cr_assert_str_eq(header(msg, "Content-Transfer-Encoding"), "quoted-printable");
  const char *body = strstr(msg, "\r\n\r\n");
  cr_assert_not_null(body);
  cr_assert_str_eq(qp_decode(body + 4), m.body);
  /* Every line CRLF-terminated, at most 78 octets, 7-bit. */
  for (const char *p = msg; *p;) {
    const char *e = strstr(p, "\r\n");
    cr_assert_not_null(e);
    cr_assert_leq((size_t)(e - p), 78, "%.*s", (int)(e - p), p);
    for (const char *q = p; q < e; q++)
      cr_assert((unsigned char)*q < 128 && *q != '\n' && *q != '\r');
    p = e + 2;
  }
  /* Another message gets another Message-ID. */
  rd_buf b2;
  rd_buf_init(&b2);
  rd_mail_format(&m, 1795424400LL, &b2, NULL);
  char mid1[256];
  snprintf(mid1, sizeof mid1, "%s", mid);
  cr_assert_str_neq(header(rd_buf_cstr(&b2), "Message-ID"), mid1);
  rd_buf_term(&b);
  rd_buf_term(&b2);
}

/* CUST-9: the acknowledgement of mail in carries the alias in Cc and our own Message-ID;
 * neither can inject a header. */
Test(mail, CUST9_cc_and_message_id) {
  rd_mail m = {.from = "desk@example.com", .to = "ann@example.org", .subject = "[RD-7] x",
               .body = "x", .cc = "ann.lee@example.net",
               .message_id = "rdmail.7.abc@example.com"};
  rd_buf b;
  rd_buf_init(&b);
  cr_assert_eq(rd_mail_format(&m, 0, &b, NULL), 0);
  cr_assert_str_eq(header(rd_buf_cstr(&b), "Cc"), "<ann.lee@example.net>");
  cr_assert_str_eq(header(rd_buf_cstr(&b), "Message-ID"), "<rdmail.7.abc@example.com>");
  rd_buf_term(&b);
  m.cc = "a@b.c\r\nBcc: evil@example.net";
  m.message_id = "x>\r\nBcc: evil@example.net";
  rd_buf_init(&b);
  cr_assert_eq(rd_mail_format(&m, 0, &b, NULL), 0);
  cr_assert_null(strstr(rd_buf_cstr(&b), "\r\nBcc:"), "%s", b.data);
  cr_assert_null(strstr(rd_buf_cstr(&b), "\r\nCc:"), "%s", b.data);
  rd_buf_term(&b);
}

Test(mail, CUST6_no_header_injection) {
  rd_mail m = {.from = "desk@example.com", .to = "ann@example.org",
               .to_name = "Ann\r\nBcc: evil@example.net", .subject = "Hi\r\nBcc: evil@example.net",
               .body = "x"};
  rd_buf b;
  rd_buf_init(&b);
  cr_assert_eq(rd_mail_format(&m, 0, &b, NULL), 0);
  cr_assert_null(strstr(rd_buf_cstr(&b), "\r\nBcc:"), "%s", b.data);
  rd_buf_term(&b);
  rd_err err;
  rd_err_clear(&err);
  m.to = "ann@example.org\r\nRCPT TO:<x@y.z>";
  cr_assert_eq(rd_mail_format(&m, 0, &b, &err), RD_EINVAL);
  cr_assert_str_eq(err.items[0].field, "to");
  rd_err_clear(&err);
  m.to = "jos\xc3\xa9@example.fr"; /* needs SMTPUTF8 */
  cr_assert_eq(rd_mail_format(&m, 0, &b, &err), RD_EINVAL);
  rd_buf_term(&b);
}

Test(mail, CUST6_settings_must_name_host_and_from) {
  rd_err err;
  rd_err_clear(&err);
  json_t *smtp = json_pack("{s:n,s:i,s:n}", "host", "port", 25, "from");
  cr_assert_eq(rd_mail_configured(smtp, &err), RD_EINVAL);
  cr_assert_eq(err.status, 422);
  cr_assert_eq(err.nitems, 2);
  cr_assert_str_eq(err.items[0].field, "settings.smtp.host");
  cr_assert_str_eq(err.items[1].field, "settings.smtp.from");
  json_decref(smtp);
  rd_err_clear(&err);
  smtp = json_pack("{s:s,s:s}", "host", "mail.example.com/x?y", "from", "desk@example.com");
  cr_assert_eq(rd_mail_configured(smtp, &err), RD_EINVAL, "a host that is not a host name");
  json_decref(smtp);
  rd_err_clear(&err);
  smtp = json_pack("{s:s,s:s}", "host", "127.0.0.1", "from", "desk@example.com");
  cr_assert_eq(rd_mail_configured(smtp, &err), 0);
  json_decref(smtp);
}

Test(mail, ACC8_smtp_port_list) {
  cr_assert_eq(rd_mail_ports_set(RD_SMTP_PORTS_DEFAULT), 0);
  cr_assert(rd_mail_port_allowed(25) && rd_mail_port_allowed(465) && rd_mail_port_allowed(587) &&
            rd_mail_port_allowed(2525));
  cr_assert(!rd_mail_port_allowed(22) && !rd_mail_port_allowed(1025) && !rd_mail_port_allowed(0));
  cr_assert_str_eq(rd_mail_ports(), "25,465,587,2525");
  cr_assert_eq(rd_mail_ports_set("25,1025-1030,8025"), 0);
  cr_assert(rd_mail_port_allowed(1025) && rd_mail_port_allowed(1030) && rd_mail_port_allowed(8025));
  cr_assert(!rd_mail_port_allowed(587) && !rd_mail_port_allowed(1031));
  const char *bad[] = {"", ",", "25,", ",25", "0", "65536", "30-20", "25;587", "25-", "-25", "x",
                       "25 ,587", NULL};
  for (int i = 0; bad[i]; i++)
    cr_assert_eq(rd_mail_ports_set(bad[i]), RD_EINVAL, "'%s' was taken", bad[i]);
  /* A refused list changes nothing. */
  cr_assert(rd_mail_port_allowed(8025) && !rd_mail_port_allowed(587));
  rd_mail_ports_set(RD_SMTP_PORTS_DEFAULT);
}

Test(mail, ACC8_public_url) {
  char out[RD_PUBLIC_URL_MAX + 1];
  rd_err err;
  static const char *const GOOD[][2] = {
      {"https://desk.example.com", "https://desk.example.com"},
      {"https://desk.example.com/", "https://desk.example.com"},
      {"http://127.0.0.1:8080//", "http://127.0.0.1:8080"},
      {"https://example.com/desk/", "https://example.com/desk"},
      {"http://[::1]:8080", "http://[::1]:8080"}};
  for (size_t i = 0; i < sizeof GOOD / sizeof *GOOD; i++) {
    rd_err_clear(&err);
    cr_assert_eq(rd_mail_public_url(GOOD[i][0], out, &err), 0, "%s: %s", GOOD[i][0], err.message);
    cr_assert_str_eq(out, GOOD[i][1]);
  }
  static const char *const BAD[] = {"", "desk.example.com", "ftp://desk.example.com", "https://",
                                    "https://desk.example.com/?x=1", "https://desk.example.com/?",
                                    "https://desk.example.com#top", "https://u:p@desk.example.com",
                                    "https://desk.example.com/a b", "https://desk.example.com/\n",
                                    "javascript:alert(1)"};
  for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
    rd_err_clear(&err);
    cr_assert_eq(rd_mail_public_url(BAD[i], out, &err), RD_EINVAL, "'%s' was taken", BAD[i]);
  }
  char longer[RD_PUBLIC_URL_MAX + 16] = "https://";
  memset(longer + 8, 'a', sizeof longer - 9);
  longer[sizeof longer - 1] = 0;
  cr_assert_eq(rd_mail_public_url(longer, out, &err), RD_EINVAL);
}
