/* Banners (PART-5): the PNG a partner organization shows its customers in the customer
 * portal instead of the account's system banner, and the system banner itself. A banner is
 * exactly RD_BANNER_WIDTH x RD_BANNER_HEIGHT pixels and at most RD_BANNER_MAX bytes, and
 * is accepted only when libspng decodes it whole (rd_banner_check). Banners live in the
 * banners table (migration 022) as base64 text, one per partner organization and one
 * system banner per account; setting or removing a partner organization's banner is a
 * change of that organization (version, audit "set_banner" / "remove_banner"), the system
 * banner's a change of the account (audit only). Whether a partner's banner is shown is
 * the organization's use_custom_banner field (org.c). */
#ifndef RD_DOMAIN_BANNER_H
#define RD_DOMAIN_BANNER_H

#include <stddef.h>
#include <stdint.h>

#include "auth/caller.h"
#include "base/err.h"
#include "store/store.h"

#define RD_BANNER_WIDTH 500
#define RD_BANNER_HEIGHT 70
#define RD_BANNER_MAX (256u * 1024) /* bytes of the PNG file */
/* What libspng may allocate while one banner is checked (its row buffers, zlib's window,
 * cached ancillary chunks): a file that needs more is refused, whatever its chunks claim. */
#define RD_BANNER_DECODE_MEM_MAX (1u << 20)
#define RD_BANNER_ETAG_LEN 36 /* "\"" + 32 hex digits + "\"" + NUL */

/* Checks that png[0..len) is a banner: not empty (422), at most RD_BANNER_MAX bytes
 * (413), the PNG signature, an IHDR first whose dimensions are exactly 500x70 (read from
 * the bytes before libspng is given the file, so a decompression bomb that claims a huge
 * image is refused before anything is allocated), chunks that end with IEND at the end of
 * the file, then a full decode by libspng with its image limits at 500x70, chunk limits
 * and CRCs checked, within RD_BANNER_DECODE_MEM_MAX bytes, and image data that inflates to
 * exactly the image (no bomb after the last row). Errors are 422 with one item on field
 * "body" naming why (not a PNG, truncated, damaged, the wrong size, a bomb...). Pure and
 * thread-safe: also the entry of the fuzz target tests/fuzz/fuzz_png.c. *peak (may be
 * NULL) gets the most bytes libspng and zlib held at once (0 when they never ran). */
int rd_banner_check(const void *png, size_t len, size_t *peak, rd_err *err);

/* A stored banner: the PNG (owned: rd_banner_free) and its strong ETag (a digest of the
 * bytes, quoted). */
typedef struct rd_banner {
  unsigned char *png;
  size_t len;
  char etag[RD_BANNER_ETAG_LEN];
} rd_banner;
void rd_banner_free(rd_banner *b);

/* Sets the banner of organization org (0: the account's system banner) from png[0..len)
 * in a transaction of its own. Organization banners: supervisors and account
 * administrators (403), org must be an organization of the caller's account (404) with
 * partner true (422 on "partner"). The system banner: account administrators (403).
 * Then rd_banner_check; nothing changes on any error. The etag of the new banner goes to
 * etag (may be NULL). */
int rd_banner_put(rd_conn *c, const rd_caller *who, int64_t org, const void *png, size_t len,
                  char etag[RD_BANNER_ETAG_LEN], rd_err *err);
/* Removes it, with the same roles (404 when there is none). */
int rd_banner_remove(rd_conn *c, const rd_caller *who, int64_t org, rd_err *err);
/* The stored banner of org (0: the system banner) for staff (403 otherwise); 404 when
 * the organization is not the caller's account's or has no banner. *out owned by the
 * caller. */
int rd_banner_get(rd_conn *c, const rd_caller *who, int64_t org, rd_banner *out, rd_err *err);
/* PART-5: the banner the caller's portal shows, any role: for a customer the banner of its
 * partner organization (its own partner_organization, else its organization's) while
 * that organization is a partner with a banner and use_custom_banner true; otherwise, and
 * for everyone else, the account's system banner; 404 when there is none. */
int rd_banner_portal(rd_conn *c, const rd_caller *who, rd_banner *out, rd_err *err);

#endif
