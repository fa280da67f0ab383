/*
 * sqlite_public.c — the public side's queries (SQLite backend): the SQL text
 * of every named query, and the functions of store.h that turn their rows
 * into models.  A case's sections come as the HTML the writer rendered when
 * they were written (body_html, migration 011), or as Markdown (body_md) for
 * the view to render while they are not rendered yet; other bodies as
 * Markdown.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/pub_views.h"
#include "store/search.h"
#include "store/sqlite_int.h"

#define STR2(x) #x
#define STR(x) STR2(x)

/* Related cases: each tag's pool holds its RELATED_POOL leading cases. */
#define RELATED_POOL 12

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

/*
 * Search: the ids of the newest SEARCH_CAP hits of the index (rowid order,
 * read once, so the cost is bounded whatever the query) come as a JSON
 * array in ?11; those that are published cases of the campaign and pass
 * the filters are listed in the list's order.  ?1 campaign, ?7 region,
 * ?8 tier id, ?9 track id, ?10 tag id (NULL: any), ?13 most viewed first.
 * The filters and the sort see at most SEARCH_CAP rows, so need no index.
 */
#define SEARCH_HITS(fts) "SELECT rowid FROM " fts " WHERE " fts " MATCH ?1 ORDER BY rowid DESC LIMIT ?2"

const char *const sq_sql[Q__MAX] = {
    [Q_CAMPAIGN] = "SELECT id, slug, name, theme, organisers, call_md, opens_at, closes_at, "
                   "published_at, status FROM campaign WHERE id = ?1",
    [Q_STAGES] = "SELECT seq, name, kind, starts_at, ends_at, summary FROM stage "
                 "WHERE campaign_id = ?1 ORDER BY seq",
    [Q_TIERS] = "SELECT t.slug, t.name, t.quota, t.rank, coalesce(pc.n, 0) FROM tier t "
                "LEFT JOIN pub_count pc ON pc.campaign_id = t.campaign_id AND pc.region = 0 "
                "AND pc.tier_id = t.id AND pc.track_id = 0 AND pc.tag_id = 0 "
                "WHERE t.campaign_id = ?1 ORDER BY t.rank",
    [Q_TRACKS] = "SELECT tr.slug, tr.name, coalesce(pc.n, 0) FROM track tr "
                 "LEFT JOIN pub_count pc ON pc.campaign_id = tr.campaign_id AND pc.region = 0 "
                 "AND pc.tier_id = 0 AND pc.track_id = tr.id AND pc.tag_id = 0 "
                 "WHERE tr.campaign_id = ?1 ORDER BY tr.id",
    [Q_FIGURES] = "SELECT cases, regions, units, views FROM pub_figures WHERE campaign_id = ?1",
    [Q_COUNT] = "SELECT n FROM pub_count WHERE campaign_id = ?1 AND region = ?2 AND tier_id = ?3 "
                "AND track_id = ?4 AND tag_id = ?5",
    [Q_TIER_ID] = "SELECT id FROM tier WHERE campaign_id = ?1 AND slug = ?2",
    [Q_TRACK_ID] = "SELECT id FROM track WHERE campaign_id = ?1 AND slug = ?2",
    [Q_TAG_ID] = "SELECT id FROM tag WHERE name = ?1",
    /* Published only: a most-viewed page read from an order built before a case was
     * withdrawn leaves it out (pub_views.c). */
    [Q_CASE_SUMMARY] = "SELECT " CASE_COLS " FROM \"case\" c " CASE_JOINS "WHERE c.id = ?1 "
                       "AND c.published_at IS NOT NULL",
    [Q_SEARCH_HITS_TRI] = SEARCH_HITS("case_fts"),
    [Q_SEARCH_HITS_BI] = SEARCH_HITS("case_short"),
    [Q_SEARCH] =
        "SELECT c.id FROM json_each(?11) h CROSS JOIN \"case\" c ON c.id = h.value "
        "WHERE c.campaign_id = ?1 AND c.published_at IS NOT NULL "
        "AND (?7 IS NULL OR c.region_code = ?7) AND (?8 IS NULL OR c.tier_id = ?8) "
        "AND (?9 IS NULL OR c.track_id = ?9) AND (?10 IS NULL OR EXISTS (SELECT 1 FROM case_tag ct "
        "  WHERE ct.case_id = c.id AND ct.tag_id = ?10)) "
        "ORDER BY CASE WHEN ?13 THEN c.views END DESC, c.published_at DESC, c.id DESC",
    [Q_CASE_ID_SPAN] = "SELECT (SELECT max(id) FROM \"case\"), (SELECT min(id) FROM \"case\")",
    [Q_CASE] = "SELECT " CASE_COLS ", r.source, c.submitted_at FROM \"case\" c " CASE_JOINS
               "WHERE c.id = ?1 AND c.campaign_id = ?2 AND c.published_at IS NOT NULL",
    [Q_CASE_SECTIONS] = "SELECT seq, body_html, CASE WHEN body_html IS NULL THEN body_md END "
                        "FROM case_section WHERE case_id = ?1 ORDER BY seq",
    [Q_CASE_TAGS] = "SELECT t.name FROM case_tag ct JOIN tag t ON t.id = ct.tag_id "
                    "WHERE ct.case_id = ?1 ORDER BY t.name",
    [Q_CASE_ATTACHMENTS] = "SELECT sha256, name, mime, size FROM attachment "
                           "WHERE case_id = ?1 ORDER BY id",
    /* The pools of the case's tags (at most tags × RELATED_POOL rows): by
     * tags shared, same track, awarded, views. */
    [Q_CASE_RELATED] = "SELECT p.case_id FROM pub_pool p WHERE p.campaign_id = ?2 "
                       "AND p.tag_id IN (SELECT ct.tag_id FROM case_tag ct WHERE ct.case_id = ?1) "
                       "AND p.case_id <> ?1 GROUP BY p.case_id ORDER BY count(*) DESC, "
                       "max(p.track_id = (SELECT track_id FROM \"case\" WHERE id = ?1)) DESC, "
                       "max(p.awarded) DESC, max(p.views) DESC, p.case_id LIMIT " STR(STORE_RELATED),
    [Q_CASE_PREV] = "SELECT id, title FROM \"case\" WHERE campaign_id = ?2 AND id < ?1 "
                    "AND published_at IS NOT NULL ORDER BY id DESC LIMIT 1",
    [Q_CASE_NEXT] = "SELECT id, title FROM \"case\" WHERE campaign_id = ?2 AND id > ?1 "
                    "AND published_at IS NOT NULL ORDER BY id LIMIT 1",
    [Q_REGIONS] = "SELECT r.code, r.name, r.source, coalesce(pc.n, 0) FROM region r "
                  "LEFT JOIN pub_count pc ON pc.campaign_id = ?1 "
                  "AND pc.region = CAST(r.code AS INTEGER) AND pc.tier_id = 0 AND pc.track_id = 0 "
                  "AND pc.tag_id = 0 ORDER BY r.code",
    [Q_REGION_AWARDS] = "SELECT pc.region, t.slug, pc.n FROM tier t CROSS JOIN region r "
                        "CROSS JOIN pub_count pc ON pc.campaign_id = t.campaign_id "
                        "AND pc.region = CAST(r.code AS INTEGER) AND pc.tier_id = t.id "
                        "AND pc.track_id = 0 AND pc.tag_id = 0 WHERE t.campaign_id = ?1",
    /* The results' list: only what it shows, by tier, region, id, from its read table
     * (pub_award, filled with the others: a range scan, no join). */
    [Q_AWARDED] = "SELECT case_id, title, unit_name, region_code, region_name, track_name, "
                  "tier_slug FROM pub_award WHERE campaign_id = ?1 ORDER BY ord",
    [Q_TAGS] = "SELECT t.name, pc.n FROM pub_count pc JOIN tag t ON t.id = pc.tag_id "
               "WHERE pc.campaign_id = ?1 AND pc.region = 0 AND pc.tier_id = 0 "
               "AND pc.track_id = 0 AND pc.tag_id > 0 ORDER BY pc.n DESC, t.name",
    /* Articles: published ones only (migration 008), by their slugs. */
    [Q_ARTICLES] = "SELECT id, title, source, author, published_at, views, body_md, slug, "
                   "coalesce(cover, ''), count(*) OVER () FROM article WHERE campaign_id = ?1 "
                   "AND status = 'published' ORDER BY published_at DESC, id DESC LIMIT ?2 OFFSET ?3",
    [Q_ARTICLE] = "SELECT id, title, source, author, published_at, views, body_md, slug, "
                  "coalesce(cover, '') FROM article WHERE id = ?1 AND campaign_id = ?2 "
                  "AND status = 'published'",
    [Q_ARTICLE_TAGS] = "SELECT t.name FROM article_tag at JOIN tag t ON t.id = at.tag_id "
                       "WHERE at.article_id = ?1 ORDER BY t.name",
    [Q_ARTICLE_RELATED] =
        "SELECT a.id, a.title, a.published_at, a.slug FROM article a "
        "WHERE a.campaign_id = ?2 AND a.id <> ?1 AND a.status = 'published' ORDER BY "
        "(SELECT count(*) FROM article_tag x JOIN article_tag y ON x.tag_id = y.tag_id "
        " WHERE x.article_id = ?1 AND y.article_id = a.id) DESC, a.published_at DESC LIMIT 5",
    [Q_ARTICLE_PREV] = "SELECT slug, title FROM article WHERE campaign_id = ?2 AND id < ?1 "
                       "AND status = 'published' ORDER BY id DESC LIMIT 1",
    [Q_ARTICLE_NEXT] = "SELECT slug, title FROM article WHERE campaign_id = ?2 AND id > ?1 "
                       "AND status = 'published' ORDER BY id LIMIT 1",
    /* From the case of id rank ?2 on, along the covering index. */
    [Q_SITEMAP_CASES] = "SELECT id, published_at FROM \"case\" WHERE campaign_id = ?1 "
                        "AND published_at IS NOT NULL AND id >= (SELECT case_id FROM pub_rank "
                        "WHERE campaign_id = ?1 AND dim = 5 AND key = 0 AND pos = ?2) "
                        "ORDER BY id LIMIT ?3",
    [Q_SITEMAP_ARTICLES] = "SELECT slug, published_at FROM article WHERE campaign_id = ?1 "
                           "AND status = 'published' ORDER BY id LIMIT ?2 OFFSET ?3",
    [Q_ARTICLE_COUNT] = "SELECT count(*) FROM article WHERE campaign_id = ?1 "
                        "AND status = 'published'",
    /* Page K of newest first with no filter or one: ?2 pub_rank's dimension (0 all,
     * 1 region, 2 tier, 3 track, 4 tag), ?3 its key, ?4 the rank the page follows. */
    [Q_LIST_PAGE] = "SELECT case_id FROM pub_rank WHERE campaign_id = ?1 AND dim = ?2 "
                    "AND key = ?3 AND pos > ?4 ORDER BY pos LIMIT ?5",
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

/*
 * The case lists without search words.  Newest first with no filter or one,
 * page K is the range seek pos > (K - 1) * per_page of pub_rank's
 * dimension and key (Q_LIST_PAGE), exact as soon as a publication commits.
 * Most viewed first, and newest first with several filters, are read from
 * the orders kept in memory by a background refresher (pub_views.c): a
 * slice of one filter's ranks, or a walk of the shortest filter's ranks
 * from the nearest kept position, never a walk of the database.
 */
enum { F_REGION = PV_REGION, F_TIER = PV_TIER, F_TRACK = PV_TRACK, F_TAG = PV_TAG };
enum { DIM_ALL, DIM_REGION, DIM_TIER, DIM_TRACK, DIM_TAG };

void db_public_close(struct store *st)
{
    pub_views_stop(st);
}

/* The id of a row found by q bound to (campaign, text) or (text), or 0. */
static int64_t id_of(struct store *st, enum sq_id q, const char *text, int with_campaign)
{
    sqlite3_stmt *s = sq_stmt(st, q);
    int64_t id = 0;
    if (!s)
        return -1;
    if (with_campaign) {
        sqlite3_bind_int64(s, 1, st->campaign_id);
        sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
    }
    if (sqlite3_step(s) == SQLITE_ROW)
        id = sqlite3_column_int64(s, 0);
    sq_done(s);
    return id;
}

/* Published cases of the campaign for one combination of filter keys (0: any). */
static int64_t count_of(struct store *st, int64_t region, int64_t tier, int64_t track, int64_t tag)
{
    sqlite3_stmt *s = sq_stmt(st, Q_COUNT);
    int64_t n = 0;
    if (!s)
        return 0;
    sqlite3_bind_int64(s, 1, st->campaign_id);
    sqlite3_bind_int64(s, 2, region);
    sqlite3_bind_int64(s, 3, tier);
    sqlite3_bind_int64(s, 4, track);
    sqlite3_bind_int64(s, 5, tag);
    if (sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sq_done(s);
    return n;
}

/*
 * Append the summaries of ids[0..n) to items, in that order.  Each lookup
 * ends with sq_done, so that a fault met on any of them is noted (a damaged
 * page is no missing case).
 */
static void summaries(struct store *st, const int64_t *ids, size_t n, json_t *items)
{
    sqlite3_stmt *s = sq_stmt(st, Q_CASE_SUMMARY);
    if (!s)
        return;
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(s, 1, ids[i]);
        if (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(items, case_summary(s));
        sq_done(s);
    }
}

/* The resolved filter: keys as pub_count and pub_rank have them. */
struct keys {
    int64_t region, tier, track, tag;
    int mask;
    int none; /* a filter names nothing that exists: no case matches */
};

static struct keys keys_of(struct store *st, const struct store_filter *f)
{
    struct keys k = {0};
    if (f->region && *f->region) {
        char *end;
        k.region = strtoll(f->region, &end, 10);
        k.none |= *end != '\0' || k.region <= 0;
        k.mask |= F_REGION;
    }
    if (f->tier && *f->tier) {
        k.tier = id_of(st, Q_TIER_ID, f->tier, 1);
        k.none |= k.tier <= 0;
        k.mask |= F_TIER;
    }
    if (f->track && *f->track) {
        k.track = id_of(st, Q_TRACK_ID, f->track, 1);
        k.none |= k.track <= 0;
        k.mask |= F_TRACK;
    }
    if (f->tag && *f->tag) {
        k.tag = id_of(st, Q_TAG_ID, f->tag, 0);
        k.none |= k.tag <= 0;
        k.mask |= F_TAG;
    }
    return k;
}

static void bind_keys(sqlite3_stmt *s, const struct keys *k, const char *region)
{
    /* Parameters a statement does not use answer SQLITE_RANGE: harmless. */
    if (k->mask & F_REGION) {
        sqlite3_bind_text(s, 7, region, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 14, k->region);
    }
    if (k->mask & F_TIER)
        sqlite3_bind_int64(s, 8, k->tier);
    if (k->mask & F_TRACK)
        sqlite3_bind_int64(s, 9, k->track);
    if (k->mask & F_TAG)
        sqlite3_bind_int64(s, 10, k->tag);
}

/* The ids of one page of a list without search words; the count found. */
static size_t list_ids(struct store *st, const struct store_filter *f, const struct keys *k,
                       int page, int per_page, int64_t *ids)
{
    int64_t skip = (int64_t)(page - 1) * per_page;
    if (f->sort_views || (k->mask & (k->mask - 1))) {
        const int64_t key[4] = {k->region, k->tier, k->track, k->tag};
        return pub_views_page(st, f->sort_views ? PV_VIEWS : PV_NEWEST, k->mask, key,
                              count_of(st, 0, 0, 0, 0), skip, per_page, ids);
    }
    int dim = k->mask == F_REGION ? DIM_REGION
              : k->mask == F_TIER ? DIM_TIER
              : k->mask == F_TRACK ? DIM_TRACK
              : k->mask == F_TAG   ? DIM_TAG
                                   : DIM_ALL;
    const int64_t keys[] = {0, k->region, k->tier, k->track, k->tag};
    sqlite3_stmt *s = sq_stmt(st, Q_LIST_PAGE);
    if (!s)
        return 0;
    sqlite3_bind_int64(s, 1, st->campaign_id);
    sqlite3_bind_int(s, 2, dim);
    sqlite3_bind_int64(s, 3, keys[dim]);
    sqlite3_bind_int64(s, 4, skip);
    sqlite3_bind_int(s, 5, per_page);
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < (size_t)per_page)
        ids[n++] = sqlite3_column_int64(s, 0);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        log_error("store: case list: %s", sqlite3_errmsg(sqlite3_db_handle(s)));
    sq_done(s);
    return n;
}

/*
 * A search: the ids of page `page` among the list's order of the newest
 * SEARCH_CAP hits; *counted how many of those hits pass, *approx set (and
 * *total estimated) when the index had more hits than the cap.
 */
static size_t search_ids(struct store *st, const struct store_filter *f, const struct keys *k,
                         int page, int per_page, int64_t *ids, int64_t *counted, int64_t *total,
                         int *approx)
{
    struct buf match = BUF_INIT, hits = BUF_INIT;
    buf_init(&match, 4096);
    buf_init(&hits, 16 * (SEARCH_CAP + 2));
    enum search_index which = search_compile(f->q, &match);
    size_t n = 0;
    *counted = *total = 0;
    *approx = 0;
    sqlite3_stmt *s = NULL;
    if (which != SEARCH_NONE && !match.oom)
        s = sq_stmt(st, which == SEARCH_TRIGRAM ? Q_SEARCH_HITS_TRI : Q_SEARCH_HITS_BI);
    if (!s) {
        buf_release(&match);
        buf_release(&hits);
        return 0;
    }
    /* One pass over the index: the newest SEARCH_CAP hits, and whether there are more. */
    sqlite3_bind_text(s, 1, match.p, (int)match.len, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, SEARCH_CAP + 1);
    int64_t raw = 0, last = 0;
    int rc;
    buf_putc(&hits, '[');
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (++raw > SEARCH_CAP)
            break;
        last = sqlite3_column_int64(s, 0);
        buf_printf(&hits, raw > 1 ? ",%lld" : "%lld", (long long)last);
    }
    buf_putc(&hits, ']');
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        log_error("store: search: %s", sqlite3_errmsg(sqlite3_db_handle(s)));
    sq_done(s);
    *approx = raw > SEARCH_CAP;

    int64_t from = (int64_t)(page - 1) * per_page, i = 0;
    if (raw > 0 && !hits.oom && (s = sq_stmt(st, Q_SEARCH))) {
        sqlite3_bind_int64(s, 1, st->campaign_id);
        bind_keys(s, k, f->region);
        sqlite3_bind_text(s, 11, hits.p, (int)hits.len, SQLITE_STATIC);
        sqlite3_bind_int(s, 13, f->sort_views);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            if (i >= from && n < (size_t)per_page)
                ids[n++] = sqlite3_column_int64(s, 0);
            i++;
        }
        if (rc != SQLITE_DONE)
            log_error("store: search: %s", sqlite3_errmsg(sqlite3_db_handle(s)));
        sq_done(s);
    }
    *counted = *total = i;

    /* More hits than the cap: extrapolate from the share of ids the capped hits span. */
    if (*approx && (s = sq_stmt(st, Q_CASE_ID_SPAN))) {
        int64_t hi = 0, lo = 0;
        if (sqlite3_step(s) == SQLITE_ROW) {
            hi = sqlite3_column_int64(s, 0);
            lo = sqlite3_column_int64(s, 1);
        }
        sq_done(s);
        if (hi >= last && last > 0 && hi > lo)
            *total = (int64_t)((double)i * (double)(hi - lo + 1) / (double)(hi - last + 1) + 0.5);
        if (*total < i)
            *total = i;
    }
    buf_release(&match);
    buf_release(&hits);
    return n;
}

json_t *store_cases(struct store *st, const struct store_filter *f)
{
    int per_page = f->per_page > 0 ? f->per_page : STORE_PER_PAGE;
    int page = f->page > 0 ? f->page : 1;
    if (per_page > STORE_MAX_PER_PAGE)
        per_page = STORE_MAX_PER_PAGE;
    struct keys k = keys_of(st, f);
    int64_t ids[STORE_MAX_PER_PAGE];
    size_t n = 0;
    int64_t total = 0, reachable = 0;
    int approx = 0;
    if (!k.none && f->q) {
        n = search_ids(st, f, &k, page, per_page, ids, &reachable, &total, &approx);
    } else if (!k.none) {
        total = reachable = count_of(st, k.region, k.tier, k.track, k.tag);
        if ((int64_t)(page - 1) * per_page < total)
            n = list_ids(st, f, &k, page, per_page, ids);
    }
    json_t *items = json_array();
    summaries(st, ids, n, items);
    json_t *o = json_object();
    set_pages(o, reachable, page, per_page);
    json_object_set_new(o, "approx", json_boolean(approx));
    json_object_set_new(o, "estimate", json_integer(total));
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
        /* Rendered when written (section_html.c); the Markdown only if not yet. */
        while (sqlite3_step(s) == SQLITE_ROW) {
            int rendered = sqlite3_column_type(s, 1) != SQLITE_NULL;
            json_array_append_new(sections, json_pack("{s:i,s:o}", "seq",
                                                      sqlite3_column_int(s, 0),
                                                      rendered ? "body_html" : "body_md",
                                                      sq_jtext(s, rendered ? 1 : 2)));
        }
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
        int64_t rel[STORE_RELATED];
        size_t n = 0;
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, st->campaign_id);
        while (n < STORE_RELATED && sqlite3_step(s) == SQLITE_ROW)
            rel[n++] = sqlite3_column_int64(s, 0);
        sq_done(s);
        summaries(st, rel, n, related);
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

/*
 * The awarded cases into each tier's items (tiers as store_campaign gives
 * them, by slug): {id, title, url, unit:{name}, region:{code, name},
 * track:{name}}.  0, or -1 when the query could not run.
 */
static int awarded(struct store *st, json_t *tiers)
{
    sqlite3_stmt *s = sq_stmt(st, Q_AWARDED);
    if (!s)
        return -1;
    json_t *by_slug = json_object();
    size_t i;
    json_t *t;
    json_array_foreach(tiers, i, t)
    {
        json_t *list = json_array();
        json_object_set_new(t, "items", list);
        json_object_set(by_slug, json_string_value(json_object_get(t, "slug")), list);
    }
    sqlite3_bind_int64(s, 1, st->campaign_id);
    while (sqlite3_step(s) == SQLITE_ROW) {
        json_t *list = json_object_get(by_slug, sq_text(s, 6));
        int64_t id = sqlite3_column_int64(s, 0);
        if (list)
            json_array_append_new(
                list, json_pack("{s:I,s:o,s:o,s:{s:o},s:{s:o,s:o},s:{s:o}}", "id", (json_int_t)id,
                                "title", sq_jtext(s, 1), "url",
                                json_sprintf("/cases/%lld", (long long)id), "unit", "name",
                                sq_jtext(s, 2), "region", "code", sq_jtext(s, 3), "name",
                                sq_jtext(s, 4), "track", "name", sq_jtext(s, 5)));
    }
    sq_done(s);
    json_decref(by_slug);
    return 0;
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
    /* Awards per region and tier, kept in pub_count. */
    if ((s = sq_stmt(st, Q_REGION_AWARDS))) {
        sqlite3_bind_int64(s, 1, st->campaign_id);
        while (sqlite3_step(s) == SQLITE_ROW) {
            char code[24];
            snprintf(code, sizeof code, "%lld", (long long)sqlite3_column_int64(s, 0));
            const char *tier = sq_text(s, 1);
            json_int_t n = (json_int_t)sqlite3_column_int64(s, 2);
            json_t *r = json_object_get(by_code, code);
            if (!r)
                continue;
            json_object_set_new(json_object_get(r, "awards"), tier, json_integer(n));
            json_object_set_new(r, "awarded",
                                json_integer(json_integer_value(json_object_get(r, "awarded")) + n));
        }
        sq_done(s);
    }
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
    json_t *tiers = campaign ? json_incref(json_object_get(campaign, "tiers")) : NULL;
    if (!campaign || !regions || !tiers || awarded(st, tiers) != 0) {
        json_decref(campaign);
        json_decref(regions);
        json_decref(tiers);
        return NULL;
    }
    json_decref(campaign);
    return json_pack("{s:o,s:o}", "tiers", tiers, "regions", regions);
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
    const char *cover = sq_text(s, 8);
    return json_pack("{s:I,s:o,s:o,s:o,s:o,s:I,s:o,s:o,s:o,s:o}", "id", (json_int_t)id, "title",
                     sq_jtext(s, 1), "source", sq_jtext(s, 2), "author", sq_jtext(s, 3),
                     "published_at", sq_jtext(s, 4), "views",
                     (json_int_t)sqlite3_column_int64(s, 5), "body_md", sq_jtext(s, 6), "url",
                     json_sprintf("/news/%s", sq_text(s, 7)), "slug", sq_jtext(s, 7), "cover",
                     *cover ? json_sprintf("/news/images/%s", cover) : json_null());
}

/* {title, url} of the published article found by q next to article id, or null. */
static json_t *article_neighbour(struct store *st, enum sq_id q, int64_t id)
{
    sqlite3_stmt *s = sq_stmt(st, q);
    json_t *o = json_null();
    if (!s)
        return o;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, st->campaign_id);
    if (sqlite3_step(s) == SQLITE_ROW)
        o = json_pack("{s:o,s:o}", "title", sq_jtext(s, 1), "url",
                      json_sprintf("/news/%s", sq_text(s, 0)));
    sq_done(s);
    return o;
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
        total = sqlite3_column_int64(s, 9);
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
                                            "url", json_sprintf("/news/%s", sq_text(s, 3))));
        }
        sq_done(s);
    }
    json_object_set_new(o, "related", related);
    json_object_set_new(o, "prev", article_neighbour(st, Q_ARTICLE_PREV, id));
    json_object_set_new(o, "next", article_neighbour(st, Q_ARTICLE_NEXT, id));
    return o;
}

json_t *store_sitemap(struct store *st, int64_t from, int64_t count)
{
    json_t *cases = json_array(), *arts = json_array();
    int64_t ncases = 0, narts = 0;
    sqlite3_stmt *s;
    if ((s = sq_stmt(st, Q_FIGURES))) {
        sqlite3_bind_int64(s, 1, st->campaign_id);
        if (sqlite3_step(s) == SQLITE_ROW)
            ncases = sqlite3_column_int64(s, 0);
        sq_done(s);
    }
    if ((s = sq_stmt(st, Q_ARTICLE_COUNT))) {
        sqlite3_bind_int64(s, 1, st->campaign_id);
        if (sqlite3_step(s) == SQLITE_ROW)
            narts = sqlite3_column_int64(s, 0);
        sq_done(s);
    }
    /* Cases are positions 0..ncases-1 (pub_rank's pos - 1 by id), articles follow. */
    int64_t to = from + count;
    if (from < ncases && (s = sq_stmt(st, Q_SITEMAP_CASES))) {
        sqlite3_bind_int64(s, 1, st->campaign_id);
        sqlite3_bind_int64(s, 2, from + 1);
        sqlite3_bind_int64(s, 3, (to < ncases ? to : ncases) - from);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(cases, json_pack("[I,o]", (json_int_t)sqlite3_column_int64(s, 0),
                                                   sq_jtext(s, 1)));
        sq_done(s);
    }
    int64_t afrom = from > ncases ? from - ncases : 0;
    if (to > ncases && afrom < narts && (s = sq_stmt(st, Q_SITEMAP_ARTICLES))) {
        sqlite3_bind_int64(s, 1, st->campaign_id);
        sqlite3_bind_int64(s, 2, to - ncases - afrom);
        sqlite3_bind_int64(s, 3, afrom);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(arts, json_pack("[o,o]", json_sprintf("/news/%s", sq_text(s, 0)),
                                                  sq_jtext(s, 1)));
        sq_done(s);
    }
    return json_pack("{s:I,s:I,s:o,s:o}", "ncases", (json_int_t)ncases, "narticles",
                     (json_int_t)narts, "cases", cases, "articles", arts);
}

/* ------------------------------------------------------------------------
 * Refreshing the derived tables (writer thread).  Each statement binds ?1
 * to the campaign; the counts are rolled up from one grouped pass over
 * the cases and one over their tags, the ranks are window functions, and
 * each tag's pool of related cases is its RELATED_POOL leading cases.  The
 * self-join of every pair of cases sharing a tag, which grows with the
 * square of the campaign, is never formed.
 */
#define PUB_CASES "SELECT * FROM \"case\" WHERE campaign_id = ?1 AND published_at IS NOT NULL"
/* The columns of a pub_rank row after case_id (the cases aliased or not). */
#define RANK_COLS ", CAST(region_code AS INTEGER), tier_id, track_id"

static const char *const refresh_sql[] = {
    "DELETE FROM pub_award WHERE campaign_id = ?1",
    /* From the tiers along case_tier, so its cost is the awards, not the campaign. */
    "INSERT INTO pub_award SELECT ?1, row_number() OVER (ORDER BY ti.rank, c.region_code, c.id), "
    "c.id, ti.slug, c.title, u.name, c.region_code, r.name, tr.name "
    "FROM tier ti CROSS JOIN \"case\" c ON c.tier_id = ti.id "
    "JOIN region r ON r.code = c.region_code JOIN unit u ON u.id = c.unit_id "
    "JOIN track tr ON tr.id = c.track_id WHERE ti.campaign_id = ?1 "
    "AND c.campaign_id = ?1 AND c.published_at IS NOT NULL",
    "DELETE FROM pub_figures WHERE campaign_id = ?1",
    "DELETE FROM pub_count WHERE campaign_id = ?1",
    "DELETE FROM pub_rank WHERE campaign_id = ?1",
    "DELETE FROM pub_pool WHERE campaign_id = ?1",
    "INSERT INTO pub_figures SELECT ?1, count(*), count(DISTINCT region_code), "
    "count(DISTINCT unit_id), coalesce(sum(views), 0) FROM (" PUB_CASES ")",
    "DROP TABLE IF EXISTS temp.pub_base",
    "CREATE TEMP TABLE pub_base (region INTEGER, tier_id INTEGER, track_id INTEGER, "
    "tag_id INTEGER, n INTEGER)",
    "INSERT INTO temp.pub_base SELECT CAST(region_code AS INTEGER), tier_id, track_id, 0, count(*) "
    "FROM (" PUB_CASES ") GROUP BY 1, 2, 3",
    "INSERT INTO temp.pub_base SELECT CAST(c.region_code AS INTEGER), c.tier_id, c.track_id, "
    "ct.tag_id, count(*) FROM (" PUB_CASES ") c JOIN case_tag ct ON ct.case_id = c.id "
    "GROUP BY 1, 2, 3, 4",
    /* Every subset of {region, tier, track} kept or rolled up to 0 (any). */
    "WITH s(bits) AS (VALUES (0), (1), (2), (3), (4), (5), (6), (7)) "
    "INSERT INTO pub_count SELECT ?1, CASE WHEN bits & 1 THEN region ELSE 0 END AS r, "
    "CASE WHEN bits & 2 THEN tier_id ELSE 0 END AS ti, "
    "CASE WHEN bits & 4 THEN track_id ELSE 0 END AS tr, tag_id, sum(n) "
    "FROM s CROSS JOIN temp.pub_base WHERE bits & 2 = 0 OR tier_id IS NOT NULL "
    "GROUP BY bits, r, ti, tr, tag_id",
    "DROP TABLE temp.pub_base",
    "INSERT INTO pub_rank SELECT ?1, 0, 0, row_number() OVER (ORDER BY published_at DESC, id DESC), "
    "id" RANK_COLS " FROM (" PUB_CASES ")",
    "INSERT INTO pub_rank SELECT ?1, 1, CAST(region_code AS INTEGER), row_number() OVER "
    "(PARTITION BY region_code ORDER BY published_at DESC, id DESC), id" RANK_COLS
    " FROM (" PUB_CASES ")",
    "INSERT INTO pub_rank SELECT ?1, 2, tier_id, row_number() OVER "
    "(PARTITION BY tier_id ORDER BY published_at DESC, id DESC), id" RANK_COLS
    " FROM (" PUB_CASES ") WHERE tier_id IS NOT NULL",
    "INSERT INTO pub_rank SELECT ?1, 3, track_id, row_number() OVER "
    "(PARTITION BY track_id ORDER BY published_at DESC, id DESC), id" RANK_COLS
    " FROM (" PUB_CASES ")",
    "INSERT INTO pub_rank SELECT ?1, 4, ct.tag_id, row_number() OVER "
    "(PARTITION BY ct.tag_id ORDER BY c.published_at DESC, c.id DESC), c.id" RANK_COLS
    " FROM (" PUB_CASES ") c JOIN case_tag ct ON ct.case_id = c.id",
    "INSERT INTO pub_rank SELECT ?1, 5, 0, row_number() OVER (ORDER BY id), id" RANK_COLS
    " FROM (" PUB_CASES ")",
    "INSERT INTO pub_pool SELECT ?1, tag_id, rn, id, track_id, awarded, views FROM "
    "(SELECT ct.tag_id, c.id, c.track_id, c.tier_id IS NOT NULL AS awarded, c.views, "
    "  row_number() OVER (PARTITION BY ct.tag_id ORDER BY c.tier_id IS NULL, c.views DESC, c.id) "
    "  AS rn FROM (" PUB_CASES ") c JOIN case_tag ct ON ct.case_id = c.id) "
    "WHERE rn <= " STR(RELATED_POOL),
};

int db_public_refresh(sqlite3 *db, int64_t campaign_id)
{
    for (size_t i = 0; i < sizeof refresh_sql / sizeof refresh_sql[0]; i++) {
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(db, refresh_sql[i], -1, &s, NULL) != SQLITE_OK) {
            log_error("store: public refresh: %s in: %.80s", sqlite3_errmsg(db), refresh_sql[i]);
            return -1;
        }
        if (sqlite3_bind_parameter_count(s) >= 1)
            sqlite3_bind_int64(s, 1, campaign_id);
        int rc = sqlite3_step(s);
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE) {
            log_error("store: public refresh: %s in: %.80s", sqlite3_errmsg(db), refresh_sql[i]);
            return -1;
        }
    }
    /* Statistics for the planner, sampled so that it stays quick at any size. */
    if (sqlite3_exec(db, "PRAGMA analysis_limit = 1000; ANALYZE;", NULL, NULL, NULL) != SQLITE_OK) {
        log_error("store: analyze: %s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

int db_public_stale(sqlite3 *db, int64_t campaign_id)
{
    sqlite3_stmt *s;
    int stale = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT (NOT EXISTS (SELECT 1 FROM pub_figures WHERE campaign_id = ?1) "
                           "AND EXISTS (SELECT 1 FROM \"case\" WHERE campaign_id = ?1 "
                           "AND published_at IS NOT NULL)) OR (NOT EXISTS (SELECT 1 FROM "
                           "pub_award WHERE campaign_id = ?1) AND EXISTS (SELECT 1 FROM "
                           "\"case\" WHERE campaign_id = ?1 AND published_at IS NOT NULL AND "
                           "tier_id IS NOT NULL))",
                           -1, &s, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_int64(s, 1, campaign_id);
    if (sqlite3_step(s) == SQLITE_ROW)
        stale = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return stale;
}

void db_public_add_views(sqlite3 *db, int64_t campaign_id, int64_t delta)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, "UPDATE pub_figures SET views = views + ?2 WHERE campaign_id = ?1",
                           -1, &s, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(s, 1, campaign_id);
    sqlite3_bind_int64(s, 2, delta);
    if (sqlite3_step(s) != SQLITE_DONE)
        log_error("store: figures views: %s", sqlite3_errmsg(db));
    sqlite3_finalize(s);
}
