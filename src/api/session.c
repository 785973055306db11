/* POST /v1/login, POST /v1/logout, GET /v1/me (ACC-3). Every login failure gets the same
 * 401 body and costs the same time (a dummy argon2id verification when the person does
 * not exist); failures count against the username and the client address (429). */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "auth/auth.h"
#include "base/mem.h"
#include "domain/account.h"
#include "domain/ldap.h"
#include "domain/person.h"
#include "import/directory.h"

static const char *const LOGIN_FIELDS[] = {"account", "username", "password", NULL};

int rd_api_login(rd_ctx *x, rd_err *err) {
  json_t *body = NULL;
  int rv = rd_api_body(x, &body, err);
  if (rv)
    return rv;
  const char *k;
  json_t *v;
  json_object_foreach(body, k, v) {
    bool known = false;
    for (int i = 0; LOGIN_FIELDS[i]; i++)
      known |= !strcmp(k, LOGIN_FIELDS[i]);
    if (!known)
      rd_err_field(err, k, "unknown field");
    else if (!json_is_string(v) || json_string_length(v) == 0 ||
             json_string_length(v) > RD_PASSWORD_MAX)
      rd_err_field(err, k, "must be a non-empty string");
  }
  for (int i = 0; LOGIN_FIELDS[i]; i++)
    if (!json_object_get(body, LOGIN_FIELDS[i]))
      rd_err_field(err, LOGIN_FIELDS[i], "is required");
  if (err->code) {
    json_decref(body);
    return err->code;
  }
  const char *account = json_string_value(json_object_get(body, "account"));
  const char *username = json_string_value(json_object_get(body, "username"));
  const char *password = json_string_value(json_object_get(body, "password"));
  char ukey[256], akey[96];
  snprintf(ukey, sizeof ukey, "user:%s:%s", account, username);
  snprintf(akey, sizeof akey, "addr:%s", x->req->client);
  rv = rd_ratelimit_check(x->db, ukey, err);
  if (!rv)
    rv = rd_ratelimit_check(x->db, akey, err);
  int64_t id = 0;
  char hash[128] = "";
  if (!rv) {
    rv = rd_person_for_login(x->db, account, username, &id, hash, err);
    rv = rv < 0 ? rv : 0;
  }
  if (rv) {
    json_decref(body);
    return rv;
  }
  /* LDAP-2: a person the directory keeps proves its password to the directory. */
  char *dn = NULL;
  if (id)
    rv = rd_ldap_person_dn(x->db, id, &dn, err);
  bool ok = false;
  if (!rv && dn) {
    json_t *settings = NULL;
    rv = rd_account_settings(x->db, account, &settings, err);
    if (!rv)
      rv = rd_ldap_check_password(json_object_get(settings, "ldap"), dn, password, &ok, err);
    json_decref(settings);
  } else if (!rv) {
    ok = rd_password_verify(id && hash[0] ? hash : rd_password_dummy_hash(), password) && id &&
         hash[0];
  }
  rd_free(dn);
  if (rv) {
    json_decref(body);
    return rv;
  }
  if (!ok) {
    json_decref(body);
    rd_ratelimit_fail(x->db, ukey);
    rd_ratelimit_fail(x->db, akey);
    return rd_err_set(err, RD_EAUTH, "Invalid credentials");
  }
  rd_ratelimit_clear(x->db, ukey);
  char token[RD_TOKEN_LEN], csrf[RD_CSRF_LEN];
  /* ACC-8: the session ends by the account's idle and absolute limits. */
  json_t *settings = NULL;
  rv = rd_account_settings(x->db, account, &settings, err);
  if (!rv)
    rv = rd_session_create(
        x->db, account, id, 60 * json_integer_value(json_object_get(settings, "session_idle_minutes")),
        3600 * json_integer_value(json_object_get(settings, "session_max_hours")), token, err);
  json_decref(settings);
  if (!rv)
    rv = rd_person_set_last_login(x->db, id, x->req->client, err);
  json_t *person = NULL;
  rd_caller who = rd_system_caller(account);
  if (!rv)
    rv = rd_person_get(x->db, &who, id, &person, NULL, err);
  json_decref(body);
  if (rv)
    return rv;
  rd_csrf_for(token, csrf);
  char cookie[128];
  snprintf(cookie, sizeof cookie, "rd_session=%s; Path=/; HttpOnly; SameSite=Strict", token);
  rd_resp_header(x->req, "Set-Cookie", cookie);
  rd_resp_header(x->req, "X-CSRF-Token", csrf);
  rd_api_json(x, 200, json_pack("{s:s,s:s,s:o}", "token", token, "csrf_token", csrf, "person", person),
              -1);
  return 0;
}

int rd_api_logout(rd_ctx *x, rd_err *err) {
  int rv = rd_token_revoke(x->db, x->token, err);
  if (rv)
    return rv;
  rd_resp_header(x->req, "Set-Cookie", "rd_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  rd_api_no_content(x);
  return 0;
}

int rd_api_me(rd_ctx *x, rd_err *err) {
  json_t *person = NULL;
  int64_t version = 0;
  int rv = rd_person_get(x->db, &x->who, x->who.person_id, &person, &version, err);
  if (rv)
    return rv;
  rd_api_json(x, 200, person, version);
  return 0;
}
