/*
 * record: user-space side of kernel records (rtdata.h): each record from
 * the ring buffer is decoded with its site (lower.h) and acted on - a
 * print formatted with runtime/common into the output stream, an error
 * printed and counted, exit(), warn(), system(), a histogram printed from
 * the maps.
 */
#ifndef CTAP_BPF_RECORD_H
#define CTAP_BPF_RECORD_H

#include <stddef.h>

struct urt;
struct bpf_translation;
struct record_printer;

struct record_printer *record_printer_new(struct urt *u, struct bpf_translation *t);
void record_printer_free(struct record_printer *rp);
void record_print(struct record_printer *rp, const void *data, size_t size);

#endif
