/* Memory: the only place that calls malloc. Allocation failure aborts (a daemon that cannot
 * allocate a few bytes cannot answer anything useful). rd_arena is the per-request bump
 * allocator: everything a request parses or builds lives there and is freed at once. */
#ifndef RD_BASE_MEM_H
#define RD_BASE_MEM_H

#include <stddef.h>

void *rd_malloc(size_t n);
void *rd_calloc(size_t n, size_t size);
void *rd_realloc(void *p, size_t n);
char *rd_strdup(const char *s);          /* NULL stays NULL */
char *rd_strndup(const char *s, size_t n);
void rd_free(void *p);

typedef struct rd_arena_chunk rd_arena_chunk;
typedef struct rd_arena {
  rd_arena_chunk *head;
} rd_arena;

void rd_arena_init(rd_arena *a);
void rd_arena_term(rd_arena *a); /* frees every allocation at once */
void *rd_arena_alloc(rd_arena *a, size_t n); /* zeroed, 16-byte aligned */
char *rd_arena_strdup(rd_arena *a, const char *s);
char *rd_arena_printf(rd_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
