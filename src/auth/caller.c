/* Role names: see caller.h. */
#include "auth/caller.h"

#include <string.h>

const char *const rd_role_names[6] = {"account_administrator", "supervisor",
                                      "service_level_manager", "technician",
                                      "partner",               "customer"};

unsigned rd_role_bit(const char *name) {
  for (int i = 0; i < 6; i++)
    if (name && !strcmp(name, rd_role_names[i]))
      return 1u << i;
  return 0;
}
