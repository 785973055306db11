/* Services and agreements (TRUST-2): a service has a provider organization of its
 * account; an SLA (for a service) and an FLSA (with a provider organization and a service
 * desk team, domain/team.h) have a customer organization in the registering account or in an account
 * that trusts it (the customer's consent). Their status follows the dates and the cancelled flag at read time, so it is
 * right on the day without any job running. */
#ifndef RD_DOMAIN_AGREEMENT_H
#define RD_DOMAIN_AGREEMENT_H

#include "domain/record.h"

extern const rd_rtype rd_service_type;
extern const rd_rtype rd_sla_type;
extern const rd_rtype rd_flsa_type;

/* The SQL condition "agreement alias a is active today" with one parameter (today's
 * date), and the status names in API order. */
#define RD_AGREEMENT_ACTIVE_SQL(a)                                                            \
  "(NOT " a ".cancelled AND " a ".start_date <= ? AND (" a ".expiry_date IS NULL OR " a       \
  ".expiry_date > ?))"

/* pending | active | expired | cancelled for the given dates on day today. An agreement
 * is active from its start date up to the day before its expiry date. */
const char *rd_agreement_status(const char *start, const char *expiry, bool cancelled,
                                const char *today);

/* Lists any of the three types (the caller's account only, staff), with status filter for
 * agreements (NULL: any; 400 when not a status name). Creating and changing goes through
 * rd_rec_create_tx / rd_rec_update_tx: service_level_manager or account_administrator
 * (the rtypes' write_roles). */
int rd_agreement_list(rd_conn *c, const rd_caller *who, const rd_rtype *t, const char *status,
                      int64_t after, int limit, json_t **out, bool *more, rd_err *err);
/* rd_agreement_list as text (issue 12): the same bytes appended to out. */
int rd_agreement_list_text(rd_conn *c, const rd_caller *who, const rd_rtype *t,
                           const char *status, int64_t after, int limit, rd_buf *out,
                           int64_t *last_id, bool *more, rd_err *err);

#endif
