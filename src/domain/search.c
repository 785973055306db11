/* Customer search (CUST-4): see search.h. */
#include "domain/search.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fold.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"

enum { BACKFILL_BATCH = 500 };

/* ---- the person_search row ---- */

static bool phone_char(char ch) {
  return (ch >= '0' && ch <= '9') || strchr("+-.()/ ", ch);
}

/* A phone number is searchable as written and by its digits alone. */
static void add_phone(rd_buf *text, const char *number) {
  if (!number || !*number)
    return;
  rd_buf_adds(text, " ");
  rd_fold(number, true, text);
  char digits[64];
  size_t n = 0;
  bool only_phone = true;
  for (const char *p = number; *p; p++) {
    only_phone &= phone_char(*p);
    if (*p >= '0' && *p <= '9' && n + 1 < sizeof digits)
      digits[n++] = *p;
  }
  digits[n] = 0;
  if (only_phone && n && strcmp(digits, number)) {
    rd_buf_adds(text, " ");
    rd_buf_adds(text, digits);
  }
}

/* Appends to out the words of text (separated by single spaces) that are not part of
 * another word of it: a word of q never holds a space, so it occurs in text exactly when it
 * occurs in one of the words kept, and a name repeated in the username and the addresses is
 * indexed once (issue 12: a quarter fewer trigrams, shorter position lists). Of equal words
 * the first is kept. */
static void add_longest_words(const char *text, rd_buf *out) {
  enum { MAX_WORDS = 128 };
  struct word {
    const char *p;
    size_t n;
  } w[MAX_WORDS];
  int n = 0;
  for (const char *p = text; *p;) {
    size_t len = strcspn(p, " ");
    if (len && n == MAX_WORDS) { /* more words than 32 addresses make: all of them */
      rd_buf_adds(out, text);
      return;
    }
    if (len)
      w[n++] = (struct word){p, len};
    p += len + (p[len] == ' ');
  }
  bool first = true;
  for (int i = 0; i < n; i++) {
    bool inside = false;
    for (int j = 0; j < n && !inside; j++) {
      if (j == i || w[j].n < w[i].n || (w[j].n == w[i].n && j > i))
        continue;
      inside = memmem(w[j].p, w[j].n, w[i].p, w[i].n) != NULL;
    }
    if (inside)
      continue;
    if (!first)
      rd_buf_adds(out, " ");
    rd_buf_add(out, w[i].p, w[i].n);
    first = false;
  }
}

void rd_search_person_text(const char *first, const char *last, const char *username,
                           const char *const phones[4], const char *const *addresses,
                           int naddresses, rd_buf *text, rd_buf *first_key, rd_buf *last_key) {
  rd_fold(first, true, first_key);
  rd_fold(last, true, last_key);
  rd_buf all;
  rd_buf_init(&all);
  rd_buf_adds(&all, rd_buf_cstr(first_key));
  rd_buf_adds(&all, " ");
  rd_buf_adds(&all, rd_buf_cstr(last_key));
  rd_buf_adds(&all, " ");
  rd_fold(username, true, &all);
  for (int i = 0; i < 4; i++)
    add_phone(&all, phones[i]);
  for (int i = 0; i < naddresses; i++) {
    rd_buf_adds(&all, " ");
    rd_fold(addresses[i], true, &all);
  }
  add_longest_words(rd_buf_cstr(&all), text);
  rd_buf_term(&all);
}

void rd_search_doc(const char *person_text, const char *org_name, rd_buf *doc) {
  rd_buf_adds(doc, person_text);
  if (org_name) {
    rd_buf_adds(doc, " ");
    rd_fold(org_name, true, doc);
  }
}

int rd_search_person_refresh(rd_conn *c, int64_t person_id, rd_err *err) {
  rd_stmt *s = NULL;
  json_t *row = NULL, *addresses = json_array();
  int rv = rd_sql(c, &s, err,
                  "SELECT p.account_id, p.first_name, p.last_name, p.username, p.phone, p.mobile,"
                  " p.fax, p.pager, o.name FROM people p"
                  " LEFT JOIN organizations o ON o.id = p.organization_id WHERE p.id = ?",
                  "i", person_id);
  if (rv)
    goto out;
  rv = rd_stmt_step(s, err);
  if (rv != RD_ROW) {
    rv = rv < 0 ? rv : rd_err_set(err, RD_ENOTFOUND, "No person with id %lld", (long long)person_id);
    goto out;
  }
  /* The row's texts live until the next step: keep them for after the addresses query. */
  row = json_array();
  for (int i = 0; i < 9; i++)
    json_array_append_new(row, rd_stmt_text(s, i) ? json_string(rd_stmt_text(s, i)) : json_null());
  rd_stmt_done(s);
  s = NULL;
  /* CUST-2: every address of the person, primary and aliases. */
  rv = rd_sql(c, &s, err, "SELECT address FROM person_emails WHERE person_id = ? ORDER BY address",
              "i", person_id);
  if (rv)
    goto out;
  while ((rv = rd_stmt_step(s, err)) == RD_ROW)
    json_array_append_new(addresses, json_string(rd_stmt_text(s, 0)));
  rd_stmt_done(s);
  s = NULL;
  if (rv < 0)
    goto out;
  const char *addr[RD_SEARCH_ADDRESSES_MAX];
  int naddr = 0;
  for (size_t i = 0; i < json_array_size(addresses) && naddr < RD_SEARCH_ADDRESSES_MAX; i++)
    addr[naddr++] = json_string_value(json_array_get(addresses, i));
#define COL(i) json_string_value(json_array_get(row, i))
  const char *phones[4] = {COL(4), COL(5), COL(6), COL(7)};
  rv = rd_search_person_set(c, person_id, COL(0), COL(1), COL(2), COL(3), phones, addr, naddr,
                            COL(8), err);
#undef COL
out:
  rd_stmt_done(s);
  json_decref(row);
  json_decref(addresses);
  return rv < 0 ? rv : 0;
}

int rd_search_person_set(rd_conn *c, int64_t person_id, const char *account_id,
                         const char *first_name, const char *last_name, const char *username,
                         const char *const phones[4], const char *const *addresses,
                         int naddresses, const char *org_name, rd_err *err) {
  rd_buf text, doc, first, last;
  rd_buf_init(&text);
  rd_buf_init(&doc);
  rd_buf_init(&first);
  rd_buf_init(&last);
  rd_search_person_text(first_name, last_name, username, phones, addresses, naddresses, &text,
                        &first, &last);
  rd_search_doc(rd_buf_cstr(&text), org_name, &doc);
  int rv = rd_sql_exec(c, NULL, err,
                       /* deleted as people has it (migration 033): later changes of
                        * people.deleted reach the row by the trigger person_search_deleted. */
                       "INSERT INTO person_search (person_id, account_id, person_text, doc,"
                       " first_key, last_key, deleted) VALUES (?, ?, ?, ?, ?, ?,"
                       " COALESCE((SELECT p.deleted FROM people p WHERE p.id = ?), FALSE))"
                       " ON CONFLICT (person_id)"
                       " DO UPDATE SET account_id = excluded.account_id,"
                       " person_text = excluded.person_text, doc = excluded.doc,"
                       " first_key = excluded.first_key, last_key = excluded.last_key",
                       "ittttti", person_id, account_id, rd_buf_cstr(&text), rd_buf_cstr(&doc),
                       rd_buf_cstr(&first), rd_buf_cstr(&last), person_id);
  rd_buf_term(&text);
  rd_buf_term(&doc);
  rd_buf_term(&first);
  rd_buf_term(&last);
  return rv;
}

int rd_search_org_renamed(rd_conn *c, int64_t org_id, const char *name, rd_err *err) {
  rd_buf part;
  rd_buf_init(&part);
  rd_buf_adds(&part, " ");
  rd_fold(name, true, &part);
  int rv = rd_sql_exec(c, NULL, err,
                       "UPDATE person_search SET doc = person_text || ? WHERE person_id IN"
                       " (SELECT id FROM people WHERE organization_id = ?)"
                       " AND person_text IS NOT NULL",
                       "ti", rd_buf_cstr(&part), org_id);
  rd_buf_term(&part);
  return rv;
}

int rd_search_backfill(rd_conn *c, int64_t *done, rd_err *err) {
  int64_t total = 0, ids[BACKFILL_BATCH];
  int rv = 0;
  for (;;) {
    int n = 0;
    rd_stmt *s = NULL;
    rv = rd_tx_begin(c, true, err);
    if (!rv)
      rv = rd_sql(c, &s, err,
                  "SELECT person_id FROM person_search WHERE doc IS NULL ORDER BY person_id LIMIT ?",
                  "i", (int64_t)BACKFILL_BATCH);
    if (!rv)
      while ((rv = rd_stmt_step(s, err)) == RD_ROW && n < BACKFILL_BATCH)
        ids[n++] = rd_stmt_int64(s, 0);
    rd_stmt_done(s);
    rv = rv < 0 ? rv : 0;
    for (int i = 0; !rv && i < n; i++)
      rv = rd_search_person_refresh(c, ids[i], err);
    if (!rv)
      rv = rd_tx_commit(c, err);
    if (rv) {
      rd_tx_rollback(c);
      return rv;
    }
    total += n;
    if (n < BACKFILL_BATCH)
      break;
  }
  if (done)
    *done = total;
  return 0;
}

/* ---- common trigrams (issue 12) ----
 * A trigram that most texts hold ("sto" of every "@customer..." address, the trigrams of
 * an account's one mail domain) makes the text index slow for every word that contains
 * it: its list of matches is as long as the table, and both FTS5 and GIN step through it
 * for every candidate of the other trigrams (at 1M people, "roston" 16 ms with "sto",
 * 6 ms without; PostgreSQL 7.7 ms against 3.6). Such a word is looked up in the index by
 * its pieces without the common trigrams, and the word itself is checked on the rows
 * found: the same rows, found faster. Which trigrams are common is sampled from the
 * search texts (SAMPLE_WINDOWS windows of SAMPLE_ROWS rows spread over the ids) at most
 * every STATS_TTL_S seconds per process; it only decides the speed, never the answer. */
enum {
  SAMPLE_WINDOWS = 8,
  SAMPLE_ROWS = 64,
  SAMPLE_MIN = 100,   /* fewer texts: no trigram is common (a small index is fast) */
  COMMON_PERCENT = 25, /* in at least this share of the texts */
  STATS_TTL_S = 600,
  COUNT_SLOTS = 1 << 15,
};

typedef struct trigram {
  char t[16]; /* three UTF-8 characters */
} trigram;

static pthread_mutex_t stats_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t stats_at_us; /* when last sampled; 0: never */
static int64_t stats_ttl_us; /* how long that sample holds: short while texts are few */
static char **common;       /* sorted by strcmp */
static int ncommon;

static void free_strings(char **v, int n) {
  for (int i = 0; i < n; i++)
    rd_free(v[i]);
  rd_free(v);
}

/* Bytes of the UTF-8 character at p (at least 1, never past its end). */
static size_t char_len(const char *p) {
  unsigned char b = (unsigned char)*p;
  size_t n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  for (size_t i = 1; i < n; i++)
    if (!p[i])
      return i;
  return n;
}

/* The offsets of the characters of s[0..len) and of its end into off (at most max + 1
 * entries); the number of characters, or -1 when there are more than max. */
static int char_offsets(const char *s, size_t len, size_t *off, int max) {
  int n = 0;
  for (size_t i = 0; i < len; i += char_len(s + i)) {
    if (n == max)
      return -1;
    off[n++] = i;
  }
  off[n] = len;
  return n;
}

static int str_cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct count_slot {
  trigram k;
  int count, last_doc;
};

/* Counts, once per doc, every trigram of doc's words into the table, which holds at most
 * COUNT_SLOTS / 2 (*used) different ones: later new ones are not counted (a sample of texts
 * of random letters would have more; they are then rare anyway). */
static void count_doc(struct count_slot *slots, int *used, int doc, const char *text) {
  size_t off[RD_SEARCH_Q_MAX + 1];
  for (const char *w = text; *w;) {
    size_t len = strcspn(w, " ");
    int n = char_offsets(w, len, off, RD_SEARCH_Q_MAX);
    for (int i = 0; n > 0 && i + 3 <= n; i++) {
      size_t b = off[i + 3] - off[i];
      if (b >= sizeof(trigram))
        continue;
      uint32_t h = 2166136261u;
      for (size_t j = 0; j < b; j++)
        h = (h ^ (unsigned char)w[off[i] + j]) * 16777619u;
      for (size_t k = h & (COUNT_SLOTS - 1);; k = (k + 1) & (COUNT_SLOTS - 1)) {
        struct count_slot *c = &slots[k];
        if (!c->k.t[0]) { /* new */
          if (*used >= COUNT_SLOTS / 2)
            break;
          ++*used;
          memcpy(c->k.t, w + off[i], b);
          c->count = 1;
          c->last_doc = doc;
          break;
        }
        if (!strncmp(c->k.t, w + off[i], b) && !c->k.t[b]) {
          c->count += c->last_doc != doc;
          c->last_doc = doc;
          break;
        }
      }
    }
    w += len + (w[len] == ' ');
  }
}

/* Samples the search texts into a new sorted array of the common trigrams; *enough: the
 * sample held SAMPLE_MIN texts. */
static int sample_common(rd_conn *c, char ***out, int *nout, bool *enough, rd_err *err) {
  int64_t lo = 0, hi = 0;
  int rv = rd_sql_int64(c, &lo, err, "SELECT MIN(person_id) FROM person_search", "");
  if (rv >= 0)
    rv = rd_sql_int64(c, &hi, err, "SELECT MAX(person_id) FROM person_search", "");
  if (rv < 0)
    return rv;
  rv = 0;
  struct count_slot *slots = rd_calloc(COUNT_SLOTS, sizeof *slots);
  int docs = 0, used = 0;
  int64_t next = lo; /* windows do not overlap: each text counts once */
  for (int w = 0; w < SAMPLE_WINDOWS && !rv; w++) {
    rd_stmt *s = NULL;
    int64_t from = lo + (hi - lo) / SAMPLE_WINDOWS * w;
    rv = rd_sql(c, &s, err,
                "SELECT person_id, doc FROM person_search WHERE person_id >= ? AND doc IS NOT NULL"
                " ORDER BY person_id LIMIT ?",
                "ii", from > next ? from : next, (int64_t)SAMPLE_ROWS);
    while (!rv && (rv = rd_stmt_step(s, err)) == RD_ROW) {
      next = rd_stmt_int64(s, 0) + 1;
      count_doc(slots, &used, docs++, rd_stmt_text(s, 1));
      rv = 0;
    }
    rd_stmt_done(s);
    rv = rv < 0 ? rv : 0;
  }
  char **found = NULL;
  int n = 0;
  for (int i = 0; !rv && docs >= SAMPLE_MIN && i < COUNT_SLOTS; i++)
    if (slots[i].k.t[0] && slots[i].count * 100 >= docs * COMMON_PERCENT) {
      found = rd_realloc(found, (size_t)(n + 1) * sizeof *found);
      found[n++] = rd_strdup(slots[i].k.t);
    }
  rd_free(slots);
  if (n)
    qsort(found, (size_t)n, sizeof *found, str_cmp);
  rd_log(RD_LOG_DEBUG, "search: %d common trigrams in a sample of %d texts", n, docs);
  *enough = docs >= SAMPLE_MIN;
  *out = found;
  *nout = n;
  return rv;
}

/* Samples again when the last sample is older than STATS_TTL_S, or than a second while the
 * texts were too few to tell (one thread at a time; the others go on with what is known).
 * A failure keeps the old sample until the next TTL. */
void rd_search_sample_common(rd_conn *c) {
  static bool sampling;
  int64_t now = rd_mono_us();
  pthread_mutex_lock(&stats_mu);
  bool due = !sampling && (!stats_at_us || now - stats_at_us >= stats_ttl_us);
  if (due) {
    sampling = true;
    stats_at_us = now;
  }
  pthread_mutex_unlock(&stats_mu);
  if (!due)
    return;
  char **found = NULL;
  int n = 0;
  rd_err err;
  rd_err_clear(&err);
  bool enough = false;
  int rv = sample_common(c, &found, &n, &enough, &err);
  if (rv)
    rd_log(RD_LOG_WARN, "search: sampling the common trigrams: %s", err.message);
  pthread_mutex_lock(&stats_mu);
  stats_ttl_us = enough || rv ? (int64_t)STATS_TTL_S * 1000000 : 1000000;
  if (!rv) {
    free_strings(common, ncommon);
    common = found;
    ncommon = n;
  }
  sampling = false;
  pthread_mutex_unlock(&stats_mu);
}

/* Whether the trigram at p (b bytes) is in the sorted common list. */
static bool is_common(const char *p, size_t b, char *const *common_trigrams,
                      int ncommon_trigrams) {
  trigram k = {{0}};
  if (b >= sizeof k.t || !ncommon_trigrams)
    return false; /* not sampled: taken as rare */
  memcpy(k.t, p, b);
  const char *key = k.t;
  return bsearch(&key, common_trigrams, (size_t)ncommon_trigrams, sizeof *common_trigrams,
                 str_cmp) != NULL;
}

bool rd_search_only_common(const char *term, char *const *common_trigrams,
                           int ncommon_trigrams) {
  size_t off[RD_SEARCH_Q_MAX + 1];
  int n = char_offsets(term, strlen(term), off, RD_SEARCH_Q_MAX);
  if (n < 3)
    return false;
  for (int i = 0; i + 3 <= n; i++)
    if (!is_common(term + off[i], off[i + 3] - off[i], common_trigrams, ncommon_trigrams))
      return false;
  return true;
}

int rd_search_pieces(const char *term, char *const *common_trigrams, int ncommon_trigrams,
                     char **pieces, int max) {
  size_t off[RD_SEARCH_Q_MAX + 1];
  int n = char_offsets(term, strlen(term), off, RD_SEARCH_Q_MAX);
  if (n < 3)
    return 0;
  int npieces = 0, start = -1; /* start: first trigram of the current run of rare ones */
  bool split = false;
  for (int i = 0; i + 3 <= n + 1; i++) {
    bool rare = false;
    if (i + 3 <= n) {
      rare = !is_common(term + off[i], off[i + 3] - off[i], common_trigrams, ncommon_trigrams);
      split |= !rare;
    }
    if (rare && start < 0)
      start = i;
    if (!rare && start >= 0) { /* the run of rare trigrams start..i-1: characters start..i+1 */
      if (npieces == max) {
        while (npieces)
          rd_free(pieces[--npieces]);
        return 0;
      }
      pieces[npieces++] = rd_strndup(term + off[start], off[i + 2] - off[start]);
      start = -1;
    }
  }
  if (!split || !npieces) { /* no common trigram, or only common ones: the word itself */
    while (npieces)
      rd_free(pieces[--npieces]);
    return 0;
  }
  return npieces;
}

/* ---- list conditions ---- */

void rd_search_cond_init(rd_search_cond *sc) {
  memset(sc, 0, sizeof *sc);
  rd_buf_init(&sc->sql);
  rd_buf_init(&sc->join_sql);
}

void rd_search_cond_term(rd_search_cond *sc) {
  for (int i = 0; i < sc->nowned; i++)
    rd_free(sc->owned[i]);
  rd_buf_term(&sc->sql);
  rd_buf_term(&sc->join_sql);
}

/* Keeps an owned string for the struct's life. */
static const char *own(rd_search_cond *sc, char *owned) {
  assert(sc->nowned < (int)(sizeof sc->owned / sizeof *sc->owned));
  sc->owned[sc->nowned++] = owned;
  return owned;
}

/* Adds a parameter of the ids-first join. */
static void add_jp(rd_search_cond *sc, rd_param p) {
  assert(sc->njp < (int)(sizeof sc->jp / sizeof *sc->jp));
  sc->jp[sc->njp++] = p;
}

/* Issue 12: the page's ids first. "SELECT person_id FROM person_search s WHERE <the
 * caller's account, deleted or not, after the cursor, cond> ORDER BY person_id LIMIT
 * limit + 1" into join_sql, with account, deleted and the cursor bound before cond's
 * parameters. The caller adds cond's parameters, then ids_end the LIMIT. */
static void ids_begin(rd_search_cond *sc, const char *account_id, const rd_search_page *page) {
  rd_buf_adds(&sc->join_sql, "SELECT s.person_id FROM person_search s WHERE s.account_id = ?"
                             " AND s.deleted = ? AND s.person_id > ? AND ");
  add_jp(sc, (rd_param){.type = 't', .t = own(sc, rd_strdup(account_id))});
  add_jp(sc, (rd_param){.type = 'b', .i = page->deleted});
  add_jp(sc, (rd_param){.type = 'i', .i = page->after});
}

static void ids_end(rd_search_cond *sc, const rd_search_page *page) {
  rd_buf_adds(&sc->join_sql, " ORDER BY s.person_id LIMIT ?");
  add_jp(sc, (rd_param){.type = 'i', .i = (int64_t)page->limit + 1});
}

/* Issue 12: a prefix of one or two characters. The ids of the page are the first limit + 1
 * of the union of two walks in id order, each of an index on (account, deleted, the name's
 * first n characters, id) and each stopping after limit + 1: no match beyond the page is
 * read (the range scan of the names collected every match and sorted them). The LIMIT in
 * each branch is in a sub-select: SQLite takes no LIMIT on a member of a UNION. */
static void prefix_ids(rd_search_cond *sc, const char *account_id, const rd_search_page *page,
                       const char *prefix, int nchars) {
  rd_buf_adds(&sc->join_sql, " JOIN (");
  for (int i = 0; i < 2; i++) {
    rd_buf_adds(&sc->join_sql, i ? " UNION SELECT person_id FROM (" : "SELECT person_id FROM (");
    ids_begin(sc, account_id, page);
    rd_buf_printf(&sc->join_sql, "substr(s.%s, 1, %d) = ?", i ? "last_key" : "first_key", nchars);
    add_jp(sc, (rd_param){.type = 't', .t = own(sc, rd_strdup(prefix))});
    ids_end(sc, page);
    rd_buf_adds(&sc->join_sql, i ? ") b" : ") a");
  }
  rd_buf_adds(&sc->join_sql, " ORDER BY 1 LIMIT ?) x ON x.person_id = t.id");
  add_jp(sc, (rd_param){.type = 'i', .i = (int64_t)page->limit + 1});
  sc->join = rd_buf_cstr(&sc->join_sql);
  sc->key = "x.person_id";
}

/* Adds an owned text parameter. */
static void add_text(rd_search_cond *sc, char *owned) {
  /* Bounded by RD_SEARCH_TERMS_MAX and RD_SEARCH_CF_MAX, checked where the input comes in. */
  assert(sc->nowned < (int)(sizeof sc->owned / sizeof *sc->owned));
  assert(sc->np < (int)(sizeof sc->p / sizeof *sc->p));
  sc->owned[sc->nowned++] = owned;
  sc->p[sc->np++] = (rd_param){.type = 't', .t = owned};
}

static int bad_query(rd_err *err, const char *field, const char *msg) {
  rd_err_set(err, RD_EBADREQ, "Bad query parameter");
  rd_err_field(err, field, "%s", msg);
  return RD_EBADREQ;
}

/* A word typed as a phone number ("020-555", "(20)") is searched by its digits. */
static void phone_digits(char *w) {
  bool digit = false, other = false;
  for (const char *p = w; *p; p++) {
    if (!phone_char(*p))
      return;
    digit |= *p >= '0' && *p <= '9';
    other |= !(*p >= '0' && *p <= '9');
  }
  if (!digit || !other)
    return;
  char *o = w;
  for (const char *p = w; *p; p++)
    if (*p >= '0' && *p <= '9')
      *o++ = *p;
  *o = 0;
}

int rd_search_cond_q(rd_search_cond *sc, rd_conn *c, const char *account_id, const char *q,
                     const rd_search_page *page, rd_err *err) {
  if (rd_utf8_len(q) > RD_SEARCH_Q_MAX)
    return bad_query(err, "q", "is longer than 128 characters");
  rd_buf norm;
  rd_buf_init(&norm);
  rd_fold(q, true, &norm);
  char *words = rd_strdup(rd_buf_cstr(&norm)), *terms[RD_SEARCH_TERMS_MAX];
  int n = 0, rv = 0;
  bool indexed = false;
  for (char *w = words; *w;) {
    char *end = strchr(w, ' ');
    if (end)
      *end = 0;
    if (n == RD_SEARCH_TERMS_MAX) {
      rv = bad_query(err, "q", "has more than 8 words");
      goto out;
    }
    phone_digits(w);
    if (*w) {
      terms[n++] = w;
      indexed |= rd_utf8_len(w) >= 3;
    }
    w = end ? end + 1 : w + strlen(w);
  }
  if (n == 0)
    goto out; /* only spaces: no condition */
  if (indexed) {
    /* Words of 3 characters or more are looked up in the index (or their pieces, and the
     * word is checked); shorter ones are checked on what the index finds. So are words of
     * common trigrams only ("example", a mail domain most customers share) when another
     * word has rare ones: their lists in the index are as long as the table. */
    char *look[RD_SEARCH_PARTS_MAX], *params[RD_SEARCH_PARTS_MAX];
    const char *checks[RD_SEARCH_PARTS_MAX], *common_words[RD_SEARCH_TERMS_MAX];
    int nlook = 0, nchecks = 0, np = 0, ncommon_words = 0;
    rd_search_sample_common(c);
    pthread_mutex_lock(&stats_mu);
    for (int i = 0; i < n; i++) {
      if (rd_utf8_len(terms[i]) < 3) {
        checks[nchecks++] = terms[i];
        continue;
      }
      if (rd_search_only_common(terms[i], common, ncommon)) {
        common_words[ncommon_words++] = terms[i];
        continue;
      }
      /* Room for this word's pieces, the word as a check, and one part per word left. */
      int room = RD_SEARCH_PARTS_MAX - nlook - nchecks - ncommon_words - (n - i);
      int k = room > 0 ? rd_search_pieces(terms[i], common, ncommon, look + nlook, room) : 0;
      if (k) {
        nlook += k;
        checks[nchecks++] = terms[i];
      } else {
        look[nlook++] = rd_strdup(terms[i]);
      }
    }
    pthread_mutex_unlock(&stats_mu);
    for (int i = 0; i < ncommon_words; i++) { /* one is looked up when no other word is */
      if (nlook)
        checks[nchecks++] = common_words[i];
      else
        look[nlook++] = rd_strdup(common_words[i]);
    }
    rd_buf match;
    rd_buf_init(&match);
    rd_conn_ops(c)->search_match((const char *const *)look, nlook, checks, nchecks, &match,
                                 params, &np, &sc->join, &sc->key);
    for (int i = 0; i < nlook; i++)
      rd_free(look[i]);
    if (sc->join) {
      rd_buf_printf(&sc->sql, " AND %s", rd_buf_cstr(&match));
    } else if (page) {
      /* Issue 12 (PostgreSQL): the text index answers an unordered set; taking the page's
       * ids from person_search alone sorts only matching ids, without reading a person
       * for every match. */
      rd_buf_adds(&sc->join_sql, " JOIN (");
      ids_begin(sc, account_id, page);
      rd_buf_adds(&sc->join_sql, rd_buf_cstr(&match));
      for (int i = 0; i < np; i++)
        add_jp(sc, (rd_param){.type = 't', .t = own(sc, params[i])});
      np = 0;
      ids_end(sc, page);
      rd_buf_adds(&sc->join_sql, ") x ON x.person_id = t.id");
      sc->join = rd_buf_cstr(&sc->join_sql);
      sc->key = "x.person_id";
    } else {
      rd_buf_printf(&sc->sql, " AND t.id IN (SELECT s.person_id FROM person_search s"
                              " WHERE s.account_id = ? AND %s)", rd_buf_cstr(&match));
      add_text(sc, rd_strdup(account_id));
    }
    rd_buf_term(&match);
    for (int i = 0; i < np; i++)
      add_text(sc, params[i]);
  } else if (page && rd_utf8_len(rd_buf_cstr(&norm)) <= 2 && !strchr(rd_buf_cstr(&norm), ' ')) {
    prefix_ids(sc, account_id, page, rd_buf_cstr(&norm), (int)rd_utf8_len(rd_buf_cstr(&norm)));
  } else {
    rd_buf_adds(&sc->sql, " AND t.id IN (SELECT s.person_id FROM person_search s"
                          " WHERE s.account_id = ? AND ");
    add_text(sc, rd_strdup(account_id));
    /* Under 3 characters no trigram exists: the query is a prefix of the first or last
     * name, a range scan of the btree indexes on the normalized names. */
    const char *prefix = rd_buf_cstr(&norm);
    size_t len = strlen(prefix);
    char *upper = rd_malloc(len + 5);
    memcpy(upper, prefix, len);
    memcpy(upper + len, "\xf4\x8f\xbf\xbf", 5); /* U+10FFFF: sorts after any continuation */
    rd_buf_adds(&sc->sql, "((s.first_key >= ? AND s.first_key < ?)"
                          " OR (s.last_key >= ? AND s.last_key < ?))");
    char *lo = rd_strdup(prefix);
    add_text(sc, lo);
    add_text(sc, upper);
    assert(sc->np + 2 <= (int)(sizeof sc->p / sizeof *sc->p));
    sc->p[sc->np++] = (rd_param){.type = 't', .t = lo};
    sc->p[sc->np++] = (rd_param){.type = 't', .t = upper};
    rd_buf_adds(&sc->sql, ")");
  }
out:
  rd_free(words);
  rd_buf_term(&norm);
  return rv;
}

/* A number as the API accepts it: a whole decimal, finite. */
static bool parse_number(const char *s, double *out) {
  char *end = NULL;
  if (!*s || strchr(" \t\n", *s))
    return false;
  double v = strtod(s, &end);
  if (*end || !isfinite(v))
    return false;
  *out = v;
  return true;
}

int rd_search_cond_custom(rd_search_cond *sc, rd_conn *c, const char *account_id,
                          const char *key, const char *value, rd_err *err) {
  char field[RD_ERR_FIELD_MAX], type[16] = "";
  snprintf(field, sizeof field, "custom_fields.%s", key);
  rd_stmt *s = NULL;
  int rv = rd_sql(c, &s, err,
                  "SELECT type FROM custom_fields WHERE account_id = ? AND record_type = ?"
                  " AND field_key = ?",
                  "ttt", account_id, "person", key);
  if (rv)
    return rv;
  rv = rd_stmt_step(s, err);
  if (rv == RD_ROW)
    snprintf(type, sizeof type, "%s", rd_stmt_text(s, 0));
  rd_stmt_done(s);
  if (rv < 0)
    return rv;
  if (rv == RD_DONE)
    return bad_query(err, field, "is not a custom field of people in this account");
  if (sc->np + 4 > (int)(sizeof sc->p / sizeof *sc->p))
    return bad_query(err, field, "too many custom field filters");
  rd_buf_adds(&sc->sql, " AND EXISTS (SELECT 1 FROM custom_values v WHERE v.account_id = ?"
                        " AND v.record_id = t.id AND v.field_key = ?");
  add_text(sc, rd_strdup(account_id));
  add_text(sc, rd_strdup(key));
  bool number = !strcmp(type, "number"), date = !strcmp(type, "date");
  if (number || date) {
    const char *dots = strstr(value, "..");
    char *lo = rd_strdup(value), *hi = NULL;
    if (dots) {
      lo[dots - value] = 0;
      hi = rd_strdup(dots + 2);
    }
    double a = 0, b = 0;
    bool ok = true;
    if (number) {
      ok = (dots && !*lo) || parse_number(lo, &a);
      ok = ok && (!dots || !*hi || parse_number(hi, &b));
    } else {
      ok = (dots && !*lo) || rd_date_valid(lo);
      ok = ok && (!dots || !*hi || rd_date_valid(hi));
    }
    if (ok && dots && !*lo && !*hi)
      ok = false;
    if (ok && dots && *lo && *hi && (number ? a > b : strcmp(lo, hi) > 0))
      ok = false;
    const char *column = number ? "v.value_num" : "v.value_text";
    const char *cast = number ? "CAST(? AS DOUBLE PRECISION)" : "?";
    if (ok && !dots) {
      rd_buf_printf(&sc->sql, " AND %s = %s", column, cast);
      add_text(sc, lo);
      lo = NULL;
    }
    if (ok && dots && *lo) {
      rd_buf_printf(&sc->sql, " AND %s >= %s", column, cast);
      add_text(sc, lo);
      lo = NULL;
    }
    if (ok && dots && *hi) {
      rd_buf_printf(&sc->sql, " AND %s <= %s", column, cast);
      add_text(sc, hi);
      hi = NULL;
    }
    rd_free(lo);
    rd_free(hi);
    if (!ok)
      return bad_query(err, field,
                       number ? "must be a number, or a range min..max of numbers"
                              : "must be a date (YYYY-MM-DD), or a range min..max of dates");
  } else if (!strcmp(type, "boolean")) {
    if (strcmp(value, "true") && strcmp(value, "false"))
      return bad_query(err, field, "must be true or false");
    rd_buf_adds(&sc->sql, " AND v.value_text = ?");
    add_text(sc, rd_strdup(value));
  } else {
    rd_buf_adds(&sc->sql, " AND v.value_text = ?");
    add_text(sc, rd_strdup(value));
  }
  rd_buf_adds(&sc->sql, ")");
  return 0;
}
