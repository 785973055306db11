/* CUST-5: a person as an electronic business card, vCard 4.0 (RFC 6350) or 3.0 (RFC 2426),
 * rendered from the API record of GET /v1/people/{id}. Pure text work: no database, no
 * HTTP; src/api/vcard.c serves it. */
#ifndef RD_DOMAIN_VCARD_H
#define RD_DOMAIN_VCARD_H

#include <jansson.h>

#include "base/str.h"

/* Longest content line in octets before folding (RFC 6350 3.2, RFC 2426 2.6). */
#define RD_VCARD_LINE_MAX 75

/* Appends the vCard of person (an API person record, borrowed) to out: version 4 (RFC 6350)
 * or 3 (RFC 2426). Lines end in CRLF and are folded at RD_VCARD_LINE_MAX octets without
 * splitting a UTF-8 sequence; values are escaped by the rules of their value type (text,
 * or the components of N, ADR and ORG). Properties: FN, N (title as honorific prefix),
 * NICKNAME (username), EMAIL (primary and aliases, PREF on send_to), TEL (phone, mobile,
 * fax, pager), ADR, ORG, TZ, LANG (4.0: email_locale), GEO, NOTE, UID (a urn:uuid derived from account and id, so
 * a second download updates the same address book entry), REV (updated_at), PRODID.
 * Returns 0, or RD_EINVAL when version is neither 3 nor 4 (out unchanged). Thread-safe. */
int rd_vcard_render(json_t *person, int version, rd_buf *out);

/* The building blocks, exposed for the unit tests. */
/* Appends s escaped as a vCard value, text or one component of a structured value (N, ADR,
 * ORG), in either version: backslash, comma, semicolon and newlines. RFC 6350 3.4 allows
 * \; in 4.0 text ("SEMICOLON characters in non-compound properties MAY be escaped") and
 * RFC 2426 requires it in 3.0 text. CR, LF and CRLF all become \n. */
void rd_vcard_escape_text(rd_buf *out, const char *s);
/* Appends one logical content line (without line break) folded: CRLF after at most
 * RD_VCARD_LINE_MAX octets, continuation lines starting with one space (which counts
 * towards their 75), never inside a UTF-8 sequence; then the closing CRLF. */
void rd_vcard_fold(rd_buf *out, const char *line, size_t len);

#endif
