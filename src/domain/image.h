/*
 * image.h — what an uploaded image is, decided from its bytes alone: PNG,
 * JPEG or GIF with its width and height, or nothing.  The declared type
 * and the file's name are never trusted.
 */
#ifndef LAUREL_DOMAIN_IMAGE_H
#define LAUREL_DOMAIN_IMAGE_H

#include <stddef.h>

/* The largest side accepted, in pixels. */
#define IMAGE_SIDE_MAX 20000

/*
 * The MIME type of the image p[0..n) ("image/png", "image/jpeg",
 * "image/gif") with its size in *width and *height, or NULL when it is not
 * one of those, is cut short before its size, or a side is 0 or larger
 * than IMAGE_SIDE_MAX.
 */
const char *image_probe(const unsigned char *p, size_t n, unsigned *width, unsigned *height);

#endif
