/* Unit tests of rd_banner_check (src/domain/banner.c, PART-5): the PNG a banner must be,
 * made here with zlib (tests/harness/png.h). Valid images of every depth pass; anything
 * else is refused with a reason, an oversized file with 413; decompression bombs are
 * refused before libspng allocates anything (the IHDR is read first) or within the
 * decoder's memory budget (bombs inside the image or its ancillary chunks). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/banner.h"
#include "harness/png.h"

static int check(const unsigned char *png, size_t len, size_t *peak, rd_err *err) {
  rd_err_clear(err);
  return rd_banner_check(png, len, peak, err);
}

/* The message of the first error item (or the summary when there is none). */
static const char *why(const rd_err *err) {
  return err->nitems ? err->items[0].message : err->message;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

Test(banner_check, PART5_a_500x70_png_passes_at_8_and_16_bits) {
  rd_err err;
  size_t len = 0, peak = 0;
  unsigned char *png = tp_png(500, 70, 8, 9, 0, &len);
  cr_assert_eq(check(png, len, &peak, &err), 0, "%s", why(&err));
  cr_assert_gt(peak, 0, "libspng decoded it");
  cr_log_info("a 500x70 banner of %zu bytes: decoded in at most %zu bytes", len, peak);
  cr_assert_leq(peak, RD_BANNER_DECODE_MEM_MAX);
  free(png);
  png = tp_png(500, 70, 16, 6, 0, &len);
  cr_assert_lt(len, RD_BANNER_MAX);
  cr_assert_eq(check(png, len, NULL, &err), 0, "%s", why(&err));
  free(png);
  png = tp_png(500, 70, 8, 0, 100, &len); /* stored, with a tEXt chunk */
  cr_assert_eq(check(png, len, NULL, &err), 0, "%s", why(&err));
  free(png);
}

/* Every colour type and bit depth, plain and interlaced (Adam7), made by libspng's encoder:
 * the image data bound (banner.c's image_bytes) holds for each. */
Test(banner_check, PART5_every_png_format_passes_plain_and_interlaced) {
  static const int FORMATS[][2] = {{0, 1}, {0, 2}, {0, 4}, {0, 8}, {0, 16}, {2, 8}, {2, 16},
                                   {3, 1}, {3, 2}, {3, 4}, {3, 8}, {4, 8}, {4, 16}, {6, 8},
                                   {6, 16}};
  for (size_t i = 0; i < sizeof FORMATS / sizeof *FORMATS; i++)
    for (int interlace = 0; interlace < 2; interlace++) {
      rd_err err;
      size_t len = 0;
      unsigned char *png = tp_png_spng(500, 70, FORMATS[i][0], FORMATS[i][1], interlace, &len);
      cr_assert_not_null(png, "libspng could not encode colour %d depth %d", FORMATS[i][0],
                         FORMATS[i][1]);
      cr_assert_eq(check(png, len, NULL, &err), 0, "colour %d, depth %d, interlace %d: %s",
                   FORMATS[i][0], FORMATS[i][1], interlace, why(&err));
      free(png);
    }
}

Test(banner_check, PART5_not_a_png_or_empty_is_refused) {
  rd_err err;
  const char *text = "GIF89a this is not a PNG at all";
  cr_assert_eq(check((const unsigned char *)text, strlen(text), NULL, &err), RD_EINVAL);
  cr_assert_str_eq(err.items[0].field, "body");
  cr_assert(strstr(why(&err), "not a PNG"), "%s", why(&err));
  cr_assert_eq(check((const unsigned char *)"", 0, NULL, &err), RD_EINVAL);
  cr_assert(strstr(why(&err), "empty"), "%s", why(&err));
}

Test(banner_check, PART5_every_truncation_is_refused) {
  rd_err err;
  size_t len = 0;
  unsigned char *png = tp_png(500, 70, 8, 9, 0, &len);
  for (size_t cut = 1; cut < len; cut++) {
    cr_assert_eq(check(png, cut, NULL, &err), RD_EINVAL, "a file cut at %zu of %zu passed", cut,
                 len);
    cr_assert_neq(err.nitems, 0);
  }
  /* cut before IEND: the image is whole, the file is not */
  cr_assert_eq(check(png, len - 12, NULL, &err), RD_EINVAL);
  cr_assert(strstr(why(&err), "truncated"), "%s", why(&err));
  /* nor anything after IEND */
  png = realloc(png, len + 3);
  memcpy(png + len, "abc", 3);
  cr_assert_eq(check(png, len + 3, NULL, &err), RD_EINVAL);
  cr_assert(strstr(why(&err), "after its IEND"), "%s", why(&err));
  free(png);
}

Test(banner_check, PART5_a_bad_crc_is_refused) {
  rd_err err;
  size_t len = 0;
  unsigned char *png = tp_png(500, 70, 8, 9, 0, &len);
  size_t at[] = {30, len - 14, len - 1}; /* IHDR's CRC, IDAT's CRC, IEND's CRC */
  for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
    png[at[i]] ^= 0x40;
    cr_assert_eq(check(png, len, NULL, &err), RD_EINVAL, "a flipped byte at %zu passed", at[i]);
    cr_assert(strstr(why(&err), "damaged"), "byte %zu: %s", at[i], why(&err));
    png[at[i]] ^= 0x40;
  }
  /* damaged data: the CRC or the stream finds it, whichever comes first */
  for (size_t i = 41; i < len - 12; i += 97) {
    png[i] ^= 0x01;
    cr_assert_eq(check(png, len, NULL, &err), RD_EINVAL, "a flipped byte at %zu passed", i);
    png[i] ^= 0x01;
  }
  cr_assert_eq(check(png, len, NULL, &err), 0, "%s", why(&err));
  free(png);
}

Test(banner_check, PART5_the_wrong_size_is_refused_naming_it) {
  rd_err err;
  uint32_t sizes[][2] = {{501, 70}, {500, 69}, {499, 70}, {70, 500}, {1, 1}};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    size_t len = 0, peak = 1;
    unsigned char *png = tp_png(sizes[i][0], sizes[i][1], 8, 9, 0, &len);
    cr_assert_eq(check(png, len, &peak, &err), RD_EINVAL);
    char want[32];
    snprintf(want, sizeof want, "is %ux%u pixels", sizes[i][0], sizes[i][1]);
    cr_assert(strstr(why(&err), want), "%s", why(&err));
    cr_assert(strstr(why(&err), "500x70"), "%s", why(&err));
    cr_assert_eq(peak, 0, "decoded a file of the wrong size");
    free(png);
  }
}

Test(banner_check, PART5_over_256_kb_is_413) {
  rd_err err;
  size_t len = 0;
  /* a valid 500x70 image, stored at 16 bits: 280,000 bytes of pixels */
  unsigned char *png = tp_png(500, 70, 16, 0, 0, &len);
  cr_assert_gt(len, RD_BANNER_MAX);
  cr_assert_eq(check(png, len, NULL, &err), RD_ETOOBIG);
  cr_assert(strstr(err.message, "256 KB"), "%s", err.message);
  free(png);
  /* a tEXt chunk makes it just over */
  png = tp_png(500, 70, 8, 9, RD_BANNER_MAX, &len);
  cr_assert_eq(check(png, len, NULL, &err), RD_ETOOBIG);
  cr_assert_eq(check(png, RD_BANNER_MAX + 1, NULL, &err), RD_ETOOBIG);
  free(png);
}

/* The IHDR of a bomb claims 100000x100000 pixels (40 GB as RGBA) over an IDAT of 100 MB of
 * zeros in 100 KB: refused from the bytes of IHDR, libspng never runs (peak 0). */
Test(banner_check, PART5_a_decompression_bomb_is_refused_before_any_allocation) {
  rd_err err;
  size_t len = 0, peak = 1;
  unsigned char *png = tp_png_bomb(100000, 100000, 100u << 20, &len);
  cr_assert_lt(len, RD_BANNER_MAX);
  double t0 = now_s();
  cr_assert_eq(check(png, len, &peak, &err), RD_EINVAL);
  double took = now_s() - t0;
  cr_assert(strstr(why(&err), "100000x100000"), "%s", why(&err));
  cr_assert_eq(peak, 0, "libspng allocated %zu bytes for a bomb", peak);
  cr_assert_lt(took, 0.05, "took %.3f s", took);
  free(png);
}

/* Bombs a size check cannot see: a 500x70 IHDR over 200 MB of zeros, and a zTXt chunk that
 * inflates to 200 MB. Refused (or, for the image, decoded only as far as 70 rows), within
 * the memory budget, quickly. */
Test(banner_check, PART5_bombs_inside_the_image_or_its_chunks_stay_within_the_budget) {
  rd_err err;
  size_t len = 0, peak = 0;
  unsigned char *png = tp_png_bomb(500, 70, 200u << 20, &len);
  cr_assert_lt(len, RD_BANNER_MAX);
  double t0 = now_s();
  int rv = check(png, len, &peak, &err);
  cr_assert_eq(rv, RD_EINVAL, "an image with 200 MB of data for 35 KB of pixels passed");
  cr_assert(strstr(why(&err), "bomb"), "%s", why(&err));
  cr_assert_leq(peak, RD_BANNER_DECODE_MEM_MAX);
  cr_assert_lt(now_s() - t0, 2.0);
  cr_log_info("image bomb: %s (peak %zu)", why(&err), peak);
  free(png);
  png = tp_png_ztxt_bomb(200u << 20, &len);
  cr_assert_lt(len, RD_BANNER_MAX);
  t0 = now_s();
  rv = check(png, len, &peak, &err);
  cr_assert_eq(rv, RD_EINVAL, "a zTXt chunk inflating to 200 MB passed");
  cr_assert_leq(peak, RD_BANNER_DECODE_MEM_MAX);
  cr_assert_lt(now_s() - t0, 2.0);
  cr_log_info("zTXt bomb: %s (peak %zu)", why(&err), peak);
  free(png);
}
