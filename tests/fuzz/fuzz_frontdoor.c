/*
 * fuzz_frontdoor.c — libFuzzer target for the door's health-check test
 * (src/http/frontdoor.c, frontdoor_is_health).
 *
 * What the door answers itself must be exactly one plain check: it begins
 * with the request line, ends with the end of its head, and the raw
 * scanner lets it through as one head; "not yet complete" is said only of
 * fewer bytes than the door peeks, and of bytes whose every prefix is
 * "not yet complete" too.  Any broken promise aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/frontdoor.h"
#include "http/rawscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    size_t n = size > FRONTDOOR_PEEK ? FRONTDOOR_PEEK : size;
    int keep = -1;
    int r = frontdoor_is_health(p, n, &keep);
    if (r < -1 || r > 1)
        abort();
    if (r == 1) {
        static const char line[] = "GET /healthz HTTP/1.";
        struct rawscan sc = {0};
        size_t start;
        const char *why;
        if (n < sizeof line - 1 + 5 || memcmp(p, line, sizeof line - 1) != 0 ||
            memcmp(p + n - 4, "\r\n\r\n", 4) != 0 || (keep != 0 && keep != 1) ||
            rawscan_feed(&sc, p, n, FRONTDOOR_PEEK, &start, &why) != 0 || sc.heads != 1)
            abort();
    }
    if (r == -1 && n >= FRONTDOOR_PEEK)
        abort();
    if (r == -1 && n > 0 && frontdoor_is_health(p, n - 1, &keep) != -1)
        abort();
    return 0;
}
