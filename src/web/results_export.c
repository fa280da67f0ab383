/*
 * results_export.c — GET /results.xlsx: the published results of the
 * public campaign as a spreadsheet anyone may download, with the page's own
 * words (Chinese headers by default, English with ?lang=en; no codes).
 *
 * Two sheets: the totals by region (one column per tier, then the total,
 * and a last row of totals) and the list of awarded cases (tier, number
 * within the tier, title, unit, region, track).  The workbook is built on
 * the worker pool (xlsx_reply.h).
 */
#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

#include "core/log.h"
#include "web/news.h"
#include "web/xlsx_reply.h"

struct results_export {
    enum lang lang;
    json_t *results; /* store_results */
    char *campaign;
    char *data;
    size_t len;
};

static void header(lxw_worksheet *ws, lxw_format *bold, lxw_col_t col, const char *text,
                   double width)
{
    worksheet_set_column(ws, col, col, width, NULL);
    worksheet_write_string(ws, 0, col, text, bold);
}

static void region_sheet(lxw_workbook *wb, lxw_format *bold, struct results_export *x)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, i18n_get(x->lang, "results_sheet_regions"));
    if (!ws)
        return;
    json_t *tiers = json_object_get(x->results, "tiers");
    size_t nt = json_array_size(tiers), i, k;
    json_t *t, *g;
    header(ws, bold, 0, i18n_get(x->lang, "region"), 16);
    json_array_foreach(tiers, k, t)
        header(ws, bold, (lxw_col_t)(k + 1), json_string_value(json_object_get(t, "name")), 12);
    header(ws, bold, (lxw_col_t)(nt + 1), i18n_get(x->lang, "results_total"), 10);
    worksheet_freeze_panes(ws, 1, 0);
    lxw_row_t y = 1;
    json_int_t sums[64] = {0}, all = 0;
    json_array_foreach(json_object_get(x->results, "regions"), i, g)
    {
        json_int_t awarded = json_integer_value(json_object_get(g, "awarded"));
        if (!awarded)
            continue;
        worksheet_write_string(ws, y, 0, json_string_value(json_object_get(g, "name")), NULL);
        json_array_foreach(tiers, k, t)
        {
            json_int_t n = json_integer_value(json_object_get(
                json_object_get(g, "awards"), json_string_value(json_object_get(t, "slug"))));
            worksheet_write_number(ws, y, (lxw_col_t)(k + 1), (double)n, NULL);
            if (k < 64)
                sums[k] += n;
        }
        worksheet_write_number(ws, y, (lxw_col_t)(nt + 1), (double)awarded, NULL);
        all += awarded;
        y++;
    }
    worksheet_write_string(ws, y, 0, i18n_get(x->lang, "results_total"), bold);
    for (k = 0; k < nt && k < 64; k++)
        worksheet_write_number(ws, y, (lxw_col_t)(k + 1), (double)sums[k], bold);
    worksheet_write_number(ws, y, (lxw_col_t)(nt + 1), (double)all, bold);
}

static void list_sheet(lxw_workbook *wb, lxw_format *bold, struct results_export *x)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, i18n_get(x->lang, "results_sheet_list"));
    if (!ws)
        return;
    static const char *const keys[] = {
        "results_col_tier", "results_col_number", "results_col_title", "results_col_unit",
        "region",           "results_col_track"};
    static const double widths[] = {12, 8, 48, 36, 14, 20};
    for (size_t c = 0; c < 6; c++)
        header(ws, bold, (lxw_col_t)c, i18n_get(x->lang, keys[c]), widths[c]);
    worksheet_freeze_panes(ws, 1, 0);
    lxw_row_t y = 1;
    size_t k, i;
    json_t *t, *c;
    json_array_foreach(json_object_get(x->results, "tiers"), k, t)
    {
        const char *tier = json_string_value(json_object_get(t, "name"));
        json_array_foreach(json_object_get(t, "items"), i, c)
        {
            worksheet_write_string(ws, y, 0, tier, NULL);
            worksheet_write_number(ws, y, 1, (double)(i + 1), NULL);
            worksheet_write_string(ws, y, 2, json_string_value(json_object_get(c, "title")), NULL);
            worksheet_write_string(
                ws, y, 3, json_string_value(json_object_get(json_object_get(c, "unit"), "name")),
                NULL);
            worksheet_write_string(
                ws, y, 4, json_string_value(json_object_get(json_object_get(c, "region"), "name")),
                NULL);
            worksheet_write_string(
                ws, y, 5, json_string_value(json_object_get(json_object_get(c, "track"), "name")),
                NULL);
            y++;
        }
    }
    if (y > 1)
        worksheet_autofilter(ws, 0, 0, y - 1, 5);
}

static void fill(lxw_workbook *wb, lxw_format *bold, void *ctx)
{
    region_sheet(wb, bold, ctx);
    list_sheet(wb, bold, ctx);
}

static void export_run(void *arg)
{
    struct results_export *x = arg;
    x->results = store_results(web.store);
    if (x->results)
        x->data = xlsx_build("results export", "results", fill, x, &x->len);
    else
        log_error("results export: cannot read the results");
}

static void export_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct results_export *x = arg;
    json_decref(x->results);
    x->results = NULL;
    if (xlsx_body(r, w, rc, &x->data, x->len) != 0)
        return;
    xlsx_attach(
        r, w, "results.xlsx",
        arena_printf(&r->arena, "%s-%s.xlsx", x->campaign, i18n_get(r->lang, "nav_results")));
}

void raw_results_xlsx(struct req *r, struct resp *w)
{
    json_t *c = store_campaign(web.store);
    struct results_export *x = c ? arena_alloc(&r->arena, sizeof *x) : NULL;
    if (!x) {
        json_decref(c);
        web_error(r, w, c ? WEB_INTERNAL : WEB_NOT_FOUND);
        return;
    }
    *x = (struct results_export){.lang = r->lang};
    x->campaign = arena_strdup(&r->arena, json_string_value(json_object_get(c, "name")));
    json_decref(c);
    web_work(r, w, export_run, x, export_then);
}
