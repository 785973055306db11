/* /v1/people (ACC-2, CUST-1): list with filters, create, get, patch, soft delete. People
 * without a staff role see only themselves. */
#include <string.h>

#include "api/api.h"
#include "base/time.h"
#include "domain/customer.h"
#include "domain/person.h"

static const char *const LIST_PARAMS[] = {"per_page", "cursor", "q", "role", "organization",
                                          "email", "username", "created_after",
                                          "created_before", "deleted", "custom_fields.", NULL};

typedef struct cf_arg {
  rd_person_filter *f;
  int count;
} cf_arg;

/* CUST-4: custom_fields.<key>=value, up to four of them (rd_search_cond_custom types them). */
static bool find_cf(void *arg, const char *k, const char *v) {
  cf_arg *a = arg;
  if (strncmp(k, "custom_fields.", 14))
    return true;
  if (a->count < 4) {
    a->f->cf_keys[a->count] = k + 14;
    a->f->cf_values[a->count] = v ? v : "";
  }
  a->count++;
  return true;
}

/* 400 naming the query parameter (API.md errors[].field). */
static int bad_param(rd_err *err, const char *name, const char *msg) {
  rd_err_set(err, RD_EBADREQ, "Bad query parameter");
  rd_err_field(err, name, "%s", msg);
  return RD_EBADREQ;
}

int rd_api_person_list(rd_ctx *x, rd_err *err) {
  rd_person_filter f = {0};
  int64_t after = 0;
  int limit = 0, deleted = 0;
  char ca[RD_TIME_LEN], cb[RD_TIME_LEN];
  int rv = rd_api_query_check(x, LIST_PARAMS, err);
  if (!rv)
    rv = rd_api_page(x, &after, &limit, err);
  if (!rv)
    rv = rd_api_query_bool(x, "deleted", &deleted, err);
  if (!rv)
    rv = rd_api_query_id(x, "organization", &f.organization, err);
  if (rv)
    return rv;
  const char *role = rd_req_query(x->req, "role");
  if (role && !(f.role = rd_role_bit(role)))
    return bad_param(err, "role", "is not a role");
  const char *v = rd_req_query(x->req, "created_after");
  if (v && !rd_time_parse(v, ca) && !(rd_date_valid(v) && snprintf(ca, sizeof ca, "%sT00:00:00Z", v)))
    return bad_param(err, "created_after", "must be an RFC 3339 time or a date (YYYY-MM-DD)");
  f.created_after = v ? ca : NULL;
  v = rd_req_query(x->req, "created_before");
  if (v && !rd_time_parse(v, cb) && !(rd_date_valid(v) && snprintf(cb, sizeof cb, "%sT00:00:00Z", v)))
    return bad_param(err, "created_before", "must be an RFC 3339 time or a date (YYYY-MM-DD)");
  f.created_before = v ? cb : NULL;
  if (deleted && !rd_caller_has(&x->who, RD_ROLE_ACCOUNT_ADMINISTRATOR | RD_ROLE_SUPERVISOR))
    return rd_err_set(err, RD_EFORBIDDEN, "Only administrators and supervisors list deleted people");
  f.deleted = deleted;
  f.q = rd_req_query(x->req, "q");
  f.email = rd_req_query(x->req, "email");
  f.username = rd_req_query(x->req, "username");
  cf_arg cf = {&f, 0};
  rd_req_query_foreach(x->req, find_cf, &cf);
  if (cf.count > 4)
    return bad_param(err, "custom_fields", "at most four custom_fields.<key> filters");
  f.ncf = cf.count;
  rd_buf page;
  rd_buf_init(&page);
  int64_t last = 0;
  bool more = false;
  rv = rd_person_list_text(x->db, &x->who, &f, after, limit, &page, &last, &more, err);
  if (!rv)
    rd_api_list_text(x, &page, last, more);
  rd_buf_term(&page);
  return rv;
}

static int answer(rd_ctx *x, int64_t id, int status, rd_err *err) {
  json_t *rec = NULL;
  int64_t version = 0;
  int rv = rd_person_get(x->db, &x->who, id, &rec, &version, err);
  if (rv)
    return rv;
  if (status == 201 && !strstr(x->req->path, "/aliases"))
    rd_api_created(x, "/v1/people", id, rec, version);
  else
    rd_api_json(x, status, rec, version);
  return 0;
}

/* ACC-4: people without a staff role reach only their own record. */
static int visible(rd_ctx *x, int64_t id, rd_err *err) {
  if (id != x->who.person_id && !rd_caller_has(&x->who, RD_ROLES_STAFF))
    return rd_err_set(err, RD_ENOTFOUND, "No person with id %lld", (long long)id);
  return 0;
}

int rd_api_person_create(rd_ctx *x, rd_err *err) {
  json_t *in = NULL;
  int64_t id = 0;
  int rv = rd_api_body(x, &in, err);
  if (!rv)
    rv = rd_person_create(x->db, &x->who, in, &id, err);
  json_decref(in);
  return rv ? rv : answer(x, id, 201, err);
}

int rd_api_person_get(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = visible(x, id, err);
  return rv ? rv : answer(x, id, 200, err);
}

int rd_api_person_patch(rd_ctx *x, rd_err *err) {
  json_t *in = NULL;
  int64_t id = 0, if_match = -1;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = visible(x, id, err);
  if (!rv)
    rv = rd_api_if_match(x, &if_match, err);
  if (!rv)
    rv = rd_api_body(x, &in, err);
  if (!rv)
    rv = rd_person_update(x->db, &x->who, id, in, if_match, err);
  json_decref(in);
  return rv ? rv : answer(x, id, 200, err);
}

int rd_api_person_delete(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_person_delete(x->db, &x->who, id, err);
  if (!rv)
    rd_api_no_content(x);
  return rv;
}

/* CUST-2: POST /v1/people/{id}/aliases {"address"} and DELETE .../aliases/{address}. */
int rd_api_person_alias_add(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  json_t *in = NULL;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = visible(x, id, err);
  if (!rv)
    rv = rd_api_body(x, &in, err);
  if (rv)
    return rv;
  const char *k;
  json_t *v;
  json_object_foreach(in, k, v) {
    if (strcmp(k, "address"))
      rd_err_field(err, k, "unknown field");
    else if (!json_is_string(v))
      rd_err_field(err, k, "must be a string");
  }
  if (!json_object_get(in, "address"))
    rd_err_field(err, "address", "is required");
  rv = err->code;
  if (!rv)
    rv = rd_customer_alias_add(x->db, &x->who, id, json_string_value(json_object_get(in, "address")),
                               err);
  json_decref(in);
  return rv ? rv : answer(x, id, 201, err);
}

int rd_api_person_alias_remove(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = visible(x, id, err);
  if (!rv)
    rv = rd_customer_alias_remove(x->db, &x->who, id, x->params[1], err);
  if (!rv)
    rd_api_no_content(x);
  return rv;
}

/* CUST-3: POST /v1/people/{id}/enable. */
int rd_api_person_enable(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_customer_enable(x->db, &x->who, id, err);
  return rv ? rv : answer(x, id, 200, err);
}
