/* Banners (PART-5): see banner.h. The check has three steps: the bytes themselves (size,
 * signature, IHDR's dimensions, the chunks' lengths ending with IEND), libspng decoding the
 * image row by row into one row's buffer, then the image data inflated once more to make
 * sure it holds no more than the image (libspng stops reading after the last row). Every
 * allocation of libspng and zlib is counted against RD_BANNER_DECODE_MEM_MAX by an
 * allocator of this file. Stored banners are base64 text in portable SQL (the store binds
 * text, integers and booleans only); at 256 KB a banner is 342 KB of text. */
#include "domain/banner.h"

#include <assert.h>
#include <jansson.h>
#include <stdbool.h>
#include <sodium.h>
#include <spng.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "base/mem.h"
#include "base/time.h"
#include "domain/audit.h"
#include "domain/org.h"
#include "domain/record.h"

/* ---- the check ---- */

static const unsigned char PNG_SIGNATURE[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

/* What libspng may keep of ancillary chunks (text, ICC profile...), inflated ones included:
 * no more than a banner's file may hold. (libspng's own limit of 1000 chunks stays.) */
enum { CHUNK_CACHE_MAX = RD_BANNER_MAX };

/* The allocation budget of the check running on this thread. libspng's allocator has no
 * user pointer, so the budget is found through a thread-local pointer, set only while
 * rd_banner_check runs. Each block carries its size in a header. */
typedef struct budget {
  size_t used, peak, limit;
} budget;
static _Thread_local budget *cur_budget;

typedef union header {
  size_t size;
  max_align_t align;
} header;

static void *b_malloc(size_t n) {
  budget *b = cur_budget;
  assert(b); /* only inside rd_banner_check */
  if (n > b->limit - b->used || n > SIZE_MAX - sizeof(header))
    return NULL;
  header *h = rd_malloc(sizeof *h + n);
  h->size = n;
  b->used += n;
  if (b->used > b->peak)
    b->peak = b->used;
  return h + 1;
}

static void b_free(void *p) {
  if (!p)
    return;
  header *h = (header *)p - 1;
  cur_budget->used -= h->size;
  rd_free(h);
}

static void *b_calloc(size_t count, size_t size) {
  if (size && count > SIZE_MAX / size)
    return NULL;
  void *p = b_malloc(count * size);
  if (p)
    memset(p, 0, count * size);
  return p;
}

static void *b_realloc(void *p, size_t n) {
  if (!p)
    return b_malloc(n);
  header *h = (header *)p - 1;
  budget *b = cur_budget;
  if (n > h->size && (n - h->size > b->limit - b->used || n > SIZE_MAX - sizeof(header)))
    return NULL;
  size_t old = h->size;
  h = rd_realloc(h, sizeof *h + n);
  h->size = n;
  b->used = b->used - old + n;
  if (b->used > b->peak)
    b->peak = b->used;
  return h + 1;
}

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The 422 of a file libspng refused, naming why in words a person uploading it can act on. */
static int decode_error(int e, rd_err *err) {
  switch (e) {
  case SPNG_IO_EOF:
  case SPNG_IO_ERROR:
  case SPNG_EOF:
    return rd_err_field(err, "body", "is a truncated PNG file (it ends before its IEND chunk)");
  case SPNG_EIDAT_TOO_SHORT:
    return rd_err_field(err, "body", "is a truncated PNG file (its image data ends early)");
  case SPNG_ECHUNK_CRC:
    return rd_err_field(err, "body", "is a damaged PNG file (a chunk's CRC does not match)");
  case SPNG_EMEM:
  case SPNG_ECHUNK_LIMITS:
    return rd_err_field(err, "body",
                        "needs more memory to decode than a banner may; remove ancillary"
                        " chunks such as text or color profiles");
  case SPNG_EUSER_WIDTH:
  case SPNG_EUSER_HEIGHT:
    return rd_err_field(err, "body", "must be exactly %dx%d pixels", RD_BANNER_WIDTH,
                        RD_BANNER_HEIGHT);
  default:
    return rd_err_field(err, "body", "is not a valid PNG file (%s)", spng_strerror(e));
  }
}

static int idat_bounded(const unsigned char *p, size_t len, const struct spng_ihdr *h,
                        rd_err *err);

/* libspng's part: the whole file decoded, one row at a time, then the chunks up to IEND. */
static int decode(const void *png, size_t len, rd_err *err) {
  struct spng_alloc alloc = {b_malloc, b_realloc, b_calloc, b_free};
  spng_ctx *ctx = spng_ctx_new2(&alloc, 0);
  if (!ctx)
    return decode_error(SPNG_EMEM, err);
  int e = spng_set_image_limits(ctx, RD_BANNER_WIDTH, RD_BANNER_HEIGHT);
  if (!e)
    e = spng_set_chunk_limits(ctx, RD_BANNER_MAX, CHUNK_CACHE_MAX);
  if (!e)
    e = spng_set_crc_action(ctx, SPNG_CRC_ERROR, SPNG_CRC_ERROR);
  if (!e)
    e = spng_set_png_buffer(ctx, png, len);
  struct spng_ihdr ihdr;
  if (!e)
    e = spng_get_ihdr(ctx, &ihdr);
  if (!e && (ihdr.width != RD_BANNER_WIDTH || ihdr.height != RD_BANNER_HEIGHT))
    e = SPNG_EUSER_WIDTH; /* checked on the bytes already; libspng agrees or it is a bug */
  if (!e)
    e = spng_decode_image(ctx, NULL, 0, SPNG_FMT_RGBA8, SPNG_DECODE_PROGRESSIVE);
  unsigned char row[RD_BANNER_WIDTH * 4];
  while (!e)
    e = spng_decode_row(ctx, row, sizeof row);
  if (e == SPNG_EOI)
    e = spng_decode_chunks(ctx); /* what follows the image, up to IEND, CRCs checked */
  spng_ctx_free(ctx);
  if (e)
    return decode_error(e, err);
  return idat_bounded(png, len, &ihdr, err);
}

/* The chunks from the signature on, by their lengths alone: the file must end with IEND
 * exactly (libspng stops reading at IEND's type, so its CRC and what follows would go
 * unread). */
static int walk_chunks(const unsigned char *p, size_t len, rd_err *err) {
  static const unsigned char IEND_CRC[4] = {0xae, 0x42, 0x60, 0x82};
  for (size_t off = 8;;) {
    if (len - off < 12)
      return rd_err_field(err, "body", "is a truncated PNG file (it ends before its IEND chunk)");
    uint32_t n = be32(p + off);
    if (n > len - off - 12)
      return rd_err_field(err, "body", "is a truncated PNG file (a chunk of %u bytes ends past the"
                                       " end of the file)", n);
    const unsigned char *type = p + off + 4;
    off += 12 + (size_t)n;
    if (memcmp(type, "IEND", 4))
      continue;
    if (n != 0 || memcmp(p + off - 4, IEND_CRC, 4))
      return rd_err_field(err, "body", "is a damaged PNG file (its IEND chunk is not valid)");
    if (off != len)
      return rd_err_field(err, "body", "has %zu bytes after its IEND chunk", len - off);
    return 0;
  }
}

/* zlib's allocations count against the check's budget too. */
static voidpf z_alloc(voidpf opaque, uInt items, uInt size) {
  (void)opaque;
  return b_calloc(items, size);
}
static void z_free(voidpf opaque, voidpf p) {
  (void)opaque;
  b_free(p);
}

/* The bytes of filtered scanlines a 500x70 image of this IHDR holds (each Adam7 pass's
 * rows, when interlaced, each with its filter byte). */
static uint64_t image_bytes(const struct spng_ihdr *h) {
  static const unsigned CHANNELS[7] = {1, 0, 3, 1, 2, 0, 4};
  uint64_t bits = (uint64_t)CHANNELS[h->color_type % 7] * h->bit_depth, total = 0;
  static const uint32_t X0[7] = {0, 4, 0, 2, 0, 1, 0}, Y0[7] = {0, 0, 4, 0, 2, 0, 1},
                        DX[7] = {8, 8, 4, 4, 2, 2, 1}, DY[7] = {8, 8, 8, 4, 4, 2, 2};
  for (int pass = 0; pass < (h->interlace_method ? 7 : 1); pass++) {
    uint64_t w = h->width, rows = h->height;
    if (h->interlace_method) {
      w = h->width > X0[pass] ? (h->width - X0[pass] + DX[pass] - 1) / DX[pass] : 0;
      rows = h->height > Y0[pass] ? (h->height - Y0[pass] + DY[pass] - 1) / DY[pass] : 0;
    }
    if (w && rows)
      total += rows * (1 + (w * bits + 7) / 8);
  }
  return total;
}

/* A decompression bomb inside the image: libspng reads the image data only as far as the
 * rows need, so a 500x70 file could carry megabytes of deflated data after them. Inflates
 * every IDAT (into a small buffer, discarded) and refuses a stream that holds more than
 * the image or data after its end. */
static int idat_bounded(const unsigned char *p, size_t len, const struct spng_ihdr *h,
                        rd_err *err) {
  uint64_t want = image_bytes(h), got = 0;
  z_stream z;
  memset(&z, 0, sizeof z);
  z.zalloc = z_alloc;
  z.zfree = z_free;
  if (inflateInit(&z) != Z_OK)
    return decode_error(SPNG_EMEM, err);
  unsigned char out[8192];
  int zr = Z_OK;
  bool extra = false;
  for (size_t off = 8; off + 12 <= len && !extra && got <= want;) {
    uint32_t n = be32(p + off);
    if (!memcmp(p + off + 4, "IDAT", 4)) {
      z.next_in = (Bytef *)(p + off + 8);
      z.avail_in = n;
      while (z.avail_in > 0 && got <= want) {
        if (zr == Z_STREAM_END) {
          extra = true; /* bytes after the stream's end */
          break;
        }
        z.next_out = out;
        z.avail_out = sizeof out;
        zr = inflate(&z, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
          break; /* libspng decoded it: cannot happen, and refused below if it does */
        got += sizeof out - z.avail_out;
      }
    }
    off += 12 + (size_t)n;
  }
  inflateEnd(&z);
  if (got > want || extra)
    return rd_err_field(err, "body", "holds more image data than a %dx%d image (a decompression"
                                     " bomb)", RD_BANNER_WIDTH, RD_BANNER_HEIGHT);
  if (zr != Z_STREAM_END || got != want)
    return rd_err_field(err, "body", "is not a valid PNG file (its image data does not match"
                                     " its size)");
  return 0;
}

int rd_banner_check(const void *png, size_t len, size_t *peak, rd_err *err) {
  const unsigned char *p = png;
  if (peak)
    *peak = 0;
  if (len == 0)
    return rd_err_field(err, "body", "is empty; a PNG file of %dx%d pixels is expected",
                        RD_BANNER_WIDTH, RD_BANNER_HEIGHT);
  if (len > RD_BANNER_MAX)
    return rd_err_set(err, RD_ETOOBIG, "The banner is %zu bytes; at most %u (256 KB) are accepted",
                      len, RD_BANNER_MAX);
  if (len < sizeof PNG_SIGNATURE || memcmp(p, PNG_SIGNATURE, sizeof PNG_SIGNATURE))
    return rd_err_field(err, "body",
                        "is not a PNG file (it does not start with the PNG signature)");
  /* The signature, then IHDR: length 13, type, width, height, ... (33 bytes in all). */
  if (len < 33)
    return rd_err_field(err, "body", "is a truncated PNG file (it ends inside its IHDR chunk)");
  if (be32(p + 8) != 13 || memcmp(p + 12, "IHDR", 4))
    return rd_err_field(err, "body",
                        "is not a valid PNG file (it does not begin with an IHDR chunk)");
  /* A decompression bomb claims a huge image: refused here, before libspng allocates. */
  uint32_t w = be32(p + 16), h = be32(p + 20);
  if (w != RD_BANNER_WIDTH || h != RD_BANNER_HEIGHT)
    return rd_err_field(err, "body", "is %ux%u pixels; a banner must be exactly %dx%d", w, h,
                        RD_BANNER_WIDTH, RD_BANNER_HEIGHT);
  int rv = walk_chunks(p, len, err);
  if (rv)
    return rv;
  budget b = {.limit = RD_BANNER_DECODE_MEM_MAX};
  budget *outer = cur_budget;
  cur_budget = &b;
  rv = decode(png, len, err);
  cur_budget = outer;
  assert(b.used == 0); /* libspng freed everything it allocated */
  if (peak)
    *peak = b.peak;
  return rv;
}

/* ---- storage ---- */

void rd_banner_free(rd_banner *b) {
  if (!b)
    return;
  rd_free(b->png);
  b->png = NULL;
  b->len = 0;
}

/* The quoted hex BLAKE2b-128 digest of png: the banner's ETag, stored beside it. */
static void digest(const void *png, size_t len, char out[RD_BANNER_ETAG_LEN]) {
  unsigned char d[16];
  crypto_generichash(d, sizeof d, png, len, NULL, 0);
  out[0] = '"';
  sodium_bin2hex(out + 1, 33, d, sizeof d);
  out[33] = '"';
  out[34] = 0;
}

/* Each statement in two forms: the system banner's row has organization_id NULL. */
#define WHERE_ORG " WHERE account_id = ? AND organization_id = ?"
#define WHERE_SYSTEM " WHERE account_id = ? AND organization_id IS NULL"

/* The stored banner of org (0: system) into *out; RD_DONE when there is none. */
static int load(rd_conn *c, const char *account_id, int64_t org, rd_banner *out, rd_err *err) {
  rd_stmt *s = NULL;
  int rv = org ? rd_sql(c, &s, err, "SELECT png, digest FROM banners" WHERE_ORG, "ti", account_id,
                        org)
               : rd_sql(c, &s, err, "SELECT png, digest FROM banners" WHERE_SYSTEM, "t",
                        account_id);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  if (rv == RD_ROW) {
    const char *b64 = rd_stmt_text(s, 0);
    size_t cap = strlen(b64) / 4 * 3 + 3, n = 0;
    unsigned char *png = rd_malloc(cap);
    if (sodium_base642bin(png, cap, b64, strlen(b64), NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL)) {
      rd_free(png);
      rv = rd_err_set(err, RD_EINTERNAL, "A stored banner is not valid base64");
    } else {
      out->png = png;
      out->len = n;
      snprintf(out->etag, sizeof out->etag, "%s", rd_stmt_text(s, 1));
    }
  }
  rd_stmt_done(s);
  return rv;
}

/* The roles that write org's banner (0: the system banner's), as the 403 of banner.h. */
static int may_write(const rd_caller *who, int64_t org, rd_err *err) {
  if (org && !rd_caller_has(who, RD_ROLE_SUPERVISOR | RD_ROLE_ACCOUNT_ADMINISTRATOR))
    return rd_err_set(err, RD_EFORBIDDEN,
                      "Only a supervisor or administrator may change the banner of a partner"
                      " organization");
  if (!org && !rd_caller_has(who, RD_ROLE_ACCOUNT_ADMINISTRATOR))
    return rd_err_set(err, RD_EFORBIDDEN,
                      "Only an account administrator may change the system banner");
  return 0;
}

/* org is an organization of the caller's account (404), a partner organization (422). */
static int partner_org(rd_conn *c, const rd_caller *who, int64_t org, rd_err *err) {
  int64_t partner = 0;
  int rv = rd_sql_int64(c, &partner, err,
                        "SELECT CASE WHEN partner THEN 1 ELSE 0 END FROM organizations"
                        " WHERE id = ? AND account_id = ?",
                        "it", org, who->account_id);
  if (rv < 0)
    return rv;
  if (rv == RD_DONE)
    return rd_err_set(err, RD_ENOTFOUND, "No organization with id %lld", (long long)org);
  if (!partner)
    return rd_err_field(err, "partner",
                        "is false: only a partner organization carries a banner (PART-5)");
  return 0;
}

/* {"size": n, "etag": "..."} of a banner, or null. */
static json_t *summary(const rd_banner *b) {
  return b && b->png ? json_pack("{s:I,s:s}", "size", (json_int_t)b->len, "etag", b->etag)
                     : json_null();
}

typedef struct put_arg {
  const rd_caller *who;
  int64_t org;
  const void *png;
  size_t len;
  bool remove;
  char etag[RD_BANNER_ETAG_LEN];
} put_arg;

static int put_tx(rd_conn *c, void *arg, rd_err *err) {
  put_arg *a = arg;
  const rd_caller *who = a->who;
  rd_banner old = {0}, now = {0};
  char *b64 = NULL;
  json_t *changes = NULL;
  int rv = a->org ? partner_org(c, who, a->org, err) : 0;
  if (!rv && !a->remove)
    rv = rd_banner_check(a->png, a->len, NULL, err);
  if (rv)
    goto out;
  rv = load(c, who->account_id, a->org, &old, err);
  if (rv < 0)
    goto out;
  if (a->remove && rv == RD_DONE) {
    rv = rd_err_set(err, RD_ENOTFOUND, a->org ? "Organization %lld has no banner"
                                              : "The account has no system banner",
                    (long long)a->org);
    goto out;
  }
  rv = a->org ? rd_sql_exec(c, NULL, err, "DELETE FROM banners" WHERE_ORG, "ti",
                            who->account_id, a->org)
              : rd_sql_exec(c, NULL, err, "DELETE FROM banners" WHERE_SYSTEM, "t",
                            who->account_id);
  if (!rv && !a->remove) {
    size_t cap = sodium_base64_ENCODED_LEN(a->len, sodium_base64_VARIANT_ORIGINAL);
    b64 = rd_malloc(cap);
    sodium_bin2base64(b64, cap, a->png, a->len, sodium_base64_VARIANT_ORIGINAL);
    digest(a->png, a->len, a->etag);
    char ts[RD_TIME_LEN];
    rd_time_now(ts);
    rv = rd_sql_exec(c, NULL, err,
                     "INSERT INTO banners (account_id, organization_id, png, size, digest,"
                     " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     "tIti" "tIt", who->account_id, a->org, b64, (int64_t)a->len, a->etag,
                     who->person_id, ts);
    now.png = (unsigned char *)a->png; /* borrowed for the summary */
    now.len = a->len;
    snprintf(now.etag, sizeof now.etag, "%s", a->etag);
  }
  if (rv)
    goto out;
  /* ACC-6: the change, as {field: {old, new}}. */
  changes = json_pack("{s:{s:o,s:o}}", "banner", "old", summary(&old), "new",
                      summary(a->remove ? NULL : &now));
  const char *action = a->remove ? "remove_banner" : "set_banner";
  rv = a->org ? rd_rec_touch(c, who, &rd_org_type, a->org, action, changes, err)
              : rd_audit_write(c, who, "account", 0, action, changes, err);
out:
  json_decref(changes);
  rd_free(b64);
  rd_banner_free(&old);
  return rv;
}

int rd_banner_put(rd_conn *c, const rd_caller *who, int64_t org, const void *png, size_t len,
                  char etag[RD_BANNER_ETAG_LEN], rd_err *err) {
  put_arg a = {.who = who, .org = org, .png = png, .len = len};
  int rv = may_write(who, org, err);
  if (!rv)
    rv = rd_with_tx(c, err, put_tx, &a);
  if (!rv && etag)
    memcpy(etag, a.etag, RD_BANNER_ETAG_LEN);
  return rv;
}

int rd_banner_remove(rd_conn *c, const rd_caller *who, int64_t org, rd_err *err) {
  put_arg a = {.who = who, .org = org, .remove = true};
  int rv = may_write(who, org, err);
  return rv ? rv : rd_with_tx(c, err, put_tx, &a);
}

int rd_banner_get(rd_conn *c, const rd_caller *who, int64_t org, rd_banner *out, rd_err *err) {
  if (!rd_caller_has(who, RD_ROLES_STAFF))
    return rd_err_set(err, RD_EFORBIDDEN, "Only staff may read banners; the portal's is"
                                          " GET /v1/portal/banner");
  int64_t one = 0;
  int rv = org ? rd_sql_int64(c, &one, err,
                              "SELECT 1 FROM organizations WHERE id = ? AND account_id = ?", "it",
                              org, who->account_id)
               : RD_ROW;
  if (rv == RD_DONE)
    return rd_err_set(err, RD_ENOTFOUND, "No organization with id %lld", (long long)org);
  if (rv >= 0)
    rv = load(c, who->account_id, org, out, err);
  if (rv == RD_DONE)
    return rd_err_set(err, RD_ENOTFOUND, org ? "Organization %lld has no banner"
                                             : "The account has no system banner",
                      (long long)org);
  return rv < 0 ? rv : 0;
}

int rd_banner_portal(rd_conn *c, const rd_caller *who, rd_banner *out, rd_err *err) {
  int rv = RD_DONE;
  if (rd_caller_has(who, RD_ROLE_CUSTOMER)) {
    /* PART-3: the customer's partner organization, directly or through its unit; PART-5:
     * its banner while it is a partner that uses it. */
    int64_t partner = 0;
    rv = rd_sql_int64(c, &partner, err,
                      "SELECT o.id FROM people p JOIN organizations o ON o.account_id ="
                      " p.account_id AND o.id = COALESCE(p.partner_organization_id, (SELECT"
                      " u.partner_organization_id FROM organizations u WHERE u.id ="
                      " p.organization_id AND u.account_id = p.account_id))"
                      " WHERE p.id = ? AND p.account_id = ? AND o.partner AND"
                      " o.use_custom_banner",
                      "it", who->person_id, who->account_id);
    if (rv == RD_ROW)
      rv = load(c, who->account_id, partner, out, err);
    if (rv < 0)
      return rv;
  }
  if (rv == RD_DONE)
    rv = load(c, who->account_id, 0, out, err);
  if (rv == RD_DONE)
    return rd_err_set(err, RD_ENOTFOUND, "No banner applies: the account has no system banner");
  return rv < 0 ? rv : 0;
}
