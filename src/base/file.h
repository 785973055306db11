/* Small file-system helpers shared by the stores of attachments and import files. */
#ifndef RD_BASE_FILE_H
#define RD_BASE_FILE_H

#include <stdbool.h>
#include <stddef.h>

/* mkdir -p with mode 0750: 0, or -1 with errno set. */
int rd_mkdirs(const char *path);

/* Writes all n bytes of p to fd, retrying after EINTR and short writes. */
bool rd_write_all(int fd, const char *p, size_t n);

#endif
