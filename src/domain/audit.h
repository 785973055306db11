/* The audit trail (ACC-6): one row per change to a record, written in the same
 * transaction as the change, in the account of the person who made it: who, when, which
 * record, which fields with old and new values (secrets only marked "changed"). */
#ifndef RD_DOMAIN_AUDIT_H
#define RD_DOMAIN_AUDIT_H

#include <jansson.h>
#include <stdbool.h>

#include "auth/caller.h"
#include "store/store.h"

/* Audit (ACC-6): one row in the caller's account, in the caller's transaction. changes is
 * an object {field: {"old": v, "new": v}} (borrowed). */
int rd_audit_write(rd_conn *c, const rd_caller *who, const char *record_type, int64_t record_id,
                   const char *action, json_t *changes, rd_err *err);
/* The same with the changes already as JSON text (an object; NULL: {}), for writers that
 * build it as they compare (the record engine). */
int rd_audit_write_text(rd_conn *c, const rd_caller *who, const char *record_type,
                        int64_t record_id, const char *action, const char *changes,
                        rd_err *err);

/* Lists audit rows of the caller's account, newest last, optionally of one record type
 * and id (0: any). Staff only. */
int rd_audit_list(rd_conn *c, const rd_caller *who, const char *record_type, int64_t record_id,
                  int64_t after, int limit, json_t **out, bool *more, rd_err *err);

#endif
