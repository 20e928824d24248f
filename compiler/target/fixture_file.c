/*
 * fixture_file: reading one file of a fixture directory (see
 * fixture_file.h).
 */
#include "target/fixture_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target/gzfile.h"
#include "util/arena.h"
#include "util/fileutil.h"

char *fixture_file_read(const char *dir, const char *name, size_t *size)
{
	char *path = NULL;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		xoom();
	char *data = file_read_all(path, size);
	free(path);
	if (data)
		return data;
	if (asprintf(&path, "%s/%s.gz", dir, name) < 0)
		xoom();
	data = file_exists(path) ? gzfile_read(path, size) : NULL;
	free(path);
	return data;
}

char *fixture_file_text(const char *dir, const char *name)
{
	char *text = fixture_file_read(dir, name, NULL);
	if (text) {
		size_t n = strlen(text);
		while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
			text[--n] = 0;
	}
	return text;
}
