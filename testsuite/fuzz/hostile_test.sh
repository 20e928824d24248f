#!/bin/bash
# hostile_test: the real stap binary on hostile pass-1 inputs.  Each must
# end with a clean error (exit status 1 and a parse error or input-file
# message, no signal), within 30 seconds, under a 2 GB address-space limit,
# with a bounded amount of messages; the few that are valid scripts (10,000
# nested conditionals) must parse.  The inputs are generated here; the
# same shapes, smaller, are fuzzer regression inputs (testsuite/fuzz/regressions).
set -u
stap=${CTAP_STAP:-${CTAP_BUILDDIR:-.}/stap}
[ -x "$stap" ] || { echo "no stap at $stap"; exit 2; }
command -v python3 >/dev/null || { echo "skipped: python3 is needed to generate the inputs"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ctap-hostile.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

python3 - "$tmp" <<'EOF'
import sys, os
d = sys.argv[1]
big = 'a' * (1 << 20)
cases = {
    # 1 MB on one line, with an error at its end / a 1 MB identifier
    'long_line': 'probe begin { s = "' + big + '" + }\n',
    'long_identifier': 'probe begin { ' + big + ' = 1 } }\n',
    # nesting and length
    'nested_parens': 'probe begin { x = ' + '(' * 10000 + '1' + ')' * 10000 + ' }\n',
    'nested_brackets': 'probe begin { x = a' + '[' * 10000 + '1' + ']' * 10000 + ' }\n',
    'nested_blocks': 'probe begin ' + '{' * 100000 + '}' * 100000 + '\n',
    'long_sum': 'probe begin { x = ' + '+'.join(['1'] * 100000) + ' }\n',
    'long_concat': 'probe begin { x = ' + ' . '.join(['"a"'] * 100000) + ' }\n',
    'nested_ifs': 'probe begin { ' + 'if (1) ' * 10000 + 'x = 1 }\n',
    'nested_ifs_100k': 'probe begin { ' + 'if (1) ' * 100000 + 'x = 1 }\n',
    'nested_unary': 'probe begin { x = ' + '- ' * 100000 + '1 }\n',
    'nested_decrements': 'probe begin { x = ' + '-' * 100000 + '1 }\n',
    'nested_ternary': 'probe begin { x = ' + '1 ? ' * 50000 + '1' + ' : 1' * 50000 + ' }\n',
    'deep_macro_args': '@define m(x) %( @x %)\nprobe begin { x = ' + '@m(' * 5000 + '1' + ')' * 5000 + ' }\n',
    # bytes
    'nul_bytes': 'probe begin { x = 1 }\n\0\0\0probe end { }\n',
    'invalid_utf8': 'probe begin { x = "\xff\xfe\xc3\x28" }\n\xc3\x28 \xe2\x82 probe end { \xf0\x90\x80 }\n',
    'control_bytes': ''.join(chr(c) for c in range(1, 32) if c not in (9, 10, 13)) + '\n',
    # unterminated constructs
    'unterminated_embedded': 'probe begin { %{ int x;\n' * 1000,
    'unterminated_string': 'probe begin { x = "abc\n',
    'unterminated_comment': 'probe begin { }\n/* ' + 'x' * 100000 + '\n',
    'unterminated_conditional': '%( 1 == 1 %? ' * 1000 + 'probe begin { }\n',
    'unterminated_macro': '@define m %( ' + 'x ' * 100000 + '\n',
    # macros that never end
    'self_recursive_macro': '@define a %( @a %)\nprobe begin { @a }\n',
    'mutual_recursive_macro': '@define a %( @b %)\n@define b %( @a %)\nprobe begin { x = @a }\n',
    'exponential_macro': '@define a0 %( 1 %)\n' +
        ''.join('@define a%d %%( @a%d @a%d %%)\n' % (i, i - 1, i - 1) for i in range(1, 64)) +
        'probe begin { x = @a63 }\n',
    # many errors, a huge literal
    'many_errors': 'probe begin { x = }\n' * 100000,
    'many_probes_one_error': 'probe begin { }\n' * 100000 + 'probe end { x = }\n',
    'huge_number': 'probe begin { x = ' + '9' * 100000 + ' }\n',
    # valid, if unusual: must parse
    'ok_nested_conditionals': '%( 1 == 1 %? ' * 10000 + 'probe begin { }' + ' %)' * 10000 + '\n',
}
for name, text in cases.items():
    with open(os.path.join(d, name + '.stp'), 'wb') as f:
        f.write(text.encode('latin-1'))
EOF

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
