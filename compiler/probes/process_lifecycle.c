/*
 * process_lifecycle: where process lifecycle and syscall probes sit.
 *
 * process(PID) and -c/-x .end/.syscall[.return], process.begin and -c's
 * .begin test the process id on the sched and raw_syscalls tracepoints,
 * which the back ends do themselves.  What an id cannot tell, a process
 * of a file (process("PATH")), the begin of one that was running before
 * the session (process(PID), -x), a thread's birth and death, is told by
 * a guard put in front of the body here, from tapset/linux/
 * process_lifecycle.stp, run on the two back ends alike:
 *
 *   .begin         system-call return: the first one that runs PATH (an
 *                  execve's, a forked child's first, or the next one of a
 *                  process already running), in the process's context;
 *                  process.begin (no -c/-x): each process's first and
 *                  each exec's
 *   .end           system-call return where it no longer runs PATH (it
 *                  execed another program), and its leader's exit
 *   .thread.begin  a thread's first system-call return (a new thread's
 *                  is its clone's; an older one's, its next)
 *   .thread.end    its exit, if a system-call return saw it
 *   .syscall[.return] with PATH: the system call of a task running PATH
 *
 * Each guarded probe keeps its own set of the processes or threads it has
 * seen, keyed by its id (the first derived probe's index).
 */
#include "probes/process.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "elab/elab.h"
#include "parse/ast.h"
#include "session.h"
#include "util/arena.h"
#include "util/intern.h"

struct guard {
	struct elab *E;
	const struct token *tok;
};

static struct expr *call(struct guard *g, const char *fn, struct expr **args, unsigned n)
{
	struct expr *e = ast_expr_new(g->E->arena, EXPR_CALL, g->tok);
	e->u.call.name = intern(g->E->s->names, fn);
	for (unsigned i = 0; i < n; i++)
		vec_push(g->E->arena, &e->u.call.args, args[i]);
	return e;
}

/* { if (!GUARD) next; BODY } */
static struct stmt *guarded_body(struct guard *g, struct expr *guard, struct stmt *body)
{
	struct arena *a = g->E->arena;
	struct expr *not = ast_expr_new(a, EXPR_UNARY, g->tok);
	not->u.unary.op = UOP_NOT;
	not->u.unary.operand = guard;
	struct stmt *test = ast_stmt_new(a, STMT_IF, g->tok);
	test->u.if_.cond = not;
	test->u.if_.then = ast_stmt_new(a, STMT_NEXT, g->tok);
	struct stmt *b = ast_stmt_new(a, STMT_BLOCK, g->tok);
	vec_push(a, &b->u.block.stmts, test);
	if (body)
		vec_push(a, &b->u.block.stmts, body);
	return b;
}

/* { GUARD; }: a probe that only keeps its set, never running the body */
static struct stmt *guard_only(struct guard *g, struct expr *guard)
{
	struct stmt *s = ast_stmt_new(g->E->arena, STMT_EXPR, g->tok);
	s->u.expr = guard;
	struct stmt *b = ast_stmt_new(g->E->arena, STMT_BLOCK, g->tok);
	vec_push(g->E->arena, &b->u.block.stmts, s);
	return b;
}

/*
 * The matcher's arguments: path ("" for any process), the file's device
 * and inode as the kernel numbers them (BPF compares those: it compiles
 * where it runs; a module compares the path, since it may be built
 * elsewhere), and the pid (process(PID)), -1 for the -c/-x target, or 0.
 */
static unsigned matcher_args(struct guard *g, const struct process_data *d, struct expr **args)
{
	struct stat st;
	int64_t dev = 0, ino = 0;
	if (d->path && stat(d->path, &st) == 0) {
		dev = ((int64_t)major(st.st_dev) << 20) | minor(st.st_dev);
		ino = (int64_t)st.st_ino;
	}
	args[0] = elab_string(g->E, g->tok, d->path ? d->path : "");
	args[1] = elab_number(g->E, g->tok, dev);
	args[2] = elab_number(g->E, g->tok, ino);
	args[3] = elab_number(g->E, g->tok, d->pid ? d->pid : d->target ? -1 : 0);
	return 4;
}

static struct derived_probe *add_at(struct derive_ctx *ctx, struct probe_point *pp,
				    const struct process_data *like, enum process_event ev)
{
	struct process_data *d = arena_new_obj(ctx->E->arena, struct process_data);
	*d = *like;
	d->event = ev;
	d->guarded = true;
	return elab_add_probe(ctx, &process_family, pp, d);
}

/* FN(id, matcher...) or FN(id) */
static struct expr *guard_call(struct guard *g, const char *fn, int64_t id,
			       const struct process_data *d, bool with_matcher)
{
	struct expr *args[5];
	args[0] = elab_number(g->E, g->tok, id);
	unsigned n = 1;
	if (with_matcher)
		n += matcher_args(g, d, args + 1);
	return call(g, fn, args, n);
}

int process_lifecycle_add(struct derive_ctx *ctx, struct probe_point *pp, struct process_data *d)
{
	struct guard g = { ctx->E, ctx->tok };
	struct derived_probe *dp, *dp2;
	struct expr *args[4];
	/* a process already running has no exec to see: process(PID) and
	 * -x begin at its next system-call return; -c's command is execed
	 * under the session's eyes (before that, the held child is stap) */
	bool begin_running = d->pid || (d->target && !ctx->E->s->opts.cmd);
	bool plain = !d->path && !(d->kind == PROCESS_BEGIN && begin_running);
	/* process.begin of every process: at each one's first system-call
	 * return (running ones' too) and at each exec, forgotten at exit */
	if (d->kind == PROCESS_BEGIN && !d->path && !d->pid && !d->target) {
		dp = add_at(ctx, pp, d, PROCESS_AT_SYS_EXIT);
		dp->body = guarded_body(&g, guard_call(&g, "_ctap_plc_begins_any", dp->index, d,
						       false), dp->body);
		dp2 = add_at(ctx, pp, d, PROCESS_AT_EXIT);
		dp2->body = guard_only(&g, guard_call(&g, "_ctap_plc_forget", dp->index, d, false));
		return 2;
	}

	switch (d->kind) {
	case PROCESS_BEGIN:
	case PROCESS_END:
	case PROCESS_SYSCALL:
	case PROCESS_SYSCALL_RETURN:
		if (plain) {
			d->event = d->kind == PROCESS_BEGIN ? PROCESS_AT_EXEC
				   : d->kind == PROCESS_END ? PROCESS_AT_EXIT
				   : d->kind == PROCESS_SYSCALL ? PROCESS_AT_SYS_ENTER
				   : PROCESS_AT_SYS_EXIT;
			elab_add_probe(ctx, &process_family, pp, d);
			return 1;
		}
		break;
	default:
		break;
	}
	switch (d->kind) {
	case PROCESS_BEGIN:
		dp = add_at(ctx, pp, d, PROCESS_AT_SYS_EXIT);
		dp->body = guarded_body(&g, guard_call(&g, "_ctap_plc_begins", dp->index, d, true),
					dp->body);
		return 1;
	case PROCESS_END:
		dp = add_at(ctx, pp, d, PROCESS_AT_SYS_EXIT);
		dp->body = guarded_body(&g, guard_call(&g, "_ctap_plc_execs_away", dp->index, d, true),
					dp->body);
		dp2 = add_at(ctx, pp, d, PROCESS_AT_EXIT);
		dp2->body = guarded_body(&g, guard_call(&g, "_ctap_plc_exits", dp->index, d, false),
					 dp2->body);
		return 2;
	case PROCESS_SYSCALL:
	case PROCESS_SYSCALL_RETURN:
		dp = add_at(ctx, pp, d, d->kind == PROCESS_SYSCALL ? PROCESS_AT_SYS_ENTER
								    : PROCESS_AT_SYS_EXIT);
		dp->body = guarded_body(&g, call(&g, "_ctap_plc_match", args,
						 matcher_args(&g, d, args)), dp->body);
		return 1;
	case PROCESS_THREAD_BEGIN:
		dp = add_at(ctx, pp, d, PROCESS_AT_SYS_EXIT);
		dp->body = guarded_body(&g, guard_call(&g, "_ctap_plc_thread_begins", dp->index, d,
						       true), dp->body);
		return 1;
	case PROCESS_THREAD_END:
		dp = add_at(ctx, pp, d, PROCESS_AT_SYS_EXIT);
		dp->body = guard_only(&g, guard_call(&g, "_ctap_plc_thread_seen", dp->index, d, true));
		dp2 = add_at(ctx, pp, d, PROCESS_AT_EXIT);
		dp2->body = guarded_body(&g, guard_call(&g, "_ctap_plc_thread_exits", dp->index, d,
							false), dp2->body);
		return 2;
	default:
		return 0;
	}
}
