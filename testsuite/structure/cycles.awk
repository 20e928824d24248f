# cycles.awk: the dependency circles of a directed graph that pass
# through more than two nodes.
# Input: one edge per line, "FROM TO" (a line with one word adds a node).
# Output: one line per such circle found, "N a -> b -> c -> a", at most one
# per strongly connected component; nothing when there is none.
#
# Two files that use each other (a dispatcher and its handlers: expr.c
# calls arrays.c for a[k], which calls back for k) form a circle of two,
# which is allowed; several such pairs around one file form a strongly
# connected component larger than two without any longer circle.  A
# component has no simple circle longer than two exactly when every edge
# in it goes both ways and its pairs form a tree (edges = nodes - 1):
# a one-way edge u->v closes a longer circle with the path back v..u, and
# a cycle of pairs is itself a longer circle.
{
	if (!($1 in seen)) { seen[$1] = 1; nodes[++n] = $1 }
	if (NF < 2) next
	if (!($2 in seen)) { seen[$2] = 1; nodes[++n] = $2 }
	if ($1 == $2) next
	key = $1 SUBSEP $2
	if (key in edge) next
	edge[key] = 1
	succ[$1, ++nsucc[$1]] = $2
}

# a path from s to t inside component c (BFS), as "s -> ... -> t"
function path(s, t, c,    q, qh, qt, prev, v, i, w, p) {
	delete prev; qh = 1; qt = 0; q[++qt] = s; prev[s] = ""
	while (qh <= qt) {
		v = q[qh++]
		if (v == t) break
		for (i = 1; i <= nsucc[v]; i++) {
			w = succ[v, i]
			if (comp[w] != c || (w in prev)) continue
			prev[w] = v; q[++qt] = w
		}
	}
	p = t
	for (v = prev[t]; v != ""; v = prev[v]) p = v " -> " p
	return p
}

function check(c, size,    i, v, j, w, pairs, p) {
	pairs = 0
	for (i = 1; i <= size; i++) {
		v = members[i]
		for (j = 1; j <= nsucc[v]; j++) {
			w = succ[v, j]
			if (comp[w] != c) continue
			if (!((w SUBSEP v) in edge)) {
				p = path(w, v, c)
				print (split(p, _tmp, " -> ") + 0) " " v " -> " p
				return
			}
			pairs++
		}
	}
	if (pairs / 2 != size - 1)
		print size " pairs that use each other form a ring among: " members_list(size)
}

function members_list(size,    s, i) {
	s = members[1]; for (i = 2; i <= size; i++) s = s " " members[i]
	return s
}

END {
	index_counter = 0; sp = 0; ncomp = 0
	for (i = 1; i <= n; i++) {
		root = nodes[i]
		if (root in idx) continue
		csp = 1; cnode[1] = root; cpos[1] = 0
		idx[root] = low[root] = ++index_counter
		stack[++sp] = root; onstack[root] = 1
		while (csp > 0) {
			v = cnode[csp]
			if (cpos[csp] < nsucc[v]) {
				w = succ[v, ++cpos[csp]]
				if (!(w in idx)) {
					idx[w] = low[w] = ++index_counter
					stack[++sp] = w; onstack[w] = 1
					cnode[++csp] = w; cpos[csp] = 0
				} else if (onstack[w] && idx[w] < low[v]) {
					low[v] = idx[w]
				}
				continue
			}
			if (low[v] == idx[v]) {
				ncomp++; size = 0
				do {
					w = stack[sp--]; onstack[w] = 0
					members[++size] = w; comp[w] = ncomp
				} while (w != v)
				if (size > 2)
					check(ncomp, size)
			}
			csp--
			if (csp > 0) {
				u = cnode[csp]
				if (low[v] < low[u]) low[u] = low[v]
			}
		}
	}
}
