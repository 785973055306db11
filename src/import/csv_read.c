/* The streaming CSV reader: see csv_read.h. Bytes flow: BOM sniffing -> iconv (when the
 * file is not UTF-8) -> separator detection on the first line -> one physical line at a
 * time into libcsv, so that the line on which each record starts is known. */
#include "import/csv_read.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/str.h"

enum { CHUNK = 64 * 1024, HEADER_NAME_MAX = 128 };
/* libcsv's parser state before the first byte of a record (ROW_NOT_BEGUN in libcsv.c). */
enum { LIBCSV_ROW_NOT_BEGUN = 0 };

typedef enum { ENC_PENDING, ENC_UTF8, ENC_ICONV } enc_kind;

struct rd_csv {
  struct csv_parser p;
  bool p_ready;
  rd_csv_row_fn fn;
  void *arg;
  bool header;
  char declared[RD_CSV_CHARSET_MAX]; /* the charset given, "" when none */
  char charset[RD_CSV_CHARSET_MAX];  /* the one decoded */
  enc_kind enc;
  iconv_t cd;
  unsigned char pre[4]; /* the first bytes, until the BOM is decided */
  size_t npre;
  char carry[8]; /* an incomplete character at the end of a feed (iconv) */
  size_t ncarry;
  char sep;
  rd_buf first; /* decoded text held until the first line is complete */
  /* lines */
  long line;         /* physical line of the next byte fed to libcsv */
  bool at_line_start;
  long rec_line;     /* line on which the current record starts */
  size_t rec_bytes;  /* bytes fed since the current record started */
  long records;
  /* the record being collected */
  rd_buf row;
  size_t offs[RD_CSV_FIELDS_MAX], lens[RD_CSV_FIELDS_MAX];
  const char *ptrs[RD_CSV_FIELDS_MAX];
  int nfields;
  char *names[RD_CSV_FIELDS_MAX]; /* header names */
  int nnames;
  /* the first error a libcsv callback met */
  int rv;
  rd_err *err;
};

static bool is_utf8_name(const char *cs) {
  return !strcasecmp(cs, "utf-8") || !strcasecmp(cs, "utf8") || !strcasecmp(cs, "us-ascii") ||
         !strcasecmp(cs, "ascii");
}

/* A problem in the file at line, column col (0-based field index; -1: none). */
static int file_error(rd_csv *r, rd_err *err, long line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int file_error(rd_csv *r, rd_err *err, long line, int col, const char *fmt, ...) {
  char msg[RD_ERR_MSG_MAX], where[RD_ERR_FIELD_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (col < 0)
    where[0] = 0;
  else if (col < r->nnames && r->names[col][0])
    snprintf(where, sizeof where, "%s", r->names[col]);
  else
    snprintf(where, sizeof where, "field %d", col + 1);
  if (!err)
    return RD_EBADREQ;
  rd_err_set(err, RD_EBADREQ, "The CSV file cannot be read");
  rd_err_field(err, where, "%s", msg);
  if (err->nitems > 0)
    err->items[err->nitems - 1].line = line > 0 ? line : 1;
  return RD_EBADREQ;
}

static int only_space(unsigned char c) {
  return c == ' '; /* libcsv's default also skips tabs, which may be the separator */
}

int rd_csv_new(const rd_csv_opts *o, rd_csv_row_fn fn, void *arg, rd_csv **out, rd_err *err) {
  const char *cs = o && o->charset ? o->charset : "";
  char sep = o ? o->separator : 0;
  if (strlen(cs) >= RD_CSV_CHARSET_MAX)
    return rd_err_field(err, "charset", "unknown charset");
  if (sep && sep != ',' && sep != ';' && sep != '\t' && sep != '|')
    return rd_err_field(err, "separator", "must be a comma, semicolon, tab or vertical bar");
  rd_csv *r = rd_calloc(1, sizeof *r);
  r->cd = (iconv_t)-1;
  snprintf(r->declared, sizeof r->declared, "%s", cs);
  if (*cs && !is_utf8_name(cs)) {
    r->cd = iconv_open("UTF-8", cs);
    if (r->cd == (iconv_t)-1) {
      rd_free(r);
      return rd_err_field(err, "charset", "unknown charset '%s'", cs);
    }
  }
  if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)) {
    if (r->cd != (iconv_t)-1)
      iconv_close(r->cd);
    rd_free(r);
    return rd_err_set(err, RD_EINTERNAL, "out of memory");
  }
  r->p_ready = true;
  csv_set_space_func(&r->p, only_space);
  r->fn = fn;
  r->arg = arg;
  r->header = o && o->header;
  r->sep = sep;
  r->line = 1;
  r->rec_line = 1;
  r->at_line_start = true;
  rd_buf_init(&r->first);
  rd_buf_init(&r->row);
  *out = r;
  return 0;
}

void rd_csv_free(rd_csv *r) {
  if (!r)
    return;
  if (r->p_ready)
    csv_free(&r->p);
  if (r->cd != (iconv_t)-1)
    iconv_close(r->cd);
  for (int i = 0; i < r->nnames; i++)
    rd_free(r->names[i]);
  rd_buf_term(&r->first);
  rd_buf_term(&r->row);
  rd_free(r);
}

/* ---- libcsv callbacks ---- */

static void on_field(void *s, size_t len, void *data) {
  rd_csv *r = data;
  if (r->rv)
    return;
  if (r->nfields == RD_CSV_FIELDS_MAX) {
    r->rv = file_error(r, r->err, r->rec_line, -1, "more than %d fields in a record",
                       RD_CSV_FIELDS_MAX);
    return;
  }
  r->offs[r->nfields] = r->row.len;
  r->lens[r->nfields] = len;
  r->nfields++;
  if (len)
    rd_buf_add(&r->row, s, len);
  rd_buf_add(&r->row, "", 1);
}

static void on_record(int c, void *data) {
  rd_csv *r = data;
  (void)c;
  if (r->rv)
    return;
  for (int i = 0; i < r->nfields; i++) {
    r->ptrs[i] = r->row.data + r->offs[i];
    /* NUL is refused here: it is what a UTF-16 file without its BOM looks like. */
    if (!rd_utf8_valid(r->ptrs[i], r->lens[i])) {
      const char *what = memchr(r->ptrs[i], 0, r->lens[i])
                             ? "contains a NUL byte (a UTF-16 file needs its byte order mark)"
                             : "is not valid UTF-8 (declare the file's charset, e.g."
                               " charset=windows-1252)";
      r->rv = file_error(r, r->err, r->rec_line, i, "%s", what);
      return;
    }
  }
  if (r->header && r->records == 0) {
    for (int i = 0; i < r->nfields; i++)
      r->names[i] = rd_strndup(r->ptrs[i], r->lens[i] < HEADER_NAME_MAX ? r->lens[i] : HEADER_NAME_MAX);
    r->nnames = r->nfields;
  }
  rd_csv_row row = {.line = r->rec_line, .index = r->records, .nfields = r->nfields,
                    .fields = r->ptrs, .lens = r->lens};
  int rv = r->fn ? r->fn(r->arg, &row, r->err) : 0;
  if (rv)
    r->rv = rv;
  r->records++;
  r->nfields = 0;
  r->row.len = 0;
  r->rec_bytes = 0;
  r->rec_line = r->line; /* a record after a bare CR starts on this same line */
}

/* ---- text into libcsv, one physical line at a time ---- */

static int parse_error(rd_csv *r) {
  int e = csv_error(&r->p);
  if (e == CSV_EPARSE)
    return file_error(r, r->err, r->line, r->nfields,
                      "a quote inside a field that is not quoted, or text after a closing"
                      " quote (quote the whole field and double the quotes in it)");
  return file_error(r, r->err, r->line, r->nfields, "%s", csv_strerror(e));
}

static int lines(rd_csv *r, const char *t, size_t n) {
  while (n > 0) {
    const char *nl = memchr(t, '\n', n);
    size_t seg = nl ? (size_t)(nl - t) + 1 : n;
    if (r->at_line_start && r->p.pstate == LIBCSV_ROW_NOT_BEGUN)
      r->rec_line = r->line;
    size_t done = csv_parse(&r->p, t, seg, on_field, on_record, r);
    if (r->rv)
      return r->rv;
    if (done != seg)
      return parse_error(r);
    if (r->p.pstate != LIBCSV_ROW_NOT_BEGUN) {
      r->rec_bytes += seg;
      if (r->rec_bytes > RD_CSV_RECORD_MAX)
        return file_error(r, r->err, r->rec_line, r->nfields,
                          "record longer than %u bytes (a quote that is never closed?)",
                          RD_CSV_RECORD_MAX);
    }
    if (nl)
      r->line++;
    r->at_line_start = nl != NULL;
    t += seg;
    n -= seg;
  }
  return 0;
}

/* The separator of the first line: the most frequent of , ; tab | outside quotes. */
static char detect_separator(const char *t, size_t n) {
  static const char cands[] = {',', ';', '\t', '|'};
  size_t count[4] = {0};
  bool quoted = false;
  for (size_t i = 0; i < n && t[i] != '\n' && (quoted || t[i] != '\r'); i++) {
    if (t[i] == '"')
      quoted = !quoted;
    else if (!quoted)
      for (int k = 0; k < 4; k++)
        if (t[i] == cands[k])
          count[k]++;
  }
  int best = 0;
  for (int k = 1; k < 4; k++)
    if (count[k] > count[best])
      best = k;
  return cands[best];
}

static int text(rd_csv *r, const char *t, size_t n, bool last) {
  if (!r->sep) {
    rd_buf_add(&r->first, t, n);
    if (!last && !memchr(r->first.data ? r->first.data : "", '\n', r->first.len) &&
        r->first.len < CHUNK)
      return 0;
    r->sep = detect_separator(r->first.data ? r->first.data : "", r->first.len);
    csv_set_delim(&r->p, (unsigned char)r->sep);
    int rv = lines(r, r->first.data ? r->first.data : "", r->first.len);
    rd_buf_term(&r->first);
    rd_buf_init(&r->first);
    return rv;
  }
  if (r->sep && csv_get_delim(&r->p) != (unsigned char)r->sep)
    csv_set_delim(&r->p, (unsigned char)r->sep);
  return lines(r, t, n);
}

/* ---- decoding ---- */

static int decode(rd_csv *r, const char *in, size_t n, bool last) {
  if (r->enc == ENC_UTF8)
    return text(r, in, n, last);
  char out[CHUNK];
  char buf[sizeof r->carry + 256];
  /* First finish a character split across two feeds. */
  while (r->ncarry && n) {
    size_t take = n < 256 ? n : 256;
    memcpy(buf, r->carry, r->ncarry);
    memcpy(buf + r->ncarry, in, take);
    char *ip = buf, *op = out;
    size_t il = r->ncarry + take, ol = sizeof out;
    size_t rc = iconv(r->cd, &ip, &il, &op, &ol);
    size_t used = (size_t)(ip - buf);
    if (rc == (size_t)-1 && errno == EILSEQ)
      return file_error(r, r->err, r->line, -1, "bytes that are not valid %s", r->charset);
    if (used < r->ncarry) { /* still incomplete */
      if (r->ncarry + take > sizeof r->carry)
        return file_error(r, r->err, r->line, -1, "bytes that are not valid %s", r->charset);
      memcpy(r->carry + r->ncarry, in, take);
      r->ncarry += take;
      in += take;
      n -= take;
      continue;
    }
    int rv = text(r, out, (size_t)(op - out), false);
    if (rv)
      return rv;
    in += used - r->ncarry;
    n -= used - r->ncarry;
    r->ncarry = 0;
  }
  while (n > 0) {
    char *ip = (char *)in, *op = out;
    size_t il = n, ol = sizeof out;
    size_t rc = iconv(r->cd, &ip, &il, &op, &ol);
    int e = errno;
    int rv = text(r, out, (size_t)(op - out), false);
    if (rv)
      return rv;
    size_t used = n - il;
    in += used;
    n -= used;
    if (rc != (size_t)-1)
      continue;
    if (e == E2BIG)
      continue;
    if (e == EINVAL && n <= sizeof r->carry) { /* incomplete character at the end */
      memcpy(r->carry, in, n);
      r->ncarry = n;
      break;
    }
    return file_error(r, r->err, r->line, -1, "bytes that are not valid %s", r->charset);
  }
  if (last && r->ncarry)
    return file_error(r, r->err, r->line, -1, "the file ends inside a %s character", r->charset);
  return last ? text(r, "", 0, true) : 0;
}

static int open_iconv(rd_csv *r, const char *cs, rd_err *err) {
  if (r->cd != (iconv_t)-1)
    iconv_close(r->cd);
  r->cd = iconv_open("UTF-8", cs);
  if (r->cd == (iconv_t)-1)
    return rd_err_set(err, RD_EINTERNAL, "iconv cannot decode %s", cs);
  return 0;
}

/* Decides the encoding from the first bytes (a BOM wins over a declared charset). */
static int sniff(rd_csv *r, rd_err *err) {
  const unsigned char *b = r->pre;
  size_t skip = 0;
  const char *cs = NULL;
  if (r->npre >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
    cs = "utf-8";
    skip = 3;
  } else if (r->npre >= 2 && b[0] == 0xFF && b[1] == 0xFE) {
    cs = "utf-16le";
    skip = 2;
  } else if (r->npre >= 2 && b[0] == 0xFE && b[1] == 0xFF) {
    cs = "utf-16be";
    skip = 2;
  } else {
    cs = r->declared[0] ? r->declared : "utf-8";
  }
  snprintf(r->charset, sizeof r->charset, "%s", cs);
  if (is_utf8_name(cs)) {
    r->enc = ENC_UTF8;
  } else {
    if (skip || r->cd == (iconv_t)-1) {
      int rv = open_iconv(r, cs, err);
      if (rv)
        return rv;
    }
    r->enc = ENC_ICONV;
  }
  return decode(r, (const char *)b + skip, r->npre - skip, false);
}

int rd_csv_feed(rd_csv *r, const void *data, size_t len, rd_err *err) {
  if (r->rv)
    return r->rv;
  r->err = err;
  const char *in = data;
  if (r->enc == ENC_PENDING) {
    while (len > 0 && r->npre < sizeof r->pre) {
      r->pre[r->npre++] = (unsigned char)*in++;
      len--;
    }
    if (r->npre < sizeof r->pre)
      return 0;
    r->rv = sniff(r, err);
    if (r->rv)
      return r->rv;
  }
  r->rv = decode(r, in, len, false);
  return r->rv;
}

int rd_csv_finish(rd_csv *r, rd_err *err) {
  if (r->rv)
    return r->rv;
  r->err = err;
  if (r->enc == ENC_PENDING) {
    r->rv = sniff(r, err);
    if (r->rv)
      return r->rv;
  }
  r->rv = decode(r, "", 0, true);
  if (r->rv)
    return r->rv;
  if (csv_fini(&r->p, on_field, on_record, r) != 0 && !r->rv)
    r->rv = file_error(r, err, r->rec_line, r->nfields,
                       "the file ends inside a quoted field (a quote is never closed)");
  return r->rv;
}

int rd_csv_read_fd(rd_csv *r, int fd, rd_err *err) {
  char *buf = rd_malloc(CHUNK);
  int rv = 0;
  for (;;) {
    ssize_t n = read(fd, buf, CHUNK);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      rv = rd_err_set(err, RD_EIO, "cannot read the import file");
      break;
    }
    if (n == 0) {
      rv = rd_csv_finish(r, err);
      break;
    }
    rv = rd_csv_feed(r, buf, (size_t)n, err);
    if (rv)
      break;
  }
  rd_free(buf);
  return rv;
}

char rd_csv_separator(const rd_csv *r) {
  return r->sep;
}
const char *rd_csv_charset(const rd_csv *r) {
  return r->charset[0] ? r->charset : (r->declared[0] ? r->declared : "utf-8");
}
long rd_csv_records(const rd_csv *r) {
  return r->records;
}
long rd_csv_lines(const rd_csv *r) {
  return r->line;
}
const char *rd_csv_header_name(const rd_csv *r, int i) {
  return i >= 0 && i < r->nnames ? r->names[i] : NULL;
}
