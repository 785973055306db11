/* RMM account synchronization (issue 15, RMM-1/2): the RMM's organizations as loaded
 * (rmm_orgs, a record type on the engine whose one writable field is the mapping), the
 * load itself (a job of the runner: src/jobs/kinds.c), name proposals that a person must
 * confirm, mappings from either side, and importing RMM organizations as organizations.
 * Talking to the RMM is src/import/rmm.h's; this file only stores and decides. */
#ifndef RD_DOMAIN_RMM_H
#define RD_DOMAIN_RMM_H

#include <jansson.h>
#include <stdbool.h>

#include "auth/caller.h"
#include "base/err.h"
#include "domain/record.h"
#include "store/store.h"

#define RD_RMM_LOAD_JOB_KIND "rmm_load"
#define RD_RMM_EXPORT_JOB_KIND "rmm_export"
#define RD_RMM_IMPORT_MAX 100 /* RMM organizations per import call (RMM-2) */

#define RD_RMM_URL_MAX 512
#define RD_RMM_TIMEOUT_MAX 300 /* seconds a call to the RMM may take */

extern const rd_rtype rd_rmm_org_type;

/* Checks the account setting `rmm` as a PATCH /v1/account gives it (path "settings.rmm"):
 * {"url" (https://), "username", "token" (write-only), "ca_file" (an absolute path),
 * "timeout" (seconds), "push_automatically"}. */
void rd_rmm_settings_check(json_t *rmm, rd_err *err);
/* Plain http:// RMM URLs are refused unless the installation allows them:
 * ROLODESK_RMM_ALLOW_HTTP=1 in the environment of rolodeskd and rolodesk (the tests'
 * loopback double). */
bool rd_rmm_http_allowed(void);
bool rd_rmm_url_ok(const char *url);

/* Queues a job of kind RD_RMM_LOAD_JOB_KIND (the RMM's organizations, RMM-1) or
 * RD_RMM_SYNC_JOB_KIND (then its agents as items, RMM-4/5) for the caller's account: *job
 * is the job's id. 422 when settings.rmm is not configured; 409 while another of the kind
 * is queued or running (a scheduled sync waiting for its time does not count). A dry run
 * (BEYOND-1) stores nothing: its result lists what it would change. worker: NULL queues it
 * for a daemon; else it is created running, claimed by worker (the CLI runs it itself with
 * rd_job_run). */
int rd_rmm_queue(rd_conn *c, const rd_caller *who, const char *kind, bool dry_run,
                 const char *worker, int64_t *job, rd_err *err);

/* RMM-3: queues the export of organizations (in: {"organizations": [id or {"id"}, ...]},
 * 1 to RD_RMM_IMPORT_MAX of the caller's own, none mapped: 409 naming the first) for the
 * rmm_export job, which creates each in the RMM and maps it. *job: that job (a queued one
 * is reused; worker as for rd_rmm_queue). One transaction. */
int rd_rmm_export_queue(rd_conn *c, const rd_caller *who, json_t *in, const char *worker,
                        int64_t *job, rd_err *err);
/* RMM-3 "push automatically": inside the transaction that created (old NULL) or changed
 * organization org, queues its export when the account's settings.rmm.push_automatically
 * is on: a new organization that did not come from the RMM, or a mapped one renamed (its
 * RMM organization takes the new name). */
int rd_rmm_push_new(rd_conn *c, const rd_caller *who, int64_t org, json_t *old, json_t *rec,
                    rd_err *err);

/* The export job's steps (src/jobs/kinds.c talks to the RMM between them), each inside the
 * caller's transaction. The next organization of account waiting for export after id
 * `after`, claimed for worker (one claimed by another worker at stale_before or later is
 * left to it): *org its id (0: none left), *out {"id", "name", "parent_rmm_id",
 * "parent_ref", "rmm_id"}: with rmm_id (mapped) its RMM organization is renamed, else one
 * is created. */
int rd_rmm_export_next(rd_conn *c, const char *account_id, const char *worker,
                       const char *stale_before, int64_t after, int64_t *org, json_t **out,
                       rd_err *err);
/* Gives up worker's claims (its job ended without creating them). */
int rd_rmm_export_release(rd_conn *c, const char *worker, rd_err *err);
/* A unique OrgRef for name under parent_ref (NULL: top level), none of taken (a JSON
 * object used as a set, updated). Letters and digits of the name, lower case. */
char *rd_rmm_ref_for(const char *name, const char *parent_ref, json_t *taken);
/* Inside the caller's transaction: stores created (the RMM's record of the new
 * organization) as mapped to org, takes org off the queue, audits. */
int rd_rmm_export_done(rd_conn *c, const rd_caller *who, int64_t org, json_t *created,
                       rd_err *err);

/* Stores orgs (the RMM's records, rd_rmm_orgs) as the account's loaded RMM organizations,
 * inside the caller's transaction: new ones added, known ones updated, ones no longer there
 * removed (or kept with present false while mapped); every unmapped one gets the proposal
 * of the organization of the same folded name (case and spacing), if there is one, and a
 * mapping deleted since the last load may be proposed again. Built-in organizations
 * (myOrg, Kserver, Unnamed) are skipped. *report: {"loaded", "added", "updated",
 * "removed", "proposed"}. One audit row. changes (may be NULL) gets the first 200 changes,
 * each {"change": "added"|"updated"|"removed", "rmm_id", "name"} (a dry run's diff). */
int rd_rmm_load_store(rd_conn *c, const rd_caller *who, json_t *orgs, json_t *changes,
                      json_t **report, rd_err *err);

/* The job's state for the caller's account: {"id", "kind", "status", "processed",
 * "result", "error", "created_at", "updated_at"}; 404 for another account's job or a job
 * that is not an RMM job. */
int rd_rmm_job_get(rd_conn *c, const rd_caller *who, int64_t id, json_t **out, rd_err *err);

/* The list of the caller's RMM organizations; q matches the folded name, mapped (-1: any,
 * 0: unmapped only, 1: mapped only). */
int rd_rmm_org_list(rd_conn *c, const rd_caller *who, const char *q, int mapped, int64_t after,
                    int limit, json_t **rows, bool *more, rd_err *err);

/* The mapping seen from organization org (RMM-2): the RMM organization record mapped to
 * it (404 when none); set (rmm: the RMM organization's id; it must be unmapped, 409
 * otherwise; an earlier mapping of org is replaced) and delete, each one transaction. */
int rd_rmm_mapping_get(rd_conn *c, const rd_caller *who, int64_t org, json_t **out,
                       int64_t *version, rd_err *err);
int rd_rmm_mapping_put(rd_conn *c, const rd_caller *who, int64_t org, json_t *in, rd_err *err);
int rd_rmm_mapping_delete(rd_conn *c, const rd_caller *who, int64_t org, rd_err *err);

/* Imports RMM organizations (in: {"rmm_organizations": [id or {"id"}, ...]}, 1 to
 * RD_RMM_IMPORT_MAX, each unmapped): creates an organization from each (source "rmm",
 * source_id its RMM key) and maps them, all in one transaction. *out: the created
 * organizations' references with their RMM organization's id. */
int rd_rmm_import(rd_conn *c, const rd_caller *who, json_t *in, json_t **out, rd_err *err);
/* One RMM organization (rmm: its record id) imported inside the caller's transaction;
 * errors name field. *org: the new organization. */
int rd_rmm_import_one(rd_conn *c, const rd_caller *who, int64_t rmm, const char *field,
                      int64_t *org, rd_err *err);

/* ---- assets (RMM-4/5, src/domain/rmm_assets.c) ---- */

#define RD_RMM_SYNC_JOB_KIND "rmm_sync"

/* A sync of RMM agents into items, page by page, each inside a transaction of the caller. */
typedef struct rd_rmm_sync rd_rmm_sync;
/* Reads the account's RMM organizations and their mappings (call after the load of the
 * same sync). With dry_run, the report lists the first 200 changes. */
int rd_rmm_sync_begin(rd_conn *c, const rd_caller *who, bool dry_run, rd_rmm_sync **out,
                      rd_err *err);
/* Inside the caller's transaction: each agent (the RMM's records) becomes or updates the
 * item of source rmm and source_id its AgentId, in the organization its RMM organization
 * maps to, at the location the mapping's location_mode says; nothing is written for an
 * agent whose item is as it should be. An agent of an RMM organization that is not mapped
 * creates the organization and its mapping (RMM-4), unless its name matches one of the
 * account's organizations: that waits for a person (skipped, counted). */
int rd_rmm_sync_agents(rd_conn *c, rd_rmm_sync *s, json_t *agents, rd_err *err);
/* {"agents", "created", "updated", "unchanged", "skipped", "failed", "organizations_created",
 * "locations_created"} (and "changes" for a dry run); a new reference. */
json_t *rd_rmm_sync_report(const rd_rmm_sync *s);
void rd_rmm_sync_free(rd_rmm_sync *s);

#define RD_RMM_SYNC_EVERY_MAX 10080 /* minutes: a week */

/* RMM-6 scheduled syncs: inside the caller's transaction, makes sure one rmm_sync job of
 * the account waits for one interval (settings.rmm.sync_every_minutes) from now, or none
 * when the setting is 0 or the RMM is not set up. Called when the settings change and when
 * a sync ends. */
int rd_rmm_schedule(rd_conn *c, const rd_caller *who, rd_err *err);

/* The AgentId of item id when it came from the RMM (404 for another account's item, 422
 * when it did not come from the RMM); *out is rd_strdup'd. */
int rd_rmm_item_agent(rd_conn *c, const rd_caller *who, int64_t item, char **out, rd_err *err);

/* The ids of every unmapped RMM organization (rmm) or organization of account, ascending
 * (*out: a new array): what `rolodesk rmm import|export --all-unmapped` takes. */
int rd_rmm_unmapped(rd_conn *c, const char *account_id, bool rmm, json_t **out, rd_err *err);

#endif
