/* CUST-9 mail in over HTTP: POST /v1/mail/inbound (a message/rfc822 body, from an
 * account administrator or with the account's inbound secret), GET /v1/mail/inbound (the
 * log, administrators) and POST /v1/mail/inbound/secret (a new inbound secret, shown once).
 * The rules are in src/mail/mail_in.c. */
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "mail/mail_in.h"

static const char *const LIST_PARAMS[] = {"per_page", "cursor", NULL};
static const char *const NO_PARAMS[] = {NULL};

int rd_api_mail_inbound(rd_ctx *x, rd_err *err) {
  int rv = rd_api_query_check(x, NO_PARAMS, err);
  if (rv)
    return rv;
  const char *ct = rd_req_header(x->req, "Content-Type");
  size_t n = ct ? strcspn(ct, "; \t") : 0;
  if (!ct || n != 14 || strncasecmp(ct, "message/rfc822", 14))
    return rd_err_set(err, RD_EMEDIA, "Content-Type must be message/rfc822");
  if (rd_req_body_map(x->req))
    return rd_err_set(err, RD_EIO, "cannot read the message");
  rd_mail_in_result res;
  rv = rd_mail_in_deliver(x->db, x->who.account_id, x->api->data_dir,
                          x->req->body ? x->req->body : "", x->req->body_len, &res, err);
  if (rv)
    return rv;
  rd_api_json(x, 201, rd_mail_in_result_json(&res), -1);
  return 0;
}

int rd_api_mail_inbound_log(rd_ctx *x, rd_err *err) {
  int64_t after = 0;
  int limit = 0;
  json_t *list = NULL;
  bool more = false;
  int rv = rd_api_query_check(x, LIST_PARAMS, err);
  if (!rv)
    rv = rd_api_page(x, &after, &limit, err);
  if (!rv)
    rv = rd_mail_in_log_list(x->db, &x->who, after, limit, &list, &more, err);
  if (!rv)
    rd_api_list(x, list, more);
  return rv;
}

int rd_api_mail_inbound_secret(rd_ctx *x, rd_err *err) {
  int rv = rd_api_query_check(x, NO_PARAMS, err);
  char secret[RD_MAIL_IN_SECRET_LEN];
  if (!rv)
    rv = rd_mail_in_secret_rotate(x->db, &x->who, secret, err);
  if (rv)
    return rv;
  rd_api_json(x, 201, json_pack("{s:s}", "secret", secret), -1);
  return 0;
}
