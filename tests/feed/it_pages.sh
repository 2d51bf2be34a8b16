#!/usr/bin/env bash
# HEAN_SYMBOLS=ALL when instruments-info has more than one page: hean-exsim
# lists over 1000 tradable instruments, the feed asks limit=1000, so each
# read must follow nextPageCursor once (the next page is requested from
# the previous page's callback, through common/fetch on the feed's lws
# context). The feed's count of listed symbols must equal the simulator's,
# the read must have taken two pages, and re-reads must land on the same
# count without an error (no page repeated or skipped).
# It starts inside an 8 s IP ban (every REST call answered 403): the feed
# makes one call into it and the next only after HEAN_REST_BAN_S (8 s);
# its 5 s backoff alone would call again into the ban.
# (SC2317: predicates called through wait_until look unreachable.)
# shellcheck disable=SC2317
. "$HEAN_SRC/tests/integration/lib.sh"
. "$HEAN_SRC/tests/feed/feed_lib.sh"
it_init feed-pages
start_redis
start_exsim --instruments 1010 --rate 1 --seed 17
SIM_N=$(curl -sf "$EXSIM_URL/sim/symbols" | jq length)
export HEAN_SYMBOLS=ALL HEAN_PROC_NAME=feed HEAN_LOG_LEVEL=info HEAN_FEED_CONN_SYMBOLS=500
export HEAN_FEED_INSTRUMENTS_REFRESH_S=10 HEAN_STALE_S=30 HEAN_REST_BAN_S=8
sim_ctl "$EXSIM_URL" "/sim/ban?secs=8"
start_daemon feed
FLOG=$IT_DIR/feed.log
figure sim_instruments "$SIM_N"
it_check "the simulator lists more than one page (> 1000)" test "${SIM_N:-0}" -gt 1000
it_check "feed: every instrument listed ($SIM_N) once the ban is over" wait_until 25 field_is feed symbols_listed "$SIM_N"
banned=$(curl -sf "$EXSIM_URL/sim/stats" | jq .banned_calls)
figure banned_calls "$banned"
it_check "feed: one call into the 8 s ban ($banned), none after the 403" test "$banned" = 1
it_check "feed: the 403 logged as a ban" grep -q 'event=instruments_failed page=1 why="http status=403 .*retry_s=8 .*(IP ban' "$FLOG"
E1=$(health_field feed instruments_errors)
it_check "feed: read in two pages" grep -q "event=instruments_read listed=$SIM_N pages=2 previous=0" "$FLOG"
R1=$(health_field feed instruments_read_ms)
reread() { [ "$(health_field feed instruments_read_ms)" -gt "${R1:-0}" ]; }
it_check "feed: re-read (every 10 s)" wait_until 16 reread
it_check "feed: after the re-read still $SIM_N listed" field_is feed instruments_listed "$SIM_N"
it_check "feed: no failed read after the ban" field_is feed instruments_errors "$E1"
kill -TERM "$FEED_PID"
wait "$FEED_PID"
RC=$?
it_check "feed: SIGTERM -> exit 0 ($RC), no sanitizer report" bash -c "[ $RC = 0 ] && ! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error' '$FLOG'"
it_done
