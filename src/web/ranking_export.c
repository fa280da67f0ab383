/*
 * ranking_export.c — a review stage's spreadsheets for the organiser
 * (GET /admin/stages/{id}/export/{kind}.xlsx): its assignments, its scores
 * (one column per criterion) and its ranking with each case's numbers from
 * the stored explanation.  A review of a conflicted pair appears in none
 * (the store never reads it).  The workbook is built on the worker pool.
 */
#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

#include "core/log.h"
#include "store/ranking.h"
#include "web/ranking.h"
#include "web/xlsx_reply.h"

struct export
{
    enum lang lang;
    struct ranking_stage *stage;
    const char *kind; /* assignments / scores / ranking */
    json_t *header;   /* the sheet's header and rows, while it is written */
    json_t *rows;
    char *data; /* the workbook (malloc'd) or NULL */
    size_t len;
};

/* One sheet: the header row (bold, frozen, filtered) and rows of JSON values. */
static void write_sheet(lxw_workbook *wb, lxw_format *bold, const char *name, json_t *header,
                        json_t *rows)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    if (!ws)
        return;
    size_t c, i;
    json_t *h, *row, *v;
    json_array_foreach(header, c, h)
    {
        const char *s = json_string_value(h);
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c,
                             s && strlen(s) > 12 ? (double)strlen(s) : 12, NULL);
        worksheet_write_string(ws, 0, (lxw_col_t)c, s ? s : "", bold);
    }
    worksheet_freeze_panes(ws, 1, 0);
    json_array_foreach(rows, i, row)
    {
        lxw_row_t y = (lxw_row_t)(i + 1);
        json_array_foreach(row, c, v)
        {
            if (json_is_number(v))
                worksheet_write_number(ws, y, (lxw_col_t)c, json_number_value(v), NULL);
            else if (json_is_string(v) && *json_string_value(v))
                worksheet_write_string(ws, y, (lxw_col_t)c, json_string_value(v), NULL);
            else if (json_is_boolean(v))
                worksheet_write_string(ws, y, (lxw_col_t)c, json_is_true(v) ? "✓" : "", NULL);
        }
    }
    if (json_array_size(header))
        worksheet_autofilter(ws, 0, 0, (lxw_row_t)json_array_size(rows),
                             (lxw_col_t)(json_array_size(header) - 1));
}

/* Header of catalog keys. */
static json_t *header_of(enum lang lang, const char *const *keys, size_t n)
{
    json_t *h = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(h, json_string(i18n_get(lang, keys[i])));
    return h;
}

/* Append v (or null when missing) to the array row, keeping the columns in place. */
static void append_value(json_t *row, json_t *v)
{
    json_array_append_new(row, v ? json_incref(v) : json_null());
}

/* The ranking sheet's rows from the stored results. */
static json_t *ranking_rows(struct export *x)
{
    json_t *results = store_ranking_results(web.store, x->stage->base.id);
    if (!results)
        return NULL;
    json_t *rows = json_array();
    size_t i;
    json_t *res;
    json_array_foreach(results, i, res)
    {
        json_t *ex = json_object_get(res, "explanation");
        json_t *row = json_array();
        static const char *const from_res[] = {"rank", "case_id", "title", "region", "unit"};
        static const char *const from_ex[] = {"n",          "raw_mean",     "trimmed",
                                              "normalised", "votes",        "votes_scaled",
                                              "blended",    "below_quorum", "proposed"};
        for (size_t k = 0; k < sizeof from_res / sizeof from_res[0]; k++)
            append_value(row, json_object_get(res, from_res[k]));
        for (size_t k = 0; k < sizeof from_ex / sizeof from_ex[0]; k++)
            append_value(row, json_object_get(ex, from_ex[k]));
        append_value(row, json_object_get(res, "advanced"));
        append_value(row, json_object_get(res, "borderline"));
        append_value(row, json_object_get(ex, "p_advance"));
        json_array_append_new(rows, row);
    }
    json_decref(results);
    return rows;
}

/* The export's one sheet, named by its kind. */
static void fill(lxw_workbook *wb, lxw_format *bold, void *ctx)
{
    struct export *x = ctx;
    char key[64];
    snprintf(key, sizeof key, "ranking_export_%s", x->kind);
    write_sheet(wb, bold, i18n_get(x->lang, key), x->header, x->rows);
}

static void export_run(void *arg)
{
    struct export *x = arg;
    static const char *const h_assign[] = {"ranking_col_case",
                                           "ranking_col_title",
                                           "ranking_col_region",
                                           "ranking_col_unit",
                                           "ranking_col_reviewer",
                                           "ranking_col_email",
                                           "ranking_col_reviewer_region",
                                           "ranking_col_assignment",
                                           "ranking_col_review",
                                           "ranking_col_total"};
    static const char *const h_scores[] = {
        "ranking_col_case",   "ranking_col_title", "ranking_col_region",    "ranking_col_reviewer",
        "ranking_col_review", "ranking_col_total", "ranking_col_submitted", "ranking_col_comment"};
    static const char *const h_rank[] = {"ranking_col_rank",
                                         "ranking_col_case",
                                         "ranking_col_title",
                                         "ranking_col_region",
                                         "ranking_col_unit",
                                         "ranking_col_n",
                                         "ranking_col_raw",
                                         "ranking_col_trimmed",
                                         "ranking_col_normalised",
                                         "ranking_col_votes",
                                         "ranking_col_votes_scaled",
                                         "ranking_col_blended",
                                         "ranking_col_below_quorum",
                                         "ranking_col_proposed",
                                         "ranking_col_advanced",
                                         "ranking_col_borderline",
                                         "ranking_col_p"};
    json_t *header = NULL, *rows = NULL;
    if (!strcmp(x->kind, "assignments")) {
        header = header_of(x->lang, h_assign, sizeof h_assign / sizeof h_assign[0]);
        rows = store_ranking_export_assignments(web.store, x->stage->base.id);
    } else if (!strcmp(x->kind, "scores")) {
        header = header_of(x->lang, h_scores, sizeof h_scores / sizeof h_scores[0]);
        json_t *sc = store_ranking_export_scores(web.store, x->stage->base.id);
        if (sc) {
            json_array_extend(header, json_object_get(sc, "criteria"));
            rows = json_incref(json_object_get(sc, "rows"));
            json_decref(sc);
        }
    } else {
        header = header_of(x->lang, h_rank, sizeof h_rank / sizeof h_rank[0]);
        rows = ranking_rows(x);
    }
    x->header = header;
    x->rows = rows;
    if (rows)
        x->data = xlsx_build("ranking export", "ranking", fill, x, &x->len);
    else
        log_error("ranking export: cannot query or make a temporary folder");
    json_decref(header);
    json_decref(rows);
}

static void export_then(struct req *r, struct resp *w, int rc, void *arg)
{
    struct export *x = arg;
    if (xlsx_body(r, w, rc, &x->data, x->len) != 0)
        return;
    char key[64];
    snprintf(key, sizeof key, "ranking_export_%s", x->kind);
    xlsx_attach(
        r, w, arena_printf(&r->arena, "stage-%lld-%s.xlsx", (long long)x->stage->base.id, x->kind),
        arena_printf(&r->arena, "%s-%s.xlsx", x->stage->base.name, i18n_get(r->lang, key)));
}

void raw_ranking_export(struct req *r, struct resp *w)
{
    enum web_err e;
    struct ranking_stage *s = ranking_stage_of(r, r->params[0], &e);
    if (!s) {
        web_error(r, w, e);
        return;
    }
    static const char *const kinds[] = {"assignments", "scores", "ranking"};
    const char *kind = NULL;
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(kinds[i]);
        if (strncmp(r->params[1], kinds[i], n) == 0 && strcmp(r->params[1] + n, ".xlsx") == 0)
            kind = kinds[i];
    }
    if (!kind) {
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    struct export *x = arena_alloc(&r->arena, sizeof *x);
    if (!x) {
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    *x = (struct export){.lang = r->lang, .stage = s, .kind = kind};
    web_work(r, w, export_run, x, export_then);
}
