# shellcheck shell=bash disable=SC2034
# scripts/lib/deps.sh: Debian packages `up` and `test` need. Checked with
# dpkg-query; apt-get (update once, then install) only when something is
# missing, as root or through sudo. Needs lib/common.sh.

# Build and run.
HD_PKGS_UP=(
	gcc libc6-dev meson ninja-build pkg-config
	libev-dev libwebsockets-dev libwebsockets-evlib-ev libjansson-dev
	libcurl4-openssl-dev libhiredis-dev libssl-dev libcap-dev libcmocka-dev
	redis-server curl python3 procps iproute2 ca-certificates
	libc-ares-dev
)
# Extra for `scripts/hean test` (tzdata: unit tests run under several TZ;
# jq and openssl: the simulator conformance tests).
HD_PKGS_TEST=(shellcheck valgrind socat faketime tzdata jq openssl)
# nodejs and npm: the client conformance suite (tests/conformance). A
# nodejs that carries npm itself (NodeSource's) conflicts with Debian's npm.
HD_PKGS_TEST+=(nodejs)
dpkg-query -W -f='${Provides}' nodejs 2>/dev/null | grep -qw npm || HD_PKGS_TEST+=(npm)
# systemd: `systemd-analyze verify` of the generated units (tests/watchdog).
HD_PKGS_TEST+=(systemd)
# prometheus: promtool and a real Prometheus server (tests/metrics).
HD_PKGS_TEST+=(prometheus)

# hd_missing PKG...: prints the packages that are not installed.
hd_missing() {
	local p st
	for p in "$@"; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
		[ "$st" = installed ] || printf '%s\n' "$p"
	done
}

# hd_install PKG...: installs the missing ones. HEANCTL_APT_UPDATED=1 skips
# the apt-get update (.ci/run has just done it). Returns 1 on failure.
hd_install() {
	local -a missing sudo=()
	if ! command -v dpkg-query >/dev/null 2>&1; then
		hc_warn "not a Debian system (no dpkg-query): not checking packages"
		return 0
	fi
	mapfile -t missing < <(hd_missing "$@")
	[ "${#missing[@]}" -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			sudo=(sudo)
		else
			hc_warn "missing packages: ${missing[*]} (not root and no sudo: install them yourself)"
			return 1
		fi
	fi
	hc_log "installing: ${missing[*]}"
	if [ "${HEANCTL_APT_UPDATED:-0}" != 1 ]; then
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null ||
			{
				hc_warn "apt-get update failed"
				return 1
			}
	fi
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq "${missing[@]}" </dev/null || {
		hc_warn "apt-get install failed: ${missing[*]}"
		return 1
	}
}
