/* common/want: see want.h. (Roles only; the writer lands with its users.) */
#include "common/want.h"

const char *const hean_want_roles[] = {"executor", "waves", NULL};
