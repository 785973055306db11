/* GET /v1/people/{id}/vcard (CUST-5): the person as a vCard 4.0 download, 3.0 with
 * ?version=3.0. Visibility is that of GET /v1/people/{id}: people without a staff role
 * reach only themselves, other accounts' people are 404. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "base/mem.h"
#include "base/str.h"
#include "domain/person.h"
#include "domain/vcard.h"

static const char *const PARAMS[] = {"version", NULL};

/* A file name made of the username's safe characters ("person-<id>" when none are). */
static void filename(json_t *person, int64_t id, char *out, size_t cap) {
  const char *u = json_string_value(json_object_get(person, "username"));
  size_t n = 0;
  for (const char *p = u ? u : ""; *p && n + 5 < cap && n < 64; p++) {
    char ch = *p;
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
        ch == '.' || ch == '-' || ch == '_')
      out[n++] = ch;
  }
  out[n] = 0;
  if (n == 0 || out[0] == '.')
    snprintf(out, cap, "person-%lld", (long long)id);
}

int rd_api_person_vcard(rd_ctx *x, rd_err *err) {
  int64_t id = 0;
  int rv = rd_api_id(x, 0, &id, err);
  if (!rv)
    rv = rd_api_query_check(x, PARAMS, err);
  if (rv)
    return rv;
  const char *v = rd_req_query(x->req, "version");
  int version = 4;
  if (v && !strcmp(v, "3.0"))
    version = 3;
  else if (v && strcmp(v, "4.0")) {
    rd_err_set(err, RD_EBADREQ, "Bad query parameter");
    rd_err_field(err, "version", "must be 4.0 or 3.0");
    err->code = RD_EBADREQ;
    err->status = 400;
    return RD_EBADREQ;
  }
  /* ACC-4: the same rule as GET /v1/people/{id}. */
  if (id != x->who.person_id && !rd_caller_has(&x->who, RD_ROLES_STAFF))
    return rd_err_set(err, RD_ENOTFOUND, "No person with id %lld", (long long)id);
  json_t *person = NULL;
  rv = rd_person_get(x->db, &x->who, id, &person, NULL, err);
  if (rv)
    return rv;
  rd_buf b;
  rd_buf_init(&b);
  rd_vcard_render(person, version, &b);
  char name[80], disposition[128];
  filename(person, id, name, sizeof name);
  snprintf(disposition, sizeof disposition, "attachment; filename=\"%s.vcf\"", name);
  rd_resp_header(x->req, "Content-Disposition", disposition);
  rd_resp_body_owned(x->req, 200, "text/vcard; charset=utf-8", b.data, b.len);
  json_decref(person);
  return 0;
}
