/* GET /v1/outbox: the account's outgoing mail and how it went (ACC-8), for account
 * administrators: recipient, subject, state, attempts and the last error, never the text.
 * The rules and the query are in src/mail/outbox.c. */
#include "api/api.h"
#include "mail/outbox.h"

static const char *const LIST_PARAMS[] = {"state", "per_page", "cursor", NULL};

int rd_api_outbox_list(rd_ctx *x, rd_err *err) {
  int64_t after = 0;
  int limit = 0;
  json_t *list = NULL;
  bool more = false;
  int rv = rd_api_query_check(x, LIST_PARAMS, err);
  if (!rv)
    rv = rd_api_page(x, &after, &limit, err);
  if (!rv)
    rv = rd_outbox_list(x->db, &x->who, rd_req_query(x->req, "state"), after, limit, &list,
                        &more, err);
  if (!rv)
    rd_api_list(x, list, more);
  return rv;
}
