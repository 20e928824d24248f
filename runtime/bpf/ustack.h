/*
 * ustack: user stacks of kernel handlers, unwound and symbolized in user
 * space (the capture is compiler/bpf/lower_ustack.c; the record layout
 * rtdata.h's struct rt_ustack).
 *
 * An RTR_USTACK record (print_ubacktrace, print_ubacktrace_brief) or a
 * print argument (ubacktrace(), ucallers(n), sprint_ubacktrace()) holds
 * the task's user registers and a slice of its user stack; usymname(),
 * usymdata(), umodname() arguments hold the pid and the address.  elfutils' libdwfl unwinds it with the objects' CFI
 * (.eh_frame, .debug_frame), falling back to frame pointers for code
 * without CFI; the objects and their load addresses come from
 * /proc/PID/maps (dwfl_linux_proc_report: PIE and shared libraries
 * included), read when the process's first record arrives and again
 * when an address falls outside every object known.
 *
 * SystemTap's rules on objects: symbols and unwind data are used only
 * for the objects a probe names, those given with -d, and every object
 * with --ldd.  A frame in another object prints as
 * "0xADDR [PATH+0xOFF/0xSIZE]", ends the stack and warns "Missing unwind
 * data for a module, rerun with 'stap -d PATH'"; so does an object that
 * has no CFI (its frames then come from frame pointers).
 */
#ifndef CTAP_BPF_USTACK_H
#define CTAP_BPF_USTACK_H

#include <stddef.h>
#include <stdint.h>

struct urt;
struct bpf_translation;
struct ustack;

struct ustack *ustack_new(struct urt *u, const struct bpf_translation *t);
void ustack_free(struct ustack *us);
/* Act on one RTR_USTACK record (site and payload, `avail` bytes). */
void ustack_record(struct ustack *us, uint32_t site, const uint8_t *payload, size_t avail);
/* The string of a print argument psite_arg.ustack = op (rt_ustack_op) from
 * its payload: into out (cap bytes with the NUL; frames that would not
 * fit are left out whole); returns its length. */
uint32_t ustack_string(struct ustack *us, uint32_t op, const uint8_t *payload, size_t avail,
		       char *out, uint32_t cap);

#endif
