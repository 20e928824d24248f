# times_tid.stp's output: "start N" (task_start_time() in clock ticks)
# from the script and a bare number (field 22 of /proc/PID/stat) from
# system(), in either order; a verdict for the pair at the end, every
# other line as it is.
$1 == "start" && NF == 2 { mine = $2; next }
/^[0-9]+$/ { proc = $1; next }
{ print }
END {
	if (mine != "" && mine == proc)
		print "task_start_time matches /proc/PID/stat: ok"
	else
		print "task_start_time " mine " but /proc/PID/stat says " proc
}
