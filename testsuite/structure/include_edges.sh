#!/bin/sh
# include_edges.sh SRCDIR: prints "FROM TO" for every #include "..." in
# compiler/ and runtime/ that names a file of the tree, as paths relative
# to SRCDIR.  An include is looked up as the compiler finds it: beside the
# including file, then under compiler/ and runtime/ (the -I of the build;
# the kernel-side runtime/kmod and runtime/common only see runtime/).
here=$(cd "$(dirname "$0")" && pwd -P)
files=$("$here/sources.sh" "$1") || exit 2
cd "$1" || exit 2
# shellcheck disable=SC2086
awk -v list="$files" '
function norm(p,    n, i, parts, out, k) {
	n = split(p, parts, "/"); k = 0
	for (i = 1; i <= n; i++) {
		if (parts[i] == "." || parts[i] == "") continue
		if (parts[i] == ".." && k > 0) { k--; continue }
		out[++k] = parts[i]
	}
	p = out[1]; for (i = 2; i <= k; i++) p = p "/" out[i]
	return p
}
BEGIN { n = split(list, fl, "\n"); for (i = 1; i <= n; i++) exists[fl[i]] = 1 }
/^[ \t]*#[ \t]*include[ \t]*"/ {
	inc = $0; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
	dir = FILENAME; sub(/\/[^\/]*$/, "", dir)
	# code that kbuild compiles (runtime/kmod, runtime/common) has only
	# runtime/ on its include path
	if (FILENAME ~ /^runtime\/(kmod|common)\//)
		nc = split(dir "/" inc SUBSEP "runtime/" inc, cands, SUBSEP)
	else
		nc = split(dir "/" inc SUBSEP "compiler/" inc SUBSEP "runtime/" inc, cands, SUBSEP)
	for (c = 1; c <= nc; c++) {
		p = norm(cands[c])
		if (p in exists) { print FILENAME, p; break }
	}
}' $files
