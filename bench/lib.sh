# bench/lib.sh: helpers the bench scripts share; sourced, never run.
# Numbers come one per line on stdin unless said otherwise.

# median of the numbers on stdin ("-" when there are none)
median() {
	sort -n | awk '{ v[NR] = $1 }
		END { if (!NR) print "-"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# smallest of the numbers on stdin
minimum() { sort -n | head -1; }

now_ns() { date +%s%N; }

# wait_for FILE PATTERN: until a tracer's output says it is attached
wait_for() {
	local _
	for _ in $(seq 1 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.02; done
	echo "bench: '$2' never appeared in $1" >&2
	cat "$1" >&2
	return 1
}

# cpu_wall_ms CMD...: "cpu_ms wall_ms" of one run of CMD (perf stat)
cpu_wall_ms() {
	perf stat -x, -e task-clock,duration_time "$@" 2>&1 >/dev/null |
		awk -F, '/task-clock/ { c = $1 } /duration_time/ { w = $1 / 1e6 }
			 END { printf "%.1f %.1f\n", c, w }'
}

# median_cpu_wall_ms N CMD...: medians of N runs of cpu_wall_ms
median_cpu_wall_ms() {
	local n=$1 i runs
	shift
	runs=$(for ((i = 0; i < n; i++)); do cpu_wall_ms "$@"; done)
	echo "$(cut -d' ' -f1 <<<"$runs" | median) $(cut -d' ' -f2 <<<"$runs" | median)"
}
