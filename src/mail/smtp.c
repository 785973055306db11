/* The SMTP client of the outbox workers (ACC-8, CUST-6): one message over libcurl's SMTP
 * client with the account's settings.smtp. Only src/mail/ talks to mail servers; requests
 * queue (src/domain/mail.c). The message is all 7-bit (encoded-words in headers,
 * quoted-printable body, rd_mail_format), so it needs nothing of the server beyond RFC
 * 5321; libcurl does the conversation, dot-stuffing and the final ".". */
#include "mail/smtp.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

static const char *smtp_str(json_t *smtp, const char *k) {
  const char *s = json_string_value(json_object_get(smtp, k));
  return s && *s ? s : NULL;
}

static const char *domain_of(const char *addr) {
  const char *at = strrchr(addr, '@');
  return at ? at + 1 : "localhost";
}

typedef struct reader {
  const char *p;
  size_t left;
} reader;

static size_t read_cb(char *buf, size_t size, size_t nitems, void *arg) {
  reader *r = arg;
  size_t n = size * nitems < r->left ? size * nitems : r->left;
  memcpy(buf, r->p, n);
  r->p += n;
  r->left -= n;
  return n;
}

static int gateway(rd_err *err, int status, const char *what, long reply) {
  if (reply)
    rd_err_set(err, RD_EUNAVAIL, "%s (SMTP %ld)", what, reply);
  else
    rd_err_set(err, RD_EUNAVAIL, "%s", what);
  if (err)
    err->status = status;
  return RD_EUNAVAIL;
}

/* Aborts the transfer once *stop (may be NULL) is set: libcurl calls this at least once
 * a second, also while it waits for a silent server. */
static int progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow) {
  const atomic_bool *stop = arg;
  return stop && atomic_load(stop) ? 1 : 0;
}

int rd_smtp_send(json_t *smtp, const rd_mail *msg, const atomic_bool *stop, rd_err *err) {
  int rv = rd_mail_configured(smtp, err);
  if (rv)
    return rv;
  rd_mail m = *msg;
  if (!m.from)
    m.from = smtp_str(smtp, "from");
  rd_buf text;
  rd_buf_init(&text);
  rv = rd_mail_format(&m, 0, &text, err);
  if (rv) {
    rd_buf_term(&text);
    return rv;
  }
  const char *host = smtp_str(smtp, "host");
  json_t *jp = json_object_get(smtp, "port"), *jt = json_object_get(smtp, "timeout");
  long port = json_is_integer(jp) ? (long)json_integer_value(jp) : 25;
  long timeout = json_is_integer(jt) && json_integer_value(jt) > 0
                     ? (long)json_integer_value(jt) : RD_SMTP_TIMEOUT_DEFAULT;
  if (timeout > RD_SMTP_TIMEOUT_MAX)
    timeout = RD_SMTP_TIMEOUT_MAX;
  /* ACC-8: also settings stored before the installation narrowed its list. */
  if (!rd_mail_port_allowed(port)) {
    rd_buf_term(&text);
    rd_err_set(err, RD_EINVAL, "SMTP port %ld is not allowed on this installation (%s)", port,
               rd_mail_ports());
    return RD_EINVAL;
  }
  bool v6 = strchr(host, ':') != NULL;
  char url[400], mail_from[300], rcpt[300], where[300], errbuf[CURL_ERROR_SIZE] = "";
  /* 465 is SMTP over TLS from the first byte (RFC 8314); elsewhere STARTTLS if asked. The
   * path of the URL is the name we give in EHLO: the domain we send for. */
  snprintf(url, sizeof url, "%s://%s%s%s:%ld/%s", port == 465 ? "smtps" : "smtp", v6 ? "[" : "",
           host, v6 ? "]" : "", port, domain_of(m.from));
  snprintf(where, sizeof where, "%s:%ld", host, port);
  snprintf(mail_from, sizeof mail_from, "<%s>", m.from);
  snprintf(rcpt, sizeof rcpt, "<%s>", m.to);
  pthread_once(&curl_once, curl_init);
  CURL *h = curl_easy_init();
  struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
  if (rcpts && m.cc) { /* CUST-9: the alias in copy */
    char cc[300];
    snprintf(cc, sizeof cc, "<%s>", m.cc);
    struct curl_slist *more = curl_slist_append(rcpts, cc);
    rcpts = more ? more : rcpts;
  }
  if (!h || !rcpts) {
    rv = rd_err_set(err, RD_EINTERNAL, "Cannot start the mail client");
    goto out;
  }
  reader r = {text.data, text.len};
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout < 10 ? timeout : 10L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
  /* Also for each reply, including the wait on a hung server when closing (QUIT), which
   * the overall timeout does not cover: a slow server costs about twice the timeout. */
  curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout);
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from);
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
  curl_easy_setopt(h, CURLOPT_READDATA, &r);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  if (stop) {
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)stop);
  }
  if (json_is_true(json_object_get(smtp, "starttls")))
    curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
  if (smtp_str(smtp, "username")) {
    curl_easy_setopt(h, CURLOPT_USERNAME, smtp_str(smtp, "username"));
    const char *password = smtp_str(smtp, "password");
    curl_easy_setopt(h, CURLOPT_PASSWORD, password ? password : "");
  }
  CURLcode rc = curl_easy_perform(h);
  long reply = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
  /* ACC-8: whatever kept the conversation from happening (DNS, refused, timeout, TLS, a
   * service that is not SMTP) reads the same; only a real SMTP reply is told apart. */
  if (rc == CURLE_OK)
    rv = 0;
  else if (rc == CURLE_LOGIN_DENIED && reply >= 500 && reply < 600)
    rv = gateway(err, 502, "The mail server refused the sign-in; check settings.smtp", reply);
  else if (reply >= 500 && reply < 600)
    rv = gateway(err, 502, "The mail server refused the message", reply);
  else if (reply >= 400 && reply < 500)
    rv = gateway(err, 503, "The mail server refused the message for now", reply);
  else
    rv = gateway(err, 503, RD_SMTP_UNREACHABLE, 0);
  if (rv)
    rd_log(RD_LOG_WARN, "mail via %s failed: %s (SMTP %ld)", where,
           errbuf[0] ? errbuf : curl_easy_strerror(rc), reply);
out:
  curl_slist_free_all(rcpts);
  if (h)
    curl_easy_cleanup(h);
  rd_buf_term(&text);
  return rv;
}

