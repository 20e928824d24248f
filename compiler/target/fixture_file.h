/*
 * fixture_file: one file of a recorded fixture directory (the format in
 * target.h): DIR/NAME, or DIR/NAME.gz when NAME is absent.  Needs only the
 * directory, so that resolving a description (target_desc.c) can read a
 * fixture's release before any target exists.
 */
#ifndef CTAP_TARGET_FIXTURE_FILE_H
#define CTAP_TARGET_FIXTURE_FILE_H

#include <stddef.h>

/* The whole file, malloc'd and NUL-terminated, its size in *size (if not
 * NULL); NULL when neither DIR/NAME nor DIR/NAME.gz exists. */
char *fixture_file_read(const char *dir, const char *name, size_t *size);
/* The same as text with trailing newlines and blanks removed. */
char *fixture_file_text(const char *dir, const char *name);

#endif
