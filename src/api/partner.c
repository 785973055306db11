/* Partner organizations (PART-1..3): the customers (directly or through their unit), the
 * organizational units and the technicians of a partner organization of the caller's
 * account, and linking or unlinking a technician. Customers and units are associated from
 * their own records (partner_organization), never from here. */
#include "api/api.h"
#include "domain/org.h"
#include "domain/person.h"

static const char *const PAGE_PARAMS[] = {"per_page", "cursor", NULL};

/* The partner organization of the path and the page asked for. */
static int partner_page(rd_ctx *x, int64_t *org, int64_t *after, int *limit, rd_err *err) {
  int rv = rd_api_id(x, 0, org, err);
  if (!rv)
    rv = rd_api_query_check(x, PAGE_PARAMS, err);
  if (!rv)
    rv = rd_api_page(x, after, limit, err);
  if (!rv)
    rv = rd_org_partner_get(x->db, &x->who, *org, err);
  return rv;
}

static int people_page(rd_ctx *x, unsigned role, bool via_unit, rd_err *err) {
  int64_t org = 0, after = 0;
  int limit = 0;
  int rv = partner_page(x, &org, &after, &limit, err);
  if (rv)
    return rv;
  rd_person_filter f = {.role = role, .partner_organization = org, .via_unit = via_unit};
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

int rd_api_partner_customers(rd_ctx *x, rd_err *err) {
  return people_page(x, RD_ROLE_CUSTOMER, true, err);
}

int rd_api_partner_technicians(rd_ctx *x, rd_err *err) {
  return people_page(x, RD_ROLE_PARTNER, false, err);
}

int rd_api_partner_units(rd_ctx *x, rd_err *err) {
  int64_t org = 0, after = 0;
  int limit = 0;
  int rv = partner_page(x, &org, &after, &limit, err);
  if (rv)
    return rv;
  rd_org_filter f = {.disabled = -1, .partner_organization = org};
  rd_buf page;
  rd_buf_init(&page);
  int64_t last = 0;
  bool more = false;
  rv = rd_org_list_text(x->db, &x->who, &f, after, limit, &page, &last, &more, err);
  if (!rv)
    rd_api_list_text(x, &page, last, more);
  rd_buf_term(&page);
  return rv;
}

static int link(rd_ctx *x, bool on, rd_err *err) {
  int64_t org = 0, person = 0;
  int rv = rd_api_id(x, 0, &org, err);
  if (!rv)
    rv = rd_api_id(x, 1, &person, err);
  if (!rv)
    rv = rd_person_partner_link(x->db, &x->who, org, person, on, err);
  if (rv)
    return rv;
  if (!on) {
    rd_api_no_content(x);
    return 0;
  }
  json_t *rec = NULL;
  int64_t version = 0;
  rv = rd_person_get(x->db, &x->who, person, &rec, &version, err);
  if (!rv)
    rd_api_json(x, 200, rec, version);
  return rv;
}

int rd_api_partner_link(rd_ctx *x, rd_err *err) {
  return link(x, true, err);
}

int rd_api_partner_unlink(rd_ctx *x, rd_err *err) {
  return link(x, false, err);
}
