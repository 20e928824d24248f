# targets/lib.sh: what the seed target builders (nginx.sh, ovs.sh,
# libvirt.sh) share; sourced, never run.  Each sets `tool` (its name, for
# messages) first.  Failures that mean "cannot be built here" exit 77.
cache=${CTAP_SEEDS_CACHE:-/var/cache/ctap/seeds}

# candidate_version PACKAGE: apt's candidate version (digits and dots), or
# exit 77 when apt knows no such package
candidate_version() {
	local v
	v=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: \([0-9.]*\).*/\1/p')
	[ -n "$v" ] || { echo "$tool: apt knows no $1 package here" >&2; exit 77; }
	echo "$v"
}

# use_cached NAME VERSION FILE...: when the build NAME-VERSION in the cache
# has every FILE (relative, executable), point the link NAME at it, print
# its directory and exit
use_cached() {
	local name=$1 version=$2 f
	shift 2
	for f in "$@"; do
		[ -x "$cache/$name-$version/$f" ] || return 0
	done
	ln -sfn "$name-$version" "$cache/$name"
	echo "$cache/$name-$version"
	exit 0
}

# install_missing PACKAGE...: apt-get install those not installed (root)
install_missing() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	[ "$(id -u)" = 0 ] ||
		{ echo "$tool: missing ${missing[*]} and not root to install them" >&2; exit 77; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		-o DPkg::Lock::Timeout=600 "${missing[@]}" >&2 ||
		{ echo "$tool: apt-get install ${missing[*]} failed" >&2; exit 77; }
}

# deb_src_ready SOURCE: `apt-get source SOURCE` can work: a deb-src entry
# for Debian's archive (sources only, apt's own file) is added if missing
deb_src_ready() {
	command -v dpkg-source >/dev/null || { echo "$tool: no dpkg-source (dpkg-dev)" >&2; exit 77; }
	apt-get source --print-uris "$1" >/dev/null 2>&1 && return 0
	[ "$(id -u)" = 0 ] || { echo "$tool: no deb-src entry and not root to add one" >&2; exit 77; }
	local suite
	suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
	cat >/etc/apt/sources.list.d/ctap-deb-src.sources <<EOS
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
	apt-get update -qq >&2
}

# unpack_source SOURCE: Debian's source package SOURCE, patched, in a
# temporary $work (removed at exit); sets src to its tree
unpack_source() {
	deb_src_ready "$1"
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	(cd "$work" && apt-get source -qq "$1" >&2) ||
		{ echo "$tool: apt-get source $1 failed" >&2; exit 77; }
	src=$(ls -d "$work/$1"-*/ | head -n 1)
}
