/* The statement cache of stmt_cache.h: chained hash buckets for the lookup, a ring of
 * slots swept by CLOCK for the eviction. A hit costs the hash, a short chain walk, one
 * text comparison and a bit set: no list to reorder, unlike an exact LRU. */
#include "store/stmt_cache.h"

#include <assert.h>
#include <string.h>

unsigned rd_stmt_cache_hash(const char *sql) {
  const uint64_t prime = 1099511628211u;
  size_t n = strlen(sql);
  const unsigned char *p = (const unsigned char *)sql;
  uint64_t h = 14695981039346656037u ^ n;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t w;
    memcpy(&w, p, sizeof w);
    h = (h ^ w) * prime;
    h ^= h >> 29;
  }
  for (; n; n--, p++)
    h = (h ^ *p) * prime;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdu;
  h ^= h >> 33;
  return (unsigned)h;
}

void rd_stmt_cache_init(rd_stmt_cache *sc, rd_stmt_cache_evict_fn evict, void *ctx) {
  memset(sc, 0, sizeof *sc);
  sc->evict = evict;
  sc->ctx = ctx;
}

void rd_stmt_cache_term(rd_stmt_cache *sc) {
  for (int i = 0; i < RD_STMT_CACHE_MAX; i++) {
    rd_cached *e = sc->ring[i];
    if (!e)
      continue;
    sc->ring[i] = NULL;
    e->slot = -1;
    sc->evict(sc->ctx, e);
  }
  memset(sc->bucket, 0, sizeof sc->bucket);
  sc->n = sc->nbusy = sc->hand = 0;
}

rd_cached *rd_stmt_cache_get(rd_stmt_cache *sc, const char *sql, unsigned h) {
  for (rd_cached *e = sc->bucket[h & (RD_STMT_CACHE_BUCKETS - 1)]; e; e = e->chain) {
    if (e->hash == h && !e->busy && !strcmp(e->sql, sql)) {
      e->busy = true;
      e->used = true;
      sc->nbusy++;
      sc->stats.hits++;
      return e;
    }
  }
  sc->stats.misses++;
  return NULL;
}

/* The slot of the entry CLOCK evicts: the first one the hand finds neither busy nor used
 * since its last pass. Two turns at most: the first clears every reference bit. */
static int victim(rd_stmt_cache *sc) {
  for (int k = 0; k < 2 * RD_STMT_CACHE_MAX; k++) {
    int i = sc->hand;
    sc->hand = (sc->hand + 1) % RD_STMT_CACHE_MAX;
    rd_cached *e = sc->ring[i];
    if (e->busy)
      continue;
    if (e->used) {
      e->used = false;
      continue;
    }
    return i;
  }
  assert(!"a cache with room has an entry that is not busy");
  return -1;
}

static void unchain(rd_stmt_cache *sc, rd_cached *e) {
  rd_cached **p = &sc->bucket[e->hash & (RD_STMT_CACHE_BUCKETS - 1)];
  while (*p != e)
    p = &(*p)->chain;
  *p = e->chain;
  e->chain = NULL;
}

bool rd_stmt_cache_put(rd_stmt_cache *sc, rd_cached *e) {
  assert(e->busy && e->slot < 0);
  if (!rd_stmt_cache_has_room(sc)) {
    sc->stats.uncached++;
    return false;
  }
  int slot;
  if (sc->n < RD_STMT_CACHE_MAX) {
    slot = sc->n++; /* slots fill in order and an evicted one is refilled at once */
    assert(!sc->ring[slot]);
  } else {
    slot = victim(sc);
    rd_cached *old = sc->ring[slot];
    unchain(sc, old);
    old->slot = -1;
    sc->stats.evictions++;
    sc->evict(sc->ctx, old);
  }
  sc->ring[slot] = e;
  e->slot = slot;
  e->used = false; /* a second use within the hand's turn keeps it: one-off texts go first */
  rd_cached **head = &sc->bucket[e->hash & (RD_STMT_CACHE_BUCKETS - 1)];
  e->chain = *head;
  *head = e;
  sc->nbusy++;
  return true;
}

bool rd_stmt_cache_release(rd_stmt_cache *sc, rd_cached *e) {
  assert(e->busy);
  e->busy = false;
  if (e->slot < 0)
    return false;
  sc->nbusy--;
  return true;
}
