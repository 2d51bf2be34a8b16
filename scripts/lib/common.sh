# shellcheck shell=bash disable=SC2034
# scripts/lib/common.sh: paths, messages, deadlines and the effective
# configuration as the daemons print it (defaults -> HEANCTL_CONFIG file ->
# environment, env wins), shared by scripts/hean and scripts/watchdog.
#
# Launcher-only knobs are HEANCTL_* (never HEAN_*: the processes warn on
# unknown HEAN_* names):
#   HEANCTL_BUILD_DIR   meson build dir holding the binaries (default
#                       <checkout>/build; relative = against the checkout)
#   HEANCTL_CONFIG      KEY=value file, passed as --config to the processes
#   HEANCTL_UP_TIMEOUT  seconds `up` waits for health (default 30)
#   HEANCTL_STOP_GRACE  seconds between TERM and KILL (default 5)
#   HEANCTL_SIMULATORS  auto (default) | 1 | 0: where `up` may start the
#                       simulators (hc_sim_owned)
#   HEANCTL_WATCHDOG_NO_ATTEMPT_S  seconds without a connection attempt
#                       after which a degraded daemon counts as stuck (60)

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
# One source of truth: the daemons. Every value, default, range and mask
# comes from a built daemon (`--dump-config`, `--get KEY`, `--redis-target`,
# run with the same environment and HEANCTL_CONFIG as the daemons get);
# there is no copy of them here. Before anything is built only `stop` and
# the process part of `status` work (pid files; Redis assumed on the local
# socket).

HC_CFG_OK=0 # 1 once a daemon has printed the configuration
declare -A HC_CFG=() HC_DEFAULTS=() HC_KEYS=()

# hc_config_bin: prints a built daemon program to ask (hean-waves first: it
# holds no secret of its own).
hc_config_bin() {
	local n
	for n in waves feed signals executor; do
		if [ -x "$HC_BUILD/$n/hean-$n" ]; then
			printf '%s\n' "$HC_BUILD/$n/hean-$n"
			return 0
		fi
	done
	return 1
}

# hc_ask ARGS...: the daemon program with the configuration the daemons
# get (environment, HEANCTL_CONFIG) and ARGS, from HEAN_HOME.
hc_ask() {
	(
		cd "$HEAN_HOME" 2>/dev/null || cd / || exit 1
		export -n HEAN_PROC_NAME 2>/dev/null
		exec "$HC_CFG_BIN" ${HEANCTL_CONFIG:+--config "$HEANCTL_CONFIG"} "$@"
	)
}

# hc_load_config: the effective configuration (secrets masked) into
# HC_CFG, from `--dump-config`; HC_CFG_WARN holds what the daemon warned
# about (unknown HEAN_* names, a config file readable by others). Dies on
# an invalid configuration (the daemon's message names the variable).
# Without a built daemon, HC_CFG_OK stays 0. `hc_load_config soft`: an
# invalid configuration is a warning (status still shows what runs).
hc_load_config() {
	local out err rc line soft=${1:-}
	HC_CFG_OK=0 HC_CFG=() HC_CFG_WARN='' HC_KEYS=()
	HC_CFG_BIN=$(hc_config_bin) || return 0
	err=$(mktemp "${TMPDIR:-/tmp}/hean-cfg.XXXXXX") || hc_die "mktemp failed"
	out=$(hc_ask --dump-config 2>"$err")
	rc=$?
	HC_CFG_WARN=$(grep -v '^$' "$err" | cut -c1-300)
	rm -f "$err"
	if [ "$rc" -ne 0 ] && [ "$soft" = soft ]; then
		hc_warn "configuration refused by ${HC_CFG_BIN##*/} (exit $rc): ${HC_CFG_WARN:-no message}"
		return 0
	elif [ "$rc" -ne 0 ]; then
		hc_die "configuration refused by ${HC_CFG_BIN##*/} (exit $rc): ${HC_CFG_WARN:-no message}"
	fi
	while IFS= read -r line; do
		case $line in HEAN_*=*) HC_CFG[${line%%=*}]=${line#*=} ;; esac
	done <<<"$out"
	[ "${#HC_CFG[@]}" -gt 0 ] || hc_die "${HC_CFG_BIN##*/} --dump-config printed no configuration"
	HC_CFG_OK=1
	HC_KEYS=()
	while IFS= read -r line; do
		case $line in [a-z]*=*) HC_KEYS[${line%%=*}]=${line#*=} ;; esac
	done < <(hc_ask --dump-keys 2>/dev/null)
}

# hc_key NAME [ARG]: the Redis name NAME of the contract (the daemons'
# `--dump-keys`, prefix included; ARG fills its %s: a symbol or a process;
# without ARG the %s stays, for callers that fill it themselves).
hc_key() {
	hc_need_config
	local k=${HC_KEYS[$1]-}
	[ -n "$k" ] || hc_die "no Redis name '$1' from ${HC_CFG_BIN##*/} --dump-keys"
	if [ $# -ge 2 ]; then k=${k//%s/$2}; fi
	printf '%s\n' "$k"
}

# hc_field NAME...: the field names NAME... of the contract (HEAN_FIELD_NAME
# in common/keys.h, from --dump-keys), space-separated, in order.
hc_field() {
	hc_need_config
	local n f out=()
	for n in "$@"; do
		f=${HC_KEYS[field.$n]-}
		[ -n "$f" ] || hc_die "no field '$n' from ${HC_CFG_BIN##*/} --dump-keys"
		out+=("$f")
	done
	printf '%s\n' "${out[*]}"
}

# hc_need_config: dies unless a daemon gave the configuration.
hc_need_config() {
	[ "$HC_CFG_OK" = 1 ] ||
		hc_die "no daemon built in $HC_BUILD to read the configuration from (scripts/hean up builds them)"
}

# hc_cfg KEY: the value in force (secrets as ****).
hc_cfg() {
	hc_need_config
	printf '%s\n' "${HC_CFG[$1]-}"
}

# hc_secret KEY: the unmasked value in force (the simulators' credentials).
hc_secret() {
	hc_need_config
	hc_ask --get "$1" 2>/dev/null
}

# hc_default KEY: the daemons' built-in default (no environment, no file).
hc_default() {
	hc_need_config
	if [ -z "${HC_DEFAULTS[$1]+x}" ]; then
		HC_DEFAULTS[$1]=$({ cd "$HEAN_HOME" 2>/dev/null || cd /; } && env -i PATH="$PATH" HEAN_HOME="$HEAN_HOME" \
			${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} "$HC_CFG_BIN" --get "$1" 2>/dev/null)
	fi
	printf '%s\n' "${HC_DEFAULTS[$1]}"
}

# hc_proc_name NAME: the HEAN_PROC_NAME daemon NAME runs under (its role,
# or HEAN_PROC_NAME_<ROLE> from the file or environment), as that daemon
# says; NAME for anything else.
declare -A HC_PROC_NAMES=()
hc_proc_name() {
	local b=$HC_BUILD/$1/hean-$1 v
	if [ -z "${HC_PROC_NAMES[$1]+x}" ]; then
		v=''
		if [ "$HC_CFG_OK" = 1 ] && [ -x "$b" ]; then
			v=$(HC_CFG_BIN=$b hc_ask --get HEAN_PROC_NAME 2>/dev/null)
		fi
		HC_PROC_NAMES[$1]=${v:-$1}
	fi
	printf '%s\n' "${HC_PROC_NAMES[$1]}"
}

# hc_env_text: the effective configuration as the daemons print it.
hc_env_text() {
	hc_need_config
	printf '# hean effective configuration (secrets masked), written %s\n' \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf '# printed by %s --dump-config\n' "$HC_CFG_BIN"
	if [ -n "${HEANCTL_CONFIG:-}" ]; then
		printf '# config file: %s (environment wins)\n' "$HEANCTL_CONFIG"
	fi
	printf '# HEAN_PROC_NAME: each process uses its role (feed, signals, waves, executor)\n'
	if [ -n "$HC_CFG_WARN" ]; then
		printf '# %s\n' "${HC_CFG_WARN//$'\n'/$'\n'# }"
	fi
	hc_ask --dump-config 2>/dev/null | grep -v '^HEAN_PROC_NAME='
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

# hc_redis_setup: the Redis the daemons use, decoded by them
# (`--redis-target`, %-decoded exactly as they connect), sets HC_RCLI (the
# redis-cli argv), HC_RAUTH (password, passed as REDISCLI_AUTH, never
# argv), HC_REDIS_LOCAL (1 if it is the project-local socket) and
# HC_REDIS_DESC. Nothing built: the project-local socket.
hc_redis_setup() {
	local out line kind='' path='' host='' port='' user='' pass='' db=0
	HC_RAUTH='' HC_REDIS_LOCAL=0
	if [ "$HC_CFG_OK" != 1 ]; then
		HC_RCLI=(redis-cli -s "$HC_REDIS_SOCK")
		HC_REDIS_LOCAL=1
		HC_REDIS_DESC="unix:$HC_REDIS_SOCK (assumed: nothing built)"
		return 0
	fi
	out=$(hc_ask --redis-target 2>&1) || hc_die "HEAN_REDIS_URL: $out"
	while IFS= read -r line; do
		case $line in
		kind=*) kind=${line#kind=} ;;
		path=*) path=${line#path=} ;;
		host=*) host=${line#host=} ;;
		port=*) port=${line#port=} ;;
		user=*) user=${line#user=} ;;
		password=*) pass=${line#password=} ;;
		db=*) db=${line#db=} ;;
		esac
	done <<<"$out"
	case $kind in
	unix)
		path=$(hc_abs "$HEAN_HOME" "$path")
		HC_RCLI=(redis-cli -s "$path" -n "$db")
		[ "$path" = "$HC_REDIS_SOCK" ] && HC_REDIS_LOCAL=1
		HC_REDIS_DESC="unix:$path"
		;;
	tcp)
		HC_RCLI=(redis-cli -h "$host" -p "$port" -n "$db")
		[ -n "$user" ] && HC_RCLI+=(--user "$user")
		HC_RAUTH=$pass
		HC_REDIS_DESC="redis://$host:$port/$db"
		;;
	*) hc_die "HEAN_REDIS_URL: --redis-target gave no kind" ;;
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
