# shellcheck shell=bash
# Stand-ins for the hean binaries, for the launcher and watchdog tests:
# small bash programs that behave like a daemon (health hash every 0.2 s)
# or a simulator (GET /sim/health -> 200), so scripts/hean and the watchdog
# can be tested with nothing built. Sourced by tests/scripts/launcher.sh
# and tests/watchdog/watchdog.sh.
#
# The launcher hands each child only the environment it needs, so the
# stubs take their test knobs from files. A stub daemon honours, per role:
#   $HEAN_HOME/ignore-term-ROLE  ignore SIGTERM (a process that must be KILLed)
#   $HEAN_HOME/crash-ROLE        exit 3 at once (a crash loop)
#   $HEAN_HOME/state-ROLE        report that state instead of "running"
#   $HEAN_HOME/detail-ROLE       report that detail instead of "stub"
#   $HEAN_HOME/standby-ROLE      wait as a standby: write only
#                                hean:health:NAME:standby (state standby)
#   $HEAN_HOME/trying-ROLE       last_attempt_ms = now on every beat (a
#                                degraded daemon that keeps reconnecting);
#                                otherwise it stays at the stub's start
#                                (one that stopped trying)
# It answers --dump-config, --dump-keys, --get KEY and --redis-target through the real
# hean-waves of $STUB_CONFIG_BIN (the configuration is the daemons', never
# the stub's), and writes its health under HEAN_PROC_NAME (default ROLE).

# stub_config_bin: exports STUB_CONFIG_BIN (the real hean-waves of
# $HEAN_BUILD); fails the test when it is not built.
stub_config_bin() {
	STUB_CONFIG_BIN=$HEAN_BUILD/waves/hean-waves
	[ -x "$STUB_CONFIG_BIN" ] || {
		it_fail "$STUB_CONFIG_BIN not built: the launcher reads the configuration from a daemon"
		it_done
	}
	export STUB_CONFIG_BIN
}

# stub_daemon PATH: writes a stub daemon named hean-ROLE at PATH.
stub_daemon() {
	cat >"$1" <<'EOF'
#!/bin/bash
role=${0##*/}
role=${role#hean-}
for a in "$@"; do
	case $a in HEAN_PROC_NAME) echo "$role"; exit 0 ;; esac
done
for a in "$@"; do
	case $a in --dump-config | --dump-keys | --get | --redis-target | --version)
		exec "${STUB_CONFIG_BIN:?}" "$@" ;;
	esac
done
name=${HEAN_PROC_NAME:-$role}
sock=${HEAN_REDIS_URL:-unix://var/run/redis.sock}
sock=${sock#unix://}
case $sock in /*) ;; *) sock=$HEAN_HOME/$sock ;; esac
started=$(($(date +%s%N) / 1000000))
if [ -e "$HEAN_HOME/crash-$role" ]; then
	echo "stub $role: $HEAN_HOME/crash-$role exists, exit 3"
	exit 3
fi
echo "stub $role pid $$ args $*"
trap 'exit 0' TERM
[ -e "$HEAN_HOME/ignore-term-$role" ] && trap '' TERM
while :; do
	st=running
	[ -r "$HEAN_HOME/state-$role" ] && read -r st <"$HEAN_HOME/state-$role"
	det=stub
	[ -r "$HEAN_HOME/detail-$role" ] && read -r det <"$HEAN_HOME/detail-$role"
	now=$(($(date +%s%N) / 1000000))
	att=$started
	[ -e "$HEAN_HOME/trying-$role" ] && att=$now
	key=hean:health:$name
	if [ -e "$HEAN_HOME/standby-$role" ]; then
		key=$key:standby st=standby
	fi
	redis-cli -s "$sock" HSET "$key" pid $$ state "$st" \
		updated_ms "$now" last_attempt_ms "$att" reconnects 0 detail "$det" >/dev/null
	sleep 0.2 &
	wait $!
done
EOF
	chmod +x "$1"
}

# stub_sim PATH: writes a stub simulator (--port P ...) at PATH.
stub_sim() {
	cat >"$1" <<'EOF'
#!/bin/bash
[ "$1" = --port ] || exit 2
python3 -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/sim/health" else 404)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
' "$2" &
wait $!
EOF
	chmod +x "$1"
}
