/* Jobs of the syncs with outside systems (RMM, issue 15; LDAP, LDAP-1): queued on demand or
 * on a schedule, one of a kind per account at a time, followed by their caller. Shared by
 * src/domain/rmm.c and src/domain/ldap.c; the job runner (src/jobs/) runs them. */
#ifndef RD_DOMAIN_SYNC_JOB_H
#define RD_DOMAIN_SYNC_JOB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth/caller.h"
#include "base/err.h"
#include "store/store.h"

/* Inside the caller's transaction: a job of kind for the caller's account, running for
 * worker or queued (worker NULL); its payload names the caller (for the audit) and
 * dry_run. A queued or running one of the kind is 409 unless reuse, which returns a
 * queued one instead. */
int rd_sync_job_queue(rd_conn *c, const rd_caller *who, const char *kind, const char *worker,
                      bool reuse, bool dry_run, int64_t *job, rd_err *err);

/* The job's state for the caller's account: {"id", "kind", "status", "processed",
 * "result", "error", "created_at", "updated_at"}; 404 ("No <what> job ...") for another
 * account's job or one whose kind does not begin with prefix. */
int rd_sync_job_get(rd_conn *c, const rd_caller *who, const char *prefix, const char *what,
                    int64_t id, json_t **out, rd_err *err);

/* Scheduled syncs: inside the caller's transaction, makes sure one job of kind waits for
 * every_minutes from now for the caller's account, or none when every_minutes is 0 (off,
 * or the connection is not set up). Called when the settings change and when a sync ends. */
int rd_sync_schedule(rd_conn *c, const rd_caller *who, const char *kind, int64_t every_minutes,
                     rd_err *err);

#endif
