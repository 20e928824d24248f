/*
 * ringbuf: the record transport from probe handlers to the session (see
 * ringbuf.h): IR for the producer side, libbpf's ring_buffer for the
 * consumer, and the lost-record counters that keep both honest.
 */
#include "bpf/ringbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfmc/ir.h"
#include "bpf/load.h"
#include "diag/diag.h"
#include "util/arena.h"

/* ------------------------------------------------------------ kernel side */

struct ir_map *ringbuf_map_new(struct arena *a, const char *name, uint32_t bytes)
{
	uint32_t page = (uint32_t)sysconf(_SC_PAGESIZE);
	uint32_t size = page;
	while (size < bytes && size < (1u << 30))
		size *= 2;
	return ir_map_new(a, name, BPF_MAP_TYPE_RINGBUF, 0, 0, size, 0);
}

struct ir_map *ringbuf_lost_map_new(struct arena *a, const char *name)
{
	return ir_map_new(a, name, BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, 0);
}

/* lost[0]++ with the key written at r10+key (4 bytes the caller can spare). */
static void count_lost_at(struct ir *ir, const struct ir_map *lost, int16_t key)
{
	ir_emit_store_imm(ir, 4, IR_FP, key, 0);
	ir_reg p = ir_new_vreg(ir);
	ir_call_helper(ir, p, BPF_FUNC_map_lookup_elem, ir_arg_map(lost), ir_arg_stack(key));
	ir_label done = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JEQ, p, 0, done);
	ir_reg one = ir_new_vreg(ir);
	ir_emit_mov_imm(ir, one, 1);
	/* Per-CPU value: no other CPU writes it, but an NMI-context handler
	 * (perf events) may interrupt this one, so stay atomic. */
	ir_emit_atomic(ir, IR_ATOMIC_ADD, 8, p, 0, one, false);
	ir_bind_label(ir, done);
}

void ringbuf_emit_count_lost(struct ir *ir, const struct ir_map *lost)
{
	count_lost_at(ir, lost, ir_stack_alloc(ir, 4, 4));
}

void ringbuf_emit_output(struct ir *ir, const struct ir_map *rb, const struct ir_map *lost,
			 int16_t data_off, uint32_t size)
{
	ir_reg r = ir_new_vreg(ir);
	ir_call_helper(ir, r, BPF_FUNC_ringbuf_output, ir_arg_map(rb), ir_arg_stack(data_off),
		       ir_arg_imm(size), ir_arg_imm(0));
	ir_label ok = ir_new_label(ir);
	ir_emit_jcc_imm(ir, IR_JEQ, r, 0, ok);
	/* The record is dead once output failed: its first bytes hold the key,
	 * so a handler with many output sites spends no stack on counting. */
	if (lost && size >= 4 && (data_off & 3) == 0)
		count_lost_at(ir, lost, data_off);
	else if (lost)
		ringbuf_emit_count_lost(ir, lost);
	ir_bind_label(ir, ok);
}

/* ------------------------------------------------------------ user side */

struct ringbuf {
	struct ring_buffer *rb;
	struct ir_map *lost;
	ringbuf_fn fn;
	void *ctx;
	uint64_t records;
};

static int on_record(void *ctx, void *data, size_t size)
{
	struct ringbuf *r = ctx;
	r->records++;
	return r->fn ? r->fn(r->ctx, data, size) : 0;
}

struct ringbuf *ringbuf_open(struct load_ctx *lc, struct ir_map *rb, struct ir_map *lost,
			     ringbuf_fn fn, void *ctx)
{
	if (load_map(lc, rb) || (lost && load_map(lc, lost)))
		return NULL;
	struct ringbuf *r = xcalloc(1, sizeof(*r));
	r->lost = lost;
	r->fn = fn;
	r->ctx = ctx;
	r->rb = ring_buffer__new(rb->fd, on_record, r, NULL);
	if (!r->rb) {
		load_error(lc, NULL, "cannot open ring buffer '%s': %s", rb->name, strerror(errno));
		free(r);
		return NULL;
	}
	return r;
}

void ringbuf_close(struct ringbuf *r)
{
	if (!r)
		return;
	ring_buffer__free(r->rb);
	free(r);
}

int ringbuf_poll(struct ringbuf *r, int timeout_ms)
{
	return ring_buffer__poll(r->rb, timeout_ms);
}

int ringbuf_consume(struct ringbuf *r)
{
	return ring_buffer__consume(r->rb);
}

int ringbuf_epoll_fd(const struct ringbuf *r)
{
	return ring_buffer__epoll_fd(r->rb);
}

uint64_t ringbuf_records(const struct ringbuf *r)
{
	return r->records;
}

int ringbuf_lost(const struct ringbuf *r, uint64_t *lost)
{
	*lost = 0;
	if (!r->lost || r->lost->fd < 0)
		return 0;
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EINVAL;
	uint64_t *v = xcalloc((size_t)ncpu, sizeof(uint64_t));
	uint32_t key = 0;
	int err = bpf_map_lookup_elem(r->lost->fd, &key, v) ? -errno : 0;
	for (int c = 0; !err && c < ncpu; c++)
		*lost += v[c];
	free(v);
	return err;
}

uint64_t ringbuf_report_lost(const struct ringbuf *r, struct diag_sink *diag)
{
	uint64_t lost = 0;
	if (ringbuf_lost(r, &lost) == 0 && lost && diag)
		diag_report(diag, DIAG_WARNING, W_GENERIC, NULL,
			    "There were %llu lost records (the ring buffer was full; -s enlarges it).",
			    (unsigned long long)lost);
	return lost;
}
