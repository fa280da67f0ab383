/*
 * zip.c — stored ZIP entries (zip.h), after the ZIP file format's local
 * headers, central directory and end record.
 */
#include "view/zip.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct entry {
    char *name;
    uint32_t crc, size, offset;
};

struct zip {
    FILE *f;
    struct entry *e;
    size_t n, cap;
    uint32_t at; /* bytes written */
    int failed;
};

static void put16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

static void out(struct zip *z, const void *p, size_t n)
{
    if (!z->failed && fwrite(p, 1, n, z->f) != n)
        z->failed = 1;
    z->at += (uint32_t)n;
}

struct zip *zip_start(FILE *f)
{
    struct zip *z = calloc(1, sizeof *z);
    if (z)
        z->f = f;
    return z;
}

/* DOS date and time of 2020-01-01 00:00: entries carry no real time (reproducible archives). */
#define DOS_TIME 0
#define DOS_DATE ((40 << 9) | (1 << 5) | 1)

int zip_add(struct zip *z, const char *name, const void *data, size_t len)
{
    size_t nlen = strlen(name);
    if (z->failed || len > 0xfffffff0u || nlen > 0xffff || z->n >= 0xffff ||
        (uint64_t)z->at + len + nlen + 30 > 0xfffffff0u)
        return z->failed = 1, -1;
    if (z->n == z->cap) {
        struct entry *e = realloc(z->e, (z->cap = z->cap ? 2 * z->cap : 64) * sizeof *e);
        if (!e)
            return z->failed = 1, -1;
        z->e = e;
    }
    struct entry *e = &z->e[z->n];
    if (!(e->name = strdup(name)))
        return z->failed = 1, -1;
    z->n++;
    e->crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), data, (uInt)len);
    e->size = (uint32_t)len;
    e->offset = z->at;
    unsigned char h[30] = {0};
    put32(h, 0x04034b50);
    put16(h + 4, 20);         /* version needed */
    put16(h + 6, 1u << 11);   /* UTF-8 names */
    put16(h + 8, 0);          /* stored */
    put16(h + 10, DOS_TIME);
    put16(h + 12, DOS_DATE);
    put32(h + 14, e->crc);
    put32(h + 18, e->size);
    put32(h + 22, e->size);
    put16(h + 26, (uint32_t)nlen);
    out(z, h, sizeof h);
    out(z, name, nlen);
    out(z, data, len);
    return z->failed ? -1 : 0;
}

int zip_finish(struct zip *z)
{
    uint32_t start = z->at;
    for (size_t i = 0; i < z->n; i++) {
        struct entry *e = &z->e[i];
        size_t nlen = strlen(e->name);
        unsigned char h[46] = {0};
        put32(h, 0x02014b50);
        put16(h + 4, 20);
        put16(h + 6, 20);
        put16(h + 8, 1u << 11);
        put16(h + 12, DOS_TIME);
        put16(h + 14, DOS_DATE);
        put32(h + 16, e->crc);
        put32(h + 20, e->size);
        put32(h + 24, e->size);
        put16(h + 28, (uint32_t)nlen);
        put32(h + 42, e->offset);
        out(z, h, sizeof h);
        out(z, e->name, nlen);
    }
    unsigned char end[22] = {0};
    put32(end, 0x06054b50);
    put16(end + 8, (uint32_t)z->n);
    put16(end + 10, (uint32_t)z->n);
    put32(end + 12, z->at - start);
    put32(end + 16, start);
    out(z, end, sizeof end);
    int rc = z->failed ? -1 : 0;
    for (size_t i = 0; i < z->n; i++)
        free(z->e[i].name);
    free(z->e);
    free(z);
    return rc;
}
