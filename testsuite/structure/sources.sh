#!/bin/sh
# sources.sh SRCDIR: the source files of compiler/ and runtime/ that people
# write (.c .h .l .y .def), relative to SRCDIR, sorted.  An in-tree build
# puts generated files beside them (the scanner and parser bison and flex
# write, the embedded BPF object), which are not ours to size or layer:
# git knows which files are tracked; without git, a .c or .h next to the
# .l or .y it comes from, and an *_obj.c embedding, are left out.
cd "$1" || exit 2
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -- compiler runtime | grep -E '\.([chly]|def)$'
else
	find compiler runtime \( -name '*.[chly]' -o -name '*.def' \) -type f |
		while read -r f; do
			stem=${f%.*}
			case "$f" in
			*.c) [ -e "$stem.l" ] || [ -e "$stem.y" ] && continue ;;
			*.h) [ -e "$stem.y" ] && continue ;;
			esac
			case "$f" in *_obj.c) continue ;; esac
			echo "$f"
		done
fi | LC_ALL=C sort
