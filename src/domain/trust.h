/* Trusted accounts and the All Organizations view (TRUST-1, TRUST-3..7): which accounts an
 * account trusts, which organizations of other accounts it may see because an active
 * agreement links them and the agreement's customer account trusts its provider's account
 * (the customer's consent), the one projection every foreign record passes through, the
 * one that customers and partners see every organization through (ACC-7), and the
 * viewer's private annotations of foreign records. */
#ifndef RD_DOMAIN_TRUST_H
#define RD_DOMAIN_TRUST_H

#include <jansson.h>

#include "auth/caller.h"
#include "domain/record.h"
#include "store/store.h"

/* [{"account": {"id", "name"}, "created_at"}] of the caller's account. */
int rd_trust_list(rd_conn *c, const rd_caller *who, json_t **out, rd_err *err);
/* account_administrator only; 422 unknown account or itself, 409 already trusted. */
int rd_trust_add(rd_conn *c, const rd_caller *who, const char *account_id, rd_err *err);
/* 404 when not trusted. */
int rd_trust_remove(rd_conn *c, const rd_caller *who, const char *account_id, rd_err *err);

/* The All Organizations view of the caller's account (TRUST-3, consent checked at the time
 * of reading), by id, paginated like any list; foreign_only leaves out the account's own records (/organizations/trusted). Own
 * records are returned whole, foreign ones through rd_org_project. */
int rd_org_view_list(rd_conn *c, const rd_caller *who, bool foreign_only, int64_t after,
                     int limit, json_t **out, bool *more, rd_err *err);
/* One organization of the caller's view: own records whole, foreign ones projected with
 * the caller's annotation (404 outside the view). *version is the ETag: the record's own
 * version, or for a foreign record the version of the caller's annotation (0: none). */
int rd_org_view_get(rd_conn *c, const rd_caller *who, int64_t id, json_t **out,
                    int64_t *version, rd_err *err);
/* TRUST-4: the only way a foreign organization leaves the domain layer. Takes the owner's
 * full record and the viewer's annotation (may be NULL) and returns a new record with only
 * id, account, name, picture_uri and contact from the owner, plus the annotation's
 * remarks, remarks_attachments, financial_id and custom_fields, and "foreign": true. */
json_t *rd_org_project(json_t *owner_record, json_t *annotation);
/* rd_org_view_list as text (issue 12): the page's JSON array appended to out, the same
 * bytes; *last_id is its last row's id (for the Link). */
int rd_org_view_list_text(rd_conn *c, const rd_caller *who, bool foreign_only, int64_t after,
                          int limit, rd_buf *out, int64_t *last_id, bool *more, rd_err *err);
/* TRUST-4 in text form, from the same tables as rd_org_project: the owner's stored row and
 * the viewer's annotation as stored texts in the order remarks, remarks_attachments,
 * financial_id, custom_fields (ann NULL: none written) give the bytes of
 * json_dumps(JSON_COMPACT) of rd_org_project's record. */
void rd_org_project_text(const rd_row *owner, const char *const *ann, rd_buf *out);
/* ACC-7 and TRUST-4 in text form for a row of a page: rd_org_project_for_caller of the
 * row's record (own: whole, decorated; foreign: rd_org_project_text with ann). */
int rd_org_row_for_caller(const rd_caller *who, const rd_row *row, const char *const *ann,
                          rd_buf *out);
/* ACC-7: what a caller may see of an organization record as it leaves the domain (own
 * records whole, foreign ones through rd_org_project). Staff (any staff role) see rec as
 * it is; customers and partners only id, account, name, picture_uri, contact and the
 * foreign flag: never remarks, remarks_attachments, financial_id, custom_fields, manager,
 * parent or anything else, their own organization included. Takes over the caller's
 * reference to rec and returns a reference the caller owns (rec itself or a new record).
 * Every read path of organizations (rd_org_get, rd_org_list, rd_org_view_get,
 * rd_org_view_list) passes its records through it. */
json_t *rd_org_project_for_caller(const rd_caller *who, json_t *rec);
/* TRUST-5: updates the caller's annotation of a foreign organization of its view.
 * Only remarks, remarks_attachments, financial_id, custom_fields (422 naming any other
 * field); only service_level_manager or account_administrator (403). Audited in the
 * caller's account. */
int rd_org_annotate(rd_conn *c, const rd_caller *who, int64_t id, json_t *patch,
                    int64_t if_match, rd_err *err);
/* PATCH of any organization of the caller's view: rd_org_update for its own records,
 * rd_org_annotate for foreign ones (404 outside the view). */
int rd_org_view_update(rd_conn *c, const rd_caller *who, int64_t id, json_t *patch,
                       int64_t if_match, rd_err *err);
/* True (RD_ROW) when organization id belongs to another account and is in the caller's
 * view; RD_DONE when it is not; negative on error. */
int rd_org_in_view(rd_conn *c, const rd_caller *who, int64_t id, rd_err *err);

#endif
