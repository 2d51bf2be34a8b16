# shellcheck shell=bash disable=SC2034
# scripts/lib/systemd.sh: production units and `scripts/hean install`.
#
# `scripts/hean install [PREFIX]` (default /usr/local): `meson install` of
# the build (the four daemons into PREFIX/bin), then one unit per daemon
# plus hean.target into HEANCTL_UNIT_DIR (default /etc/systemd/system).
# `scripts/hean systemd-units [DIR]` writes the same units without
# installing anything (ExecStart names PREFIX/bin, HEANCTL_PREFIX, default
# /usr/local).
#
# The units: systemd supervises instead of scripts/watchdog. Type=notify
# (the daemons send READY=1 once connected to Redis, WATCHDOG=1 with every
# health write), WatchdogSec=30 (a hung loop is killed and restarted),
# Restart=on-failure, StartLimit* = HEAN_WATCHDOG_MAX_RESTARTS in 60 s. They
# run as the dedicated user HEANCTL_USER (default hean; `install` creates it
# as a system user when root installs into /), ProtectSystem=strict with
# ReadWritePaths only the state directory, NoNewPrivileges=yes and the
# other no-cost hardening. Configuration and secrets: HEANCTL_ETC_DIR
# (default /etc/hean)/hean.conf, mode 600, owned by root, passed with
# --config; nothing secret is written into a unit.

HS_DESC_feed='Bybit public market data to Redis'
HS_DESC_signals='signal server client to Redis'
HS_DESC_waves='wave clock and signal selection'
HS_DESC_executor='orders, positions and stops on Bybit'
HS_DESC_metrics='Prometheus scrape target and webhook alerts'

# hs_unit_service NAME BINDIR: prints hean-NAME.service.
hs_unit_service() {
	local n=$1 bindir=$2 maxr desc user=${HEANCTL_USER:-hean} etc=${HEANCTL_ETC_DIR:-/etc/hean}
	local state=${HEANCTL_STATE_DIR:-/var/lib/hean}
	maxr=$(hc_cfg HEAN_WATCHDOG_MAX_RESTARTS)
	desc=HS_DESC_$n
	cat <<EOF
# Written by scripts/hean install (or systemd-units); regenerate rather than edit.
[Unit]
Description=hean $n: ${!desc}
PartOf=hean.target
After=network-online.target redis-server.service
Wants=network-online.target
# More than $maxr starts in 60 s: systemd stops restarting (start-limit-hit)
# until \`systemctl reset-failed hean-$n\`.
StartLimitIntervalSec=60
StartLimitBurst=$maxr

[Service]
Type=notify
NotifyAccess=main
# READY=1 once up; WATCHDOG=1 with every health write (1 s): no ping for
# 30 s = a hung loop -> SIGABRT, then Restart=on-failure.
WatchdogSec=30
ExecStart=$bindir/hean-$n --config $etc/hean.conf
User=$user
Group=$user
Environment=HEAN_HOME=$state
WorkingDirectory=$state
Restart=on-failure
RestartSec=1
TimeoutStopSec=5
KillMode=control-group
# Hardening: the daemons write nothing but their state directory (logs go
# to the journal on stderr; Redis is reached over its socket or TCP).
ProtectSystem=strict
ReadWritePaths=$state
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
NoNewPrivileges=yes
CapabilityBoundingSet=
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
UMask=0077
LimitCORE=0
LimitNOFILE=4096

[Install]
WantedBy=hean.target
EOF
}

# hs_target: hean.target, wanting the four units.
hs_target() {
	local n wants=''
	for n in "${HP_DAEMONS[@]}"; do wants="$wants hean-$n.service"; done
	cat <<EOF
# Written by scripts/hean install (or systemd-units).
[Unit]
Description=hean trading pipeline
Wants=${wants# }
After=${wants# }

[Install]
WantedBy=multi-user.target
EOF
}

# hs_write_units DIR BINDIR: writes the units into DIR (created); prints
# each path. Returns 1 on a write error.
hs_write_units() {
	local dir=$1 bindir=$2 n
	mkdir -p "$dir" || return 1
	for n in "${HP_DAEMONS[@]}"; do
		hs_unit_service "$n" "$bindir" >"$dir/hean-$n.service" || return 1
		chmod 644 "$dir/hean-$n.service"
		echo "$dir/hean-$n.service"
	done
	hs_target >"$dir/hean.target" || return 1
	chmod 644 "$dir/hean.target"
	echo "$dir/hean.target"
}

# hs_user: the dedicated user exists (created as a system user when root
# installs into the real root). Returns 1 when it is missing.
hs_user() {
	local user=${HEANCTL_USER:-hean} state=${HEANCTL_STATE_DIR:-/var/lib/hean}
	id -u "$user" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" -eq 0 ] && command -v useradd >/dev/null; then
		useradd --system --user-group --home-dir "$state" --no-create-home \
			--shell /usr/sbin/nologin "$user" && hc_log "created system user $user" && return 0
	fi
	hc_warn "user $user does not exist: create it (useradd --system --user-group $user) before starting the units"
	return 1
}

# cmd_install [--destdir DIR] [--no-build] [PREFIX]: meson install + units
# (see the top of this file). --destdir stages everything under DIR (for
# packaging; no user is created, nothing is chowned); --no-build installs
# what is built (meson install --no-rebuild).
cmd_install() {
	local prefix=/usr/local destdir='' rebuild=1 unitdir etc state n cur
	local user=${HEANCTL_USER:-hean}
	while [ $# -gt 0 ]; do
		case $1 in
		--destdir)
			destdir=$(hc_abs "$PWD" "${2:?--destdir needs a DIR}")
			shift
			;;
		--no-build) rebuild=0 ;;
		-*) hc_die "install: unknown option $1" ;;
		*) prefix=$(hc_abs "$PWD" "$1") ;;
		esac
		shift
	done
	unitdir=${HEANCTL_UNIT_DIR:-/etc/systemd/system}
	etc=${HEANCTL_ETC_DIR:-/etc/hean}
	state=${HEANCTL_STATE_DIR:-/var/lib/hean}
	command -v meson >/dev/null || hc_die "meson not installed"
	if [ ! -f "$HC_BUILD/build.ninja" ]; then
		meson setup "$HC_BUILD" "$HEANCTL_SRC" --prefix "$prefix" >&2 || hc_die "meson setup failed"
	fi
	cur=$(meson introspect --buildoptions "$HC_BUILD" 2>/dev/null |
		python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"][0])' 2>/dev/null)
	if [ "$cur" != "$prefix" ]; then
		meson configure "$HC_BUILD" -Dprefix="$prefix" >&2 || hc_die "meson configure -Dprefix=$prefix failed"
	fi
	hc_log "meson install -C $HC_BUILD (prefix $prefix${destdir:+, staged in $destdir})"
	local -a mopt=(--quiet)
	[ -n "$destdir" ] && mopt+=(--destdir "$destdir")
	[ "$rebuild" = 0 ] && mopt+=(--no-rebuild)
	meson install -C "$HC_BUILD" "${mopt[@]}" >&2 || hc_die "meson install failed"
	for n in "${HP_DAEMONS[@]}"; do
		[ -x "$destdir$prefix/bin/hean-$n" ] || hc_die "$destdir$prefix/bin/hean-$n not installed"
	done
	mkdir -p "$destdir$etc" "$destdir$state" || hc_die "cannot create $destdir$etc or $destdir$state"
	chmod 755 "$destdir$etc"
	chmod 700 "$destdir$state"
	if [ ! -e "$destdir$etc/hean.conf" ]; then
		(umask 077 && printf '%s\n' '# hean configuration (KEY=value, see README); secrets belong here, mode 600' \
			'#HEAN_REDIS_URL=unix:///run/redis/redis-server.sock' \
			'#HEAN_BYBIT_API_KEY=' '#HEAN_BYBIT_API_SECRET=' '#HEAN_SIGNAL_TOKEN=' >"$destdir$etc/hean.conf") ||
			hc_die "cannot write $destdir$etc/hean.conf"
		hc_log "wrote $etc/hean.conf (mode 600): fill it in"
	fi
	# the configuration the units need, as the installed daemons read it
	hs_installed_config "$destdir$prefix/bin/hean-waves" "$destdir$etc/hean.conf"
	hs_write_units "$destdir$unitdir" "$prefix/bin" || hc_die "cannot write units into $destdir$unitdir"
	if [ -z "$destdir" ] && hs_user; then
		chown "$user:$user" "$state"
		chown "root:$user" "$etc/hean.conf" && chmod 640 "$etc/hean.conf"
	fi
	cat <<EOF
installed: $destdir$prefix/bin/hean-{feed,signals,waves,executor}
units:     $destdir$unitdir/hean-{feed,signals,waves,executor}.service, hean.target
config:    $destdir$etc/hean.conf (read by user $user; keep it mode 640)
next:      systemctl daemon-reload && systemctl enable --now hean.target
(systemd replaces scripts/watchdog: do not run both; the simulators get no
unit: point HEAN_BYBIT_* and HEAN_SIGNAL_URL at the real services.)
EOF
}

# hs_installed_config BIN CONF: HC_CFG from the installed BIN with CONF.
hs_installed_config() {
	local out line
	HC_CFG_BIN=$1
	out=$(cd / && env -i PATH="$PATH" HEAN_HOME=/ ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
		"$HC_CFG_BIN" --config "$2" --dump-config 2>&1) || hc_die "$HC_CFG_BIN --dump-config: $out"
	HC_CFG=()
	while IFS= read -r line; do
		case $line in HEAN_*=*) HC_CFG[${line%%=*}]=${line#*=} ;; esac
	done <<<"$out"
	HC_CFG_OK=1
}
