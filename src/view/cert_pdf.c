/*
 * cert_pdf.c — certificates as PDF (cert_pdf.h), with Cairo's PDF surface,
 * Pango for the Chinese text and libqrencode for the QR code.
 *
 * The page (points, A4 landscape 842 x 595): a red frame with a gold rule
 * inside; 荣誉证书 at the top; the body box (BODY_*) holds the unit, the
 * sentence naming the case and the campaign, and the tier, laid out at a
 * size that starts at BODY_PT and shrinks until the whole fits the box,
 * then centred vertically in it; the QR code and the serial and check code
 * at the bottom left, the organisers and the date at the bottom right.
 */
#include "view/cert_pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_W 841.89
#define PAGE_H 595.28
#define BODY_X 120.0
#define BODY_W (PAGE_W - 2 * BODY_X)
#define BODY_Y 168.0
#define BODY_H 250.0
#define BODY_PT 22.0
#define BODY_MIN_PT 10.0
#define SERIF "Noto Serif CJK SC"

static const double red[3] = {0.70, 0.09, 0.09}, gold[3] = {0.76, 0.60, 0.18},
                    ink[3] = {0.12, 0.10, 0.10};

/* A layout of markup-free text in font family/weight at size pt, wrapped at width (0: none). */
static PangoLayout *text_layout(cairo_t *cr, const char *text, const char *family, int bold,
                                double pt, double width, PangoAlignment align)
{
    PangoLayout *l = pango_cairo_create_layout(cr);
    PangoFontDescription *d = pango_font_description_new();
    pango_font_description_set_family(d, family);
    pango_font_description_set_weight(d, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_absolute_size(d, pt * PANGO_SCALE);
    pango_layout_set_font_description(l, d);
    pango_font_description_free(d);
    if (width > 0) {
        pango_layout_set_width(l, (int)(width * PANGO_SCALE));
        pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    }
    pango_layout_set_alignment(l, align);
    pango_layout_set_text(l, text, -1);
    return l;
}

static double layout_h(PangoLayout *l)
{
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return (double)h / PANGO_SCALE;
}

static void show(cairo_t *cr, PangoLayout *l, double x, double y, const double rgb[3])
{
    cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, l);
}

/* The body's three parts at size pt: unit line, sentence, tier. */
struct body {
    PangoLayout *unit, *sentence, *tier;
    double gap, height;
};

static void body_free(struct body *b)
{
    if (b->unit)
        g_object_unref(b->unit);
    if (b->sentence)
        g_object_unref(b->sentence);
    if (b->tier)
        g_object_unref(b->tier);
}

static void body_make(cairo_t *cr, const struct cert_fields *f, double pt, struct body *b)
{
    char *unit = g_strdup_printf("%s：", f->unit);
    char *sentence = g_strdup_printf("　　你单位报送的案例《%s》，在%s中，经专家评审，被评为", f->title,
                                     f->campaign);
    b->unit = text_layout(cr, unit, SERIF, 1, pt, BODY_W, PANGO_ALIGN_LEFT);
    b->sentence = text_layout(cr, sentence, SERIF, 0, pt, BODY_W, PANGO_ALIGN_LEFT);
    pango_layout_set_justify(b->sentence, TRUE);
    pango_layout_set_spacing(b->sentence, (int)(pt * 0.45 * PANGO_SCALE));
    b->tier = text_layout(cr, f->tier, SERIF, 1, pt * 1.6, BODY_W, PANGO_ALIGN_CENTER);
    b->gap = pt * 0.7;
    b->height = layout_h(b->unit) + b->gap + layout_h(b->sentence) + b->gap * 1.4 +
                layout_h(b->tier);
    g_free(unit);
    g_free(sentence);
}

static void frame(cairo_t *cr)
{
    cairo_set_source_rgb(cr, 1.0, 0.985, 0.95);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, red[0], red[1], red[2]);
    cairo_set_line_width(cr, 9);
    cairo_rectangle(cr, 22, 22, PAGE_W - 44, PAGE_H - 44);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, gold[0], gold[1], gold[2]);
    cairo_set_line_width(cr, 1.6);
    cairo_rectangle(cr, 36, 36, PAGE_W - 72, PAGE_H - 72);
    cairo_stroke(cr);
}

/* The QR code of url, size pt square, at x, y. */
static void qr(cairo_t *cr, const char *url, double x, double y, double size)
{
    QRcode *q = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q)
        return;
    double m = size / (q->width + 2); /* a quiet zone of one module each side */
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, x, y, size, size);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int r = 0; r < q->width; r++)
        for (int c = 0; c < q->width; c++)
            if (q->data[r * q->width + c] & 1)
                cairo_rectangle(cr, x + (c + 1) * m, y + (r + 1) * m, m, m);
    cairo_fill(cr);
    QRcode_free(q);
}

/* 2019-12-30 as 2019年12月30日 (the text as given when it is not a date). */
static char *chinese_date(const char *d)
{
    int y, m, day;
    if (d && sscanf(d, "%4d-%2d-%2d", &y, &m, &day) == 3)
        return g_strdup_printf("%d年%d月%d日", y, m, day);
    return g_strdup(d ? d : "");
}

/*
 * The organisers' names as lines: on one line when they fit width, else
 * broken after the enumeration comma (、) nearest the middle, so that no
 * name is split across lines.
 */
static char *names_lines(cairo_t *cr, const char *names, double pt, double width)
{
    PangoLayout *l = text_layout(cr, names, SERIF, 0, pt, 0, PANGO_ALIGN_LEFT);
    int w, h;
    pango_layout_get_size(l, &w, &h);
    g_object_unref(l);
    if ((double)w / PANGO_SCALE <= width)
        return g_strdup(names);
    static const char comma[] = "、";
    size_t len = strlen(names), best = 0;
    for (const char *p = strstr(names, comma); p; p = strstr(p + 1, comma)) {
        size_t at = (size_t)(p - names) + sizeof comma - 1;
        if (!best || (at > len / 2 ? at - len / 2 : len / 2 - at) <
                         (best > len / 2 ? best - len / 2 : len / 2 - best))
            best = at;
    }
    if (!best)
        return g_strdup(names);
    return g_strdup_printf("%.*s\n%s", (int)best, names, names + best);
}

static void page(cairo_t *cr, const struct cert_fields *f)
{
    frame(cr);
    PangoLayout *title = text_layout(cr, "荣誉证书", SERIF, 1, 50, PAGE_W, PANGO_ALIGN_CENTER);
    pango_layout_set_spacing(title, 0);
    PangoAttrList *attrs = pango_attr_list_new();
    pango_attr_list_insert(attrs, pango_attr_letter_spacing_new(18 * PANGO_SCALE));
    pango_layout_set_attributes(title, attrs);
    pango_attr_list_unref(attrs);
    show(cr, title, 9, 70, red); /* half the spacing the last character trails */
    g_object_unref(title);

    /* The body: the largest size at which it fits its box, centred in it. */
    struct body b = {0};
    for (double pt = BODY_PT;; pt -= 0.5) {
        body_free(&b);
        memset(&b, 0, sizeof b);
        body_make(cr, f, pt, &b);
        if (b.height <= BODY_H || pt - 0.5 < BODY_MIN_PT)
            break;
    }
    double y = BODY_Y + (BODY_H - b.height) / 2;
    show(cr, b.unit, BODY_X, y, ink);
    y += layout_h(b.unit) + b.gap;
    show(cr, b.sentence, BODY_X, y, ink);
    y += layout_h(b.sentence) + b.gap * 1.4;
    show(cr, b.tier, BODY_X, y, red);
    body_free(&b);

    /* Bottom right: the organisers and the date, right-aligned above the frame. */
    char *date = chinese_date(f->date);
    char *names = names_lines(cr, f->organiser, 14, 330);
    PangoLayout *org = text_layout(cr, names, SERIF, 0, 14, 330, PANGO_ALIGN_RIGHT);
    g_free(names);
    PangoLayout *when = text_layout(cr, date, SERIF, 0, 14, 330, PANGO_ALIGN_RIGHT);
    double bottom = PAGE_H - 62;
    double wh = layout_h(when), oh = layout_h(org);
    show(cr, when, PAGE_W - BODY_X - 330, bottom - wh, ink);
    show(cr, org, PAGE_W - BODY_X - 330, bottom - wh - 6 - oh, ink);
    g_object_unref(org);
    g_object_unref(when);
    g_free(date);

    /* Bottom left: the QR code, the serial number and the check code. */
    double qs = 78;
    qr(cr, f->url, BODY_X - 40, bottom - qs, qs);
    char *codes = g_strdup_printf("证书编号：%s\n查验码：%s\n扫码查验证书真伪", f->serial, f->code);
    PangoLayout *c = text_layout(cr, codes, SERIF, 0, 9.5, 200, PANGO_ALIGN_LEFT);
    show(cr, c, BODY_X - 40 + qs + 10, bottom - layout_h(c), ink);
    g_object_unref(c);
    g_free(codes);
}

struct sink_ctx {
    cert_sink sink;
    void *ctx;
    int failed;
};

static cairo_status_t write_out(void *closure, const unsigned char *data, unsigned int len)
{
    struct sink_ctx *s = closure;
    if (s->failed || s->sink(s->ctx, data, len) != 0) {
        s->failed = 1;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

int cert_pdf(const struct cert_fields *f, size_t n, cert_sink sink, void *ctx)
{
    struct sink_ctx s = {sink, ctx, 0};
    cairo_surface_t *surface = cairo_pdf_surface_create_for_stream(write_out, &s, PAGE_W, PAGE_H);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surface);
        return -1;
    }
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, "荣誉证书");
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Laurel");
    cairo_t *cr = cairo_create(surface);
    for (size_t i = 0; i < n; i++) {
        page(cr, &f[i]);
        cairo_show_page(cr);
    }
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    int ok = cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS && !s.failed;
    cairo_surface_destroy(surface);
    return ok ? 0 : -1;
}
