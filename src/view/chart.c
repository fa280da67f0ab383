/*
 * chart.c — the results chart: awards by region as a server-rendered SVG of
 * horizontal stacked bars (one colour per tier), most awarded first, so the
 * page needs no JavaScript.  Every name is XML-escaped; the result is safe
 * to print raw.
 */
#include <stdlib.h>
#include <string.h>

#include "view/chart.h"

#include "core/buf.h"
#include "view/i18n.h"

/*
 * Drawn narrow and in a large type: the SVG scales to the column's width,
 * and on a phone (about 360 px) its labels still read at 12 px or more.
 */
#define ROW_H 26
#define LABEL_W 140
#define BAR_W 250
#define FONT 15
#define LEGEND_PER_ROW 3
#define LEGEND_W 140
#define LEGEND_H 22
#define TOP 34

static const char *const tier_colours[] = {"#b3261e", "#e8a33d", "#6b8e23", "#4a6fa5"};

static int by_awarded_desc(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t ax = json_integer_value(json_object_get(x, "awarded"));
    json_int_t ay = json_integer_value(json_object_get(y, "awarded"));
    if (ax != ay)
        return ax < ay ? 1 : -1;
    return strcmp(json_string_value(json_object_get(x, "code")),
                  json_string_value(json_object_get(y, "code")));
}

json_t *chart_awards_svg(json_t *regions, json_t *tiers, enum lang lang)
{
    size_t n = 0, i;
    json_t *g;
    json_t **rows = calloc(json_array_size(regions) + 1, sizeof *rows);
    if (!rows)
        return json_string("");
    json_int_t max = 1;
    json_array_foreach(regions, i, g)
    {
        json_int_t a = json_integer_value(json_object_get(g, "awarded"));
        if (a > 0)
            rows[n++] = g;
        if (a > max)
            max = a;
    }
    qsort(rows, n, sizeof *rows, by_awarded_desc);
    int legend_rows = json_array_size(tiers) ? ((int)json_array_size(tiers) - 1) / LEGEND_PER_ROW : 0;
    int top = TOP + legend_rows * LEGEND_H;
    int height = top + (int)n * ROW_H + 10;
    int width = LABEL_W + BAR_W + 50;
    struct buf b = BUF_INIT;
    buf_init(&b, 0);
    const char *title = i18n_get(lang, "chart_title");
    buf_printf(&b,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
               "class=\"chart\" role=\"img\" aria-labelledby=\"chart-title\">"
               "<title id=\"chart-title\">",
               width, height);
    buf_html(&b, title, strlen(title));
    buf_puts(&b, "</title>");
    /* The legend, LEGEND_PER_ROW tiers a line. */
    size_t k;
    json_t *t;
    json_array_foreach(tiers, k, t)
    {
        const char *name = json_string_value(json_object_get(t, "name"));
        int x = 8 + (int)(k % LEGEND_PER_ROW) * LEGEND_W, y = 6 + (int)(k / LEGEND_PER_ROW) * LEGEND_H;
        buf_printf(&b, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\"/>", x, y,
                   tier_colours[k % 4]);
        buf_printf(&b, "<text x=\"%d\" y=\"%d\" font-size=\"%d\">", x + 20, y + 13, FONT);
        buf_html(&b, name, strlen(name));
        buf_puts(&b, "</text>");
    }
    for (i = 0; i < n; i++) {
        int y = top + (int)i * ROW_H;
        const char *name = json_string_value(json_object_get(rows[i], "name"));
        buf_printf(&b, "<text x=\"%d\" y=\"%d\" font-size=\"%d\" text-anchor=\"end\">",
                   LABEL_W - 8, y + 18, FONT);
        buf_html(&b, name, strlen(name));
        buf_puts(&b, "</text>");
        int bx = LABEL_W;
        json_t *awards = json_object_get(rows[i], "awards");
        json_array_foreach(tiers, k, t)
        {
            json_int_t c = json_integer_value(
                json_object_get(awards, json_string_value(json_object_get(t, "slug"))));
            int w = (int)(c * BAR_W / max);
            if (w > 0)
                buf_printf(&b,
                           "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>",
                           bx, y + 3, w, ROW_H - 6, tier_colours[k % 4]);
            bx += w;
        }
        buf_printf(&b, "<text x=\"%d\" y=\"%d\" font-size=\"%d\">%lld</text>", bx + 6, y + 18, FONT,
                   (long long)json_integer_value(json_object_get(rows[i], "awarded")));
    }
    buf_puts(&b, "</svg>");
    free(rows);
    json_t *s = json_stringn(b.p ? b.p : "", b.len);
    buf_release(&b);
    return s;
}
