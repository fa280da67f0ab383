/*
 * sqlite_notice.c — 公示 in SQLite: publishing a campaign's award proposal,
 * the public list by tier and region, objections and their answers,
 * closing; see notice.h.
 */
#include <string.h>

#include "store/accounts.h"
#include "store/award.h"
#include "store/news.h"
#include "store/statement.h"
#include "store/notice.h"
#include "store/sqlite_int.h"

json_t *store_notice(struct store *st, int64_t stage_id)
{
    static const char sql[] =
        "SELECT n.days, n.starts_on, n.ends_on, n.contact, n.calendar, n.state, n.published_at, "
        "n.closed_at, (SELECT count(*) FROM objection o WHERE o.campaign_id = n.campaign_id AND "
        "o.state = 'open'), coalesce(n.article_id, 0) FROM stage s JOIN notice n ON n.campaign_id = s.campaign_id "
        "WHERE s.id = ?1";
    sqlite3_stmt *s = sq_prepare(st, sql);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, stage_id);
    json_t *o = NULL;
    if (sqlite3_step(s) == SQLITE_ROW)
        o = json_pack("{s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:i,s:I}", "days", sqlite3_column_int(s, 0),
                      "starts_on", sq_jtext(s, 1), "ends_on", sq_jtext(s, 2), "contact",
                      sq_jtext(s, 3), "calendar", sq_jtext(s, 4), "state", sq_jtext(s, 5),
                      "published_at", sq_jtext(s, 6), "closed_at", sq_jtext(s, 7),
                      "objections_open", sqlite3_column_int(s, 8), "article_id",
                      (json_int_t)sqlite3_column_int64(s, 9));
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
    int rc = tx_exec(tx, s);
    /* The 公示 announcement drafted from the proposal, for the organiser to edit and publish. */
    int64_t article = 0;
    if (rc == RC_OK)
        rc = tx_news_announce_notice(tx, campaign, starts_on, ends_on, &article);
    if (rc != RC_OK)
        return rc;
    static const char link[] = "UPDATE notice SET article_id = ?2 WHERE campaign_id = ?1";
    if (!(s = tx_prepare(tx, link)))
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, campaign);
    sqlite3_bind_int64(s, 2, article);
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
    if (db_public_refresh(tx->db, campaign) != 0)
        return RC_ERROR;
    /* The published list, signed (statement.h); the caller's own audit row, if any, follows. */
    struct statement_issue q = {campaign, 0, 0};
    int rc = tx_statement_issue(tx, &q);
    if (rc != RC_OK)
        return rc;
    tx->st->campaign_id = db_public_campaign(tx->db);
    return RC_OK;
}

/* The campaign of stage_id's open notice, or 0. */
static int64_t open_notice(struct store_tx *tx, int64_t stage_id)
{
    static const char sql[] =
        "SELECT n.campaign_id FROM stage s JOIN notice n ON n.campaign_id = s.campaign_id "
        "WHERE s.id = ?1 AND n.state = 'open'";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return 0;
    sqlite3_bind_int64(s, 1, stage_id);
    int64_t id = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sq_done(s);
    return id;
}

int tx_objection_code(struct store_tx *tx, int64_t stage_id, const char *contact,
                      const char *code_hash, const char *subject, const char *body, long now)
{
    int64_t campaign = open_notice(tx, stage_id);
    if (!campaign)
        return RC_STATE;
    static const char last[] =
        "SELECT created_at FROM objection_code WHERE campaign_id = ?1 AND contact = ?2";
    sqlite3_stmt *s = tx_prepare(tx, last);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, campaign);
    sqlite3_bind_text(s, 2, contact, -1, SQLITE_TRANSIENT);
    long at = sqlite3_step(s) == SQLITE_ROW ? (long)sqlite3_column_int64(s, 0) : 0;
    sq_done(s);
    if (at && now - at < 60)
        return RC_QUOTA;
    static const char put[] =
        "INSERT OR REPLACE INTO objection_code (campaign_id, contact, code_hash, tries, "
        "created_at) VALUES (?1, ?2, ?3, 0, ?4)";
    if (!(s = tx_prepare(tx, put)))
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, campaign);
    sqlite3_bind_text(s, 2, contact, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, code_hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 4, now);
    int rc = tx_exec(tx, s);
    return rc != RC_OK ? rc : tx_outbox_add(tx, contact, subject, body);
}

int tx_objection_file(struct store_tx *tx, struct objection_filing *f)
{
    int64_t campaign = open_notice(tx, f->stage_id);
    if (!campaign)
        return RC_STATE;
    static const char proposed[] = "SELECT 1 FROM award WHERE campaign_id = ?1 AND case_id = ?2";
    sqlite3_stmt *s = tx_prepare(tx, proposed);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, campaign);
    sqlite3_bind_int64(s, 2, f->case_id);
    int found = sqlite3_step(s) == SQLITE_ROW;
    sq_done(s);
    if (!found)
        return RC_GONE;
    static const char code[] =
        "SELECT code_hash, tries, created_at FROM objection_code WHERE campaign_id = ?1 AND "
        "contact = ?2";
    if (!(s = tx_prepare(tx, code)))
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, campaign);
    sqlite3_bind_text(s, 2, f->contact, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sq_done(s);
        f->outcome = RC_NOTFOUND;
        return RC_OK;
    }
    int match = strcmp(sq_text(s, 0), f->code_hash) == 0, tries = sqlite3_column_int(s, 1);
    long at = (long)sqlite3_column_int64(s, 2);
    sq_done(s);
    if (f->now - at > OBJECTION_CODE_TTL_S) {
        f->outcome = RC_NOTFOUND;
        return RC_OK;
    }
    if (tries >= OBJECTION_CODE_TRIES) {
        f->outcome = RC_QUOTA;
        return RC_OK;
    }
    if (!match) {
        static const char spend[] =
            "UPDATE objection_code SET tries = tries + 1 WHERE campaign_id = ?1 AND contact = ?2";
        if (!(s = tx_prepare(tx, spend)))
            return RC_ERROR;
        sqlite3_bind_int64(s, 1, campaign);
        sqlite3_bind_text(s, 2, f->contact, -1, SQLITE_TRANSIENT);
        f->outcome = RC_INVALID;
        return tx_exec(tx, s);
    }
    static const char used[] = "DELETE FROM objection_code WHERE campaign_id = ?1 AND contact = ?2";
    static const char ins[] =
        "INSERT INTO objection (campaign_id, case_id, name, contact, reason, file_sha256, "
        "file_name, file_mime, file_size) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    if (!(s = tx_prepare(tx, used)))
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, campaign);
    sqlite3_bind_text(s, 2, f->contact, -1, SQLITE_TRANSIENT);
    int rc = tx_exec(tx, s);
    if (rc != RC_OK || !(s = tx_prepare(tx, ins)))
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, campaign);
    sqlite3_bind_int64(s, 2, f->case_id);
    sqlite3_bind_text(s, 3, f->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, f->contact, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, f->reason, -1, SQLITE_TRANSIENT);
    if (f->file_sha256) {
        sqlite3_bind_text(s, 6, f->file_sha256, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 7, f->file_name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 8, f->file_mime, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 9, f->file_size);
    }
    f->outcome = RC_OK;
    return tx_exec(tx, s);
}

json_t *store_objections(struct store *st, int64_t stage_id)
{
    static const char sql[] =
        "SELECT o.id, o.case_id, c.title, coalesce(t.name, ''), o.name, o.contact, o.reason, "
        "o.state, o.answer, substr(o.created_at, 1, 10), coalesce(o.file_name, ''), "
        "coalesce(o.file_size, 0) FROM stage s JOIN objection o "
        "ON o.campaign_id = s.campaign_id JOIN \"case\" c ON c.id = o.case_id "
        "LEFT JOIN award a ON a.campaign_id = o.campaign_id AND a.case_id = o.case_id "
        "LEFT JOIN tier t ON t.id = a.tier_id "
        "WHERE s.id = ?1 ORDER BY o.id DESC";
    sqlite3_stmt *s = sq_prepare(st, sql);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, stage_id);
    json_t *a = json_array();
    while (sqlite3_step(s) == SQLITE_ROW)
        json_array_append_new(
            a, json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I}", "id",
                         (json_int_t)sqlite3_column_int64(s, 0), "case_id",
                         (json_int_t)sqlite3_column_int64(s, 1), "title", sq_jtext(s, 2),
                         "tier_name", sq_jtext(s, 3), "name", sq_jtext(s, 4), "contact",
                         sq_jtext(s, 5), "reason", sq_jtext(s, 6), "state", sq_jtext(s, 7),
                         "answer", sq_jtext(s, 8), "created_at", sq_jtext(s, 9),
                         "file_name", sq_jtext(s, 10), "file_size",
                         (json_int_t)sqlite3_column_int64(s, 11)));
    sq_done(s);
    return a;
}

/*
 * A case upheld out of the awards leaves its place to the cases after it,
 * as the proposal would have placed them without it: the first elected
 * case in the ballot's order below the freed tier (in a lower tier, or in
 * none) that its region's cap allows moves up into it, and so on down to a
 * case that held no award.  Cases placed by hand and cases an upheld
 * objection has touched keep where they are.
 */
static int fill_freed(struct store_tx *tx, int64_t campaign, int64_t stage_id, int64_t removed,
                      int64_t tier_id)
{
    static const char next[] =
        "SELECT sc.case_id, a.tier_id, sc.rank FROM stage_case sc JOIN \"case\" c ON c.id = "
        "sc.case_id JOIN tier f ON f.id = ?3 LEFT JOIN award a ON a.campaign_id = ?1 AND "
        "a.case_id = sc.case_id LEFT JOIN tier t ON t.id = a.tier_id "
        "WHERE sc.stage_id = ?2 AND sc.advanced AND sc.case_id <> ?4 "
        "AND (a.case_id IS NULL OR (t.rank > f.rank AND a.why <> 'manual')) "
        "AND NOT EXISTS (SELECT 1 FROM objection o WHERE o.campaign_id = ?1 "
        "AND o.case_id = sc.case_id AND o.state = 'upheld') "
        "AND (f.region_cap = 0 OR (SELECT count(*) FROM award b JOIN \"case\" k ON k.id = "
        "b.case_id WHERE b.campaign_id = ?1 AND b.tier_id = f.id AND k.region_code = "
        "c.region_code) < f.region_cap) "
        "AND (SELECT count(*) FROM award b WHERE b.campaign_id = ?1 AND b.tier_id = f.id) < "
        "f.quota ORDER BY sc.rank, sc.case_id LIMIT 1";
    static const char put[] =
        "INSERT INTO award (campaign_id, case_id, tier_id, ord, why) VALUES (?1, ?2, ?3, ?4, "
        "'in_order') ON CONFLICT (campaign_id, case_id) DO UPDATE SET tier_id = excluded.tier_id, "
        "why = 'in_order', capped_tier_id = NULL";
    for (int guard = 0; tier_id && guard < 64; guard++) {
        sqlite3_stmt *s = tx_prepare(tx, next);
        if (!s)
            return RC_ERROR;
        sqlite3_bind_int64(s, 1, campaign);
        sqlite3_bind_int64(s, 2, stage_id);
        sqlite3_bind_int64(s, 3, tier_id);
        sqlite3_bind_int64(s, 4, removed);
        if (sqlite3_step(s) != SQLITE_ROW) {
            sq_done(s);
            return RC_OK;
        }
        int64_t case_id = sqlite3_column_int64(s, 0);
        int64_t held = sqlite3_column_type(s, 1) == SQLITE_NULL ? 0 : sqlite3_column_int64(s, 1);
        int ord = sqlite3_column_int(s, 2);
        sq_done(s);
        if (!(s = tx_prepare(tx, put)))
            return RC_ERROR;
        sqlite3_bind_int64(s, 1, campaign);
        sqlite3_bind_int64(s, 2, case_id);
        sqlite3_bind_int64(s, 3, tier_id);
        sqlite3_bind_int(s, 4, ord);
        int rc = tx_exec(tx, s);
        if (rc != RC_OK)
            return rc;
        tier_id = held;
    }
    return RC_OK;
}

json_t *store_objection_file(struct store *st, int64_t stage_id, int64_t id)
{
    static const char sql[] =
        "SELECT o.file_sha256, o.file_name, o.file_mime FROM stage s JOIN objection o ON "
        "o.campaign_id = s.campaign_id WHERE s.id = ?1 AND o.id = ?2 AND o.file_sha256 IS NOT "
        "NULL";
    sqlite3_stmt *s = sq_prepare(st, sql);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, stage_id);
    sqlite3_bind_int64(s, 2, id);
    json_t *o = sqlite3_step(s) == SQLITE_ROW
                    ? json_pack("{s:o,s:o,s:o}", "sha256", sq_jtext(s, 0), "name", sq_jtext(s, 1),
                                "mime", sq_jtext(s, 2))
                    : NULL;
    sq_done(s);
    return o;
}

int tx_objection_answer(struct store_tx *tx, int64_t stage_id, int64_t id, int uphold,
                        int64_t tier_id, const char *answer, const char *subject,
                        const char *body)
{
    int64_t campaign = open_notice(tx, stage_id);
    if (!campaign)
        return RC_STATE;
    static const char get[] =
        "SELECT o.case_id, o.contact, c.region_code FROM objection o JOIN \"case\" c ON c.id = "
        "o.case_id WHERE o.id = ?1 AND o.campaign_id = ?2 AND o.state = 'open'";
    sqlite3_stmt *s = tx_prepare(tx, get);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, campaign);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sq_done(s);
        return RC_STATE;
    }
    int64_t case_id = sqlite3_column_int64(s, 0);
    char contact[256], region[8];
    sq_copy(contact, sizeof contact, s, 1);
    sq_copy(region, sizeof region, s, 2);
    sq_done(s);
    int rc = RC_OK;
    if (uphold && tier_id == 0) {
        static const char was[] =
            "SELECT tier_id FROM award WHERE campaign_id = ?1 AND case_id = ?2";
        static const char del[] = "DELETE FROM award WHERE campaign_id = ?1 AND case_id = ?2";
        if (!(s = tx_prepare(tx, was)))
            return RC_ERROR;
        sqlite3_bind_int64(s, 1, campaign);
        sqlite3_bind_int64(s, 2, case_id);
        int64_t freed = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
        sq_done(s);
        if (!(s = tx_prepare(tx, del)))
            return RC_ERROR;
        sqlite3_bind_int64(s, 1, campaign);
        sqlite3_bind_int64(s, 2, case_id);
        rc = tx_exec(tx, s);
        if (rc == RC_OK)
            rc = fill_freed(tx, campaign, stage_id, case_id, freed);
    } else if (uphold) {
        /* Another tier of the campaign, with room for it and for its region. */
        enum award_refusal why;
        if ((rc = tx_tier_room(tx, campaign, tier_id, case_id, region, &why)) != RC_OK)
            return rc;
        static const char put[] =
            "UPDATE award SET tier_id = ?3, why = 'manual', capped_tier_id = NULL "
            "WHERE campaign_id = ?1 AND case_id = ?2";
        if (!(s = tx_prepare(tx, put)))
            return RC_ERROR;
        sqlite3_bind_int64(s, 1, campaign);
        sqlite3_bind_int64(s, 2, case_id);
        sqlite3_bind_int64(s, 3, tier_id);
        rc = tx_exec(tx, s);
    }
    if (rc != RC_OK)
        return rc;
    static const char done[] =
        "UPDATE objection SET state = ?2, answer = ?3, answered_at = "
        "strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1";
    if (!(s = tx_prepare(tx, done)))
        return RC_ERROR;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, uphold ? "upheld" : "rejected", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, answer ? answer : "", -1, SQLITE_TRANSIENT);
    if ((rc = tx_exec(tx, s)) != RC_OK)
        return rc;
    return tx_outbox_add(tx, contact, subject, body);
}
