/*
 * fuzz_image.c — libFuzzer target for image headers (src/domain/image.c).
 *
 * The input is an uploaded file's bytes.  An accepted image is one of the
 * three types, starts with that type's signature, and has both sides in
 * 1..IMAGE_SIDE_MAX; the probe never reads past the input (the sanitizers
 * see to that).  Any broken promise aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned w = 0, h = 0;
    const char *mime = image_probe(data, size, &w, &h);
    if (!mime)
        return 0;
    if (w == 0 || h == 0 || w > IMAGE_SIDE_MAX || h > IMAGE_SIDE_MAX)
        abort();
    if (strcmp(mime, "image/png") == 0    ? memcmp(data, "\x89PNG", 4) != 0
        : strcmp(mime, "image/gif") == 0  ? memcmp(data, "GIF8", 4) != 0
        : strcmp(mime, "image/jpeg") == 0 ? memcmp(data, "\xff\xd8\xff", 3) != 0
                                          : 1)
        abort();
    return 0;
}
