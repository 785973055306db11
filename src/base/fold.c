/* Text folding for comparisons: see fold.h. */
#include "base/fold.h"

#include <stdint.h>


/* Base letters of U+00C0..U+017F; '*' marks those spelled with two letters or kept. */
static const char FOLD[] = "aaaaaa*ceeeeiiii" /* C0 */
                           "dnooooo*ouuuuy**" /* D0 */
                           "aaaaaa*ceeeeiiii" /* E0 */
                           "dnooooo*ouuuuy*y" /* F0 */
                           "aaaaaacccccccc" "dd" /* 100 */
                           "dd" "eeeeeeeeee" "gggg" /* 110 */
                           "gggg" "hhhh" "iiiiiiii" /* 120 */
                           "ii" "**" "jj" "kkk" "lllllll" /* 130 */
                           "lll" "nnnnnnnnn" "oooo" /* 140 */
                           "oo" "**" "rrrrrr" "ssssss" /* 150 */
                           "ss" "tttttt" "uuuuuuuu" /* 160 */
                           "uuuu" "ww" "yyy" "zzzzzz" "s"; /* 170 */

static const char *fold_special(uint32_t cp) {
  switch (cp) {
  case 0xC6: case 0xE6: return "ae";
  case 0xDE: case 0xFE: return "th";
  case 0xDF: return "ss";
  case 0x132: case 0x133: return "ij";
  case 0x152: case 0x153: return "oe";
  default: return NULL; /* × and ÷: kept */
  }
}

static bool space_cp(uint32_t cp) {
  return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x3000;
}

static void put_cp(rd_buf *out, uint32_t cp) {
  char enc[4];
  int len;
  if (cp < 0x80) {
    enc[0] = (char)cp;
    len = 1;
  } else if (cp < 0x800) {
    enc[0] = (char)(0xC0 | (cp >> 6));
    enc[1] = (char)(0x80 | (cp & 0x3F));
    len = 2;
  } else if (cp < 0x10000) {
    enc[0] = (char)(0xE0 | (cp >> 12));
    enc[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    enc[2] = (char)(0x80 | (cp & 0x3F));
    len = 3;
  } else {
    enc[0] = (char)(0xF0 | (cp >> 18));
    enc[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    enc[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    enc[3] = (char)(0x80 | (cp & 0x3F));
    len = 4;
  }
  rd_buf_add(out, enc, (size_t)len);
}

void rd_fold(const char *s, bool strip_accents, rd_buf *out) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  bool pending_space = false, any = false;
  while (*p) {
    uint32_t cp = *p;
    int n = 1;
    if (*p >= 0xF0 && p[1] && p[2] && p[3]) {
      cp = ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
           ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
      n = 4;
    } else if (*p >= 0xE0 && p[1] && p[2]) {
      cp = ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
      n = 3;
    } else if (*p >= 0xC0 && p[1]) {
      cp = ((uint32_t)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
      n = 2;
    }
    p += n;
    if (space_cp(cp)) {
      pending_space = any;
      continue;
    }
    if (pending_space)
      rd_buf_adds(out, " ");
    pending_space = false;
    any = true;
    if (cp >= 'A' && cp <= 'Z') {
      cp += 0x20;
    } else if (!strip_accents && cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) {
      cp += 0x20; /* Latin-1 capitals keep their accents */
    } else if (strip_accents && cp >= 0xC0 && cp <= 0x17F) {
      char base = FOLD[cp - 0xC0];
      const char *two = base == '*' ? fold_special(cp) : NULL;
      if (two) {
        rd_buf_adds(out, two);
        continue;
      }
      if (base != '*')
        cp = (uint32_t)base;
    } else if ((cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) || (cp >= 0x410 && cp <= 0x42F)) {
      cp += 0x20; /* Greek and Cyrillic capitals */
    } else if (cp >= 0x400 && cp <= 0x40F) {
      cp += 0x50;
    }
    put_cp(out, cp);
  }
  rd_buf_cstr(out);
}
