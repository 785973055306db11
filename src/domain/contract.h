/* Contracts (CUST-8, issue 14): a customer's, an organizational unit's or an item's
 * (CUST-7) contract for a service level (an SLA of the account), of one of four types:
 *   subscription    start and end date;
 *   time_limited    support hours between a start and an end date;
 *   hours           a block of support hours (from the start date, no end unless given);
 *   monthly_hours   hours per month from the rollover day (1..28), unused hours carried
 *                   over to the next months or not (carry_over).
 * The status is computed whenever a contract is read, from today's date (base/time.h),
 * never stored or set by a job:
 *   cancelled       cancelled;
 *   expired         its end date has passed;
 *   pending         its start is in the future, its invoice is not paid, or it waits in
 *                   the queue (pending_reason: start, invoice, queue);
 *   exhausted       its hours are used up (monthly: this month's, until the rollover day);
 *   active          otherwise, for the first such contract of its customer or unit in
 *                   start order (then id): one active contract per customer or unit.
 * A time entry on a request counts against the contract active for the request's customer
 * when it is recorded, else the one of the request's unit, else the one of the request's
 * item (rd_contract_covering; docs/DECISIONS.md "Contracts"). */
#ifndef RD_DOMAIN_CONTRACT_H
#define RD_DOMAIN_CONTRACT_H

#include "domain/record.h"

extern const rd_rtype rd_contract_type;

/* ---- the rule, without a database (the property test calls it too) ---- */
typedef struct rd_contract_use {
  char date[11]; /* YYYY-MM-DD of the work */
  int64_t minutes;
} rd_contract_use;

typedef struct rd_contract_terms {
  int64_t id;
  const char *type, *start, *end; /* end NULL: none */
  int64_t hours, monthly_hours;
  int rollover_day;
  bool carry_over, invoice_paid, cancelled;
  const rd_contract_use *uses; /* its time entries, in date order */
  int nuses;
} rd_contract_terms;

typedef struct rd_contract_state {
  const char *status;         /* active, pending, expired, exhausted, cancelled */
  const char *pending_reason; /* start, invoice, queue; NULL unless pending */
  int64_t allowance;          /* minutes available now (monthly: this period); -1: none */
  int64_t used;               /* minutes used (monthly: this period) */
  char period_start[11], period_end[11]; /* monthly: this period; "" otherwise */
} rd_contract_state;

/* The states of the n contracts of one customer or unit on date today (the queue needs
 * them all): out[i] for k[i]. */
void rd_contract_states(const rd_contract_terms *k, int n, const char *today,
                        rd_contract_state *out);

/* ---- with the database ---- */

/* The contract a time entry of a request counts against today: the customer's active
 * contract, else the unit's, else the item's (0: no such holder); *id 0 when none. */
int rd_contract_covering(rd_conn *c, const char *account_id, int64_t customer, int64_t unit,
                         int64_t item, int64_t *id, rd_err *err);

/* CUST-8: the status a new request of customer (about item; 0: none) starts with when none
 * is asked for: pending_no_contract when no contract of the customer, its unit or the item
 * is active but one is pending, else open. */
int rd_contract_request_status(rd_conn *c, const char *account_id, int64_t customer,
                               int64_t item, const char **status, rd_err *err);

/* The job kind that releases waiting requests (jobs/kinds.c): payload {"customer": id},
 * {"organization": id} or {"item": id}, queued by every write of a contract for its start date. */
#define RD_CONTRACT_JOB_KIND "contract_activation"
/* Moves the holder's pending_no_contract requests (column customer_id, organization_id or
 * item_id equal to holder) that a contract now covers to open, through the engine (audited as the
 * system's change). Idempotent. *moved counts them. Inside the caller's transaction. */
int rd_contract_release(rd_conn *c, const char *account_id, const char *column, int64_t holder,
                        int64_t *moved, rd_err *err);

/* Contracts the caller sees (staff: all; a customer its own, its unit's and those of its
 * items), of customer, organization and item when not 0. */
int rd_contract_list(rd_conn *c, const rd_caller *who, int64_t customer, int64_t organization,
                     int64_t item, int64_t after, int limit, json_t **rows, bool *more,
                     rd_err *err);
int rd_contract_get(rd_conn *c, const rd_caller *who, int64_t id, json_t **out,
                    int64_t *version, rd_err *err);
/* POST /v1/contracts/{id}/enable: a contract pending for its start date starts today
 * (409 when its invoice is unpaid or another contract of its customer or unit is active,
 * 422 when it is not pending). */
int rd_contract_enable(rd_conn *c, const rd_caller *who, int64_t id, rd_err *err);
/* The contract's use: its state and, per request, the minutes counted against it. */
int rd_contract_usage(rd_conn *c, const rd_caller *who, int64_t id, json_t **out, rd_err *err);

#endif
