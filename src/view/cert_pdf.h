/*
 * cert_pdf.h — certificates (荣誉证书) as PDF: A4 landscape, typeset with
 * Pango and Cairo in the Noto CJK fonts (embedded as subsets), one page per
 * certificate: the title, the unit, the case title in a sentence that
 * wraps and shrinks to fit its box (vertically centred there), the tier,
 * the organiser's name and the date, and a QR code linking to the public
 * check page with the serial number and the check code beside it.
 */
#ifndef LAUREL_VIEW_CERT_PDF_H
#define LAUREL_VIEW_CERT_PDF_H

#include <stddef.h>

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

/* Write n certificates, a page each, as one PDF to sink: 0, or -1. */
int cert_pdf(const struct cert_fields *f, size_t n, cert_sink sink, void *ctx);

#endif
