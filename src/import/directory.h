/* The LDAP client of the directory sync (LDAP-1..3) over libldap (OpenLDAP): what rolodesk
 * asks of a directory server. What is stored is src/domain/ldap.c's.
 *
 * The connection is the account setting `ldap` (ACC-5): {"uri", "bind_dn", "password"
 * (write-only), "base_dn", "filter", "attributes", "starttls", "ca_file", "timeout"}.
 * Passwords never cross the network in the clear: the URI is ldaps://, or starttls is on,
 * unless the installation allows plain LDAP (ROLODESK_LDAP_ALLOW_PLAIN=1 in the
 * environment, for tests against a server on the same machine). Certificates are always
 * verified; ca_file names the CA bundle to trust instead of the system's. */
#ifndef RD_IMPORT_DIRECTORY_H
#define RD_IMPORT_DIRECTORY_H

#include <jansson.h>
#include <stdbool.h>

#include "base/err.h"

#define RD_LDAP_PAGE 500 /* entries per page of a search (RFC 2696 paged results) */

typedef struct rd_ldap rd_ldap;

/* Whether plain ldap:// without StartTLS is allowed (ROLODESK_LDAP_ALLOW_PLAIN=1). */
bool rd_ldap_plain_allowed(void);

/* A connection to the directory of settings (the account's `ldap` object), bound as its
 * bind_dn. 422 naming the setting when it is not configured; 502 (RD_EUNAVAIL with status
 * 502) naming what the server did when it cannot be reached or refuses the bind. */
int rd_ldap_open(const json_t *settings, rd_ldap **out, rd_err *err);
void rd_ldap_close(rd_ldap *l);

/* Every entry under base_dn that matches the configured filter, and, when attr is set,
 * whose attr equals value (escaped as RFC 4515 says: LDAP-3), page by page: *out (a new
 * reference) is an array of {"dn": ..., "attrs": {"<name as configured>": "<first value>",
 * ...}} for the attributes the settings map. */
int rd_ldap_search(rd_ldap *l, const char *attr, const char *value, json_t **out, rd_err *err);

/* LDAP-2: whether password is the password of the entry dn, by a simple bind as dn on a
 * connection of its own. An empty password is never sent (a bind without one is an
 * anonymous bind that most servers accept): *ok false. 502 when the server cannot be
 * asked. */
int rd_ldap_check_password(const json_t *settings, const char *dn, const char *password,
                           bool *ok, rd_err *err);

/* The RFC 4515 escaped form of value for a filter (a new string, rd_free). */
char *rd_ldap_escape(const char *value);

#endif
