/*
 * btf_emit: minimal program BTF with func_info (see btf_emit.h).
 *
 * The kernel only insists on what bpf_check_btf_info() and the callback
 * helpers look at: one FUNC per subprogram, func_info sorted by
 * instruction offset with the first at 0, and valid C identifiers.
 */
#include "bpfmc/btf_emit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "bpfmc/asm.h"
#include "util/arena.h"

static void c_ident(char *dst, size_t size, const char *name, uint32_t index)
{
	size_t i = 0;
	for (; name[i] && i + 1 < size; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			  (i > 0 && c >= '0' && c <= '9');
		dst[i] = ok ? c : '_';
	}
	dst[i] = '\0';
	if (i == 0)
		snprintf(dst, size, "func%u", index);
}

void btf_emit_close(struct btf_emit *e)
{
	if (e->btf_fd >= 0)
		close(e->btf_fd);
	e->btf_fd = -1;
	free(e->finfo);
	e->finfo = NULL;
	e->nfinfo = 0;
}

int btf_emit_load(const struct btf_emit_func *funcs, uint32_t n, struct btf_emit *out,
		  char *log, size_t log_size)
{
	out->btf_fd = -1;
	out->finfo = NULL;
	out->nfinfo = 0;
	if (log && log_size)
		log[0] = '\0';
	struct btf *btf = btf__new_empty();
	if (!btf)
		return -errno;
	int err = 0;
	int long_id = btf__add_int(btf, "long", 8, BTF_INT_SIGNED);
	int ptr_id = btf__add_ptr(btf, 0);
	if (long_id < 0 || ptr_id < 0) {
		err = long_id < 0 ? long_id : ptr_id;
		goto out;
	}
	out->finfo = xcalloc(n ? n : 1, sizeof(*out->finfo));
	for (uint32_t i = 0; i < n; i++) {
		char name[64], pname[16];
		int proto = btf__add_func_proto(btf, long_id);
		if (proto < 0) {
			err = proto;
			goto out;
		}
		for (uint32_t a = 0; a < funcs[i].nargs; a++) {
			snprintf(pname, sizeof(pname), funcs[i].main ? "ctx" : "arg%u", a);
			err = btf__add_func_param(btf, pname, funcs[i].main ? ptr_id : long_id);
			if (err < 0)
				goto out;
		}
		c_ident(name, sizeof(name), funcs[i].name, i);
		int fid = btf__add_func(btf, name, BTF_FUNC_STATIC, proto);
		if (fid < 0) {
			err = fid;
			goto out;
		}
		out->finfo[i] = (struct bpf_func_info){ .insn_off = funcs[i].insn_off,
							.type_id = (uint32_t)fid };
	}
	out->nfinfo = n;
	uint32_t size;
	const void *raw = btf__raw_data(btf, &size);
	if (!raw) {
		err = -errno;
		goto out;
	}
	LIBBPF_OPTS(bpf_btf_load_opts, opts, .log_buf = log,
		    .log_size = log ? (uint32_t)log_size : 0, .log_level = 0);
	int fd = bpf_btf_load(raw, size, &opts);
	if (fd < 0 && log && log_size) {
		/* Retry with the log on, to say why. */
		opts.log_level = 1;
		fd = bpf_btf_load(raw, size, &opts);
	}
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	out->btf_fd = fd;
out:
	btf__free(btf);
	if (err < 0) {
		free(out->finfo);
		out->finfo = NULL;
		out->nfinfo = 0;
	}
	return err < 0 ? err : 0;
}

int btf_emit_prog(const struct asm_prog *p, struct btf_emit *out, char *log, size_t log_size)
{
	struct btf_emit_func *funcs = xcalloc(p->nfuncs ? p->nfuncs : 1, sizeof(*funcs));
	for (uint32_t i = 0; i < p->nfuncs; i++)
		funcs[i] = (struct btf_emit_func){ .name = p->funcs[i].name,
						   .insn_off = p->funcs[i].start,
						   .nargs = p->funcs[i].nargs, .main = i == 0 };
	int err = btf_emit_load(funcs, p->nfuncs, out, log, log_size);
	free(funcs);
	return err;
}
