/* People (ACC-2, CUST-1): staff, partner technicians and customers of an account, with
 * roles, login credentials and the customer fields of API.md. Customer-only behaviours
 * (aliases, soft delete, search, vCard, mail) build on this file in later work. */
#ifndef RD_DOMAIN_PERSON_H
#define RD_DOMAIN_PERSON_H

#include "domain/record.h"

#define RD_USERNAME_MAX 64
#define RD_NAME_MAX 64
#define RD_EMAIL_MAX 64

extern const rd_rtype rd_person_type;

/* Bulk paths only (CSV import, issue 11): the argon2id hash of the record's "password",
 * computed beforehand (many at once, rd_password_hash_many), put into the record under this
 * key AFTER rd_rec_check; after_write then stores it instead of hashing the password again.
 * The API can never set it: rd_rec_check refuses every key that is not a field of
 * rd_person_type, and this is none (nor is it stored, read back or audited: rd_rec only
 * handles the fields). The caller vouches that the hash is of exactly that password. */
#define RD_PERSON_PRESET_HASH "password_hash (preset)"

typedef struct rd_person_filter {
  const char *username; /* exact */
  const char *email;    /* any address of the person, case-insensitive */
  unsigned role;        /* bit; 0: any */
  int64_t organization; /* 0: any */
  /* PART-3: people of this partner organization (0: any): linked directly, or also through
   * their organization's partner when via_unit */
  int64_t partner_organization;
  bool via_unit;
  const char *q;        /* CUST-4: words of names, username, addresses, phones, organization */
  const char *created_after, *created_before; /* RFC 3339, normalized */
  bool deleted;         /* list only deleted people (administrators) */
  /* CUST-4: custom_fields.<key>=value filters (see rd_search_cond_custom) */
  const char *cf_keys[4], *cf_values[4];
  int ncf;
} rd_person_filter;

int rd_person_list(rd_conn *c, const rd_caller *who, const rd_person_filter *f, int64_t after,
                   int limit, json_t **out, bool *more, rd_err *err);
/* rd_person_list as text (issue 12): the same bytes appended to out; *last_id is the
 * page's last id (for the Link). */
int rd_person_list_text(rd_conn *c, const rd_caller *who, const rd_person_filter *f,
                        int64_t after, int limit, rd_buf *out, int64_t *last_id, bool *more,
                        rd_err *err);
int rd_person_get(rd_conn *c, const rd_caller *who, int64_t id, json_t **out, int64_t *version,
                  rd_err *err);
/* PART-2: links person (a person with the partner role) to the partner organization org as
 * one of its technicians, or unlinks it (404 when it is not one of org's): one transaction,
 * the person's own rules (ACC-7, the team rule) and audit. 404 when org is not a partner
 * organization of the caller's account or person not a person of it. */
int rd_person_partner_link(rd_conn *c, const rd_caller *who, int64_t org, int64_t person,
                           bool link, rd_err *err);
/* ACC-7, the one rule of who may change whom. A caller may manage (create, change,
 * disable, delete, enable, reset or mail the password of, change the email, username,
 * roles or web access of) a person whose roles are target_roles when it is:
 *   an account administrator (anyone of its account; the system caller is one);
 *   a supervisor, and the person has only technician, partner and customer roles;
 *   a service level manager or technician, and the person is only a customer.
 * Everyone else manages nobody, itself included (self-service is rd_person_update's
 * narrower rule). Pure; thread-safe. */
bool rd_person_may_manage(const rd_caller *who, unsigned target_roles);
/* ACC-7: the roles who may grant or take away: administrators all, supervisors technician,
 * partner and customer, everyone else none. */
unsigned rd_person_grantable_roles(const rd_caller *who);
/* ACC-7 for a stored person: 0 when who may manage person id of its account (its roles in
 * *roles when not NULL), RD_EFORBIDDEN (403) when not, RD_ENOTFOUND when there is no such
 * person (deleted ones included). */
int rd_person_check_manage(rd_conn *c, const rd_caller *who, int64_t id, unsigned *roles,
                           rd_err *err);
/* Create and update under ACC-7 (rd_person_may_manage; role changes only within
 * rd_person_grantable_roles, else 403 naming roles). Anyone may change its own contact
 * details and password; changing one's own password needs "current_password" (ACC-8, 422
 * naming it when missing or wrong) and ends the person's other login sessions, as does
 * any password change, turning web access off, or deleting. "password" in the input is
 * hashed (argon2id) and never stored. An account keeps at least one administrator who can
 * sign in (409). */
int rd_person_create(rd_conn *c, const rd_caller *who, json_t *in, int64_t *id, rd_err *err);
int rd_person_update(rd_conn *c, const rd_caller *who, int64_t id, json_t *patch,
                     int64_t if_match, rd_err *err);
/* Soft delete (administrators and supervisors); the person can no longer sign in and its
 * tokens stop working. */
int rd_person_delete(rd_conn *c, const rd_caller *who, int64_t id, rd_err *err);
/* Looks up a person for login: id, password hash (may be NULL), web access, deleted. */
int rd_person_for_login(rd_conn *c, const char *account_id, const char *username, int64_t *id,
                        char hash[128], rd_err *err);
int rd_person_set_last_login(rd_conn *c, int64_t id, const char *host, rd_err *err);
/* The system caller of an account (CLI, jobs): all roles, person 0. */
rd_caller rd_system_caller(const char *account_id);

#endif
