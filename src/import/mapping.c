/* The template of customer imports and the mapping of a file's columns to its targets
 * (IMP-1, IMP-5): the targets in the seed's order with their header spellings and limits,
 * the template CSV and its description, a mapping from a header row and the caller's
 * overrides, and one CSV record turned into a person's API input (import.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/str.h"
#include "import/internal.h"

typedef struct target {
  const char *name;   /* in mappings: the person field where there is one */
  const char *header; /* the template's spelling */
  const char *field;  /* person field, NULL for the import's own columns */
  const char *type;   /* as the seed writes it */
  int max;            /* the limit the rules enforce (0: none) */
  bool required;
  const char *aliases; /* further header spellings, normalized, space-separated */
  const char *description;
} target;

static const target TARGETS[T_COUNT] = {
    {"title", "Title", "title", "char", 128, false, "", "Only when titles are enabled (account setting titles_enabled)."},
    {"first_name", "First Name", "first_name", "char", 64, true, "forename givenname", NULL},
    {"last_name", "Last Name", "last_name", "char", 64, true, "surname familyname", NULL},
    {"primary_email", "Email Address", "primary_email", "char", 64, true, "email emailaddress mail", "Unique in the account (with the aliases)."},
    {"company", "Company", NULL, "char", 128, false, "organization organisation orgunit", "Organizational unit; created when the account has none of that name."},
    {"department", "Department", NULL, "char", 128, false, "dept", "Organizational unit under the company; created when missing."},
    {"primary_company_contact", "Primary Company Contact", NULL, "int", 1, false, "companycontact", "1: the customer is a primary contact of the company; empty or 0: not."},
    {"primary_department_contact", "Primary Department Contact", NULL, "int", 1, false, "departmentcontact", "1: the customer is a primary contact of the department; empty or 0: not."},
    {"address_1", "Address 1", "address_1", "char", 128, false, "address addressline1 street", NULL},
    {"address_2", "Address 2", "address_2", "char", 128, false, "addressline2", NULL},
    {"city", "City", "city", "char", 64, false, "town", NULL},
    {"state", "State", "state", "char", 32, false, "province region", NULL},
    {"postcode", "Postcode/ Zip", "postcode", "char", 20, false, "zip zipcode postalcode zippostcode postcode", NULL},
    {"country", "Country", "country", "char", 64, false, "", "ISO 3166 name or code (Netherlands, NL, NLD); an unknown country fails the row."},
    {"phone", "Phone", "phone", "char", 20, false, "telephone phonenumber", NULL},
    {"mobile", "Mobile", "mobile", "char", 20, false, "cell mobilephone", NULL},
    {"fax", "Fax", "fax", "char", 20, false, "", NULL},
    {"pager", "Pager", "pager", "char", 32, false, "", NULL},
    {"username", "Username", "username", "char", 64, true, "login loginname", "Unique: an existing username updates that person; twice in one file fails the second."},
    {"password", "Password", "password", "char", 64, false, "", "8 characters or more; empty: no usable password until one is set or mailed (CUST-6)."},
    {"partner_email", "Partners Email", NULL, "char", 64, false, "partneremail partnersemail partner customerof", "An email address of a partner organization (only when customer_partner_editable)."},
    {"custom1", "Custom1", NULL, "char", 256, false, "", "The account's first person custom field."},
    {"custom2", "Custom2", NULL, "char", 256, false, "", "The account's second person custom field."},
    {"custom3", "Custom3", NULL, "char", 256, false, "", "The account's third person custom field."},
    {"custom4", "Custom4", NULL, "char", 256, false, "", "The account's fourth person custom field."},
    {"custom5", "Custom5", NULL, "char", 256, false, "", "The account's fifth person custom field."},
    {"notes", "Notes", "notes", "clob", 65536, false, "", NULL},
    {"email_locale", "Locale", "email_locale", "char", 5, false, "locale emaillocale language", "Empty: the account's default email locale."},
    {"line_manager_username", "Line Manager Username", NULL, "char", 128, false, "linemanager manager", "A customer's username, in the account or anywhere in the same file."},
    {"time_zone", "Time Zone", "time_zone", "char", 64, false, "timezone tz", "IANA name such as Europe/Amsterdam."},
    {"room", "Room", "room", "char", 64, false, "", "Only when rooms are displayed (rooms_displayed)."},
    {"send_to", "Send To", "send_to", "char", 64, false, "sendto", NULL},
    {"sms_override", "SMS Override", "sms_override", "char", 64, false, "smsoverride", NULL},
};

const char *rd_import_target_field(int t) {
  return TARGETS[t].field;
}

const char *rd_import_target_name(int t) {
  return t >= 0 && t < T_COUNT ? TARGETS[t].name : NULL;
}

/* Lower-case letters and digits only; stops at '(' ("First Name(char 64)"). */
static void normalize(const char *in, char *out, size_t cap) {
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)in; *p && *p != '(' && n + 1 < cap; p++) {
    if (*p >= 'A' && *p <= 'Z')
      out[n++] = (char)(*p - 'A' + 'a');
    else if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
      out[n++] = (char)*p;
  }
  out[n] = 0;
}

int rd_import_target(const char *name) {
  char key[64], cand[64];
  if (!name)
    return -1;
  normalize(name, key, sizeof key);
  if (!key[0])
    return -1;
  for (int t = 0; t < T_COUNT; t++) {
    normalize(TARGETS[t].name, cand, sizeof cand);
    if (!strcmp(key, cand))
      return t;
    normalize(TARGETS[t].header, cand, sizeof cand);
    if (!strcmp(key, cand))
      return t;
    const char *a = TARGETS[t].aliases;
    while (*a) {
      size_t len = strcspn(a, " ");
      if (len == strlen(key) && !strncmp(a, key, len))
        return t;
      a += len;
      a += *a == ' ';
    }
  }
  return -1;
}

const char *rd_import_template_csv(void) {
  /* IMP-1: the seed's columns, names and order; CRLF as spreadsheets write it. */
  return "Title,First Name,Last Name,Email Address,Company,Department,Primary Company Contact,"
         "Primary Department Contact,Address 1,Address 2,City,State,Postcode/ Zip,Country,Phone,"
         "Mobile,Fax,Pager,Username,Password,Partners Email,Custom1,Custom2,Custom3,Custom4,"
         "Custom5,Notes,Locale,Line Manager Username\r\n";
}

json_t *rd_import_template_describe(void) {
  json_t *cols = json_array();
  for (int t = 0; t < T_COUNT; t++) {
    const target *g = &TARGETS[t];
    json_t *c = json_pack("{s:s,s:s,s:s,s:b,s:b}", "column", g->header, "target", g->name,
                          "type", g->type, "required", g->required, "in_template",
                          t < T_TEMPLATE_END);
    if (g->max)
      json_object_set_new(c, "max_length", json_integer(g->max));
    if (g->description)
      json_object_set_new(c, "description", json_string(g->description));
    json_array_append_new(cols, c);
  }
  return json_pack("{s:s,s:o,s:[s,s,s],s:[s,s,s]}", "type", "people", "columns", cols,
                   "encodings", "UTF-8 (with or without BOM)", "UTF-16 with BOM",
                   "any charset iconv knows, declared (charset=windows-1252)", "separators",
                   "comma", "semicolon", "tab");
}

/* ---- mapping ---- */

/* The name a report gives column col of m (the file's header, else the template's). */
static const char *column_name(const rd_import_map *m, int col, char *buf, size_t cap) {
  if (col >= 0 && col < m->ncols && m->header[col][0])
    return m->header[col];
  if (col >= 0 && col < m->ncols && m->target[col] >= 0)
    return TARGETS[m->target[col]].header;
  snprintf(buf, cap, "field %d", col + 1);
  return buf;
}

/* The column mapped to target t, or -1. */
int rd_import_column_of(const rd_import_map *m, int t) {
  for (int i = 0; i < m->ncols; i++)
    if (m->target[i] == t)
      return i;
  return -1;
}

/* The report's name for target t: its column's header, else the template's. */
const char *rd_import_target_column(const rd_import_map *m, int t) {
  int col = rd_import_column_of(m, t);
  if (col >= 0 && m->header[col][0])
    return m->header[col];
  return TARGETS[t].header;
}

int rd_import_map_build(const rd_csv_row *header, json_t *overrides, rd_import_map *m,
                        rd_err *err) {
  memset(m, 0, sizeof *m);
  if (header) {
    m->ncols = header->nfields;
    for (int i = 0; i < header->nfields; i++) {
      snprintf(m->header[i], sizeof m->header[i], "%s", header->fields[i]);
      m->target[i] = rd_import_target(header->fields[i]);
    }
  } else {
    /* No header: the columns are the template's, in its order. */
    m->ncols = T_TEMPLATE_END;
    for (int i = 0; i < T_TEMPLATE_END; i++)
      m->target[i] = i;
  }
  if (overrides && !json_is_object(overrides))
    return rd_err_field(err, "mapping", "must be an object of column index to target");
  const char *k;
  json_t *v;
  json_object_foreach(overrides, k, v) {
    int64_t col = -1;
    char path[RD_ERR_FIELD_MAX];
    snprintf(path, sizeof path, "mapping.%.100s", k);
    if (!rd_parse_i64(k, &col) || col < 0 || col >= RD_CSV_FIELDS_MAX) {
      rd_err_field(err, path, "keys are column indexes from 0");
      continue;
    }
    if (col >= m->ncols) {
      if (header) {
        rd_err_field(err, path, "the file has %d columns", m->ncols);
        continue;
      }
      for (int i = m->ncols; i <= col; i++)
        m->target[i] = -1;
      m->ncols = (int)col + 1;
    }
    if (json_is_null(v)) {
      m->target[col] = -1;
    } else if (!json_is_string(v) || rd_import_target(json_string_value(v)) < 0) {
      rd_err_field(err, path, "unknown target (see GET /v1/imports/templates/people.csv?describe=true)");
    } else {
      m->target[col] = rd_import_target(json_string_value(v));
    }
  }
  if (err && err->code)
    return err->code;
  for (int i = 0; i < m->ncols; i++)
    for (int j = i + 1; j < m->ncols; j++)
      if (m->target[i] >= 0 && m->target[i] == m->target[j]) {
        char a[32], b[32];
        rd_err_field(err, "mapping", "columns '%s' and '%s' both map to %s",
                     column_name(m, i, a, sizeof a), column_name(m, j, b, sizeof b),
                     TARGETS[m->target[i]].name);
        m->target[j] = -1;
      }
  for (int t = 0; t < T_COUNT; t++)
    if (TARGETS[t].required && rd_import_column_of(m, t) < 0)
      rd_err_field(err, "mapping", "no column for the required field '%s'", TARGETS[t].header);
  return err && err->code ? err->code : 0;
}

json_t *rd_import_map_json(const rd_import_map *m) {
  json_t *o = json_object();
  for (int i = 0; i < m->ncols; i++) {
    char key[16];
    snprintf(key, sizeof key, "%d", i);
    json_object_set_new(o, key, m->target[i] >= 0 ? json_string(TARGETS[m->target[i]].name)
                                                  : json_null());
  }
  return o;
}

/* Whether s (len bytes) holds nothing but spaces. */
bool rd_import_blank(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (s[i] != ' ' && s[i] != '\t')
      return false;
  return true;
}

int rd_import_parse_flag(const char *s, int *out) {
  static const char *const yes[] = {"1", "true", "yes", "y", "x"};
  static const char *const no[] = {"0", "false", "no", "n"};
  for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
    if (!strcasecmp(s, yes[i]))
      return *out = 1, 0;
  for (size_t i = 0; i < sizeof no / sizeof *no; i++)
    if (!strcasecmp(s, no[i]))
      return *out = 0, 0;
  return -1;
}

const char *rd_import_row_value(const rd_import_map *m, const rd_csv_row *row, int t) {
  const char *v = NULL; /* as rd_import_record_map: the last column of it that is filled */
  for (int i = 0; i < row->nfields && i < m->ncols; i++)
    if (m->target[i] == t && !rd_import_blank(row->fields[i], row->lens[i]))
      v = row->fields[i];
  return v;
}

const char *rd_import_row_username(const rd_import_map *m, const rd_csv_row *row) {
  return rd_import_row_value(m, row, T_USERNAME);
}

int rd_import_record_map(const rd_import_map *m, const rd_csv_row *row, rd_import_record *out,
                         rd_err *err) {
  memset(out, 0, sizeof *out);
  out->person = json_object();
  out->company_contact = out->department_contact = -1;
  out->blank = true;
  for (int i = 0; i < row->nfields; i++) {
    const char *v = row->fields[i];
    size_t len = row->lens[i];
    if (rd_import_blank(v, len))
      continue;
    out->blank = false;
    int t = i < m->ncols ? m->target[i] : -1;
    if (t < 0)
      continue;
    const target *g = &TARGETS[t];
    if (g->field) {
      json_t *s = json_stringn(v, len);
      if (!s) {
        char b[32];
        rd_err_field(err, column_name(m, i, b, sizeof b), "is not valid UTF-8");
        continue;
      }
      json_object_set_new(out->person, g->field, s);
    }
    switch (t) {
    case T_USERNAME: out->username = v; break;
    case T_COMPANY: out->company = v; break;
    case T_DEPARTMENT: out->department = v; break;
    case T_PARTNER_EMAIL: out->partner_email = v; break;
    case T_LINE_MANAGER: out->line_manager = v; break;
    case T_CUSTOM1: case T_CUSTOM2: case T_CUSTOM3: case T_CUSTOM4: case T_CUSTOM5:
      out->custom[t - T_CUSTOM1] = v;
      break;
    case T_COMPANY_CONTACT:
    case T_DEPARTMENT_CONTACT: {
      int flag = 0;
      if (rd_import_parse_flag(v, &flag)) {
        char b[32];
        rd_err_field(err, column_name(m, i, b, sizeof b), "must be 1 or 0 (or empty)");
      } else if (t == T_COMPANY_CONTACT) {
        out->company_contact = flag;
      } else {
        out->department_contact = flag;
      }
      break;
    }
    default: break;
    }
  }
  return err && err->code ? err->code : 0;
}

void rd_import_record_term(rd_import_record *r) {
  json_decref(r->person);
  r->person = NULL;
}
