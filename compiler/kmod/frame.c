/*
 * frame: the struct of locals and temporaries of one probe handler or one
 * script function (runtime/kmod/README.md §3.3).
 *
 * Script locals are added first, in declaration order; lowering then adds
 * temporaries.  Temporaries of fixed small size (longs, pointers, key and
 * argument arrays) are never reused: each is 8-32 bytes.  String
 * temporaries are MAXSTRINGLEN bytes each, so they are reused: a statement
 * takes a mark before lowering and releases its strings after it, since no
 * temporary outlives the statement that made it (loop state is made before
 * the mark of the loop's body).
 *
 * Invariant: member names never collide with script names, which
 * km_local_name() keeps out of the "__" namespace used here.
 */
#include <string.h>

#include "kmod/kmod.h"
#include "util/arena.h"

struct frame *kframe_new(struct arena *a, const char *tag)
{
	struct frame *f = arena_new_obj(a, struct frame);
	f->tag = tag;
	return f;
}

void kframe_add(struct arena *a, struct frame *f, const char *ctype, const char *name,
	       unsigned count, bool is_string)
{
	struct frame_member m = { ctype, name, count, is_string };
	vec_push(a, &f->members, m);
}

const char *kframe_temp(struct arena *a, struct frame *f, const char *ctype, unsigned count)
{
	const char *name = arena_printf(a, "__t%u", ++f->ntemps);
	kframe_add(a, f, ctype, name, count, false);
	return name;
}

const char *kframe_str(struct arena *a, struct frame *f)
{
	if (f->str_live < f->strs.len)
		return f->strs.items[f->str_live++];
	const char *name = arena_printf(a, "__s%u", f->strs.len + 1);
	kframe_add(a, f, "char", name, 0, true);
	vec_push(a, &f->strs, name);
	f->str_live++;
	return name;
}

unsigned kframe_mark(const struct frame *f)
{
	return f->str_live;
}

void kframe_release(struct frame *f, unsigned mark)
{
	if (mark < f->str_live)
		f->str_live = mark;
}

void kframe_print(struct writer *w, const struct frame *f)
{
	kw_open(w, "struct %s", f->tag);
	vec_foreach(&f->members, i) {
		const struct frame_member *m = &f->members.items[i];
		if (m->is_string)
			kw_line(w, "char %s[MAXSTRINGLEN];", m->name);
		else if (m->count)
			kw_line(w, "%s %s[%u];", m->ctype, m->name, m->count);
		else if (m->ctype[strlen(m->ctype) - 1] == '*')
			kw_line(w, "%s%s;", m->ctype, m->name);
		else
			kw_line(w, "%s %s;", m->ctype, m->name);
	}
	kw_close(w, ";");
}
