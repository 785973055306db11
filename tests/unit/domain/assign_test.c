/* The PART-4 assignment property test: over random accounts (partners, units, internal and
 * partner technicians, customers associated with a partner directly, through their unit or
 * not at all, teams of one to three layers) and random sequences of new requests,
 * escalations, closings and technicians leaving, every assignee the domain chooses is the
 * one a simple model of the rule chooses:
 *   in the request's layer, the technicians of the partner organization associated with
 *   the customer when the layer has any, else the internal technicians (never another
 *   partner's); among them the fewest open requests, then the least recently assigned,
 *   then the lowest id; nobody (null) when the group is empty.
 * The model counts loads and the order of assignments itself, from what it asked for.
 * Seeds: PART4_SEEDS (at least 16), each in an account of its own. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "domain/request.h"
#include "domain/team.h"
#include "unit/domain/fixture.h"

#define PART4_SEEDS 24

static ut_db T;
static rd_err err;

static void setup(void) {
  ut_db_open(&T);
  cr_assert_eq(rd_auth_init(), 0);
}
static void teardown(void) {
  ut_db_close(&T);
}
TestSuite(assign, .init = setup, .fini = teardown, .timeout = 120);

/* A small deterministic generator (the same sequence on every machine). */
static uint64_t rng;
static int pick(int n) {
  rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
  return (int)((rng >> 33) % (uint64_t)n);
}

enum { MAXP = 24, MAXR = 80 };

typedef struct mperson {
  int64_t id;
  bool partner_role, deleted;
  int64_t partner_org; /* technicians of a partner; customers: direct association */
  int64_t unit;        /* customers */
  int layer;           /* technicians: 1-based layer of the team, 0: not a member */
  int open;            /* the model's load */
  int64_t last;        /* the model's order of assignments, 0: never */
} mperson;

typedef struct mrequest {
  int64_t id;
  int customer, assignee; /* indexes into the model's people; assignee -1: none */
  int layer;
  bool open;
} mrequest;

typedef struct model {
  char account[16];
  rd_caller who;
  mperson tech[MAXP], cust[MAXP];
  int ntech, ncust, nlayers;
  int64_t unit_partner[4], units[4]; /* units[i] has partner unit_partner[i] (0: none) */
  int nunits;
  int64_t team;
  mrequest req[MAXR];
  int nreq;
  int64_t clock;
} model;

static int64_t new_id(void) {
  int64_t id = 0;
  cr_assert_eq(rd_next_id(T.c, &id, &err), 0, "%s", err.message);
  return id;
}

static void sql(const char *q) {
  rd_err_clear(&err);
  cr_assert_eq(rd_sql_exec(T.c, NULL, &err, q, ""), 0, "%s: %s", q, err.message);
}

static int64_t add_org(model *m, const char *name, bool partner, int64_t partner_of) {
  int64_t id = new_id();
  char q[512], porg[24] = "NULL";
  if (partner_of)
    snprintf(porg, sizeof porg, "%lld", (long long)partner_of);
  snprintf(q, sizeof q,
           "INSERT INTO organizations (id, account_id, name, partner, partner_organization_id,"
           " created_at, updated_at) VALUES (%lld, '%s', '%s %lld', %s, %s,"
           " '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
           (long long)id, m->account, name, (long long)id, partner ? "TRUE" : "FALSE", porg);
  sql(q);
  return id;
}

static int64_t add_person(model *m, unsigned roles, int64_t partner_org, int64_t unit) {
  int64_t id = new_id();
  char q[640], porg[24] = "NULL", u[24] = "NULL";
  if (partner_org)
    snprintf(porg, sizeof porg, "%lld", (long long)partner_org);
  if (unit)
    snprintf(u, sizeof u, "%lld", (long long)unit);
  snprintf(q, sizeof q,
           "INSERT INTO people (id, account_id, username, first_name, last_name, roles,"
           " partner_organization_id, organization_id, created_at, updated_at) VALUES (%lld, '%s',"
           " 'u%lld', 'P', 'N%lld', %u, %s, %s, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
           (long long)id, m->account, (long long)id, (long long)id, roles, porg, u);
  sql(q);
  return id;
}

/* The partner organization associated with customer c in the model. */
static int64_t partner_of(const model *m, const mperson *c) {
  if (c->partner_org)
    return c->partner_org;
  for (int i = 0; i < m->nunits; i++)
    if (m->units[i] == c->unit)
      return m->unit_partner[i];
  return 0;
}

/* The model's choice for a request of customer c in layer; -1: nobody. */
static int oracle(const model *m, const mperson *c, int layer) {
  int64_t p = partner_of(m, c);
  for (int pass = 0; pass < 2; pass++) {
    int best = -1;
    for (int i = 0; i < m->ntech; i++) {
      const mperson *t = &m->tech[i];
      if (t->deleted || t->layer != layer)
        continue;
      if (pass == 0 ? !(t->partner_role && p && t->partner_org == p) : t->partner_role)
        continue;
      const mperson *b = best < 0 ? NULL : &m->tech[best];
      if (!b || t->open < b->open || (t->open == b->open && t->last < b->last) ||
          (t->open == b->open && t->last == b->last && t->id < b->id))
        best = i;
    }
    if (best >= 0)
      return best;
  }
  return -1;
}

static int tech_index(const model *m, int64_t id) {
  for (int i = 0; i < m->ntech; i++)
    if (m->tech[i].id == id)
      return i;
  return -1;
}

/* The model's bookkeeping of request r now assigned to index a (-1: nobody). */
static void assign(model *m, mrequest *r, int a) {
  if (r->assignee >= 0 && r->open)
    m->tech[r->assignee].open--;
  if (a >= 0 && a != r->assignee)
    m->tech[a].last = ++m->clock;
  if (a >= 0 && r->open)
    m->tech[a].open++;
  r->assignee = a;
}

/* The domain's assignee of request id, as a model index (-1: none). */
static int actual(model *m, int64_t id, int *layer) {
  json_t *rec = NULL;
  rd_err_clear(&err);
  cr_assert_eq(rd_request_get(T.c, &m->who, id, &rec, NULL, &err), 0, "%s", err.message);
  int64_t a = (int64_t)json_integer_value(json_object_get(json_object_get(rec, "assignee"), "id"));
  *layer = (int)json_integer_value(json_object_get(rec, "layer"));
  json_decref(rec);
  return a ? tech_index(m, a) : -1;
}

static void build(model *m, int seed) {
  snprintf(m->account, sizeof m->account, "s%d", seed);
  rd_err_clear(&err);
  cr_assert_eq(rd_account_create(T.c, m->account, m->account, &err), 0, "%s", err.message);
  m->who = rd_system_caller(m->account);
  m->who.roles = RD_ROLE_ACCOUNT_ADMINISTRATOR;
  int npartners = 1 + pick(3);
  int64_t partners[3];
  for (int i = 0; i < npartners; i++)
    partners[i] = add_org(m, "Partner", true, 0);
  m->nunits = pick(4);
  for (int i = 0; i < m->nunits; i++) {
    m->unit_partner[i] = pick(3) ? partners[pick(npartners)] : 0;
    m->units[i] = add_org(m, "Unit", false, m->unit_partner[i]);
  }
  m->nlayers = 1 + pick(3);
  m->ntech = 2 + pick(MAXP - 2);
  for (int i = 0; i < m->ntech; i++) {
    mperson *t = &m->tech[i];
    t->partner_role = pick(2);
    t->partner_org = t->partner_role ? partners[pick(npartners)] : 0;
    t->layer = pick(m->nlayers + 1); /* 0: not in the team */
    t->id = add_person(m, t->partner_role ? RD_ROLE_PARTNER
                                          : (pick(4) ? RD_ROLE_TECHNICIAN : RD_ROLE_SUPERVISOR),
                       t->partner_org, 0);
  }
  m->ncust = 2 + pick(MAXP - 2);
  for (int i = 0; i < m->ncust; i++) {
    mperson *c = &m->cust[i];
    c->partner_org = pick(3) == 0 ? partners[pick(npartners)] : 0;
    c->unit = m->nunits && pick(2) ? m->units[pick(m->nunits)] : 0;
    c->id = add_person(m, RD_ROLE_CUSTOMER, c->partner_org, c->unit);
  }
  /* the team: layers in order, the members of each in a random order */
  json_t *layers = json_array();
  for (int l = 1; l <= m->nlayers; l++) {
    json_t *members = json_array();
    for (int k = 0; k < m->ntech; k++) {
      int i = (k + seed) % m->ntech; /* not in id order */
      if (m->tech[i].layer == l)
        json_array_append_new(members, json_pack("{s:I}", "id", (json_int_t)m->tech[i].id));
    }
    json_array_append_new(layers, json_pack("{s:o}", "members", members));
  }
  json_t *in = json_pack("{s:s,s:o}", "name", "Desk", "layers", layers);
  rd_err_clear(&err);
  cr_assert_eq(rd_rec_create_tx(T.c, &m->who, &rd_team_type, in, &m->team, &err), 0, "%s: %s %s",
               err.message, err.items[0].field, err.items[0].message);
  json_decref(in);
}

static void check(model *m, mrequest *r, int seed, int step, const char *what) {
  int layer = 0;
  int got = actual(m, r->id, &layer);
  cr_assert_eq(layer, r->layer, "seed %d step %d (%s): layer %d, the model says %d", seed, step,
               what, layer, r->layer);
  cr_assert_eq(got, r->assignee,
               "seed %d step %d (%s), layer %d: assigned %lld, the model says %lld", seed, step,
               what, r->layer, got >= 0 ? (long long)m->tech[got].id : 0LL,
               r->assignee >= 0 ? (long long)m->tech[r->assignee].id : 0LL);
}

static void run_seed(int seed) {
  static model m;
  memset(&m, 0, sizeof m);
  rng = (uint64_t)seed * 0x9E3779B97F4A7C15ULL + 1;
  build(&m, seed);
  for (int step = 0; step < 60; step++) {
    int action = pick(10);
    if (action < 6 && m.nreq < MAXR) { /* a new request */
      mrequest *r = &m.req[m.nreq];
      r->customer = pick(m.ncust);
      r->assignee = -1;
      r->open = true;
      r->layer = 1;
      json_t *in = json_pack("{s:s,s:{s:I},s:{s:I}}", "subject", "Help", "customer", "id",
                             (json_int_t)m.cust[r->customer].id, "team", "id",
                             (json_int_t)m.team);
      rd_err_clear(&err);
      cr_assert_eq(rd_request_create(T.c, &m.who, in, &r->id, &err), 0, "seed %d: %s", seed,
                   err.message);
      json_decref(in);
      assign(&m, r, oracle(&m, &m.cust[r->customer], 1));
      m.nreq++;
      check(&m, r, seed, step, "new");
    } else if (action < 8 && m.nreq) { /* escalate */
      mrequest *r = &m.req[pick(m.nreq)];
      rd_err_clear(&err);
      int rv = rd_request_escalate(T.c, &m.who, r->id, &err);
      if (r->layer == m.nlayers) {
        cr_assert_eq(rv, RD_EINVAL, "seed %d: escalated past the last layer", seed);
        continue;
      }
      cr_assert_eq(rv, 0, "seed %d: %s", seed, err.message);
      r->layer++;
      assign(&m, r, oracle(&m, &m.cust[r->customer], r->layer));
      check(&m, r, seed, step, "escalated");
    } else if (action == 8 && m.nreq) { /* close or reopen */
      mrequest *r = &m.req[pick(m.nreq)];
      json_t *patch = json_pack("{s:s}", "status", r->open ? "closed" : "open");
      rd_err_clear(&err);
      cr_assert_eq(rd_request_update(T.c, &m.who, r->id, patch, -1, &err), 0, "%s", err.message);
      json_decref(patch);
      if (r->assignee >= 0)
        m.tech[r->assignee].open += r->open ? -1 : 1;
      r->open = !r->open;
      check(&m, r, seed, step, "status");
    } else if (action == 9) { /* a technician leaves (deleted people take no requests) */
      mperson *t = &m.tech[pick(m.ntech)];
      char q[160];
      snprintf(q, sizeof q, "UPDATE people SET deleted = TRUE WHERE id = %lld", (long long)t->id);
      sql(q);
      t->deleted = true;
    }
  }
}

Test(assign, PART4_assignment_matches_the_model_over_random_teams) {
  for (int seed = 1; seed <= PART4_SEEDS; seed++)
    run_seed(seed);
}
