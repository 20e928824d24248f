/* lower_builtin: kernel-side builtins (placeholder). */
#include "bpf/builtin.h"
#include <stddef.h>

builtin_kernel_fn builtin_kernel_impl(const char *name)
{
	(void)name;
	return NULL;
}
