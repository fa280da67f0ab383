/*
 * fuzz_cookie.c — libFuzzer target for Cookie parsing and Set-Cookie writing.
 *
 * The input is split at its first two newlines into a Cookie header, a name
 * and a value (NUL bytes end each string early).  cookie_get looks up the
 * name, and a few fixed ones, in the header: whatever it returns must be made
 * of cookie-octets and occur in the header.  cookie_set writes the name and
 * value: if it accepts them, the output must hold no control character, and
 * the "name=value" before its first ';' must read back as the value.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/cookie.h"

static void check_value(const char *header, const char *v)
{
    if (!v)
        return;
    for (const char *c = v; *c; c++)
        if ((unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e || strchr("\";,\\", *c))
            abort();
    if (!strstr(header, v))
        abort();
}

/* The next '\n'-terminated piece of d[*i..n), as a malloc'd string. */
static char *piece(const uint8_t *d, size_t n, size_t *i)
{
    size_t start = *i, end = start;
    char *s;
    while (end < n && d[end] != '\n')
        end++;
    s = malloc(end - start + 1);
    if (!s)
        abort();
    memcpy(s, d + start, end - start);
    s[end - start] = 0;
    *i = end < n ? end + 1 : end;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const fixed[] = {"sid", "a", "theme", ""};
    size_t i = 0;
    char *header = piece(data, size, &i);
    char *name = piece(data, size, &i);
    char *value = piece(data, size, &i);
    struct arena a;

    arena_init(&a, 1u << 20);
    check_value(header, cookie_get(&a, header, name));
    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
        check_value(header, cookie_get(&a, header, fixed[k]));

    struct buf out = BUF_INIT;
    cookie_set(&out, name, value, size % 2 ? "/" : NULL, (long)size - 2, (int)(size % 3 == 0));
    if (!out.oom) {
        for (size_t k = 0; k < out.len; k++)
            if ((unsigned char)out.p[k] < 0x20 || out.p[k] == 0x7f)
                abort();
        char *semi = strchr(out.p, ';');
        if (!semi)
            abort();
        *semi = 0;
        const char *back = cookie_get(&a, out.p, name);
        if (!back || strcmp(back, value) != 0)
            abort();
    }
    buf_release(&out);
    arena_release(&a);
    free(header);
    free(name);
    free(value);
    return 0;
}
