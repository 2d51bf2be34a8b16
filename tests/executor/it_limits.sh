#!/usr/bin/env bash
# Executor test: each risk limit stops new orders (row "skipped" naming the
# limit, event risk_limit) while open positions stay protected, and
# hean:halt stops new waves across an executor restart until it is deleted.
# Counts come from the exchange's journal.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exec-limits
. "$HEAN_SRC/tests/executor/exec_lib.sh"

start_redis
start_exsim --seed 47 --symbols BTCUSDT,ETHUSDT,SOLUSDT,AAAUSDT,BBBUSDT,CCCUSDT --rate 2 --fill-delay-ms 5
skipped_for() { rcli XRANGE hean:orders - + | grep -A1 -x ret_msg | grep -c -- "$1" || true; }
# stop_exec: the next start_exec must not see the old process's "running"
stop_exec() { stop_pid "$EXECUTOR_PID"; rcli DEL hean:health:executor >/dev/null; }
T=$(( $(now_s) - 30 ))

# 1. HEAN_MAX_OPEN_POSITIONS=2: a wave of three places two
HEAN_MAX_OPEN_POSITIONS=2 start_exec
ID=$(xadd_wave "$T" BTCUSDT:buy ETHUSDT:buy SOLUSDT:buy)
it_check "wave 1 acked" wait_until 10 wave_acked "$ID"
it_check "max open positions: 2 orders of 3" test "$(journal_count order)" = 2
it_check "skipped naming HEAN_MAX_OPEN_POSITIONS" test "$(skipped_for limit=HEAN_MAX_OPEN_POSITIONS)" -ge 1
it_check "risk_limit event" events_match "limit=HEAN_MAX_OPEN_POSITIONS"
it_check "two positions at the exchange" wait_until 5 out_eq 2 n_positions

# 2. HEAN_MAX_EXPOSURE_USD=500 with 2 x 200 open: a third 200 is refused
stop_exec
HEAN_MAX_EXPOSURE_USD=500 start_exec
ID=$(xadd_wave "$(( T + 1 ))" AAAUSDT:buy)
it_check "wave 2 acked" wait_until 10 wave_acked "$ID"
it_check "max exposure: no order" test "$(orders_for "h$((T + 1))-AAAUSDT")" = 0
it_check "skipped naming HEAN_MAX_EXPOSURE_USD" test "$(skipped_for limit=HEAN_MAX_EXPOSURE_USD)" -ge 1
it_check "exposure in hean:pnl" wait_true 3 'awk -v e="$(hget hean:pnl exposure_usd)" "BEGIN { exit !(e > 300) }"'

# 3. HEAN_DAILY_LOSS_LIMIT_USD=1: a long's stop is hit (a loss), then a wave is refused
stop_exec
HEAN_DAILY_LOSS_LIMIT_USD=1 start_exec
LOSER=$(exsim_state | jq -r '[.positions[] | .symbol][0]') # one of the two longs of wave 1
p=$(truth_last "$LOSER")
sim_ctl "$EXSIM_URL" "/sim/price?symbol=$LOSER&price=$(awk -v p="$p" 'BEGIN { printf "%.4f", p * 0.95 }')"
it_check "$LOSER stop triggered" wait_until 5 triggered "$LOSER"
it_check "realized loss in hean:pnl" wait_true 5 'awk -v r="$(hget hean:pnl realized_usd)" "BEGIN { exit !(r <= -1) }"'
figure realized_usd "$(hget hean:pnl realized_usd)"
ID=$(xadd_wave "$(( T + 2 ))" BBBUSDT:buy)
it_check "wave 3 acked" wait_until 10 wave_acked "$ID"
it_check "daily loss: no order" test "$(orders_for "h$((T + 2))-BBBUSDT")" = 0
it_check "skipped naming HEAN_DAILY_LOSS_LIMIT_USD" test "$(skipped_for limit=HEAN_DAILY_LOSS_LIMIT_USD)" -ge 1
it_check "limit shown in hean:pnl" wait_until 3 out_eq HEAN_DAILY_LOSS_LIMIT_USD hget hean:pnl limit
# the loss survives a restart (hean:pnl is read back before trading),
# once: not added again by a second read
R0=$(hget hean:pnl realized_usd)
stop_exec
t_r=$(now_ms)
HEAN_DAILY_LOSS_LIMIT_USD=1 start_exec
rewritten() { [ "$(hget hean:pnl updated_ms)" -gt $((t_r + 1500)) ] 2>/dev/null; }
wait_until 5 rewritten || it_fail "hean:pnl not rewritten after the restart"
R1=$(hget hean:pnl realized_usd)
it_check "realized loss after the restart $R1 = before $R0 (restored once)" \
	awk -v a="$R0" -v b="$R1" 'BEGIN { d = a - b; exit !(d < 0.001 && d > -0.001) }'
ID=$(xadd_wave "$(( T + 3 ))" BBBUSDT:buy)
it_check "wave 4 acked" wait_until 10 wave_acked "$ID"
it_check "daily loss after restart: no order" test "$(orders_for "h$((T + 3))-BBBUSDT")" = 0

# 4. halt (no limits reached): survives a restart; resume trades again
hean() { HEAN_HOME=$IT_DIR/home "$HEAN_SRC/scripts/hean" "$@"; }
mkdir -p "$IT_DIR/home/var/run" && chmod 700 "$IT_DIR/home/var" "$IT_DIR/home/var/run"
stop_exec
hean halt it test >/dev/null
it_check "scripts/hean halt wrote hean:halt" wait_true 1 '[ -n "$(rcli GET hean:halt)" ]'
start_exec
ID=$(xadd_wave "$(( T + 4 ))" CCCUSDT:buy)
it_check "wave 5 acked" wait_until 10 wave_acked "$ID"
it_check "halted: no order" test "$(orders_for "h$((T + 4))-CCCUSDT")" = 0
it_check "halted event" events_match "^halted$"
it_check "hean:pnl halted 1" wait_until 3 out_eq 1 hget hean:pnl halted
hean status >"$IT_DIR/status.out" 2>&1
it_check "status shows HALTED" grep -q "^halt: HALTED" "$IT_DIR/status.out"
it_check "status shows the day's PnL" grep -q "^pnl: .*realized_usd=-" "$IT_DIR/status.out"
hean resume >/dev/null
it_check "resumed event" wait_until 3 events_match "^resumed$"
ID=$(xadd_wave "$(( T + 5 ))" CCCUSDT:buy)
it_check "wave 6 acked" wait_until 10 wave_acked "$ID"
it_check "resumed: one order" test "$(orders_for "h$((T + 5))-CCCUSDT")" = 1
# halt set just before a wave: hean:halt is read again before each wave
hean halt just-in-time >/dev/null
ID=$(xadd_wave "$(( T + 6 ))" AAAUSDT:buy)
it_check "wave 7 acked" wait_until 10 wave_acked "$ID"
it_check "halt right before the wave: no order" test "$(orders_for "h$((T + 6))-AAAUSDT")" = 0
hean resume >/dev/null
it_check "every open position protected" wait_field 5 executor naked_positions 0
all_protected() { exsim_state | jq -e '[.positions[] | (.stopLoss | tonumber) > 0] | all' >/dev/null; }
it_check "every position protected at the exchange" wait_until 5 all_protected
it_done
