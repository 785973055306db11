/* Customers: see customer.h. */
#include "domain/customer.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "domain/account.h"
#include "domain/person.h"
#include "domain/record.h"
#include "domain/search.h"
#include "domain/validate.h"

static void lower(char *s) {
  for (; *s; s++)
    if (*s >= 'A' && *s <= 'Z')
      *s = (char)(*s - 'A' + 'a');
}

/* Settings that switch a field on (ACC-5); while off, a value is refused. */
static const struct {
  const char *field, *setting;
} GATED[] = {{"title", "titles_enabled"},
             {"room", "rooms_displayed"},
             {"gps", "gps_recorded"},
             {"partner_organization", "customer_partner_editable"}};

/* LDAP-2: fields the directory owns for synced people. */
static const char *const DIRECTORY_FIELDS[] = {"first_name", "last_name", "username",
                                               "primary_email"};

int rd_customer_check(rd_conn *c, const rd_caller *who, int64_t id, json_t *old, json_t *rec,
                      rd_err *err) {
  json_t *settings = NULL;
  int rv = rd_account_settings_shared(c, who->account_id, &settings, err);
  if (rv)
    return rv;
  /* PART-2: a partner technician's partner_organization is its link, not a customer's
   * "customer of": never gated (whether it names a partner is the person rules'). */
  bool technician = rd_roles_bits(json_object_get(rec, "roles")) & RD_ROLE_PARTNER;
  for (size_t i = 0; i < sizeof GATED / sizeof *GATED; i++) {
    if (technician && !strcmp(GATED[i].field, "partner_organization"))
      continue;
    json_t *v = json_object_get(rec, GATED[i].field);
    json_t *was = old ? json_object_get(old, GATED[i].field) : NULL;
    bool changed = !json_equal(v ? v : json_null(), was ? was : json_null());
    if (changed && v && !json_is_null(v) && !json_is_true(json_object_get(settings, GATED[i].setting)))
      rd_err_field(err, GATED[i].field, "is not enabled for this account (setting %s)",
                   GATED[i].setting);
  }
  json_t *gps = json_object_get(rec, "gps");
  if (json_is_object(gps)) {
    json_t *lat = json_object_get(gps, "lat"), *lon = json_object_get(gps, "lon");
    if (json_object_size(gps) != 2 || !json_is_number(lat) || !json_is_number(lon) ||
        json_number_value(lat) < -90 || json_number_value(lat) > 90 ||
        json_number_value(lon) < -180 || json_number_value(lon) > 180)
      rd_err_field(err, "gps", "must be {\"lat\": -90..90, \"lon\": -180..180}");
  } else if (gps && !json_is_null(gps)) {
    rd_err_field(err, "gps", "must be {\"lat\": -90..90, \"lon\": -180..180}");
  }
  const char *country = json_string_value(json_object_get(rec, "country"));
  char code[3];
  if (country) {
    if (rd_country_code(country, code))
      json_object_set_new(rec, "country", json_string(code));
    else
      rd_err_field(err, "country", "unknown country '%.64s' (ISO 3166 code or name)", country);
  }
  const char *source = old ? json_string_value(json_object_get(old, "source")) : NULL;
  if (source && !strcmp(source, "ldap") && !who->directory) {
    for (size_t i = 0; i < sizeof DIRECTORY_FIELDS / sizeof *DIRECTORY_FIELDS; i++)
      if (!json_equal(json_object_get(old, DIRECTORY_FIELDS[i]),
                      json_object_get(rec, DIRECTORY_FIELDS[i])))
        rd_err_field(err, DIRECTORY_FIELDS[i], "is maintained by the directory (LDAP)");
    /* LDAP-2: never stored; the person signs in with its directory password */
    if (json_object_get(rec, "password"))
      rd_err_field(err, "password", "is the directory's: this person signs in with its"
                                    " directory password (LDAP)");
  }
  /* CUST-2: send_to is one of the person's addresses. */
  const char *email = json_string_value(json_object_get(rec, "primary_email"));
  const char *send_to = json_string_value(json_object_get(rec, "send_to"));
  if (send_to && (!email || strcasecmp(send_to, email))) {
    int64_t one = 0;
    char *addr = rd_strdup(send_to);
    lower(addr);
    rv = id ? rd_sql_int64(c, &one, err,
                           "SELECT 1 FROM person_emails WHERE account_id = ? AND address = ?"
                           " AND person_id = ?",
                           "tti", who->account_id, addr, id)
            : RD_DONE;
    rd_free(addr);
    if (rv < 0)
      goto out;
    if (rv == RD_DONE)
      rd_err_field(err, "send_to", "must be one of the person's email addresses");
    else
      json_object_set_new(rec, "send_to", json_string(send_to));
  }
  rv = err && err->code ? err->code : 0;
out:
  json_decref(settings);
  return rv;
}

int rd_customer_aliases(rd_conn *c, int64_t person_id, json_t **out, rd_err *err) {
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err,
                  "SELECT address FROM person_emails WHERE person_id = ? AND NOT is_primary"
                  " ORDER BY address",
                  "i", person_id);
  if (rv)
    return rv;
  json_t *arr = json_array();
  while ((rv = rd_stmt_step(s, err)) == RD_ROW)
    json_array_append_new(arr, json_string(rd_stmt_text(s, 0)));
  rd_stmt_done(s);
  if (rv < 0) {
    json_decref(arr);
    return rv;
  }
  *out = arr;
  return 0;
}

/* Checks the caller may manage person id (ACC-7: an address is the person's identity, so
 * a customer cannot claim a colleague's address as its own alias) and returns its record
 * (404 when deleted). */
static int managed(rd_conn *c, const rd_caller *who, int64_t id, json_t **rec, rd_err *err) {
  int rv = rd_person_check_manage(c, who, id, NULL, err);
  if (!rv)
    rv = rd_rec_get(c, &rd_person_type, who->account_id, id, rec, NULL, err);
  if (!rv && json_is_true(json_object_get(*rec, "deleted"))) {
    json_decref(*rec);
    rv = rd_err_set(err, RD_ENOTFOUND, "No person with id %lld", (long long)id);
  }
  return rv;
}

int rd_customer_alias_add(rd_conn *c, const rd_caller *who, int64_t id, const char *address,
                          rd_err *err) {
  if (!address || strlen(address) > 254 || !rd_email_valid(address))
    return rd_err_field(err, "address", "is not a valid email address");
  /* An alias is removed by DELETE .../aliases/{address}: one path segment must name it. */
  if (strchr(address, '/'))
    return rd_err_field(err, "address", "must not contain '/'");
  json_t *rec = NULL, *changes = NULL;
  char *addr = rd_strdup(address);
  lower(addr);
  int rv = rd_tx_begin(c, true, err);
  if (rv)
    goto out;
  rv = managed(c, who, id, &rec, err);
  int64_t count = 0;
  if (!rv) {
    rv = rd_sql_int64(c, &count, err, "SELECT COUNT(*) FROM person_emails WHERE person_id = ?",
                      "i", id);
    rv = rv < 0 ? rv : 0;
  }
  if (!rv && count >= 20)
    rv = rd_err_field(err, "address", "a person has at most 20 addresses");
  if (!rv) {
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO person_emails (account_id, address, person_id, is_primary)"
                     " VALUES (?, ?, ?, ?)",
                     "tti" "b", who->account_id, addr, id, 0);
    if (rv == RD_ECONFLICT) {
      rd_err_clear(err);
      rd_err_set(err, RD_ECONFLICT, "Email address already in use");
      rd_err_field(err, "address", "is already an address of a person of this account");
      err->code = RD_ECONFLICT;
      err->status = 409;
    }
  }
  if (!rv)
    rv = rd_search_person_refresh(c, id, err); /* CUST-4: aliases are searched */
  if (!rv) {
    changes = json_pack("{s:{s:n,s:s}}", "aliases", "old", "new", addr);
    rv = rd_rec_touch(c, who, &rd_person_type, id, "add_alias", changes, err);
  }
  if (!rv)
    rv = rd_tx_commit(c, err);
out:
  if (rv)
    rd_tx_rollback(c);
  json_decref(rec);
  json_decref(changes);
  rd_free(addr);
  return rv;
}

int rd_customer_alias_remove(rd_conn *c, const rd_caller *who, int64_t id, const char *address,
                             rd_err *err) {
  json_t *rec = NULL, *changes = NULL;
  char *addr = rd_strdup(address ? address : "");
  lower(addr);
  int rv = rd_tx_begin(c, true, err);
  if (rv)
    goto out;
  rv = managed(c, who, id, &rec, err);
  int64_t changed = 0;
  if (!rv)
    rv = rd_sql_exec(c, &changed, err,
                     "DELETE FROM person_emails WHERE person_id = ? AND address = ? AND NOT is_primary",
                     "it", id, addr);
  if (!rv && changed != 1)
    rv = rd_err_set(err, RD_ENOTFOUND, "The person has no alias '%.128s'", address);
  /* A send_to naming the removed alias falls back to the primary address. */
  if (!rv)
    rv = rd_sql_exec(c, NULL, err,
                     "UPDATE people SET send_to = CASE WHEN LOWER(send_to) = ?"
                     " THEN primary_email ELSE send_to END WHERE id = ?",
                     "ti", addr, id);
  if (!rv)
    rv = rd_search_person_refresh(c, id, err);
  if (!rv) {
    changes = json_pack("{s:{s:s,s:n}}", "aliases", "old", addr, "new");
    rv = rd_rec_touch(c, who, &rd_person_type, id, "remove_alias", changes, err);
  }
  if (!rv)
    rv = rd_tx_commit(c, err);
out:
  if (rv)
    rd_tx_rollback(c);
  json_decref(rec);
  json_decref(changes);
  rd_free(addr);
  return rv;
}

int rd_customer_enable(rd_conn *c, const rd_caller *who, int64_t id, rd_err *err) {
  int rv = rd_tx_begin(c, true, err);
  if (rv)
    return rv;
  int64_t changed = 0;
  rv = rd_person_check_manage(c, who, id, NULL, err);
  if (!rv)
    rv = rd_sql_exec(c, &changed, err,
                   "UPDATE people SET deleted = ? WHERE id = ? AND account_id = ? AND deleted",
                   "bit", 0, id, who->account_id);
  if (!rv && changed != 1)
    rv = rd_err_set(err, RD_ENOTFOUND, "No deleted person with id %lld", (long long)id);
  json_t *changes = json_pack("{s:{s:b,s:b}}", "deleted", "old", 1, "new", 0);
  if (!rv)
    rv = rd_rec_touch(c, who, &rd_person_type, id, "enable", changes, err);
  json_decref(changes);
  if (!rv)
    return rd_tx_commit(c, err);
  rd_tx_rollback(c);
  return rv;
}
