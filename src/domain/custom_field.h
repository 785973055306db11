/* Custom fields (ORG-2): definitions per account and record type, and the validation and
 * storage of the values records carry in "custom_fields". Values live in the record's own
 * JSON and, for filtering, one row per value in custom_values (keyed by the account that
 * owns the value, which for a private annotation is the viewer, TRUST-5). */
#ifndef RD_DOMAIN_CUSTOM_FIELD_H
#define RD_DOMAIN_CUSTOM_FIELD_H

#include <jansson.h>

#include "domain/record.h"

extern const rd_rtype rd_custom_field_type;

/* Checks values (an object, key -> value) against account_id's definitions for
 * record_type. Keys of deleted definitions that were already stored (present in old with
 * the same value) are dropped silently; new unknown keys are refused. Required fields must
 * have a value. Numbers, dates and booleans must have their type; select values must be
 * one of the options. Errors name "custom_fields.<key>". */
int rd_custom_values_check(rd_conn *c, const char *account_id, const char *record_type,
                           json_t *old, json_t *values, rd_err *err);
/* Replaces the custom_values rows of (account_id, record_id) with values. */
int rd_custom_values_store(rd_conn *c, const char *account_id, int64_t record_id,
                           json_t *values, rd_err *err);
/* Definitions are administered by account administrators (403 for others: the rtype's
 * write_roles); each call runs in its own transaction. Create answers 409 naming "key"
 * when the record type has the key already. Delete removes the definition's value rows
 * too. */
int rd_custom_field_create(rd_conn *c, const rd_caller *who, json_t *in, int64_t *id,
                           rd_err *err);
int rd_custom_field_update(rd_conn *c, const rd_caller *who, int64_t id, json_t *patch,
                           int64_t if_match, rd_err *err);
int rd_custom_field_delete(rd_conn *c, const rd_caller *who, int64_t id, rd_err *err);

#endif
