/* common/notify: systemd's notification protocol without libsystemd.
 * When a daemon runs under systemd with Type=notify and WatchdogSec=, the
 * manager passes NOTIFY_SOCKET; health's 1 s tick then sends WATCHDOG=1 (a
 * process whose loop hangs stops sending and is restarted), READY=1 once the
 * state is first healthy, STOPPING=1 on shutdown. Without NOTIFY_SOCKET every
 * call is a no-op. Never blocks, never depends on Redis. */
#ifndef HEAN_COMMON_NOTIFY_H
#define HEAN_COMMON_NOTIFY_H

/* Sends one state string ("WATCHDOG=1"). Returns 0, 1 when not under
 * systemd (no NOTIFY_SOCKET), or -errno. */
int hean_notify(const char *state);

#endif
