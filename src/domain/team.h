/* Teams (TRUST-2: an FLSA names the provider's service desk team): a name and up to 500
 * members, people of the account, and (PART-4) ordered escalation layers of them. The example resource of the record engine (issue 11,
 * docs/DECISIONS.md "Adding a resource"): a field table, one validate hook and the roles
 * in rd_team_type; the API serves it with the generic handlers of src/api/record.c. */
#ifndef RD_DOMAIN_TEAM_H
#define RD_DOMAIN_TEAM_H

#include "domain/record.h"

#define RD_TEAM_NAME_MAX 128
#define RD_TEAM_MEMBERS_MAX 500
#define RD_TEAM_LAYERS_MAX 10

/* Read by staff; created and changed by account administrators, service level managers
 * and supervisors (403 for anyone else, whatever path calls the engine). */
extern const rd_rtype rd_team_type;

#endif
