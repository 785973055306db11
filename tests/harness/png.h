/* PNG files made in the tests (PART-5 banners) with zlib, so no binary fixture is needed:
 * valid images of any size and depth, decompression bombs, and the chunk arithmetic to
 * damage or extend one. Every function returns a new buffer the caller frees (free). */
#ifndef RD_TESTS_PNG_H
#define RD_TESTS_PNG_H

#include <stddef.h>
#include <stdint.h>

/* A w x h RGBA image with bits (8 or 16) per channel, a colour gradient, its image data
 * deflated at zlib level (0: stored, the file is then about w * h * 4 * bits / 8 bytes),
 * with an ancillary tEXt chunk of text_len bytes when text_len > 0. *len is its size. */
unsigned char *tp_png(uint32_t w, uint32_t h, int bits, int level, size_t text_len, size_t *len);
/* A w x h image encoded by libspng in any PNG format: colour type (0 gray, 2 RGB, 3
 * indexed, 4 gray and alpha, 6 RGBA), bit depth and interlacing (Adam7 when set). */
unsigned char *tp_png_spng(uint32_t w, uint32_t h, int colour, int bits, int interlace,
                           size_t *len);
/* A decompression bomb: an IHDR claiming w x h 8-bit gray pixels and an IDAT holding the
 * deflate of zeros zero bytes (made in pieces: zeros may be gigabytes), then IEND. */
unsigned char *tp_png_bomb(uint32_t w, uint32_t h, uint64_t zeros, size_t *len);
/* A 500x70 image with a zTXt chunk whose text inflates to zeros bytes (an ancillary bomb). */
unsigned char *tp_png_ztxt_bomb(uint64_t zeros, size_t *len);
/* Rewrites the width and height of png's IHDR (the first chunk) and its CRC. */
void tp_png_set_size(unsigned char *png, uint32_t w, uint32_t h);

#endif
