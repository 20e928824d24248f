/*
 * gzfile: a whole file, gzip-compressed or not, in memory.  Fixtures store
 * large files as NAME.gz and the running kernel's .config is
 * /proc/config.gz; zlib's gzread passes plain files through unchanged.
 */
#ifndef CTAP_TARGET_GZFILE_H
#define CTAP_TARGET_GZFILE_H

#include <stddef.h>

/* The malloc'd, NUL-terminated contents of path (and its size in *size
 * when size is not NULL), or NULL when it cannot be opened. */
char *gzfile_read(const char *path, size_t *size);

#endif
