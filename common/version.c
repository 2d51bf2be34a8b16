/* common/version: the build's version for --version, the start line and
 * the build-info metric: the meson project version (HEAN_PROJECT_VERSION,
 * a compile-time define) plus "+<git describe --always --dirty>" when the
 * tree was built from a git checkout (hean_version.h, made by vcs_tag). */
#include "common/config.h"

#include <stdio.h>
#include <string.h>

#include "hean_version.h"

const char *hean_version(void)
{
	static char buf[128];

	if (!buf[0]) {
		const char *vcs = HEAN_VCS_DESCRIBE;

		if (vcs[0] && strcmp(vcs, HEAN_PROJECT_VERSION) != 0) {
			snprintf(buf, sizeof(buf), "%s+%s", HEAN_PROJECT_VERSION, vcs);
		} else {
			snprintf(buf, sizeof(buf), "%s", HEAN_PROJECT_VERSION);
		}
	}
	return buf;
}
