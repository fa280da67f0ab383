/*
 * ranking_export.c — a review stage's spreadsheets for the organiser
 * (GET /admin/stages/{id}/export/{kind}.xlsx): its assignments, its scores
 * (one column per criterion) and its ranking with each case's numbers from
 * the stored explanation.  A review of a conflicted pair appears in none
 * (the store never reads it).  The workbook is built on the worker pool.
 *
 * Everything an organiser reads is in words of the request's language: the
 * headers, the states of assignments and reviews (never the stored slugs),
 * times in Beijing time; scores with two decimals, the chance of advancing
 * as a percentage, and the ranking's second sheet explains its figures.
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
    int pct_col; /* the column shown as a percentage, or -1 */
    char *data;  /* the workbook (malloc'd) or NULL */
    size_t len;
};

/* The cell formats of a sheet's numbers: fractions with two decimals, one column in percent. */
struct formats {
    lxw_format *dec2, *pct;
    int pct_col;
};

/* One sheet: the header row (bold, frozen, filtered) and rows of JSON values. */
static void write_sheet(lxw_workbook *wb, lxw_format *bold, const struct formats *fm,
                        const char *name, json_t *header, json_t *rows)
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
                worksheet_write_number(ws, y, (lxw_col_t)c, json_number_value(v),
                                       (int)c == fm->pct_col ? fm->pct
                                       : json_is_real(v)     ? fm->dec2
                                                             : NULL);
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

/* The legend of the ranking sheet: each figure's column and what it means. */
static void legend_sheet(lxw_workbook *wb, lxw_format *bold, struct export *x)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, i18n_get(x->lang, "alist_sheet_legend"));
    if (!ws)
        return;
    char rule[64];
    snprintf(rule, sizeof rule, "ranking_rule_%s", x->stage->base.aggregation);
    const char *rows[][2] = {
        {i18n_get(x->lang, "ranking_col_raw"), i18n_get(x->lang, "alist_legend_raw")},
        {i18n_get(x->lang, rule), i18n_get(x->lang, "alist_legend_rule")},
        {i18n_get(x->lang, "ranking_col_normalised"), i18n_get(x->lang, "alist_legend_normalised")},
        {i18n_get(x->lang, "ranking_col_votes_scaled"), i18n_get(x->lang, "alist_legend_votes")},
        {i18n_get(x->lang, "ranking_col_blended"), i18n_get(x->lang, "alist_legend_blended")},
        {i18n_get(x->lang, "ranking_col_below_quorum"), i18n_get(x->lang, "alist_legend_quorum")},
        {i18n_get(x->lang, "ranking_col_proposed"), i18n_get(x->lang, "alist_legend_proposed")},
        {i18n_get(x->lang, "ranking_col_advanced"), i18n_get(x->lang, "alist_legend_advanced")},
        {i18n_get(x->lang, "ranking_col_borderline"), i18n_get(x->lang, "alist_legend_borderline")},
        {i18n_get(x->lang, "ranking_col_p"), i18n_get(x->lang, "alist_legend_p")},
    };
    worksheet_set_column(ws, 0, 0, 18, NULL);
    worksheet_set_column(ws, 1, 1, 90, NULL);
    worksheet_write_string(ws, 0, 0, i18n_get(x->lang, "alist_legend_col"), bold);
    worksheet_write_string(ws, 0, 1, i18n_get(x->lang, "alist_legend_meaning"), bold);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        worksheet_write_string(ws, (lxw_row_t)(i + 1), 0, rows[i][0], NULL);
        worksheet_write_string(ws, (lxw_row_t)(i + 1), 1, rows[i][1], NULL);
    }
}

/* A stored state in words: the catalog's prefix+value, or the empty value's word. */
static json_t *state_word(enum lang lang, const char *prefix, json_t *v, const char *empty)
{
    const char *s = json_string_value(v);
    char key[64];
    snprintf(key, sizeof key, "%s%s", prefix, s && *s ? s : empty);
    const char *w = i18n_get(lang, key);
    return json_string(strcmp(w, key) == 0 ? (s ? s : "") : w);
}

/* Replace column col of every row with its state in words. */
static void words_in(json_t *rows, size_t col, enum lang lang, const char *prefix,
                     const char *empty)
{
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
        json_array_set_new(row, col, state_word(lang, prefix, json_array_get(row, col), empty));
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
        for (size_t k = 0; k < sizeof from_ex / sizeof from_ex[0]; k++) {
            json_t *v = json_object_get(ex, from_ex[k]);
            if (!strcmp(from_ex[k], "votes") && json_is_number(v)) /* a count, stored as real */
                json_array_append_new(row, json_integer((json_int_t)json_number_value(v)));
            else
                append_value(row, v);
        }
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
    struct formats fm = {workbook_add_format(wb), workbook_add_format(wb), x->pct_col};
    format_set_num_format(fm.dec2, "0.00");
    format_set_num_format(fm.pct, "0%");
    char key[64];
    snprintf(key, sizeof key, "ranking_export_%s", x->kind);
    write_sheet(wb, bold, &fm, i18n_get(x->lang, key), x->header, x->rows);
    if (!strcmp(x->kind, "ranking"))
        legend_sheet(wb, bold, x);
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
    x->pct_col = -1;
    if (!strcmp(x->kind, "assignments")) {
        header = header_of(x->lang, h_assign, sizeof h_assign / sizeof h_assign[0]);
        rows = store_ranking_export_assignments(web.store, x->stage->base.id);
        words_in(rows, 7, x->lang, "alist_assignment_", "proposed");
        words_in(rows, 8, x->lang, "alist_review_", "none");
    } else if (!strcmp(x->kind, "scores")) {
        header = header_of(x->lang, h_scores, sizeof h_scores / sizeof h_scores[0]);
        json_t *sc = store_ranking_export_scores(web.store, x->stage->base.id);
        if (sc) {
            json_array_extend(header, json_object_get(sc, "criteria"));
            rows = json_incref(json_object_get(sc, "rows"));
            words_in(rows, 4, x->lang, "alist_review_", "none");
            json_decref(sc);
        }
    } else {
        header = header_of(x->lang, h_rank, sizeof h_rank / sizeof h_rank[0]);
        /* The column of the stage's rule is named by the rule (平均分, 中位数, 去尾平均分). */
        char rule[64];
        snprintf(rule, sizeof rule, "ranking_rule_%s", x->stage->base.aggregation);
        json_array_set_new(header, 7, json_string(i18n_get(x->lang, rule)));
        x->pct_col = (int)(sizeof h_rank / sizeof h_rank[0]) - 1;
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
