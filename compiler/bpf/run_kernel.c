/* run_kernel: placeholder */
#include "bpf/run.h"
bool run_create_maps(struct bpf_translation *t, struct load_ctx *lc) { (void)t; (void)lc; return true; }
bool run_load_programs(struct bpf_translation *t, struct load_ctx *lc) { (void)t; (void)lc; return true; }
bool run_attach_programs(struct bpf_translation *t, struct load_ctx *lc) { (void)t; (void)lc; return true; }
