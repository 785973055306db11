/* The HTTP API of API.md: one route table (method, path pattern, handler, roles) from
 * which both dispatch and the OpenAPI check come, and the helpers every handler uses to
 * read the body and query, page through lists, and answer. Handlers turn HTTP into domain
 * calls and back; the rules are in src/domain/. */
#ifndef RD_API_API_H
#define RD_API_API_H

#include <jansson.h>
#include <stdbool.h>

#include "auth/auth.h"
#include "auth/caller.h"
#include "base/err.h"
#include "http/http.h"
#include "store/store.h"

#define RD_JSON_BODY_MAX (1u << 20)
#define RD_UPLOAD_BODY_MAX (20u << 20) /* RD_ROUTE_UPLOAD bodies (attachments, imports) */
#define RD_JSON_DEPTH_MAX 32
#define RD_PER_PAGE_DEFAULT 25
#define RD_PER_PAGE_MAX 100
#define RD_CORS_ORIGINS_MAX 32 /* --cors-origin given at most this often */
#define RD_API_RETRY_AFTER_DEFAULT "5" /* seconds, on a 503 that names none (issue 12) */

typedef struct rd_api {
  rd_db *db;
  const char *data_dir;     /* attachments */
  const char *openapi_path; /* docs/openapi.json */
  const char *public_url;   /* --public-url, no trailing slash: the base of links (ACC-8) */
  size_t import_body_max;   /* --max-import-mb: RD_ROUTE_BULK bodies (0: RD_UPLOAD_BODY_MAX) */
  const char *const *cors_origins; /* --cors-origin: origins CORS allows (issue 12) */
  int ncors_origins;               /* 0: no CORS headers at all */
  struct rd_page_cache *page_cache; /* --page-cache-mb; NULL: pages are always rendered */
  const char *web_root; /* --web-root: the web UI's files (issue 16); NULL: none */
} rd_api;

/* What a handler gets: the request, a database connection for this request, the caller
 * (when the route needs authentication) and the path parameters. */
typedef struct rd_ctx {
  rd_api *api;
  rd_req *req;
  rd_conn *db;
  rd_caller who;
  bool authenticated;
  rd_versions versions; /* RD_ROUTE_PAGE: the counters read with the token (page_cache.h) */
  const char *token; /* the bearer or session token of this request */
  const char *params[4];
  int nparams;
  const struct rd_route *route; /* the matched route (set on admission) */
  const char *allow;            /* OPTIONS: the methods of the path (issue 12) */
  bool mail_secret;             /* authenticated by the inbound mail secret (CUST-9) */
} rd_ctx;

typedef int (*rd_handler)(rd_ctx *x, rd_err *err);

enum {
  RD_ROUTE_PUBLIC = 1 << 0, /* no authentication */
  RD_ROUTE_UPLOAD = 1 << 1, /* body up to the upload limit, not the JSON one */
  RD_ROUTE_NODB = 1 << 2,   /* needs no database connection */
  RD_ROUTE_HASHES = 1 << 3, /* hashes passwords: runs on the work pool, bounded per client */
  RD_ROUTE_BULK = 1 << 4,   /* with UPLOAD: a file to import, up to api->import_body_max */
  /* Issue 12, page cache: a list page (GET) served by rd_api_page_serve: ETag, 304, and
   * the page kept while the account's version counters are unchanged. */
  RD_ROUTE_PAGE = 1 << 5,
  /* With PAGE: the page also shows other accounts' data (the All Organizations view, names
   * of foreign organizations), so the cross-account counter validates it too. */
  RD_ROUTE_CROSS = 1 << 6,
  /* CUST-9: also authenticated by an account's inbound mail secret (Bearer rdmail.<account>.
   * <secret>), which stands for no person and passes the route's roles. */
  RD_ROUTE_MAIL_SECRET = 1 << 7,
};

typedef struct rd_route {
  const char *method;
  const char *pattern; /* "/v1/organizations/{id}" */
  rd_handler handler;
  unsigned roles; /* roles allowed (any of them); ignored when PUBLIC */
  unsigned flags;
} rd_route;

extern const rd_route rd_routes[];
extern const int rd_nroutes;

/* The http app that serves the API with api as its context. */
rd_http_app rd_api_app(rd_api *api);

/* ---- helpers for handlers ---- */

/* Parses the JSON body: Content-Type application/json (on PATCH also
 * application/merge-patch+json; else 415), valid UTF-8 (400), well-formed
 * JSON (400 naming line and column), depth at most RD_JSON_DEPTH_MAX (400), an object (422).
 * *out is a new reference. */
int rd_api_body(rd_ctx *x, json_t **out, rd_err *err);
/* The part of rd_api_body that needs no request: checks content_type (may be NULL) and
 * parses body[0..len) with the same errors; *out (a new reference) is written only on
 * success. Pure and thread-safe: also the entry of the JSON fuzz target. The body size
 * limit is the HTTP layer's (413), before this. */
int rd_api_json_parse(const char *content_type, const char *body, size_t len, json_t **out,
                      rd_err *err);
/* Refuses query parameters not in allowed (NULL-terminated), and values that are not valid
 * UTF-8 (400). */
int rd_api_query_check(rd_ctx *x, const char *const *allowed, rd_err *err);
/* per_page (1..100, default 25) and cursor (opaque) of a list request (400 when bad). */
int rd_api_page(rd_ctx *x, int64_t *after, int *limit, rd_err *err);
/* Answers a list page: the array, and a Link rel="next" carrying the same query with a
 * cursor after the last row when more exist. Takes the array's reference. */
void rd_api_list(rd_ctx *x, json_t *rows, bool more);
/* rd_api_list of a page written as text (issue 12): page holds the JSON array, last_id
 * the id of its last row. Takes page's memory (page is left empty). */
void rd_api_list_text(rd_ctx *x, rd_buf *page, int64_t last_id, bool more);
/* The path parameter i as a positive record id; 404 when it is not one. */
int rd_api_id(rd_ctx *x, int i, int64_t *id, rd_err *err);
/* -1 when there is no If-Match or it is "*", else the version it names (issue 12: one tag
 * compares strongly, so a weak one is 412; a list is resolved against the current ETag,
 * which the GET route of the same path gives, and names the version it matches; 412 when
 * nothing matches or the value is unparseable, the GET's error when it fails). */
int rd_api_if_match(rd_ctx *x, int64_t *version, rd_err *err);
/* Boolean query value true/false (400 when other); *out untouched when absent. */
int rd_api_query_bool(rd_ctx *x, const char *name, int *out, rd_err *err);
int rd_api_query_id(rd_ctx *x, const char *name, int64_t *out, rd_err *err);

/* Answers the record of id as get reads it for the caller: 201 with its Location under
 * collection when collection is set (a create), else 200; with its ETag. */
typedef int (*rd_api_getter)(rd_conn *c, const rd_caller *who, int64_t id, json_t **out,
                             int64_t *version, rd_err *err);
int rd_api_answer(rd_ctx *x, rd_api_getter get, int64_t id, const char *collection, rd_err *err);
/* Answers status with json (reference taken). version >= 0 adds an ETag. */
void rd_api_json(rd_ctx *x, int status, json_t *json, int64_t version);
/* 201 with the record, its ETag and Location: <collection>/<id>. */
void rd_api_created(rd_ctx *x, const char *collection, int64_t id, json_t *json, int64_t version);
void rd_api_no_content(rd_ctx *x);
/* The JSON error body of API.md for err. */
void rd_api_error(rd_req *r, const rd_err *err);

/* Handlers, one file per resource. */
int rd_api_healthz(rd_ctx *x, rd_err *err);
/* Issue 16: the web UI's files (src/api/web.c), for GET and HEAD of a path that is not the
 * API's (rd_api_web_path). */
#define RD_WEB_CSP                                                                          \
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "        \
  "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "              \
  "form-action 'self'; frame-ancestors 'none'"
bool rd_api_web_path(const rd_api *api, const char *path);
int rd_api_web(rd_ctx *x, rd_err *err);
int rd_api_openapi(rd_ctx *x, rd_err *err);
int rd_api_login(rd_ctx *x, rd_err *err);
int rd_api_logout(rd_ctx *x, rd_err *err);
int rd_api_me(rd_ctx *x, rd_err *err);
int rd_api_account_get(rd_ctx *x, rd_err *err);
int rd_api_account_patch(rd_ctx *x, rd_err *err);
int rd_api_org_list(rd_ctx *x, rd_err *err);
int rd_api_org_create(rd_ctx *x, rd_err *err);
int rd_api_org_get(rd_ctx *x, rd_err *err);
int rd_api_org_patch(rd_ctx *x, rd_err *err);
int rd_api_person_list(rd_ctx *x, rd_err *err);
int rd_api_person_create(rd_ctx *x, rd_err *err);
int rd_api_person_get(rd_ctx *x, rd_err *err);
int rd_api_person_patch(rd_ctx *x, rd_err *err);
int rd_api_person_delete(rd_ctx *x, rd_err *err);
int rd_api_person_alias_add(rd_ctx *x, rd_err *err);
int rd_api_person_alias_remove(rd_ctx *x, rd_err *err);
int rd_api_person_enable(rd_ctx *x, rd_err *err);
int rd_api_custom_field_list(rd_ctx *x, rd_err *err);
int rd_api_custom_field_create(rd_ctx *x, rd_err *err);
int rd_api_custom_field_get(rd_ctx *x, rd_err *err);
int rd_api_custom_field_patch(rd_ctx *x, rd_err *err);
int rd_api_custom_field_delete(rd_ctx *x, rd_err *err);
int rd_api_attachment_create(rd_ctx *x, rd_err *err);
int rd_api_attachment_get(rd_ctx *x, rd_err *err);
/* The checks of POST /v1/attachments that need only the headers (query, media type, quota
 * from Content-Length): for a caller that wants to refuse before reading the body. */
int rd_api_attachment_precheck(rd_ctx *x, rd_err *err);
int rd_api_audit_list(rd_ctx *x, rd_err *err);
int rd_api_trust_list(rd_ctx *x, rd_err *err);
int rd_api_trust_add(rd_ctx *x, rd_err *err);
int rd_api_trust_remove(rd_ctx *x, rd_err *err);
int rd_api_trust_get(rd_ctx *x, rd_err *err);
int rd_api_org_all(rd_ctx *x, rd_err *err);
int rd_api_org_trusted(rd_ctx *x, rd_err *err);
int rd_api_mail_inbound(rd_ctx *x, rd_err *err);
int rd_api_mail_inbound_log(rd_ctx *x, rd_err *err);
int rd_api_mail_inbound_secret(rd_ctx *x, rd_err *err);
int rd_api_agreement_list(rd_ctx *x, rd_err *err);
int rd_api_agreement_create(rd_ctx *x, rd_err *err);
int rd_api_agreement_get(rd_ctx *x, rd_err *err);
int rd_api_agreement_patch(rd_ctx *x, rd_err *err);

/* Generic handlers of a resource on the record engine (issue 11, src/api/record.c): list
 * (per_page, cursor), get, create (201, Location under the POST route's path), patch
 * (If-Match) and delete (204) of records of t in the caller's account, with the roles of
 * t (rd_rec_allow). A resource gets its named handlers for the route table with one line,
 * RD_API_RECORD_HANDLERS(name, rtype) in its src/api file, and declares them here with
 * RD_API_RECORD_DECLS(name). */
struct rd_rtype;
int rd_api_rec_list(rd_ctx *x, const struct rd_rtype *t, rd_err *err);
int rd_api_rec_get(rd_ctx *x, const struct rd_rtype *t, rd_err *err);
int rd_api_rec_create(rd_ctx *x, const struct rd_rtype *t, rd_err *err);
int rd_api_rec_patch(rd_ctx *x, const struct rd_rtype *t, rd_err *err);
int rd_api_rec_delete(rd_ctx *x, const struct rd_rtype *t, rd_err *err);
/* The same for resources with their own read rule (a customer's scope, computed fields):
 * the record is answered as get reads it for the caller. */
int rd_api_rec_get_as(rd_ctx *x, const struct rd_rtype *t, rd_api_getter get, rd_err *err);
int rd_api_rec_create_as(rd_ctx *x, const struct rd_rtype *t, rd_api_getter get, rd_err *err);
int rd_api_rec_patch_as(rd_ctx *x, const struct rd_rtype *t, rd_api_getter get, rd_err *err);
#define RD_API_RECORD_DECLS(name)                                                             \
  int rd_api_##name##_list(rd_ctx *x, rd_err *err);                                           \
  int rd_api_##name##_get(rd_ctx *x, rd_err *err);                                            \
  int rd_api_##name##_create(rd_ctx *x, rd_err *err);                                         \
  int rd_api_##name##_patch(rd_ctx *x, rd_err *err);                                          \
  int rd_api_##name##_delete(rd_ctx *x, rd_err *err)
#define RD_API_RECORD_HANDLERS(name, rtype)                                                   \
  int rd_api_##name##_list(rd_ctx *x, rd_err *err) { return rd_api_rec_list(x, &rtype, err); }  \
  int rd_api_##name##_get(rd_ctx *x, rd_err *err) { return rd_api_rec_get(x, &rtype, err); }    \
  int rd_api_##name##_create(rd_ctx *x, rd_err *err) {                                        \
    return rd_api_rec_create(x, &rtype, err);                                                 \
  }                                                                                           \
  int rd_api_##name##_patch(rd_ctx *x, rd_err *err) { return rd_api_rec_patch(x, &rtype, err); } \
  int rd_api_##name##_delete(rd_ctx *x, rd_err *err) {                                        \
    return rd_api_rec_delete(x, &rtype, err);                                                 \
  }
/* Teams (src/api/team.c): the example resource. */
RD_API_RECORD_DECLS(team);
int rd_api_person_vcard(rd_ctx *x, rd_err *err);
int rd_api_person_credentials_email(rd_ctx *x, rd_err *err);
int rd_api_security_questions_get(rd_ctx *x, rd_err *err);
int rd_api_security_questions_put(rd_ctx *x, rd_err *err);
int rd_api_password_reset_request(rd_ctx *x, rd_err *err);
int rd_api_password_reset_page(rd_ctx *x, rd_err *err);
int rd_api_password_reset_submit(rd_ctx *x, rd_err *err);
int rd_api_import_template(rd_ctx *x, rd_err *err);
int rd_api_import_create(rd_ctx *x, rd_err *err);
int rd_api_import_list(rd_ctx *x, rd_err *err);
int rd_api_import_get(rd_ctx *x, rd_err *err);
int rd_api_import_rows(rd_ctx *x, rd_err *err);
int rd_api_import_cancel(rd_ctx *x, rd_err *err);
int rd_api_outbox_list(rd_ctx *x, rd_err *err);
/* PART-1..3 (src/api/partner.c). */
int rd_api_partner_customers(rd_ctx *x, rd_err *err);
int rd_api_partner_units(rd_ctx *x, rd_err *err);
int rd_api_partner_technicians(rd_ctx *x, rd_err *err);
int rd_api_partner_link(rd_ctx *x, rd_err *err);
int rd_api_partner_unlink(rd_ctx *x, rd_err *err);
int rd_api_partner_requests(rd_ctx *x, rd_err *err);
/* ORG-5: locations and departments of an organization (src/api/location.c). */
int rd_api_org_part_list(rd_ctx *x, rd_err *err);
int rd_api_org_part_create(rd_ctx *x, rd_err *err);
int rd_api_org_part_get(rd_ctx *x, rd_err *err);
int rd_api_org_part_patch(rd_ctx *x, rd_err *err);
int rd_api_org_part_delete(rd_ctx *x, rd_err *err);
/* CUST-7: items and their exports (src/api/item.c). */
int rd_api_item_list(rd_ctx *x, rd_err *err);
int rd_api_item_create(rd_ctx *x, rd_err *err);
int rd_api_item_get(rd_ctx *x, rd_err *err);
int rd_api_item_patch(rd_ctx *x, rd_err *err);
int rd_api_item_delete(rd_ctx *x, rd_err *err);
int rd_api_item_export(rd_ctx *x, rd_err *err);
int rd_api_person_items(rd_ctx *x, rd_err *err);
/* CUST-8: contracts (src/api/contract.c). */
int rd_api_contract_list(rd_ctx *x, rd_err *err);
int rd_api_contract_create(rd_ctx *x, rd_err *err);
int rd_api_contract_get(rd_ctx *x, rd_err *err);
int rd_api_contract_patch(rd_ctx *x, rd_err *err);
int rd_api_contract_enable(rd_ctx *x, rd_err *err);
int rd_api_contract_usage(rd_ctx *x, rd_err *err);
int rd_api_rmm_load(rd_ctx *x, rd_err *err);
int rd_api_rmm_job(rd_ctx *x, rd_err *err);
int rd_api_ldap_sync(rd_ctx *x, rd_err *err);
int rd_api_ldap_job(rd_ctx *x, rd_err *err);
int rd_api_rmm_export(rd_ctx *x, rd_err *err);
int rd_api_rmm_sync(rd_ctx *x, rd_err *err);
int rd_api_rmm_item_sync(rd_ctx *x, rd_err *err);
int rd_api_rmm_org_list(rd_ctx *x, rd_err *err);
int rd_api_rmm_org_get(rd_ctx *x, rd_err *err);
int rd_api_rmm_org_patch(rd_ctx *x, rd_err *err);
int rd_api_rmm_import(rd_ctx *x, rd_err *err);
int rd_api_rmm_mapping_get(rd_ctx *x, rd_err *err);
int rd_api_rmm_mapping_put(rd_ctx *x, rd_err *err);
int rd_api_rmm_mapping_delete(rd_ctx *x, rd_err *err);
/* Requests, their notes and time entries (src/api/request.c). */
int rd_api_request_list(rd_ctx *x, rd_err *err);
int rd_api_request_create(rd_ctx *x, rd_err *err);
int rd_api_request_get(rd_ctx *x, rd_err *err);
int rd_api_request_patch(rd_ctx *x, rd_err *err);
int rd_api_request_escalate(rd_ctx *x, rd_err *err);
int rd_api_request_notes(rd_ctx *x, rd_err *err);
int rd_api_request_note_add(rd_ctx *x, rd_err *err);
int rd_api_request_time(rd_ctx *x, rd_err *err);
int rd_api_request_attachments(rd_ctx *x, rd_err *err);
int rd_api_request_time_add(rd_ctx *x, rd_err *err);
/* PART-5 (src/api/banner.c). */
int rd_api_org_banner_get(rd_ctx *x, rd_err *err);
int rd_api_org_banner_put(rd_ctx *x, rd_err *err);
int rd_api_org_banner_delete(rd_ctx *x, rd_err *err);
int rd_api_account_banner_get(rd_ctx *x, rd_err *err);
int rd_api_account_banner_put(rd_ctx *x, rd_err *err);
int rd_api_account_banner_delete(rd_ctx *x, rd_err *err);
int rd_api_portal_banner(rd_ctx *x, rd_err *err);

#endif
