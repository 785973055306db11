/* End-to-end tests of POST/GET /v1/attachments and of organizations' remarks_attachments
 * (ORG-1): uploads are raw bodies, served back byte for byte only to the uploading
 * account's people, size-limited, and referenced by key from organization remarks.
 * Issue 10: allowed media types only (REL1_), served sandboxed, a quota per account, the
 * sweeper of unreferenced uploads, and customers reading only their own uploads (ACC7_). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
  /* still there for its own account's staff */
  r = th_get(&S, th_token(&S, "wdc", "tech", "technician"), path);
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
  th_resp r = upload(admin(), "?filename=big.bin", data, big, "application/zip");
  th_assert_error(&r, 413, NULL);
  th_resp_free(&r);
  /* more than the 1 MiB of JSON bodies is fine for an upload */
  r = upload(admin(), "?filename=medium.bin", data, 3u << 20, "application/zip");
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

/* ---- issue 10 ---- */

static long audit_count(void) {
  th_resp r = th_get(&S, admin(), "/v1/audit?record_type=attachment&per_page=100");
  cr_assert_eq(r.status, 200, "%s", r.body);
  long n = (long)json_array_size(r.json);
  th_resp_free(&r);
  return n;
}

/* Files under the test daemon's data directory of account (regular files only). */
static int files_of(th_server *s, const char *account) {
  char dir[400], cmd[600];
  snprintf(dir, sizeof dir, "%s/data/attachments/%s", s->dir, account);
  snprintf(cmd, sizeof cmd, "find '%s' -type f 2>/dev/null | wc -l", dir);
  FILE *p = popen(cmd, "r");
  int n = -1;
  cr_assert(p && fscanf(p, "%d", &n) == 1);
  pclose(p);
  return n;
}

static bool file_exists(th_server *s, const char *account, const char *key) {
  char path[400];
  snprintf(path, sizeof path, "%s/data/attachments/%s/%s", s->dir, account, key);
  return access(path, F_OK) == 0;
}

Test(attachment, REL1_only_allowed_content_types_are_stored) {
  const char *refused[] = {"image/svg+xml", "text/html", "text/html; charset=utf-8",
                           "application/x-msdownload", "application/octet-stream",
                           "application/xhtml+xml", "IMAGE/SVG+XML"};
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
    th_resp r = upload(admin(), "?filename=x.bin", DATA, DATA_LEN, refused[i]);
    th_assert_error(&r, 415, "content_type");
    cr_assert(strstr(th_jstr(r.json, "message"), "Content-Type"), "%s: %s", refused[i], r.body);
    th_resp_free(&r);
  }
  /* a customer too */
  th_resp r = upload(cust(), "?filename=x.svg", "<svg onload=alert(1)/>", 22, "image/svg+xml");
  th_assert_error(&r, 415, "content_type");
  th_resp_free(&r);
  cr_assert_eq(audit_count(), 0);
  cr_assert_eq(files_of(&S, "wdc"), 0, "a refused upload left a file");
  /* the allowed types, parameters and any case included */
  const char *allowed[] = {
      "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf",
      "text/plain", "text/plain; charset=utf-8", "text/csv;charset=ISO-8859-1", "IMAGE/PNG",
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "application/vnd.openxmlformats-officedocument.presentationml.presentation",
      "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
      "application/vnd.oasis.opendocument.presentation", "application/zip", "message/rfc822"};
  for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++) {
    r = upload(cust(), "?filename=f", DATA, DATA_LEN, allowed[i]);
    cr_assert_eq(r.status, 201, "%s: %s", allowed[i], r.body);
    cr_assert_str_eq(th_jstr(r.json, "content_type"), allowed[i]);
    th_resp_free(&r);
  }
}

Test(attachment, REL1_downloads_are_sandboxed_attachments_of_the_stored_type) {
  const char *key = upload_key(admin(), "report.pdf");
  char path[128];
  snprintf(path, sizeof path, "/v1/attachments/%s", key);
  th_resp g = th_get(&S, admin(), path);
  cr_assert_eq(g.status, 200, "%s", g.body);
  const char *csp = th_header(&g, "Content-Security-Policy");
  cr_assert(csp && !strcmp(csp, "sandbox"), "Content-Security-Policy: %s", csp ? csp : "(none)");
  cr_assert_str_eq(th_header(&g, "X-Content-Type-Options"), "nosniff");
  const char *disp = th_header(&g, "Content-Disposition");
  cr_assert(disp && !strncmp(disp, "attachment;", 11), "%s", disp);
  cr_assert_str_eq(th_header(&g, "Content-Type"), "application/pdf");
  th_resp_free(&g);
}

Test(attachment, REL1_uploads_over_the_account_quota_are_413_and_store_nothing) {
  th_resp r = th_get(&S, admin(), "/v1/account");
  cr_assert_eq(json_integer_value(th_jpath(r.json, "settings.attachment_quota_mb")), 1024,
               "%s", r.body);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:i}}", "settings",
              "attachment_quota_mb", 1);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  size_t part = 700u << 10;
  char *data = malloc(part);
  memset(data, 'q', part);
  r = upload(cust(), "?filename=a.txt", data, part, "text/plain");
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  /* 700 KiB + 400 KiB > 1 MiB, whoever of the account uploads it */
  r = upload(admin(), "?filename=b.txt", data, 400u << 10, "text/plain");
  th_assert_error(&r, 413, NULL);
  cr_assert(strstr(th_jstr(r.json, "message"), "attachment_quota_mb"), "%s", r.body);
  th_resp_free(&r);
  cr_assert_eq(audit_count(), 1, "the refused upload was stored");
  cr_assert_eq(files_of(&S, "wdc"), 1, "the refused upload left a file");
  /* what fits still fits; another account's quota is its own */
  r = upload(admin(), "?filename=c.txt", data, 300u << 10, "text/plain");
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  r = upload(gt_admin(), "?filename=d.txt", data, part, "text/plain");
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  /* a larger quota lets the refused one in */
  r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:i}}", "settings",
              "attachment_quota_mb", 2);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = upload(admin(), "?filename=b.txt", data, 400u << 10, "text/plain");
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  free(data);
}

Test(attachment, REL1_attachment_quota_setting_bad_input_is_422) {
  const char *bad[] = {"0", "-1", "\"10\"", "1.5", "1048577", "null", "true", "{}"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char body[128];
    snprintf(body, sizeof body, "{\"settings\": {\"attachment_quota_mb\": %s}}", bad[i]);
    th_resp r = th_req(&S, "PATCH", "/v1/account", admin(), body, NULL, NULL);
    th_assert_error(&r, 422, "settings.attachment_quota_mb");
    th_resp_free(&r);
  }
  th_resp r = th_json(&S, "PATCH", cust(), "/v1/account", "{s:{s:i}}", "settings",
                      "attachment_quota_mb", 1);
  th_assert_error(&r, 403, NULL);
  th_resp_free(&r);
  r = th_json(&S, "PATCH", admin(), "/v1/account", "{s:{s:i}}", "settings",
              "attachment_quota_mb", 1048576);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, admin(), "/v1/account");
  cr_assert_eq(json_integer_value(th_jpath(r.json, "settings.attachment_quota_mb")), 1048576,
               "%s", r.body);
  th_resp_free(&r);
}

Test(attachment, ACC7_customers_download_only_their_own_uploads) {
  const char *staff_key = upload_key(admin(), "internal.pdf");
  char staff_path[128], own_path[128];
  snprintf(staff_path, sizeof staff_path, "/v1/attachments/%s", staff_key);
  /* the staff's upload, also once it is a remark attachment, is no customer's to read */
  char body[256];
  snprintf(body, sizeof body, "{\"name\": \"Org\", \"remarks_attachments\": [{\"key\": \"%s\"}]}",
           staff_key);
  th_resp r = th_req(&S, "POST", "/v1/organizations", admin(), body, NULL, NULL);
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, cust(), staff_path);
  th_assert_error(&r, 404, NULL);
  cr_assert_null(strstr(r.body, "internal.pdf"));
  th_resp_free(&r);
  r = th_get(&S, th_token(&S, "wdc", "partner", "partner"), staff_path);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  /* its own upload it reads; another customer does not; staff do */
  snprintf(own_path, sizeof own_path, "/v1/attachments/%s", upload_key(cust(), "mine.pdf"));
  r = th_get(&S, cust(), own_path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert_eq(r.len, DATA_LEN);
  th_resp_free(&r);
  r = th_get(&S, th_token(&S, "wdc", "cust2", "customer"), own_path);
  th_assert_error(&r, 404, NULL);
  th_resp_free(&r);
  r = th_get(&S, th_token(&S, "wdc", "tech", "technician"), own_path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  r = th_get(&S, th_token(&S, "wdc", "tech", "technician"), staff_path);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
}

/* ---- the sweeper: a daemon of its own with a short grace period ---- */

static th_server W;
#define GRACE_S 6

static void sweep_setup(void) {
  th_init_db(&W);
  W.daemon_args[0] = "--attachment-grace";
  W.daemon_args[1] = "6"; /* GRACE_S */
  th_start_daemon(&W);
  th_account(&W, "wdc", "Widget Data Center");
  th_account(&W, "gigatera", "GigaTera");
}
static void sweep_teardown(void) {
  th_stop(&W);
}
TestSuite(attachment_sweep, .init = sweep_setup, .fini = sweep_teardown, .timeout = 120);

static const char *w_upload(const char *token, const char *name) {
  static char key[64];
  char q[128];
  snprintf(q, sizeof q, "/v1/attachments?filename=%s", name);
  th_resp r = th_req_len(&W, "POST", q, token, DATA, DATA_LEN, "application/pdf", NULL);
  cr_assert_eq(r.status, 201, "%s", r.body);
  snprintf(key, sizeof key, "%s", th_jstr(r.json, "key"));
  th_resp_free(&r);
  return key;
}

static long w_status(const char *token, const char *key) {
  char path[128];
  snprintf(path, sizeof path, "/v1/attachments/%s", key);
  th_resp r = th_get(&W, token, path);
  long st = r.status;
  th_resp_free(&r);
  return st;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

Test(attachment_sweep, REL1_sweeper_removes_old_unreferenced_uploads_only) {
  const char *wdc = th_token(&W, "wdc", "admin", "account_administrator");
  const char *gt = th_token(&W, "gigatera", "gtadmin", "account_administrator");
  /* gigatera's organization in wdc's view, for an annotation (TRUST-5) of wdc's */
  long long gt_org = th_create(&W, gt, "/v1/organizations", "{s:s}", "name", "GT Provider");
  long long wdc_org = th_create(&W, wdc, "/v1/organizations", "{s:s}", "name", "WDC Customer");
  th_resp r = th_json(&W, "POST", gt, "/v1/account/trusts", "{s:s}", "account", "wdc");
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  r = th_json(&W, "POST", wdc, "/v1/account/trusts", "{s:s}", "account", "gigatera");
  cr_assert_eq(r.status, 201, "%s", r.body);
  th_resp_free(&r);
  long long svc = th_create(&W, gt, "/v1/services", "{s:s,s:{s:I}}", "name", "Hosting",
                            "provider", "id", gt_org);
  th_create(&W, gt, "/v1/slas", "{s:{s:I},s:{s:I},s:s}", "service", "id", svc, "customer", "id",
            wdc_org, "start_date", "2020-01-01");

  double t0 = now_s();
  char unref[64], by_org[64], by_note[64], fresh[64], path[64], body[256];
  snprintf(unref, sizeof unref, "%s", w_upload(wdc, "unref.pdf"));
  snprintf(by_org, sizeof by_org, "%s", w_upload(wdc, "org.pdf"));
  snprintf(by_note, sizeof by_note, "%s", w_upload(wdc, "note.pdf"));
  snprintf(body, sizeof body, "{\"remarks_attachments\": [{\"key\": \"%s\"}]}", by_org);
  snprintf(path, sizeof path, "/v1/organizations/%lld", wdc_org);
  r = th_req(&W, "PATCH", path, wdc, body, NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  th_resp_free(&r);
  snprintf(body, sizeof body, "{\"remarks_attachments\": [{\"key\": \"%s\"}]}", by_note);
  snprintf(path, sizeof path, "/v1/organizations/%lld", gt_org);
  r = th_req(&W, "PATCH", path, wdc, body, NULL, NULL);
  cr_assert_eq(r.status, 200, "%s", r.body);
  cr_assert(json_is_true(json_object_get(r.json, "foreign")), "%s", r.body);
  th_resp_free(&r);
  cr_assert_lt(now_s() - t0, GRACE_S - 1, "too slow to reference the uploads in time");
  /* a file without a row (a crash before the row committed), old */
  char orphan[400];
  snprintf(orphan, sizeof orphan, "%s/data/attachments/wdc/AAAAAAAAAAAAAAAAAAAAAA", W.dir);
  int fd = open(orphan, O_WRONLY | O_CREAT | O_EXCL, 0640);
  cr_assert_geq(fd, 0);
  close(fd);
  struct timespec old[2] = {{.tv_sec = time(NULL) - 2 * GRACE_S}, {.tv_sec = time(NULL) - 2 * GRACE_S}};
  cr_assert_eq(utimensat(AT_FDCWD, orphan, old, 0), 0);

  /* once the first uploads are older than the grace period, a fresh one */
  while (now_s() - t0 < GRACE_S + 1)
    usleep(100000);
  snprintf(fresh, sizeof fresh, "%s", w_upload(wdc, "fresh.pdf"));
  double t1 = now_s();
  while (w_status(wdc, unref) == 200 && now_s() - t1 < 30)
    usleep(100000);
  cr_assert_lt(now_s() - t1, GRACE_S - 1, "the unreferenced upload was not removed in time");
  cr_assert_eq(w_status(wdc, unref), 404);
  cr_assert_not(file_exists(&W, "wdc", unref), "its file is still there");
  cr_assert_eq(w_status(wdc, fresh), 200, "the fresh upload was removed");
  cr_assert_eq(w_status(wdc, by_org), 200, "the organization's attachment was removed");
  cr_assert_eq(w_status(wdc, by_note), 200, "the annotation's attachment was removed");
  cr_assert(file_exists(&W, "wdc", by_org) && file_exists(&W, "wdc", by_note));
  /* the orphan file goes in the same pass as the rows, or the next */
  for (int i = 0; i < 100 && access(orphan, F_OK) == 0; i++)
    usleep(100000);
  cr_assert_neq(access(orphan, F_OK), 0, "the file without a row is still there");
  /* the removal is in the audit trail, as the system's */
  r = th_get(&W, wdc, "/v1/audit?record_type=attachment&per_page=100");
  bool seen = false;
  size_t i;
  json_t *a;
  json_array_foreach(r.json, i, a) {
    char *changes = json_dumps(json_object_get(a, "changes"), 0);
    if (!strcmp(json_string_value(json_object_get(a, "action")), "delete") && changes &&
        strstr(changes, unref))
      seen = true;
    free(changes);
  }
  cr_assert(seen, "%s", r.body);
  th_resp_free(&r);
}
