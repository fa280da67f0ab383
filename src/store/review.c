/*
 * review.c — review rounds in the store: the review campaign's stages,
 * criteria, reviewer pool, conflicts, pools of cases and assignments; see
 * review.h.  Written over the driver (db.h): it runs on SQLite and on
 * PostgreSQL.  One stage's settings are read by review_stage.c.
 *
 * store_review_problem_load turns a stage into the input of the pure
 * assignment solver (domain/assign.h): cases and reviewers become indices,
 * region codes indices into a table, and expertise a bit mask over the
 * (at most 64) tags the reviewers name most often; a case's tags (its tag
 * rows, read as rows of their own, and its free-text tags) are matched
 * against that vocabulary.
 *
 * Counts of a kind are count(CASE WHEN ... THEN 1 END) (SQLite sums a
 * truth, PostgreSQL does not); the times a write stores are made in C and
 * bound; a write refused reads first (the reviewer's role, region and
 * unit) or lets ON CONFLICT answer (a conflict or a pool's case already
 * there), never a constraint's failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/review.h"
#include "store/store_int.h"

#define LIVE "('proposed','released')"

/* Over a review v (LEFT JOINed): 1 to count it when its status is st. */
#define HAS_STATUS(st) "CASE WHEN v.status = '" st "' THEN 1 END"

static json_int_t col_i(struct db_stmt *s, int col)
{
    return (json_int_t)db_column_int64(s, col);
}

/* After the rows of a list: s reset, and the list a, or NULL (a freed) if the last step failed. */
static json_t *list_end(struct db_stmt *s, int step, json_t *a)
{
    db_reset(s);
    if (step == DB_DONE)
        return a;
    json_decref(a);
    return NULL;
}

int64_t store_review_campaign_id(struct store *st)
{
    static const char sql[] = "SELECT " REVIEW_CAMPAIGN;
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return 0;
    int64_t id = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
    db_reset(s);
    return id;
}

/* The stage before ?1 in its campaign's seq order (any kind). */
static const char SQL_PREVIOUS_STAGE[] =
    "SELECT p.id FROM stage s JOIN stage p ON p.campaign_id = s.campaign_id "
    "AND p.seq < s.seq WHERE s.id = ?1 ORDER BY p.seq DESC LIMIT 1";

static int64_t previous_stage(struct db_stmt *s, int64_t stage_id)
{
    if (!s)
        return 0;
    db_bind_int64(s, 1, stage_id);
    int64_t id = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
    db_reset(s);
    return id;
}

int64_t store_review_previous_stage(struct store *st, int64_t stage_id)
{
    return previous_stage(store_stmt(st, SQL_PREVIOUS_STAGE), stage_id);
}

json_t *store_review_stages(struct store *st, int64_t campaign_id)
{
    static const char sql[] =
        "SELECT s.id, s.seq, s.name, s.kind, s.state, s.starts_at, s.ends_at, "
        "s.reviewers_per_case, s.blind, "
        "(SELECT count(*) FROM stage_case x WHERE x.stage_id = s.id), "
        "(SELECT count(*) FROM stage_case x WHERE x.stage_id = s.id AND x.advanced = 1), "
        "(SELECT count(*) FROM assignment a WHERE a.stage_id = s.id AND a.state IN " LIVE "), "
        "(SELECT count(*) FROM assignment a WHERE a.stage_id = s.id AND a.state = 'released'), "
        "(SELECT count(*) FROM review v WHERE v.stage_id = s.id AND v.status = 'submitted'), "
        "(SELECT count(*) FROM review v WHERE v.stage_id = s.id AND v.status = 'draft') "
        "FROM stage s WHERE s.campaign_id = ?1 ORDER BY s.seq";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, campaign_id);
    json_t *a = json_array();
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        json_t *o = json_pack("{s:I,s:i,s:o,s:o,s:o,s:o,s:o,s:i,s:b}", "id", col_i(s, 0), "seq",
                              (int)db_column_int64(s, 1), "name", db_jtext(s, 2), "kind",
                              db_jtext(s, 3), "state", db_jtext(s, 4), "starts_at",
                              db_jtext(s, 5), "ends_at", db_jtext(s, 6), "reviewers_per_case",
                              (int)db_column_int64(s, 7), "blind", (int)db_column_int64(s, 8));
        json_object_set_new(o, "pool", json_integer(col_i(s, 9)));
        json_object_set_new(o, "advanced", json_integer(col_i(s, 10)));
        json_object_set_new(o, "assigned", json_integer(col_i(s, 11)));
        json_object_set_new(o, "released", json_integer(col_i(s, 12)));
        json_object_set_new(o, "reviews_submitted", json_integer(col_i(s, 13)));
        json_object_set_new(o, "reviews_draft", json_integer(col_i(s, 14)));
        json_array_append_new(a, o);
    }
    return list_end(s, step, a);
}

json_t *store_review_criteria(struct store *st, int64_t stage_id)
{
    static const char sql[] = "SELECT id, seq, name, description, max_score, weight "
                              "FROM criterion WHERE stage_id = ?1 ORDER BY seq";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    json_t *a = json_array();
    int step;
    while ((step = db_step(s)) == DB_ROW)
        json_array_append_new(
            a, json_pack("{s:I,s:i,s:o,s:o,s:f,s:f}", "id", col_i(s, 0), "seq",
                         (int)db_column_int64(s, 1), "name", db_jtext(s, 2), "description",
                         db_jtext(s, 3), "max", db_column_double(s, 4), "weight",
                         db_column_double(s, 5)));
    return list_end(s, step, a);
}

json_t *store_review_reviewers(struct store *st, int64_t stage_id)
{
    static const char sql[] =
        "SELECT r.user_id, u.name, u.email, coalesce(r.region_code, ''), coalesce(g.name, ''), "
        "coalesce(r.unit_id, 0), coalesce(n.name, ''), r.expertise, r.max_load, r.active, "
        "(SELECT count(*) FROM assignment a WHERE a.stage_id = ?1 AND a.user_id = r.user_id "
        " AND a.state IN " LIVE "), "
        "(SELECT count(*) FROM assignment a WHERE a.stage_id = ?1 AND a.user_id = r.user_id "
        " AND a.state = 'released'), "
        "coalesce(vs.submitted, 0), coalesce(vs.draft, 0), "
        "EXISTS (SELECT 1 FROM assignment a WHERE a.stage_id = ?1 AND a.user_id = r.user_id "
        " AND a.state = 'dropped') "
        "FROM reviewer r JOIN \"user\" u ON u.id = r.user_id "
        "LEFT JOIN region g ON g.code = r.region_code LEFT JOIN unit n ON n.id = r.unit_id "
        /* The stage's reviews counted in one pass (review has no index by user). */
        "LEFT JOIN (SELECT v.user_id, count(" HAS_STATUS("submitted") ") AS submitted, "
        "           count(" HAS_STATUS("draft") ") AS draft FROM review v "
        "           WHERE v.stage_id = ?1 GROUP BY v.user_id) vs ON vs.user_id = r.user_id "
        "WHERE ?1 = 0 OR " REVIEWS_IN("r.user_id", "(SELECT campaign_id FROM stage WHERE id = ?1)")
        " ORDER BY r.user_id";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    json_t *a = json_array();
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        json_t *o = json_pack("{s:I,s:o,s:o,s:o,s:o,s:I,s:o,s:o,s:i,s:b}", "user_id",
                              col_i(s, 0), "name", db_jtext(s, 1), "email", db_jtext(s, 2),
                              "region", db_jtext(s, 3), "region_name", db_jtext(s, 4),
                              "unit_id", col_i(s, 5), "unit_name", db_jtext(s, 6), "expertise",
                              db_jtext(s, 7), "max_load", (int)db_column_int64(s, 8), "active",
                              (int)db_column_int64(s, 9));
        json_object_set_new(o, "assigned", json_integer(col_i(s, 10)));
        json_object_set_new(o, "released", json_integer(col_i(s, 11)));
        json_object_set_new(o, "submitted", json_integer(col_i(s, 12)));
        json_object_set_new(o, "draft", json_integer(col_i(s, 13)));
        json_object_set_new(o, "dropped", json_boolean(db_column_int64(s, 14)));
        json_array_append_new(a, o);
    }
    return list_end(s, step, a);
}

json_t *store_review_reviewer_candidates(struct store *st, int64_t stage_id)
{
    /* Experts without a profile, or not yet in the stage's campaign's pool (a past edition's). */
    static const char sql[] =
        "SELECT u.id, u.name, u.email FROM user_role ur JOIN \"user\" u ON u.id = ur.user_id "
        "WHERE ur.role = 'reviewer' AND u.disabled = 0 "
        "AND (NOT EXISTS (SELECT 1 FROM reviewer r WHERE r.user_id = u.id) OR NOT "
        REVIEWS_IN("u.id", "(SELECT campaign_id FROM stage WHERE id = ?1)") ") ORDER BY u.id";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    json_t *a = json_array();
    int step;
    while ((step = db_step(s)) == DB_ROW)
        json_array_append_new(a, json_pack("{s:I,s:o,s:o}", "user_id", col_i(s, 0), "name",
                                           db_jtext(s, 1), "email", db_jtext(s, 2)));
    return list_end(s, step, a);
}

int store_review_conflicted(struct store *st, int64_t case_id, int64_t user_id)
{
    static const char sql[] =
        "SELECT EXISTS (SELECT 1 FROM conflict k WHERE k.case_id = ?1 AND k.user_id = ?2) "
        "OR EXISTS (SELECT 1 FROM \"case\" c JOIN reviewer r ON r.user_id = ?2 WHERE c.id = ?1 "
        " AND (r.region_code = c.region_code OR r.unit_id = c.unit_id))";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return -1;
    db_bind_int64(s, 1, case_id);
    db_bind_int64(s, 2, user_id);
    int v = db_step(s) == DB_ROW ? (int)db_column_int64(s, 0) : -1;
    db_reset(s);
    return v;
}

json_t *store_review_conflicts(struct store *st, int64_t campaign_id)
{
    static const char sql[] =
        "SELECT k.case_id, c.title, k.user_id, u.name, k.source, k.reason, k.at "
        "FROM conflict k JOIN \"case\" c ON c.id = k.case_id JOIN \"user\" u ON u.id = k.user_id "
        "WHERE c.campaign_id = ?1 ORDER BY k.at DESC, k.case_id, k.user_id";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, campaign_id);
    json_t *a = json_array();
    int step;
    while ((step = db_step(s)) == DB_ROW)
        json_array_append_new(
            a, json_pack("{s:I,s:o,s:I,s:o,s:o,s:o,s:o}", "case_id", col_i(s, 0), "case_title",
                         db_jtext(s, 1), "user_id", col_i(s, 2), "user_name", db_jtext(s, 3),
                         "source", db_jtext(s, 4), "reason", db_jtext(s, 5), "at",
                         db_jtext(s, 6)));
    return list_end(s, step, a);
}

json_t *store_review_pool(struct store *st, int64_t stage_id)
{
    static const char sql[] =
        "SELECT c.id, c.title, c.region_code, g.name, n.name, "
        "(SELECT count(*) FROM assignment a WHERE a.stage_id = sc.stage_id AND a.case_id = c.id "
        " AND a.state IN " LIVE "), sc.score, sc.rank, sc.advanced "
        "FROM stage_case sc JOIN \"case\" c ON c.id = sc.case_id "
        "JOIN region g ON g.code = c.region_code JOIN unit n ON n.id = c.unit_id "
        "WHERE sc.stage_id = ?1 ORDER BY c.id";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    json_t *a = json_array();
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        json_t *o = json_pack("{s:I,s:o,s:o,s:o,s:o,s:i,s:b}", "case_id", col_i(s, 0), "title",
                              db_jtext(s, 1), "region", db_jtext(s, 2), "region_name",
                              db_jtext(s, 3), "unit_name", db_jtext(s, 4), "reviewers",
                              (int)db_column_int64(s, 5), "advanced", (int)db_column_int64(s, 8));
        json_object_set_new(o, "score", db_jreal(s, 6));
        json_object_set_new(o, "rank", db_jint(s, 7));
        json_array_append_new(a, o);
    }
    return list_end(s, step, a);
}

json_t *store_review_assignments(struct store *st, int64_t stage_id)
{
    /* A case without assignments is one row with NULLs: nothing to order within it. */
    static const char sql[] =
        "SELECT c.id, c.title, g.name, a.user_id, u.name, coalesce(rg.name, ''), a.state, "
        "coalesce(v.status, 'none'), n.name "
        "FROM stage_case sc JOIN \"case\" c ON c.id = sc.case_id "
        "JOIN region g ON g.code = c.region_code JOIN unit n ON n.id = c.unit_id "
        "LEFT JOIN assignment a ON a.stage_id = sc.stage_id AND a.case_id = c.id "
        "LEFT JOIN \"user\" u ON u.id = a.user_id LEFT JOIN reviewer r ON r.user_id = a.user_id "
        "LEFT JOIN region rg ON rg.code = r.region_code "
        "LEFT JOIN review v ON v.stage_id = a.stage_id AND v.case_id = a.case_id "
        " AND v.user_id = a.user_id "
        "WHERE sc.stage_id = ?1 ORDER BY c.id, CASE WHEN a.state = 'dropped' THEN 1 ELSE 0 END, "
        "a.user_id";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    json_t *a = json_array();
    json_t *cur = NULL;
    int64_t cur_id = 0;
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        int64_t id = db_column_int64(s, 0);
        if (!cur || id != cur_id) {
            cur = json_pack("{s:I,s:o,s:o,s:o,s:[]}", "case_id", (json_int_t)id, "title",
                            db_jtext(s, 1), "region_name", db_jtext(s, 2), "unit_name",
                            db_jtext(s, 8), "reviewers");
            json_array_append_new(a, cur);
            cur_id = id;
        }
        if (db_column_type(s, 3) == DB_NULL)
            continue;
        json_array_append_new(json_object_get(cur, "reviewers"),
                              json_pack("{s:I,s:o,s:o,s:o,s:o}", "user_id", col_i(s, 3), "name",
                                        db_jtext(s, 4), "region_name", db_jtext(s, 5), "state",
                                        db_jtext(s, 6), "review", db_jtext(s, 7)));
    }
    return list_end(s, step, a);
}

json_t *store_review_progress(struct store *st, int64_t stage_id)
{
    static const char sql_rev[] =
        /* Counted by reviewer, then named (PostgreSQL reads no column outside GROUP BY). */
        "SELECT x.user_id, u.name, u.email, x.n, x.submitted, x.draft FROM "
        "(SELECT a.user_id, count(*) AS n, count(" HAS_STATUS("submitted") ") AS submitted, "
        " count(" HAS_STATUS("draft") ") AS draft FROM assignment a "
        " LEFT JOIN review v ON v.stage_id = a.stage_id AND v.case_id = a.case_id "
        "  AND v.user_id = a.user_id "
        " WHERE a.stage_id = ?1 AND a.state = 'released' GROUP BY a.user_id) x "
        "JOIN \"user\" u ON u.id = x.user_id ORDER BY x.user_id";
    static const char sql_reg[] =
        "SELECT g.code, g.name, count(DISTINCT sc.case_id), count(a.user_id), "
        "count(" HAS_STATUS("submitted") "), count(" HAS_STATUS("draft") ") "
        "FROM stage_case sc JOIN \"case\" c ON c.id = sc.case_id "
        "JOIN region g ON g.code = c.region_code "
        "LEFT JOIN assignment a ON a.stage_id = sc.stage_id AND a.case_id = sc.case_id "
        " AND a.state = 'released' "
        "LEFT JOIN review v ON v.stage_id = a.stage_id AND v.case_id = a.case_id "
        " AND v.user_id = a.user_id "
        "WHERE sc.stage_id = ?1 GROUP BY g.code ORDER BY g.code";
    struct db_stmt *s = store_stmt(st, sql_rev);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    json_t *revs = json_array();
    json_int_t ta = 0, ts = 0, td = 0;
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        json_array_append_new(
            revs, json_pack("{s:I,s:o,s:o,s:I,s:I,s:I,s:b}", "user_id", col_i(s, 0), "name",
                            db_jtext(s, 1), "email", db_jtext(s, 2), "assigned", col_i(s, 3),
                            "submitted", col_i(s, 4), "draft", col_i(s, 5), "done",
                            col_i(s, 3) == col_i(s, 4)));
        ta += col_i(s, 3);
        ts += col_i(s, 4);
        td += col_i(s, 5);
    }
    if (!(revs = list_end(s, step, revs)))
        return NULL;
    s = store_stmt(st, sql_reg);
    if (!s) {
        json_decref(revs);
        return NULL;
    }
    db_bind_int64(s, 1, stage_id);
    json_t *regs = json_array();
    while ((step = db_step(s)) == DB_ROW)
        json_array_append_new(
            regs, json_pack("{s:o,s:o,s:I,s:I,s:I,s:I}", "code", db_jtext(s, 0), "name",
                            db_jtext(s, 1), "cases", col_i(s, 2), "assigned", col_i(s, 3),
                            "submitted", col_i(s, 4), "draft", col_i(s, 5)));
    if (!(regs = list_end(s, step, regs))) {
        json_decref(revs);
        return NULL;
    }
    return json_pack("{s:o,s:o,s:{s:I,s:I,s:I}}", "reviewers", revs, "regions", regs, "totals",
                     "assigned", ta, "submitted", ts, "draft", td);
}

int store_review_assigned(struct store *st, int64_t stage_id, int64_t case_id, int64_t user_id)
{
    static const char sql[] =
        "SELECT a.state = 'released' AND s.state = 'released' FROM assignment a "
        "JOIN stage s ON s.id = a.stage_id "
        "WHERE a.stage_id = ?1 AND a.case_id = ?2 AND a.user_id = ?3 AND a.state IN " LIVE;
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return -1;
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, case_id);
    db_bind_int64(s, 3, user_id);
    int rc = db_step(s);
    int v = rc == DB_ROW ? 1 + (int)db_column_int64(s, 0) : rc == DB_DONE ? 0 : -1;
    db_reset(s);
    return v;
}

json_t *store_review_open_cases(struct store *st, int64_t stage_id, int64_t user_id)
{
    static const char sql[] =
        "SELECT a.case_id FROM assignment a WHERE a.stage_id = ?1 AND a.user_id = ?2 "
        "AND a.state IN " LIVE " AND NOT EXISTS (SELECT 1 FROM review v WHERE "
        "v.stage_id = a.stage_id AND v.case_id = a.case_id AND v.user_id = a.user_id "
        "AND v.status = 'submitted') ORDER BY a.case_id";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, user_id);
    json_t *a = json_array();
    int step;
    while ((step = db_step(s)) == DB_ROW)
        json_array_append_new(a, json_integer(col_i(s, 0)));
    return list_end(s, step, a);
}

/* ---- the assignment problem -------------------------------------------- */

/* A growable array of ints. */
struct ivec {
    int *v;
    int n, cap;
};

static int ivec_push(struct ivec *a, int x)
{
    if (a->n == a->cap) {
        int cap = a->cap ? a->cap * 2 : 64;
        int *v = realloc(a->v, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = x;
    return 0;
}

/* The tag vocabulary: names and how many reviewers name each. */
struct vocab {
    char **names;
    int *count;
    int n, cap;
};

static int vocab_find(const struct vocab *v, const char *name, size_t len)
{
    for (int i = 0; i < v->n; i++)
        if (strlen(v->names[i]) == len && memcmp(v->names[i], name, len) == 0)
            return i;
    return -1;
}

static int vocab_count(struct vocab *v, const char *name, size_t len)
{
    int i = vocab_find(v, name, len);
    if (i >= 0) {
        v->count[i]++;
        return 0;
    }
    if (v->n == v->cap) {
        int cap = v->cap ? v->cap * 2 : 64;
        char **nn = realloc(v->names, (size_t)cap * sizeof *nn);
        if (!nn)
            return -1;
        v->names = nn;
        int *nc = realloc(v->count, (size_t)cap * sizeof *nc);
        if (!nc)
            return -1;
        v->count = nc;
        v->cap = cap;
    }
    v->names[v->n] = strndup(name, len);
    if (!v->names[v->n])
        return -1;
    v->count[v->n++] = 1;
    return 0;
}

static void vocab_free(struct vocab *v)
{
    for (int i = 0; i < v->n; i++)
        free(v->names[i]);
    free(v->names);
    free(v->count);
}

/* Sort the vocabulary by count (descending), then name; keep the first 64. */
static void vocab_rank(struct vocab *v)
{
    for (int i = 1; i < v->n; i++) { /* insertion sort: the vocabulary is small */
        char *name = v->names[i];
        int c = v->count[i], j = i;
        while (j > 0 && (v->count[j - 1] < c ||
                         (v->count[j - 1] == c && strcmp(v->names[j - 1], name) > 0))) {
            v->names[j] = v->names[j - 1];
            v->count[j] = v->count[j - 1];
            j--;
        }
        v->names[j] = name;
        v->count[j] = c;
    }
    while (v->n > REVIEW_MAX_TAGS)
        free(v->names[--v->n]);
}

/* Separators of a tag list: '|', ',', ';', space, and 、，；(full width). */
static size_t tag_sep(const char *p)
{
    if (*p == '|' || *p == ',' || *p == ';' || *p == ' ' || *p == '\t' || *p == '\n')
        return 1;
    if (strncmp(p, "、", 3) == 0 || strncmp(p, "，", 3) == 0 || strncmp(p, "；", 3) == 0 ||
        strncmp(p, "　", 3) == 0)
        return 3;
    return 0;
}

/* Call fn(ctx, tag, len) for each tag of a list. */
static int tags_each(const char *list, int (*fn)(void *ctx, const char *t, size_t len),
                     void *ctx)
{
    const char *p = list;
    while (p && *p) {
        size_t k;
        while (*p && (k = tag_sep(p)) > 0)
            p += k;
        const char *start = p;
        while (*p && tag_sep(p) == 0)
            p++;
        if (p > start && fn(ctx, start, (size_t)(p - start)) != 0)
            return -1;
    }
    return 0;
}

static int count_tag(void *ctx, const char *t, size_t len)
{
    return vocab_count(ctx, t, len);
}

struct mask_ctx {
    const struct vocab *v;
    uint64_t mask;
};

static int mask_tag(void *ctx, const char *t, size_t len)
{
    struct mask_ctx *m = ctx;
    int i = vocab_find(m->v, t, len);
    if (i >= 0)
        m->mask |= (uint64_t)1 << i;
    return 0;
}

static uint64_t tag_mask(const struct vocab *v, const char *list)
{
    struct mask_ctx m = {v, 0};
    tags_each(list, mask_tag, &m);
    return m.mask;
}

/* The index of code among the problem's regions, adding it; -1 for "". */
static int region_index(struct review_problem *rp, int *cap, const char *code, const char *name)
{
    if (!code || !*code)
        return -1;
    for (int i = 0; i < rp->p.nregions; i++)
        if (strcmp(rp->region_codes[i], code) == 0)
            return i;
    if (rp->p.nregions == *cap) {
        int ncap = *cap ? *cap * 2 : 64;
        char(*codes)[8] = realloc(rp->region_codes, (size_t)ncap * sizeof *codes);
        if (!codes)
            return -2;
        rp->region_codes = codes;
        char **names = realloc(rp->region_names, (size_t)ncap * sizeof *names);
        if (!names)
            return -2;
        rp->region_names = names;
        *cap = ncap;
    }
    int i = rp->p.nregions++;
    snprintf(rp->region_codes[i], sizeof rp->region_codes[i], "%s", code);
    rp->region_names[i] = strdup(name && *name ? name : code);
    return rp->region_names[i] ? i : -2;
}

static int index_of(const int64_t *ids, int n, int64_t id)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (ids[mid] == id)
            return mid;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

void store_review_problem_free(struct review_problem *rp)
{
    if (!rp)
        return;
    free(rp->case_ids);
    free(rp->user_ids);
    free(rp->region_codes);
    free(rp->cases);
    free(rp->reviewers);
    free(rp->conflicts);
    free(rp->lists);
    if (rp->region_names)
        for (int i = 0; i < rp->p.nregions; i++)
            free(rp->region_names[i]);
    free(rp->region_names);
    free(rp->current);
    free(rp->current_n);
    free(rp->dropped);
    memset(rp, 0, sizeof *rp);
}

static const char SQL_P_CASES[] =
    "SELECT c.id, c.region_code, g.name, c.unit_id, c.tags_text "
    "FROM stage_case sc JOIN \"case\" c ON c.id = sc.case_id "
    "JOIN region g ON g.code = c.region_code WHERE sc.stage_id = ?1 ORDER BY c.id";
/* The cases' tag rows, one a row (not joined into one text: group_concat is SQLite's). */
static const char SQL_P_TAGS[] =
    "SELECT ct.case_id, t.name FROM stage_case sc JOIN case_tag ct ON ct.case_id = sc.case_id "
    "JOIN tag t ON t.id = ct.tag_id WHERE sc.stage_id = ?1";
static const char SQL_P_REVIEWERS[] =
    "SELECT r.user_id, coalesce(r.region_code, ''), coalesce(g.name, ''), "
    "coalesce(r.unit_id, 0), r.expertise, r.max_load "
    "FROM reviewer r JOIN \"user\" u ON u.id = r.user_id "
    "LEFT JOIN region g ON g.code = r.region_code "
    "WHERE r.active = 1 AND u.disabled = 0 AND "
    REVIEWS_IN("r.user_id", "(SELECT campaign_id FROM stage WHERE id = ?1)") " ORDER BY r.user_id";
static const char SQL_P_CONFLICTS[] =
    "SELECT k.case_id, k.user_id FROM conflict k JOIN stage_case sc ON sc.case_id = k.case_id "
    "WHERE sc.stage_id = ?1";
static const char SQL_P_SEEN[] =
    "SELECT DISTINCT a.case_id, a.user_id FROM assignment a JOIN stage p ON p.id = a.stage_id "
    "JOIN stage s ON s.id = ?1 AND p.campaign_id = s.campaign_id AND p.seq < s.seq "
    "JOIN stage_case sc ON sc.stage_id = s.id AND sc.case_id = a.case_id "
    "WHERE a.state <> 'dropped' ORDER BY a.case_id";
static const char SQL_P_CURRENT[] =
    "SELECT case_id, user_id, state = 'dropped' FROM assignment WHERE stage_id = ?1 "
    "ORDER BY case_id, user_id";

/* Reviewers: rows, tags vocabulary, region indices. */
static int load_reviewers(struct store *st, int64_t stage_id, struct review_problem *rp,
                          struct vocab *v, int *rcap)
{
    struct db_stmt *s = store_stmt(st, SQL_P_REVIEWERS);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id); /* the stage's campaign's expert pool */
    int cap = 0, n = 0, rc = RC_OK;
    char **expertise = NULL;
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            void *a = realloc(rp->user_ids, (size_t)cap * sizeof *rp->user_ids);
            void *b = a ? realloc(rp->reviewers, (size_t)cap * sizeof *rp->reviewers) : NULL;
            if (a)
                rp->user_ids = a;
            if (b)
                rp->reviewers = b;
            void *e = b ? realloc(expertise, (size_t)cap * sizeof *expertise) : NULL;
            if (!e) {
                rc = RC_ERROR;
                break;
            }
            expertise = e;
        }
        struct assign_reviewer *r = &rp->reviewers[n];
        memset(r, 0, sizeof *r);
        rp->user_ids[n] = db_column_int64(s, 0);
        r->region = region_index(rp, rcap, db_text(s, 1), db_text(s, 2));
        r->unit = (int)db_column_int64(s, 3);
        r->max_load = (int)db_column_int64(s, 5);
        expertise[n] = strdup(db_text(s, 4));
        if (r->region < -1 || !expertise[n] || tags_each(expertise[n], count_tag, v) != 0) {
            n++;
            rc = RC_ERROR;
            break;
        }
        n++;
    }
    db_reset(s);
    if (rc == RC_OK && step != DB_DONE)
        rc = RC_ERROR;
    rp->p.nreviewers = n;
    if (rc == RC_OK) {
        vocab_rank(v);
        for (int i = 0; i < n; i++)
            rp->reviewers[i].tags = tag_mask(v, expertise[i]);
    }
    for (int i = 0; i < n; i++)
        free(expertise[i]);
    free(expertise);
    return rc;
}

static int load_cases(struct store *st, struct review_problem *rp, const struct vocab *v,
                      int *rcap)
{
    struct db_stmt *s = store_stmt(st, SQL_P_CASES);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, rp->stage.id);
    int cap = 0, n = 0, rc = RC_OK, step;
    while ((step = db_step(s)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            void *a = realloc(rp->case_ids, (size_t)cap * sizeof *rp->case_ids);
            void *b = a ? realloc(rp->cases, (size_t)cap * sizeof *rp->cases) : NULL;
            if (a)
                rp->case_ids = a;
            if (!b) {
                rc = RC_ERROR;
                break;
            }
            rp->cases = b;
        }
        struct assign_case *c = &rp->cases[n];
        memset(c, 0, sizeof *c);
        rp->case_ids[n] = db_column_int64(s, 0);
        c->region = region_index(rp, rcap, db_text(s, 1), db_text(s, 2));
        c->unit = (int)db_column_int64(s, 3);
        c->tags = tag_mask(v, db_text(s, 4));
        if (c->region < -1) {
            rc = RC_ERROR;
            break;
        }
        n++;
    }
    db_reset(s);
    rp->p.ncases = n;
    if (rc != RC_OK || step != DB_DONE)
        return RC_ERROR;
    /* Each tag row's name is a list of its own, split as the free text is. */
    if (!(s = store_stmt(st, SQL_P_TAGS)))
        return RC_ERROR;
    db_bind_int64(s, 1, rp->stage.id);
    while ((step = db_step(s)) == DB_ROW) {
        int c = index_of(rp->case_ids, n, db_column_int64(s, 0));
        if (c >= 0)
            rp->cases[c].tags |= tag_mask(v, db_text(s, 1));
    }
    db_reset(s);
    return step == DB_DONE ? RC_OK : RC_ERROR;
}

static int load_conflicts(struct store *st, struct review_problem *rp)
{
    struct db_stmt *s = store_stmt(st, SQL_P_CONFLICTS);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, rp->stage.id);
    int cap = 0, n = 0, rc = RC_OK;
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        int c = index_of(rp->case_ids, rp->p.ncases, db_column_int64(s, 0));
        int r = index_of(rp->user_ids, rp->p.nreviewers, db_column_int64(s, 1));
        if (c < 0 || r < 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            void *a = realloc(rp->conflicts, (size_t)cap * sizeof *rp->conflicts);
            if (!a) {
                rc = RC_ERROR;
                break;
            }
            rp->conflicts = a;
        }
        rp->conflicts[n++] = (struct assign_pair){c, r};
    }
    db_reset(s);
    if (rc == RC_OK && step != DB_DONE)
        rc = RC_ERROR;
    rp->p.nconflicts = n;
    return rc;
}

/* Earlier stages' reviewers of each case, as the cases' seen lists (in rp->lists). */
static int load_seen(struct store *st, struct review_problem *rp)
{
    struct db_stmt *s = store_stmt(st, SQL_P_SEEN);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, rp->stage.id);
    struct ivec cs = {0}, rs = {0};
    int rc = RC_OK;
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        int c = index_of(rp->case_ids, rp->p.ncases, db_column_int64(s, 0));
        int r = index_of(rp->user_ids, rp->p.nreviewers, db_column_int64(s, 1));
        if (c < 0 || r < 0)
            continue;
        if (ivec_push(&cs, c) || ivec_push(&rs, r)) {
            rc = RC_ERROR;
            break;
        }
    }
    db_reset(s);
    if (rc == RC_OK && step != DB_DONE)
        rc = RC_ERROR;
    if (rc == RC_OK && rs.n > 0) {
        rp->lists = rs.v; /* ordered by case: each case's run is contiguous */
        rs.v = NULL;
        for (int i = 0; i < cs.n;) {
            int j = i;
            while (j < cs.n && cs.v[j] == cs.v[i])
                j++;
            rp->cases[cs.v[i]].seen = rp->lists + i;
            rp->cases[cs.v[i]].nseen = j - i;
            i = j;
        }
    }
    free(cs.v);
    free(rs.v);
    return rc;
}

/* The stage's live assignments by case, and who dropped out. */
static int load_current(struct store *st, struct review_problem *rp)
{
    struct db_stmt *s = store_stmt(st, SQL_P_CURRENT);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, rp->stage.id);
    int n = rp->p.ncases, m = rp->p.nreviewers;
    rp->current_n = calloc((size_t)n + 1, sizeof *rp->current_n);
    rp->dropped = calloc((size_t)m + 1, sizeof *rp->dropped);
    struct ivec cs = {0}, rs = {0};
    int rc = rp->current_n && rp->dropped ? RC_OK : RC_ERROR;
    int step = DB_DONE;
    while (rc == RC_OK && (step = db_step(s)) == DB_ROW) {
        int c = index_of(rp->case_ids, n, db_column_int64(s, 0));
        int r = index_of(rp->user_ids, m, db_column_int64(s, 1));
        if ((int)db_column_int64(s, 2)) { /* dropped */
            if (r >= 0)
                rp->dropped[r] = 1;
            continue;
        }
        if (c < 0)
            continue;
        if (ivec_push(&cs, c) || ivec_push(&rs, r))
            rc = RC_ERROR;
        else
            rp->current_n[c]++;
    }
    db_reset(s);
    if (rc == RC_OK && step != DB_DONE)
        rc = RC_ERROR;
    int width = 0;
    for (int i = 0; i < n; i++)
        if (rp->current_n[i] > width)
            width = rp->current_n[i];
    rp->current_k = width;
    if (rc == RC_OK && width > 0) {
        rp->current = malloc((size_t)n * (size_t)width * sizeof *rp->current);
        if (!rp->current)
            rc = RC_ERROR;
        else {
            for (size_t i = 0; i < (size_t)n * (size_t)width; i++)
                rp->current[i] = -1;
            int *fill = calloc((size_t)n + 1, sizeof *fill);
            if (!fill)
                rc = RC_ERROR;
            for (int i = 0; fill && i < cs.n; i++)
                rp->current[(size_t)cs.v[i] * (size_t)width + (size_t)fill[cs.v[i]]++] = rs.v[i];
            free(fill);
        }
    }
    free(cs.v);
    free(rs.v);
    return rc;
}

int store_review_problem_load(struct store *st, int64_t stage_id, struct review_problem *out)
{
    memset(out, 0, sizeof *out);
    int rc = store_review_stage(st, stage_id, &out->stage);
    if (rc != RC_OK)
        return rc;
    struct vocab v = {0};
    int rcap = 0;
    rc = load_reviewers(st, stage_id, out, &v, &rcap);
    if (rc == RC_OK)
        rc = load_cases(st, out, &v, &rcap);
    vocab_free(&v);
    if (rc == RC_OK)
        rc = load_conflicts(st, out);
    if (rc == RC_OK && out->stage.exclude_previous)
        rc = load_seen(st, out);
    if (rc == RC_OK)
        rc = load_current(st, out);
    if (rc != RC_OK) {
        store_review_problem_free(out);
        return RC_ERROR;
    }
    struct assign_problem *p = &out->p;
    p->cases = out->cases;
    p->reviewers = out->reviewers;
    p->conflicts = out->conflicts;
    p->k = out->stage.reviewers_per_case;
    p->max_same_region = out->stage.max_same_region;
    p->allow_own_region = 0;
    p->balanced = 1;
    p->earlier_penalty = 0;
    p->earlier_exclude = out->stage.exclude_previous;
    p->region_names = (const char *const *)out->region_names;
    return RC_OK;
}

/* ---- writes -------------------------------------------------------------- */

/* The state of stage id into *state: RC_OK, RC_NOTFOUND or RC_ERROR. */
static int tx_stage_state(struct store_tx *tx, int64_t stage_id, enum stage_state *state)
{
    static const char sql[] = "SELECT state FROM stage WHERE id = ?1";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    int rc = db_step(s);
    int parsed = rc == DB_ROW ? stage_state_parse(db_text(s, 0)) : -1;
    db_reset(s);
    if (rc != DB_ROW)
        return rc == DB_DONE ? RC_NOTFOUND : RC_ERROR;
    if (parsed < 0)
        return RC_ERROR;
    *state = (enum stage_state)parsed;
    return RC_OK;
}

/* RC_OK if the stage's state (into *state) allows action a, else RC_STATE. */
static int tx_stage_allows(struct store_tx *tx, int64_t stage_id, enum stage_action a,
                           enum stage_state *state)
{
    int rc = tx_stage_state(tx, stage_id, state);
    if (rc != RC_OK)
        return rc;
    return stage_allows(*state, a) ? RC_OK : RC_STATE;
}

/* Move the stage from state `from` by action a (allowed: checked by the caller). */
static int tx_stage_move(struct store_tx *tx, int64_t stage_id, enum stage_state from,
                         enum stage_action a)
{
    static const char sql[] = "UPDATE stage SET state = ?2 WHERE id = ?1";
    int to = stage_transition(from, a);
    if (to < 0)
        return RC_STATE;
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    db_bind_text(s, 2, stage_state_name((enum stage_state)to), -1);
    return db_run(s);
}

int tx_review_stage_update(struct store_tx *tx, int64_t stage_id, const struct review_stage *g,
                           const struct review_criterion *c, int n)
{
    static const char upd[] =
        "UPDATE stage SET reviewers_per_case = ?2, blind = ?3, max_same_region = ?4, "
        "exclude_previous = ?5, aggregation = ?6, trim_k = ?7, trim_min = ?8, normalise = ?9, "
        "previous_weight = ?10, vote_weight = ?11, quorum = ?12, advance_rule = ?13, "
        "advance_n = ?14, advance_threshold = ?15 WHERE id = ?1";
    static const char del_scores[] =
        "DELETE FROM review_score WHERE criterion_id IN "
        "(SELECT id FROM criterion WHERE stage_id = ?1)";
    static const char del[] = "DELETE FROM criterion WHERE stage_id = ?1";
    static const char ins[] = "INSERT INTO criterion (stage_id, seq, name, description, "
                              "max_score, weight) VALUES (?1,?2,?3,?4,?5,?6)";
    enum stage_state state;
    int rc = tx_stage_allows(tx, stage_id, STAGE_EDIT, &state);
    if (rc != RC_OK)
        return rc;
    struct db_stmt *s = tx_stmt(tx, upd);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, g->reviewers_per_case);
    db_bind_int64(s, 3, g->blind);
    db_bind_int64(s, 4, g->max_same_region);
    db_bind_int64(s, 5, g->exclude_previous);
    db_bind_text(s, 6, g->aggregation, -1);
    db_bind_int64(s, 7, g->trim_k);
    db_bind_int64(s, 8, g->trim_min);
    db_bind_int64(s, 9, g->normalise);
    db_bind_double(s, 10, g->previous_weight);
    db_bind_double(s, 11, g->vote_weight);
    db_bind_int64(s, 12, g->quorum);
    db_bind_text(s, 13, g->advance_rule, -1);
    db_bind_int64(s, 14, g->advance_n);
    db_bind_double(s, 15, g->advance_threshold);
    if ((rc = db_run(s)) != RC_OK)
        return rc;
    /* No review can exist before release, so no score refers to these criteria. */
    if ((rc = tx_run_id(tx, del_scores, stage_id)) != RC_OK)
        return rc;
    if ((rc = tx_run_id(tx, del, stage_id)) != RC_OK)
        return rc;
    for (int i = 0; i < n; i++) {
        if (!(s = tx_stmt(tx, ins)))
            return RC_ERROR;
        db_bind_int64(s, 1, stage_id);
        db_bind_int64(s, 2, i + 1);
        db_bind_text(s, 3, c[i].name, -1);
        db_bind_text(s, 4, c[i].description, -1);
        db_bind_double(s, 5, c[i].max_score);
        db_bind_double(s, 6, c[i].weight);
        if ((rc = db_run(s)) != RC_OK)
            return rc;
    }
    return RC_OK;
}

int tx_review_pool_fill(struct store_tx *tx, int64_t stage_id, int *added)
{
    static const char first[] =
        "INSERT INTO stage_case (stage_id, case_id) "
        "SELECT s.id, c.id FROM stage s JOIN \"case\" c ON c.campaign_id = s.campaign_id "
        "WHERE s.id = ?1 AND c.status = 'passed' ON CONFLICT (stage_id, case_id) DO NOTHING";
    static const char later[] =
        "INSERT INTO stage_case (stage_id, case_id) "
        "SELECT ?1, case_id FROM stage_case WHERE stage_id = ?2 AND advanced = 1 "
        "ON CONFLICT (stage_id, case_id) DO NOTHING";
    *added = 0;
    enum stage_state state;
    int rc = tx_stage_allows(tx, stage_id, STAGE_FILL, &state);
    if (rc != RC_OK)
        return rc;
    int64_t p = previous_stage(tx_stmt(tx, SQL_PREVIOUS_STAGE), stage_id);
    struct db_stmt *s = tx_stmt(tx, p ? later : first);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    if (p)
        db_bind_int64(s, 2, p);
    rc = db_run(s);
    if (rc == RC_OK)
        *added = (int)db_changes(s);
    return rc;
}

int tx_reviewer_upsert(struct store_tx *tx, int64_t user_id, const char *region_code,
                       int64_t unit_id, const char *expertise, int max_load)
{
    /* Read first: the role held, the region and the unit there (a failed write ends it). */
    static const char check[] =
        "SELECT EXISTS (SELECT 1 FROM user_role WHERE user_id = ?1 AND role = 'reviewer') "
        "AND (CAST(?2 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM region WHERE code = ?2)) "
        "AND (?3 = 0 OR EXISTS (SELECT 1 FROM unit WHERE id = ?3))";
    static const char sql[] =
        "INSERT INTO reviewer (user_id, region_code, unit_id, expertise, max_load) "
        "VALUES (?1,?2,?3,?4,?5) ON CONFLICT (user_id) DO UPDATE SET "
        "region_code = excluded.region_code, unit_id = excluded.unit_id, "
        "expertise = excluded.expertise, max_load = excluded.max_load, active = 1";
    if (max_load < 0)
        return RC_INVALID;
    if (unit_id < 0)
        unit_id = 0;
    struct db_stmt *s = tx_stmt(tx, check);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, user_id);
    db_bind_opt(s, 2, region_code);
    db_bind_int64(s, 3, unit_id);
    int step = db_step(s);
    int ok = step == DB_ROW && db_column_int64(s, 0);
    db_reset(s);
    if (step == DB_ERROR)
        return RC_ERROR;
    if (!ok)
        return RC_INVALID;
    if (!(s = tx_stmt(tx, sql)))
        return RC_ERROR;
    db_bind_int64(s, 1, user_id);
    db_bind_opt(s, 2, region_code);
    if (unit_id > 0)
        db_bind_int64(s, 3, unit_id);
    else
        db_bind_null(s, 3);
    db_bind_text(s, 4, expertise ? expertise : "", -1);
    db_bind_int64(s, 5, max_load);
    return db_run(s);
}

int tx_conflict_add(struct store_tx *tx, int64_t case_id, int64_t user_id, const char *source,
                    const char *reason)
{
    static const char sql[] = "INSERT INTO conflict (case_id, user_id, source, reason, at) "
                              "VALUES (?1,?2,?3,?4,?5) ON CONFLICT (case_id, user_id) DO NOTHING";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_int64(s, 1, case_id);
    db_bind_int64(s, 2, user_id);
    db_bind_text(s, 3, source, -1);
    db_bind_text(s, 4, reason ? reason : "", -1);
    db_bind_text(s, 5, now, -1);
    return db_run_changed(s, RC_EXISTS);
}

int tx_conflict_remove(struct store_tx *tx, int64_t case_id, int64_t user_id)
{
    static const char sql[] = "DELETE FROM conflict WHERE case_id = ?1 AND user_id = ?2";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, case_id);
    db_bind_int64(s, 2, user_id);
    return db_run_changed(s, RC_NOTFOUND);
}

static int tx_insert_assignment(struct store_tx *tx, int64_t stage_id, int64_t case_id,
                                int64_t user_id, const char *state)
{
    static const char sql[] =
        "INSERT INTO assignment (stage_id, case_id, user_id, state, at) "
        "VALUES (?1,?2,?3,?4,?5) "
        "ON CONFLICT (stage_id, case_id, user_id) DO UPDATE SET state = excluded.state, "
        "at = excluded.at WHERE assignment.state = 'dropped'";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_text(s, 5, now, -1);
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, case_id);
    db_bind_int64(s, 3, user_id);
    db_bind_text(s, 4, state, -1);
    return db_run_changed(s, RC_EXISTS);
}

int tx_review_propose(struct store_tx *tx, int64_t stage_id, const struct review_pair *pairs,
                      int n)
{
    static const char del[] =
        "DELETE FROM assignment WHERE stage_id = ?1 AND state = 'proposed'";
    enum stage_state state;
    int rc = tx_stage_allows(tx, stage_id, STAGE_PROPOSE, &state);
    if (rc != RC_OK)
        return rc;
    if ((rc = tx_run_id(tx, del, stage_id)) != RC_OK)
        return rc;
    for (int i = 0; i < n; i++)
        if ((rc = tx_insert_assignment(tx, stage_id, pairs[i].case_id, pairs[i].user_id,
                                       "proposed")) != RC_OK)
            return rc == RC_EXISTS ? RC_INVALID : rc;
    return tx_stage_move(tx, stage_id, state, STAGE_PROPOSE);
}

/* Replace {n} and {link} in text (a new string, or NULL). */
static char *mail_text(const char *text, int n, const char *link)
{
    if (!link)
        link = "";
    size_t cap = 1;
    for (const char *p = text; *p; p++)
        cap += strncmp(p, "{n}", 3) == 0 ? 12 : strncmp(p, "{link}", 6) == 0 ? strlen(link) : 1;
    char *out = malloc(cap), *o = out;
    if (!out)
        return NULL;
    for (const char *p = text; *p;) {
        if (strncmp(p, "{n}", 3) == 0) {
            o += sprintf(o, "%d", n);
            p += 3;
        } else if (strncmp(p, "{link}", 6) == 0) {
            o = stpcpy(o, link);
            p += 6;
        } else {
            *o++ = *p++;
        }
    }
    *o = 0;
    return out;
}

static int tx_mail(struct store_tx *tx, int64_t user_id, int n, const struct review_mail *m)
{
    static const char sql[] = "INSERT INTO outbox (to_addr, subject, body, created_at, "
                              "next_attempt_at) SELECT email, ?2, ?3, ?4, ?4 FROM \"user\" "
                              "WHERE id = ?1";
    char *subject = mail_text(m->subject, n, m->link);
    char *body = mail_text(m->body, n, m->link);
    struct db_stmt *s = subject && body ? tx_stmt(tx, sql) : NULL;
    int rc = RC_ERROR;
    if (s) {
        db_bind_int64(s, 1, user_id);
        db_bind_text(s, 2, subject, -1);
        db_bind_text(s, 3, body, -1);
        char now[STORE_NOW_LEN];
        store_now(now);
        db_bind_text(s, 4, now, -1);
        rc = db_run(s);
    }
    free(subject);
    free(body);
    return rc;
}

int tx_review_assignment_add(struct store_tx *tx, int64_t stage_id, int64_t case_id,
                             int64_t user_id, const struct review_mail *m)
{
    enum stage_state state;
    int rc = tx_stage_allows(tx, stage_id, STAGE_ASSIGN, &state);
    if (rc != RC_OK)
        return rc;
    int released = state == STAGE_RELEASED;
    /* Only an expert of the stage's campaign takes its cases. */
    static const char pool[] =
        "SELECT 1 FROM stage s WHERE s.id = ?1 AND " REVIEWS_IN("?2", "s.campaign_id");
    struct db_stmt *s = tx_stmt(tx, pool);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, user_id);
    int step = db_step(s);
    db_reset(s);
    if (step != DB_ROW)
        return step == DB_DONE ? RC_INVALID : RC_ERROR;
    rc = tx_insert_assignment(tx, stage_id, case_id, user_id, released ? "released" : "proposed");
    if (rc == RC_OK && released && m)
        rc = tx_mail(tx, user_id, 1, m);
    return rc;
}

int tx_review_assignment_remove(struct store_tx *tx, int64_t stage_id, int64_t case_id,
                                int64_t user_id)
{
    static const char get[] =
        "SELECT a.state = 'proposed', coalesce(v.status, '') = 'submitted' FROM assignment a "
        "LEFT JOIN review v ON "
        "v.stage_id = a.stage_id AND v.case_id = a.case_id AND v.user_id = a.user_id "
        "WHERE a.stage_id = ?1 AND a.case_id = ?2 AND a.user_id = ?3 AND a.state IN " LIVE;
    static const char del[] =
        "DELETE FROM assignment WHERE stage_id = ?1 AND case_id = ?2 AND user_id = ?3";
    static const char drop[] = "UPDATE assignment SET state = 'dropped' "
                               "WHERE stage_id = ?1 AND case_id = ?2 AND user_id = ?3";
    enum stage_state stage_state;
    int rc = tx_stage_allows(tx, stage_id, STAGE_ASSIGN, &stage_state);
    if (rc != RC_OK)
        return rc;
    struct db_stmt *s = tx_stmt(tx, get);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, case_id);
    db_bind_int64(s, 3, user_id);
    int proposed = 0, submitted = 0;
    rc = db_step(s);
    if (rc == DB_ROW) {
        proposed = (int)db_column_int64(s, 0);
        submitted = (int)db_column_int64(s, 1);
    }
    db_reset(s);
    if (rc != DB_ROW)
        return rc == DB_DONE ? RC_NOTFOUND : RC_ERROR;
    if (submitted)
        return RC_STATE;
    if (!(s = tx_stmt(tx, proposed ? del : drop)))
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, case_id);
    db_bind_int64(s, 3, user_id);
    return db_run(s);
}

/* Send m to every reviewer of rows (user_id, n) of statement s (bound); count them. */
static int tx_mail_each(struct store_tx *tx, struct db_stmt *s, const struct review_mail *m,
                        int *messages)
{
    struct ivec users = {0}, counts = {0};
    int rc = RC_OK, step;
    while ((step = db_step(s)) == DB_ROW)
        if (ivec_push(&users, (int)db_column_int64(s, 0)) ||
            ivec_push(&counts, (int)db_column_int64(s, 1)))
            rc = RC_ERROR;
    db_reset(s);
    if (step != DB_DONE)
        rc = RC_ERROR;
    for (int i = 0; rc == RC_OK && i < users.n; i++)
        if ((rc = tx_mail(tx, users.v[i], counts.v[i], m)) == RC_OK)
            (*messages)++;
    free(users.v);
    free(counts.v);
    return rc;
}

int tx_review_label_released(struct store_tx *tx)
{
    /* The same statement as migration 027's (both databases); only the stages to number
     * are read, not every pool the database holds. */
    static const char sql[] =
        "WITH todo AS (SELECT s.id FROM stage s WHERE s.kind = 'review' "
        "              AND s.state IN ('released','closed','ranked','advanced') "
        "              AND NOT EXISTS (SELECT 1 FROM stage_label l WHERE l.stage_id = s.id)) "
        "INSERT INTO stage_label (stage_id, no, case_id) "
        "SELECT stage_id, row_number() OVER (PARTITION BY stage_id "
        "        ORDER BY (case_id * 2654435761 + stage_id * 40503) % 1000003, case_id), case_id "
        "FROM (SELECT stage_id, case_id FROM stage_case WHERE stage_id IN (SELECT id FROM todo) "
        "      UNION SELECT stage_id, case_id FROM assignment "
        "            WHERE stage_id IN (SELECT id FROM todo)) pool";
    return db_run(tx_stmt(tx, sql));
}

int tx_review_release(struct store_tx *tx, int64_t stage_id, const struct review_mail *m,
                      int *messages)
{
    static const char upd[] =
        "UPDATE assignment SET state = 'released' WHERE stage_id = ?1 AND state = 'proposed'";
    static const char who[] =
        "SELECT user_id, count(*) FROM assignment WHERE stage_id = ?1 AND state = 'released' "
        "GROUP BY user_id ORDER BY user_id";
    *messages = 0;
    enum stage_state state;
    int rc = tx_stage_allows(tx, stage_id, STAGE_RELEASE, &state);
    if (rc != RC_OK)
        return rc;
    if ((rc = tx_run_id(tx, upd, stage_id)) != RC_OK)
        return rc;
    if ((rc = tx_stage_move(tx, stage_id, state, STAGE_RELEASE)) != RC_OK ||
        (rc = tx_review_label_released(tx)) != RC_OK)
        return rc;
    struct db_stmt *s = tx_stmt(tx, who);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    return tx_mail_each(tx, s, m, messages);
}

int tx_review_drop(struct store_tx *tx, int64_t stage_id, int64_t user_id,
                   const struct review_pair *replacements, int n, const struct review_mail *m)
{
    static const char drop[] =
        "UPDATE assignment SET state = 'dropped' WHERE stage_id = ?1 AND user_id = ?2 "
        "AND state IN " LIVE " AND NOT EXISTS (SELECT 1 FROM review v WHERE "
        "v.stage_id = assignment.stage_id AND v.case_id = assignment.case_id "
        "AND v.user_id = assignment.user_id AND v.status = 'submitted')";
    enum stage_state state;
    int rc = tx_stage_allows(tx, stage_id, STAGE_ASSIGN, &state);
    if (rc != RC_OK)
        return rc;
    int released = state == STAGE_RELEASED;
    struct db_stmt *s = tx_stmt(tx, drop);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, user_id);
    if ((rc = db_run(s)) != RC_OK)
        return rc;
    for (int i = 0; i < n; i++) {
        rc = tx_insert_assignment(tx, stage_id, replacements[i].case_id,
                                  replacements[i].user_id, released ? "released" : "proposed");
        if (rc != RC_OK)
            return rc == RC_EXISTS ? RC_STATE : rc;
    }
    if (!released || !m)
        return RC_OK;
    /* One message per new reviewer with their number of new cases. */
    for (int i = 0; i < n; i++) {
        int seen = 0, count = 0;
        for (int j = 0; j < n; j++) {
            if (replacements[j].user_id != replacements[i].user_id)
                continue;
            if (j < i)
                seen = 1;
            count++;
        }
        if (!seen && (rc = tx_mail(tx, replacements[i].user_id, count, m)) != RC_OK)
            return rc;
    }
    return RC_OK;
}

int tx_review_remind(struct store_tx *tx, int64_t stage_id, const struct review_mail *m,
                     int *messages)
{
    static const char who[] =
        "SELECT a.user_id, count(*) FROM assignment a WHERE a.stage_id = ?1 "
        "AND a.state = 'released' AND NOT EXISTS (SELECT 1 FROM review v WHERE "
        "v.stage_id = a.stage_id AND v.case_id = a.case_id AND v.user_id = a.user_id "
        "AND v.status = 'submitted') GROUP BY a.user_id ORDER BY a.user_id";
    *messages = 0;
    enum stage_state state;
    int rc = tx_stage_allows(tx, stage_id, STAGE_REMIND, &state);
    if (rc != RC_OK)
        return rc;
    struct db_stmt *s = tx_stmt(tx, who);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    return tx_mail_each(tx, s, m, messages);
}
