/* /v1/requests (issue 13, PART-3/4): HTTP in, one call of src/domain/request.c, HTTP out.
 * Who sees which request is the domain's rule (rd_request_scope), not the handlers'. */
#include "api/api.h"
#include "domain/org.h"
#include "domain/request.h"

static const char *const LIST_PARAMS[] = {"per_page", "cursor", "status", "team", "assignee",
                                          "customer", "organization", "partner_organization",
                                          NULL};
static const char *const PAGE_PARAMS[] = {"per_page", "cursor", NULL};

static int list(rd_ctx *x, int64_t partner, rd_err *err) {
  int64_t after = 0;
  int limit = 0;
  rd_request_filter f = {.status = rd_req_query(x->req, "status"),
                         .partner_organization = partner};
  int rv = rd_api_query_check(x, partner ? PAGE_PARAMS : LIST_PARAMS, err);
  if (!rv)
    rv = rd_api_page(x, &after, &limit, err);
  if (!rv)
    rv = rd_err_enum(err, "status", f.status, rd_request_statuses);
  if (!rv)
    rv = rd_api_query_id(x, "team", &f.team, err);
  if (!rv)
    rv = rd_api_query_id(x, "assignee", &f.assignee, err);
  if (!rv)
    rv = rd_api_query_id(x, "customer", &f.customer, err);
  if (!rv)
    rv = rd_api_query_id(x, "organization", &f.organization, err);
  if (!rv && !partner)
    rv = rd_api_query_id(x, "partner_organization", &f.partner_organization, err);
  rd_buf page;
  rd_buf_init(&page);
  int64_t last = 0;
  bool more = false;
  if (!rv)
    rv = rd_request_list_text(x->db, &x->who, &f, after, limit, &page, &last, &more, err);
  if (!rv)
    rd_api_list_text(x, &page, last, more);
  rd_buf_term(&page);
  return rv;
}

int rd_api_request_list(rd_ctx *x, rd_err *err) {
  return list(x, 0, err);
}

/* PART-3: the requests assigned to the technicians of a partner organization. */
int rd_api_partner_requests(rd_ctx *x, rd_err *err) {
  int64_t org = 0;
  int rv = rd_api_id(x, 0, &org, err);
  if (!rv)
    rv = rd_org_partner_get(x->db, &x->who, org, err);
  return rv ? rv : list(x, org, err);
}

int rd_api_request_get(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  int rv = rd_api_id(x, 0, &id, err);
  return rv ? rv : rd_api_answer(x, rd_request_get, id, NULL, err);
}

int rd_api_request_create(rd_ctx *x, rd_err *err) {
  json_t *in = NULL;
  int64_t id = 0;
  int rv = rd_api_body(x, &in, err);
  if (!rv)
    rv = rd_request_create(x->db, &x->who, in, &id, err);
  json_decref(in);
  return rv ? rv : rd_api_answer(x, rd_request_get, id, "/v1/requests", err);
}

int rd_api_request_patch(rd_ctx *x, rd_err *err) {
  json_t *in = NULL;
  int64_t id = 0, if_match = -1;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_api_if_match(x, &if_match, err);
  if (!rv)
    rv = rd_api_body(x, &in, err);
  if (!rv)
    rv = rd_request_update(x->db, &x->who, id, in, if_match, err);
  json_decref(in);
  return rv ? rv : rd_api_answer(x, rd_request_get, id, NULL, err);
}

int rd_api_request_escalate(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_request_escalate(x->db, &x->who, id, err);
  return rv ? rv : rd_api_answer(x, rd_request_get, id, NULL, err);
}

/* Notes and time entries: a page of them, or a new one (201 with it). */
static int side_list(rd_ctx *x,
                     int (*fn)(rd_conn *, const rd_caller *, int64_t, int64_t, int, json_t **,
                               bool *, rd_err *),
                     rd_err *err) {
  int64_t id = 0, after = 0;
  int limit = 0;
  json_t *rows = NULL;
  bool more = false;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_api_query_check(x, PAGE_PARAMS, err);
  if (!rv)
    rv = rd_api_page(x, &after, &limit, err);
  if (!rv)
    rv = fn(x->db, &x->who, id, after, limit, &rows, &more, err);
  if (!rv)
    rd_api_list(x, rows, more);
  return rv;
}

static int side_add(rd_ctx *x,
                    int (*fn)(rd_conn *, const rd_caller *, int64_t, json_t *, json_t **, rd_err *),
                    rd_err *err) {
  int64_t id = 0;
  json_t *in = NULL, *out = NULL;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_api_body(x, &in, err);
  if (!rv)
    rv = fn(x->db, &x->who, id, in, &out, err);
  json_decref(in);
  if (!rv)
    rd_api_json(x, 201, out, -1);
  return rv;
}

int rd_api_request_notes(rd_ctx *x, rd_err *err) {
  return side_list(x, rd_request_notes, err);
}

int rd_api_request_note_add(rd_ctx *x, rd_err *err) {
  return side_add(x, rd_request_note_add, err);
}

int rd_api_request_attachments(rd_ctx *x, rd_err *err) {
  return side_list(x, rd_request_attachments, err);
}

int rd_api_request_time(rd_ctx *x, rd_err *err) {
  return side_list(x, rd_request_time_list, err);
}

int rd_api_request_time_add(rd_ctx *x, rd_err *err) {
  return side_add(x, rd_request_time_add, err);
}
