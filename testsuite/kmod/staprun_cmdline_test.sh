#!/usr/bin/env bash
# staprun_cmdline_test: staprun's command-line checks, on the host (no
# module is ever loaded): each bad invocation must exit 1 with the right
# first ERROR line, never crash.  Covers the twelve invocations of the
# conformance corpus (parseko/cmdline09..21) and a few more.
set -u
builddir=${CTAP_BUILDDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
staprun=$builddir/staprun
[ -x "$staprun" ] || { echo "no staprun at $staprun (run make first)"; exit 1; }

fail=0
check() { # check 'EXPECTED FIRST LINE' ARGS...
	local want=$1 out rc
	shift
	out=$("$staprun" "$@" 2>&1 </dev/null)
	rc=$?
	if [ $rc != 1 ] || [ "$(printf '%s\n' "$out" | head -n 1)" != "$want" ]; then
		echo "not ok - staprun $*: status $rc: $(printf '%s\n' "$out" | head -n 1)"
		fail=1
	else
		echo "ok - staprun $*"
	fi
}

long=stap_123456789012345678901234567890123456789012345678901234567890
check "ERROR: Module name ('$long') is too long (at most 55 characters)." "$long"
check "ERROR: Invalid buffer size '0' (should be 1-4095)." -b 0 fake_module
check "ERROR: Invalid buffer size '4096' (should be 1-4095)." -b 4096 fake_module
check "ERROR: You can't specify the '-A' and '-L' options together." -L -A fake_module
check "ERROR: You can't specify the '-A' and '-b' options together." -A -b 2 fake_module
check "ERROR: You can't specify the '-A' and '-c' options together." -A -c bash fake_module
check "ERROR: You can't specify the '-A' and '-x' options together." -A -x 100 fake_module
check "ERROR: You can't specify the '-c' and '-x' options together." -c /bin/ls -x 100 fake_module
check "ERROR: You can't specify the '-D' and '-L' options together." -L -D fake_module
check "ERROR: You can't specify the '-D' and '-d' options together." -d -D fake_module
check "ERROR: You can't specify the '-D' and '-c' options together." -c /bin/ls -D fake_module
check "ERROR: You have to specify output FILE with '-D' option." -D fake_module
check "ERROR: You have to specify output FILE with '-S' option." -S 1,1 fake_module
check "ERROR: Need a module name or path to load." -v
check "ERROR: Invalid target process ID 'abc'." -x abc fake_module
check "ERROR: Invalid output split '0' (should be SIZE[,N], SIZE in MB >= 1)." -o f -S 0 fake_module
check "ERROR: Invalid module option 'novalue' (should be NAME=VALUE)." fake_module novalue
check "ERROR: Unknown option '-Q'." -Q fake_module
check "ERROR: Option '-c' needs an argument." -c
check "ERROR: Unknown option '--bogus' (staprun takes short options only)." --bogus fake_module
check "ERROR: Unknown option '--output=f' (staprun takes short options only)." -v --output=f fake_module
check "ERROR: Couldn't open module '/nonexistent/m.ko': No such file or directory" /nonexistent/m.ko
# --help and --version, as -h and -V: status 0
for opt in --help --version; do
	out=$("$staprun" $opt 2>&1)
	rc=$?
	case "$opt:$rc:$out" in
	--help:0:*"Loads a ctap probe module"*|--version:0:"ctap staprun"*) echo "ok - staprun $opt" ;;
	*) echo "not ok - staprun $opt: status $rc: $(printf '%s\n' "$out" | head -n 2)"; fail=1 ;;
	esac
done
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$staprun" fake_module 2>&1)
	rc=$?
	case "$rc:$out" in
	"1:ERROR: staprun must be run as root"*) echo "ok - staprun as a non-root user" ;;
	*) echo "not ok - staprun as a non-root user: status $rc: $out"; fail=1 ;;
	esac
fi
exit $fail
