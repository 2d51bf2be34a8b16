# shellcheck shell=bash disable=SC2034
# scripts/lib/common.sh: paths, messages, deadlines and the effective
# configuration (defaults -> HEANCTL_CONFIG file -> environment, env wins),
# shared by scripts/hean and scripts/watchdog.
#
# Launcher-only knobs are HEANCTL_* (never HEAN_*: the processes warn on
# unknown HEAN_* names):
#   HEANCTL_BUILD_DIR   meson build dir holding the binaries (default
#                       <checkout>/build; relative = against the checkout)
#   HEANCTL_CONFIG      KEY=value file, passed as --config to the processes
#   HEANCTL_UP_TIMEOUT  seconds `up` waits for health (default 30)
#   HEANCTL_STOP_GRACE  seconds between TERM and KILL (default 5)

# The checkout holding scripts/hean.
HEANCTL_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)

hc_log() { printf 'hean: %s\n' "$*" >&2; }
hc_warn() { printf 'hean: warning: %s\n' "$*" >&2; }
hc_die() {
	printf 'hean: error: %s\n' "$*" >&2
	exit 1
}

# hc_abs BASE PATH: PATH made absolute against BASE.
hc_abs() {
	case $2 in
	/*) printf '%s\n' "$2" ;;
	*) printf '%s/%s\n' "$1" "$2" ;;
	esac
}

# hc_now_ms: wall clock in ms.
hc_now_ms() {
	local t
	t=$(date +%s%N)
	printf '%s\n' $((t / 1000000))
}

# hc_wait_until SECONDS CMD...: polls CMD every 50 ms until it succeeds;
# returns 1 on timeout.
hc_wait_until() {
	local end=$(($(hc_now_ms) + $1 * 1000))
	shift
	while :; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		if [ "$(hc_now_ms)" -ge "$end" ]; then
			return 1
		fi
		sleep 0.05
	done
}

# ===== paths =====

# hc_paths: sets HEAN_HOME (absolute, exported) and the var/ layout.
hc_paths() {
	HEAN_HOME=${HEAN_HOME:-$HEANCTL_SRC}
	HEAN_HOME=$(hc_abs "$PWD" "$HEAN_HOME")
	export HEAN_HOME
	HC_VAR=$HEAN_HOME/var
	HC_RUN=$HC_VAR/run
	HC_LOGDIR=$HC_VAR/log
	HC_REDIS_DATA=$HC_VAR/redis
	HC_BUILD=$(hc_abs "$HEANCTL_SRC" "${HEANCTL_BUILD_DIR:-build}")
	HC_REDIS_SOCK=$HC_RUN/redis.sock
	if [ -n "${HEANCTL_CONFIG:-}" ]; then
		HEANCTL_CONFIG=$(hc_abs "$PWD" "$HEANCTL_CONFIG")
	fi
}

# hc_mkdirs: var/ tree; var/run mode 700 (the Redis socket lives there).
hc_mkdirs() {
	mkdir -p "$HC_RUN" "$HC_LOGDIR" "$HC_REDIS_DATA" || hc_die "cannot create $HC_VAR"
	chmod 700 "$HC_VAR" "$HC_RUN" "$HC_REDIS_DATA" || hc_die "cannot chmod $HC_RUN"
}

# ===== configuration =====

# Every variable of ARCHITECTURE.md with its default (keep in sync with
# common/config.c). HEAN_HOME and HEAN_PROC_NAME are handled apart.
HC_CFG_KEYS=(
	HEAN_REDIS_URL HEAN_REDIS_PREFIX HEAN_BYBIT_WS_PUBLIC HEAN_BYBIT_WS_PRIVATE
	HEAN_BYBIT_REST HEAN_BYBIT_API_KEY HEAN_BYBIT_API_SECRET HEAN_SYMBOLS
	HEAN_SIGNAL_URL HEAN_SIGNAL_TOKEN HEAN_WAVE_INTERVAL_S HEAN_WAVE_DELAY_S
	HEAN_PING_INTERVAL_S HEAN_LIVENESS_TIMEOUT_S HEAN_STALE_S HEAN_LOG_LEVEL
	HEAN_TICKS_MAXLEN HEAN_SIGNAL_POLL_S HEAN_WAVE_MAX_LATE_S HEAN_WAVE_MAX_TRADES
	HEAN_WAVE_MIN_SCORE HEAN_SYMBOL_BLACKLIST HEAN_POSITION_USD HEAN_STOP_LOSS_PCT
	HEAN_TRAIL_ACTIVATION_PCT HEAN_TRAIL_CALLBACK_PCT HEAN_TRAIL_MIN_INTERVAL_MS
	HEAN_REST_POLL_S HEAN_RECV_WINDOW_MS HEAN_WATCHDOG_STALE_S
	HEAN_WATCHDOG_UNHEALTHY_S HEAN_WATCHDOG_MAX_RESTARTS HEAN_TLS_INSECURE
)
declare -A HC_DEFAULT=(
	[HEAN_REDIS_URL]=unix://var/run/redis.sock
	[HEAN_REDIS_PREFIX]=hean:
	[HEAN_BYBIT_WS_PUBLIC]=ws://127.0.0.1:47801/v5/public/linear
	[HEAN_BYBIT_WS_PRIVATE]=ws://127.0.0.1:47801/v5/private
	[HEAN_BYBIT_REST]=http://127.0.0.1:47801
	[HEAN_BYBIT_API_KEY]=hean-sim-key
	[HEAN_BYBIT_API_SECRET]=hean-sim-secret
	[HEAN_SYMBOLS]='BTCUSDT,ETHUSDT,SOLUSDT'
	[HEAN_SIGNAL_URL]=ws://127.0.0.1:47802/
	[HEAN_SIGNAL_TOKEN]=hean-sim-token
	[HEAN_WAVE_INTERVAL_S]=900
	[HEAN_WAVE_DELAY_S]=300
	[HEAN_PING_INTERVAL_S]=20
	[HEAN_LIVENESS_TIMEOUT_S]=60
	[HEAN_STALE_S]=120
	[HEAN_LOG_LEVEL]=info
	[HEAN_TICKS_MAXLEN]=100000
	[HEAN_SIGNAL_POLL_S]=60
	[HEAN_WAVE_MAX_LATE_S]=300
	[HEAN_WAVE_MAX_TRADES]=5
	[HEAN_WAVE_MIN_SCORE]=0
	[HEAN_SYMBOL_BLACKLIST]=''
	[HEAN_POSITION_USD]=200
	[HEAN_STOP_LOSS_PCT]=2.0
	[HEAN_TRAIL_ACTIVATION_PCT]=1.0
	[HEAN_TRAIL_CALLBACK_PCT]=0.5
	[HEAN_TRAIL_MIN_INTERVAL_MS]=1000
	[HEAN_REST_POLL_S]=5
	[HEAN_RECV_WINDOW_MS]=5000
	[HEAN_WATCHDOG_STALE_S]=30
	[HEAN_WATCHDOG_UNHEALTHY_S]=120
	[HEAN_WATCHDOG_MAX_RESTARTS]=5
	[HEAN_TLS_INSECURE]=0
)
# The endpoints the launcher acts on: exported to the children when neither
# the environment nor the config file sets them, so what the launcher
# decided (which Redis, which simulators) is what the processes use.
HC_EXPORTED_DEFAULTS=(HEAN_REDIS_URL HEAN_BYBIT_WS_PUBLIC HEAN_BYBIT_WS_PRIVATE
	HEAN_BYBIT_REST HEAN_SIGNAL_URL)
declare -A HC_FILE=()

# hc_load_config: reads HEANCTL_CONFIG (KEY=value, '#' comments, optional
# quotes) into HC_FILE, then exports the endpoint defaults.
hc_load_config() {
	local line key val mode k
	if [ -n "${HEANCTL_CONFIG:-}" ]; then
		[ -r "$HEANCTL_CONFIG" ] || hc_die "HEANCTL_CONFIG: cannot read $HEANCTL_CONFIG"
		mode=$(stat -c %a "$HEANCTL_CONFIG" 2>/dev/null)
		if [ -n "$mode" ] && [ $((8#$mode & 8#077)) -ne 0 ]; then
			hc_warn "$HEANCTL_CONFIG is readable by others (mode $mode); chmod 600 it"
		fi
		while IFS= read -r line || [ -n "$line" ]; do
			line=${line#"${line%%[![:space:]]*}"}
			case $line in '' | '#'*) continue ;; esac
			case $line in *=*) ;; *) continue ;; esac
			key=${line%%=*}
			key=${key%"${key##*[![:space:]]}"}
			val=${line#*=}
			val=${val#"${val%%[![:space:]]*}"}
			val=${val%"${val##*[![:space:]]}"}
			case $val in
			\"*\") val=${val:1:${#val}-2} ;;
			\'*\') val=${val:1:${#val}-2} ;;
			esac
			case $key in HEAN_*) HC_FILE[$key]=$val ;; esac
		done <"$HEANCTL_CONFIG"
	fi
	for k in "${HC_EXPORTED_DEFAULTS[@]}"; do
		if [ -z "${!k+x}" ] && [ -z "${HC_FILE[$k]+x}" ]; then
			if [ "$k" = HEAN_REDIS_URL ]; then
				export HEAN_REDIS_URL="unix://$HC_REDIS_SOCK"
			else
				export "$k=${HC_DEFAULT[$k]}"
			fi
		fi
	done
}

# hc_cfg KEY: the value in force (environment, else file, else default).
hc_cfg() {
	local k=$1
	if [ -n "${!k+x}" ]; then
		printf '%s\n' "${!k}"
	elif [ -n "${HC_FILE[$k]+x}" ]; then
		printf '%s\n' "${HC_FILE[$k]}"
	else
		printf '%s\n' "${HC_DEFAULT[$k]-}"
	fi
}

# hc_default KEY: the built-in default.
hc_default() { printf '%s\n' "${HC_DEFAULT[$1]-}"; }

# hc_secret KEY: the unmasked value in force (for the simulators' credentials).
hc_secret() { hc_cfg "$1"; }

# hc_mask KEY VALUE: the value as it may be shown (secrets masked).
hc_mask() {
	local k=$1 v=$2
	case $k in
	HEAN_BYBIT_API_KEY)
		# as common/config.c: 4 characters shown only of a key longer than 8
		if [ "${#v}" -gt 8 ]; then
			v="${v:0:4}...(redacted)"
		elif [ -n "$v" ]; then
			v="(redacted)"
		fi
		;;
	HEAN_REDIS_URL)
		# redis://[[USER]:PASS@]HOST... -> password replaced
		if [[ $v =~ ^([a-z]+://[^:@/?]*):[^@/?]*@(.*)$ ]]; then
			v="${BASH_REMATCH[1]}:(redacted)@${BASH_REMATCH[2]}"
		elif [[ $v =~ ^([a-z]+://)[^@/?]+@(.*)$ ]]; then
			v="${BASH_REMATCH[1]}(redacted)@${BASH_REMATCH[2]}"
		fi
		;;
	*SECRET* | *TOKEN* | *PASS* | *KEY*)
		if [ -n "$v" ]; then v="(redacted)"; fi
		;;
	esac
	printf '%s\n' "$v"
}

# hc_env_text: every HEAN_* value in force, masked, one KEY=value a line.
hc_env_text() {
	local k v known
	printf '# hean effective configuration (secrets masked), written %s\n' \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	if [ -n "${HEANCTL_CONFIG:-}" ]; then
		printf '# config file: %s (environment wins)\n' "$HEANCTL_CONFIG"
	fi
	printf '# HEAN_PROC_NAME: each process uses its role (feed, signals, waves, executor)\n'
	printf 'HEAN_HOME=%s\n' "$HEAN_HOME"
	for k in "${HC_CFG_KEYS[@]}"; do
		v=$(hc_cfg "$k")
		v=${v//$'\n'/ }
		printf '%s=%s\n' "$k" "$(hc_mask "$k" "$v")"
	done
	known=" HEAN_HOME HEAN_PROC_NAME ${HC_CFG_KEYS[*]} "
	for k in $(compgen -e | grep '^HEAN_' | sort) "${!HC_FILE[@]}"; do
		case $known in *" $k "*) continue ;; esac
		known+="$k "
		printf '# unknown to hean: %s=%s\n' "$k" "$(hc_mask "$k" "$(hc_cfg "$k")")"
	done
}

# hc_write_env: var/run/hean.env (0600, atomic).
hc_write_env() {
	local tmp=$HC_RUN/hean.env.tmp.$$
	(umask 077 && hc_env_text >"$tmp") && mv -f "$tmp" "$HC_RUN/hean.env"
}

# ===== URLs =====

# hc_url_parse URL: sets U_SCHEME, U_HOST, U_PORT (empty if none), U_PATH.
hc_url_parse() {
	local rest hostport
	U_SCHEME='' U_HOST='' U_PORT='' U_PATH=''
	case $1 in *://*) ;; *) return 1 ;; esac
	U_SCHEME=${1%%://*}
	rest=${1#*://}
	hostport=${rest%%/*}
	hostport=${hostport##*@}
	case $rest in */*) U_PATH=/${rest#*/} ;; esac
	U_HOST=${hostport%:*}
	if [ "$U_HOST" != "$hostport" ]; then
		U_PORT=${hostport##*:}
	fi
	return 0
}

# hc_local_port URL: prints the port if URL is a plain ws/http URL on
# 127.0.0.1 (or localhost) with an explicit port.
hc_local_port() {
	hc_url_parse "$1" || return 1
	case $U_SCHEME in ws | http) ;; *) return 1 ;; esac
	case $U_HOST in 127.0.0.1 | localhost) ;; *) return 1 ;; esac
	[[ $U_PORT =~ ^[0-9]+$ ]] || return 1
	printf '%s\n' "$U_PORT"
}

# hc_sim_key NAME: the variable whose endpoint NAME's simulator serves
# (the exchange's REST URL, the signal server's URL).
hc_sim_key() {
	case $1 in
	exsim) echo HEAN_BYBIT_REST ;;
	sigsim) echo HEAN_SIGNAL_URL ;;
	*) return 1 ;;
	esac
}

# hc_sim_url NAME: that endpoint's URL in force.
hc_sim_url() {
	local k
	k=$(hc_sim_key "$1") || return 1
	hc_cfg "$k"
}

# hc_sim_owned NAME (exsim|sigsim): prints the local port when hean owns
# NAME's endpoint, i.e. may start its simulator there:
#   HEANCTL_SIMULATORS unset or auto  only the built-in default endpoint
#                                     (the daemons' default, unchanged)
#   HEANCTL_SIMULATORS=1              also any ws/http 127.0.0.1 (or
#                                     localhost) URL with a port (opt-in)
#   HEANCTL_SIMULATORS=0              never
# Anything else is used as it is: a gateway, a proxy or the real service.
hc_sim_owned() {
	local k url port
	k=$(hc_sim_key "$1") || return 1
	url=$(hc_cfg "$k")
	port=$(hc_local_port "$url") || return 1
	case ${HEANCTL_SIMULATORS:-auto} in
	1 | yes | on) ;;
	auto) [ "$url" = "$(hc_default "$k")" ] || return 1 ;;
	*) return 1 ;;
	esac
	printf '%s\n' "$port"
}

# hc_sim_answers PORT: GET /sim/health answers 200.
hc_sim_answers() {
	curl -sf -m 2 -o /dev/null "http://127.0.0.1:$1/sim/health"
}

# hc_port_busy PORT: something accepts TCP on 127.0.0.1:PORT.
hc_port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# ===== Redis =====

# hc_redis_setup: from HEAN_REDIS_URL in force, sets HC_RCLI (the redis-cli
# argv), HC_RAUTH (password, passed as REDISCLI_AUTH, never argv),
# HC_REDIS_LOCAL (1 if it is the project-local socket) and HC_REDIS_DESC.
hc_redis_setup() {
	local url path db user pass hostport host port
	url=$(hc_cfg HEAN_REDIS_URL)
	HC_RAUTH='' HC_REDIS_LOCAL=0
	case $url in
	unix://*)
		path=${url#unix://}
		db=0
		if [[ $path == *'?db='* ]]; then
			db=${path##*\?db=}
			path=${path%%\?*}
		fi
		path=$(hc_abs "$HEAN_HOME" "$path")
		HC_RCLI=(redis-cli -s "$path" -n "$db")
		[ "$path" = "$HC_REDIS_SOCK" ] && HC_REDIS_LOCAL=1
		HC_REDIS_DESC="unix:$path"
		;;
	redis://*)
		local rest=${url#redis://}
		user='' pass=''
		if [[ $rest == *@* ]]; then
			local cred=${rest%@*}
			rest=${rest##*@}
			if [[ $cred == *:* ]]; then
				user=${cred%%:*}
				pass=${cred#*:}
			else
				pass=$cred
			fi
		fi
		hostport=${rest%%/*}
		db=0
		[[ $rest == */* ]] && db=${rest#*/}
		db=${db:-0}
		host=${hostport%:*}
		port=6379
		[ "$host" != "$hostport" ] && port=${hostport##*:}
		HC_RCLI=(redis-cli -h "$host" -p "$port" -n "$db")
		[ -n "$user" ] && HC_RCLI+=(--user "$user")
		HC_RAUTH=$pass
		HC_REDIS_DESC="redis://$host:$port/$db"
		;;
	*) hc_die "HEAN_REDIS_URL: unsupported URL (unix://PATH or redis://...)" ;;
	esac
}

# hc_rcli ARGS...: redis-cli against the configured Redis, raw output, 3 s
# deadline (a stopped Redis must not hang the launcher; HC_RCLI_TIMEOUT
# overrides it: the watchdog uses 1).
hc_rcli() {
	if [ -n "$HC_RAUTH" ]; then
		REDISCLI_AUTH=$HC_RAUTH timeout -k 1 "${HC_RCLI_TIMEOUT:-3}" "${HC_RCLI[@]}" --raw "$@"
	else
		timeout -k 1 "${HC_RCLI_TIMEOUT:-3}" "${HC_RCLI[@]}" --raw "$@"
	fi
}

# hc_redis_answers: PING gets PONG.
hc_redis_answers() {
	[ "$(hc_rcli PING 2>/dev/null)" = PONG ]
}

# hc_write_redis_conf: var/run/redis.conf, 0600: Unix socket only (no TCP),
# AOF everysec, no RDB snapshots, 256 MB cap with noeviction.
hc_write_redis_conf() {
	local tmp=$HC_RUN/redis.conf.tmp.$$
	(
		umask 077
		cat >"$tmp" <<EOF
# written by scripts/hean up; do not edit (rewritten on every start)
port 0
unixsocket "$HC_REDIS_SOCK"
unixsocketperm 700
protected-mode yes
dir "$HC_REDIS_DATA"
logfile "$HC_LOGDIR/redis.log"
daemonize no
save ""
appendonly yes
appendfsync everysec
appenddirname "appendonlydir"
maxmemory 256mb
maxmemory-policy noeviction
EOF
	) && mv -f "$tmp" "$HC_RUN/redis.conf"
}
