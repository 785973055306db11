/* Attachments (ORG-1 remarks): files uploaded by people of an account, stored on disk
 * under <data dir>/attachments/<account>/<key>, described by a row, and served only to
 * people of the uploading account. Keys are 128-bit random, base64url. */
#ifndef RD_DOMAIN_ATTACHMENT_H
#define RD_DOMAIN_ATTACHMENT_H

#include <jansson.h>
#include <stddef.h>

#include "auth/caller.h"
#include "store/store.h"

#define RD_ATTACHMENT_MAX (20u * 1024 * 1024)
#define RD_FILENAME_MAX 255

/* Stores data as a new attachment; *out is {"key", "filename", "size", "content_type"}. */
int rd_attachment_create(rd_conn *c, const rd_caller *who, const char *data_dir,
                         const char *filename, const char *content_type, const char *data,
                         size_t len, json_t **out, rd_err *err);
/* Opens an attachment of the caller's account: *fd (caller closes), size, type, name. */
int rd_attachment_open(rd_conn *c, const rd_caller *who, const char *data_dir, const char *key,
                       int *fd, json_t **meta, rd_err *err);

#endif
