#!/usr/bin/env bash
# Dynamic subscriptions: with HEAN_SYMBOLS=BTCUSDT, a symbol another
# process declares in hean:want:{role} is streamed within 2 s (its hash
# fresh) without reconnecting; a symbol the exchange does not know is
# refused, logged once and dropped alone; a symbol nobody wants any more
# is unsubscribed after HEAN_FEED_UNSUB_GRACE_S and no longer streamed,
# while BTCUSDT never stops. Values read from Redis and the sim's stats.
. "$HEAN_SRC/tests/integration/lib.sh"
. "$HEAN_SRC/tests/feed/feed_lib.sh"
it_init feed-dynamic
FEED_SYMS=BTCUSDT
export HEAN_FEED_UNSUB_GRACE_S=2
start_redis
start_exsim --symbols BTCUSDT,ETHUSDT,SOLUSDT --rate 20
export HEAN_SYMBOLS=BTCUSDT HEAN_PROC_NAME=feed HEAN_PING_INTERVAL_S=1 HEAN_LIVENESS_TIMEOUT_S=3
export HEAN_STALE_S=30 HEAN_LOG_LEVEL=info
start_daemon feed
wait_state 10 feed streaming || it_fail "feed never reached streaming"
FLOG=$IT_DIR/feed.log
it_check "ETHUSDT not streamed before anyone wants it" [ "$(rcli EXISTS hean:ticker:ETHUSDT)" = 0 ]
connects0=$(exsim_stat ws_connects)

# fresh_after SYM US: hean:ticker:SYM received after US (µs).
fresh_after() { [ "$(last_recv_us "$1")" -gt "$2" ]; }

# 1. wanted by the executor -> streamed within 2 s
t0=$(($(date +%s%N) / 1000))
rcli MULTI >/dev/null
rcli SADD hean:want:executor ETHUSDT >/dev/null
rcli PEXPIRE hean:want:executor 10000 >/dev/null
rcli EXEC >/dev/null
it_check "ETHUSDT fresh within 2 s of being wanted" wait_until 2 fresh_after ETHUSDT "$t0"
t1=$(($(date +%s%N) / 1000))
figure want_to_fresh_ms $(((t1 - t0) / 1000))
it_check "same connection: no reconnect" [ "$(exsim_stat ws_connects)" = "$connects0" ]
it_check "health: 2 symbols, 1 wanted" wait_until 2 field_is feed symbols_wanted 1
it_check "health: conn_symbols 2" wait_until 2 field_is feed conn_symbols 2

# 2. waves wants an unknown symbol: refused, logged once, others untouched
L0=$(wc -l <"$FLOG")
rcli SADD hean:want:waves ZZZUSDT SOLUSDT >/dev/null
rcli PEXPIRE hean:want:waves 10000 >/dev/null
t2=$(($(date +%s%N) / 1000))
it_check "ZZZUSDT refused and dropped" wait_until 3 out_ge 1 count_matches "$FLOG" 'event=symbol_rejected .*symbol=ZZZUSDT' "$L0"
it_check "SOLUSDT (same time, same connection) streamed" wait_until 2 fresh_after SOLUSDT "$t2"
sleep 1.5
it_check "refusal logged once, not retried in a loop" \
	[ "$(count_matches "$FLOG" 'event=symbol_rejected .*symbol=ZZZUSDT' "$L0")" = 1 ]
t3=$(($(date +%s%N) / 1000))
it_check "BTCUSDT and ETHUSDT still fresh" wait_until 2 eval 'fresh_after BTCUSDT $t3 && fresh_after ETHUSDT $t3'
it_check "still one connection" [ "$(exsim_stat ws_connects)" = "$connects0" ]
it_check "health: symbols_rejected 1" field_is feed symbols_rejected 1

# 3. nobody wants ETHUSDT/SOLUSDT any more: unsubscribed after the grace
L1=$(wc -l <"$FLOG")
rcli DEL hean:want:executor hean:want:waves >/dev/null
t4=$(date +%s%N)
sleep 1
it_check "not unsubscribed before the grace period" \
	[ "$(count_matches "$FLOG" 'event=unsubscribe ' "$L1")" = 0 ]
it_check "ETHUSDT and SOLUSDT unsubscribed after the grace" \
	wait_until 4 out_ge 2 count_matches "$FLOG" 'event=unsubscribe symbol=(ETH|SOL)USDT' "$L1"
figure unwanted_to_unsubscribed_ms $((($(date +%s%N) - t4) / 1000000))
sleep 0.5
e1=$(last_recv_us ETHUSDT)
t5=$(($(date +%s%N) / 1000))
sleep 1.5
it_check "ETHUSDT no longer streamed" [ "$(last_recv_us ETHUSDT)" = "$e1" ]
# at the exchange: the feed really unsubscribed (dropping the symbol from
# its book alone would also freeze the hash)
unsubs() { curl -sf "$EXSIM_URL/sim/symbols" | jq --arg s "$1" '.[] | select(.symbol == $s) | .unsubscribes'; }
it_check "the exchange saw ETHUSDT and SOLUSDT unsubscribed" \
	[ "$(unsubs ETHUSDT)/$(unsubs SOLUSDT)" = 1/1 ]
it_check "BTCUSDT never unsubscribed" [ "$(unsubs BTCUSDT)" = 0 ]
it_check "BTCUSDT never stopped" fresh_after BTCUSDT "$t5"
it_check "health: 1 symbol on 1 connection" wait_until 2 field_is feed conn_symbols 1
it_check "no unknown-symbol warnings (late ticks expected, not errors)" \
	field_is feed unknown_symbols 0
it_check "still one connection" [ "$(exsim_stat ws_connects)" = "$connects0" ]
it_done
