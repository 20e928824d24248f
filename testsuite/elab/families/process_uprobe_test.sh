#!/usr/bin/env bash
# process_uprobe_test.sh: process(...).function/.plt/.mark/.statement on
# binaries this test compiles (PIE and non-PIE, with and without -g, -O0
# and -O2, a hand-written USDT note with a semaphore), checked against
# what readelf/nm say: file offsets (vaddr - p_vaddr + p_offset of the
# segment), -L variable lists, $var errors, -c.
set -u
# stap's output is piped through sed and grep here: its status still counts
set -o pipefail
stap=${CTAP_STAP:-stap}
command -v gcc >/dev/null || { echo "skip: no gcc"; exit 77; }
command -v readelf >/dev/null || { echo "skip: no readelf"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/ctap-uprobe.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect() { # expect NAME EXPECTED ACTUAL
	if [ "$2" != "$3" ]; then
		fail "$1"
		diff <(echo "$2") <(echo "$3") | sed 's/^/    /'
	fi
}
norm() { sed "s|$dir|TMP|g"; }
# refused NAME ARGS...: stap must refuse the script (status 1, not a crash
# after the message); its stderr is left in ./err for the caller's grep
refused() {
	local name=$1 rc
	shift
	"$stap" "$@" >/dev/null 2>err
	rc=$?
	[ $rc = 1 ] || { fail "$name: stap exited with status $rc, expected 1"; cat err; }
}

cat > t.c <<'EOF'
#include <stdio.h>
struct point { int x, y; };
static int counter;
int foo(struct point p, int i) { int local = p.x + i; counter++; return local + p.y; }
long bar(long a, char *s, struct point *pp) { return a + s[0] + pp->x; }
int main(int argc, char **argv) { struct point p = {2,3}; printf("%d\n", foo(p, argc)); return bar(1, argv[0], &p) > 0; }
EOF
cat > m.c <<'EOF'
/* A USDT probe written by hand (no <sys/sdt.h>): one .note.stapsdt entry
 * with a semaphore; the compiler formats the operands. */
unsigned short demo_ready_semaphore __attribute__((section(".probes"), used));
#define DEMO_READY(a, b, c) __asm__ __volatile__( \
	"990: nop\n" \
	".pushsection .note.stapsdt,\"?\",\"note\"\n" \
	".balign 4\n" \
	".4byte 992f-991f, 994f-993f, 3\n" \
	"991: .asciz \"stapsdt\"\n" \
	"992: .balign 4\n" \
	"993: .8byte 990b\n" \
	".8byte _.stapsdt.base\n" \
	".8byte demo_ready_semaphore\n" \
	".asciz \"demo\"\n" \
	".asciz \"ready\"\n" \
	".asciz \"-4@%k0 8@%1 -4@%2\"\n" \
	"994: .balign 4\n" \
	".popsection\n" \
	".ifndef _.stapsdt.base\n" \
	".pushsection .stapsdt.base,\"aG\",\"progbits\",.stapsdt.base,comdat\n" \
	".weak _.stapsdt.base\n" \
	".hidden _.stapsdt.base\n" \
	"_.stapsdt.base: .space 1\n" \
	".size _.stapsdt.base, 1\n" \
	".popsection\n" \
	".endif\n" \
	: : "r"(a), "r"(b), "m"(c))
int work(int n, long m)
{
	int local = n * 2;
	if (demo_ready_semaphore)
		DEMO_READY(n, m, local);
	return local + (int)m;
}
int main(int argc, char **argv) { (void)argv; return work(argc, 40) == 0; }
EOF
gcc -g -O0 -fPIE -pie -o t0 t.c || { echo "skip: gcc cannot build a PIE"; exit 77; }
gcc -g -O0 -fno-pie -no-pie -o tnp t.c || { echo "skip: gcc cannot build non-PIE"; exit 77; }
gcc -O2 -o tn t.c && strip --strip-debug tn
gcc -g -O2 -o t2 t.c
gcc -g -O0 -o m m.c || exit 1

# file offset of a link-time address, from the program headers
offset_of() { # FILE VADDR(hex)
	local a=$(($2)) off vaddr filesz
	while read -r off vaddr filesz; do
		if [ $a -ge $((vaddr)) ] && [ $a -lt $((vaddr + filesz)) ]; then
			printf '0x%x\n' $((a - vaddr + off))
			return
		fi
	done < <(readelf -lW "$1" | awk '$1 == "LOAD" { print $2, $3, $5 }')
}
sym() { nm "$1" | awk -v n="$2" '$3 == n { print "0x" $1; exit }' | sed 's/0x0*/0x/'; }
pc_of() { sed -n 's|.*/\* pc=\(0x[0-9a-f]*\) offset=\(0x[0-9a-f]*\).*|\1 \2|p'; }

# -L: DWARF functions with file:line and the variables readable at the
# probe address (-O0: after the prologue, on the stack)
out=$("$stap" -L 'process("./t0").function("*")' 2>&1 | grep '@' | norm) || fail "-L -O0 functions: status $?"
expect "-L -O0 functions" \
'process("TMP/t0").function("bar@TMP/t.c:5") $a:long int $s:char* $pp:struct point*
process("TMP/t0").function("foo@TMP/t.c:4") $p:struct point $i:int $local:int
process("TMP/t0").function("main@TMP/t.c:6") $argc:int $argv:char** $p:struct point' "$out"

out=$("$stap" -L 'process("./t0").function("bar").return' 2>&1 | norm) || fail "-L .return: status $?"
expect "-L .return" \
'process("TMP/t0").function("bar@TMP/t.c:5").return $return:long int $a:long int $s:char* $pp:struct point*' "$out"

# without DWARF: symbols only, bare names
out=$("$stap" -L 'process("./tn").function("foo")' 2>&1 | norm) || fail "-L no DWARF: status $?"
expect "-L no DWARF" 'process("TMP/tn").function("foo")' "$out"

# PLT and marks
out=$("$stap" -L 'process("./t0").plt("print*")' 2>&1 | norm) || fail "-L plt: status $?"
expect "-L plt" 'process("TMP/t0").plt("printf")' "$out"
out=$("$stap" -L 'process("./m").mark("*")' 2>&1 | norm) || fail "-L mark: status $?"
expect "-L mark" 'process("TMP/m").mark("ready") $arg1:long $arg2:long $arg3:long' "$out"

# offsets: entry of a symbol-only function (PIE) and a .return (non-PIE)
for f in tn:foo tnp:bar t0:main; do
	bin=${f%%:*} fn=${f#*:}
	want_pc=$(sym "$bin" "$fn")
	want_off=$(offset_of "$bin" "$want_pc")
	got=$("$stap" -p2 -e "probe process(\"./$bin\").function(\"$fn\").return { println(1) }" 2>&1 |
	      pc_of) || fail "offset of $bin:$fn: status $?"
	expect "offset of $bin:$fn" "$want_pc $want_off" "$got"
done

# the mark: pc and semaphore as file offsets
note=$(readelf -n m | sed -n 's/.*Location: \(0x[0-9a-f]*\),.*Semaphore: \(0x[0-9a-f]*\)/\1 \2/p')
set -- $note
mpc=$(printf '0x%x' $(($1))) msem=$(printf '0x%x' $(($2)))
got=$("$stap" -p2 -e 'probe process("./m").provider("demo").mark("ready") { println($arg1, $arg2, $arg3, $$name, $$provider) }' 2>&1 |
      sed -n 's|.*/\* pc=\(0x[0-9a-f]*\) offset=\(0x[0-9a-f]*\) semaphore=\(0x[0-9a-f]*\) .*|\1 \2 \3|p') ||
	fail "mark offsets: status $?"
expect "mark offsets" "$mpc $(offset_of m $mpc) $(offset_of m $msem)" "$got"

# $vars: accessible ones resolve, the others fail with DWARF's message
"$stap" -p2 -e 'probe process("./t0").function("foo") { println($p->x, $p->y, $i, $local, &$local) }
probe process("./t0").function("bar").return { println($return, $a, $pp->y, @entry($s)) }
probe process("./tnp").function("main") { println($argv[0], $argc) }' >/dev/null 2>err ||
	{ fail "-O0 \$vars"; cat err; }
refused "no DWARF \$var" -p2 -e 'probe process("./tn").function("foo") { println($i) }'
grep -q "unable to find local 'i', \[man error::dwarf\]" err || { fail "no DWARF \$var"; cat err; }
refused alternatives -p2 -e 'probe process("./t0").function("foo") { println($nosuch) }'
grep -q "unable to find local 'nosuch', \[man error::dwarf\] (alternatives: \$p \$i \$local)" err ||
	{ fail "alternatives"; cat err; }
refused member -p2 -e 'probe process("./t0").function("foo") { println($p->z) }'
grep -q "unable to find member 'z' for struct point" err || { fail "member"; cat err; }
refused "locals in .return" -p2 -e 'probe process("./t0").function("foo").return { println($local) }'
grep -q "unable to find local 'local'" err || { fail "locals in .return"; cat err; }
refused "\$return at entry" -p2 -e 'probe process("./t0").function("foo") { println($return) }'
grep -q "only available in .return probes" err || { fail "\$return at entry"; cat err; }
refused _start.return -p2 -e 'probe process("./t0").function("_start").return { }'
grep -q "cannot be probed on return" err || { fail "_start.return"; cat err; }

# -c fills in an unqualified process probe
out=$("$stap" -p2 -e 'probe process.function("foo") { println(1) }' -c "./t0 arg" 2>&1 |
      sed -n 's|^\(process("[^"]*").function("[^"]*")\).*|\1|p' | norm) || fail "-c: status $?"
expect "-c" 'process("TMP/t0").function("foo@TMP/t.c:4")' "$out"

# statements by line: at the function's first line (its entry, before
# the -O0 prologue stored the parameters) $a would be garbage: refused;
# the next line of main is after it
out=$("$stap" -p2 -e 'probe process("./t0").statement("bar@t.c:5") { println(1) }' 2>&1 |
      sed -n 's|^\(process("[^"]*").statement("[^"]*")\).*|\1|p' | norm) || fail "statement: status $?"
expect "statement" 'process("TMP/t0").statement("bar@TMP/t.c:5")' "$out"
refused prologue -p2 -e 'probe process("./t0").statement("bar@t.c:5") { println($a) }'
grep -q "read before the function's prologue has stored it" err || { fail "prologue"; cat err; }

[ $fails = 0 ] || exit 1
echo "all uprobe checks passed"
