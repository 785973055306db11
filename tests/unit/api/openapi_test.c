/* BEYOND-5: docs/openapi.json (served by GET /v1/openapi.json) against the route table of
 * src/api/routes.c. The test fails when a route of the table is missing from the document,
 * when the document names a path and method the server does not have, when it is not an
 * OpenAPI 3.1 document in valid JSON, or when what it says about a route contradicts the
 * table (public routes without authentication, path parameters, a success answer). */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"

#define DOC_PATH RD_SOURCE_DIR "/docs/openapi.json"

static const char *const METHODS[] = {"get", "put", "post", "delete", "options", "head", "patch",
                                      "trace", NULL};

static json_t *load_doc(void) {
  json_error_t je;
  json_t *doc = json_load_file(DOC_PATH, JSON_REJECT_DUPLICATES, &je);
  cr_assert_not_null(doc, "%s is not valid JSON: line %d, column %d: %s", DOC_PATH, je.line,
                     je.column, je.text);
  cr_assert(json_is_object(doc), "the document must be a JSON object");
  return doc;
}

static void lower(const char *in, char *out, size_t cap) {
  size_t i = 0;
  for (; in[i] && i + 1 < cap; i++)
    out[i] = (char)tolower((unsigned char)in[i]);
  out[i] = 0;
}

/* The operation object of method (any case) on path, or NULL. */
static json_t *operation(json_t *doc, const char *path, const char *method) {
  char m[16];
  lower(method, m, sizeof m);
  return json_object_get(json_object_get(json_object_get(doc, "paths"), path), m);
}

static bool str_is(json_t *v, const char *s) {
  return json_is_string(v) && !strcmp(json_string_value(v), s);
}

/* Follows a local "$ref" ("#/components/parameters/Id") to its target, else returns v. */
static json_t *deref(json_t *doc, json_t *v) {
  const char *ref = json_string_value(json_object_get(v, "$ref"));
  if (!ref || strncmp(ref, "#/", 2))
    return v;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", ref + 2);
  json_t *node = doc;
  for (char *seg = buf, *next; seg && node; seg = next) {
    next = strchr(seg, '/');
    if (next)
      *next++ = 0;
    node = json_object_get(node, seg);
  }
  return node;
}

Test(openapi, is_valid_json_of_openapi_3_1) {
  json_t *doc = load_doc();
  const char *version = json_string_value(json_object_get(doc, "openapi"));
  cr_assert_not_null(version, "no \"openapi\" version string");
  cr_assert(!strncmp(version, "3.1.", 4) && version[4], "openapi is \"%s\", not 3.1.x", version);
  cr_assert(json_is_string(json_object_get(json_object_get(doc, "info"), "title")));
  cr_assert(json_is_string(json_object_get(json_object_get(doc, "info"), "version")));
  cr_assert(json_is_object(json_object_get(doc, "paths")));
  json_decref(doc);
}

Test(openapi, documents_every_route) {
  json_t *doc = load_doc();
  char missing[4096] = "";
  size_t len = 0;
  for (int i = 0; i < rd_nroutes; i++) {
    if (!json_is_object(operation(doc, rd_routes[i].pattern, rd_routes[i].method)))
      len += (size_t)snprintf(missing + len, len < sizeof missing ? sizeof missing - len : 0,
                              "\n  %s %s", rd_routes[i].method, rd_routes[i].pattern);
  }
  cr_assert_eq(len, 0, "routes of src/api/routes.c missing from docs/openapi.json:%s", missing);
  json_decref(doc);
}

/* Issue 12: HEAD is served beside every GET, so the document says so for each. */
Test(openapi, documents_head_beside_every_get) {
  json_t *doc = load_doc();
  for (int i = 0; i < rd_nroutes; i++)
    if (!strcmp(rd_routes[i].method, "GET"))
      cr_expect(json_is_object(operation(doc, rd_routes[i].pattern, "head")),
                "HEAD %s is not documented", rd_routes[i].pattern);
  json_decref(doc);
}

Test(openapi, names_only_routes_that_exist) {
  json_t *doc = load_doc();
  char extra[4096] = "";
  size_t len = 0;
  const char *path;
  json_t *item;
  json_object_foreach(json_object_get(doc, "paths"), path, item) {
    for (int m = 0; METHODS[m]; m++) {
      if (!json_object_get(item, METHODS[m]))
        continue;
      bool found = false;
      for (int i = 0; i < rd_nroutes && !found; i++) {
        char rm[16];
        lower(rd_routes[i].method, rm, sizeof rm);
        /* issue 12: the router answers HEAD on every GET route */
        found = !strcmp(rd_routes[i].pattern, path) &&
                (!strcmp(rm, METHODS[m]) || (!strcmp(rm, "get") && !strcmp(METHODS[m], "head")));
      }
      if (!found)
        len += (size_t)snprintf(extra + len, len < sizeof extra ? sizeof extra - len : 0,
                                "\n  %s %s", METHODS[m], path);
    }
  }
  cr_assert_eq(len, 0, "docs/openapi.json names routes src/api/routes.c does not have:%s", extra);
  json_decref(doc);
}

/* What the document says of each route agrees with the table: public routes need no
 * authentication and the others do, every {parameter} of the path is declared, and every
 * operation has an operationId of its own and a 2xx answer. */
Test(openapi, agrees_with_the_table) {
  json_t *doc = load_doc();
  json_t *ids = json_object();
  for (int i = 0; i < rd_nroutes; i++) {
    const rd_route *rt = &rd_routes[i];
    json_t *op = operation(doc, rt->pattern, rt->method);
    if (!op)
      continue; /* documents_every_route reports it */
    json_t *security = json_object_get(op, "security");
    bool open = json_is_array(security) && json_array_size(security) == 0;
    cr_expect_eq(open, (rt->flags & RD_ROUTE_PUBLIC) != 0,
                 "%s %s: the document says it %s authentication, the table the opposite",
                 rt->method, rt->pattern, open ? "needs no" : "needs");

    const char *opid = json_string_value(json_object_get(op, "operationId"));
    cr_expect_not_null(opid, "%s %s: no operationId", rt->method, rt->pattern);
    if (opid) {
      cr_expect_null(json_object_get(ids, opid), "operationId %s is used twice", opid);
      json_object_set_new(ids, opid, json_true());
    }

    bool success = false;
    const char *code;
    json_t *resp;
    json_object_foreach(json_object_get(op, "responses"), code, resp) {
      success |= code[0] == '2';
      cr_expect_not_null(deref(doc, resp), "%s %s: response %s: dangling $ref", rt->method,
                         rt->pattern, code);
    }
    cr_expect(success, "%s %s: no 2xx response", rt->method, rt->pattern);

    for (const char *p = strchr(rt->pattern, '{'); p; p = strchr(p + 1, '{')) {
      char name[64];
      size_t n = strcspn(p + 1, "}");
      snprintf(name, sizeof name, "%.*s", (int)n, p + 1);
      bool declared = false;
      size_t k;
      json_t *param;
      json_array_foreach(json_object_get(op, "parameters"), k, param) {
        json_t *d = deref(doc, param);
        declared |= d && str_is(json_object_get(d, "in"), "path") &&
                    str_is(json_object_get(d, "name"), name);
      }
      cr_expect(declared, "%s %s: path parameter {%s} is not declared", rt->method,
                rt->pattern, name);
    }
  }
  json_decref(ids);
  json_decref(doc);
}

/* Every local "$ref" of the document points at something. */
static void check_refs(json_t *doc, json_t *node, const char *where) {
  if (json_is_object(node)) {
    json_t *ref = json_object_get(node, "$ref");
    if (json_is_string(ref))
      cr_expect_not_null(deref(doc, node), "dangling $ref %s (in %s)", json_string_value(ref),
                         where);
    const char *k;
    json_t *v;
    json_object_foreach(node, k, v) check_refs(doc, v, k);
  } else if (json_is_array(node)) {
    size_t i;
    json_t *v;
    json_array_foreach(node, i, v) check_refs(doc, v, where);
  }
}

Test(openapi, references_resolve) {
  json_t *doc = load_doc();
  check_refs(doc, doc, "the document");
  json_decref(doc);
}
