/* End-to-end tests of banners (PART-5, issue 13 part): a partner organization's banner set,
 * replaced, read and removed by its writers, audited as a change of the organization; every
 * bad file refused with nothing changed (not a PNG, truncated, a bad CRC, 501x70, over
 * 256 KB, a decompression bomb, the wrong media type); the roles; other accounts' and
 * missing ids; non-partner organizations; the use_custom_banner switch; the account's system
 * banner; and the portal's choice between them. PNGs are made by tests/harness/png.c. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/harness.h"
#include "harness/png.h"

static th_server S;

static const char *admin(void) {
  return th_token(&S, "wdc", "admin", "account_administrator");
}
static const char *sup(void) {
  return th_token(&S, "wdc", "sup", "supervisor");
}
static const char *slm(void) {
  return th_token(&S, "wdc", "slm", "service_level_manager");
}
static const char *tech(void) {
  return th_token(&S, "wdc", "tech", "technician");
}
static const char *cust(void) {
  return th_token(&S, "wdc", "cust", "customer");
}
static const char *partner_tech(void) {
  return th_token(&S, "wdc", "fixer", "partner");
}
static const char *gt_admin(void) {
  return th_token(&S, "gigatera", "gtadmin", "account_administrator");
}

static void setup(void) {
  th_start(&S);
  th_account(&S, "wdc", "Widget Data Center");
  th_account(&S, "gigatera", "GigaTera");
  /* ACC-5: customers' partner_organization is set only where the account allows it */
  th_resp r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:b}}", "settings",
                      "customer_partner_editable", true);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
}
static void teardown(void) {
  th_stop(&S);
}
TestSuite(banner, .init = setup, .fini = teardown, .timeout = 120);

static char *path(const char *fmt, long long a) {
  static char p[128];
  snprintf(p, sizeof p, fmt, a);
  return p;
}

static long long org(const char *name, bool partner) {
  return th_create(&S, sup(), "/v1/organizations", "{s:s,s:b}", "name", name, "partner", partner);
}

/* A valid banner; seed changes its pixels (and so its bytes). */
static unsigned char *banner(int seed, size_t *len) {
  unsigned char *png = tp_png(500, 70, 8, 1 + seed % 9, (size_t)seed * 3, len);
  cr_assert_not_null(png);
  return png;
}

static th_resp put_png(const char *p, const char *token, const unsigned char *png, size_t len,
                       const char *type) {
  return th_req_len(&S, "PUT", p, token, (const char *)png, len, type, NULL);
}

/* PUTs png at p as token and asserts 204; returns its ETag (static). */
static const char *put_ok(const char *p, const char *token, const unsigned char *png,
                          size_t len) {
  static char etag[64];
  th_resp r = put_png(p, token, png, len, "image/png");
  cr_assert_eq(r.status, 204, "PUT %s: %ld %s", p, r.status, r.body);
  const char *e = th_header(&r, "ETag");
  cr_assert_not_null(e, "no ETag");
  snprintf(etag, sizeof etag, "%s", e);
  th_resp_free(&r);
  return etag;
}

/* GETs p as token and asserts it answers exactly png. */
static void get_is(const char *p, const char *token, const unsigned char *png, size_t len) {
  th_resp r = th_get(&S, token, p);
  cr_assert_eq(r.status, 200, "GET %s: %ld %s", p, r.status, r.body);
  cr_assert_str_eq(th_header(&r, "Content-Type"), "image/png");
  cr_assert_eq(r.len, len, "GET %s: %zu bytes, not %zu", p, r.len, len);
  cr_assert(!memcmp(r.body, png, len), "GET %s: other bytes", p);
  th_resp_free(&r);
}

/* The id of the caller (GET /v1/me). */
static long long me(const char *token) {
  th_resp r = th_get(&S, token, "/v1/me");
  cr_assert_eq(r.status, 200, "%s", r.body);
  long long id = json_integer_value(json_object_get(r.json, "id"));
  th_resp_free(&r);
  return id;
}

Test(banner, PART5_a_partner_banner_is_set_replaced_read_and_removed_and_audited) {
  long long partner = org("Fixit BV", true);
  const char *bp = "/v1/organizations/%lld/banner";
  th_resp r = th_get(&S, tech(), path(bp, partner));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_get(&S, sup(), path("/v1/organizations/%lld", partner));
  cr_assert(json_is_true(json_object_get(r.json, "use_custom_banner")), "%s", r.body);
  char org_etag[32];
  snprintf(org_etag, sizeof org_etag, "%s", th_header(&r, "ETag"));
  th_resp_free(&r);

  size_t len1 = 0, len2 = 0;
  unsigned char *one = banner(1, &len1), *two = banner(2, &len2);
  char etag1[64];
  snprintf(etag1, sizeof etag1, "%s", put_ok(path(bp, partner), sup(), one, len1));
  get_is(path(bp, partner), tech(), one, len1);
  /* revalidation */
  char inm[96];
  snprintf(inm, sizeof inm, "If-None-Match: %s", etag1);
  r = th_req(&S, "GET", path(bp, partner), tech(), NULL, NULL, inm);
  cr_assert_eq(r.status, 304, "%ld %s", r.status, r.body);
  th_resp_free(&r);
  /* the organization's version moved */
  r = th_get(&S, sup(), path("/v1/organizations/%lld", partner));
  cr_assert_str_neq(th_header(&r, "ETag"), org_etag);
  th_resp_free(&r);

  /* replaced by an administrator */
  const char *etag2 = put_ok(path(bp, partner), admin(), two, len2);
  cr_assert_str_neq(etag2, etag1);
  get_is(path(bp, partner), slm(), two, len2);
  r = th_req(&S, "GET", path(bp, partner), tech(), NULL, NULL, inm);
  cr_assert_eq(r.status, 200, "the old ETag still matched");
  th_resp_free(&r);

  r = th_req(&S, "DELETE", path(bp, partner), sup(), NULL, NULL, NULL);
  cr_assert_eq(r.status, 204, "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, tech(), path(bp, partner));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", path(bp, partner), sup(), NULL, NULL, NULL);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);

  /* ACC-6: audited as changes of the organization */
  r = th_get(&S, admin(), path("/v1/audit?record_type=organization&record_id=%lld", partner));
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 4, "%s", r.body); /* create, set, set, remove */
  cr_assert_str_eq(th_jstr(r.json, "[1].action"), "set_banner");
  cr_assert(json_is_null(th_jpath(r.json, "[1].changes.banner.old")), "%s", r.body);
  cr_assert_eq(json_integer_value(th_jpath(r.json, "[1].changes.banner.new.size")),
               (long long)len1);
  cr_assert_str_eq(th_jstr(r.json, "[2].action"), "set_banner");
  cr_assert_str_eq(th_jstr(r.json, "[2].changes.banner.old.etag"), etag1);
  cr_assert_str_eq(th_jstr(r.json, "[3].action"), "remove_banner");
  cr_assert(json_is_null(th_jpath(r.json, "[3].changes.banner.new")), "%s", r.body);
  th_resp_free(&r);
  free(one);
  free(two);
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Asserts a refusal with status and, for 422, an item on body whose message holds want. */
static void refused(th_resp *r, long status, const char *want) {
  th_assert_error(r, status, status == 422 ? "body" : NULL);
  if (want)
    cr_assert(strstr(r->body, want), "%ld, wanted \"%s\": %s", r->status, want, r->body);
}

Test(banner, PART5_bad_files_are_refused_naming_why_and_change_nothing) {
  long long partner = org("Fixit BV", true);
  const char *p = path("/v1/organizations/%lld/banner", partner);
  size_t len = 0;
  unsigned char *good = banner(3, &len);
  char etag[64];
  snprintf(etag, sizeof etag, "%s", put_ok(p, sup(), good, len));

  const char *text = "this is not a PNG file";
  th_resp r = put_png(p, sup(), (const unsigned char *)text, strlen(text), "image/png");
  refused(&r, 422, "not a PNG");
  th_resp_free(&r);
  r = put_png(p, sup(), good, len / 2, "image/png");
  refused(&r, 422, "truncated");
  th_resp_free(&r);
  r = put_png(p, sup(), good, len - 12, "image/png"); /* without IEND */
  refused(&r, 422, "truncated");
  th_resp_free(&r);
  unsigned char *bad = malloc(len);
  memcpy(bad, good, len);
  bad[len - 14] ^= 0x10; /* the IDAT's CRC */
  r = put_png(p, sup(), bad, len, "image/png");
  refused(&r, 422, "CRC");
  th_resp_free(&r);
  free(bad);
  size_t n = 0;
  unsigned char *wide = tp_png(501, 70, 8, 9, 0, &n);
  r = put_png(p, sup(), wide, n, "image/png");
  refused(&r, 422, "501x70");
  th_resp_free(&r);
  free(wide);
  /* a valid 500x70 image over 256 KB (16-bit, stored): 413 */
  unsigned char *big = tp_png(500, 70, 16, 0, 0, &n);
  cr_assert_gt(n, 256 * 1024);
  r = put_png(p, sup(), big, n, "image/png");
  refused(&r, 413, "256 KB");
  th_resp_free(&r);
  free(big);
  r = put_png(p, sup(), (const unsigned char *)"", 0, "image/png");
  refused(&r, 422, "empty");
  th_resp_free(&r);
  /* a bomb: IHDR claims 100000x100000 pixels over 100 MB of zeros in about 100 KB */
  unsigned char *bomb = tp_png_bomb(100000, 100000, 100u << 20, &n);
  double t0 = now_s();
  r = put_png(p, sup(), bomb, n, "image/png");
  double took = now_s() - t0;
  refused(&r, 422, "100000x100000");
  cr_assert_lt(took, 5.0, "the bomb took %.2f s", took);
  th_resp_free(&r);
  free(bomb);
  /* the wrong media type, a query parameter */
  r = put_png(p, sup(), good, len, "image/gif");
  refused(&r, 415, "image/png");
  th_resp_free(&r);
  r = put_png(p, sup(), good, len, "application/json");
  refused(&r, 415, NULL);
  th_resp_free(&r);
  char q[160];
  snprintf(q, sizeof q, "%s?size=big", p);
  r = put_png(q, sup(), good, len, "image/png");
  th_assert_error(&r, 400, "size");
  th_resp_free(&r);

  /* nothing changed: the first banner, its ETag, one set_banner in the audit */
  get_is(p, tech(), good, len);
  r = th_get(&S, tech(), p);
  cr_assert_str_eq(th_header(&r, "ETag"), etag);
  th_resp_free(&r);
  r = th_get(&S, admin(), path("/v1/audit?record_type=organization&record_id=%lld", partner));
  cr_assert_eq(json_array_size(r.json), 2, "%s", r.body);
  th_resp_free(&r);
  free(good);
}

Test(banner, PART5_only_supervisors_and_administrators_write_banners_staff_read_them) {
  long long partner = org("Fixit BV", true);
  char p[96];
  snprintf(p, sizeof p, "/v1/organizations/%lld/banner", partner);
  size_t len = 0;
  unsigned char *png = banner(4, &len);
  const char *writers_not[] = {slm(), tech(), cust(), partner_tech()};
  for (size_t i = 0; i < sizeof writers_not / sizeof *writers_not; i++) {
    th_resp r = put_png(p, writers_not[i], png, len, "image/png");
    th_assert_error(&r, 403, NULL);
    th_resp_free(&r);
    r = put_png("/v1/account/banner", writers_not[i], png, len, "image/png");
    th_assert_error(&r, 403, NULL);
    th_resp_free(&r);
  }
  th_resp r = put_png("/v1/account/banner", sup(), png, len, "image/png"); /* admins only */
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  put_ok(p, sup(), png, len);
  put_ok("/v1/account/banner", admin(), png, len);
  const char *removers_not[] = {slm(), tech(), cust()};
  for (size_t i = 0; i < 3; i++) {
    r = th_req(&S, "DELETE", p, removers_not[i], NULL, NULL, NULL);
    th_assert_error(&r, 403, NULL);
    th_resp_free(&r);
    r = th_req(&S, "DELETE", "/v1/account/banner", removers_not[i], NULL, NULL, NULL);
    th_assert_error(&r, 403, NULL);
    th_resp_free(&r);
  }
  /* staff read them; customers and partners only through the portal */
  get_is(p, tech(), png, len);
  get_is("/v1/account/banner", tech(), png, len);
  r = th_get(&S, cust(), p);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_get(&S, partner_tech(), "/v1/account/banner");
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_req(&S, "GET", p, NULL, NULL, NULL, NULL);
  th_assert_error(&r, 401, NULL);
  th_resp_free(&r);
  get_is(p, sup(), png, len); /* unchanged by the refusals */
  free(png);
}

Test(banner, PART5_another_accounts_or_a_missing_organization_is_404_a_non_partner_422) {
  long long partner = org("Fixit BV", true);
  long long plain = org("Plain", false);
  long long foreign = th_create(&S, gt_admin(), "/v1/organizations", "{s:s,s:b}", "name",
                                "GT Partner", "partner", true);
  size_t len = 0;
  unsigned char *png = banner(5, &len);
  put_ok(path("/v1/organizations/%lld/banner", partner), sup(), png, len);
  /* another account's partner, from both sides; a missing id; not an id */
  th_resp r = put_png(path("/v1/organizations/%lld/banner", partner), gt_admin(), png, len,
                      "image/png");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_get(&S, gt_admin(), path("/v1/organizations/%lld/banner", partner));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", path("/v1/organizations/%lld/banner", partner), gt_admin(), NULL,
             NULL, NULL);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = put_png(path("/v1/organizations/%lld/banner", foreign), admin(), png, len, "image/png");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = put_png("/v1/organizations/999999999/banner", admin(), png, len, "image/png");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = put_png("/v1/organizations/abc/banner", admin(), png, len, "image/png");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  /* not a partner organization: 422 naming why, and no banner */
  r = put_png(path("/v1/organizations/%lld/banner", plain), sup(), png, len, "image/png");
  th_assert_error(&r, 422, "partner");
  cr_assert(strstr(r.body, "partner organization"), "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, tech(), path("/v1/organizations/%lld/banner", plain));
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  /* the other account's banner is its own */
  put_ok(path("/v1/organizations/%lld/banner", foreign), gt_admin(), png, len);
  get_is(path("/v1/organizations/%lld/banner", partner), tech(), png, len);
  free(png);
}

Test(banner, PART5_use_custom_banner_is_a_partner_field_of_the_partner_writers) {
  long long partner = org("Fixit BV", true);
  long long plain = org("Plain", false);
  const char *op = "/v1/organizations/%lld";
  th_resp r = th_json(&S, "PATCH", slm(), path(op, partner), "{s:b}", "use_custom_banner", false);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", sup(), path(op, partner), "{s:b}", "use_custom_banner", false);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(json_is_false(json_object_get(r.json, "use_custom_banner")), "%s", r.body);
  th_resp_free(&r);
  /* other fields stay the service level manager's to change */
  r = th_json(&S, "PATCH", slm(), path(op, partner), "{s:s}", "remarks", "a partner");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(json_is_false(json_object_get(r.json, "use_custom_banner")), "%s", r.body);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), path(op, partner), "{s:b}", "use_custom_banner", true);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  /* only partner organizations; a bad value */
  r = th_json(&S, "PATCH", sup(), path(op, plain), "{s:b}", "use_custom_banner", false);
  th_assert_error(&r, 422, "use_custom_banner");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", sup(), path(op, partner), "{s:s}", "use_custom_banner", "no");
  th_assert_error(&r, 422, "use_custom_banner");
  th_resp_free(&r);
  r = th_json(&S, "PATCH", sup(), path(op, partner), "{s:n}", "use_custom_banner");
  th_assert_error(&r, 422, "use_custom_banner");
  th_resp_free(&r);
  r = th_json(&S, "POST", sup(), "/v1/organizations", "{s:s,s:b}", "name", "Nope",
              "use_custom_banner", false);
  th_assert_error(&r, 422, "use_custom_banner");
  th_resp_free(&r);
  long long off = th_create(&S, sup(), "/v1/organizations", "{s:s,s:b,s:b}", "name", "Quiet BV",
                            "partner", true, "use_custom_banner", false);
  r = th_get(&S, tech(), path(op, off));
  cr_assert(json_is_false(json_object_get(r.json, "use_custom_banner")), "%s", r.body);
  th_resp_free(&r);
  /* ACC-7: customers never see it */
  r = th_get(&S, cust(), path(op, partner));
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_null(json_object_get(r.json, "use_custom_banner"), "%s", r.body);
  th_resp_free(&r);
}

Test(banner, PART5_the_system_banner_is_the_administrators_and_audited) {
  size_t len = 0;
  unsigned char *png = banner(6, &len);
  th_resp r = th_get(&S, tech(), "/v1/account/banner");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", "/v1/account/banner", admin(), NULL, NULL, NULL);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = put_png("/v1/account/banner", admin(), png, 40, "image/png");
  refused(&r, 422, "truncated");
  th_resp_free(&r);
  put_ok("/v1/account/banner", admin(), png, len);
  get_is("/v1/account/banner", slm(), png, len);
  r = th_get(&S, gt_admin(), "/v1/account/banner"); /* each account its own */
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_req(&S, "DELETE", "/v1/account/banner", admin(), NULL, NULL, NULL);
  cr_assert_eq(r.status, 204, "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/audit?record_type=account");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(strstr(r.body, "\"set_banner\""), "%s", r.body);
  cr_assert(strstr(r.body, "\"remove_banner\""), "%s", r.body);
  th_resp_free(&r);
  free(png);
}

/* The portal's banner for token: its bytes must be want (NULL: 404 with a JSON error). */
static void portal_is(const char *token, const unsigned char *want, size_t len) {
  if (want) {
    get_is("/v1/portal/banner", token, want, len);
    return;
  }
  th_resp r = th_get(&S, token, "/v1/portal/banner");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
}

Test(banner, PART5_the_portal_shows_the_partner_banner_while_on_else_the_system_banner) {
  long long partner = org("Fixit BV", true);
  long long bare = org("No Banner BV", true); /* a partner without a banner */
  long long unit = th_create(&S, sup(), "/v1/organizations", "{s:s,s:{s:I}}", "name",
                             "Acme Sales", "partner_organization", "id", (json_int_t)partner);
  const char *direct = cust();
  const char *via = th_token(&S, "wdc", "via", "customer");
  const char *none = th_token(&S, "wdc", "none", "customer");
  const char *other = th_token(&S, "wdc", "other", "customer");
  th_resp r = th_json(&S, "PATCH", admin(), path("/v1/people/%lld", me(direct)), "{s:{s:I}}",
                      "partner_organization", "id", (json_int_t)partner);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), path("/v1/people/%lld", me(via)), "{s:{s:I}}",
              "organization", "id", (json_int_t)unit);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), path("/v1/people/%lld", me(other)), "{s:{s:I}}",
              "partner_organization", "id", (json_int_t)bare);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);

  /* nothing yet: 404 for everyone */
  portal_is(direct, NULL, 0);
  portal_is(tech(), NULL, 0);

  size_t slen = 0, plen = 0;
  unsigned char *system = banner(7, &slen), *custom = banner(8, &plen);
  put_ok("/v1/account/banner", admin(), system, slen);
  portal_is(direct, system, slen); /* the partner has no banner yet */
  put_ok(path("/v1/organizations/%lld/banner", partner), sup(), custom, plen);
  portal_is(direct, custom, plen);  /* customer of the partner */
  portal_is(via, custom, plen);     /* through its unit */
  portal_is(none, system, slen);    /* no partner */
  portal_is(other, system, slen);   /* a partner without a banner */
  portal_is(tech(), system, slen);  /* staff */
  portal_is(partner_tech(), system, slen);
  portal_is(admin(), system, slen);

  /* switched off, then on again */
  r = th_json(&S, "PATCH", sup(), path("/v1/organizations/%lld", partner), "{s:b}",
              "use_custom_banner", false);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  portal_is(direct, system, slen);
  portal_is(via, system, slen);
  r = th_json(&S, "PATCH", sup(), path("/v1/organizations/%lld", partner), "{s:b}",
              "use_custom_banner", true);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  portal_is(via, custom, plen);

  /* without a system banner: the partner's still, 404 for the rest */
  r = th_req(&S, "DELETE", "/v1/account/banner", admin(), NULL, NULL, NULL);
  cr_assert_eq(r.status, 204, "%s", r.body);
  th_resp_free(&r);
  portal_is(direct, custom, plen);
  portal_is(none, NULL, 0);
  portal_is(tech(), NULL, 0);
  /* another account's customers see nothing of this one */
  portal_is(th_token(&S, "gigatera", "gtcust", "customer"), NULL, 0);
  free(system);
  free(custom);
}
