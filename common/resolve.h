/* common/resolve: name resolution that never blocks the loop, and the
 * process-wide network settings every WebSocket and REST connection uses.
 *
 * libwebsockets 4.1.6 (Debian build) resolves a host name with a blocking
 * getaddrinfo() inside lws_client_connect_via_info(): with a DNS server
 * that does not answer, the whole loop (Redis, timers, other links) stops
 * for the resolver's timeout. So common/ws and common/http resolve names
 * here first, with c-ares driven by the same libev loop, and then connect
 * to the address while Host, SNI and certificate checks keep the name.
 *
 * Lookups go through /etc/hosts first, then the DNS servers of
 * /etc/resolv.conf, or only HEAN_DNS_SERVER when it is set (ip[:port],
 * comma separated; tests point it at local fixtures). Every lookup ends:
 * answer, failure, or timeout (RESOLVE_TIMEOUT_MS per try, two tries per
 * server), and the callback is called exactly once unless cancelled. */
#ifndef HEAN_COMMON_RESOLVE_H
#define HEAN_COMMON_RESOLVE_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

struct hean_config;

/* Process-wide settings, set once after the configuration is loaded
 * (hean_app_init does it) and read when a connection is made. NULL or ""
 * means: system CA store / system DNS servers. Strings are copied. */
void hean_net_set(const char *ca_file, const char *dns_server, bool tls_insecure);
void hean_net_set_from_config(const struct hean_config *cfg);
/* "" when none */
const char *hean_net_ca_file(void);
const char *hean_net_dns_server(void);
/* HEAN_TLS_INSECURE=1: REST accepts any certificate (ws gets it per
 * connection from its config). Logged loudly by each user. */
bool hean_net_tls_insecure(void);

/* True when host is a numeric IPv4/IPv6 address (no lookup needed). */
bool hean_resolve_is_numeric(const char *host);

struct hean_resolve;

/* status 0: addr holds a numeric address (IPv4 preferred); else a
 * negative errno and err says why ("timeout", "no such host", ...).
 * Called from the loop, never from inside hean_resolve_start. */
typedef void hean_resolve_fn(int status, const char *addr, const char *err, void *data);

/* Starts a lookup of host on loop. Returns a handle (to cancel) or NULL
 * with *err set (no memory, resolver could not start: logged). */
struct hean_resolve *hean_resolve_start(struct ev_loop *loop, const char *host,
					hean_resolve_fn *cb, void *data);

/* The callback will not be called. NULL is a no-op. Not from inside the
 * lookup's own callback (the handle is already gone then). */
void hean_resolve_cancel(struct hean_resolve *r);

/* Lookups in flight (including cancelled ones c-ares still runs). */
unsigned hean_resolve_pending(void);

/* Frees the resolver when no lookup is pending (common/ws and common/http
 * call it when destroyed; the next lookup creates it again). */
void hean_resolve_shutdown(void);

#endif
