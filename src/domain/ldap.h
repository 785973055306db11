/* Directory sync (LDAP-1..3): the account setting `ldap`, the ldap_sync jobs, and how the
 * entries a directory gave are stored as customers. The directory itself is spoken to by
 * src/import/directory.c; the job runs in src/jobs/kinds.c.
 *
 * A person the directory keeps has source "ldap" and its entry's distinguished name as
 * source_id (migration 032). Its names, username and primary address change only through
 * the sync (rd_caller.directory), and it signs in by an LDAP bind, never with a stored
 * password (LDAP-2, src/api/session.c). */
#ifndef RD_DOMAIN_LDAP_H
#define RD_DOMAIN_LDAP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth/caller.h"
#include "base/err.h"
#include "store/store.h"

#define RD_LDAP_SYNC_JOB_KIND "ldap_sync"
#define RD_LDAP_TEXT_MAX 1024        /* uri, bind_dn, password, base_dn, filter, ca_file */
#define RD_LDAP_TIMEOUT_MAX 300      /* seconds */
#define RD_LDAP_SYNC_EVERY_MAX 10080 /* minutes: a week */
#define RD_LDAP_REPORT_MAX 100       /* failures and people no longer in the directory listed */

/* settings.ldap of PATCH /v1/account: adds a field error per bad key to err. */
void rd_ldap_settings_check(json_t *ldap, rd_err *err);

/* Queues an ldap_sync job (a dry run: what it would change, nothing kept) for the caller's
 * account, or runs it for worker (the CLI, which then runs it at once): account
 * administrators only; 422 when the connection is not set up; 409 when one is under way.
 * One transaction. */
int rd_ldap_queue(rd_conn *c, const rd_caller *who, bool dry_run, const char *worker,
                  int64_t *job, rd_err *err);

/* The ldap_sync job id of the caller's account, as rd_sync_job_get gives it. */
int rd_ldap_job_get(rd_conn *c, const rd_caller *who, int64_t id, json_t **out, rd_err *err);

/* LDAP-1 scheduled syncs (settings.ldap.sync_every_minutes), as rd_sync_schedule. */
int rd_ldap_schedule(rd_conn *c, const rd_caller *who, rd_err *err);

/* Stores entries (rd_ldap_search's) as the account's customers, in one transaction (rolled
 * back for a dry run): a new entry becomes a customer with web access; a known one (by its
 * distinguished name) gets what changed; a customer of the same username the directory does
 * not keep yet is taken over (its password is dropped); line managers follow the entries'
 * manager attribute. An entry that cannot be stored (missing attributes, a username taken
 * by staff, invalid values) is reported and the rest go on. who: the person who asked.
 * *report: {"entries", "created", "updated", "adopted", "unchanged", "skipped",
 * "failed", "failures": [{"dn", "message", "errors"}], "not_in_directory", "missing":
 * [{"id", "username", "dn"}], "dry_run"}. */
int rd_ldap_sync_store(rd_conn *c, const rd_caller *who, json_t *entries, bool dry_run,
                       json_t **report, rd_err *err);

/* LDAP-2: the distinguished name person id signs in with (*dn a new string, rd_free), or
 * *dn NULL when the person is not the directory's. */
int rd_ldap_person_dn(rd_conn *c, int64_t id, char **dn, rd_err *err);

#endif
