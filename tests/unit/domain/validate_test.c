/* Unit tests of src/domain/validate.c: email addresses (RFC 5321 limits), IANA time zone
 * names against the system tzdata, and the contact details document of organizations
 * (ORG-1), whose errors name the exact path (REL-1). */
#include <criterion/criterion.h>
#include <string.h>

#include "domain/validate.h"

static char *repeat(char *buf, char c, size_t n) {
  memset(buf, c, n);
  buf[n] = '\0';
  return buf;
}

Test(validate, email_accepts_ordinary_addresses) {
  const char *ok[] = {"a@b.co", "first.last@example.com", "x+tag@sub.example.org",
                      "o'brien@example.ie", "user_name-1@mail-server.example",
                      "1234@123.example", "jos\xc3\xa9@exa\xcc\x81mple.fr", /* SMTPUTF8 */
                      "ADMIN@EXAMPLE.COM"};
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
    cr_assert(rd_email_valid(ok[i]), "%s", ok[i]);
}

Test(validate, email_refuses_malformed) {
  const char *bad[] = {
      "", "plain", "@example.com", "user@", "user@@example.com", "a@b@example.com",
      "user@example", /* no dot in the domain */
      "user @example.com", "user@exa mple.com", "user@example.com ", " user@example.com",
      "us\"er@example.com", "us(er)@example.com", "a,b@example.com", "a;b@example.com",
      "a<b>@example.com", "a\\b@example.com", "a[b]@example.com", "us\x01r@example.com",
      "us\x7fr@example.com", "user@exa\tmple.com", ".user@example.com", "user.@example.com",
      "us..er@example.com", "user@.example.com", "user@example..com", "user@example.com.",
      "user@-example.com", "user@example.com-", "user@exa_mple.com", "user@exam!ple.com",
      "user@[192.0.2.1]", "a@b.c\n"};
  cr_assert_not(rd_email_valid(NULL));
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    cr_assert_not(rd_email_valid(bad[i]), "%s", bad[i]);
}

Test(validate, email_domain_labels_start_and_end_with_letter_or_digit) {
  /* RFC 5321 4.1.2: sub-domain = Let-dig [Ldh-str], Ldh-str ends with Let-dig */
  cr_assert_not(rd_email_valid("user@example-.com"));
  cr_assert_not(rd_email_valid("user@sub.-example.com"));
  cr_assert(rd_email_valid("user@ex-ample.com"));
  cr_assert(rd_email_valid("user@a-b-c.d-e.com"));
}

Test(validate, email_length_limits) {
  char local[80], label[80], addr[600];
  /* local part: at most 64 octets */
  snprintf(addr, sizeof addr, "%s@example.com", repeat(local, 'l', 64));
  cr_assert(rd_email_valid(addr));
  snprintf(addr, sizeof addr, "%s@example.com", repeat(local, 'l', 65));
  cr_assert_not(rd_email_valid(addr));
  /* whole path: at most 254 octets (RFC 5321 path 256 less the angle brackets) */
  repeat(local, 'l', 64);
  repeat(label, 'd', 60);
  /* 64 + 1 + 60*3 + 3 dots + "com" = 251 */
  snprintf(addr, sizeof addr, "%s@%s.%s.%s.com", local, label, label, label);
  cr_assert_eq(strlen(addr), 251);
  cr_assert(rd_email_valid(addr));
  snprintf(addr, sizeof addr, "%s@%s.%s.%s.coma", local, label, label, label);
  cr_assert(rd_email_valid(addr)); /* 252 */
  snprintf(addr, sizeof addr, "%s@%s.%s.%s.com.uk", local, label, label, label);
  cr_assert_eq(strlen(addr), 254);
  cr_assert(rd_email_valid(addr));
  snprintf(addr, sizeof addr, "%s@%s.%s.%s.coma.uk", local, label, label, label);
  cr_assert_eq(strlen(addr), 255);
  cr_assert_not(rd_email_valid(addr));
  /* a very long domain alone */
  char dom[400];
  repeat(dom, 'x', 300);
  memcpy(dom + 290, ".com", 5);
  snprintf(addr, sizeof addr, "a@%s", dom);
  cr_assert_not(rd_email_valid(addr));
}

Test(validate, time_zone_accepts_tzdata_names) {
  const char *ok[] = {"UTC", "Europe/Amsterdam", "America/New_York", "Asia/Kolkata",
                      "America/Argentina/Buenos_Aires", "America/Port-au-Prince",
                      "Etc/GMT+5", "Etc/GMT-14", "Pacific/Chatham"};
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
    cr_assert(rd_time_zone_valid(ok[i]), "%s", ok[i]);
}

Test(validate, time_zone_refuses_paths_and_inventions) {
  char longname[100];
  const char *bad[] = {"", "../etc/passwd", "Mars/Base", "/etc/passwd", "Europe/../../etc/passwd",
                       "Europe/./Amsterdam", "Europe", "Europe/", "Europe//Amsterdam",
                       "europe/amsterdam", "Europe/Amsterdam ", "Europe/Amsterdam\n",
                       "Europe/Amsterdam%00", "Europe\\Amsterdam", "~/x", "zone.tab",
                       "tzdata.zi", repeat(longname, 'A', 90)};
  cr_assert_not(rd_time_zone_valid(NULL));
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    cr_assert_not(rd_time_zone_valid(bad[i]), "%s", bad[i]);
}

Test(validate, time_zone_refuses_tzdata_files_that_are_not_zones) {
  /* /usr/share/zoneinfo also holds data files without a dot in their name */
  cr_assert_not(rd_time_zone_valid("leapseconds"));
}

/* ---- contact details (ORG-1) ---- */

static json_t *parse(const char *text) {
  json_error_t je;
  json_t *j = json_loads(text, 0, &je);
  cr_assert_not_null(j, "%s: %s", text, je.text);
  return j;
}

static bool has_item(const rd_err *e, const char *field, const char *msg_part) {
  for (int i = 0; i < e->nitems; i++)
    if (!strcmp(e->items[i].field, field) && strstr(e->items[i].message, msg_part))
      return true;
  return false;
}

static void dump(const rd_err *e, char *out, size_t n) {
  size_t len = 0;
  out[0] = '\0';
  for (int i = 0; i < e->nitems && len < n; i++)
    len += (size_t)snprintf(out + len, n - len, "[%s: %s] ", e->items[i].field, e->items[i].message);
}

Test(validate, contact_full_document_is_accepted) {
  json_t *c = parse(
      "{\"addresses\": [{\"label\": \"Office\", \"street\": \"Main St 1\", \"city\": \"Delft\","
      " \"state\": null, \"zip\": \"2611 AA\", \"country\": \"NL\"}],"
      " \"telephones\": [{\"label\": \"desk\", \"number\": \"+31 15 123 4567\"}, {\"number\": \"112\"}],"
      " \"email_addresses\": [{\"address\": \"info@example.nl\"}],"
      " \"websites\": [{\"url\": \"https://example.nl/\"}]}");
  rd_err e;
  rd_err_clear(&e);
  char why[1024];
  int rv = rd_contact_check(c, "contact", &e);
  dump(&e, why, sizeof why);
  cr_assert_eq(rv, 0, "%s", why);
  cr_assert_eq(e.nitems, 0);
  json_decref(c);
  json_t *empty = parse("{}");
  cr_assert_eq(rd_contact_check(empty, "contact", &e), 0);
  json_decref(empty);
  json_t *lists = parse("{\"addresses\": [], \"websites\": []}");
  cr_assert_eq(rd_contact_check(lists, "contact", &e), 0);
  json_decref(lists);
}

Test(validate, contact_errors_name_the_path) {
  char city[80];
  repeat(city, 'c', 65);
  json_t *c = json_pack(
      "{s:[{s:s},{s:s,s:i}], s:[{s:s,s:s}], s:[{s:s}], s:s, s:[i]}", "addresses", "city", city,
      "city", "Delft", "zip", 2611, "telephones", "number", "1", "extension", "12",
      "email_addresses", "address", "not-an-address", "websites", "https://x", "phones", 1);
  cr_assert_not_null(c);
  rd_err e;
  rd_err_clear(&e);
  char why[2048];
  cr_assert_eq(rd_contact_check(c, "contact", &e), RD_EINVAL);
  dump(&e, why, sizeof why);
  cr_assert_eq(e.status, 422);
  cr_assert(has_item(&e, "contact.addresses[0].city", "longer than 64"), "%s", why);
  cr_assert(has_item(&e, "contact.addresses[1].zip", "must be a string"), "%s", why);
  cr_assert(has_item(&e, "contact.telephones[0].extension", "unknown field"), "%s", why);
  cr_assert(has_item(&e, "contact.email_addresses[0].address", "not a valid email"), "%s", why);
  cr_assert(has_item(&e, "contact.websites", "must be an array"), "%s", why);
  cr_assert(has_item(&e, "contact.phones", "unknown field"), "%s", why);
  cr_assert_eq(e.nitems, 6, "%s", why);
  json_decref(c);
}

Test(validate, contact_lengths_count_characters_not_bytes) {
  char city[64 * 2 + 1];
  for (int i = 0; i < 64; i++)
    memcpy(city + 2 * i, "\xc3\xa9", 2); /* 64 x U+00E9: 128 bytes */
  city[128] = '\0';
  json_t *c = json_pack("{s:[{s:s}]}", "addresses", "city", city);
  rd_err e;
  rd_err_clear(&e);
  cr_assert_eq(rd_contact_check(c, "contact", &e), 0);
  json_decref(c);
  char more[160];
  snprintf(more, sizeof more, "%s\xc3\xa9", city);
  c = json_pack("{s:[{s:s}]}", "addresses", "city", more);
  cr_assert_eq(rd_contact_check(c, "contact", &e), RD_EINVAL);
  cr_assert(has_item(&e, "contact.addresses[0].city", "longer"));
  json_decref(c);
}

Test(validate, contact_refuses_wrong_shapes) {
  rd_err e;
  rd_err_clear(&e);
  json_t *arr = parse("[]");
  cr_assert_eq(rd_contact_check(arr, "contact", &e), RD_EINVAL);
  cr_assert(has_item(&e, "contact", "must be an object"));
  json_decref(arr);

  rd_err_clear(&e);
  json_t *c = parse("{\"addresses\": [\"Main St 1\", null, {\"city\": null}]}");
  cr_assert_eq(rd_contact_check(c, "contact", &e), RD_EINVAL);
  cr_assert(has_item(&e, "contact.addresses[0]", "must be an object"));
  cr_assert(has_item(&e, "contact.addresses[1]", "must be an object"));
  cr_assert_eq(e.nitems, 2, "a null value inside an entry is allowed");
  json_decref(c);

  rd_err_clear(&e);
  json_t *nul = json_pack("{s:[{s:s%}]}", "telephones", "number", "1\0002", (size_t)3);
  cr_assert_eq(rd_contact_check(nul, "contact", &e), RD_EINVAL);
  cr_assert(has_item(&e, "contact.telephones[0].number", "string"));
  json_decref(nul);
}

Test(validate, contact_entries_are_bounded) {
  json_t *list = json_array();
  for (int i = 0; i < 51; i++)
    json_array_append_new(list, json_pack("{s:s}", "number", "1"));
  json_t *c = json_pack("{s:o}", "telephones", list);
  rd_err e;
  rd_err_clear(&e);
  cr_assert_eq(rd_contact_check(c, "contact", &e), RD_EINVAL);
  cr_assert(has_item(&e, "contact.telephones", "at most 50"));
  json_array_remove(list, 0);
  rd_err_clear(&e);
  cr_assert_eq(rd_contact_check(c, "contact", &e), 0);
  json_decref(c);
}

Test(validate, contact_path_prefix_is_the_callers) {
  json_t *c = parse("{\"websites\": [{\"href\": \"x\"}]}");
  rd_err e;
  rd_err_clear(&e);
  cr_assert_eq(rd_contact_check(c, "partner.contact", &e), RD_EINVAL);
  cr_assert(has_item(&e, "partner.contact.websites[0].href", "unknown field"));
  json_decref(c);
}
