/* Property test of tenant isolation (BEYOND-4, TRUST-3..5): for many seeds, build a random
 * installation through the API (accounts, directed trusts, organizations, services, SLAs
 * and FLSAs in every status, some trusts removed afterwards), compute each account's All
 * Organizations view with the deliberately simple model below (consent: the customer's
 * account trusts the provider's, TRUST-2/3), and check that the API
 * agrees: the listed ids (paged through the cursor), 200 for every record in the view and
 * 404 for every other, the foreign flag, and that an annotation is seen only by its
 * account.
 *
 * Issue 12, page cache: the suite's daemon S keeps pages (--page-cache-mb 64) and B, a
 * second daemon on the same database, has the cache off. Every page of the views is read
 * twice from S and once from B and must be the same bytes; the views are checked once
 * before the trust removals and once after the annotations, so pages cached before a
 * write are read after it. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "harness/harness.h"

enum { MAX_ACC = 5, MAX_ORG = 40, MAX_AGR = 40 };

typedef struct model {
  int nacc, norg, nagr;
  char acc[MAX_ACC][16];
  char *token[MAX_ACC];
  bool trusts[MAX_ACC][MAX_ACC]; /* trusts[x][y]: x trusts y */
  long long org_id[MAX_ORG];
  int org_acc[MAX_ORG];
  struct {
    int acc;      /* registering account */
    int provider; /* organization index */
    int customer; /* organization index */
    bool active;
  } agr[MAX_AGR];
} model;

static unsigned long long rng;
static unsigned rnd(unsigned n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (unsigned)(rng % n);
}

/* The model: a direct reading of TRUST-3. In both sources the customer's account must
 * trust the provider's (registering) account now; what X trusts otherwise never counts. */
static bool in_view(const model *m, int x, int o) {
  if (m->org_acc[o] == x)
    return true; /* 1. own organizations */
  for (int i = 0; i < m->nagr; i++) {
    if (!m->agr[i].active)
      continue;
    int reg = m->agr[i].acc, cust_acc = m->org_acc[m->agr[i].customer];
    bool consent = m->trusts[cust_acc][reg];
    /* 2. providers of active agreements registered in an account X trusts, for X */
    if (m->agr[i].provider == o && cust_acc == x && consent)
      return true;
    /* 3. customers, in an account that trusts X, of active agreements registered in X */
    if (m->agr[i].customer == o && reg == x && consent)
      return true;
  }
  return false;
}

static th_server S, B;
static void check_views(model *m, bool annotated);

static void set_trust(model *m, int x, int y, bool on) {
  char path[64];
  th_resp r;
  if (on) {
    r = th_json(&S, "POST", m->token[x], "/v1/account/trusts", "{s:s}", "account", m->acc[y]);
    cr_assert_eq(r.status, 201, "%s", r.body);
  } else {
    snprintf(path, sizeof path, "/v1/account/trusts/%s", m->acc[y]);
    r = th_req(&S, "DELETE", path, m->token[x], NULL, NULL, NULL);
    cr_assert_eq(r.status, 204, "%s", r.body);
  }
  th_resp_free(&r);
  m->trusts[x][y] = on;
}

static void build(model *m) {
  m->nacc = 2 + (int)rnd(MAX_ACC - 1);
  for (int a = 0; a < m->nacc; a++) {
    snprintf(m->acc[a], sizeof m->acc[a], "acc%d", a);
    th_account(&S, m->acc[a], m->acc[a]);
    m->token[a] = th_person_token(&S, m->acc[a], "admin", "account_administrator,service_level_manager");
    /* Everything TRUST-4 withholds, filled in by the owner: remarks with an attachment,
     * financial ID, a custom field value, a manager and a parent. */
    th_create(&S, m->token[a], "/v1/custom_fields", "{s:s,s:s,s:s,s:s}", "record_type",
              "organization", "key", "tier", "label", "Tier", "type", "text");
    th_resp r = th_req_len(&S, "POST", "/v1/attachments?filename=contract.txt", m->token[a],
                           "contract", 8, "text/plain", NULL);
    cr_assert_eq(r.status, 201, "%s", r.body);
    char key[128];
    snprintf(key, sizeof key, "%s", th_jstr(r.json, "key"));
    th_resp_free(&r);
    r = th_get(&S, m->token[a], "/v1/me");
    long long manager = json_integer_value(json_object_get(r.json, "id"));
    th_resp_free(&r);
    int n = 1 + (int)rnd(4);
    long long parent = 0;
    for (int i = 0; i < n && m->norg < MAX_ORG; i++) {
      char name[32];
      snprintf(name, sizeof name, "Org %d of %s", i, m->acc[a]);
      m->org_acc[m->norg] = a;
      m->org_id[m->norg] =
          parent ? th_create(&S, m->token[a], "/v1/organizations",
                             "{s:s,s:s,s:s,s:[{s:s}],s:{s:s},s:{s:I},s:{s:I}}", "name", name,
                             "financial_id", "OWNER-SECRET", "remarks", "OWNER-REMARKS",
                             "remarks_attachments", "key", key, "custom_fields", "tier",
                             "OWNER-TIER", "manager", "id", manager, "parent", "id", parent)
                 : th_create(&S, m->token[a], "/v1/organizations",
                             "{s:s,s:s,s:s,s:[{s:s}],s:{s:s},s:{s:I}}", "name", name,
                             "financial_id", "OWNER-SECRET", "remarks", "OWNER-REMARKS",
                             "remarks_attachments", "key", key, "custom_fields", "tier",
                             "OWNER-TIER", "manager", "id", manager);
      if (!parent)
        parent = m->org_id[m->norg];
      m->norg++;
    }
  }
  for (int x = 0; x < m->nacc; x++)
    for (int y = 0; y < m->nacc; y++)
      if (x != y && rnd(100) < 55)
        set_trust(m, x, y, true);
  static const char *const starts[] = {"2020-01-01", "2999-01-01"};
  int nagr = 4 + (int)rnd(MAX_AGR - 4);
  for (int i = 0; i < nagr; i++) {
    int reg = (int)rnd((unsigned)m->nacc);
    int provider = (int)rnd((unsigned)m->norg), customer = (int)rnd((unsigned)m->norg);
    while (m->org_acc[provider] != reg)
      provider = (provider + 1) % m->norg; /* providers are own organizations */
    int cust_acc = m->org_acc[customer];
    /* TRUST-2: the customer's account consents by trusting the registering account */
    bool allowed = cust_acc == reg || m->trusts[cust_acc][reg];
    int kind = (int)rnd(5); /* 0, 1 active, 2 pending, 3 expired, 4 cancelled */
    const char *start = starts[kind == 2];
    const char *expiry = kind == 3 ? "2021-01-01" : NULL;
    bool cancelled = kind == 4;
    th_resp r;
    if (rnd(2)) {
      long long svc = th_create(&S, m->token[reg], "/v1/services", "{s:s,s:{s:I}}", "name", "svc",
                                "provider", "id", m->org_id[provider]);
      r = th_json(&S, "POST", m->token[reg], "/v1/slas", "{s:{s:I},s:{s:I},s:s,s:s?,s:b}",
                  "service", "id", svc, "customer", "id", m->org_id[customer], "start_date", start,
                  "expiry_date", expiry, "cancelled", cancelled);
    } else {
      r = th_json(&S, "POST", m->token[reg], "/v1/flsas", "{s:{s:I},s:{s:I},s:s,s:s?,s:b}",
                  "provider", "id", m->org_id[provider], "customer", "id", m->org_id[customer],
                  "start_date", start, "expiry_date", expiry, "cancelled", cancelled);
    }
    /* TRUST-2: a customer whose account does not trust the registering one is refused,
     * whatever the registering account trusts */
    cr_assert_eq(r.status, allowed ? 201 : 422, "%s", r.body);
    th_resp_free(&r);
    if (allowed && m->nagr < MAX_AGR) {
      m->agr[m->nagr].acc = reg;
      m->agr[m->nagr].provider = provider;
      m->agr[m->nagr].customer = customer;
      m->agr[m->nagr].active = kind <= 1;
      m->nagr++;
    }
  }
  check_views(m, false); /* issue 12: fills S's page cache before the removals */
  /* remove some trusts after the agreements exist: a withdrawn consent must hide its
   * agreements' records at once, whatever the other side still trusts (TRUST-3) */
  for (int x = 0; x < m->nacc; x++)
    for (int y = 0; y < m->nacc; y++)
      if (m->trusts[x][y] && rnd(100) < 40)
        set_trust(m, x, y, false);
}

/* TRUST-4: a foreign record shows the owner's picture, name and contact details and, in
 * the viewer's own layer, nothing until the viewer writes an annotation (TRUST-5): no key
 * beyond these, and none of the owner's remarks, attachments, financial ID, custom field
 * values, manager or parent. */
static void check_foreign(json_t *o, const char *body) {
  static const char *const allowed[] = {"id", "account", "name", "picture_uri", "contact",
                                        "remarks", "remarks_attachments", "financial_id",
                                        "custom_fields", "foreign"};
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    size_t i = 0;
    while (i < sizeof allowed / sizeof *allowed && strcmp(allowed[i], k))
      i++;
    cr_assert(i < sizeof allowed / sizeof *allowed, "TRUST-4 leak of %s: %s", k, body);
  }
  cr_assert_null(json_object_get(o, "manager"), "TRUST-4 leak: %s", body);
  cr_assert_null(json_object_get(o, "parent"), "TRUST-4 leak: %s", body);
  cr_assert(json_is_null(json_object_get(o, "financial_id")), "TRUST-4 leak: %s", body);
  cr_assert(json_is_null(json_object_get(o, "remarks")), "TRUST-4 leak: %s", body);
  json_t *att = json_object_get(o, "remarks_attachments");
  cr_assert(json_is_array(att) && json_array_size(att) == 0, "TRUST-4 leak: %s", body);
  json_t *cf = json_object_get(o, "custom_fields");
  cr_assert(json_is_object(cf) && json_object_size(cf) == 0, "TRUST-4 leak: %s", body);
  char *text = json_dumps(o, JSON_COMPACT);
  cr_assert_not(strstr(text, "OWNER-"), "TRUST-4 leak: %s", text);
  free(text);
}

/* GET path from S twice (the second answer may come from its page cache) and from B
 * (no cache): the same status, body and Link. Returns S's first answer. */
static th_resp get3(const char *token, const char *path) {
  th_resp r = th_get(&S, token, path);
  th_resp again = th_get(&S, token, path);
  th_resp plain = th_get(&B, token, path);
  cr_assert_eq(again.status, r.status, "%s", path);
  cr_assert_eq(plain.status, r.status, "%s", path);
  cr_assert_str_eq(again.body, r.body, "%s read twice", path);
  cr_assert_str_eq(plain.body, r.body, "%s with and without the page cache", path);
  const char *l = th_header(&again, "Link");
  char link[512];
  snprintf(link, sizeof link, "%s", l ? l : "");
  l = th_header(&plain, "Link");
  cr_assert_str_eq(link, l ? l : "", "%s: Link", path);
  th_resp_free(&again);
  th_resp_free(&plain);
  return r;
}

/* annotated: the viewers have written annotations (TRUST-5), which foreign records then
 * show to them, so the TRUST-4 shape is not checked. */
static void check_views(model *m, bool annotated) {
  for (int x = 0; x < m->nacc; x++) {
    bool listed[MAX_ORG] = {0};
    char path[256] = "/v1/organizations/all?per_page=3";
    for (int page = 0; page < 100; page++) {
      th_resp r = get3(m->token[x], path);
      cr_assert_eq(r.status, 200, "%s", r.body);
      size_t i;
      json_t *o;
      json_array_foreach(r.json, i, o) {
        long long id = json_integer_value(json_object_get(o, "id"));
        int k = 0;
        while (k < m->norg && m->org_id[k] != id)
          k++;
        cr_assert(k < m->norg, "unknown id %lld listed", id);
        cr_assert_not(listed[k], "id %lld listed twice", id);
        listed[k] = true;
        bool foreign = m->org_acc[k] != x;
        cr_assert_eq(json_is_true(json_object_get(o, "foreign")), foreign);
        if (foreign && !annotated)
          check_foreign(o, r.body);
      }
      const char *link = th_header(&r, "Link");
      bool more = link != NULL;
      if (more) {
        const char *lt = strchr(link, '<'), *gt = strchr(link, '>');
        cr_assert(lt && gt && gt > lt);
        snprintf(path, sizeof path, "%.*s", (int)(gt - lt - 1), lt + 1);
      }
      th_resp_free(&r);
      if (!more)
        break;
    }
    for (int o = 0; o < m->norg; o++) {
      bool want = in_view(m, x, o);
      cr_assert_eq(listed[o], want, "seed view of %s: org %lld (of %s) listed=%d model=%d",
                   m->acc[x], m->org_id[o], m->acc[m->org_acc[o]], listed[o], want);
      char p[64];
      snprintf(p, sizeof p, "/v1/organizations/%lld", m->org_id[o]);
      th_resp r = th_get(&S, m->token[x], p);
      cr_assert_eq(r.status, want ? 200 : 404, "GET %s as %s: %s", p, m->acc[x], r.body);
      if (want && m->org_acc[o] != x && !annotated)
        check_foreign(r.json, r.body);
      th_resp_free(&r);
    }
  }
}

static void check(model *m) {
  check_views(m, false);
  /* TRUST-5: an annotation is seen only by the account that wrote it. */
  for (int x = 0; x < m->nacc; x++) {
    for (int o = 0; o < m->norg; o++) {
      if (m->org_acc[o] == x || !in_view(m, x, o))
        continue;
      char p[64], fin[32];
      snprintf(p, sizeof p, "/v1/organizations/%lld", m->org_id[o]);
      snprintf(fin, sizeof fin, "NOTE-%s-%d", m->acc[x], o);
      th_resp r = th_json(&S, "PATCH", m->token[x], p, "{s:s}", "financial_id", fin);
      cr_assert_eq(r.status, 200, "%s", r.body);
      th_resp_free(&r);
      for (int y = 0; y < m->nacc; y++) {
        r = th_get(&S, m->token[y], p);
        if (r.status == 200) {
          const char *got = json_string_value(json_object_get(r.json, "financial_id"));
          if (y == x)
            cr_assert(got && !strcmp(got, fin));
          else
            cr_assert(!got || strcmp(got, fin), "%s sees %s's annotation", m->acc[y], m->acc[x]);
        }
        th_resp_free(&r);
      }
      break; /* one annotation per account keeps the run short */
    }
  }
  check_views(m, true); /* issue 12: the annotations changed cached pages */
}

ParameterizedTestParameters(prop, BEYOND4_TRUST3_random_installations) {
  static int seeds[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  return cr_make_param_array(int, seeds, sizeof seeds / sizeof *seeds);
}

ParameterizedTest(int *seed, prop, BEYOND4_TRUST3_random_installations, .timeout = 180) {
  rng = 0x9E3779B97F4A7C15ull * (unsigned long long)*seed + 1;
  static model m;
  memset(&m, 0, sizeof m);
  th_init_db(&S);
  S.daemon_args[0] = "--page-cache-mb";
  S.daemon_args[1] = "64";
  th_start_daemon(&S);
  B = S;
  B.daemon_args[1] = "0";
  th_start_daemon(&B);
  B.pg_name[0] = 0; /* S owns the database and the directory */
  B.dir[0] = 0;
  build(&m);
  check(&m);
  for (int a = 0; a < m.nacc; a++)
    free(m.token[a]);
  th_stop(&B);
  th_stop(&S);
}
