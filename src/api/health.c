/* GET /healthz (the benchmark floor: no database, no allocation beyond the response) and
 * GET /v1/openapi.json (the document in docs/, read from disk on each call). */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"

int rd_api_healthz(rd_ctx *x, rd_err *err) {
  (void)err;
  static const char ok[] = "{\"status\":\"ok\"}";
  rd_resp_body(x->req, 200, "application/json", ok, sizeof ok - 1);
  return 0;
}

int rd_api_openapi(rd_ctx *x, rd_err *err) {
  int fd = open(x->api->openapi_path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st)) {
    if (fd >= 0)
      close(fd);
    return rd_err_set(err, RD_EIO, "The OpenAPI document is not installed");
  }
  rd_resp_fd(x->req, 200, "application/json", fd, (size_t)st.st_size);
  return 0;
}
