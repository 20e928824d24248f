/*
 * ringbuf: both halves of the ring-buffer protocol between probe handlers
 * and the user-space session.
 *
 * Kernel side (IR the code generator emits): a record is written with
 * bpf_ringbuf_output() from the stack; when that fails (buffer full) the
 * handler adds one to entry 0 of a per-CPU "lost" array.  Records are
 * never dropped silently: the session reads the lost counters and reports
 * them (ringbuf_report_lost), as SystemTap reports transport failures.
 *
 * User side: a libbpf ring_buffer over the map calling `fn` per record,
 * pollable on its own (ringbuf_poll) or through its epoll fd from the
 * session loop (loop.c).
 *
 * Ownership: ringbuf_open/ringbuf_close; the maps belong to the load_ctx.
 */
#ifndef CTAP_BPF_RINGBUF_H
#define CTAP_BPF_RINGBUF_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct diag_sink;
struct ir;
struct ir_map;
struct load_ctx;

/* ---- kernel side ---- */

/* A RINGBUF map of `bytes` (rounded up to a power of two, >= one page). */
struct ir_map *ringbuf_map_new(struct arena *a, const char *name, uint32_t bytes);
/* The per-CPU lost-record counter: PERCPU_ARRAY, 1 entry of u64. */
struct ir_map *ringbuf_lost_map_new(struct arena *a, const char *name);
/*
 * Emits: if (bpf_ringbuf_output(rb, r10+data_off, size, 0) != 0) lost[0]++.
 * The record must already be on the stack (initialised: the verifier
 * rejects reading uninitialised stack); on failure its first 4 bytes are
 * reused as the lost map's key, so no extra stack is spent.
 */
void ringbuf_emit_output(struct ir *ir, const struct ir_map *rb, const struct ir_map *lost,
			 int16_t data_off, uint32_t size);
/* Emits lost[0]++ (for handlers that reserve and fail themselves). */
void ringbuf_emit_count_lost(struct ir *ir, const struct ir_map *lost);

/* ---- user side ---- */

/* Called per record; a negative return stops the current poll/consume. */
typedef int (*ringbuf_fn)(void *ctx, const void *data, size_t size);

struct ringbuf;

/* Loads the maps if needed (through lc) and opens the consumer.  lost may
 * be NULL.  NULL on error (reported). */
struct ringbuf *ringbuf_open(struct load_ctx *lc, struct ir_map *rb, struct ir_map *lost,
			     ringbuf_fn fn, void *ctx);
void ringbuf_close(struct ringbuf *r);

/* Waits up to timeout_ms (-1: forever) and consumes what is there.
 * Returns the records consumed or -errno (-EINTR on a signal). */
int ringbuf_poll(struct ringbuf *r, int timeout_ms);
/* Consumes without waiting. */
int ringbuf_consume(struct ringbuf *r);
/* Readable when records are waiting (for epoll in the session loop). */
int ringbuf_epoll_fd(const struct ringbuf *r);

/* Records delivered so far. */
uint64_t ringbuf_records(const struct ringbuf *r);
/* Records the programs failed to write (sum over CPUs); 0 or -errno. */
int ringbuf_lost(const struct ringbuf *r, uint64_t *lost);
/* A warning through diag when records were lost; returns the count. */
uint64_t ringbuf_report_lost(const struct ringbuf *r, struct diag_sink *diag);

#endif
