/*
 * ir: builders of the BPF machine IR (see ir.h for the model and its
 * invariants), maps and read-only data, the helper table, errors, and the
 * pre-allocation dump.
 *
 * Builders validate what they can see locally (register classes, sizes,
 * immediate ranges, label ownership, argument counts) so that a
 * code-generator bug shows up at the construct that caused it rather than
 * as a verifier rejection three passes later.
 */
#include "bpfmc/ir.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag/diag.h"
#include "diag/source.h"
#include "util/arena.h"
#include "util/strbuf.h"

/* ------------------------------------------------------------ tags */

void ir_tag_describe(const struct ir_tagger *t, const void *tag, struct strbuf *out)
{
	if (tag && t && t->describe)
		t->describe(t->ctx, tag, out);
}

const struct token *ir_tag_token(const struct ir_tagger *t, const void *tag)
{
	if (tag && t && t->token)
		return t->token(t->ctx, tag);
	return NULL;
}

static void token_describe(void *ctx, const void *tag, struct strbuf *out)
{
	const struct source_table *src = ctx;
	const struct token *tok = tag;
	struct source_file *f = src ? source_get(src, tok->loc.file) : NULL;
	strbuf_printf(out, "%s:%u:%u", f ? f->name : "?", tok->loc.line, tok->loc.col);
	if (!f || tok->loc.line == 0)
		return;
	size_t len;
	const char *line = source_line(f, tok->loc.line, &len);
	while (len && (*line == ' ' || *line == '\t'))
		line++, len--;
	if (len > 48)
		len = 48;
	strbuf_putc(out, ' ');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		strbuf_putc(out, c >= 0x20 && c < 0x7f ? (char)c : ' ');
	}
}

static const struct token *token_token(void *ctx, const void *tag)
{
	(void)ctx;
	return tag;
}

void ir_tagger_for_tokens(struct ir_tagger *t, const struct source_table *sources)
{
	t->describe = token_describe;
	t->token = token_token;
	t->ctx = (void *)sources;
}

/* ------------------------------------------------------------ maps */

static void kernel_name(char dst[16], const char *name)
{
	size_t i = 0;
	for (; name[i] && i < 15; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '.';
		dst[i] = ok ? c : '_';
	}
	dst[i] = '\0';
}

struct ir_map *ir_map_new(struct arena *a, const char *name, enum bpf_map_type type,
			  uint32_t key_size, uint32_t value_size, uint32_t max_entries,
			  uint32_t flags)
{
	struct ir_map *m = arena_new_obj(a, struct ir_map);
	m->name = arena_strdup(a, name);
	kernel_name(m->kname, name);
	m->type = type;
	m->key_size = key_size;
	m->value_size = value_size;
	m->max_entries = max_entries;
	m->flags = flags;
	m->fd = -1;
	return m;
}

struct ir_map *ir_map_rodata(struct arena *a, const char *name)
{
	struct ir_map *m = ir_map_new(a, name, BPF_MAP_TYPE_ARRAY, 4, 0, 1, BPF_F_RDONLY_PROG);
	m->rodata = true;
	return m;
}

uint32_t ir_rodata_add(struct arena *a, struct ir_map *m, const void *data, uint32_t len,
		       uint32_t align)
{
	if (align == 0)
		align = 1;
	/* Reuse an identical, suitably aligned byte string. */
	for (uint32_t off = 0; len && off + len <= m->data_len; off += align)
		if (memcmp(m->data + off, data, len) == 0)
			return off;
	uint32_t off = (m->data_len + align - 1) / align * align;
	if (off + len > m->data_cap) {
		uint32_t cap = m->data_cap ? m->data_cap : 64;
		while (cap < off + len)
			cap *= 2;
		uint8_t *n = arena_alloc(a, cap);
		if (m->data_len)
			memcpy(n, m->data, m->data_len);
		m->data = n;
		m->data_cap = cap;
	}
	memset(m->data + m->data_len, 0, off - m->data_len);
	memcpy(m->data + off, data, len);
	m->data_len = off + len;
	m->value_size = (m->data_len + 7) / 8 * 8;
	return off;
}

const char *ir_map_type_name(enum bpf_map_type t)
{
	switch (t) {
	case BPF_MAP_TYPE_HASH: return "hash";
	case BPF_MAP_TYPE_ARRAY: return "array";
	case BPF_MAP_TYPE_PERCPU_HASH: return "percpu_hash";
	case BPF_MAP_TYPE_PERCPU_ARRAY: return "percpu_array";
	case BPF_MAP_TYPE_LRU_HASH: return "lru_hash";
	case BPF_MAP_TYPE_RINGBUF: return "ringbuf";
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY: return "perf_event_array";
	case BPF_MAP_TYPE_STACK_TRACE: return "stack_trace";
	default: return "map";
	}
}

const char *ir_prog_type_name(enum bpf_prog_type t)
{
	switch (t) {
	case BPF_PROG_TYPE_KPROBE: return "kprobe";
	case BPF_PROG_TYPE_TRACEPOINT: return "tracepoint";
	case BPF_PROG_TYPE_PERF_EVENT: return "perf_event";
	case BPF_PROG_TYPE_RAW_TRACEPOINT: return "raw_tracepoint";
	case BPF_PROG_TYPE_TRACING: return "tracing";
	default: return "other";
	}
}

/* ------------------------------------------------------------ helpers */

static const char *const helper_names[] = {
#define X(name) #name
	__BPF_FUNC_MAPPER(X)
#undef X
};

const char *ir_helper_name(int helper)
{
	if (helper > 0 && (size_t)helper < sizeof(helper_names) / sizeof(helper_names[0]))
		return helper_names[helper];
	return NULL;
}

/* Argument counts of the helpers a SystemTap back end is likely to call
 * (from the helper documentation in linux/bpf.h).  -2 marks variadic
 * helpers (trace_printk: 2..5). */
static const struct { int id; int nargs; } helper_arity[] = {
	{ BPF_FUNC_map_lookup_elem, 2 }, { BPF_FUNC_map_update_elem, 4 },
	{ BPF_FUNC_map_delete_elem, 2 }, { BPF_FUNC_probe_read, 3 },
	{ BPF_FUNC_ktime_get_ns, 0 }, { BPF_FUNC_trace_printk, -2 },
	{ BPF_FUNC_get_prandom_u32, 0 }, { BPF_FUNC_get_smp_processor_id, 0 },
	{ BPF_FUNC_tail_call, 3 }, { BPF_FUNC_get_current_pid_tgid, 0 },
	{ BPF_FUNC_get_current_uid_gid, 0 }, { BPF_FUNC_get_current_comm, 2 },
	{ BPF_FUNC_perf_event_output, 5 }, { BPF_FUNC_get_stackid, 3 },
	{ BPF_FUNC_get_current_task, 0 }, { BPF_FUNC_probe_read_str, 3 },
	{ BPF_FUNC_get_numa_node_id, 0 }, { BPF_FUNC_probe_write_user, 3 },
	{ BPF_FUNC_get_current_cgroup_id, 0 }, { BPF_FUNC_map_push_elem, 3 },
	{ BPF_FUNC_map_pop_elem, 2 }, { BPF_FUNC_map_peek_elem, 2 },
	{ BPF_FUNC_send_signal, 1 }, { BPF_FUNC_send_signal_thread, 1 },
	{ BPF_FUNC_probe_read_user, 3 }, { BPF_FUNC_probe_read_kernel, 3 },
	{ BPF_FUNC_probe_read_user_str, 3 }, { BPF_FUNC_probe_read_kernel_str, 3 },
	{ BPF_FUNC_jiffies64, 0 }, { BPF_FUNC_get_ns_current_pid_tgid, 4 },
	{ BPF_FUNC_ringbuf_output, 4 }, { BPF_FUNC_ringbuf_reserve, 3 },
	{ BPF_FUNC_ringbuf_submit, 2 }, { BPF_FUNC_ringbuf_discard, 2 },
	{ BPF_FUNC_ringbuf_query, 2 }, { BPF_FUNC_get_stack, 4 },
	{ BPF_FUNC_get_task_stack, 4 }, { BPF_FUNC_d_path, 3 },
	{ BPF_FUNC_copy_from_user, 3 }, { BPF_FUNC_snprintf_btf, 5 },
	{ BPF_FUNC_get_current_task_btf, 0 }, { BPF_FUNC_ktime_get_boot_ns, 0 },
	{ BPF_FUNC_ktime_get_coarse_ns, 0 }, { BPF_FUNC_snprintf, 5 },
	{ BPF_FUNC_for_each_map_elem, 4 }, { BPF_FUNC_get_func_ip, 1 },
	{ BPF_FUNC_get_attach_cookie, 1 }, { BPF_FUNC_task_pt_regs, 1 },
	{ BPF_FUNC_find_vma, 5 }, { BPF_FUNC_loop, 4 }, { BPF_FUNC_strncmp, 3 },
	{ BPF_FUNC_get_func_arg, 3 }, { BPF_FUNC_get_func_ret, 2 },
	{ BPF_FUNC_get_func_arg_cnt, 1 }, { BPF_FUNC_ktime_get_tai_ns, 0 },
	{ BPF_FUNC_perf_event_read, 2 }, { BPF_FUNC_perf_event_read_value, 4 },
	{ BPF_FUNC_override_return, 2 }, { BPF_FUNC_get_branch_snapshot, 3 },
	{ BPF_FUNC_trace_vprintk, 4 }, { BPF_FUNC_timer_init, 3 },
	{ BPF_FUNC_timer_set_callback, 2 }, { BPF_FUNC_timer_start, 3 },
	{ BPF_FUNC_timer_cancel, 1 }, { BPF_FUNC_user_ringbuf_drain, 4 },
};

int ir_helper_nargs(int helper)
{
	for (size_t i = 0; i < sizeof(helper_arity) / sizeof(helper_arity[0]); i++)
		if (helper_arity[i].id == helper)
			return helper_arity[i].nargs;
	return -1;
}

/* ------------------------------------------------------------ errors */

bool ir_failed(const struct ir *ir)
{
	return ir->failed;
}

static void ir_verror(struct ir *ir, enum diag_code code, const void *tag, const char *prefix,
		      const char *fmt, va_list ap)
{
	ir->failed = true;
	if (!ir->diag)
		return;
	struct strbuf sb = STRBUF_INIT;
	strbuf_puts(&sb, prefix);
	strbuf_vprintf(&sb, fmt, ap);
	if (ir->serves)
		strbuf_printf(&sb, " (BPF program '%s', %s)", ir->name, ir->serves);
	else
		strbuf_printf(&sb, " (BPF program '%s')", ir->name);
	diag_report(ir->diag, DIAG_SEMANTIC, code, ir_tag_token(ir->tagger, tag), "%s",
		    strbuf_str(&sb));
	strbuf_free(&sb);
}

void ir_error(struct ir *ir, const void *tag, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ir_verror(ir, D_TRANS_LIMIT, tag ? tag : ir->tag, "", fmt, ap);
	va_end(ap);
}

void ir_internal(struct ir *ir, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ir_verror(ir, D_INTERNAL, ir->tag, "internal error in the BPF back end: ", fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ programs */

static struct ir_func *func_new(struct ir *ir, const char *name, uint32_t nargs)
{
	struct ir_func *f = arena_new_obj(ir->arena, struct ir_func);
	f->name = arena_strdup(ir->arena, name);
	f->index = ir->funcs.len;
	f->nargs = nargs;
	vec_push(ir->arena, &ir->funcs, f);
	/* Entry: copy each argument out of r1..r5 into a vreg, so that only
	 * the allocator decides where it lives (r6-r9 if it crosses a call). */
	struct ir_func *prev = ir->cur;
	const void *prev_tag = ir->tag;
	ir->cur = f;
	ir->tag = NULL;
	for (uint32_t i = 0; i < nargs; i++) {
		f->args[i] = ir_new_vreg(ir);
		ir_emit_mov(ir, f->args[i], IR_R1 + i);
	}
	ir->cur = prev ? prev : f;
	ir->tag = prev_tag;
	return f;
}

struct ir *ir_new(struct arena *a, struct diag_sink *diag, const struct ir_tagger *tagger,
		  const char *name, enum bpf_prog_type type)
{
	struct ir *ir = arena_new_obj(a, struct ir);
	ir->arena = a;
	ir->diag = diag;
	ir->tagger = tagger;
	ir->name = arena_strdup(a, name);
	kernel_name(ir->kname, name);
	ir->prog_type = type;
	func_new(ir, name, 1);
	return ir;
}

ir_reg ir_ctx(struct ir *ir)
{
	return ir->funcs.items[0]->args[0];
}

struct ir_func *ir_func_new(struct ir *ir, const char *name, uint32_t nargs)
{
	if (nargs > 5) {
		ir_internal(ir, "function '%s' takes %u arguments (at most 5)", name, nargs);
		nargs = 5;
	}
	return func_new(ir, name, nargs);
}

struct ir_func *ir_func_imported(struct ir *ir, const char *name, uint32_t nargs,
				 const char *origin)
{
	struct ir_func *f = arena_new_obj(ir->arena, struct ir_func);
	if (nargs > 5) {
		ir_internal(ir, "imported function '%s' takes %u arguments (at most 5)", name, nargs);
		nargs = 5;
	}
	f->name = arena_strdup(ir->arena, name);
	f->index = ir->funcs.len;
	f->nargs = nargs;
	f->allocated = true;
	f->origin = arena_strdup(ir->arena, origin);
	vec_push(ir->arena, &ir->funcs, f);
	return f;
}

struct ir_func *ir_func_select(struct ir *ir, struct ir_func *f)
{
	if (f && f->origin) {
		ir_internal(ir, "imported function '%s' selected for emission", f->name);
		return ir->cur;
	}
	struct ir_func *prev = ir->cur;
	ir->cur = f;
	return prev;
}

ir_reg ir_func_arg(struct ir *ir, uint32_t i)
{
	if (i >= ir->cur->nargs) {
		ir_internal(ir, "function '%s' has no argument %u", ir->cur->name, i);
		return ir->cur->args[0];
	}
	return ir->cur->args[i];
}

const void *ir_set_tag(struct ir *ir, const void *tag)
{
	const void *prev = ir->tag;
	ir->tag = tag;
	return prev;
}

ir_reg ir_new_vreg(struct ir *ir)
{
	ir_reg r = IR_VREG_BASE + ir->nvregs++;
	vec_push(ir->arena, &ir->vreg_func, ir->cur ? ir->cur->index : 0);
	vec_push(ir->arena, &ir->vreg_flags, 0);
	return r;
}

ir_label ir_new_label(struct ir *ir)
{
	vec_push(ir->arena, &ir->label_func, -1);
	return ir->nlabels++;
}

void ir_append(struct ir *ir, struct ir_func *f, const struct ir_insn *insn)
{
	vec_push(ir->arena, &f->insns, *insn);
}

/* Checks a register operand: known, owned by the current function, and
 * in a class the code generator may name. */
uint32_t ir_pos(const struct ir *ir)
{
	return ir->cur->insns.len;
}

void ir_move_tail(struct ir *ir, uint32_t at, uint32_t mid)
{
	struct ir_func *f = ir->cur;
	uint32_t len = f->insns.len;
	if (at > mid || mid > len) {
		ir_internal(ir, "ir_move_tail(%u, %u) outside 0..%u", at, mid, len);
		return;
	}
	uint32_t n = len - mid;
	if (!n || at == mid)
		return;
	struct ir_insn *tmp = xmalloc(sizeof(*tmp) * n);
	memcpy(tmp, &f->insns.items[mid], sizeof(*tmp) * n);
	memmove(&f->insns.items[at + n], &f->insns.items[at], sizeof(*tmp) * (mid - at));
	memcpy(&f->insns.items[at], tmp, sizeof(*tmp) * n);
	free(tmp);
}

static void prune_func(struct ir *ir, struct ir_func *f)
{
	uint32_t n = f->insns.len;
	if (!n)
		return;
	/* label -> position of its IRK_LABEL */
	int32_t *at = xmalloc(sizeof(int32_t) * (ir->nlabels + 1));
	for (uint32_t i = 0; i < ir->nlabels; i++)
		at[i] = -1;
	for (uint32_t i = 0; i < n; i++)
		if (f->insns.items[i].kind == IRK_LABEL)
			at[f->insns.items[i].label] = (int32_t)i;
	uint8_t *live = xcalloc(n, 1);
	uint32_t *work = xmalloc(sizeof(uint32_t) * (n + 1));
	uint32_t nw = 0;
	work[nw++] = 0;
	live[0] = 1;
	while (nw) {
		uint32_t i = work[--nw];
		const struct ir_insn *in = &f->insns.items[i];
		uint32_t succ[2];
		uint32_t ns = 0;
		if (in->kind == IRK_JA || in->kind == IRK_JCC) {
			if (in->label < ir->nlabels && at[in->label] >= 0)
				succ[ns++] = (uint32_t)at[in->label];
		}
		if (in->kind != IRK_JA && in->kind != IRK_EXIT && i + 1 < n)
			succ[ns++] = i + 1;
		for (uint32_t k = 0; k < ns; k++)
			if (!live[succ[k]]) {
				live[succ[k]] = 1;
				work[nw++] = succ[k];
			}
	}
	uint32_t out = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct ir_insn *in = &f->insns.items[i];
		if (!live[i])
			continue;
		/* a jump to the label right after it (labels only in between) */
		if (in->kind == IRK_JA) {
			uint32_t j = i + 1;
			while (j < n && f->insns.items[j].kind == IRK_LABEL &&
			       f->insns.items[j].label != in->label)
				j++;
			if (j < n && f->insns.items[j].kind == IRK_LABEL &&
			    f->insns.items[j].label == in->label)
				continue;
		}
		f->insns.items[out++] = *in;
	}
	f->insns.len = out;
	free(at);
	free(live);
	free(work);
}

void ir_prune_dead(struct ir *ir)
{
	vec_foreach(&ir->funcs, i)
		prune_func(ir, ir->funcs.items[i]);
}

static bool reg_ok(struct ir *ir, ir_reg r, bool write)
{
	if (r == IR_NOREG || (r >= IR_NPHYS && r < IR_VREG_BASE) ||
	    (ir_is_vreg(r) && r - IR_VREG_BASE >= ir->nvregs)) {
		ir_internal(ir, "bad register %u", r);
		return false;
	}
	if (ir_is_vreg(r) && ir->vreg_func.items[r - IR_VREG_BASE] != ir->cur->index) {
		ir_internal(ir, "register %%%u used outside its function", r);
		return false;
	}
	if (r >= IR_R6 && r <= IR_R9) {
		ir_internal(ir, "r%u is reserved for the register allocator", r);
		return false;
	}
	if (write && r == IR_FP) {
		ir_internal(ir, "the frame pointer r10 is read-only");
		return false;
	}
	return true;
}

static void emit(struct ir *ir, struct ir_insn insn)
{
	insn.tag = ir->tag;
	ir_append(ir, ir->cur, &insn);
}

/* ------------------------------------------------------------ stack */

int16_t ir_stack_alloc(struct ir *ir, uint32_t size, uint32_t align)
{
	struct ir_func *f = ir->cur;
	if (align == 0 || align > 8 || (align & (align - 1)))
		align = 8;
	uint32_t top = (f->stack + size + align - 1) / align * align;
	if (size == 0 || top > IR_STACK_MAX) {
		ir_error(ir, NULL, "BPF stack budget exceeded: %u bytes needed in '%s', at most %u",
			 top, f->name, IR_STACK_MAX);
		return -8; /* harmless: keeps emission going after the error */
	}
	f->stack = top;
	return (int16_t)-(int32_t)top;
}

void ir_emit_stack_zero(struct ir *ir, int16_t off, uint32_t size)
{
	int32_t o = off, end = off + (int32_t)size;
	while (o < end) {
		uint32_t n = 8;
		while (n > 1 && (o + (int32_t)n > end || (o & (int32_t)(n - 1))))
			n /= 2;
		ir_emit_store_imm(ir, n, IR_FP, (int16_t)o, 0);
		o += (int32_t)n;
	}
}

/* ------------------------------------------------------------ ALU */

static bool fits_s32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

static void alu(struct ir *ir, enum ir_alu op, ir_reg dst, ir_reg src, int64_t imm,
		uint8_t flags)
{
	if (!reg_ok(ir, dst, true) || (!(flags & IRF_IMM) && op != IR_NEG && !reg_ok(ir, src, false)))
		return;
	if ((flags & IRF_IMM) && op != IR_NEG && !fits_s32(imm)) {
		/* Out of the 32-bit immediate range: go through a register. */
		ir_reg t = ir_new_vreg(ir);
		ir_emit_ld_imm64(ir, t, imm);
		alu(ir, op, dst, t, 0, flags & ~IRF_IMM);
		return;
	}
	if (op == IR_NEG)
		flags |= IRF_IMM, src = IR_NOREG, imm = 0;
	emit(ir, (struct ir_insn){ .kind = IRK_ALU, .op = op, .flags = flags, .dst = dst,
				   .src = (flags & IRF_IMM) ? IR_NOREG : src, .imm = imm });
}

void ir_emit_alu(struct ir *ir, enum ir_alu op, ir_reg dst, ir_reg src)
{
	alu(ir, op, dst, src, 0, 0);
}

void ir_emit_alu_imm(struct ir *ir, enum ir_alu op, ir_reg dst, int64_t imm)
{
	if (op == IR_MOV) {
		ir_emit_mov_imm(ir, dst, imm);
		return;
	}
	alu(ir, op, dst, IR_NOREG, imm, IRF_IMM);
}

void ir_emit_alu32(struct ir *ir, enum ir_alu op, ir_reg dst, ir_reg src)
{
	alu(ir, op, dst, src, 0, IRF_ALU32);
}

void ir_emit_alu32_imm(struct ir *ir, enum ir_alu op, ir_reg dst, int32_t imm)
{
	alu(ir, op, dst, IR_NOREG, imm, IRF_IMM | IRF_ALU32);
}

void ir_emit_alu3(struct ir *ir, enum ir_alu op, ir_reg dst, ir_reg a, ir_reg b)
{
	if (dst == b && dst != a) {
		/* dst = a op dst: compute in a temporary so b is read intact. */
		ir_reg t = ir_new_vreg(ir);
		ir_emit_mov(ir, t, a);
		ir_emit_alu(ir, op, t, b);
		ir_emit_mov(ir, dst, t);
		return;
	}
	if (dst != a)
		ir_emit_mov(ir, dst, a);
	ir_emit_alu(ir, op, dst, b);
}

void ir_emit_mov(struct ir *ir, ir_reg dst, ir_reg src)
{
	alu(ir, IR_MOV, dst, src, 0, 0);
}

void ir_emit_mov_imm(struct ir *ir, ir_reg dst, int64_t imm)
{
	if (fits_s32(imm))
		alu(ir, IR_MOV, dst, IR_NOREG, imm, IRF_IMM);
	else if (imm >= 0 && imm <= UINT32_MAX)
		alu(ir, IR_MOV, dst, IR_NOREG, (int32_t)(uint32_t)imm, IRF_IMM | IRF_ALU32);
	else
		ir_emit_ld_imm64(ir, dst, imm);
}

void ir_emit_neg(struct ir *ir, ir_reg dst)
{
	alu(ir, IR_NEG, dst, IR_NOREG, 0, IRF_IMM);
}

void ir_emit_bswap(struct ir *ir, ir_reg dst, bool to_big_endian, uint32_t bits)
{
	if (bits != 16 && bits != 32 && bits != 64) {
		ir_internal(ir, "byte swap of %u bits", bits);
		return;
	}
	if (!reg_ok(ir, dst, true))
		return;
	emit(ir, (struct ir_insn){ .kind = IRK_END, .op = to_big_endian, .dst = dst,
				   .src = IR_NOREG, .imm = bits });
}

/* ------------------------------------------------------------ pseudo loads */

void ir_emit_ld_imm64(struct ir *ir, ir_reg dst, int64_t imm)
{
	if (reg_ok(ir, dst, true))
		emit(ir, (struct ir_insn){ .kind = IRK_LD_IMM64, .dst = dst, .src = IR_NOREG,
					   .imm = imm });
}

void ir_emit_ld_map(struct ir *ir, ir_reg dst, const struct ir_map *m)
{
	if (reg_ok(ir, dst, true))
		emit(ir, (struct ir_insn){ .kind = IRK_LD_MAP, .dst = dst, .src = IR_NOREG,
					   .ref.map = m });
}

void ir_emit_ld_map_value(struct ir *ir, ir_reg dst, const struct ir_map *m, uint32_t off)
{
	if (m->type != BPF_MAP_TYPE_ARRAY) {
		ir_internal(ir, "direct value access needs an array map ('%s' is a %s)", m->name,
			    ir_map_type_name(m->type));
		return;
	}
	if (reg_ok(ir, dst, true))
		emit(ir, (struct ir_insn){ .kind = IRK_LD_MAP_VALUE, .dst = dst, .src = IR_NOREG,
					   .ref.map = m, .imm = off });
}

void ir_emit_ld_func(struct ir *ir, ir_reg dst, const struct ir_func *f)
{
	if (f->index == 0) {
		ir_internal(ir, "the main function cannot be a callback");
		return;
	}
	if (reg_ok(ir, dst, true))
		emit(ir, (struct ir_insn){ .kind = IRK_LD_FUNC, .dst = dst, .src = IR_NOREG,
					   .ref.func = f });
}

/* ------------------------------------------------------------ memory */

static bool size_ok(struct ir *ir, uint32_t size)
{
	if (size == 1 || size == 2 || size == 4 || size == 8)
		return true;
	ir_internal(ir, "memory access of %u bytes", size);
	return false;
}

void ir_emit_load(struct ir *ir, uint32_t size, ir_reg dst, ir_reg base, int16_t off)
{
	if (size_ok(ir, size) && reg_ok(ir, dst, true) && reg_ok(ir, base, false))
		emit(ir, (struct ir_insn){ .kind = IRK_LOAD, .size = size, .dst = dst, .src = base,
					   .off = off });
}

void ir_emit_store(struct ir *ir, uint32_t size, ir_reg base, int16_t off, ir_reg src)
{
	if (size_ok(ir, size) && reg_ok(ir, base, false) && reg_ok(ir, src, false))
		emit(ir, (struct ir_insn){ .kind = IRK_STORE, .size = size, .dst = base, .src = src,
					   .off = off });
}

void ir_emit_store_imm(struct ir *ir, uint32_t size, ir_reg base, int16_t off, int32_t imm)
{
	if (size_ok(ir, size) && reg_ok(ir, base, false))
		emit(ir, (struct ir_insn){ .kind = IRK_STORE_IMM, .size = size, .dst = base,
					   .src = IR_NOREG, .off = off, .imm = imm });
}

void ir_emit_atomic(struct ir *ir, enum ir_atomic op, uint32_t size, ir_reg base, int16_t off,
		    ir_reg src, bool fetch)
{
	if (size != 4 && size != 8) {
		ir_internal(ir, "atomic operation on %u bytes", size);
		return;
	}
	if (op == IR_ATOMIC_XCHG)
		fetch = true;
	if (!reg_ok(ir, base, false) || !reg_ok(ir, src, fetch))
		return;
	emit(ir, (struct ir_insn){ .kind = IRK_ATOMIC, .op = op, .size = size,
				   .flags = fetch ? IRF_FETCH : 0, .dst = base, .src = src,
				   .off = off });
}

/* ------------------------------------------------------------ control flow */

static bool label_ok(struct ir *ir, ir_label l)
{
	if (l >= ir->nlabels) {
		ir_internal(ir, "unknown label L%u", l);
		return false;
	}
	return true;
}

void ir_bind_label(struct ir *ir, ir_label l)
{
	if (!label_ok(ir, l))
		return;
	if (ir->label_func.items[l] != -1) {
		ir_internal(ir, "label L%u bound twice", l);
		return;
	}
	ir->label_func.items[l] = (int32_t)ir->cur->index;
	emit(ir, (struct ir_insn){ .kind = IRK_LABEL, .label = l, .dst = IR_NOREG,
				   .src = IR_NOREG });
}

void ir_emit_jmp(struct ir *ir, ir_label l)
{
	if (label_ok(ir, l))
		emit(ir, (struct ir_insn){ .kind = IRK_JA, .label = l, .dst = IR_NOREG,
					   .src = IR_NOREG });
}

static void jcc(struct ir *ir, enum ir_cond c, ir_reg a, ir_reg b, int64_t imm, uint8_t flags,
		ir_label l)
{
	if (!label_ok(ir, l) || !reg_ok(ir, a, false))
		return;
	if (flags & IRF_IMM) {
		if (!fits_s32(imm)) {
			ir_reg t = ir_new_vreg(ir);
			ir_emit_ld_imm64(ir, t, imm);
			jcc(ir, c, a, t, 0, flags & ~IRF_IMM, l);
			return;
		}
		b = IR_NOREG;
	} else if (!reg_ok(ir, b, false)) {
		return;
	}
	emit(ir, (struct ir_insn){ .kind = IRK_JCC, .op = c, .flags = flags, .dst = a, .src = b,
				   .imm = imm, .label = l });
}

void ir_emit_may_goto(struct ir *ir, ir_label l)
{
	/* r10 as an operand the register allocator leaves alone */
	emit(ir, (struct ir_insn){ .kind = IRK_JCC, .op = IR_MAY_GOTO, .flags = IRF_IMM,
				   .dst = IR_FP, .src = IR_NOREG, .label = l });
}

void ir_emit_jcc(struct ir *ir, enum ir_cond c, ir_reg a, ir_reg b, ir_label l)
{
	jcc(ir, c, a, b, 0, 0, l);
}

void ir_emit_jcc_imm(struct ir *ir, enum ir_cond c, ir_reg a, int64_t imm, ir_label l)
{
	jcc(ir, c, a, IR_NOREG, imm, IRF_IMM, l);
}

void ir_emit_jcc32(struct ir *ir, enum ir_cond c, ir_reg a, ir_reg b, ir_label l)
{
	jcc(ir, c, a, b, 0, IRF_ALU32, l);
}

void ir_emit_jcc32_imm(struct ir *ir, enum ir_cond c, ir_reg a, int32_t imm, ir_label l)
{
	jcc(ir, c, a, IR_NOREG, imm, IRF_IMM | IRF_ALU32, l);
}

void ir_emit_exit(struct ir *ir, ir_reg value)
{
	if (!reg_ok(ir, value, false))
		return;
	ir_emit_mov(ir, IR_R0, value);
	emit(ir, (struct ir_insn){ .kind = IRK_EXIT, .dst = IR_NOREG, .src = IR_NOREG });
}

void ir_emit_exit_imm(struct ir *ir, int32_t value)
{
	ir_emit_mov_imm(ir, IR_R0, value);
	emit(ir, (struct ir_insn){ .kind = IRK_EXIT, .dst = IR_NOREG, .src = IR_NOREG });
}

/* ------------------------------------------------------------ calls */

static void set_arg(struct ir *ir, ir_reg r, const struct ir_arg *a)
{
	switch (a->kind) {
	case IR_ARG_REG:
		ir_emit_mov(ir, r, a->reg);
		break;
	case IR_ARG_IMM:
		ir_emit_mov_imm(ir, r, a->imm);
		break;
	case IR_ARG_STACK:
		ir_emit_mov(ir, r, IR_FP);
		ir_emit_alu_imm(ir, IR_ADD, r, a->imm);
		break;
	case IR_ARG_MAP:
		ir_emit_ld_map(ir, r, a->map);
		break;
	case IR_ARG_MAP_VALUE:
		ir_emit_ld_map_value(ir, r, a->map, (uint32_t)a->imm);
		break;
	case IR_ARG_FUNC:
		ir_emit_ld_func(ir, r, a->func);
		break;
	}
}

static void call(struct ir *ir, ir_reg dst, struct ir_insn insn, const struct ir_arg *args,
		 uint32_t nargs)
{
	if (nargs > 5) {
		ir_internal(ir, "call with %u arguments (at most 5)", nargs);
		return;
	}
	if (dst != IR_NOREG && !reg_ok(ir, dst, true))
		return;
	/* Register arguments are read before any r1..r5 is written, so a
	 * source that the allocator put in an argument register is safe:
	 * every source's interval ends at its own move, and the fixed
	 * intervals of r1..rN start after those moves. */
	for (uint32_t i = 0; i < nargs; i++)
		set_arg(ir, IR_R1 + i, &args[i]);
	insn.nargs = (uint8_t)nargs;
	insn.dst = insn.src = IR_NOREG;
	emit(ir, insn);
	if (dst != IR_NOREG)
		ir_emit_mov(ir, dst, IR_R0);
}

void ir_call_helper_n(struct ir *ir, ir_reg dst, int helper, const struct ir_arg *args,
		      uint32_t nargs)
{
	int want = ir_helper_nargs(helper);
	if ((want >= 0 && (uint32_t)want != nargs) || (want == -2 && (nargs < 2 || nargs > 5))) {
		ir_internal(ir, "helper %s takes %d arguments, not %u", ir_helper_name(helper),
			    want, nargs);
		return;
	}
	call(ir, dst, (struct ir_insn){ .kind = IRK_CALL, .imm = helper }, args, nargs);
}

void ir_call_func_n(struct ir *ir, ir_reg dst, const struct ir_func *f, const struct ir_arg *args,
		    uint32_t nargs)
{
	if (f->index == 0 || nargs != f->nargs) {
		ir_internal(ir, "call of '%s' with %u arguments", f->name, nargs);
		return;
	}
	call(ir, dst, (struct ir_insn){ .kind = IRK_CALL_FUNC, .ref.func = f }, args, nargs);
}

/* ------------------------------------------------------------ dump */

const char *ir_reg_name(ir_reg r, char buf[16])
{
	if (r == IR_NOREG)
		snprintf(buf, 16, "-");
	else if (ir_is_vreg(r))
		snprintf(buf, 16, "%%%u", r - IR_VREG_BASE);
	else
		snprintf(buf, 16, "r%u", r);
	return buf;
}

static const char *const alu_sym[] = {
	[IR_ADD] = "+=", [IR_SUB] = "-=", [IR_MUL] = "*=", [IR_DIV] = "/=", [IR_MOD] = "%=",
	[IR_SDIV] = "s/=", [IR_SMOD] = "s%=", [IR_OR] = "|=", [IR_AND] = "&=", [IR_XOR] = "^=",
	[IR_LSH] = "<<=", [IR_RSH] = ">>=", [IR_ARSH] = "s>>=", [IR_MOV] = "=", [IR_NEG] = "= -",
};
static const char *const cond_sym[] = {
	[IR_JEQ] = "==", [IR_JNE] = "!=", [IR_JGT] = ">", [IR_JGE] = ">=", [IR_JLT] = "<",
	[IR_JLE] = "<=", [IR_JSGT] = "s>", [IR_JSGE] = "s>=", [IR_JSLT] = "s<",
	[IR_JSLE] = "s<=", [IR_JSET] = "&", [IR_MAY_GOTO] = "may_goto",
};
static const char *const atomic_sym[] = {
	[IR_ATOMIC_ADD] = "add", [IR_ATOMIC_OR] = "or", [IR_ATOMIC_AND] = "and",
	[IR_ATOMIC_XOR] = "xor", [IR_ATOMIC_XCHG] = "xchg",
};

static void dump_insn(const struct ir_insn *in, struct strbuf *sb)
{
	char a[16], b[16];
	const char *w = (in->flags & IRF_ALU32) ? "32" : "";
	switch ((enum ir_kind)in->kind) {
	case IRK_ALU:
		if (in->op == IR_NEG)
			strbuf_printf(sb, "%s = -%s%s", ir_reg_name(in->dst, a), a, w);
		else if (in->flags & IRF_IMM)
			strbuf_printf(sb, "%s %s%s %lld", ir_reg_name(in->dst, a), alu_sym[in->op], w,
				      (long long)in->imm);
		else
			strbuf_printf(sb, "%s %s%s %s", ir_reg_name(in->dst, a), alu_sym[in->op], w,
				      ir_reg_name(in->src, b));
		break;
	case IRK_END:
		strbuf_printf(sb, "%s = %s%lld %s", ir_reg_name(in->dst, a), in->op ? "be" : "le",
			      (long long)in->imm, a);
		break;
	case IRK_LD_IMM64:
		strbuf_printf(sb, "%s = %#llx ll", ir_reg_name(in->dst, a),
			      (unsigned long long)in->imm);
		break;
	case IRK_LD_MAP:
		strbuf_printf(sb, "%s = map[%s]", ir_reg_name(in->dst, a), in->ref.map->name);
		break;
	case IRK_LD_MAP_VALUE:
		strbuf_printf(sb, "%s = &map[%s]+%lld", ir_reg_name(in->dst, a), in->ref.map->name,
			      (long long)in->imm);
		break;
	case IRK_LD_FUNC:
		strbuf_printf(sb, "%s = &%s", ir_reg_name(in->dst, a), in->ref.func->name);
		break;
	case IRK_LOAD:
		strbuf_printf(sb, "%s = *(u%u *)(%s %+d)", ir_reg_name(in->dst, a), in->size * 8,
			      ir_reg_name(in->src, b), in->off);
		break;
	case IRK_STORE:
		strbuf_printf(sb, "*(u%u *)(%s %+d) = %s", in->size * 8, ir_reg_name(in->dst, a),
			      in->off, ir_reg_name(in->src, b));
		break;
	case IRK_STORE_IMM:
		strbuf_printf(sb, "*(u%u *)(%s %+d) = %lld", in->size * 8, ir_reg_name(in->dst, a),
			      in->off, (long long)in->imm);
		break;
	case IRK_ATOMIC:
		strbuf_printf(sb, "atomic_%s%s((u%u *)(%s %+d), %s)", (in->flags & IRF_FETCH) ? "fetch_" : "",
			      atomic_sym[in->op], in->size * 8, ir_reg_name(in->dst, a), in->off,
			      ir_reg_name(in->src, b));
		break;
	case IRK_JA:
		strbuf_printf(sb, "goto L%u", in->label);
		break;
	case IRK_JCC:
		if (in->op == IR_MAY_GOTO)
			strbuf_printf(sb, "may_goto L%u", in->label);
		else if (in->flags & IRF_IMM)
			strbuf_printf(sb, "if %s %s%s %lld goto L%u", ir_reg_name(in->dst, a),
				      cond_sym[in->op], w, (long long)in->imm, in->label);
		else
			strbuf_printf(sb, "if %s %s%s %s goto L%u", ir_reg_name(in->dst, a),
				      cond_sym[in->op], w, ir_reg_name(in->src, b), in->label);
		break;
	case IRK_CALL: {
		const char *n = ir_helper_name((int)in->imm);
		strbuf_printf(sb, "call %s#%lld (%u args)", n ? n : "helper", (long long)in->imm,
			      in->nargs);
		break;
	}
	case IRK_CALL_FUNC:
		strbuf_printf(sb, "call %s (%u args)", in->ref.func->name, in->nargs);
		break;
	case IRK_EXIT:
		strbuf_puts(sb, "exit");
		break;
	case IRK_LABEL:
		strbuf_printf(sb, "L%u:", in->label);
		break;
	}
}

void ir_dump(const struct ir *ir, struct strbuf *out)
{
	vec_foreach(&ir->funcs, fi) {
		const struct ir_func *f = ir->funcs.items[fi];
		if (f->origin) {
			strbuf_printf(out, "%s: %u insns, %u bytes of stack, imported from %s\n",
				      f->name, f->ncode, f->stack, f->origin);
			continue;
		}
		strbuf_printf(out, "%s: %u insns, %u bytes of stack%s\n", f->name, f->insns.len,
			      f->stack, f->allocated ? ", allocated" : "");
		vec_foreach(&f->insns, i) {
			const struct ir_insn *in = &f->insns.items[i];
			struct strbuf line = STRBUF_INIT;
			strbuf_printf(&line, in->kind == IRK_LABEL ? "%4u: " : "%4u:   ", i);
			dump_insn(in, &line);
			if (in->tag && ir->tagger && ir->tagger->describe) {
				while (line.len < 44)
					strbuf_putc(&line, ' ');
				strbuf_puts(&line, " ; ");
				ir_tag_describe(ir->tagger, in->tag, &line);
			}
			strbuf_puts(out, strbuf_str(&line));
			strbuf_putc(out, '\n');
			strbuf_free(&line);
		}
	}
}
