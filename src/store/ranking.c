/*
 * ranking.c — the results of review stages in the store; see ranking.h.
 * Written over the driver (db.h): it runs on SQLite and on PostgreSQL.
 *
 * Reads run on the calling thread (a server thread for the pages, the
 * worker pool for a ranking or an export, the main thread for `laurel
 * rank`).  The ranking's input is two queries: the pool with each case's
 * earlier result and votes, and the stage's submitted reviews, both ordered
 * by case id so that one merge walk maps reviews onto cases.  Writes are
 * compare-and-set on the stage's state, so two organisers ranking or
 * advancing at once cannot both succeed.
 *
 * What the organiser's table counts of a stored result (proposed, below
 * the quorum) is kept in a stage_case_flag row beside the case's stage_case
 * row, whose explanation holds it too, so the scan of the pool reads no
 * JSON (SQLite's json_extract has no twin on PostgreSQL); a case's
 * sections are joined in C, not by group_concat.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/ranking.h"
#include "store/store_int.h"

/* A review that counts: submitted, with a total, and of no conflicted pair. */
#define NO_CONFLICT                                                                                \
    "NOT EXISTS (SELECT 1 FROM conflict k WHERE k.case_id = r.case_id "                            \
    "AND k.user_id = r.user_id) "                                                                  \
    "AND coalesce(rv.region_code, '') <> c.region_code "                                           \
    "AND coalesce(rv.unit_id, 0) <> c.unit_id "

/*
 * The settings are the review store's (store_review_stage); this adds the
 * stage's neighbours.  out is zeroed first, so it is all zero on a failure.
 */
int store_ranking_stage(struct store *st, int64_t id, struct ranking_stage *out)
{
    static const char sql[] =
        "SELECT "
        "(SELECT p.id FROM stage p WHERE p.campaign_id = s.campaign_id AND p.kind = 'review' "
        " AND p.seq < s.seq ORDER BY p.seq DESC LIMIT 1), "
        "(SELECT p.seq FROM stage p WHERE p.campaign_id = s.campaign_id AND p.kind = 'review' "
        " AND p.seq < s.seq ORDER BY p.seq DESC LIMIT 1), "
        "n.id, n.state, n.name "
        "FROM stage s LEFT JOIN stage n ON n.campaign_id = s.campaign_id AND n.seq = "
        " (SELECT min(x.seq) FROM stage x WHERE x.campaign_id = s.campaign_id AND x.seq > s.seq) "
        "WHERE s.id = ?1";
    struct db_stmt *s = NULL;
    int step;
    memset(out, 0, sizeof *out);
    int rc = store_review_stage(st, id, &out->base);
    if (rc != RC_OK)
        goto fail;
    if (!(s = store_stmt(st, sql))) {
        rc = RC_ERROR;
        goto fail;
    }
    db_bind_int64(s, 1, id);
    if ((step = db_step(s)) != DB_ROW) {
        db_reset(s);
        rc = step == DB_DONE ? RC_NOTFOUND : RC_ERROR;
        goto fail;
    }
    out->prev_id = db_column_int64(s, 0);
    out->prev_seq = (int)db_column_int64(s, 1);
    out->next_id = db_column_int64(s, 2);
    int next_state = out->next_id ? stage_state_parse(db_text(s, 3)) : STAGE_SETUP;
    db_copy_text(out->next_name, sizeof out->next_name, s, 4);
    db_reset(s);
    if (next_state < 0) {
        rc = RC_ERROR;
        goto fail;
    }
    out->next_state = (enum stage_state)next_state;
    return RC_OK;
fail:
    memset(out, 0, sizeof *out);
    return rc;
}

int64_t store_ranking_stage_by_seq(struct store *st, int64_t campaign_id, int seq)
{
    static const char sql[] = "SELECT id FROM stage WHERE campaign_id = ?1 AND seq = ?2";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return 0;
    db_bind_int64(s, 1, campaign_id);
    db_bind_int64(s, 2, seq);
    int64_t id = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
    db_reset(s);
    return id;
}

void ranking_input_free(struct ranking_input *in)
{
    if (!in)
        return;
    free(in->cases);
    free(in->case_ids);
    free(in->has_earlier);
    free(in->scores);
    free(in->reviewer_ids);
    memset(in, 0, sizeof *in);
}

/* Grow *p (of *cap elements of size sz) to hold at least need; 0 or -1. */
static int grow(void **p, int *cap, int need, size_t sz)
{
    if (need <= *cap)
        return 0;
    int n = *cap ? *cap * 2 : 256;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, (size_t)n * sz);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

/* The index of key in the distinct keys[0..*n) (linear: regions and tracks are few). */
static int key_index(char (*keys)[24], int *n, const char *key)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(keys[i], key) == 0)
            return i;
    snprintf(keys[*n], sizeof keys[0], "%s", key);
    return (*n)++;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int store_ranking_input(struct store *st, const struct ranking_stage *stg, struct ranking_input *in)
{
    static const char sql_cases[] =
        "SELECT c.id, c.region_code, c.track_id, p.score, "
        "coalesce((SELECT sum(v.votes) FROM vote_total v JOIN stage e ON e.id = v.stage_id "
        " WHERE v.case_id = c.id AND e.campaign_id = ?2 AND e.kind = 'exhibition' "
        " AND e.seq > ?3 AND e.seq < ?4), 0) "
        "FROM stage_case sc JOIN \"case\" c ON c.id = sc.case_id "
        "LEFT JOIN stage_case p ON p.stage_id = ?5 AND p.case_id = c.id "
        "WHERE sc.stage_id = ?1 ORDER BY c.id";
    static const char sql_scores[] =
        "SELECT r.case_id, r.user_id, r.total FROM review r "
        "JOIN stage_case sc ON sc.stage_id = r.stage_id AND sc.case_id = r.case_id "
        "JOIN \"case\" c ON c.id = r.case_id LEFT JOIN reviewer rv ON rv.user_id = r.user_id "
        "WHERE r.stage_id = ?1 AND r.status = 'submitted' AND r.total IS NOT NULL AND " NO_CONFLICT
        "ORDER BY r.case_id, r.user_id";
    int cap = 0, scap = 0, ngroups = 0, rc = RC_ERROR;
    char(*groups)[24] = NULL;
    int64_t *users = NULL;
    memset(in, 0, sizeof *in);

    struct db_stmt *s = store_stmt(st, sql_cases);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stg->base.id);
    db_bind_int64(s, 2, stg->base.campaign_id);
    db_bind_int64(s, 3, stg->prev_seq);
    db_bind_int64(s, 4, stg->base.seq);
    db_bind_int64(s, 5, stg->prev_id);
    int per_region = strcmp(stg->base.advance_rule, "top_per_region") == 0;
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        int i = in->ncases;
        if (i == cap) {
            /* The per-case arrays grow together, to one capacity. */
            int c1 = cap, c2 = cap, c3 = cap;
            if (grow((void **)&in->cases, &c1, i + 1, sizeof *in->cases) ||
                grow((void **)&in->case_ids, &c2, i + 1, sizeof *in->case_ids) ||
                grow((void **)&in->has_earlier, &c3, i + 1, sizeof *in->has_earlier))
                goto out_stmt;
            cap = c1;
        }
        int64_t id = db_column_int64(s, 0);
        in->case_ids[i] = id;
        char key[24];
        if (per_region)
            db_copy_text(key, sizeof key, s, 1);
        else
            snprintf(key, sizeof key, "%lld", (long long)db_column_int64(s, 2));
        if (ngroups % 64 == 0) {
            void *q = realloc(groups, ((size_t)ngroups + 64) * sizeof *groups);
            if (!q)
                goto out_stmt;
            groups = q;
        }
        int null_earlier = db_column_type(s, 3) == DB_NULL;
        int64_t votes = db_column_int64(s, 4); /* a sum: numeric on PostgreSQL */
        in->has_earlier[i] = !null_earlier;
        in->cases[i] = (struct rank_case){
            .id = (int)id,
            .group = key_index(groups, &ngroups, key),
            .earlier = null_earlier ? 0 : db_column_double(s, 3),
            .votes = votes > 0 ? (double)votes : 0,
        };
        in->ncases++;
    }
    if (step != DB_DONE)
        goto out_stmt;
    db_reset(s);

    s = store_stmt(st, sql_scores);
    if (!s)
        goto out;
    db_bind_int64(s, 1, stg->base.id);
    int at = 0, ucap = 0;
    while ((step = db_step(s)) == DB_ROW) {
        int64_t cid = db_column_int64(s, 0);
        while (at < in->ncases && in->case_ids[at] < cid)
            at++;
        if (at == in->ncases || in->case_ids[at] != cid)
            continue; /* cannot happen: the join keeps pool cases only */
        int k = in->nscores;
        int u2 = ucap;
        if (grow((void **)&in->scores, &scap, k + 1, sizeof *in->scores) ||
            grow((void **)&users, &u2, k + 1, sizeof *users))
            goto out_stmt;
        ucap = u2;
        users[k] = db_column_int64(s, 1);
        in->scores[k] =
            (struct rank_score){.kase = at, .reviewer = 0, .score = db_column_double(s, 2)};
        in->nscores++;
    }
    if (step != DB_DONE)
        goto out_stmt;
    db_reset(s);

    /* Reviewers: the distinct user ids, sorted; each score's index by binary search. */
    in->reviewer_ids = malloc(((size_t)in->nscores + 1) * sizeof *in->reviewer_ids);
    if (!in->reviewer_ids)
        goto out;
    if (in->nscores)
        memcpy(in->reviewer_ids, users, (size_t)in->nscores * sizeof *users);
    qsort(in->reviewer_ids, (size_t)in->nscores, sizeof *in->reviewer_ids, cmp_i64);
    int nr = 0;
    for (int k = 0; k < in->nscores; k++)
        if (nr == 0 || in->reviewer_ids[nr - 1] != in->reviewer_ids[k])
            in->reviewer_ids[nr++] = in->reviewer_ids[k];
    in->nreviewers = nr;
    for (int k = 0; k < in->nscores; k++) {
        int64_t *f = bsearch(&users[k], in->reviewer_ids, (size_t)nr, sizeof *users, cmp_i64);
        in->scores[k].reviewer = (int)(f - in->reviewer_ids);
    }
    rc = RC_OK;
    goto out;
out_stmt:
    db_reset(s);
out:
    free(groups);
    free(users);
    if (rc != RC_OK)
        ranking_input_free(in);
    return rc;
}

#define RESULT_COLS                                                                                \
    "SELECT sc.case_id, c.title, g.name, c.region_code, u.name, t.name, sc.score, sc.rank, "       \
    "sc.advanced, sc.borderline, sc.explanation "                                                  \
    "FROM stage_case sc JOIN \"case\" c ON c.id = sc.case_id "                                     \
    "JOIN region g ON g.code = c.region_code JOIN unit u ON u.id = c.unit_id "                     \
    "LEFT JOIN track t ON t.id = c.track_id "

static json_t *result_row(struct db_stmt *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "case_id", json_integer(db_column_int64(s, 0)));
    json_object_set_new(o, "title", db_jtext(s, 1));
    json_object_set_new(o, "region", db_jtext(s, 2));
    json_object_set_new(o, "region_code", db_jtext(s, 3));
    json_object_set_new(o, "unit", db_jtext(s, 4));
    json_object_set_new(o, "track", db_jtext(s, 5));
    json_object_set_new(o, "score", db_jreal(s, 6));
    json_object_set_new(o, "rank", db_jint(s, 7));
    json_object_set_new(o, "advanced", json_boolean((int)db_column_int64(s, 8)));
    json_object_set_new(o, "borderline", json_boolean((int)db_column_int64(s, 9)));
    json_t *ex = NULL;
    if (db_column_type(s, 10) != DB_NULL)
        ex = json_loads(db_text(s, 10), 0, NULL);
    json_object_set_new(o, "explanation", ex ? ex : json_null());
    return o;
}

json_t *store_ranking_results(struct store *st, int64_t stage_id)
{
    static const char sql[] =
        RESULT_COLS "WHERE sc.stage_id = ?1 ORDER BY sc.rank IS NULL, sc.rank, sc.case_id";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(a, result_row(s));
    db_reset(s);
    return a;
}

/*
 * One pass over the pool, best first, with what the counts need and
 * whether the row matches ?2 (region) and ?3/?4 (search: a text is found
 * in another where taking it out changes it, as instr() on SQLite and
 * strpos() on PostgreSQL would say); then only the rows of the page are
 * read whole.
 */
static const char SQL_PAGE_SCAN[] =
    "SELECT sc.case_id, sc.rank IS NOT NULL AND sc.explanation IS NOT NULL, sc.advanced, "
    "sc.borderline, coalesce(f.proposed, 0), coalesce(f.below_quorum, 0), "
    "(CAST(?2 AS TEXT) IS NULL OR c.region_code = ?2) AND (CAST(?3 AS TEXT) IS NULL "
    " OR replace(lower(c.title), lower(?3), '') <> lower(c.title) "
    " OR replace(lower(u.name), lower(?3), '') <> lower(u.name) OR sc.case_id = ?4) "
    "FROM stage_case sc JOIN \"case\" c ON c.id = sc.case_id JOIN unit u ON u.id = c.unit_id "
    "LEFT JOIN stage_case_flag f ON f.stage_id = sc.stage_id AND f.case_id = sc.case_id "
    "WHERE sc.stage_id = ?1 ORDER BY sc.rank IS NULL, sc.rank, sc.case_id";

void ranking_page_free(struct ranking_page *p)
{
    json_decref(p->rows);
    memset(p, 0, sizeof *p);
}

/* Append the stored result of each case of ids to a (the organiser's row). */
static int page_rows(struct store *st, int64_t stage_id, const int64_t *ids, int n, json_t *a)
{
    for (int i = 0; i < n; i++) {
        json_t *o = store_ranking_result(st, stage_id, ids[i]);
        if (!o)
            return RC_ERROR;
        json_array_append_new(a, o);
    }
    return RC_OK;
}

int store_ranking_page(struct store *st, int64_t stage_id, const struct ranking_filter *f,
                       struct ranking_page *out)
{
    memset(out, 0, sizeof *out);
    int limit = f->limit > 0 && f->limit <= 1000 ? f->limit : 50;
    int64_t *ids = calloc((size_t)limit, sizeof *ids);
    struct db_stmt *s = ids ? store_stmt(st, SQL_PAGE_SCAN) : NULL;
    if (!s) {
        free(ids);
        return RC_ERROR;
    }
    db_bind_int64(s, 1, stage_id);
    db_bind_text(s, 2, f->region, -1); /* NULL: every region */
    db_bind_opt(s, 3, f->q);           /* NULL or empty: no search */
    db_bind_int64(s, 4, f->q_id);
    int nrows = 0;
    int64_t last = 0, last_in = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t id = db_column_int64(s, 0);
        out->pool++;
        if (!(int)db_column_int64(s, 1)) {
            out->unranked++;
            continue;
        }
        int advanced = (int)db_column_int64(s, 2), proposed = (int)db_column_int64(s, 4);
        int below = (int)db_column_int64(s, 5), match = (int)db_column_int64(s, 6);
        out->advanced += advanced != 0;
        out->borderline += (int)db_column_int64(s, 3) != 0;
        out->proposed += proposed != 0;
        out->below_quorum += below != 0;
        if (!below) {
            last = id;
            if (advanced || proposed)
                last_in = id;
        }
        if (match && out->total++ >= f->offset && nrows < limit)
            ids[nrows++] = id;
    }
    db_reset(s);
    out->cut_case = last_in && last_in != last ? last_in : 0;
    out->rows = json_array();
    if (rc != DB_DONE || page_rows(st, stage_id, ids, nrows, out->rows) != RC_OK) {
        free(ids);
        ranking_page_free(out);
        return RC_ERROR;
    }
    free(ids);
    return RC_OK;
}

json_t *store_ranking_result(struct store *st, int64_t stage_id, int64_t case_id)
{
    static const char sql[] = RESULT_COLS "WHERE sc.stage_id = ?1 AND sc.case_id = ?2";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, case_id);
    json_t *o = db_step(s) == DB_ROW ? result_row(s) : NULL;
    db_reset(s);
    return o;
}

json_t *store_ranking_case_reviews(struct store *st, int64_t stage_id, int64_t case_id)
{
    static const char sql[] =
        "SELECT r.user_id, us.name, r.status, r.total, NOT (" NO_CONFLICT ") "
        "FROM review r JOIN \"case\" c ON c.id = r.case_id JOIN \"user\" us ON us.id = r.user_id "
        "LEFT JOIN reviewer rv ON rv.user_id = r.user_id "
        "WHERE r.stage_id = ?1 AND r.case_id = ?2 ORDER BY r.user_id";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, case_id);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW) {
        json_t *o = json_pack("{s:I,s:o,s:o,s:b}", "user_id", (json_int_t)db_column_int64(s, 0),
                              "name", db_jtext(s, 1), "status", db_jtext(s, 2), "conflict",
                              (int)db_column_int64(s, 4));
        json_object_set_new(o, "total", db_jreal(s, 3));
        json_array_append_new(a, o);
    }
    db_reset(s);
    return a;
}

/* A column's value as JSON: integer, real, text or null. */
static json_t *col_value(struct db_stmt *s, int col)
{
    switch (db_column_type(s, col)) {
    case DB_INT:
        return json_integer(db_column_int64(s, col));
    case DB_DOUBLE:
        return json_real(db_column_double(s, col));
    case DB_NULL:
        return json_null();
    default:
        return db_jtext(s, col);
    }
}

/* Every row of s as an array of its ncol values. */
static json_t *all_rows(struct db_stmt *s, int ncol)
{
    json_t *a = json_array();
    while (db_step(s) == DB_ROW) {
        json_t *row = json_array();
        for (int i = 0; i < ncol; i++)
            json_array_append_new(row, col_value(s, i));
        json_array_append_new(a, row);
    }
    db_reset(s);
    return a;
}

/*
 * Columns: case id, title, region, unit, reviewer, reviewer e-mail, reviewer
 * region, assignment state, review status, total.
 */
json_t *store_ranking_export_assignments(struct store *st, int64_t stage_id)
{
    static const char sql[] =
        "SELECT c.id, c.title, g.name, u.name, us.name, us.email, coalesce(rg.name, ''), "
        "a.state, coalesce(r.status, ''), r.total "
        "FROM assignment a JOIN \"case\" c ON c.id = a.case_id "
        "JOIN region g ON g.code = c.region_code JOIN unit u ON u.id = c.unit_id "
        "JOIN \"user\" us ON us.id = a.user_id LEFT JOIN reviewer rv ON rv.user_id = a.user_id "
        "LEFT JOIN region rg ON rg.code = rv.region_code "
        "LEFT JOIN review r ON r.stage_id = a.stage_id AND r.case_id = a.case_id "
        " AND r.user_id = a.user_id "
        "WHERE a.stage_id = ?1 AND NOT EXISTS (SELECT 1 FROM conflict k WHERE "
        " k.case_id = a.case_id AND k.user_id = a.user_id) "
        "AND coalesce(rv.region_code, '') <> c.region_code AND coalesce(rv.unit_id, 0) <> "
        "c.unit_id "
        "ORDER BY c.id, us.name, a.user_id";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    return all_rows(s, 10);
}

/*
 * {criteria:[names], rows:[[case id, title, region, reviewer, status,
 * total, submitted at (Beijing time, 2020-02-04 09:30), comment, score per
 * criterion...]]}.
 */
json_t *store_ranking_export_scores(struct store *st, int64_t stage_id)
{
    static const char sql_crit[] =
        "SELECT id, name FROM criterion WHERE stage_id = ?1 ORDER BY seq";
    static const char sql[] =
        "SELECT c.id, c.title, g.name, us.name, r.status, r.total, "
        "r.submitted_at, r.comment, r.user_id "
        "FROM review r JOIN \"case\" c ON c.id = r.case_id JOIN region g ON g.code = c.region_code "
        "JOIN \"user\" us ON us.id = r.user_id LEFT JOIN reviewer rv ON rv.user_id = r.user_id "
        "WHERE r.stage_id = ?1 AND " NO_CONFLICT "ORDER BY c.id, us.name, r.user_id";
    static const char sql_scores[] =
        "SELECT criterion_id, score FROM review_score WHERE stage_id = ?1 AND case_id = ?2 "
        "AND user_id = ?3";
    struct db_stmt *s = store_stmt(st, sql_crit);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    json_t *names = json_array();
    int64_t crit[64];
    int ncrit = 0;
    while (db_step(s) == DB_ROW && ncrit < 64) {
        crit[ncrit++] = db_column_int64(s, 0);
        json_array_append_new(names, db_jtext(s, 1));
    }
    db_reset(s);
    s = store_stmt(st, sql);
    struct db_stmt *q = store_stmt(st, sql_scores);
    if (!s || !q) {
        json_decref(names);
        return NULL;
    }
    db_bind_int64(s, 1, stage_id);
    json_t *rows = json_array();
    while (db_step(s) == DB_ROW) {
        json_t *row = json_array();
        for (int i = 0; i < 8; i++) {
            json_t *v = i == 6 ? db_cst_minute(s, 6) : col_value(s, i);
            if (i == 6 && json_is_null(v))
                v = json_string(""); /* not submitted */
            json_array_append_new(row, v);
        }
        for (int i = 0; i < ncrit; i++)
            json_array_append_new(row, json_null());
        db_bind_int64(q, 1, stage_id);
        db_bind_int64(q, 2, db_column_int64(s, 0));
        db_bind_int64(q, 3, db_column_int64(s, 8));
        while (db_step(q) == DB_ROW) {
            int64_t cid = db_column_int64(q, 0);
            for (int i = 0; i < ncrit; i++)
                if (crit[i] == cid)
                    json_array_set_new(row, (size_t)(8 + i), json_real(db_column_double(q, 1)));
        }
        db_reset(q);
        json_array_append_new(rows, row);
    }
    db_reset(s);
    return json_pack("{s:o,s:o}", "criteria", names, "rows", rows);
}

void ranking_texts_free(struct ranking_texts *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->n; i++) {
        if (t->titles)
            free(t->titles[i]);
        if (t->texts)
            free(t->texts[i]);
    }
    free(t->ids);
    free(t->titles);
    free(t->texts);
    free(t->lens);
    memset(t, 0, sizeof *t);
}

/* Append (after a newline when sep) body of n bytes to t's text k; 0 or -1. */
static int text_append(struct ranking_texts *t, int k, int sep, const char *body, size_t n)
{
    size_t at = t->lens[k];
    char *x = realloc(t->texts[k], at + (sep != 0) + n + 1);
    if (!x)
        return -1;
    if (sep)
        x[at++] = '\n';
    memcpy(x + at, body, n);
    x[at + n] = 0;
    t->texts[k] = x;
    t->lens[k] = at + n;
    return 0;
}

/*
 * The cases, then their sections in one pass ordered as the cases are,
 * walked beside them: each text is the title and a newline, then the
 * sections joined by newlines (as group_concat joined them before).
 */
int store_ranking_texts(struct store *st, int64_t campaign_id, struct ranking_texts *t)
{
    static const char sql[] = "SELECT c.id, c.title FROM \"case\" c "
                              "WHERE c.campaign_id = ?1 AND c.status <> 'draft' ORDER BY c.id";
    static const char sql_sections[] =
        "SELECT s.case_id, s.body_md FROM case_section s JOIN \"case\" c ON c.id = s.case_id "
        "WHERE c.campaign_id = ?1 AND c.status <> 'draft' ORDER BY s.case_id, s.seq";
    memset(t, 0, sizeof *t);
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, campaign_id);
    int cap = 0, step, rc = RC_ERROR;
    while ((step = db_step(s)) == DB_ROW) {
        if (t->n == cap) {
            int n = cap ? cap * 2 : 1024;
            int64_t *ids = realloc(t->ids, (size_t)n * sizeof *ids);
            if (ids)
                t->ids = ids;
            char **ti = realloc(t->titles, (size_t)n * sizeof *ti);
            if (ti)
                t->titles = ti;
            char **tx = realloc(t->texts, (size_t)n * sizeof *tx);
            if (tx)
                t->texts = tx;
            size_t *ln = realloc(t->lens, (size_t)n * sizeof *ln);
            if (ln)
                t->lens = ln;
            if (!ids || !ti || !tx || !ln)
                goto out;
            cap = n;
        }
        const char *title = db_text(s, 1);
        size_t tl = strlen(title);
        char *title_copy = strdup(title), *text = malloc(tl + 2);
        if (!title_copy || !text) {
            free(title_copy);
            free(text);
            goto out;
        }
        memcpy(text, title, tl);
        text[tl] = '\n';
        text[tl + 1] = 0;
        t->ids[t->n] = db_column_int64(s, 0);
        t->titles[t->n] = title_copy;
        t->texts[t->n] = text;
        t->lens[t->n] = tl + 1;
        t->n++;
    }
    if (step != DB_DONE)
        goto out;
    db_reset(s);
    if (!(s = store_stmt(st, sql_sections)))
        goto out;
    db_bind_int64(s, 1, campaign_id);
    int at = 0;
    int64_t prev = 0;
    while ((step = db_step(s)) == DB_ROW) {
        int64_t id = db_column_int64(s, 0);
        while (at < t->n && t->ids[at] < id)
            at++;
        if (at == t->n || t->ids[at] != id)
            continue; /* cannot happen: both read the same cases */
        if (text_append(t, at, prev == id, db_text(s, 1), db_column_bytes(s, 1)) != 0)
            goto out;
        prev = id;
    }
    if (step == DB_DONE)
        rc = RC_OK;
out:
    if (s)
        db_reset(s);
    if (rc != RC_OK)
        ranking_texts_free(t);
    return rc;
}

json_t *store_ranking_case_text(struct store *st, int64_t campaign_id, int64_t case_id)
{
    static const char sql[] =
        "SELECT c.id, c.title, g.name, u.name, c.status FROM \"case\" c "
        "JOIN region g ON g.code = c.region_code JOIN unit u ON u.id = c.unit_id "
        "WHERE c.id = ?1 AND c.campaign_id = ?2 AND c.status <> 'draft'";
    static const char sql_sections[] =
        "SELECT seq, body_md FROM case_section WHERE case_id = ?1 ORDER BY seq";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, case_id);
    db_bind_int64(s, 2, campaign_id);
    json_t *o = NULL;
    if (db_step(s) == DB_ROW)
        o = json_pack("{s:I,s:o,s:o,s:o,s:o}", "id", (json_int_t)db_column_int64(s, 0), "title",
                      db_jtext(s, 1), "region", db_jtext(s, 2), "unit", db_jtext(s, 3), "status",
                      db_jtext(s, 4));
    db_reset(s);
    if (!o)
        return NULL;
    s = store_stmt(st, sql_sections);
    if (!s) {
        json_decref(o);
        return NULL;
    }
    db_bind_int64(s, 1, case_id);
    json_t *secs = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(secs, json_pack("{s:i,s:o}", "seq", (int)db_column_int64(s, 0),
                                              "body", db_jtext(s, 1)));
    db_reset(s);
    json_object_set_new(o, "sections", secs);
    return o;
}

/* ------------------------------------------------------------ writes */

/*
 * Move the stage by action a if it is in state `from` (compare-and-set:
 * UPDATE ... WHERE state = from); RC_STATE if it was not, or if `from`
 * does not allow a (domain/stage.h).
 */
static int move(struct store_tx *tx, int64_t stage_id, enum stage_state from, enum stage_action a)
{
    static const char sql[] = "UPDATE stage SET state = ?3 WHERE id = ?1 AND state = ?2";
    int to = stage_transition(from, a);
    if (to < 0)
        return RC_STATE;
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    db_bind_text(s, 2, stage_state_name(from), -1);
    db_bind_text(s, 3, stage_state_name((enum stage_state)to), -1);
    return db_run_changed(s, RC_STATE);
}

int tx_ranking_close(struct store_tx *tx, int64_t stage_id)
{
    return move(tx, stage_id, STAGE_RELEASED, STAGE_CLOSE);
}

/* Each row's result, and its flags beside it when the case is in the stage's pool. */
static int save_rows(struct store_tx *tx, int64_t stage_id, const struct ranking_row *rows, int n)
{
    static const char sql[] =
        "UPDATE stage_case SET score = ?3, rank = ?4, advanced = ?5, borderline = ?6, "
        "explanation = ?7 WHERE stage_id = ?1 AND case_id = ?2";
    static const char sql_flag[] =
        "INSERT INTO stage_case_flag (stage_id, case_id, proposed, below_quorum) "
        "SELECT stage_id, case_id, ?3, ?4 FROM stage_case WHERE stage_id = ?1 AND case_id = ?2 "
        "ON CONFLICT (stage_id, case_id) DO UPDATE SET proposed = excluded.proposed, "
        "below_quorum = excluded.below_quorum";
    for (int i = 0; i < n; i++) {
        struct db_stmt *s = tx_stmt(tx, sql);
        if (!s)
            return RC_ERROR;
        db_bind_int64(s, 1, stage_id);
        db_bind_int64(s, 2, rows[i].case_id);
        db_bind_double(s, 3, rows[i].score);
        db_bind_int64(s, 4, rows[i].rank);
        db_bind_int64(s, 5, rows[i].advanced);
        db_bind_int64(s, 6, rows[i].borderline);
        db_bind_text(s, 7, rows[i].explanation ? rows[i].explanation : "{}", -1);
        if (db_run(s) != RC_OK || !(s = tx_stmt(tx, sql_flag)))
            return RC_ERROR;
        db_bind_int64(s, 1, stage_id);
        db_bind_int64(s, 2, rows[i].case_id);
        db_bind_int64(s, 3, rows[i].proposed);
        db_bind_int64(s, 4, rows[i].below_quorum);
        if (db_run(s) != RC_OK)
            return RC_ERROR;
    }
    return RC_OK;
}

int tx_ranking_save(struct store_tx *tx, int64_t stage_id, const struct ranking_row *rows, int n,
                    int close_first)
{
    if (close_first && move(tx, stage_id, STAGE_RELEASED, STAGE_CLOSE) == RC_ERROR)
        return RC_ERROR;
    /* closed → ranked, or a re-ranking of a ranked stage. */
    int rc = move(tx, stage_id, STAGE_CLOSED, STAGE_RANK);
    if (rc == RC_STATE)
        rc = move(tx, stage_id, STAGE_RANKED, STAGE_RANK);
    if (rc != RC_OK)
        return rc;
    for (int i = 0; i < n; i++)
        if (rows[i].advanced)
            return RC_ERROR; /* a ranking proposes; only advancing marks */
    return save_rows(tx, stage_id, rows, n);
}

int tx_ranking_advance(struct store_tx *tx, int64_t stage_id, const struct ranking_row *rows, int n,
                       int64_t next_id)
{
    static const char sql_clear[] = "DELETE FROM stage_case WHERE stage_id = ?1";
    static const char sql_add[] = "INSERT INTO stage_case (stage_id, case_id) VALUES (?1, ?2)";
    int rc = move(tx, stage_id, STAGE_RANKED, STAGE_ADVANCE);
    if (rc != RC_OK)
        return rc;
    if ((rc = save_rows(tx, stage_id, rows, n)) != RC_OK)
        return rc;
    if (!next_id)
        return RC_OK;
    /* The next stage must not have started: it is in setup, where its pool is filled. */
    if ((rc = move(tx, next_id, STAGE_SETUP, STAGE_FILL)) != RC_OK)
        return rc;
    struct db_stmt *s = tx_stmt(tx, sql_clear);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, next_id);
    if (db_run(s) != RC_OK || !(s = tx_stmt(tx, sql_add)))
        return RC_ERROR;
    for (int i = 0; i < n; i++) {
        if (!rows[i].advanced)
            continue;
        db_bind_int64(s, 1, next_id);
        db_bind_int64(s, 2, rows[i].case_id);
        if (db_run(s) != RC_OK)
            return RC_ERROR;
    }
    return RC_OK;
}
