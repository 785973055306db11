/* libFuzzer target (REL-3, PART-5): rd_banner_check (src/domain/banner.c), the check every
 * uploaded banner goes through: the bytes of the signature, IHDR and chunk lengths, then
 * libspng decoding the image within a memory budget, then the image data's bound.
 *
 * The first input byte picks the options: bit 0 set recomputes every chunk's CRC before
 * the check (so that mutations reach libspng's decoder instead of stopping at a CRC); the
 * rest is the file. Invariants checked (abort() makes libFuzzer and the corpus replay
 * report them):
 *  - the answer is 0, 422 (an item on "body" with a message) or 413 (only over 256 KB);
 *  - libspng and zlib never hold more than RD_BANNER_DECODE_MEM_MAX at once;
 *  - a wrong size in IHDR is refused before libspng runs (peak 0);
 *  - an accepted file is at most 256 KB, 500x70 in its IHDR, ends with IEND, and libspng
 *    with its default settings decodes it whole to RGBA8;
 *  - the same file gets the same answer twice.
 *
 * Built by RD_FUZZ with clang (make fuzz); tests/fuzz/replay_test.c also compiles this file
 * into the unit tests under another entry name and runs the corpus through it. */
#include <spng.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/err.h"
#include "domain/banner.h"

#ifndef RD_FUZZ_PNG_ENTRY
#define RD_FUZZ_PNG_ENTRY LLVMFuzzerTestOneInput
#endif

int RD_FUZZ_PNG_ENTRY(const uint8_t *data, size_t size);

static uint32_t png_fz_be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Rewrites the CRC of every whole chunk after the signature. */
static void png_fz_fix_crcs(uint8_t *p, size_t len) {
  for (size_t off = 8; off + 12 <= len;) {
    uint32_t n = png_fz_be32(p + off);
    if (n > len - off - 12)
      break;
    uint32_t crc = (uint32_t)crc32(0, p + off + 4, 4 + n);
    uint8_t *c = p + off + 8 + n;
    c[0] = (uint8_t)(crc >> 24);
    c[1] = (uint8_t)(crc >> 16);
    c[2] = (uint8_t)(crc >> 8);
    c[3] = (uint8_t)crc;
    off += 12 + (size_t)n;
  }
}

/* Whether libspng, left at its defaults, decodes png whole as a 500x70 RGBA8 image. */
static int png_fz_plain_decode(const uint8_t *png, size_t len) {
  spng_ctx *ctx = spng_ctx_new(0);
  size_t out_len = 0;
  int e = spng_set_png_buffer(ctx, png, len);
  if (!e)
    e = spng_decoded_image_size(ctx, SPNG_FMT_RGBA8, &out_len);
  if (!e && out_len != (size_t)RD_BANNER_WIDTH * RD_BANNER_HEIGHT * 4)
    e = -100;
  unsigned char *out = e ? NULL : malloc(out_len);
  if (!e)
    e = spng_decode_image(ctx, out, out_len, SPNG_FMT_RGBA8, 0);
  free(out);
  spng_ctx_free(ctx);
  return e;
}

int RD_FUZZ_PNG_ENTRY(const uint8_t *data, size_t size) {
  if (size < 1 || size > RD_BANNER_MAX + 2)
    return 0;
  size_t len = size - 1;
  uint8_t *png = malloc(len ? len : 1);
  if (!png)
    return 0;
  if (len)
    memcpy(png, data + 1, len);
  if (data[0] & 1)
    png_fz_fix_crcs(png, len);
  rd_err err, again;
  rd_err_clear(&err);
  rd_err_clear(&again);
  size_t peak = 0;
  int rv = rd_banner_check(png, len, &peak, &err);
  if (rv != rd_banner_check(png, len, NULL, &again) || strcmp(err.message, again.message))
    abort();
  if (peak > RD_BANNER_DECODE_MEM_MAX)
    abort();
  if (rv == RD_ETOOBIG && len <= RD_BANNER_MAX)
    abort();
  if (rv == RD_EINVAL && (err.nitems < 1 || strcmp(err.items[0].field, "body") ||
                          !err.items[0].message[0]))
    abort();
  if (rv && rv != RD_EINVAL && rv != RD_ETOOBIG)
    abort();
  if (rv && err.code != rv)
    abort();
  /* a wrong size in the IHDR's bytes: refused before libspng */
  if (len >= 24 && (png_fz_be32(png + 16) != RD_BANNER_WIDTH ||
                    png_fz_be32(png + 20) != RD_BANNER_HEIGHT) && (rv == 0 || peak != 0))
    abort();
  if (rv == 0) {
    static const uint8_t IEND[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
    if (len > RD_BANNER_MAX || len < 45 || memcmp(png + len - 12, IEND, 12))
      abort();
    if (png_fz_plain_decode(png, len))
      abort();
  }
  free(png);
  return 0;
}
