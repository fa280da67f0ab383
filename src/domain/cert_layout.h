/*
 * cert_layout.h — the layout of a campaign's certificates (荣誉证书), an
 * organiser's setting: the wording (the heading, the line naming the unit,
 * the sentence, the award line, the organiser's name, the date line), the
 * boxes things are placed in (millimetres from the top left of an A4
 * landscape page, 297 x 210) and the background and seal images.  The
 * defaults are the layout certificates had before it was a setting.
 *
 * Wording is a template: {unit}, {title}, {tier}, {campaign}, {date} and
 * {organiser} stand for the award's values; any other brace is refused.
 * Rules only, no I/O: the store keeps a layout, the view draws it.
 */
#ifndef LAUREL_DOMAIN_CERT_LAYOUT_H
#define LAUREL_DOMAIN_CERT_LAYOUT_H

#include <stddef.h>

#define CERT_PAGE_W_MM 297.0
#define CERT_PAGE_H_MM 210.0
#define CERT_BOX_MIN_MM 10.0 /* the smallest side of a box */
#define CERT_QR_MIN_MM 15.0  /* a QR code smaller than this does not scan when printed */
#define CERT_TEXT_MAX 300    /* characters of one wording */
#define CERT_TEXT_BYTES (4 * CERT_TEXT_MAX + 1)
#define CERT_BACKGROUND_MAX (4u << 20) /* bytes of the background image */
#define CERT_SEAL_MAX (1u << 20)       /* bytes of the seal image */
#define CERT_IMAGE_SIDE_MAX 4000       /* pixels, either side, of either image */

enum cert_text {
    CERT_TEXT_HEADING,    /* 荣誉证书 */
    CERT_TEXT_SALUTATION, /* {unit}： */
    CERT_TEXT_SENTENCE,   /* 你单位报送的案例《{title}》… */
    CERT_TEXT_AWARD,      /* {tier} */
    CERT_TEXT_ORGANISER,  /* {organiser} */
    CERT_TEXT_DATE,       /* {date} */
    CERT_TEXT__MAX
};

enum cert_box {
    CERT_BOX_HEADING, /* the heading, centred in it */
    CERT_BOX_BODY,    /* the unit, the sentence and the award, centred vertically */
    CERT_BOX_SIGN,    /* the organiser and the date, right-aligned at its bottom */
    CERT_BOX_QR,      /* the QR code (square: w), the serial and check code to its right */
    CERT_BOX_SEAL,    /* the seal image (square: w), over the signature */
    CERT_BOX__MAX
};

struct cert_rect {
    double x, y, w, h; /* mm; h is w for the square boxes */
};

struct cert_layout {
    char text[CERT_TEXT__MAX][CERT_TEXT_BYTES];
    struct cert_rect box[CERT_BOX__MAX];
    unsigned char *background; /* PNG or JPEG bytes (malloc'd), or NULL */
    size_t background_len;
    char background_mime[16];
    unsigned char *seal; /* PNG bytes with transparency (malloc'd), or NULL */
    size_t seal_len;
};

/* The values a template's placeholders stand for. */
struct cert_values {
    const char *unit, *title, *tier, *campaign, *date, *organiser;
};

/* Fill l with the default layout (no images). */
void cert_layout_default(struct cert_layout *l);

/* Free l's images (its owner calls this once). */
void cert_layout_release(struct cert_layout *l);

/* The form name of text t ("heading") and of box b ("qr"). */
const char *cert_text_name(enum cert_text t);
const char *cert_box_name(enum cert_box b);

/* 1 when box b is square (its h is its w). */
int cert_box_square(enum cert_box b);

/* 0 when r lies within the page and is not smaller than box b's minimum, else -1. */
int cert_rect_check(enum cert_box b, const struct cert_rect *r);

/* 0 when every brace in template t opens a known placeholder, else -1. */
int cert_template_check(const char *t);

/* Template t with its placeholders replaced by v (malloc'd; NULL when out of memory). */
char *cert_template_expand(const char *t, const struct cert_values *v);

/* 1 when the PNG p[0..n) can be transparent (a colour type with alpha, or a tRNS chunk). */
int cert_png_transparent(const unsigned char *p, size_t n);

#endif
