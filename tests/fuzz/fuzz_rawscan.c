/*
 * fuzz_rawscan.c — libFuzzer target for the raw request scanner
 * (src/http/rawscan.c).
 *
 * The first byte of the input sets the size of the pieces the rest is fed
 * in (1 to 32 bytes), as reads from a socket would split it.  The verdict
 * must be 0, 400, 414, 431 or 505, with a reason exactly when it refuses;
 * it must be the verdict on the same bytes fed whole; the refused request
 * must begin inside the piece that was refused; and once refused the
 * scanner must stay so.  Any broken promise aborts.
 */
#include <stdint.h>
#include <stdlib.h>

#include "http/rawscan.h"

#define MAX_HEAD 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = (size_t)(data[0] % 32) + 1;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    struct rawscan whole = {0}, split = {0};
    size_t start;
    const char *why;
    int w = rawscan_feed(&whole, p, n, MAX_HEAD, &start, &why);
    if (w != 0 && w != 400 && w != 414 && w != 431 && w != 505)
        abort();
    if ((w != 0) != (why != NULL) || start > n)
        abort();
    int s = 0;
    for (size_t i = 0; i < n && !s; i += step) {
        size_t len = n - i < step ? n - i : step;
        s = rawscan_feed(&split, p + i, len, MAX_HEAD, &start, &why);
        if (s && start >= len && len)
            abort();
    }
    if (s != w || (w && split.heads != whole.heads))
        abort();
    if (w && rawscan_feed(&split, "GET / HTTP/1.1\r\n\r\n", 18, MAX_HEAD, &start, &why) != w)
        abort();
    return 0;
}
