/* Accounts and their settings (ACC-1, ACC-5). Settings are one JSON document per account;
 * every key has a type here, unknown keys are refused, secrets are write-only. */
#include "domain/account.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "base/mem.h"
#include "base/str.h"
#include "base/time.h"
#include "domain/attachment.h"
#include "domain/mail.h"
#include "domain/record.h"
#include "domain/validate.h"
#include "domain/ldap.h"
#include "domain/rmm.h"

static const char DEFAULT_SETTINGS[] =
    "{\"random_passwords\": false, \"password_questions\": false, \"titles_enabled\": false,"
    " \"rooms_displayed\": false, \"gps_recorded\": false, \"customer_partner_editable\": false,"
    " \"mixed_mode_authentication\": true, \"default_email_locale\": \"en\","
    " \"default_time_zone\": \"UTC\","
    " \"session_idle_minutes\": 60, \"session_max_hours\": 12,"
    " \"attachment_quota_mb\": 1024,"
    " \"mail_in\": {\"unknown_sender\": \"reject\", \"max_per_minute\": 20},"
    " \"smtp\": {\"host\": null, \"port\": 25, \"from\": null, \"username\": null,"
    " \"password\": null, \"starttls\": false, \"timeout\": 20},"
    " \"rmm\": {\"url\": null, \"username\": null, \"token\": null, \"ca_file\": null,"
    " \"timeout\": 30, \"push_automatically\": false, \"sync_every_minutes\": 0},"
    " \"ldap\": {\"uri\": null, \"bind_dn\": null, \"password\": null, \"base_dn\": null,"
    " \"filter\": \"(objectClass=inetOrgPerson)\", \"starttls\": false, \"ca_file\": null,"
    " \"timeout\": 10, \"sync_every_minutes\": 0, \"attributes\": {\"username\": \"uid\","
    " \"first_name\": \"givenName\", \"last_name\": \"sn\", \"email\": \"mail\","
    " \"phone\": \"telephoneNumber\", \"mobile\": \"mobile\", \"manager\": \"manager\"}}}";

bool rd_account_id_valid(const char *id) {
  size_t n = id ? strlen(id) : 0;
  if (n < 1 || n > RD_ACCOUNT_ID_MAX)
    return false;
  for (size_t i = 0; i < n; i++) {
    char ch = id[i];
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (i > 0 && ch == '-');
    if (!ok)
      return false;
  }
  return true;
}

int rd_account_create(rd_conn *c, const char *id, const char *name, rd_err *err) {
  if (!rd_account_id_valid(id))
    rd_err_field(err, "id", "must be 1 to %d characters of a-z, 0-9 and '-', not starting with '-'",
                 RD_ACCOUNT_ID_MAX);
  if (!name || !*name || !rd_utf8_valid(name, strlen(name)) || rd_utf8_len(name) > 128 ||
      !rd_text_clean(name, false))
    rd_err_field(err, "name", "is required, one line of at most 128 characters");
  if (err && err->code)
    return err->code;
  char now[RD_TIME_LEN];
  rd_time_now(now);
  int rv = rd_sql_exec(c, NULL, err,
                       "INSERT INTO accounts (id, name, settings, created_at, updated_at)"
                       " VALUES (?, ?, ?, ?, ?)",
                       "ttttt", id, name, DEFAULT_SETTINGS, now, now);
  if (rv == RD_ECONFLICT)
    rd_err_set(err, RD_ECONFLICT, "Account '%s' already exists", id);
  return rv;
}

/* The defaults with the stored document merged in. Parsing both is most of the cost of a
 * settings read, made once per write of a person (rd_customer_check): the last stored
 * text and its result are kept, and a read of the same text gets a copy of that. */
static pthread_mutex_t settings_mu = PTHREAD_MUTEX_INITIALIZER;
static char *settings_text;
static json_t *settings_merged;

static json_t *merged_settings(const char *text) {
  json_t *out = NULL;
  if (text) {
    pthread_mutex_lock(&settings_mu);
    if (settings_text && !strcmp(settings_text, text))
      out = json_deep_copy(settings_merged);
    pthread_mutex_unlock(&settings_mu);
    if (out)
      return out;
  }
  json_t *def = json_loads(DEFAULT_SETTINGS, 0, NULL);
  json_t *stored = json_loads(text, 0, NULL);
  if (stored)
    rd_json_merge_patch(def, stored);
  json_decref(stored);
  json_t *copy = text ? json_deep_copy(def) : NULL;
  if (copy) {
    pthread_mutex_lock(&settings_mu);
    rd_free(settings_text);
    json_decref(settings_merged);
    settings_text = rd_strdup(text);
    settings_merged = copy;
    pthread_mutex_unlock(&settings_mu);
  }
  return def;
}

static void drop_json(void *v) {
  json_decref(v);
}

int rd_account_settings(rd_conn *c, const char *id, json_t **out, rd_err *err) {
  json_t *shared = NULL;
  int rv = rd_account_settings_shared(c, id, &shared, err);
  if (!rv)
    *out = json_deep_copy(shared);
  json_decref(shared);
  return rv;
}

int rd_account_settings_shared(rd_conn *c, const char *id, json_t **out, rd_err *err) {
  json_t *memo = rd_tx_memo_get(c, "accounts", id); /* read once per transaction */
  if (memo) {
    *out = json_incref(memo);
    return 0;
  }
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err, "SELECT settings FROM accounts WHERE id = ?", "t", id);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  if (rv == RD_ROW) {
    *out = merged_settings(rd_stmt_text(s, 0));
    rd_tx_memo_put(c, "accounts", id, json_incref(*out), drop_json);
    rv = 0;
  } else if (rv == RD_DONE) {
    rv = rd_err_set(err, RD_ENOTFOUND, "No account '%s'", id);
  }
  rd_stmt_done(s);
  return rv;
}

static void hide_secrets(json_t *settings) {
  json_t *smtp = json_object_get(settings, "smtp");
  if (json_is_object(smtp)) {
    json_object_set_new(smtp, "password_set",
                        json_boolean(json_is_string(json_object_get(smtp, "password"))));
    json_object_del(smtp, "password");
  }
  json_t *rmm = json_object_get(settings, "rmm"); /* issue 15: the RMM's token */
  if (json_is_object(rmm)) {
    json_object_set_new(rmm, "token_set", json_boolean(json_is_string(json_object_get(rmm, "token"))));
    json_object_del(rmm, "token");
  }
  json_t *ldap = json_object_get(settings, "ldap"); /* LDAP-1: the bind password */
  if (json_is_object(ldap)) {
    json_object_set_new(ldap, "password_set",
                        json_boolean(json_is_string(json_object_get(ldap, "password"))));
    json_object_del(ldap, "password");
  }
}

int rd_account_get(rd_conn *c, const char *id, json_t **out, int64_t *version, rd_err *err) {
  json_t *settings = NULL;
  int rv = rd_account_settings(c, id, &settings, err);
  if (rv)
    return rv;
  rd_stmt *s = NULL;
  rv = rd_sql(c, &s, err, "SELECT name, version, created_at, updated_at FROM accounts WHERE id = ?",
              "t", id);
  if (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    hide_secrets(settings);
    *out = json_pack("{s:s,s:s,s:O,s:s,s:s}", "id", id, "name", rd_stmt_text(s, 0), "settings",
                     settings, "created_at", rd_stmt_text(s, 2), "updated_at", rd_stmt_text(s, 3));
    if (version)
      *version = rd_stmt_int64(s, 1);
    rv = 0;
  } else if (rv == RD_DONE) {
    rv = rd_err_set(err, RD_ENOTFOUND, "No account '%s'", id);
  }
  rd_stmt_done(s);
  json_decref(settings);
  return rv;
}

json_t *rd_account_ref(rd_conn *c, const char *id) {
  rd_stmt *s = NULL;
  json_t *ref = NULL;
  if (!rd_sql(c, &s, NULL, "SELECT name FROM accounts WHERE id = ?", "t", id) &&
      rd_stmt_step(s, NULL) == RD_ROW)
    ref = json_pack("{s:s,s:s}", "id", id, "name", rd_stmt_text(s, 0));
  rd_stmt_done(s);
  return ref ? ref : json_pack("{s:s,s:n}", "id", id, "name");
}

/* ---- settings validation (ACC-5) ---- */

static const char *const BOOL_SETTINGS[] = {
    "random_passwords", "password_questions", "titles_enabled", "rooms_displayed",
    "gps_recorded", "customer_partner_editable", "mixed_mode_authentication", NULL};

static bool in_list(const char *const *list, const char *k) {
  for (; *list; list++)
    if (!strcmp(*list, k))
      return true;
  return false;
}

static void check_text(json_t *v, const char *path, size_t max, bool nullable, rd_err *err) {
  if (json_is_null(v) && nullable)
    return;
  if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
    rd_err_field(err, path, "must be a string");
  else if (rd_utf8_len(json_string_value(v)) > max)
    rd_err_field(err, path, "is longer than %zu characters", max);
  else if (!strstr(path, "password") && !rd_text_clean(json_string_value(v), false))
    rd_err_field(err, path, "must be one line without control characters"); /* REL-1 */
}

static void check_int(json_t *v, const char *path, json_int_t min, json_int_t max, rd_err *err) {
  if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
    rd_err_field(err, path, "must be an integer from %lld to %lld", (long long)min,
                 (long long)max);
}

static void check_smtp(json_t *smtp, rd_err *err) {
  if (json_is_null(smtp))
    return;
  if (!json_is_object(smtp)) {
    rd_err_field(err, "settings.smtp", "must be an object");
    return;
  }
  const char *k;
  json_t *v;
  json_object_foreach(smtp, k, v) {
    char path[64];
    snprintf(path, sizeof path, "settings.smtp.%s", k);
    if (!strcmp(k, "host") || !strcmp(k, "from") || !strcmp(k, "username") ||
        !strcmp(k, "password")) {
      check_text(v, path, 255, true, err);
    } else if (!strcmp(k, "port")) {
      /* ACC-8: mail ports only, so that settings cannot probe other services. */
      if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 65535)
        rd_err_field(err, path, "must be an integer from 1 to 65535");
      else if (!rd_mail_port_allowed((long)json_integer_value(v)))
        rd_err_field(err, path, "must be an SMTP port this installation allows (%s)",
                     rd_mail_ports());
    } else if (!strcmp(k, "starttls")) {
      if (!json_is_boolean(v))
        rd_err_field(err, path, "must be a boolean");
    } else if (!strcmp(k, "timeout")) {
      /* ACC-8: seconds an outbox worker waits on the server, capped. */
      if (!json_is_integer(v) || json_integer_value(v) < 1 ||
          json_integer_value(v) > RD_SMTP_TIMEOUT_MAX)
        rd_err_field(err, path, "must be an integer from 1 to %d (seconds)", RD_SMTP_TIMEOUT_MAX);
    } else {
      rd_err_field(err, path, "unknown field");
    }
  }
}

/* CUST-9: mail in. unknown_sender: what a message from an address of nobody in the account
 * does (create a customer, or reject with a reply); max_per_minute: messages one sender
 * may send in a minute before the next are dropped as a loop. */
static void check_mail_in(json_t *mi, rd_err *err) {
  if (!json_is_object(mi)) {
    rd_err_field(err, "settings.mail_in", "must be an object");
    return;
  }
  const char *k;
  json_t *v;
  json_object_foreach(mi, k, v) {
    char path[64];
    snprintf(path, sizeof path, "settings.mail_in.%s", k);
    if (!strcmp(k, "unknown_sender")) {
      const char *s = json_string_value(v);
      if (!s || (strcmp(s, "create") && strcmp(s, "reject")))
        rd_err_field(err, path, "must be create or reject");
    } else if (!strcmp(k, "max_per_minute")) {
      check_int(v, path, 1, 10000, err);
    } else {
      rd_err_field(err, path, "unknown field");
    }
  }
}

static int check_settings(json_t *settings, rd_err *err) {
  if (!json_is_object(settings))
    return rd_err_field(err, "settings", "must be an object");
  const char *k;
  json_t *v;
  json_object_foreach(settings, k, v) {
    char path[96];
    snprintf(path, sizeof path, "settings.%s", k);
    if (in_list(BOOL_SETTINGS, k)) {
      if (!json_is_boolean(v))
        rd_err_field(err, path, "must be a boolean");
    } else if (!strcmp(k, "default_email_locale")) {
      check_text(v, path, 5, false, err);
    } else if (!strcmp(k, "default_time_zone")) {
      if (!json_is_string(v) || !rd_time_zone_valid(json_string_value(v)))
        rd_err_field(err, path, "must be an IANA time zone name such as Europe/Amsterdam");
    } else if (!strcmp(k, "smtp")) {
      check_smtp(v, err);
    } else if (!strcmp(k, "mail_in")) {
      check_mail_in(v, err);
    } else if (!strcmp(k, "rmm")) {
      rd_rmm_settings_check(v, err); /* issue 15 */
    } else if (!strcmp(k, "ldap")) {
      rd_ldap_settings_check(v, err); /* LDAP-1 */
    } else if (!strcmp(k, "session_idle_minutes")) {
      check_int(v, path, 5, 1440, err); /* ACC-8 */
    } else if (!strcmp(k, "session_max_hours")) {
      check_int(v, path, 1, 720, err);
    } else if (!strcmp(k, "attachment_quota_mb")) {
      /* Issue 10: MiB of attachments the account may store (attachment.c). */
      check_int(v, path, 1, RD_ATTACHMENT_QUOTA_MB_MAX, err);
    } else {
      rd_err_field(err, path, "unknown field");
    }
  }
  return err && err->code ? err->code : 0;
}

int rd_account_update(rd_conn *c, const rd_caller *who, json_t *patch, int64_t if_match,
                      rd_err *err) {
  if (!rd_caller_has(who, RD_ROLE_ACCOUNT_ADMINISTRATOR))
    return rd_err_set(err, RD_EFORBIDDEN, "Only an account administrator may change the account");
  const char *k;
  json_t *v;
  json_object_foreach(patch, k, v) {
    if (!strcmp(k, "settings"))
      check_settings(v, err);
    else if (!strcmp(k, "name"))
      check_text(v, "name", 128, false, err);
    else
      rd_err_field(err, k, "unknown field");
  }
  if (err && err->code)
    return err->code;
  json_t *settings = NULL, *before = NULL, *changes = json_object();
  int64_t version = 0;
  int rv = rd_account_get(c, who->account_id, &before, &version, err);
  if (!rv && if_match >= 0 && if_match != version)
    rv = rd_err_set(err, RD_EPRECOND, "The account has changed since it was read (If-Match)");
  if (!rv)
    rv = rd_account_settings(c, who->account_id, &settings, err);
  if (rv)
    goto out;
  json_t *sp = json_object_get(patch, "settings");
  if (sp)
    rd_json_merge_patch(settings, sp);
  json_t *name = json_object_get(patch, "name");
  char *text = json_dumps(settings, JSON_COMPACT);
  char now[RD_TIME_LEN];
  rd_time_now(now);
  int64_t changed = 0;
  rv = rd_sql_exec(c, &changed, err,
                   "UPDATE accounts SET settings = ?, name = COALESCE(?, name),"
                   " version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
                   "tttti", text, name ? json_string_value(name) : NULL, now, who->account_id,
                   version);
  free(text);
  rd_tx_memo_forget(c, "accounts");
  if (!rv && changed != 1)
    rv = rd_err_set(err, RD_EPRECOND, "The account has changed since it was read (If-Match)");
  if (rv)
    goto out;
  /* ACC-6: old and new values, secrets reduced to "changed". */
  json_t *after = NULL;
  rv = rd_account_get(c, who->account_id, &after, NULL, err);
  if (rv)
    goto out;
  json_t *bs = json_object_get(before, "settings"), *as = json_object_get(after, "settings");
  json_object_foreach(as, k, v) {
    json_t *old = json_object_get(bs, k);
    if (!old || !json_equal(old, v))
      json_object_set_new(changes, k, json_pack("{s:O?,s:O}", "old", old, "new", v));
  }
  if (json_is_object(sp) && json_is_object(json_object_get(sp, "smtp")) &&
      json_object_get(json_object_get(sp, "smtp"), "password"))
    json_object_set_new(changes, "smtp.password", json_pack("{s:b}", "changed", 1));
  if (json_is_object(sp) && json_is_object(json_object_get(sp, "rmm")) &&
      json_object_get(json_object_get(sp, "rmm"), "token"))
    json_object_set_new(changes, "rmm.token", json_pack("{s:b}", "changed", 1));
  if (json_is_object(sp) && json_is_object(json_object_get(sp, "ldap")) &&
      json_object_get(json_object_get(sp, "ldap"), "password"))
    json_object_set_new(changes, "ldap.password", json_pack("{s:b}", "changed", 1));
  if (name && !json_equal(name, json_object_get(before, "name")))
    json_object_set_new(changes, "name",
                        json_pack("{s:O,s:O}", "old", json_object_get(before, "name"), "new", name));
  json_decref(after);
  rv = rd_audit_write(c, who, "account", 0, "update", changes, err);
  if (!rv && json_object_get(changes, "rmm")) /* RMM-6: the schedule follows the setting */
    rv = rd_rmm_schedule(c, who, err);
  if (!rv && json_object_get(changes, "ldap")) /* LDAP-1: so does the directory's */
    rv = rd_ldap_schedule(c, who, err);
out:
  json_decref(settings);
  json_decref(before);
  json_decref(changes);
  return rv;
}
