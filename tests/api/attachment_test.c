/* End-to-end tests of POST/GET /v1/attachments and of organizations' remarks_attachments
 * (ORG-1): uploads are raw bodies, served back byte for byte only to the uploading
 * account's people, size-limited, and referenced by key from organization remarks. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "harness/harness.h"

static th_server S;

/* The people of a test, made on first use. */
static const char *admin(void) {
  return th_token(&S, "wdc", "admin", "account_administrator");
}
static const char *cust(void) {
  return th_token(&S, "wdc", "cust", "customer");
}
static const char *gt_admin(void) {
  return th_token(&S, "gigatera", "gtadmin", "account_administrator");
}

static void setup(void) {
  th_start(&S);
  th_account(&S, "wdc", "Widget Data Center");
  th_account(&S, "gigatera", "GigaTera");
}
static void teardown(void) {
  th_stop(&S);
}
TestSuite(attachment, .init = setup, .fini = teardown, .timeout = 60);

static const char DATA[] = "%PDF-1.4\n\0\x01\x02\xff\xfe binary \r\n\0end";
#define DATA_LEN (sizeof DATA - 1)

static th_resp upload(const char *token, const char *query, const char *data, size_t len,
                      const char *type) {
  char path[512];
  snprintf(path, sizeof path, "/v1/attachments%s", query);
  return th_req_len(&S, "POST", path, token, data, len, type, NULL);
}

/* Uploads DATA and returns its key (static buffer). */
static const char *upload_key(const char *token, const char *filename) {
  static char key[64];
  char q[256];
  snprintf(q, sizeof q, "?filename=%s", filename);
  th_resp r = upload(token, q, DATA, DATA_LEN, "application/pdf");
  cr_assert_eq(r.status, 201, "%s", r.body);
  snprintf(key, sizeof key, "%s", th_jstr(r.json, "key"));
  th_resp_free(&r);
  return key;
}

static char *count_orgs(void) {
  static char out[32];
  th_resp r = th_get(&S, admin(), "/v1/organizations?per_page=100");
  cr_assert_eq(r.status, 200, "%s", r.body);
  snprintf(out, sizeof out, "%zu", json_array_size(r.json));
  th_resp_free(&r);
  return out;
}

Test(attachment, ORG1_upload_returns_201_with_metadata_and_get_returns_the_bytes) {
  th_resp r = upload(cust(), "?filename=report.pdf", DATA, DATA_LEN, "application/pdf");
  cr_assert_eq(r.status, 201, "%s", r.body);
  const char *key = th_jstr(r.json, "key");
  cr_assert(key && strlen(key) >= 16, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "filename"), "report.pdf");
  cr_assert_eq(json_integer_value(json_object_get(r.json, "size")), (json_int_t)DATA_LEN);
  cr_assert_str_eq(th_jstr(r.json, "content_type"), "application/pdf");
  char path[128];
  snprintf(path, sizeof path, "/v1/attachments/%s", key);
  if (th_header(&r, "Location"))
    cr_assert_str_eq(th_header(&r, "Location"), path);
  th_resp_free(&r);
  /* another person of the same account reads it */
  th_resp g = th_get(&S, admin(), path);
  cr_assert_eq(g.status, 200, "%s", g.body);
  cr_assert_eq(g.len, DATA_LEN, "size %zu", g.len);
  cr_assert_eq(memcmp(g.body, DATA, DATA_LEN), 0, "the bytes differ");
  cr_assert_str_eq(th_header(&g, "Content-Type"), "application/pdf");
  const char *disp = th_header(&g, "Content-Disposition");
  cr_assert(disp && strstr(disp, "attachment") && strstr(disp, "report.pdf"), "%s", disp);
  th_resp_free(&g);
}

Test(attachment, ORG1_filename_and_content_type_are_kept) {
  th_resp r = upload(admin(), "?filename=Quarterly%20r%C3%A9sum%C3%A9%20(final).txt", "hello", 5,
                     "text/plain; charset=utf-8");
  cr_assert_eq(r.status, 201, "%s", r.body);
  cr_assert_str_eq(th_jstr(r.json, "filename"), "Quarterly r\xc3\xa9sum\xc3\xa9 (final).txt");
  cr_assert_str_eq(th_jstr(r.json, "content_type"), "text/plain; charset=utf-8");
  char path[128];
  snprintf(path, sizeof path, "/v1/attachments/%s", th_jstr(r.json, "key"));
  th_resp_free(&r);
  th_resp g = th_get(&S, admin(), path);
  cr_assert_eq(g.status, 200, "%s", g.body);
  cr_assert_str_eq(g.body, "hello");
  cr_assert_str_eq(th_header(&g, "Content-Type"), "text/plain; charset=utf-8");
  /* the name is encoded, never raw, in the header */
  const char *disp = th_header(&g, "Content-Disposition");
  cr_assert(disp && strstr(disp, "filename*=UTF-8''Quarterly%20r%C3%A9sum%C3%A9"), "%s", disp);
  th_resp_free(&g);
}

Test(attachment, ACC4_another_accounts_people_get_404) {
  const char *key = upload_key(admin(), "secret.pdf");
  char path[128];
  snprintf(path, sizeof path, "/v1/attachments/%s", key);
  th_resp r = th_get(&S, gt_admin(), path);
  th_assert_error(&r, 404, NULL);
  cr_assert_null(strstr(r.body, "secret.pdf"));
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/attachments/AAAAAAAAAAAAAAAAAAAAAA");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/attachments/..%2F..%2Fetc%2Fpasswd");
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_get(&S, NULL, path);
  th_assert_error(&r, 401, NULL);
  th_resp_free(&r);
  /* still there for its own account */
  r = th_get(&S, cust(), path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
}

Test(attachment, ORG1_upload_bad_input_is_refused) {
  th_resp r = upload(admin(), "", DATA, DATA_LEN, "application/pdf");
  th_assert_error(&r, 422, "filename");
  th_resp_free(&r);
  r = upload(admin(), "?filename=", DATA, DATA_LEN, "application/pdf");
  th_assert_error(&r, 422, "filename");
  th_resp_free(&r);
  r = upload(admin(), "?filename=..%2Fevil.pdf", DATA, DATA_LEN, "application/pdf");
  th_assert_error(&r, 422, "filename");
  th_resp_free(&r);
  r = upload(admin(), "?filename=a%5Cb.pdf", DATA, DATA_LEN, "application/pdf");
  th_assert_error(&r, 422, "filename");
  th_resp_free(&r);
  r = upload(admin(), "?filename=empty.txt", "", 0, "text/plain");
  th_assert_error(&r, 422, "body");
  th_resp_free(&r);
  r = upload(admin(), "?filename=x.bin", DATA, DATA_LEN, "nonsense");
  th_assert_error(&r, 422, "content_type");
  th_resp_free(&r);
  r = upload(admin(), "?filename=x.bin", DATA, DATA_LEN, ""); /* no Content-Type */
  th_assert_error(&r, 422, "content_type");
  th_resp_free(&r);
  r = upload(admin(), "?filename=x.bin&folder=a", DATA, DATA_LEN, "application/pdf");
  th_assert_error(&r, 400, "folder");
  th_resp_free(&r);
  r = upload(NULL, "?filename=x.bin", DATA, DATA_LEN, "application/pdf");
  th_assert_error(&r, 401, NULL);
  th_resp_free(&r);
  char q[400];
  snprintf(q, sizeof q, "?filename=%0256d", 0);
  r = upload(admin(), q, DATA, DATA_LEN, "application/pdf");
  th_assert_error(&r, 422, "filename");
  th_resp_free(&r);
  /* nothing was stored: the audit trail has no attachment row */
  r = th_get(&S, admin(), "/v1/audit?record_type=attachment");
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(r.json), 0, "%s", r.body);
  th_resp_free(&r);
}

Test(attachment, ORG1_uploads_over_20_MiB_are_413) {
  size_t big = (20u << 20) + 1;
  char *data = malloc(big);
  memset(data, 'x', big);
  th_resp r = upload(admin(), "?filename=big.bin", data, big, "application/octet-stream");
  th_assert_error(&r, 413, NULL);
  th_resp_free(&r);
  /* more than the 1 MiB of JSON bodies is fine for an upload */
  r = upload(admin(), "?filename=medium.bin", data, 3u << 20, "application/octet-stream");
  cr_assert_eq(r.status, 201, "%s", r.body);
  cr_assert_eq(json_integer_value(json_object_get(r.json, "size")), 3 << 20);
  char path[128];
  snprintf(path, sizeof path, "/v1/attachments/%s", th_jstr(r.json, "key"));
  th_resp_free(&r);
  r = th_get(&S, admin(), path);
  cr_assert_eq(r.status, 200);
  cr_assert_eq(r.len, 3u << 20);
  th_resp_free(&r);
  free(data);
  r = th_get(&S, admin(), "/v1/audit?record_type=attachment");
  cr_assert_eq(json_array_size(r.json), 1, "only the accepted upload is stored: %s", r.body);
  th_resp_free(&r);
}

Test(attachment, ORG1_remarks_attachments_must_reference_the_accounts_uploads) {
  char key[64], foreign[64], body[512];
  snprintf(key, sizeof key, "%s", upload_key(admin(), "contract.pdf"));
  snprintf(foreign, sizeof foreign, "%s", upload_key(gt_admin(), "theirs.pdf"));
  const char *before = count_orgs();
  char n[32];
  snprintf(n, sizeof n, "%s", before);
  const char *bad[] = {
      "{\"name\": \"A\", \"remarks_attachments\": [{\"key\": \"nope\"}]}",
      "{\"name\": \"A\", \"remarks_attachments\": [{\"filename\": \"x.pdf\"}]}",
      "{\"name\": \"A\", \"remarks_attachments\": [\"nope\"]}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    th_resp r = th_req(&S, "POST", "/v1/organizations", admin(), bad[i], NULL, NULL);
    th_assert_error(&r, 422, "remarks_attachments[0]");
    th_resp_free(&r);
  }
  snprintf(body, sizeof body,
           "{\"name\": \"A\", \"remarks_attachments\": [{\"key\": \"%s\"}, {\"key\": \"%s\"}]}",
           key, foreign);
  th_resp r = th_req(&S, "POST", "/v1/organizations", admin(), body, NULL, NULL);
  th_assert_error(&r, 422, "remarks_attachments[1]");
  th_resp_free(&r);
  snprintf(body, sizeof body, "{\"name\": \"A\", \"remarks_attachments\": {\"key\": \"%s\"}}", key);
  r = th_req(&S, "POST", "/v1/organizations", admin(), body, NULL, NULL);
  th_assert_error(&r, 422, "remarks_attachments");
  th_resp_free(&r);
  cr_assert_str_eq(count_orgs(), n, "a refused create stored an organization");
  /* a good key: filename, size and type come from the upload, not from the client */
  snprintf(body, sizeof body,
           "{\"name\": \"A\", \"remarks\": \"see the contract\", \"remarks_attachments\":"
           " [{\"key\": \"%s\", \"filename\": \"forged.exe\", \"size\": 1}]}",
           key);
  r = th_req(&S, "POST", "/v1/organizations", admin(), body, NULL, NULL);
  cr_assert_eq(r.status, 201, "%s", r.body);
  long long id = json_integer_value(json_object_get(r.json, "id"));
  cr_assert_str_eq(th_jstr(r.json, "remarks_attachments[0].key"), key);
  cr_assert_str_eq(th_jstr(r.json, "remarks_attachments[0].filename"), "contract.pdf");
  cr_assert_eq(json_integer_value(th_jpath(r.json, "remarks_attachments[0].size")),
               (json_int_t)DATA_LEN);
  cr_assert_str_eq(th_jstr(r.json, "remarks_attachments[0].content_type"), "application/pdf");
  th_resp_free(&r);
  /* PATCH checks the same way and changes nothing when refused */
  char path[64];
  snprintf(path, sizeof path, "/v1/organizations/%lld", id);
  snprintf(body, sizeof body, "{\"remarks_attachments\": [{\"key\": \"%s\"}]}", foreign);
  r = th_req(&S, "PATCH", path, admin(), body, NULL, NULL);
  th_assert_error(&r, 422, "remarks_attachments[0]");
  th_resp_free(&r);
  r = th_get(&S, admin(), path);
  cr_assert_str_eq(th_jstr(r.json, "remarks_attachments[0].key"), key);
  th_resp_free(&r);
  r = th_req(&S, "PATCH", path, admin(), "{\"remarks_attachments\": null}", NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(json_array_size(json_object_get(r.json, "remarks_attachments")), 0, "%s", r.body);
  th_resp_free(&r);
}
