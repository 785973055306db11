/* The page cache's store (issue 12, src/api/page_cache.c): an entry is served only under the
 * stamp it was kept under, the byte budget holds with the least recently used entries
 * leaving first, pages over an eighth of the budget are not kept, and a size of 0 is no
 * cache. The serving path is tested end to end by tests/api/pcache_test.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "api/page_cache.h"
#include "base/mem.h"

static bool got(rd_page_cache *pc, const char *key, const char *stamp, const char *want_body,
                const char *want_link) {
  char *body = NULL, *link = NULL;
  size_t len = 0;
  if (!rd_page_cache_get(pc, key, stamp, &body, &len, &link))
    return false;
  cr_assert_eq(len, strlen(want_body));
  cr_assert_str_eq(body, want_body);
  if (want_link)
    cr_assert_str_eq(link, want_link);
  else
    cr_assert_null(link);
  rd_free(body);
  rd_free(link);
  return true;
}

Test(page_cache, ISSUE12_an_entry_is_served_only_under_its_stamp) {
  rd_page_cache *pc = rd_page_cache_new(1 << 20);
  rd_page_cache_put(pc, "k", "1/0/2026-12-02", "[1]", 3, "<next>; rel=\"next\"");
  cr_assert(got(pc, "k", "1/0/2026-12-02", "[1]", "<next>; rel=\"next\""));
  cr_assert(!got(pc, "other", "1/0/2026-12-02", "", NULL));
  /* Counters moved on: the entry is dropped, not served, and stays dropped. */
  cr_assert(!got(pc, "k", "2/0/2026-12-02", "", NULL));
  cr_assert(!got(pc, "k", "1/0/2026-12-02", "", NULL));
  size_t n, bytes;
  rd_page_cache_usage(pc, &n, &bytes);
  cr_assert_eq(n, 0);
  cr_assert_eq(bytes, 0);
  /* A second put of a key replaces the first. */
  rd_page_cache_put(pc, "k", "3", "[]", 2, NULL);
  rd_page_cache_put(pc, "k", "4", "[4]", 3, NULL);
  rd_page_cache_usage(pc, &n, &bytes);
  cr_assert_eq(n, 1);
  cr_assert(got(pc, "k", "4", "[4]", NULL));
  rd_page_cache_free(pc);
}

Test(page_cache, ISSUE12_the_budget_holds_and_the_least_recently_used_go_first) {
  enum { BUDGET = 64 * 1024, PAGE = 4000 };
  rd_page_cache *pc = rd_page_cache_new(BUDGET);
  static char body[PAGE + 1];
  memset(body, 'x', PAGE);
  char key[16];
  for (int i = 0; i < 40; i++) {
    snprintf(key, sizeof key, "p%d", i);
    rd_page_cache_put(pc, key, "s", body, PAGE, NULL);
    if (i >= 1)
      cr_assert(got(pc, "p0", "s", body, NULL), "p0 is used after each put: it stays");
    size_t n, bytes;
    rd_page_cache_usage(pc, &n, &bytes);
    cr_assert_leq(bytes, BUDGET);
  }
  size_t n, bytes;
  rd_page_cache_usage(pc, &n, &bytes);
  cr_assert_leq(n, 16);
  cr_assert_gt(n, 10);
  cr_assert(got(pc, "p39", "s", body, NULL));
  cr_assert(!got(pc, "p1", "s", body, NULL), "the least recently used left");
  /* A page over an eighth of the budget is not kept. */
  static char big[BUDGET / 8 + 1];
  memset(big, 'y', sizeof big - 1);
  rd_page_cache_put(pc, "big", "s", big, sizeof big - 1, NULL);
  cr_assert(!got(pc, "big", "s", big, NULL));
  rd_page_cache_free(pc);
}

Test(page_cache, ISSUE12_size_zero_is_no_cache) {
  rd_page_cache *pc = rd_page_cache_new(0);
  cr_assert_null(pc);
  rd_page_cache_put(pc, "k", "s", "[]", 2, NULL);
  cr_assert(!got(pc, "k", "s", "[]", NULL));
  size_t n = 1, bytes = 1;
  rd_page_cache_usage(pc, &n, &bytes);
  cr_assert_eq(n + bytes, 0);
  rd_page_cache_free(pc);
}
