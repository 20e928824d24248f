/*
 * gzfile: reading a whole (possibly gzip-compressed) file (see gzfile.h).
 */
#include "target/gzfile.h"

#include <zlib.h>

#include "util/arena.h"

char *gzfile_read(const char *path, size_t *size)
{
	gzFile gz = gzopen(path, "rb");
	if (!gz)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (cap - n < 4096) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		int r = gzread(gz, buf + n, (unsigned)(cap - n - 1));
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	gzclose(gz);
	buf[n] = 0;
	if (size)
		*size = n;
	return buf;
}
