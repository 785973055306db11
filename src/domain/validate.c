/* Value checks: see validate.h. */
#include "domain/validate.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/mem.h"
#include "base/str.h"

bool rd_email_valid(const char *a) {
  if (!a)
    return false;
  size_t n = strlen(a);
  const char *at = strchr(a, '@');
  if (n > 254 || !at || strchr(at + 1, '@'))
    return false;
  size_t local = (size_t)(at - a), dom = n - local - 1;
  if (local < 1 || local > 64 || dom < 3 || dom > 255)
    return false;
  for (const char *p = a; p < at; p++) {
    unsigned char ch = (unsigned char)*p;
    if (ch <= 32 || ch == 127 || strchr("()<>,;:\\\"[]", ch))
      return false;
  }
  if (a[0] == '.' || at[-1] == '.' || strstr(a, ".."))
    return false;
  const char *d = at + 1;
  /* RFC 5321 4.1.2: each label starts and ends with a letter or digit */
  if (!strchr(d, '.') || d[0] == '.' || d[0] == '-' || a[n - 1] == '.' || a[n - 1] == '-' ||
      strstr(d, ".-") || strstr(d, "-."))
    return false;
  for (const char *p = d; *p; p++) {
    unsigned char ch = (unsigned char)*p;
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '.' || ch >= 0x80; /* internationalized domain names */
    if (!ok)
      return false;
  }
  return true;
}

bool rd_time_zone_valid(const char *tz) {
  /* Area/Location names only: no dots, no leading slash, nothing that walks the tree. */
  if (!tz || !*tz || strlen(tz) > 64 || strstr(tz, "..") || strstr(tz, "//") || tz[0] == '/')
    return false;
  for (const char *p = tz; *p; p++)
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
          *p == '/' || *p == '_' || *p == '-' || *p == '+'))
      return false;
  char path[128];
  snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
    return false;
  /* The tree also holds data files (leapseconds...): a zone is a TZif file. */
  char magic[4] = "";
  FILE *f = fopen(path, "rb");
  size_t got = f ? fread(magic, 1, sizeof magic, f) : 0;
  if (f)
    fclose(f);
  return got == sizeof magic && !memcmp(magic, "TZif", sizeof magic);
}

typedef struct contact_kind {
  const char *name;
  const char *fields[7];
  int max[7];
} contact_kind;

static const contact_kind KINDS[] = {
    {"addresses", {"label", "street", "city", "state", "zip", "country", NULL},
     {32, 256, 64, 32, 20, 64}},
    {"telephones", {"label", "number", NULL}, {32, 32}},
    {"email_addresses", {"label", "address", NULL}, {32, 254}},
    {"websites", {"label", "url", NULL}, {32, 2048}},
};

enum { MAX_ENTRIES = 50 };

int rd_contact_check(json_t *contact, const char *path, rd_err *err) {
  if (!json_is_object(contact))
    return rd_err_field(err, path, "must be an object");
  const char *k;
  json_t *list;
  json_object_foreach(contact, k, list) {
    char p[RD_ERR_FIELD_MAX];
    snprintf(p, sizeof p, "%s.%s", path, k);
    const contact_kind *kind = NULL;
    for (size_t i = 0; i < sizeof KINDS / sizeof *KINDS; i++)
      if (!strcmp(KINDS[i].name, k))
        kind = &KINDS[i];
    if (!kind) {
      rd_err_field(err, p, "unknown field");
      continue;
    }
    if (!json_is_array(list) || json_array_size(list) > MAX_ENTRIES) {
      rd_err_field(err, p, "must be an array of at most %d entries", MAX_ENTRIES);
      continue;
    }
    size_t i;
    json_t *entry;
    json_array_foreach(list, i, entry) {
      char ep[RD_ERR_FIELD_MAX];
      snprintf(ep, sizeof ep, "%s[%zu]", p, i);
      if (!json_is_object(entry)) {
        rd_err_field(err, ep, "must be an object");
        continue;
      }
      const char *fk;
      json_t *fv;
      json_object_foreach(entry, fk, fv) {
        char fp[RD_ERR_FIELD_MAX];
        snprintf(fp, sizeof fp, "%s.%s", ep, fk);
        int j = 0;
        while (kind->fields[j] && strcmp(kind->fields[j], fk))
          j++;
        if (!kind->fields[j]) {
          rd_err_field(err, fp, "unknown field");
        } else if (json_is_null(fv)) {
          continue;
        } else if (!json_is_string(fv) ||
                   strlen(json_string_value(fv)) != json_string_length(fv)) {
          rd_err_field(err, fp, "must be a string");
        } else if (rd_utf8_len(json_string_value(fv)) > (size_t)kind->max[j]) {
          rd_err_field(err, fp, "is longer than %d characters", kind->max[j]);
        } else if (!rd_text_clean(json_string_value(fv), false)) {
          rd_err_field(err, fp, "must be one line without control characters"); /* REL-1 */
        } else if (!strcmp(k, "email_addresses") && !strcmp(fk, "address") &&
                   !rd_email_valid(json_string_value(fv))) {
          rd_err_field(err, fp, "is not a valid email address");
        }
      }
    }
  }
  return err && err->code ? err->code : 0;
}

/* The ISO 3166-1 list as Debian's iso-codes package installs it; read once. */
#define ISO_3166_PATH "/usr/share/iso-codes/json/iso_3166-1.json"
static json_t *countries;
static pthread_once_t countries_once = PTHREAD_ONCE_INIT;

/* Every (value, alpha_2) pair of the list in the order a linear search meets them
 * (country by country, keys in COUNTRY_KEYS order), sorted case-insensitively with ties
 * kept in that order: a binary search finds the same first match as the linear one. */
static const char *const COUNTRY_KEYS[] = {"alpha_2", "alpha_3", "name", "common_name",
                                           "official_name"};
typedef struct {
  const char *value, *alpha_2;
  size_t order;
} country_key;
static country_key *country_keys;
static size_t ncountry_keys;

static int country_key_cmp(const void *a, const void *b) {
  const country_key *x = a, *y = b;
  int d = strcasecmp(x->value, y->value);
  return d ? d : (x->order > y->order) - (x->order < y->order);
}

static void load_countries(void) {
  json_t *doc = json_load_file(ISO_3166_PATH, 0, NULL);
  countries = json_incref(json_object_get(doc, "3166-1"));
  json_decref(doc);
  size_t n = json_array_size(countries) * (sizeof COUNTRY_KEYS / sizeof *COUNTRY_KEYS);
  if (!n)
    return;
  country_keys = rd_calloc(n, sizeof *country_keys);
  size_t i;
  json_t *c;
  json_array_foreach(countries, i, c) {
    for (size_t k = 0; k < sizeof COUNTRY_KEYS / sizeof *COUNTRY_KEYS; k++) {
      const char *v = json_string_value(json_object_get(c, COUNTRY_KEYS[k]));
      if (v)
        country_keys[ncountry_keys++] = (country_key){
            v, json_string_value(json_object_get(c, "alpha_2")),
            i * (sizeof COUNTRY_KEYS / sizeof *COUNTRY_KEYS) + k};
    }
  }
  qsort(country_keys, ncountry_keys, sizeof *country_keys, country_key_cmp);
}

bool rd_country_code(const char *country, char code[3]) {
  pthread_once(&countries_once, load_countries);
  /* The first entry not before country (case-insensitively): the earliest match. */
  size_t lo = 0, hi = ncountry_keys;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcasecmp(country_keys[mid].value, country) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < ncountry_keys && !strcasecmp(country_keys[lo].value, country)) {
    snprintf(code, 3, "%s", country_keys[lo].alpha_2);
    return true;
  }
  return false;
}
