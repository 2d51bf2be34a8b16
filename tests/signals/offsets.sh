#!/usr/bin/env bash
# wave_ts with a +04:00 offset: 2025-10-22T04:00:00+04:00 is stored in
# hean:signals as 2025-10-22T00:00:00+00:00; raw keeps the text as sent.
. "$HEAN_SRC/tests/signals/signals_lib.sh"

sig_setup signals-offsets
sig_start
wait_until 15 all_published || it_fail "initial buffer not published"

sim_ctl "$SIGSIM_URL" "/sim/send_invalid?kind=offset&wave_ts=2025-10-22T00:00:00%2B00:00"
it_check "offset signals published" wait_until 5 all_published
sent=$(sigsim_signals | grep -o '"wave_ts":"2025-10-22T04:00:00+04:00"' | wc -l)
figure sim_sent_plus4 "$sent"
it_check "the sim sent 2025-10-22T04:00:00+04:00 ($sent)" [ "$sent" -ge 2 ]

# fields of the entries whose raw carries +04:00
entries=$(rcli XRANGE hean:signals - + | awk '
	/^[0-9]+-[0-9]+$/ { if (w != "") print w, r; w = ""; r = "" }
	p == "wave_ts" { w = $0 }
	p == "raw" { r = ($0 ~ /2025-10-22T04:00:00\+04:00/) ? "raw_plus4" : "raw_other" }
	{ p = $0 }
	END { if (w != "") print w, r }' | grep raw_plus4)
n=$(printf '%s\n' "$entries" | grep -c . || true)
good=$(printf '%s\n' "$entries" | grep -c '^2025-10-22T00:00:00+00:00 raw_plus4$' || true)
figure stored_entries "$n"
figure stored_as_utc "$good"
it_log "entries: $(printf '%s' "$entries" | tr '\n' ';')"
it_check "both stored with wave_ts 2025-10-22T00:00:00+00:00 ($good of $n)" \
	[ "$n" -ge 2 -a "$good" -eq "$n" ]
check_no_dups
it_done
