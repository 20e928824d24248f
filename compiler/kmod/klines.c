/*
 * klines: the kernel's line table in the module, for symfileline(),
 * symfile() and symline() on kernel addresses (runtime/kmod/sym.c).
 *
 * The table (runtime/common/klines.h) is built from the target kernel's
 * DWARF once and cached (elaborate_kernel_lines); the module carries it
 * as read-only data, included by the assembler (.incbin), which is much
 * faster than compiling megabytes of C initializers.  Only scripts that
 * call those functions carry it.  Without the kernel's DWARF they print
 * addresses as 0x..., as SystemTap does where it has no line, and a
 * warning says why.
 */
#include <string.h>

#include "elab/elaborate.h"
#include "kmod/kmod.h"
#include "parse/ast.h"
#include "session.h"

bool km_emit_klines(struct kmod *K, struct writer *w)
{
	const char *path = elaborate_kernel_lines(K->s, K->prog);
	if (!path)
		return false;
	if (strpbrk(path, "\"\\\n")) {
		diag_warning(&K->s->diag, W_DWARF, NULL,
			     "the kernel's line table %s cannot be named to the assembler; kernel "
			     "addresses print as 0x...", path);
		return false;
	}
	kw_line(w, "asm(\".pushsection .rodata.ctap_klines, \\\"a\\\"\\n\"");
	kw_line(w, "    \".balign 8\\n_ctap_klines_blob:\\n\"");
	kw_line(w, "    \".incbin \\\"%s\\\"\\n\"", path);
	kw_line(w, "    \".popsection\\n\");");
	kw_line(w, "extern const char _ctap_klines_blob[];");
	return true;
}
