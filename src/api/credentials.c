/* Credentials mail and password reset (CUST-6), the HTTP side:
 *   POST /v1/people/{id}/credentials_email          staff mail a person its credentials
 *   GET|PUT /v1/people/{id}/security_questions      the questions the reset page asks
 *   POST /v1/password_reset                         "forgot password" (always 202)
 *   GET|POST /v1/password_reset/{token}             the reset page the mailed link opens
 * The reset page is a small self-contained HTML form (no script, strict CSP, no referrer
 * so the token does not leak); with Accept / Content-Type application/json the same URL
 * speaks JSON for the web UI. Links in mails start with the daemon's --public-url, never
 * with a request header (Host, X-Forwarded-*: ACC-8). Mail is only queued here. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "auth/auth.h"
#include "base/mem.h"
#include "base/str.h"
#include "domain/credentials.h"

/* An optional body that must be empty or an object without fields. */
static int no_fields(rd_ctx *x, rd_err *err) {
  if (x->req->body_len == 0)
    return 0;
  json_t *in = NULL;
  int rv = rd_api_body(x, &in, err);
  if (rv)
    return rv;
  const char *k;
  json_t *v;
  json_object_foreach(in, k, v) rd_err_field(err, k, "unknown field");
  json_decref(in);
  return err->code;
}

int rd_api_person_credentials_email(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  json_t *out = NULL;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_api_query_check(x, NULL, err);
  if (!rv)
    rv = no_fields(x, err);
  if (!rv)
    rv = rd_credentials_email(x->db, &x->who, id, x->api->public_url, &out, err);
  if (!rv)
    rd_api_json(x, 202, out, -1);
  return rv;
}

int rd_api_security_questions_get(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  json_t *out = NULL;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_api_query_check(x, NULL, err);
  if (!rv)
    rv = rd_security_questions_get(x->db, &x->who, id, &out, err);
  if (!rv)
    rd_api_json(x, 200, out, -1);
  return rv;
}

int rd_api_security_questions_put(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  json_t *in = NULL, *out = NULL;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_api_query_check(x, NULL, err);
  if (!rv)
    rv = rd_api_body(x, &in, err);
  if (!rv)
    rv = rd_security_questions_set(x->db, &x->who, id, in, &out, err);
  json_decref(in);
  if (!rv)
    rd_api_json(x, 200, out, -1);
  return rv;
}

/* ---- forgot password ---- */

static int limit(rd_ctx *x, const char *key, rd_err *err) {
  int rv = rd_ratelimit_check(x->db, key, err);
  if (rv == RD_ERATE) {
    int retry = err->retry_after;
    rd_err_set(err, RD_ERATE, "Too many password reset requests; try again later");
    err->retry_after = retry;
  }
  return rv;
}

int rd_api_password_reset_request(rd_ctx *x, rd_err *err) {
  json_t *in = NULL;
  int rv = rd_api_query_check(x, NULL, err);
  if (!rv)
    rv = rd_api_body(x, &in, err);
  if (rv)
    return rv;
  const char *k;
  json_t *v;
  json_object_foreach(in, k, v) {
    if (strcmp(k, "account") && strcmp(k, "username") && strcmp(k, "email"))
      rd_err_field(err, k, "unknown field");
    else if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 254 ||
             strlen(json_string_value(v)) != json_string_length(v))
      rd_err_field(err, k, "must be a non-empty string of at most 254 characters");
  }
  if (!json_object_get(in, "account"))
    rd_err_field(err, "account", "is required");
  if (!json_object_get(in, "username") == !json_object_get(in, "email"))
    rd_err_field(err, "username", "give either username or email");
  if (err->code) {
    json_decref(in);
    return err->code;
  }
  const char *account = json_string_value(json_object_get(in, "account"));
  const char *username = json_string_value(json_object_get(in, "username"));
  const char *email = json_string_value(json_object_get(in, "email"));
  /* Every request counts, found or not, per client and per named person: the limit
   * neither tells who exists nor lets anyone flood someone's mailbox. */
  char akey[96], pkey[320];
  snprintf(akey, sizeof akey, "reset:addr:%s", x->req->client);
  snprintf(pkey, sizeof pkey, "reset:to:%s:%s", account, username ? username : email);
  for (char *p = pkey; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  rv = limit(x, akey, err);
  if (!rv)
    rv = limit(x, pkey, err);
  if (!rv) {
    rd_ratelimit_fail(x->db, akey);
    rd_ratelimit_fail(x->db, pkey);
    rv = rd_credentials_forgot(x->db, account, username, email, err);
  }
  json_decref(in);
  if (!rv)
    rd_api_json(x, 202,
                json_pack("{s:s}", "message",
                          "If this person exists and may sign in, a message is on its way to "
                          "its email address."),
                -1);
  return rv;
}

/* ---- the reset page ---- */

static void html_text(rd_buf *b, const char *s) {
  for (const char *p = s ? s : ""; *p; p++) {
    switch (*p) {
    case '<': rd_buf_adds(b, "&lt;"); break;
    case '>': rd_buf_adds(b, "&gt;"); break;
    case '&': rd_buf_adds(b, "&amp;"); break;
    case '"': rd_buf_adds(b, "&quot;"); break;
    case '\'': rd_buf_adds(b, "&#39;"); break;
    default: rd_buf_add(b, p, 1);
    }
  }
}

static void page_start(rd_buf *b, const char *title) {
  rd_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                 "<meta name=\"robots\" content=\"noindex\"><title>");
  html_text(b, title);
  rd_buf_adds(b, " - rolodesk</title><style>body{font-family:system-ui,sans-serif;"
                 "max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}"
                 "label{display:block;margin:1rem 0 .25rem;font-weight:600}"
                 "input{width:100%;padding:.5rem;box-sizing:border-box}"
                 "button{margin-top:1.5rem;padding:.6rem 1.2rem}.error{color:#a00}"
                 "</style></head>\n<body><h1>");
  html_text(b, title);
  rd_buf_adds(b, "</h1>\n");
}

static void page_send(rd_ctx *x, int status, rd_buf *b) {
  rd_buf_adds(b, "</body></html>\n");
  /* The token is in the URL: no caching, no referrer, no framing, no script. */
  rd_resp_header(x->req, "Cache-Control", "no-store");
  rd_resp_header(x->req, "Referrer-Policy", "no-referrer");
  rd_resp_header(x->req, "X-Content-Type-Options", "nosniff");
  rd_resp_header(x->req, "X-Frame-Options", "DENY");
  rd_resp_header(x->req, "Content-Security-Policy",
                 "default-src 'none'; style-src 'unsafe-inline'; form-action 'self';"
                 " frame-ancestors 'none'; base-uri 'none'");
  rd_resp_body_owned(x->req, status, "text/html; charset=utf-8", b->data, b->len);
  rd_buf_init(b);
}

static void page_error(rd_ctx *x, const rd_err *err) {
  int status = err->status ? err->status : rd_err_status(err->code);
  rd_buf b;
  rd_buf_init(&b);
  page_start(&b, status == 404 || status == 410 ? "This link does not work"
                                                : "Something went wrong");
  rd_buf_adds(&b, "<p class=\"error\" role=\"alert\">");
  html_text(&b, err->message[0] ? err->message : "Internal error");
  rd_buf_adds(&b, "</p>\n<p>To get a new link, use \"forgot password\" on the sign-in page or ask "
                  "your service desk.</p>\n");
  page_send(x, status, &b);
}

/* The form; problem (may be NULL) is shown above it. */
static void page_form(rd_ctx *x, int status, json_t *info, const char *problem) {
  rd_buf b;
  rd_buf_init(&b);
  page_start(&b, "Set your password");
  rd_buf_adds(&b, "<p>Account <b>");
  html_text(&b, json_string_value(json_object_get(info, "account_name")));
  rd_buf_adds(&b, "</b> (");
  html_text(&b, json_string_value(json_object_get(info, "account")));
  rd_buf_adds(&b, "), username <b>");
  html_text(&b, json_string_value(json_object_get(info, "username")));
  rd_buf_adds(&b, "</b>.</p>\n");
  if (problem) {
    rd_buf_adds(&b, "<p class=\"error\" role=\"alert\">");
    html_text(&b, problem);
    rd_buf_adds(&b, "</p>\n");
  }
  /* No action: the form posts to this same URL. */
  rd_buf_adds(&b, "<form method=\"post\" autocomplete=\"off\">\n");
  size_t i;
  json_t *q;
  json_array_foreach(json_object_get(info, "questions"), i, q) {
    rd_buf_printf(&b, "<label for=\"answer%zu\">", i);
    html_text(&b, json_string_value(q));
    rd_buf_printf(&b, "</label><input id=\"answer%zu\" name=\"answer%zu\" required>\n", i, i);
  }
  rd_buf_adds(&b, "<label for=\"password\">New password (at least 8 characters)</label>"
                  "<input type=\"password\" id=\"password\" name=\"password\" minlength=\"8\""
                  " required autocomplete=\"new-password\">\n"
                  "<label for=\"password_confirm\">New password again</label>"
                  "<input type=\"password\" id=\"password_confirm\" name=\"password_confirm\""
                  " minlength=\"8\" required autocomplete=\"new-password\">\n"
                  "<button type=\"submit\">Set password</button>\n</form>\n");
  page_send(x, status, &b);
}

static bool wants_json(rd_ctx *x) {
  const char *accept = rd_req_header(x->req, "Accept");
  return accept && strstr(accept, "application/json") && !strstr(accept, "text/html");
}

/* A browser opening the mailed link: Accept names text/html (and does not refuse it). */
static bool wants_html(rd_ctx *x) {
  const char *accept = rd_req_header(x->req, "Accept");
  const char *h = accept ? strstr(accept, "text/html") : NULL;
  if (!h)
    return false;
  const char *q = strstr(h, ";q=");
  return !q || q > h + strcspn(h, ",") || strspn(q + 3, "0.") < strcspn(q + 3, ", ;");
}

int rd_api_password_reset_page(rd_ctx *x, rd_err *err) {
  json_t *info = NULL;
  int rv = rd_api_query_check(x, NULL, err);
  if (!rv)
    rv = rd_password_reset_open(x->db, x->params[0], &info, err);
  /* Issue 12: errors are the JSON of API.md unless a browser asks for the page (the
   * page itself, the form, stays HTML for any Accept but JSON-only). */
  if (wants_json(x) || (rv && !wants_html(x))) {
    if (!rv)
      rd_api_json(x, 200, info, -1);
    return rv;
  }
  if (rv)
    page_error(x, err);
  else
    page_form(x, 200, info, NULL);
  json_decref(info);
  return 0;
}

/* ---- application/x-www-form-urlencoded ---- */

static int hexval(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes s[0..n) into a new string; NULL when it is not valid UTF-8 or holds a NUL. */
static char *form_decode(rd_arena *a, const char *s, size_t n) {
  char *out = rd_arena_alloc(a, n + 1);
  size_t len = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '+') {
      out[len++] = ' ';
    } else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      out[len++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else {
      out[len++] = s[i];
    }
  }
  out[len] = 0;
  return strlen(out) == len && rd_utf8_valid(out, len) ? out : NULL;
}

/* The form's fields into a JSON object of strings; NULL when malformed. */
static json_t *form_parse(rd_req *r) {
  json_t *form = json_object();
  const char *p = r->body, *end = r->body + r->body_len;
  while (p < end) {
    const char *amp = memchr(p, '&', (size_t)(end - p));
    const char *stop = amp ? amp : end;
    const char *eq = memchr(p, '=', (size_t)(stop - p));
    if (stop > p) {
      char *k = form_decode(&r->arena, p, (size_t)((eq ? eq : stop) - p));
      char *v = eq ? form_decode(&r->arena, eq + 1, (size_t)(stop - eq - 1)) : "";
      if (!k || !v) {
        json_decref(form);
        return NULL;
      }
      json_object_set_new(form, k, json_string(v));
    }
    p = stop + 1;
  }
  return form;
}

int rd_api_password_reset_submit(rd_ctx *x, rd_err *err) {
  int rv = rd_api_query_check(x, NULL, err);
  if (rv)
    return rv;
  const char *ct = rd_req_header(x->req, "Content-Type");
  bool json = ct && !strncasecmp(ct, "application/json", 16);
  json_t *in = NULL, *answers = NULL, *info = NULL;
  const char *password = NULL;
  if (json) {
    /* {"answers": ["...", ...], "password": "..."} */
    rv = rd_api_body(x, &in, err);
    if (rv)
      return rv;
    const char *k;
    json_t *v;
    json_object_foreach(in, k, v) {
      if (!strcmp(k, "password"))
        password = json_string_value(v);
      else if (!strcmp(k, "answers"))
        answers = json_incref(v);
      else
        rd_err_field(err, k, "unknown field");
    }
    if (!password)
      rd_err_field(err, "password", "is required");
    if (answers && !json_is_array(answers))
      rd_err_field(err, "answers", "must be an array of strings");
    if (!answers)
      answers = json_array();
    if (!err->code)
      rv = rd_password_reset_complete(x->db, x->params[0], answers, password, &info, err);
    rv = err->code ? err->code : rv;
    if (!rv)
      rd_api_json(x, 200, json_pack("{s:s,s:O,s:O}", "message", "Your password has been changed",
                                    "account", json_object_get(info, "account"), "username",
                                    json_object_get(info, "username")),
                  -1);
    goto out;
  }
  if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33)) {
    rv = rd_err_set(err, RD_EMEDIA,
                    "Content-Type must be application/x-www-form-urlencoded or application/json");
    goto out;
  }
  in = form_parse(x->req);
  if (!in) {
    rd_err_set(err, RD_EBADREQ, "The form is not valid UTF-8 form data");
    page_error(x, err);
    goto out;
  }
  /* The page first, so that a dead link shows the dead-link page whatever was typed. */
  rv = rd_password_reset_open(x->db, x->params[0], &info, err);
  if (rv) {
    page_error(x, err);
    rv = 0;
    goto out;
  }
  answers = json_array();
  for (size_t i = 0; i < json_array_size(json_object_get(info, "questions")); i++) {
    char key[16];
    snprintf(key, sizeof key, "answer%zu", i);
    json_t *a = json_object_get(in, key);
    json_array_append_new(answers, json_string(a ? json_string_value(a) : ""));
  }
  password = json_string_value(json_object_get(in, "password"));
  const char *confirm = json_string_value(json_object_get(in, "password_confirm"));
  if (!password || !confirm || strcmp(password, confirm)) {
    page_form(x, 422, info, "The two passwords are not the same.");
    goto out;
  }
  json_decref(info);
  info = NULL;
  rd_err_clear(err);
  rv = rd_password_reset_complete(x->db, x->params[0], answers, password, &info, err);
  if (!rv) {
    rd_buf b;
    rd_buf_init(&b);
    page_start(&b, "Your password has been changed");
    rd_buf_adds(&b, "<p>Sign in with account <b>");
    html_text(&b, json_string_value(json_object_get(info, "account")));
    rd_buf_adds(&b, "</b> and username <b>");
    html_text(&b, json_string_value(json_object_get(info, "username")));
    rd_buf_adds(&b, "</b> and your new password.</p>\n");
    page_send(x, 200, &b);
  } else if (rv == RD_EINVAL) {
    json_t *again = NULL;
    rd_err e2;
    rd_err_clear(&e2);
    if (!rd_password_reset_open(x->db, x->params[0], &again, &e2)) {
      bool wrong = false;
      for (int i = 0; i < err->nitems; i++)
        wrong |= !strcmp(err->items[i].field, "answers");
      char problem[RD_ERR_MSG_MAX + RD_ERR_FIELD_MAX + 8];
      snprintf(problem, sizeof problem, "The %s %s.", err->nitems ? err->items[0].field : "input",
               err->nitems ? err->items[0].message : "is not valid");
      page_form(x, 422, again, wrong ? "The answers do not match the ones on record." : problem);
      json_decref(again);
    } else {
      page_error(x, &e2);
    }
  } else {
    page_error(x, err);
  }
  rv = 0;
out:
  json_decref(in);
  json_decref(answers);
  json_decref(info);
  return rv;
}
