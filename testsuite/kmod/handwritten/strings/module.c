/*
 * strings: what the translator emits for (built with -DMAXSTRINGLEN=16)
 *
 *   strings.stp
 *   1  global g = "0123456789"
 *   2  probe begin {
 *   3    s = "abc"; s = s . s; s = s . s . s; println(s)         # aliasing
 *   4    t = g . g; println(t)                                    # truncated to 15
 *   5    u = "x"; u = g . u; println(u)
 *   6    v = sprintf("%s-%d-%s", "ab", 1234567, g); println(v)
 *   7    println(sprint(strlen(t)))
 *   8    exit()
 *   9  }
 *
 * Copies, concatenation with every aliasing of destination and operands,
 * MAXSTRINGLEN truncation of concatenation and sprintf.
 */
#include "kmod/runtime.h"

static char g_g[MAXSTRINGLEN] = "0123456789";
static struct _ctap_global_lock glocks[] = { CTAP_GLOBAL_LOCK("g") };

struct begin_locals {
	char s[MAXSTRINGLEN], t[MAXSTRINGLEN], u[MAXSTRINGLEN], v[MAXSTRINGLEN];
};

union ctap_locals {
	struct begin_locals b;
};

static void println(struct _ctap_context *c, const char *s)
{
	outbuf_puts(_ctap_out(c), s);
	outbuf_putc(_ctap_out(c), '\n');
}

static void probe_begin(struct _ctap_context *c)
{
	struct begin_locals *l = c->locals;
	struct fmt_arg a[3];
	struct outbuf ob;

	l->s[0] = l->t[0] = l->u[0] = l->v[0] = '\0';
	_ctap_strcpy(l->s, "abc");
	_ctap_concat(l->s, l->s, l->s);
	_ctap_concat(l->s, l->s, l->s);
	_ctap_concat(l->s, l->s, l->s);
	println(c, l->s);
	_ctap_concat(l->t, g_g, g_g);
	println(c, l->t);
	_ctap_strcpy(l->u, "x");
	_ctap_concat(l->u, g_g, l->u);
	println(c, l->u);
	a[0] = fmt_arg_str("ab");
	a[1] = fmt_arg_long(1234567);
	a[2] = fmt_arg_str(g_g);
	_ctap_string_out(&ob, l->v);
	_ctap_printf(c, &ob, "%s-%d-%s", a, 3);
	println(c, outbuf_cstr(&ob));
	a[0] = fmt_arg_long(strlen(l->t));
	_ctap_printf(c, _ctap_out(c), "%d\n", a, 1);
	_ctap_exit();
}

static const struct _ctap_lock_req l_begin[] = { { &glocks[0], CTAP_LOCK_READ } };

static const struct _ctap_probe probes[] = {
	{ .handler = probe_begin, .kind = CTAP_PROBE_BEGIN, .pp = "begin",
	  .locks = l_begin, .nlocks = 1 },
};

static const struct _ctap_probe *const be[] = { &probes[0] };

const struct _ctap_module _ctap_module = {
	.locals_size = sizeof(union ctap_locals),
	.probes = probes, .nprobes = ARRAY_SIZE(probes),
	.be = be, .nbe = ARRAY_SIZE(be),
};

#include "kmod/runtime.c"
