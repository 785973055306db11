/* A VSA-shaped RMM on loopback for the RMM tests and benchmark (issue 15, RMM-1..6): a
 * libmicrohttpd server with the documented shape of the Kaseya VSA REST API 9.x under
 * /api/v1.0/: GET /auth (Basic username:token -> a session token), the envelope
 * {"Result", "TotalRecords", "ResponseCode", "Status", "Error"}, OData $top (at most 100) and
 * $skip paging, GET/POST /system/orgs, GET/PUT /system/orgs/{id},
 * GET /system/orgs/{id}/machinegroups and GET /assetmgmt/agents. Organizations, machine
 * groups and agents are added by the test; faults are switched on by the test. Only the
 * documented fields are served. */
#ifndef RD_TESTS_VSA_DOUBLE_H
#define RD_TESTS_VSA_DOUBLE_H

#include <jansson.h>

typedef struct th_vsa th_vsa;

/* What the double does wrong, until switched off (TH_VSA_OK). */
typedef enum th_vsa_fault {
  TH_VSA_OK,
  TH_VSA_SLOW,        /* every answer waits delay_ms first */
  TH_VSA_500,         /* the next `count` data requests answer 500 */
  TH_VSA_429,         /* the next `count` data requests answer 429 with Retry-After: 1 */
  TH_VSA_401_ONCE,    /* the next data request answers 401 (the token "expired") */
  TH_VSA_GARBAGE,     /* data requests after the next `count` answer 200 with text that is
                       * not JSON */
  TH_VSA_SHORT,       /* the last page of organizations, and agents after the first 100, are
                       * missing (TotalRecords says more) */
  TH_VSA_RESULT_CODE, /* 200 with ResponseCode 500 and an Error text in the envelope */
  TH_VSA_DOWN,        /* every request answers 503 */
} th_vsa_fault;

/* Starts on 127.0.0.1 at a free port with the credentials it accepts. */
th_vsa *th_vsa_start(const char *username, const char *token);
int th_vsa_port(th_vsa *v);
/* "http://127.0.0.1:PORT" (owned by v). */
const char *th_vsa_url(th_vsa *v);
/* Adds an organization: id (OrgId), name, ref (OrgRef), parent id or NULL. */
void th_vsa_add_org(th_vsa *v, const char *id, const char *name, const char *ref,
                    const char *parent);
/* Adds n generated organizations "Org <i>" (ids from first_id up). */
void th_vsa_add_orgs(th_vsa *v, int first_id, int n);
/* Adds machine group id of organization org, with its dotted path ("root.servers") and
 * its parent group (NULL: none). */
void th_vsa_add_group(th_vsa *v, const char *org, const char *id, const char *path,
                      const char *parent);
/* Adds an agent (asset) of organization org in machine group group (its id). */
void th_vsa_add_agent(th_vsa *v, const char *id, const char *name, const char *org,
                      const char *group);
/* Sets one field of agent id to a string (OperatingSystem, MachineGroupId...; a
 * MachineGroupId also sets MachineGroup to that group's path). */
void th_vsa_agent_set(th_vsa *v, const char *id, const char *field, const char *value);
/* Adds n agents "agent-<i>" (ids from first_id) spread over the organizations and their
 * groups as they are now (round robin over the organizations that have a group). */
void th_vsa_add_agents(th_vsa *v, int first_id, int n);
void th_vsa_fault_set(th_vsa *v, th_vsa_fault fault, int count, int delay_ms);
/* Requests served so far (all paths, also refused ones) and /auth requests among them. */
int th_vsa_requests(th_vsa *v);
int th_vsa_auths(th_vsa *v);
/* The organizations as the double holds them now (a new reference: an array). */
json_t *th_vsa_orgs(th_vsa *v);
void th_vsa_stop(th_vsa *v);

#endif
