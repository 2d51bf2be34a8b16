#!/usr/bin/env bash
# it-redis-health: common/health on a real redis.
#  - hean:health:{proc} has pid, state, updated_ms, last_msg_ms, reconnects,
#    detail and the named fields; updated_ms advances every second
#  - events (proc, event, detail, ts_ms) land in hean:events
#  - redis kill -9 for a while: events made meanwhile are queued and
#    flushed after the restart; the process stays alive
. "$HEAN_SRC/tests/integration/lib.sh"
it_init redis-health

RH=$HEAN_BUILD/tests/common/rt_health
need_built tests/common/rt_health

start_redis
URL=$HEAN_REDIS_URL
P=rthealth
K=hean:health:$P
L=$IT_DIR/h.log

bg h "$RH" "$URL" "$P"
HP=$LAST_PID
wait_state 5 "$P" running || it_fail "state never running ($(health_state "$P"))"
it_check "pid field is the real pid" test "$(hget "$K" pid)" = "$HP"
for f in state updated_ms last_msg_ms reconnects detail ticks mode redis_reconnects events_dropped last_attempt_ms host; do
	it_check "field $f present" test "$(rcli HEXISTS "$K" "$f")" = 1
done
it_check "detail" test "$(hget "$K" detail)" = test
it_check "host field is this host" test "$(hget "$K" host)" = "$(hostname)"
# last_attempt_ms: set while the process tries, then frozen while updated_ms
# goes on (what the watchdog reads as "stopped trying")
wait_until 3 out_ge 6 hget "$K" ticks
att=$(hget "$K" last_attempt_ms)
it_check "last_attempt_ms set ($att)" test "$att" -gt 0
sleep 1.5
it_check "last_attempt_ms frozen once attempts stop" test "$(hget "$K" last_attempt_ms)" = "$att"
it_check "... while updated_ms advances" test "$(hget "$K" updated_ms)" -gt "$att" 
it_check "named string" test "$(hget "$K" mode)" = test

# updated_ms advances every second: three consecutive rewrites.
prev=$(hget "$K" updated_ms)
wait_until 3 out_ge $((prev + 1)) hget "$K" updated_ms # skip a possibly early first write
prev=$(hget "$K" updated_ms)
gaps=
for _ in 1 2 3; do
	if wait_until 3 out_ge $((prev + 1)) hget "$K" updated_ms; then
		cur=$(hget "$K" updated_ms)
		gaps="$gaps $((cur - prev))"
		it_check "gap $((cur - prev)) ms in [800, 1300]" test $((cur - prev)) -ge 800 -a $((cur - prev)) -le 1300
		prev=$cur
	else
		it_fail "updated_ms did not advance"
	fi
done
figure health_updated_gaps_ms "\"${gaps# }\""
it_check "last_msg_ms recent" test $(($(now_ms) - $(hget "$K" last_msg_ms))) -lt 2000
it_check "ticks counter grows" test "$(hget "$K" ticks)" -gt 3

wait_until 3 events_have tick || it_fail "no tick event"
it_check "event starting" events_have starting
it_check "event running (state change)" events_have running
it_check "event fields proc/event/detail/ts_ms" bash -c \
	"redis-cli -s '$IT_REDIS_SOCK' --raw XREVRANGE hean:events + - COUNT 1 | tr '\n' ' ' | grep -q 'proc $P event tick detail i=[0-9]* ts_ms [0-9]'"

# ---- redis down: events queue, flushed after the restart ----
stop_redis KILL
t_down=$(now_ms)
n0=$(count_matches "$L" up=0)
wait_until 5 out_ge $((n0 + 5)) count_matches "$L" up=0 || it_fail "no ticks while down"
first=$(grep 'up=0' "$L" | head -1 | sed 's/.* i=\([0-9]*\) .*/\1/')
last=$(grep 'up=0' "$L" | tail -1 | sed 's/.* i=\([0-9]*\) .*/\1/')
restart_redis
t_back=$(now_ms)
if wait_until 5 events_have "i=$last"; then
	figure health_events_flushed_after_restart_ms $(($(now_ms) - t_back))
else
	it_fail "queued events not flushed"
fi
it_check "first event made while down (i=$first) flushed" events_have "i=$first"
it_check "redis_down event recorded" events_have redis_down
it_check "redis_up event recorded" events_have redis_up
it_check "process alive" kill -0 "$HP"
u=$(hget "$K" updated_ms)
it_check "hash rewritten after restart" test "$u" -ge "$t_back"
it_check "redis_reconnects counted" test "$(hget "$K" redis_reconnects)" -ge 1
figure health_outage_ms $((t_back - t_down))

kill -TERM "$HP"
wait "$HP"
it_check "clean exit" test $? = 0
it_check "event stopped" events_have stopped

it_done
