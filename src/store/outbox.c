/*
 * outbox.c — the sender's queries on the outbox table (outbox.h): the
 * claim of due messages, their delivery or failure, and the organiser's
 * view.  Times are UTC text (2020-02-04T08:00:00Z) made in C, like every
 * other timestamp of the schema, so they compare as strings.  Written over
 * the driver (db.h): it runs on SQLite and on PostgreSQL, where the claim
 * locks the rows it takes and passes over those another node holds.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/utf8.h"
#include "store/outbox.h"
#include "store/store_int.h"

/* Unsent, attempts left, its time come: ?1 OUTBOX_MAX_ATTEMPTS, ?2 now. */
#define DUE "sent_at IS NULL AND attempts < ?1 AND next_attempt_at <= ?2"

int store_outbox_any_due(struct store *st)
{
    static const char sql[] = "SELECT 1 FROM outbox WHERE " DUE " LIMIT 1";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return -1;
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_int64(s, 1, OUTBOX_MAX_ATTEMPTS);
    db_bind_text(s, 2, now, -1);
    int step = db_step(s);
    db_reset(s);
    return step == DB_ROW ? 1 : step == DB_DONE ? 0 : -1;
}

int tx_outbox_claim(struct store_tx *tx, int limit, long lease_s, json_t **rows)
{
    static const char sql_due[] =
        "SELECT id, to_addr, subject, body, attempts FROM outbox WHERE " DUE
        " ORDER BY id LIMIT ?3 FOR UPDATE SKIP LOCKED";
    static const char sql_lease[] = "UPDATE outbox SET next_attempt_at = ?2 WHERE id = ?1";
    *rows = NULL;
    struct db_stmt *s = tx_stmt(tx, sql_due);
    if (!s)
        return RC_ERROR;
    char now[STORE_NOW_LEN], until[STORE_NOW_LEN];
    int64_t t = (int64_t)time(NULL);
    store_time(now, t);
    store_time(until, t + lease_s);
    db_bind_int64(s, 1, OUTBOX_MAX_ATTEMPTS);
    db_bind_text(s, 2, now, -1);
    db_bind_int64(s, 3, limit);
    json_t *a = json_array();
    int step;
    while ((step = db_step(s)) == DB_ROW)
        json_array_append_new(a, json_pack("{s:I,s:o,s:o,s:o,s:i}", "id",
                                           (json_int_t)db_column_int64(s, 0), "to", db_jtext(s, 1),
                                           "subject", db_jtext(s, 2), "body", db_jtext(s, 3),
                                           "attempts", (int)db_column_int64(s, 4)));
    db_reset(s);
    int rc = step == DB_DONE ? RC_OK : RC_ERROR;
    size_t i;
    json_t *row;
    json_array_foreach(a, i, row)
    {
        if (rc != RC_OK || !(s = tx_stmt(tx, sql_lease))) {
            rc = RC_ERROR;
            break;
        }
        db_bind_int64(s, 1, (int64_t)json_integer_value(json_object_get(row, "id")));
        db_bind_text(s, 2, until, -1);
        rc = db_run(s);
    }
    if (rc != RC_OK) {
        json_decref(a);
        return rc;
    }
    *rows = a;
    return RC_OK;
}

int tx_outbox_release(struct store_tx *tx, int64_t id)
{
    static const char sql[] =
        "UPDATE outbox SET next_attempt_at = ?2 WHERE id = ?1 AND sent_at IS NULL";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_int64(s, 1, id);
    db_bind_text(s, 2, now, -1);
    return db_run(s);
}

/* A row's state, as enum outbox_state, over the parameter p (OUTBOX_MAX_ATTEMPTS). */
#define STATE_OF(p)                                                                                \
    "(CASE WHEN sent_at IS NOT NULL THEN 0 WHEN attempts >= " p " THEN 2 ELSE 1 END)"

int store_outbox_counts(struct store *st, int counts[3])
{
    static const char sql[] = "SELECT " STATE_OF("?1") ", count(*) FROM outbox GROUP BY 1";
    counts[0] = counts[1] = counts[2] = 0;
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, OUTBOX_MAX_ATTEMPTS);
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        int64_t k = db_column_int64(s, 0);
        if (k >= 0 && k < 3)
            counts[k] = (int)db_column_int64(s, 1);
    }
    db_reset(s);
    return step == DB_DONE ? RC_OK : RC_ERROR;
}

/* A stored UTC time as China Standard Time to the minute (2020-02-04 16:00), or JSON null. */
static json_t *cst_minute(const char *utc)
{
    struct tm tm = {0};
    if (!utc || sscanf(utc, "%4d-%2d-%2d%*[T ]%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                       &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return json_null();
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm) + 8 * 3600;
    char out[32];
    gmtime_r(&t, &tm);
    strftime(out, sizeof out, "%Y-%m-%d %H:%M", &tm);
    return json_string(out);
}

json_t *store_outbox_page(struct store *st, enum outbox_state state, int offset, int limit)
{
    static const char sql[] =
        "SELECT id, coalesce(to_mask, to_addr), subject, created_at, attempts, sent_at, "
        "coalesce(last_error, ''), " STATE_OF(
            "?4") ", body FROM outbox "
                  "WHERE ?1 < 0 OR " STATE_OF("?4") " = ?1 ORDER BY id DESC LIMIT ?3 OFFSET ?2";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, state);
    db_bind_int64(s, 2, offset);
    db_bind_int64(s, 3, limit);
    db_bind_int64(s, 4, OUTBOX_MAX_ATTEMPTS);
    json_t *a = json_array();
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        json_t *sent = cst_minute(db_column_text(s, 5));
        if (json_is_null(sent))
            sent = json_string("");
        json_array_append_new(
            a, json_pack("{s:I,s:o,s:o,s:o,s:i,s:o,s:o,s:i,s:o}", "id",
                         (json_int_t)db_column_int64(s, 0), "to", db_jtext(s, 1), "subject",
                         db_jtext(s, 2), "created", cst_minute(db_column_text(s, 3)), "attempts",
                         (int)db_column_int64(s, 4), "sent", sent, "last_error", db_jtext(s, 6),
                         "state", (int)db_column_int64(s, 7), "body", db_jtext(s, 8)));
    }
    db_reset(s);
    if (step != DB_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

int tx_outbox_sent(struct store_tx *tx, int64_t id)
{
    /* A message that keeps a mask names its contact only until it is sent (migration 005). */
    static const char sql[] =
        "UPDATE outbox SET sent_at = ?2, last_error = NULL, to_addr = coalesce(to_mask, to_addr), "
        "body = CASE WHEN to_mask IS NULL THEN body ELSE '' END WHERE id = ?1";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_int64(s, 1, id);
    db_bind_text(s, 2, now, -1);
    return db_run(s);
}

int tx_outbox_failed(struct store_tx *tx, int64_t id, const char *error, long retry_in_s)
{
    static const char sql[] = "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, "
                              "next_attempt_at = ?3 WHERE id = ?1";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    /* Cut at a character boundary: the error may quote the server's UTF-8. */
    size_t n = error ? strlen(error) : 0;
    if (n > OUTBOX_MAX_ERROR)
        n = OUTBOX_MAX_ERROR;
    while (n > 0 && !utf8_valid(error, n))
        n--;
    char next[STORE_NOW_LEN];
    store_time(next, (int64_t)time(NULL) + retry_in_s);
    db_bind_int64(s, 1, id);
    db_bind_text(s, 2, n ? error : "", (int)n);
    db_bind_text(s, 3, next, -1);
    return db_run(s);
}
