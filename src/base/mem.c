/* Memory: see mem.h. */
#include "base/mem.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void) {
  fputs("rolodesk: out of memory\n", stderr);
  abort();
}

void *rd_malloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p)
    oom();
  return p;
}

void *rd_calloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p)
    oom();
  return p;
}

void *rd_realloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q)
    oom();
  return q;
}

char *rd_strdup(const char *s) {
  return s ? rd_strndup(s, strlen(s)) : NULL;
}

char *rd_strndup(const char *s, size_t n) {
  char *p = rd_malloc(n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

void rd_free(void *p) {
  free(p);
}

struct rd_arena_chunk {
  rd_arena_chunk *next;
  size_t used, cap;
  _Alignas(16) unsigned char data[];
};

enum { CHUNK = 8192 };

void rd_arena_init(rd_arena *a) {
  a->head = NULL;
}

void rd_arena_term(rd_arena *a) {
  rd_arena_chunk *c = a->head;
  while (c) {
    rd_arena_chunk *next = c->next;
    free(c);
    c = next;
  }
  a->head = NULL;
}

void *rd_arena_alloc(rd_arena *a, size_t n) {
  if (n > SIZE_MAX - sizeof(rd_arena_chunk) - 15) /* rounding up would wrap to a tiny block */
    oom();
  n = (n + 15) & ~(size_t)15;
  rd_arena_chunk *c = a->head;
  if (!c || c->cap - c->used < n) {
    size_t cap = n > CHUNK ? n : CHUNK;
    c = rd_malloc(sizeof *c + cap);
    c->used = 0;
    c->cap = cap;
    c->next = a->head;
    a->head = c;
  }
  void *p = c->data + c->used;
  c->used += n;
  memset(p, 0, n);
  return p;
}

char *rd_arena_strdup(rd_arena *a, const char *s) {
  if (!s)
    return NULL;
  size_t n = strlen(s);
  char *p = rd_arena_alloc(a, n + 1);
  memcpy(p, s, n + 1);
  return p;
}

char *rd_arena_printf(rd_arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *p = rd_arena_alloc(a, (size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}
