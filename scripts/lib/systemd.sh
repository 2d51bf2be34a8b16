# shellcheck shell=bash
# scripts/lib/systemd.sh: `scripts/hean systemd-units [DIR]`, the production
# alternative to scripts/watchdog: one systemd unit per process plus
# hean.target. systemd then does what the watchdog does: restart on a crash
# (Restart=on-failure, RestartSec=1), restart intensity (StartLimit* in
# [Unit]), hang detection (WatchdogSec=30, fed by the daemon's sd_notify
# "WATCHDOG=1" when it supports it). Needs lib/common.sh and lib/proc.sh,
# hc_paths/hc_load_config/hc_redis_setup done.

# hs_notify_capable BIN: the program speaks sd_notify (mentions
# NOTIFY_SOCKET); a unit with WatchdogSec= would kill one that does not
# every 30 s.
hs_notify_capable() {
	[ -r "$1" ] && grep -q NOTIFY_SOCKET "$1" 2>/dev/null
}

# hs_unit_service NAME DESCRIPTION: prints hean-NAME.service.
hs_unit_service() {
	local n=$1 bin maxr after='network-online.target'
	bin=$(hp_bin "$n")
	maxr=$(hc_cfg HEAN_WATCHDOG_MAX_RESTARTS)
	[ "$HC_REDIS_LOCAL" = 1 ] && after="$after hean-redis.service"
	cat <<EOF
# Written by scripts/hean systemd-units; regenerate rather than edit.
[Unit]
Description=hean $n: $2
PartOf=hean.target
After=$after
Wants=network-online.target
# More than $maxr starts in 60 s: systemd stops restarting (start-limit-hit)
# until \`systemctl reset-failed hean-$n\`; scripts/watchdog keeps retrying.
StartLimitIntervalSec=60
StartLimitBurst=$maxr

[Service]
Type=simple
ExecStart=$bin${HEANCTL_CONFIG:+ --config $HEANCTL_CONFIG}
WorkingDirectory=$HEAN_HOME
Environment=HEAN_HOME=$HEAN_HOME
Environment=HEAN_PROC_NAME=$n
# Secrets and endpoints (KEY=value, mode 600), if not in --config:
EnvironmentFile=-/etc/hean/hean.env
Restart=on-failure
RestartSec=1
EOF
	if hs_notify_capable "$bin"; then
		cat <<EOF
# The health heartbeat also sends sd_notify WATCHDOG=1 (every 1 s): no
# ping for 30 s = hung -> SIGABRT, then Restart=on-failure.
WatchdogSec=30
NotifyAccess=main
EOF
	else
		cat <<EOF
# Hang detection: enable once hean-$n sends sd_notify WATCHDOG=1 from its
# health heartbeat (this build does not; with WatchdogSec set it would be
# killed every 30 s). Until then, hangs are only caught by scripts/watchdog.
#WatchdogSec=30
#NotifyAccess=main
EOF
	fi
	cat <<EOF
TimeoutStopSec=5
KillMode=control-group
UMask=0077
NoNewPrivileges=yes
PrivateTmp=yes
LimitCORE=0
LimitNOFILE=4096
ReadWritePaths=$HC_VAR
# User=hean

[Install]
WantedBy=hean.target
EOF
}

# hs_unit_redis: hean-redis.service for the project-local Redis.
hs_unit_redis() {
	cat <<EOF
# Written by scripts/hean systemd-units; regenerate rather than edit.
[Unit]
Description=hean local Redis (Unix socket $HC_REDIS_SOCK only)
PartOf=hean.target
StartLimitIntervalSec=60
StartLimitBurst=5

[Service]
Type=simple
ExecStart=$(hp_bin redis) $HC_RUN/redis.conf
WorkingDirectory=$HEAN_HOME
Restart=on-failure
RestartSec=1
TimeoutStopSec=30
UMask=0077
NoNewPrivileges=yes
ReadWritePaths=$HC_VAR
# User=hean

[Install]
WantedBy=hean.target
EOF
}

# hs_target NAME...: hean.target, wanting the units.
hs_target() {
	local n wants=''
	for n in "$@"; do wants="$wants hean-$n.service"; done
	cat <<EOF
# Written by scripts/hean systemd-units.
[Unit]
Description=hean trading pipeline
Wants=${wants# }
After=${wants# }

[Install]
WantedBy=multi-user.target
EOF
}

# hs_write_units DIR: writes the units into DIR (created); prints what it
# wrote and how to install it. Returns 1 on a write error.
hs_write_units() {
	local dir=$1 n names=()
	local -A desc=(
		[feed]='Bybit public market data to Redis'
		[signals]='signal server client to Redis'
		[waves]='wave clock and signal selection'
		[executor]='orders, positions and stops on Bybit'
		[metrics]='Prometheus scrape target and webhook alerts'
	)
	mkdir -p "$dir" || return 1
	if [ "$HC_REDIS_LOCAL" = 1 ]; then
		hc_mkdirs
		hc_write_redis_conf || return 1
		hs_unit_redis >"$dir/hean-redis.service" || return 1
		names+=(redis)
	fi
	for n in "${HP_DAEMONS[@]}"; do
		hs_unit_service "$n" "${desc[$n]}" >"$dir/hean-$n.service" || return 1
		names+=("$n")
		[ -x "$(hp_bin "$n")" ] || hc_warn "$n: $(hp_bin "$n") not built yet"
	done
	hs_target "${names[@]}" >"$dir/hean.target" || return 1
	for n in "${names[@]}"; do echo "$dir/hean-$n.service"; done
	echo "$dir/hean.target"
	cat <<EOF
install: cp $dir/hean-*.service $dir/hean.target /etc/systemd/system/ &&
         systemctl daemon-reload && systemctl enable --now hean.target
(systemd replaces scripts/watchdog: do not run both; the simulators get no
unit: point HEAN_BYBIT_* and HEAN_SIGNAL_URL at the real services.)
EOF
}
