/* multipart/form-data request bodies (uploads with several parts, e.g. an import's file
 * and its mapping), parsed by libmicrohttpd's post processor over the body, in memory or
 * spooled to a file. */
#ifndef RD_HTTP_MULTIPART_H
#define RD_HTTP_MULTIPART_H

#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

/* Called with each piece of a part's value, in order (off: where the piece starts in the
 * value). filename and content_type may be NULL. Return 0 to go on, non-zero to stop. */
typedef int (*rd_part_fn)(void *arg, const char *name, const char *filename,
                          const char *content_type, const char *data, uint64_t off, size_t len);

/* True when the request's Content-Type is multipart/form-data. */
bool rd_req_is_multipart(rd_req *r);
/* Feeds the body of r through fn, part by part. 0 when the body was a complete
 * multipart/form-data document; -1 when it was malformed or fn stopped. */
int rd_req_multipart(rd_req *r, rd_part_fn fn, void *arg);

#endif
