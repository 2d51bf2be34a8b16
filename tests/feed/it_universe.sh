#!/usr/bin/env bash
# HEAN_SYMBOLS=ALL against hean-exsim with 600 tradable instruments (and 5
# PreLaunch ones): the feed reads instruments-info page by page and streams
# all 600 over several connections (200 symbols each), never a PreLaunch
# one; dropping one connection at the exchange leaves the other connections'
# symbols fresh and only that connection reconnects; a re-read of the
# instruments adds a new listing and drops a delisted symbol. Values from
# Redis and the simulator's views (/sim/conns, /sim/symbols).
# (SC2317: predicates called through wait_until look unreachable.)
# shellcheck disable=SC2317
. "$HEAN_SRC/tests/integration/lib.sh"
. "$HEAN_SRC/tests/feed/feed_lib.sh"
it_init feed-universe
start_redis
start_exsim --symbols BTCUSDT,ETHUSDT,SOLUSDT --instruments 597 --instruments-prelaunch 5 \
	--rate 2 --seed 16
export HEAN_SYMBOLS=ALL HEAN_PROC_NAME=feed HEAN_PING_INTERVAL_S=1 HEAN_LIVENESS_TIMEOUT_S=3
export HEAN_STALE_S=30 HEAN_LOG_LEVEL=info HEAN_FEED_CONN_SYMBOLS=200
export HEAN_FEED_INSTRUMENTS_REFRESH_S=10 HEAN_FEED_UNSUB_GRACE_S=0
t0=$(($(date +%s%N) / 1000))
start_daemon feed
FLOG=$IT_DIR/feed.log
wait_state 20 feed streaming || it_fail "feed never reached streaming"

# fresh_count US: hean:ticker:* hashes received after US (µs), read in one
# pipelined redis-cli call.
fresh_count() {
	rcli --scan --pattern 'hean:ticker:*' | sed 's/^/HGET /; s/$/ recv_us/' | rcli |
		awk -v t="$1" '$1 + 0 > t + 0 { n++ } END { print n + 0 }'
}
# conn_syms ID: the symbols the exchange's connection ID carries.
conn_syms() { curl -sf "$EXSIM_URL/sim/conns" | jq -r --arg i "$1" '.[] | select(.id == $i) | .topics[] | sub("^tickers\\."; "")'; }
# all_fresh_after US SYM...: every SYM's hash received after US (µs).
all_fresh_after() {
	local t=$1
	shift
	[ "$(printf 'HGET hean:ticker:%s recv_us\n' "$@" | rcli |
		awk -v t="$t" '$1 + 0 <= t + 0 { n++ } END { print n + 0 }')" = 0 ]
}

it_check "600 symbols in the feed" wait_until 10 field_is feed symbols 600
it_check "all 600 listed by instruments-info" field_is feed symbols_listed 600
it_check "every one of the 600 has a fresh hash" wait_until 15 out_ge 600 fresh_count "$t0"
figure fresh_hashes "$(fresh_count "$t0")"
C=$(curl -sf "$EXSIM_URL/sim/conns")
figure exchange_conns "$(jq -c '[.[] | select(.path == "public") | .symbols]' <<<"$C")"
it_check "more than one connection at the exchange, each 200 symbols" \
	[ "$(jq -c '[.[] | select(.path == "public") | .symbols] | sort' <<<"$C")" = '[200,200,200]' ]
it_check "health: conn_symbols 200,200,200" field_is feed conn_symbols 200,200,200
it_check "no PreLaunch instrument subscribed" \
	[ "$(curl -sf "$EXSIM_URL/sim/symbols" | jq '[.[] | select(.symbol | startswith("P")) | .subscribes] | add')" = 0 ]

# one connection dropped at the exchange
ids=$(jq -r '[.[] | select(.path == "public") | .id] | sort | .[]' <<<"$C")
victim=$(echo "$ids" | head -1)
mapfile -t vsyms < <(conn_syms "$victim")
mapfile -t osyms < <(for i in $(echo "$ids" | tail -n +2); do conn_syms "$i"; done)
figure victim_symbols "${#vsyms[@]}"
figure other_symbols "${#osyms[@]}"
connects0=$(exsim_stat ws_connects)
rec0=$(health_field feed reconnects)
sim_ctl "$EXSIM_URL" "/sim/drop?path=public&conn=$victim"
td=$(($(date +%s%N) / 1000))
it_check "the other connections' ${#osyms[@]} symbols stay fresh" \
	wait_until 3 all_fresh_after "$td" "${osyms[@]}"
it_check "the dropped connection's ${#vsyms[@]} symbols fresh again after its reconnect" \
	wait_until 10 all_fresh_after "$td" "${vsyms[@]}"
figure drop_to_all_fresh_ms $((($(date +%s%N) / 1000 - td) / 1000))
it_check "exactly one reconnect (exchange: one new connection)" \
	[ "$(exsim_stat ws_connects)" = $((connects0 + 1)) ]
it_check "health: one reconnect" field_is feed reconnects $((rec0 + 1))

# listing changes, seen at the next instruments-info read (every 10 s)
sim_ctl "$EXSIM_URL" "/sim/list?symbol=NEWUSDT"
sim_ctl "$EXSIM_URL" "/sim/delist?symbol=S0005USDT"
tl=$(($(date +%s%N) / 1000))
it_check "a new listing is streamed after the re-read" wait_until 14 all_fresh_after "$tl" NEWUSDT
it_check "a delisted symbol is unsubscribed" \
	wait_until 3 out_ge 1 count_matches "$FLOG" 'event=unsubscribe symbol=S0005USDT'
it_check "health: still 600 symbols" wait_until 2 field_is feed symbols 600
it_check "no bad frames, nothing dropped" \
	[ "$(health_field feed bad_frames)/$(health_field feed dropped)" = 0/0 ]
it_done
