/* PNG files for the tests: see png.h. */
#include "harness/png.h"

#include <spng.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct tp_buf {
  unsigned char *p;
  size_t len, cap;
} tp_buf;

static void put(tp_buf *b, const void *d, size_t n) {
  if (b->len + n > b->cap) {
    b->cap = (b->len + n) * 2 + 64;
    b->p = realloc(b->p, b->cap);
  }
  memcpy(b->p + b->len, d, n);
  b->len += n;
}

static void put32(tp_buf *b, uint32_t v) {
  unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                        (unsigned char)(v >> 8), (unsigned char)v};
  put(b, x, 4);
}

/* One chunk: length, type, data, CRC of type and data. */
static void chunk(tp_buf *b, const char *type, const void *data, size_t n) {
  put32(b, (uint32_t)n);
  put(b, type, 4);
  if (n)
    put(b, data, n);
  uLong crc = crc32(0, (const Bytef *)type, 4);
  if (n)
    crc = crc32(crc, data, (uInt)n);
  put32(b, (uint32_t)crc);
}

static void head(tp_buf *b, uint32_t w, uint32_t h, int bits, int colour) {
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  put(b, sig, 8);
  unsigned char ihdr[13] = {(unsigned char)(w >> 24), (unsigned char)(w >> 16),
                            (unsigned char)(w >> 8),  (unsigned char)w,
                            (unsigned char)(h >> 24), (unsigned char)(h >> 16),
                            (unsigned char)(h >> 8),  (unsigned char)h,
                            (unsigned char)bits,      (unsigned char)colour, 0, 0, 0};
  chunk(b, "IHDR", ihdr, sizeof ihdr);
}

/* The deflate of n bytes of data (or of zeros, data NULL), fed in pieces. */
static tp_buf deflate_of(const unsigned char *data, uint64_t n, int level) {
  tp_buf out = {0};
  z_stream z;
  memset(&z, 0, sizeof z);
  deflateInit(&z, level);
  static const unsigned char zero[65536];
  unsigned char piece[65536];
  uint64_t done = 0;
  int flush = Z_NO_FLUSH;
  do {
    size_t take = n - done > sizeof zero ? sizeof zero : (size_t)(n - done);
    z.next_in = (Bytef *)(data ? data + done : zero);
    z.avail_in = (uInt)take;
    done += take;
    flush = done == n ? Z_FINISH : Z_NO_FLUSH;
    do {
      z.next_out = piece;
      z.avail_out = sizeof piece;
      deflate(&z, flush);
      put(&out, piece, sizeof piece - z.avail_out);
    } while (z.avail_out == 0);
  } while (flush != Z_FINISH);
  deflateEnd(&z);
  return out;
}

unsigned char *tp_png(uint32_t w, uint32_t h, int bits, int level, size_t text_len, size_t *len) {
  tp_buf b = {0};
  head(&b, w, h, bits, 6);
  if (text_len) {
    tp_buf t = {0};
    put(&t, "Comment", 8); /* keyword and its NUL */
    for (size_t i = 0; i < text_len; i++)
      put(&t, "x", 1);
    chunk(&b, "tEXt", t.p, t.len);
    free(t.p);
  }
  size_t px = (size_t)bits / 2; /* bytes per pixel: 4 or 8 */
  size_t stride = 1 + (size_t)w * px, raw_len = stride * h;
  unsigned char *raw = calloc(1, raw_len);
  for (uint32_t y = 0; y < h; y++)
    for (uint32_t x = 0; x < w; x++) {
      unsigned char *p = raw + y * stride + 1 + x * px;
      for (size_t c = 0; c < px; c++)
        p[c] = (unsigned char)(c % 4 == 0 ? x : c % 4 == 1 ? y * 3 : c % 4 == 2 ? x + y : 255);
    }
  tp_buf z = deflate_of(raw, raw_len, level);
  chunk(&b, "IDAT", z.p, z.len);
  chunk(&b, "IEND", NULL, 0);
  free(z.p);
  free(raw);
  *len = b.len;
  return b.p;
}

unsigned char *tp_png_spng(uint32_t w, uint32_t h, int colour, int bits, int interlace,
                           size_t *len) {
  static const int CHANNELS[7] = {1, 0, 3, 1, 2, 0, 4};
  size_t stride = ((size_t)w * (size_t)CHANNELS[colour] * (size_t)bits + 7) / 8;
  unsigned char *img = malloc(stride * h);
  for (size_t i = 0; i < stride * h; i++)
    img[i] = (unsigned char)(i * 7 + i / stride);
  spng_ctx *ctx = spng_ctx_new(SPNG_CTX_ENCODER);
  spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1);
  struct spng_ihdr ihdr = {.width = w, .height = h, .bit_depth = (uint8_t)bits,
                           .color_type = (uint8_t)colour, .interlace_method = (uint8_t)interlace};
  spng_set_ihdr(ctx, &ihdr);
  if (colour == 3) {
    struct spng_plte plte = {.n_entries = 1u << bits};
    for (uint32_t i = 0; i < plte.n_entries; i++)
      plte.entries[i] =
          (struct spng_plte_entry){(uint8_t)i, (uint8_t)(i * 3), (uint8_t)(255 - i), 255};
    spng_set_plte(ctx, &plte);
  }
  int e = spng_encode_image(ctx, img, stride * h, SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE);
  unsigned char *out = NULL;
  if (!e)
    out = spng_get_png_buffer(ctx, len, &e);
  spng_ctx_free(ctx);
  free(img);
  return e ? NULL : out;
}

unsigned char *tp_png_bomb(uint32_t w, uint32_t h, uint64_t zeros, size_t *len) {
  tp_buf b = {0};
  head(&b, w, h, 8, 0);
  tp_buf z = deflate_of(NULL, zeros, 9);
  chunk(&b, "IDAT", z.p, z.len);
  chunk(&b, "IEND", NULL, 0);
  free(z.p);
  *len = b.len;
  return b.p;
}

unsigned char *tp_png_ztxt_bomb(uint64_t zeros, size_t *len) {
  size_t n = 0;
  unsigned char *ok = tp_png(500, 70, 8, 9, 0, &n);
  tp_buf b = {0};
  put(&b, ok, 33); /* signature and IHDR */
  tp_buf t = {0};
  put(&t, "Comment\0\0", 9); /* keyword, NUL, compression method 0 */
  tp_buf z = deflate_of(NULL, zeros, 9);
  put(&t, z.p, z.len);
  chunk(&b, "zTXt", t.p, t.len);
  put(&b, ok + 33, n - 33);
  free(z.p);
  free(t.p);
  free(ok);
  *len = b.len;
  return b.p;
}

void tp_png_set_size(unsigned char *png, uint32_t w, uint32_t h) {
  unsigned char *d = png + 16;
  for (int i = 0; i < 4; i++) {
    d[i] = (unsigned char)(w >> (24 - 8 * i));
    d[4 + i] = (unsigned char)(h >> (24 - 8 * i));
  }
  uLong crc = crc32(0, png + 12, 17);
  for (int i = 0; i < 4; i++)
    png[29 + i] = (unsigned char)(crc >> (24 - 8 * i));
}
