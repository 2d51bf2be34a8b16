#!/usr/bin/env bash
# Executor test 1: a wave opens the right positions with the right
# quantities, each with a stop-loss; the exchange journal holds exactly one
# order per (wave, symbol); a replay of the same wave places nothing new.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exec-orders
. "$HEAN_SRC/tests/executor/exec_lib.sh"

start_redis
start_exsim --seed 7 --symbols BTCUSDT,ETHUSDT,SOLUSDT,AAAUSDT --rate 2 --fill-delay-ms 5
start_exec

T=$(( $(now_s) - 30 ))
t0=$(now_ms)
ID=$(xadd_wave "$T" BTCUSDT:buy ETHUSDT:sell AAAUSDT:buy)
it_check "wave acked" wait_until 10 wave_acked "$ID"
figure wave_ack_ms $(( $(now_ms) - t0 ))
it_check "3 positions at the exchange" wait_until 10 out_eq 3 n_positions
for s in BTCUSDT ETHUSDT AAAUSDT; do
	it_check "$s protected" wait_until 5 protected "$s"
	it_check "one order for h$T-$s" test "$(orders_for "h$T-$s")" = 1
done
# quantity: HEAN_POSITION_USD / price rounded down to qtyStep
# BTC ~66666 (step 0.001) -> 0.002; ETH ~3500 (step 0.01) -> 0.05; AAA ~1.0 (step 1) -> 199 or 200
it_check "BTC qty 0.002" test "$(pos_field BTCUSDT size)" = "0.002"
it_check "ETH qty 0.05 short" test "$(pos_field ETHUSDT size)/$(pos_field ETHUSDT side)" = "0.05/Sell"
aaa=$(pos_field AAAUSDT size)
it_check "AAA qty ~200 ($aaa)" test "$aaa" -ge 195 -a "$aaa" -le 200
# stop on the protective side, ~2 % from entry
chk_sl() { # SYM: |sl/entry - 1| in 1.9..2.1 % and on the right side
	local e sl side
	e=$(pos_field "$1" avgPrice) sl=$(pos_field "$1" stopLoss) side=$(pos_field "$1" side)
	awk -v e="$e" -v s="$sl" -v side="$side" 'BEGIN { d = (s / e - 1) * 100;
		if (side == "Buy") ok = d < -1.8 && d > -2.2; else ok = d > 1.8 && d < 2.2; exit !ok }'
}
for s in BTCUSDT ETHUSDT AAAUSDT; do
	it_check "$s stop-loss ~2 % on the protective side" chk_sl "$s"
done
it_check "hean:orders submitted BTC" wait_until 5 has_status "h$T-BTCUSDT" submitted
it_check "hean:position:BTCUSDT size>0" wait_until 5 pos_size_gt0 BTCUSDT
it_check "health naked_positions 0" wait_field 5 executor naked_positions 0
it_check "health positions 3" wait_field 5 executor positions 3

# a wave below the minimum notional and one with an unknown symbol: skipped, acked
ID2=$(xadd_wave "$((T + 1))" ZZZUSDT:buy)
it_check "unknown symbol wave acked" wait_until 10 wave_acked "$ID2"
it_check "unknown symbol skipped" test "$(orders_status "h$((T + 1))-ZZZUSDT")" = "skipped "
# empty wave
ID3=$(rcli XADD hean:waves '*' wave_ts "$(iso_utc "$((T + 2))")" signals '[]' considered 0 skipped 0 reason none)
it_check "empty wave acked" wait_until 5 wave_acked "$ID3"

# the same wave again (e.g. waves replays it): no second order, status duplicate
ID4=$(rcli XADD hean:waves '*' wave_ts "$(iso_utc "$T")" signals "$(signals_json SOLUSDT:buy BTCUSDT:buy)" considered 2 skipped 0 reason replay)
it_check "replayed wave acked" wait_until 10 wave_acked "$ID4"
it_check "BTC still one order" test "$(orders_for "h$T-BTCUSDT")" = 1
figure orders_in_journal "$(journal_count order)"
it_done
