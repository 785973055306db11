/* The LDAP client of the directory sync (directory.h) over libldap. */
#include "import/directory.h"

#include <ldap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "base/mem.h"
#include "base/str.h"

/* The person fields a directory can fill, and the attribute each reads by default (an
 * inetOrgPerson; Active Directory maps username to sAMAccountName). */
static const char *const FIELDS[][2] = {
    {"username", "uid"},      {"first_name", "givenName"}, {"last_name", "sn"},
    {"email", "mail"},        {"phone", "telephoneNumber"}, {"mobile", "mobile"},
    {"manager", "manager"},
};
enum { NFIELDS = sizeof FIELDS / sizeof *FIELDS };

struct rd_ldap {
  LDAP *ld;
  char *base_dn;
  char *filter;
  const char *attrs[NFIELDS + 1]; /* the attribute of each field, in FIELDS order */
  char *attr_store[NFIELDS];
  int timeout;
};

bool rd_ldap_plain_allowed(void) {
  const char *v = getenv("ROLODESK_LDAP_ALLOW_PLAIN");
  return v && !strcmp(v, "1");
}

static const char *str(const json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s && *s ? s : NULL;
}

static int failed(rd_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int failed(rd_err *err, const char *fmt, ...) {
  char msg[RD_ERR_MSG_MAX - 40];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  rd_err_set(err, RD_EUNAVAIL, "The directory failed: %s", msg);
  if (err)
    err->status = 502;
  return RD_EUNAVAIL;
}

/* An unbound connection to uri with the settings' TLS and timeouts. */
static int connect_to(const json_t *settings, LDAP **out, int *timeout, rd_err *err) {
  const char *uri = str(settings, "uri"), *ca = str(settings, "ca_file");
  bool starttls = json_is_true(json_object_get(settings, "starttls"));
  json_int_t t = json_integer_value(json_object_get(settings, "timeout"));
  *timeout = t > 0 ? (int)t : 10;
  if (!uri)
    return rd_err_field(err, "settings.ldap.uri", "must be set first");
  bool tls = !strncmp(uri, "ldaps://", 8);
  if (!tls && strncmp(uri, "ldap://", 7))
    return rd_err_field(err, "settings.ldap.uri", "must be an ldap:// or ldaps:// URI");
  if (!tls && !starttls && !rd_ldap_plain_allowed())
    return rd_err_field(err, "settings.ldap.starttls",
                        "must be on for an ldap:// URI (passwords are never sent in the clear)");
  LDAP *ld = NULL;
  int rc = ldap_initialize(&ld, uri);
  if (rc != LDAP_SUCCESS)
    return rd_err_field(err, "settings.ldap.uri", "is not a valid LDAP URI (%s)",
                        ldap_err2string(rc));
  int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, server = 0;
  struct timeval tv = {.tv_sec = *timeout};
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
  ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
  ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
  ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
  if (ca)
    ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, ca);
  ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &server);
  if (!tls && starttls && (rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) {
    ldap_unbind_ext_s(ld, NULL, NULL);
    return failed(err, "StartTLS: %s", ldap_err2string(rc));
  }
  *out = ld;
  return 0;
}

/* A simple bind as dn with password: LDAP_SUCCESS, LDAP_INVALID_CREDENTIALS, ... */
static int bind_as(LDAP *ld, const char *dn, const char *password) {
  struct berval cred = {.bv_len = strlen(password), .bv_val = (char *)password};
  return ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
}

int rd_ldap_open(const json_t *settings, rd_ldap **out, rd_err *err) {
  const char *bind_dn = str(settings, "bind_dn"), *password = str(settings, "password"),
             *base = str(settings, "base_dn"), *filter = str(settings, "filter");
  if (!str(settings, "uri") || !bind_dn || !password || !base)
    return rd_err_field(err, "settings.ldap", "uri, bind_dn, password and base_dn must be set first");
  rd_ldap *l = rd_calloc(1, sizeof *l);
  int rv = connect_to(settings, &l->ld, &l->timeout, err);
  if (!rv) {
    int rc = bind_as(l->ld, bind_dn, password);
    if (rc != LDAP_SUCCESS)
      rv = failed(err, "bind as %.100s: %s", bind_dn, ldap_err2string(rc));
  }
  if (rv) {
    rd_ldap_close(l);
    return rv;
  }
  l->base_dn = rd_strdup(base);
  l->filter = rd_strdup(filter ? filter : "(objectClass=inetOrgPerson)");
  json_t *map = json_object_get(settings, "attributes");
  for (int i = 0; i < NFIELDS; i++) {
    const char *a = str(map, FIELDS[i][0]);
    l->attr_store[i] = rd_strdup(a ? a : FIELDS[i][1]);
    l->attrs[i] = l->attr_store[i];
  }
  *out = l;
  return 0;
}

void rd_ldap_close(rd_ldap *l) {
  if (!l)
    return;
  if (l->ld)
    ldap_unbind_ext_s(l->ld, NULL, NULL);
  rd_free(l->base_dn);
  rd_free(l->filter);
  for (int i = 0; i < NFIELDS; i++)
    rd_free(l->attr_store[i]);
  rd_free(l);
}

char *rd_ldap_escape(const char *value) {
  struct berval in = {.bv_len = strlen(value), .bv_val = (char *)value}, out = {0};
  if (ldap_bv2escaped_filter_value(&in, &out) != 0)
    return NULL;
  char *s = rd_strdup(out.bv_val);
  ber_memfree(out.bv_val);
  return s;
}

/* The entry e as {"dn", "attrs": {field: first value}}. */
static json_t *entry(rd_ldap *l, LDAPMessage *e) {
  char *dn = ldap_get_dn(l->ld, e);
  json_t *attrs = json_object();
  for (int i = 0; i < NFIELDS; i++) {
    struct berval **vals = ldap_get_values_len(l->ld, e, l->attrs[i]);
    if (vals && vals[0])
      json_object_set_new(attrs, FIELDS[i][0], json_stringn(vals[0]->bv_val, vals[0]->bv_len));
    ldap_value_free_len(vals);
  }
  json_t *o = json_pack("{s:s?,s:o}", "dn", dn, "attrs", attrs);
  ldap_memfree(dn);
  return o;
}

int rd_ldap_search(rd_ldap *l, const char *attr, const char *value, json_t **out, rd_err *err) {
  rd_buf filter;
  rd_buf_init(&filter);
  if (attr) {
    char *v = rd_ldap_escape(value);
    rd_buf_printf(&filter, "(&%s(%s=%s))", l->filter, attr, v ? v : "");
    rd_free(v);
  } else {
    rd_buf_adds(&filter, l->filter);
  }
  json_t *all = json_array();
  struct berval *cookie = NULL;
  int rv = 0;
  do {
    LDAPControl *page = NULL, *ctrls[2] = {NULL, NULL};
    int rc = ldap_create_page_control(l->ld, RD_LDAP_PAGE, cookie, 0, &page);
    ber_bvfree(cookie);
    cookie = NULL;
    if (rc != LDAP_SUCCESS) {
      rv = failed(err, "paged results: %s", ldap_err2string(rc));
      break;
    }
    ctrls[0] = page;
    struct timeval tv = {.tv_sec = l->timeout};
    LDAPMessage *res = NULL;
    rc = ldap_search_ext_s(l->ld, l->base_dn, LDAP_SCOPE_SUBTREE, rd_buf_cstr(&filter),
                           (char **)l->attrs, 0, ctrls, NULL, &tv, 0, &res);
    ldap_control_free(page);
    if (rc == LDAP_FILTER_ERROR) {
      rv = rd_err_field(err, "settings.ldap.filter", "is not a valid LDAP filter");
    } else if (rc == LDAP_NO_SUCH_OBJECT) {
      rv = rd_err_field(err, "settings.ldap.base_dn", "names no entry of the directory");
    } else if (rc != LDAP_SUCCESS) {
      rv = failed(err, "search under %.100s: %s", l->base_dn, ldap_err2string(rc));
    } else {
      for (LDAPMessage *e = ldap_first_entry(l->ld, res); e; e = ldap_next_entry(l->ld, e))
        json_array_append_new(all, entry(l, e));
      LDAPControl **rctrls = NULL;
      int code = 0;
      if (ldap_parse_result(l->ld, res, &code, NULL, NULL, NULL, &rctrls, 0) == LDAP_SUCCESS) {
        LDAPControl *pr = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, rctrls, NULL);
        struct berval next = {0};
        ber_int_t estimate = 0;
        if (pr && ldap_parse_pageresponse_control(l->ld, pr, &estimate, &next) == LDAP_SUCCESS) {
          if (next.bv_len)
            cookie = ber_bvdup(&next);
          ber_memfree(next.bv_val);
        }
        ldap_controls_free(rctrls);
      }
    }
    ldap_msgfree(res);
  } while (!rv && cookie);
  ber_bvfree(cookie);
  rd_buf_term(&filter);
  if (rv) {
    json_decref(all);
    return rv;
  }
  *out = all;
  return 0;
}

int rd_ldap_check_password(const json_t *settings, const char *dn, const char *password,
                            bool *ok, rd_err *err) {
  *ok = false;
  if (!password || !*password || !dn || !*dn)
    return 0; /* never an unauthenticated bind */
  LDAP *ld = NULL;
  int timeout = 0;
  int rv = connect_to(settings, &ld, &timeout, err);
  if (rv)
    return rv;
  int rc = bind_as(ld, dn, password);
  if (rc == LDAP_SUCCESS)
    *ok = true;
  else if (rc != LDAP_INVALID_CREDENTIALS && rc != LDAP_INVALID_DN_SYNTAX &&
           rc != LDAP_NO_SUCH_OBJECT && rc != LDAP_INAPPROPRIATE_AUTH)
    rv = failed(err, "bind: %s", ldap_err2string(rc));
  ldap_unbind_ext_s(ld, NULL, NULL);
  return rv;
}
