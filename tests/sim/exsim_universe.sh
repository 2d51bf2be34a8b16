#!/bin/bash
# exsim universe: --instruments N synthetic perpetuals (and PreLaunch ones)
# listed by instruments-info pages exactly once each; status filter; a
# topic that is unknown, PreLaunch or delisted answered "handler not found"
# without disturbing the connection's other topics; /sim/list and
# /sim/delist at runtime; /sim/conns and dropping exactly one connection;
# subscribe/unsubscribe counts; the simulator's memory with 600 symbols.
. "$HEAN_SRC/tests/integration/lib.sh"
it_init exsim-universe
. "$HEAN_SRC/tests/sim/exsim_lib.sh"
P=/v5/public/linear

start_exsim --instruments 600 --instruments-prelaunch 5 --seed 61 --rate 5
II="$EXSIM_URL/v5/market/instruments-info?category=linear"

# pages LIMIT [EXTRA]: every row of every page, one compact JSON per line
# of [symbol, status]; then "PAGES n" on the last line
pages() {
	local cur="" n=0 r
	while :; do
		r=$(curl -s -m 5 "$II&limit=$1${2:-}${cur:+&cursor=$cur}")
		jq -c '.result.list[] | [.symbol, .status]' <<<"$r"
		n=$((n + 1))
		cur=$(jq -r .result.nextPageCursor <<<"$r")
		[ -n "$cur" ] && [ "$n" -lt 50 ] || break
	done
	echo "PAGES $n"
}
# expected Trading set: the three defaults and S0001..S0600
expect=$( (printf 'BTCUSDT\nETHUSDT\nSOLUSDT\n'; seq 1 600 | xargs printf 'S%04dUSDT\n') | sort)

# --- paging: every Trading instrument exactly once, PreLaunch absent ---
for lim in 250 500 1000; do
	pages "$lim" >"$IT_DIR/p$lim.txt"
	got=$(grep -v '^PAGES' "$IT_DIR/p$lim.txt" | jq -r '.[0]' | sort)
	np=$(sed -n 's/^PAGES //p' "$IT_DIR/p$lim.txt")
	want_pages=$(((603 + lim - 1) / lim))
	it_check "limit=$lim: $want_pages pages (got $np)" test "$np" = "$want_pages"
	it_check "limit=$lim: every Trading instrument exactly once" test "$got" = "$expect"
	it_check "limit=$lim: every row's status is Trading" test "$(grep -v '^PAGES' "$IT_DIR/p$lim.txt" | jq -r '.[1]' | sort -u)" = Trading
done
R=$(curl -s "$II")
jcheck "default limit is 500" "$R" '(.result.list|length)==500 and (.result.nextPageCursor|length)>0'
jcheck "limit above 1000 is not honoured (500 rows)" "$(curl -s "$II&limit=1001")" '(.result.list|length)==500'
jcheck "a forged cursor is an error, not page one" "$(curl -s "$II&cursor=bogus")" '.retCode==10001'
jcheck "status=PreLaunch lists P0001..P0005" "$(curl -s "$II&status=PreLaunch")" '[.result.list[]|.symbol]==["P0001USDT","P0002USDT","P0003USDT","P0004USDT","P0005USDT"] and ([.result.list[]|.status]|unique)==["PreLaunch"]'
jcheck "symbol= still answers one instrument" "$(curl -s "$II&symbol=S0042USDT")" '[.result.list[]|.symbol]==["S0042USDT"] and .result.list[0].status=="Trading" and .result.list[0].priceFilter.tickSize=="0.01"'
jcheck "symbol= of a PreLaunch instrument shows its status" "$(curl -s "$II&symbol=P0002USDT")" '.result.list[0].status=="PreLaunch"'
jcheck "names are ^[A-Z0-9]{2,20}\$" "$(curl -s "$II&limit=1000")" '[.result.list[].symbol|test("^[A-Z0-9]{2,20}$")]|all'

# --- memory: 605 instruments with per-symbol rings ---
rss=$(awk '/VmRSS/ {print $2}' "/proc/$EXSIM_PID/status")
figure exsim_rss_kib_605_instruments "$rss"
it_check "605 instruments cost < 300 MB RSS under ASan (got $rss KiB)" test "$rss" -lt 307200

# --- errors answered per topic, the other topics keep streaming ---
wsc_bg a $P --secs 3 \
	--send '{"req_id":"s1","op":"subscribe","args":["tickers.S0001USDT"]}' \
	--send '{"req_id":"bad","op":"subscribe","args":["tickers.NOPEUSDT"]}' \
	--send '{"req_id":"pre","op":"subscribe","args":["tickers.P0001USDT"]}' \
	--send '{"req_id":"mix","op":"subscribe","args":["tickers.S0002USDT","tickers.NOPE2USDT"]}' \
	--send '{"req_id":"u1","op":"subscribe","args":["tickers.S0003USDT"]}' \
	--send '{"req_id":"u2","op":"unsubscribe","args":["tickers.S0003USDT"]}'
A=$IT_DIR/a.out
wsc_bg b $P --secs 3 --send '{"req_id":"b1","op":"subscribe","args":["tickers.S0011USDT","tickers.S0012USDT","tickers.S0013USDT"]}'
B=$IT_DIR/b.out
wait_until 5 has "$B" S0013USDT || it_fail "client b got no frames"
# a's six requests are answered in order: once u2's answer is in, all are
# (checking after b's frames alone raced a's replies on a loaded machine)
wait_until 5 jq_has "$A" '.req_id=="u2"' || it_fail "client a got no answer to u2"
it_check "unknown symbol: handler not found, req_id echoed" jq_has "$A" '.success==false and .ret_msg=="error:handler not found,topic:tickers.NOPEUSDT" and .req_id=="bad" and .op=="subscribe"'
it_check "PreLaunch symbol: handler not found" jq_has "$A" '.success==false and .ret_msg=="error:handler not found,topic:tickers.P0001USDT" and .req_id=="pre"'
it_check "mixed request: error names the bad topic" jq_has "$A" '.success==false and .ret_msg=="error:handler not found,topic:tickers.NOPE2USDT" and .req_id=="mix"'

# --- /sim/conns and dropping exactly one connection ---
C=$(curl -s "$EXSIM_URL/sim/conns")
jcheck "/sim/conns: two public connections, 2 and 3 symbols" "$C" '[.[]|select(.path=="public")|.symbols]|sort==[2,3]'
jcheck "/sim/conns: topics of b" "$C" 'map(select(.symbols==3))[0].topics|sort==["tickers.S0011USDT","tickers.S0012USDT","tickers.S0013USDT"]'
na0=$(count_rx "$A")
ctl "/sim/drop?path=public&symbol=S0012USDT"
wait_until 3 has "$B" CLOSED || it_fail "b's connection was not dropped"
C=$(curl -s "$EXSIM_URL/sim/conns")
jcheck "after drop: one public connection left, a's" "$C" '[.[]|select(.path=="public")|.symbols]==[2]'
wait_until 3 rx_at_least "$A" $((na0 + 5)) || it_fail "a stopped receiving after b was dropped"
it_check "a not closed by the drop" bash -c "! grep -q CLOSED '$A'"
it_check "drop of a symbol nobody carries is refused (400)" test "$(http_status POST "$EXSIM_URL/sim/drop?path=public&symbol=S0500USDT")" = 400
it_check "drop of an unknown conn id is refused (400)" test "$(http_status POST "$EXSIM_URL/sim/drop?conn=nope")" = 400

# after the errors, S0001 and S0002 still stream on a (deltas after the last error reply)
errline=$(grep -n 'NOPE2USDT' "$A" | head -1 | cut -d: -f1)
it_check "S0001 and S0002 deltas after the error replies" test "$(tail -n +"${errline:-999999}" "$A" | grep -c '"topic":"tickers.S000[12]USDT","type":"delta"')" -ge 4
it_check "unsubscribed S0003 sends nothing after its ack" bash -c "! tail -n +\$(grep -n '\"req_id\":\"u2\"' '$A' | cut -d: -f1) '$A' | grep -q 'tickers.S0003USDT\",\"type\":\"delta'"
jcheck "unsubscribe acked" "$(frames "$A" | jq -c 'select(.req_id=="u2")')" '.success==true and .op=="unsubscribe"'
S=$(curl -s "$EXSIM_URL/sim/symbols")
jcheck "per-symbol counts: S0003 subscribed once, unsubscribed once" "$S" 'map(select(.symbol=="S0003USDT"))[0] | .subscribes==1 and .unsubscribes==1'
jcheck "per-symbol counts: S0001 never unsubscribed" "$S" 'map(select(.symbol=="S0001USDT"))[0] | .subscribes==1 and .unsubscribes==0 and .delivered > 0'
it_check "stats: 1 unsubscribe, 3 error replies" test "$(exsim_stat unsubscribes)/$(exsim_stat sub_errors)" = 1/3
wait_until 5 has "$A" TIMEOUT

# --- one request subscribing every Trading instrument (12.7k characters) ---
all=$(printf '"tickers.%s",' $expect | sed 's/,$//')
wsc_bg all $P --secs 1.5 --send "{\"req_id\":\"all\",\"op\":\"subscribe\",\"args\":[$all]}"
wait_until 5 has "$IT_DIR/all.out" '"req_id":"all"' || it_fail "no answer to the 603-topic subscribe"
it_check "603 topics in one request: acked" jq_has "$IT_DIR/all.out" '.req_id=="all" and .success==true'
C=$(curl -s "$EXSIM_URL/sim/conns")
jcheck "/sim/conns: 603 symbols, args_chars = the request's args text" "$C" "map(select(.symbols==603))[0].args_chars == $(printf '[%s]' "$all" | wc -c)"
wait_until 5 has "$IT_DIR/all.out" TIMEOUT

# --- delist and list at runtime ---
wsc_bg d $P --secs 4 --send '{"req_id":"d1","op":"subscribe","args":["tickers.S0007USDT","tickers.S0008USDT"]}'
D=$IT_DIR/d.out
wait_until 5 has "$D" '"tickers.S0007USDT","type":"delta"' || it_fail "no S0007 deltas"
ctl "/sim/delist?symbol=S0007USDT"
f0=$(curl -s "$EXSIM_URL/sim/symbols" | jq '.[]|select(.symbol=="S0007USDT")|.frames')
sleep 0.6
f1=$(curl -s "$EXSIM_URL/sim/symbols" | jq '.[]|select(.symbol=="S0007USDT")|.frames')
it_check "delisted S0007: no more market frames ($f0 -> $f1)" test "$f0" = "$f1"
n8=$(grep -c 'tickers.S0008USDT","type":"delta' "$D")
wait_until 3 bash -c "test \$(grep -c 'tickers.S0008USDT\",\"type\":\"delta' '$D') -ge $((n8 + 2))" || it_fail "S0008 stopped with S0007"
jcheck "instruments-info symbol=S0007USDT: Closed" "$(curl -s "$II&symbol=S0007USDT")" '.result.list[0].status=="Closed"'
jcheck "default listing drops it (602 Trading)" "$(curl -s "$II&limit=1000")" '(.result.list|length)==602 and ([.result.list[].symbol]|index("S0007USDT"))==null'
jcheck "status=Closed lists it" "$(curl -s "$II&status=Closed")" '[.result.list[].symbol]==["S0007USDT"]'
wsc_run $P --secs 1 --send '{"req_id":"late","op":"subscribe","args":["tickers.S0007USDT"]}' >"$IT_DIR/late.out"
it_check "subscribe to the delisted symbol: handler not found, req_id echoed" jq_has "$IT_DIR/late.out" '.success==false and .ret_msg=="error:handler not found,topic:tickers.S0007USDT" and .req_id=="late"'
ctl "/sim/list?symbol=NEWUSDT"
jcheck "listed NEWUSDT: Trading in instruments-info" "$(curl -s "$II&symbol=NEWUSDT")" '.result.list[0].status=="Trading"'
jcheck "and in the default listing (603)" "$(curl -s "$II&limit=1000")" '(.result.list|length)==603 and ([.result.list[].symbol]|index("NEWUSDT"))!=null'
wsc_run $P --secs 1.5 --send '{"req_id":"new","op":"subscribe","args":["tickers.NEWUSDT"]}' >"$IT_DIR/new.out"
it_check "NEWUSDT subscribable: snapshot then deltas" jq_has "$IT_DIR/new.out" '.topic=="tickers.NEWUSDT" and .type=="delta"'
it_check "/sim/list of a bad name refused (400)" test "$(http_status POST "$EXSIM_URL/sim/list?symbol=new-usdt")" = 400
stop_pid "$EXSIM_PID"

# --- --instruments-all-statuses: the default listing shows every status ---
start_exsim --instruments 3 --instruments-prelaunch 2 --instruments-all-statuses --seed 62
II="$EXSIM_URL/v5/market/instruments-info?category=linear"
jcheck "all statuses listed by default" "$(curl -s "$II")" '[.result.list[]|.status]==["Trading","Trading","Trading","Trading","Trading","Trading","PreLaunch","PreLaunch"]'
jcheck "status=Trading still filters" "$(curl -s "$II&status=Trading")" '(.result.list|length)==6'
it_check "more instruments than the universe holds: refused at start" bash -c "! timeout 3 '$HEAN_BUILD/tests/sim/hean-exsim' --port $(free_port) --instruments 1022 2>/dev/null"
it_done
