/*
 * cert_layout.c — a campaign's certificate layout in the store
 * (cert_layout.h): one row per campaign that changed it, a NULL column
 * meaning that part's default; the boxes as one JSON text, the images as
 * blobs.  Written over the driver (db.h): it runs on SQLite and on
 * PostgreSQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/cert_layout.h"
#include "store/store_int.h"

/* The boxes of positions (a JSON text) over l's; the ones it lacks stay as they are. */
static void read_positions(const char *text, struct cert_layout *l)
{
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    for (int b = 0; o && b < CERT_BOX__MAX; b++) {
        double v[4];
        if (json_unpack(json_object_get(o, cert_box_name((enum cert_box)b)), "[FFFF]", &v[0], &v[1],
                        &v[2], &v[3]) == 0)
            l->box[b] = (struct cert_rect){v[0], v[1], v[2], v[3]};
    }
    json_decref(o);
}

/* A copy of column col's bytes (malloc'd) in *out, *n; 0, or -1 when out of memory. */
static int blob_dup(struct db_stmt *s, int col, unsigned char **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    const void *p = db_column_blob(s, col);
    size_t len = db_column_bytes(s, col);
    if (!p || !len)
        return 0;
    if (!(*out = malloc(len)))
        return -1;
    memcpy(*out, p, len);
    *n = len;
    return 0;
}

int store_cert_layout(struct store *st, int64_t campaign_id, struct cert_layout *l)
{
    static const char sql[] = "SELECT heading, salutation, sentence, award, organiser, "
                              "date_line, positions, background, coalesce(background_mime, ''), "
                              "seal FROM cert_layout WHERE campaign_id = ?1";
    cert_layout_default(l);
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, campaign_id);
    int step = db_step(s), rc = RC_OK;
    if (step == DB_ROW) {
        for (int t = 0; t < CERT_TEXT__MAX; t++)
            if (db_column_type(s, t) != DB_NULL)
                db_copy_text(l->text[t], sizeof l->text[t], s, t);
        read_positions(db_column_text(s, 6), l);
        db_copy_text(l->background_mime, sizeof l->background_mime, s, 8);
        if (blob_dup(s, 7, &l->background, &l->background_len) != 0 ||
            blob_dup(s, 9, &l->seal, &l->seal_len) != 0)
            rc = RC_ERROR;
    } else if (step != DB_DONE) {
        rc = RC_ERROR;
    }
    db_reset(s);
    if (rc != RC_OK) {
        cert_layout_release(l);
        cert_layout_default(l);
    }
    return rc;
}

/* RC_OK when the campaign exists and may change, RC_NOTFOUND, or RC_STALE when archived. */
static int changeable(struct store_tx *tx, int64_t campaign_id)
{
    struct db_stmt *s = tx_stmt(tx, "SELECT status = 'archived' FROM campaign WHERE id = ?1");
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, campaign_id);
    int step = db_step(s);
    int rc = step == DB_ROW    ? (db_column_int64(s, 0) ? RC_STALE : RC_OK)
             : step == DB_DONE ? RC_NOTFOUND
                               : RC_ERROR;
    db_reset(s);
    return rc;
}

int tx_cert_layout_save(struct store_tx *tx, int64_t campaign_id, const struct cert_layout *l,
                        int drop_background, int drop_seal)
{
    static const char sql[] =
        "INSERT INTO cert_layout (campaign_id, heading, salutation, sentence, award, organiser, "
        "date_line, positions, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?11) "
        "ON CONFLICT (campaign_id) DO UPDATE SET heading = ?2, salutation = ?3, sentence = ?4, "
        "award = ?5, organiser = ?6, date_line = ?7, positions = ?8, "
        "background = CASE WHEN ?9 <> 0 THEN NULL ELSE cert_layout.background END, "
        "background_mime = CASE WHEN ?9 <> 0 THEN NULL ELSE cert_layout.background_mime END, "
        "seal = CASE WHEN ?10 <> 0 THEN NULL ELSE cert_layout.seal END, updated_at = ?11";
    int rc = changeable(tx, campaign_id);
    if (rc != RC_OK)
        return rc;
    json_t *pos = json_object();
    for (int b = 0; b < CERT_BOX__MAX; b++) {
        const struct cert_rect *r = &l->box[b];
        json_object_set_new(pos, cert_box_name((enum cert_box)b),
                            json_pack("[ffff]", r->x, r->y, r->w, r->h));
    }
    char *positions = json_dumps(pos, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(pos);
    struct db_stmt *s = positions ? tx_stmt(tx, sql) : NULL;
    if (!s) {
        free(positions);
        return RC_ERROR;
    }
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_int64(s, 1, campaign_id);
    for (int t = 0; t < CERT_TEXT__MAX; t++)
        db_bind_text(s, 2 + t, l->text[t], -1);
    db_bind_text(s, 8, positions, -1);
    db_bind_int64(s, 9, drop_background != 0);
    db_bind_int64(s, 10, drop_seal != 0);
    db_bind_text(s, 11, now, -1);
    free(positions);
    return db_run(s);
}

int tx_cert_layout_image(struct store_tx *tx, int64_t campaign_id, int seal, const unsigned char *p,
                         size_t n, const char *mime)
{
    static const char sql_background[] =
        "INSERT INTO cert_layout (campaign_id, background, updated_at, background_mime) "
        "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (campaign_id) DO UPDATE SET background = ?2, "
        "updated_at = ?3, background_mime = ?4";
    static const char sql_seal[] = "INSERT INTO cert_layout (campaign_id, seal, updated_at) "
                                   "VALUES (?1, ?2, ?3) ON CONFLICT (campaign_id) DO UPDATE "
                                   "SET seal = ?2, updated_at = ?3";
    int rc = changeable(tx, campaign_id);
    if (rc != RC_OK)
        return rc;
    struct db_stmt *s = tx_stmt(tx, seal ? sql_seal : sql_background);
    if (!s)
        return RC_ERROR;
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_int64(s, 1, campaign_id);
    db_bind_blob(s, 2, p, n);
    db_bind_text(s, 3, now, -1);
    if (!seal)
        db_bind_text(s, 4, mime, -1);
    return db_run(s);
}

json_t *store_cert_sample(struct store *st, int64_t campaign_id)
{
    static const char sql[] =
        "SELECT u.name, c.title, t.name, k.name, k.organisers, coalesce(k.published_at, ''), "
        "k.slug, coalesce(x.serial, 0), coalesce(x.code, '') FROM \"case\" c "
        "JOIN unit u ON u.id = c.unit_id JOIN tier t ON t.id = c.tier_id "
        "JOIN campaign k ON k.id = c.campaign_id "
        "LEFT JOIN certificate x ON x.case_id = c.id AND x.tier_id = c.tier_id "
        "WHERE c.campaign_id = ?1 AND c.published_at IS NOT NULL "
        "ORDER BY x.serial IS NULL, x.serial, t.rank, c.region_code, c.id LIMIT 1";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, campaign_id);
    json_t *o = NULL;
    if (db_step(s) == DB_ROW)
        o = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:o}", "unit", db_jtext(s, 0), "title",
                      db_jtext(s, 1), "tier", db_jtext(s, 2), "campaign", db_jtext(s, 3), "organisers",
                      db_jtext(s, 4), "published_at", db_jtext(s, 5), "slug", db_jtext(s, 6), "serial",
                      (json_int_t)db_column_int64(s, 7), "code", db_jtext(s, 8));
    db_reset(s);
    return o;
}
