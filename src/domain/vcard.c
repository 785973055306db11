/* vCard rendering (CUST-5): see vcard.h. Each property is built as one logical line in a
 * scratch buffer (name, parameters, escaped value), then folded into the output. The
 * escaping is the same for every value, text or component, in both versions: \\ \, \; \n.
 * RFC 2426 requires \; in 3.0 text, RFC 6350 3.4 requires it in the components of N, ADR
 * and ORG and allows it in 4.0 text, where parsers that split FN or NOTE at a bare ';' (the
 * npm vcard4 package) need it.
 * Parameter values are constants of this file: no user text goes into a parameter. */
#include "domain/vcard.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"

static const char *str(json_t *person, const char *name) {
  const char *s = json_string_value(json_object_get(person, name));
  return s && *s ? s : NULL;
}

void rd_vcard_escape_text(rd_buf *out, const char *s) {
  for (const char *p = s; *p; p++) {
    switch (*p) {
    case '\\':
      rd_buf_adds(out, "\\\\");
      break;
    case ',':
      rd_buf_adds(out, "\\,");
      break;
    case ';':
      rd_buf_adds(out, "\\;");
      break;
    case '\r':
      if (p[1] == '\n')
        p++;
      rd_buf_adds(out, "\\n");
      break;
    case '\n':
      rd_buf_adds(out, "\\n");
      break;
    default:
      /* Other control characters have no escape in vCard and no business in a card. */
      if ((unsigned char)*p >= 0x20 && *p != 0x7f)
        rd_buf_add(out, p, 1);
      else if (*p == '\t')
        rd_buf_add(out, " ", 1);
    }
  }
}

/* Length of the UTF-8 sequence that starts with byte c (1 for stray continuation bytes,
 * which valid input never has). */
static size_t seq_len(unsigned char c) {
  if (c >= 0xf0)
    return 4;
  if (c >= 0xe0)
    return 3;
  if (c >= 0xc0)
    return 2;
  return 1;
}

void rd_vcard_fold(rd_buf *out, const char *line, size_t len) {
  size_t room = RD_VCARD_LINE_MAX, used = 0;
  for (size_t i = 0; i < len;) {
    size_t n = seq_len((unsigned char)line[i]);
    if (i + n > len)
      n = len - i;
    if (used + n > room) {
      /* RFC 6350 3.2: CRLF and one space; multi-octet characters stay whole. */
      rd_buf_adds(out, "\r\n ");
      used = 1;
    }
    rd_buf_add(out, line + i, n);
    used += n;
    i += n;
  }
  rd_buf_adds(out, "\r\n");
}

/* One content line: the caller fills the scratch buffer b, then emit folds it. */
static void emit(rd_buf *out, rd_buf *b) {
  rd_vcard_fold(out, b->data ? b->data : "", b->len);
  b->len = 0;
  if (b->data)
    b->data[0] = 0;
}

static void text_prop(rd_buf *out, rd_buf *b, const char *head, const char *value) {
  if (!value)
    return;
  rd_buf_adds(b, head);
  rd_vcard_escape_text(b, value);
  emit(out, b);
}

/* A urn:uuid that depends only on the account and the record id: version 8 (RFC 9562,
 * custom) from BLAKE2b, so the same person always gets the same UID. */
static void uid(rd_buf *b, const char *account, long long id) {
  char name[128];
  int n = snprintf(name, sizeof name, "rolodesk person %s %lld", account ? account : "", id);
  unsigned char h[16];
  crypto_generichash(h, sizeof h, (const unsigned char *)name, (size_t)n, NULL, 0);
  h[6] = (unsigned char)((h[6] & 0x0f) | 0x80);
  h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
  rd_buf_adds(b, "urn:uuid:");
  for (int i = 0; i < 16; i++)
    rd_buf_printf(b, "%s%02x", i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "", h[i]);
}

static void emails(rd_buf *out, rd_buf *b, json_t *person, int version) {
  const char *primary = str(person, "primary_email"), *send_to = str(person, "send_to");
  json_t *list = json_array();
  if (primary)
    json_array_append_new(list, json_string(primary));
  size_t i;
  json_t *a;
  json_array_foreach(json_object_get(person, "aliases"), i, a) {
    if (json_is_string(a))
      json_array_append(list, a);
  }
  /* CUST-2: mail goes to send_to; the card prefers it. When it is none of the listed
   * addresses (it always should be one), it is listed first. */
  bool listed = false;
  json_array_foreach(list, i, a) listed |= send_to && !strcasecmp(json_string_value(a), send_to);
  if (send_to && !listed)
    json_array_insert_new(list, 0, json_string(send_to));
  json_array_foreach(list, i, a) {
    const char *addr = json_string_value(a);
    bool pref = send_to && !strcasecmp(addr, send_to);
    if (version == 4)
      rd_buf_adds(b, pref ? "EMAIL;PREF=1:" : "EMAIL:");
    else
      rd_buf_adds(b, pref ? "EMAIL;TYPE=INTERNET,PREF:" : "EMAIL;TYPE=INTERNET:");
    rd_vcard_escape_text(b, addr);
    emit(out, b);
  }
  json_decref(list);
}

static void phones(rd_buf *out, rd_buf *b, json_t *person, int version) {
  static const struct {
    const char *field, *type4, *type3;
  } TELS[] = {{"phone", "work,voice", "WORK,VOICE"},
              {"mobile", "cell,voice", "CELL,VOICE"},
              {"fax", "work,fax", "WORK,FAX"},
              {"pager", "pager", "PAGER"}};
  for (size_t i = 0; i < sizeof TELS / sizeof *TELS; i++) {
    const char *v = str(person, TELS[i].field);
    if (!v)
      continue;
    /* 4.0 wants a tel: URI by default; VALUE=text keeps the number as the person typed
     * it (RFC 6350 6.4.1 allows it). 3.0's phone-number value escapes like text. */
    if (version == 4)
      rd_buf_printf(b, "TEL;VALUE=text;TYPE=%s:", TELS[i].type4);
    else
      rd_buf_printf(b, "TEL;TYPE=%s:", TELS[i].type3);
    rd_vcard_escape_text(b, v);
    emit(out, b);
  }
}

static void address(rd_buf *out, rd_buf *b, json_t *person, int version) {
  const char *a1 = str(person, "address_1"), *a2 = str(person, "address_2");
  const char *parts[] = {str(person, "city"), str(person, "state"), str(person, "postcode"),
                         str(person, "country")};
  if (!a1 && !a2 && !parts[0] && !parts[1] && !parts[2] && !parts[3])
    return;
  /* Post office box and extended address stay empty (RFC 6350 6.3.1: "SHOULD be empty");
   * the two address lines share the street component as lines, as address books do. */
  rd_buf_adds(b, version == 4 ? "ADR;TYPE=work:;;" : "ADR;TYPE=WORK:;;");
  if (a1)
    rd_vcard_escape_text(b, a1);
  if (a1 && a2)
    rd_buf_adds(b, "\\n");
  if (a2)
    rd_vcard_escape_text(b, a2);
  for (int i = 0; i < 4; i++) {
    rd_buf_adds(b, ";");
    if (parts[i])
      rd_vcard_escape_text(b, parts[i]);
  }
  emit(out, b);
}

int rd_vcard_render(json_t *person, int version, rd_buf *out) {
  if (version != 3 && version != 4)
    return RD_EINVAL;
  rd_buf b;
  rd_buf_init(&b);
  rd_vcard_fold(out, "BEGIN:VCARD", 11);
  rd_vcard_fold(out, version == 4 ? "VERSION:4.0" : "VERSION:3.0", 11);
  rd_buf_adds(&b, "PRODID:-//rolodesk//rolodeskd//EN");
  emit(out, &b);
  if (version == 4) {
    rd_buf_adds(&b, "KIND:individual");
    emit(out, &b);
  }
  const char *first = str(person, "first_name"), *last = str(person, "last_name");
  const char *name = str(person, "name");
  char fallback[300]; /* FN is required: the names, else the id */
  if (!name && (first || last)) {
    snprintf(fallback, sizeof fallback, "%s%s%s", first ? first : "", first && last ? " " : "",
             last ? last : "");
    name = fallback;
  } else if (!name) {
    snprintf(fallback, sizeof fallback, "Person %lld",
             (long long)json_integer_value(json_object_get(person, "id")));
    name = fallback;
  }
  text_prop(out, &b, "FN:", name);
  /* N: family; given; additional; honorific prefixes; suffixes. The seed's title is an
   * honorific chosen from a list (Mr, Dr...), so it is a prefix, not TITLE (job title). */
  rd_buf_adds(&b, "N:");
  rd_vcard_escape_text(&b, last ? last : "");
  rd_buf_adds(&b, ";");
  rd_vcard_escape_text(&b, first ? first : "");
  rd_buf_adds(&b, ";;");
  if (str(person, "title"))
    rd_vcard_escape_text(&b, str(person, "title"));
  rd_buf_adds(&b, ";");
  emit(out, &b);
  text_prop(out, &b, "NICKNAME:", str(person, "username"));
  emails(out, &b, person, version);
  phones(out, &b, person, version);
  address(out, &b, person, version);
  json_t *organization = json_object_get(person, "organization");
  const char *org = json_string_value(json_object_get(organization, "name"));
  if (org && *org) {
    rd_buf_adds(&b, "ORG:");
    rd_vcard_escape_text(&b, org);
    emit(out, &b);
  }
  text_prop(out, &b, "TZ;VALUE=text:", str(person, "time_zone"));
  const char *locale = str(person, "email_locale");
  if (locale && version == 4) { /* 4.0 only: the language to write to the person in */
    rd_buf_adds(&b, "LANG:");
    for (const char *p = locale; *p; p++) /* en_US -> en-US (a language tag) */
      if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          *p == '-' || *p == '_')
        rd_buf_add(&b, *p == '_' ? "-" : p, 1);
    emit(out, &b);
  }
  json_t *gps = json_object_get(person, "gps");
  if (json_is_number(json_object_get(gps, "lat")) && json_is_number(json_object_get(gps, "lon"))) {
    double lat = json_number_value(json_object_get(gps, "lat"));
    double lon = json_number_value(json_object_get(gps, "lon"));
    if (version == 4)
      rd_buf_printf(&b, "GEO:geo:%.6f,%.6f", lat, lon);
    else
      rd_buf_printf(&b, "GEO:%.6f;%.6f", lat, lon);
    emit(out, &b);
  }
  text_prop(out, &b, "NOTE:", str(person, "notes"));
  rd_buf_adds(&b, "UID:");
  uid(&b, json_string_value(json_object_get(json_object_get(person, "account"), "id")),
      (long long)json_integer_value(json_object_get(person, "id")));
  emit(out, &b);
  const char *rev = str(person, "updated_at");
  if (rev && strlen(rev) == 20) {
    if (version == 4) /* RFC 6350 timestamp: basic format */
      rd_buf_printf(&b, "REV:%.4s%.2s%.2sT%.2s%.2s%.2sZ", rev, rev + 5, rev + 8, rev + 11,
                    rev + 14, rev + 17);
    else
      rd_buf_printf(&b, "REV:%s", rev);
    emit(out, &b);
  }
  rd_vcard_fold(out, "END:VCARD", 9);
  rd_buf_term(&b);
  return 0;
}
