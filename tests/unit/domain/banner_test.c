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

/* ---- the stored banners (rd_banner_put, _remove, _get, _portal) on a database ---- */

#include "domain/org.h"
#include "fixture.h"

static ut_db T;
static rd_caller admin, sup, slm;

static void db_setup(void) {
  ut_db_open(&T);
  ud_tenants(&T);
  admin = ud_caller("acme", RD_ROLE_ACCOUNT_ADMINISTRATOR, 0);
  sup = ud_caller("acme", RD_ROLE_SUPERVISOR, 0);
  slm = ud_caller("acme", RD_ROLE_SERVICE_LEVEL_MANAGER, 0);
}
static void db_teardown(void) {
  ut_db_close(&T);
}
TestSuite(banner_db, .init = db_setup, .fini = db_teardown, .timeout = 60);

static int64_t db_org(const char *name, bool partner) {
  rd_err err;
  rd_err_clear(&err);
  int64_t id = 0;
  json_t *in = json_pack("{s:s,s:b}", "name", name, "partner", partner);
  cr_assert_eq(rd_org_create(T.c, &admin, in, &id, &err), 0, "%s", err.message);
  json_decref(in);
  return id;
}

/* What is stored for org: the banner's ETag ("" when none), the organization's version and
 * its audit rows. */
typedef struct db_state {
  char etag[RD_BANNER_ETAG_LEN];
  int64_t version, audits;
} db_state;

static db_state db_read(int64_t org) {
  db_state st;
  memset(&st, 0, sizeof st);
  rd_err err;
  rd_err_clear(&err);
  rd_banner b = {0};
  int rv = rd_banner_get(T.c, &admin, org, &b, &err);
  cr_assert(rv == 0 || rv == RD_ENOTFOUND, "%s", err.message);
  if (!rv)
    snprintf(st.etag, sizeof st.etag, "%s", b.etag);
  rd_banner_free(&b);
  json_t *rec = NULL;
  rd_err_clear(&err);
  cr_assert_eq(rd_org_get(T.c, &admin, org, &rec, &st.version, &err), 0, "%s", err.message);
  json_decref(rec);
  cr_assert_eq(rd_sql_int64(T.c, &st.audits, &err,
                            "SELECT COUNT(*) FROM audit WHERE account_id = 'acme' AND"
                            " record_type = 'organization' AND record_id = ?",
                            "i", org),
               RD_ROW, "%s", err.message);
  return st;
}

Test(banner_db, PART5_put_get_remove_with_roles_and_accounts) {
  rd_err err;
  int64_t partner = db_org("Fixit", true), plain = db_org("Plain", false);
  size_t len = 0;
  unsigned char *png = tp_png(500, 70, 8, 9, 0, &len);
  char etag[RD_BANNER_ETAG_LEN];
  rd_err_clear(&err);
  cr_assert_eq(rd_banner_put(T.c, &slm, partner, png, len, etag, &err), RD_EFORBIDDEN);
  rd_err_clear(&err);
  cr_assert_eq(rd_banner_put(T.c, &sup, 0, png, len, etag, &err), RD_EFORBIDDEN);
  rd_err_clear(&err);
  cr_assert_eq(rd_banner_put(T.c, &sup, plain, png, len, etag, &err), RD_EINVAL);
  cr_assert_str_eq(err.items[0].field, "partner");
  rd_caller other = ud_caller("other", RD_ROLE_ACCOUNT_ADMINISTRATOR, 0);
  rd_err_clear(&err);
  cr_assert_eq(rd_banner_put(T.c, &other, partner, png, len, etag, &err), RD_ENOTFOUND);
  rd_err_clear(&err);
  cr_assert_eq(rd_banner_put(T.c, &sup, partner, png, len, etag, &err), 0, "%s", err.message);
  rd_banner b = {0};
  rd_err_clear(&err);
  cr_assert_eq(rd_banner_get(T.c, &slm, partner, &b, &err), 0, "%s", err.message);
  cr_assert_eq(b.len, len);
  cr_assert(!memcmp(b.png, png, len));
  cr_assert_str_eq(b.etag, etag);
  rd_banner_free(&b);
  rd_caller customer = ud_caller("acme", RD_ROLE_CUSTOMER, 0);
  rd_err_clear(&err);
  cr_assert_eq(rd_banner_get(T.c, &customer, partner, &b, &err), RD_EFORBIDDEN);
  rd_err_clear(&err);
  cr_assert_eq(rd_banner_get(T.c, &other, partner, &b, &err), RD_ENOTFOUND);
  /* the portal: no system banner yet for a caller who is no customer */
  rd_err_clear(&err);
  cr_assert_eq(rd_banner_portal(T.c, &slm, &b, &err), RD_ENOTFOUND);
  rd_err_clear(&err);
  cr_assert_eq(rd_banner_put(T.c, &admin, 0, png, len, NULL, &err), 0, "%s", err.message);
  rd_err_clear(&err);
  cr_assert_eq(rd_banner_portal(T.c, &customer, &b, &err), 0, "%s", err.message);
  cr_assert_eq(b.len, len);
  rd_banner_free(&b);
  rd_err_clear(&err);
  cr_assert_eq(rd_banner_portal(T.c, &other, &b, &err), RD_ENOTFOUND); /* its own account's */
  rd_err_clear(&err);
  cr_assert_eq(rd_banner_remove(T.c, &slm, partner, &err), RD_EFORBIDDEN);
  rd_err_clear(&err);
  cr_assert_eq(rd_banner_remove(T.c, &admin, partner, &err), 0, "%s", err.message);
  rd_err_clear(&err);
  cr_assert_eq(rd_banner_remove(T.c, &admin, partner, &err), RD_ENOTFOUND);
  free(png);
}

/* REL-1: a failure at any statement of a put or a remove leaves the banner, the
 * organization's version and its audit as they were, or all changed. */
Test(banner_db, PART5_a_failure_at_every_statement_changes_all_or_nothing) {
  rd_err err;
  int64_t partner = db_org("Fixit", true);
  size_t la = 0, lb = 0;
  unsigned char *a = tp_png(500, 70, 8, 9, 0, &la), *b = tp_png(500, 70, 8, 1, 0, &lb);
  rd_err_clear(&err);
  cr_assert_eq(rd_banner_put(T.c, &sup, partner, a, la, NULL, &err), 0, "%s", err.message);
  for (int remove = 0; remove < 2; remove++) {
    db_state before = db_read(partner);
    int failures = 0;
    for (long k = 1;; k++) {
      cr_assert_lt(k, 200, "never got through");
      rd_err_clear(&err);
      rd_store_fault_after(k);
      int rv = remove ? rd_banner_remove(T.c, &sup, partner, &err)
                      : rd_banner_put(T.c, &sup, partner, b, lb, NULL, &err);
      rd_store_fault_after(0);
      db_state now = db_read(partner);
      if (rv) {
        failures++;
        cr_assert_str_eq(now.etag, before.etag, "a fault at %ld changed the banner", k);
        cr_assert_eq(now.version, before.version, "a fault at %ld moved the version", k);
        cr_assert_eq(now.audits, before.audits, "a fault at %ld left an audit row", k);
        continue;
      }
      cr_assert_str_neq(now.etag, before.etag);
      cr_assert_eq(now.version, before.version + 1);
      cr_assert_eq(now.audits, before.audits + 1);
      cr_assert(remove ? !now.etag[0] : now.etag[0] != 0);
      break;
    }
    cr_assert_geq(failures, 5, "the faults hit only %d points", failures);
  }
  free(a);
  free(b);
}
