/* One RMM asset synced on demand (issue 15, RMM-5: POST /v1/items/{id}/rmm_sync): the
 * agent is fetched from the account's RMM and its item written as the rmm_sync job writes
 * it, in one transaction. */
#include <stdio.h>

#include "base/mem.h"
#include "domain/account.h"
#include "domain/rmm.h"
#include "import/rmm.h"

typedef struct one_args {
  const rd_caller *who;
  json_t *agent;
  json_t *report;
} one_args;

static int one_tx(rd_conn *c, void *arg, rd_err *err) {
  one_args *a = arg;
  rd_rmm_sync *y = NULL;
  json_t *list = json_array();
  json_array_append(list, a->agent);
  int rv = rd_rmm_sync_begin(c, a->who, false, &y, err);
  if (!rv)
    rv = rd_rmm_sync_agents(c, y, list, err);
  if (!rv)
    a->report = rd_rmm_sync_report(y);
  rd_rmm_sync_free(y);
  json_decref(list);
  return rv;
}

int rd_rmm_sync_item(rd_conn *c, const rd_caller *who, int64_t item, json_t **report,
                     rd_err *err) {
  char *agent_id = NULL;
  json_t *settings = NULL, *agent = NULL;
  rd_rmm *r = NULL;
  int rv = rd_rmm_item_agent(c, who, item, &agent_id, err);
  if (!rv)
    rv = rd_account_settings(c, who->account_id, &settings, err);
  if (!rv)
    rv = rd_rmm_open(json_object_get(settings, "rmm"), NULL, &r, err);
  if (!rv)
    rv = rd_rmm_agent(r, agent_id, &agent, err);
  if (!rv && !agent)
    rv = rd_err_set(err, RD_ECONFLICT, "The RMM has no agent %s any more", agent_id);
  one_args a = {who, agent, NULL};
  if (!rv)
    rv = rd_with_tx(c, err, one_tx, &a);
  if (!rv)
    *report = a.report;
  json_decref(agent);
  json_decref(settings);
  rd_rmm_close(r);
  rd_free(agent_id);
  return rv;
}
