/* RMM drivers (issue 15, RMM-1): what rolodesk asks of an RMM tool, and the first driver,
 * the Kaseya VSA REST API 9.x shape (vsa.c) over libcurl. A driver talks HTTP only; what
 * is stored and mapped is src/domain/rmm.c's.
 *
 * The connection is the account setting `rmm` (ACC-5): {"url", "username", "token"
 * (write-only), "ca_file", "timeout"}. TLS verification is always on; `ca_file` names the CA
 * bundle to trust instead of the system's. Plain http:// only where the installation allows
 * it (rd_rmm_http_allowed). Drivers live in src/import/rmm/, one file each. */
#ifndef RD_IMPORT_RMM_H
#define RD_IMPORT_RMM_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "auth/caller.h"
#include "base/err.h"
#include "store/store.h"

#define RD_RMM_PAGE 100    /* $top: the most the VSA answers per page */
#define RD_RMM_TRIES 4     /* attempts of one call on 429, 5xx and transport errors */
#define RD_RMM_WAIT_MAX 30 /* seconds: the longest Retry-After or backoff honoured */

typedef struct rd_rmm rd_rmm;

/* A session with the RMM of settings (the account's `rmm` object). 422 naming the setting
 * when it is not configured. stop (may be NULL) ends waits and transfers early. */
int rd_rmm_open(const json_t *settings, const atomic_bool *stop, rd_rmm **out, rd_err *err);
void rd_rmm_close(rd_rmm *r);

/* Every organization of the RMM, page by page, as one array (*out, a new reference) of the
 * RMM's records. Fails (RD_EUNAVAIL naming what the RMM did) when any page fails, or when
 * the pages hold fewer records than TotalRecords said. */
int rd_rmm_orgs(rd_rmm *r, json_t **out, rd_err *err);

/* Changes fields (OrgName, ...) of RMM organization rmm_id (its OrgId): *out (a new
 * reference) is the RMM's record after the change. */
int rd_rmm_org_update(rd_rmm *r, const char *rmm_id, json_t *fields, json_t **out, rd_err *err);

/* The machine groups of RMM organization org (its OrgId): MachineGroupId,
 * MachineGroupName (the dotted path, "root.servers"), ParentMachineGroupId. */
int rd_rmm_groups(rd_rmm *r, const char *org, json_t **out, rd_err *err);

/* Every agent (asset) of the RMM: AgentId, AgentName, ComputerName, OrgId, MachineGroupId,
 * MachineGroup, OSType, OperatingSystem, IPAddress, LastCheckInTime, Online. */
int rd_rmm_agents(rd_rmm *r, json_t **out, rd_err *err);
/* One page of agents in AgentId order from skip: *page (a new reference), *total the
 * RMM's TotalRecords. */
int rd_rmm_agents_page(rd_rmm *r, long long skip, json_t **page, long long *total, rd_err *err);
/* The agent agent_id (digits), or *out NULL when the RMM has none. */
int rd_rmm_agent(rd_rmm *r, const char *agent_id, json_t **out, rd_err *err);

/* Creates an organization in the RMM: org holds OrgName, OrgRef and optional fields;
 * *out (a new reference) is the RMM's record with its OrgId. */
int rd_rmm_org_create(rd_rmm *r, json_t *org, json_t **out, rd_err *err);

/* RMM-5: syncs item (one that came from the RMM) from its agent now, in one transaction
 * (src/import/rmm_sync.c). 422 when the item did not come from the RMM, 409 when the RMM
 * no longer has its agent, 502 when the RMM fails. *report as rd_rmm_sync_report's. */
int rd_rmm_sync_item(rd_conn *c, const rd_caller *who, int64_t item, json_t **report,
                     rd_err *err);

/* HTTP requests made so far on r (the benchmark's "requests made to the RMM"). */
long rd_rmm_requests(const rd_rmm *r);

#endif
