/*
 * why: setting an explanation slot (see why.h).
 */
#include "target/why.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/arena.h"

void why_set(char **slot, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(*slot);
	*slot = NULL;
	if (vasprintf(slot, fmt, ap) < 0)
		xoom();
	va_end(ap);
}
