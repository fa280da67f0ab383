/*
 * fuzz_jsonform.c — libFuzzer target for JSON object bodies read as form
 * fields (src/http/jsonform.c).
 *
 * The input is a request body.  On success every pair's key and value must
 * be valid UTF-8 without a NUL byte, vlen must equal strlen(val), and there
 * are at most QUERY_MAX_PARAMS pairs; on failure the query must be left as
 * it was (no pair added).  Any broken guarantee aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/utf8.h"
#include "http/jsonform.h"

#define ARENA_CAP (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct query q;
    struct arena a;
    arena_init(&a, ARENA_CAP);
    q.n = 0;
    enum query_rc rc = jsonform_parse(&a, (const char *)data, size, &q);
    if (rc != QUERY_OK && q.n != 0)
        abort();
    if (q.n > QUERY_MAX_PARAMS)
        abort();
    for (size_t i = 0; i < q.n; i++) {
        const struct query_param *p = &q.v[i];
        if (!p->key || !p->val || strlen(p->val) != p->vlen ||
            !utf8_valid(p->key, strlen(p->key)) || !utf8_valid(p->val, p->vlen))
            abort();
        if (query_get(&q, p->key) == NULL)
            abort();
    }
    arena_release(&a);
    return 0;
}
