/* Unit tests of src/base/mem.c: the allocation wrappers and the per-request arena. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "base/mem.h"

Test(mem, strdup_and_strndup) {
  cr_assert_null(rd_strdup(NULL));
  char *a = rd_strdup("hello");
  cr_assert_str_eq(a, "hello");
  char *b = rd_strndup("hello world", 5);
  cr_assert_str_eq(b, "hello");
  char *c = rd_strndup("", 0);
  cr_assert_str_eq(c, "");
  rd_free(a);
  rd_free(b);
  rd_free(c);
  rd_free(NULL);
}

Test(mem, zero_sizes_give_usable_pointers) {
  void *p = rd_malloc(0), *q = rd_calloc(0, 0);
  cr_assert_not_null(p);
  cr_assert_not_null(q);
  p = rd_realloc(p, 0);
  cr_assert_not_null(p);
  rd_free(p);
  rd_free(q);
}

Test(mem, calloc_zeroes_and_realloc_keeps) {
  unsigned char *p = rd_calloc(100, 3);
  for (int i = 0; i < 300; i++)
    cr_assert_eq(p[i], 0);
  memset(p, 7, 300);
  p = rd_realloc(p, 100000);
  for (int i = 0; i < 300; i++)
    cr_assert_eq(p[i], 7);
  rd_free(p);
}

Test(mem, arena_allocations_are_zeroed_aligned_and_distinct) {
  rd_arena a;
  rd_arena_init(&a);
  unsigned char *prev = NULL;
  for (size_t n = 1; n < 300; n++) {
    unsigned char *p = rd_arena_alloc(&a, n);
    cr_assert_eq((uintptr_t)p % 16, 0, "alignment of %zu", n);
    for (size_t i = 0; i < n; i++)
      cr_assert_eq(p[i], 0);
    memset(p, 0xAB, n); /* ASan would flag overlap into another block's bytes */
    cr_assert_neq(p, prev);
    prev = p;
  }
  rd_arena_term(&a);
  cr_assert_null(a.head);
}

Test(mem, arena_blocks_do_not_overlap) {
  rd_arena a;
  rd_arena_init(&a);
  enum { N = 2000 };
  unsigned char *blocks[N];
  for (int i = 0; i < N; i++) {
    blocks[i] = rd_arena_alloc(&a, 24);
    memset(blocks[i], i & 0xFF, 24);
  }
  for (int i = 0; i < N; i++)
    for (int j = 0; j < 24; j++)
      cr_assert_eq(blocks[i][j], (unsigned char)(i & 0xFF), "block %d byte %d", i, j);
  rd_arena_term(&a);
}

Test(mem, arena_large_allocation) {
  rd_arena a;
  rd_arena_init(&a);
  char *small = rd_arena_alloc(&a, 10);
  size_t big = 1u << 20; /* larger than a chunk */
  unsigned char *p = rd_arena_alloc(&a, big);
  cr_assert_not_null(p);
  cr_assert_eq(p[0], 0);
  cr_assert_eq(p[big - 1], 0);
  memset(p, 1, big);
  memcpy(small, "still here", 10);
  cr_assert_eq(memcmp(small, "still here", 10), 0);
  rd_arena_term(&a);
  rd_arena_term(&a); /* twice is harmless */
}

Test(mem, arena_strdup_and_printf) {
  rd_arena a;
  rd_arena_init(&a);
  cr_assert_null(rd_arena_strdup(&a, NULL));
  cr_assert_str_eq(rd_arena_strdup(&a, "abc"), "abc");
  cr_assert_str_eq(rd_arena_printf(&a, "%s-%d", "x", 42), "x-42");
  cr_assert_str_eq(rd_arena_printf(&a, "%s", ""), "");
  char long_text[20000];
  memset(long_text, 'q', sizeof long_text - 1);
  long_text[sizeof long_text - 1] = '\0';
  char *p = rd_arena_printf(&a, "<%s>", long_text);
  cr_assert_eq(strlen(p), sizeof long_text + 1);
  cr_assert_eq(p[0], '<');
  cr_assert_eq(p[sizeof long_text], '>');
  rd_arena_term(&a);
}

/* A size near SIZE_MAX must not wrap around to a tiny block the caller then overruns. */
Test(mem, arena_huge_size_aborts_instead_of_wrapping, .signal = SIGABRT) {
  rd_arena a;
  rd_arena_init(&a);
  unsigned char *p = rd_arena_alloc(&a, SIZE_MAX - 3);
  p[100] = 1; /* not reached */
  rd_arena_term(&a);
}
