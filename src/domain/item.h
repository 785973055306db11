/* Items (CUST-7, issue 14): an account's configuration items (assets): a number unique in
 * the account, name, category, status, serial, the organization they belong to and a
 * location and department of that organization, custom fields (record type "item") and
 * source/source_id (RMM assets later). People own an item or have it shared with them
 * (item_people); a record carries both sets as "owners" and "shared_with", arrays of
 * {"id", "name"} (written as arrays of {"id"}: the whole set is replaced).
 *
 * Who sees an item (rd_item_scope, the one rule for lists, reads and exports): staff see
 * every item of the account; a customer the items it owns or that are shared with it.
 * Staff write; customers never do. Others: 403 (roles) or 404 (not seen). */
#ifndef RD_DOMAIN_ITEM_H
#define RD_DOMAIN_ITEM_H

#include "domain/record.h"

#define RD_ITEM_NUMBER_MAX 64
#define RD_ITEM_NAME_MAX 255
#define RD_ITEM_PEOPLE_MAX 100 /* owners, and people shared with, per item */

extern const rd_rtype rd_item_type;

/* The statuses, NULL-terminated. */
extern const char *const rd_item_statuses[];

/* The filters of a list and of an export (query parameters of the same names). */
typedef struct rd_item_filter {
  const char *q;        /* substring of number, name or serial (any case); NULL: any */
  const char *category; /* exact; NULL: any */
  const char *status;   /* exact; NULL: any */
  int64_t organization, location, department, person; /* 0: any; person: owner or shared */
} rd_item_filter;

/* The condition over alias t of the items who sees that match f, appended to where, with
 * its parameters appended to p (room for RD_ITEM_PARAMS_MAX); *n counts them. *pattern is
 * the LIKE pattern of q (rd_free it; NULL without q). */
#define RD_ITEM_PARAMS_MAX 12
void rd_item_where(const rd_caller *who, const rd_item_filter *f, rd_buf *where, rd_param *p,
                   int *n, char **pattern);

/* A page of the items the caller sees that match f, as JSON text. */
int rd_item_list_text(rd_conn *c, const rd_caller *who, const rd_item_filter *f, int64_t after,
                      int limit, rd_buf *out, int64_t *last_id, bool *more, rd_err *err);
/* One item the caller sees (404 otherwise). */
int rd_item_get(rd_conn *c, const rd_caller *who, int64_t id, json_t **out, int64_t *version,
                rd_err *err);
/* GET /v1/people/{id}/items: the items person owns or that are shared with it, each with
 * "relation": "owner" or "shared". Staff ask about any person of the account; a customer
 * only about itself (404 otherwise). *rows is a new array. */
int rd_item_of_person(rd_conn *c, const rd_caller *who, int64_t person, int64_t after, int limit,
                      json_t **rows, bool *more, rd_err *err);

/* ---- export (item_export.c) ---- */
typedef enum rd_item_format { RD_ITEM_CSV, RD_ITEM_XLSX } rd_item_format;
/* Writes every item the caller sees that matches f to the file fd (from offset 0) as
 * format: CSV (RFC 4180, UTF-8 with a BOM, CRLF; cells beginning with =, +, -, @, tab or CR
 * prefixed with ') or an .xlsx workbook (libxlsxwriter, constant_memory). Columns: the
 * record's fields, owners and shared_with as names, then the account's custom fields of
 * items. Rows are read in chunks of RD_ITEM_EXPORT_CHUNK items, each chunk a statement of
 * its own, so memory does not grow with the number of items on either backend. fd stays
 * the caller's. */
#define RD_ITEM_EXPORT_CHUNK 500
int rd_item_export(rd_conn *c, const rd_caller *who, const rd_item_filter *f,
                   rd_item_format format, int fd, rd_err *err);
/* The CSV cell of s (NULL: empty) appended to out: quoted when it holds a comma, quote,
 * CR or LF, and prefixed with ' when it begins with =, +, -, @, tab or CR (formula
 * injection). Pure. */
void rd_item_csv_cell(rd_buf *out, const char *s);

#endif
