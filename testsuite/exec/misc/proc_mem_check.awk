# proc_mem.stp's output: "mem SIZE RSS SHR TXT DATA" from the script, then
# /proc/PID/statm ("size resident shared text lib data dt") from system();
# prints a verdict for that pair, the rest as it is (the order comes
# from the script).
# resident and shared: the kernel's counters are per-CPU (6.2 and later),
# their central count lags by up to a batch per CPU and kind, and statm is
# read a moment later: within 64 pages and a quarter of statm's value
function near(a, b) { return a - b <= 64 + b / 4 && b - a <= 64 + b / 4 }
$1 == "mem" { size = $2; rss = $3; shr = $4; txt = $5; data = $6; have = 1; next }
$1 == "string" {
	# "size: S, rss: S, shr: S, txt: S, data: S", each S five characters
	n = split(substr($0, 8), part, ", ")
	ok = n == 5
	for (i = 1; i <= n; i++)
		ok = ok && part[i] ~ /^(size|rss|shr|txt|data): / && length(part[i]) - index(part[i], " ") == 5
	print ok ? "proc_mem_string ok" : "proc_mem_string bad: " $0
	next
}
have && NF == 7 && $1 ~ /^[0-9]+$/ {
	if (size == $1 && txt == $4 && data == $6 && near(rss, $2) && near(shr, $3))
		print "statm ok"
	else
		print "statm differs: script " size " " rss " " shr " " txt " " data ", statm " $0
	have = 0
	next
}
{ print }
