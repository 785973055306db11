/* Attachments (ORG-1 remarks): files uploaded by people of an account, stored on disk
 * under <data dir>/attachments/<account>/<key>, described by a row, and served only to
 * people of the uploading account (people without a staff role: only their own uploads).
 * Keys are 128-bit random, base64url. Issue 10: an allowlist of media types, a quota per
 * account (setting attachment_quota_mb), and a sweeper that removes uploads no record
 * refers to once they are older than a grace period. */
#ifndef RD_DOMAIN_ATTACHMENT_H
#define RD_DOMAIN_ATTACHMENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/caller.h"
#include "store/store.h"

#define RD_ATTACHMENT_MAX (20u * 1024 * 1024)
#define RD_FILENAME_MAX 255
/* attachment_quota_mb (account setting): default and ceiling, in MiB. */
#define RD_ATTACHMENT_QUOTA_MB_DEFAULT 1024
#define RD_ATTACHMENT_QUOTA_MB_MAX 1048576
/* Unreferenced uploads older than this are removed by the sweeper (rolodeskd
 * --attachment-grace SECONDS). */
#define RD_ATTACHMENT_GRACE_S (24 * 3600)

/* Whether content_type (a Content-Type header value, parameters allowed) names a media type
 * attachments may have. Thread-safe. */
bool rd_attachment_type_allowed(const char *content_type);
/* The checks of an upload that need only its headers: the media type (422 when it is not
 * one, 415 naming content_type when it is not allowed). err may be NULL. */
int rd_attachment_type_check(const char *content_type, rd_err *err);
/* Whether size more bytes fit in the caller's account's quota (setting attachment_quota_mb
 * against the sizes of its stored attachments): 0, or 413 (RD_ETOOBIG) naming the quota.
 * Needs only the account, so the HTTP layer may call it with the Content-Length before
 * reading a body. Without a lock: rd_attachment_create checks again in its transaction. */
int rd_attachment_quota_check(rd_conn *c, const rd_caller *who, uint64_t size, rd_err *err);

/* Stores data as a new attachment after the type and quota checks (REL-1: nothing is
 * stored when refused); *out (caller owns) is {"key", "filename", "size", "content_type"}. */
int rd_attachment_create(rd_conn *c, const rd_caller *who, const char *data_dir,
                         const char *filename, const char *content_type, const char *data,
                         size_t len, json_t **out, rd_err *err);
/* CUST-9: the same inside a write transaction the caller holds (the quota is checked there
 * without the account lock: the transaction's writes already serialize). A rollback leaves
 * the file without a row, which the sweeper removes. */
int rd_attachment_create_in(rd_conn *c, const rd_caller *who, const char *data_dir,
                            const char *filename, const char *content_type, const char *data,
                            size_t len, json_t **out, rd_err *err);
/* Opens an attachment the caller may read: one of its account, and for people without a
 * staff role only one they uploaded (ACC-7); anything else is 404. *fd (caller closes),
 * *meta (caller owns) {"key", "filename", "size", "content_type"}, where content_type is
 * the stored type, or application/octet-stream for a type no longer allowed. */
int rd_attachment_open(rd_conn *c, const rd_caller *who, const char *data_dir, const char *key,
                       int *fd, json_t **meta, rd_err *err);

/* One pass of the sweeper: deletes every attachment older than grace_s seconds that no
 * organization's or annotation's remarks_attachments of its account names (row in its own
 * transaction, then the file), and files under <data_dir>/attachments older than grace_s
 * without a row (a crash between writing a file and committing its row). *removed (may be
 * NULL) counts the rows and files removed. Safe with several processes sweeping at once. */
int rd_attachment_sweep(rd_conn *c, const char *data_dir, int64_t grace_s, int64_t *removed,
                        rd_err *err);

/* The sweeper thread of rolodeskd: a pass at start and then every grace_s / 2 seconds
 * (at least 1, at most 3600). *out is owned by the caller: rd_attachment_sweeper_stop. */
typedef struct rd_attachment_sweeper rd_attachment_sweeper;
int rd_attachment_sweeper_start(rd_db *db, const char *data_dir, int64_t grace_s,
                                rd_attachment_sweeper **out);
/* Asks the thread to stop after its current deletion and waits for it. NULL is a no-op. */
void rd_attachment_sweeper_stop(rd_attachment_sweeper *w);

#endif
