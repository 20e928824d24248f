#!/bin/bash
# -o FILE -S 1,3 on the BPF back end: a script printing about 3.5 MB of
# numbered lines leaves exactly FILE.K-2, FILE.K-1 and FILE.K (SystemTap's
# names: FILE.0 is the first), none over 1 MB, no line split between two
# files; and every line is accounted for: the lines on disk are the script's
# last ones, in order, up to its "total" line, and the lines before them
# are exactly the ones the session reports removed with FILE.0 to FILE.K-3.
set -u
[ "$(id -u)" = 0 ] || { echo "needs root (the BPF back end)"; exit 77; }
[ -e /sys/kernel/btf/vmlinux ] || { echo "no BTF: no BPF back end here"; exit 77; }
stap=${CTAP_STAP:-$CTAP_BUILDDIR/stap}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
n=72000
"$stap" --runtime=bpf -DMAXACTION=1000000 -o out -S 1,3 -e '
probe begin {
	for (i = 0; i < $1; i++)
		printf("line %d %s\n", i, "....:....1....:....2....:....3....:..")
	printf("total %d\n", i)
	exit()
}' $n >stdout.txt 2>stderr.txt || { echo "stap failed"; cat stderr.txt; exit 1; }
[ -s stdout.txt ] && { echo "stdout not empty"; exit 1; }
files=$(ls | grep -v '^std' | sort -t. -k2n)
[ "$(echo "$files" | wc -l)" = 3 ] || { echo "not three files:" $files; exit 1; }
last=$(echo "$files" | tail -n1)
k=${last#out.}
[ "$files" = "$(printf 'out.%d\n' $((k - 2)) $((k - 1)) "$k")" ] ||
	{ echo "names are not out.N, consecutive:" $files; exit 1; }
[ "$k" -ge 3 ] || { echo "expected a removed file, the newest is $last"; exit 1; }
for f in $files; do
	size=$(stat -c %s "$f")
	[ "$size" -le 1048576 ] || { echo "$f is $size bytes, over 1 MB"; exit 1; }
	[ "$f" = "$last" ] || [ "$size" -gt 1000000 ] || { echo "$f is only $size bytes"; exit 1; }
	[ "$(tail -c1 "$f" | od -An -c | tr -d ' ')" = '\n' ] || { echo "$f ends inside a line"; exit 1; }
done
# what the session says rotation removed: out.0 to out.K-3, and their lines
msg=$(grep -- '-S keeps' stderr.txt) || { echo "no report of the removed files"; cat stderr.txt; exit 1; }
removed=$(echo "$msg" | sed -n 's/.* with the \([0-9]*\) lines \(it\|they\) held$/\1/p')
if [ "$k" = 3 ]; then gone="out\.0 was removed"; else gone="out\.0 to out\.$((k - 3)) were removed"; fi
echo "$msg" | grep -q "$gone" || { echo "report names other files: $msg"; exit 1; }
[ -n "$removed" ] || { echo "no line count in: $msg"; exit 1; }
# on disk: "line R" ... "line n-1" then "total n", nothing else
cat $files >all.txt
[ "$(tail -n1 all.txt)" = "total $n" ] || { echo "last line: $(tail -n1 all.txt)"; exit 1; }
head -n -1 all.txt | awk -v first="$removed" '
	$1 != "line" || $2 != first + NR - 1 { print "line " NR " on disk is " $0 ", expected number " first + NR - 1; bad = 1; exit }
	END { if (!bad) print NR }' >count.txt
kept=$(cat count.txt)
case "$kept" in *[!0-9]*|"") echo "$kept"; exit 1 ;; esac
[ $((kept + removed)) = "$n" ] ||
	{ echo "$kept lines on disk + $removed reported removed != $n printed"; exit 1; }
echo "ok: $kept lines in" $files", $removed removed with out.0 to out.$((k - 3))"
exit 0
