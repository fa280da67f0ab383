/*
 * notice.c — 公示 in the store: publishing a campaign's award proposal,
 * the public list by tier and region, objections and their answers; see
 * notice.h.  Written over the driver (db.h): it runs on SQLite and on
 * PostgreSQL.  Closing the notice publishes the campaign: its cases' final
 * tiers, its public read tables (public.h), its signed statement, and the
 * store's public campaign taken afresh.
 */
#include <stdio.h>
#include <string.h>

#include "store/accounts.h"
#include "store/award.h"
#include "store/news.h"
#include "store/notice.h"
#include "store/public.h"
#include "store/search.h"
#include "store/statement.h"
#include "store/store_int.h"

json_t *store_notice(struct store *st, int64_t stage_id)
{
    static const char sql[] =
        "SELECT n.days, n.starts_on, n.ends_on, n.contact, n.calendar, n.state, n.published_at, "
        "n.closed_at, (SELECT count(*) FROM objection o WHERE o.campaign_id = n.campaign_id AND "
        "o.state = 'open'), coalesce(n.article_id, 0) FROM stage s JOIN notice n ON n.campaign_id "
        "= s.campaign_id "
        "WHERE s.id = ?1";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    json_t *o = NULL;
    if (db_step(s) == DB_ROW)
        o = json_pack("{s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:i,s:I}", "days",
                      (int)db_column_int64(s, 0), "starts_on", db_jtext(s, 1), "ends_on", db_jtext(s, 2),
                      "contact", db_jtext(s, 3), "calendar", db_jtext(s, 4), "state", db_jtext(s, 5),
                      "published_at", db_jtext(s, 6), "closed_at", db_jtext(s, 7), "objections_open",
                      (int)db_column_int64(s, 8), "article_id", (json_int_t)db_column_int64(s, 9));
    db_reset(s);
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
    struct db_stmt *s = store_stmt(st, tiers);
    if (s) {
        db_bind_int64(s, 1, campaign);
        while (nt < 16 && db_step(s) == DB_ROW) {
            ids[nt++] = db_column_int64(s, 0);
            json_array_append_new(
                ts, json_pack("{s:o,s:o}", "name", db_jtext(s, 1), "items", json_array()));
        }
        db_reset(s);
    }
    if ((s = store_stmt(st, items))) {
        db_bind_int64(s, 1, campaign);
        while (db_step(s) == DB_ROW)
            for (int k = 0; k < nt; k++)
                if (ids[k] == db_column_int64(s, 0))
                    json_array_append_new(json_object_get(json_array_get(ts, (size_t)k), "items"),
                                          json_pack("{s:I,s:o,s:o,s:o}", "case_id",
                                                    (json_int_t)db_column_int64(s, 1), "title",
                                                    db_jtext(s, 2), "region_name", db_jtext(s, 3),
                                                    "unit_name", db_jtext(s, 4)));
        db_reset(s);
    }
    if ((s = store_stmt(st, regions))) {
        db_bind_int64(s, 1, campaign);
        json_t *row = NULL;
        char code[8] = "";
        while (db_step(s) == DB_ROW) {
            if (!row || strcmp(code, db_text(s, 0)) != 0) {
                db_copy_text(code, sizeof code, s, 0);
                json_t *counts = json_array();
                for (int k = 0; k < nt; k++)
                    json_array_append_new(counts, json_integer(0));
                row = json_pack("{s:o,s:o,s:i}", "name", db_jtext(s, 1), "counts", counts, "total", 0);
                json_array_append_new(rs, row);
            }
            for (int k = 0; k < nt; k++)
                if (ids[k] == db_column_int64(s, 2))
                    json_array_set_new(json_object_get(row, "counts"), (size_t)k,
                                       json_integer((int)db_column_int64(s, 3)));
            json_object_set_new(row, "total",
                                json_integer(json_integer_value(json_object_get(row, "total")) +
                                             (int)db_column_int64(s, 3)));
        }
        db_reset(s);
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
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    json_t *a = json_array();
    int64_t camps[32];
    int n = 0;
    while (n < 32 && db_step(s) == DB_ROW) {
        camps[n++] = db_column_int64(s, 0);
        json_array_append_new(a, json_pack("{s:I,s:o,s:i,s:o,s:o,s:o,s:o}", "stage_id",
                                           (json_int_t)db_column_int64(s, 1), "campaign",
                                           db_jtext(s, 2), "days", (int)db_column_int64(s, 3),
                                           "starts_on", db_jtext(s, 4), "ends_on", db_jtext(s, 5),
                                           "contact", db_jtext(s, 6), "state", db_jtext(s, 7)));
    }
    db_reset(s);
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
    struct db_stmt *s = tx_stmt(tx, ok);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return RC_STATE;
    }
    int64_t campaign = db_column_int64(s, 0);
    int exists = (int)db_column_int64(s, 1), awards = (int)db_column_int64(s, 2);
    db_reset(s);
    if (exists)
        return RC_EXISTS;
    if (!awards)
        return RC_STATE;
    static const char ins[] =
        "INSERT INTO notice (campaign_id, stage_id, days, starts_on, ends_on, contact, calendar) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    if (!(s = tx_stmt(tx, ins)))
        return RC_ERROR;
    db_bind_int64(s, 1, campaign);
    db_bind_int64(s, 2, stage_id);
    db_bind_int64(s, 3, days);
    db_bind_text(s, 4, starts_on, -1);
    db_bind_text(s, 5, ends_on, -1);
    db_bind_text(s, 6, contact, -1);
    db_bind_text(s, 7, calendar ? calendar : "", -1);
    int rc = db_run(s);
    /* The 公示 announcement drafted from the proposal, for the organiser to edit and publish. */
    int64_t article = 0;
    if (rc == RC_OK)
        rc = tx_news_announce_notice(tx, campaign, starts_on, ends_on, &article);
    if (rc != RC_OK)
        return rc;
    static const char link[] = "UPDATE notice SET article_id = ?2 WHERE campaign_id = ?1";
    if (!(s = tx_stmt(tx, link)))
        return RC_ERROR;
    db_bind_int64(s, 1, campaign);
    db_bind_int64(s, 2, article);
    return db_run(s);
}

/* The campaign of stage_id's open notice, or 0. */
static int64_t open_notice(struct store_tx *tx, int64_t stage_id)
{
    static const char sql[] =
        "SELECT n.campaign_id FROM stage s JOIN notice n ON n.campaign_id = s.campaign_id "
        "WHERE s.id = ?1 AND n.state = 'open'";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return 0;
    db_bind_int64(s, 1, stage_id);
    int64_t id = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
    db_reset(s);
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
    struct db_stmt *s = tx_stmt(tx, last);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, campaign);
    db_bind_text(s, 2, contact, -1);
    long at = db_step(s) == DB_ROW ? (long)db_column_int64(s, 0) : 0;
    db_reset(s);
    if (at && now - at < 60)
        return RC_QUOTA;
    static const char put[] =
        "INSERT INTO objection_code (campaign_id, contact, code_hash, tries, created_at) "
        "VALUES (?1, ?2, ?3, 0, ?4) ON CONFLICT (campaign_id, contact) DO UPDATE SET "
        "code_hash = excluded.code_hash, tries = 0, created_at = excluded.created_at";
    if (!(s = tx_stmt(tx, put)))
        return RC_ERROR;
    db_bind_int64(s, 1, campaign);
    db_bind_text(s, 2, contact, -1);
    db_bind_text(s, 3, code_hash, -1);
    db_bind_int64(s, 4, now);
    int rc = db_run(s);
    return rc != RC_OK ? rc : tx_outbox_add(tx, contact, subject, body);
}

int tx_objection_file(struct store_tx *tx, struct objection_filing *f)
{
    int64_t campaign = open_notice(tx, f->stage_id);
    if (!campaign)
        return RC_STATE;
    static const char proposed[] = "SELECT 1 FROM award WHERE campaign_id = ?1 AND case_id = ?2";
    struct db_stmt *s = tx_stmt(tx, proposed);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, campaign);
    db_bind_int64(s, 2, f->case_id);
    int found = db_step(s) == DB_ROW;
    db_reset(s);
    if (!found)
        return RC_GONE;
    static const char code[] =
        "SELECT code_hash, tries, created_at FROM objection_code WHERE campaign_id = ?1 AND "
        "contact = ?2";
    if (!(s = tx_stmt(tx, code)))
        return RC_ERROR;
    db_bind_int64(s, 1, campaign);
    db_bind_text(s, 2, f->contact, -1);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        f->outcome = RC_NOTFOUND;
        return RC_OK;
    }
    int match = strcmp(db_text(s, 0), f->code_hash) == 0, tries = (int)db_column_int64(s, 1);
    long at = (long)db_column_int64(s, 2);
    db_reset(s);
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
        if (!(s = tx_stmt(tx, spend)))
            return RC_ERROR;
        db_bind_int64(s, 1, campaign);
        db_bind_text(s, 2, f->contact, -1);
        f->outcome = RC_INVALID;
        return db_run(s);
    }
    static const char used[] = "DELETE FROM objection_code WHERE campaign_id = ?1 AND contact = ?2";
    static const char ins[] =
        "INSERT INTO objection (campaign_id, case_id, name, contact, reason, file_sha256, "
        "file_name, file_mime, file_size, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
    if (!(s = tx_stmt(tx, used)))
        return RC_ERROR;
    db_bind_int64(s, 1, campaign);
    db_bind_text(s, 2, f->contact, -1);
    int rc = db_run(s);
    if (rc != RC_OK || !(s = tx_stmt(tx, ins)))
        return RC_ERROR;
    db_bind_int64(s, 1, campaign);
    db_bind_int64(s, 2, f->case_id);
    db_bind_text(s, 3, f->name, -1);
    db_bind_text(s, 4, f->contact, -1);
    db_bind_text(s, 5, f->reason, -1);
    if (f->file_sha256) {
        db_bind_text(s, 6, f->file_sha256, -1);
        db_bind_text(s, 7, f->file_name, -1);
        db_bind_text(s, 8, f->file_mime, -1);
        db_bind_int64(s, 9, f->file_size);
    } else {
        for (int i = 6; i <= 9; i++)
            db_bind_null(s, i);
    }
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_text(s, 10, now, -1);
    f->outcome = RC_OK;
    return db_run(s);
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
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(a, json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I}",
                                           "id", (json_int_t)db_column_int64(s, 0), "case_id",
                                           (json_int_t)db_column_int64(s, 1), "title", db_jtext(s, 2),
                                           "tier_name", db_jtext(s, 3), "name", db_jtext(s, 4), "contact",
                                           db_jtext(s, 5), "reason", db_jtext(s, 6), "state", db_jtext(s, 7),
                                           "answer", db_jtext(s, 8), "created_at", db_jtext(s, 9),
                                           "file_name", db_jtext(s, 10), "file_size",
                                           (json_int_t)db_column_int64(s, 11)));
    db_reset(s);
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
        "WHERE sc.stage_id = ?2 AND sc.advanced <> 0 AND sc.case_id <> ?4 "
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
        struct db_stmt *s = tx_stmt(tx, next);
        if (!s)
            return RC_ERROR;
        db_bind_int64(s, 1, campaign);
        db_bind_int64(s, 2, stage_id);
        db_bind_int64(s, 3, tier_id);
        db_bind_int64(s, 4, removed);
        if (db_step(s) != DB_ROW) {
            db_reset(s);
            return RC_OK;
        }
        int64_t case_id = db_column_int64(s, 0);
        int64_t held = db_column_type(s, 1) == DB_NULL ? 0 : db_column_int64(s, 1);
        int ord = (int)db_column_int64(s, 2);
        db_reset(s);
        if (!(s = tx_stmt(tx, put)))
            return RC_ERROR;
        db_bind_int64(s, 1, campaign);
        db_bind_int64(s, 2, case_id);
        db_bind_int64(s, 3, tier_id);
        db_bind_int64(s, 4, ord);
        int rc = db_run(s);
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
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, id);
    json_t *o = db_step(s) == DB_ROW ? json_pack("{s:o,s:o,s:o}", "sha256", db_jtext(s, 0), "name",
                                                 db_jtext(s, 1), "mime", db_jtext(s, 2))
                                     : NULL;
    db_reset(s);
    return o;
}

int tx_objection_answer(struct store_tx *tx, int64_t stage_id, int64_t id, int uphold,
                        int64_t tier_id, const char *answer, const char *subject, const char *body)
{
    int64_t campaign = open_notice(tx, stage_id);
    if (!campaign)
        return RC_STATE;
    static const char get[] =
        "SELECT o.case_id, o.contact, c.region_code FROM objection o JOIN \"case\" c ON c.id = "
        "o.case_id WHERE o.id = ?1 AND o.campaign_id = ?2 AND o.state = 'open'";
    struct db_stmt *s = tx_stmt(tx, get);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, campaign);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return RC_STATE;
    }
    int64_t case_id = db_column_int64(s, 0);
    char contact[256], region[8];
    db_copy_text(contact, sizeof contact, s, 1);
    db_copy_text(region, sizeof region, s, 2);
    db_reset(s);
    int rc = RC_OK;
    if (uphold && tier_id == 0) {
        static const char was[] =
            "SELECT tier_id FROM award WHERE campaign_id = ?1 AND case_id = ?2";
        static const char del[] = "DELETE FROM award WHERE campaign_id = ?1 AND case_id = ?2";
        if (!(s = tx_stmt(tx, was)))
            return RC_ERROR;
        db_bind_int64(s, 1, campaign);
        db_bind_int64(s, 2, case_id);
        int64_t freed = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
        db_reset(s);
        if (!(s = tx_stmt(tx, del)))
            return RC_ERROR;
        db_bind_int64(s, 1, campaign);
        db_bind_int64(s, 2, case_id);
        rc = db_run(s);
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
        if (!(s = tx_stmt(tx, put)))
            return RC_ERROR;
        db_bind_int64(s, 1, campaign);
        db_bind_int64(s, 2, case_id);
        db_bind_int64(s, 3, tier_id);
        rc = db_run(s);
    }
    if (rc != RC_OK)
        return rc;
    static const char done[] =
        "UPDATE objection SET state = ?2, answer = ?3, answered_at = ?4 WHERE id = ?1";
    if (!(s = tx_stmt(tx, done)))
        return RC_ERROR;
    db_bind_int64(s, 1, id);
    db_bind_text(s, 2, uphold ? "upheld" : "rejected", -1);
    db_bind_text(s, 3, answer ? answer : "", -1);
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_text(s, 4, now, -1);
    if ((rc = db_run(s)) != RC_OK)
        return rc;
    return tx_outbox_add(tx, contact, subject, body);
}

int tx_notice_close(struct store_tx *tx, int64_t stage_id)
{
    static const char ok[] =
        "SELECT n.campaign_id, n.state = 'open', (SELECT count(*) FROM objection o WHERE "
        "o.campaign_id = n.campaign_id AND o.state = 'open') FROM stage s JOIN notice n ON "
        "n.campaign_id = s.campaign_id WHERE s.id = ?1";
    struct db_stmt *s = tx_stmt(tx, ok);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return RC_STATE;
    }
    int64_t campaign = db_column_int64(s, 0);
    int open = (int)db_column_int64(s, 1), objections = (int)db_column_int64(s, 2);
    db_reset(s);
    if (!open || objections)
        return RC_STATE;
    /*
     * The campaign published: its cases' final tiers, the cases that went
     * through the review shown (as published, dated now unless they were
     * already), the campaign itself, its public read tables, and the
     * public campaign taken afresh (the newest published).  Only the rows
     * that change are written (a campaign of a million published cases
     * would otherwise rewrite every row and its index entries).  ?1 is the
     * campaign, ?2 the time now.
     */
    static const struct {
        const char *sql;
        int now;
    } steps[] = {
        {"UPDATE \"case\" SET tier_id = (SELECT a.tier_id FROM award a WHERE "
         "a.campaign_id = ?1 AND a.case_id = \"case\".id) WHERE campaign_id = ?1 AND "
         "tier_id IS DISTINCT FROM (SELECT a.tier_id FROM award a WHERE a.campaign_id = ?1 AND "
         "a.case_id = \"case\".id)",
         0},
        {"UPDATE \"case\" SET status = 'published', published_at = coalesce(published_at, ?2) "
         "WHERE campaign_id = ?1 AND (status IN ('passed','published') OR tier_id IS NOT NULL) "
         "AND (status IS DISTINCT FROM 'published' OR published_at IS NULL)",
         1},
        {"UPDATE campaign SET status = 'published', published_at = coalesce(published_at, ?2) "
         "WHERE id = ?1",
         1},
        {"UPDATE notice SET state = 'closed', closed_at = ?2 WHERE campaign_id = ?1", 1},
    };
    char now[STORE_NOW_LEN];
    store_now(now);
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if (!(s = tx_stmt(tx, steps[i].sql)))
            return RC_ERROR;
        db_bind_int64(s, 1, campaign);
        if (steps[i].now)
            db_bind_text(s, 2, now, -1);
        int rc = db_run(s);
        if (rc != RC_OK)
            return rc;
    }
    if (db_public_refresh(tx_conn(tx), campaign) != 0 || search_index_new(tx) != 0)
        return RC_ERROR;
    /* The published list, signed (statement.h); the caller's own audit row, if any, follows. */
    struct statement_issue q = {campaign, 0, 0};
    int rc = tx_statement_issue(tx, &q);
    if (rc != RC_OK)
        return rc;
    tx_public_take(tx);
    return RC_OK;
}
