/* libFuzzer target (REL-3, IMP-5): the CSV-to-rows path of imports, bytes to person
 * records without a database: rd_csv (BOM sniffing, iconv, separator detection, libcsv,
 * physical lines), rd_import_map_build on the header and rd_import_record_map on every
 * record.
 *
 * The first input byte picks the options (charset none / windows-1252 / utf-16le,
 * separator auto / ';', header or not) and the chunk size; the rest is the file.
 * Invariants checked (abort() makes libFuzzer and the corpus replay report them):
 *  - every field handed out is valid UTF-8 without NUL, NUL-terminated at its length;
 *  - record lines never go down, record numbers count up from 0;
 *  - the rows and the outcome are the same whether the file is fed at once or in chunks;
 *  - an error names a line and the message is not empty.
 *
 * Built by RD_FUZZ with clang (make fuzz); tests/fuzz/replay_test.c also compiles this file
 * into the unit tests under another entry name and runs the corpus through it. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "import/import.h"
#include "import/csv_read.h"

#ifndef RD_FUZZ_CSV_ENTRY
#define RD_FUZZ_CSV_ENTRY LLVMFuzzerTestOneInput
#endif

int RD_FUZZ_CSV_ENTRY(const uint8_t *data, size_t size);

typedef struct csv_fz {
  bool header;
  rd_import_map map;
  bool mapped;
  long last_line, next_index;
  uint64_t digest; /* of every row, to compare two readings */
} csv_fz;

static void csv_fz_mix(csv_fz *f, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    f->digest = (f->digest ^ b[i]) * 1099511628211ull;
}

static int csv_fz_row(void *arg, const rd_csv_row *row, rd_err *err) {
  csv_fz *f = arg;
  if (row->line < f->last_line || row->line < 1 || row->index != f->next_index)
    abort();
  f->last_line = row->line;
  f->next_index++;
  csv_fz_mix(f, &row->line, sizeof row->line);
  for (int i = 0; i < row->nfields; i++) {
    if (!rd_utf8_valid(row->fields[i], row->lens[i]) || row->fields[i][row->lens[i]] != 0)
      abort();
    csv_fz_mix(f, row->fields[i], row->lens[i] + 1);
  }
  rd_err local;
  rd_err_clear(&local);
  if (row->index == 0 && (f->header || !f->mapped)) {
    f->mapped = true;
    rd_import_map_build(f->header ? row : NULL, NULL, &f->map, &local);
    if (f->header)
      return 0;
  }
  rd_import_record rec;
  rd_err_clear(&local);
  rd_import_record_map(&f->map, row, &rec, &local);
  if (rec.person && !json_is_object(rec.person))
    abort();
  rd_import_record_term(&rec);
  (void)err;
  return 0;
}

/* Reads the file in chunks of step bytes (0: at once). */
static int csv_fz_read(const uint8_t *d, size_t n, size_t step, const rd_csv_opts *o, csv_fz *f,
                       rd_err *err) {
  rd_csv *r = NULL;
  int rv = rd_csv_new(o, csv_fz_row, f, &r, err);
  for (size_t off = 0; !rv && off < n; off += step ? step : n)
    rv = rd_csv_feed(r, d + off, step && n - off > step ? step : n - off, err);
  if (!rv)
    rv = rd_csv_finish(r, err);
  rd_csv_free(r);
  return rv;
}

int RD_FUZZ_CSV_ENTRY(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  uint8_t opt = data[0];
  static const char *const CHARSETS[] = {NULL, "windows-1252", "utf-16le", NULL};
  rd_csv_opts o = {.charset = CHARSETS[opt & 3], .separator = (opt & 4) ? ';' : 0,
                   .header = (opt & 8) != 0};
  size_t step = (size_t)(opt >> 4) + 1;
  csv_fz a = {.header = o.header}, b = {.header = o.header};
  rd_err ea, eb;
  rd_err_clear(&ea);
  rd_err_clear(&eb);
  int ra = csv_fz_read(data + 1, size - 1, 0, &o, &a, &ea);
  int rb = csv_fz_read(data + 1, size - 1, step, &o, &b, &eb);
  if (ra != rb || a.digest != b.digest || a.next_index != b.next_index)
    abort();
  if (ra && (!ea.message[0] || (ea.nitems && ea.items[0].line < 1)))
    abort();
  if (ra && ea.nitems && eb.nitems && ea.items[0].line != eb.items[0].line)
    abort();
  return 0;
}
