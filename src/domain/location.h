/* ORG-5 (issue 14): an organization's locations and departments, record types of the
 * engine (record.h) that belong to one organization of the account.
 *
 * Locations: a name unique in the organization (case-insensitive), an address, and `main`:
 * an organization with locations has exactly one main location. Its first location is
 * main; making another main takes the flag from the old one in the same transaction
 * (audited on both); `main: false` is refused (make another one main instead); the main
 * location is deleted only when it is the last.
 * Departments: informational groupings (Engineering, a building) with a name unique in the
 * organization and a primary contact (a person of the account, not deleted).
 * Both: read by staff, written by organization writers (administrators, supervisors,
 * service level managers); a record that something still refers to is not deleted (409
 * naming what refers to it). */
#ifndef RD_DOMAIN_LOCATION_H
#define RD_DOMAIN_LOCATION_H

#include "domain/record.h"

#define RD_LOCATION_NAME_MAX 128

extern const rd_rtype rd_location_type;
extern const rd_rtype rd_department_type;

/* The records of type t (locations or departments) of organization org, a page as JSON
 * text; 404 when org is not an organization of the caller's account. */
int rd_org_part_list_text(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t org,
                          int64_t after, int limit, rd_buf *out, int64_t *last_id, bool *more,
                          rd_err *err);
/* One record of t that belongs to organization org (404 otherwise). */
int rd_org_part_get(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t org, int64_t id,
                    json_t **out, int64_t *version, rd_err *err);
/* Creates a record of t in organization org from the API's input. */
int rd_org_part_create(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t org,
                       json_t *in, int64_t *id, rd_err *err);
/* Changes / deletes a record of t of organization org. */
int rd_org_part_update(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t org,
                       int64_t id, json_t *patch, int64_t if_match, rd_err *err);
int rd_org_part_delete(rd_conn *c, const rd_caller *who, const rd_rtype *t, int64_t org,
                       int64_t id, rd_err *err);

#endif
