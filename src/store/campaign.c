/*
 * campaign.c — the campaign being run in the store (campaign.h): its row,
 * tracks, regional quotas and timeline, and the regions with their units.
 * Written over the driver (db.h): it runs on SQLite and on PostgreSQL.
 */
#include <string.h>

#include "store/campaign.h"
#include "store/store_int.h"

static const char SQL_CURRENT[] =
    "SELECT id, slug, name, status, opens_at, closes_at, cases_per_unit, attachments_min, "
    "attachments_note, theme, organisers, call_md FROM campaign WHERE id = " CURRENT_CAMPAIGN;
static const char SQL_TRACKS[] = "SELECT slug, name FROM track WHERE campaign_id = ?1 ORDER BY id";
static const char SQL_QUOTAS[] =
    "SELECT region_code, quota FROM region_quota WHERE campaign_id = ?1 ORDER BY region_code";
static const char SQL_STAGES[] =
    "SELECT seq, name, kind, starts_at, ends_at FROM stage WHERE campaign_id = ?1 ORDER BY seq";
static const char SQL_REGION_UNITS[] =
    "SELECT r.code, r.name, u.id, u.name, u.level, coalesce(u.parent_id, 0) "
    "FROM region r JOIN unit u ON u.region_code = r.code ORDER BY r.code, u.id";

int64_t store_current_campaign_id(struct store *st)
{
    struct db_stmt *s = store_stmt(st, SQL_CURRENT);
    int64_t id = 0;
    if (s && db_step(s) == DB_ROW)
        id = db_column_int64(s, 0);
    if (s)
        db_reset(s);
    return id;
}

/* The rows of sql over campaign id into a (an array or an object), each added by row. */
static void rows_of(struct store *st, const char *sql, int64_t id, json_t *a,
                    void (*row)(struct db_stmt *s, json_t *a))
{
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return;
    db_bind_int64(s, 1, id);
    while (db_step(s) == DB_ROW)
        row(s, a);
    db_reset(s);
}

static void track_row(struct db_stmt *s, json_t *a)
{
    json_array_append_new(a,
                          json_pack("{s:o,s:o}", "slug", db_jtext(s, 0), "name", db_jtext(s, 1)));
}

static void quota_row(struct db_stmt *s, json_t *o)
{
    json_object_set_new(o, db_text(s, 0), json_integer((json_int_t)db_column_int64(s, 1)));
}

static void stage_row(struct db_stmt *s, json_t *a)
{
    json_array_append_new(a, json_pack("{s:i,s:o,s:o,s:o,s:o}", "seq", (int)db_column_int64(s, 0),
                                       "name", db_jtext(s, 1), "kind", db_jtext(s, 2), "starts_at",
                                       db_jtext(s, 3), "ends_at", db_jtext(s, 4)));
}

json_t *store_current_campaign(struct store *st)
{
    struct db_stmt *s = store_stmt(st, SQL_CURRENT);
    if (!s)
        return NULL;
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return NULL;
    }
    int64_t id = db_column_int64(s, 0);
    json_t *c = json_pack("{s:I,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)id, "slug", db_jtext(s, 1),
                          "name", db_jtext(s, 2), "status", db_jtext(s, 3), "opens_at",
                          db_jtext(s, 4), "closes_at", db_jtext(s, 5));
    json_object_set_new(c, "rules",
                        json_pack("{s:i,s:i,s:o}", "cases_per_unit", (int)db_column_int64(s, 6),
                                  "attachments_min", (int)db_column_int64(s, 7), "attachments_note",
                                  db_jtext(s, 8)));
    json_object_set_new(c, "theme", db_jtext(s, 9));
    json_object_set_new(c, "organisers", db_jtext(s, 10));
    json_object_set_new(c, "call_md", db_jtext(s, 11));
    db_reset(s);

    json_t *tracks = json_array(), *quotas = json_object(), *stages = json_array();
    rows_of(st, SQL_TRACKS, id, tracks, track_row);
    rows_of(st, SQL_QUOTAS, id, quotas, quota_row);
    rows_of(st, SQL_STAGES, id, stages, stage_row);
    json_object_set_new(c, "tracks", tracks);
    json_object_set_new(c, "quotas", quotas);
    json_object_set_new(c, "stages", stages);
    return c;
}

json_t *store_region_units(struct store *st)
{
    struct db_stmt *s = store_stmt(st, SQL_REGION_UNITS);
    if (!s)
        return NULL;
    json_t *regions = json_array(), *cur = NULL;
    while (db_step(s) == DB_ROW) {
        const char *code = db_text(s, 0);
        if (!cur || strcmp(json_string_value(json_object_get(cur, "code")), code) != 0) {
            cur = json_pack("{s:s,s:o,s:[]}", "code", code, "name", db_jtext(s, 1), "units");
            json_array_append_new(regions, cur);
        }
        json_array_append_new(json_object_get(cur, "units"),
                              json_pack("{s:I,s:o,s:i,s:I}", "id",
                                        (json_int_t)db_column_int64(s, 2), "name", db_jtext(s, 3),
                                        "level", (int)db_column_int64(s, 4), "parent_id",
                                        (json_int_t)db_column_int64(s, 5)));
    }
    db_reset(s);
    return regions;
}
