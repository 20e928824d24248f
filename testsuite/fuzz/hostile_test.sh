#!/bin/bash
# hostile_test: the real stap binary on hostile pass-1 inputs.  Each must
# end with a clean error (exit status 1 and a parse error or input-file
# message, no signal), within 30 seconds, under a 2 GB address-space limit,
# with a bounded amount of messages; the few that are valid scripts (10,000
# nested conditionals) must parse.  The inputs are generated here (awk and
# printf); some of the same shapes, smaller, are fuzzer regression inputs
# (testsuite/fuzz/regressions).
set -u
stap=${CTAP_STAP:-${CTAP_BUILDDIR:-.}/stap}
[ -x "$stap" ] || { echo "no stap at $stap"; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ctap-hostile.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# --- the inputs (awk and printf only: nothing to install)
rep() { # TEXT COUNT -> TEXT repeated COUNT times
	awk -v s="$1" -v n="$2" 'BEGIN { ORS = ""; for (i = 0; i < n; i++) print s }'
}
join() { # TEXT SEP COUNT -> TEXT SEP TEXT ... (COUNT times)
	awk -v s="$1" -v sep="$2" -v n="$3" 'BEGIN { ORS = ""; for (i = 0; i < n; i++) print (i ? sep : "") s }'
}
put() { printf '%s' "$@" >"$tmp/$name.stp"; }
mb=$(rep a 1048576)
# 1 MB on one line, with an error at its end / a 1 MB identifier
name=long_line; put "probe begin { s = \"$mb\" + }" $'\n'
name=long_identifier; put "probe begin { $mb = 1 } }" $'\n'
# nesting and length
name=nested_parens; put "probe begin { x = $(rep '(' 10000)1$(rep ')' 10000) }" $'\n'
name=nested_brackets; put "probe begin { x = a$(rep '[' 10000)1$(rep ']' 10000) }" $'\n'
name=nested_blocks; put "probe begin $(rep '{' 100000)$(rep '}' 100000)" $'\n'
name=long_sum; put "probe begin { x = $(join 1 + 100000) }" $'\n'
name=long_concat; put "probe begin { x = $(join '"a"' ' . ' 100000) }" $'\n'
name=nested_ifs; put "probe begin { $(rep 'if (1) ' 10000)x = 1 }" $'\n'
name=nested_ifs_100k; put "probe begin { $(rep 'if (1) ' 100000)x = 1 }" $'\n'
name=nested_unary; put "probe begin { x = $(rep '- ' 100000)1 }" $'\n'
name=nested_decrements; put "probe begin { x = $(rep - 100000)1 }" $'\n'
name=nested_ternary; put "probe begin { x = $(rep '1 ? ' 50000)1$(rep ' : 1' 50000) }" $'\n'
name=deep_macro_args
put '@define m(x) %( @x %)' $'\n' "probe begin { x = $(rep '@m(' 5000)1$(rep ')' 5000) }" $'\n'
# bytes
printf 'probe begin { x = 1 }\n\0\0\0probe end { }\n' >"$tmp/nul_bytes.stp"
printf 'probe begin { x = "\xff\xfe\xc3\x28" }\n\xc3\x28 \xe2\x82 probe end { \xf0\x90\x80 }\n' \
	>"$tmp/invalid_utf8.stp"
printf '\001\002\003\004\005\006\007\010\013\014\016\017\020\021\022\023\024\025\026\027\030\031\032\033\034\035\036\037\n' \
	>"$tmp/control_bytes.stp"
# unterminated constructs
name=unterminated_embedded; put "$(rep $'probe begin { %{ int x;\n' 1000)"
name=unterminated_string; put 'probe begin { x = "abc' $'\n'
name=unterminated_comment; put $'probe begin { }\n/* ' "$(rep x 100000)" $'\n'
name=unterminated_conditional; put "$(rep '%( 1 == 1 %? ' 1000)probe begin { }" $'\n'
name=unterminated_macro; put "@define m %( $(rep 'x ' 100000)" $'\n'
# macros that never end
name=self_recursive_macro; put $'@define a %( @a %)\nprobe begin { @a }\n'
name=mutual_recursive_macro; put $'@define a %( @b %)\n@define b %( @a %)\nprobe begin { x = @a }\n'
name=exponential_macro
put "$(awk 'BEGIN { print "@define a0 %( 1 %)"
	for (i = 1; i < 64; i++) printf "@define a%d %%( @a%d @a%d %%)\n", i, i - 1, i - 1
	print "probe begin { x = @a63 }" }')" $'\n'
# many errors, a huge literal
name=many_errors; put "$(rep $'probe begin { x = }\n' 100000)"
name=many_probes_one_error; put "$(rep $'probe begin { }\n' 100000)probe end { x = }" $'\n'
name=huge_number; put "probe begin { x = $(rep 9 100000) }" $'\n'
# valid, if unusual: must parse
name=ok_nested_conditionals
put "$(rep '%( 1 == 1 %? ' 10000)probe begin { }$(rep ' %)' 10000)" $'\n'

# ASan reserves terabytes of address space: no ulimit -v for such a build
limit=2000000
if nm "$stap" 2>/dev/null | grep -q __asan_init || ldd "$stap" 2>/dev/null | grep -q libasan; then
	limit=unlimited
fi

failed=0
n=0
for f in "$tmp"/*.stp; do
	name=$(basename "$f" .stp)
	n=$((n + 1))
	start=$(date +%s%N)
	( ulimit -v $limit; exec timeout -k 5 30 "$stap" -p1 "$f" ) >"$tmp/out" 2>"$tmp/err"
	rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	want=1
	case "$name" in ok_*) want=0 ;; esac
	why=""
	if [ $rc -ge 124 ]; then
		why="status $rc (timeout or signal)"
	elif [ $rc != $want ]; then
		why="status $rc, expected $want"
	elif [ $want = 1 ] && ! grep -q '^parse error: \|^Input file ' "$tmp/err"; then
		why="no parse error message"
	elif [ "$(stat -c %s "$tmp/err")" -gt 200000 ]; then
		why="$(stat -c %s "$tmp/err") bytes of messages"
	fi
	if [ -n "$why" ]; then
		failed=$((failed + 1))
		echo "FAIL $name: $why"
		head -3 "$tmp/err" | cut -c1-200
	else
		printf '%-26s ok  %5d ms  %s\n' "$name" "$ms" \
			"$(grep -m1 '^parse error: \|^Input file ' "$tmp/err" | cut -c1-80)"
	fi
done
echo "hostile inputs: $n run, $failed failed"
[ $failed = 0 ]
