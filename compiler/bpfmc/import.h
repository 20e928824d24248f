/*
 * import: functions compiled to BPF by clang (an ELF relocatable object,
 * `clang -O2 -target bpf -c`), brought into programs as imported functions
 * (struct ir_func with `origin`): runtime helpers written once in C
 * instead of by hand in IR.
 *
 * import_open() parses an object once: its functions in .text, their
 * argument counts (from the object's BTF, so it must be built with -g),
 * their stack frames (measured on the code) and the relocations clang
 * emitted.  import_func() adds one function, and every function it calls,
 * to a program, binding the object's extern symbols to bytes of the
 * program's array maps (e.g. a constant in the frozen read-only map, which
 * the verifier then sees as a constant).
 *
 * Accepted, as clang emits them: bpf-to-bpf calls (R_BPF_64_32 or
 * pc-relative), function addresses (R_BPF_64_64 on ld_imm64, for
 * callbacks), extern data addresses (R_BPF_64_64 on an undefined symbol),
 * helper calls by number.  Anything else (code outside .text, data
 * sections, kfuncs, map references, variable stack offsets, jumps out of
 * a function) is refused with an internal error naming the object and the
 * function: an object this back end does not understand is never half
 * imported.
 */
#ifndef CTAP_BPFMC_IMPORT_H
#define CTAP_BPFMC_IMPORT_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct diag_sink;
struct ir;
struct ir_func;
struct ir_map;

struct import_obj;

/* An extern symbol of the object, bound to byte `off` of `map`'s value
 * (an array map: direct value access). */
struct import_extern {
	const char *name;
	const struct ir_map *map;
	uint32_t off;
};

/*
 * Parses the object `data` (size bytes; copied into the arena).  `origin`
 * names it in listings and messages.  NULL after an internal error
 * reported through diag.
 */
struct import_obj *import_open(struct arena *a, struct diag_sink *diag, const char *origin,
			       const void *data, size_t size);

/*
 * Function `name` of the object in program `ir` (added with its callees
 * the first time, the same ir_func afterwards).  NULL if the object has
 * no such function or an extern it uses is not bound (internal errors;
 * ir_failed() is then true).
 */
struct ir_func *import_func(struct ir *ir, const struct import_obj *o, const char *name,
			    const struct import_extern *ext, uint32_t next);

/* Number of functions in the object, and the name and size (instructions)
 * of the i-th one (for tests and listings). */
uint32_t import_count(const struct import_obj *o);
const char *import_name(const struct import_obj *o, uint32_t i, uint32_t *ninsns);

#endif
