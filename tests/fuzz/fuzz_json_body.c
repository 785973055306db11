/* libFuzzer target (REL-3): the checks a JSON request body goes through before any domain
 * rule sees it: the daemon's own parser, rd_api_json_parse (src/api/router.c, the part of
 * rd_api_body after the request: Content-Type, UTF-8 validation, jansson with
 * JSON_REJECT_DUPLICATES, the nesting limit, an object at the top); then rd_rec_check
 * against the organization and person field tables (create and update), rd_contact_check
 * of "contact", and the merge patch an update applies. Bodies over RD_JSON_BODY_MAX never
 * reach the parser (the HTTP layer answers 413), so they are skipped here too.
 *
 * Invariants checked (abort() makes libFuzzer and the corpus replay report them): the
 * parser returns err.code and fills a well-formed error (4xx, items NUL-terminated and
 * within RD_ERR_MAX_ITEMS) or an object no deeper than RD_JSON_DEPTH_MAX, and refuses
 * invalid UTF-8; a body accepted by rd_rec_check really has the required fields with the
 * right types; merge patch leaves no null at the top.
 *
 * Built by RD_FUZZ with clang (make fuzz); tests/fuzz/replay_test.c also compiles this file
 * into the unit tests under another entry name and runs the corpus through it. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "base/err.h"
#include "base/str.h"
#include "domain/org.h"
#include "domain/person.h"
#include "domain/validate.h"

#ifndef RD_FUZZ_JSON_BODY_ENTRY
#define RD_FUZZ_JSON_BODY_ENTRY LLVMFuzzerTestOneInput
#endif

int RD_FUZZ_JSON_BODY_ENTRY(const uint8_t *data, size_t size);

/* The nesting depth of j, counted as rd_api_body does: containers add one level. */
static int jb_depth(json_t *j, int limit) {
  if (limit < 0)
    return 1;
  int max = 0;
  const char *k;
  size_t i;
  json_t *v;
  if (json_is_object(j)) {
    json_object_foreach(j, k, v) {
      int d = jb_depth(v, limit - 1);
      if (d > max)
        max = d;
    }
    return max + 1;
  }
  if (json_is_array(j)) {
    json_array_foreach(j, i, v) {
      int d = jb_depth(v, limit - 1);
      if (d > max)
        max = d;
    }
    return max + 1;
  }
  return 0;
}

static void jb_check_err(const rd_err *err) {
  if (err->nitems < 0 || err->nitems > RD_ERR_MAX_ITEMS)
    abort();
  if (err->nitems && !err->code)
    abort();
  for (int i = 0; i < err->nitems; i++)
    if (!memchr(err->items[i].field, 0, sizeof err->items[i].field) ||
        !memchr(err->items[i].message, 0, sizeof err->items[i].message))
      abort();
  if (err->code && rd_err_status(err->code) < 400)
    abort();
}

/* What an accepted create promises the code after it. */
static void jb_check_accepted(const rd_rtype *t, json_t *in) {
  for (int i = 0; i < t->nfields; i++) {
    const rd_field *f = &t->fields[i];
    json_t *v = json_object_get(in, f->name);
    if ((f->flags & RD_FF_REQUIRED) && (!v || json_is_null(v)))
      abort();
    if (v && (f->flags & RD_FF_READONLY))
      abort();
    if (v && !json_is_null(v) && f->type == RD_FT_TEXT) {
      if (!json_is_string(v))
        abort();
      const char *s = json_string_value(v);
      if (strlen(s) != json_string_length(v) || !rd_utf8_valid(s, strlen(s)))
        abort();
      if (rd_utf8_len(s) > (size_t)(f->max_len ? f->max_len : RD_TEXT_MAX))
        abort();
    }
  }
}

static void jb_check_type(const rd_rtype *t, json_t *in) {
  for (int create = 0; create < 2; create++) {
    rd_err err;
    rd_err_clear(&err);
    int rv = rd_rec_check(t, in, create, NULL, &err);
    jb_check_err(&err);
    if (rv != err.code)
      abort();
    if (!rv && create)
      jb_check_accepted(t, in);
  }
}

static void jb_merge(json_t *body) {
  json_t *target = json_pack("{s:s,s:{s:[]},s:n}", "name", "Acme", "contact", "addresses", "x");
  json_t *copy = json_deep_copy(body);
  rd_json_merge_patch(target, body);
  if (!json_equal(copy, body)) /* the patch is not modified */
    abort();
  const char *k;
  json_t *v;
  json_object_foreach(body, k, v) {
    if (json_is_null(v) && json_object_get(target, k))
      abort();
  }
  json_decref(copy);
  json_decref(target);
}

int RD_FUZZ_JSON_BODY_ENTRY(const uint8_t *data, size_t size) {
  if (size > RD_JSON_BODY_MAX)
    return 0;
  rd_err perr;
  rd_err_clear(&perr);
  json_t *j = NULL;
  int prv = rd_api_json_parse("application/json", (const char *)data, size, &j, &perr);
  jb_check_err(&perr);
  if (prv != perr.code)
    abort();
  if (prv) {
    if (j) /* written only on success */
      abort();
    return 0;
  }
  if (!j || !json_is_object(j) || jb_depth(j, RD_JSON_DEPTH_MAX) > RD_JSON_DEPTH_MAX ||
      !rd_utf8_valid((const char *)data, size))
    abort();
  jb_check_type(&rd_org_type, j);
  jb_check_type(&rd_person_type, j);
  json_t *contact = json_object_get(j, "contact");
  if (contact) {
    rd_err err;
    rd_err_clear(&err);
    int rv = rd_contact_check(contact, "contact", &err);
    jb_check_err(&err);
    if (rv != err.code)
      abort();
  }
  jb_merge(j);
  json_decref(j);
  return 0;
}
