/*
 * sqlite_notice.c — 公示 in SQLite: publishing a campaign's award proposal,
 * the public list by tier and region, closing; see notice.h.
 */
#include <string.h>

#include "store/notice.h"
#include "store/sqlite_int.h"

json_t *store_notice(struct store *st, int64_t stage_id)
{
    static const char sql[] =
        "SELECT n.days, n.starts_on, n.ends_on, n.contact, n.calendar, n.state, n.published_at, "
        "n.closed_at, (SELECT count(*) FROM objection o WHERE o.campaign_id = n.campaign_id AND "
        "o.state = 'open') FROM stage s JOIN notice n ON n.campaign_id = s.campaign_id "
        "WHERE s.id = ?1";
    sqlite3_stmt *s = sq_prepare(st, sql);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, stage_id);
    json_t *o = NULL;
    if (sqlite3_step(s) == SQLITE_ROW)
        o = json_pack("{s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:i}", "days", sqlite3_column_int(s, 0),
                      "starts_on", sq_jtext(s, 1), "ends_on", sq_jtext(s, 2), "contact",
                      sq_jtext(s, 3), "calendar", sq_jtext(s, 4), "state", sq_jtext(s, 5),
                      "published_at", sq_jtext(s, 6), "closed_at", sq_jtext(s, 7),
                      "objections_open", sqlite3_column_int(s, 8));
    sq_done(s);
    return o;
}

/* One notice's awards: tiers with their cases, and each region's count per tier. */
static void notice_awards(struct store *st, int64_t campaign, json_t *n)
{
    static const char tiers[] =
        "SELECT t.id, t.name FROM tier t WHERE t.campaign_id = ?1 ORDER BY t.rank, t.id";
    static const char items[] =
        "SELECT a.tier_id, c.id, c.title, g.name, u.name FROM award a JOIN \"case\" c ON c.id = "
        "a.case_id JOIN region g ON g.code = c.region_code JOIN unit u ON u.id = c.unit_id "
        "WHERE a.campaign_id = ?1 ORDER BY a.ord, c.id";
    static const char regions[] =
        "SELECT g.code, g.name, a.tier_id, count(*) FROM award a JOIN \"case\" c ON c.id = "
        "a.case_id JOIN region g ON g.code = c.region_code WHERE a.campaign_id = ?1 "
        "GROUP BY g.code, a.tier_id ORDER BY g.code";
    json_t *ts = json_array(), *rs = json_array();
    int64_t ids[16];
    int nt = 0;
    sqlite3_stmt *s = sq_prepare(st, tiers);
    if (s) {
        sqlite3_bind_int64(s, 1, campaign);
        while (nt < 16 && sqlite3_step(s) == SQLITE_ROW) {
            ids[nt++] = sqlite3_column_int64(s, 0);
            json_array_append_new(ts, json_pack("{s:o,s:o}", "name", sq_jtext(s, 1), "items",
                                                json_array()));
        }
        sq_done(s);
    }
    if ((s = sq_prepare(st, items))) {
        sqlite3_bind_int64(s, 1, campaign);
        while (sqlite3_step(s) == SQLITE_ROW)
            for (int k = 0; k < nt; k++)
                if (ids[k] == sqlite3_column_int64(s, 0))
                    json_array_append_new(
                        json_object_get(json_array_get(ts, (size_t)k), "items"),
                        json_pack("{s:I,s:o,s:o,s:o}", "case_id",
                                  (json_int_t)sqlite3_column_int64(s, 1), "title", sq_jtext(s, 2),
                                  "region_name", sq_jtext(s, 3), "unit_name", sq_jtext(s, 4)));
        sq_done(s);
    }
    if ((s = sq_prepare(st, regions))) {
        sqlite3_bind_int64(s, 1, campaign);
        json_t *row = NULL;
        char code[8] = "";
        while (sqlite3_step(s) == SQLITE_ROW) {
            if (!row || strcmp(code, sq_text(s, 0)) != 0) {
                sq_copy(code, sizeof code, s, 0);
                json_t *counts = json_array();
                for (int k = 0; k < nt; k++)
                    json_array_append_new(counts, json_integer(0));
                row = json_pack("{s:o,s:o,s:i}", "name", sq_jtext(s, 1), "counts", counts,
                                "total", 0);
                json_array_append_new(rs, row);
            }
            for (int k = 0; k < nt; k++)
                if (ids[k] == sqlite3_column_int64(s, 2))
                    json_array_set_new(json_object_get(row, "counts"), (size_t)k,
                                       json_integer(sqlite3_column_int(s, 3)));
            json_object_set_new(row, "total",
                                json_integer(json_integer_value(json_object_get(row, "total")) +
                                             sqlite3_column_int(s, 3)));
        }
        sq_done(s);
    }
    json_object_set_new(n, "tiers", ts);
    json_object_set_new(n, "regions", rs);
}

json_t *store_notices_public(struct store *st)
{
    static const char sql[] =
        "SELECT n.campaign_id, n.stage_id, m.name, n.days, n.starts_on, n.ends_on, n.contact, "
        "n.state FROM notice n JOIN campaign m ON m.id = n.campaign_id "
        "ORDER BY n.published_at DESC, n.campaign_id DESC";
    sqlite3_stmt *s = sq_prepare(st, sql);
    if (!s)
        return NULL;
    json_t *a = json_array();
    int64_t camps[32];
    int n = 0;
    while (n < 32 && sqlite3_step(s) == SQLITE_ROW) {
        camps[n++] = sqlite3_column_int64(s, 0);
        json_array_append_new(
            a, json_pack("{s:I,s:o,s:i,s:o,s:o,s:o,s:o}", "stage_id",
                         (json_int_t)sqlite3_column_int64(s, 1), "campaign", sq_jtext(s, 2), "days",
                         sqlite3_column_int(s, 3), "starts_on", sq_jtext(s, 4), "ends_on",
                         sq_jtext(s, 5), "contact", sq_jtext(s, 6), "state", sq_jtext(s, 7)));
    }
    sq_done(s);
    for (int i = 0; i < n; i++)
        notice_awards(st, camps[i], json_array_get(a, (size_t)i));
    return a;
}

int tx_notice_publish(struct store_tx *tx, int64_t stage_id, int days, const char *starts_on,
                      const char *ends_on, const char *contact, const char *calendar)
{
    static const char ok[] =
        "SELECT s.campaign_id, EXISTS (SELECT 1 FROM notice n WHERE n.campaign_id = "
        "s.campaign_id), EXISTS (SELECT 1 FROM award a WHERE a.campaign_id = s.campaign_id) "
        "FROM stage s WHERE s.id = ?1 AND s.kind = 'ballot' AND s.state = 'ranked'";
    sqlite3_stmt *s = tx_prepare(tx, ok);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, stage_id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sq_done(s);
        return RC_STATE;
    }
    int64_t campaign = sqlite3_column_int64(s, 0);
    int exists = sqlite3_column_int(s, 1), awards = sqlite3_column_int(s, 2);
    sq_done(s);
    if (exists)
        return RC_EXISTS;
    if (!awards)
        return RC_STATE;
    static const char ins[] =
        "INSERT INTO notice (campaign_id, stage_id, days, starts_on, ends_on, contact, calendar) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    if (!(s = tx_prepare(tx, ins)))
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, campaign);
    sqlite3_bind_int64(s, 2, stage_id);
    sqlite3_bind_int(s, 3, days);
    sqlite3_bind_text(s, 4, starts_on, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, ends_on, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 6, contact, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 7, calendar ? calendar : "", -1, SQLITE_TRANSIENT);
    return tx_exec(tx, s);
}

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
    int rc = tx_exec_id(tx,
                        "UPDATE \"case\" SET tier_id = (SELECT a.tier_id FROM award a WHERE "
                        "a.campaign_id = ?1 AND a.case_id = \"case\".id) WHERE campaign_id = ?1",
                        campaign);
    if (rc != RC_OK)
        return rc;
    return tx_exec_id(tx,
                      "UPDATE notice SET state = 'closed', closed_at = "
                      "strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE campaign_id = ?1",
                      campaign);
}
