/*
 * regalloc: linear-scan register allocation of the BPF IR (see regalloc.h).
 *
 * Per function, repeated until nothing spills:
 *   1. positions: instruction i reads its operands at 2i+2 and writes its
 *      result at 2i+3 (function entry writes the argument registers at 1);
 *   2. basic blocks and vreg liveness, giving each vreg one conservative
 *      interval [first, last] position.  Liveness is computed per vreg by
 *      walking backwards from its upward-exposed uses through predecessor
 *      blocks until its definitions: the cost is the size of the live
 *      ranges, not blocks x vregs (which is quadratic in program size);
 *   3. fixed intervals of r0-r5: where the builders' argument/result moves
 *      keep them live, plus one point per call where r0-r5 are clobbered.
 *      A vreg whose interval covers a call therefore cannot get r0-r5 and
 *      lands in r6-r9 (callee-saved for helpers and bpf-to-bpf calls);
 *   4. linear scan in order of interval start, preferring the register a
 *      move suggests (so most moves become self-moves and vanish), then
 *      r0-r5 (keeping r6-r9 for values that cross calls); when nothing is
 *      free the interval ending last is spilled, whole ("spill
 *      everywhere"): its uses load from and its definitions store to an
 *      8-byte stack slot through fresh unspillable temporaries.
 *
 * Spills are full 8-byte, 8-aligned stores, which the verifier tracks with
 * the register's type (scalar bounds, PTR_TO_MAP_VALUE, PTR_TO_CTX, ...),
 * so spilled pointers stay usable.  Vregs spilled in one round share
 * slots when their intervals do not overlap.
 */
#include "bpfmc/regalloc.h"

#include <stdlib.h>
#include <string.h>

#include "bpfmc/ir.h"
#include "util/arena.h"

#define MAX_ROUNDS 64

struct range {
	int32_t s, e;
};

struct ra {
	struct ir *ir;
	struct ir_func *f;
	uint32_t n;              /* instructions */

	/* vregs of this function, numbered locally 0..nv-1 */
	uint32_t nv;
	uint32_t *local;         /* global vreg index -> local, UINT32_MAX if foreign */
	ir_reg *global;          /* local -> vreg */

	/* blocks */
	uint32_t nb;
	uint32_t *bstart, *bend; /* inclusive instruction indexes */
	uint32_t *bsucc;         /* 2 per block, UINT32_MAX = none */
	uint32_t *block_of;      /* instruction -> block */

	/* predecessors (CSR) */
	uint32_t *pred_start, *preds;
	/* per vreg: blocks with an upward-exposed use, blocks defining it (CSR) */
	uint32_t *ue_start, *ue_blocks, *def_start, *def_blocks;

	/* intervals */
	int32_t *start, *end;
	int32_t *hint_phys;      /* suggested physical register or -1 */
	uint32_t *hint_vreg;     /* suggested local vreg to share with, or UINT32_MAX */

	/* fixed intervals of r0..r5, sorted, disjoint */
	struct range *fixed[6];
	uint32_t nfixed[6], capfixed[6];

	int32_t *assign;         /* local -> physical register, -1 none, -2 spilled */
	bool any_spill;
};

#define NONE UINT32_MAX

static int32_t use_pos(uint32_t i)
{
	return (int32_t)(2 * i + 2);
}

static int32_t def_pos(uint32_t i)
{
	return (int32_t)(2 * i + 3);
}

/* --------------------------------------------------------- operands */

struct operands {
	ir_reg use[5];
	uint32_t nuse;
	ir_reg def;              /* IR_NOREG if none */
};

static void add_use(struct operands *o, ir_reg r)
{
	if (r != IR_NOREG && r != IR_FP)
		o->use[o->nuse++] = r;
}

static void operands(const struct ir_insn *in, struct operands *o)
{
	o->nuse = 0;
	o->def = IR_NOREG;
	bool imm = in->flags & IRF_IMM;
	switch ((enum ir_kind)in->kind) {
	case IRK_ALU:
		if (in->op != IR_MOV)
			add_use(o, in->dst);
		if (!imm && in->op != IR_NEG)
			add_use(o, in->src);
		o->def = in->dst;
		break;
	case IRK_END:
		add_use(o, in->dst);
		o->def = in->dst;
		break;
	case IRK_LD_IMM64:
	case IRK_LD_MAP:
	case IRK_LD_MAP_VALUE:
	case IRK_LD_FUNC:
		o->def = in->dst;
		break;
	case IRK_LOAD:
		add_use(o, in->src);
		o->def = in->dst;
		break;
	case IRK_STORE:
		add_use(o, in->dst);
		add_use(o, in->src);
		break;
	case IRK_STORE_IMM:
		add_use(o, in->dst);
		break;
	case IRK_ATOMIC:
		add_use(o, in->dst);
		add_use(o, in->src);
		if (in->flags & IRF_FETCH)
			o->def = in->src;
		break;
	case IRK_JCC:
		add_use(o, in->dst);
		if (!imm)
			add_use(o, in->src);
		break;
	case IRK_CALL:
	case IRK_CALL_FUNC:
		for (uint32_t a = 0; a < in->nargs; a++)
			add_use(o, IR_R1 + a);
		o->def = IR_R0;
		break;
	case IRK_EXIT:
		add_use(o, IR_R0);
		break;
	case IRK_JA:
	case IRK_LABEL:
		break;
	}
	if (o->def == IR_FP)
		o->def = IR_NOREG;
}

static bool is_call(const struct ir_insn *in)
{
	return in->kind == IRK_CALL || in->kind == IRK_CALL_FUNC;
}

static bool ends_block(const struct ir_insn *in)
{
	return in->kind == IRK_JA || in->kind == IRK_JCC || in->kind == IRK_EXIT;
}

/* --------------------------------------------------------- set-up */

static void ra_free(struct ra *ra)
{
	free(ra->local);
	free(ra->global);
	free(ra->bstart);
	free(ra->bend);
	free(ra->bsucc);
	free(ra->block_of);
	free(ra->pred_start);
	free(ra->preds);
	free(ra->ue_start);
	free(ra->ue_blocks);
	free(ra->def_start);
	free(ra->def_blocks);
	free(ra->start);
	free(ra->end);
	free(ra->hint_phys);
	free(ra->hint_vreg);
	free(ra->assign);
	for (int r = 0; r < 6; r++)
		free(ra->fixed[r]);
	struct ir *ir = ra->ir;
	struct ir_func *f = ra->f;
	memset(ra, 0, sizeof(*ra));
	ra->ir = ir;
	ra->f = f;
}

static uint32_t lv(const struct ra *ra, ir_reg r)
{
	return ir_is_vreg(r) ? ra->local[r - IR_VREG_BASE] : NONE;
}

static bool number_vregs(struct ra *ra)
{
	struct ir *ir = ra->ir;
	ra->local = xcalloc(ir->nvregs + 1, sizeof(uint32_t));
	ra->global = xcalloc(ir->nvregs + 1, sizeof(ir_reg));
	for (uint32_t g = 0; g < ir->nvregs; g++) {
		ra->local[g] = NONE;
		if (ir->vreg_func.items[g] == ra->f->index) {
			ra->local[g] = ra->nv;
			ra->global[ra->nv++] = IR_VREG_BASE + g;
		}
	}
	/* Every register operand must be this function's vreg or r0-r5/r10. */
	vec_foreach(&ra->f->insns, i) {
		struct operands o;
		operands(&ra->f->insns.items[i], &o);
		for (uint32_t k = 0; k <= o.nuse; k++) {
			ir_reg r = k < o.nuse ? o.use[k] : o.def;
			if (r == IR_NOREG || (!ir_is_vreg(r) && r <= IR_R5))
				continue;
			if (!ir_is_vreg(r) || lv(ra, r) == NONE) {
				ir_internal(ir, "register %u misused in '%s'", r, ra->f->name);
				return false;
			}
		}
	}
	return true;
}

static bool build_blocks(struct ra *ra)
{
	struct ir *ir = ra->ir;
	const struct ir_insn *insns = ra->f->insns.items;
	uint32_t n = ra->n;
	uint32_t *label_at = xcalloc(ir->nlabels + 1, sizeof(uint32_t));
	for (uint32_t l = 0; l < ir->nlabels; l++)
		label_at[l] = NONE;
	ra->block_of = xcalloc(n + 1, sizeof(uint32_t));
	ra->bstart = xcalloc(n + 1, sizeof(uint32_t));
	ra->bend = xcalloc(n + 1, sizeof(uint32_t));
	ra->bsucc = xcalloc(2 * (n + 1), sizeof(uint32_t));
	for (uint32_t i = 0; i < n; i++) {
		if (i == 0 || insns[i].kind == IRK_LABEL || ends_block(&insns[i - 1])) {
			if (ra->nb)
				ra->bend[ra->nb - 1] = i - 1;
			ra->bstart[ra->nb++] = i;
		}
		ra->block_of[i] = ra->nb - 1;
		if (insns[i].kind == IRK_LABEL)
			label_at[insns[i].label] = i;
	}
	if (ra->nb)
		ra->bend[ra->nb - 1] = n - 1;
	bool ok = true;
	for (uint32_t b = 0; b < ra->nb; b++) {
		const struct ir_insn *last = &insns[ra->bend[b]];
		uint32_t *s = &ra->bsucc[2 * b];
		s[0] = s[1] = NONE;
		if (last->kind != IRK_JA && last->kind != IRK_EXIT)
			s[0] = b + 1 < ra->nb ? b + 1 : NONE;
		if (last->kind == IRK_JA || last->kind == IRK_JCC) {
			uint32_t at = label_at[last->label];
			if (at == NONE) {
				ir_internal(ir, "jump to label L%u, not bound in '%s'", last->label,
					    ra->f->name);
				ok = false;
			} else {
				s[1] = ra->block_of[at];
			}
		}
	}
	free(label_at);
	return ok;
}

/* --------------------------------------------------------- liveness */

static void predecessors(struct ra *ra)
{
	ra->pred_start = xcalloc(ra->nb + 2, sizeof(uint32_t));
	for (uint32_t b = 0; b < ra->nb; b++)
		for (int k = 0; k < 2; k++)
			if (ra->bsucc[2 * b + k] != NONE)
				ra->pred_start[ra->bsucc[2 * b + k] + 1]++;
	for (uint32_t b = 0; b < ra->nb; b++)
		ra->pred_start[b + 1] += ra->pred_start[b];
	ra->preds = xcalloc(ra->pred_start[ra->nb] + 1, sizeof(uint32_t));
	uint32_t *fill = xcalloc(ra->nb + 1, sizeof(uint32_t));
	for (uint32_t b = 0; b < ra->nb; b++)
		for (int k = 0; k < 2; k++) {
			uint32_t sb = ra->bsucc[2 * b + k];
			if (sb != NONE)
				ra->preds[ra->pred_start[sb] + fill[sb]++] = b;
		}
	free(fill);
}

/* Per vreg, the blocks where it is read before being written (upward-
 * exposed uses) and the blocks that write it, as CSR lists.  Two passes:
 * count, then fill; stamps (block + 1) dedupe within a block. */
static void block_sets(struct ra *ra)
{
	uint32_t nv = ra->nv;
	uint32_t *def_in = xcalloc(nv + 1, sizeof(uint32_t));  /* block+1 of last def seen */
	uint32_t *ue_mark = xcalloc(nv + 1, sizeof(uint32_t));
	uint32_t *def_mark = xcalloc(nv + 1, sizeof(uint32_t));
	ra->ue_start = xcalloc(nv + 2, sizeof(uint32_t));
	ra->def_start = xcalloc(nv + 2, sizeof(uint32_t));
	uint32_t *ue_fill = NULL, *def_fill = NULL;
	for (int pass = 0; pass < 2; pass++) {
		memset(def_in, 0, (nv + 1) * sizeof(uint32_t));
		memset(ue_mark, 0, (nv + 1) * sizeof(uint32_t));
		memset(def_mark, 0, (nv + 1) * sizeof(uint32_t));
		for (uint32_t b = 0; b < ra->nb; b++) {
			for (uint32_t i = ra->bstart[b]; i <= ra->bend[b]; i++) {
				struct operands o;
				operands(&ra->f->insns.items[i], &o);
				for (uint32_t k = 0; k < o.nuse; k++) {
					uint32_t v = lv(ra, o.use[k]);
					if (v == NONE || def_in[v] == b + 1 || ue_mark[v] == b + 1)
						continue;
					ue_mark[v] = b + 1;
					if (pass == 0)
						ra->ue_start[v + 1]++;
					else
						ra->ue_blocks[ra->ue_start[v] + ue_fill[v]++] = b;
				}
				uint32_t v = lv(ra, o.def);
				if (v == NONE)
					continue;
				def_in[v] = b + 1;
				if (def_mark[v] == b + 1)
					continue;
				def_mark[v] = b + 1;
				if (pass == 0)
					ra->def_start[v + 1]++;
				else
					ra->def_blocks[ra->def_start[v] + def_fill[v]++] = b;
			}
		}
		if (pass == 0) {
			for (uint32_t v = 0; v < nv; v++) {
				ra->ue_start[v + 1] += ra->ue_start[v];
				ra->def_start[v + 1] += ra->def_start[v];
			}
			ra->ue_blocks = xcalloc(ra->ue_start[nv] + 1, sizeof(uint32_t));
			ra->def_blocks = xcalloc(ra->def_start[nv] + 1, sizeof(uint32_t));
			ue_fill = xcalloc(nv + 1, sizeof(uint32_t));
			def_fill = xcalloc(nv + 1, sizeof(uint32_t));
		}
	}
	free(def_in);
	free(ue_mark);
	free(def_mark);
	free(ue_fill);
	free(def_fill);
}

static void extend(struct ra *ra, uint32_t v, int32_t p)
{
	if (ra->start[v] < 0 || p < ra->start[v])
		ra->start[v] = p;
	if (p > ra->end[v])
		ra->end[v] = p;
}

static void hint(struct ra *ra, const struct ir_insn *in)
{
	if (in->kind != IRK_ALU || in->op != IR_MOV || (in->flags & (IRF_IMM | IRF_ALU32)))
		return;
	uint32_t d = lv(ra, in->dst), s = lv(ra, in->src);
	if (d != NONE && s == NONE && in->src != IR_FP && ra->hint_phys[d] < 0)
		ra->hint_phys[d] = (int32_t)in->src;
	if (s != NONE && d == NONE && ra->hint_phys[s] < 0)
		ra->hint_phys[s] = (int32_t)in->dst;
	if (d != NONE && s != NONE) {
		if (ra->hint_vreg[d] == NONE)
			ra->hint_vreg[d] = s;
		if (ra->hint_vreg[s] == NONE)
			ra->hint_vreg[s] = d;
	}
}

/* An internal error at the first instruction reading local vreg v. */
static void report_undefined(struct ra *ra, uint32_t v)
{
	const void *tag = NULL;
	for (uint32_t i = 0; i < ra->n && !tag; i++) {
		struct operands o;
		operands(&ra->f->insns.items[i], &o);
		for (uint32_t k = 0; k < o.nuse; k++)
			if (lv(ra, o.use[k]) == v)
				tag = ra->f->insns.items[i].tag;
	}
	const void *saved = ir_set_tag(ra->ir, tag);
	ir_internal(ra->ir, "%%%u may be read before it is written in '%s'",
		    ra->global[v] - IR_VREG_BASE, ra->f->name);
	ir_set_tag(ra->ir, saved);
}

static void intervals(struct ra *ra)
{
	ra->start = xcalloc(ra->nv + 1, sizeof(int32_t));
	ra->end = xcalloc(ra->nv + 1, sizeof(int32_t));
	ra->hint_phys = xcalloc(ra->nv + 1, sizeof(int32_t));
	ra->hint_vreg = xcalloc(ra->nv + 1, sizeof(uint32_t));
	for (uint32_t v = 0; v < ra->nv; v++) {
		ra->start[v] = ra->end[v] = -1;
		ra->hint_phys[v] = -1;
		ra->hint_vreg[v] = NONE;
	}
	/* every read and write */
	for (uint32_t i = 0; i < ra->n; i++) {
		const struct ir_insn *insn = &ra->f->insns.items[i];
		struct operands o;
		operands(insn, &o);
		for (uint32_t k = 0; k < o.nuse; k++) {
			uint32_t v = lv(ra, o.use[k]);
			if (v != NONE)
				extend(ra, v, use_pos(i));
		}
		uint32_t v = lv(ra, o.def);
		if (v != NONE)
			extend(ra, v, def_pos(i));
		hint(ra, insn);
	}
	/* live across block boundaries: walk back from upward-exposed uses
	 * (live-in) through predecessors (live-out) until a definition */
	predecessors(ra);
	block_sets(ra);
	uint32_t *seen = xcalloc(ra->nb + 1, sizeof(uint32_t));
	uint32_t *defd = xcalloc(ra->nb + 1, sizeof(uint32_t)); /* blocks writing v */
	uint32_t *stack = xcalloc(ra->nb + 1, sizeof(uint32_t));
	bool undefined_reported = false;
	for (uint32_t v = 0; v < ra->nv; v++) {
		uint32_t sp = 0, stamp = v + 1;
		for (uint32_t k = ra->def_start[v]; k < ra->def_start[v + 1]; k++)
			defd[ra->def_blocks[k]] = stamp;
		for (uint32_t k = ra->ue_start[v]; k < ra->ue_start[v + 1]; k++) {
			uint32_t b = ra->ue_blocks[k];
			seen[b] = stamp;
			stack[sp++] = b;
		}
		while (sp) {
			uint32_t b = stack[--sp];
			if (b == 0 && !undefined_reported) {
				/* live at the function's entry: some path reads it
				 * before any writes it (the verifier would take a
				 * spilled one from stale stack) */
				report_undefined(ra, v);
				undefined_reported = true;
			}
			extend(ra, v, use_pos(ra->bstart[b]));
			for (uint32_t k = ra->pred_start[b]; k < ra->pred_start[b + 1]; k++) {
				uint32_t p = ra->preds[k];
				extend(ra, v, def_pos(ra->bend[p]));
				if (seen[p] != stamp && defd[p] != stamp) {
					seen[p] = stamp;
					stack[sp++] = p;
				}
			}
		}
	}
	free(seen);
	free(defd);
	free(stack);
}

/* --------------------------------------------------------- fixed intervals */

static void fixed_push(struct ra *ra, int r, int32_t s, int32_t e)
{
	if (ra->nfixed[r] == ra->capfixed[r]) {
		ra->capfixed[r] = ra->capfixed[r] ? ra->capfixed[r] * 2 : 16;
		ra->fixed[r] = xrealloc(ra->fixed[r], ra->capfixed[r] * sizeof(struct range));
	}
	ra->fixed[r][ra->nfixed[r]++] = (struct range){ s, e };
}

static bool fixed_intervals(struct ra *ra)
{
	int32_t open_s[6], open_e[6];
	for (int r = 0; r < 6; r++)
		open_s[r] = -1;
	for (uint32_t a = 0; a < ra->f->nargs; a++)
		open_s[1 + a] = open_e[1 + a] = 1;
	for (uint32_t i = 0; i < ra->n; i++) {
		const struct ir_insn *in = &ra->f->insns.items[i];
		if (in->kind == IRK_LABEL) {
			/* Physical registers never live across a label. */
			for (int r = 0; r < 6; r++)
				if (open_s[r] >= 0) {
					fixed_push(ra, r, open_s[r], open_e[r]);
					open_s[r] = -1;
				}
			continue;
		}
		struct operands o;
		operands(in, &o);
		for (uint32_t k = 0; k < o.nuse; k++) {
			ir_reg r = o.use[k];
			if (ir_is_vreg(r))
				continue;
			if (open_s[r] < 0) {
				ir_internal(ra->ir, "r%u read in '%s' (instruction %u) without being set",
					    r, ra->f->name, i);
				return false;
			}
			open_e[r] = use_pos(i);
		}
		if (is_call(in))
			for (int r = 1; r < 6; r++) {
				if (open_s[r] >= 0) {
					fixed_push(ra, r, open_s[r], open_e[r]);
					open_s[r] = -1;
				}
				fixed_push(ra, r, def_pos(i), def_pos(i));
			}
		if (o.def != IR_NOREG && !ir_is_vreg(o.def)) {
			int r = (int)o.def;
			if (open_s[r] >= 0)
				fixed_push(ra, r, open_s[r], open_e[r]);
			open_s[r] = open_e[r] = def_pos(i);
		}
		if (ends_block(in))
			for (int r = 0; r < 6; r++)
				if (open_s[r] >= 0) {
					fixed_push(ra, r, open_s[r], open_e[r]);
					open_s[r] = -1;
				}
	}
	for (int r = 0; r < 6; r++)
		if (open_s[r] >= 0)
			fixed_push(ra, r, open_s[r], open_e[r]);
	return true;
}

/* Whether physical register r is busy with a fixed use somewhere in [s, e]. */
static bool fixed_overlaps(const struct ra *ra, int r, int32_t s, int32_t e)
{
	if (r > 5)
		return false;
	const struct range *v = ra->fixed[r];
	uint32_t lo = 0, hi = ra->nfixed[r];
	while (lo < hi) { /* first range ending at or after s */
		uint32_t mid = (lo + hi) / 2;
		if (v[mid].e < s)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ra->nfixed[r] && v[lo].s <= e;
}

/* --------------------------------------------------------- linear scan */

static int by_start(const void *a, const void *b, void *arg)
{
	const struct ra *ra = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int32_t sx = ra->start[x], sy = ra->start[y];
	if (sx != sy)
		return sx < sy ? -1 : 1;
	return x < y ? -1 : x > y;
}

static bool spillable(const struct ra *ra, uint32_t v)
{
	return !(ra->ir->vreg_flags.items[ra->global[v] - IR_VREG_BASE] & IR_VREG_NOSPILL);
}

static bool scan(struct ra *ra)
{
	uint32_t *order = xcalloc(ra->nv + 1, sizeof(uint32_t));
	uint32_t *active = xcalloc(ra->nv + 1, sizeof(uint32_t));
	uint32_t norder = 0, nactive = 0;
	ra->assign = xcalloc(ra->nv + 1, sizeof(int32_t));
	for (uint32_t v = 0; v < ra->nv; v++) {
		ra->assign[v] = -1;
		if (ra->start[v] >= 0)
			order[norder++] = v;
	}
	qsort_r(order, norder, sizeof(uint32_t), by_start, ra);

	static const int pref[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	bool ok = true;
	for (uint32_t k = 0; k < norder && ok; k++) {
		uint32_t v = order[k];
		int32_t s = ra->start[v], e = ra->end[v];
		/* expire */
		uint32_t j = 0;
		for (uint32_t a = 0; a < nactive; a++)
			if (ra->end[active[a]] >= s)
				active[j++] = active[a];
		nactive = j;
		bool busy[10] = { false };
		for (uint32_t a = 0; a < nactive; a++)
			busy[ra->assign[active[a]]] = true;
		bool usable[10];
		for (int r = 0; r < 10; r++)
			usable[r] = !fixed_overlaps(ra, r, s, e);
		int pick = -1;
		int hp = ra->hint_phys[v];
		if (hp >= 0 && hp < 10 && usable[hp] && !busy[hp])
			pick = hp;
		uint32_t hv = ra->hint_vreg[v];
		if (pick < 0 && hv != NONE && ra->assign[hv] >= 0 && usable[ra->assign[hv]] &&
		    !busy[ra->assign[hv]])
			pick = ra->assign[hv];
		for (int p = 0; pick < 0 && p < 10; p++)
			if (usable[pref[p]] && !busy[pref[p]])
				pick = pref[p];
		if (pick < 0) {
			/* Spill the active interval ending last (among those whose
			 * register v could use), or v itself if it ends later. */
			int victim = -1;
			for (uint32_t a = 0; a < nactive; a++) {
				uint32_t u = active[a];
				if (!usable[ra->assign[u]] || !spillable(ra, u))
					continue;
				if (victim < 0 || ra->end[u] > ra->end[active[victim]])
					victim = (int)a;
			}
			if (victim >= 0 && (ra->end[active[victim]] > e || !spillable(ra, v))) {
				uint32_t u = active[victim];
				pick = ra->assign[u];
				ra->assign[u] = -2;
				ra->any_spill = true;
				active[victim] = active[--nactive];
			} else if (spillable(ra, v)) {
				ra->assign[v] = -2;
				ra->any_spill = true;
				continue;
			} else {
				ir_internal(ra->ir, "out of registers in '%s'", ra->f->name);
				ok = false;
				break;
			}
		}
		ra->assign[v] = pick;
		active[nactive++] = v;
	}
	free(order);
	free(active);
	return ok;
}

/* --------------------------------------------------------- rewriting */

static void push(struct ir_insn **out, uint32_t *n, uint32_t *cap, struct ir_insn in)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*out = xrealloc(*out, *cap * sizeof(**out));
	}
	(*out)[(*n)++] = in;
}

static void replace_in(struct ir_insn *in, ir_reg from, ir_reg to)
{
	if (in->dst == from)
		in->dst = to;
	if (in->src == from)
		in->src = to;
}

/*
 * A conditional jump on spilled values compares fresh loads of them; what
 * the comparison proves holds for that temporary only.  Linux 6.1's
 * verifier keeps no link between a slot and a load of it when the spilled
 * scalar was unbounded (newer ones give both one id), so a later load of
 * the slot is unbounded again and "map value + offset" is refused even
 * right after the range check.  Each still-live compared value is
 * therefore stored back on both edges, where it carries the proven
 * bounds:  if (t op x) goto T'; slot = t; goto F; T': slot = t; goto T; F:
 */
/* a jump or a label of the rewritten list (no registers) */
static struct ir_insn control_insn(enum ir_kind kind, ir_label l, const void *tag)
{
	return (struct ir_insn){ .kind = kind, .label = l, .dst = IR_NOREG, .src = IR_NOREG,
				 .tag = tag };
}

static void write_back_compared(struct ra *ra, struct ir_func *f, struct ir_insn **out,
				uint32_t *n, uint32_t *cap, struct ir_insn jcc, uint32_t i,
				const ir_reg *seen, const ir_reg *temp, const int16_t *slot,
				uint32_t nseen)
{
	struct ir_insn back[3];
	uint32_t nback = 0;
	for (uint32_t q = 0; q < nseen; q++) {
		uint32_t v = lv(ra, seen[q]);
		if (ra->end[v] <= (int32_t)(2 * i + 2))
			continue;	/* dead past the jump */
		back[nback++] = (struct ir_insn){ .kind = IRK_STORE, .size = 8, .dst = IR_FP,
			.src = temp[q], .off = slot[v], .tag = jcc.tag };
	}
	if (!nback) {
		push(out, n, cap, jcc);
		return;
	}
	/* labels bound here, not by ir_bind_label: say whose they are */
	ir_label taken = ir_new_label(ra->ir), fall = ir_new_label(ra->ir);
	ra->ir->label_func.items[taken] = (int32_t)f->index;
	ra->ir->label_func.items[fall] = (int32_t)f->index;
	ir_label target = jcc.label;
	jcc.label = taken;
	push(out, n, cap, jcc);
	for (uint32_t q = 0; q < nback; q++)
		push(out, n, cap, back[q]);
	push(out, n, cap, control_insn(IRK_JA, fall, jcc.tag));
	push(out, n, cap, control_insn(IRK_LABEL, taken, jcc.tag));
	for (uint32_t q = 0; q < nback; q++)
		push(out, n, cap, back[q]);
	push(out, n, cap, control_insn(IRK_JA, target, jcc.tag));
	push(out, n, cap, control_insn(IRK_LABEL, fall, jcc.tag));
}

/* Rewrites every spilled vreg to go through its stack slot. */
static bool insert_spill_code(struct ra *ra)
{
	struct ir *ir = ra->ir;
	struct ir_func *f = ra->f;
	int16_t *slot = xcalloc(ra->nv + 1, sizeof(int16_t));
	const void *saved_tag = ir->tag;
	bool ok = true;
	/*
	 * Slots are shared by vregs of this round whose intervals do not
	 * overlap (never live at once): greedy interval colouring, vregs in
	 * order of start, each taking a slot free since before it starts.
	 */
	uint32_t *order = xmalloc(sizeof(uint32_t) * (ra->nv + 1));
	uint32_t norder = 0;
	for (uint32_t v = 0; v < ra->nv; v++)
		if (ra->assign[v] == -2)
			order[norder++] = v;
	for (uint32_t a = 1; a < norder; a++) {
		uint32_t v = order[a], b = a;
		while (b > 0 && ra->start[order[b - 1]] > ra->start[v]) {
			order[b] = order[b - 1];
			b--;
		}
		order[b] = v;
	}
	int16_t *slots = xmalloc(sizeof(int16_t) * (norder + 1));
	int32_t *busy = xmalloc(sizeof(int32_t) * (norder + 1));
	uint32_t nslots = 0;
	for (uint32_t k = 0; k < norder && ok; k++) {
		uint32_t v = order[k];
		/* Charge a new slot to the construct that defines the value. */
		ir->tag = NULL;
		for (uint32_t i = 0; i < ra->n; i++) {
			struct operands o;
			operands(&f->insns.items[i], &o);
			if (o.def == ra->global[v]) {
				ir->tag = f->insns.items[i].tag;
				break;
			}
		}
		uint32_t pick = nslots;
		for (uint32_t q = 0; q < nslots; q++)
			if (busy[q] < ra->start[v]) {
				pick = q;
				break;
			}
		if (pick == nslots) {
			/* in f's own frame, whichever function the builders
			 * left selected */
			bool was_failed = ir->failed;
			struct ir_func *prev = ir_func_select(ir, f);
			slots[nslots++] = ir_stack_alloc(ir, 8, 8);
			ir_func_select(ir, prev);
			ok = ir->failed == was_failed;
		}
		slot[v] = slots[pick];
		busy[pick] = ra->end[v];
		f->nspills++;
	}
	free(order);
	free(slots);
	free(busy);
	ir->tag = saved_tag;
	if (!ok) {
		free(slot);
		return false;
	}

	struct ir_insn *out = NULL;
	uint32_t n = 0, cap = 0;
	for (uint32_t i = 0; i < ra->n; i++) {
		struct ir_insn in = f->insns.items[i];
		struct operands o;
		operands(&in, &o);
		uint32_t d = lv(ra, o.def);
		bool dsp = d != NONE && ra->assign[d] == -2;
		uint32_t s = (in.kind == IRK_ALU && in.op == IR_MOV && !(in.flags & IRF_IMM))
				     ? lv(ra, in.src) : NONE;
		bool mov64 = in.kind == IRK_ALU && in.op == IR_MOV &&
			     !(in.flags & (IRF_IMM | IRF_ALU32));
		bool ssp = s != NONE && ra->assign[s] == -2;
		if (mov64 && dsp && !ssp) {
			push(&out, &n, &cap, (struct ir_insn){ .kind = IRK_STORE, .size = 8,
				.dst = IR_FP, .src = in.src, .off = slot[d], .tag = in.tag });
			continue;
		}
		if (mov64 && ssp && !dsp) {
			push(&out, &n, &cap, (struct ir_insn){ .kind = IRK_LOAD, .size = 8,
				.dst = in.dst, .src = IR_FP, .off = slot[s], .tag = in.tag });
			continue;
		}
		/* General case: one temporary per spilled vreg of the insn. */
		ir_reg seen[3];
		ir_reg temp[3];
		uint32_t nseen = 0;
		ir_reg regs[6];
		uint32_t nregs = 0;
		for (uint32_t k = 0; k < o.nuse; k++)
			regs[nregs++] = o.use[k];
		if (o.def != IR_NOREG)
			regs[nregs++] = o.def;
		for (uint32_t k = 0; k < nregs; k++) {
			uint32_t v = lv(ra, regs[k]);
			if (v == NONE || ra->assign[v] != -2)
				continue;
			bool dup = false;
			for (uint32_t q = 0; q < nseen; q++)
				dup |= seen[q] == regs[k];
			if (!dup && nseen < 3) {
				seen[nseen] = regs[k];
				struct ir_func *prev = ir_func_select(ir, f);
				temp[nseen] = ir_new_vreg(ir);
				ir_func_select(ir, prev);
				ir->vreg_flags.items[temp[nseen] - IR_VREG_BASE] |= IR_VREG_NOSPILL;
				nseen++;
			}
		}
		struct ir_insn after[3];
		uint32_t nafter = 0;
		for (uint32_t q = 0; q < nseen; q++) {
			uint32_t v = lv(ra, seen[q]);
			bool used = false;
			for (uint32_t k = 0; k < o.nuse; k++)
				used |= o.use[k] == seen[q];
			if (used)
				push(&out, &n, &cap, (struct ir_insn){ .kind = IRK_LOAD, .size = 8,
					.dst = temp[q], .src = IR_FP, .off = slot[v], .tag = in.tag });
			if (o.def == seen[q])
				after[nafter++] = (struct ir_insn){ .kind = IRK_STORE, .size = 8,
					.dst = IR_FP, .src = temp[q], .off = slot[v], .tag = in.tag };
			replace_in(&in, seen[q], temp[q]);
		}
		if (in.kind == IRK_JCC && nseen) {
			write_back_compared(ra, f, &out, &n, &cap, in, i, seen, temp, slot, nseen);
			continue;
		}
		push(&out, &n, &cap, in);
		for (uint32_t q = 0; q < nafter; q++)
			push(&out, &n, &cap, after[q]);
	}
	/* The function's insns live in the arena: copy the new list there. */
	f->insns.items = arena_memdup(ir->arena, out, (size_t)n * sizeof(*out));
	f->insns.len = f->insns.cap = n;
	free(out);
	free(slot);
	return true;
}

static void apply(struct ra *ra)
{
	struct ir_func *f = ra->f;
	uint32_t j = 0;
	for (uint32_t i = 0; i < ra->n; i++) {
		struct ir_insn in = f->insns.items[i];
		if (ir_is_vreg(in.dst))
			in.dst = (ir_reg)ra->assign[lv(ra, in.dst)];
		if (ir_is_vreg(in.src))
			in.src = (ir_reg)ra->assign[lv(ra, in.src)];
		if (in.kind == IRK_ALU && in.op == IR_MOV && !(in.flags & (IRF_IMM | IRF_ALU32)) &&
		    in.dst == in.src)
			continue;
		f->insns.items[j++] = in;
	}
	f->insns.len = j;
	for (uint32_t a = 0; a < f->nargs; a++)
		if (ir_is_vreg(f->args[a]) && lv(ra, f->args[a]) != NONE &&
		    ra->assign[lv(ra, f->args[a])] >= 0)
			f->args[a] = (ir_reg)ra->assign[lv(ra, f->args[a])];
	f->allocated = true;
}

/* Vregs that were never written or read get no register; any register
 * left in an instruction must then have one. */
static bool all_assigned(struct ra *ra)
{
	for (uint32_t i = 0; i < ra->n; i++) {
		struct operands o;
		operands(&ra->f->insns.items[i], &o);
		for (uint32_t k = 0; k <= o.nuse; k++) {
			ir_reg r = k < o.nuse ? o.use[k] : o.def;
			uint32_t v = lv(ra, r);
			if (v != NONE && ra->assign[v] < 0) {
				ir_internal(ra->ir, "no register for %%%u in '%s'", r - IR_VREG_BASE,
					    ra->f->name);
				return false;
			}
		}
	}
	return true;
}

static bool alloc_func(struct ir *ir, struct ir_func *f)
{
	if (f->allocated)
		return true;
	for (int round = 0; round < MAX_ROUNDS; round++) {
		struct ra ra = { .ir = ir, .f = f, .n = f->insns.len };
		bool ok = number_vregs(&ra) && build_blocks(&ra);
		if (ok) {
			intervals(&ra);
			ok = !ir->failed && fixed_intervals(&ra) && scan(&ra);
		}
		if (ok && ra.any_spill) {
			ok = insert_spill_code(&ra);
			ra_free(&ra);
			if (!ok)
				return false;
			continue;
		}
		if (ok)
			ok = all_assigned(&ra);
		if (ok)
			apply(&ra);
		ra_free(&ra);
		return ok;
	}
	ir_internal(ir, "register allocation of '%s' did not converge", f->name);
	return false;
}

bool regalloc_run(struct ir *ir)
{
	if (ir->failed)
		return false;
	vec_foreach(&ir->funcs, i)
		if (!alloc_func(ir, ir->funcs.items[i]))
			return false;
	return !ir->failed;
}
