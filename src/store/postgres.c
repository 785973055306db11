/* PostgreSQL backend: placeholder until issue 3 lands; refuses to open. */
#include "store/store.h"

static int pg_open(const char *uri, rd_conn **out, rd_err *err) {
  (void)uri;
  (void)out;
  return rd_err_set(err, RD_EUNAVAIL, "PostgreSQL backend not built yet");
}

const rd_store_ops rd_postgres_ops = {.name = "postgresql", .open = pg_open};
