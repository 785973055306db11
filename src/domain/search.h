/* Customer search (CUST-4): the normalized text `q` matches, kept in person_search
 * (migration 006) by every write of a person, its addresses and its organization's name,
 * and the conditions of GET /v1/people built on it (text, custom field values). The text
 * index and its match clause are the backend's (store.h search_match): FTS5 trigram on
 * SQLite, pg_trgm GIN on PostgreSQL. */
#ifndef RD_DOMAIN_SEARCH_H
#define RD_DOMAIN_SEARCH_H

#include <jansson.h>

#include "base/str.h"
#include "store/store.h"

#define RD_SEARCH_Q_MAX 128    /* characters of q */
#define RD_SEARCH_TERMS_MAX 8  /* words of q */
#define RD_SEARCH_CF_MAX 4     /* custom_fields.<key> filters in one query */
/* Index lookups plus checks of one q: each word once, a split word as its pieces and
 * itself (rd_search_pieces). */
#define RD_SEARCH_PARTS_MAX (4 * RD_SEARCH_TERMS_MAX)

#define RD_SEARCH_ADDRESSES_MAX 32 /* a person has at most 20 (CUST-2) */

/* The person's own search text (person_search.person_text) and its normalized first and
 * last names, appended to text, first_key and last_key: the words of the names, username,
 * phone numbers as written and by their digits and addresses, less those that are part of
 * another of these words (a word of q occurs in one word: the text finds the same people). phones are phone, mobile, fax, pager (NULLs
 * allowed). Pure: also for bulk loaders that write person_search themselves. */
void rd_search_person_text(const char *first, const char *last, const char *username,
                           const char *const phones[4], const char *const *addresses,
                           int naddresses, rd_buf *text, rd_buf *first_key, rd_buf *last_key);
/* doc = person_text followed by the organization's normalized name (org_name may be NULL). */
void rd_search_doc(const char *person_text, const char *org_name, rd_buf *doc);

/* Rewrites the person_search row of person_id from the person, its addresses and its
 * organization. Call inside the write transaction that changed any of them. */
int rd_search_person_refresh(rd_conn *c, int64_t person_id, rd_err *err);
/* Writes person_id's search row from its details in hand (what rd_search_person_refresh
 * reads from the database): the account, names, username, phone/mobile/fax/pager, every
 * address of the person (lower-case, sorted), the organization's name (or NULL). */
int rd_search_person_set(rd_conn *c, int64_t person_id, const char *account_id,
                         const char *first_name, const char *last_name, const char *username,
                         const char *const phones[4], const char *const *addresses,
                         int naddresses, const char *org_name, rd_err *err);

/* An organization's name changed: rewrites the doc of every person in it, in one
 * statement. Call inside the write transaction of the rename. */
int rd_search_org_renamed(rd_conn *c, int64_t org_id, const char *name, rd_err *err);

/* Fills the rows migration 006 left empty (people that existed before it), in batches
 * of one transaction each. *done (may be NULL) gets how many. */
int rd_search_backfill(rd_conn *c, int64_t *done, rd_err *err);

/* Issue 12: the pieces of term (normalized, no spaces) to look up in the text index when
 * some of its trigrams are common (common_trigrams: sorted by strcmp): the longest runs of
 * its characters whose trigrams are all rare, each a new string (rd_free) in pieces. Every
 * text that holds term holds each piece; the caller checks term itself on what they find.
 * 0 (no pieces) when term has no common trigram, only common ones, fewer than 3
 * characters, or more than max pieces: term is looked up as it is. Pure. */
int rd_search_pieces(const char *term, char *const *common_trigrams, int ncommon_trigrams,
                     char **pieces, int max);

/* Issue 12: whether every trigram of term (at least one) is common: rd_search_cond_q then
 * checks term on the rows another word finds instead of looking it up. Pure. */
bool rd_search_only_common(const char *term, char *const *common_trigrams,
                           int ncommon_trigrams);

/* Issue 12: samples which trigrams most search texts hold, for rd_search_pieces, when the
 * process's last sample is older than 10 minutes (rd_search_cond_q calls it; the daemon
 * also at its start, beside serving). Only the speed of searches depends on it. */
void rd_search_sample_common(rd_conn *c);

/* A list condition over alias t (people) under construction: the SQL text and its
 * parameters, which the struct owns until rd_search_cond_term. */
typedef struct rd_search_cond {
  rd_buf sql;
  rd_param p[RD_SEARCH_PARTS_MAX + 2 + 4 * RD_SEARCH_CF_MAX];
  int np;
  char *owned[RD_SEARCH_PARTS_MAX + 10 + 4 * RD_SEARCH_CF_MAX];
  int nowned;
  const char *join, *key; /* for rd_rec_list_by; NULL: a plain rd_rec_list */
  /* Issue 12: an ids-first join ("JOIN (SELECT person_id ... LIMIT ?) x") has its own
   * parameters, bound before the list's (rd_rec_list_by's jp). join then points into
   * join_sql. */
  rd_buf join_sql;
  rd_param jp[RD_SEARCH_PARTS_MAX + 8];
  int njp;
} rd_search_cond;

/* The page a search is for, when q is the list's only filter besides `deleted`: the
 * search may then take the page's ids (after the cursor, at most limit + 1, deleted or
 * not) from person_search first and join only those people (issue 12). */
typedef struct rd_search_page {
  bool deleted;
  int64_t after;
  int limit;
} rd_search_page;

void rd_search_cond_init(rd_search_cond *sc);
void rd_search_cond_term(rd_search_cond *sc);

/* CUST-4: appends "AND <q matches t>". q is split into words, each normalized and each
 * required as a substring of the person's text; a word of phone characters (digits,
 * + - . ( ) /) counts by its digits. When no word has 3 characters the whole query is a
 * prefix of the first or last name instead; only spaces: no condition. Bad q (longer
 * than RD_SEARCH_Q_MAX characters, more than RD_SEARCH_TERMS_MAX words): 400 naming "q".
 * With page (may be NULL), a one- or two-character prefix, and on a backend whose text
 * index does not drive the list itself (PostgreSQL) any query, become an ids-first join
 * (sc->join, sc->key, sc->jp) instead; the condition then holds as well. */
int rd_search_cond_q(rd_search_cond *sc, rd_conn *c, const char *account_id, const char *q,
                     const rd_search_page *page, rd_err *err);

/* CUST-4 advanced search: appends "AND <person t has custom field key matching value>",
 * typed by the account's definition of key for people: number and date values compare as
 * such and take the range form "min..max" (inclusive; either end may be left out),
 * boolean takes true/false, text and select compare equal. Unknown key, bad number, bad
 * date, bad boolean, empty range: 400 naming "custom_fields.<key>". */
int rd_search_cond_custom(rd_search_cond *sc, rd_conn *c, const char *account_id,
                          const char *key, const char *value, rd_err *err);

#endif
