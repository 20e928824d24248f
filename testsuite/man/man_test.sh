#!/bin/bash
# The manual: every page (the written ones in man/, the tapset reference
# made from the tapset's doc comments in the build's man/gen/) renders with
# `man -l` without a warning; every `[man PAGE]` pointer a diagnostic
# prints has its page; every public function and probe alias of the
# tapset has its function::NAME / probe::NAME page; and after
# `make install DESTDIR=...` man finds them by name (`man
# function::execname`, `man stap`, `man error::pass2`).
set -u
src=$CTAP_SRCDIR build=$CTAP_BUILDDIR
stap=${CTAP_STAP:-$build/stap}
command -v man >/dev/null || { echo "no man here (man-db: ctap-setup --test installs it)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

[ -s "$build/man/gen/pages.list" ] || { echo "FAIL: no $build/man/gen/pages.list (make builds it)"; exit 1; }
pages=()
for f in "$src"/man/*.[1-8] "$src"/man/*.[1-8]stap "$build"/man/gen/*.3stap; do
	[ -e "$f" ] && pages+=("$f")
done
echo "${#pages[@]} pages"

# 1. each renders without a warning: the written pages through man -l; the
# generated ones (hundreds, a tenth of a second each through man) with the
# same groff and macros man uses, warnings on, in one run (its warnings
# name the file), and a sample of them through man -l too
render_check() {
	"$@" >"$work/out" 2>"$work/err"
	[ -s "$work/err" ] && fail "${f##*/}: $(head -3 "$work/err")"
	[ -s "$work/out" ] || fail "${f##*/}: renders as nothing"
}
for f in "${pages[@]}"; do
	# the written pages ($src/man/, which holds gen/ in an in-tree build)
	# and a sample of the generated ones
	case "${f%/*}:${f##*/}" in
	"$src/man":*|*:function::execname.3stap|*:probe::vfs.read.3stap|*:probe::syscall.openat.3stap|\
	*:probe::syscall.mremap.3stap|*:function::kernel_string.3stap|*:stapfuncs.3stap)
		render_check env LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$f" ;;
	esac
done
(cd "$build/man/gen" && groff -man -ww -z -- *.3stap) >"$work/out" 2>"$work/err"
[ -s "$work/err" ] && fail "generated pages: $(head -5 "$work/err")"

declare -A page_names
for p in "${pages[@]}"; do
	b=${p##*/}
	page_names[${b%.*}]=1
done
has_page() { [ -n "${page_names[$1]:-}" ]; }

# 2. the pages the diagnostics point to
pointers=$(cd "$src" && grep -rhoE '\[man [a-z_]+(::[a-z0-9_]+)?\]' compiler runtime |
	sed 's/^\[man //; s/\]$//' | sort -u)
pointers+=" $(cd "$src" && grep -ohE '"(error|warning)::[a-z0-9_]+"' compiler/diag/diag_codes.def compiler/driver.c |
	tr -d '"')"
pointers=$(printf '%s\n' $pointers | sort -u)
n=0
for p in $pointers; do
	n=$((n + 1))
	has_page "$p" || fail "diagnostics point to [man $p], which has no page"
done
echo "$n pointers checked"

# 3. the tapset reference covers every public function and alias
"$stap" --dump-functions 2>/dev/null | sed 's/[: (].*//' | grep -v '^_' | sort -u >"$work/functions"
[ -s "$work/functions" ] || fail "stap --dump-functions listed nothing"
while read -r f; do
	has_page "function::$f" || fail "function $f has no page function::$f"
done <"$work/functions"
"$stap" --dump-probe-aliases 2>/dev/null | sed 's/ = .*//' | grep -v '^_' | grep -v '\._' |
	sort -u >"$work/aliases"
[ -s "$work/aliases" ] || fail "stap --dump-probe-aliases listed nothing"
while read -r a; do
	family=${a%.return}
	family=${family/#nd_syscall./syscall.}
	has_page "probe::$a" || has_page "probe::$family" || fail "probe alias $a has no page"
done <"$work/aliases"
echo "$(wc -l <"$work/functions") functions, $(wc -l <"$work/aliases") aliases checked"

# 4. installed, man finds them by name
make -s -C "$build" install DESTDIR="$work/root" >"$work/install.log" 2>&1 ||
	{ cat "$work/install.log"; fail "make install failed"; exit 1; }
mandir=$(dirname "$(dirname "$(find "$work/root" -name 'function::execname.3stap' | head -1)")")
[ -d "$mandir/man3" ] || { fail "make install put no function::execname.3stap"; exit 1; }
for name in stap staprun stap-prep stapprobes stapfuncs stapvars function::execname \
	probe::vfs.read probe::syscall.openat error::pass2 warning::symbols; do
	w=$(MANPATH=$mandir man -w "$name" 2>&1)
	case "$w" in "$mandir"/*) ;; *) fail "man -w $name: $w" ;; esac
done
MANPATH=$mandir MANWIDTH=80 man function::execname 2>&1 | grep -q 'execname:string ()' ||
	fail "man function::execname does not show its synopsis"
installed=$(find "$mandir" -type f | wc -l)
[ "$installed" -ge "${#pages[@]}" ] || fail "make install put $installed pages, not ${#pages[@]}"
echo "$installed pages installed under ${mandir#"$work/root"}"
exit $failed
