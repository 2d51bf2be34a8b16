# shellcheck shell=bash
# Moved to tests/common/net_lib.sh (common/'s tests live in tests/common/).
# Kept only for scripts that still source this path (tests/e2e/tls.sh).
# shellcheck source=../common/net_lib.sh
. "$HEAN_SRC/tests/common/net_lib.sh"
