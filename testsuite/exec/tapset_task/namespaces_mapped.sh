# namespaces_mapped.stp's workload: sh namespaces_mapped.sh TRIGGER runs
# TRIGGER getppid 1 in new user and pid namespaces (unshare -U -p -f)
# whose user namespace maps uid 1000 and gid 2000 to the kernel's 0.
# The maps are written from here once unshare is in the new namespace;
# the trigger starts once it sees them.  Each wait gives up after 10 s.
unshare -U -p -f sh -c 'n=0
while ! grep -q 1000 /proc/self/uid_map && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
exec "$0" getppid 1' "$1" &
u=$!
n=0
while [ "$(readlink /proc/$u/ns/user)" = "$(readlink /proc/self/ns/user)" ] && [ $n -lt 200 ]; do
	sleep 0.05
	n=$((n + 1))
done
echo "1000 0 1" >/proc/$u/uid_map
echo "2000 0 1" >/proc/$u/gid_map
wait $u
