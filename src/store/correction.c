/*
 * correction.c — corrections after publication in the store
 * (correction.h): an award moved or withdrawn once the notice is closed,
 * with its dated row, and the new signed statement of the list.  Written
 * over the driver (db.h): it runs on SQLite and on PostgreSQL.
 */
#include <stdio.h>

#include "store/award.h"
#include "store/correction.h"
#include "store/statement.h"
#include "store/store_int.h"

/* Bind parameter i to tier id t, or NULL for none (0). */
static void bind_tier(struct db_stmt *s, int i, int64_t t)
{
    if (t)
        db_bind_int64(s, i, t);
    else
        db_bind_null(s, i);
}

/* The case's tier and its award row moved to tier_id (0: the award withdrawn). */
static int move(struct store_tx *tx, int64_t campaign, int64_t case_id, int64_t tier_id)
{
    static const char put_case[] = "UPDATE \"case\" SET tier_id = ?2 WHERE id = ?1";
    static const char put_award[] =
        "UPDATE award SET tier_id = ?3, why = 'manual', capped_tier_id = NULL "
        "WHERE campaign_id = ?1 AND case_id = ?2";
    static const char del_award[] = "DELETE FROM award WHERE campaign_id = ?1 AND case_id = ?2";
    struct db_stmt *s = tx_stmt(tx, put_case);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, case_id);
    bind_tier(s, 2, tier_id);
    int rc = db_run(s);
    if (rc != RC_OK || !(s = tx_stmt(tx, tier_id ? put_award : del_award)))
        return RC_ERROR;
    db_bind_int64(s, 1, campaign);
    db_bind_int64(s, 2, case_id);
    if (tier_id)
        db_bind_int64(s, 3, tier_id);
    return db_run(s);
}

int tx_correction_make(struct store_tx *tx, int64_t stage_id, int64_t case_id, int64_t tier_id,
                       const char *reason)
{
    /* The campaign of a closed notice, and the case's award there. */
    static const char get[] =
        "SELECT n.campaign_id, c.tier_id, c.region_code FROM stage s JOIN notice n ON "
        "n.campaign_id = s.campaign_id JOIN \"case\" c ON c.id = ?2 AND c.campaign_id = "
        "n.campaign_id WHERE s.id = ?1 AND n.state = 'closed'";
    static const char closed[] =
        "SELECT 1 FROM stage s JOIN notice n ON n.campaign_id = s.campaign_id WHERE s.id = ?1 "
        "AND n.state = 'closed'";
    struct db_stmt *s = tx_stmt(tx, closed);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    int step = db_step(s);
    db_reset(s);
    if (step == DB_ERROR)
        return RC_ERROR;
    if (step != DB_ROW)
        return RC_STATE;
    if (!(s = tx_stmt(tx, get)))
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, case_id);
    if ((step = db_step(s)) != DB_ROW || db_column_type(s, 1) == DB_NULL) {
        db_reset(s);
        return step == DB_ERROR ? RC_ERROR : RC_NOTFOUND;
    }
    int64_t campaign = db_column_int64(s, 0), from = db_column_int64(s, 1);
    char region[8];
    snprintf(region, sizeof region, "%s", db_text(s, 2));
    db_reset(s);
    if (tier_id == from)
        return RC_INVALID;
    if (tier_id) {
        enum award_refusal why;
        int room = tx_tier_room(tx, campaign, tier_id, case_id, region, &why);
        if (room != RC_OK)
            return room;
    }
    static const char ins[] =
        "INSERT INTO correction (campaign_id, case_id, from_tier_id, to_tier_id, reason, made_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    int rc = move(tx, campaign, case_id, tier_id);
    if (rc != RC_OK || !(s = tx_stmt(tx, ins)))
        return RC_ERROR;
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_int64(s, 1, campaign);
    db_bind_int64(s, 2, case_id);
    db_bind_int64(s, 3, from);
    bind_tier(s, 4, tier_id);
    db_bind_text(s, 5, reason, -1);
    db_bind_text(s, 6, now, -1);
    if ((rc = db_run(s)) != RC_OK)
        return rc;
    /* The public lists count cases by tier: read afresh for the public campaign. */
    if ((rc = tx_public_refresh(tx, campaign)) != RC_OK)
        return rc;
    /* A new signed statement of the list as corrected (statement.h). */
    struct statement_issue q = {campaign, 0, 0};
    return tx_statement_issue(tx, &q);
}

json_t *store_corrections(struct store *st, int64_t campaign_id, int64_t case_id,
                          const char *region)
{
    static const char sql[] =
        "SELECT x.id, substr(x.made_at, 1, 10), x.case_id, c.title, c.region_code, g.name, "
        "f.name, coalesce(t.name, ''), x.to_tier_id IS NULL, x.reason FROM correction x "
        "JOIN \"case\" c ON c.id = x.case_id JOIN region g ON g.code = c.region_code "
        "JOIN tier f ON f.id = x.from_tier_id LEFT JOIN tier t ON t.id = x.to_tier_id "
        "WHERE x.campaign_id = ?1 AND (?2 = 0 OR x.case_id = ?2) AND (CAST(?3 AS TEXT) IS NULL OR "
        "c.region_code = ?3) ORDER BY x.id DESC";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, campaign_id);
    db_bind_int64(s, 2, case_id);
    db_bind_text(s, 3, region, -1);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(
            a, json_pack("{s:I,s:o,s:I,s:o,s:o,s:o,s:o,s:o,s:b,s:o}", "id",
                         (json_int_t)db_column_int64(s, 0), "date", db_jtext(s, 1), "case_id",
                         (json_int_t)db_column_int64(s, 2), "title", db_jtext(s, 3), "region_code",
                         db_jtext(s, 4), "region_name", db_jtext(s, 5), "from_tier", db_jtext(s, 6),
                         "to_tier", db_jtext(s, 7), "withdrawn", (int)db_column_int64(s, 8),
                         "reason", db_jtext(s, 9)));
    db_reset(s);
    return a;
}
