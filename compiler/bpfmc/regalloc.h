/*
 * regalloc: maps the virtual registers of a `struct ir` onto r0-r9.
 *
 * Input: a program built with the ir_emit_* builders (ir.h invariants hold).
 * Output: the same program with every vreg replaced by a physical register,
 * spill code inserted (8-byte, 8-aligned stack slots charged to the
 * function's frame) and register-to-itself moves dropped; each function is
 * marked `allocated`.  Errors (stack budget exhausted by spills, broken
 * invariants) are reported through the program's diag sink.
 */
#ifndef CTAP_BPF_REGALLOC_H
#define CTAP_BPF_REGALLOC_H

#include <stdbool.h>

struct ir;

/* Allocates every function of ir.  Returns false on error (reported). */
bool regalloc_run(struct ir *ir);

#endif
