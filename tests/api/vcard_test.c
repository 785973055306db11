/* End-to-end tests of GET /v1/people/{id}/vcard (CUST-5): a person with every field set,
 * full of commas, semicolons, backslashes, newlines and long UTF-8 text, is downloaded as
 * vCard 4.0 and 3.0 and parsed by two real vCard parsers from npm (tests/js/parse.js):
 * ical.js (both versions) and vcard4 (4.0 only); every field must come back as stored from
 * each. Node.js is installed by scripts/deps.sh and the packages by scripts/js-tests.sh
 * (`make test` runs it first), so their absence fails the tests instead of skipping them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/str.h"
#include "harness/filter.h"
#include "harness/harness.h"

static th_server S;
static const char *JS_DIR = RD_SOURCE_DIR "/tests/js";

/* node, ical.js and vcard4. scripts/js-tests.sh installs them before the C suites; a run of
 * api_tests on its own installs them once (npm ci, tests/js/.npmrc: no install scripts)
 * however many test processes ask at once. */
static void ensure_parser(void) {
  cr_assert(th_have("node"), "node is not installed (scripts/deps.sh installs nodejs and npm)");
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "flock /tmp/rolodesk-js-npm.lock sh -c 'cd %s && { [ -f node_modules/ical.js/package.json ]"
           " && [ -f node_modules/vcard4/package.json ] || npm ci --prefer-offline >&2; }'",
           JS_DIR);
  int st = 0;
  free(th_filter(cmd, "", 0, &st));
  cr_assert_eq(st, 0, "npm ci in tests/js failed (exit %d)", st);
}

static void setup(void) {
  ensure_parser();
  th_start(&S);
  th_account(&S, "wdc", "Widget Data Center");
  th_account(&S, "gigatera", "GigaTera");
}
static void teardown(void) {
  th_stop(&S);
}
TestSuite(vcard, .init = setup, .fini = teardown, .timeout = 90);

static const char *admin(void) {
  return th_token(&S, "wdc", "admin", "account_administrator");
}

static char *path(long long id, const char *suffix) {
  static char p[128];
  snprintf(p, sizeof p, "/v1/people/%lld%s", id, suffix);
  return p;
}

/* The stored record of a person with every field set. */
static json_t *full_person(long long *id_out) {
  th_resp r = th_req(&S, "PATCH", "/v1/account", admin(),
                     "{\"settings\": {\"titles_enabled\": true, \"gps_recorded\": true}}", NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  long long org = th_create(&S, admin(), "/v1/organizations", "{s:s}", "name",
                            "Widget; Data, Center \\ B.V.");
  /* Long UTF-8 names (2-, 3- and 4-octet characters), so FN and N fold mid-text. */
  char first[256] = "", last[256] = "";
  for (int i = 0; i < 6; i++)
    strcat(first, i % 2 ? "\xc3\x89lo\xc3\xafse" : "\xc3\x85ngstr\xc3\xb6m");
  strcat(first, ", \"Zo\xc3\xab\"; \\ \xe2\x98\x83");
  snprintf(last, sizeof last, "%s", "van der Berg-\xe6\x9d\xb1\xe4\xba\xac; Jr., the \\ 2nd \xf0\x9f\x98\x80");
  const char *notes =
      "Line one, with comma; semicolon \\ backslash\nLine two: \xe2\x98\x83 snowman\r\n"
      "Line three is long enough to be folded more than once: \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
      "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xf0\x9f\x98\x80\xf0\x9f\x98\x80 and so on, and on; and on.";
  long long id = th_create(
      &S, admin(), "/v1/people",
      "{s:s,s:s,s:s,s:s,s:s,s:[s],s:{s:I},s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:{s:f,s:f},"
      "s:s}",
      "title", "Dr., PhD; \\ h.c.", "first_name", first, "last_name", last, "username", "ann.lee",
      "primary_email", "ann@wdc.example", "roles", "customer", "organization", "id", org,
      "address_1", "Main St 1, Suite; 5 \\ B", "address_2", "Floor 2; Back door", "city",
      "'s-Hertogenbosch, NB", "state", "N;B", "postcode", "1011 AB", "country", "NL", "phone",
      "+31 20, 555;1", "mobile", "+31 6 1234 5678", "fax", "+31 20 555 0199", "pager", "PG,1;2",
      "time_zone", "Europe/Amsterdam", "email_locale", "nl", "gps", "lat", 52.37, "lon", 4.89, "notes", notes);
  r = th_json(&S, "POST", admin(), path(id, "/aliases"), "{s:s}", "address", "a.lee@alias.example");
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), path(id, ""), "{s:s}", "send_to", "a.lee@alias.example");
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, admin(), path(id, ""));
  cr_assert_eq(r.status, 200, "%s", r.body);
  json_t *rec = json_incref(r.json);
  th_resp_free(&r);
  *id_out = id;
  return rec;
}

/* Checks the raw text: CRLF line ends, no line over 75 octets, none splitting UTF-8. */
static void check_lines(const char *text) {
  for (const char *p = text; *p;) {
    const char *crlf = strstr(p, "\r\n");
    cr_assert_not_null(crlf, "a line without CRLF: %s", p);
    size_t len = (size_t)(crlf - p);
    cr_assert_leq(len, 75, "line of %zu octets: %.*s", len, (int)len, p);
    cr_assert(!memchr(p, '\n', len), "bare LF");
    cr_assert(rd_utf8_valid(p, len), "a line splits a UTF-8 character: %.*s", (int)len, p);
    p = crlf + 2;
  }
}

/* The parsers of tests/js/parse.js. */
static const char *ICALJS = "ical.js", *VCARD4 = "vcard4";

/* Downloads a card and parses it with parser; returns the parsed properties (caller
 * decrefs). */
static json_t *download(const char *token, long long id, const char *query, const char *parser,
                        char **raw) {
  char p[160];
  snprintf(p, sizeof p, "/v1/people/%lld/vcard%s", id, query);
  th_resp r = th_get(&S, token, p);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_str_eq(th_header(&r, "Content-Type"), "text/vcard; charset=utf-8");
  cr_assert_str_eq(th_header(&r, "Content-Disposition"), "attachment; filename=\"ann.lee.vcf\"");
  check_lines(r.body);
  char cmd[512];
  snprintf(cmd, sizeof cmd, "node %s/parse.js %s", JS_DIR, parser);
  int st = 0;
  char *out = th_filter(cmd, r.body, r.len, &st);
  cr_assert_eq(st, 0, "%s could not parse the card:\n%s", parser, r.body);
  json_error_t je;
  json_t *cards = json_loads(out, 0, &je);
  cr_assert_not_null(cards, "parse.js printed no JSON: %s", out);
  cr_assert_eq(json_array_size(cards), 1);
  json_t *props = json_incref(json_object_get(json_array_get(cards, 0), "properties"));
  json_decref(cards);
  free(out);
  if (raw)
    *raw = strdup(r.body);
  th_resp_free(&r);
  return props;
}

/* The n-th property called name, or NULL. */
static json_t *prop(json_t *props, const char *name, int n) {
  size_t i;
  json_t *p;
  json_array_foreach(props, i, p) {
    if (!strcmp(json_string_value(json_object_get(p, "name")), name) && n-- == 0)
      return p;
  }
  return NULL;
}

/* The first value of a property, which must be one string: a text value that the parser
 * split into pieces (vcard4 does at a bare ';') fails here. */
static const char *value(json_t *props, const char *name) {
  json_t *p = prop(props, name, 0);
  cr_assert_not_null(p, "no %s", name);
  json_t *v = json_array_get(json_object_get(p, "values"), 0);
  cr_assert(json_is_string(v), "%s is not one string: %s", name,
            json_dumps(json_object_get(p, "values"), JSON_COMPACT));
  return json_string_value(v);
}

/* A text value (not a component of N, ADR or ORG) as stored. rolodeskd escapes ';' in
 * every value: RFC 2426 requires it in 3.0 text, RFC 6350 3.4 allows it in 4.0 text and
 * vcard4 needs it. ical.js decodes vCard text without "\;" (its FROM_VCARD_NEWLINE) and
 * hands that escape back; for ical.js this undoes exactly that escape, so everything else
 * is still the parser's own decoding. vcard4's value is taken as it is. */
static const char *undo_icaljs(const char *parser, const char *v) {
  static char out[70000];
  if (strcmp(parser, ICALJS))
    return v;
  size_t n = 0;
  for (const char *p = v; *p && n + 1 < sizeof out; p++) {
    if (p[0] == '\\' && p[1] == ';')
      p++;
    out[n++] = *p;
  }
  out[n] = 0;
  return out;
}

static const char *text(json_t *props, const char *name, const char *parser) {
  return undo_icaljs(parser, value(props, name));
}

/* Text with every line break as \n: what a vCard can carry. */
static char *lf(const char *s) {
  static char out[70000];
  size_t n = 0;
  for (const char *p = s; *p && n + 1 < sizeof out; p++) {
    if (*p == '\r') {
      out[n++] = '\n';
      if (p[1] == '\n')
        p++;
    } else {
      out[n++] = *p;
    }
  }
  out[n] = 0;
  return out;
}

/* The structured value of a property (N, ADR) as a JSON array of strings. */
static json_t *components(json_t *props, const char *name) {
  json_t *p = prop(props, name, 0);
  cr_assert_not_null(p, "no %s", name);
  json_t *v = json_array_get(json_object_get(p, "values"), 0);
  cr_assert(json_is_array(v), "%s is not structured", name);
  return v;
}

static bool has_type(json_t *p, const char *type) {
  json_t *t = json_object_get(json_object_get(p, "params"), "type");
  if (json_is_string(t))
    return !strcasecmp(json_string_value(t), type);
  size_t i;
  json_t *e;
  json_array_foreach(t, i, e) {
    if (!strcasecmp(json_string_value(e), type))
      return true;
  }
  return false;
}

static void check_round_trip(json_t *rec, json_t *props, int version, const char *parser) {
  cr_assert_str_eq(value(props, "version"), version == 4 ? "4.0" : "3.0");
  cr_assert_str_eq(text(props, "fn", parser), lf(th_jstr(rec, "name")), "FN (%s)", parser);
  json_t *n = components(props, "n");
  cr_assert_str_eq(json_string_value(json_array_get(n, 0)), lf(th_jstr(rec, "last_name")));
  cr_assert_str_eq(json_string_value(json_array_get(n, 1)), lf(th_jstr(rec, "first_name")));
  cr_assert_str_eq(json_string_value(json_array_get(n, 3)), th_jstr(rec, "title"));
  cr_assert_str_eq(text(props, "nickname", parser), th_jstr(rec, "username"));
  /* EMAIL: the primary and every alias; PREF on send_to only. */
  int emails = 0;
  for (json_t *p; (p = prop(props, "email", emails)); emails++) {
    const char *addr =
        undo_icaljs(parser, json_string_value(json_array_get(json_object_get(p, "values"), 0)));
    bool pref = version == 4 ? json_is_string(json_object_get(json_object_get(p, "params"), "pref")) &&
                                   !strcmp(th_jstr(p, "params.pref"), "1")
                             : has_type(p, "pref");
    cr_assert(!strcmp(addr, th_jstr(rec, "primary_email")) ||
                  !strcmp(addr, th_jstr(rec, "aliases[0]")),
              "unexpected EMAIL %s", addr);
    cr_assert_eq(pref, !strcmp(addr, th_jstr(rec, "send_to")), "PREF on %s", addr);
  }
  cr_assert_eq(emails, 2);
  /* TEL: each number with its kind. */
  struct {
    const char *field, *type;
  } tels[] = {{"phone", "voice"}, {"mobile", "cell"}, {"fax", "fax"}, {"pager", "pager"}};
  for (size_t t = 0; t < 4; t++) {
    bool found = false;
    for (int i = 0; prop(props, "tel", i); i++) {
      json_t *p = prop(props, "tel", i);
      const char *v = json_string_value(json_array_get(json_object_get(p, "values"), 0));
      cr_assert_not_null(v, "TEL %d is not one string", i);
      if (!strcmp(undo_icaljs(parser, v), th_jstr(rec, tels[t].field)))
        found = has_type(p, tels[t].type);
    }
    cr_assert(found, "TEL %s (%s) did not round-trip through %s", tels[t].field,
              th_jstr(rec, tels[t].field), parser);
  }
  json_t *adr = components(props, "adr");
  char street[600];
  snprintf(street, sizeof street, "%s\n%s", th_jstr(rec, "address_1"), th_jstr(rec, "address_2"));
  const char *want[] = {"", "", street, th_jstr(rec, "city"), th_jstr(rec, "state"),
                        th_jstr(rec, "postcode"), th_jstr(rec, "country")};
  for (size_t i = 0; i < 7; i++)
    cr_assert_str_eq(json_string_value(json_array_get(adr, i)), want[i], "ADR component %zu (%s)", i,
                     parser);
  json_t *org = json_array_get(json_object_get(prop(props, "org", 0), "values"), 0);
  const char *org_name = json_is_array(org) ? json_string_value(json_array_get(org, 0))
                                            : json_string_value(org);
  cr_assert_str_eq(org_name, th_jstr(rec, "organization.name"), "ORG (%s)", parser);
  cr_assert_str_eq(text(props, "tz", parser), th_jstr(rec, "time_zone"));
  if (version == 4)
    cr_assert_str_eq(value(props, "lang"), th_jstr(rec, "email_locale"));
  cr_assert_str_eq(text(props, "note", parser), lf(th_jstr(rec, "notes")), "NOTE (%s)", parser);
  json_t *geo = prop(props, "geo", 0);
  cr_assert_not_null(geo);
  double lat = 0, lon = 0;
  if (version == 4) {
    cr_assert_eq(sscanf(value(props, "geo"), "geo:%lf,%lf", &lat, &lon), 2);
  } else {
    json_t *g = json_array_get(json_object_get(geo, "values"), 0);
    lat = json_number_value(json_array_get(g, 0));
    lon = json_number_value(json_array_get(g, 1));
  }
  cr_assert(lat > 52.369999 && lat < 52.370001 && lon > 4.889999 && lon < 4.890001);
  cr_assert(!strncmp(value(props, "uid"), "urn:uuid:", 9));
  cr_assert_str_eq(value(props, "prodid"), "-//rolodesk//rolodeskd//EN");
  if (version == 4)
    cr_assert_str_eq(value(props, "kind"), "individual");
  /* REV is updated_at: ical.js prints it in extended format, vcard4 as written (basic). */
  char rev[32], want_rev[32];
  const char *updated = th_jstr(rec, "updated_at");
  snprintf(rev, sizeof rev, "%s", value(props, "rev"));
  if (strchr(rev, '-'))
    snprintf(want_rev, sizeof want_rev, "%.19s", updated);
  else
    snprintf(want_rev, sizeof want_rev, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", updated, updated + 5,
             updated + 8, updated + 11, updated + 14, updated + 17);
  cr_assert(!strncmp(rev, want_rev, strlen(want_rev)), "REV %s vs %s (%s)", rev, updated, parser);
}

Test(vcard, CUST5_every_field_round_trips_through_ical_js_and_vcard4) {
  long long id = 0;
  json_t *rec = full_person(&id);
  char *raw4 = NULL, *raw3 = NULL;
  json_t *v4 = download(admin(), id, "", ICALJS, &raw4);
  check_round_trip(rec, v4, 4, ICALJS);
  json_t *explicit4 = download(admin(), id, "?version=4.0", ICALJS, NULL);
  cr_assert(json_equal(v4, explicit4), "?version=4.0 is the default");
  /* vcard4 splits FN and NOTE at a bare ';': every property must come back whole. */
  json_t *vcard4 = download(admin(), id, "", VCARD4, NULL);
  check_round_trip(rec, vcard4, 4, VCARD4);
  json_decref(vcard4);
  json_t *v3 = download(admin(), id, "?version=3.0", ICALJS, &raw3);
  check_round_trip(rec, v3, 3, ICALJS);
  /* The same UID in both versions and on every download: address books update, not add. */
  cr_assert_str_eq(value(v4, "uid"), value(v3, "uid"));
  /* Long lines were folded, and the parser unfolded them. */
  cr_assert(strstr(raw4, "\r\n ") && strstr(raw3, "\r\n "));
  free(raw4);
  free(raw3);
  json_decref(v4);
  json_decref(explicit4);
  json_decref(v3);
  json_decref(rec);
}

Test(vcard, CUST5_minimal_person) {
  long long id = th_create(&S, admin(), "/v1/people", "{s:s,s:s,s:s,s:s,s:[s]}", "first_name",
                           "Bo", "last_name", "Li", "username", "bo", "primary_email",
                           "bo@wdc.example", "roles", "customer");
  char p[64];
  snprintf(p, sizeof p, "/v1/people/%lld/vcard", id);
  th_resp r = th_get(&S, admin(), p);
  cr_assert_eq(r.status, 200, "%s", r.body);
  check_lines(r.body);
  cr_assert(strstr(r.body, "\r\nFN:Bo Li\r\n") && strstr(r.body, "\r\nN:Li;Bo;;;\r\n"), "%s", r.body);
  cr_assert(strstr(r.body, "\r\nEMAIL;PREF=1:bo@wdc.example\r\n"), "%s", r.body);
  cr_assert_null(strstr(r.body, "ADR"));
  th_resp_free(&r);
}

Test(vcard, CUST5_visibility_is_that_of_the_person_record) {
  const char *cust = th_token(&S, "wdc", "cust", "customer");
  const char *cust2 = th_token(&S, "wdc", "cust2", "customer");
  const char *tech = th_token(&S, "wdc", "tech", "technician");
  const char *other = th_token(&S, "gigatera", "gtadmin", "account_administrator");
  th_resp me = th_get(&S, cust, "/v1/me");
  long long cust_id = json_integer_value(json_object_get(me.json, "id"));
  th_resp_free(&me);
  char p[64];
  snprintf(p, sizeof p, "/v1/people/%lld/vcard", cust_id);
  th_resp r = th_get(&S, cust, p); /* customers: themselves */
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, tech, p); /* any staff */
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, cust2, p); /* another customer: as if it did not exist */
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_get(&S, other, p); /* another account */
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_get(&S, NULL, p);
  th_assert_error(&r, 401, NULL);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/people/999999/vcard");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/people/abc/vcard");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
}

Test(vcard, CUST5_bad_query_is_400) {
  const char *cust = th_token(&S, "wdc", "cust", "customer");
  th_resp me = th_get(&S, cust, "/v1/me");
  long long id = json_integer_value(json_object_get(me.json, "id"));
  th_resp_free(&me);
  const char *bad[] = {"?version=2.1", "?version=4", "?version=", "?version=3.0x",
                       "?format=vcf"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char p[96];
    snprintf(p, sizeof p, "/v1/people/%lld/vcard%s", id, bad[i]);
    th_resp r = th_get(&S, cust, p);
    th_assert_error(&r, 400, NULL);
    th_resp_free(&r);
  }
  char p[96];
  snprintf(p, sizeof p, "/v1/people/%lld/vcard", id);
  th_resp r = th_req(&S, "POST", p, cust, "{}", NULL, NULL);
  th_assert_error(&r, 405, NULL);
  th_resp_free(&r);
}
