/* CUST-7: the export of an item list as CSV or as an .xlsx workbook (see item.h). The
 * items come in chunks of RD_ITEM_EXPORT_CHUNK (keyset paging by id, each chunk and its
 * people one statement each), are written to the caller's file and forgotten: PostgreSQL's
 * client library holds a whole result in memory, so one statement over every item would
 * make memory grow with the list. The workbook is written by libxlsxwriter in
 * constant_memory mode (a row at a time to its own temporary file). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "base/mem.h"
#include "domain/item.h"

/* The columns of an export, in order: the header row names them; then one column per
 * custom field of record type item, "custom_fields.<key>", in key order. */
static const char *const COLUMNS[] = {"id",          "number",     "name",       "category",
                                      "status",      "serial",     "organization", "location",
                                      "department",  "owners",     "shared_with", "source",
                                      "source_id",   "created_at", "updated_at"};
enum { NCOLS = sizeof COLUMNS / sizeof *COLUMNS, COL_OWNERS = 9, COL_SHARED = 10 };

/* The stored columns of a chunk's statement, by export column (-1: owners, shared_with). */
#define CHUNK_SELECT                                                                          \
  "SELECT t.id, t.number, t.name, t.category, t.status, t.serial, o.name, l.name, d.name,"   \
  " t.source, t.source_id, t.created_at, t.updated_at, t.custom_fields FROM items t"          \
  " LEFT JOIN organizations o ON o.id = t.organization_id"                                    \
  " LEFT JOIN locations l ON l.id = t.location_id"                                            \
  " LEFT JOIN departments d ON d.id = t.department_id"
static const int STORED[NCOLS] = {0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -1, 9, 10, 11, 12};

/* ---- output ---- */

typedef struct sink {
  rd_item_format format;
  int fd;      /* CSV: written through buf */
  rd_buf buf;
  lxw_workbook *wb; /* XLSX */
  lxw_worksheet *ws;
  lxw_format *bold;
  lxw_row_t row;
  int sheets;
  json_t *header; /* the column names, strings */
  int ncols;
  int failed; /* errno of a failed write, or -1 for libxlsxwriter */
} sink;

static void flush(sink *k, bool all) {
  if (k->buf.len < (all ? 1 : 65536) || k->failed)
    return;
  size_t off = 0;
  while (off < k->buf.len) {
    ssize_t w = write(k->fd, k->buf.data + off, k->buf.len - off);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      k->failed = errno ? errno : EIO;
      break;
    }
    off += (size_t)w;
  }
  k->buf.len = 0;
}

void rd_item_csv_cell(rd_buf *out, const char *s) {
  if (!s)
    return;
  /* CUST-7: a cell a spreadsheet would read as a formula is made text. */
  bool formula = strchr("=+-@\t\r", s[0]) && s[0];
  bool quote = formula || strpbrk(s, ",\"\r\n");
  if (quote)
    rd_buf_adds(out, "\"");
  if (formula)
    rd_buf_adds(out, "'");
  for (const char *p = s; *p; p++) {
    if (*p == '"')
      rd_buf_adds(out, "\"\"");
    else
      rd_buf_add(out, p, 1);
  }
  if (quote)
    rd_buf_adds(out, "\"");
}

/* A new worksheet with the header row (constant_memory: rows in order, sheet by sheet). */
static void new_sheet(sink *k) {
  char name[32];
  snprintf(name, sizeof name, k->sheets ? "Items %d" : "Items", k->sheets + 1);
  k->ws = workbook_add_worksheet(k->wb, name);
  k->sheets++;
  k->row = 0;
  if (!k->ws) {
    k->failed = -1;
    return;
  }
  for (int i = 0; i < k->ncols; i++)
    worksheet_write_string(k->ws, 0, (lxw_col_t)i,
                           json_string_value(json_array_get(k->header, (size_t)i)), k->bold);
  worksheet_freeze_panes(k->ws, 1, 0);
  k->row = 1;
}

/* One row: cells[i] (NULL: empty); the id (cell 0) a number in the workbook. */
static void put_row(sink *k, const char **cells) {
  if (k->failed)
    return;
  if (k->format == RD_ITEM_CSV) {
    for (int i = 0; i < k->ncols; i++) {
      if (i)
        rd_buf_adds(&k->buf, ",");
      rd_item_csv_cell(&k->buf, cells[i]);
    }
    rd_buf_adds(&k->buf, "\r\n");
    flush(k, false);
    return;
  }
  if (k->row >= LXW_ROW_MAX)
    new_sheet(k);
  for (int i = 0; i < k->ncols && !k->failed; i++) {
    if (!cells[i] || !cells[i][0])
      continue;
    /* Strings are written as strings: a cell is never a formula, whatever it holds. */
    lxw_error e = i == 0 ? worksheet_write_number(k->ws, k->row, 0, (double)strtoll(cells[0], NULL, 10), NULL)
                         : worksheet_write_string(k->ws, k->row, (lxw_col_t)i, cells[i], NULL);
    if (e != LXW_NO_ERROR)
      k->failed = -1;
  }
  k->row++;
}

/* ---- input ---- */

/* A custom field's value as a cell's text (new reference; null for none). */
static json_t *cf_text(json_t *v) {
  if (json_is_string(v))
    return json_incref(v);
  if (json_is_boolean(v))
    return json_string(json_is_true(v) ? "true" : "false");
  if (json_is_number(v)) {
    char *t = json_dumps(v, JSON_ENCODE_ANY);
    json_t *out = json_string(t);
    free(t);
    return out;
  }
  return json_null();
}

/* The chunk of items after id "after": rows of strings, the fixed columns then the custom
 * fields of cf_keys (people filled later). */
typedef struct chunk {
  json_t *rows; /* array of arrays of strings / null */
  int64_t last;
} chunk;

static int read_chunk(rd_conn *c, const char *account_id, const char *where, const rd_param *fp,
                      int nf, json_t *cf_keys, int64_t after, chunk *ch, rd_err *err) {
  rd_param p[RD_ITEM_PARAMS_MAX + 2];
  p[0] = (rd_param){.type = 't', .t = account_id};
  p[1] = (rd_param){.type = 'i', .i = after};
  for (int i = 0; i < nf; i++)
    p[2 + i] = fp[i];
  char sql[1200];
  snprintf(sql, sizeof sql,
           CHUNK_SELECT " WHERE t.account_id = ? AND t.id > ? AND (%s) ORDER BY t.id LIMIT %d",
           where, RD_ITEM_EXPORT_CHUNK);
  rd_stmt *s = NULL;
  int rv = rd_sql_params(c, &s, err, sql, p, nf + 2);
  while (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    rv = 0;
    json_t *row = json_array();
    for (int i = 0; i < NCOLS; i++) {
      const char *v = STORED[i] >= 0 ? rd_stmt_text(s, STORED[i]) : NULL;
      json_array_append_new(row, v ? json_string(v) : json_null());
    }
    json_t *cf = json_array_size(cf_keys) ? json_loads(rd_stmt_text(s, 13), 0, NULL) : NULL;
    size_t i;
    json_t *key;
    json_array_foreach(cf_keys, i, key)
        json_array_append_new(row, cf_text(json_object_get(cf, json_string_value(key))));
    json_decref(cf);
    ch->last = rd_stmt_int64(s, 0);
    json_array_append_new(ch->rows, row);
  }
  if (s)
    rd_stmt_done(s);
  s = NULL;
  if (rv < 0)
    return rv;
  /* The chunk's owners and people shared with, names joined by "; ", in id order: the
   * chunk's ids as parameters (padded with 0, no id, so that the statement is always the
   * same one), an index lookup each; a sub-select of the chunk got a plan that read all of
   * item_people per chunk on PostgreSQL. */
  rd_param ids[RD_ITEM_EXPORT_CHUNK];
  rd_buf q;
  rd_buf_init(&q);
  rd_buf_adds(&q, "SELECT x.item_id, x.relation, p.first_name || ' ' || p.last_name FROM"
                  " item_people x JOIN people p ON p.id = x.person_id WHERE x.item_id IN (?");
  for (int i = 0; i < RD_ITEM_EXPORT_CHUNK; i++) {
    json_t *row = json_array_get(ch->rows, (size_t)i);
    ids[i] = (rd_param){.type = 'i',
                        .i = row ? (int64_t)strtoll(json_string_value(json_array_get(row, 0)),
                                                    NULL, 10)
                                 : 0};
    if (i)
      rd_buf_adds(&q, ",?");
  }
  rd_buf_adds(&q, ") ORDER BY x.item_id, x.person_id");
  rv = json_array_size(ch->rows)
           ? rd_sql_params(c, &s, err, rd_buf_cstr(&q), ids, RD_ITEM_EXPORT_CHUNK)
           : 0;
  rd_buf_term(&q);
  size_t at = 0;
  while (!rv && json_array_size(ch->rows) && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    rv = 0;
    int64_t item = rd_stmt_int64(s, 0);
    json_t *row = NULL;
    int64_t id = 0;
    while (at < json_array_size(ch->rows)) {
      row = json_array_get(ch->rows, at);
      id = (int64_t)strtoll(json_string_value(json_array_get(row, 0)), NULL, 10);
      if (id >= item)
        break;
      at++;
    }
    if (at == json_array_size(ch->rows) || id != item)
      continue;
    int col = strcmp(rd_stmt_text(s, 1), "owner") ? COL_SHARED : COL_OWNERS;
    const char *was = json_string_value(json_array_get(row, (size_t)col));
    rd_buf cell;
    rd_buf_init(&cell);
    if (was)
      rd_buf_printf(&cell, "%s; ", was);
    rd_buf_adds(&cell, rd_stmt_text(s, 2));
    json_array_set_new(row, (size_t)col, json_string(rd_buf_cstr(&cell)));
    rd_buf_term(&cell);
  }
  if (s)
    rd_stmt_done(s);
  return rv < 0 ? rv : 0;
}

/* ---- the export ---- */

int rd_item_export(rd_conn *c, const rd_caller *who, const rd_item_filter *f,
                   rd_item_format format, int fd, rd_err *err) {
  int rv = rd_rec_allow(who, &rd_item_type, RD_REC_READ, err);
  if (rv)
    return rv;
  rd_param p[RD_ITEM_PARAMS_MAX];
  int n = 0;
  char *pattern = NULL;
  rd_buf where;
  rd_buf_init(&where);
  rd_item_where(who, f, &where, p, &n, &pattern);
  sink k = {.format = format, .fd = fd, .header = json_array()};
  rd_buf_init(&k.buf);
  json_t *cf_keys = json_array();
  const char **cells = NULL;
  for (int i = 0; i < NCOLS; i++)
    json_array_append_new(k.header, json_string(COLUMNS[i]));
  rd_stmt *s = NULL;
  rv = rd_sql(c, &s, err,
              "SELECT field_key FROM custom_fields WHERE account_id = ? AND record_type = 'item'"
              " ORDER BY field_key",
              "t", who->account_id);
  while (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
    rv = 0;
    json_array_append_new(cf_keys, json_string(rd_stmt_text(s, 0)));
    char name[RD_ERR_FIELD_MAX];
    snprintf(name, sizeof name, "custom_fields.%s", rd_stmt_text(s, 0));
    json_array_append_new(k.header, json_string(name));
  }
  if (s)
    rd_stmt_done(s);
  if (rv < 0)
    goto out;
  rv = 0;
  k.ncols = (int)json_array_size(k.header);
  cells = rd_calloc((size_t)k.ncols, sizeof *cells);
  if (format == RD_ITEM_CSV) {
    rd_buf_adds(&k.buf, "\xEF\xBB\xBF"); /* UTF-8 BOM: spreadsheets read the file as UTF-8 */
    for (int j = 0; j < k.ncols; j++)
      cells[j] = json_string_value(json_array_get(k.header, (size_t)j));
    put_row(&k, cells);
  } else {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .use_zip64 = LXW_TRUE};
    k.wb = workbook_new_opt(path, &opt);
    if (!k.wb) {
      rv = rd_err_set(err, RD_EIO, "Cannot create the workbook");
      goto out;
    }
    k.bold = workbook_add_format(k.wb);
    format_set_bold(k.bold);
    new_sheet(&k);
  }
  int64_t after = 0;
  for (;;) {
    chunk ch = {.rows = json_array()};
    rv = read_chunk(c, who->account_id, rd_buf_cstr(&where), p, n, cf_keys, after, &ch, err);
    size_t i;
    json_t *row;
    json_array_foreach(ch.rows, i, row) {
      for (int j = 0; j < k.ncols; j++)
        cells[j] = json_string_value(json_array_get(row, (size_t)j));
      put_row(&k, cells);
    }
    size_t got = json_array_size(ch.rows);
    json_decref(ch.rows);
    if (rv || k.failed || got < RD_ITEM_EXPORT_CHUNK)
      break;
    after = ch.last;
  }
  if (format == RD_ITEM_CSV)
    flush(&k, true);
  if (k.wb && workbook_close(k.wb) != LXW_NO_ERROR && !k.failed)
    k.failed = -1;
  k.wb = NULL;
  if (!rv && k.failed)
    rv = rd_err_set(err, RD_EIO, "Cannot write the export (%s)",
                    k.failed > 0 ? strerror(k.failed) : "libxlsxwriter");
out:
  if (k.wb)
    workbook_close(k.wb);
  rd_free(cells);
  json_decref(cf_keys);
  json_decref(k.header);
  rd_buf_term(&k.buf);
  rd_buf_term(&where);
  rd_free(pattern);
  return rv;
}
