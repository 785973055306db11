/* A real OpenLDAP server for the directory sync tests (LDAP-1..3): Debian's slapd on a
 * free loopback port with an mdb database of its own under a temporary directory, suffix
 * dc=example,dc=com, administrator TH_LDAP_ADMIN_DN / TH_LDAP_ADMIN_PW, and the entry
 * ou=people,dc=example,dc=com. Entries are written through libldap. */
#ifndef TH_SLAPD_H
#define TH_SLAPD_H

#define TH_LDAP_BASE "ou=people,dc=example,dc=com"
#define TH_LDAP_ADMIN_DN "cn=admin,dc=example,dc=com"
#define TH_LDAP_ADMIN_PW "directory-secret"

typedef struct th_slapd th_slapd;

th_slapd *th_slapd_start(void);
/* Stops the server (SIGTERM, waits) and removes its files. */
void th_slapd_stop(th_slapd *s);
/* ldap://127.0.0.1:PORT */
const char *th_slapd_uri(const th_slapd *s);

/* Adds the person uid=UID,ou=people,... (inetOrgPerson) with attributes given as a
 * NULL-terminated list of name, value pairs (givenName, sn, mail, userPassword, manager,
 * ...); cn is the uid. */
void th_ldap_add_person(th_slapd *s, const char *uid, ...);
/* Replaces attribute attr of entry dn with value (NULL: deletes the attribute). */
void th_ldap_replace(th_slapd *s, const char *dn, const char *attr, const char *value);
void th_ldap_delete(th_slapd *s, const char *dn);

#endif
