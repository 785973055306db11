/* Checks of single values shared by every resource and importer: email addresses, time
 * zones, and the contact details document of organizations. */
#ifndef RD_DOMAIN_VALIDATE_H
#define RD_DOMAIN_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>

#include "base/err.h"

/* RFC 5321 limits (local part 64, domain 255, whole 254), exactly one '@', a dotted domain
 * of letters, digits and hyphens, no spaces or control characters. */
bool rd_email_valid(const char *address);
/* An IANA time zone name present in the system's tzdata (/usr/share/zoneinfo). */
bool rd_time_zone_valid(const char *tz);
/* CUST-1: the ISO 3166-1 alpha-2 code of a country given by alpha-2 or alpha-3 code or by
 * its English name (case-insensitive), from Debian's iso-codes data. False when unknown. */
bool rd_country_code(const char *country, char code[3]);
/* ORG-1 contact details: {"addresses": [...], "telephones": [...], "email_addresses":
 * [...], "websites": [...]}, each entry an object of known string fields. Errors name the
 * path (contact.addresses[0].city). */
int rd_contact_check(json_t *contact, const char *path, rd_err *err);

#endif
