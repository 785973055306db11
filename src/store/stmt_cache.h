/* The statement cache both backends share (store/sqlite.c, store/postgres.c): a bounded
 * set of prepared statements per connection, found by the hash of their SQL text and then
 * the text, evicted by CLOCK (second chance) when full. The backends keep their own
 * statement objects and how they prepare and finalize them: each object embeds an
 * rd_cached, and the cache calls the backend's evict callback for a victim. A statement
 * handed out (busy) is never evicted; nested use of the same text while one is busy gets
 * another statement object (prepared anew and cached beside the first). Not thread-safe:
 * one per connection, used by the connection's one thread. */
#ifndef RD_STORE_STMT_CACHE_H
#define RD_STORE_STMT_CACHE_H

#include <stdbool.h>
#include <stdint.h>

/* Statements one connection keeps prepared; BUCKETS is a power of two, twice as many. */
enum { RD_STMT_CACHE_MAX = 256, RD_STMT_CACHE_BUCKETS = 512 };

/* The part of a backend's statement the cache uses. The backend sets sql and hash before
 * rd_stmt_cache_put; the rest belongs to the cache. */
typedef struct rd_cached {
  struct rd_cached *chain; /* next in its hash bucket */
  const char *sql;         /* the key (borrowed from the statement, which outlives its entry) */
  unsigned hash;           /* rd_stmt_cache_hash(sql): compared before the text */
  int slot;                /* index in the cache's ring, -1 when not cached */
  bool busy;               /* handed out and not yet given back */
  bool used;               /* CLOCK's reference bit: used since the hand last passed */
} rd_cached;

/* Counters for tests and diagnostics, since the connection opened. */
typedef struct rd_stmt_cache_stats {
  int64_t hits;      /* statements handed out from the cache */
  int64_t misses;    /* lookups that found no free statement of that text */
  int64_t evictions; /* statements evicted (finalized or deallocated by the backend) */
  int64_t uncached;  /* statements that could not be cached: every entry was busy */
  int entries;       /* statements in the cache now */
} rd_stmt_cache_stats;

typedef struct rd_stmt_cache rd_stmt_cache;
/* Called for an entry leaving the cache by eviction or rd_stmt_cache_term: the backend
 * frees its statement (never busy when evicted; at term it may be). */
typedef void (*rd_stmt_cache_evict_fn)(void *ctx, rd_cached *e);

struct rd_stmt_cache {
  rd_cached *bucket[RD_STMT_CACHE_BUCKETS];
  rd_cached *ring[RD_STMT_CACHE_MAX]; /* the entries in CLOCK order; NULL where free */
  int n;                              /* entries */
  int nbusy;                          /* entries handed out */
  int hand;                           /* CLOCK's hand: the next slot considered */
  rd_stmt_cache_evict_fn evict;
  void *ctx;
  rd_stmt_cache_stats stats;
};

void rd_stmt_cache_init(rd_stmt_cache *sc, rd_stmt_cache_evict_fn evict, void *ctx);
/* Evicts every entry (busy or not) through the callback. */
void rd_stmt_cache_term(rd_stmt_cache *sc);

/* The hash of a text, the key the backends pass along with it: FNV-1a over 8 bytes at a
 * time, folded at each step and at the end so that every byte reaches the low bits the
 * buckets use. An import hashes about twenty texts of a few hundred bytes per row. */
unsigned rd_stmt_cache_hash(const char *sql);

/* A cached statement of text sql (hash h) that is not busy, now marked busy, or NULL
 * (then the backend prepares one and offers it to rd_stmt_cache_put). */
rd_cached *rd_stmt_cache_get(rd_stmt_cache *sc, const char *sql, unsigned h);

/* Whether rd_stmt_cache_put would keep a new statement: a free slot, or one not busy. */
static inline bool rd_stmt_cache_has_room(const rd_stmt_cache *sc) {
  return sc->n < RD_STMT_CACHE_MAX || sc->nbusy < sc->n;
}

/* Sets up e for a statement just prepared from sql (hash h, see rd_cached.sql), handed
 * out at once: busy, not cached yet. */
static inline void rd_cached_init(rd_cached *e, const char *sql, unsigned h) {
  *e = (rd_cached){.sql = sql, .hash = h, .slot = -1, .busy = true};
}

/* Caches e (after rd_cached_init). When the cache is full, CLOCK picks the victim: the
 * hand passes over busy entries, clears the reference bit of those used since it last
 * passed, and evicts the first one it finds unused (through the evict callback). Returns
 * false, leaving e uncached, when every entry is busy; the backend then frees e when it
 * is given back. */
bool rd_stmt_cache_put(rd_stmt_cache *sc, rd_cached *e);

/* Gives e back (not busy any more). Returns whether it is cached: when not, the backend
 * frees it now. */
bool rd_stmt_cache_release(rd_stmt_cache *sc, rd_cached *e);

#endif
