/* common/url: the small URL grammar hean needs (ws, wss, http, https,
 * redis, unix). Pure. */
#ifndef HEAN_COMMON_URL_H
#define HEAN_COMMON_URL_H

#include <stdbool.h>

struct hean_url {
	char scheme[8];   /* lowercase: ws, wss, http, https, redis, unix */
	char user[64];    /* redis:// only */
	char pass[128];   /* redis:// only; never logged */
	char host[256];   /* empty for unix:// */
	int port;         /* default per scheme (80/443/6379), 0 for unix */
	char path[1024];  /* "/..." (ws/http path incl. query), socket path for unix */
	int db;           /* redis db (/N or ?db=N); 0 default */
	bool tls;         /* wss/https */
};

/* Parses url. Returns 0 or -EINVAL (err names what is wrong). */
int hean_url_parse(const char *url, struct hean_url *out, char *err, unsigned long errlen);

/* The '@' ending the user info (the last '@' after "://"), or NULL. Used by
 * the parser and by every masker, so both agree on where a password ends. */
const char *hean_url_userinfo_at(const char *url);

#endif
