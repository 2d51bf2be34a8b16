# shellcheck shell=bash disable=SC2034
# scripts/lib/proc.sh: start, identify and stop the project's processes.
# Shared by scripts/hean and scripts/watchdog; needs lib/common.sh and
# hc_paths/hc_load_config done.
#
# Pid file var/run/NAME.pid holds "PID STARTTIME" (field 22 of
# /proc/PID/stat), written atomically. A pid is "ours" only if it is alive,
# not a zombie, its start time matches and its cmdline names the expected
# program: this defeats pid reuse and never touches a foreign process.
# Children run in their own session (setsid: pid = pgid), with stdin from
# /dev/null, output appended to var/log/NAME.log and every inherited fd
# above 2 closed (no lock fd leaks into a child).

# Everything the launcher knows, in start order.
HP_NAMES=(redis exsim sigsim feed signals waves executor watchdog)
HP_DAEMONS=(feed signals waves executor)
# hean-metrics (scrape target + webhook alerts): supervised like a daemon
HP_NAMES+=(metrics)
HP_DAEMONS+=(metrics)

# hp_known NAME: NAME is one of HP_NAMES.
hp_known() {
	local n
	for n in "${HP_NAMES[@]}"; do
		[ "$n" = "$1" ] && return 0
	done
	return 1
}

# hp_is_daemon NAME
hp_is_daemon() {
	[ "$1" = metrics ] && return 0
	case $1 in feed | signals | waves | executor) return 0 ;; esac
	return 1
}

# hp_bin NAME: the program path.
hp_bin() {
	case $1 in
	feed | signals | waves | executor) printf '%s\n' "$HC_BUILD/$1/hean-$1" ;;
	exsim | sigsim) printf '%s\n' "$HC_BUILD/tests/sim/hean-$1" ;;
	redis) command -v redis-server || printf '%s\n' /usr/bin/redis-server ;;
	watchdog) printf '%s\n' "$HEANCTL_SRC/scripts/watchdog" ;;
	metrics) printf '%s\n' "$HC_BUILD/scripts/metrics/hean-metrics" ;;
	*) return 1 ;;
	esac
}

# hp_cmd NAME: sets HP_CMD (argv) for NAME from the configuration.
hp_cmd() {
	local bin port
	bin=$(hp_bin "$1") || return 1
	case $1 in
	feed | signals | waves | executor)
		HP_CMD=("$bin" --log "$HC_LOGDIR/$1.log")
		if [ -n "${HEANCTL_CONFIG:-}" ]; then
			HP_CMD+=(--config "$HEANCTL_CONFIG")
		fi
		;;
	exsim | sigsim)
		# The local simulators follow the configuration, so that the demo
		# trades: the same symbols on both, and signal waves of the
		# configured length, pushed before the wave is processed.
		# HEAN_SYMBOLS=ALL: the exchange simulator lists 100 synthetic
		# perpetuals (S0001USDT..) besides the named (or default) symbols,
		# and signals name the latter.
		local syms all=0
		syms=$(hc_cfg HEAN_SYMBOLS)
		case ",$syms," in *,ALL,*) all=1 ;; esac
		syms=$(printf '%s' "$syms" | tr ',' '\n' | grep -vx ALL | paste -sd, -)
		port=$(hc_sim_owned "$1") || return 1
		HP_CMD=("$bin" --port "$port" --symbols "${syms:-BTCUSDT,ETHUSDT,SOLUSDT}")
		[ "$1" = exsim ] && [ "$all" = 1 ] && HP_CMD+=(--instruments 100)
		if [ "$1" = sigsim ]; then
			local delay
			delay=$(hc_cfg HEAN_WAVE_DELAY_S)
			HP_CMD+=(--interval "$(hc_cfg HEAN_WAVE_INTERVAL_S)"
				--push-delay "$((delay > 2 ? delay / 2 : 0))"
				--token-file "$HC_RUN/sigsim.credentials")
		else
			HP_CMD+=(--credentials-file "$HC_RUN/exsim.credentials")
		fi
		;;
	redis) HP_CMD=("$bin" "$HC_RUN/redis.conf") ;;
	watchdog) HP_CMD=("$bin") ;;
	metrics)
		HP_CMD=("$bin" --log "$HC_LOGDIR/$1.log")
		if [ -n "${HEANCTL_CONFIG:-}" ]; then
			HP_CMD+=(--config "$HEANCTL_CONFIG")
		fi
		;;
	esac
}

# Secrets and the one role each belongs to; no other child sees them.
declare -A HP_SECRET_ROLE=(
	[HEAN_BYBIT_API_KEY]=executor
	[HEAN_BYBIT_API_SECRET]=executor
	[HEAN_SIGNAL_TOKEN]=signals
)
# Harmless variables every child may keep (locale, time zone, temp dir,
# sanitizer and faketime knobs of the test suite).
HP_ENV_KEEP=(PATH LANG LC_ALL LC_CTYPE TZ TMPDIR ASAN_OPTIONS UBSAN_OPTIONS
	LSAN_OPTIONS FAKETIME FAKETIME_DONT_FAKE_MONOTONIC LD_PRELOAD)

# hp_env NAME: sets HP_ENV (NAME=value words), the whole environment NAME
# starts with:
#   feed signals waves executor  the harmless set, HEAN_HOME, every HEAN_*
#                                but the secrets of other roles and
#                                HEAN_PROC_NAME (each daemon is named after
#                                its role, or HEAN_PROC_NAME_<ROLE>)
#   exsim sigsim                 the harmless set and SIM_CREDENTIALS_FILE
#                                (a 0600 file holding the configured
#                                credentials, so the simulator accepts them
#                                with no secret on its command line or in
#                                its environment)
#   redis                        the harmless set only
#   watchdog                     everything (it starts the others)
hp_env() {
	local n=$1 k
	HP_ENV=()
	for k in "${HP_ENV_KEEP[@]}"; do
		[ -n "${!k+x}" ] && HP_ENV+=("$k=${!k}")
	done
	case $n in
	feed | signals | waves | executor)
		HP_ENV+=("HEAN_HOME=$HEAN_HOME")
		for k in $(compgen -e); do
			case $k in HEAN_HOME | HEAN_PROC_NAME) continue ;; HEAN_*) ;; *) continue ;; esac
			[ -n "${HP_SECRET_ROLE[$k]:-}" ] && [ "${HP_SECRET_ROLE[$k]}" != "$n" ] && continue
			HP_ENV+=("$k=${!k}")
		done
		;;
	exsim | sigsim) HP_ENV+=("SIM_CREDENTIALS_FILE=$HC_RUN/$n.credentials") ;;
	watchdog)
		for k in $(compgen -e); do
			[ "$k" = HEAN_PROC_NAME ] || HP_ENV+=("$k=${!k}")
		done
		;;
	esac
}

# hp_apply_env: this shell's exported variables become exactly HP_ENV
# (in the child's subshell, before the exec).
hp_apply_env() {
	local k kv
	local -A keep=()
	for kv in "${HP_ENV[@]}"; do keep[${kv%%=*}]=1; done
	for k in $(compgen -e); do
		[ -n "${keep[$k]:-}" ] || export -n "${k?}" 2>/dev/null
	done
	for kv in "${HP_ENV[@]}"; do export "${kv%%=*}=${kv#*=}"; done
}

# hp_sim_credentials NAME: writes var/run/NAME.credentials (0600, KEY=value)
# with the credentials the pipeline is configured with: the API key and
# secret for exsim, the signal token for sigsim.
hp_sim_credentials() {
	local f=$HC_RUN/$1.credentials k
	local -a keys=(HEAN_SIGNAL_TOKEN)
	[ "$1" = exsim ] && keys=(HEAN_BYBIT_API_KEY HEAN_BYBIT_API_SECRET)
	(
		umask 077
		for k in "${keys[@]}"; do
			printf '%s=%s\n' "$k" "$(hc_secret "$k")"
		done >"$f.tmp.$$"
	) && mv -f "$f.tmp.$$" "$f"
}

hp_pidfile() { printf '%s\n' "$HC_RUN/$1.pid"; }

# hp_stat PID: sets HP_STATE, HP_PGRP, HP_SID, HP_START from
# /proc/PID/stat (comm may hold spaces: parse after the last ')').
hp_stat() {
	local line rest
	local -a f
	HP_STATE='' HP_PGRP='' HP_SID='' HP_START=''
	[[ $1 =~ ^[0-9]+$ ]] || return 1
	read -r line 2>/dev/null <"/proc/$1/stat" || return 1
	rest=${line##*) }
	read -r -a f <<<"$rest"
	# f[0] is field 3 (state), so field N is f[N-3].
	HP_STATE=${f[0]} HP_PGRP=${f[2]} HP_SID=${f[3]} HP_START=${f[19]}
	[ -n "$HP_START" ]
}

# hp_starttime PID: field 22 of /proc/PID/stat.
hp_starttime() {
	hp_stat "$1" || return 1
	printf '%s\n' "$HP_START"
}

# hp_alive PID: exists and is neither a zombie nor dead.
hp_alive() {
	hp_stat "$1" || return 1
	case $HP_STATE in Z | X | x) return 1 ;; esac
	return 0
}

# hp_cmdline_names PID NAME: the cmdline's program (argv[0], or argv[1]
# behind an interpreter) is NAME's program; for redis the cmdline must also
# name our var/run (conf file before redis rewrites its title, the socket
# after).
hp_cmdline_names() {
	local pid=$1 name=$2 want a i
	local -a argv=()
	want=$(hp_bin "$name") || return 1
	want=${want##*/}
	mapfile -d '' -t argv 2>/dev/null <"/proc/$pid/cmdline" || return 1
	[ "${#argv[@]}" -gt 0 ] || return 1
	if [ "$name" = redis ]; then
		case "${argv[*]}" in *"$HC_RUN/"*) ;; *) return 1 ;; esac
	fi
	for i in 0 1; do
		a=${argv[$i]:-}
		a=${a%% *} # redis-server rewrites argv[0] to "redis-server unixsocket:..."
		[ "${a##*/}" = "$want" ] && return 0
	done
	return 1
}

# hp_pid_is_ours NAME PID START: the three-part "ours" check.
hp_pid_is_ours() {
	hp_alive "$2" || return 1
	[ "$HP_START" = "$3" ] || return 1
	hp_cmdline_names "$2" "$1"
}

# hp_read_pidfile NAME: sets HP_FPID, HP_FSTART; 1 if no usable file.
hp_read_pidfile() {
	HP_FPID='' HP_FSTART=''
	read -r HP_FPID HP_FSTART 2>/dev/null <"$(hp_pidfile "$1")" || [ -n "$HP_FPID" ] || return 1
	[[ $HP_FPID =~ ^[0-9]+$ ]] && [[ $HP_FSTART =~ ^[0-9]+$ ]]
}

# proc_is_ours NAME: NAME's pid file names a live process of ours.
proc_is_ours() {
	hp_read_pidfile "$1" || return 1
	hp_pid_is_ours "$1" "$HP_FPID" "$HP_FSTART"
}

# proc_pid NAME: prints the pid of NAME if it is ours and running.
proc_pid() {
	proc_is_ours "$1" || return 1
	printf '%s\n' "$HP_FPID"
}

# hp_write_pidfile NAME PID START (atomic).
hp_write_pidfile() {
	local f
	f=$(hp_pidfile "$1")
	printf '%s %s\n' "$2" "$3" >"$f.tmp.$$" && mv -f "$f.tmp.$$" "$f"
}

# hp_log_tail NAME: last lines of NAME's log, to stderr.
hp_log_tail() {
	local f=$HC_LOGDIR/$1.log
	[ -s "$f" ] || return 0
	printf -- '----- %s (last 15 lines)\n' "$f" >&2
	tail -n 15 "$f" >&2
}

# start_proc NAME: starts NAME unless a process of ours already runs it.
# Sets PROC_STARTED (1 if started now) and PROC_PID. Returns 0 (running),
# 2 (program missing), 1 (failed to start). Removes var/run/NAME.down.
start_proc() {
	local name=$1 pid start log f n i
	PROC_STARTED=0 PROC_PID=
	if proc_is_ours "$name"; then
		PROC_PID=$HP_FPID
		rm -f "$HC_RUN/$name.down"
		return 0
	fi
	hp_cmd "$name" || return 1
	[ -x "${HP_CMD[0]}" ] || return 2
	rm -f "$HC_RUN/$name.down"
	case $name in
	exsim | sigsim) hp_sim_credentials "$name" || return 1 ;;
	esac
	hp_env "$name"
	log=$HC_LOGDIR/$name.log
	(
		# No inherited fd past stderr: a lock fd (flock) held by a child
		# would outlive us and keep the lock taken after we exit.
		for f in /proc/"$BASHPID"/fd/*; do
			n=${f##*/}
			case $n in 0 | 1 | 2 | *[!0-9]*) ;; *) eval "exec $n>&-" 2>/dev/null ;; esac
		done
		cd "$HEAN_HOME" || exit 127
		# Not a process-group leader here (no job control), so setsid
		# does not fork: the pid we hold is the program's. The child sees
		# HP_ENV and nothing else (set here, not through `env -i`, whose
		# argv would show the values in ps).
		hp_apply_env
		exec setsid "${HP_CMD[@]}" </dev/null >>"$log" 2>&1
	) &
	pid=$!
	start=$(hp_starttime "$pid") || {
		hc_warn "$name: exited at once (see $log)"
		hp_log_tail "$name"
		return 1
	}
	hp_write_pidfile "$name" "$pid" "$start" || return 1
	# Wait for the exec (cmdline names the program) under a deadline.
	for i in $(seq 1 100); do
		if hp_pid_is_ours "$name" "$pid" "$start"; then
			PROC_STARTED=1 PROC_PID=$pid
			return 0
		fi
		hp_alive "$pid" || break
		[ "$i" -lt 100 ] && sleep 0.05
	done
	wait "$pid" 2>/dev/null
	hc_warn "$name: did not start (see $log)"
	hp_log_tail "$name"
	rm -f "$(hp_pidfile "$name")"
	return 1
}

# hp_group_alive PGID: some non-zombie process is in the group.
hp_group_alive() {
	local f line
	for f in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$f" || continue
		# after "(comm) ": state ppid pgrp
		if [[ ${line##*) } =~ ^([A-Za-z])\ -?[0-9]+\ ([0-9]+)\  ]] &&
			[ "${BASH_REMATCH[2]}" = "$1" ]; then
			case ${BASH_REMATCH[1]} in Z | X | x) ;; *) return 0 ;; esac
		fi
	done
	return 1
}

# hp_gone PID GROUP: PID is gone or a zombie, and GROUP (if not empty) has
# no live member. Reaps PID if it is our child.
hp_gone() {
	if hp_alive "$1"; then
		return 1
	fi
	wait "$1" 2>/dev/null
	[ -z "$2" ] || ! hp_group_alive "$2"
}

# stop_proc NAME [GRACE_S]: stops NAME if it is ours: TERM then CONT (a
# stopped process runs no handler before CONT) to its process group, polls
# up to GRACE_S (HEANCTL_STOP_GRACE, default 5), then KILL to the group.
# A pid file naming a process that is not ours is removed, the process
# left alone. Returns 0 when nothing of ours is left, 1 otherwise.
stop_proc() {
	local name=$1 grace=${2:-${HEANCTL_STOP_GRACE:-5}} pid group='' i
	if ! hp_read_pidfile "$name"; then
		rm -f "$(hp_pidfile "$name")"
		return 0
	fi
	pid=$HP_FPID
	if ! hp_pid_is_ours "$name" "$pid" "$HP_FSTART"; then
		if hp_alive "$pid"; then
			hc_warn "$name: pid $pid in $(hp_pidfile "$name") is not ours; left alone"
		fi
		rm -f "$(hp_pidfile "$name")"
		return 0
	fi
	hp_stat "$pid"
	[ "$HP_PGRP" = "$pid" ] && group=$pid
	if [ -n "$group" ]; then
		kill -TERM -- "-$group" 2>/dev/null
		kill -CONT -- "-$group" 2>/dev/null
	else
		kill -TERM "$pid" 2>/dev/null
		kill -CONT "$pid" 2>/dev/null
	fi
	for i in $(seq 1 $((grace * 20))); do
		hp_gone "$pid" "$group" && break
		sleep 0.05
	done
	if ! hp_gone "$pid" "$group"; then
		hc_warn "$name: still running ${grace}s after TERM; sending KILL"
		if [ -n "$group" ]; then
			kill -KILL -- "-$group" 2>/dev/null
		else
			kill -KILL "$pid" 2>/dev/null
		fi
		for i in $(seq 1 60); do
			hp_gone "$pid" "$group" && break
			sleep 0.05
		done
	fi
	if hp_gone "$pid" "$group"; then
		rm -f "$(hp_pidfile "$name")"
		return 0
	fi
	hc_warn "$name: pid $pid survived KILL"
	return 1
}

# proc_health NAME: sets PH_PID PH_STATE PH_UPDATED PH_RECONNECTS PH_HOST PH_DETAIL
# from the health hash (empty when absent). Returns 1 if Redis fails.
proc_health() {
	local key out
	local -a kv flds
	PH_PID='' PH_STATE='' PH_UPDATED='' PH_RECONNECTS='' PH_DETAIL='' PH_HOST=''
	key=$(hc_key health "$(hc_proc_name "$1")")
	read -ra flds <<<"$(hc_field PID STATE UPDATED_MS RECONNECTS HOST DETAIL)"
	out=$(hc_rcli HMGET "$key" "${flds[@]}" 2>/dev/null) || return 1
	# $(...) drops trailing empty lines (empty fields at the end).
	mapfile -t kv <<<"$out"
	case ${kv[0]:-} in ERR* | NOAUTH* | WRONGPASS* | NOPERM* | LOADING* | MOVED*) return 1 ;; esac
	PH_PID=${kv[0]:-} PH_STATE=${kv[1]:-} PH_UPDATED=${kv[2]:-} PH_RECONNECTS=${kv[3]:-}
	PH_HOST=${kv[4]:-} PH_DETAIL=${kv[5]:-}
	return 0
}

# feed_conns_text: one phrase on the feed's connections from its health
# hash, e.g. "3 conns SSS, symbols/conn 200,200,17, 417 symbols
# (wanted 3), stale 0" (empty when the feed never wrote them). Connection
# states: S streaming, B subscribing, C connecting, D disconnected.
feed_conns_text() {
	local out
	local -a kv
	out=$(hc_rcli HMGET "$(hc_key health "$(hc_proc_name feed)")" connections \
		conn_states conn_symbols symbols symbols_wanted "$(hc_field FEED_STALE_SYMBOLS)" 2>/dev/null) || return 0
	mapfile -t kv <<<"$out"
	[[ ${kv[0]:-} =~ ^[0-9]+$ ]] || return 0
	printf '%s conns %s, symbols/conn %s, %s symbols (wanted %s), stale %s' "${kv[0]}" \
		"${kv[1]:--}" "${kv[2]:--}" "${kv[3]:--}" "${kv[4]:--}" "${kv[5]:--}"
}

# proc_standby NAME: sets PS_PID PS_STATE PS_UPDATED PS_DETAIL from
# hean:health:NAME:standby, the hash a copy waiting for NAME's lease (held
# by another copy of the same HEAN_PROC_NAME) writes; Redis expires it
# when that copy is gone. Returns 1 if there is none.
proc_standby() {
	local out
	local -a kv flds
	PS_PID='' PS_STATE='' PS_UPDATED='' PS_DETAIL=''
	read -ra flds <<<"$(hc_field PID STATE UPDATED_MS DETAIL)"
	out=$(hc_rcli HMGET "$(hc_key health "$(hc_proc_name "$1")"):standby" "${flds[@]}" 2>/dev/null) || return 1
	mapfile -t kv <<<"$out"
	[[ ${kv[0]:-} =~ ^[0-9]+$ ]] || return 1
	PS_PID=${kv[0]} PS_STATE=${kv[1]:-} PS_UPDATED=${kv[2]:-} PS_DETAIL=${kv[3]:-}
}

# proc_health_fresh NAME PID: the health hash was written by PID within
# HEAN_WATCHDOG_STALE_S.
proc_health_fresh() {
	local stale_ms now
	proc_health "$1" || return 1
	[ "$PH_PID" = "$2" ] || return 1
	[[ $PH_UPDATED =~ ^[0-9]+$ ]] || return 1
	stale_ms=$(($(hc_cfg HEAN_WATCHDOG_STALE_S) * 1000))
	now=$(hc_now_ms)
	[ $((now - PH_UPDATED)) -le "$stale_ms" ]
}
