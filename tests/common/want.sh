#!/usr/bin/env bash
# it-redis-want: common/want against a real redis-server.
#  - a declaration is the SET hean:want:ROLE with exactly the symbols given
#    and a TTL of HEAN_WANT_TTL_S (10 s)
#  - the same set in another order is not rewritten before the refresh
#    (2 s); after it, it is (TTL renewed)
#  - a new declaration replaces the old one whole: a removed symbol is gone;
#    an empty declaration leaves no key
#  - link down: the flush is refused and the next one after the reconnect
#    writes; a write whose reply never comes (redis stopped) is rewritten
#    by the next flush although the set did not change (the clock given
#    to the flushes is frozen from here: no refresh falls due)
. "$HEAN_SRC/tests/integration/lib.sh"
it_init redis-want

RW=$HEAN_BUILD/tests/common/rt_want
need_built tests/common/rt_want

start_redis
K=hean:want:executor
OUT=$IT_DIR/w.out
mkfifo "$IT_DIR/in"
"$RW" "$HEAN_REDIS_URL" executor <"$IT_DIR/in" >"$OUT" 2>"$IT_DIR/w.log" &
WP=$!
IT_PIDS+=("$WP")
exec 3>"$IT_DIR/in"

nlines() { grep -c "$1" "$OUT" 2>/dev/null || true; }
# say CMD: sends one line and waits for its answer; prints the answer line.
say() {
	local before
	before=$(nlines ' flush \| stats ')
	echo "$*" >&3
	wait_until 5 out_ge $((before + 1)) nlines ' flush \| stats ' || it_fail "no answer to '$*'"
	grep ' flush \| stats ' "$OUT" | tail -n 1 | cut -d' ' -f2-
}
members() { rcli SMEMBERS "$K" | sort | tr '\n' ' '; }

wait_until 5 grep -q 'redis up' "$OUT" || it_fail "link never up"

it_check "first declaration written" test "$(say set ETHUSDT BTCUSDT SOLUSDT btc BTCUSDT)" = "flush rc=1 n=3"
it_check "SET holds exactly the valid symbols ($(members))" test "$(members)" = "BTCUSDT ETHUSDT SOLUSDT "
it_check "type is set" test "$(rcli TYPE "$K")" = set
ttl=$(rcli PTTL "$K")
it_check "TTL ${ttl} ms in (9000, 10000]" test "$ttl" -gt 9000 -a "$ttl" -le 10000
figure want_ttl_ms "$ttl"

it_check "same set, other order: not rewritten" test "$(say set SOLUSDT ETHUSDT BTCUSDT)" = "flush rc=0 n=3"
sleep 2.1
it_check "same set after the refresh: rewritten" test "$(say flush)" = "flush rc=1 n=3"
ttl=$(rcli PTTL "$K")
it_check "TTL renewed (${ttl} ms)" test "$ttl" -gt 9500

it_check "smaller set written" test "$(say set BTCUSDT ETHUSDT)" = "flush rc=1 n=2"
it_check "removed symbol gone ($(members))" test "$(members)" = "BTCUSDT ETHUSDT "
it_check "replaced set written" test "$(say set XRPUSDT)" = "flush rc=1 n=1"
it_check "only the new symbol ($(members))" test "$(members)" = "XRPUSDT "
it_check "empty set written" test "$(say set)" = "flush rc=1 n=0"
it_check "empty declaration: no key" test "$(rcli EXISTS "$K")" = 0

# Link down: refused (-ENOTCONN), then written after the reconnect.
it_check "declaration before the outage" test "$(say set ADAUSDT)" = "flush rc=1 n=1"
echo freeze >&3
it_check "frozen clock: unchanged set not rewritten" test "$(say set ADAUSDT)" = "flush rc=0 n=1"
stop_redis
wait_until 5 grep -q 'redis down' "$OUT" || it_fail "link never down"
it_check "refused while down" test "$(say set ADAUSDT DOTUSDT)" = "flush rc=-107 n=2"
restart_redis 3>&- # the server must not hold the command pipe open
wait_until 10 out_ge 2 nlines 'redis up' || it_fail "link never up again"
it_check "written after the reconnect" test "$(say flush)" = "flush rc=1 n=2"
it_check "... once" test "$(say flush)" = "flush rc=0 n=2"
it_check "content after the reconnect ($(members))" test "$(members)" = "ADAUSDT DOTUSDT "

# Unknown outcome: redis frozen, the reply never comes (deadline 500 ms).
kill -STOP "$IT_REDIS_PID"
it_check "sent to a frozen redis" test "$(say set LINKUSDT)" = "flush rc=1 n=1"
wait_until 5 out_ge 2 nlines 'redis down' || it_fail "deadline never dropped the link"
kill -CONT "$IT_REDIS_PID"
wait_until 10 out_ge 3 nlines 'redis up' || it_fail "link never up after the freeze"
it_check "unknown outcome: rewritten though unchanged" test "$(say set LINKUSDT)" = "flush rc=1 n=1"
it_check "content ($(members))" test "$(members)" = "LINKUSDT "
it_check "... once" test "$(say flush)" = "flush rc=0 n=1"
it_check "stats" test "$(say stats)" = "stats writes=9 errors=2 written=1"

exec 3>&-
wait_until 5 dead "$WP" || it_fail "rt_want did not exit on EOF"
wait "$WP"
it_check "rt_want exit 0" test $? = 0
it_check "no failed check in rt_want" test "$(grep -c 'CHECK FAILED' "$OUT")" = 0
it_done
