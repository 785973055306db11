/* Folding text for comparisons that ignore case, spacing and (optionally) accents:
 * customer search (CUST-4) and security-question answers (CUST-6). */
#ifndef RD_BASE_FOLD_H
#define RD_BASE_FOLD_H

#include <stdbool.h>

#include "base/str.h"

/* Appends s (UTF-8) to out folded: runs of white space become one space, leading and
 * trailing space go, letters are lower-cased (ASCII, Latin-1, Greek, Cyrillic; with
 * strip_accents also Latin Extended-A), and with strip_accents the letters of U+00C0 to
 * U+017F lose their accents (ß -> ss, Œ -> oe, Ł -> l). No ICU: other scripts pass
 * through unchanged. NULL is the empty string. */
void rd_fold(const char *s, bool strip_accents, rd_buf *out);

#endif
