/* fileutil: small file-system helpers shared by the driver and passes. */
#ifndef CTAP_FILEUTIL_H
#define CTAP_FILEUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Read a whole file (or stdin for "-") into a malloc'd NUL-terminated
 * buffer.  Returns NULL with errno set on failure. */
char *file_read_all(const char *path, size_t *len);
/* Same for an open descriptor (read until EOF). */
char *fd_read_all(int fd, size_t *len);
bool file_exists(const char *path);
bool dir_exists(const char *path);
/* mkdir -p; returns 0 or -1 with errno. */
int mkdir_p(const char *path, int mode);
/* rm -rf; returns 0 or -1. */
int remove_tree(const char *path);

#endif
