/*
 * cert_pdf.h — certificates (荣誉证书) as PDF: A4 landscape, typeset with
 * Pango and Cairo in the Noto CJK fonts (embedded as subsets), one page per
 * certificate: the title, the unit, the case title in a sentence that
 * wraps and shrinks to fit its box (vertically centred there), the tier,
 * the organiser's name and the date, and a QR code linking to the public
 * check page with the serial number and the check code beside it; where
 * each goes, what it says and the background and seal images come from the
 * campaign's layout (domain/cert_layout.h).  The same page as a PNG is the
 * organiser's preview.
 */
#ifndef LAUREL_VIEW_CERT_PDF_H
#define LAUREL_VIEW_CERT_PDF_H

#include <stddef.h>

#include "domain/cert_layout.h"

struct cert_fields {
    const char *unit, *title, *tier, *campaign;
    const char *date;      /* 2019-12-30 */
    const char *organiser; /* the organisers' names */
    const char *serial;    /* as printed: 2019-0001 */
    const char *code;      /* the check code */
    const char *url;       /* the check page's absolute URL (in the QR code) */
};

/* Bytes of PDF as they are made: 0, or -1 to stop. */
typedef int (*cert_sink)(void *ctx, const unsigned char *data, unsigned int len);

/*
 * A layout ready to draw: a copy of l with its images decoded once, for
 * any number of documents (l may be released then).  NULL when out of
 * memory; an image that does not decode is left out.
 */
struct cert_style;
struct cert_style *cert_style_new(const struct cert_layout *l);
void cert_style_free(struct cert_style *st);

/* Write n certificates in style st, a page each, as one PDF to sink: 0, or -1. */
int cert_pdf(const struct cert_fields *f, size_t n, const struct cert_style *st, cert_sink sink,
             void *ctx);

/* Write certificate f in style st as a PNG width pixels wide to sink: 0, or -1. */
int cert_png(const struct cert_fields *f, const struct cert_style *st, int width, cert_sink sink,
             void *ctx);

/*
 * 0 when the image p[0..n) of type mime (image/png or image/jpeg) decodes
 * as a certificate draws it (no side over CERT_IMAGE_SIDE_MAX), else -1.
 */
int cert_image_check(const unsigned char *p, size_t n, const char *mime);

#endif
