# scc.awk: strongly connected components of a directed graph.
# Input: one edge per line, "FROM TO" (a line with one word adds a node).
# Output: one line per component of more than one node, its nodes sorted
# and space-separated, preceded by its size: "3 a.c b.c c.c".
# Tarjan's algorithm, iterative (awk has no local arrays per call frame).
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
END {
	index_counter = 0
	sp = 0
	for (i = 1; i <= n; i++) {
		root = nodes[i]
		if (root in idx) continue
		# call stack of (node, next successor position)
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
				comp = ""; size = 0
				do {
					w = stack[sp--]; onstack[w] = 0
					members[++size] = w
				} while (w != v)
				if (size > 1) {
					# insertion sort: components are small
					for (a = 2; a <= size; a++) {
						t = members[a]
						for (b = a - 1; b >= 1 && members[b] > t; b--)
							members[b + 1] = members[b]
						members[b + 1] = t
					}
					comp = size
					for (a = 1; a <= size; a++) comp = comp " " members[a]
					print comp
				}
			}
			csp--
			if (csp > 0) {
				u = cnode[csp]
				if (low[v] < low[u]) low[u] = low[v]
			}
		}
	}
}
