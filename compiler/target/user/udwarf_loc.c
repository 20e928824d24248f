/*
 * udwarf_loc: where a variable is at an address (udwarf_var_location, see
 * udwarf.h): registers, memory at register + offset or at the frame base
 * (the CFA from the call frame tables), statics, and the values DWARF
 * computes.
 */
#include "target/user/udwarf.h"
#include "target/user/udwarf_int.h"

#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

static bool cfa_at(struct udwarf *dw, uint64_t pc, int *reg, int64_t *off)
{
	Dwarf_CFI *cfis[2] = { dw->cfi_eh, dw->cfi_debug };
	for (int k = 0; k < 2; k++) {
		Dwarf_Frame *frame = NULL;
		if (!cfis[k] || dwarf_cfi_addrframe(cfis[k], pc, &frame) != 0)
			continue;
		Dwarf_Op *ops;
		size_t nops;
		bool ok = false;
		if (dwarf_frame_cfa(frame, &ops, &nops) == 0 && nops == 1) {
			if (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31) {
				*reg = ops[0].atom - DW_OP_breg0;
				*off = (int64_t)ops[0].number;
				ok = true;
			} else if (ops[0].atom == DW_OP_bregx) {
				*reg = (int)ops[0].number;
				*off = (int64_t)ops[0].number2;
				ok = true;
			}
		}
		free(frame);
		if (ok)
			return true;
	}
	return false;
}

static bool frame_base(struct udwarf *dw, Dwarf_Die *fn, uint64_t pc, struct udwarf_loc *l)
{
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t n;
	if (!dwarf_attr_integrate(fn, DW_AT_frame_base, &a) ||
	    dwarf_getlocation_addr(&a, pc, &ops, &n, 1) != 1 || n != 1)
		return false;
	unsigned atom = ops[0].atom;
	if (atom == DW_OP_call_frame_cfa)
		return cfa_at(dw, pc, &l->reg, &l->offset);
	if (atom >= DW_OP_breg0 && atom <= DW_OP_breg31) {
		l->reg = (int)(atom - DW_OP_breg0);
		l->offset = (int64_t)ops[0].number;
		return true;
	}
	if (atom >= DW_OP_reg0 && atom <= DW_OP_reg31) {
		l->reg = (int)(atom - DW_OP_reg0);
		l->offset = 0;
		return true;
	}
	return false;
}

/* A constant pushed by op, for DW_OP_stack_value */
static bool const_op(const Dwarf_Op *op, int64_t *value)
{
	unsigned atom = op->atom;
	if (atom >= DW_OP_lit0 && atom <= DW_OP_lit31) {
		*value = atom - DW_OP_lit0;
		return true;
	}
	switch (atom) {
	case DW_OP_const1u: case DW_OP_const2u: case DW_OP_const4u: case DW_OP_const8u:
	case DW_OP_constu:
		*value = (int64_t)op->number;
		return true;
	case DW_OP_const1s: case DW_OP_const2s: case DW_OP_const4s: case DW_OP_const8s:
	case DW_OP_consts:
		*value = (int64_t)op->number;
		return true;
	default:
		return false;
	}
}

/* DW_OP_entry_value(DW_OP_reg*) at the entry of the function holding the
 * variable (not an inlined copy): the register still holds that value. */
static bool entry_register(Dwarf_Attribute *a, const Dwarf_Op *op, Dwarf_Die *scope, uint64_t pc,
			   int *reg)
{
	Dwarf_Attribute inner;
	Dwarf_Op *ops;
	size_t n;
	Dwarf_Addr entry;
	if (dwarf_tag(scope) != DW_TAG_subprogram || dwarf_entrypc(scope, &entry) != 0 ||
	    entry != pc || dwarf_getlocation_attr(a, op, &inner) != 0 ||
	    dwarf_getlocation(&inner, &ops, &n) != 0 || n != 1)
		return false;
	if (ops[0].atom >= DW_OP_reg0 && ops[0].atom <= DW_OP_reg31) {
		*reg = (int)(ops[0].atom - DW_OP_reg0);
		return true;
	}
	if (ops[0].atom == DW_OP_regx) {
		*reg = (int)ops[0].number;
		return true;
	}
	return false;
}

/* A value DWARF computes: ops ending in DW_OP_stack_value, or an implicit
 * value; false for the forms ctap does not evaluate. */
static bool computed_value(Dwarf_Attribute *a, const Dwarf_Op *ops, size_t n, Dwarf_Die *scope,
			   uint64_t pc, struct udwarf_loc *l)
{
	if (n == 1 && ops[0].atom == DW_OP_implicit_value && ops[0].number <= 8) {
		const unsigned char *bytes = (const unsigned char *)(uintptr_t)ops[0].number2;
		uint64_t v = 0;
		for (uint64_t i = 0; i < ops[0].number; i++)
			v |= (uint64_t)bytes[i] << (8 * i); /* x86_64: little endian */
		l->kind = UDWARF_LOC_CONST;
		l->value = (int64_t)v;
		return true;
	}
	if (n != 2 || ops[1].atom != DW_OP_stack_value)
		return false;
	unsigned atom = ops[0].atom;
	if (const_op(&ops[0], &l->value)) {
		l->kind = UDWARF_LOC_CONST;
		return true;
	}
	if (atom >= DW_OP_breg0 && atom <= DW_OP_breg31) {
		l->kind = UDWARF_LOC_VALUE;
		l->reg = (int)(atom - DW_OP_breg0);
		l->offset = (int64_t)ops[0].number;
		return true;
	}
	if ((atom == DW_OP_entry_value || atom == DW_OP_GNU_entry_value) &&
	    entry_register(a, &ops[0], scope, pc, &l->reg)) {
		l->kind = UDWARF_LOC_REGISTER;
		return true;
	}
	return false;
}

bool udwarf_var_location(struct udwarf *dw, const struct udwarf_var *v, uint64_t pc,
			 struct udwarf_loc *l)
{
	Dwarf_Die var = v->die, fn = v->scope;
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t n;
	memset(l, 0, sizeof(*l));
	l->kind = UDWARF_LOC_MEMORY;
	if (!dwarf_attr_integrate(&var, DW_AT_location, &a)) {
		Dwarf_Sword value;
		if (dwarf_attr_integrate(&var, DW_AT_const_value, &a) &&
		    dwarf_formsdata(&a, &value) == 0) {
			l->kind = UDWARF_LOC_CONST;
			l->value = value;
			return true;
		}
		l->why = "it has no location (optimized out)";
		return false;
	}
	int r = dwarf_getlocation_addr(&a, pc, &ops, &n, 1);
	if (r != 1 || n == 0) {
		l->why = "not accessible at this address";
		return false;
	}
	unsigned atom = ops[0].atom;
	if (n == 1 && atom >= DW_OP_reg0 && atom <= DW_OP_reg31) {
		l->kind = UDWARF_LOC_REGISTER;
		l->reg = (int)(atom - DW_OP_reg0);
		return true;
	}
	if (n == 1 && atom == DW_OP_regx) {
		l->kind = UDWARF_LOC_REGISTER;
		l->reg = (int)ops[0].number;
		return true;
	}
	if (n == 1 && atom >= DW_OP_breg0 && atom <= DW_OP_breg31) {
		l->reg = (int)(atom - DW_OP_breg0);
		l->offset = (int64_t)ops[0].number;
		return true;
	}
	if (n == 1 && atom == DW_OP_fbreg) {
		if (!frame_base(dw, &fn, pc, l)) {
			l->why = "its frame base is not accessible at this address";
			return false;
		}
		l->offset += (int64_t)ops[0].number;
		return true;
	}
	if (n == 1 && atom == DW_OP_addr) {
		l->kind = UDWARF_LOC_STATIC;
		l->addr = ops[0].number;
		return true;
	}
	if (computed_value(&a, ops, n, &fn, pc, l))
		return true;
	l->why = "its location is too complex (pieces, computed values or entry values)";
	return false;
}

