/*
 * sqlite_cert_layout.c — a campaign's certificate layout in SQLite
 * (cert_layout.h): one row per campaign that changed it, a NULL column
 * meaning that part's default; the boxes as one JSON text.
 */
#include <stdlib.h>
#include <string.h>

#include "store/cert_layout.h"
#include "store/sqlite_int.h"

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
static int blob_dup(sqlite3_stmt *s, int col, unsigned char **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (sqlite3_column_type(s, col) == SQLITE_NULL)
        return 0;
    const void *p = sqlite3_column_blob(s, col);
    size_t len = (size_t)sqlite3_column_bytes(s, col);
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
    sqlite3_stmt *s = sq_prepare(st, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, campaign_id);
    int step = sqlite3_step(s), rc = RC_OK;
    if (step == SQLITE_ROW) {
        for (int t = 0; t < CERT_TEXT__MAX; t++)
            if (sqlite3_column_type(s, t) != SQLITE_NULL)
                sq_copy(l->text[t], sizeof l->text[t], s, t);
        read_positions((const char *)sqlite3_column_text(s, 6), l);
        sq_copy(l->background_mime, sizeof l->background_mime, s, 8);
        if (blob_dup(s, 7, &l->background, &l->background_len) != 0 ||
            blob_dup(s, 9, &l->seal, &l->seal_len) != 0)
            rc = RC_ERROR;
    } else if (step != SQLITE_DONE) {
        rc = RC_ERROR;
    }
    sq_done(s);
    if (rc != RC_OK) {
        cert_layout_release(l);
        cert_layout_default(l);
    }
    return rc;
}

/* RC_OK when the campaign exists and may change, RC_NOTFOUND, or RC_STALE when archived. */
static int changeable(struct store_tx *tx, int64_t campaign_id)
{
    sqlite3_stmt *s = tx_prepare(tx, "SELECT status = 'archived' FROM campaign WHERE id = ?1");
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, campaign_id);
    int step = sqlite3_step(s);
    int rc = step == SQLITE_ROW    ? (sqlite3_column_int(s, 0) ? RC_STALE : RC_OK)
             : step == SQLITE_DONE ? RC_NOTFOUND
                                   : RC_ERROR;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc;
}

int tx_cert_layout_save(struct store_tx *tx, int64_t campaign_id, const struct cert_layout *l,
                        int drop_background, int drop_seal)
{
    static const char sql[] =
        "INSERT INTO cert_layout (campaign_id, heading, salutation, sentence, award, organiser, "
        "date_line, positions) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
        "ON CONFLICT (campaign_id) DO UPDATE SET heading = ?2, salutation = ?3, sentence = ?4, "
        "award = ?5, organiser = ?6, date_line = ?7, positions = ?8, "
        "background = CASE WHEN ?9 THEN NULL ELSE background END, "
        "background_mime = CASE WHEN ?9 THEN NULL ELSE background_mime END, "
        "seal = CASE WHEN ?10 THEN NULL ELSE seal END, "
        "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')";
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
    sqlite3_stmt *s = positions ? tx_prepare(tx, sql) : NULL;
    if (!s) {
        free(positions);
        return RC_ERROR;
    }
    sqlite3_bind_int64(s, 1, campaign_id);
    for (int t = 0; t < CERT_TEXT__MAX; t++)
        sqlite3_bind_text(s, 2 + t, l->text[t], -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 8, positions, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 9, drop_background != 0);
    sqlite3_bind_int(s, 10, drop_seal != 0);
    free(positions);
    return tx_exec(tx, s);
}

int tx_cert_layout_image(struct store_tx *tx, int64_t campaign_id, int seal, const unsigned char *p,
                         size_t n, const char *mime)
{
    static const char sql_background[] =
        "INSERT INTO cert_layout (campaign_id, background, background_mime) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (campaign_id) DO UPDATE SET background = ?2, background_mime = ?3, "
        "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')";
    static const char sql_seal[] = "INSERT INTO cert_layout (campaign_id, seal) VALUES (?1, ?2) "
                                   "ON CONFLICT (campaign_id) DO UPDATE SET seal = ?2, "
                                   "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')";
    int rc = changeable(tx, campaign_id);
    if (rc != RC_OK)
        return rc;
    sqlite3_stmt *s = tx_prepare(tx, seal ? sql_seal : sql_background);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, campaign_id);
    sqlite3_bind_blob64(s, 2, p, n, SQLITE_TRANSIENT);
    if (!seal)
        sqlite3_bind_text(s, 3, mime, -1, SQLITE_TRANSIENT);
    return tx_exec(tx, s);
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
    sqlite3_stmt *s = sq_prepare(st, sql);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, campaign_id);
    json_t *o = NULL;
    if (sqlite3_step(s) == SQLITE_ROW)
        o = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:o}", "unit", sq_jtext(s, 0), "title",
                      sq_jtext(s, 1), "tier", sq_jtext(s, 2), "campaign", sq_jtext(s, 3),
                      "organisers", sq_jtext(s, 4), "published_at", sq_jtext(s, 5), "slug",
                      sq_jtext(s, 6), "serial", (json_int_t)sqlite3_column_int64(s, 7), "code",
                      sq_jtext(s, 8));
    sq_done(s);
    return o;
}
