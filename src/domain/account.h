/* Accounts (ACC-1, ACC-5): the tenants of an installation, named by a short slug, each
 * with its settings document. */
#ifndef RD_DOMAIN_ACCOUNT_H
#define RD_DOMAIN_ACCOUNT_H

#include <jansson.h>

#include "auth/caller.h"
#include "store/store.h"

/* Creates an account (409 when the id exists; 422 for a bad slug or name). */
int rd_account_create(rd_conn *c, const char *id, const char *name, rd_err *err);
/* {"id", "name", "settings"} with secrets left out. *out owned by the caller. */
int rd_account_get(rd_conn *c, const char *id, json_t **out, int64_t *version, rd_err *err);
/* {"id": ..., "name": ...}: the account reference records carry. */
json_t *rd_account_ref(rd_conn *c, const char *id);
/* Applies {"name"?, "settings"?} (settings merged into the current ones), validated;
 * account_administrator only. Audited. */
int rd_account_update(rd_conn *c, const rd_caller *who, json_t *patch, int64_t if_match,
                      rd_err *err);
/* The stored settings including secrets (for SMTP etc.). *out owned by the caller. */
int rd_account_settings(rd_conn *c, const char *id, json_t **out, rd_err *err);
/* The same for reading only: *out is a new reference the caller must not modify (within a
 * transaction it is shared with every other reader of that transaction; no copy per call,
 * which an import paid per row). */
int rd_account_settings_shared(rd_conn *c, const char *id, json_t **out, rd_err *err);
/* True when id is a well-formed account slug. */
bool rd_account_id_valid(const char *id);

#endif
