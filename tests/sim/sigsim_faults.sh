#!/usr/bin/env bash
# sigsim conformance: fault controls. close with code, drop (no close
# frame), close_on_get_signals (the close-1000 incident), reject_auth, refuse, silent.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init sigsim-faults
. "$HEAN_SRC/tests/sim/sigsim_lib.sh"

start_sigsim

# An authenticated client in the background; waits for the buffer.
connect_bg() {
	probe_bg "$1" --timeout 30
	wait_until 10 has_frames "$IT_DIR/$1.out" 2 || it_fail "$1: no initial buffer"
}

# /sim/close?code=N
connect_bg c1
ctl '/sim/close?code=4321'
it_check "close: code 4321 observed" wait_until 5 grep -qx 'CLOSE 4321' "$IT_DIR/c1.out"
connect_bg c2
ctl /sim/close
it_check "close: default code 1000" wait_until 5 grep -qx 'CLOSE 1000' "$IT_DIR/c2.out"
it_check "close: reserved code refused" test "$(http_code POST '/sim/close?code=1006')" = 400

# /sim/drop: TCP ends without a close frame -> 1006 at the client.
connect_bg d1
ctl /sim/drop
it_check "drop: 1006 (no close frame)" wait_until 5 grep -qx 'CLOSE 1006' "$IT_DIR/d1.out"
it_check "drop: counted" test "$(sigsim_stat drops)" = 1

# close_on_get_signals: every get_signals answered by close 1000, again after
# reconnecting; off -> answered with the buffer.
ctl '/sim/close_on_get_signals?on=1'
for i in 1 2; do
	probe --send '{"type":"get_signals"}' --timeout 10 >"$IT_DIR/g$i.out"
	it_check "close_on_get_signals: 1000 (try $i)" grep -qx 'CLOSE 1000' "$IT_DIR/g$i.out"
	it_check "close_on_get_signals: no buffer re-sent (try $i)" test "$(nframes "$IT_DIR/g$i.out")" = 2
done
ctl '/sim/close_on_get_signals?on=0'
probe --send '{"type":"get_signals"}' --frames 3 --timeout 10 >"$IT_DIR/g3.out"
it_check "close_on_get_signals off: answered" test "$(frame "$IT_DIR/g3.out" 3 | jq -r .type)" = signals
it_check "close_on_get_signals off: no close" bash -c "! grep -q '^CLOSE' '$IT_DIR/g3.out'"

# reject_auth?count=2: two good tokens rejected with 4001, the third accepted.
rejects0=$(sigsim_stat auth_rejects)
ctl '/sim/reject_auth?count=2'
for i in 1 2; do
	probe --timeout 10 >"$IT_DIR/r$i.out"
	it_check "reject_auth: error frame ($i)" test \
		"$(frame "$IT_DIR/r$i.out" 1 | jq -r '.type + ":" + .status')" = auth_response:error
	it_check "reject_auth: close 4001 ($i)" grep -qx 'CLOSE 4001' "$IT_DIR/r$i.out"
done
probe --frames 2 --timeout 10 >"$IT_DIR/r3.out"
it_check "reject_auth: third auth succeeds" test "$(frame "$IT_DIR/r3.out" 1 | jq -r .status)" = success
it_check "reject_auth: counted" test "$(($(sigsim_stat auth_rejects) - rejects0))" = 2

# refuse?secs=N: WS handshakes get HTTP 503; HTTP controls still work.
ctl '/sim/refuse?secs=30'
probe --timeout 10 >"$IT_DIR/ref1.out"
it_check "refuse: handshake fails" grep -q '^CONNERR' "$IT_DIR/ref1.out"
code=$(ws_handshake_code "$SIGSIM_URL/")
it_check "refuse: HTTP 503" test "$code" = 503
ctl /sim/resume
probe --frames 2 --timeout 10 >"$IT_DIR/ref2.out"
it_check "refuse: resume ends it" test "$(nframes "$IT_DIR/ref2.out")" = 2
ctl '/sim/refuse?secs=1'
it_check "refuse: expires by itself" wait_until 5 bash -c \
	"'$SIGSIM_PROBE' --port $SIGSIM_PORT --frames 2 --timeout 3 | grep -q '^DONE'"

# silent: half-open. Nothing sent, requests not answered, TCP kept.
connect_bg s1
ctl /sim/silent
probe_say s1 '{"type":"ping"}'
ctl '/sim/push_wave?wave_ts=2025-10-22T00:00:00%2B00:00'
it_check "silent: no pong, no push within 2 s" never_within 2 has_frames "$IT_DIR/s1.out" 3
it_check "silent: connection not closed" bash -c "! grep -q '^CLOSE' '$IT_DIR/s1.out'"
if command -v ss >/dev/null; then
	it_check "silent: TCP established" test "$(ss -Htn state established "sport = :$SIGSIM_PORT" | wc -l)" -ge 1
fi
probe --timeout 2 >"$IT_DIR/s2.out"
it_check "silent: new client gets no auth answer" test "$(nframes "$IT_DIR/s2.out")" = 0
it_check "silent: new client TCP+WS open" grep -qx OPEN "$IT_DIR/s2.out"
ctl /sim/resume
probe_say s1 '{"type":"ping"}'
it_check "resume: pongs again" wait_until 5 grep -q '"type": "pong"' "$IT_DIR/s1.out"
wave_kept() { sigsim_signals | grep -qF '"wave_ts":"2025-10-22T00:00:00+00:00"'; }
it_check "resume: the silenced wave is in the buffer" wave_kept
ctl '/sim/silent?secs=1'
n0=$(nframes "$IT_DIR/s1.out")
probe_say s1 '{"type":"ping"}'
it_check "silent?secs=1: resumes by itself" wait_until 5 has_frames "$IT_DIR/s1.out" $((n0 + 1))

it_done
