/*
 * award.c — a campaign's tiers and award proposal in the store; see
 * award.h and 007_ballot.sql.  Written over the driver (db.h): it runs on
 * SQLite and on PostgreSQL.  The rules are domain/tally.h's; what this
 * file adds is reading them their input and checking every change inside
 * the transaction that makes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/tally.h"
#include "store/award.h"
#include "store/store_int.h"

#define MAX_TIERS 16
#define MAX_REGIONS 64

json_t *store_award_tiers(struct store *st, int64_t campaign_id)
{
    static const char sql[] =
        "SELECT t.id, t.slug, t.name, t.quota, t.region_cap, t.rank, "
        "(SELECT count(*) FROM award a WHERE a.campaign_id = t.campaign_id AND a.tier_id = t.id) "
        "FROM tier t WHERE t.campaign_id = ?1 ORDER BY t.rank, t.id";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, campaign_id);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(a, json_pack("{s:I,s:o,s:o,s:i,s:i,s:i,s:i}", "id",
                                           (json_int_t)db_column_int64(s, 0), "slug", db_jtext(s, 1),
                                           "name", db_jtext(s, 2), "quota", (int)db_column_int64(s, 3),
                                           "region_cap", (int)db_column_int64(s, 4), "rank",
                                           (int)db_column_int64(s, 5), "awarded",
                                           (int)db_column_int64(s, 6)));
    db_reset(s);
    return a;
}

json_t *store_award_rows(struct store *st, int64_t stage_id)
{
    static const char sql[] =
        "SELECT c.id, c.title, c.region_code, g.name, n.name, sc.rank, a.tier_id, "
        "coalesce(t.name, ''), coalesce(a.why, ''), coalesce(k.name, '') "
        "FROM stage s JOIN stage_case sc ON sc.stage_id = s.id AND sc.advanced <> 0 "
        "JOIN \"case\" c ON c.id = sc.case_id JOIN region g ON g.code = c.region_code "
        "JOIN unit n ON n.id = c.unit_id "
        "LEFT JOIN award a ON a.campaign_id = s.campaign_id AND a.case_id = c.id "
        "LEFT JOIN tier t ON t.id = a.tier_id LEFT JOIN tier k ON k.id = a.capped_tier_id "
        "WHERE s.id = ?1 ORDER BY sc.rank, c.id";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, stage_id);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW) {
        json_t *o = json_pack("{s:I,s:o,s:o,s:o,s:o,s:i,s:o,s:o,s:o}", "case_id",
                              (json_int_t)db_column_int64(s, 0), "title", db_jtext(s, 1), "region",
                              db_jtext(s, 2), "region_name", db_jtext(s, 3), "unit_name", db_jtext(s, 4),
                              "ord", (int)db_column_int64(s, 5), "tier_name", db_jtext(s, 7), "why",
                              db_jtext(s, 8), "capped_name", db_jtext(s, 9));
        json_object_set_new(o, "tier_id", db_jint(s, 6));
        json_array_append_new(a, o);
    }
    db_reset(s);
    return a;
}

int tx_award_tier(struct store_tx *tx, int64_t campaign_id, int64_t tier_id, int quota,
                  int region_cap)
{
    static const char published[] = "SELECT 1 FROM notice WHERE campaign_id = ?1";
    struct db_stmt *p = tx_stmt(tx, published);
    if (!p)
        return RC_ERROR;
    db_bind_int64(p, 1, campaign_id);
    int frozen = db_step(p) == DB_ROW;
    db_reset(p);
    if (frozen)
        return RC_STATE;
    static const char held[] =
        "SELECT count(*), coalesce((SELECT max(n) FROM (SELECT count(*) AS n FROM award a "
        "JOIN \"case\" c ON c.id = a.case_id WHERE a.campaign_id = ?1 AND a.tier_id = ?2 "
        "GROUP BY c.region_code) AS g), 0) FROM award WHERE campaign_id = ?1 AND tier_id = ?2";
    struct db_stmt *s = tx_stmt(tx, held);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, campaign_id);
    db_bind_int64(s, 2, tier_id);
    int n = 0, most = 0;
    if (db_step(s) == DB_ROW) {
        n = (int)db_column_int64(s, 0);
        most = (int)db_column_int64(s, 1);
    }
    db_reset(s);
    if (n > quota || (region_cap > 0 && most > region_cap))
        return RC_QUOTA;
    static const char sql[] =
        "UPDATE tier SET quota = ?3, region_cap = ?4 WHERE id = ?2 AND campaign_id = ?1";
    if (!(s = tx_stmt(tx, sql)))
        return RC_ERROR;
    db_bind_int64(s, 1, campaign_id);
    db_bind_int64(s, 2, tier_id);
    db_bind_int64(s, 3, quota);
    db_bind_int64(s, 4, region_cap);
    return db_run_changed(s, RC_NOTFOUND);
}

/*
 * The campaign of a ballot stage whose result stands (state ranked) and
 * whose proposal is not published (notice.h: frozen from then on), or 0.
 */
static int64_t final_campaign(struct store_tx *tx, int64_t stage_id)
{
    static const char sql[] =
        "SELECT campaign_id FROM stage s WHERE id = ?1 AND kind = 'ballot' AND state = 'ranked' "
        "AND NOT EXISTS (SELECT 1 FROM notice n WHERE n.campaign_id = s.campaign_id)";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return 0;
    db_bind_int64(s, 1, stage_id);
    int64_t id = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
    db_reset(s);
    return id;
}

static const char *const whys[] = {
    [TALLY_IN_ORDER] = "in_order", [TALLY_REGION_CAP] = "region_cap"};

int tx_award_propose(struct store_tx *tx, int64_t stage_id, int *placed)
{
    *placed = 0;
    int64_t campaign = final_campaign(tx, stage_id);
    if (!campaign)
        return RC_STATE;
    struct tally_tier tiers[MAX_TIERS];
    int ntiers = 0;
    static const char tsql[] =
        "SELECT id, quota, region_cap FROM tier WHERE campaign_id = ?1 ORDER BY rank, id";
    struct db_stmt *s = tx_stmt(tx, tsql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, campaign);
    while (ntiers < MAX_TIERS && db_step(s) == DB_ROW) {
        tiers[ntiers].tier_id = db_column_int64(s, 0);
        tiers[ntiers].quota = (int)db_column_int64(s, 1);
        tiers[ntiers++].region_cap = (int)db_column_int64(s, 2);
    }
    db_reset(s);
    static const char csql[] =
        "SELECT sc.case_id, c.region_code FROM stage_case sc JOIN \"case\" c ON c.id = "
        "sc.case_id WHERE sc.stage_id = ?1 AND sc.advanced <> 0 ORDER BY sc.rank, sc.case_id";
    if (!(s = tx_stmt(tx, csql)))
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    size_t cap = 256, n = 0;
    struct tally_place *p = malloc(cap * sizeof *p);
    char(*codes)[8] = calloc(MAX_REGIONS, sizeof *codes);
    int nregions = 0, rc = p && codes ? RC_OK : RC_ERROR;
    while (rc == RC_OK && db_step(s) == DB_ROW) {
        if (n == cap) {
            struct tally_place *g = realloc(p, 2 * cap * sizeof *p);
            if (!g) {
                rc = RC_ERROR;
                break;
            }
            p = g;
            cap *= 2;
        }
        memset(&p[n], 0, sizeof p[n]);
        p[n].case_id = db_column_int64(s, 0);
        const char *code = db_text(s, 1);
        int r = 0;
        while (r < nregions && strcmp(codes[r], code) != 0)
            r++;
        if (r == nregions && nregions < MAX_REGIONS)
            strncpy(codes[nregions++], code, 7);
        p[n++].region = r < MAX_REGIONS ? r : -1;
    }
    db_reset(s);
    int *counts =
        rc == RC_OK ? calloc((size_t)(ntiers ? ntiers : 1) * MAX_REGIONS, sizeof *counts) : NULL;
    if (rc == RC_OK && !counts)
        rc = RC_ERROR;
    if (rc == RC_OK) {
        *placed = tally_tiers(p, (int)n, tiers, ntiers, MAX_REGIONS, counts);
        struct db_stmt *d = tx_stmt(tx, "DELETE FROM award WHERE campaign_id = ?1");
        if (d)
            db_bind_int64(d, 1, campaign);
        rc = db_run(d);
    }
    static const char ins[] =
        "INSERT INTO award (campaign_id, case_id, tier_id, ord, why, capped_tier_id) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    struct db_stmt *w = rc == RC_OK ? tx_stmt(tx, ins) : NULL;
    for (size_t i = 0; rc == RC_OK && i < n; i++) {
        if (!w) {
            rc = RC_ERROR;
            break;
        }
        if (p[i].tier < 0)
            continue;
        db_bind_int64(w, 1, campaign);
        db_bind_int64(w, 2, p[i].case_id);
        db_bind_int64(w, 3, tiers[p[i].tier].tier_id);
        db_bind_int64(w, 4, (int)i + 1);
        db_bind_text(w, 5, whys[p[i].why], -1);
        if (p[i].why == TALLY_REGION_CAP)
            db_bind_int64(w, 6, tiers[p[i].capped_tier].tier_id);
        else
            db_bind_null(w, 6);
        rc = db_run(w);
    }
    free(p);
    free(codes);
    free(counts);
    return rc;
}

int tx_tier_room(struct store_tx *tx, int64_t campaign_id, int64_t tier_id, int64_t case_id,
                 const char *region, enum award_refusal *why)
{
    static const char sql[] =
        "SELECT t.quota - (SELECT count(*) FROM award a WHERE a.campaign_id = ?1 AND "
        "a.tier_id = t.id AND a.case_id <> ?3), t.region_cap, (SELECT count(*) FROM award a "
        "JOIN \"case\" k ON k.id = a.case_id WHERE a.campaign_id = ?1 AND a.tier_id = t.id "
        "AND a.case_id <> ?3 AND k.region_code = ?4) FROM tier t WHERE t.id = ?2 AND "
        "t.campaign_id = ?1";
    *why = AWARD_OK;
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, campaign_id);
    db_bind_int64(s, 2, tier_id);
    db_bind_int64(s, 3, case_id);
    db_bind_text(s, 4, region, -1);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return RC_NOTFOUND;
    }
    int left = (int)db_column_int64(s, 0), cap = (int)db_column_int64(s, 1);
    int held = (int)db_column_int64(s, 2);
    db_reset(s);
    if (left <= 0)
        *why = AWARD_QUOTA;
    else if (cap > 0 && held >= cap)
        *why = AWARD_CAP;
    return *why == AWARD_OK ? RC_OK : RC_QUOTA;
}

int tx_award_set(struct store_tx *tx, int64_t stage_id, int64_t case_id, int64_t tier_id,
                 enum award_refusal *why)
{
    *why = AWARD_OK;
    int64_t campaign = final_campaign(tx, stage_id);
    if (!campaign)
        return RC_STATE;
    /* The case is elected; the tier (if any) must have room for it. */
    static const char sql[] =
        "SELECT c.region_code, sc.rank FROM stage_case sc JOIN \"case\" c ON c.id = sc.case_id "
        "WHERE sc.stage_id = ?1 AND sc.case_id = ?2 AND sc.advanced <> 0";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, stage_id);
    db_bind_int64(s, 2, case_id);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return RC_NOTFOUND;
    }
    char region[8];
    snprintf(region, sizeof region, "%s", db_text(s, 0));
    int ord = (int)db_column_int64(s, 1);
    db_reset(s);
    if (tier_id == 0) {
        static const char del[] = "DELETE FROM award WHERE campaign_id = ?1 AND case_id = ?2";
        if (!(s = tx_stmt(tx, del)))
            return RC_ERROR;
        db_bind_int64(s, 1, campaign);
        db_bind_int64(s, 2, case_id);
        return db_run(s);
    }
    int rc = tx_tier_room(tx, campaign, tier_id, case_id, region, why);
    if (rc != RC_OK)
        return rc;
    static const char put[] =
        "INSERT INTO award (campaign_id, case_id, tier_id, ord, why) VALUES (?1, ?2, ?3, ?4, "
        "'manual') ON CONFLICT (campaign_id, case_id) DO UPDATE SET tier_id = excluded.tier_id, "
        "why = 'manual', capped_tier_id = NULL";
    if (!(s = tx_stmt(tx, put)))
        return RC_ERROR;
    db_bind_int64(s, 1, campaign);
    db_bind_int64(s, 2, case_id);
    db_bind_int64(s, 3, tier_id);
    db_bind_int64(s, 4, ord);
    return db_run(s);
}
