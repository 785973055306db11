/* Directory sync (ldap.h). */
#include "domain/ldap.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"
#include "base/time.h"
#include "domain/account.h"
#include "domain/person.h"
#include "domain/record.h"
#include "domain/sync_job.h"
#include "domain/validate.h"

static const char *const TEXT_KEYS[] = {"uri", "bind_dn", "password", "base_dn", "filter",
                                        "ca_file", NULL};
static const char *const ATTRIBUTE_KEYS[] = {"username", "first_name", "last_name", "email",
                                             "phone", "mobile", "manager", NULL};

static bool in_list(const char *const *list, const char *k) {
  for (; *list; list++)
    if (!strcmp(*list, k))
      return true;
  return false;
}

/* An attribute description: a name of letters, digits and '-' (RFC 4512), or an OID. */
static bool attribute_ok(const char *s) {
  if (!s || !*s || strlen(s) > 64)
    return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.')
      return false;
  return true;
}

void rd_ldap_settings_check(json_t *ldap, rd_err *err) {
  if (json_is_null(ldap))
    return;
  if (!json_is_object(ldap)) {
    rd_err_field(err, "settings.ldap", "must be an object");
    return;
  }
  const char *k;
  json_t *v;
  json_object_foreach(ldap, k, v) {
    char path[64];
    snprintf(path, sizeof path, "settings.ldap.%.40s", k);
    if (in_list(TEXT_KEYS, k)) {
      const char *s = json_string_value(v);
      if (!json_is_null(v) && (!s || !*s || strlen(s) != json_string_length(v) ||
                               strlen(s) > RD_LDAP_TEXT_MAX || !rd_text_clean(s, false)))
        rd_err_field(err, path, "must be null or one line of 1 to %d characters", RD_LDAP_TEXT_MAX);
      else if (!strcmp(k, "uri") && s && strncmp(s, "ldap://", 7) && strncmp(s, "ldaps://", 8))
        rd_err_field(err, path, "must be an ldap:// or ldaps:// URI");
      else if (!strcmp(k, "filter") && s && (s[0] != '(' || s[strlen(s) - 1] != ')'))
        rd_err_field(err, path, "must be an LDAP filter in parentheses, such as"
                                " (objectClass=inetOrgPerson)");
      else if (!strcmp(k, "ca_file") && s && s[0] != '/')
        rd_err_field(err, path, "must be an absolute path");
    } else if (!strcmp(k, "starttls")) {
      if (!json_is_boolean(v))
        rd_err_field(err, path, "must be a boolean");
    } else if (!strcmp(k, "timeout")) {
      if (!json_is_integer(v) || json_integer_value(v) < 1 ||
          json_integer_value(v) > RD_LDAP_TIMEOUT_MAX)
        rd_err_field(err, path, "must be an integer from 1 to %d (seconds)", RD_LDAP_TIMEOUT_MAX);
    } else if (!strcmp(k, "sync_every_minutes")) {
      if (!json_is_integer(v) || json_integer_value(v) < 0 ||
          json_integer_value(v) > RD_LDAP_SYNC_EVERY_MAX)
        rd_err_field(err, path, "must be an integer from 0 (never) to %d (minutes)",
                     RD_LDAP_SYNC_EVERY_MAX);
    } else if (!strcmp(k, "attributes")) {
      const char *ak;
      json_t *av;
      if (!json_is_object(v)) {
        rd_err_field(err, path, "must be an object of attribute names");
        continue;
      }
      json_object_foreach(v, ak, av) {
        char apath[96];
        snprintf(apath, sizeof apath, "settings.ldap.attributes.%.40s", ak);
        if (!in_list(ATTRIBUTE_KEYS, ak))
          rd_err_field(err, apath, "unknown field");
        else if (!json_is_null(av) && !attribute_ok(json_string_value(av)))
          rd_err_field(err, apath, "must be null or an attribute name (letters, digits, '-')");
      }
    } else {
      rd_err_field(err, path, "unknown field");
    }
  }
}

static int connected(rd_conn *c, const char *account_id, rd_err *err) {
  json_t *settings = NULL;
  int rv = rd_account_settings_shared(c, account_id, &settings, err);
  if (rv)
    return rv;
  json_t *l = json_object_get(settings, "ldap");
  bool ready = json_is_string(json_object_get(l, "uri")) &&
               json_is_string(json_object_get(l, "bind_dn")) &&
               json_is_string(json_object_get(l, "password")) &&
               json_is_string(json_object_get(l, "base_dn"));
  json_decref(settings);
  return ready ? 0
               : rd_err_field(err, "settings.ldap",
                              "uri, bind_dn, password and base_dn must be set first");
}

static int admin_only(const rd_caller *who, rd_err *err) {
  return rd_caller_has(who, RD_ROLE_ACCOUNT_ADMINISTRATOR)
             ? 0
             : rd_err_set(err, RD_EFORBIDDEN, "Only an account administrator may sync the directory");
}

typedef struct queue_args {
  const rd_caller *who;
  const char *worker;
  bool dry_run;
  int64_t *job;
} queue_args;

static int queue_tx(rd_conn *c, void *arg, rd_err *err) {
  queue_args *a = arg;
  return rd_sync_job_queue(c, a->who, RD_LDAP_SYNC_JOB_KIND, a->worker, false, a->dry_run,
                           a->job, err);
}

int rd_ldap_queue(rd_conn *c, const rd_caller *who, bool dry_run, const char *worker,
                  int64_t *job, rd_err *err) {
  int rv = admin_only(who, err);
  if (!rv)
    rv = connected(c, who->account_id, err);
  queue_args a = {who, worker, dry_run, job};
  return rv ? rv : rd_with_tx(c, err, queue_tx, &a);
}

int rd_ldap_job_get(rd_conn *c, const rd_caller *who, int64_t id, json_t **out, rd_err *err) {
  int rv = admin_only(who, err);
  return rv ? rv : rd_sync_job_get(c, who, "ldap_", "directory sync", id, out, err);
}

int rd_ldap_schedule(rd_conn *c, const rd_caller *who, rd_err *err) {
  json_t *settings = NULL;
  int rv = rd_account_settings_shared(c, who->account_id, &settings, err);
  if (rv)
    return rv;
  json_t *l = json_object_get(settings, "ldap");
  int64_t every = (int64_t)json_integer_value(json_object_get(l, "sync_every_minutes"));
  bool ready = json_is_string(json_object_get(l, "uri"));
  json_decref(settings);
  return rd_sync_schedule(c, who, RD_LDAP_SYNC_JOB_KIND, ready ? every : 0, err);
}

/* ---- storing the entries ---- */

/* A distinguished name folded for comparison: lower case, no spaces around ',' '=' '+'
 * (directories write "uid=a, ou=x" and "uid=a,ou=x" for one entry). A new string. */
static char *dn_key(const char *dn) {
  rd_buf b;
  rd_buf_init(&b);
  for (const char *p = dn; *p; p++) {
    if (*p == ' ') {
      const char *q = p;
      while (*q == ' ')
        q++;
      char prev = b.len ? b.data[b.len - 1] : ',';
      if (prev == ',' || prev == '=' || prev == '+' || *q == ',' || *q == '=' || *q == '+' ||
          !*q) {
        p = q - 1;
        continue;
      }
    }
    char ch = (char)tolower((unsigned char)*p);
    rd_buf_add(&b, &ch, 1);
  }
  rd_buf_cstr(&b); /* terminated */
  return b.data;
}

typedef struct sync {
  rd_conn *c;
  rd_caller who; /* the asker, as the directory (LDAP-2) */
  json_t *report;
  json_t *ids;  /* dn_key -> person id, of this sync's entries */
  int64_t created, updated, adopted, unchanged, skipped, failed;
} sync;

static void failure(sync *y, const char *dn, const rd_err *e) {
  y->failed++;
  json_t *list = json_object_get(y->report, "failures");
  if ((int)json_array_size(list) >= RD_LDAP_REPORT_MAX)
    return;
  json_t *errors = json_array();
  for (int i = 0; i < e->nitems; i++)
    json_array_append_new(errors, json_pack("{s:s,s:s}", "field", e->items[i].field, "message",
                                            e->items[i].message));
  json_array_append_new(list, json_pack("{s:s,s:s,s:o}", "dn", dn, "message", e->message,
                                        "errors", errors));
}

/* The person fields of an entry's attributes; 422 naming the attribute that is missing. */
static int fields_of(json_t *attrs, json_t **out, rd_err *err) {
  static const char *const MAP[][2] = {
      {"username", "username"}, {"first_name", "first_name"}, {"last_name", "last_name"},
      {"email", "primary_email"}, {"phone", "phone"},         {"mobile", "mobile"},
  };
  json_t *f = json_object();
  for (size_t i = 0; i < sizeof MAP / sizeof *MAP; i++) {
    json_t *v = json_object_get(attrs, MAP[i][0]);
    if (v)
      json_object_set(f, MAP[i][1], v);
    else if (i < 4)
      rd_err_field(err, MAP[i][1], "the entry has no %s attribute (settings.ldap.attributes.%s)",
                   MAP[i][0], MAP[i][0]);
    else
      json_object_set_new(f, MAP[i][1], json_null());
  }
  /* the API's own checks of every field (lengths, types), as a new customer */
  json_object_set_new(f, "roles", json_pack("[s]", "customer"));
  if (!err->code)
    rd_rec_check(&rd_person_type, f, true, NULL, err);
  json_object_del(f, "roles"); /* an update leaves the roles as they are */
  if (err->code) {
    json_decref(f);
    return err->code;
  }
  *out = f;
  return 0;
}

/* The fields of want that differ from the record old (a new object, maybe empty). */
static json_t *changed(json_t *old, json_t *want) {
  json_t *patch = json_object();
  const char *k;
  json_t *v;
  json_object_foreach(want, k, v) {
    json_t *o = json_object_get(old, k);
    if (!json_equal(o ? o : json_null(), v))
      json_object_set(patch, k, v);
  }
  return patch;
}

/* The person the directory keeps as dn (found in the account by its name), or the person of
 * the same username: *id, *deleted, *source ("ldap" or what it is), *roles. 0 and *id 0
 * when neither. */
static int find(sync *y, const char *dn, const char *username, int64_t *id, bool *deleted,
                char source[16], unsigned *roles, rd_err *err) {
  *id = 0;
  rd_stmt *s = NULL;
  int rv = rd_sql(y->c, &s, err,
                  "SELECT id, deleted, source, roles FROM people WHERE account_id = ? AND"
                  " ((source = 'ldap' AND source_id = ?) OR username = ?)"
                  " ORDER BY CASE WHEN source = 'ldap' AND source_id = ? THEN 0 ELSE 1 END"
                  " LIMIT 1",
                  "tttt", y->who.account_id, dn, username, dn);
  if (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    *id = rd_stmt_int64(s, 0);
    *deleted = rd_stmt_bool(s, 1);
    snprintf(source, 16, "%s", rd_stmt_text(s, 2));
    *roles = (unsigned)rd_stmt_int64(s, 3);
    rv = 0;
  }
  if (s)
    rd_stmt_done(s);
  return rv < 0 ? rv : 0;
}

/* One entry, inside its own savepoint: created, updated, adopted, unchanged or skipped. */
static int store_entry(sync *y, const char *dn, json_t *attrs, rd_err *err) {
  json_t *want = NULL, *old = NULL, *patch = NULL;
  int rv = fields_of(attrs, &want, err);
  int64_t id = 0, version = 0;
  bool deleted = false;
  char source[16] = "";
  unsigned roles = 0;
  const char *username = json_string_value(json_object_get(want, "username"));
  if (!rv)
    rv = find(y, dn, username ? username : "", &id, &deleted, source, &roles, err);
  if (rv)
    goto out;
  bool ours = id && !strcmp(source, "ldap");
  if (id && !ours && (roles != RD_ROLE_CUSTOMER || deleted)) {
    rv = rd_err_field(err, "username", "is taken by a person the directory does not keep");
    goto out;
  }
  if (id && deleted) { /* deleted in rolodesk: stays deleted */
    y->skipped++;
    goto out;
  }
  if (!id) {
    json_object_set_new(want, "roles", json_pack("[s]", "customer"));
    json_object_set_new(want, "source", json_string("ldap"));
    json_object_set_new(want, "source_id", json_string(dn));
    rv = rd_rec_create(y->c, &y->who, &rd_person_type, want, &id, err);
    y->created += !rv;
    goto out;
  }
  rv = rd_rec_get(y->c, &rd_person_type, y->who.account_id, id, &old, &version, err);
  if (rv)
    goto out;
  if (!ours) { /* a customer of that username: the directory keeps it from now on */
    json_object_set_new(want, "source", json_string("ldap"));
    json_object_set_new(want, "source_id", json_string(dn));
  }
  patch = changed(old, want);
  if (!json_object_size(patch)) {
    y->unchanged++;
    goto out;
  }
  rv = rd_rec_update(y->c, &y->who, &rd_person_type, id, patch, version, err);
  if (!rv && !ours) /* LDAP-2: its password is the directory's now */
    rv = rd_sql_exec(y->c, NULL, err, "UPDATE people SET password_hash = NULL WHERE id = ?", "i",
                     id);
  if (!rv) {
    y->adopted += !ours;
    y->updated += ours;
  }
out:
  if (!rv && id) {
    char *key = dn_key(dn);
    json_object_set_new(y->ids, key, json_integer(id));
    rd_free(key);
  }
  json_decref(want);
  json_decref(old);
  json_decref(patch);
  return rv;
}

/* Line managers: an entry's manager names another entry of this sync (or a person the
 * directory keeps). A name that matches nobody leaves the line manager as it is. */
static int store_manager(sync *y, const char *dn, const char *manager, rd_err *err) {
  char *key = dn_key(dn), *mkey = dn_key(manager);
  int64_t id = (int64_t)json_integer_value(json_object_get(y->ids, key));
  int64_t mid = (int64_t)json_integer_value(json_object_get(y->ids, mkey));
  rd_free(key);
  rd_free(mkey);
  int rv = 0;
  if (id && !mid) {
    rv = rd_sql_int64(y->c, &mid, err,
                      "SELECT id FROM people WHERE account_id = ? AND source = 'ldap' AND"
                      " source_id = ? AND NOT deleted",
                      "tt", y->who.account_id, manager);
    rv = rv < 0 ? rv : 0;
  }
  if (rv || !id || !mid || mid == id)
    return rv;
  json_t *old = NULL;
  int64_t version = 0;
  rv = rd_rec_get(y->c, &rd_person_type, y->who.account_id, id, &old, &version, err);
  json_t *lm = json_object_get(old, "line_manager");
  json_t *cur = json_is_object(lm) ? json_object_get(lm, "id") : lm;
  if (!rv && json_integer_value(cur) != mid) {
    json_t *patch = json_pack("{s:{s:I}}", "line_manager", "id", (json_int_t)mid);
    rv = rd_rec_update(y->c, &y->who, &rd_person_type, id, patch, version, err);
    json_decref(patch);
    y->updated += !rv;
  }
  json_decref(old);
  return rv;
}

/* People the directory keeps that it no longer gave (not deleted): reported, not changed. */
static int missing(sync *y, rd_err *err) {
  rd_stmt *s = NULL;
  json_t *list = json_array();
  int64_t n = 0;
  int rv = rd_sql(y->c, &s, err,
                  "SELECT id, username, source_id FROM people WHERE account_id = ? AND"
                  " source = 'ldap' AND NOT deleted ORDER BY id",
                  "t", y->who.account_id);
  while (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    rv = 0;
    char *key = dn_key(rd_stmt_text(s, 2));
    bool seen = json_object_get(y->ids, key) != NULL;
    rd_free(key);
    if (seen)
      continue;
    if (n++ < RD_LDAP_REPORT_MAX)
      json_array_append_new(list, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)rd_stmt_int64(s, 0),
                                            "username", rd_stmt_text(s, 1), "dn",
                                            rd_stmt_text(s, 2)));
  }
  if (s)
    rd_stmt_done(s);
  json_object_set_new(y->report, "not_in_directory", json_integer(n));
  json_object_set_new(y->report, "missing", list);
  return rv < 0 ? rv : 0;
}

int rd_ldap_sync_store(rd_conn *c, const rd_caller *who, json_t *entries, bool dry_run,
                       json_t **report, rd_err *err) {
  sync y = {.c = c, .who = *who, .ids = json_object()};
  y.who.directory = true;
  y.report = json_pack("{s:[]}", "failures");
  int rv = rd_tx_begin(c, true, err);
  size_t i;
  json_t *e;
  json_array_foreach(entries, i, e) { /* first the people, then who manages whom */
    if (rv)
      break;
    const char *dn = json_string_value(json_object_get(e, "dn"));
    if (!dn)
      continue;
    rd_err one;
    rd_err_clear(&one);
    rv = rd_savepoint(c, "ldap_entry", err);
    if (rv)
      break;
    int erv = store_entry(&y, dn, json_object_get(e, "attrs"), &one);
    if (erv == RD_EINVAL || erv == RD_ECONFLICT || erv == RD_EPRECOND) {
      rv = rd_savepoint_undo(c, "ldap_entry", err);
      failure(&y, dn, &one);
    } else if (erv) {
      *err = one;
      rv = erv;
    } else {
      rv = rd_savepoint_release(c, "ldap_entry", err);
    }
  }
  json_array_foreach(entries, i, e) {
    const char *dn = json_string_value(json_object_get(e, "dn"));
    const char *manager = json_string_value(json_object_get(json_object_get(e, "attrs"), "manager"));
    if (rv || !dn || !manager)
      continue;
    rd_err one;
    rd_err_clear(&one);
    rv = rd_savepoint(c, "ldap_manager", err);
    if (rv)
      break;
    int erv = store_manager(&y, dn, manager, &one);
    if (erv == RD_EINVAL || erv == RD_ECONFLICT || erv == RD_EPRECOND) {
      rv = rd_savepoint_undo(c, "ldap_manager", err);
      failure(&y, dn, &one);
    } else if (erv) {
      *err = one;
      rv = erv;
    } else {
      rv = rd_savepoint_release(c, "ldap_manager", err);
    }
  }
  if (!rv)
    rv = missing(&y, err);
  if (!rv && !dry_run)
    rv = rd_tx_commit(c, err);
  else if (c->in_tx)
    rd_tx_rollback(c);
  if (!rv) {
    json_t *r = y.report;
    json_object_set_new(r, "entries", json_integer((json_int_t)json_array_size(entries)));
    json_object_set_new(r, "created", json_integer(y.created));
    json_object_set_new(r, "updated", json_integer(y.updated));
    json_object_set_new(r, "adopted", json_integer(y.adopted));
    json_object_set_new(r, "unchanged", json_integer(y.unchanged));
    json_object_set_new(r, "skipped", json_integer(y.skipped));
    json_object_set_new(r, "failed", json_integer(y.failed));
    json_object_set_new(r, "dry_run", json_boolean(dry_run));
    *report = r;
  } else {
    json_decref(y.report);
  }
  json_decref(y.ids);
  return rv;
}

int rd_ldap_person_dn(rd_conn *c, int64_t id, char **dn, rd_err *err) {
  *dn = NULL;
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err, "SELECT source_id FROM people WHERE id = ? AND source = 'ldap'",
                  "i", id);
  if (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    const char *t = rd_stmt_text(s, 0);
    *dn = rd_strdup(t ? t : "");
    rv = 0;
  }
  if (s)
    rd_stmt_done(s);
  return rv < 0 ? rv : 0;
}
