#!/usr/bin/env bash
# Executor test 4: with hean-feed streaming, the simulated price rises then
# falls: the stop-loss follows on the exchange (journal trading_stop
# entries) and the position is finally closed by it (stop_triggered).
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exec-trail
. "$HEAN_SRC/tests/executor/exec_lib.sh"

start_redis
start_exsim --seed 17 --symbols AAAUSDT,BTCUSDT --rate 5 --fill-delay-ms 5
[ -x "$HEAN_BUILD/feed/hean-feed" ] || it_skip "hean-feed not built"
start_feed AAAUSDT,BTCUSDT || it_fail "hean-feed did not reach streaming"
start_exec

T=$(( $(now_s) - 10 ))
ID=$(xadd_wave "$T" AAAUSDT:buy)
it_check "wave acked" wait_until 10 wave_acked "$ID"
it_check "position protected" wait_until 5 protected AAAUSDT
entry=$(pos_field AAAUSDT avgPrice)
sl0=$(pos_field AAAUSDT stopLoss)
it_log "entry=$entry initial stop=$sl0"
it_check "initial stop ~2 % below" awk -v e="$entry" -v s="$sl0" 'BEGIN { exit !(s < e * 0.981 && s > e * 0.979) }'
it_check "rest_fallback 0 with the feed up" wait_field 5 executor rest_fallback 0

# +2 %: armed (activation 1 %), stop = best * 0.995 ~ 1.0149
t0=$(now_ms)
sim_ctl "$EXSIM_URL" "/sim/price?symbol=AAAUSDT&price=1.0200"
it_check "stop trailed to >= 1.0140" wait_until 5 stop_at_least AAAUSDT 1.0140
t1=$(first_ts_ms AAAUSDT 1.0140)
figure trail_reaction_ms $(( t1 - t0 ))
# +3 %: stop ~1.0248
sim_ctl "$EXSIM_URL" "/sim/price?symbol=AAAUSDT&price=1.0300"
it_check "stop trailed to >= 1.0240" wait_until 5 stop_at_least AAAUSDT 1.0240
it_check "exchange shows the trailed stop" awk -v s="$(pos_field AAAUSDT stopLoss)" 'BEGIN { exit !(s >= 1.0240) }'
hash_stop_ok() { awk -v s="$(hget hean:position:AAAUSDT stop_loss)" 'BEGIN { exit !(s >= 1.0240) }'; }
it_check "hean:position stop_loss follows" wait_until 3 hash_stop_ok
n_ts=$(exsim_journal | jq '[.[] | select(.kind=="trading_stop" and .symbol=="AAAUSDT" and .retCode==0)] | length')
figure trading_stop_updates "$n_ts"
# min interval 200 ms: never two updates closer than that
gap=$(exsim_journal | jq '[.[] | select(.kind=="trading_stop" and .symbol=="AAAUSDT" and .retCode==0) | .t_ms]
	| [range(1; length) as $i | .[$i] - .[$i-1]] | min // 1000')
figure min_gap_between_updates_ms "$gap"
it_check "interval gate (>= 190 ms between updates)" test "$gap" -ge 190
# fall back to 1.02: below the trailed stop -> the exchange closes it
sim_ctl "$EXSIM_URL" "/sim/price?symbol=AAAUSDT&price=1.0200"
it_check "stop triggered at the exchange" wait_until 5 triggered AAAUSDT
it_check "position flat at the exchange" wait_until 5 out_eq 0 n_positions
it_check "hean:position:AAAUSDT size 0" wait_until 5 out_eq 0 hget hean:position:AAAUSDT size
it_check "health positions 0" wait_field 5 executor positions 0
it_done
