#!/bin/sh
# call_edges.sh BUILDDIR [SRCDIR]: prints "FROM TO" for every object of libctap.a
# that uses a symbol another one defines (a call or a reference to its
# data), as source paths (compiler/bpf/lower.o -> compiler/bpf/lower.c).
# Generated objects (grammar, lexer) count as their .y/.l.  With SRCDIR,
# objects whose source is gone (left in an incremental build) are skipped.
src=${2:-}
cd "$1" || exit 2
objs=$(ar t libctap.a 2>/dev/null) || { echo "call_edges: no libctap.a in $1" >&2; exit 2; }
# ar t gives basenames; find the objects of the archive in the tree
find compiler runtime -name '*.o' -type f | LC_ALL=C sort | while read -r o; do
	stem=${o%.o}
	if [ -n "$src" ] && [ ! -e "$src/$stem.c" ] && [ ! -e "$src/$stem.y" ] &&
		[ ! -e "$src/$stem.l" ]; then
		continue
	fi
	nm -A "$o" 2>/dev/null
done | awk -v members="$objs" '
BEGIN { n = split(members, m, "\n"); for (i = 1; i <= n; i++) inlib[m[i]] = 1 }
{
	obj = $1; sub(/:.*/, "", obj)
	base = obj; sub(/.*\//, "", base)
	if (!(base in inlib)) next
	src = obj; sub(/\.o$/, "", src)
	sub(/\/lib[a-z_]*-/, "/", src)
	type = $(NF - 1); sym = $NF
	if (type == "U") users[sym] = users[sym] " " src
	else if (type ~ /^[TDBRVWG]$/) def[sym] = src
	files[src] = 1
}
END {
	for (f in files) print f
	for (sym in users) {
		if (!(sym in def)) continue
		k = split(users[sym], us, " ")
		for (i = 1; i <= k; i++) if (us[i] != def[sym]) print us[i], def[sym]
	}
}' | sort -u
