/* Requests (issue 13, PART-3/4): a customer's request to the service desk with subject,
 * description, status, the team and escalation layer working on it and its assignee, notes
 * and time entries. A record type of the engine (record.h); this file adds who sees which
 * request, assignment with the partner preference, escalation and the side tables.
 *
 * Who sees a request (rd_request_scope, the one rule for reads and writes): staff see every
 * request of the account; a partner technician those assigned to itself or to a technician
 * of its partner organization; a customer its own. Others get 404, as for another
 * account's ids. */
#ifndef RD_DOMAIN_REQUEST_H
#define RD_DOMAIN_REQUEST_H

#include "domain/record.h"

#define RD_REQUEST_SUBJECT_MAX 255
#define RD_REQUEST_NOTE_MAX 10000
#define RD_REQUEST_MINUTES_MAX 1440 /* one time entry: at most a day */

extern const rd_rtype rd_request_type;

/* The statuses, NULL-terminated. */
extern const char *const rd_request_statuses[];
/* Whether status counts as work in hand (open, pending, pending_no_contract): the load
 * of PART-4's assignment. */
bool rd_request_status_open(const char *status);

typedef struct rd_request_filter {
  const char *status; /* one status, or NULL */
  int64_t team, assignee, customer, organization, partner_organization; /* 0: any */
} rd_request_filter;

/* One page of the requests the caller sees (rd_request_scope) that match f, as JSON text. */
int rd_request_list_text(rd_conn *c, const rd_caller *who, const rd_request_filter *f,
                         int64_t after, int limit, rd_buf *out, int64_t *last_id, bool *more,
                         rd_err *err);
/* One request the caller sees; 404 otherwise. */
int rd_request_get(rd_conn *c, const rd_caller *who, int64_t id, json_t **out, int64_t *version,
                   rd_err *err);
/* Creates a request (a customer's own when the caller is a customer and names none): with a
 * team it goes to layer 1 and is assigned (rd_request_pick) unless an assignee is given. */
int rd_request_create(rd_conn *c, const rd_caller *who, json_t *in, int64_t *id, rd_err *err);
/* Changes a request the caller sees: subject, description, status, team (back to layer 1,
 * assigned again), assignee. */
int rd_request_update(rd_conn *c, const rd_caller *who, int64_t id, json_t *patch,
                      int64_t if_match, rd_err *err);
/* PART-4: moves the request to the next layer of its team and assigns it there (422 without
 * a team or at the last layer). */
int rd_request_escalate(rd_conn *c, const rd_caller *who, int64_t id, rd_err *err);

/* PART-4: the member of layer (1-based) of team that a new request of customer goes to, or
 * 0 when the layer has nobody to take it: technicians of the partner organization
 * associated with the customer (directly or through its unit) when the layer has any,
 * else the internal technicians (staff without the partner role); within the group the
 * fewest open requests, then the least recently assigned, then the lowest id. */
int rd_request_pick(rd_conn *c, const char *account_id, int64_t team, int layer,
                    int64_t customer, int64_t *assignee, rd_err *err);

/* Notes: {"text", "internal"}; customers neither write nor see internal notes. *out is the
 * note as stored. */
int rd_request_note_add(rd_conn *c, const rd_caller *who, int64_t id, json_t *in, json_t **out,
                        rd_err *err);
/* CUST-9: rd_request_note_add inside a write transaction the caller holds (mail in: one
 * transaction per message). */
int rd_request_note_add_in(rd_conn *c, const rd_caller *who, int64_t id, json_t *in,
                           json_t **out, rd_err *err);
int rd_request_notes(rd_conn *c, const rd_caller *who, int64_t id, int64_t after, int limit,
                     json_t **rows, bool *more, rd_err *err);
/* Time entries: {"minutes", "date", "description"} by staff and partner technicians; the
 * request's minutes are their sum. */
int rd_request_time_add(rd_conn *c, const rd_caller *who, int64_t id, json_t *in, json_t **out,
                        rd_err *err);
int rd_request_time_list(rd_conn *c, const rd_caller *who, int64_t id, int64_t after, int limit,
                         json_t **rows, bool *more, rd_err *err);

/* CUST-9: the files that came with the request's mail (table request_attachments), each
 * {"id", "key", "filename", "size", "content_type", "created_at"}; the file itself is
 * GET /v1/attachments/{key} (the customer who sent it, and staff). */
int rd_request_attachments(rd_conn *c, const rd_caller *who, int64_t id, int64_t after,
                           int limit, json_t **rows, bool *more, rd_err *err);

#endif
