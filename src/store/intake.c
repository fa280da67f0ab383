/*
 * intake.c — recommendation, screening, campaign settings and the
 * organiser's counts in the store; see intake.h.  Written over the driver
 * (db.h): it runs on SQLite and on PostgreSQL.
 *
 * Lengths are length() of TEXT, which counts characters on both, as the
 * call states its limits.  Times are stored in UTC and shown in China
 * Standard Time, reckoned in C (db_cst_day, db_cst_minute), and so is
 * whether a case came in by the deadline.  The quota is read before a
 * recommendation is written (RC_QUOTA); the trigger recommendation_quota
 * (SQLite's migration 002, pg/schema.sql) holds it against any other
 * writer, and its 'quota exceeded' is RC_QUOTA too.
 */
#include <stdio.h>
#include <string.h>

#include "store/accounts.h"
#include "store/intake.h"
#include "store/store_int.h"

/* The case came in by the deadline: its CST day (column day) no later than closes_at (column). */
static int in_time(struct db_stmt *s, int submitted_at, int closes_at)
{
    json_t *day = db_cst_day(s, submitted_at);
    const char *d = json_string_value(day);
    int ok = *d && strcmp(d, db_text(s, closes_at)) <= 0;
    json_decref(day);
    return ok;
}

static const char SQL_REGION_CASES[] =
    "SELECT c.id, c.title, u.name, coalesce(t.name, ''), c.status, c.submitted_at, "
    "(SELECT coalesce(sum(length(body_md)), 0) FROM case_section WHERE case_id = c.id), "
    "EXISTS (SELECT 1 FROM recommendation WHERE case_id = c.id) "
    "FROM \"case\" c JOIN unit u ON u.id = c.unit_id LEFT JOIN track t ON t.id = c.track_id "
    "WHERE c.campaign_id = ?1 AND c.region_code = ?2 AND c.status <> 'draft' "
    "ORDER BY c.submitted_at IS NULL, c.submitted_at DESC, c.id DESC";

json_t *store_intake_region_cases(struct store *st, int64_t campaign_id, const char *region)
{
    struct db_stmt *s = store_stmt(st, SQL_REGION_CASES);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, campaign_id);
    db_bind_text(s, 2, region, -1);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(a, json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:i,s:b}", "id",
                                           (json_int_t)db_column_int64(s, 0), "title",
                                           db_jtext(s, 1), "unit", db_jtext(s, 2), "track",
                                           db_jtext(s, 3), "status", db_jtext(s, 4), "submitted_at",
                                           db_cst_day(s, 5), "chars", (int)db_column_int64(s, 6),
                                           "recommended", (int)db_column_int64(s, 7)));
    db_reset(s);
    return a;
}

static const char SQL_QUOTA_USED[] =
    "SELECT (SELECT count(*) FROM recommendation WHERE campaign_id = ?1 AND region_code = ?2), "
    "coalesce((SELECT quota FROM region_quota WHERE campaign_id = ?1 AND region_code = ?2), 0)";

/* The recommendations used and allowed of region in campaign_id, on connection s. */
static void quota_of(struct db_stmt *s, int64_t campaign_id, const char *region, int *used,
                     int *allowed)
{
    *used = *allowed = 0;
    if (!s)
        return;
    db_bind_int64(s, 1, campaign_id);
    db_bind_text(s, 2, region, -1);
    if (db_step(s) == DB_ROW) {
        *used = (int)db_column_int64(s, 0);
        *allowed = (int)db_column_int64(s, 1);
    }
    db_reset(s);
}

void store_intake_quota(struct store *st, int64_t campaign_id, const char *region, int *used,
                        int *allowed)
{
    quota_of(store_stmt(st, SQL_QUOTA_USED), campaign_id, region, used, allowed);
}

/*
 * What 符合申报条件 can check in SQL: the unit is of the case's region, the
 * track is the campaign's, the contact is given; and in C that it came in by
 * the deadline (in_time).
 */
#define ELIGIBLE                                                                                   \
    "(u.region_code = c.region_code "                                                              \
    " AND t.campaign_id IS NOT NULL AND t.campaign_id = c.campaign_id "                            \
    " AND c.contact_name <> '' AND c.contact_phone <> '')"

/* The unit's other cases of the campaign that are recommended or further on. */
#define UNIT_OTHERS                                                                                \
    "(SELECT count(*) FROM \"case\" o WHERE o.campaign_id = c.campaign_id "                        \
    " AND o.unit_id = c.unit_id AND o.id <> c.id "                                                 \
    " AND o.status IN ('recommended','passed','correction','published'))"

static const char SQL_CASE[] =
    "SELECT c.id, c.campaign_id, c.title, c.status, c.region_code, g.name, c.unit_id, u.name, "
    "coalesce(t.name, ''), c.submitted_at, c.updated_at, "
    "coalesce(c.correction_due, ''), c.contact_name, c.contact_phone, c.contact_email, "
    "c.tags_text, coalesce(t.slug, ''), " ELIGIBLE ", " UNIT_OTHERS ", k.cases_per_unit, "
    "k.attachments_min, k.closes_at "
    "FROM \"case\" c JOIN unit u ON u.id = c.unit_id JOIN region g ON g.code = c.region_code "
    "JOIN campaign k ON k.id = c.campaign_id LEFT JOIN track t ON t.id = c.track_id "
    "WHERE c.id = ?1 AND c.campaign_id = ?2";
static const char SQL_CASE_SECTIONS[] =
    "SELECT seq, body_md, length(body_md) FROM case_section WHERE case_id = ?1 ORDER BY seq";
static const char SQL_CASE_FILES[] =
    "SELECT id, name, mime, size, sha256 FROM attachment WHERE case_id = ?1 ORDER BY id";
static const char SQL_CASE_EVENTS[] =
    "SELECT e.at, coalesce(u.name, ''), coalesce(e.from_status, ''), e.to_status, e.reason "
    "FROM case_event e LEFT JOIN \"user\" u ON u.id = e.user_id WHERE e.case_id = ?1 "
    "ORDER BY e.id";
static const char SQL_CASE_SCREENING[] =
    "SELECT s.decision, s.reason, coalesce(s.due, ''), s.checklist, s.at, coalesce(u.name, '') "
    "FROM screening s LEFT JOIN \"user\" u ON u.id = s.user_id WHERE s.case_id = ?1";

json_t *store_intake_case(struct store *st, int64_t campaign_id, int64_t id)
{
    struct db_stmt *s = store_stmt(st, SQL_CASE);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, campaign_id);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return NULL;
    }
    json_t *c = json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
                          "id", (json_int_t)db_column_int64(s, 0), "campaign_id",
                          (json_int_t)db_column_int64(s, 1), "title", db_jtext(s, 2), "status",
                          db_jtext(s, 3), "region_code", db_jtext(s, 4), "region", db_jtext(s, 5),
                          "unit_id", (json_int_t)db_column_int64(s, 6), "unit", db_jtext(s, 7),
                          "track", db_jtext(s, 8), "submitted_at", db_cst_day(s, 9), "updated_at",
                          db_cst_day(s, 10), "correction_due", db_jtext(s, 11), "contact_name",
                          db_jtext(s, 12), "contact_phone", db_jtext(s, 13), "contact_email",
                          db_jtext(s, 14), "tags", db_jtext(s, 15), "track_slug", db_jtext(s, 16));
    json_object_set_new(c, "eligible", json_boolean(db_column_int64(s, 17) && in_time(s, 9, 21)));
    json_object_set_new(c, "rules",
                        json_pack("{s:i,s:i,s:i}", "unit_others", (int)db_column_int64(s, 18),
                                  "cases_per_unit", (int)db_column_int64(s, 19), "attachments_min",
                                  (int)db_column_int64(s, 20)));
    db_reset(s);

    json_t *sections = json_array();
    int total = 0;
    if ((s = store_stmt(st, SQL_CASE_SECTIONS))) {
        db_bind_int64(s, 1, id);
        while (db_step(s) == DB_ROW) {
            total += (int)db_column_int64(s, 2);
            json_array_append_new(
                sections, json_pack("{s:i,s:o,s:i}", "seq", (int)db_column_int64(s, 0), "body_md",
                                    db_jtext(s, 1), "chars", (int)db_column_int64(s, 2)));
        }
        db_reset(s);
    }
    json_object_set_new(c, "sections", sections);
    json_object_set_new(c, "chars", json_integer(total));

    json_t *files = json_array();
    if ((s = store_stmt(st, SQL_CASE_FILES))) {
        db_bind_int64(s, 1, id);
        while (db_step(s) == DB_ROW)
            json_array_append_new(
                files, json_pack("{s:I,s:o,s:o,s:I,s:o}", "id", (json_int_t)db_column_int64(s, 0),
                                 "name", db_jtext(s, 1), "mime", db_jtext(s, 2), "size",
                                 (json_int_t)db_column_int64(s, 3), "sha256", db_jtext(s, 4)));
        db_reset(s);
    }
    json_object_set_new(c, "attachments", files);

    json_t *events = json_array();
    if ((s = store_stmt(st, SQL_CASE_EVENTS))) {
        db_bind_int64(s, 1, id);
        while (db_step(s) == DB_ROW)
            json_array_append_new(events,
                                  json_pack("{s:o,s:o,s:o,s:o,s:o}", "at", db_cst_minute(s, 0),
                                            "user", db_jtext(s, 1), "from", db_jtext(s, 2), "to",
                                            db_jtext(s, 3), "reason", db_jtext(s, 4)));
        db_reset(s);
    }
    json_object_set_new(c, "events", events);

    if ((s = store_stmt(st, SQL_CASE_SCREENING))) {
        db_bind_int64(s, 1, id);
        if (db_step(s) == DB_ROW) {
            json_t *list = json_loads(db_text(s, 3), 0, NULL);
            json_object_set_new(c, "screening",
                                json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "decision", db_jtext(s, 0),
                                          "reason", db_jtext(s, 1), "due", db_jtext(s, 2),
                                          "checklist", list ? list : json_object(), "at",
                                          db_cst_minute(s, 4), "user", db_jtext(s, 5)));
        }
        db_reset(s);
    }
    return c;
}

/*
 * The cases of campaign ?1 in status ?3, of region ?2, matching ?4 (title
 * or unit, ignoring case) or id ?5.  A text is found in another where
 * taking it out changes it: instr() is SQLite's, strpos() PostgreSQL's.
 */
#define QUEUE_WHERE                                                                                \
    "WHERE c.campaign_id = ?1 AND c.status = ?3 "                                                  \
    "AND (CAST(?2 AS TEXT) IS NULL OR c.region_code = ?2) "                                        \
    "AND (CAST(?4 AS TEXT) IS NULL "                                                               \
    "     OR replace(lower(c.title), lower(?4), '') <> lower(c.title) "                            \
    "     OR replace(lower(u.name), lower(?4), '') <> lower(u.name) OR c.id = ?5) "

/* Followed by a section's number and ")": its length in characters, NULL when blank or missing. */
#define SECTION_LEN                                                                                \
    "(SELECT length(body_md) FROM case_section WHERE case_id = c.id "                              \
    " AND length(trim(body_md)) > 0 AND seq = "

static const char SQL_QUEUE[] =
    "SELECT c.id, c.title, u.name, u.region_code, c.region_code, g.name, coalesce(t.name, ''), "
    "t.id IS NOT NULL AND t.campaign_id = c.campaign_id, c.submitted_at, "
    "c.contact_name <> '' AND c.contact_phone <> '', "
    "(SELECT count(*) FROM attachment WHERE case_id = c.id), k.closes_at, " ELIGIBLE
    ", " UNIT_OTHERS ", k.cases_per_unit, k.attachments_min, " SECTION_LEN "1), " SECTION_LEN
    "2), " SECTION_LEN "3), " SECTION_LEN "4), " SECTION_LEN "5) "
    /* The page's ids first, so that the facts are computed for its rows only. */
    "FROM (SELECT c.id AS id, r.at AS at FROM \"case\" c JOIN unit u ON u.id = c.unit_id "
    "      LEFT JOIN recommendation r ON r.case_id = c.id " QUEUE_WHERE
    "      ORDER BY r.at IS NOT NULL, r.at, c.id LIMIT ?6 OFFSET ?7) pg "
    "JOIN \"case\" c ON c.id = pg.id JOIN unit u ON u.id = c.unit_id "
    "JOIN region g ON g.code = c.region_code "
    "JOIN campaign k ON k.id = c.campaign_id LEFT JOIN track t ON t.id = c.track_id "
    "ORDER BY pg.at IS NOT NULL, pg.at, pg.id";
static const char SQL_QUEUE_COUNT[] =
    "SELECT count(*) FROM \"case\" c JOIN unit u ON u.id = c.unit_id " QUEUE_WHERE;

static void bind_queue(struct db_stmt *s, int64_t campaign_id, const struct intake_queue_filter *f)
{
    db_bind_int64(s, 1, campaign_id);
    db_bind_text(s, 2, f->region, -1); /* NULL: every region */
    db_bind_text(s, 3, f->status ? f->status : "recommended", -1);
    db_bind_opt(s, 4, f->q); /* "" is found in every text: as NULL */
    db_bind_int64(s, 5, f->q_id);
}

json_t *store_intake_queue(struct store *st, int64_t campaign_id,
                           const struct intake_queue_filter *f, int *matched)
{
    struct db_stmt *s = store_stmt(st, SQL_QUEUE_COUNT);
    if (!s)
        return NULL;
    bind_queue(s, campaign_id, f);
    *matched = db_step(s) == DB_ROW ? (int)db_column_int64(s, 0) : 0;
    db_reset(s);
    if (!(s = store_stmt(st, SQL_QUEUE)))
        return NULL;
    bind_queue(s, campaign_id, f);
    db_bind_int64(s, 6, f->limit);
    db_bind_int64(s, 7, f->offset);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW) {
        int total = 0;
        json_t *lens = json_array();
        for (int i = 0; i < 5; i++) {
            int n = (int)db_column_int64(s, 16 + i);
            total += n;
            json_array_append_new(lens, json_integer(n));
        }
        json_array_append_new(
            a, json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:b,s:o,s:i,s:i,s:b}", "id",
                         (json_int_t)db_column_int64(s, 0), "title", db_jtext(s, 1), "unit",
                         db_jtext(s, 2), "unit_region", db_jtext(s, 3), "region_code",
                         db_jtext(s, 4), "region", db_jtext(s, 5), "track", db_jtext(s, 6),
                         "track_ok", (int)db_column_int64(s, 7), "submitted_at", db_cst_day(s, 8),
                         "contact_ok", (int)db_column_int64(s, 9), "sections", lens, "chars", total,
                         "attachments", (int)db_column_int64(s, 10), "in_time", in_time(s, 8, 11)));
        json_t *it = json_array_get(a, json_array_size(a) - 1);
        json_object_set_new(it, "eligible",
                            json_boolean(db_column_int64(s, 12) && in_time(s, 8, 11)));
        json_object_set_new(it, "rules",
                            json_pack("{s:i,s:i,s:i}", "unit_others", (int)db_column_int64(s, 13),
                                      "cases_per_unit", (int)db_column_int64(s, 14),
                                      "attachments_min", (int)db_column_int64(s, 15)));
    }
    db_reset(s);
    return a;
}

static const char SQL_STATUS_COUNTS[] =
    "SELECT status, count(*) FROM \"case\" WHERE campaign_id = ?1 GROUP BY status";
static const char SQL_REGION_COUNTS[] =
    "SELECT g.code, g.name, "
    "(SELECT count(*) FROM \"case\" c WHERE c.campaign_id = ?1 AND c.region_code = g.code "
    " AND c.status <> 'draft'), "
    "(SELECT count(*) FROM recommendation r WHERE r.campaign_id = ?1 AND r.region_code = g.code), "
    "coalesce((SELECT quota FROM region_quota q WHERE q.campaign_id = ?1 "
    " AND q.region_code = g.code), 0), "
    "(SELECT count(*) FROM \"case\" c WHERE c.campaign_id = ?1 AND c.region_code = g.code "
    " AND c.status = 'passed'), "
    "(SELECT count(*) FROM \"case\" c WHERE c.campaign_id = ?1 AND c.region_code = g.code "
    " AND c.status = 'correction'), "
    "(SELECT count(*) FROM \"case\" c WHERE c.campaign_id = ?1 AND c.region_code = g.code "
    " AND c.status = 'rejected'), "
    "(SELECT count(*) FROM \"case\" c WHERE c.campaign_id = ?1 AND c.region_code = g.code "
    " AND c.status = 'returned') "
    "FROM region g ORDER BY g.code";

json_t *store_intake_dashboard(struct store *st, int64_t campaign_id)
{
    json_t *statuses = json_object();
    int total = 0;
    struct db_stmt *s = store_stmt(st, SQL_STATUS_COUNTS);
    if (s) {
        db_bind_int64(s, 1, campaign_id);
        while (db_step(s) == DB_ROW) {
            int n = (int)db_column_int64(s, 1);
            json_object_set_new(statuses, db_text(s, 0), json_integer(n));
            total += n;
        }
        db_reset(s);
    }
    json_t *regions = json_array();
    if ((s = store_stmt(st, SQL_REGION_COUNTS))) {
        db_bind_int64(s, 1, campaign_id);
        while (db_step(s) == DB_ROW) {
            int n[9];
            for (int i = 2; i < 9; i++)
                n[i] = (int)db_column_int64(s, i);
            json_array_append_new(
                regions, json_pack("{s:o,s:o,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:b}", "code",
                                   db_jtext(s, 0), "name", db_jtext(s, 1), "submitted", n[2],
                                   "recommended", n[3], "quota", n[4], "passed", n[5], "correction",
                                   n[6], "rejected", n[7], "returned", n[8], "full", n[3] >= n[4]));
        }
        db_reset(s);
    }
    return json_pack("{s:o,s:i,s:o}", "statuses", statuses, "total", total, "regions", regions);
}

static const char SQL_ACTIVITY[] =
    "SELECT e.at, coalesce(u.name, ''), e.case_id, c.title, coalesce(e.from_status, ''), "
    "e.to_status, e.reason FROM case_event e JOIN \"case\" c ON c.id = e.case_id "
    "LEFT JOIN \"user\" u ON u.id = e.user_id WHERE c.campaign_id = ?1 "
    "ORDER BY e.id DESC LIMIT ?2";

json_t *store_intake_activity(struct store *st, int64_t campaign_id, int limit)
{
    struct db_stmt *s = store_stmt(st, SQL_ACTIVITY);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, campaign_id);
    db_bind_int64(s, 2, limit);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(a, json_pack("{s:o,s:o,s:I,s:o,s:o,s:o,s:o}", "at",
                                           db_cst_minute(s, 0), "user", db_jtext(s, 1), "case_id",
                                           (json_int_t)db_column_int64(s, 2), "title",
                                           db_jtext(s, 3), "from", db_jtext(s, 4), "to",
                                           db_jtext(s, 5), "reason", db_jtext(s, 6)));
    db_reset(s);
    return a;
}

static const char SQL_QUOTAS[] =
    "SELECT g.code, g.name, coalesce(q.quota, 0) FROM region g "
    "LEFT JOIN region_quota q ON q.region_code = g.code AND q.campaign_id = ?1 ORDER BY g.code";

json_t *store_intake_quotas(struct store *st, int64_t campaign_id)
{
    struct db_stmt *s = store_stmt(st, SQL_QUOTAS);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, campaign_id);
    json_t *a = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(a, json_pack("{s:o,s:o,s:i}", "code", db_jtext(s, 0), "name",
                                           db_jtext(s, 1), "quota", (int)db_column_int64(s, 2)));
    db_reset(s);
    return a;
}

/* ------------------------------------------------------------------ writes */

static int add_event(struct store_tx *tx, int64_t case_id, int64_t user_id, const char *from,
                     const char *to, const char *reason, const char *now)
{
    static const char sql[] =
        "INSERT INTO case_event (case_id, user_id, from_status, to_status, reason, at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, case_id);
    if (user_id > 0)
        db_bind_int64(s, 2, user_id);
    else
        db_bind_null(s, 2);
    db_bind_text(s, 3, from, -1);
    db_bind_text(s, 4, to, -1);
    db_bind_text(s, 5, reason ? reason : "", -1);
    db_bind_text(s, 6, now, -1);
    return db_run(s);
}

int tx_intake_move(struct store_tx *tx, int64_t campaign_id, int64_t case_id, const char *region,
                   const char *from, const char *to, int64_t user_id, const char *reason,
                   const char *due)
{
    static const char sql[] =
        "UPDATE \"case\" SET status = ?4, correction_due = ?5, updated_at = ?7 "
        "WHERE id = ?1 AND campaign_id = ?2 AND status = ?3 "
        "AND (CAST(?6 AS TEXT) IS NULL OR region_code = ?6)";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_int64(s, 1, case_id);
    db_bind_int64(s, 2, campaign_id);
    db_bind_text(s, 3, from, -1);
    db_bind_text(s, 4, to, -1);
    db_bind_opt(s, 5, due);
    db_bind_text(s, 6, region, -1); /* NULL: any region */
    db_bind_text(s, 7, now, -1);
    int rc = db_run_changed(s, RC_STALE);
    if (rc != RC_OK)
        return rc;
    return add_event(tx, case_id, user_id, from, to, reason, now);
}

int tx_intake_recommend(struct store_tx *tx, int64_t campaign_id, int64_t case_id,
                        const char *region, int64_t user_id)
{
    int rc = tx_intake_move(tx, campaign_id, case_id, region, "submitted", "recommended", user_id,
                            "", NULL);
    if (rc != RC_OK)
        return rc;
    int used, allowed;
    quota_of(tx_stmt(tx, SQL_QUOTA_USED), campaign_id, region, &used, &allowed);
    if (used >= allowed)
        return RC_QUOTA;
    static const char sql[] =
        "INSERT INTO recommendation (case_id, campaign_id, region_code, user_id, at) "
        "VALUES (?1, ?2, ?3, ?4, ?5)";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_int64(s, 1, case_id);
    db_bind_int64(s, 2, campaign_id);
    db_bind_text(s, 3, region, -1);
    db_bind_int64(s, 4, user_id);
    db_bind_text(s, 5, now, -1);
    rc = db_run(s);
    if (rc != RC_OK && strstr(db_errmsg(tx_conn(tx)), "quota exceeded"))
        return RC_QUOTA;
    return rc == RC_OK ? RC_OK : RC_ERROR;
}

int tx_intake_screening(struct store_tx *tx, int64_t case_id, const char *decision,
                        const char *checklist_json, const char *reason, const char *due,
                        int64_t user_id)
{
    /* The decision replaces the case's last one whole, its time included. */
    static const char sql[] =
        "INSERT INTO screening (case_id, decision, checklist, reason, due, user_id, at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (case_id) DO UPDATE SET "
        "decision = excluded.decision, checklist = excluded.checklist, reason = excluded.reason, "
        "due = excluded.due, user_id = excluded.user_id, at = excluded.at";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_int64(s, 1, case_id);
    db_bind_text(s, 2, decision, -1);
    db_bind_text(s, 3, checklist_json ? checklist_json : "{}", -1);
    db_bind_text(s, 4, reason ? reason : "", -1);
    db_bind_opt(s, 5, due);
    db_bind_int64(s, 6, user_id);
    db_bind_text(s, 7, now, -1);
    return db_run(s) == RC_OK ? RC_OK : RC_ERROR;
}

int tx_intake_notify(struct store_tx *tx, int64_t case_id, const char *subject, const char *body)
{
    static const char sql[] =
        "SELECT contact_email FROM \"case\" WHERE id = ?1 AND contact_email LIKE '%_@_%' "
        "UNION SELECT u.email FROM \"case\" c JOIN user_role r ON r.unit_id = c.unit_id "
        "AND r.role = 'submitter' JOIN \"user\" u ON u.id = r.user_id "
        "WHERE c.id = ?1 AND u.disabled = 0 AND c.contact_email NOT LIKE '%_@_%'";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, case_id);
    /* Collect first: the outbox insert must not run while this statement is live. */
    char to[8][256];
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW && n < 8)
        snprintf(to[n++], sizeof to[0], "%s", db_text(s, 0));
    db_reset(s);
    if (rc == DB_ERROR)
        return RC_ERROR;
    for (int i = 0; i < n; i++)
        if (tx_outbox_add(tx, to[i], subject, body) != RC_OK)
            return RC_ERROR;
    return RC_OK;
}

/* sql in tx with ?1 bound to id and ?2, ?3 to the texts t2, t3; NULL on failure. */
static struct db_stmt *stmt_id_texts(struct store_tx *tx, const char *sql, int64_t id,
                                     const char *t2, const char *t3)
{
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, id);
    db_bind_text(s, 2, t2, -1);
    db_bind_text(s, 3, t3, -1);
    return s;
}

int tx_intake_timeline(struct store_tx *tx, int64_t campaign_id, const char *opens_at,
                       const char *closes_at)
{
    static const char sql[] = "UPDATE campaign SET opens_at = ?2, closes_at = ?3 WHERE id = ?1 "
                              "AND status NOT IN ('published', 'archived')";
    return db_run_changed(stmt_id_texts(tx, sql, campaign_id, opens_at, closes_at), RC_STALE);
}

int tx_intake_rules(struct store_tx *tx, int64_t campaign_id, int cases_per_unit,
                    int attachments_min, const char *attachments_note)
{
    static const char sql[] =
        "UPDATE campaign SET cases_per_unit = ?2, attachments_min = ?3, attachments_note = ?4 "
        "WHERE id = ?1 AND status NOT IN ('published', 'archived')";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, campaign_id);
    db_bind_int64(s, 2, cases_per_unit);
    db_bind_int64(s, 3, attachments_min);
    db_bind_text(s, 4, attachments_note, -1);
    return db_run_changed(s, RC_STALE);
}

int tx_intake_track_rename(struct store_tx *tx, int64_t campaign_id, const char *slug,
                           const char *name)
{
    static const char sql[] = "UPDATE track SET name = ?3 WHERE campaign_id = ?1 AND slug = ?2";
    return db_run_changed(stmt_id_texts(tx, sql, campaign_id, slug, name), RC_NOTFOUND);
}

int tx_intake_track_add(struct store_tx *tx, int64_t campaign_id, const char *slug,
                        const char *name)
{
    static const char sql[] = "INSERT INTO track (campaign_id, slug, name) VALUES (?1, ?2, ?3)";
    return db_run(stmt_id_texts(tx, sql, campaign_id, slug, name)) == RC_OK ? RC_OK : RC_ERROR;
}

int tx_intake_quota(struct store_tx *tx, int64_t campaign_id, const char *region, int quota)
{
    static const char sql[] =
        "INSERT INTO region_quota (campaign_id, region_code, quota) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (campaign_id, region_code) DO UPDATE SET quota = excluded.quota";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, campaign_id);
    db_bind_text(s, 2, region, -1);
    db_bind_int64(s, 3, quota);
    return db_run(s) == RC_OK ? RC_OK : RC_ERROR;
}
