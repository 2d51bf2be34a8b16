#!/bin/bash
# scripts/hean systemd-units DIR: one unit per process plus hean.target,
# Restart=on-failure, RestartSec=1, StartLimit* in [Unit], WatchdogSec only
# for a program that speaks sd_notify; `systemd-analyze verify` (required).
# Exit 0 pass, 1 fail.
set -u
src=${HEAN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
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

# A build dir with one program that speaks sd_notify and one that does not.
b=$tmp/build
mkdir -p "$b/feed" "$b/signals" "$b/waves" "$b/executor"
printf '#!/bin/sh\n# NOTIFY_SOCKET\nexec sleep 1\n' >"$b/feed/hean-feed"
printf '#!/bin/sh\nexec sleep 1\n' >"$b/signals/hean-signals"
cp "$b/signals/hean-signals" "$b/waves/hean-waves"
cp "$b/signals/hean-signals" "$b/executor/hean-executor"
chmod +x "$b"/*/hean-*
export HEAN_HOME=$tmp/home HEANCTL_BUILD_DIR=$b HEAN_WATCHDOG_MAX_RESTARTS=7
unset HEAN_REDIS_URL HEANCTL_CONFIG
out=$tmp/units
"$src/scripts/hean" systemd-units "$out" >"$tmp/stdout" 2>&1
check "systemd-units exits 0" test $? -eq 0
for n in redis feed signals waves executor; do
	f=$out/hean-$n.service
	check "hean-$n.service written" test -s "$f"
	check "$n: Restart=on-failure" in_section "$f" Service Restart=on-failure
	check "$n: RestartSec=1" in_section "$f" Service RestartSec=1
	check "$n: StartLimitIntervalSec in [Unit]" in_section "$f" Unit StartLimitIntervalSec=60
	check "$n: WantedBy=hean.target" in_section "$f" Install WantedBy=hean.target
done
for n in feed signals waves executor; do
	f=$out/hean-$n.service
	check "$n: StartLimitBurst = HEAN_WATCHDOG_MAX_RESTARTS" in_section "$f" Unit StartLimitBurst=7
	check "$n: ExecStart is the build's program" in_section "$f" Service "ExecStart=$b/$n/hean-$n"
	check "$n: HEAN_HOME set" in_section "$f" Service "Environment=HEAN_HOME=$HEAN_HOME"
done
check "feed (speaks sd_notify): WatchdogSec=30" in_section "$out/hean-feed.service" Service WatchdogSec=30
check "signals (does not): WatchdogSec commented out" bash -c \
	"grep -qx '#WatchdogSec=30' '$out/hean-signals.service' && ! grep -qx 'WatchdogSec=30' '$out/hean-signals.service'"
check "hean.target wants all five" bash -c "grep -c 'hean-[a-z]*.service' '$out/hean.target' | grep -qx 2 &&
	grep '^Wants=' '$out/hean.target' | grep -o 'hean-[a-z]*.service' | wc -l | grep -qx 5"
check "no secret in any unit" bash -c "! grep -rq 'hean-sim-secret\|hean-sim-token' '$out'"
if ! command -v systemd-analyze >/dev/null; then
	# never a silent pass: the check is part of this test (Debian: systemd)
	echo "FAIL: systemd-analyze verify: systemd-analyze not installed"
	fails=$((fails + 1))
else
	# verify needs the programs to exist (they do) and no running systemd
	if systemd-analyze verify --man=no "$out"/hean-feed.service "$out"/hean.target >"$tmp/verify" 2>&1 ||
		! grep -q 'hean' "$tmp/verify"; then
		cat "$tmp/verify"
		echo "ok: systemd-analyze verify"
	else
		cat "$tmp/verify"
		echo "FAIL: systemd-analyze verify"
		fails=$((fails + 1))
	fi
fi
[ "$fails" -eq 0 ] || { cat "$tmp/stdout"; exit 1; }
echo PASS
