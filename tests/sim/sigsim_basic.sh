#!/usr/bin/env bash
# sigsim conformance: auth, initial buffer shape, requests, bad token,
# auth timeout, ground truth, stats, determinism across restarts, bind,
# JSON spaced like Python's json.dumps, protocol pings from the server.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init sigsim-basic
. "$HEAN_SRC/tests/sim/sigsim_lib.sh"

start_sigsim --seed 7
out=$IT_DIR/p1.out

# Session: auth, buffer, then unknown type (ignored), get_signals, ping, get_stats.
probe --send '{"type":"what_is_this"}' --send '{"type":"get_signals"}' \
	--send '{"type":"ping"}' --send '{"type":"get_stats"}' --frames 5 --timeout 10 >"$out"
it_check "5 frames received" has_frames "$out" 5
it_check "no close" bash -c "! grep -q '^CLOSE' '$out'"
it_check "auth_response success" test "$(frame "$out" 1 | jq -c .)" = \
	'{"type":"auth_response","status":"success"}'
frame "$out" 2 >"$IT_DIR/buf.json"
it_check "buffer is a signals frame" test "$(jq -r .type "$IT_DIR/buf.json")" = signals
n=$(jq '.data | length' "$IT_DIR/buf.json")
figure initial_buffer_signals "$n"
figure initial_buffer_bytes "$(wc -c <"$IT_DIR/buf.json")"
it_check "buffer = 96 waves x 6 signals" test "$n" = 576
it_check "every signal well formed" test "$(jq '[.data[] | select(
	(.id | type) == "number" and (.id | floor) == .id and
	(.symbol | test("^(BTC|ETH|SOL|XRP|DOGE|ADA|AVAX|LINK)USDT$")) and
	.exchange == "bybit" and
	(.wave_ts | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:00\\+00:00$")) and
	(.side == "buy" or .side == "sell") and
	(.score_week | type) == "number" and (.score_month | type) == "number" and
	(.created_at | test("\\+00:00$")))] | length' "$IT_DIR/buf.json")" = 576
it_check "ids unique" test "$(jq '[.data[].id] | unique | length' "$IT_DIR/buf.json")" = 576
waves=$(jq -r '[.data[].wave_ts | sub("\\+00:00$"; "Z") | fromdateiso8601] | unique | .[]' "$IT_DIR/buf.json")
it_check "96 distinct waves" test "$(echo "$waves" | wc -l)" = 96
it_check "waves aligned to 900 s" test -z "$(echo "$waves" | awk '$1 % 900 != 0')"
newest=$(echo "$waves" | tail -1)
now=$(date +%s)
# newest wave W: W + 900 + 60 <= now < W + 2*900 + 60
it_check "newest wave is the latest due" test "$((newest + 960))" -le "$now" -a "$now" -lt "$((newest + 1860 + 2))"
it_check "waves span 24 h" test "$(($(echo "$waves" | tail -1) - $(echo "$waves" | head -1)))" = $((95 * 900))
it_check "get_signals answered with the whole buffer" test \
	"$(frame "$out" 3 | jq -c '[.type, (.data | map(.id))]')" = \
	"$(jq -c '[.type, (.data | map(.id))]' "$IT_DIR/buf.json")"
pong=$(frame "$out" 4)
it_check "pong" test "$(echo "$pong" | jq -r .type)" = pong
it_check "pong ts is server ms" test "$(( $(echo "$pong" | jq .ts) / 1000 - $(date +%s) ))" -le 1
it_check "get_stats answered" test "$(frame "$out" 5 | jq -r '.type + ":" + (.data | type)')" = stats:object

# Ground truth = the buffer (nothing pushed yet).
sigsim_signals >"$IT_DIR/truth.json"
it_check "/sim/signals equals buffer" test "$(jq -c 'sort_by(.id)' "$IT_DIR/truth.json")" = \
	"$(jq -c '.data | sort_by(.id)' "$IT_DIR/buf.json")"

# Bad token: error frame, close 4001.
probe --token wrong --timeout 10 >"$IT_DIR/bad.out"
it_check "bad token: error frame" test "$(frame "$IT_DIR/bad.out" 1 | jq -c .)" = \
	'{"type":"auth_response","status":"error","message":"invalid token"}'
it_check "bad token: close 4001" grep -qx 'CLOSE 4001' "$IT_DIR/bad.out"
it_check "bad token: no buffer" test "$(nframes "$IT_DIR/bad.out")" = 1

# No auth frame within 5 s: closed by the server.
t0=$(now_ms)
probe --no-auth --timeout 10 >"$IT_DIR/noauth.out"
dt=$(($(now_ms) - t0))
figure auth_timeout_ms "$dt"
it_check "no auth: closed (1008)" grep -qx 'CLOSE 1008' "$IT_DIR/noauth.out"
it_check "no auth: after ~5 s" test "$dt" -ge 4500 -a "$dt" -lt 8000

# Counters.
curl -sf "$SIGSIM_URL/sim/stats" >"$IT_DIR/stats.json"
it_check "stats keys" test "$(jq -c '[.clients,.connects,.auths,.auth_rejects,.get_signals,.pings,.closes]' "$IT_DIR/stats.json")" = '[0,3,1,1,1,1,3]'
it_check "unknown type counted" test "$(jq .unknown "$IT_DIR/stats.json")" = 1

# HTTP: status codes, bind address.
it_check "health 200" test "$(http_code GET /sim/health)" = 200
it_check "unknown path 404" test "$(http_code POST /sim/nope)" = 404
it_check "bad param 400" test "$(http_code POST '/sim/close_on_get_signals?on=7')" = 400
it_check "missing param 400" test "$(http_code POST /sim/reject_auth)" = 400
if command -v ss >/dev/null; then
	it_check "bound to 127.0.0.1 only" test "$(ss -Hltn "sport = :$SIGSIM_PORT" | awk '{print $4}')" = "127.0.0.1:$SIGSIM_PORT"
fi

# Determinism: same seed after a restart -> same ids and contents.
stop_pid "$SIGSIM_PID" TERM 5
it_check "clean exit on SIGTERM" test $? = 0
start_sigsim --seed 7
sigsim_signals >"$IT_DIR/truth2.json"
common=$(jq -rn --slurpfile a "$IT_DIR/truth.json" --slurpfile b "$IT_DIR/truth2.json" \
	'[$a[0][] | {(.id|tostring): .}] | add as $A | [$b[0][] | select($A[.id|tostring] != null)] as $B
	 | [($B | length), ([$B[] | select($A[.id|tostring] != .)] | length)] | @csv')
figure restart_common_ids "$common"
it_check "same seed: >= 570 common ids, all identical" bash -c "IFS=, read -r n d <<< $common; [ \$n -ge 570 ] && [ \$d = 0 ]"
stop_pid "$SIGSIM_PID"
start_sigsim --seed 8
sigsim_signals >"$IT_DIR/truth3.json"
diff=$(jq -n --slurpfile a "$IT_DIR/truth.json" --slurpfile b "$IT_DIR/truth3.json" \
	'[$a[0][] | {(.id|tostring): .}] | add as $A | [$b[0][] | select($A[.id|tostring] != null and $A[.id|tostring] != .)] | length')
it_check "other seed: same ids, other contents" test "$diff" -ge 500

# The production server writes json.dumps' default spacing: ", " and ": ".
probe --frames 2 --timeout 10 >"$IT_DIR/py.out"
frame "$IT_DIR/py.out" 1 >"$IT_DIR/py1.txt"
frame "$IT_DIR/py.out" 2 >"$IT_DIR/py2.txt"
it_check "auth_response spaced as json.dumps" test "$(cat "$IT_DIR/py1.txt")" = '{"type": "auth_response", "status": "success"}'
it_check "signals frame spaced as json.dumps" grep -qE '^\{"type": "signals", "data": \[\{"id": [0-9]+, "symbol": "[A-Z0-9]+", "exchange": "bybit", "wave_ts": "[^"]+", "side": "(buy|sell)", "score_week": [-0-9.]+, "score_month": [-0-9.]+, "created_at": "[^"]+"\}, \{"id": ' "$IT_DIR/py2.txt"
nostr() { sed -E 's/"([^"\\]|\\.)*"/S/g' "$1"; }
spaced_ok() { ! nostr "$1" | grep -qE '[,:][^ ]'; }
it_check "every separator outside strings is spaced" spaced_ok "$IT_DIR/py2.txt"
it_check "the spaced frame is valid JSON" jq -e '.data | length > 100' "$IT_DIR/py2.txt"

# Protocol pings from the server (websockets' keepalive): answered pings
# keep the session; a peer that never answers is closed with 1011.
stop_pid "$SIGSIM_PID"
start_sigsim --seed 7 --ping-interval 1 --ping-timeout 1
probe --timeout 3.5 >"$IT_DIR/ping.out"
it_check "pinged every second, every ping answered (the last may cross the close)" jqe '.ws_pings >= 2 and .ws_pongs >= .ws_pings - 1 and .ping_timeouts == 0' <(curl -s "$SIGSIM_URL/sim/stats")
mute_peer() {
	exec 3<>"/dev/tcp/127.0.0.1/$SIGSIM_PORT"
	printf 'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n' >&3
	local m='{"type":"auth","token":"hean-sim-token"}' # masked with a zero key
	printf "\\x81\\x$(printf %x $((128 + ${#m})))\\x00\\x00\\x00\\x00%s" "$m" >&3
}
timeouts() { curl -s "$SIGSIM_URL/sim/stats" | jq -e '.ping_timeouts >= 1' >/dev/null; }
mute_peer
it_check "a session that never answers pings is closed (1011)" wait_until 5 timeouts
exec 3>&-
it_done
