/* tests/common: shared bits of the Redis of the small test programs (not a library). */
#ifndef HEAN_TESTS_REDIS_RT_COMMON_H
#define HEAN_TESTS_REDIS_RT_COMMON_H

#include "common/log.h"
#include "common/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rt_failures;

#define RT_CHECK(cond)                                                                       \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stdout, "CHECK FAILED %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			rt_failures++;                                                       \
		}                                                                            \
	} while (0)

/* Every line the scripts parse starts with T=<epoch ms>. */
#define RT_SAY(...)                                                                          \
	do {                                                                                 \
		fprintf(stdout, "T=%lld ", (long long)hean_time_now_ms());                   \
		fprintf(stdout, __VA_ARGS__);                                                \
		fprintf(stdout, "\n");                                                       \
		fflush(stdout);                                                              \
	} while (0)

static inline void rt_log_init(const char *proc)
{
	const char *lv = getenv("RT_LOG");
	enum hean_log_level level = HEAN_LOG_INFO;

	if (lv) {
		(void)hean_log_level_parse(lv, &level);
	}
	hean_log_init(proc, NULL, level);
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static inline unsigned rt_env_u(const char *name, unsigned def)
{
	const char *v = getenv(name);

	return v && *v ? (unsigned)strtoul(v, NULL, 10) : def;
}

#endif
