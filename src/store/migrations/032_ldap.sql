-- Directory sync (LDAP-1/2): a person an account's LDAP directory keeps has source 'ldap'
-- and the distinguished name of its entry as source_id, one person per entry. Such a person
-- signs in by an LDAP bind as that name (never with a stored password), and its names,
-- username and primary address are the directory's: only the sync changes them.
CREATE UNIQUE INDEX people_ldap_dn ON people (account_id, source_id) WHERE source = 'ldap';
