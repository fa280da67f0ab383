/*
 * cert_pdf.c — certificates as PDF (cert_pdf.h), with Cairo's PDF surface,
 * Pango for the Chinese text and libqrencode for the QR code.
 *
 * The page (points, A4 landscape 842 x 595) follows the campaign's layout
 * (domain/cert_layout.h, boxes in millimetres): the background image
 * covering the page, or else a red frame with a gold rule inside; the
 * heading in its box; the body box holds the line naming the unit, the
 * sentence and the award line, laid out at a size that starts at BODY_PT
 * and shrinks until the whole fits the box, then centred vertically in it;
 * the QR code with the serial and check code beside it; the organiser and
 * the date right-aligned at the bottom of their box; the seal over them.
 * Every text shrinks to fit its box, as the body does.  The images are
 * decoded once per document (PNG by Cairo, JPEG by libjpeg, which the PDF
 * embeds as it came), so a batch holds each of them once.
 */
#include "view/cert_pdf.h"

#include <stdint.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <setjmp.h>
#include <stdio.h> /* before jpeglib.h, which needs FILE */

#include <jpeglib.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_W 841.89
#define PAGE_H 595.28
#define PT_PER_MM (72.0 / 25.4)
#define HEADING_PT 50.0
#define BODY_PT 22.0
#define SIGN_PT 14.0
#define MIN_PT 8.0
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

/* A box of the layout in points. */
struct box {
    double x, y, w, h;
};

static struct box box_of(const struct cert_layout *l, enum cert_box b)
{
    const struct cert_rect *r = &l->box[b];
    double h = cert_box_square(b) ? r->w : r->h;
    return (struct box){r->x * PT_PER_MM, r->y * PT_PER_MM, r->w * PT_PER_MM, h * PT_PER_MM};
}

/* The wordings of one certificate, their placeholders filled (malloc'd; texts_free). */
struct texts {
    char *t[CERT_TEXT__MAX];
};

static void texts_free(struct texts *x)
{
    for (int i = 0; i < CERT_TEXT__MAX; i++)
        free(x->t[i]);
}

/* The body's three parts at size pt: unit line, sentence, award line. */
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

static void body_make(cairo_t *cr, const struct texts *x, double pt, double width, struct body *b)
{
    b->unit = text_layout(cr, x->t[CERT_TEXT_SALUTATION], SERIF, 1, pt, width, PANGO_ALIGN_LEFT);
    b->sentence = text_layout(cr, x->t[CERT_TEXT_SENTENCE], SERIF, 0, pt, width, PANGO_ALIGN_LEFT);
    pango_layout_set_justify(b->sentence, TRUE);
    pango_layout_set_indent(b->sentence, (int)(2 * pt * PANGO_SCALE)); /* two characters */
    pango_layout_set_spacing(b->sentence, (int)(pt * 0.45 * PANGO_SCALE));
    b->tier = text_layout(cr, x->t[CERT_TEXT_AWARD], SERIF, 1, pt * 1.6, width, PANGO_ALIGN_CENTER);
    b->gap = pt * 0.7;
    b->height =
        layout_h(b->unit) + b->gap + layout_h(b->sentence) + b->gap * 1.4 + layout_h(b->tier);
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

/* The width in points of text on one line at pt. */
static double text_w(cairo_t *cr, const char *text, double pt)
{
    PangoLayout *l = text_layout(cr, text, SERIF, 0, pt, 0, PANGO_ALIGN_LEFT);
    int w, h;
    pango_layout_get_size(l, &w, &h);
    g_object_unref(l);
    return (double)w / PANGO_SCALE;
}

/* The names broken greedily into lines of at most width after each 、; *lines their count. */
static char *names_greedy(cairo_t *cr, const char *names, double pt, double width, int *lines)
{
    static const char comma[] = "、";
    GString *out = g_string_new(NULL);
    size_t line = 0; /* where the current line starts in out */
    *lines = 1;
    for (const char *p = names; *p;) {
        const char *c = strstr(p, comma);
        size_t n = c ? (size_t)(c - p) + sizeof comma - 1 : strlen(p);
        size_t before = out->len;
        g_string_append_len(out, p, (gssize)n);
        if (before > line && text_w(cr, out->str + line, pt) > width) {
            g_string_insert_c(out, (gssize)before, '\n');
            line = before + 1;
            (*lines)++;
        }
        p += n;
    }
    return g_string_free(out, FALSE);
}

/*
 * The organisers' names as lines: on one line when they fit width, else
 * broken after enumeration commas (、) into as few lines as fit, as even
 * as they can be, so that no name is split across lines (a name wider
 * than the line wraps where it must).
 */
static char *names_lines(cairo_t *cr, const char *names, double pt, double width)
{
    int n, k;
    char *best = names_greedy(cr, names, pt, width, &n);
    if (n < 2)
        return best;
    /* The narrowest measure that still takes n lines evens them out. */
    for (double w = text_w(cr, names, pt) / n; w < width; w += pt) {
        char *even = names_greedy(cr, names, pt, w, &k);
        if (k <= n) {
            g_free(best);
            return even;
        }
        g_free(even);
    }
    return best;
}

/* A layout with its images decoded (cert_pdf.h). */
struct cert_style {
    struct cert_layout l; /* a copy, without the images' bytes */
    cairo_surface_t *background, *seal;
};

/*
 * The heading at the largest size from start down to MIN_PT at which it
 * fits w x h on one line; wrapped at w when not even MIN_PT fits.
 */
static PangoLayout *fit(cairo_t *cr, const char *text, int bold, double start, double w, double h,
                        PangoAlignment align, double spacing_em)
{
    for (double pt = start;; pt -= 0.5) {
        int last = pt - 0.5 < MIN_PT;
        PangoLayout *l = text_layout(cr, text, SERIF, bold, pt, last ? w : 0, align);
        if (spacing_em > 0) {
            PangoAttrList *attrs = pango_attr_list_new();
            pango_attr_list_insert(
                attrs, pango_attr_letter_spacing_new((int)(spacing_em * pt * PANGO_SCALE)));
            pango_layout_set_attributes(l, attrs);
            pango_attr_list_unref(attrs);
        }
        int lw, lh;
        pango_layout_get_size(l, &lw, &lh);
        if (last)
            return l;
        if ((double)lw / PANGO_SCALE <= w && (double)lh / PANGO_SCALE <= h) {
            pango_layout_set_width(l, (int)(w * PANGO_SCALE)); /* one line, aligned in w */
            return l;
        }
        g_object_unref(l);
    }
}

/* Image s drawn to cover (cover = 1) or to fit inside the box, centred on it. */
static void picture(cairo_t *cr, cairo_surface_t *s, struct box b, int cover)
{
    double iw = cairo_image_surface_get_width(s), ih = cairo_image_surface_get_height(s);
    if (iw <= 0 || ih <= 0)
        return;
    double sx = b.w / iw, sy = b.h / ih, k = cover ? (sx > sy ? sx : sy) : (sx < sy ? sx : sy);
    cairo_save(cr);
    cairo_rectangle(cr, b.x, b.y, b.w, b.h);
    cairo_clip(cr);
    cairo_translate(cr, b.x + (b.w - iw * k) / 2, b.y + (b.h - ih * k) / 2);
    cairo_scale(cr, k, k);
    cairo_set_source_surface(cr, s, 0, 0);
    cairo_paint(cr);
    cairo_restore(cr);
}

static void page(cairo_t *cr, const struct cert_fields *f, const struct cert_style *img)
{
    const struct cert_layout *lay = &img->l;
    struct texts x = {0};
    char *date = chinese_date(f->date);
    struct cert_values v = {f->unit, f->title, f->tier, f->campaign, date, f->organiser};
    for (int i = 0; i < CERT_TEXT__MAX; i++)
        x.t[i] = cert_template_expand(lay->text[i], &v);
    g_free(date);
    for (int i = 0; i < CERT_TEXT__MAX; i++)
        if (!x.t[i]) {
            texts_free(&x);
            return;
        }

    if (img->background) {
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_paint(cr);
        picture(cr, img->background, (struct box){0, 0, PAGE_W, PAGE_H}, 1);
    } else {
        frame(cr);
    }

    /* The heading: letter-spaced, centred in its box both ways (half a space trails). */
    struct box hb = box_of(lay, CERT_BOX_HEADING);
    PangoLayout *title =
        fit(cr, x.t[CERT_TEXT_HEADING], 1, HEADING_PT, hb.w, hb.h, PANGO_ALIGN_CENTER, 0.36);
    double spacing = 0.36 *
                     pango_font_description_get_size(pango_layout_get_font_description(title)) /
                     PANGO_SCALE;
    show(cr, title, hb.x + spacing / 2, hb.y + (hb.h - layout_h(title)) / 2, red);
    g_object_unref(title);

    /* The body: the largest size at which it fits its box, centred in it. */
    struct box bb = box_of(lay, CERT_BOX_BODY);
    struct body b = {0};
    for (double pt = BODY_PT;; pt -= 0.5) {
        body_free(&b);
        memset(&b, 0, sizeof b);
        body_make(cr, &x, pt, bb.w, &b);
        if (b.height <= bb.h || pt - 0.5 < MIN_PT)
            break;
    }
    double y = bb.y + (bb.h - b.height) / 2;
    show(cr, b.unit, bb.x, y, ink);
    y += layout_h(b.unit) + b.gap;
    show(cr, b.sentence, bb.x, y, ink);
    y += layout_h(b.sentence) + b.gap * 1.4;
    show(cr, b.tier, bb.x, y, red);
    body_free(&b);

    /* The organiser and the date, right-aligned at the bottom of their box. */
    struct box sb = box_of(lay, CERT_BOX_SIGN);
    PangoLayout *org = NULL, *when = NULL;
    for (double pt = SIGN_PT;; pt -= 0.5) {
        if (org)
            g_object_unref(org);
        if (when)
            g_object_unref(when);
        char *names = names_lines(cr, x.t[CERT_TEXT_ORGANISER], pt, sb.w);
        org = text_layout(cr, names, SERIF, 0, pt, sb.w, PANGO_ALIGN_RIGHT);
        g_free(names);
        when = text_layout(cr, x.t[CERT_TEXT_DATE], SERIF, 0, pt, sb.w, PANGO_ALIGN_RIGHT);
        if (layout_h(org) + 6 + layout_h(when) <= sb.h || pt - 0.5 < MIN_PT)
            break;
    }
    double bottom = sb.y + sb.h, wh = layout_h(when), oh = layout_h(org);
    show(cr, when, sb.x, bottom - wh, ink);
    show(cr, org, sb.x, bottom - wh - 6 - oh, ink);
    g_object_unref(org);
    g_object_unref(when);

    /* The QR code, with the serial number and the check code beside it (left when no room). */
    struct box qb = box_of(lay, CERT_BOX_QR);
    qr(cr, f->url, qb.x, qb.y, qb.w);
    char *codes = g_strdup_printf("证书编号：%s\n查验码：%s\n扫码查验证书真伪", f->serial, f->code);
    PangoLayout *c = text_layout(cr, codes, SERIF, 0, 9.5, 0, PANGO_ALIGN_LEFT);
    int cw, ch;
    pango_layout_get_size(c, &cw, &ch);
    double right = qb.x + qb.w + 10, left = qb.x - 10 - (double)cw / PANGO_SCALE;
    double cx = right + (double)cw / PANGO_SCALE <= PAGE_W - 24 || left < 24 ? right : left;
    show(cr, c, cx, qb.y + qb.w - layout_h(c), ink);
    g_object_unref(c);
    g_free(codes);

    /* The seal last, over the signature as a stamp is. */
    if (img->seal)
        picture(cr, img->seal, box_of(lay, CERT_BOX_SEAL), 0);
    texts_free(&x);
}

/* ------------------------------------------------------------ images */

struct mem_read {
    const unsigned char *p;
    size_t n, at;
};

static cairo_status_t read_mem(void *closure, unsigned char *data, unsigned int len)
{
    struct mem_read *m = closure;
    if (len > m->n - m->at)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, m->p + m->at, len);
    m->at += len;
    return CAIRO_STATUS_SUCCESS;
}

struct jpeg_fail {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
};

static void jpeg_fail_exit(j_common_ptr cinfo)
{
    longjmp(((struct jpeg_fail *)cinfo->err)->jump, 1);
}

/* A JPEG decoded into an RGB24 surface, or NULL (a CMYK or broken file). */
static cairo_surface_t *jpeg_surface(const unsigned char *p, size_t n)
{
    struct jpeg_decompress_struct d;
    struct jpeg_fail err;
    cairo_surface_t *volatile s = NULL;
    unsigned char *volatile row = NULL;
    d.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = jpeg_fail_exit;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&d);
        free(row);
        if (s)
            cairo_surface_destroy(s);
        return NULL;
    }
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, p, (unsigned long)n);
    jpeg_read_header(&d, TRUE);
    d.out_color_space = JCS_RGB;
    jpeg_start_decompress(&d);
    if (d.output_components != 3 || d.output_width > CERT_IMAGE_SIDE_MAX ||
        d.output_height > CERT_IMAGE_SIDE_MAX)
        longjmp(err.jump, 1);
    s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)d.output_width, (int)d.output_height);
    row = malloc((size_t)d.output_width * 3);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS || !row)
        longjmp(err.jump, 1);
    cairo_surface_flush(s);
    unsigned char *pix = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    while (d.output_scanline < d.output_height) {
        uint32_t *out = (uint32_t *)(pix + (size_t)d.output_scanline * (size_t)stride);
        JSAMPROW rows[1] = {row};
        jpeg_read_scanlines(&d, rows, 1);
        for (JDIMENSION i = 0; i < d.output_width; i++)
            out[i] = (uint32_t)row[3 * i] << 16 | (uint32_t)row[3 * i + 1] << 8 | row[3 * i + 2];
    }
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    free(row);
    cairo_surface_mark_dirty(s);
    return s;
}

/* Image p[0..n) of type mime as a surface (a JPEG keeps its bytes for the PDF), or NULL. */
static cairo_surface_t *image_surface(const unsigned char *p, size_t n, const char *mime)
{
    cairo_surface_t *s = NULL;
    if (!p || !n)
        return NULL;
    if (mime && strcmp(mime, "image/jpeg") == 0) {
        unsigned char *copy = (s = jpeg_surface(p, n)) ? malloc(n) : NULL;
        if (copy) { /* the surface owns it */
            memcpy(copy, p, n);
            if (cairo_surface_set_mime_data(s, CAIRO_MIME_TYPE_JPEG, copy, n, free, copy) !=
                CAIRO_STATUS_SUCCESS)
                free(copy);
        }
    } else {
        struct mem_read m = {p, n, 0};
        s = cairo_image_surface_create_from_png_stream(read_mem, &m);
        if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS ||
            cairo_image_surface_get_width(s) > CERT_IMAGE_SIDE_MAX ||
            cairo_image_surface_get_height(s) > CERT_IMAGE_SIDE_MAX) {
            cairo_surface_destroy(s);
            s = NULL;
        }
    }
    return s;
}

int cert_image_check(const unsigned char *p, size_t n, const char *mime)
{
    cairo_surface_t *s = image_surface(p, n, mime);
    if (!s)
        return -1;
    cairo_surface_destroy(s);
    return 0;
}

struct cert_style *cert_style_new(const struct cert_layout *l)
{
    struct cert_style *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->l = *l;
    st->l.background = st->l.seal = NULL;
    st->background = image_surface(l->background, l->background_len, l->background_mime);
    st->seal = image_surface(l->seal, l->seal_len, "image/png");
    return st;
}

void cert_style_free(struct cert_style *st)
{
    if (!st)
        return;
    if (st->background)
        cairo_surface_destroy(st->background);
    if (st->seal)
        cairo_surface_destroy(st->seal);
    free(st);
}

/* ------------------------------------------------------------ documents */

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

int cert_pdf(const struct cert_fields *f, size_t n, const struct cert_style *st, cert_sink sink,
             void *ctx)
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
        page(cr, &f[i], st);
        cairo_show_page(cr);
    }
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    int ok = cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS && !s.failed;
    cairo_surface_destroy(surface);
    return ok ? 0 : -1;
}

int cert_png(const struct cert_fields *f, const struct cert_style *st, int width, cert_sink sink,
             void *ctx)
{
    double k = width / PAGE_W;
    cairo_surface_t *surface =
        cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, (int)(PAGE_H * k + 0.5));
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surface);
        return -1;
    }
    cairo_t *cr = cairo_create(surface);
    cairo_scale(cr, k, k);
    page(cr, f, st);
    cairo_destroy(cr);
    struct sink_ctx s = {sink, ctx, 0};
    int ok = cairo_surface_write_to_png_stream(surface, write_out, &s) == CAIRO_STATUS_SUCCESS &&
             !s.failed;
    cairo_surface_destroy(surface);
    return ok ? 0 : -1;
}
