/*
 * sqlite_correction.c — corrections after publication in SQLite; see
 * correction.h.
 */
#include <string.h>

#include "store/award.h"
#include "store/correction.h"
#include "store/statement.h"
#include "store/sqlite_int.h"

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
    sqlite3_stmt *s = tx_prepare(tx, closed);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, stage_id);
    int is_closed = sqlite3_step(s) == SQLITE_ROW;
    sq_done(s);
    if (!is_closed)
        return RC_STATE;
    if (!(s = tx_prepare(tx, get)))
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, stage_id);
    sqlite3_bind_int64(s, 2, case_id);
    if (sqlite3_step(s) != SQLITE_ROW || sqlite3_column_type(s, 1) == SQLITE_NULL) {
        sq_done(s);
        return RC_NOTFOUND;
    }
    int64_t campaign = sqlite3_column_int64(s, 0), from = sqlite3_column_int64(s, 1);
    char region[8];
    sq_copy(region, sizeof region, s, 2);
    sq_done(s);
    if (tier_id == from)
        return RC_INVALID;
    if (tier_id) {
        enum award_refusal why;
        int room = tx_tier_room(tx, campaign, tier_id, case_id, region, &why);
        if (room != RC_OK)
            return room;
    }
    static const char put_case[] = "UPDATE \"case\" SET tier_id = ?2 WHERE id = ?1";
    static const char put_award[] =
        "UPDATE award SET tier_id = ?3, why = 'manual', capped_tier_id = NULL "
        "WHERE campaign_id = ?1 AND case_id = ?2";
    static const char del_award[] = "DELETE FROM award WHERE campaign_id = ?1 AND case_id = ?2";
    static const char ins[] =
        "INSERT INTO correction (campaign_id, case_id, from_tier_id, to_tier_id, reason) "
        "VALUES (?1, ?2, ?3, ?4, ?5)";
    if (!(s = tx_prepare(tx, put_case)))
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, case_id);
    if (tier_id)
        sqlite3_bind_int64(s, 2, tier_id);
    else
        sqlite3_bind_null(s, 2);
    int rc = tx_exec(tx, s);
    if (rc != RC_OK || !(s = tx_prepare(tx, tier_id ? put_award : del_award)))
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, campaign);
    sqlite3_bind_int64(s, 2, case_id);
    if (tier_id)
        sqlite3_bind_int64(s, 3, tier_id);
    if ((rc = tx_exec(tx, s)) != RC_OK || !(s = tx_prepare(tx, ins)))
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, campaign);
    sqlite3_bind_int64(s, 2, case_id);
    sqlite3_bind_int64(s, 3, from);
    if (tier_id)
        sqlite3_bind_int64(s, 4, tier_id);
    else
        sqlite3_bind_null(s, 4);
    sqlite3_bind_text(s, 5, reason, -1, SQLITE_TRANSIENT);
    if ((rc = tx_exec(tx, s)) != RC_OK)
        return rc;
    /* The public lists count cases by tier: read afresh for the public campaign. */
    if (campaign == tx->st->campaign_id && db_public_refresh(tx->db, campaign) != 0)
        return RC_ERROR;
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
        "WHERE x.campaign_id = ?1 AND (?2 = 0 OR x.case_id = ?2) AND (?3 IS NULL OR "
        "c.region_code = ?3) ORDER BY x.id DESC";
    sqlite3_stmt *s = sq_prepare(st, sql);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, campaign_id);
    sqlite3_bind_int64(s, 2, case_id);
    if (region)
        sqlite3_bind_text(s, 3, region, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, 3);
    json_t *a = json_array();
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(
            a, json_pack("{s:I,s:o,s:I,s:o,s:o,s:o,s:o,s:o,s:b,s:o}", "id",
                         (json_int_t)sqlite3_column_int64(s, 0), "date", sq_jtext(s, 1),
                         "case_id", (json_int_t)sqlite3_column_int64(s, 2), "title",
                         sq_jtext(s, 3), "region_code", sq_jtext(s, 4), "region_name",
                         sq_jtext(s, 5), "from_tier", sq_jtext(s, 6), "to_tier", sq_jtext(s, 7),
                         "withdrawn", sqlite3_column_int(s, 8), "reason", sq_jtext(s, 9)));
    sq_done(s);
    return a;
}
