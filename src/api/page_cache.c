/* The page cache of issue 12 (page_cache.h): a hash table of rendered list pages with a
 * least-recently-used list and a byte budget under one mutex, and rd_api_page_serve, which
 * the router calls for every RD_ROUTE_PAGE route. Never a stale page: the counters are read
 * with the caller's token (auth.h, rd_token_lookup_versions) before the page is rendered,
 * so what is stored under them is at least as new as they are; a writer anywhere bumps
 * them in its own transaction (migration 018), so a page kept under the counters read now
 * is current. */
#include "api/page_cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"

#define NBUCKETS 4096

typedef struct entry {
  struct entry *next_in_bucket;
  struct entry *newer, *older; /* the LRU list */
  uint64_t hash;
  char *key, *stamp, *link; /* link may be NULL */
  char *body;
  size_t len, bytes;
} entry;

struct rd_page_cache {
  pthread_mutex_t mu;
  size_t max_bytes, bytes, entries;
  entry *newest, *oldest;
  entry *buckets[NBUCKETS];
};

static uint64_t fnv1a(uint64_t h, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

rd_page_cache *rd_page_cache_new(size_t max_bytes) {
  if (!max_bytes)
    return NULL;
  rd_page_cache *pc = rd_calloc(1, sizeof *pc);
  pthread_mutex_init(&pc->mu, NULL);
  pc->max_bytes = max_bytes;
  return pc;
}

static void entry_free(entry *e) {
  rd_free(e->key);
  rd_free(e->stamp);
  rd_free(e->link);
  rd_free(e->body);
  rd_free(e);
}

/* Unlinks e from its bucket and the LRU list and frees it. Under mu. */
static void drop(rd_page_cache *pc, entry *e) {
  entry **pp = &pc->buckets[e->hash % NBUCKETS];
  while (*pp != e)
    pp = &(*pp)->next_in_bucket;
  *pp = e->next_in_bucket;
  if (e->newer)
    e->newer->older = e->older;
  else
    pc->newest = e->older;
  if (e->older)
    e->older->newer = e->newer;
  else
    pc->oldest = e->newer;
  pc->bytes -= e->bytes;
  pc->entries--;
  entry_free(e);
}

void rd_page_cache_free(rd_page_cache *pc) {
  if (!pc)
    return;
  while (pc->oldest)
    drop(pc, pc->oldest);
  pthread_mutex_destroy(&pc->mu);
  rd_free(pc);
}

static entry *find(rd_page_cache *pc, const char *key, uint64_t h) {
  for (entry *e = pc->buckets[h % NBUCKETS]; e; e = e->next_in_bucket)
    if (e->hash == h && !strcmp(e->key, key))
      return e;
  return NULL;
}

static void make_newest(rd_page_cache *pc, entry *e) {
  if (pc->newest == e)
    return;
  if (e->newer || e->older || pc->oldest == e) { /* linked: unlink first */
    if (e->newer)
      e->newer->older = e->older;
    if (e->older)
      e->older->newer = e->newer;
    else
      pc->oldest = e->newer;
  }
  e->newer = NULL;
  e->older = pc->newest;
  if (pc->newest)
    pc->newest->newer = e;
  pc->newest = e;
  if (!pc->oldest)
    pc->oldest = e;
}

bool rd_page_cache_get(rd_page_cache *pc, const char *key, const char *stamp, char **body,
                       size_t *len, char **link) {
  if (!pc)
    return false;
  uint64_t h = fnv1a(0xcbf29ce484222325ULL, key, strlen(key));
  bool hit = false;
  pthread_mutex_lock(&pc->mu);
  entry *e = find(pc, key, h);
  if (e && strcmp(e->stamp, stamp)) {
    drop(pc, e); /* rendered under counters that have changed since */
    e = NULL;
  }
  if (e) {
    make_newest(pc, e);
    char *b = rd_malloc(e->len + 1);
    memcpy(b, e->body, e->len);
    b[e->len] = '\0';
    *body = b;
    *len = e->len;
    *link = rd_strdup(e->link);
    hit = true;
  }
  pthread_mutex_unlock(&pc->mu);
  return hit;
}

void rd_page_cache_put(rd_page_cache *pc, const char *key, const char *stamp, const char *body,
                       size_t len, const char *link) {
  if (!pc)
    return;
  size_t bytes = sizeof(entry) + strlen(key) + strlen(stamp) + len + (link ? strlen(link) : 0) + 4;
  if (bytes > pc->max_bytes / 8)
    return;
  entry *e = rd_calloc(1, sizeof *e);
  e->hash = fnv1a(0xcbf29ce484222325ULL, key, strlen(key));
  e->key = rd_strdup(key);
  e->stamp = rd_strdup(stamp);
  e->link = rd_strdup(link);
  e->body = rd_malloc(len ? len : 1);
  memcpy(e->body, body, len);
  e->len = len;
  e->bytes = bytes;
  pthread_mutex_lock(&pc->mu);
  entry *old = find(pc, key, e->hash);
  if (old)
    drop(pc, old);
  while (pc->oldest && pc->bytes + bytes > pc->max_bytes)
    drop(pc, pc->oldest);
  e->next_in_bucket = pc->buckets[e->hash % NBUCKETS];
  pc->buckets[e->hash % NBUCKETS] = e;
  make_newest(pc, e);
  pc->bytes += bytes;
  pc->entries++;
  pthread_mutex_unlock(&pc->mu);
}

void rd_page_cache_usage(rd_page_cache *pc, size_t *entries, size_t *bytes) {
  *entries = *bytes = 0;
  if (!pc)
    return;
  pthread_mutex_lock(&pc->mu);
  *entries = pc->entries;
  *bytes = pc->bytes;
  pthread_mutex_unlock(&pc->mu);
}

/* ---- serving a list page ---- */

static void add_escaped(rd_buf *b, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '%' || *p == '&' || *p == '=' || *p == '\n' || *p < 0x20)
      rd_buf_printf(b, "%%%02X", *p);
    else
      rd_buf_add(b, p, 1);
  }
}

static bool add_arg(void *arg, const char *k, const char *v) {
  rd_buf *b = arg;
  rd_buf_adds(b, "&");
  add_escaped(b, k);
  if (v) { /* "k" and "k=" are different arguments */
    rd_buf_adds(b, "=");
    add_escaped(b, v);
  }
  return true;
}

/* The key: everything the rendering depends on besides the data. The caller's person and
 * roles are in it for every page (conservative: customers and partners see projections,
 * and a page keyed by less could be served to someone it was not rendered for). */
static void page_key(rd_ctx *x, const rd_route *route, rd_buf *key) {
  rd_buf_printf(key, "%s %s\n%s\n%u\n%lld\n%s?", route->method, route->pattern,
                x->who.account_id, x->who.roles, (long long)x->who.person_id, x->req->path);
  rd_req_query_foreach(x->req, add_arg, key);
}

/* The stamp of counters v and the ETag of key under it: two independent 64-bit hashes of
 * key and stamp, so the counters of other accounts are not shown to the client. */
static void stamp_of(const rd_versions *v, const rd_buf *key, rd_buf *stamp, char *etag,
                     size_t etag_size) {
  stamp->len = 0;
  rd_buf_printf(stamp, "%lld/%lld/%s", (long long)v->rec, (long long)v->cross, v->today);
  uint64_t h1 = fnv1a(fnv1a(0xcbf29ce484222325ULL, key->data, key->len), stamp->data, stamp->len);
  uint64_t h2 = fnv1a(fnv1a(0x84222325cbf29ce4ULL, stamp->data, stamp->len), key->data, key->len);
  snprintf(etag, etag_size, "\"p%016llx%016llx\"", (unsigned long long)h1,
           (unsigned long long)h2);
}

int rd_api_page_serve(rd_ctx *x, const rd_route *route, rd_err *err) {
  rd_page_cache *pc = x->api->page_cache;
  rd_buf key, stamp;
  rd_buf_init(&key);
  rd_buf_init(&stamp);
  page_key(x, route, &key);
  rd_buf_cstr(&key);
  char *body = NULL, *link = NULL, etag[48];
  size_t len = 0;
  int rv = 0;
  /* The counters came with the token, in one statement: a page kept under them is current,
   * and a 304 or a hit needs no connection. */
  stamp_of(&x->versions, &key, &stamp, etag, sizeof etag);
  if (rd_http_etag_match(rd_req_header(x->req, "If-None-Match"), etag, false)) {
    /* The HTTP layer turns a 200 with a matching ETag into a 304 without the body. */
    rd_resp_header(x->req, "ETag", etag);
    rd_resp_body(x->req, 200, "application/json", "", 0);
    goto out;
  }
  if (rd_page_cache_get(pc, key.data, rd_buf_cstr(&stamp), &body, &len, &link)) {
    rd_resp_header(x->req, "ETag", etag);
    if (link)
      rd_resp_header(x->req, "Link", link);
    rd_resp_body_owned(x->req, 200, "application/json", body, len);
    body = NULL;
    goto out;
  }
  /* Rendered in one read transaction begun after the counters were read: the page is at
   * least as new as the stamp it is kept under. (A write committed in between makes it
   * newer than its stamp: never served again, since every later reader reads the newer
   * counters; the client's ETag then simply stops matching.) */
  rv = rd_db_acquire(x->api->db, &x->db, err);
  if (!rv)
    rv = rd_tx_begin(x->db, false, err);
  if (rv)
    goto out;
  rd_resp_header(x->req, "ETag", etag);
  rv = route->handler(x, err);
  if (!rv && pc && x->req->status == 200 && x->req->resp_fd < 0)
    rd_page_cache_put(pc, key.data, rd_buf_cstr(&stamp),
                      x->req->resp_body ? x->req->resp_body : "", x->req->resp_len,
                      rd_resp_header_get(x->req, "Link"));
out:
  if (x->db)
    rd_tx_rollback(x->db); /* read only: nothing to commit; a no-op when none began */
  if (rv)
    rd_resp_reset(x->req); /* no ETag on an error */
  rd_free(body);
  rd_free(link);
  rd_buf_term(&key);
  rd_buf_term(&stamp);
  return rv;
}
