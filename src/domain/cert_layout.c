/*
 * cert_layout.c — a certificate layout's defaults and rules; see
 * cert_layout.h.  The default boxes are where the fixed layout put things
 * (its points converted to millimetres, rounded to a tenth).
 */
#include <stdlib.h>
#include <string.h>

#include "domain/cert_layout.h"

static const char *const text_names[CERT_TEXT__MAX] = {
    "heading", "salutation", "sentence", "award", "organiser", "date_line",
};

static const char *const text_defaults[CERT_TEXT__MAX] = {
    "荣誉证书", "{unit}：",    "你单位报送的案例《{title}》，在{campaign}中，经专家评审，被评为",
    "{tier}",   "{organiser}", "{date}",
};

static const char *const box_names[CERT_BOX__MAX] = {"heading", "body", "sign", "qr", "seal"};

static const struct cert_rect box_defaults[CERT_BOX__MAX] = {
    {30.0, 24.7, 237.0, 26.0},   /* 荣誉证书 at 50 pt, centred on the page */
    {42.3, 59.3, 212.4, 88.2},   /* the body box */
    {138.3, 150.0, 116.4, 38.1}, /* the signature, its bottom 62 pt above the page's */
    {28.2, 160.6, 27.5, 27.5},   /* the QR code, 78 pt */
    {205.0, 146.0, 40.0, 40.0},  /* a seal of 4 cm over the organiser and the date */
};

static const char *const placeholders[] = {"unit",     "title", "tier",
                                           "campaign", "date",  "organiser"};

void cert_layout_default(struct cert_layout *l)
{
    memset(l, 0, sizeof *l);
    for (int t = 0; t < CERT_TEXT__MAX; t++)
        strcpy(l->text[t], text_defaults[t]);
    memcpy(l->box, box_defaults, sizeof box_defaults);
}

void cert_layout_release(struct cert_layout *l)
{
    free(l->background);
    free(l->seal);
    l->background = l->seal = NULL;
    l->background_len = l->seal_len = 0;
}

const char *cert_text_name(enum cert_text t)
{
    return text_names[t];
}

const char *cert_box_name(enum cert_box b)
{
    return box_names[b];
}

int cert_box_square(enum cert_box b)
{
    return b == CERT_BOX_QR || b == CERT_BOX_SEAL;
}

int cert_rect_check(enum cert_box b, const struct cert_rect *r)
{
    double min = b == CERT_BOX_QR ? CERT_QR_MIN_MM : CERT_BOX_MIN_MM;
    double h = cert_box_square(b) ? r->w : r->h;
    if (!(r->x >= 0 && r->y >= 0 && r->w >= min && h >= min)) /* NaN fails too */
        return -1;
    return r->x + r->w <= CERT_PAGE_W_MM && r->y + h <= CERT_PAGE_H_MM ? 0 : -1;
}

/* The placeholder at t (just after its '{') as an index, its length in *len; or -1. */
static int placeholder_at(const char *t, size_t *len)
{
    for (size_t i = 0; i < sizeof placeholders / sizeof *placeholders; i++) {
        size_t n = strlen(placeholders[i]);
        if (strncmp(t, placeholders[i], n) == 0 && t[n] == '}') {
            *len = n + 1;
            return (int)i;
        }
    }
    return -1;
}

int cert_template_check(const char *t)
{
    for (const char *p = t; *p; p++) {
        size_t n;
        if (*p == '}')
            return -1;
        if (*p == '{') {
            if (placeholder_at(p + 1, &n) < 0)
                return -1;
            p += n;
        }
    }
    return 0;
}

char *cert_template_expand(const char *t, const struct cert_values *v)
{
    const char *vals[] = {v->unit, v->title, v->tier, v->campaign, v->date, v->organiser};
    size_t cap = strlen(t) + 1;
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++)
        for (const char *p = strchr(t, '{'); p; p = strchr(p + 1, '{'))
            cap += vals[i] ? strlen(vals[i]) : 0;
    char *out = malloc(cap), *o = out;
    if (!out)
        return NULL;
    for (const char *p = t; *p;) {
        size_t n;
        int k = *p == '{' ? placeholder_at(p + 1, &n) : -1;
        if (k < 0) {
            *o++ = *p++;
            continue;
        }
        size_t m = vals[k] ? strlen(vals[k]) : 0;
        memcpy(o, vals[k] ? vals[k] : "", m);
        o += m;
        p += 1 + n;
    }
    *o = 0;
    return out;
}

int cert_png_transparent(const unsigned char *p, size_t n)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (n < 33 || memcmp(p, sig, 8) != 0 || memcmp(p + 12, "IHDR", 4) != 0)
        return 0;
    if (p[25] == 4 || p[25] == 6) /* grey or RGB with alpha */
        return 1;
    for (size_t at = 8; at + 8 <= n;) { /* a tRNS chunk before the image data */
        size_t len =
            (size_t)p[at] << 24 | (size_t)p[at + 1] << 16 | (size_t)p[at + 2] << 8 | p[at + 3];
        if (memcmp(p + at + 4, "tRNS", 4) == 0)
            return 1;
        if (memcmp(p + at + 4, "IDAT", 4) == 0 || len > n - at - 12)
            return 0;
        at += len + 12;
    }
    return 0;
}
