/* multipart/form-data: see multipart.h. Spooled bodies are read from their file. */
#include "http/multipart.h"

#include <microhttpd.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

typedef struct part_ctx {
  rd_part_fn fn;
  void *arg;
  int stopped;
} part_ctx;

static enum MHD_Result each_part(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *filename, const char *content_type,
                                 const char *transfer_encoding, const char *data, uint64_t off,
                                 size_t size) {
  part_ctx *p = cls;
  (void)kind;
  (void)transfer_encoding;
  if (p->fn(p->arg, key ? key : "", filename, content_type, data, off, size)) {
    p->stopped = 1;
    return MHD_NO;
  }
  return MHD_YES;
}

bool rd_req_is_multipart(rd_req *r) {
  const char *ct = rd_req_header(r, "Content-Type");
  return ct && !strncasecmp(ct, "multipart/form-data", 19);
}

int rd_req_multipart(rd_req *r, rd_part_fn fn, void *arg) {
  if (!rd_req_is_multipart(r))
    return -1;
  part_ctx p = {fn, arg, 0};
  struct MHD_PostProcessor *pp = MHD_create_post_processor(r->mhd_conn, 64 * 1024, each_part, &p);
  if (!pp)
    return -1;
  enum MHD_Result ok = MHD_YES;
  if (r->body_fd >= 0 && !r->body) {
    /* a spooled body is fed from its file in pieces; memory stays flat */
    char buf[64 * 1024];
    for (uint64_t off = 0; ok == MHD_YES && off < r->body_len;) {
      ssize_t n = pread(r->body_fd, buf, sizeof buf, (off_t)off);
      if (n <= 0) {
        ok = MHD_NO;
        break;
      }
      ok = MHD_post_process(pp, buf, (size_t)n);
      off += (uint64_t)n;
    }
  } else {
    ok = MHD_post_process(pp, r->body, r->body_len);
  }
  enum MHD_Result complete = MHD_destroy_post_processor(pp);
  return ok == MHD_YES && complete == MHD_YES && !p.stopped ? 0 : -1;
}
