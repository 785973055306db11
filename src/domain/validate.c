/* Value checks: see validate.h. */
#include "domain/validate.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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
  if (!strchr(d, '.') || d[0] == '.' || d[0] == '-' || a[n - 1] == '.' || a[n - 1] == '-')
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
  if (!tz || !*tz || strlen(tz) > 64 || strstr(tz, "..") || tz[0] == '/')
    return false;
  for (const char *p = tz; *p; p++)
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
          *p == '/' || *p == '_' || *p == '-' || *p == '+'))
      return false;
  char path[128];
  snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
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
        } else if (!strcmp(k, "email_addresses") && !strcmp(fk, "address") &&
                   !rd_email_valid(json_string_value(fv))) {
          rd_err_field(err, fp, "is not a valid email address");
        }
      }
    }
  }
  return err && err->code ? err->code : 0;
}
