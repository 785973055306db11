/* What a service desk does with customer records beyond the generic person (CUST-1..3):
 * the account settings that switch fields on (titles, rooms, GPS, partner), countries from
 * ISO 3166, aliases and the send-to address, soft delete and enabling again. */
#ifndef RD_DOMAIN_CUSTOMER_H
#define RD_DOMAIN_CUSTOMER_H

#include <jansson.h>

#include "auth/caller.h"
#include "store/store.h"

/* CUST-1: checks the fields of a new or changed person record that depend on account
 * settings and on other records (country, settings-gated fields, send-to among the
 * person's addresses, read-only fields of directory-synced people). Normalizes country to
 * its ISO 3166 alpha-2 code. old is NULL on create; id is 0 on create. */
int rd_customer_check(rd_conn *c, const rd_caller *who, int64_t id, json_t *old, json_t *rec,
                      rd_err *err);
/* The person's aliases (addresses other than the primary), lower-cased, oldest first. */
int rd_customer_aliases(rd_conn *c, int64_t person_id, json_t **out, rd_err *err);
/* CUST-2: adds an alias (409 when any person of the account has the address already). */
int rd_customer_alias_add(rd_conn *c, const rd_caller *who, int64_t id, const char *address,
                          rd_err *err);
/* Removes an alias (404 when the person has no such alias); a send_to naming it falls
 * back to the primary address. */
int rd_customer_alias_remove(rd_conn *c, const rd_caller *who, int64_t id, const char *address,
                             rd_err *err);
/* CUST-3: brings a soft-deleted person back unchanged (administrators and supervisors). */
int rd_customer_enable(rd_conn *c, const rd_caller *who, int64_t id, rd_err *err);

#endif
