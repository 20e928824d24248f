/*
 * context: allocation of the per-CPU handler contexts and waiting for
 * them to go idle (see context.h).
 */
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/mm.h>
#include <linux/cpumask.h>
#include <linux/topology.h>
#include <linux/delay.h>
#include "common/sort.h"
#include "kmod/context.h"
#include "kmod/print.h"

struct _ctap_context *_ctap_contexts[NR_CPUS];

int _ctap_contexts_alloc(size_t locals_size)
{
	size_t head = ALIGN(sizeof(struct _ctap_context), 64);
	int cpu;

	for_each_possible_cpu(cpu) {
		struct _ctap_context *c;

		c = vzalloc_node(head + locals_size, cpu_to_node(cpu));
		if (!c)
			c = vzalloc(head + locals_size);
		if (!c) {
			_ctap_contexts_free();
			return -ENOMEM;
		}
		c->locals = (char *)c + head;
		_ctap_print_init(c);
		_ctap_contexts[cpu] = c;
	}
	return 0;
}

int _ctap_contexts_alloc_sort(u32 cap)
{
	int cpu;

	if (!cap)
		return 0;
	for_each_possible_cpu(cpu) {
		struct _ctap_context *c = _ctap_contexts[cpu];

		c->sort_items = kvmalloc_array(cap, sizeof(struct sort_item), GFP_KERNEL);
		c->sort_scratch = kvmalloc_array(cap, sizeof(struct sort_item), GFP_KERNEL);
		if (!c->sort_items || !c->sort_scratch)
			return -ENOMEM;
		c->sort_cap = cap;
	}
	return 0;
}

void _ctap_contexts_free(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		if (_ctap_contexts[cpu]) {
			kvfree(_ctap_contexts[cpu]->sort_items);
			kvfree(_ctap_contexts[cpu]->sort_scratch);
		}
		vfree(_ctap_contexts[cpu]);
		_ctap_contexts[cpu] = NULL;
	}
}

void _ctap_contexts_quiesce(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct _ctap_context *c = _ctap_contexts[cpu];

		while (c && atomic_read(&c->busy))
			msleep(1);
	}
}
