/*
 * keptstr: texts user space made for strings a BPF handler keeps.
 *
 * A user stack or user symbol (sprint_ubacktrace(), usymname(a)...) can
 * only be made in user space, where the objects' CFI and symbols are; yet
 * a script may store one in a variable or an array and print it much
 * later (004-mem_double_free keeps every allocation's stack).  So the
 * handler draws a handle, sends what the text needs in an RTR_UKEEP
 * record (rtdata.h), and carries the handle in its string as a symdefer
 * item (symdefer.h, style SYMDEFER_KEPT); the record printer makes the
 * text when the record arrives - while the process and its mappings are
 * still there - and keeps it here under the handle, and the item expands
 * to it whenever the string is output.
 *
 * Handles only grow (the session's array sequence, rt_head.seq), and a
 * handle may be printed at any later time, so nothing is dropped until the
 * session ends; equal texts (the same stack again and again) are stored
 * once, so the cost is a 16-byte entry per handle plus each distinct text.
 */
#ifndef CTAP_BPF_KEPTSTR_H
#define CTAP_BPF_KEPTSTR_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct intern_table;
struct keptstr_slot;

struct keptstr {
	struct keptstr_slot *slots;   /* handle -> text, open addressing */
	size_t nslots, used;
	struct arena *arena;          /* the texts, made at the first one */
	struct intern_table *texts;
};

/* Keep text (len bytes, no NUL in them) under handle (replacing what it
 * held). */
void keptstr_put(struct keptstr *k, uint64_t handle, const char *text, size_t len);
/* The text kept under handle; false when there is none (its record was
 * lost: the ring buffer was full). */
int keptstr_get(const struct keptstr *k, uint64_t handle, const char **text, size_t *len);
void keptstr_free(struct keptstr *k);

#endif
