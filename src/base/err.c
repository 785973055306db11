/* rd_err: see err.h. */
#include "base/err.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int rd_err_status(int code) {
  switch (code) {
  case RD_OK: return 200;
  case RD_EINVAL: return 422;
  case RD_EBADREQ: return 400;
  case RD_ENOTFOUND: return 404;
  case RD_ECONFLICT: return 409;
  case RD_EFORBIDDEN: return 403;
  case RD_EAUTH: return 401;
  case RD_EPRECOND: return 412;
  case RD_ETOOBIG: return 413;
  case RD_EMEDIA: return 415;
  case RD_ERATE: return 429;
  case RD_EUNAVAIL: return 503;
  case RD_EMETHOD: return 405;
  default: return 500;
  }
}

void rd_err_clear(rd_err *err) {
  if (err)
    memset(err, 0, sizeof *err);
}

int rd_err_set(rd_err *err, int code, const char *fmt, ...) {
  if (!err)
    return code;
  err->code = code;
  err->status = rd_err_status(code);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return code;
}

int rd_err_field(rd_err *err, const char *field, const char *fmt, ...) {
  if (!err)
    return RD_EINVAL;
  if (!err->code) {
    err->code = RD_EINVAL;
    err->status = 422;
    snprintf(err->message, sizeof err->message, "Validation failed");
  }
  if (err->nitems < RD_ERR_MAX_ITEMS) {
    rd_err_item *it = &err->items[err->nitems++];
    snprintf(it->field, sizeof it->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->message, sizeof it->message, fmt, ap);
    va_end(ap);
    it->line = 0;
  }
  return err->code;
}

int rd_err_enum(rd_err *err, const char *field, const char *value, const char *const *allowed) {
  int n = 0;
  bool known = !value;
  for (; allowed[n]; n++)
    known = known || !strcmp(value, allowed[n]);
  if (known)
    return 0;
  char list[RD_ERR_MSG_MAX] = "";
  size_t len = 0;
  for (int i = 0; i < n && len < sizeof list; i++)
    len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
                            i == 0 ? "" : i == n - 1 ? " or " : ", ", allowed[i]);
  rd_err_set(err, RD_EBADREQ, "Bad query parameter");
  rd_err_field(err, field, "must be %s", list);
  return RD_EBADREQ;
}
