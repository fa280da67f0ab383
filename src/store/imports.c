/*
 * imports.c — look-ups and inserts for CSV imports, and the rows of the
 * spreadsheet export, in the store; see imports.h.  Written over the
 * driver (db.h): it runs on SQLite and on PostgreSQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/imports.h"
#include "store/store_int.h"

static const char SQL_REGION_KNOWN[] = "SELECT 1 FROM region WHERE code = ?1";
static const char SQL_REGION_NAME[] = "SELECT name FROM region WHERE code = ?1";
static const char SQL_UNIT_BY_NAME[] =
    "SELECT id FROM unit WHERE name = ?1 AND (CAST(?2 AS TEXT) IS NULL OR region_code = ?2) "
    "LIMIT 2";
static const char SQL_UNIT_REGION[] = "SELECT region_code FROM unit WHERE id = ?1";
/* An address is taken whatever its case (the accounts' e-mail is unique so). */
static const char SQL_EMAIL_TAKEN[] = "SELECT 1 FROM \"user\" WHERE lower(email) = lower(?1)";
static const char SQL_TRACK_ID[] = "SELECT id FROM track WHERE campaign_id = ?1 AND slug = ?2";

int store_import_region_known(struct store *st, const char *code)
{
    struct db_stmt *s = store_stmt(st, SQL_REGION_KNOWN);
    if (!s)
        return 0;
    db_bind_text(s, 1, code, -1);
    int known = db_step(s) == DB_ROW;
    db_reset(s);
    return known;
}

char *store_import_region_name(struct store *st, const char *code)
{
    struct db_stmt *s = store_stmt(st, SQL_REGION_NAME);
    if (!s)
        return NULL;
    db_bind_text(s, 1, code, -1);
    char *name = db_step(s) == DB_ROW ? strdup(db_text(s, 0)) : NULL;
    db_reset(s);
    return name;
}

int64_t store_import_unit_id(struct store *st, const char *region, const char *name)
{
    struct db_stmt *s = store_stmt(st, SQL_UNIT_BY_NAME);
    if (!s)
        return 0;
    db_bind_text(s, 1, name, -1);
    db_bind_opt(s, 2, region);
    int64_t id = 0;
    int n = 0;
    while (db_step(s) == DB_ROW) {
        id = db_column_int64(s, 0);
        n++;
    }
    db_reset(s);
    return n > 1 ? -1 : id;
}

int store_import_unit_region(struct store *st, int64_t unit_id, char out[8])
{
    struct db_stmt *s = store_stmt(st, SQL_UNIT_REGION);
    out[0] = 0;
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, unit_id);
    int rc = RC_NOTFOUND;
    if (db_step(s) == DB_ROW) {
        snprintf(out, 8, "%s", db_text(s, 0));
        rc = RC_OK;
    }
    db_reset(s);
    return rc;
}

int store_import_email_taken(struct store *st, const char *email)
{
    struct db_stmt *s = store_stmt(st, SQL_EMAIL_TAKEN);
    if (!s)
        return 0;
    db_bind_text(s, 1, email, -1);
    int taken = db_step(s) == DB_ROW;
    db_reset(s);
    return taken;
}

int64_t store_import_track_id(struct store *st, int64_t campaign_id, const char *slug)
{
    struct db_stmt *s = store_stmt(st, SQL_TRACK_ID);
    if (!s)
        return 0;
    db_bind_int64(s, 1, campaign_id);
    db_bind_text(s, 2, slug, -1);
    int64_t id = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
    db_reset(s);
    return id;
}

int tx_import_unit(struct store_tx *tx, const char *region, const char *name, int64_t parent_id,
                   int level, int64_t *id)
{
    static const char sql[] = "INSERT INTO unit (parent_id, region_code, name, level) "
                              "VALUES (?1, ?2, ?3, ?4) RETURNING id";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    if (parent_id > 0)
        db_bind_int64(s, 1, parent_id);
    else
        db_bind_null(s, 1);
    db_bind_text(s, 2, region, -1);
    db_bind_text(s, 3, name, -1);
    db_bind_int64(s, 4, level);
    int64_t new_id;
    int rc = db_run_id(s, &new_id);
    if (rc == RC_OK && id)
        *id = new_id;
    return rc;
}

/* Bind parameter i to user id u, or NULL for none (0). */
static void bind_user(struct db_stmt *s, int i, int64_t u)
{
    if (u > 0)
        db_bind_int64(s, i, u);
    else
        db_bind_null(s, i);
}

int tx_import_case(struct store_tx *tx, const struct import_case *c, int64_t *id)
{
    static const char sql_case[] =
        "INSERT INTO \"case\" (campaign_id, unit_id, region_code, track_id, title, status, "
        "submitted_at, contact_name, contact_phone, contact_email, tags_text, created_by, "
        "updated_at) SELECT ?1, ?2, u.region_code, ?3, ?4, 'submitted', ?10, ?5, ?6, ?7, ?8, ?9, "
        "?10 FROM unit u WHERE u.id = ?2 RETURNING id";
    static const char sql_section[] =
        "INSERT INTO case_section (case_id, seq, body_md) VALUES (?1, ?2, ?3)";
    static const char sql_event[] =
        "INSERT INTO case_event (case_id, user_id, from_status, to_status, reason, at) "
        "VALUES (?1, ?2, 'draft', 'submitted', 'import', ?3)";
    struct db_stmt *s = tx_stmt(tx, sql_case);
    if (!s)
        return RC_ERROR;
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_int64(s, 1, c->campaign_id);
    db_bind_int64(s, 2, c->unit_id);
    db_bind_int64(s, 3, c->track_id);
    db_bind_text(s, 4, c->title, -1);
    db_bind_text(s, 5, c->contact_name, -1);
    db_bind_text(s, 6, c->contact_phone, -1);
    db_bind_text(s, 7, c->contact_email, -1);
    db_bind_text(s, 8, c->tags_text, -1);
    bind_user(s, 9, c->user_id);
    db_bind_text(s, 10, now, -1);
    int64_t case_id;
    int rc = db_run_id(s, &case_id);
    if (rc != RC_OK)
        return rc;
    if (!case_id)
        return RC_NOTFOUND; /* the unit vanished */
    for (int i = 0; i < SUBMISSION_SECTIONS; i++) {
        if (!(s = tx_stmt(tx, sql_section)))
            return RC_ERROR;
        db_bind_int64(s, 1, case_id);
        db_bind_int64(s, 2, i + 1);
        db_bind_text(s, 3, c->sections[i] ? c->sections[i] : "", -1);
        if ((rc = db_run(s)) != RC_OK)
            return rc;
    }
    if (!(s = tx_stmt(tx, sql_event)))
        return RC_ERROR;
    db_bind_int64(s, 1, case_id);
    bind_user(s, 2, c->user_id);
    db_bind_text(s, 3, now, -1);
    rc = db_run(s);
    if (rc == RC_OK && id)
        *id = case_id;
    return rc;
}

static const char SQL_EXPORT_CASES[] =
    "SELECT c.id, c.region_code, coalesce(g.name, ''), coalesce(u.name, ''), c.title, "
    "coalesce(t.name, ''), c.tags_text, c.status, substr(coalesce(c.submitted_at, ''), 1, 10), "
    "substr(coalesce(rc.at, ''), 1, 10), coalesce(sc.decision, ''), coalesce(sc.reason, ''), "
    "c.contact_name, c.contact_phone, c.contact_email, "
    "(SELECT coalesce(sum(length(body_md)), 0) FROM case_section WHERE case_id = c.id) "
    "FROM \"case\" c LEFT JOIN region g ON g.code = c.region_code "
    "LEFT JOIN unit u ON u.id = c.unit_id LEFT JOIN track t ON t.id = c.track_id "
    "LEFT JOIN recommendation rc ON rc.case_id = c.id "
    "LEFT JOIN screening sc ON sc.case_id = c.id "
    "WHERE c.campaign_id = ?1 AND c.status <> 'draft' AND (CAST(?2 AS TEXT) IS NULL OR "
    "c.region_code = ?2) "
    "ORDER BY c.region_code, c.id";

json_t *store_export_cases(struct store *st, int64_t campaign_id, const char *region)
{
    struct db_stmt *s = store_stmt(st, SQL_EXPORT_CASES);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, campaign_id);
    db_bind_opt(s, 2, region);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW) {
        json_t *o =
            json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I}", "id",
                      (json_int_t)db_column_int64(s, 0), "region_code", db_jtext(s, 1), "region",
                      db_jtext(s, 2), "unit", db_jtext(s, 3), "title", db_jtext(s, 4), "track",
                      db_jtext(s, 5), "tags", db_jtext(s, 6), "status", db_jtext(s, 7),
                      "submitted_at", db_jtext(s, 8), "recommended_at", db_jtext(s, 9), "screening",
                      db_jtext(s, 10), "screening_reason", db_jtext(s, 11), "contact_name",
                      db_jtext(s, 12), "contact_phone", db_jtext(s, 13), "contact_email",
                      db_jtext(s, 14), "chars", (json_int_t)db_column_int64(s, 15));
        if (o)
            json_array_append_new(a, o);
    }
    db_reset(s);
    return a;
}

static const char SQL_EXPORT_REGIONS[] =
    "SELECT g.code, g.name, count(c.id), count(rc.case_id), "
    "coalesce(sum(CASE WHEN sc.decision = 'passed' THEN 1 ELSE 0 END), 0) FROM region g "
    "LEFT JOIN \"case\" c ON c.region_code = g.code AND c.campaign_id = ?1 "
    "AND c.status <> 'draft' "
    "LEFT JOIN recommendation rc ON rc.case_id = c.id "
    "LEFT JOIN screening sc ON sc.case_id = c.id "
    "WHERE (CAST(?2 AS TEXT) IS NULL OR g.code = ?2) GROUP BY g.code, g.name ORDER BY g.code";

json_t *store_export_regions(struct store *st, int64_t campaign_id, const char *region)
{
    struct db_stmt *s = store_stmt(st, SQL_EXPORT_REGIONS);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, campaign_id);
    db_bind_opt(s, 2, region);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(a,
                              json_pack("{s:o,s:o,s:I,s:I,s:I}", "code", db_jtext(s, 0), "name",
                                        db_jtext(s, 1), "cases", (json_int_t)db_column_int64(s, 2),
                                        "recommended", (json_int_t)db_column_int64(s, 3), "passed",
                                        (json_int_t)db_column_int64(s, 4)));
    db_reset(s);
    return a;
}
