/*
 * json_flat.c — a flat object of integers, booleans and nulls, written as
 * json_dumps(JSON_COMPACT) writes it (json_flat.h).
 */
#include "view/json_flat.h"

#include <string.h>

/* 1 if every key is [A-Za-z0-9_]+ and every value an integer, true, false or null. */
static int flat(const json_t *o)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        if (!*k)
            return 0;
        for (const char *c = k; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                  (*c >= '0' && *c <= '9') || *c == '_'))
                return 0;
        if (!json_is_integer(v) && !json_is_boolean(v) && !json_is_null(v))
            return 0;
    }
    return 1;
}

/* The decimal digits of v at the end of tmp[24]; returns their start. */
static char *decimal(json_int_t v, char tmp[24])
{
    char *p = tmp + 23;
    *p = 0;
    /* In unsigned arithmetic, so that the most negative value has its digits too. */
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return p;
}

int json_flat_write(const json_t *o, struct buf *b)
{
    if (!json_is_object(o) || !flat(o))
        return -1;
    const char *k;
    json_t *v;
    int first = 1;
    buf_putc(b, '{');
    json_object_foreach((json_t *)o, k, v) {
        if (!first)
            buf_putc(b, ',');
        first = 0;
        buf_putc(b, '"');
        buf_puts(b, k);
        buf_puts(b, "\":");
        char tmp[24];
        buf_puts(b, json_is_integer(v) ? decimal(json_integer_value(v), tmp)
                    : json_is_true(v)  ? "true"
                    : json_is_false(v) ? "false"
                                       : "null");
    }
    buf_putc(b, '}');
    return 0;
}
