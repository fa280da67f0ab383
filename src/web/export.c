/*
 * export.c — the organiser's spreadsheet of a campaign's submissions.
 *
 * GET /admin/export.xlsx?region=CODE writes the current campaign's cases
 * that have left the draft state (of one region, when asked) as an XLSX
 * workbook with libxlsxwriter: a first sheet with one row per case and the
 * columns an organiser files away (a bold, frozen header row, set widths and
 * an autofilter; dates as text YYYY-MM-DD), and a second sheet of counts per
 * region.  The workbook is built and sent by xlsx_reply.h (through a
 * temporary file under <data>/tmp); the queries and the writing run on the
 * worker pool, never on a server thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "core/log.h"
#include "store/campaign.h"
#include "store/imports.h"
#include "web/import.h"
#include "web/xlsx_reply.h"
#include "web/campaigns.h"

#define EXPORT_COLS 15

/* The first sheet's columns: catalog key, width in characters, model field. */
static const struct {
    const char *key;
    double width;
    const char *field;
} columns[EXPORT_COLS] = {
    {"export_col_id", 8, "id"},
    {"export_col_region", 14, "region"},
    {"export_col_unit", 32, "unit"},
    {"export_col_title", 44, "title"},
    {"export_col_track", 20, "track"},
    {"export_col_tags", 24, "tags"},
    {"export_col_status", 10, "status"},
    {"export_col_submitted", 12, "submitted_at"},
    {"export_col_recommended", 12, "recommended_at"},
    {"export_col_screening", 14, "screening"},
    {"export_col_screening_reason", 32, "screening_reason"},
    {"export_col_contact", 10, "contact_name"},
    {"export_col_phone", 16, "contact_phone"},
    {"export_col_email", 26, "contact_email"},
    {"export_col_chars", 8, "chars"},
};

struct export_job {
    enum lang lang;
    int64_t campaign_id;
    const char *region; /* NULL: every region */
    json_t *rows;       /* store_export_cases, while the workbook is written */
    json_t *regions;    /* store_export_regions, likewise */
    char *data;         /* the workbook's bytes (malloc'd), NULL on failure */
    size_t len;
};

/* The label of a status or screening decision, by catalog key prefix; the raw value if none. */
static const char *label(enum lang lang, const char *prefix, const char *value)
{
    char key[64];
    if (!*value)
        return "";
    snprintf(key, sizeof key, "%s%s", prefix, value);
    const char *s = i18n_get(lang, key);
    return strcmp(s, key) == 0 ? value : s;
}

static void write_cases(lxw_workbook *wb, lxw_format *bold, struct export_job *j, json_t *rows)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, i18n_get(j->lang, "export_sheet_cases"));
    if (!ws)
        return;
    for (lxw_col_t c = 0; c < EXPORT_COLS; c++) {
        worksheet_set_column(ws, c, c, columns[c].width, NULL);
        worksheet_write_string(ws, 0, c, i18n_get(j->lang, columns[c].key), bold);
    }
    worksheet_freeze_panes(ws, 1, 0);
    /* Printed: A4 landscape, one page wide, the header row on every page. */
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9);
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_repeat_rows(ws, 0, 0);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        lxw_row_t y = (lxw_row_t)(i + 1);
        for (lxw_col_t c = 0; c < EXPORT_COLS; c++) {
            json_t *v = json_object_get(row, columns[c].field);
            if (json_is_integer(v)) {
                worksheet_write_number(ws, y, c, (double)json_integer_value(v), NULL);
                continue;
            }
            const char *s = json_string_value(v);
            s = s ? s : "";
            if (c == 6)
                s = label(j->lang, "export_status_", s);
            else if (c == 9)
                s = label(j->lang, "export_screening_", s);
            if (*s)
                worksheet_write_string(ws, y, c, s, NULL);
        }
    }
    worksheet_autofilter(ws, 0, 0, (lxw_row_t)json_array_size(rows), EXPORT_COLS - 1);
}

static void write_regions(lxw_workbook *wb, lxw_format *bold, struct export_job *j, json_t *regions)
{
    static const char *const keys[] = {"export_col_region_code", "export_col_region",
                                       "export_col_cases", "export_col_recommended_n",
                                       "export_col_passed_n"};
    static const double widths[] = {12, 20, 10, 10, 12};
    lxw_worksheet *ws = workbook_add_worksheet(wb, i18n_get(j->lang, "export_sheet_regions"));
    if (!ws)
        return;
    for (lxw_col_t c = 0; c < 5; c++) {
        worksheet_set_column(ws, c, c, widths[c], NULL);
        worksheet_write_string(ws, 0, c, i18n_get(j->lang, keys[c]), bold);
    }
    worksheet_freeze_panes(ws, 1, 0);
    size_t i;
    json_t *g;
    json_int_t total[3] = {0, 0, 0};
    static const char *const counts[] = {"cases", "recommended", "passed"};
    json_array_foreach(regions, i, g)
    {
        lxw_row_t y = (lxw_row_t)(i + 1);
        worksheet_write_string(ws, y, 0, json_string_value(json_object_get(g, "code")), NULL);
        worksheet_write_string(ws, y, 1, json_string_value(json_object_get(g, "name")), NULL);
        for (int c = 0; c < 3; c++) {
            json_int_t n = json_integer_value(json_object_get(g, counts[c]));
            total[c] += n;
            worksheet_write_number(ws, y, (lxw_col_t)(2 + c), (double)n, NULL);
        }
    }
    lxw_row_t y = (lxw_row_t)(json_array_size(regions) + 1);
    worksheet_write_string(ws, y, 1, i18n_get(j->lang, "export_total"), bold);
    for (int c = 0; c < 3; c++)
        worksheet_write_number(ws, y, (lxw_col_t)(2 + c), (double)total[c], bold);
}

/* The sheets of the workbook. */
static void fill(lxw_workbook *wb, lxw_format *bold, void *ctx)
{
    struct export_job *j = ctx;
    write_cases(wb, bold, j, j->rows);
    write_regions(wb, bold, j, j->regions);
}

/* On the worker pool: query, then build the workbook's bytes. */
static void export_run(void *arg)
{
    struct export_job *j = arg;
    j->rows = store_export_cases(web.store, j->campaign_id, j->region);
    j->regions = store_export_regions(web.store, j->campaign_id, j->region);
    if (j->rows && j->regions)
        j->data = xlsx_build("export", "export", fill, j, &j->len);
    else
        log_error("export: cannot query or make a temporary folder");
    json_decref(j->rows);
    json_decref(j->regions);
}

static void export_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct export_job *j = arg;
    if (xlsx_body(r, w, rc, &j->data, j->len) != 0)
        return;
    /* 案例汇总-<region>.xlsx, as RFC 6266 / RFC 5987 spell a UTF-8 name. */
    char *name = j->region ? store_import_region_name(web.store, j->region) : NULL;
    const char *fname = arena_printf(&r->arena, "%s-%s.xlsx", i18n_get(r->lang, "export_filename"),
                                     name ? name : i18n_get(r->lang, "export_all_regions"));
    free(name);
    xlsx_attach(r, w,
                arena_printf(&r->arena, "export%s%s.xlsx", j->region ? "-" : "",
                             j->region ? j->region : ""),
                fname);
}

void raw_export_xlsx(struct req *r, struct resp *w)
{
    const char *region = query_get(&r->query, "region");
    if (region && !*region)
        region = NULL;
    if (region && (strlen(region) != 6 || strspn(region, "0123456789") != 6)) {
        web_error(r, w, WEB_BAD_PARAM);
        return;
    }
    if (region && !store_import_region_known(web.store, region)) {
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    int64_t campaign_id = campaigns_chosen_req(r); /* ?campaign=, else the one being run */
    if (!campaign_id) {
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    struct export_job *j = arena_alloc(&r->arena, sizeof *j);
    if (!j) {
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    memset(j, 0, sizeof *j);
    j->lang = r->lang;
    j->campaign_id = campaign_id;
    j->region = region;
    web_work(r, w, export_run, j, export_then);
}
