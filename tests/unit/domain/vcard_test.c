/* Unit tests of src/domain/vcard.c (CUST-5): escaping by value type and version, folding
 * at exactly 75 octets without splitting UTF-8 sequences, CRLF line ends, and the card
 * rendered from a person record. tests/api/vcard_test.c checks the same output against a
 * real vCard parser. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "domain/vcard.h"

static char *escaped_text(const char *s) {
  static rd_buf b;
  rd_buf_term(&b);
  rd_vcard_escape_text(&b, s);
  return (char *)rd_buf_cstr(&b);
}

/* RFC 6350 3.4 allows \; in single text values too, and the npm vcard4 parser splits FN and
 * NOTE at a bare ';': every value escapes all four, in 4.0 as in 3.0. */
Test(vcard, CUST5_text_escaping_escapes_semicolons_too) {
  cr_assert_str_eq(escaped_text("a\\b,c;d"), "a\\\\b\\,c\\;d");
  cr_assert_str_eq(escaped_text("one\ntwo\r\nthree\rfour"), "one\\ntwo\\nthree\\nfour");
  cr_assert_str_eq(escaped_text(""), "");
  cr_assert_str_eq(escaped_text("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");
  cr_assert_str_eq(escaped_text("Lee; Jr., \\ the\nsecond"), "Lee\\; Jr.\\, \\\\ the\\nsecond");
}

Test(vcard, CUST5_control_characters_are_dropped) {
  cr_assert_str_eq(escaped_text("a\x01" "b\tc\x7f" "d"), "ab cd");
}

/* Checks the physical lines of folded output: CRLF ends, at most 75 octets each, valid
 * UTF-8 each (nothing split), continuations start with one space; returns the unfolded
 * logical line. */
static char *check_folded(const char *text, int *nlines) {
  static char out[8192];
  size_t n = 0;
  *nlines = 0;
  const char *p = text;
  while (*p) {
    const char *crlf = strstr(p, "\r\n");
    cr_assert_not_null(crlf, "line without CRLF: %s", p);
    size_t len = (size_t)(crlf - p);
    cr_assert_leq(len, 75, "line of %zu octets: %.*s", len, (int)len, p);
    cr_assert(memchr(p, '\n', len) == NULL && memchr(p, '\r', len) == NULL, "bare line break");
    cr_assert(rd_utf8_valid(p, len), "a UTF-8 sequence was split: %.*s", (int)len, p);
    if (*nlines > 0) {
      cr_assert_eq(p[0], ' ', "continuation without the space");
      p++;
      len--;
    }
    memcpy(out + n, p, len);
    n += len;
    (*nlines)++;
    p = crlf + 2;
  }
  out[n] = 0;
  return out;
}

static char *folded(const char *line) {
  static rd_buf b;
  rd_buf_term(&b);
  rd_vcard_fold(&b, line, strlen(line));
  return (char *)rd_buf_cstr(&b);
}

Test(vcard, CUST5_folds_at_exactly_75_octets) {
  char line[200];
  memset(line, 'x', sizeof line);
  int n = 0;
  line[75] = 0; /* exactly 75: one line */
  cr_assert_str_eq(check_folded(folded(line), &n), line);
  cr_assert_eq(n, 1);
  line[75] = 'y';
  line[76] = 0; /* 76: 75 + " y" */
  char *f = folded(line);
  cr_assert_eq(strlen(f), 75 + 2 + 1 + 1 + 2);
  cr_assert(!strncmp(f + 75, "\r\n y\r\n", 6), "%s", f);
  cr_assert_str_eq(check_folded(f, &n), line);
  cr_assert_eq(n, 2);
  line[75] = 'x';
  line[76] = 'x';
  line[149] = 0; /* 149 = 75 + 74: two full lines */
  cr_assert_str_eq(check_folded(folded(line), &n), line);
  cr_assert_eq(n, 2);
  line[149] = 'x';
  line[150] = 0;
  check_folded(folded(line), &n);
  cr_assert_eq(n, 3);
}

Test(vcard, CUST5_folding_never_splits_a_utf8_character) {
  /* 74 ASCII octets then a 2-octet character: 76 octets, and the fold must come before
   * the character, leaving a first line of 74. */
  char line[256];
  memset(line, 'a', 74);
  strcpy(line + 74, "\xc3\xa9z");
  int n = 0;
  char *f = folded(line);
  cr_assert(!strncmp(f + 74, "\r\n \xc3\xa9z\r\n", 7), "%s", f);
  cr_assert_str_eq(check_folded(f, &n), line);
  /* A 2-octet character that ends exactly at octet 75 stays on the first line. */
  memset(line, 'a', 73);
  strcpy(line + 73, "\xc3\xa9z");
  f = folded(line);
  cr_assert(!strncmp(f + 73, "\xc3\xa9\r\n z\r\n", 7), "%s", f);
  /* 3- and 4-octet characters at every offset. */
  const char *chars[] = {"\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xc3\xa9", "\xe6\x97\xa5"};
  for (size_t pre = 0; pre < 8; pre++) {
    for (size_t c = 0; c < 4; c++) {
      size_t len = pre;
      memset(line, 'b', pre);
      while (len + 4 < 240) {
        memcpy(line + len, chars[c], strlen(chars[c]));
        len += strlen(chars[c]);
      }
      line[len] = 0;
      cr_assert_str_eq(check_folded(folded(line), &n), line);
    }
  }
}

static json_t *person(void) {
  json_error_t je;
  json_t *p = json_loads(
      "{\"id\": 40, \"account\": {\"id\": \"wdc\", \"name\": \"Widget\"}, \"title\": \"Dr.\","
      " \"first_name\": \"Ann\", \"last_name\": \"Lee, Jr; \\\\II\", \"name\": \"Ann Lee, Jr; \\\\II\","
      " \"username\": \"alee\", \"primary_email\": \"ann@example.com\","
      " \"send_to\": \"ann.lee@example.org\", \"aliases\": [\"ann.lee@example.org\"],"
      " \"organization\": {\"id\": 12, \"name\": \"Widget; Data, Center\"},"
      " \"address_1\": \"Main St 1\", \"address_2\": \"Floor 2\", \"city\": \"Amsterdam\","
      " \"state\": null, \"postcode\": \"1011 AB\", \"country\": \"NL\", \"phone\": \"+31 20 123\","
      " \"mobile\": \"+31 6 1\", \"fax\": null, \"pager\": \"123\","
      " \"time_zone\": \"Europe/Amsterdam\", \"email_locale\": \"nl_NL\","
      " \"gps\": {\"lat\": 52.37, \"lon\": 4.89}, \"notes\": \"line one\\nline two\","
      " \"updated_at\": \"2026-11-23T09:00:00Z\"}",
      0, &je);
  cr_assert_not_null(p, "%s", je.text);
  return p;
}

static bool has_line(const char *card, const char *line) {
  char want[512];
  snprintf(want, sizeof want, "\r\n%s\r\n", line);
  return strstr(card, want) != NULL;
}

Test(vcard, CUST5_renders_4_0) {
  json_t *p = person();
  rd_buf b;
  rd_buf_init(&b);
  cr_assert_eq(rd_vcard_render(p, 4, &b), 0);
  const char *card = rd_buf_cstr(&b);
  cr_assert(!strncmp(card, "BEGIN:VCARD\r\nVERSION:4.0\r\n", 26), "%s", card);
  cr_assert(strstr(card, "\r\nEND:VCARD\r\n") && card[b.len - 1] == '\n');
  for (size_t i = 0; i < b.len; i++)
    cr_assert(card[i] != '\n' || (i > 0 && card[i - 1] == '\r'), "bare LF at %zu", i);
  cr_assert(has_line(card, "FN:Ann Lee\\, Jr\\; \\\\II"), "%s", card);
  cr_assert(has_line(card, "N:Lee\\, Jr\\; \\\\II;Ann;;Dr.;"), "%s", card);
  cr_assert(has_line(card, "NICKNAME:alee"));
  cr_assert(has_line(card, "EMAIL:ann@example.com"), "%s", card);
  cr_assert(has_line(card, "EMAIL;PREF=1:ann.lee@example.org"), "%s", card);
  cr_assert(has_line(card, "TEL;VALUE=text;TYPE=work,voice:+31 20 123"));
  cr_assert(has_line(card, "TEL;VALUE=text;TYPE=cell,voice:+31 6 1"));
  cr_assert(has_line(card, "TEL;VALUE=text;TYPE=pager:123"));
  cr_assert(!strstr(card, "TYPE=work,fax"), "no fax when none");
  cr_assert(has_line(card, "ADR;TYPE=work:;;Main St 1\\nFloor 2;Amsterdam;;1011 AB;NL"), "%s", card);
  cr_assert(has_line(card, "ORG:Widget\\; Data\\, Center"));
  cr_assert(has_line(card, "TZ;VALUE=text:Europe/Amsterdam"));
  cr_assert(has_line(card, "LANG:nl-NL"));
  cr_assert(has_line(card, "GEO:geo:52.370000,4.890000"));
  cr_assert(has_line(card, "NOTE:line one\\nline two"));
  cr_assert(has_line(card, "REV:20261123T090000Z"));
  const char *uid = strstr(card, "\r\nUID:urn:uuid:");
  cr_assert_not_null(uid);
  /* 8-4-4-4-12 lower-case hex, version 8, RFC 4122 variant */
  const char *u = uid + 15;
  for (int i = 0; i < 36; i++)
    cr_assert(i == 8 || i == 13 || i == 18 || i == 23 ? u[i] == '-' : strchr("0123456789abcdef", u[i]) != NULL,
              "%.36s", u);
  cr_assert_eq(u[14], '8');
  cr_assert(strchr("89ab", u[19]));
  /* Deterministic: the same person, the same UID; another id, another UID. */
  rd_buf again;
  rd_buf_init(&again);
  rd_vcard_render(p, 3, &again);
  cr_assert(strstr(rd_buf_cstr(&again), "UID:urn:uuid:") &&
            !strncmp(strstr(again.data, "UID:urn:uuid:") + 13, u, 36));
  json_object_set_new(p, "id", json_integer(41));
  rd_buf other;
  rd_buf_init(&other);
  rd_vcard_render(p, 4, &other);
  cr_assert(strncmp(strstr(rd_buf_cstr(&other), "UID:urn:uuid:") + 13, u, 36));
  rd_buf_term(&b);
  rd_buf_term(&again);
  rd_buf_term(&other);
  json_decref(p);
}

Test(vcard, CUST5_renders_3_0) {
  json_t *p = person();
  rd_buf b;
  rd_buf_init(&b);
  cr_assert_eq(rd_vcard_render(p, 3, &b), 0);
  const char *card = rd_buf_cstr(&b);
  cr_assert(!strncmp(card, "BEGIN:VCARD\r\nVERSION:3.0\r\n", 26));
  cr_assert(has_line(card, "FN:Ann Lee\\, Jr\\; \\\\II"), "%s", card);
  cr_assert(has_line(card, "EMAIL;TYPE=INTERNET,PREF:ann.lee@example.org"));
  cr_assert(has_line(card, "EMAIL;TYPE=INTERNET:ann@example.com"));
  cr_assert(has_line(card, "TEL;TYPE=WORK,VOICE:+31 20 123"));
  cr_assert(has_line(card, "ADR;TYPE=WORK:;;Main St 1\\nFloor 2;Amsterdam;;1011 AB;NL"));
  cr_assert(has_line(card, "GEO:52.370000;4.890000"));
  cr_assert(has_line(card, "REV:2026-11-23T09:00:00Z"));
  cr_assert(!strstr(card, "KIND:") && !strstr(card, "LANG:"), "KIND and LANG are 4.0 only");
  rd_buf_term(&b);
  json_decref(p);
}

Test(vcard, CUST5_long_utf8_values_fold_whole_characters) {
  json_t *p = person();
  char name[600] = "";
  for (int i = 0; i < 60; i++)
    strcat(name, i % 3 ? "\xc3\xa9" : "\xe2\x82\xac,");
  json_object_set_new(p, "notes", json_string(name));
  rd_buf b;
  rd_buf_init(&b);
  rd_vcard_render(p, 4, &b);
  /* Every physical line of the whole card passes the folding checks. */
  const char *line = rd_buf_cstr(&b);
  while (*line) {
    const char *end = strstr(line, "\r\n");
    cr_assert_not_null(end);
    cr_assert_leq((size_t)(end - line), 75);
    cr_assert(rd_utf8_valid(line, (size_t)(end - line)));
    line = end + 2;
  }
  rd_buf_term(&b);
  json_decref(p);
}

Test(vcard, CUST5_minimal_person_and_bad_version) {
  json_t *p = json_pack("{s:i,s:s,s:s}", "id", 7, "first_name", "A", "last_name", "B");
  rd_buf b;
  rd_buf_init(&b);
  cr_assert_eq(rd_vcard_render(p, 5, &b), RD_EINVAL);
  cr_assert_eq(b.len, 0);
  cr_assert_eq(rd_vcard_render(p, 4, &b), 0);
  cr_assert(has_line(rd_buf_cstr(&b), "FN:A B"), "FN is required: %s", b.data);
  cr_assert(has_line(b.data, "N:B;A;;;"));
  cr_assert(!strstr(b.data, "EMAIL") && !strstr(b.data, "ADR") && !strstr(b.data, "REV"));
  rd_buf_term(&b);
  json_t *nobody = json_pack("{s:i}", "id", 8);
  rd_vcard_render(nobody, 3, &b);
  cr_assert(has_line(rd_buf_cstr(&b), "FN:Person 8"), "%s", b.data);
  rd_buf_term(&b);
  json_decref(nobody);
  json_decref(p);
}
