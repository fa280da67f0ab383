/*
 * public.c — the public side's queries: the SQL text of every named query
 * (public.h), the functions of store.h that turn their rows into models,
 * and the upkeep of the public read tables.  Written over the driver
 * (db.h): it runs on SQLite and on PostgreSQL.  A case's sections come as
 * the HTML the writer rendered when they were written (body_html,
 * migration 011), or as Markdown (body_md) for the view to render while
 * they are not rendered yet; other bodies as Markdown.
 *
 * A case's tags come as the rows of a query of their own after its
 * summary's (Q_CASE_TAGS), not joined into one text by SQLite's
 * group_concat.  Search reads the newest hits of each database's own index
 * (search.h: FTS5 on SQLite, a gram table on PostgreSQL), then the cases
 * among them that pass the filters, by a JSON array of the hits.
 * Most viewed first, and newest first with several filters, are read from
 * the orders kept by pub_views.c, on both.
 */
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "store/pub_views.h"
#include "store/public.h"
#include "store/search.h"
#include "store/store_int.h"

#define STR2(x) #x
#define STR(x) STR2(x)

/* Related cases: each tag's pool holds its RELATED_POOL leading cases. */
#define RELATED_POOL 12

/* The columns of a case summary, in the order case_head() reads them (its tags: Q_CASE_TAGS). */
#define CASE_COLS                                                                              \
    "c.id, c.title, c.summary, c.region_code, r.name, c.unit_id, u.name, tr.slug, tr.name, "   \
    "ti.slug, ti.name, c.views, c.published_at"
#define CASE_NCOLS 13
/* The pools of the case's tags (at most tags × RELATED_POOL rows): by tags shared, same
 * track, awarded, views; `self` leaves the case itself out or not. */
#define RELATED_SQL(self, limit)                                                               \
    "SELECT p.case_id FROM pub_pool p WHERE p.campaign_id = ?2 "                               \
    "AND p.tag_id IN (SELECT ct.tag_id FROM case_tag ct WHERE ct.case_id = ?1) " self          \
    " GROUP BY p.case_id ORDER BY count(*) DESC, "                                             \
    "max(CASE WHEN p.track_id = (SELECT track_id FROM \"case\" WHERE id = ?1) "                \
    "THEN 1 ELSE 0 END) DESC, max(p.awarded) DESC, max(p.views) DESC, p.case_id LIMIT " limit
#define RELATED_ANY 7
_Static_assert(RELATED_ANY == STORE_RELATED + 1, "one more than a page names");
#define CASE_JOINS                                                                             \
    " JOIN region r ON r.code = c.region_code JOIN unit u ON u.id = c.unit_id "                \
    " JOIN track tr ON tr.id = c.track_id LEFT JOIN tier ti ON ti.id = c.tier_id "

/*
 * Search: the ids of the newest SEARCH_CAP hits of the index (search.h:
 * FTS5's rowid order here, read once, so the cost is bounded whatever the
 * query; case_gram's on PostgreSQL) come as a JSON array in ?2; those
 * that are published cases of the campaign and pass the filters are listed
 * in the list's order.  ?1 campaign, ?3 region, ?4 tier id, ?5 track id, ?6
 * tag id (NULL: any), ?7 most viewed first.  The filters and the sort see at
 * most SEARCH_CAP rows, so need no index; each row is read from the narrow
 * index case_search (migration 025), not from the wide case row.
 */
/* Q_SEARCH on PostgreSQL: the JSON array's ids read by jsonb_array_elements_text. */
static const char search_pg_sql[] =
    "SELECT c.id FROM jsonb_array_elements_text(CAST(?2 AS jsonb)) h(value) "
    "CROSS JOIN \"case\" c WHERE c.id = CAST(h.value AS BIGINT) AND c.campaign_id = ?1 "
    "AND c.published_at IS NOT NULL "
    "AND (CAST(?3 AS TEXT) IS NULL OR c.region_code = ?3) "
    "AND (CAST(?4 AS BIGINT) IS NULL OR c.tier_id = ?4) "
    "AND (CAST(?5 AS BIGINT) IS NULL OR c.track_id = ?5) "
    "AND (CAST(?6 AS BIGINT) IS NULL OR EXISTS (SELECT 1 FROM case_tag ct "
    "  WHERE ct.case_id = c.id AND ct.tag_id = ?6)) "
    "ORDER BY CASE WHEN ?7 <> 0 THEN c.views END DESC, c.published_at DESC, c.id DESC";

#define SEARCH_HITS(fts) "SELECT rowid FROM " fts " WHERE " fts " MATCH ?1 ORDER BY rowid DESC LIMIT ?2"

const char *const public_sql[Q__MAX] = {
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
        "SELECT c.id FROM json_each(?2) h CROSS JOIN \"case\" c INDEXED BY case_search "
        "WHERE c.id = h.value "
        "AND c.campaign_id = ?1 AND c.published_at IS NOT NULL "
        "AND (CAST(?3 AS TEXT) IS NULL OR c.region_code = ?3) AND (?4 IS NULL OR c.tier_id = ?4) "
        "AND (?5 IS NULL OR c.track_id = ?5) AND (?6 IS NULL OR EXISTS (SELECT 1 FROM case_tag ct "
        "  WHERE ct.case_id = c.id AND ct.tag_id = ?6)) "
        "ORDER BY CASE WHEN ?7 <> 0 THEN c.views END DESC, c.published_at DESC, c.id DESC",
    [Q_CASE_ID_SPAN] = "SELECT (SELECT max(id) FROM \"case\"), (SELECT min(id) FROM \"case\")",
    [Q_CASE] = "SELECT " CASE_COLS ", r.source, c.submitted_at FROM \"case\" c " CASE_JOINS
               "WHERE c.id = ?1 AND c.campaign_id = ?2 AND c.published_at IS NOT NULL",
    /* By tag id, as the case_tag key gives them (no sort). */
    [Q_CASE_TAGS] = "SELECT t.name FROM case_tag ct JOIN tag t ON t.id = ct.tag_id "
                    "WHERE ct.case_id = ?1 ORDER BY ct.tag_id",
    [Q_CASE_SECTIONS] = "SELECT seq, body_html, CASE WHEN body_html IS NULL THEN body_md END "
                        "FROM case_section WHERE case_id = ?1 ORDER BY seq",
    [Q_CASE_ATTACHMENTS] = "SELECT sha256, name, mime, size FROM attachment "
                           "WHERE case_id = ?1 ORDER BY id",
    /* The related cases (RELATED_SQL). */
    [Q_CASE_RELATED] = RELATED_SQL("AND p.case_id <> ?1", STR(STORE_RELATED)),
    [Q_CASE_PREV] = "SELECT id, title FROM \"case\" WHERE campaign_id = ?2 AND id < ?1 "
                    "AND published_at IS NOT NULL ORDER BY id DESC LIMIT 1",
    [Q_CASE_NEXT] = "SELECT id, title FROM \"case\" WHERE campaign_id = ?2 AND id > ?1 "
                    "AND published_at IS NOT NULL ORDER BY id LIMIT 1",
    [Q_REGIONS] = "SELECT r.code, r.name, r.source, coalesce(pc.n, 0) FROM region r "
                  "LEFT JOIN pub_count pc ON pc.campaign_id = ?1 "
                  "AND pc.region = CAST(r.code AS INTEGER) AND pc.tier_id = 0 AND pc.track_id = 0 "
                  "AND pc.tag_id = 0 ORDER BY r.code",
    /* CROSS JOIN keeps SQLite's order of the loops (tiers, regions, then counts). */
    [Q_REGION_AWARDS] = "SELECT pc.region, t.slug, pc.n FROM tier t CROSS JOIN region r "
                        "CROSS JOIN pub_count pc WHERE t.campaign_id = ?1 "
                        "AND pc.campaign_id = t.campaign_id "
                        "AND pc.region = CAST(r.code AS INTEGER) AND pc.tier_id = t.id "
                        "AND pc.track_id = 0 AND pc.tag_id = 0",
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
    [Q_ARTICLE_TAGS] = "SELECT t.name FROM article_tag atg JOIN tag t ON t.id = atg.tag_id "
                       "WHERE atg.article_id = ?1 ORDER BY t.name",
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
    /* Q_CASE_RELATED's order with the case itself left in, one more (related_ids). */
    [Q_CASE_RELATED_ANY] = RELATED_SQL("", STR(RELATED_ANY)),
    /* The list pages' region filter: names only, none of the counts (a reference table). */
    [Q_REGION_NAMES] = "SELECT code, name FROM region ORDER BY code",
};


/*
 * A case summary from a row whose first columns are CASE_COLS, without its
 * tags (case_tags reads them from this row and the next ones).
 */
static json_t *case_head(struct db_stmt *s)
{
    json_t *o = json_object();
    int64_t id = db_column_int64(s, 0);
    json_object_set_new(o, "id", json_integer(id));
    json_object_set_new(o, "title", db_jtext(s, 1));
    json_object_set_new(o, "summary", db_jtext(s, 2));
    json_object_set_new(o, "region", json_pack("{s:o,s:o}", "code", db_jtext(s, 3), "name",
                                               db_jtext(s, 4)));
    json_object_set_new(o, "unit", json_pack("{s:I,s:o}", "id",
                                             (json_int_t)db_column_int64(s, 5), "name",
                                             db_jtext(s, 6)));
    json_object_set_new(o, "track", json_pack("{s:o,s:o}", "slug", db_jtext(s, 7), "name",
                                              db_jtext(s, 8)));
    if (db_column_type(s, 9) == DB_NULL)
        json_object_set_new(o, "tier", json_null());
    else
        json_object_set_new(o, "tier", json_pack("{s:o,s:o}", "slug", db_jtext(s, 9), "name",
                                                 db_jtext(s, 10)));
    json_object_set_new(o, "views", json_integer(db_column_int64(s, 11)));
    json_object_set_new(o, "published_at", db_jtext(s, 12));
    json_object_set_new(o, "url", json_sprintf("/cases/%lld", (long long)id));
    return o;
}

/* The tags of case id into o (Q_CASE_TAGS's statement s). */
static void case_tags(struct db_stmt *s, int64_t id, json_t *o)
{
    json_t *tags = json_array();
    if (s) {
        db_bind_int64(s, 1, id);
        while (db_step(s) == DB_ROW)
            json_array_append_new(tags, db_jtext(s, 0));
        db_reset(s);
    }
    json_object_set_new(o, "tags", tags);
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

/* The statement of the named query q on the calling thread's connection, or NULL (logged). */
static struct db_stmt *pub_stmt(struct store *st, enum public_q q)
{
    return store_stmt(st, public_sql[q]);
}

/* The id of a row found by q bound to (campaign, text) or (text), or 0; -1 on failure. */
static int64_t id_of(struct store *st, enum public_q q, const char *text, int with_campaign)
{
    struct db_stmt *s = pub_stmt(st, q);
    int64_t id = 0;
    if (!s)
        return -1;
    if (with_campaign) {
        db_bind_int64(s, 1, store_public_campaign(st));
        db_bind_text(s, 2, text, -1);
    } else {
        db_bind_text(s, 1, text, -1);
    }
    if (db_step(s) == DB_ROW)
        id = db_column_int64(s, 0);
    db_reset(s);
    return id;
}

/* Published cases of the campaign for one combination of filter keys (0: any). */
static int64_t count_of(struct store *st, int64_t region, int64_t tier, int64_t track, int64_t tag)
{
    struct db_stmt *s = pub_stmt(st, Q_COUNT);
    int64_t n = 0;
    if (!s)
        return 0;
    db_bind_int64(s, 1, store_public_campaign(st));
    db_bind_int64(s, 2, region);
    db_bind_int64(s, 3, tier);
    db_bind_int64(s, 4, track);
    db_bind_int64(s, 5, tag);
    if (db_step(s) == DB_ROW)
        n = db_column_int64(s, 0);
    db_reset(s);
    return n;
}

/*
 * Append the summaries of ids[0..n) to items, in that order.  A failure
 * met on any of them is logged, and noted when it is a fault (a damaged
 * page is no missing case), by the driver.
 */
static __thread json_t *summary_memo; /* by id (store_summary_memo), or NULL */
#define SUMMARY_MEMO_MAX 65536

void store_summary_memo(int on)
{
    json_decref(summary_memo);
    summary_memo = on ? json_object() : NULL;
}

static void summaries(struct store *st, const int64_t *ids, size_t n, json_t *items)
{
    struct db_stmt *s = pub_stmt(st, Q_CASE_SUMMARY), *tags = pub_stmt(st, Q_CASE_TAGS);
    if (!s)
        return;
    for (size_t i = 0; i < n; i++) {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)ids[i]);
        json_t *o = summary_memo ? json_object_get(summary_memo, key) : NULL;
        if (o) {
            json_array_append(items, o);
            continue;
        }
        db_bind_int64(s, 1, ids[i]);
        o = db_step(s) == DB_ROW ? case_head(s) : NULL;
        db_reset(s);
        if (o) {
            case_tags(tags, ids[i], o);
            if (summary_memo && json_object_size(summary_memo) < SUMMARY_MEMO_MAX)
                json_object_set(summary_memo, key, o);
            json_array_append_new(items, o);
        }
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
    struct db_stmt *s = pub_stmt(st, Q_LIST_PAGE);
    if (!s)
        return 0;
    db_bind_int64(s, 1, store_public_campaign(st));
    db_bind_int64(s, 2, dim);
    db_bind_int64(s, 3, keys[dim]);
    db_bind_int64(s, 4, skip);
    db_bind_int64(s, 5, per_page);
    size_t n = 0;
    while (n < (size_t)per_page && db_step(s) == DB_ROW)
        ids[n++] = db_column_int64(s, 0);
    db_reset(s);
    return n;
}

/* Each database's search index (search.h). */
static const search_hits_fn search_hits[DB_KIND__MAX] = {
    [DB_SQLITE] = search_fts_hits,
    [DB_PG] = search_pg_hits,
};

/*
 * A search: the ids of page `page` among the list's order of the newest
 * SEARCH_CAP hits; *counted how many of those hits pass, *total estimated
 * and *approx set when the index had more hits than the cap.  The hits are
 * the database's index's (search.h); what follows is the same on both.
 */
static size_t search_ids(struct store *st, const struct store_filter *f, const struct keys *k,
                         int page, int per_page, int64_t *ids, int64_t *counted, int64_t *total,
                         int *approx)
{
    *counted = *total = 0;
    *approx = 0;
    struct db_conn *c = store_db(st);
    if (!c)
        return 0;
    int64_t *found = malloc((SEARCH_CAP + 1) * sizeof *found);
    struct buf hits = BUF_INIT;
    buf_init(&hits, 24 * (SEARCH_CAP + 2));
    /* One pass over the index: the newest SEARCH_CAP hits, and whether there are more. */
    size_t raw = found ? search_hits[db_kind(c)](st, f->q, found, SEARCH_CAP + 1) : 0;
    *approx = raw > SEARCH_CAP;
    if (*approx)
        raw = SEARCH_CAP;
    int64_t last = raw > 0 ? found[raw - 1] : 0;
    buf_putc(&hits, '[');
    for (size_t h = 0; h < raw; h++)
        buf_printf(&hits, h ? ",%lld" : "%lld", (long long)found[h]);
    buf_putc(&hits, ']');
    free(found);
    size_t n = 0;
    struct db_stmt *s;

    int64_t from = (int64_t)(page - 1) * per_page, i = 0;
    if (raw > 0 && !hits.oom &&
        (s = db_kind(c) == DB_PG ? store_stmt(st, search_pg_sql) : pub_stmt(st, Q_SEARCH))) {
        db_bind_int64(s, 1, store_public_campaign(st));
        db_bind_text(s, 2, hits.p, (int)hits.len);
        db_bind_opt(s, 3, k->mask & F_REGION ? f->region : NULL);
        if (k->mask & F_TIER)
            db_bind_int64(s, 4, k->tier);
        if (k->mask & F_TRACK)
            db_bind_int64(s, 5, k->track);
        if (k->mask & F_TAG)
            db_bind_int64(s, 6, k->tag);
        db_bind_int64(s, 7, f->sort_views);
        while (db_step(s) == DB_ROW) {
            if (i >= from && n < (size_t)per_page)
                ids[n++] = db_column_int64(s, 0);
            i++;
        }
        db_reset(s);
    }
    *counted = *total = i;

    /* More hits than the cap: extrapolate from the share of ids the capped hits span. */
    if (*approx && (s = pub_stmt(st, Q_CASE_ID_SPAN))) {
        int64_t hi = 0, lo = 0;
        if (db_step(s) == DB_ROW) {
            hi = db_column_int64(s, 0);
            lo = db_column_int64(s, 1);
        }
        db_reset(s);
        if (hi >= last && last > 0 && hi > lo)
            *total = (int64_t)((double)i * (double)(hi - lo + 1) / (double)(hi - last + 1) + 0.5);
        if (*total < i)
            *total = i;
    }
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
static json_t *strings_of(struct store *st, enum public_q q, int64_t id)
{
    json_t *a = json_array();
    struct db_stmt *s = pub_stmt(st, q);
    if (!s)
        return a;
    db_bind_int64(s, 1, id);
    while (db_step(s) == DB_ROW)
        json_array_append_new(a, db_jtext(s, 0));
    db_reset(s);
    return a;
}

/* {id, title} of the neighbour found by q, or null. */
static json_t *neighbour(struct store *st, enum public_q q, int64_t id, const char *prefix)
{
    struct db_stmt *s = pub_stmt(st, q);
    json_t *o = json_null();
    if (!s)
        return o;
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, store_public_campaign(st));
    if (db_step(s) == DB_ROW) {
        int64_t nid = db_column_int64(s, 0);
        o = json_pack("{s:I,s:o,s:o}", "id", (json_int_t)nid, "title", db_jtext(s, 1), "url",
                      json_sprintf("%s%lld", prefix, (long long)nid));
    }
    db_reset(s);
    return o;
}

/* Up to max ids that the related query q bound to case id returns into rel. */
static size_t related_query(struct store *st, enum public_q q, int64_t id, int64_t *rel,
                            size_t max)
{
    struct db_stmt *s = pub_stmt(st, q);
    size_t n = 0;
    if (!s)
        return 0;
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, store_public_campaign(st));
    while (n < max && db_step(s) == DB_ROW)
        rel[n++] = db_column_int64(s, 0);
    db_reset(s);
    return n;
}

/*
 * The cases the page of case id names as related, into rel: n.  With the
 * memo on, by the case's track and tags (o's: slugs and names are unique),
 * all the query reads of the case: its order with the case left in, one
 * more, is kept for them, and the case itself taken out of it, which leaves
 * the order of the others as the query with it left out gives it.
 */
static size_t related_ids(struct store *st, int64_t id, json_t *o, int64_t rel[STORE_RELATED])
{
    char key[1024];
    size_t len = 0, i;
    json_t *tag;
    if (summary_memo) {
        const char *track = json_string_value(json_object_get(json_object_get(o, "track"), "slug"));
        len = (size_t)snprintf(key, sizeof key, "related\x1f%s", track ? track : "");
        json_array_foreach(json_object_get(o, "tags"), i, tag)
        {
            if (len < sizeof key)
                len += (size_t)snprintf(key + len, sizeof key - len, "\x1f%s",
                                        json_string_value(tag));
        }
    }
    if (!summary_memo || len >= sizeof key)
        return related_query(st, Q_CASE_RELATED, id, rel, STORE_RELATED);
    json_t *kept = json_object_get(summary_memo, key);
    if (!kept) {
        int64_t any[RELATED_ANY];
        size_t m;
        if (json_object_size(summary_memo) >= SUMMARY_MEMO_MAX || !(kept = json_array()))
            return related_query(st, Q_CASE_RELATED, id, rel, STORE_RELATED);
        m = related_query(st, Q_CASE_RELATED_ANY, id, any, RELATED_ANY);
        for (i = 0; i < m; i++)
            json_array_append_new(kept, json_integer(any[i]));
        if (json_object_set_new(summary_memo, key, kept) != 0) /* the memo holds it */
            return related_query(st, Q_CASE_RELATED, id, rel, STORE_RELATED);
    }
    size_t n = 0;
    json_array_foreach(kept, i, tag)
    {
        int64_t r = json_integer_value(tag);
        if (r != id && n < STORE_RELATED)
            rel[n++] = r;
    }
    return n;
}

json_t *store_case(struct store *st, int64_t id)
{
    struct db_stmt *s = pub_stmt(st, Q_CASE);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, store_public_campaign(st));
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return NULL;
    }
    json_t *o = case_head(s);
    json_object_set_new(o, "source", db_jtext(s, CASE_NCOLS));
    json_object_set_new(o, "submitted_at", db_jtext(s, CASE_NCOLS + 1));
    db_reset(s);
    case_tags(pub_stmt(st, Q_CASE_TAGS), id, o);

    json_t *sections = json_array();
    if ((s = pub_stmt(st, Q_CASE_SECTIONS))) {
        db_bind_int64(s, 1, id);
        /* Rendered when written (section_html.c); the Markdown only if not yet. */
        while (db_step(s) == DB_ROW) {
            int rendered = db_column_type(s, 1) != DB_NULL;
            json_array_append_new(sections, json_pack("{s:i,s:o}", "seq",
                                                      (int)db_column_int64(s, 0),
                                                      rendered ? "body_html" : "body_md",
                                                      db_jtext(s, rendered ? 1 : 2)));
        }
        db_reset(s);
    }
    json_object_set_new(o, "sections", sections);

    json_t *files = json_array();
    if ((s = pub_stmt(st, Q_CASE_ATTACHMENTS))) {
        db_bind_int64(s, 1, id);
        while (db_step(s) == DB_ROW)
            json_array_append_new(
                files, json_pack("{s:o,s:o,s:o,s:I,s:o}", "sha256", db_jtext(s, 0), "name",
                                 db_jtext(s, 1), "mime", db_jtext(s, 2), "size",
                                 (json_int_t)db_column_int64(s, 3), "url",
                                 json_sprintf("/files/%s", db_text(s, 0))));
        db_reset(s);
    }
    json_object_set_new(o, "attachments", files);

    json_t *related = json_array();
    int64_t rel[STORE_RELATED];
    summaries(st, rel, related_ids(st, id, o, rel), related);
    json_object_set_new(o, "related", related);
    json_object_set_new(o, "prev", neighbour(st, Q_CASE_PREV, id, "/cases/"));
    json_object_set_new(o, "next", neighbour(st, Q_CASE_NEXT, id, "/cases/"));
    return o;
}

/* The public campaign's tiers in rank order: [{slug, name, quota, rank, awarded}]. */
static json_t *tiers_of(struct store *st)
{
    json_t *tiers = json_array();
    struct db_stmt *s = pub_stmt(st, Q_TIERS);
    if (s) {
        db_bind_int64(s, 1, store_public_campaign(st));
        while (db_step(s) == DB_ROW)
            json_array_append_new(
                tiers, json_pack("{s:o,s:o,s:i,s:i,s:I}", "slug", db_jtext(s, 0), "name",
                                 db_jtext(s, 1), "quota", (int)db_column_int64(s, 2), "rank",
                                 (int)db_column_int64(s, 3), "awarded",
                                 (json_int_t)db_column_int64(s, 4)));
        db_reset(s);
    }
    return tiers;
}

/* The public campaign's tracks in id order: [{slug, name, cases}]. */
static json_t *tracks_of(struct store *st)
{
    json_t *tracks = json_array();
    struct db_stmt *s = pub_stmt(st, Q_TRACKS);
    if (s) {
        db_bind_int64(s, 1, store_public_campaign(st));
        while (db_step(s) == DB_ROW)
            json_array_append_new(tracks, json_pack("{s:o,s:o,s:I}", "slug", db_jtext(s, 0),
                                                    "name", db_jtext(s, 1), "cases",
                                                    (json_int_t)db_column_int64(s, 2)));
        db_reset(s);
    }
    return tracks;
}

json_t *store_campaign_filters(struct store *st)
{
    return json_pack("{s:o,s:o}", "tiers", tiers_of(st), "tracks", tracks_of(st));
}

json_t *store_campaign(struct store *st)
{
    struct db_stmt *s = pub_stmt(st, Q_CAMPAIGN);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, store_public_campaign(st));
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return NULL;
    }
    json_t *o = json_object();
    static const char *const keys[] = {"id",       "slug",      "name",         "theme",  "organisers",
                                       "call_md",  "opens_at",  "closes_at", "published_at", "status"};
    json_object_set_new(o, keys[0], json_integer(db_column_int64(s, 0)));
    for (int i = 1; i < 10; i++)
        json_object_set_new(o, keys[i], db_jtext(s, i));
    db_reset(s);

    json_t *stages = json_array();
    if ((s = pub_stmt(st, Q_STAGES))) {
        db_bind_int64(s, 1, store_public_campaign(st));
        while (db_step(s) == DB_ROW)
            json_array_append_new(
                stages, json_pack("{s:i,s:o,s:o,s:o,s:o,s:o}", "seq", (int)db_column_int64(s, 0),
                                  "name", db_jtext(s, 1), "kind", db_jtext(s, 2), "starts_at",
                                  db_jtext(s, 3), "ends_at", db_jtext(s, 4), "summary",
                                  db_jtext(s, 5)));
        db_reset(s);
    }
    json_object_set_new(o, "stages", stages);

    json_object_set_new(o, "tiers", tiers_of(st));
    json_object_set_new(o, "tracks", tracks_of(st));

    if ((s = pub_stmt(st, Q_FIGURES))) {
        db_bind_int64(s, 1, store_public_campaign(st));
        if (db_step(s) == DB_ROW)
            json_object_set_new(
                o, "figures",
                json_pack("{s:I,s:I,s:I,s:I}", "cases", (json_int_t)db_column_int64(s, 0),
                          "regions", (json_int_t)db_column_int64(s, 1), "units",
                          (json_int_t)db_column_int64(s, 2), "views",
                          (json_int_t)db_column_int64(s, 3)));
        db_reset(s);
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
    struct db_stmt *s = pub_stmt(st, Q_AWARDED);
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
    db_bind_int64(s, 1, store_public_campaign(st));
    while (db_step(s) == DB_ROW) {
        json_t *list = json_object_get(by_slug, db_text(s, 6));
        int64_t id = db_column_int64(s, 0);
        if (list)
            json_array_append_new(
                list, json_pack("{s:I,s:o,s:o,s:{s:o},s:{s:o,s:o},s:{s:o}}", "id", (json_int_t)id,
                                "title", db_jtext(s, 1), "url",
                                json_sprintf("/cases/%lld", (long long)id), "unit", "name",
                                db_jtext(s, 2), "region", "code", db_jtext(s, 3), "name",
                                db_jtext(s, 4), "track", "name", db_jtext(s, 5)));
    }
    db_reset(s);
    json_decref(by_slug);
    return 0;
}

json_t *store_regions(struct store *st)
{
    struct db_stmt *s = pub_stmt(st, Q_REGIONS);
    if (!s)
        return NULL;
    json_t *regions = json_array();
    json_t *by_code = json_object();
    db_bind_int64(s, 1, store_public_campaign(st));
    while (db_step(s) == DB_ROW) {
        json_t *r = json_pack("{s:o,s:o,s:o,s:I,s:{},s:i,s:o}", "code", db_jtext(s, 0), "name",
                              db_jtext(s, 1), "source", db_jtext(s, 2), "cases",
                              (json_int_t)db_column_int64(s, 3), "awards", "awarded", 0,
                              "url", json_sprintf("/regions/%s", db_text(s, 0)));
        json_object_set(by_code, db_text(s, 0), r);
        json_array_append_new(regions, r);
    }
    db_reset(s);
    /* Awards per region and tier, kept in pub_count. */
    if ((s = pub_stmt(st, Q_REGION_AWARDS))) {
        db_bind_int64(s, 1, store_public_campaign(st));
        while (db_step(s) == DB_ROW) {
            char code[24];
            snprintf(code, sizeof code, "%lld", (long long)db_column_int64(s, 0));
            const char *tier = db_text(s, 1);
            json_int_t n = (json_int_t)db_column_int64(s, 2);
            json_t *r = json_object_get(by_code, code);
            if (!r)
                continue;
            json_object_set_new(json_object_get(r, "awards"), tier, json_integer(n));
            json_object_set_new(r, "awarded",
                                json_integer(json_integer_value(json_object_get(r, "awarded")) + n));
        }
        db_reset(s);
    }
    json_decref(by_code);
    return regions;
}

json_t *store_region_names(struct store *st)
{
    struct db_stmt *s = pub_stmt(st, Q_REGION_NAMES);
    if (!s)
        return NULL;
    json_t *regions = json_array();
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        json_t *r = json_object();
        json_object_set_new_nocheck(r, "code", db_jtext(s, 0));
        json_object_set_new_nocheck(r, "name", db_jtext(s, 1));
        json_array_append_new(regions, r);
    }
    db_reset(s);
    if (rc != DB_DONE) {
        json_decref(regions);
        return NULL;
    }
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
    struct db_stmt *s = pub_stmt(st, Q_TAGS);
    if (!s)
        return NULL;
    json_t *a = json_array();
    db_bind_int64(s, 1, store_public_campaign(st));
    while (db_step(s) == DB_ROW)
        json_array_append_new(a, json_pack("{s:o,s:I}", "name", db_jtext(s, 0), "count",
                                           (json_int_t)db_column_int64(s, 1)));
    db_reset(s);
    return a;
}

static json_t *article_row(struct db_stmt *s)
{
    int64_t id = db_column_int64(s, 0);
    const char *cover = db_text(s, 8);
    return json_pack("{s:I,s:o,s:o,s:o,s:o,s:I,s:o,s:o,s:o,s:o}", "id", (json_int_t)id, "title",
                     db_jtext(s, 1), "source", db_jtext(s, 2), "author", db_jtext(s, 3),
                     "published_at", db_jtext(s, 4), "views",
                     (json_int_t)db_column_int64(s, 5), "body_md", db_jtext(s, 6), "url",
                     json_sprintf("/news/%s", db_text(s, 7)), "slug", db_jtext(s, 7), "cover",
                     *cover ? json_sprintf("/news/images/%s", cover) : json_null());
}

/* {title, url} of the published article found by q next to article id, or null. */
static json_t *article_neighbour(struct store *st, enum public_q q, int64_t id)
{
    struct db_stmt *s = pub_stmt(st, q);
    json_t *o = json_null();
    if (!s)
        return o;
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, store_public_campaign(st));
    if (db_step(s) == DB_ROW)
        o = json_pack("{s:o,s:o}", "title", db_jtext(s, 1), "url",
                      json_sprintf("/news/%s", db_text(s, 0)));
    db_reset(s);
    return o;
}

json_t *store_articles(struct store *st, int page, int per_page)
{
    struct db_stmt *s = pub_stmt(st, Q_ARTICLES);
    if (!s)
        return NULL;
    if (per_page <= 0)
        per_page = STORE_PER_PAGE;
    if (page <= 0)
        page = 1;
    db_bind_int64(s, 1, store_public_campaign(st));
    db_bind_int64(s, 2, per_page);
    db_bind_int64(s, 3, (int64_t)(page - 1) * per_page);
    json_t *items = json_array();
    int64_t total = 0;
    while (db_step(s) == DB_ROW) {
        json_array_append_new(items, article_row(s));
        total = db_column_int64(s, 9);
    }
    db_reset(s);
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
    struct db_stmt *s = pub_stmt(st, Q_ARTICLE);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, store_public_campaign(st));
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return NULL;
    }
    json_t *o = article_row(s);
    db_reset(s);
    json_object_set_new(o, "tags", strings_of(st, Q_ARTICLE_TAGS, id));
    json_t *related = json_array();
    if ((s = pub_stmt(st, Q_ARTICLE_RELATED))) {
        db_bind_int64(s, 1, id);
        db_bind_int64(s, 2, store_public_campaign(st));
        while (db_step(s) == DB_ROW) {
            int64_t rid = db_column_int64(s, 0);
            json_array_append_new(related,
                                  json_pack("{s:I,s:o,s:o,s:o}", "id", (json_int_t)rid, "title",
                                            db_jtext(s, 1), "published_at", db_jtext(s, 2),
                                            "url", json_sprintf("/news/%s", db_text(s, 3))));
        }
        db_reset(s);
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
    struct db_stmt *s;
    if ((s = pub_stmt(st, Q_FIGURES))) {
        db_bind_int64(s, 1, store_public_campaign(st));
        if (db_step(s) == DB_ROW)
            ncases = db_column_int64(s, 0);
        db_reset(s);
    }
    if ((s = pub_stmt(st, Q_ARTICLE_COUNT))) {
        db_bind_int64(s, 1, store_public_campaign(st));
        if (db_step(s) == DB_ROW)
            narts = db_column_int64(s, 0);
        db_reset(s);
    }
    /* Cases are positions 0..ncases-1 (pub_rank's pos - 1 by id), articles follow. */
    int64_t to = from + count;
    if (from < ncases && (s = pub_stmt(st, Q_SITEMAP_CASES))) {
        db_bind_int64(s, 1, store_public_campaign(st));
        db_bind_int64(s, 2, from + 1);
        db_bind_int64(s, 3, (to < ncases ? to : ncases) - from);
        while (db_step(s) == DB_ROW)
            json_array_append_new(cases, json_pack("[I,o]", (json_int_t)db_column_int64(s, 0),
                                                   db_jtext(s, 1)));
        db_reset(s);
    }
    int64_t afrom = from > ncases ? from - ncases : 0;
    if (to > ncases && afrom < narts && (s = pub_stmt(st, Q_SITEMAP_ARTICLES))) {
        db_bind_int64(s, 1, store_public_campaign(st));
        db_bind_int64(s, 2, to - ncases - afrom);
        db_bind_int64(s, 3, afrom);
        while (db_step(s) == DB_ROW)
            json_array_append_new(arts, json_pack("[o,o]", json_sprintf("/news/%s", db_text(s, 0)),
                                                  db_jtext(s, 1)));
        db_reset(s);
    }
    return json_pack("{s:I,s:I,s:o,s:o}", "ncases", (json_int_t)ncases, "narticles",
                     (json_int_t)narts, "cases", cases, "articles", arts);
}

/* ------------------------------------------------------------------------
 * Refreshing the derived tables (the writer).  Each statement binds ?1 to
 * the campaign; the counts are rolled up from one grouped pass over the
 * cases and one over their tags, the ranks are window functions, and each
 * tag's pool of related cases is its RELATED_POOL leading cases.  The
 * self-join of every pair of cases sharing a tag, which grows with the
 * square of the campaign, is never formed.  The rolled-up counts go
 * through a temporary table, pub_base, named without its schema (temp on
 * SQLite, pg_temp on PostgreSQL: each finds its own first).
 */
#define PUB_CASES "SELECT * FROM \"case\" WHERE campaign_id = ?1 AND published_at IS NOT NULL"
/* The columns of a pub_rank row after case_id (the cases aliased or not). */
#define RANK_COLS ", CAST(region_code AS INTEGER), tier_id, track_id"

static const char *const refresh_sql[] = {
    "DELETE FROM pub_award WHERE campaign_id = ?1",
    /* From the tiers along case_tier, so its cost is the awards, not the campaign. */
    "INSERT INTO pub_award SELECT ?1, row_number() OVER (ORDER BY ti.rank, c.region_code, c.id), "
    "c.id, ti.slug, c.title, u.name, c.region_code, r.name, tr.name "
    "FROM tier ti CROSS JOIN \"case\" c "
    "JOIN region r ON r.code = c.region_code JOIN unit u ON u.id = c.unit_id "
    "JOIN track tr ON tr.id = c.track_id WHERE c.tier_id = ti.id AND ti.campaign_id = ?1 "
    "AND c.campaign_id = ?1 AND c.published_at IS NOT NULL",
    "DELETE FROM pub_figures WHERE campaign_id = ?1",
    "DELETE FROM pub_count WHERE campaign_id = ?1",
    "DELETE FROM pub_rank WHERE campaign_id = ?1",
    "DELETE FROM pub_pool WHERE campaign_id = ?1",
    "INSERT INTO pub_figures SELECT ?1, count(*), count(DISTINCT region_code), "
    "count(DISTINCT unit_id), coalesce(sum(views), 0) FROM (" PUB_CASES ") pc",
    "DROP TABLE IF EXISTS pub_base",
    "CREATE TEMP TABLE pub_base (region BIGINT, tier_id BIGINT, track_id BIGINT, "
    "tag_id BIGINT, n BIGINT)",
    "INSERT INTO pub_base SELECT CAST(region_code AS INTEGER), tier_id, track_id, 0, count(*) "
    "FROM (" PUB_CASES ") pc GROUP BY 1, 2, 3",
    "INSERT INTO pub_base SELECT CAST(c.region_code AS INTEGER), c.tier_id, c.track_id, "
    "ct.tag_id, count(*) FROM (" PUB_CASES ") c JOIN case_tag ct ON ct.case_id = c.id "
    "GROUP BY 1, 2, 3, 4",
    /* Every subset of {region, tier, track} kept or rolled up to 0 (any). */
    "WITH s(bits) AS (VALUES (0), (1), (2), (3), (4), (5), (6), (7)) "
    "INSERT INTO pub_count SELECT ?1, CASE WHEN bits & 1 <> 0 THEN region ELSE 0 END AS r, "
    "CASE WHEN bits & 2 <> 0 THEN tier_id ELSE 0 END AS ti, "
    "CASE WHEN bits & 4 <> 0 THEN track_id ELSE 0 END AS tr, tag_id, sum(n) "
    "FROM s CROSS JOIN pub_base WHERE bits & 2 = 0 OR tier_id IS NOT NULL "
    "GROUP BY bits, r, ti, tr, tag_id",
    "DROP TABLE pub_base",
    "INSERT INTO pub_rank SELECT ?1, 0, 0, row_number() OVER (ORDER BY published_at DESC, id DESC), "
    "id" RANK_COLS " FROM (" PUB_CASES ") pc",
    "INSERT INTO pub_rank SELECT ?1, 1, CAST(region_code AS INTEGER), row_number() OVER "
    "(PARTITION BY region_code ORDER BY published_at DESC, id DESC), id" RANK_COLS
    " FROM (" PUB_CASES ") pc",
    "INSERT INTO pub_rank SELECT ?1, 2, tier_id, row_number() OVER "
    "(PARTITION BY tier_id ORDER BY published_at DESC, id DESC), id" RANK_COLS
    " FROM (" PUB_CASES ") pc WHERE tier_id IS NOT NULL",
    "INSERT INTO pub_rank SELECT ?1, 3, track_id, row_number() OVER "
    "(PARTITION BY track_id ORDER BY published_at DESC, id DESC), id" RANK_COLS
    " FROM (" PUB_CASES ") pc",
    "INSERT INTO pub_rank SELECT ?1, 4, ct.tag_id, row_number() OVER "
    "(PARTITION BY ct.tag_id ORDER BY c.published_at DESC, c.id DESC), c.id" RANK_COLS
    " FROM (" PUB_CASES ") c JOIN case_tag ct ON ct.case_id = c.id",
    "INSERT INTO pub_rank SELECT ?1, 5, 0, row_number() OVER (ORDER BY id), id" RANK_COLS
    " FROM (" PUB_CASES ") pc",
    "INSERT INTO pub_pool SELECT ?1, tag_id, rn, id, track_id, awarded, views FROM "
    "(SELECT ct.tag_id, c.id, c.track_id, CASE WHEN c.tier_id IS NULL THEN 0 ELSE 1 END "
    "  AS awarded, c.views, row_number() OVER (PARTITION BY ct.tag_id "
    "  ORDER BY c.tier_id IS NULL, c.views DESC, c.id) AS rn "
    "  FROM (" PUB_CASES ") c JOIN case_tag ct ON ct.case_id = c.id) p "
    "WHERE rn <= " STR(RELATED_POOL),
};

/* The planner's statistics afresh: SQLite's sampled, so that it stays quick at any size. */
static const char *const analyze_sql[DB_KIND__MAX] = {
    [DB_SQLITE] = "PRAGMA analysis_limit = 1000; ANALYZE;",
    [DB_PG] = "ANALYZE pub_figures, pub_count, pub_rank, pub_pool, pub_award",
};

int db_public_refresh(struct db_conn *c, int64_t campaign_id)
{
    for (size_t i = 0; i < sizeof refresh_sql / sizeof refresh_sql[0]; i++) {
        /* Prepared at each use: pub_base is created and dropped between them. */
        struct db_stmt *s = db_prepare(c, refresh_sql[i]);
        if (!s)
            return -1;
        if (strstr(refresh_sql[i], "?1"))
            db_bind_int64(s, 1, campaign_id);
        int rc = db_run(s);
        db_finalize(s);
        if (rc != RC_OK)
            return -1;
    }
    return db_exec(c, analyze_sql[db_kind(c)]);
}

int64_t db_public_campaign(struct db_conn *c)
{
    struct db_stmt *s = db_stmt(c, "SELECT id FROM campaign WHERE status IN ('published','archived') "
                                   "ORDER BY published_at IS NULL, published_at DESC, id DESC LIMIT 1");
    int64_t id = 0;
    if (!s)
        return 0;
    if (db_step(s) == DB_ROW)
        id = db_column_int64(s, 0);
    db_reset(s);
    return id;
}

int db_public_stale(struct db_conn *c, int64_t campaign_id)
{
    struct db_stmt *s =
        db_stmt(c, "SELECT (NOT EXISTS (SELECT 1 FROM pub_figures WHERE campaign_id = ?1) "
                   "AND EXISTS (SELECT 1 FROM \"case\" WHERE campaign_id = ?1 "
                   "AND published_at IS NOT NULL)) OR (NOT EXISTS (SELECT 1 FROM "
                   "pub_award WHERE campaign_id = ?1) AND EXISTS (SELECT 1 FROM "
                   "\"case\" WHERE campaign_id = ?1 AND published_at IS NOT NULL AND "
                   "tier_id IS NOT NULL))");
    int stale = 0;
    if (!s)
        return 0;
    db_bind_int64(s, 1, campaign_id);
    if (db_step(s) == DB_ROW)
        stale = db_column_int64(s, 0) != 0;
    db_reset(s);
    return stale;
}

void db_public_add_views(struct db_conn *c, int64_t campaign_id, int64_t delta)
{
    struct db_stmt *s =
        db_stmt(c, "UPDATE pub_figures SET views = views + ?2 WHERE campaign_id = ?1");
    if (!s)
        return;
    db_bind_int64(s, 1, campaign_id);
    db_bind_int64(s, 2, delta);
    db_run(s); /* a failure is logged by the driver */
}
