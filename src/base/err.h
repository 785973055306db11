/* The one error model of rolodesk: a negative RD_E* code returned by every function that
 * can fail, and an rd_err the caller may pass to learn the HTTP status, the message and
 * where the problem is (field path, CSV line and column). The API layer renders it as the
 * JSON error body of API.md; nothing else formats errors. No allocation: fixed buffers. */
#ifndef RD_BASE_ERR_H
#define RD_BASE_ERR_H

#include <stdarg.h>

enum {
  RD_OK = 0,
  RD_EINVAL = -1,     /* 422 validation */
  RD_EBADREQ = -2,    /* 400 malformed request */
  RD_ENOTFOUND = -3,  /* 404 */
  RD_ECONFLICT = -4,  /* 409 */
  RD_EFORBIDDEN = -5, /* 403 */
  RD_EAUTH = -6,      /* 401 */
  RD_EPRECOND = -7,   /* 412 */
  RD_ETOOBIG = -8,    /* 413 */
  RD_EMEDIA = -9,     /* 415 */
  RD_ERATE = -10,     /* 429 */
  RD_EUNAVAIL = -11,  /* 503: database unreachable, retry later */
  RD_EINTERNAL = -12, /* 500 */
  RD_EIO = -13,       /* 500: file system */
  RD_EMETHOD = -14,   /* 405 */
};

#define RD_ERR_MAX_ITEMS 16
#define RD_ERR_FIELD_MAX 128
#define RD_ERR_MSG_MAX 256

typedef struct rd_err_item {
  char field[RD_ERR_FIELD_MAX]; /* dotted path, or CSV column name */
  char message[RD_ERR_MSG_MAX];
  long line; /* CSV physical line, 0 when not applicable */
} rd_err_item;

typedef struct rd_err {
  int code;   /* RD_E* */
  int status; /* HTTP status */
  int retry_after; /* seconds, for 429 */
  char message[RD_ERR_MSG_MAX];
  int nitems;
  rd_err_item items[RD_ERR_MAX_ITEMS];
} rd_err;

/* Sets code, status and the summary message; keeps items already added. Returns code so
 * callers can `return rd_err_set(err, RD_EINVAL, "...")`. err may be NULL. */
int rd_err_set(rd_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Adds one field error (field may be NULL) and sets code RD_EINVAL with the message
 * "Validation failed" unless a code is already set. Returns RD_EINVAL (or the set code). */
int rd_err_field(rd_err *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A filter value of a list query checked against its known values (allowed: NULL-terminated,
 * at least one entry): 0 when value is NULL (no filter) or one of them; otherwise 400
 * "Bad query parameter" with one item for field, "must be a, b or c", and RD_EBADREQ. */
int rd_err_enum(rd_err *err, const char *field, const char *value, const char *const *allowed);
int rd_err_status(int code);
void rd_err_clear(rd_err *err);

#endif
