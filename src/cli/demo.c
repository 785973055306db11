/* rolodesk demo: the demo installation. Three accounts (Widget Data Center, GigaTera,
 * GlobalNet), each with an administrator (password "demo-password"), a supervisor, a
 * technician, a few organizations with contact details and a few customers (and in Widget
 * Data Center a partner organization with a technician, a team and three requests, and
 * locations, a department, contracts and items of Widget Labs); and the
 * trusts and agreements under which Widget Data Center's All Organizations view shows
 * GigaTera and GlobalNet (seed 000): both provide a service to Widget Data Center under an
 * active SLA registered in their own account, with Widget Data Center's consent: the
 * customer trusts its providers (TRUST-2). GigaTera's and GlobalNet's views show Widget
 * Data Center in turn (TRUST-3 source 3). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "domain/account.h"
#include "domain/agreement.h"
#include "domain/trust.h"
#include "domain/org.h"
#include "domain/person.h"
#include "domain/record.h"
#include "domain/contract.h"
#include "domain/item.h"
#include "domain/location.h"
#include "domain/request.h"
#include "domain/team.h"

#define DEMO_PASSWORD "demo-password"

typedef struct demo_org {
  const char *name, *city, *country, *phone, *email, *web, *financial_id;
} demo_org;

typedef struct demo_account {
  const char *id, *name, *domain;
  demo_org orgs[3];
} demo_account;

static const demo_account ACCOUNTS[] = {
    {"wdc", "Widget Data Center", "widgetdc.example",
     {{"Widget Data Center", "Amsterdam", "NL", "+31 20 555 0100", "desk@widgetdc.example",
       "https://widgetdc.example", "WDC-0001"},
      {"Widget Data Center Operations", "Rotterdam", "NL", "+31 10 555 0110",
       "ops@widgetdc.example", NULL, "WDC-0002"},
      {"Widget Labs", "Utrecht", "NL", "+31 30 555 0120", "labs@widgetdc.example", NULL, NULL}}},
    {"gigatera", "GigaTera", "gigatera.example",
     {{"GigaTera", "Berlin", "DE", "+49 30 555 0200", "info@gigatera.example",
       "https://gigatera.example", "GT-100"},
      {"GigaTera Finance", "Hamburg", "DE", "+49 40 555 0210", "finance@gigatera.example", NULL,
       NULL},
      {"GigaTera Research", "Munich", "DE", "+49 89 555 0220", "research@gigatera.example", NULL,
       NULL}}},
    {"globalnet", "GlobalNet", "globalnet.example",
     {{"GlobalNet", "London", "GB", "+44 20 5550 0300", "hello@globalnet.example",
       "https://globalnet.example", "GN-7"},
      {"GlobalNet Support", "Manchester", "GB", "+44 161 555 0310", "support@globalnet.example",
       NULL, NULL},
      {NULL}}},
};

static int add_org(rd_conn *conn, const rd_caller *who, const demo_org *o, int64_t parent,
                   int64_t *id, rd_err *err) {
  json_t *in = json_pack(
      "{s:s,s:s?,s:{s:[{s:s,s:s,s:s}],s:[{s:s,s:s}],s:[{s:s,s:s}],s:[]}}", "name", o->name,
      "financial_id", o->financial_id, "contact", "addresses", "label", "work", "city", o->city,
      "country", o->country, "telephones", "label", "work", "number", o->phone,
      "email_addresses", "label", "work", "address", o->email, "websites");
  if (o->web)
    json_array_append_new(json_object_get(json_object_get(in, "contact"), "websites"),
                          json_pack("{s:s,s:s}", "label", "work", "url", o->web));
  if (parent)
    json_object_set_new(in, "parent", json_pack("{s:I}", "id", (json_int_t)parent));
  int rv = rd_org_create(conn, who, in, id, err);
  json_decref(in);
  return rv;
}

/* PART-1..3 in Widget Data Center: the partner organization Fixit Partners, partner of the
 * unit `labs` (where customer bob works), with technician pete (password as everyone's),
 * in the second escalation layer of the Service Desk team, after technician tina. */
static int load_partner(rd_conn *conn, const rd_caller *who, int64_t labs, int64_t tina,
                        int64_t ann, int64_t bob, rd_err *err) {
  static const demo_org FIXIT = {"Fixit Partners", "Eindhoven", "NL", "+31 40 555 0130",
                                 "desk@fixit.example", "https://fixit.example", NULL};
  static const char *const partner[] = {"partner", NULL};
  int64_t fixit = 0, pete = 0, team = 0;
  int rv = add_org(conn, who, &FIXIT, 0, &fixit, err);
  json_t *in = NULL;
  if (!rv) {
    in = json_pack("{s:b}", "partner", true);
    rv = rd_org_update(conn, who, fixit, in, -1, err);
    json_decref(in);
  }
  if (!rv) {
    in = json_pack("{s:{s:I}}", "partner_organization", "id", (json_int_t)fixit);
    rv = rd_org_update(conn, who, labs, in, -1, err);
    json_decref(in);
  }
  if (!rv) {
    in = json_pack("{s:{s:I}}", "organization", "id", (json_int_t)labs);
    rv = rd_person_update(conn, who, bob, in, -1, err);
    json_decref(in);
  }
  if (!rv)
    rv = rd_cli_make_person(conn, "wdc", "pete", "Pete", "Fixer", "pete@fixit.example", partner,
                            NULL, DEMO_PASSWORD, &pete, err);
  if (!rv)
    rv = rd_person_partner_link(conn, who, fixit, pete, true, err);
  if (!rv) {
    in = json_pack("{s:s,s:[{s:[{s:I}]},{s:[{s:I}]}]}", "name", "Service Desk", "layers",
                   "members", "id", (json_int_t)tina, "members", "id", (json_int_t)pete);
    rv = rd_rec_create_tx(conn, who, &rd_team_type, in, &team, err);
    json_decref(in);
  }
  /* PART-4: three requests for the Service Desk team; tina, alone in layer 1, takes them,
   * and bob's first is escalated to layer 2, where pete (of Fixit Partners, the partner of
   * bob's unit) takes it. */
  static const struct {
    const char *subject;
    bool bob, escalate;
  } REQUESTS[] = {{"Printer on the second floor jams", true, true},
                  {"New starter needs a laptop", false, false},
                  {"VPN drops every hour", true, false}};
  for (size_t i = 0; i < sizeof REQUESTS / sizeof *REQUESTS && !rv; i++) {
    int64_t id = 0;
    in = json_pack("{s:s,s:{s:I},s:{s:I}}", "subject", REQUESTS[i].subject, "customer", "id",
                   (json_int_t)(REQUESTS[i].bob ? bob : ann), "team", "id", (json_int_t)team);
    rv = rd_request_create(conn, who, in, &id, err);
    json_decref(in);
    if (!rv && REQUESTS[i].escalate)
      rv = rd_request_escalate(conn, who, id, err);
  }
  return rv;
}

/* CUST-7: Widget Labs' items, owned by ann and bob (one shared with ann), at its
 * locations, and a block of hours held by the build server (CUST-8) under sla. */
static int load_items(rd_conn *conn, const rd_caller *who, int64_t labs, const int64_t place[2],
                      int64_t department, int64_t ann, int64_t bob, int64_t sla, rd_err *err) {
  json_t *items[3] = {
      json_pack("{s:s,s:s,s:s,s:s,s:{s:I},s:[{s:I}]}", "number", "WL-0001", "name",
                "Ann's laptop", "category", "laptop", "serial", "5CD1234XYZ", "location", "id",
                (json_int_t)place[0], "owners", "id", (json_int_t)ann),
      json_pack("{s:s,s:s,s:s,s:{s:I},s:[{s:I}],s:[{s:I}]}", "number", "WL-0002", "name",
                "Lab printer", "category", "printer", "location", "id", (json_int_t)place[0],
                "owners", "id", (json_int_t)bob, "shared_with", "id", (json_int_t)ann),
      json_pack("{s:s,s:s,s:s,s:s,s:{s:I},s:[{s:I}]}", "number", "WL-0003", "name",
                "Build server", "category", "server", "serial", "SRV-88231", "location", "id",
                (json_int_t)place[1], "owners", "id", (json_int_t)bob)};
  int rv = 0;
  int64_t id = 0;
  for (int i = 0; i < 3; i++) {
    json_object_set_new(items[i], "organization", json_pack("{s:I}", "id", (json_int_t)labs));
    json_object_set_new(items[i], "department", json_pack("{s:I}", "id", (json_int_t)department));
    if (!rv)
      rv = rd_rec_create_tx(conn, who, &rd_item_type, items[i], &id, err);
    json_decref(items[i]);
  }
  json_t *in = json_pack("{s:s,s:{s:I},s:{s:I},s:s,s:i}", "type", "hours", "item", "id",
                         (json_int_t)id, "sla", "id", (json_int_t)sla, "start_date",
                         "2025-01-01", "hours", 40);
  if (!rv)
    rv = rd_rec_create_tx(conn, who, &rd_contract_type, in, &id, err);
  json_decref(in);
  return rv;
}

/* ORG-5 and CUST-8 in Widget Data Center: Widget Labs' locations and a department, a
 * service of the account with an SLA for Widget Labs, and contracts under it: bob's
 * subscription, ann's block of hours with a time-limited subscription queued behind it (a
 * customer has one active contract at a time) and Widget Labs' monthly hours; then its
 * items. */
static int load_contracts(rd_conn *conn, const rd_caller *who, int64_t provider, int64_t labs,
                          int64_t ann, int64_t bob, rd_err *err) {
  static const char *const PLACES[][3] = {{"Utrecht lab", "Science Park 12", "Utrecht"},
                                          {"Warehouse", "Dock 4", "Nieuwegein"}};
  int rv = 0;
  int64_t place[2] = {0};
  for (size_t i = 0; i < 2 && !rv; i++) {
    json_t *in = json_pack("{s:s,s:s,s:s,s:s}", "name", PLACES[i][0], "address_1", PLACES[i][1],
                           "city", PLACES[i][2], "country", "NL");
    rv = rd_org_part_create(conn, who, &rd_location_type, labs, in, &place[i], err);
    json_decref(in);
  }
  int64_t id = 0, service = 0, sla = 0, department = 0;
  json_t *in = NULL;
  if (!rv) {
    in = json_pack("{s:s,s:{s:I}}", "name", "Engineering", "primary_contact", "id",
                   (json_int_t)ann);
    rv = rd_org_part_create(conn, who, &rd_department_type, labs, in, &department, err);
    json_decref(in);
  }
  if (!rv) {
    in = json_pack("{s:s,s:{s:I}}", "name", "Managed Workplace", "provider", "id",
                   (json_int_t)provider);
    rv = rd_rec_create_tx(conn, who, &rd_service_type, in, &service, err);
    json_decref(in);
  }
  if (!rv) {
    in = json_pack("{s:{s:I},s:{s:I},s:s}", "service", "id", (json_int_t)service, "customer",
                   "id", (json_int_t)labs, "start_date", "2024-01-01");
    rv = rd_rec_create_tx(conn, who, &rd_sla_type, in, &sla, err);
    json_decref(in);
  }
  json_t *contracts[4] = {
      json_pack("{s:s,s:{s:I},s:s,s:s}", "type", "subscription", "customer", "id",
                (json_int_t)bob, "start_date", "2025-01-01", "end_date", "2027-12-31"),
      json_pack("{s:s,s:{s:I},s:s,s:i}", "type", "hours", "customer", "id", (json_int_t)ann,
                "start_date", "2025-06-01", "hours", 20),
      json_pack("{s:s,s:{s:I},s:s,s:i,s:i,s:b}", "type", "monthly_hours", "organization", "id",
                (json_int_t)labs, "start_date", "2025-01-01", "monthly_hours", 8,
                "rollover_day", 1, "carry_over", true),
      json_pack("{s:s,s:{s:I},s:s,s:s,s:i}", "type", "time_limited", "customer", "id",
                (json_int_t)ann, "start_date", "2026-01-01", "end_date", "2027-06-30", "hours",
                12)};
  for (int i = 0; i < 4; i++) {
    json_object_set_new(contracts[i], "sla", json_pack("{s:I}", "id", (json_int_t)sla));
    if (!rv)
      rv = rd_rec_create_tx(conn, who, &rd_contract_type, contracts[i], &id, err);
    json_decref(contracts[i]);
  }
  return rv ? rv : load_items(conn, who, labs, place, department, ann, bob, sla, err);
}

static int load_account(rd_conn *conn, const demo_account *a, rd_err *err) {
  int rv = rd_account_create(conn, a->id, a->name, err);
  if (rv)
    return rv;
  rd_caller who = rd_system_caller(a->id);
  int64_t first = 0, id = 0, orgs[3] = {0};
  for (int i = 0; i < 3 && a->orgs[i].name && !rv; i++) {
    rv = add_org(conn, &who, &a->orgs[i], first, &id, err);
    orgs[i] = id;
    if (!first)
      first = id;
  }
  char email[128];
  static const char *const admin[] = {"account_administrator", "supervisor",
                                      "service_level_manager", NULL};
  static const char *const sup[] = {"supervisor", NULL};
  static const char *const tech[] = {"technician", NULL};
  static const char *const cust[] = {"customer", NULL};
  struct {
    const char *user, *first, *last;
    const char *const *roles;
    const char *supervisor;
  } people[] = {
      {"admin", "Alex", "Admin", admin, NULL},   {"sam", "Sam", "Supervisor", sup, NULL},
      {"tina", "Tina", "Technician", tech, "sam"}, {"ann", "Ann", "Lee", cust, NULL},
      {"bob", "Bob", "Jansen", cust, NULL},
  };
  int64_t ids[sizeof people / sizeof *people] = {0};
  for (size_t i = 0; i < sizeof people / sizeof *people && !rv; i++) {
    snprintf(email, sizeof email, "%s@%s", people[i].user, a->domain);
    rv = rd_cli_make_person(conn, a->id, people[i].user, people[i].first, people[i].last, email,
                            people[i].roles, people[i].supervisor, DEMO_PASSWORD, &ids[i], err);
  }
  if (!rv && !strcmp(a->id, "wdc"))
    rv = load_partner(conn, &who, orgs[2], ids[2], ids[3], ids[4], err);
  if (!rv && !strcmp(a->id, "wdc"))
    rv = load_contracts(conn, &who, orgs[0], orgs[2], ids[3], ids[4], err);
  return rv;
}

/* account provider registers service `service` (provided by its first organization) with
 * an SLA whose customer is customer_account's first organization. */
static int add_sla(rd_conn *conn, const char *provider, const char *service,
                   const char *customer_account, rd_err *err) {
  rd_caller who = rd_system_caller(provider);
  int64_t provider_org = 0, customer_org = 0, service_id = 0, sla_id = 0;
  int rv = rd_org_first_id(conn, provider, &provider_org, err);
  if (!rv)
    rv = rd_org_first_id(conn, customer_account, &customer_org, err);
  if (rv)
    return rv;
  json_t *in = json_pack("{s:s,s:{s:I}}", "name", service, "provider", "id", (json_int_t)provider_org);
  rv = rd_rec_create_tx(conn, &who, &rd_service_type, in, &service_id, err);
  json_decref(in);
  if (rv)
    return rv;
  in = json_pack("{s:{s:I},s:{s:I},s:s}", "service", "id", (json_int_t)service_id, "customer",
                 "id", (json_int_t)customer_org, "start_date", "2020-01-01");
  rv = rd_rec_create_tx(conn, &who, &rd_sla_type, in, &sla_id, err);
  json_decref(in);
  return rv;
}

/* TRUST-2: the customer (wdc) trusts its providers; their trust in it would grant nothing. */
static int load_trusts(rd_conn *conn, rd_err *err) {
  static const char *const pairs[][2] = {{"wdc", "gigatera"}, {"wdc", "globalnet"}};
  int rv = 0;
  for (size_t i = 0; i < sizeof pairs / sizeof *pairs && !rv; i++) {
    rd_caller who = rd_system_caller(pairs[i][0]);
    rv = rd_trust_add(conn, &who, pairs[i][1], err);
  }
  if (!rv)
    rv = add_sla(conn, "gigatera", "Cloud Hosting", "wdc", err);
  if (!rv)
    rv = add_sla(conn, "globalnet", "Managed Network", "wdc", err);
  return rv;
}

static const char HELP[] =
    "usage: rolodesk demo\n"
    "Loads the demo accounts wdc, gigatera and globalnet, each with the people admin, sam,\n"
    "tina, ann and bob (password " DEMO_PASSWORD "), and the trusts between them; in wdc\n"
    "also the partner organization Fixit Partners with its technician pete, the team\n"
    "Service Desk and three requests; Widget Labs' locations, a department, contracts and\n"
    "items (one holding a contract).\n"
    RD_CLI_EXIT_HELP;

int rd_cli_demo(rd_cli *c, int argc, char **argv) {
  static const rd_opt opts[] = {{"help", 'h', false}, {NULL}};
  rd_cli_args args = {.max = 0};
  int rv = rd_cli_parse("demo", HELP, opts, argc, argv, &args);
  if (rv != RD_CLI_RUN)
    return rv;
  rv = rd_cli_open(c);
  if (rv)
    return rv;
  rd_err err;
  rd_err_clear(&err);
  for (size_t i = 0; i < sizeof ACCOUNTS / sizeof *ACCOUNTS; i++) {
    if (load_account(c->conn, &ACCOUNTS[i], &err)) {
      if (err.code == RD_ECONFLICT)
        fprintf(stderr, "rolodesk: the demo data is already loaded\n");
      return rd_cli_fail(&err);
    }
  }
  if (load_trusts(c->conn, &err))
    return rd_cli_fail(&err);
  puts("demo loaded: accounts wdc, gigatera, globalnet; each has users admin, sam, tina, ann, bob"
       " (wdc also pete, a partner technician) with password " DEMO_PASSWORD);
  return RD_EXIT_OK;
}
