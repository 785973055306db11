/* Organizations (ORG-1..4): the account's own organization records with their hierarchy,
 * manager, financial ID, remarks and attachments, contact details and custom fields. */
#ifndef RD_DOMAIN_ORG_H
#define RD_DOMAIN_ORG_H

#include "domain/record.h"

#define RD_ORG_NAME_MAX 128
#define RD_ORG_FINANCIAL_ID_MAX 64

extern const rd_rtype rd_org_type;

typedef struct rd_org_filter {
  const char *name;         /* exact name, case-insensitive */
  int disabled;             /* -1: any, 0, 1 */
  int64_t parent;           /* 0: any */
  const char *financial_id; /* exact (ORG-3) */
  const char *q;            /* substring of the name, case-insensitive */
  const char *cf_key, *cf_value; /* custom_fields.<key>=value */
  int64_t partner_organization; /* PART-3: units of this partner organization; 0: any */
  int rmm_mapped; /* issue 15: 0 any, 1 mapped to an RMM organization, 2 not mapped */
} rd_org_filter;

/* Lists the caller's own organizations (any role of the account may read them); get reads
 * one. Customers and partners get them through rd_org_project_for_caller (ACC-7). */
int rd_org_list(rd_conn *c, const rd_caller *who, const rd_org_filter *f, int64_t after,
                int limit, json_t **out, bool *more, rd_err *err);
int rd_org_get(rd_conn *c, const rd_caller *who, int64_t id, json_t **out, int64_t *version,
               rd_err *err);
/* rd_org_list as text (issue 12): the page's JSON array appended to out, the same bytes;
 * *last_id is its last row's id (for the Link). */
int rd_org_list_text(rd_conn *c, const rd_caller *who, const rd_org_filter *f, int64_t after,
                     int limit, rd_buf *out, int64_t *last_id, bool *more, rd_err *err);
/* Create and update need a staff role other than technician (supervisor, service level
 * manager or administrator: rd_org_type's write_roles). Each runs in its own transaction
 * (rd_rec_create_tx, rd_rec_update_tx). */
int rd_org_create(rd_conn *c, const rd_caller *who, json_t *in, int64_t *id, rd_err *err);
int rd_org_update(rd_conn *c, const rd_caller *who, int64_t id, json_t *patch, int64_t if_match,
                  rd_err *err);
/* The id of account_id's oldest organization (404 when it has none): the CLI's demo. */
int rd_org_first_id(rd_conn *c, const char *account_id, int64_t *id, rd_err *err);
/* Checks that every entry of remarks_attachments names an attachment uploaded by
 * account_id, and fills filename/size/content_type from the upload. */
int rd_org_check_attachments(rd_conn *c, const char *account_id, json_t *list, rd_err *err);
/* PART-2, PART-3: ref (a {"id"} object, or null/absent: nothing to check) must name a
 * partner organization of account_id; else a 422 item on field. */
int rd_org_partner_check(rd_conn *c, const char *account_id, json_t *ref, const char *field,
                         rd_err *err);
/* PART-3: whether id is a partner organization of the caller's account (404 otherwise,
 * also for another account's ids). */
int rd_org_partner_get(rd_conn *c, const rd_caller *who, int64_t id, rd_err *err);

#endif
