/*
 * env: the environment of the current process, for env_var().
 */
#ifndef CTAP_KMOD_ENV_H
#define CTAP_KMOD_ENV_H

struct _ctap_context;

/* The value of `name` in the current process's environment (its
 * NAME=VALUE strings between mm->env_start and env_end, read without
 * faulting), cut at MAXSTRINGLEN; "" when it is not set, the task has no
 * user memory, or the memory cannot be read.  dst: MAXSTRINGLEN. */
void _ctap_env_var(struct _ctap_context *c, char *dst, const char *name);

#endif
