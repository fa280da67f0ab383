/*
 * news.c — news written by the organiser, in the store; see news.h.
 * Written over the driver (db.h): it runs on SQLite and on PostgreSQL.
 *
 * Slugs are unique over every article (an index of migration 008).  A slug
 * the organiser typed that another article has is refused (RC_EXISTS); one
 * made from the title (or, for a title without Latin letters, from the
 * kind and the date) takes the first free "-2", "-3", ... suffix instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/news.h"
#include "store/store_int.h"

#define NEWS_COLS                                                                                  \
    "id, title, slug, status, kind, published_at, coalesce(updated_at, ''), views, source, "       \
    "author, coalesce(cover, ''), body_md "

static const char SQL_NEWEST_CAMPAIGN[] =
    "SELECT id FROM campaign ORDER BY opens_at DESC, id DESC LIMIT 1";
static const char SQL_LIST[] = "SELECT " NEWS_COLS "FROM article WHERE campaign_id = ?1 "
                               "ORDER BY published_at DESC, id DESC";
static const char SQL_GET[] = "SELECT " NEWS_COLS "FROM article WHERE id = ?1 AND campaign_id = ?2";
static const char SQL_IMAGES[] =
    "SELECT sha256, name, mime, size, width, height FROM news_image WHERE article_id = ?1 "
    "ORDER BY created_at, sha256";
static const char SQL_PUBLIC_SLUG[] =
    "SELECT id FROM article WHERE slug = ?1 AND campaign_id = ?2 AND status = 'published'";
static const char SQL_PUBLIC_ID[] =
    "SELECT id FROM article WHERE id = ?1 AND campaign_id = ?2 AND status = 'published'";
static const char SQL_IMAGE[] = "SELECT mime FROM news_image WHERE sha256 = ?1 LIMIT 1";

static const char SQL_SLUG_TAKEN[] = "SELECT 1 FROM article WHERE slug = ?1 AND id <> ?2";
static const char SQL_INSERT[] =
    "INSERT INTO article (campaign_id, title, slug, source, author, published_at, body_md, "
    "status, kind, cover, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'draft', ?8, ?9, ?10) "
    "RETURNING id";
static const char SQL_SAVE[] =
    "UPDATE article SET title = ?3, slug = ?4, source = ?5, author = ?6, published_at = ?7, "
    "body_md = ?8, cover = ?9, updated_at = ?10 "
    "WHERE id = ?1 AND campaign_id = ?2";
static const char SQL_STATUS[] = "SELECT status FROM article WHERE id = ?1 AND campaign_id = ?2";
static const char SQL_MOVE[] = "UPDATE article SET status = ?3, updated_at = ?5 "
                               "WHERE id = ?1 AND campaign_id = ?2 AND status = ?4";
static const char SQL_HAS_IMAGE[] =
    "SELECT 1 FROM news_image WHERE article_id = ?1 AND sha256 = ?2";
static const char SQL_IMAGE_ADD[] =
    "INSERT INTO news_image (article_id, sha256, name, mime, size, width, height, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
    "ON CONFLICT (article_id, sha256) DO UPDATE SET name = excluded.name";
static const char SQL_CAMPAIGN_NAME[] = "SELECT name, slug FROM campaign WHERE id = ?1";
static const char SQL_TIERS[] = "SELECT id, name FROM tier WHERE campaign_id = ?1 ORDER BY rank";
static const char SQL_PICK_CASE[] =
    "SELECT c.title, u.name, r.name, r.code FROM \"case\" c JOIN unit u ON u.id = c.unit_id "
    "JOIN region r ON r.code = c.region_code WHERE c.id = ?1 AND c.campaign_id = ?2";
static const char SQL_AWARDED[] =
    "SELECT c.id, c.tier_id FROM \"case\" c JOIN tier t ON t.id = c.tier_id "
    "WHERE c.campaign_id = ?1 AND c.published_at IS NOT NULL ORDER BY t.rank, c.region_code, c.id";

static const char SQL_PUBLIC_CAMPAIGN[] =
    "SELECT id FROM campaign WHERE status IN ('published', 'archived') "
    "ORDER BY published_at IS NULL, published_at DESC, id DESC LIMIT 1";
static const char SQL_PROPOSED[] =
    "SELECT a.case_id, a.tier_id FROM award a JOIN tier t ON t.id = a.tier_id JOIN \"case\" c "
    "ON c.id = a.case_id WHERE a.campaign_id = ?1 ORDER BY t.rank, c.region_code, a.ord, c.id";

/* The time now as an article keeps it: 2020-02-04 08:00:00 (UTC). */
static void saved_now(char out[STORE_NOW_LEN])
{
    store_now(out); /* 2020-02-04T08:00:00Z */
    out[10] = ' ';
    out[19] = '\0';
}

int64_t store_news_campaign(struct store *st)
{
    int64_t id = store_public_campaign(st);
    if (id)
        return id;
    struct db_stmt *s = store_stmt(st, SQL_NEWEST_CAMPAIGN);
    if (s && db_step(s) == DB_ROW)
        id = db_column_int64(s, 0);
    db_reset(s);
    return id;
}

static json_t *news_row(struct db_stmt *s, int whole)
{
    int64_t id = db_column_int64(s, 0);
    json_t *o = json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:o}", "id", (json_int_t)id, "title",
                          db_jtext(s, 1), "slug", db_jtext(s, 2), "status", db_jtext(s, 3), "kind",
                          db_jtext(s, 4), "published_at", db_jtext(s, 5), "updated_at", db_jtext(s, 6),
                          "views", (json_int_t)db_column_int64(s, 7), "url",
                          json_sprintf("/news/%s", db_text(s, 2)));
    if (whole) {
        json_object_set_new(o, "source", db_jtext(s, 8));
        json_object_set_new(o, "author", db_jtext(s, 9));
        json_object_set_new(o, "cover", db_jtext(s, 10));
        json_object_set_new(o, "body_md", db_jtext(s, 11));
    }
    return o;
}

json_t *store_news_list(struct store *st)
{
    struct db_stmt *s = store_stmt(st, SQL_LIST);
    if (!s)
        return NULL;
    json_t *a = json_array();
    db_bind_int64(s, 1, store_news_campaign(st));
    while (db_step(s) == DB_ROW)
        json_array_append_new(a, news_row(s, 0));
    db_reset(s);
    return a;
}

json_t *store_news_get(struct store *st, int64_t id)
{
    int64_t campaign = store_news_campaign(st);
    struct db_stmt *s = store_stmt(st, SQL_GET);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, campaign);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return NULL;
    }
    json_t *o = news_row(s, 1);
    db_reset(s);
    json_t *images = json_array();
    if ((s = store_stmt(st, SQL_IMAGES))) {
        db_bind_int64(s, 1, id);
        while (db_step(s) == DB_ROW)
            json_array_append_new(
                images, json_pack("{s:o,s:o,s:o,s:I,s:i,s:i,s:o}", "sha256", db_jtext(s, 0), "name",
                                  db_jtext(s, 1), "mime", db_jtext(s, 2), "size",
                                  (json_int_t)db_column_int64(s, 3), "width",
                                  (int)db_column_int64(s, 4), "height", (int)db_column_int64(s, 5),
                                  "url", json_sprintf("/news/images/%s", db_text(s, 0))));
        db_reset(s);
    }
    json_object_set_new(o, "images", images);
    return o;
}

int64_t store_news_public_id(struct store *st, const char *seg)
{
    size_t n = seg ? strlen(seg) : 0;
    int number = n && n <= 12 && strspn(seg, "0123456789") == n && seg[0] != '0';
    if (!number && !news_slug_valid(seg))
        return 0;
    struct db_stmt *s = store_stmt(st, number ? SQL_PUBLIC_ID : SQL_PUBLIC_SLUG);
    if (!s)
        return 0;
    if (number)
        db_bind_int64(s, 1, strtoll(seg, NULL, 10));
    else
        db_bind_text(s, 1, seg, -1);
    db_bind_int64(s, 2, store_public_campaign(st));
    int64_t id = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
    db_reset(s);
    return id;
}

json_t *store_news_image(struct store *st, const char *sha256)
{
    struct db_stmt *s = store_stmt(st, SQL_IMAGE);
    if (!s)
        return NULL;
    db_bind_text(s, 1, sha256, -1);
    json_t *o = db_step(s) == DB_ROW ? json_pack("{s:o}", "mime", db_jtext(s, 0)) : NULL;
    db_reset(s);
    return o;
}

/* ------------------------------------------------------------ writes */

/* 1 if another article than `except` has slug, 0 if none, -1 on a fault. */
static int slug_taken(struct store_tx *tx, const char *slug, int64_t except)
{
    struct db_stmt *s = tx_stmt(tx, SQL_SLUG_TAKEN);
    if (!s)
        return -1;
    db_bind_text(s, 1, slug, -1);
    db_bind_int64(s, 2, except);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
}

/*
 * The slug of article `except` (0: a new one) into out: the one typed if
 * free, else RC_EXISTS; or one made from the title (or from `fallback`)
 * with the first free suffix.
 */
static int slug_pick(struct store_tx *tx, const struct news_fields *f, const char *fallback,
                     int64_t except, char out[NEWS_SLUG_MAX + 1])
{
    if (f->slug && *f->slug) {
        if (!news_slug_valid(f->slug))
            return RC_INVALID;
        int t = slug_taken(tx, f->slug, except);
        snprintf(out, NEWS_SLUG_MAX + 1, "%s", f->slug);
        return t < 0 ? RC_ERROR : t ? RC_EXISTS : RC_OK;
    }
    char base[NEWS_SLUG_MAX - 8];
    news_slug_from_title(f->title, base, sizeof base);
    if (!*base)
        snprintf(base, sizeof base, "%s", fallback);
    for (int n = 1; n < 1000; n++) {
        if (n == 1)
            snprintf(out, NEWS_SLUG_MAX + 1, "%s", base);
        else
            snprintf(out, NEWS_SLUG_MAX + 1, "%s-%d", base, n);
        int t = slug_taken(tx, out, except);
        if (t <= 0)
            return t < 0 ? RC_ERROR : RC_OK;
    }
    return RC_EXISTS;
}

/* RC_OK when cover is empty or one of article id's images. */
static int cover_ok(struct store_tx *tx, int64_t id, const char *cover)
{
    if (!cover || !*cover)
        return RC_OK;
    struct db_stmt *s = tx_stmt(tx, SQL_HAS_IMAGE);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, id);
    db_bind_text(s, 2, cover, -1);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_ROW ? RC_OK : rc == DB_DONE ? RC_INVALID : RC_ERROR;
}

static void bind_fields(struct db_stmt *s, int first, const struct news_fields *f, const char *slug)
{
    db_bind_text(s, first, f->title, -1);
    db_bind_text(s, first + 1, slug, -1);
    db_bind_text(s, first + 2, f->source ? f->source : "", -1);
    db_bind_text(s, first + 3, f->author ? f->author : "", -1);
    db_bind_text(s, first + 4, f->date, -1);
    db_bind_text(s, first + 5, f->body_md ? f->body_md : "", -1);
}

static int insert(struct store_tx *tx, int64_t campaign_id, const struct news_fields *f,
                  enum news_kind kind, const char *fallback, int64_t *id)
{
    char slug[NEWS_SLUG_MAX + 1];
    int rc = slug_pick(tx, f, fallback, 0, slug);
    if (rc != RC_OK)
        return rc;
    struct db_stmt *s = tx_stmt(tx, SQL_INSERT);
    if (!s)
        return RC_ERROR;
    static const char *const kinds[] = {"news", "notice", "results"};
    db_bind_int64(s, 1, campaign_id);
    bind_fields(s, 2, f, slug);
    db_bind_text(s, 8, kinds[kind], -1);
    db_bind_null(s, 9); /* a new article has no image yet */
    char now[STORE_NOW_LEN];
    saved_now(now);
    db_bind_text(s, 10, now, -1);
    int step = db_step(s);
    if (step == DB_ROW)
        *id = db_column_int64(s, 0);
    db_reset(s);
    return step == DB_ROW ? RC_OK : RC_ERROR;
}

int tx_news_create(struct store_tx *tx, int64_t campaign_id, const struct news_fields *f,
                   int64_t *id)
{
    char fallback[40];
    snprintf(fallback, sizeof fallback, "news-%.10s", f->date);
    return insert(tx, campaign_id, f, NEWS_KIND_NEWS, fallback, id);
}

int tx_news_save(struct store_tx *tx, int64_t campaign_id, int64_t id, const struct news_fields *f)
{
    char slug[NEWS_SLUG_MAX + 1], fallback[40];
    snprintf(fallback, sizeof fallback, "news-%.10s", f->date);
    int rc = slug_pick(tx, f, fallback, id, slug);
    if (rc == RC_OK)
        rc = cover_ok(tx, id, f->cover);
    if (rc != RC_OK)
        return rc;
    struct db_stmt *s = tx_stmt(tx, SQL_SAVE);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, campaign_id);
    bind_fields(s, 3, f, slug);
    if (f->cover && *f->cover)
        db_bind_text(s, 9, f->cover, -1);
    else
        db_bind_null(s, 9);
    char now[STORE_NOW_LEN];
    saved_now(now);
    db_bind_text(s, 10, now, -1);
    return db_run_changed(s, RC_NOTFOUND);
}

int tx_news_move(struct store_tx *tx, int64_t campaign_id, int64_t id, enum news_status to)
{
    struct db_stmt *s = tx_stmt(tx, SQL_STATUS);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, campaign_id);
    int step = db_step(s);
    int from = step == DB_ROW ? news_status_of(db_column_text(s, 0)) : -1;
    db_reset(s);
    if (step != DB_ROW)
        return step == DB_DONE ? RC_NOTFOUND : RC_ERROR;
    if (from < 0 || !news_can_move((enum news_status)from, to))
        return RC_STATE;
    if (!(s = tx_stmt(tx, SQL_MOVE)))
        return RC_ERROR;
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, campaign_id);
    db_bind_text(s, 3, news_status_names[to], -1);
    db_bind_text(s, 4, news_status_names[from], -1);
    char now[STORE_NOW_LEN];
    saved_now(now);
    db_bind_text(s, 5, now, -1);
    return db_run_changed(s, RC_STATE);
}

int tx_news_image_add(struct store_tx *tx, int64_t campaign_id, int64_t id, const char *sha256,
                      const char *name, const char *mime, int64_t size, unsigned width,
                      unsigned height)
{
    struct db_stmt *s = tx_stmt(tx, SQL_STATUS);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, campaign_id);
    int step = db_step(s);
    db_reset(s);
    if (step != DB_ROW)
        return step == DB_DONE ? RC_NOTFOUND : RC_ERROR;
    if (!(s = tx_stmt(tx, SQL_IMAGE_ADD)))
        return RC_ERROR;
    db_bind_int64(s, 1, id);
    db_bind_text(s, 2, sha256, -1);
    db_bind_text(s, 3, name, -1);
    db_bind_text(s, 4, mime, -1);
    db_bind_int64(s, 5, size);
    db_bind_int64(s, 6, width);
    db_bind_int64(s, 7, height);
    char now[STORE_NOW_LEN];
    saved_now(now);
    db_bind_text(s, 8, now, -1);
    return db_run(s);
}

/* ------------------------------------------------------------ announcements */

/* Text of column col copied to the heap ("" for NULL); NULL when out of memory. */
static char *column_dup(struct db_stmt *s, int col)
{
    const char *t = db_column_text(s, col);
    return strdup(t ? t : "");
}

struct draft {
    char *campaign, *campaign_slug;
    char **tier_names;
    int64_t *tier_ids;
    size_t ntiers;
    struct news_award *awards;
    size_t nawards;
};

static void draft_free(struct draft *d)
{
    free(d->campaign);
    free(d->campaign_slug);
    for (size_t i = 0; i < d->ntiers; i++)
        free(d->tier_names[i]);
    free(d->tier_names);
    free(d->tier_ids);
    for (size_t i = 0; i < d->nawards; i++) {
        free((char *)d->awards[i].title);
        free((char *)d->awards[i].unit);
        free((char *)d->awards[i].region);
        free((char *)d->awards[i].region_code);
    }
    free(d->awards);
}

/* The campaign's name and tiers, and each pick's case and tier index, read into d. */
static int draft_read(struct store_tx *tx, int64_t campaign_id, const struct news_pick *picks,
                      size_t n, struct draft *d)
{
    struct db_stmt *s = tx_stmt(tx, SQL_CAMPAIGN_NAME);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, campaign_id);
    if (db_step(s) == DB_ROW) {
        d->campaign = column_dup(s, 0);
        d->campaign_slug = column_dup(s, 1);
    }
    db_reset(s);
    if (!d->campaign || !d->campaign_slug)
        return RC_NOTFOUND;
    if (!(s = tx_stmt(tx, SQL_TIERS)))
        return RC_ERROR;
    db_bind_int64(s, 1, campaign_id);
    int rc = RC_OK;
    while (rc == RC_OK && db_step(s) == DB_ROW) {
        char **names = realloc(d->tier_names, (d->ntiers + 1) * sizeof *names);
        int64_t *ids = names ? realloc(d->tier_ids, (d->ntiers + 1) * sizeof *ids) : NULL;
        if (names)
            d->tier_names = names;
        if (ids)
            d->tier_ids = ids;
        if (!names || !ids || !(names[d->ntiers] = column_dup(s, 1))) {
            rc = RC_ERROR;
            break;
        }
        ids[d->ntiers++] = db_column_int64(s, 0);
    }
    db_reset(s);
    if (rc != RC_OK)
        return rc;
    if (!(d->awards = calloc(n + 1, sizeof *d->awards)) || !(s = tx_stmt(tx, SQL_PICK_CASE)))
        return RC_ERROR;
    for (size_t i = 0; rc == RC_OK && i < n; i++) {
        size_t t = 0;
        while (t < d->ntiers && d->tier_ids[t] != picks[i].tier_id)
            t++;
        db_bind_int64(s, 1, picks[i].case_id);
        db_bind_int64(s, 2, campaign_id);
        if (t == d->ntiers || db_step(s) != DB_ROW) {
            rc = RC_INVALID;
        } else {
            struct news_award *w = &d->awards[d->nawards++];
            w->title = column_dup(s, 0);
            w->unit = column_dup(s, 1);
            w->region = column_dup(s, 2);
            w->region_code = column_dup(s, 3);
            w->tier = t;
            if (!w->title || !w->unit || !w->region || !w->region_code)
                rc = RC_ERROR;
        }
        db_reset(s);
    }
    return rc;
}

/* tx_news_announce, the article kept under campaign `owner` (the news desk's). */
static int announce(struct store_tx *tx, int64_t campaign_id, int64_t owner, enum news_kind kind,
                    const struct news_pick *picks, size_t n, const char *from, const char *to,
                    const char *date, int64_t *id)
{
    if (kind != NEWS_KIND_NOTICE && kind != NEWS_KIND_RESULTS)
        return RC_INVALID;
    struct draft d = {0};
    int rc = draft_read(tx, campaign_id, picks, n, &d);
    char *title = NULL, *body = NULL;
    if (rc == RC_OK) {
        struct news_announcement a = {kind,     d.campaign, (const char *const *)d.tier_names,
                                      d.ntiers, d.awards,   d.nawards,
                                      from,     to};
        title = news_announcement_title(&a);
        body = news_announcement_markdown(&a);
        if (!title || !body)
            rc = RC_ERROR;
    }
    if (rc == RC_OK) {
        char fallback[NEWS_SLUG_MAX - 16];
        char campaign_slug[NEWS_SLUG_MAX - 24];
        news_slug_from_title(d.campaign_slug, campaign_slug, sizeof campaign_slug);
        snprintf(fallback, sizeof fallback, "%s%s%s",
                 kind == NEWS_KIND_NOTICE ? "notice" : "results", *campaign_slug ? "-" : "",
                 campaign_slug);
        struct news_fields f = {title, NULL, "", "", date, body, NULL};
        rc = insert(tx, owner, &f, kind, fallback, id);
    }
    free(title);
    free(body);
    draft_free(&d);
    return rc;
}

int tx_news_announce(struct store_tx *tx, int64_t campaign_id, enum news_kind kind,
                     const struct news_pick *picks, size_t n, const char *from, const char *to,
                     const char *date, int64_t *id)
{
    return announce(tx, campaign_id, campaign_id, kind, picks, n, from, to, date, id);
}

/*
 * The public campaign as the write sees it (the newest published or
 * archived one, as the store keeps it: store_public_campaign) into *id,
 * left as it is when there is none.
 */
static int public_campaign(struct store_tx *tx, int64_t *id)
{
    struct db_stmt *s = tx_stmt(tx, SQL_PUBLIC_CAMPAIGN);
    if (!s)
        return RC_ERROR;
    int step = db_step(s);
    if (step == DB_ROW)
        *id = db_column_int64(s, 0);
    db_reset(s);
    return step == DB_ERROR ? RC_ERROR : RC_OK;
}

int tx_news_announce_notice(struct store_tx *tx, int64_t campaign_id, const char *from,
                            const char *to, int64_t *id)
{
    struct db_stmt *s = tx_stmt(tx, SQL_PROPOSED);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, campaign_id);
    struct news_pick *picks = NULL;
    size_t n = 0;
    int rc = RC_OK, step;
    while ((step = db_step(s)) == DB_ROW) {
        struct news_pick *more = realloc(picks, (n + 1) * sizeof *picks);
        if (!more) {
            rc = RC_ERROR;
            break;
        }
        picks = more;
        picks[n].case_id = db_column_int64(s, 0);
        picks[n++].tier_id = db_column_int64(s, 1);
    }
    if (step != DB_DONE && step != DB_ROW)
        rc = RC_ERROR;
    db_reset(s);
    /* The desk's campaign: the public one while there is one (store_news_campaign). */
    int64_t owner = campaign_id;
    if (rc == RC_OK)
        rc = public_campaign(tx, &owner);
    if (rc == RC_OK)
        rc = announce(tx, campaign_id, owner, NEWS_KIND_NOTICE, picks, n, from, to, from, id);
    free(picks);
    return rc;
}

int tx_news_announce_results(struct store_tx *tx, int64_t campaign_id, const char *date,
                             int64_t *id)
{
    struct db_stmt *s = tx_stmt(tx, SQL_AWARDED);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, campaign_id);
    struct news_pick *picks = NULL;
    size_t n = 0;
    int rc = RC_OK, step;
    while ((step = db_step(s)) == DB_ROW) {
        struct news_pick *more = realloc(picks, (n + 1) * sizeof *picks);
        if (!more) {
            rc = RC_ERROR;
            break;
        }
        picks = more;
        picks[n].case_id = db_column_int64(s, 0);
        picks[n++].tier_id = db_column_int64(s, 1);
    }
    if (step != DB_DONE && step != DB_ROW)
        rc = RC_ERROR;
    db_reset(s);
    if (rc == RC_OK)
        rc = tx_news_announce(tx, campaign_id, NEWS_KIND_RESULTS, picks, n, NULL, NULL, date, id);
    free(picks);
    return rc;
}
