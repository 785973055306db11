/* What the files of src/import share and nothing else includes: the template's targets
 * (mapping.c) as the CSV run (csv.c) and the upload (upload.c) use them. */
#ifndef RD_IMPORT_INTERNAL_H
#define RD_IMPORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/caller.h"
#include "import/import.h"

/* Who may create, run and see imports. */
#define RD_IMPORT_MANAGERS (RD_ROLE_ACCOUNT_ADMINISTRATOR | RD_ROLE_SUPERVISOR)

/* ---- targets: the template's columns (seed 004, in its order), then a few more ---- */

enum {
  T_TITLE, T_FIRST, T_LAST, T_EMAIL, T_COMPANY, T_DEPARTMENT, T_COMPANY_CONTACT,
  T_DEPARTMENT_CONTACT, T_ADDRESS1, T_ADDRESS2, T_CITY, T_STATE, T_POSTCODE, T_COUNTRY,
  T_PHONE, T_MOBILE, T_FAX, T_PAGER, T_USERNAME, T_PASSWORD, T_PARTNER_EMAIL, T_CUSTOM1,
  T_CUSTOM2, T_CUSTOM3, T_CUSTOM4, T_CUSTOM5, T_NOTES, T_LOCALE, T_LINE_MANAGER,
  T_TEMPLATE_END, /* columns below are accepted but not in the seed's template */
  T_TIME_ZONE = T_TEMPLATE_END, T_ROOM, T_SEND_TO, T_SMS_OVERRIDE, T_COUNT
};

/* The person field target t fills, or NULL for the import's own columns. */
const char *rd_import_target_field(int t);
/* The column of m mapped to target t, or -1. */
int rd_import_column_of(const rd_import_map *m, int t);
/* The report's name for target t: its column's header, else the template's. */
const char *rd_import_target_column(const rd_import_map *m, int t);
/* The value of target t in row as rd_import_record_map maps it (NUL-terminated), or NULL. */
const char *rd_import_row_value(const rd_import_map *m, const rd_csv_row *row, int t);
/* Whether s (len bytes) holds nothing but spaces. */
bool rd_import_blank(const char *s, size_t len);
/* 1/true/yes/y/x -> 1, 0/false/no/n -> 0 (case-insensitive); -1 for anything else. */
int rd_import_parse_flag(const char *s, int *out);

#endif
