/*
 * check.c — what a failed CHECK does; see check.h.
 */
#include "check.h"

#include <stdlib.h>

#include "log.h"

void check_failed(const char *file, int line, const char *func, const char *cond)
{
    log_error("CHECK failed: %s:%d: %s: %s", file, line, func, cond);
    abort();
}
