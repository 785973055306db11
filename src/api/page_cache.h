/* The page cache of issue 12: rendered list pages (the JSON text of a 200 answer and its
 * Link header) kept in the daemon's memory and served again while the version counters
 * they were rendered under (rd_versions, src/auth/auth.h) are unchanged. Also the ETag of list
 * pages and If-None-Match -> 304 before rendering. The router sends every route flagged
 * RD_ROUTE_PAGE through rd_api_page_serve; no handler knows about the cache. */
#ifndef RD_API_PAGE_CACHE_H
#define RD_API_PAGE_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "api/api.h"

#define RD_PAGE_CACHE_MB_DEFAULT 64
#define RD_PAGE_CACHE_MB_MAX 65536

typedef struct rd_page_cache rd_page_cache;

/* A cache of at most max_bytes (keys, bodies and bookkeeping counted); NULL when max_bytes
 * is 0 (no cache: every page is rendered, ETags and 304s still work). Owned by the caller:
 * rd_page_cache_free. */
rd_page_cache *rd_page_cache_new(size_t max_bytes);
void rd_page_cache_free(rd_page_cache *pc); /* NULL is a no-op */

/* The entry of key when it was stored under stamp: a copy of its body in *body (rd_malloc,
 * owned by the caller, *len bytes) and of its Link header in *link (rd_malloc or NULL), and
 * true. False when absent or stored under another stamp (the entry is then dropped).
 * Thread-safe; the least recently used entries go first when the cache is full. */
bool rd_page_cache_get(rd_page_cache *pc, const char *key, const char *stamp, char **body,
                       size_t *len, char **link);
/* Stores a copy of body and link (may be NULL) as key's entry under stamp, replacing any
 * entry of key; evicts the least recently used entries to stay within the limit. A page
 * larger than an eighth of the limit is not stored. Thread-safe. */
void rd_page_cache_put(rd_page_cache *pc, const char *key, const char *stamp, const char *body,
                       size_t len, const char *link);
/* Entries and bytes held (for tests and the log). Thread-safe. */
void rd_page_cache_usage(rd_page_cache *pc, size_t *entries, size_t *bytes);

/* Answers a GET/HEAD of a list route (RD_ROUTE_PAGE) for x, whose handler is route's: reads
 * the counters the page depends on (the account's; with RD_ROUTE_CROSS also other
 * accounts'), answers 304 when If-None-Match names the page's ETag, else the cached page
 * when it was kept under the same counters, else renders it with the handler in one read
 * transaction with the counters read again, and keeps it. The key is the route, account,
 * roles, person, path and every query argument (cursor included). Errors are the
 * handler's or the database's. */
int rd_api_page_serve(rd_ctx *x, const rd_route *route, rd_err *err);

#endif
