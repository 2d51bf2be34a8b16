#!/usr/bin/env bash
# Executor test: an order filled in several executions (PartiallyFilled,
# then Filled, one execution push per part) ends protected on its whole
# size: the exchange's position carries a stop-loss ~2 % from its average
# entry, hean:position:{SYM} holds the full size and the exchange's average
# entry, hean:orders has the filled row, and a move through the stop closes
# the whole position (nothing left unprotected). A long filled at two
# prices then trails from its average entry, not its first execution.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exec-partial
. "$HEAN_SRC/tests/executor/exec_lib.sh"

start_redis
# 4 parts, 250 ms apart: the first part is seen ~0.75 s before the last
start_exsim --seed 11 --symbols BTCUSDT,ETHUSDT,AAAUSDT --rate 2 --fill-delay-ms 5 \
	--fill-parts 4 --fill-part-ms 250
start_exec

T=$(( $(now_s) - 30 ))
ID=$(xadd_wave "$T" ETHUSDT:sell AAAUSDT:buy)
it_check "wave acked" wait_until 10 wave_acked "$ID"
fills() { exsim_journal | jq --arg l "$1" '[.[] | select(.kind=="fill" and .orderLinkId==$l)] | length'; }
it_check "ETH short: full 0.05 at the exchange" wait_until 10 out_eq 0.05 pos_field ETHUSDT size
aaa_full() { [ "$(pos_field AAAUSDT size)" -ge 195 ] 2>/dev/null; }
it_check "AAA long: full size at the exchange" wait_until 10 aaa_full
it_check "ETH filled in 4 parts at the exchange" test "$(fills "h$T-ETHUSDT")" = 4
it_check "AAA filled in 4 parts at the exchange" test "$(fills "h$T-AAAUSDT")" = 4
chk_sl() { # SYM: stop on the protective side, 1.8..2.2 % from the exchange's average entry
	local e sl side
	e=$(pos_field "$1" avgPrice) sl=$(pos_field "$1" stopLoss) side=$(pos_field "$1" side)
	awk -v e="$e" -v s="$sl" -v side="$side" 'BEGIN { if (e + 0 <= 0 || s + 0 <= 0) exit 1; d = (s / e - 1) * 100;
		if (side == "Buy") ok = d < -1.8 && d > -2.2; else ok = d > 1.8 && d < 2.2; exit !ok }'
}
for s in ETHUSDT AAAUSDT; do
	it_check "$s protected" wait_until 5 protected "$s"
	it_check "$s stop ~2 % from the average entry" wait_until 5 chk_sl "$s"
	same_size() { [ "$(hget "hean:position:$1" size)" = "$(pos_field "$1" size)" ]; }
	it_check "$s: hean:position size = exchange size" wait_until 5 same_size "$s"
	same_avg() { awk -v a="$(hget "hean:position:$1" avg_price)" -v b="$(pos_field "$1" avgPrice)" \
		'BEGIN { exit !(a + 0 > 0 && (a - b) / b < 1e-6 && (b - a) / b < 1e-6) }'; }
	it_check "$s: hean:position avg_price = exchange avgPrice" wait_until 5 same_avg "$s"
	it_check "$s: hean:orders filled row" wait_until 5 has_status "h$T-$s" filled
	it_check "$s: one order" test "$(orders_for "h$T-$s")" = 1
done
it_check "health naked_positions 0" wait_field 5 executor naked_positions 0
# the stop covers the whole position, whatever its executions: every stop
# hean sent (order/create, trading-stop) is in Full mode, none sized
partial_stops() { exsim_journal | jq '[.[] | select((.kind=="order" or .kind=="trading_stop")
	and (.stopLoss // "") != "" and (.tpslMode != "Full" or has("slSize")))] | length'; }
it_check "every stop in Full mode, none sized" test "$(partial_stops)" = 0

# through the ETH stop: the whole short is closed by it
sl=$(pos_field ETHUSDT stopLoss)
sim_ctl "$EXSIM_URL" "/sim/price?symbol=ETHUSDT&price=$(awk -v s="$sl" 'BEGIN { printf "%.2f", s * 1.01 }')"
eth_flat() { [ -z "$(pos_field ETHUSDT size)" ] || [ "$(pos_field ETHUSDT size)" = 0 ]; }
it_check "ETH stop closed the whole position" wait_until 10 eth_flat
it_check "AAA still open and protected" protected AAAUSDT

# trailing measures from the average entry, not the first execution's
# price: ETH long (the short above is closed), first part (0.01) at p0, the
# other three (0.04) at p0 - 1.2 % (average ~p0 - 1 %); then the price goes
# to p0 + 0.4 %: 1.3 % above the average (the 1 % activation is reached:
# the stop trails to ~p0 - 0.1 %), but only 0.4 % above the first part
# (would not arm)
p0=$(truth_last ETHUSDT) t2=$(now_ms)
# stop_since SYM MIN: a trading_stop for SYM at >= MIN accepted after t2
stop_since() { exsim_journal | jq -e --arg s "$1" --argjson m "$2" --argjson t "$t2" 'any(.[]; .kind=="trading_stop"
	and .symbol==$s and .retCode==0 and .t_ms >= $t and (.stopLoss|tonumber) >= $m)' >/dev/null; }
T2=$(( T + 1 ))
xadd_wave "$T2" ETHUSDT:buy >/dev/null
it_check "ETH first part filled" wait_until 5 out_ge 1 fills "h$T2-ETHUSDT"
sim_ctl "$EXSIM_URL" "/sim/price?symbol=ETHUSDT&price=$(awk -v p="$p0" 'BEGIN { printf "%.2f", p * 0.988 }')"
it_check "ETH filled in 4 parts" wait_until 5 out_eq 4 fills "h$T2-ETHUSDT"
low_avg() { awk -v a="$(pos_field ETHUSDT avgPrice)" -v p="$p0" 'BEGIN { exit !(a > 0 && a < p * 0.995) }'; }
it_check "ETH average entry below the first part (the parts differ)" wait_until 3 low_avg
figure eth_first_avg "$p0 $(pos_field ETHUSDT avgPrice)"
sim_ctl "$EXSIM_URL" "/sim/price?symbol=ETHUSDT&price=$(awk -v p="$p0" 'BEGIN { printf "%.2f", p * 1.004 }')"
want=$(awk -v p="$p0" 'BEGIN { printf "%.2f", p * 0.997 }')
it_check "ETH stop trailed from the average entry" wait_until 4 stop_since ETHUSDT "$want"
figure eth_max_stop "$(max_stop ETHUSDT) (want >= $want)"
# unrealized PnL of the position: (last - average entry) x size, from the
# exchange's figures (within 15 %)
upnl_ok() { awk -v u="$(hget hean:position:ETHUSDT unrealized_pnl)" -v l="$(truth_last ETHUSDT)" \
	-v a="$(pos_field ETHUSDT avgPrice)" -v z="$(pos_field ETHUSDT size)" \
	'BEGIN { w = (l - a) * z; exit !(w > 0 && u > w * 0.85 && u < w * 1.15) }'; }
it_check "hean:position:ETHUSDT unrealized_pnl from the average entry" wait_until 3 upnl_ok
figure eth_unrealized "$(hget hean:position:ETHUSDT unrealized_pnl)"
it_done
