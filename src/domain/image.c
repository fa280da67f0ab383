/*
 * image.c — an image's type and size from its header; see image.h.
 *
 * PNG: the signature, then the IHDR chunk (width and height, big-endian).
 * GIF: GIF87a or GIF89a, then the logical screen's width and height
 * (little-endian).  JPEG: SOI, then segments until a start-of-frame
 * (SOF0..SOF15 but DHT, JPG and DAC), which holds height and width; every
 * segment length is checked against the bytes there are.
 */
#include <string.h>

#include "domain/image.h"

static unsigned be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static unsigned be32(const unsigned char *p)
{
    return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
}

static int jpeg_size(const unsigned char *p, size_t n, unsigned *w, unsigned *h)
{
    size_t at = 2;
    while (at + 4 <= n) {
        if (p[at] != 0xff)
            return -1;
        unsigned char m = p[at + 1];
        if (m == 0xff) { /* fill bytes */
            at++;
            continue;
        }
        if (m == 0xd8 || m == 0x01 || (m >= 0xd0 && m <= 0xd7)) { /* no length */
            at += 2;
            continue;
        }
        if (m == 0xd9 || m == 0xda) /* end, or the scan before any frame */
            return -1;
        size_t len = be16(p + at + 2);
        if (len < 2 || at + 2 + len > n)
            return -1;
        if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
            if (len < 7)
                return -1;
            *h = be16(p + at + 5);
            *w = be16(p + at + 7);
            return 0;
        }
        at += 2 + len;
    }
    return -1;
}

const char *image_probe(const unsigned char *p, size_t n, unsigned *width, unsigned *height)
{
    const char *mime = NULL;
    unsigned w = 0, h = 0;
    if (n >= 24 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0 && be32(p + 8) == 13 &&
        memcmp(p + 12, "IHDR", 4) == 0) {
        w = be32(p + 16);
        h = be32(p + 20);
        mime = "image/png";
    } else if (n >= 10 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0)) {
        w = p[6] | (unsigned)p[7] << 8;
        h = p[8] | (unsigned)p[9] << 8;
        mime = "image/gif";
    } else if (n >= 4 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff &&
               jpeg_size(p, n, &w, &h) == 0) {
        mime = "image/jpeg";
    }
    if (!mime || w == 0 || h == 0 || w > IMAGE_SIDE_MAX || h > IMAGE_SIDE_MAX)
        return NULL;
    *width = w;
    *height = h;
    return mime;
}
