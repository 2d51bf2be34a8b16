#!/usr/bin/env bash
# hean-waves tells the feed which symbols the coming waves need, in the SET
# hean:want:waves (common/want). 4 s waves, due 1 s after the close.
#  - signals of the current and the next wave: their symbols are wanted
#    within 1 s of their arrival (invalid and blacklisted ones left out;
#    a wave three slots ahead is not wanted yet)
#  - the key has the TTL HEAN_WANT_TTL_S (10 s)
#  - once a wave is emitted and no longer current or next, its symbols go;
#    a later wave's come in when it becomes the next one
. "$HEAN_SRC/tests/waves/waves_lib.sh"
waves_setup waves-want

I=4
K=hean:want:waves
members() { rcli SMEMBERS "$K" | sort | tr '\n' ' '; }
want_has() { rcli SISMEMBER "$K" "$1" | grep -qx 1; }
want_lacks() { ! want_has "$1"; }

start_waves waves HEAN_WAVE_INTERVAL_S=$I HEAN_WAVE_DELAY_S=1 HEAN_WAVE_MAX_LATE_S=5 \
	HEAN_SYMBOL_BLACKLIST=DOGEUSDT
wait_state 10 waves running || it_fail "hean-waves not running"
it_check "nothing wanted before any signal" test "$(rcli EXISTS "$K")" = 0

S=$(( $(now_s) / I * I ))
push 1 BTCUSDT buy "$(iso_utc "$S")" 50
push 2 ETHUSDT buy "$(iso_utc $((S + I)))" 50
push 3 SOLUSDT sell "$(iso_dubai $((S + I)))" 50
push 4 bad-sym buy "$(iso_utc $((S + I)))" 50
push 5 DOGEUSDT buy "$(iso_utc $((S + I)))" 50
push 6 XRPUSDT buy "$(iso_utc $((S + 3 * I)))" 50
it_check "current and next waves' symbols wanted within 1 s" \
	wait_until 1 out_eq "BTCUSDT ETHUSDT SOLUSDT " members
it_check "exactly those ($(members))" test "$(members)" = "BTCUSDT ETHUSDT SOLUSDT "
ttl=$(rcli PTTL "$K")
it_check "TTL ${ttl} ms in (8000, 10000]" test "$ttl" -gt 8000 -a "$ttl" -le 10000
figure want_waves_ttl_ms "$ttl"

# ETH's wave (S + I) is due at S + 2I + 1; after that it is neither current
# nor next (the slot is S + 2I): its symbols go, XRP's (S + 3I) come.
it_check "ETH no longer wanted after its wave" wait_until $((3 * I + 2)) want_lacks ETHUSDT
it_check "ETH's wave was emitted" has_wave "$(iso_utc $((S + I)))"
it_check "XRP wanted once its wave is the next one" wait_until $((I + 1)) want_has XRPUSDT
it_check "health want_writes counts writes" out_ge 2 health_field waves want_writes
it_check "health want_errors 0" test "$(health_field waves want_errors)" = 0
it_done
