/*
 * sqlite_campaigns.c — the organiser's campaigns in SQLite; see campaigns.h.
 *
 * A copy is a handful of INSERT ... SELECT statements in the caller's
 * transaction, so a campaign is copied whole or not at all; the stages'
 * criteria follow their stage by its place in the order (seq).
 */
#include <string.h>

#include "store/campaigns.h"
#include "store/sqlite_int.h"

static const char SQL_LIST[] =
    "SELECT k.id, k.name, k.status, k.opens_at, k.closes_at, "
    "(SELECT count(*) FROM \"case\" c WHERE c.campaign_id = k.id AND c.status <> 'draft'), "
    "(SELECT count(*) FROM stage s WHERE s.campaign_id = k.id) "
    "FROM campaign k ORDER BY k.opens_at DESC, k.id DESC";

json_t *store_campaigns(struct store *st)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_LIST);
    if (!s)
        return NULL;
    json_t *a = json_array();
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(
            a, json_pack("{s:I,s:o,s:o,s:o,s:o,s:i,s:i}", "id",
                         (json_int_t)sqlite3_column_int64(s, 0), "name", sq_jtext(s, 1), "status",
                         sq_jtext(s, 2), "opens_at", sq_jtext(s, 3), "closes_at", sq_jtext(s, 4),
                         "cases", sqlite3_column_int(s, 5), "stages", sqlite3_column_int(s, 6)));
    sq_done(s);
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
    sqlite3_stmt *s = sq_prepare(st, SQL_ONE);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sq_done(s);
        return NULL;
    }
    json_t *c = json_pack(
        "{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:{s:i,s:i,s:o}}", "id",
        (json_int_t)sqlite3_column_int64(s, 0), "name", sq_jtext(s, 1), "theme", sq_jtext(s, 2),
        "organisers", sq_jtext(s, 3), "call_md", sq_jtext(s, 4), "status", sq_jtext(s, 5),
        "opens_at", sq_jtext(s, 6), "closes_at", sq_jtext(s, 7), "rules", "cases_per_unit",
        sqlite3_column_int(s, 8), "attachments_min", sqlite3_column_int(s, 9), "attachments_note",
        sq_jtext(s, 10));
    sq_done(s);

    json_t *tracks = json_array(), *tiers = json_array(), *stages = json_array();
    if ((s = sq_prepare(st, SQL_TRACKS))) {
        sqlite3_bind_int64(s, 1, id);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(tracks, json_pack("{s:o,s:o}", "slug", sq_jtext(s, 0), "name",
                                                    sq_jtext(s, 1)));
        sq_done(s);
    }
    if ((s = sq_prepare(st, SQL_TIERS))) {
        sqlite3_bind_int64(s, 1, id);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(tiers, json_pack("{s:I,s:o,s:i}", "id",
                                                   (json_int_t)sqlite3_column_int64(s, 0), "name",
                                                   sq_jtext(s, 1), "quota",
                                                   sqlite3_column_int(s, 2)));
        sq_done(s);
    }
    if ((s = sq_prepare(st, SQL_STAGES))) {
        sqlite3_bind_int64(s, 1, id);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(
                stages, json_pack("{s:I,s:i,s:o,s:o,s:o,s:o,s:o}", "id",
                                  (json_int_t)sqlite3_column_int64(s, 0), "seq",
                                  sqlite3_column_int(s, 1), "name", sq_jtext(s, 2), "kind",
                                  sq_jtext(s, 3), "starts_at", sq_jtext(s, 4), "ends_at",
                                  sq_jtext(s, 5), "state", sq_jtext(s, 6)));
        sq_done(s);
    }
    json_object_set_new(c, "tracks", tracks);
    json_object_set_new(c, "tiers", tiers);
    json_object_set_new(c, "stages", stages);
    return c;
}

int store_campaign_status(struct store *st, int64_t id, char out[16])
{
    static const char sql[] = "SELECT status FROM campaign WHERE id = ?1";
    sqlite3_stmt *s = sq_prepare(st, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s) == SQLITE_ROW ? RC_OK : RC_NOTFOUND;
    if (rc == RC_OK)
        sq_copy(out, 16, s, 0);
    sq_done(s);
    return rc;
}

/* Bind ?1 = a, ?2 = b and run: the copy statements take the new and the old campaign. */
static int exec_pair(struct store_tx *tx, const char *sql, int64_t a, int64_t b)
{
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, a);
    sqlite3_bind_int64(s, 2, b);
    return tx_exec(tx, s);
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
    "SELECT ?1, s.seq, s.name, s.kind, "
    "date(s.starts_at, (julianday(n.opens_at) - julianday(o.opens_at)) || ' days'), "
    "date(s.ends_at, (julianday(n.opens_at) - julianday(o.opens_at)) || ' days'), s.summary, "
    "s.reviewers_per_case, s.blind, s.max_same_region, s.exclude_previous, s.aggregation, "
    "s.trim_k, s.trim_min, s.normalise, s.previous_weight, s.vote_weight, s.quorum, "
    "s.advance_rule, s.advance_n, s.advance_threshold "
    "FROM stage s JOIN campaign o ON o.id = s.campaign_id JOIN campaign n ON n.id = ?1 "
    "WHERE s.campaign_id = ?2 ORDER BY s.seq",
    "INSERT INTO criterion (stage_id, seq, name, description, max_score, weight) "
    "SELECT ns.id, c.seq, c.name, c.description, c.max_score, c.weight FROM criterion c "
    "JOIN stage os ON os.id = c.stage_id JOIN stage ns ON ns.campaign_id = ?1 AND ns.seq = os.seq "
    "WHERE os.campaign_id = ?2",
};

int tx_campaign_create(struct store_tx *tx, int64_t from, const char *name, const char *opens_at,
                       const char *closes_at, int64_t *id)
{
    static const char sql_from[] = "SELECT 1 FROM campaign WHERE id = ?1";
    static const char sql[] =
        "INSERT INTO campaign (slug, name, opens_at, closes_at, status) "
        "VALUES ('new-' || lower(hex(randomblob(8))), ?1, ?2, ?3, 'draft')";
    static const char sql_slug[] = "UPDATE campaign SET slug = 'campaign-' || id WHERE id = ?1";
    sqlite3_stmt *s;
    if (from > 0) {
        if (!(s = tx_prepare(tx, sql_from)))
            return RC_ERROR;
        sqlite3_bind_int64(s, 1, from);
        int step = sqlite3_step(s);
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        if (step != SQLITE_ROW)
            return step == SQLITE_DONE ? RC_NOTFOUND : RC_ERROR;
    }
    if (!(s = tx_prepare(tx, sql)))
        return RC_ERROR;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, opens_at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, closes_at, -1, SQLITE_TRANSIENT);
    int rc = tx_exec(tx, s);
    if (rc != RC_OK)
        return rc;
    *id = sqlite3_last_insert_rowid(tx->db);
    if ((rc = tx_exec_id(tx, sql_slug, *id)) != RC_OK)
        return rc;
    for (size_t i = 0; from > 0 && i < sizeof copy_sql / sizeof copy_sql[0]; i++)
        if ((rc = exec_pair(tx, copy_sql[i], *id, from)) != RC_OK)
            return rc;
    return RC_OK;
}

int tx_campaign_save(struct store_tx *tx, int64_t id, const struct campaign_fields *f)
{
    static const char sql[] =
        "UPDATE campaign SET name = ?2, theme = ?3, organisers = ?4, call_md = ?5, opens_at = ?6, "
        "closes_at = ?7 WHERE id = ?1 AND status NOT IN ('published', 'archived')";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    const char *v[] = {f->name, f->theme, f->organisers, f->call_md, f->opens_at, f->closes_at};
    sqlite3_bind_int64(s, 1, id);
    for (int i = 0; i < 6; i++)
        sqlite3_bind_text(s, i + 2, v[i] ? v[i] : "", -1, SQLITE_TRANSIENT);
    return tx_exec_changed(tx, s, RC_STALE);
}

int tx_campaign_stage_add(struct store_tx *tx, int64_t id, const char *name, const char *kind,
                          const char *starts_at, const char *ends_at)
{
    static const char sql[] =
        "INSERT INTO stage (campaign_id, seq, name, kind, starts_at, ends_at) "
        "SELECT k.id, coalesce((SELECT max(seq) FROM stage WHERE campaign_id = k.id), 0) + 1, "
        "?2, ?3, ?4, ?5 FROM campaign k WHERE k.id = ?1 AND k.status <> 'archived'";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, starts_at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, ends_at, -1, SQLITE_TRANSIENT);
    return tx_exec_changed(tx, s, RC_STALE);
}

int tx_campaign_tier_add(struct store_tx *tx, int64_t id, const char *name, int quota)
{
    static const char sql[] =
        "INSERT INTO tier (campaign_id, slug, name, quota, rank) "
        "SELECT k.id, 'tier-' || (coalesce((SELECT max(id) FROM tier), 0) + 1), ?2, ?3, "
        "coalesce((SELECT max(rank) FROM tier WHERE campaign_id = k.id), 0) + 1 "
        "FROM campaign k WHERE k.id = ?1 AND k.status NOT IN ('published', 'archived')";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 3, quota);
    return tx_exec_changed(tx, s, RC_STALE);
}

int tx_campaign_tier_save(struct store_tx *tx, int64_t id, int64_t tier_id, const char *name,
                          int quota)
{
    static const char sql[] =
        "UPDATE tier SET name = ?3, quota = ?4 WHERE id = ?2 AND campaign_id = ?1 AND "
        "EXISTS (SELECT 1 FROM campaign k WHERE k.id = ?1 "
        "AND k.status NOT IN ('published', 'archived'))";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, tier_id);
    sqlite3_bind_text(s, 3, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 4, quota);
    return tx_exec_changed(tx, s, RC_STALE);
}

int tx_campaign_track_add(struct store_tx *tx, int64_t id, const char *name)
{
    static const char sql[] =
        "INSERT INTO track (campaign_id, slug, name) "
        "SELECT k.id, 'track-' || (coalesce((SELECT max(id) FROM track), 0) + 1), ?2 "
        "FROM campaign k WHERE k.id = ?1 AND k.status NOT IN ('published', 'archived')";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_TRANSIENT);
    return tx_exec_changed(tx, s, RC_STALE);
}

int tx_campaign_status(struct store_tx *tx, int64_t id, const char *from, const char *to)
{
    static const char sql_open[] =
        "SELECT 1 FROM campaign WHERE status = 'open' AND id <> ?1";
    static const char sql[] = "UPDATE campaign SET status = ?3 WHERE id = ?1 AND status = ?2";
    sqlite3_stmt *s;
    if (strcmp(to, "open") == 0) {
        if (!(s = tx_prepare(tx, sql_open)))
            return RC_ERROR;
        sqlite3_bind_int64(s, 1, id);
        int step = sqlite3_step(s);
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        if (step == SQLITE_ROW)
            return RC_EXISTS;
        if (step != SQLITE_DONE)
            return RC_ERROR;
    }
    if (!(s = tx_prepare(tx, sql)))
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, to, -1, SQLITE_TRANSIENT);
    return tx_exec_changed(tx, s, RC_STALE);
}
