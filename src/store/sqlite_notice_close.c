/*
 * sqlite_notice_close.c — closing a campaign's 公示 (tx_notice_close,
 * notice.h), on SQLite still (its times are strftime's, its statements
 * the writer's own); the public read tables it refreshes and the public
 * campaign it takes afresh are read over the driver (public.c); the rest
 * of the notice is notice.c, over the driver.
 */
#include "store/notice.h"
#include "store/sqlite_int.h"
#include "store/statement.h"

int tx_notice_close(struct store_tx *tx, int64_t stage_id)
{
    static const char ok[] =
        "SELECT n.campaign_id, n.state = 'open', (SELECT count(*) FROM objection o WHERE "
        "o.campaign_id = n.campaign_id AND o.state = 'open') FROM stage s JOIN notice n ON "
        "n.campaign_id = s.campaign_id WHERE s.id = ?1";
    sqlite3_stmt *s = tx_prepare(tx, ok);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, stage_id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sq_done(s);
        return RC_STATE;
    }
    int64_t campaign = sqlite3_column_int64(s, 0);
    int open = sqlite3_column_int(s, 1), objections = sqlite3_column_int(s, 2);
    sq_done(s);
    if (!open || objections)
        return RC_STATE;
    /*
     * The campaign published: its cases' final tiers, the cases that went
     * through the review shown (as published, dated now unless they were
     * already), the campaign itself, its public read tables, and the
     * public campaign taken afresh (the newest published).  Only the rows
     * that change are written (a campaign of a million published cases
     * would otherwise rewrite every row and its index entries).
     */
    static const char *const steps[] = {
        "UPDATE \"case\" SET tier_id = (SELECT a.tier_id FROM award a WHERE "
        "a.campaign_id = ?1 AND a.case_id = \"case\".id) WHERE campaign_id = ?1 AND "
        "tier_id IS NOT (SELECT a.tier_id FROM award a WHERE a.campaign_id = ?1 AND "
        "a.case_id = \"case\".id)",
        "UPDATE \"case\" SET status = 'published', published_at = coalesce(published_at, "
        "strftime('%Y-%m-%dT%H:%M:%SZ','now')) WHERE campaign_id = ?1 AND "
        "(status IN ('passed','published') OR tier_id IS NOT NULL) AND "
        "(status IS NOT 'published' OR published_at IS NULL)",
        "UPDATE campaign SET status = 'published', published_at = coalesce(published_at, "
        "strftime('%Y-%m-%dT%H:%M:%SZ','now')) WHERE id = ?1",
        "UPDATE notice SET state = 'closed', closed_at = "
        "strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE campaign_id = ?1",
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        int rc = tx_exec_id(tx, steps[i], campaign);
        if (rc != RC_OK)
            return rc;
    }
    if (db_public_refresh(tx_conn(tx), campaign) != 0)
        return RC_ERROR;
    /* The published list, signed (statement.h); the caller's own audit row, if any, follows. */
    struct statement_issue q = {campaign, 0, 0};
    int rc = tx_statement_issue(tx, &q);
    if (rc != RC_OK)
        return rc;
    tx->st->campaign_id = db_public_campaign(tx_conn(tx));
    return RC_OK;
}
