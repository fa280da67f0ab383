/*
 * campaigns.c — the organiser's campaigns in the store; see campaigns.h.
 * Written over the driver (db.h): it runs on SQLite and on PostgreSQL.
 *
 * A copy is a handful of INSERT ... SELECT statements in the caller's
 * transaction, so a campaign is copied whole or not at all; the stages'
 * criteria follow their stage by its place in the order (seq), and the
 * stages' dates move as far as the opening moved, reckoned in C with
 * domain/workdays.h's day numbers (the two databases share no date
 * arithmetic).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/workdays.h"
#include "store/campaigns.h"
#include "store/store_int.h"

/* Run s (NULL: RC_ERROR) with ?1 = id: RC_OK when it reads a row, RC_NOTFOUND when none. */
static int row_exists(struct db_stmt *s, int64_t id)
{
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, id);
    int step = db_step(s);
    db_reset(s);
    return step == DB_ROW ? RC_OK : step == DB_DONE ? RC_NOTFOUND : RC_ERROR;
}

static const char SQL_LIST[] =
    "SELECT k.id, k.name, k.status, k.opens_at, k.closes_at, "
    "(SELECT count(*) FROM \"case\" c WHERE c.campaign_id = k.id AND c.status <> 'draft'), "
    "(SELECT count(*) FROM stage s WHERE s.campaign_id = k.id) "
    "FROM campaign k ORDER BY k.opens_at DESC, k.id DESC";

json_t *store_campaigns(struct store *st)
{
    struct db_stmt *s = store_stmt(st, SQL_LIST);
    if (!s)
        return NULL;
    json_t *a = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(
            a, json_pack("{s:I,s:o,s:o,s:o,s:o,s:I,s:I}", "id", (json_int_t)db_column_int64(s, 0),
                         "name", db_jtext(s, 1), "status", db_jtext(s, 2), "opens_at", db_jtext(s, 3),
                         "closes_at", db_jtext(s, 4), "cases", (json_int_t)db_column_int64(s, 5),
                         "stages", (json_int_t)db_column_int64(s, 6)));
    db_reset(s);
    return a;
}

static const char SQL_ONE[] =
    "SELECT id, name, theme, organisers, call_md, status, opens_at, closes_at, cases_per_unit, "
    "attachments_min, attachments_note FROM campaign WHERE id = ?1";
static const char SQL_TRACKS[] = "SELECT slug, name FROM track WHERE campaign_id = ?1 ORDER BY id";
static const char SQL_TIERS[] =
    "SELECT id, name, quota FROM tier WHERE campaign_id = ?1 ORDER BY rank, id";
static const char SQL_STAGES[] =
    "SELECT id, seq, name, kind, starts_at, ends_at, state FROM stage WHERE campaign_id = ?1 "
    "ORDER BY seq";

json_t *store_campaign_settings(struct store *st, int64_t id)
{
    struct db_stmt *s = store_stmt(st, SQL_ONE);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, id);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return NULL;
    }
    json_t *c = json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:{s:I,s:I,s:o}}", "id",
                          (json_int_t)db_column_int64(s, 0), "name", db_jtext(s, 1), "theme",
                          db_jtext(s, 2), "organisers", db_jtext(s, 3), "call_md", db_jtext(s, 4), "status",
                          db_jtext(s, 5), "opens_at", db_jtext(s, 6), "closes_at", db_jtext(s, 7), "rules",
                          "cases_per_unit", (json_int_t)db_column_int64(s, 8), "attachments_min",
                          (json_int_t)db_column_int64(s, 9), "attachments_note", db_jtext(s, 10));
    db_reset(s);

    json_t *tracks = json_array(), *tiers = json_array(), *stages = json_array();
    if ((s = store_stmt(st, SQL_TRACKS))) {
        db_bind_int64(s, 1, id);
        while (db_step(s) == DB_ROW)
            json_array_append_new(tracks,
                                  json_pack("{s:o,s:o}", "slug", db_jtext(s, 0), "name", db_jtext(s, 1)));
        db_reset(s);
    }
    if ((s = store_stmt(st, SQL_TIERS))) {
        db_bind_int64(s, 1, id);
        while (db_step(s) == DB_ROW)
            json_array_append_new(
                tiers, json_pack("{s:I,s:o,s:I}", "id", (json_int_t)db_column_int64(s, 0), "name",
                                 db_jtext(s, 1), "quota", (json_int_t)db_column_int64(s, 2)));
        db_reset(s);
    }
    if ((s = store_stmt(st, SQL_STAGES))) {
        db_bind_int64(s, 1, id);
        while (db_step(s) == DB_ROW)
            json_array_append_new(stages,
                                  json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:o}", "id",
                                            (json_int_t)db_column_int64(s, 0), "seq",
                                            (json_int_t)db_column_int64(s, 1), "name", db_jtext(s, 2),
                                            "kind", db_jtext(s, 3), "starts_at", db_jtext(s, 4),
                                            "ends_at", db_jtext(s, 5), "state", db_jtext(s, 6)));
        db_reset(s);
    }
    json_object_set_new(c, "tracks", tracks);
    json_object_set_new(c, "tiers", tiers);
    json_object_set_new(c, "stages", stages);
    return c;
}

int store_campaign_status(struct store *st, int64_t id, char out[16])
{
    static const char sql[] = "SELECT status FROM campaign WHERE id = ?1";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, id);
    int step = db_step(s);
    int rc = step == DB_ROW ? RC_OK : step == DB_DONE ? RC_NOTFOUND : RC_ERROR;
    if (rc == RC_OK) {
        const char *t = db_column_text(s, 0);
        snprintf(out, 16, "%s", t ? t : "");
    }
    db_reset(s);
    return rc;
}

/* 1 with the day number (workdays.h) of the date text starts with (2020-02-04...) in *day, or 0. */
static int day_number(const char *text, int *day)
{
    char date[11];
    if (!text || strlen(text) < 10)
        return 0;
    memcpy(date, text, 10);
    date[10] = 0;
    return workdays_parse(date, day) == 0;
}

/* text moved by shift days into out (a date only); text as it is when it is no date. */
static void day_shift(const char *text, int shift, char out[16])
{
    int day;
    if (day_number(text, &day))
        workdays_format(day + shift, out);
    else
        snprintf(out, 16, "%s", text ? text : "");
}

/* The days from campaign `from`'s opening to campaign id's, into *shift. */
static int opening_shift(struct store_tx *tx, int64_t id, int64_t from, int *shift)
{
    static const char sql[] = "SELECT n.opens_at, o.opens_at FROM campaign n, campaign o "
                              "WHERE n.id = ?1 AND o.id = ?2";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, from);
    int step = db_step(s);
    int n = 0, o = 0;
    *shift = 0;
    if (step == DB_ROW && day_number(db_column_text(s, 0), &n) &&
        day_number(db_column_text(s, 1), &o))
        *shift = n - o;
    db_reset(s);
    return step == DB_ROW ? RC_OK : RC_ERROR;
}

/*
 * The copied stages of campaign id (copied with their old dates) moved
 * by the days its opening moved from campaign `from`'s.
 */
static int move_stage_dates(struct store_tx *tx, int64_t id, int64_t from)
{
    static const char sql_read[] = "SELECT seq, starts_at, ends_at FROM stage "
                                   "WHERE campaign_id = ?1 ORDER BY seq LIMIT 64";
    static const char sql_set[] =
        "UPDATE stage SET starts_at = ?3, ends_at = ?4 WHERE campaign_id = ?1 AND seq = ?2";
    struct {
        int64_t seq;
        char starts[16], ends[16];
    } row[64];
    int shift;
    int rc = opening_shift(tx, id, from, &shift);
    if (rc != RC_OK)
        return rc;
    struct db_stmt *s = tx_stmt(tx, sql_read);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, id);
    int n = 0, step;
    while (n < 64 && (step = db_step(s)) == DB_ROW) {
        row[n].seq = db_column_int64(s, 0);
        day_shift(db_column_text(s, 1), shift, row[n].starts);
        day_shift(db_column_text(s, 2), shift, row[n].ends);
        n++;
    }
    db_reset(s);
    if (n < 64 && step != DB_DONE)
        return RC_ERROR;
    for (int i = 0; i < n && rc == RC_OK; i++) {
        if (!(s = tx_stmt(tx, sql_set)))
            return RC_ERROR;
        db_bind_int64(s, 1, id);
        db_bind_int64(s, 2, row[i].seq);
        db_bind_text(s, 3, row[i].starts, -1);
        db_bind_text(s, 4, row[i].ends, -1);
        rc = db_run(s);
    }
    return rc;
}

/* ?1 is the new campaign, ?2 the one copied. */
static const char *const copy_sql[] = {
    "UPDATE campaign SET (theme, organisers, call_md, cases_per_unit, attachments_min, "
    "attachments_note) = (SELECT theme, organisers, call_md, cases_per_unit, attachments_min, "
    "attachments_note FROM campaign WHERE id = ?2) WHERE id = ?1",
    "INSERT INTO track (campaign_id, slug, name) SELECT ?1, slug, name FROM track "
    "WHERE campaign_id = ?2 ORDER BY id",
    "INSERT INTO tier (campaign_id, slug, name, quota, rank) SELECT ?1, slug, name, quota, rank "
    "FROM tier WHERE campaign_id = ?2 ORDER BY id",
    "INSERT INTO region_quota (campaign_id, region_code, quota) SELECT ?1, region_code, quota "
    "FROM region_quota WHERE campaign_id = ?2",
    "INSERT INTO stage (campaign_id, seq, name, kind, starts_at, ends_at, summary, "
    "reviewers_per_case, blind, max_same_region, exclude_previous, aggregation, trim_k, "
    "trim_min, normalise, previous_weight, vote_weight, quorum, advance_rule, advance_n, "
    "advance_threshold) "
    "SELECT ?1, seq, name, kind, starts_at, ends_at, summary, reviewers_per_case, blind, "
    "max_same_region, exclude_previous, aggregation, trim_k, trim_min, normalise, "
    "previous_weight, vote_weight, quorum, advance_rule, advance_n, advance_threshold "
    "FROM stage WHERE campaign_id = ?2 ORDER BY seq",
    "INSERT INTO criterion (stage_id, seq, name, description, max_score, weight) "
    "SELECT ns.id, c.seq, c.name, c.description, c.max_score, c.weight FROM criterion c "
    "JOIN stage os ON os.id = c.stage_id JOIN stage ns ON ns.campaign_id = ?1 AND ns.seq = os.seq "
    "WHERE os.campaign_id = ?2",
};

int tx_campaign_create(struct store_tx *tx, int64_t from, const char *name, const char *opens_at,
                       const char *closes_at, int64_t *id)
{
    static const char sql_from[] = "SELECT 1 FROM campaign WHERE id = ?1";
    static const char sql[] = "INSERT INTO campaign (slug, name, opens_at, closes_at, status) "
                              "VALUES (?1, ?2, ?3, ?4, 'draft') RETURNING id";
    static const char sql_slug[] = "UPDATE campaign SET slug = 'campaign-' || id WHERE id = ?1";
    int rc;
    if (from > 0 && (rc = row_exists(tx_stmt(tx, sql_from), from)) != RC_OK)
        return rc;
    /* A slug no campaign has until the id names it. */
    unsigned char r[8];
    char slug[4 + 2 * sizeof r + 1] = "new-";
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(slug + 4, sizeof slug - 4, r, sizeof r);
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_text(s, 1, slug, -1);
    db_bind_text(s, 2, name, -1);
    db_bind_text(s, 3, opens_at, -1);
    db_bind_text(s, 4, closes_at, -1);
    int step = db_step(s);
    *id = step == DB_ROW ? db_column_int64(s, 0) : 0;
    db_reset(s);
    if (step != DB_ROW)
        return RC_ERROR;
    if (!(s = tx_stmt(tx, sql_slug)))
        return RC_ERROR;
    db_bind_int64(s, 1, *id);
    if ((rc = db_run(s)) != RC_OK)
        return rc;
    for (size_t i = 0; from > 0 && i < sizeof copy_sql / sizeof copy_sql[0]; i++) {
        if (!(s = tx_stmt(tx, copy_sql[i])))
            return RC_ERROR;
        db_bind_int64(s, 1, *id);
        db_bind_int64(s, 2, from);
        if ((rc = db_run(s)) != RC_OK)
            return rc;
    }
    return from > 0 ? move_stage_dates(tx, *id, from) : RC_OK;
}

int tx_campaign_save(struct store_tx *tx, int64_t id, const struct campaign_fields *f)
{
    static const char sql[] =
        "UPDATE campaign SET name = ?2, theme = ?3, organisers = ?4, call_md = ?5, opens_at = ?6, "
        "closes_at = ?7 WHERE id = ?1 AND status NOT IN ('published', 'archived')";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    const char *v[] = {f->name, f->theme, f->organisers, f->call_md, f->opens_at, f->closes_at};
    db_bind_int64(s, 1, id);
    for (int i = 0; i < 6; i++)
        db_bind_text(s, i + 2, v[i] ? v[i] : "", -1);
    return db_run_changed(s, RC_STALE);
}

int tx_campaign_stage_add(struct store_tx *tx, int64_t id, const char *name, const char *kind,
                          const char *starts_at, const char *ends_at)
{
    static const char sql[] =
        "INSERT INTO stage (campaign_id, seq, name, kind, starts_at, ends_at) "
        "SELECT k.id, coalesce((SELECT max(seq) FROM stage WHERE campaign_id = k.id), 0) + 1, "
        "?2, ?3, ?4, ?5 FROM campaign k WHERE k.id = ?1 AND k.status <> 'archived'";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, id);
    db_bind_text(s, 2, name, -1);
    db_bind_text(s, 3, kind, -1);
    db_bind_text(s, 4, starts_at, -1);
    db_bind_text(s, 5, ends_at, -1);
    return db_run_changed(s, RC_STALE);
}

int tx_campaign_tier_add(struct store_tx *tx, int64_t id, const char *name, int quota)
{
    static const char sql[] =
        "INSERT INTO tier (campaign_id, slug, name, quota, rank) "
        "SELECT k.id, 'tier-' || (coalesce((SELECT max(id) FROM tier), 0) + 1), ?2, ?3, "
        "coalesce((SELECT max(rank) FROM tier WHERE campaign_id = k.id), 0) + 1 "
        "FROM campaign k WHERE k.id = ?1 AND k.status NOT IN ('published', 'archived')";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, id);
    db_bind_text(s, 2, name, -1);
    db_bind_int64(s, 3, quota);
    return db_run_changed(s, RC_STALE);
}

int tx_campaign_tier_save(struct store_tx *tx, int64_t id, int64_t tier_id, const char *name,
                          int quota)
{
    static const char sql[] =
        "UPDATE tier SET name = ?3, quota = ?4 WHERE id = ?2 AND campaign_id = ?1 AND "
        "EXISTS (SELECT 1 FROM campaign k WHERE k.id = ?1 "
        "AND k.status NOT IN ('published', 'archived'))";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, tier_id);
    db_bind_text(s, 3, name, -1);
    db_bind_int64(s, 4, quota);
    return db_run_changed(s, RC_STALE);
}

int tx_campaign_track_add(struct store_tx *tx, int64_t id, const char *name)
{
    static const char sql[] =
        "INSERT INTO track (campaign_id, slug, name) "
        "SELECT k.id, 'track-' || (coalesce((SELECT max(id) FROM track), 0) + 1), ?2 "
        "FROM campaign k WHERE k.id = ?1 AND k.status NOT IN ('published', 'archived')";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, id);
    db_bind_text(s, 2, name, -1);
    return db_run_changed(s, RC_STALE);
}

int tx_campaign_status(struct store_tx *tx, int64_t id, const char *from, const char *to)
{
    static const char sql_open[] = "SELECT 1 FROM campaign WHERE status = 'open' AND id <> ?1";
    static const char sql[] = "UPDATE campaign SET status = ?3 WHERE id = ?1 AND status = ?2";
    if (strcmp(to, "open") == 0) {
        int rc = row_exists(tx_stmt(tx, sql_open), id);
        if (rc != RC_NOTFOUND)
            return rc == RC_OK ? RC_EXISTS : rc;
    }
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, id);
    db_bind_text(s, 2, from, -1);
    db_bind_text(s, 3, to, -1);
    return db_run_changed(s, RC_STALE);
}
