# shellcheck shell=bash
# scripts/lib/trade.sh: the operator's trading controls, sourced by
# scripts/hean after common.sh (hc_rcli, hc_cfg, hc_now_ms, hc_die).
#   halt [REASON]     SET {prefix}halt: the executor trades no new wave
#                     (open positions stay protected and trailed); kept in
#                     Redis, so it survives restarts
#   resume            DEL {prefix}halt
#   flatten [SYMBOL]  XADD {prefix}control cmd=flatten symbol=SYMBOL|ALL:
#                     the executor closes the positions with reduce-only
#                     market orders and confirms them flat; waits for
#                     flatten_done (HEANCTL_FLATTEN_TIMEOUT, 60 s). Safe to
#                     repeat; if interrupted the request stays queued.
#   ht_status_lines   the halt and PnL lines of `status`


ht_need_redis() {
	hc_redis_answers || hc_die "redis ($HC_REDIS_DESC) not answering"
}

cmd_halt() {
	local reason=${*:-operator} by=${USER:-$(id -un 2>/dev/null)}
	ht_need_redis
	reason=${reason//$'\n'/ }
	hc_rcli SET "$(hc_key halt)" "ts_ms=$(hc_now_ms) by=${by:-unknown} reason=$reason" >/dev/null ||
		hc_die "cannot write $(hc_key halt)"
	echo "halted: no new waves are traded (open positions stay protected); 'scripts/hean resume' to undo"
}

cmd_resume() {
	local n
	ht_need_redis
	n=$(hc_rcli DEL "$(hc_key halt)") || hc_die "cannot delete $(hc_key halt)"
	if [ "$n" = 1 ]; then echo "resumed: new waves are traded again"; else echo "not halted"; fi
}

# ht_flatten_done EVENTS_KEY REQ_ID: a flatten_done event for REQ_ID exists
ht_flatten_done() {
	hc_rcli XRANGE "$1" - + 2>/dev/null | grep -A2 -x flatten_done | grep -q -- "^req_id=$2 "
}

cmd_flatten() {
	local sym=${1:-ALL} events req t0 limit=${HEANCTL_FLATTEN_TIMEOUT:-60} f_cmd f_sym f_req
	[ $# -le 1 ] || hc_die "usage: scripts/hean flatten [SYMBOL]"
	[[ $sym =~ ^([A-Z0-9]{2,20}|ALL)$ ]] || hc_die "flatten: '$sym' is not a symbol (e.g. BTCUSDT) or ALL"
	ht_need_redis
	events=$(hc_key events)
	req="f$(date -u +%Y%m%d%H%M%S)-$$"
	read -r f_cmd f_sym f_req <<<"$(hc_field CMD SYMBOL REQ_ID)"
	hc_rcli XADD "$(hc_key control)" '*' "$f_cmd" "$(hc_key cmd_flatten)" "$f_sym" "$sym" "$f_req" "$req" >/dev/null ||
		hc_die "cannot write $(hc_key control)"
	echo "flatten $sym requested (req_id=$req); waiting for the executor to confirm flat..."
	t0=$(date +%s)
	while ! ht_flatten_done "$events" "$req"; do
		if [ $(($(date +%s) - t0)) -ge "$limit" ]; then
			echo "not confirmed within ${limit}s: the request stays queued for the executor" \
				"(is it running? 'scripts/hean status'); safe to run flatten again" >&2
			return 1
		fi
		sleep 0.5
	done
	echo "flat: $sym (req_id=$req)"
}

# ht_status_lines: "halt:" and "pnl:" lines for scripts/hean status
ht_status_lines() {
	local h p
	h=$(hc_rcli GET "$(hc_key halt)" 2>/dev/null)
	if [ -n "$h" ]; then echo "halt: HALTED ($h)"; else echo "halt: trading"; fi
	p=$(hc_rcli HGETALL "$(hc_key pnl)" 2>/dev/null)
	[ -n "$p" ] && p=$(printf '%s\n' "$p" | paste -d= - - | tr '\n' ' ')
	echo "pnl: ${p:-none yet}"
}
