/* /v1/items (CUST-7): HTTP in, one call of src/domain/item.c, HTTP out; the exports as
 * text/csv and as an .xlsx workbook, written to a temporary file of the request and sent
 * from it (the HTTP layer streams a file: memory stays flat however long the list). Who
 * sees which item is the domain's rule, not the handlers'. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "domain/item.h"

static const char *const LIST_PARAMS[] = {"per_page",   "cursor",   "q",      "organization",
                                          "location",   "department", "category", "status",
                                          "person",     NULL};
static const char *const EXPORT_PARAMS[] = {"q",        "organization", "location", "department",
                                            "category", "status",       "person",   NULL};
static const char *const PAGE_PARAMS[] = {"per_page", "cursor", NULL};

/* The filters of a list or an export from the query (400 when a value is bad). */
static int filter(rd_ctx *x, rd_item_filter *f, rd_err *err) {
  memset(f, 0, sizeof *f);
  f->q = rd_req_query(x->req, "q");
  f->category = rd_req_query(x->req, "category");
  f->status = rd_req_query(x->req, "status");
  int rv = rd_err_enum(err, "status", f->status, rd_item_statuses);
  if (!rv)
    rv = rd_api_query_id(x, "organization", &f->organization, err);
  if (!rv)
    rv = rd_api_query_id(x, "location", &f->location, err);
  if (!rv)
    rv = rd_api_query_id(x, "department", &f->department, err);
  if (!rv)
    rv = rd_api_query_id(x, "person", &f->person, err);
  return rv;
}

int rd_api_item_list(rd_ctx *x, rd_err *err) {
  int64_t after = 0, last = 0;
  int limit = 0;
  bool more = false;
  rd_item_filter f;
  int rv = rd_api_query_check(x, LIST_PARAMS, err);
  if (!rv)
    rv = rd_api_page(x, &after, &limit, err);
  if (!rv)
    rv = filter(x, &f, err);
  rd_buf page;
  rd_buf_init(&page);
  if (!rv)
    rv = rd_item_list_text(x->db, &x->who, &f, after, limit, &page, &last, &more, err);
  if (!rv)
    rd_api_list_text(x, &page, last, more);
  rd_buf_term(&page);
  return rv;
}

int rd_api_item_get(rd_ctx *x, rd_err *err) {
  return rd_api_rec_get_as(x, &rd_item_type, rd_item_get, err);
}

int rd_api_item_create(rd_ctx *x, rd_err *err) {
  return rd_api_rec_create_as(x, &rd_item_type, rd_item_get, err);
}

int rd_api_item_patch(rd_ctx *x, rd_err *err) {
  return rd_api_rec_patch_as(x, &rd_item_type, rd_item_get, err);
}

int rd_api_item_delete(rd_ctx *x, rd_err *err) {
  return rd_api_rec_delete(x, &rd_item_type, err);
}

/* GET /v1/items/export.csv and /v1/items/export.xlsx: the format is the route's. */
int rd_api_item_export(rd_ctx *x, rd_err *err) {
  bool xlsx = strstr(x->route->pattern, ".xlsx") != NULL;
  rd_item_filter f;
  int rv = rd_api_query_check(x, EXPORT_PARAMS, err);
  if (!rv)
    rv = filter(x, &f, err);
  if (rv)
    return rv;
  int fd = rd_req_tmpfile(x->req); /* the request's: closed when it ends */
  if (fd < 0)
    return rd_err_set(err, RD_EIO, "Cannot create a temporary file for the export");
  rv = rd_item_export(x->db, &x->who, &f, xlsx ? RD_ITEM_XLSX : RD_ITEM_CSV, fd, err);
  struct stat st;
  int out = -1;
  if (!rv && (fstat(fd, &st) != 0 || (out = dup(fd)) < 0))
    rv = rd_err_set(err, RD_EIO, "Cannot read the export back");
  if (rv)
    return rv;
  rd_resp_header(x->req, "Content-Disposition",
                 xlsx ? "attachment; filename=\"items.xlsx\""
                      : "attachment; filename=\"items.csv\"");
  rd_resp_fd(x->req, 200,
             xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                  : "text/csv; charset=utf-8",
             out, (size_t)st.st_size);
  /* gzip would read the whole file into memory (the HTTP layer compresses in one go) */
  x->req->resp_identity = true;
  return 0;
}

/* GET /v1/people/{id}/items: owned and shared items, each with its relation. */
int rd_api_person_items(rd_ctx *x, rd_err *err) {
  int64_t person = 0, after = 0;
  int limit = 0;
  json_t *rows = NULL;
  bool more = false;
  int rv = rd_api_id(x, 0, &person, err);
  if (!rv)
    rv = rd_api_query_check(x, PAGE_PARAMS, err);
  if (!rv)
    rv = rd_api_page(x, &after, &limit, err);
  if (!rv)
    rv = rd_item_of_person(x->db, &x->who, person, after, limit, &rows, &more, err);
  if (!rv)
    rd_api_list(x, rows, more);
  return rv;
}
