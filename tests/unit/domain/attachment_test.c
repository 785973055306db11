/* Unit tests of src/domain/attachment.c (issue 10) on a fresh database (unit.h): the media
 * types attachments may have (REL1_), the account's quota checked inside the insert's
 * transaction, who may open an upload (ACC7_), and one pass of the sweeper over rows and
 * files of every kind it must remove or keep. */
#define _XOPEN_SOURCE 700
#include <criterion/criterion.h>
#include <fcntl.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/file.h"
#include "base/time.h"
#include "domain/account.h"
#include "domain/attachment.h"
#include "domain/person.h"
#include "unit/unit.h"

static ut_db T;
static char data_dir[400];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static void setup(void) {
  ut_db_open(&T);
  snprintf(data_dir, sizeof data_dir, "%s/data", T.dir);
  rd_err err;
  rd_err_clear(&err);
  cr_assert_eq(rd_account_create(T.c, "wdc", "Widget", &err), 0, "%s", err.message);
  cr_assert_eq(rd_account_create(T.c, "gt", "GigaTera", &err), 0, "%s", err.message);
}
static void teardown(void) {
  nftw(data_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
  ut_db_close(&T);
}
TestSuite(attachment, .init = setup, .fini = teardown, .timeout = 30);

static void sql(const char *text) {
  rd_err err;
  rd_err_clear(&err);
  cr_assert_eq(rd_sql_exec(T.c, NULL, &err, text, ""), 0, "%s: %s", text, err.message);
}

static bool exists(const char *account, const char *name) {
  char path[600];
  snprintf(path, sizeof path, "%s/attachments/%s/%s", data_dir, account, name);
  return access(path, F_OK) == 0;
}

/* A file under the account's directory, with its modification time age_s seconds ago. */
static void put_file(const char *account, const char *name, int age_s) {
  char dir[500], path[600];
  snprintf(dir, sizeof dir, "%s/attachments/%s", data_dir, account);
  snprintf(path, sizeof path, "%s/%s", dir, name);
  cr_assert_eq(rd_mkdirs(dir), 0, "%s", dir);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
  cr_assert_geq(fd, 0, "%s", path);
  cr_assert_eq(write(fd, "x", 1), 1);
  close(fd);
  struct timespec t[2] = {{.tv_sec = time(NULL) - age_s}, {.tv_sec = time(NULL) - age_s}};
  cr_assert_eq(utimensat(AT_FDCWD, path, t, 0), 0);
}

/* A row and its file, created at the given time. */
static void put(const char *account, const char *key, const char *created_at, int64_t by) {
  char text[400];
  snprintf(text, sizeof text,
           "INSERT INTO attachments (key, account_id, filename, size, content_type, created_by,"
           " created_at) VALUES ('%s', '%s', 'f.pdf', 1, 'application/pdf', %lld, '%s')",
           key, account, (long long)by, created_at);
  sql(text);
  put_file(account, key, 0);
}

Test(attachment, REL1_only_allowed_media_types) {
  const char *ok[] = {"image/png", "IMAGE/JPEG", "image/gif", "image/webp", "application/pdf",
                      "text/plain; charset=utf-8", " text/csv ;charset=latin1", "application/zip",
                      "message/rfc822", "application/vnd.oasis.opendocument.text",
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"};
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
    cr_assert(rd_attachment_type_allowed(ok[i]), "%s", ok[i]);
    cr_assert_eq(rd_attachment_type_check(ok[i], NULL), 0, "%s", ok[i]);
  }
  const char *refused[] = {"image/svg+xml", "text/html", "text/html;charset=utf-8",
                           "application/x-msdownload", "application/octet-stream",
                           "text/plain2", "image/pngx", "text", "application/pdf\x01"};
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
    cr_assert_not(rd_attachment_type_allowed(refused[i]), "%s", refused[i]);
  rd_err err;
  rd_err_clear(&err);
  cr_assert_eq(rd_attachment_type_check("image/svg+xml", &err), RD_EMEDIA);
  cr_assert_eq(rd_err_status(err.code), 415);
  cr_assert_str_eq(err.items[0].field, "content_type");
  cr_assert(strstr(err.message, "Content-Type"), "%s", err.message);
  rd_err_clear(&err);
  cr_assert_eq(rd_attachment_type_check("nonsense", &err), RD_EINVAL);
  cr_assert_str_eq(err.items[0].field, "content_type");
}

Test(attachment, REL1_create_over_the_quota_stores_nothing) {
  sql("UPDATE accounts SET settings = '{\"attachment_quota_mb\": 1}' WHERE id = 'wdc'");
  rd_caller who = rd_system_caller("wdc");
  static char data[700 << 10];
  memset(data, 'z', sizeof data);
  rd_err err;
  rd_err_clear(&err);
  json_t *meta = NULL;
  cr_assert_eq(rd_attachment_create(T.c, &who, data_dir, "a.txt", "text/plain", data, sizeof data,
                                    &meta, &err),
               0, "%s", err.message);
  json_decref(meta);
  meta = NULL;
  cr_assert_eq(rd_attachment_quota_check(T.c, &who, 324 << 10, &err), 0, "%s", err.message);
  cr_assert_eq(rd_attachment_quota_check(T.c, &who, (324 << 10) + 1, &err), RD_ETOOBIG);
  rd_err_clear(&err);
  cr_assert_eq(rd_attachment_create(T.c, &who, data_dir, "b.txt", "text/plain", data, 400 << 10,
                                    &meta, &err),
               RD_ETOOBIG);
  cr_assert(strstr(err.message, "attachment_quota_mb"), "%s", err.message);
  cr_assert_null(meta);
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM attachments"), 1);
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM audit WHERE record_type = 'attachment'"), 1);
  /* the other account's quota is untouched by wdc's uploads */
  rd_caller gt = rd_system_caller("gt");
  cr_assert_eq(rd_attachment_quota_check(T.c, &gt, 1000u << 20, &err), 0);
  rd_err_clear(&err);
  cr_assert_eq(rd_attachment_create(T.c, &who, data_dir, "x.svg", "image/svg+xml", data, 10,
                                    &meta, &err),
               RD_EMEDIA);
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM attachments"), 1);
}

Test(attachment, ACC7_people_without_a_staff_role_open_only_their_own_uploads) {
  put("wdc", "STAFFKEY", "2026-01-01T00:00:00Z", 100);
  put("wdc", "CUSTKEY", "2026-01-01T00:00:00Z", 200);
  rd_caller customer = rd_system_caller("wdc"), tech = customer, other = customer;
  customer.person_id = 200;
  customer.roles = RD_ROLE_CUSTOMER;
  other.person_id = 300;
  other.roles = RD_ROLE_PARTNER;
  tech.person_id = 400;
  tech.roles = RD_ROLE_TECHNICIAN;
  struct {
    rd_caller *who;
    const char *key;
    int want;
  } cases[] = {{&customer, "STAFFKEY", RD_ENOTFOUND}, {&customer, "CUSTKEY", 0},
               {&other, "CUSTKEY", RD_ENOTFOUND},     {&other, "STAFFKEY", RD_ENOTFOUND},
               {&tech, "CUSTKEY", 0},                 {&tech, "STAFFKEY", 0}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    rd_err err;
    rd_err_clear(&err);
    int fd = -1;
    json_t *meta = NULL;
    int rv = rd_attachment_open(T.c, cases[i].who, data_dir, cases[i].key, &fd, &meta, &err);
    cr_assert_eq(rv, cases[i].want, "case %zu: %d %s", i, rv, err.message);
    if (fd >= 0)
      close(fd);
    json_decref(meta);
  }
  /* a type stored before the allowlist is served as opaque bytes */
  sql("UPDATE attachments SET content_type = 'text/html' WHERE key = 'CUSTKEY'");
  rd_err err;
  rd_err_clear(&err);
  int fd = -1;
  json_t *meta = NULL;
  cr_assert_eq(rd_attachment_open(T.c, &customer, data_dir, "CUSTKEY", &fd, &meta, &err), 0);
  cr_assert_str_eq(json_string_value(json_object_get(meta, "content_type")),
                   "application/octet-stream");
  close(fd);
  json_decref(meta);
}

Test(attachment, REL1_sweep_removes_old_unreferenced_uploads_and_orphan_files) {
  char now[RD_TIME_LEN];
  rd_time_now(now);
  const char *old = "2020-01-01T00:00:00Z";
  put("wdc", "UNREF", old, 1);
  put("wdc", "BYORG", old, 1);
  put("wdc", "BYNOTE", old, 1);
  put("wdc", "ab_cd", old, 1);     /* its '_' must not match the 'X' of the reference below */
  put("wdc", "OTHERACC", old, 1); /* named only by another account's record */
  put("wdc", "FRESH", now, 1);
  put("gt", "GTREF", old, 1);
  sql("INSERT INTO organizations (id, account_id, name, remarks_attachments, created_at,"
      " updated_at) VALUES (1, 'wdc', 'A', '[{\"key\":\"BYORG\",\"filename\":\"f.pdf\"},"
      "{\"key\":\"abXcd\"}]', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')");
  sql("INSERT INTO organizations (id, account_id, name, remarks_attachments, created_at,"
      " updated_at) VALUES (2, 'gt', 'B', '[{\"key\":\"GTREF\"},{\"key\":\"OTHERACC\"}]',"
      " '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')");
  sql("INSERT INTO org_annotations (account_id, organization_id, remarks_attachments,"
      " created_at, updated_at) VALUES ('wdc', 2, '[{\"key\":\"BYNOTE\"}]',"
      " '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')");
  /* files without rows: old ones go, a fresh one (an upload in flight) stays */
  put_file("wdc", "ORPHAN", 7200);
  put_file("wdc", "INFLIGHT.tmp", 7200);
  put_file("wdc", "NEWFILE", 0);
  rd_err err;
  rd_err_clear(&err);
  int64_t removed = 0;
  cr_assert_eq(rd_attachment_sweep(T.c, data_dir, 3600, &removed, &err), 0, "%s", err.message);
  cr_assert_eq(removed, 5, "removed %lld", (long long)removed);
  const char *gone[] = {"UNREF", "ab_cd", "OTHERACC"};
  for (size_t i = 0; i < 3; i++) {
    char q[128];
    snprintf(q, sizeof q, "SELECT COUNT(*) FROM attachments WHERE key = '%s'", gone[i]);
    cr_assert_eq(ut_int(T.c, q), 0, "%s still has its row", gone[i]);
    cr_assert_not(exists("wdc", gone[i]), "%s still has its file", gone[i]);
  }
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM attachments"), 4);
  const char *kept[] = {"BYORG", "BYNOTE", "FRESH", "NEWFILE"};
  for (size_t i = 0; i < 4; i++)
    cr_assert(exists("wdc", kept[i]), "%s was removed", kept[i]);
  cr_assert(exists("gt", "GTREF"));
  cr_assert_not(exists("wdc", "ORPHAN"));
  cr_assert_not(exists("wdc", "INFLIGHT.tmp"));
  /* audited as the system's deletions */
  cr_assert_eq(ut_int(T.c, "SELECT COUNT(*) FROM audit WHERE record_type = 'attachment'"
                           " AND action = 'delete' AND actor_id IS NULL"),
               3);
  /* a second pass (or a second sweeper) finds nothing more */
  cr_assert_eq(rd_attachment_sweep(T.c, data_dir, 3600, &removed, &err), 0, "%s", err.message);
  cr_assert_eq(removed, 0);
}
