/* /v1/teams: the example resource on the record engine (issue 11). Its handlers are the
 * generic ones of record.c for rd_team_type; its routes are lines of routes.c. */
#include "api/api.h"
#include "domain/team.h"

RD_API_RECORD_HANDLERS(team, rd_team_type)
