/*
 * sqlite_public.c — the public side's queries (SQLite backend): the SQL text
 * of every named query, and the functions of store.h that turn their rows
 * into models.  Bodies are returned as Markdown (body_md); rendering them is
 * the view's job.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/search.h"
#include "store/sqlite_int.h"

/* The columns of a case summary, in the order case_summary() reads them. */
#define CASE_COLS                                                                              \
    "c.id, c.title, c.summary, c.region_code, r.name, c.unit_id, u.name, tr.slug, tr.name, "   \
    "ti.slug, ti.name, c.views, c.published_at, "                                              \
    "(SELECT group_concat(t.name, '|') FROM case_tag ct JOIN tag t ON t.id = ct.tag_id "       \
    "  WHERE ct.case_id = c.id) "
#define CASE_NCOLS 14
#define CASE_JOINS                                                                             \
    " JOIN region r ON r.code = c.region_code JOIN unit u ON u.id = c.unit_id "                \
    " JOIN track tr ON tr.id = c.track_id LEFT JOIN tier ti ON ti.id = c.tier_id "

const char *const sq_sql[Q__MAX] = {
    [Q_CAMPAIGN] = "SELECT id, slug, name, theme, organisers, call_md, opens_at, closes_at, "
                   "published_at, status FROM campaign WHERE id = ?1",
    [Q_STAGES] = "SELECT seq, name, kind, starts_at, ends_at, summary FROM stage "
                 "WHERE campaign_id = ?1 ORDER BY seq",
    [Q_TIERS] = "SELECT t.slug, t.name, t.quota, t.rank, "
                "(SELECT count(*) FROM \"case\" c WHERE c.tier_id = t.id) "
                "FROM tier t WHERE t.campaign_id = ?1 ORDER BY t.rank",
    [Q_TRACKS] = "SELECT tr.slug, tr.name, count(c.id) FROM track tr "
                 "LEFT JOIN \"case\" c ON c.track_id = tr.id AND c.published_at IS NOT NULL "
                 "WHERE tr.campaign_id = ?1 GROUP BY tr.id ORDER BY tr.id",
    [Q_FIGURES] = "SELECT count(*), count(DISTINCT region_code), count(DISTINCT unit_id), "
                  "coalesce(sum(views), 0) FROM \"case\" "
                  "WHERE campaign_id = ?1 AND published_at IS NOT NULL",
    [Q_CASES] = "SELECT " CASE_COLS ", count(*) OVER () FROM \"case\" c " CASE_JOINS
                "WHERE c.campaign_id = ?1 AND c.published_at IS NOT NULL "
                "AND (?2 IS NULL OR c.region_code = ?2) "
                "AND (?3 IS NULL OR ti.slug = ?3) "
                "AND (?4 IS NULL OR tr.slug = ?4) "
                "AND (?5 IS NULL OR c.id IN (SELECT ct.case_id FROM case_tag ct "
                "     JOIN tag t ON t.id = ct.tag_id WHERE t.name = ?5)) "
                "AND (?6 IS NULL OR c.id IN (SELECT rowid FROM case_fts WHERE case_fts MATCH ?6)) "
                "AND (?7 IS NULL OR c.id IN "
                "     (SELECT rowid FROM case_short WHERE case_short MATCH ?7)) "
                "ORDER BY CASE WHEN ?8 THEN c.views END DESC, c.published_at DESC, c.id DESC "
                "LIMIT ?9 OFFSET ?10",
    [Q_CASE] = "SELECT " CASE_COLS ", r.source, c.submitted_at FROM \"case\" c " CASE_JOINS
               "WHERE c.id = ?1 AND c.campaign_id = ?2 AND c.published_at IS NOT NULL",
    [Q_CASE_SECTIONS] = "SELECT seq, body_md FROM case_section WHERE case_id = ?1 ORDER BY seq",
    [Q_CASE_TAGS] = "SELECT t.name FROM case_tag ct JOIN tag t ON t.id = ct.tag_id "
                    "WHERE ct.case_id = ?1 ORDER BY t.name",
    [Q_CASE_ATTACHMENTS] = "SELECT sha256, name, mime, size FROM attachment "
                           "WHERE case_id = ?1 ORDER BY id",
    [Q_CASE_RELATED] =
        "SELECT " CASE_COLS " FROM (SELECT ct2.case_id AS id, count(*) AS shared "
        "  FROM case_tag ct JOIN case_tag ct2 ON ct2.tag_id = ct.tag_id "
        "  AND ct2.case_id <> ct.case_id WHERE ct.case_id = ?1 GROUP BY ct2.case_id) rel "
        "JOIN \"case\" c ON c.id = rel.id " CASE_JOINS
        "WHERE c.campaign_id = ?2 AND c.published_at IS NOT NULL "
        "ORDER BY rel.shared DESC, c.track_id = (SELECT track_id FROM \"case\" WHERE id = ?1) "
        "DESC, c.tier_id IS NULL, c.views DESC, c.id LIMIT 6",
    [Q_CASE_PREV] = "SELECT id, title FROM \"case\" WHERE campaign_id = ?2 AND id < ?1 "
                    "AND published_at IS NOT NULL ORDER BY id DESC LIMIT 1",
    [Q_CASE_NEXT] = "SELECT id, title FROM \"case\" WHERE campaign_id = ?2 AND id > ?1 "
                    "AND published_at IS NOT NULL ORDER BY id LIMIT 1",
    [Q_REGIONS] = "SELECT r.code, r.name, r.source, count(c.id) FROM region r "
                  "LEFT JOIN \"case\" c ON c.region_code = r.code AND c.campaign_id = ?1 "
                  "AND c.published_at IS NOT NULL GROUP BY r.code ORDER BY r.code",
    [Q_AWARDED] = "SELECT " CASE_COLS " FROM \"case\" c " CASE_JOINS
                  "WHERE c.campaign_id = ?1 AND c.tier_id IS NOT NULL "
                  "AND c.published_at IS NOT NULL ORDER BY ti.rank, c.region_code, c.id",
    [Q_TAGS] = "SELECT t.name, count(*) FROM tag t JOIN case_tag ct ON ct.tag_id = t.id "
               "JOIN \"case\" c ON c.id = ct.case_id AND c.campaign_id = ?1 "
               "AND c.published_at IS NOT NULL GROUP BY t.id ORDER BY 2 DESC, t.name",
    [Q_ARTICLES] = "SELECT id, title, source, author, published_at, views, body_md, "
                   "count(*) OVER () FROM article WHERE campaign_id = ?1 "
                   "ORDER BY published_at DESC, id DESC LIMIT ?2 OFFSET ?3",
    [Q_ARTICLE] = "SELECT id, title, source, author, published_at, views, body_md "
                  "FROM article WHERE id = ?1 AND campaign_id = ?2",
    [Q_ARTICLE_TAGS] = "SELECT t.name FROM article_tag at JOIN tag t ON t.id = at.tag_id "
                       "WHERE at.article_id = ?1 ORDER BY t.name",
    [Q_ARTICLE_RELATED] =
        "SELECT a.id, a.title, a.published_at FROM article a "
        "WHERE a.campaign_id = ?2 AND a.id <> ?1 ORDER BY "
        "(SELECT count(*) FROM article_tag x JOIN article_tag y ON x.tag_id = y.tag_id "
        " WHERE x.article_id = ?1 AND y.article_id = a.id) DESC, a.published_at DESC LIMIT 5",
    [Q_ARTICLE_PREV] = "SELECT id, title FROM article WHERE campaign_id = ?2 AND id < ?1 "
                       "ORDER BY id DESC LIMIT 1",
    [Q_ARTICLE_NEXT] = "SELECT id, title FROM article WHERE campaign_id = ?2 AND id > ?1 "
                       "ORDER BY id LIMIT 1",
    [Q_SITEMAP_CASES] = "SELECT id, published_at FROM \"case\" WHERE campaign_id = ?1 "
                        "AND published_at IS NOT NULL ORDER BY id",
    [Q_SITEMAP_ARTICLES] = "SELECT id, published_at FROM article WHERE campaign_id = ?1 "
                           "ORDER BY id",
};

/* Split "a|b|c" into a JSON array of strings. */
static json_t *split_tags(const char *s)
{
    json_t *a = json_array();
    while (s && *s) {
        const char *bar = strchr(s, '|');
        size_t n = bar ? (size_t)(bar - s) : strlen(s);
        json_array_append_new(a, json_stringn(s, n));
        s = bar ? bar + 1 : NULL;
    }
    return a;
}

/* A case summary from a row whose first columns are CASE_COLS. */
static json_t *case_summary(sqlite3_stmt *s)
{
    json_t *o = json_object();
    int64_t id = sqlite3_column_int64(s, 0);
    json_object_set_new(o, "id", json_integer(id));
    json_object_set_new(o, "title", sq_jtext(s, 1));
    json_object_set_new(o, "summary", sq_jtext(s, 2));
    json_object_set_new(o, "region", json_pack("{s:o,s:o}", "code", sq_jtext(s, 3), "name",
                                               sq_jtext(s, 4)));
    json_object_set_new(o, "unit", json_pack("{s:I,s:o}", "id",
                                             (json_int_t)sqlite3_column_int64(s, 5), "name",
                                             sq_jtext(s, 6)));
    json_object_set_new(o, "track", json_pack("{s:o,s:o}", "slug", sq_jtext(s, 7), "name",
                                              sq_jtext(s, 8)));
    if (sqlite3_column_type(s, 9) == SQLITE_NULL)
        json_object_set_new(o, "tier", json_null());
    else
        json_object_set_new(o, "tier", json_pack("{s:o,s:o}", "slug", sq_jtext(s, 9), "name",
                                                 sq_jtext(s, 10)));
    json_object_set_new(o, "views", json_integer(sqlite3_column_int64(s, 11)));
    json_object_set_new(o, "published_at", sq_jtext(s, 12));
    json_object_set_new(o, "tags", split_tags(sq_text(s, 13)));
    json_object_set_new(o, "url", json_sprintf("/cases/%lld", (long long)id));
    return o;
}

static void set_pages(json_t *o, int64_t total, int page, int per_page)
{
    int64_t pages = (total + per_page - 1) / per_page;
    json_object_set_new(o, "total", json_integer(total));
    json_object_set_new(o, "page", json_integer(page));
    json_object_set_new(o, "per_page", json_integer(per_page));
    json_object_set_new(o, "pages", json_integer(pages));
}

json_t *store_cases(struct store *st, const struct store_filter *f)
{
    sqlite3_stmt *s = sq_stmt(st, Q_CASES);
    if (!s)
        return NULL;
    struct buf match = BUF_INIT;
    buf_init(&match, 4096);
    enum search_index which = f->q ? search_compile(f->q, &match) : SEARCH_NONE;
    int per_page = f->per_page > 0 ? f->per_page : STORE_PER_PAGE;
    int page = f->page > 0 ? f->page : 1;

    sqlite3_bind_int64(s, 1, st->campaign_id);
    sq_bind_opt(s, 2, f->region);
    sq_bind_opt(s, 3, f->tier);
    sq_bind_opt(s, 4, f->track);
    sq_bind_opt(s, 5, f->tag);
    sq_bind_opt(s, 6, which == SEARCH_TRIGRAM ? match.p : NULL);
    sq_bind_opt(s, 7, which == SEARCH_BIGRAM ? match.p : NULL);
    sqlite3_bind_int(s, 8, f->sort_views);
    sqlite3_bind_int(s, 9, per_page);
    sqlite3_bind_int64(s, 10, (int64_t)(page - 1) * per_page);

    json_t *items = json_array();
    int64_t total = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        json_array_append_new(items, case_summary(s));
        total = sqlite3_column_int64(s, CASE_NCOLS);
    }
    if (rc != SQLITE_DONE)
        log_error("store: case list: %s", sqlite3_errmsg(sqlite3_db_handle(s)));
    sq_done(s);
    if (json_array_size(items) == 0 && page > 1) {
        /* Past the end: learn the total from the first page so the caller can say so. */
        struct store_filter first = *f;
        first.page = 1;
        first.per_page = 1;
        json_t *probe = store_cases(st, &first);
        total = probe ? json_integer_value(json_object_get(probe, "total")) : 0;
        json_decref(probe);
    }
    buf_release(&match);
    json_t *o = json_object();
    set_pages(o, total, page, per_page);
    json_object_set_new(o, "items", items);
    return o;
}

/* Fill an array from a one-text-column query bound to id. */
static json_t *strings_of(struct store *st, enum sq_id q, int64_t id)
{
    json_t *a = json_array();
    sqlite3_stmt *s = sq_stmt(st, q);
    if (!s)
        return a;
    sqlite3_bind_int64(s, 1, id);
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(a, sq_jtext(s, 0));
    sq_done(s);
    return a;
}

/* {id, title} of the neighbour found by q, or null. */
static json_t *neighbour(struct store *st, enum sq_id q, int64_t id, const char *prefix)
{
    sqlite3_stmt *s = sq_stmt(st, q);
    json_t *o = json_null();
    if (!s)
        return o;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, st->campaign_id);
    if (sqlite3_step(s) == SQLITE_ROW) {
        int64_t nid = sqlite3_column_int64(s, 0);
        o = json_pack("{s:I,s:o,s:o}", "id", (json_int_t)nid, "title", sq_jtext(s, 1), "url",
                      json_sprintf("%s%lld", prefix, (long long)nid));
    }
    sq_done(s);
    return o;
}

json_t *store_case(struct store *st, int64_t id)
{
    sqlite3_stmt *s = sq_stmt(st, Q_CASE);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, st->campaign_id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sq_done(s);
        return NULL;
    }
    json_t *o = case_summary(s);
    json_object_set_new(o, "source", sq_jtext(s, CASE_NCOLS));
    json_object_set_new(o, "submitted_at", sq_jtext(s, CASE_NCOLS + 1));
    sq_done(s);

    json_t *sections = json_array();
    if ((s = sq_stmt(st, Q_CASE_SECTIONS))) {
        sqlite3_bind_int64(s, 1, id);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(sections,
                                  json_pack("{s:i,s:o}", "seq", sqlite3_column_int(s, 0),
                                            "body_md", sq_jtext(s, 1)));
        sq_done(s);
    }
    json_object_set_new(o, "sections", sections);

    json_t *files = json_array();
    if ((s = sq_stmt(st, Q_CASE_ATTACHMENTS))) {
        sqlite3_bind_int64(s, 1, id);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(
                files, json_pack("{s:o,s:o,s:o,s:I,s:o}", "sha256", sq_jtext(s, 0), "name",
                                 sq_jtext(s, 1), "mime", sq_jtext(s, 2), "size",
                                 (json_int_t)sqlite3_column_int64(s, 3), "url",
                                 json_sprintf("/files/%s", sq_text(s, 0))));
        sq_done(s);
    }
    json_object_set_new(o, "attachments", files);

    json_t *related = json_array();
    if ((s = sq_stmt(st, Q_CASE_RELATED))) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, st->campaign_id);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(related, case_summary(s));
        sq_done(s);
    }
    json_object_set_new(o, "related", related);
    json_object_set_new(o, "prev", neighbour(st, Q_CASE_PREV, id, "/cases/"));
    json_object_set_new(o, "next", neighbour(st, Q_CASE_NEXT, id, "/cases/"));
    return o;
}

json_t *store_campaign(struct store *st)
{
    sqlite3_stmt *s = sq_stmt(st, Q_CAMPAIGN);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, st->campaign_id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sq_done(s);
        return NULL;
    }
    json_t *o = json_object();
    static const char *const keys[] = {"id",       "slug",      "name",         "theme",  "organisers",
                                       "call_md",  "opens_at",  "closes_at", "published_at", "status"};
    json_object_set_new(o, keys[0], json_integer(sqlite3_column_int64(s, 0)));
    for (int i = 1; i < 10; i++)
        json_object_set_new(o, keys[i], sq_jtext(s, i));
    sq_done(s);

    json_t *stages = json_array();
    if ((s = sq_stmt(st, Q_STAGES))) {
        sqlite3_bind_int64(s, 1, st->campaign_id);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(
                stages, json_pack("{s:i,s:o,s:o,s:o,s:o,s:o}", "seq", sqlite3_column_int(s, 0),
                                  "name", sq_jtext(s, 1), "kind", sq_jtext(s, 2), "starts_at",
                                  sq_jtext(s, 3), "ends_at", sq_jtext(s, 4), "summary",
                                  sq_jtext(s, 5)));
        sq_done(s);
    }
    json_object_set_new(o, "stages", stages);

    json_t *tiers = json_array();
    if ((s = sq_stmt(st, Q_TIERS))) {
        sqlite3_bind_int64(s, 1, st->campaign_id);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(
                tiers, json_pack("{s:o,s:o,s:i,s:i,s:I}", "slug", sq_jtext(s, 0), "name",
                                 sq_jtext(s, 1), "quota", sqlite3_column_int(s, 2), "rank",
                                 sqlite3_column_int(s, 3), "awarded",
                                 (json_int_t)sqlite3_column_int64(s, 4)));
        sq_done(s);
    }
    json_object_set_new(o, "tiers", tiers);

    json_t *tracks = json_array();
    if ((s = sq_stmt(st, Q_TRACKS))) {
        sqlite3_bind_int64(s, 1, st->campaign_id);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(tracks, json_pack("{s:o,s:o,s:I}", "slug", sq_jtext(s, 0),
                                                    "name", sq_jtext(s, 1), "cases",
                                                    (json_int_t)sqlite3_column_int64(s, 2)));
        sq_done(s);
    }
    json_object_set_new(o, "tracks", tracks);

    if ((s = sq_stmt(st, Q_FIGURES))) {
        sqlite3_bind_int64(s, 1, st->campaign_id);
        if (sqlite3_step(s) == SQLITE_ROW)
            json_object_set_new(
                o, "figures",
                json_pack("{s:I,s:I,s:I,s:I}", "cases", (json_int_t)sqlite3_column_int64(s, 0),
                          "regions", (json_int_t)sqlite3_column_int64(s, 1), "units",
                          (json_int_t)sqlite3_column_int64(s, 2), "views",
                          (json_int_t)sqlite3_column_int64(s, 3)));
        sq_done(s);
    }
    return o;
}

/* Awarded cases, and per region their count by tier slug. */
static json_t *awarded(struct store *st)
{
    json_t *items = json_array();
    sqlite3_stmt *s = sq_stmt(st, Q_AWARDED);
    if (!s)
        return items;
    sqlite3_bind_int64(s, 1, st->campaign_id);
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(items, case_summary(s));
    sq_done(s);
    return items;
}

json_t *store_regions(struct store *st)
{
    sqlite3_stmt *s = sq_stmt(st, Q_REGIONS);
    if (!s)
        return NULL;
    json_t *regions = json_array();
    json_t *by_code = json_object();
    sqlite3_bind_int64(s, 1, st->campaign_id);
    while (sqlite3_step(s) == SQLITE_ROW) {
        json_t *r = json_pack("{s:o,s:o,s:o,s:I,s:{},s:i,s:o}", "code", sq_jtext(s, 0), "name",
                              sq_jtext(s, 1), "source", sq_jtext(s, 2), "cases",
                              (json_int_t)sqlite3_column_int64(s, 3), "awards", "awarded", 0,
                              "url", json_sprintf("/regions/%s", sq_text(s, 0)));
        json_object_set(by_code, sq_text(s, 0), r);
        json_array_append_new(regions, r);
    }
    sq_done(s);
    json_t *items = awarded(st);
    size_t i;
    json_t *c;
    json_array_foreach(items, i, c)
    {
        const char *code = json_string_value(json_object_get(json_object_get(c, "region"), "code"));
        const char *tier = json_string_value(json_object_get(json_object_get(c, "tier"), "slug"));
        json_t *r = json_object_get(by_code, code);
        if (!r || !tier)
            continue;
        json_t *aw = json_object_get(r, "awards");
        json_object_set_new(aw, tier,
                            json_integer(json_integer_value(json_object_get(aw, tier)) + 1));
        json_object_set_new(r, "awarded",
                            json_integer(json_integer_value(json_object_get(r, "awarded")) + 1));
    }
    json_decref(items);
    json_decref(by_code);
    return regions;
}

json_t *store_region(struct store *st, const char *code)
{
    json_t *all = store_regions(st), *found = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(all, i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "code")), code) == 0) {
            found = json_incref(r);
            break;
        }
    }
    json_decref(all);
    return found;
}

json_t *store_results(struct store *st)
{
    json_t *campaign = store_campaign(st);
    json_t *regions = store_regions(st);
    json_t *items = awarded(st);
    if (!campaign || !regions) {
        json_decref(campaign);
        json_decref(regions);
        json_decref(items);
        return NULL;
    }
    json_t *tiers = json_incref(json_object_get(campaign, "tiers"));
    size_t i, k;
    json_t *t, *c;
    json_array_foreach(tiers, i, t)
    {
        json_t *list = json_array();
        json_array_foreach(items, k, c)
        {
            const char *slug = json_string_value(json_object_get(json_object_get(c, "tier"), "slug"));
            if (slug && strcmp(slug, json_string_value(json_object_get(t, "slug"))) == 0)
                json_array_append(list, c);
        }
        json_object_set_new(t, "items", list);
    }
    json_t *o = json_pack("{s:o,s:o}", "tiers", tiers, "regions", regions);
    json_decref(items);
    json_decref(campaign);
    return o;
}

json_t *store_tags(struct store *st)
{
    sqlite3_stmt *s = sq_stmt(st, Q_TAGS);
    if (!s)
        return NULL;
    json_t *a = json_array();
    sqlite3_bind_int64(s, 1, st->campaign_id);
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(a, json_pack("{s:o,s:I}", "name", sq_jtext(s, 0), "count",
                                           (json_int_t)sqlite3_column_int64(s, 1)));
    sq_done(s);
    return a;
}

static json_t *article_row(sqlite3_stmt *s)
{
    int64_t id = sqlite3_column_int64(s, 0);
    return json_pack("{s:I,s:o,s:o,s:o,s:o,s:I,s:o,s:o}", "id", (json_int_t)id, "title",
                     sq_jtext(s, 1), "source", sq_jtext(s, 2), "author", sq_jtext(s, 3),
                     "published_at", sq_jtext(s, 4), "views",
                     (json_int_t)sqlite3_column_int64(s, 5), "body_md", sq_jtext(s, 6), "url",
                     json_sprintf("/news/%lld", (long long)id));
}

json_t *store_articles(struct store *st, int page, int per_page)
{
    sqlite3_stmt *s = sq_stmt(st, Q_ARTICLES);
    if (!s)
        return NULL;
    if (per_page <= 0)
        per_page = STORE_PER_PAGE;
    if (page <= 0)
        page = 1;
    sqlite3_bind_int64(s, 1, st->campaign_id);
    sqlite3_bind_int(s, 2, per_page);
    sqlite3_bind_int64(s, 3, (int64_t)(page - 1) * per_page);
    json_t *items = json_array();
    int64_t total = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        json_array_append_new(items, article_row(s));
        total = sqlite3_column_int64(s, 7);
    }
    sq_done(s);
    if (json_array_size(items) == 0 && page > 1) {
        json_t *probe = store_articles(st, 1, 1);
        total = probe ? json_integer_value(json_object_get(probe, "total")) : 0;
        json_decref(probe);
    }
    json_t *o = json_object();
    set_pages(o, total, page, per_page);
    json_object_set_new(o, "items", items);
    return o;
}

json_t *store_article(struct store *st, int64_t id)
{
    sqlite3_stmt *s = sq_stmt(st, Q_ARTICLE);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, st->campaign_id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sq_done(s);
        return NULL;
    }
    json_t *o = article_row(s);
    sq_done(s);
    json_object_set_new(o, "tags", strings_of(st, Q_ARTICLE_TAGS, id));
    json_t *related = json_array();
    if ((s = sq_stmt(st, Q_ARTICLE_RELATED))) {
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, st->campaign_id);
        while (sqlite3_step(s) == SQLITE_ROW) {
            int64_t rid = sqlite3_column_int64(s, 0);
            json_array_append_new(related,
                                  json_pack("{s:I,s:o,s:o,s:o}", "id", (json_int_t)rid, "title",
                                            sq_jtext(s, 1), "published_at", sq_jtext(s, 2),
                                            "url", json_sprintf("/news/%lld", (long long)rid)));
        }
        sq_done(s);
    }
    json_object_set_new(o, "related", related);
    json_object_set_new(o, "prev", neighbour(st, Q_ARTICLE_PREV, id, "/news/"));
    json_object_set_new(o, "next", neighbour(st, Q_ARTICLE_NEXT, id, "/news/"));
    return o;
}

static json_t *id_dates(struct store *st, enum sq_id q)
{
    json_t *a = json_array();
    sqlite3_stmt *s = sq_stmt(st, q);
    if (!s)
        return a;
    sqlite3_bind_int64(s, 1, st->campaign_id);
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(a, json_pack("[I,o]", (json_int_t)sqlite3_column_int64(s, 0),
                                           sq_jtext(s, 1)));
    sq_done(s);
    return a;
}

json_t *store_sitemap(struct store *st)
{
    return json_pack("{s:o,s:o}", "cases", id_dates(st, Q_SITEMAP_CASES), "articles",
                     id_dates(st, Q_SITEMAP_ARTICLES));
}
