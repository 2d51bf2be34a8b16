/* common/err: the error-buffer convention of every parser and config
 * boundary in hean: a caller's char err[HEAN_ERR_LEN] receives one line
 * naming the field and the reason. */
#ifndef HEAN_COMMON_ERR_H
#define HEAN_COMMON_ERR_H

#include <stddef.h>

#define HEAN_ERR_LEN 160

/* Writes a formatted message into a caller's error buffer (err may be NULL)
 * and returns -EINVAL. */
int hean_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
