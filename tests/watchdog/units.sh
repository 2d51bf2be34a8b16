#!/bin/bash
# scripts/hean install: `meson install` of the built daemons and their
# systemd units, staged with --destdir into a throw-away root. Checks what
# the units promise (Type=notify, a dedicated user, ProtectSystem=strict
# with ReadWritePaths, NoNewPrivileges, ExecStart outside the build tree,
# no secret) and runs `systemd-analyze verify` on them inside that root; a
# unit naming a missing program must fail the same verify (the check can
# fail). A missing systemd-analyze fails the test. Exit 0 pass, 1 fail.
set -u
src=${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
build=${HEAN_BUILD:-$src/build}
tmp=$(mktemp -d /tmp/hean-units.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {
	local d=$1
	shift
	if "$@"; then echo "ok: $d"; else echo "FAIL: $d"; fails=$((fails + 1)); fi
}
# in_section FILE SECTION LINE: LINE appears inside [SECTION].
in_section() {
	awk -v s="[$2]" -v l="$3" '/^\[/ { cur = $0 } cur == s && $0 == l { f = 1 } END { exit !f }' "$1"
}
command -v systemd-analyze >/dev/null || { echo "FAIL: systemd-analyze not installed (package systemd)"; exit 1; }
for d in feed signals waves executor; do
	[ -x "$build/$d/hean-$d" ] || { echo "FAIL: $build/$d/hean-$d not built"; exit 1; }
done
# the build's own prefix: install must not reconfigure the test build
prefix=$(meson introspect --buildoptions "$build" |
	python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"][0])')
root=$tmp/root
export HEAN_HOME=$tmp/home HEANCTL_BUILD_DIR=$build HEAN_WATCHDOG_MAX_RESTARTS=7
export HEAN_BYBIT_API_SECRET=units-secret-93ab HEAN_SIGNAL_TOKEN=units-token-5d1e
unset HEAN_REDIS_URL HEANCTL_CONFIG HEANCTL_UNIT_DIR HEANCTL_ETC_DIR HEANCTL_STATE_DIR HEANCTL_USER
# an operator's config file, already there: install keeps it and the
# units follow it (StartLimitBurst); its secrets go into no unit
mkdir -p "$root/etc/hean"
printf 'HEAN_WATCHDOG_MAX_RESTARTS=7\nHEAN_BYBIT_API_SECRET=units-secret-93ab\nHEAN_SIGNAL_TOKEN=units-token-5d1e\n' \
	>"$root/etc/hean/hean.conf"
chmod 600 "$root/etc/hean/hean.conf"
"$src/scripts/hean" install --destdir "$root" --no-build "$prefix" >"$tmp/stdout" 2>&1
check "install exits 0" test $? -eq 0
for n in feed signals waves executor; do
	check "hean-$n installed in PREFIX/bin" test -x "$root$prefix/bin/hean-$n"
done
units=$root/etc/systemd/system
check "hean.conf kept, mode 600" bash -c "grep -q units-secret-93ab '$root/etc/hean/hean.conf' && [ \$(stat -c %a '$root/etc/hean/hean.conf') = 600 ]"
for n in feed signals waves executor; do
	f=$units/hean-$n.service
	check "hean-$n.service written" test -s "$f"
	check "$n: Type=notify" in_section "$f" Service Type=notify
	check "$n: WatchdogSec=30" in_section "$f" Service WatchdogSec=30
	check "$n: User=hean" in_section "$f" Service User=hean
	check "$n: ProtectSystem=strict" in_section "$f" Service ProtectSystem=strict
	check "$n: ReadWritePaths=/var/lib/hean" in_section "$f" Service ReadWritePaths=/var/lib/hean
	check "$n: NoNewPrivileges=yes" in_section "$f" Service NoNewPrivileges=yes
	check "$n: LimitCORE=0" in_section "$f" Service LimitCORE=0
	check "$n: ExecStart is the installed program" in_section "$f" Service \
		"ExecStart=$prefix/bin/hean-$n --config /etc/hean/hean.conf"
	check "$n: nothing from the build tree or checkout" bash -c "! grep -qF -e '$build' -e '$src/' '$f'"
	check "$n: Restart=on-failure" in_section "$f" Service Restart=on-failure
	check "$n: StartLimitBurst = HEAN_WATCHDOG_MAX_RESTARTS" in_section "$f" Unit StartLimitBurst=7
	check "$n: WantedBy=hean.target" in_section "$f" Install WantedBy=hean.target
done
check "hean.target wants the five (4 daemons, metrics)" bash -c \
	"grep '^Wants=' '$units/hean.target' | grep -o 'hean-[a-z]*.service' | wc -l | grep -qx 5"
check "no secret in any unit" bash -c "! grep -rqF -e units-secret-93ab -e units-token-5d1e '$units'"

# systemd-analyze verify inside the staged root (it resolves ExecStart
# there); the root needs systemd's own units (sysinit.target, ...).
mkdir -p "$root/usr/lib/systemd"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/" || { echo "FAIL: cannot copy /usr/lib/systemd/system"; exit 1; }
names=(hean-feed.service hean-signals.service hean-waves.service hean-executor.service hean-metrics.service hean.target)
systemd-analyze verify --man=no --root="$root" "${names[@]}" >"$tmp/verify" 2>&1
rc=$?
cat "$tmp/verify"
check "systemd-analyze verify passes (exit 0)" test "$rc" -eq 0
check "systemd-analyze verify says nothing about hean" bash -c "! grep -q hean '$tmp/verify'"
# the same verify on a unit whose program is missing must fail
sed "s|^ExecStart=$prefix/bin/hean-feed|ExecStart=$prefix/bin/hean-nonesuch|" "$units/hean-feed.service" \
	>"$units/hean-broken.service"
systemd-analyze verify --man=no --root="$root" hean-broken.service >"$tmp/verify-broken" 2>&1
check "verify fails on a unit naming a missing program (the check can fail)" test $? -ne 0
rm -f "$units/hean-broken.service"

# scripts/hean systemd-units DIR writes the same units, installs nothing
"$src/scripts/hean" systemd-units "$tmp/units2" >"$tmp/stdout2" 2>&1
check "systemd-units exits 0" test $? -eq 0
check "systemd-units: same unit as install" cmp -s "$units/hean-feed.service" "$tmp/units2/hean-feed.service"
[ "$fails" -eq 0 ] || { cat "$tmp/stdout" "$tmp/stdout2"; exit 1; }
echo PASS
