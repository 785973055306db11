/* The streaming CSV reader of imports (IMP-2, IMP-5): bytes in, records out, memory bounded
 * by the largest record whatever the file's size. It decodes the file to UTF-8 (a UTF-8 BOM
 * is dropped, UTF-16 is recognized by its BOM, any other declared charset such as
 * windows-1252 goes through iconv), finds the separator (comma, semicolon or tab, from the
 * first line, unless one is given), hands the text to libcsv (strict mode: quotes only
 * around whole fields), and calls back once per record with its fields and the physical
 * line on which it starts (1-based; a quoted field spanning lines moves the next record
 * further down). CRLF, LF and CR line ends are accepted.
 *
 * Errors stop reading; err gets the line and the column (the header's name for it when
 * header is set, else "field N"): bytes not valid in the charset, a broken quote, a record
 * over RD_CSV_RECORD_MAX bytes or RD_CSV_FIELDS_MAX fields. Not thread-safe per reader;
 * readers are independent. */
#ifndef RD_IMPORT_CSV_READ_H
#define RD_IMPORT_CSV_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

#define RD_CSV_RECORD_MAX (1u << 20) /* bytes of one record, after decoding */
#define RD_CSV_FIELDS_MAX 256
#define RD_CSV_CHARSET_MAX 32

typedef struct rd_csv_opts {
  const char *charset; /* NULL or "": UTF-8, or UTF-16 when the file starts with its BOM */
  char separator;      /* 0: detect from the first line */
  bool header;         /* the first record names the columns (used in error messages) */
} rd_csv_opts;

typedef struct rd_csv_row {
  long line;   /* physical line on which the record starts */
  long index;  /* 0-based record number in the file (the header is record 0) */
  int nfields;
  const char *const *fields; /* each NUL-terminated; lens[i] bytes (may hold NULs) */
  const size_t *lens;
} rd_csv_row;

/* Return 0 to go on, a negative RD_E* code (with err filled) to stop reading. */
typedef int (*rd_csv_row_fn)(void *arg, const rd_csv_row *row, rd_err *err);

typedef struct rd_csv rd_csv;

/* A new reader; *out owned by the caller (rd_csv_free). RD_EINVAL for an unknown charset
 * or separator. */
int rd_csv_new(const rd_csv_opts *o, rd_csv_row_fn fn, void *arg, rd_csv **out, rd_err *err);
void rd_csv_free(rd_csv *r);
/* Feeds the next bytes of the file (any chunking); calls fn for every completed record. */
int rd_csv_feed(rd_csv *r, const void *data, size_t len, rd_err *err);
/* Ends the file: the last record (without a line end) is completed; an open quote is an
 * error. */
int rd_csv_finish(rd_csv *r, rd_err *err);
/* Reads the whole file fd through r (rd_csv_feed + rd_csv_finish). */
int rd_csv_read_fd(rd_csv *r, int fd, rd_err *err);

/* What the reader found: the separator (after detection), the charset it decodes
 * ("utf-8", "utf-16le", "utf-16be" or the one given), records and physical lines so far,
 * and bytes of the file consumed. */
char rd_csv_separator(const rd_csv *r);
const char *rd_csv_charset(const rd_csv *r);
long rd_csv_records(const rd_csv *r);
long rd_csv_lines(const rd_csv *r);
/* The header's name of column i (0-based), or NULL when there is no header or no such
 * column. Valid while r lives. */
const char *rd_csv_header_name(const rd_csv *r, int i);

#endif
