/*
 * lower_match: the groups of `=~` in kernel-side handlers - matched() and
 * ngroups() (language.md §14).
 *
 * When the script asks for groups anywhere (plan: track_groups), every
 * successful =~ copies its subject into the per-CPU `matchbuf` and runs
 * the submatch engine of runtime/common/submatch.c over the regex's
 * program (pass 2's, in the read-only map) as a bpf_loop of
 * fmt_match_unit, so that the verifier checks one step, not the whole
 * search; a failed =~ and the start of each handler that uses them set
 * matchbuf's group count to -1.  matched(n) copies the group's bytes out
 * of matchbuf; its errors are the user-space handlers' (interp_builtin.c).
 */
#include "bpf/lower_int.h"

#include "bpf/feature.h"
#include "bpf/fmt_helpers.h"
#include "diag/diag.h"
#include "util/arena.h"
#include "util/redfa.h"

static struct ir_map *match_map(struct lower *L)
{
	struct bpf_plan *pl = L->pl;
	if (!pl->matchbuf)
		pl->matchbuf = ir_map_new(pl->arena, "matchbuf", BPF_MAP_TYPE_PERCPU_ARRAY, 4,
					  FMT_HELPERS_MATCH_SIZE(lw_cover_mask(pl->lim.maxstringlen) + 1),
					  1, 0);
	return pl->matchbuf;
}

/* r = &matchbuf value (jumps to `fail` if the lookup fails); *slot: the
 * key's stack slot, 16 bytes, free for the caller afterwards */
static ir_reg match_lookup(struct lower *L, ir_label fail, int16_t *slot)
{
	struct ir *ir = L->ir;
	*slot = lower_stack(L, 16);
	ir_emit_store_imm(ir, 8, IR_FP, *slot, 0);
	ir_reg r = ir_new_vreg(ir);
	ir_call_helper(ir, r, BPF_FUNC_map_lookup_elem, ir_arg_map(match_map(L)), ir_arg_stack(*slot));
	ir_emit_jcc_imm(ir, IR_JEQ, r, 0, fail);
	L->uses_match = true;
	return r;
}

/* matchbuf's group count = -1 (no successful =~ yet, or it failed) */
static void match_forget(struct lower *L)
{
	struct ir *ir = L->ir;
	ir_label skip = ir_new_label(ir);
	int16_t slot;
	ir_reg mb = match_lookup(L, skip, &slot);
	ir_emit_store_imm(ir, 4, mb, 0, -1);
	ir_bind_label(ir, skip);
}

void lower_match_reset(struct lower *L)
{
	if (L->uses_match)
		match_forget(L);
}

bool lower_match_track(struct lower *L, struct expr *e, struct smem s, ir_reg matched)
{
	struct ir *ir = L->ir;
	const struct submatch_prog *p = e->u.regex.sub;
	if (!L->pl->track_groups)
		return true;
	if (!p) {
		/* pass 2 refused it (elab/checks.c) */
		ir_internal(ir, "=~ without its submatch program");
		L->failed = true;
		return false;
	}
	uint64_t steps = submatch_steps_max(p, L->pl->lim.maxstringlen);
	if (steps > (1u << 23)) {
		diag_error(L->diag, D_TRANS_LIMIT, e->u.regex.pattern_tok ? e->u.regex.pattern_tok : e->tok,
			   "this regular expression's groups cannot be tracked for matched() in "
			   "kernel-side BPF handlers: a search may take %llu steps, bpf_loop's limit is %u",
			   (unsigned long long)steps, 1u << 23);
		L->failed = true;
		return false;
	}
	if (!feature_available(FEATURE_BPF_LOOP))
		return lower_unsupported(L, e->tok, "matched() without bpf_loop (kernel before 5.17)");
	struct ir_func *begin = lower_fb_helper(L, "fmt_match_begin"),
		       *unit = lower_fb_helper(L, "fmt_match_unit"), *end = lower_fb_helper(L, "fmt_match_end");
	if (!begin || !unit || !end)
		return false;
	ir_label failed = ir_new_label(ir), done = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JEQ, matched, 0, failed);
	int16_t slot;
	ir_reg mb = match_lookup(L, done, &slot);
	/* the subject, its NUL included */
	ir_reg subj = ir_new_vreg(ir);
	ir_emit_mov(ir, subj, mb);
	ir_emit_alu_imm(ir, IR_ADD, subj, FMT_HELPERS_MATCH_SUBJECT);
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_probe_read_kernel, ir_arg_reg(subj), ir_arg_imm(s.width),
		       ir_arg_reg(lower_addr(L, s)));
	ir_reg len = lower_str_len(L, s);
	ir_call_func(ir, IR_NOREG, begin, ir_arg_reg(mb), ir_arg_reg(len));
	/* the callback's context: matchbuf, then the program */
	uint32_t off = ir_rodata_add(L->pl->arena, L->pl->rodata, p, e->u.regex.sub_size, 8);
	ir_reg prog = ir_new_vreg(ir);
	ir_emit_ld_map_value(ir, prog, L->pl->rodata, off);
	ir_emit_store(ir, 8, IR_FP, slot, mb);
	ir_emit_store(ir, 8, IR_FP, slot + 8, prog);
	ir_call_helper(ir, IR_NOREG, BPF_FUNC_loop, ir_arg_imm((uint32_t)steps), ir_arg_func(unit),
		       ir_arg_stack(slot), ir_arg_imm(0));
	ir_emit_ld_map_value(ir, prog, L->pl->rodata, off);
	ir_call_func(ir, IR_NOREG, end, ir_arg_reg(mb), ir_arg_reg(prog));
	ir_emit_jmp(ir, done);
	ir_bind_label(ir, failed);
	match_forget(L);
	ir_bind_label(ir, done);
	return true;
}

bool lower_matched(struct lower *L, const struct token *tok, ir_reg n, struct smem dst)
{
	struct ir *ir = L->ir;
	if (!feature_available(FEATURE_BPF_LOOP))
		return lower_unsupported(L, tok, "matched() without bpf_loop (kernel before 5.17)");
	struct ir_func *group = lower_fb_helper(L, "fmt_match_group");
	if (!group)
		return false;
	ir_label fail = ir_new_label(ir), bad = ir_new_label(ir), ok = ir_new_label(ir);
	int16_t slot, fslot;
	ir_reg mb = match_lookup(L, fail, &slot);
	ir_reg fb = lower_fb_lookup(L, fail, &fslot);
	ir_reg len = ir_new_vreg(ir);
	ir_call_func(ir, len, group, ir_arg_reg(mb), ir_arg_reg(fb), ir_arg_reg(n));
	ir_emit_jcc_imm(ir, IR_JSGE, len, 0, ok);
	ir_emit_jcc_imm(ir, IR_JNE, len, -1, bad);
	lower_raise(L, tok, "Attempted to get subexpression {err} from failed match", ES_ERRNO_ADDR, n,
		    n, NULL);
	ir_bind_label(ir, bad);
	lower_raise(L, tok, "Attempted to get nonexistent subexpression {err}", ES_ERRNO_ADDR, n, n,
		    NULL);
	ir_bind_label(ir, ok);
	lower_fb_text_out(L, fb, FB_OUT(L->pl), fail, dst);
	return true;
}

ir_reg lower_ngroups(struct lower *L, const struct token *tok)
{
	struct ir *ir = L->ir;
	ir_label fail = ir_new_label(ir), ok = ir_new_label(ir);
	ir_reg n = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, n, 0);
	int16_t slot;
	ir_reg mb = match_lookup(L, fail, &slot);
	ir_emit_load(ir, 4, n, mb, 0);
	/* sign-extend the int32 count */
	ir_emit_alu_imm(ir, IR_LSH, n, 32);
	ir_emit_alu_imm(ir, IR_ARSH, n, 32);
	ir_emit_jcc_imm(ir, IR_JSGE, n, 0, ok);
	lower_raise(L, tok, "Attempted to get subexpression count from failed match", ES_NONE, IR_NOREG,
		    IR_NOREG, NULL);
	ir_bind_label(ir, fail);
	ir_bind_label(ir, ok);
	return n;
}
