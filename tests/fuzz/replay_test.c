/* Replays the fuzz corpus in the unit tests (REL-3), so that every `make test` runs each
 * corpus file once through the same entry function the fuzzer uses, in the plain build and
 * in the AddressSanitizer/UBSan build.
 *
 * Why a Criterion test rather than a script running the libFuzzer binaries over the
 * corpus: those binaries need clang's -fsanitize=fuzzer, while `make test` builds with the
 * default compiler (gcc on Debian) and must not depend on clang; a unit test needs no extra
 * build directory, no extra script in the Makefile, and reports through the same runner.
 * The fuzz sources are included here with their entry renamed (two LLVMFuzzerTestOneInput
 * symbols could not share one program); their helpers carry distinct prefixes for that. */
#define RD_FUZZ_JSON_BODY_ENTRY rd_fuzz_json_body
#include "fuzz_json_body.c"
#define RD_FUZZ_QUERY_ENTRY rd_fuzz_query
#include "fuzz_query.c"
#define RD_FUZZ_CSV_ENTRY rd_fuzz_csv
#include "fuzz_csv.c"
#define RD_FUZZ_PNG_ENTRY rd_fuzz_png
#include "fuzz_png.c"
#define RD_FUZZ_MIME_ENTRY rd_fuzz_mime
#include "fuzz_mime.c"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>

#include "harness/png.h"

typedef int (*entry_fn)(const uint8_t *, size_t);

/* Runs every regular file of corpus/<target> through fn; returns how many. */
static int replay(const char *target, entry_fn fn) {
  char dir[512];
  snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", RD_SOURCE_DIR, target);
  DIR *d = opendir(dir);
  cr_assert_not_null(d, "corpus %s", dir);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    uint8_t *buf = malloc(RD_JSON_BODY_MAX + 1);
    size_t len = fread(buf, 1, RD_JSON_BODY_MAX + 1, f);
    fclose(f);
    cr_log_info("replaying %s (%zu bytes)", e->d_name, len);
    cr_assert_eq(fn(buf, len), 0, "%s", path);
    free(buf);
    n++;
  }
  closedir(d);
  return n;
}

Test(fuzz_replay, json_body_corpus) {
  cr_assert_geq(replay("fuzz_json_body", rd_fuzz_json_body), 5, "the corpus is missing");
}

Test(fuzz_replay, query_corpus) {
  cr_assert_geq(replay("fuzz_query", rd_fuzz_query), 5, "the corpus is missing");
}

/* Inputs too large to keep as corpus files: very deep nesting and long bodies. */
Test(fuzz_replay, generated_extremes) {
  size_t n = 200000;
  uint8_t *buf = malloc(2 * n + 16);
  memset(buf, '[', n);
  memset(buf + n, ']', n);
  cr_assert_eq(rd_fuzz_json_body(buf, 2 * n), 0);
  memcpy(buf, "{\"a\":", 5);
  for (size_t i = 5; i + 5 <= n; i += 5)
    memcpy(buf + i, "{\"a\":", 5);
  memset(buf + n, '}', n);
  cr_assert_eq(rd_fuzz_json_body(buf, 2 * n), 0);
  memset(buf, 'A', 4096);
  cr_assert_eq(rd_fuzz_query(buf, 4096), 0);
  free(buf);
}

Test(fuzz_replay, csv_corpus) {
  cr_assert_geq(replay("fuzz_csv", rd_fuzz_csv), 5, "the corpus is missing");
}

/* IMP-5: a record over RD_CSV_RECORD_MAX (a quote never closed), too big to keep as a file. */
Test(fuzz_replay, csv_generated_extremes) {
  size_t n = RD_CSV_RECORD_MAX + 4096;
  uint8_t *buf = malloc(n + 8);
  memcpy(buf, "\x08a\n\"", 4);
  memset(buf + 4, 'y', n);
  cr_assert_eq(rd_fuzz_csv(buf, n + 4), 0);
  buf[0] = 0xF2; /* utf-16le, chunks of 16 */
  cr_assert_eq(rd_fuzz_csv(buf, n + 4), 0);
  free(buf);
}

Test(fuzz_replay, mime_corpus) {
  cr_assert_geq(replay("fuzz_mime", rd_fuzz_mime), 5, "the corpus is missing");
}

/* CUST-9: a message with more attachments than RD_MIME_PARTS_MAX, and one long HTML body. */
Test(fuzz_replay, mime_generated_extremes) {
  rd_buf b;
  rd_buf_init(&b);
  rd_buf_adds(&b, "From: a@b.c\r\nMIME-Version: 1.0\r\n"
                  "Content-Type: multipart/mixed; boundary=X\r\n\r\n");
  for (int i = 0; i < RD_MIME_PARTS_MAX + 10; i++)
    rd_buf_printf(&b, "--X\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment;"
                      " filename=\"../f%d.pdf\"\r\n\r\n%d\r\n", i, i);
  rd_buf_adds(&b, "--X--\r\n");
  cr_assert_eq(rd_fuzz_mime((const uint8_t *)b.data, b.len), 0);
  rd_mime_msg m;
  cr_assert_eq(rd_mime_parse(b.data, b.len, &m, NULL), 0);
  cr_assert_eq(m.nparts, RD_MIME_PARTS_MAX);
  cr_assert_eq(m.parts_dropped, 10);
  cr_assert_str_eq(m.parts[0].filename, ".._f0.pdf");
  rd_mime_msg_term(&m);
  b.len = 0;
  rd_buf_adds(&b, "From: a@b.c\r\nContent-Type: text/html\r\n\r\n");
  for (int i = 0; i < 200000; i++)
    rd_buf_adds(&b, "<p>x &amp; &#x1F600; &#0; <b");
  cr_assert_eq(rd_fuzz_mime((const uint8_t *)b.data, b.len), 0);
  rd_buf_term(&b);
}

Test(fuzz_replay, png_corpus) {
  cr_assert_geq(replay("fuzz_png", rd_fuzz_png), 5, "the corpus is missing");
}

/* PART-5: files too large to keep as corpus files (a 16-bit stored image over 256 KB,
 * bombs of 100 MB), and every PNG format, plain and interlaced, with and without the
 * CRC-fixing option byte. */
static void png_replay(unsigned char *png, size_t len) {
  cr_assert_not_null(png);
  uint8_t *in = malloc(len + 1);
  memcpy(in + 1, png, len);
  for (int opt = 0; opt < 2; opt++) {
    in[0] = (uint8_t)opt;
    cr_assert_eq(rd_fuzz_png(in, len + 1), 0);
  }
  free(in);
  free(png);
}

Test(fuzz_replay, png_generated_extremes) {
  size_t len = 0;
  unsigned char *png = tp_png(500, 70, 16, 0, 0, &len);
  png_replay(png, len);
  png = tp_png(500, 70, 8, 9, 1000, &len);
  png_replay(png, len);
  png = tp_png_bomb(100000, 100000, 100u << 20, &len);
  png_replay(png, len);
  png = tp_png_bomb(500, 70, 100u << 20, &len);
  png_replay(png, len);
  png = tp_png_ztxt_bomb(100u << 20, &len);
  png_replay(png, len);
  static const int FORMATS[][2] = {{0, 1}, {0, 16}, {2, 8}, {3, 4}, {4, 8}, {6, 16}};
  for (size_t i = 0; i < sizeof FORMATS / sizeof *FORMATS; i++)
    for (int interlace = 0; interlace < 2; interlace++) {
      png = tp_png_spng(500, 70, FORMATS[i][0], FORMATS[i][1], interlace, &len);
      png_replay(png, len);
    }
}
