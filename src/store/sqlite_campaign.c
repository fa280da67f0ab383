/*
 * sqlite_campaign.c — the campaign being run, in SQLite; see campaign.h.
 */
#include <string.h>

#include "store/campaign.h"
#include "store/sqlite_int.h"

static const char SQL_CURRENT[] =
    "SELECT id, slug, name, status, opens_at, closes_at, cases_per_unit, attachments_min, "
    "attachments_note, theme, organisers, call_md FROM campaign WHERE id = " CURRENT_CAMPAIGN;
static const char SQL_TRACKS[] =
    "SELECT slug, name FROM track WHERE campaign_id = ?1 ORDER BY id";
static const char SQL_QUOTAS[] =
    "SELECT region_code, quota FROM region_quota WHERE campaign_id = ?1";
static const char SQL_STAGES[] =
    "SELECT seq, name, kind, starts_at, ends_at FROM stage WHERE campaign_id = ?1 ORDER BY seq";
static const char SQL_REGION_UNITS[] =
    "SELECT r.code, r.name, u.id, u.name, u.level, coalesce(u.parent_id, 0) "
    "FROM region r JOIN unit u ON u.region_code = r.code ORDER BY r.code, u.id";

int64_t store_current_campaign_id(struct store *st)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_CURRENT);
    int64_t id = 0;
    if (s && sqlite3_step(s) == SQLITE_ROW)
        id = sqlite3_column_int64(s, 0);
    sq_done(s);
    return id;
}

json_t *store_current_campaign(struct store *st)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_CURRENT);
    if (!s)
        return NULL;
    if (sqlite3_step(s) != SQLITE_ROW) {
        sq_done(s);
        return NULL;
    }
    int64_t id = sqlite3_column_int64(s, 0);
    json_t *c = json_pack("{s:I,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)id, "slug",
                          sq_jtext(s, 1), "name", sq_jtext(s, 2), "status", sq_jtext(s, 3),
                          "opens_at", sq_jtext(s, 4), "closes_at", sq_jtext(s, 5));
    json_object_set_new(c, "rules",
                        json_pack("{s:i,s:i,s:o}", "cases_per_unit", sqlite3_column_int(s, 6),
                                  "attachments_min", sqlite3_column_int(s, 7),
                                  "attachments_note", sq_jtext(s, 8)));
    json_object_set_new(c, "theme", sq_jtext(s, 9));
    json_object_set_new(c, "organisers", sq_jtext(s, 10));
    json_object_set_new(c, "call_md", sq_jtext(s, 11));
    sq_done(s);

    json_t *tracks = json_array();
    if ((s = sq_prepare(st, SQL_TRACKS))) {
        sqlite3_bind_int64(s, 1, id);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(tracks, json_pack("{s:o,s:o}", "slug", sq_jtext(s, 0), "name",
                                                    sq_jtext(s, 1)));
        sq_done(s);
    }
    json_object_set_new(c, "tracks", tracks);

    json_t *quotas = json_object();
    if ((s = sq_prepare(st, SQL_QUOTAS))) {
        sqlite3_bind_int64(s, 1, id);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_object_set_new(quotas, sq_text(s, 0), json_integer(sqlite3_column_int(s, 1)));
        sq_done(s);
    }
    json_object_set_new(c, "quotas", quotas);

    json_t *stages = json_array();
    if ((s = sq_prepare(st, SQL_STAGES))) {
        sqlite3_bind_int64(s, 1, id);
        while (sqlite3_step(s) == SQLITE_ROW)
            json_array_append_new(
                stages, json_pack("{s:i,s:o,s:o,s:o,s:o}", "seq", sqlite3_column_int(s, 0), "name",
                                  sq_jtext(s, 1), "kind", sq_jtext(s, 2), "starts_at",
                                  sq_jtext(s, 3), "ends_at", sq_jtext(s, 4)));
        sq_done(s);
    }
    json_object_set_new(c, "stages", stages);
    return c;
}

json_t *store_region_units(struct store *st)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_REGION_UNITS);
    if (!s)
        return NULL;
    json_t *regions = json_array(), *cur = NULL;
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *code = sq_text(s, 0);
        if (!cur || strcmp(json_string_value(json_object_get(cur, "code")), code) != 0) {
            cur = json_pack("{s:s,s:o,s:[]}", "code", code, "name", sq_jtext(s, 1), "units");
            json_array_append_new(regions, cur);
        }
        json_array_append_new(json_object_get(cur, "units"),
                              json_pack("{s:I,s:o,s:i,s:I}", "id",
                                        (json_int_t)sqlite3_column_int64(s, 2), "name",
                                        sq_jtext(s, 3), "level", sqlite3_column_int(s, 4),
                                        "parent_id", (json_int_t)sqlite3_column_int64(s, 5)));
    }
    sq_done(s);
    return regions;
}
