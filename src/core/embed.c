/*
 * embed.c — lookup in the generated, sorted table of embedded files.
 */
#include "embed.h"

#include <string.h>

const struct embed_file *embed_find(const char *name)
{
    unsigned lo = 0, hi = embed_count;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        int c = strcmp(name, embed_files[mid].name);
        if (c == 0)
            return &embed_files[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}
