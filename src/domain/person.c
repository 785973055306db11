/* People: see person.h. Roles are a bit set in the row and an array in JSON (ACC-2). */
#include "domain/person.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/auth.h"
#include "base/mem.h"
#include "base/str.h"
#include "base/time.h"
#include "domain/custom_field.h"
#include "domain/customer.h"
#include "domain/org.h"
#include "domain/search.h"
#include "domain/validate.h"

#define PEOPLE_MANAGERS (RD_ROLE_ACCOUNT_ADMINISTRATOR | RD_ROLE_SUPERVISOR)
#define PERSON_NAME "r.first_name || ' ' || r.last_name"

rd_caller rd_system_caller(const char *account_id) {
  rd_caller who = {.person_id = 0, .roles = RD_ROLES_ALL};
  snprintf(who.account_id, sizeof who.account_id, "%s", account_id);
  snprintf(who.name, sizeof who.name, "system");
  return who;
}

static bool username_valid(const char *u) {
  if (!u || !*u)
    return false;
  for (const unsigned char *p = (const unsigned char *)u; *p; p++)
    if (*p <= 32 || *p == 127)
      return false;
  return true;
}

static int person_exists(rd_conn *c, const char *account_id, json_t *ref, unsigned role,
                         const char *field, const char *what, rd_err *err) {
  if (!json_is_object(ref))
    return 0;
  int rv = rd_sql_expect(c, err,
                         "SELECT 1 FROM people WHERE id = ? AND account_id = ? AND NOT deleted"
                         " AND (roles & ?) <> 0",
                         "iti", (int64_t)json_integer_value(json_object_get(ref, "id")),
                         account_id, (int64_t)role);
  if (rv < 0)
    return rv;
  if (rv == RD_DONE)
    rd_err_field(err, field, "must be %s of this account", what);
  return 0;
}

bool rd_person_may_manage(const rd_caller *who, unsigned target_roles) {
  if (rd_caller_has(who, RD_ROLE_ACCOUNT_ADMINISTRATOR))
    return true;
  if (rd_caller_has(who, RD_ROLE_SUPERVISOR) &&
      !(target_roles & ~(unsigned)(RD_ROLE_TECHNICIAN | RD_ROLE_PARTNER | RD_ROLE_CUSTOMER)))
    return true;
  return rd_caller_has(who, RD_ROLE_SERVICE_LEVEL_MANAGER | RD_ROLE_TECHNICIAN) &&
         !(target_roles & ~(unsigned)RD_ROLE_CUSTOMER);
}

unsigned rd_person_grantable_roles(const rd_caller *who) {
  if (rd_caller_has(who, RD_ROLE_ACCOUNT_ADMINISTRATOR))
    return RD_ROLES_ALL;
  if (rd_caller_has(who, RD_ROLE_SUPERVISOR))
    return RD_ROLE_TECHNICIAN | RD_ROLE_PARTNER | RD_ROLE_CUSTOMER;
  return 0;
}

/* 403 (ACC-7), naming the field when there is one. */
static int refuse(rd_err *err, const char *field, const char *why) {
  rd_err_set(err, RD_EFORBIDDEN, "Your roles do not allow this change to this person (ACC-7)");
  if (field)
    rd_err_field(err, field, "%s", why);
  return RD_EFORBIDDEN;
}

int rd_person_check_manage(rd_conn *c, const rd_caller *who, int64_t id, unsigned *roles_out,
                           rd_err *err) {
  int64_t roles = 0;
  int rv = rd_sql_int64(c, &roles, err, "SELECT roles FROM people WHERE id = ? AND account_id = ?",
                        "it", id, who->account_id);
  if (rv < 0)
    return rv;
  if (rv == RD_DONE)
    return rd_err_set(err, RD_ENOTFOUND, "No person with id %lld", (long long)id);
  if (!rd_person_may_manage(who, (unsigned)roles))
    return refuse(err, NULL, NULL);
  if (roles_out)
    *roles_out = (unsigned)roles;
  return 0;
}

/* An account keeps an administrator who can sign in: 409 when person id is the last one
 * and the change (losing the role, web access, or being deleted) would end that. */
static int keep_an_admin(rd_conn *c, const char *account_id, int64_t id, rd_err *err) {
  int64_t others = 0;
  int rv = rd_sql_int64(c, &others, err,
                        "SELECT COUNT(*) FROM people WHERE account_id = ? AND id <> ?"
                        " AND (roles & ?) <> 0 AND web_access AND NOT deleted",
                        "tii", account_id, id, (int64_t)RD_ROLE_ACCOUNT_ADMINISTRATOR);
  if (rv < 0)
    return rv;
  if (others == 0)
    return rd_err_set(err, RD_ECONFLICT,
                      "This is the account's last administrator who can sign in; make another"
                      " administrator first");
  return 0;
}

/* ACC-8: changing one's own password needs the current one (when one is set). */
static int check_current_password(rd_conn *c, int64_t id, json_t *rec, rd_err *err) {
  const char *current = json_string_value(json_object_get(rec, "current_password"));
  char hash[128] = "";
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err, "SELECT password_hash FROM people WHERE id = ?", "i", id);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  if (rv == RD_ROW && rd_stmt_text(s, 0))
    snprintf(hash, sizeof hash, "%s", rd_stmt_text(s, 0));
  rd_stmt_done(s);
  if (rv < 0)
    return rv;
  if (!hash[0])
    return 0; /* no password yet: signed in with an API token the CLI issued */
  if (!current)
    rd_err_field(err, "current_password", "is required to change your own password");
  else if (!rd_password_verify(hash, current))
    rd_err_field(err, "current_password", "is not your current password");
  return 0;
}

/* Fields a person without the right to manage itself may not change (ACC-7). */
static const char *const SELF_LOCKED[] = {"roles", "username", "web_access", "supervisor",
                                          "organization", "default_portal", "line_manager",
                                          "partner_organization", "custom_fields", "notes"};

/* ACC-7, the person type's may_write: who may change whom, and which roles it may grant
 * or take away. The engine calls it for every write of a person, whatever the path (API,
 * CLI, import rows), before validate. */
static int may_write(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id,
                     json_t *old, json_t *rec, rd_err *err) {
  (void)c, (void)t;
  bool self = id && id == who->person_id;
  unsigned old_roles = old ? rd_roles_bits(json_object_get(old, "roles")) : 0;
  if (!rec) /* delete */
    return rd_person_may_manage(who, old_roles) ? 0 : refuse(err, NULL, NULL);
  unsigned roles = rd_roles_bits(json_object_get(rec, "roles"));
  if (!old && !rd_person_may_manage(who, roles))
    return refuse(err, "roles", "you may not add a person with these roles");
  if (old && !rd_person_may_manage(who, old_roles)) {
    if (!self)
      return refuse(err, NULL, NULL);
    for (size_t i = 0; i < sizeof SELF_LOCKED / sizeof *SELF_LOCKED; i++)
      if (!json_equal(json_object_get(old, SELF_LOCKED[i]), json_object_get(rec, SELF_LOCKED[i])))
        return refuse(err, SELF_LOCKED[i], "can be changed only by someone who manages you");
  } else if (old && (roles ^ old_roles) & ~rd_person_grantable_roles(who)) {
    return refuse(err, "roles", "you may not grant or take away these roles");
  } else if (old && !rd_person_may_manage(who, roles)) {
    return refuse(err, "roles", "you may not give this person these roles");
  }
  return 0;
}

static int64_t ref_id(json_t *rec, const char *field) {
  json_t *v = json_object_get(json_object_get(rec, field), "id");
  return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* PART-2, PART-3: partner_organization names a partner organization of the account (a
 * customer's "customer of", a partner technician's link). A partner technician who is a
 * member of a team keeps the link (409 naming the teams): unlinking would leave the team
 * with a member it may not have (docs/DECISIONS.md). */
static int partner_link_rules(rd_conn *c, const rd_caller *who, int64_t id, json_t *old,
                              json_t *rec, unsigned roles, rd_err *err) {
  int64_t was = old ? ref_id(old, "partner_organization") : 0;
  int64_t now = ref_id(rec, "partner_organization");
  if (now == was)
    return 0;
  if (now) {
    int rv = rd_org_partner_check(c, who->account_id, json_object_get(rec, "partner_organization"),
                                  "partner_organization", err);
    if (rv)
      return rv;
  }
  if (!was || now || !id || !(roles & RD_ROLE_PARTNER))
    return 0; /* moving to another partner keeps the technician linked */
  rd_stmt *s = NULL;
  rd_buf names;
  rd_buf_init(&names);
  int rv = rd_sql(c, &s, err,
                  "SELECT t.name FROM teams t JOIN team_members m ON m.team_id = t.id WHERE"
                  " t.account_id = ? AND m.person_id = ? ORDER BY t.id",
                  "ti", who->account_id, id);
  while (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    rd_buf_printf(&names, "%s'%s'", names.len ? ", " : "", rd_stmt_text(s, 0));
    rv = 0;
  }
  rd_stmt_done(s);
  if (rv >= 0 && names.len)
    rv = rd_err_set(err, RD_ECONFLICT,
                    "A partner technician in a team stays linked to a partner organization;"
                    " remove the person from the team %s first",
                    rd_buf_cstr(&names));
  rd_buf_term(&names);
  return rv < 0 ? rv : 0;
}

static int validate(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t id, json_t *old,
                    json_t *rec, rd_err *err) {
  (void)t;
  bool self = id && id == who->person_id;
  unsigned roles = rd_roles_bits(json_object_get(rec, "roles"));
  unsigned old_roles = old ? rd_roles_bits(json_object_get(old, "roles")) : 0;
  if (json_object_get(rec, "current_password") && !json_object_get(rec, "password"))
    rd_err_field(err, "current_password", "is accepted only with password");
  if (self && old && json_object_get(rec, "password")) {
    int prv = check_current_password(c, id, rec, err);
    if (prv)
      return prv;
  }
  if (old && (old_roles & RD_ROLE_ACCOUNT_ADMINISTRATOR) &&
      json_is_true(json_object_get(old, "web_access")) &&
      (!(roles & RD_ROLE_ACCOUNT_ADMINISTRATOR) ||
       !json_is_true(json_object_get(rec, "web_access")))) {
    int krv = keep_an_admin(c, who->account_id, id, err);
    if (krv)
      return krv;
  }
  const char *username = json_string_value(json_object_get(rec, "username"));
  if (!username_valid(username))
    rd_err_field(err, "username", "must not be empty or contain spaces");
  const char *email = json_string_value(json_object_get(rec, "primary_email"));
  if (email && !rd_email_valid(email))
    rd_err_field(err, "primary_email", "is not a valid email address");
  const char *send_to = json_string_value(json_object_get(rec, "send_to"));
  const char *old_email = old ? json_string_value(json_object_get(old, "primary_email")) : NULL;
  /* CUST-1: a send_to that named the old primary address follows it to the new one. */
  if (send_to && old_email && email && strcmp(old_email, email) &&
      json_equal(json_object_get(old, "send_to"), json_object_get(rec, "send_to")) &&
      !strcasecmp(send_to, old_email))
    send_to = NULL;
  if (!send_to && email)
    json_object_set_new(rec, "send_to", json_string(email));
  int crv = rd_customer_check(c, who, id, old, rec, err);
  if (crv && crv != RD_EINVAL)
    return crv;
  /* ACC-2: a technician must have a supervisor. */
  json_t *sup = json_object_get(rec, "supervisor");
  if ((roles & RD_ROLE_TECHNICIAN) && !json_is_object(sup))
    rd_err_field(err, "supervisor", "is required for a technician");
  int rv = person_exists(c, who->account_id, sup, RD_ROLE_SUPERVISOR, "supervisor",
                         "a supervisor", err);
  if (!rv)
    rv = person_exists(c, who->account_id, json_object_get(rec, "line_manager"),
                       RD_ROLE_CUSTOMER, "line_manager", "a customer", err);
  if (rv)
    return rv;
  /* ACC-2: whoever supervises people keeps the supervisor role while they do. */
  if (old && (rd_roles_bits(json_object_get(old, "roles")) & RD_ROLE_SUPERVISOR) &&
      !(roles & RD_ROLE_SUPERVISOR)) {
    int64_t n = 0;
    rv = rd_sql_int64(c, &n, err,
                      "SELECT COUNT(*) FROM people WHERE account_id = ? AND supervisor_id = ?"
                      " AND NOT deleted",
                      "ti", who->account_id, id);
    if (rv < 0)
      return rv;
    if (n > 0)
      rd_err_field(err, "roles", "must keep supervisor while %lld people have this supervisor",
                   (long long)n);
  }
  if (id && json_is_object(json_object_get(rec, "line_manager")) &&
      json_integer_value(json_object_get(json_object_get(rec, "line_manager"), "id")) == id)
    rd_err_field(err, "line_manager", "cannot be the person itself");
  int prv = partner_link_rules(c, who, id, old, rec, roles, err);
  if (prv && prv != RD_EINVAL)
    return prv;
  const char *portal = json_string_value(json_object_get(rec, "default_portal"));
  /* A portal the patch left alone follows the roles when its own role is taken away. */
  if (portal && old && !(roles & rd_role_bit(portal)) &&
      json_equal(json_object_get(old, "default_portal"), json_object_get(rec, "default_portal")))
    portal = NULL;
  if (!portal) {
    for (int i = 0; i < 6; i++)
      if (roles & (1u << i)) {
        json_object_set_new(rec, "default_portal", json_string(rd_role_names[i]));
        break;
      }
  } else if (!(roles & rd_role_bit(portal))) {
    rd_err_field(err, "default_portal", "must be one of the person's roles");
  }
  const char *tz = json_string_value(json_object_get(rec, "time_zone"));
  if (tz && !rd_time_zone_valid(tz))
    rd_err_field(err, "time_zone", "must be an IANA time zone name such as Europe/Amsterdam");
  json_t *cf = json_object_get(rec, "custom_fields");
  if (!cf || json_is_null(cf)) {
    cf = json_object();
    json_object_set_new(rec, "custom_fields", cf);
  }
  rv = rd_custom_values_check(c, who->account_id, "person",
                              old ? json_object_get(old, "custom_fields") : NULL, cf, err);
  if (rv && rv != RD_EINVAL)
    return rv;
  const char *pw = json_string_value(json_object_get(rec, "password"));
  if (pw && (strlen(pw) < 8 || strlen(pw) > RD_PASSWORD_MAX))
    rd_err_field(err, "password", "must be 8 to %d characters", RD_PASSWORD_MAX);
  return err && err->code ? err->code : 0;
}

/* CUST-4: a new person's search row from the record in hand (its only address is the
 * primary one, as just stored): what rd_search_person_refresh would read back, without
 * reading the person and its addresses again (an import writes one per row). */
static int search_row_of_new(rd_conn *c, const rd_caller *who, int64_t id, json_t *rec,
                             rd_err *err) {
#define STR(k) json_string_value(json_object_get(rec, k))
  const char *phones[4] = {STR("phone"), STR("mobile"), STR("fax"), STR("pager")};
  char *email = STR("primary_email") ? rd_strdup(STR("primary_email")) : NULL;
  for (char *p = email; p && *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  const char *addr[1] = {email};
  json_t *org = json_object_get(json_object_get(rec, "organization"), "id");
  rd_stmt *s = NULL;
  int rv = 0;
  const char *org_name =
      json_is_integer(org)
          ? rd_rec_ref_name(c, "organizations", who->account_id, json_integer_value(org))
          : NULL;
  if (json_is_integer(org) && !org_name) {
    rv = rd_sql(c, &s, err, "SELECT name FROM organizations WHERE id = ?", "i",
                (int64_t)json_integer_value(org));
    if (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW)
      org_name = rd_stmt_text(s, 0);
  }
  if (rv >= 0)
    rv = rd_search_person_set(c, id, who->account_id, STR("first_name"), STR("last_name"),
                              STR("username"), phones, addr, email ? 1 : 0, org_name, err);
#undef STR
  rd_stmt_done(s);
  rd_free(email);
  return rv < 0 ? rv : 0;
}

static int after_write(rd_conn *c, const rd_caller *who, int64_t id, json_t *old, json_t *rec,
                       rd_err *err) {
  int rv = 0;
  const char *pw = json_string_value(json_object_get(rec, "password"));
  if (pw) {
    char hash[128];
    /* The import hashes a batch's passwords on all cores before writing its rows (see
     * RD_PERSON_PRESET_HASH); every other path hashes here. */
    const char *preset = json_string_value(json_object_get(rec, RD_PERSON_PRESET_HASH));
    if (preset && *preset && strlen(preset) < sizeof hash)
      snprintf(hash, sizeof hash, "%s", preset);
    else
      rv = rd_password_hash(pw, hash, err);
    if (!rv)
      rv = rd_sql_exec(c, NULL, err, "UPDATE people SET password_hash = ? WHERE id = ?", "ti",
                       hash, id);
    if (rv)
      return rv;
  }
  /* ACC-8: a new password or lost web access ends the person's login sessions (but the one
   * making the change, when a person changes its own password). */
  if (old && (pw || (json_is_true(json_object_get(old, "web_access")) &&
                     !json_is_true(json_object_get(rec, "web_access"))))) {
    rv = rd_token_end_sessions(c, id, who->person_id == id ? who->session_id : 0, err);
    if (rv)
      return rv;
  }
  json_t *email = json_object_get(rec, "primary_email");
  if (!old || !json_equal(email, json_object_get(old, "primary_email"))) {
    /* CUST-2: an address identifies one person in the account. A new person has none yet. */
    if (old)
      rv = rd_sql_exec(c, NULL, err,
                       "DELETE FROM person_emails WHERE person_id = ? AND is_primary = ?", "ib",
                       id, 1);
    /* An alias of the person may become its primary address. */
    if (!rv && old && json_is_string(email))
      rv = rd_sql_exec(c, NULL, err,
                       "DELETE FROM person_emails WHERE person_id = ? AND address = LOWER(?)", "it",
                       id, json_string_value(email));
    if (!rv && json_is_string(email)) {
      char *lower = rd_strdup(json_string_value(email));
      for (char *p = lower; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
          *p = (char)(*p - 'A' + 'a');
      rv = rd_sql_exec(c, NULL, err,
                       "INSERT INTO person_emails (account_id, address, person_id, is_primary)"
                       " VALUES (?, ?, ?, ?)",
                       "tti" "b", who->account_id, lower, id, 1);
      rd_free(lower);
      if (rv == RD_ECONFLICT) {
        rd_err_clear(err);
        rd_err_set(err, RD_ECONFLICT, "Email address already in use");
        rd_err_field(err, "primary_email", "is already in use by another person of this account");
        err->code = RD_ECONFLICT;
        err->status = 409;
      }
    }
    if (rv)
      return rv;
  }
  json_t *cf = json_object_get(rec, "custom_fields");
  if (old ? !json_equal(json_object_get(old, "custom_fields"), cf) : json_object_size(cf) > 0)
    rv = rd_custom_values_store(c, who->account_id, id, cf, err);
  /* CUST-4: the search text follows every field it is made of. */
  static const char *const SEARCHED[] = {"first_name", "last_name", "username", "primary_email",
                                         "phone", "mobile", "fax", "pager", "organization"};
  bool searched_changed = !old;
  for (size_t i = 0; old && i < sizeof SEARCHED / sizeof *SEARCHED; i++) {
    json_t *a = json_object_get(old, SEARCHED[i]), *b = json_object_get(rec, SEARCHED[i]);
    searched_changed |= !json_equal(a ? a : json_null(), b ? b : json_null());
  }
  if (!rv && searched_changed)
    rv = old ? rd_search_person_refresh(c, id, err) : search_row_of_new(c, who, id, rec, err);
  return rv;
}

static int decorate(rd_conn *c, json_t *rec, rd_err *err) {
  const char *first = json_string_value(json_object_get(rec, "first_name"));
  const char *last = json_string_value(json_object_get(rec, "last_name"));
  char name[260];
  snprintf(name, sizeof name, "%s %s", first ? first : "", last ? last : "");
  json_object_set_new(rec, "name", json_string(name));
  json_t *aliases = NULL;
  int rv = rd_customer_aliases(c, json_integer_value(json_object_get(rec, "id")), &aliases, err);
  if (!rv)
    json_object_set_new(rec, "aliases", aliases);
  return rv;
}

/* decorate in text form (issue 12): the name from the row; aliases are late_text's. */
static void decorate_text(const rd_row *row, const rd_field *f, rd_buf *out) {
  if (!f || strcmp(f->name, "name"))
    return;
  const char *first = rd_row_text(row, "first_name");
  const char *last = rd_row_text(row, "last_name");
  char name[260]; /* as decorate: the same bytes, the same bound */
  snprintf(name, sizeof name, "%s %s", first ? first : "", last ? last : "");
  rd_json_add_string(out, name);
}

/* Ids per aliases query: a fixed IN list (one statement text, padded with the last id). */
enum { ALIAS_IDS = 32 };

/* The aliases of the page's people ids[0..n) (ascending), as rd_customer_aliases gives
 * them, in one query per ALIAS_IDS people instead of one per person. By the ids, not by
 * their range: the 19 people of a first + last name search at 1M are spread over the whole
 * table, and a range scan read a million addresses for them (174 ms). */
static int aliases_text(rd_conn *c, const int64_t *ids, int n, rd_buf *vals, rd_err *err) {
  char sql[160 + 2 * ALIAS_IDS];
  int len = snprintf(sql, sizeof sql, "SELECT person_id, address FROM person_emails"
                                      " WHERE person_id IN (?");
  for (int k = 1; k < ALIAS_IDS; k++)
    len += snprintf(sql + len, sizeof sql - (size_t)len, ",?");
  snprintf(sql + len, sizeof sql - (size_t)len, ") AND NOT is_primary ORDER BY person_id, address");
  int rv = 0;
  for (int from = 0; !rv && from < n; from += ALIAS_IDS) {
    rd_param p[ALIAS_IDS];
    for (int k = 0; k < ALIAS_IDS; k++)
      p[k] = (rd_param){.type = 'i', .i = ids[from + k < n ? from + k : n - 1]};
    rd_stmt *s = NULL;
    rv = rd_sql_params(c, &s, err, sql, p, ALIAS_IDS);
    if (rv)
      return rv;
    int i = from;
    while ((rv = rd_stmt_step(s, err)) == RD_ROW) {
      int64_t id = rd_stmt_int64(s, 0);
      while (i < n && ids[i] < id)
        i++;
      if (i == n)
        break;
      rd_buf_adds(&vals[i], vals[i].len ? "," : "[");
      rd_json_add_string(&vals[i], rd_stmt_text(s, 1));
    }
    rd_stmt_done(s);
    rv = rv < 0 ? rv : 0;
  }
  if (rv)
    return rv;
  for (int i = 0; i < n; i++)
    rd_buf_adds(&vals[i], vals[i].len ? "]" : "[]");
  return 0;
}

static const rd_field FIELDS[] = {
    {.name = "title", .column = "title", .type = RD_FT_TEXT, .max_len = 128},
    {.name = "first_name", .column = "first_name", .type = RD_FT_TEXT, .flags = RD_FF_REQUIRED, .max_len = RD_NAME_MAX},
    {.name = "last_name", .column = "last_name", .type = RD_FT_TEXT, .flags = RD_FF_REQUIRED, .max_len = RD_NAME_MAX},
    {.name = "name", .type = RD_FT_TEXT, .flags = RD_FF_READONLY},
    {.name = "username", .column = "username", .type = RD_FT_TEXT, .flags = RD_FF_REQUIRED, .max_len = RD_USERNAME_MAX},
    {.name = "password", .type = RD_FT_TEXT, .flags = RD_FF_WRITEONLY, .max_len = RD_PASSWORD_MAX},
    /* ACC-8: a person changing its own password proves it knows the current one. */
    {.name = "current_password", .type = RD_FT_TEXT, .flags = RD_FF_WRITEONLY | RD_FF_CHECKONLY, .max_len = RD_PASSWORD_MAX},
    {.name = "web_access", .column = "web_access", .type = RD_FT_BOOL, .flags = RD_FF_NOTNULL, .def = "true"},
    {.name = "primary_email", .column = "primary_email", .type = RD_FT_TEXT, .flags = RD_FF_REQUIRED, .max_len = RD_EMAIL_MAX},
    {.name = "send_to", .column = "send_to", .type = RD_FT_TEXT, .max_len = RD_EMAIL_MAX},
    {.name = "aliases", .type = RD_FT_JSON, .flags = RD_FF_READONLY},
    {.name = "organization", .column = "organization_id", .type = RD_FT_REF, .ref_table = "organizations", .ref_name_sql = "r.name"},
    /* Checked by validate (person_exists): a customer, a supervisor of this account. */
    {.name = "line_manager", .column = "line_manager_id", .type = RD_FT_REF, .flags = RD_FF_REFHOOK, .ref_table = "people", .ref_name_sql = PERSON_NAME},
    {.name = "supervisor", .column = "supervisor_id", .type = RD_FT_REF, .flags = RD_FF_REFHOOK, .ref_table = "people", .ref_name_sql = PERSON_NAME},
    {.name = "room", .column = "room", .type = RD_FT_TEXT, .max_len = 64},
    {.name = "address_1", .column = "address_1", .type = RD_FT_TEXT, .max_len = 128},
    {.name = "address_2", .column = "address_2", .type = RD_FT_TEXT, .max_len = 128},
    {.name = "city", .column = "city", .type = RD_FT_TEXT, .max_len = 64},
    {.name = "state", .column = "state", .type = RD_FT_TEXT, .max_len = 32},
    {.name = "postcode", .column = "postcode", .type = RD_FT_TEXT, .max_len = 20},
    {.name = "country", .column = "country", .type = RD_FT_TEXT, .max_len = 64},
    {.name = "email_locale", .column = "email_locale", .type = RD_FT_TEXT, .max_len = 5},
    {.name = "phone", .column = "phone", .type = RD_FT_TEXT, .max_len = 20},
    {.name = "mobile", .column = "mobile", .type = RD_FT_TEXT, .max_len = 20},
    {.name = "fax", .column = "fax", .type = RD_FT_TEXT, .max_len = 20},
    {.name = "pager", .column = "pager", .type = RD_FT_TEXT, .max_len = 32},
    {.name = "sms_override", .column = "sms_override", .type = RD_FT_TEXT, .max_len = 64},
    {.name = "partner_organization", .column = "partner_organization_id", .type = RD_FT_REF, .flags = RD_FF_REFHOOK, .ref_table = "organizations", .ref_name_sql = "r.name"},
    {.name = "time_zone", .column = "time_zone", .type = RD_FT_TEXT, .max_len = 64},
    {.name = "last_login_at", .column = "last_login_at", .type = RD_FT_TIME, .flags = RD_FF_READONLY},
    {.name = "last_login_host", .column = "last_login_host", .type = RD_FT_TEXT, .flags = RD_FF_READONLY},
    {.name = "gps", .column = "gps", .type = RD_FT_JSON},
    {.name = "roles", .column = "roles", .type = RD_FT_ROLES, .flags = RD_FF_REQUIRED},
    {.name = "default_portal", .column = "default_portal", .type = RD_FT_TEXT, .max_len = 32},
    {.name = "notes", .column = "notes", .type = RD_FT_TEXT, .flags = RD_FF_MULTILINE, .max_len = 65536},
    {.name = "custom_fields", .column = "custom_fields", .type = RD_FT_JSON, .def = "{}"},
    {.name = "source", .column = "source", .type = RD_FT_TEXT, .flags = RD_FF_READONLY, .def = "\"manual\""},
    {.name = "source_id", .column = "source_id", .type = RD_FT_TEXT, .flags = RD_FF_READONLY},
    {.name = "deleted", .column = "deleted", .type = RD_FT_BOOL, .flags = RD_FF_READONLY, .def = "false"},
};

const rd_rtype rd_person_type = {
    .name = "person",
    .table = "people",
    .fields = FIELDS,
    .nfields = sizeof FIELDS / sizeof *FIELDS,
    .validate = validate,
    .after_write = after_write,
    .decorate = decorate,
    .decorate_text = decorate_text,
    .late_field = "aliases",
    .late_text = aliases_text,
    /* ACC-7: anyone may change itself (may_write narrows it per record); adding people
     * takes a staff role (whom exactly: may_write). */
    .read_roles = RD_ROLES_ALL,
    .write_roles = RD_ROLES_ALL,
    .create_roles = RD_ROLES_STAFF,
    .denied = "Your roles do not allow adding people (ACC-7)",
    .may_write = may_write,
};

/* The page's conditions of f into sc (sc.sql and its parameters into p[0..*n)). */
enum { PERSON_FILTER_NPARAMS = 9, PERSON_NPARAMS_MAX = PERSON_FILTER_NPARAMS + RD_SEARCH_TERMS_MAX + 2 + 4 * RD_SEARCH_CF_MAX };
static int person_cond(rd_conn *c, const rd_caller *who, const rd_person_filter *f,
                       int64_t after, int limit, rd_search_cond *sc, rd_param *p, int *np,
                       rd_err *err) {
  int n = 0;
  rd_buf_adds(&sc->sql, "t.deleted = ?");
  p[n++] = (rd_param){.type = 'b', .i = f->deleted};
#define ADD(cond) rd_buf_adds(&sc->sql, " AND " cond)
  if (f->username) {
    ADD("t.username = ?");
    p[n++] = (rd_param){.type = 't', .t = f->username};
  }
  if (f->email) {
    ADD("t.id IN (SELECT e.person_id FROM person_emails e WHERE e.account_id = t.account_id"
        " AND e.address = LOWER(?))");
    p[n++] = (rd_param){.type = 't', .t = f->email};
  }
  if (f->role) {
    ADD("(t.roles & ?) <> 0");
    p[n++] = (rd_param){.type = 'i', .i = f->role};
  }
  if (f->organization) {
    ADD("t.organization_id = ?");
    p[n++] = (rd_param){.type = 'i', .i = f->organization};
  }
  if (f->partner_organization && f->via_unit) {
    ADD("(t.partner_organization_id = ? OR t.organization_id IN (SELECT o.id FROM"
        " organizations o WHERE o.partner_organization_id = ? AND o.account_id = t.account_id))");
    p[n++] = (rd_param){.type = 'i', .i = f->partner_organization};
    p[n++] = (rd_param){.type = 'i', .i = f->partner_organization};
  } else if (f->partner_organization) {
    ADD("t.partner_organization_id = ?");
    p[n++] = (rd_param){.type = 'i', .i = f->partner_organization};
  }
  if (f->created_after) {
    ADD("t.created_at > ?");
    p[n++] = (rd_param){.type = 't', .t = f->created_after};
  }
  if (f->created_before) {
    ADD("t.created_at < ?");
    p[n++] = (rd_param){.type = 't', .t = f->created_before};
  }
#undef ADD
  assert(n <= PERSON_FILTER_NPARAMS);
  int rv = 0;
  /* CUST-4: the text search and custom field values add their own parameters. */
  /* Issue 12: when q is the only filter, the search may take the page's ids first. */
  rd_search_page page = {.deleted = f->deleted, .after = after, .limit = limit};
  bool only_q = n == 1 && f->ncf == 0;
  if (f->q)
    rv = rd_search_cond_q(sc, c, who->account_id, f->q, only_q ? &page : NULL, err);
  for (int i = 0; !rv && i < f->ncf; i++)
    rv = rd_search_cond_custom(sc, c, who->account_id, f->cf_keys[i], f->cf_values[i], err);
  assert(sc->np <= (int)(sizeof sc->p / sizeof *sc->p));
  for (int i = 0; i < sc->np; i++)
    p[n++] = sc->p[i];
  assert(n <= PERSON_NPARAMS_MAX);
  *np = n;
  return rv;
}

int rd_person_list(rd_conn *c, const rd_caller *who, const rd_person_filter *f, int64_t after,
                   int limit, json_t **out, bool *more, rd_err *err) {
  rd_search_cond sc;
  rd_search_cond_init(&sc);
  rd_param p[PERSON_NPARAMS_MAX];
  int n = 0;
  int rv = person_cond(c, who, f, after, limit, &sc, p, &n, err);
  if (!rv)
    rv = rd_rec_list_by(c, &rd_person_type, who->account_id, sc.join, sc.jp, sc.njp, sc.key,
                        rd_buf_cstr(&sc.sql), p, n, after, limit, out, more, err);
  rd_search_cond_term(&sc);
  return rv;
}

int rd_person_list_text(rd_conn *c, const rd_caller *who, const rd_person_filter *f,
                        int64_t after, int limit, rd_buf *out, int64_t *last_id, bool *more,
                        rd_err *err) {
  rd_search_cond sc;
  rd_search_cond_init(&sc);
  rd_param p[PERSON_NPARAMS_MAX];
  int n = 0;
  int rv = person_cond(c, who, f, after, limit, &sc, p, &n, err);
  if (!rv) {
    rd_list_q q = {.account_id = who->account_id, .join = sc.join, .jp = sc.jp,
                   .njp = sc.njp, .key = sc.key, .where = rd_buf_cstr(&sc.sql), .p = p,
                   .np = n, .after = after, .limit = limit};
    rv = rd_rec_list_text(c, &rd_person_type, &q, NULL, NULL, out, last_id, more, err);
  }
  rd_search_cond_term(&sc);
  return rv;
}

int rd_person_get(rd_conn *c, const rd_caller *who, int64_t id, json_t **out, int64_t *version,
                  rd_err *err) {
  json_t *rec = NULL;
  int rv = rd_rec_get(c, &rd_person_type, who->account_id, id, &rec, version, err);
  if (rv)
    return rv;
  /* Deleted people are visible only to those who may enable them again (CUST-3). */
  if (json_is_true(json_object_get(rec, "deleted")) && !rd_caller_has(who, PEOPLE_MANAGERS)) {
    json_decref(rec);
    return rd_err_set(err, RD_ENOTFOUND, "No person with id %lld", (long long)id);
  }
  *out = rec;
  return 0;
}

typedef struct link_args {
  const rd_caller *who;
  int64_t org, person;
  bool link;
} link_args;

static int partner_link_tx(rd_conn *c, void *arg, rd_err *err) {
  link_args *a = arg;
  int rv = rd_org_partner_get(c, a->who, a->org, err);
  json_t *rec = NULL, *patch = NULL;
  if (!rv)
    rv = rd_person_get(c, a->who, a->person, &rec, NULL, err);
  if (rv)
    return rv;
  int64_t now = ref_id(rec, "partner_organization");
  if (!a->link && now != a->org)
    rv = rd_err_set(err, RD_ENOTFOUND, "Person %lld is not a technician of organization %lld",
                    (long long)a->person, (long long)a->org);
  else if (a->link && !(rd_roles_bits(json_object_get(rec, "roles")) & RD_ROLE_PARTNER))
    rv = rd_err_field(err, "roles", "a technician of a partner organization has the partner role");
  json_decref(rec);
  if (rv || (a->link && now == a->org))
    return rv; /* linked already: nothing changes */
  patch = a->link ? json_pack("{s:{s:I}}", "partner_organization", "id", (json_int_t)a->org)
                  : json_pack("{s:n}", "partner_organization");
  rv = rd_rec_update(c, a->who, &rd_person_type, a->person, patch, -1, err);
  json_decref(patch);
  return rv;
}

int rd_person_partner_link(rd_conn *c, const rd_caller *who, int64_t org, int64_t person,
                           bool link, rd_err *err) {
  link_args a = {who, org, person, link};
  return rd_with_tx(c, err, partner_link_tx, &a);
}

static int fix_conflict(int rv, rd_err *err) {
  /* The UNIQUE (account_id, username) index speaks for concurrent creates too. */
  if (rv == RD_ECONFLICT && err && err->nitems == 0) {
    rd_err_set(err, RD_ECONFLICT, "Username already in use");
    rd_err_field(err, "username", "is already in use in this account");
  }
  return rv;
}

int rd_person_create(rd_conn *c, const rd_caller *who, json_t *in, int64_t *id, rd_err *err) {
  return fix_conflict(rd_rec_create_tx(c, who, &rd_person_type, in, id, err), err);
}

/* ACC-8: a wrong current_password counts as a failed login of the person (the key of
 * POST /v1/login), so a stolen session cannot guess it faster than a login could. */
static bool wrong_current_password(const rd_err *err) {
  for (int i = 0; err && i < err->nitems; i++)
    if (!strcmp(err->items[i].field, "current_password"))
      return true;
  return false;
}

int rd_person_update(rd_conn *c, const rd_caller *who, int64_t id, json_t *patch,
                     int64_t if_match, rd_err *err) {
  int rv = rd_rec_check(&rd_person_type, patch, false, NULL, err);
  char key[RD_ACCOUNT_ID_MAX + RD_USERNAME_MAX + 8] = "";
  if (!rv && id == who->person_id && json_object_get(patch, "current_password") &&
      json_object_get(patch, "password")) {
    rd_stmt *s = NULL;
    rv = rd_sql(c, &s, err, "SELECT username FROM people WHERE id = ?", "i", id);
    if (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW)
      snprintf(key, sizeof key, "user:%s:%s", who->account_id, rd_stmt_text(s, 0));
    rd_stmt_done(s);
    rv = rv < 0 ? rv : 0;
    if (!rv && key[0])
      rv = rd_ratelimit_check(c, key, err);
  }
  /* rd_rec_update_tx checks the patch again (pure and cheap): the rate limit above must
   * see only well-formed patches. */
  if (!rv)
    rv = fix_conflict(rd_rec_update_tx(c, who, &rd_person_type, id, patch, if_match, err), err);
  if (key[0] && rv == RD_EINVAL && wrong_current_password(err))
    rd_ratelimit_fail(c, key);
  else if (key[0] && !rv)
    rd_ratelimit_clear(c, key);
  return rv;
}

typedef struct delete_args {
  const rd_caller *who;
  int64_t id;
} delete_args;

/* A soft delete is a change of the person (deleted, the tokens) written like one: the
 * version and updated_at move and the audit says "delete" (rd_rec_touch). */
static int do_delete(rd_conn *c, void *arg, rd_err *err) {
  delete_args *a = arg;
  int64_t changed = 0;
  unsigned roles = 0;
  int rv = rd_person_check_manage(c, a->who, a->id, &roles, err);
  if (!rv && (roles & RD_ROLE_ACCOUNT_ADMINISTRATOR))
    rv = keep_an_admin(c, a->who->account_id, a->id, err);
  if (!rv)
    rv = rd_sql_exec(c, &changed, err,
                       "UPDATE people SET deleted = ? WHERE id = ? AND account_id = ?"
                       " AND NOT deleted",
                       "bit", 1, a->id, a->who->account_id);
  if (!rv && changed != 1)
    rv = rd_err_set(err, RD_ENOTFOUND, "No person with id %lld", (long long)a->id);
  /* ACC-2: a technician must have a supervisor; the caller reassigns them first. */
  int64_t supervised = 0;
  if (!rv)
    rv = rd_sql_int64(c, &supervised, err,
                      "SELECT COUNT(*) FROM people WHERE account_id = ? AND supervisor_id = ?"
                      " AND NOT deleted",
                      "ti", a->who->account_id, a->id);
  if (rv > 0)
    rv = supervised ? rd_err_set(err, RD_ECONFLICT,
                                 "This person supervises %lld people; give them another"
                                 " supervisor first",
                                 (long long)supervised)
                    : 0;
  if (!rv)
    rv = rd_sql_exec(c, NULL, err, "UPDATE api_tokens SET revoked = ? WHERE person_id = ?", "bi",
                     1, a->id);
  json_t *changes = json_pack("{s:{s:b,s:b}}", "deleted", "old", 0, "new", 1);
  if (!rv)
    rv = rd_rec_touch(c, a->who, &rd_person_type, a->id, "delete", changes, err);
  json_decref(changes);
  return rv;
}

int rd_person_delete(rd_conn *c, const rd_caller *who, int64_t id, rd_err *err) {
  if (id == who->person_id)
    return rd_err_set(err, RD_ECONFLICT, "You cannot delete yourself");
  delete_args a = {who, id};
  return rd_with_tx(c, err, do_delete, &a);
}

int rd_person_for_login(rd_conn *c, const char *account_id, const char *username, int64_t *id,
                        char hash[128], rd_err *err) {
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err,
                  "SELECT id, password_hash FROM people WHERE account_id = ? AND username = ?"
                  " AND NOT deleted AND web_access",
                  "tt", account_id, username);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  if (rv == RD_ROW) {
    *id = rd_stmt_int64(s, 0);
    snprintf(hash, 128, "%s", rd_stmt_text(s, 1) ? rd_stmt_text(s, 1) : "");
  }
  rd_stmt_done(s);
  return rv;
}

int rd_person_set_last_login(rd_conn *c, int64_t id, const char *host, rd_err *err) {
  char now[RD_TIME_LEN];
  rd_time_now(now);
  return rd_sql_exec(c, NULL, err, "UPDATE people SET last_login_at = ?, last_login_host = ? WHERE id = ?",
                     "tti", now, host, id);
}
