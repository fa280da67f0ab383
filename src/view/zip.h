/*
 * zip.h — a ZIP archive of stored (uncompressed) entries, written to a
 * FILE as they come: for files already compressed, as PDFs are.  UTF-8
 * names (the language encoding flag set), CRC-32 from zlib, no ZIP64 (each
 * entry and the whole under 4 GiB, at most 65535 entries).
 */
#ifndef LAUREL_VIEW_ZIP_H
#define LAUREL_VIEW_ZIP_H

#include <stddef.h>
#include <stdio.h>

struct zip;

/* Start an archive on f (which the caller closes after zip_finish); NULL without memory. */
struct zip *zip_start(FILE *f);
/* Add an entry: 0, or -1 (a write failed, or a limit): the archive is unusable then. */
int zip_add(struct zip *z, const char *name, const void *data, size_t len);
/* Write the central directory and free z: 0 or -1. */
int zip_finish(struct zip *z);

#endif
