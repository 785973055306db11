/* Who is asking: the authenticated person, its account and roles (ACC-2, ACC-4). Every
 * domain function takes the caller and checks what it may do; the API layer fills it
 * from the token. A caller with person_id 0 is the system (CLI, jobs). */
#ifndef RD_AUTH_CALLER_H
#define RD_AUTH_CALLER_H

#include <stdbool.h>
#include <stdint.h>

#define RD_ACCOUNT_ID_MAX 32

enum {
  RD_ROLE_ACCOUNT_ADMINISTRATOR = 1 << 0,
  RD_ROLE_SUPERVISOR = 1 << 1,
  RD_ROLE_SERVICE_LEVEL_MANAGER = 1 << 2,
  RD_ROLE_TECHNICIAN = 1 << 3,
  RD_ROLE_PARTNER = 1 << 4,
  RD_ROLE_CUSTOMER = 1 << 5,
};
#define RD_ROLES_ALL 0x3Fu
#define RD_ROLES_STAFF                                                                        \
  (RD_ROLE_ACCOUNT_ADMINISTRATOR | RD_ROLE_SUPERVISOR | RD_ROLE_SERVICE_LEVEL_MANAGER |       \
   RD_ROLE_TECHNICIAN)
#define RD_ROLES_ADMIN RD_ROLE_ACCOUNT_ADMINISTRATOR

typedef struct rd_caller {
  char account_id[RD_ACCOUNT_ID_MAX + 1];
  int64_t person_id;
  unsigned roles;
  char name[130]; /* for the audit trail */
  int64_t session_id; /* the api_tokens row of this request's login session, 0: none */
  bool directory;     /* LDAP-2: the directory sync, which alone writes what the directory keeps */
} rd_caller;

/* Role names in API order; rd_role_bit returns 0 for an unknown name. */
extern const char *const rd_role_names[6];
unsigned rd_role_bit(const char *name);
static inline bool rd_caller_has(const rd_caller *c, unsigned roles) {
  return (c->roles & roles) != 0;
}

#endif
