/*
 * sqlite_outbox.c — the sender's queries on the outbox table in SQLite; see
 * outbox.h.  Times are UTC text (%Y-%m-%dT%H:%M:%SZ) like every other
 * timestamp of the schema, so they compare as strings.
 */
#include <stdio.h>
#include <string.h>

#include "core/utf8.h"
#include "store/outbox.h"
#include "store/sqlite_int.h"

static const char SQL_DUE[] =
    "SELECT id, to_addr, subject, body, attempts FROM outbox "
    "WHERE sent_at IS NULL AND attempts < ?2 "
    "AND next_attempt_at <= strftime('%Y-%m-%dT%H:%M:%SZ','now') ORDER BY id LIMIT ?1";

json_t *store_outbox_due(struct store *st, int limit)
{
    sqlite3_stmt *s = sq_prepare(st, SQL_DUE);
    if (!s)
        return NULL;
    sqlite3_bind_int(s, 1, limit);
    sqlite3_bind_int(s, 2, OUTBOX_MAX_ATTEMPTS);
    json_t *a = json_array();
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        json_array_append_new(a, json_pack("{s:I,s:o,s:o,s:o,s:i}", "id",
                                           (json_int_t)sqlite3_column_int64(s, 0), "to",
                                           sq_jtext(s, 1), "subject", sq_jtext(s, 2), "body",
                                           sq_jtext(s, 3), "attempts", sqlite3_column_int(s, 4)));
    sq_done(s);
    if (rc != SQLITE_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

/* A row's state, as enum outbox_state; ?9 is OUTBOX_MAX_ATTEMPTS. */
#define STATE_OF "(CASE WHEN sent_at IS NOT NULL THEN 0 WHEN attempts >= ?9 THEN 2 ELSE 1 END)"

int store_outbox_counts(struct store *st, int counts[3])
{
    static const char sql[] = "SELECT " STATE_OF ", count(*) FROM outbox GROUP BY 1";
    counts[0] = counts[1] = counts[2] = 0;
    sqlite3_stmt *s = sq_prepare(st, sql);
    if (!s)
        return RC_ERROR;
    sqlite3_bind_int(s, 9, OUTBOX_MAX_ATTEMPTS);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int k = sqlite3_column_int(s, 0);
        if (k >= 0 && k < 3)
            counts[k] = sqlite3_column_int(s, 1);
    }
    sq_done(s);
    return rc == SQLITE_DONE ? RC_OK : RC_ERROR;
}

json_t *store_outbox_page(struct store *st, enum outbox_state state, int offset, int limit)
{
    static const char sql[] =
        "SELECT id, coalesce(to_mask, to_addr), subject, "
        "strftime('%Y-%m-%d %H:%M', created_at, '+8 hours'), "
        "attempts, coalesce(strftime('%Y-%m-%d %H:%M', sent_at, '+8 hours'), ''), "
        "coalesce(last_error, ''), " STATE_OF ", body FROM outbox "
        "WHERE ?1 < 0 OR " STATE_OF " = ?1 ORDER BY id DESC LIMIT ?3 OFFSET ?2";
    sqlite3_stmt *s = sq_prepare(st, sql);
    if (!s)
        return NULL;
    sqlite3_bind_int(s, 1, state);
    sqlite3_bind_int(s, 2, offset);
    sqlite3_bind_int(s, 3, limit);
    sqlite3_bind_int(s, 9, OUTBOX_MAX_ATTEMPTS);
    json_t *a = json_array();
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        json_array_append_new(
            a, json_pack("{s:I,s:o,s:o,s:o,s:i,s:o,s:o,s:i,s:o}", "id",
                         (json_int_t)sqlite3_column_int64(s, 0), "to", sq_jtext(s, 1), "subject",
                         sq_jtext(s, 2), "created", sq_jtext(s, 3), "attempts",
                         sqlite3_column_int(s, 4), "sent", sq_jtext(s, 5), "last_error",
                         sq_jtext(s, 6), "state", sqlite3_column_int(s, 7), "body",
                         sq_jtext(s, 8)));
    sq_done(s);
    if (rc != SQLITE_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

int tx_outbox_sent(struct store_tx *tx, int64_t id)
{
    static const char sql[] =
        "UPDATE outbox SET sent_at = strftime('%Y-%m-%dT%H:%M:%SZ','now'), last_error = NULL "
        "WHERE id = ?1";
    return tx_exec_id(tx, sql, id);
}

int tx_outbox_failed(struct store_tx *tx, int64_t id, const char *error, long retry_in_s)
{
    static const char sql[] =
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, "
        "next_attempt_at = strftime('%Y-%m-%dT%H:%M:%SZ','now', ?3 || ' seconds') "
        "WHERE id = ?1";
    sqlite3_stmt *s = tx_prepare(tx, sql);
    if (!s)
        return RC_ERROR;
    /* Cut at a character boundary: the error may quote the server's UTF-8. */
    size_t n = error ? strlen(error) : 0;
    if (n > OUTBOX_MAX_ERROR)
        n = OUTBOX_MAX_ERROR;
    while (n > 0 && !utf8_valid(error, n))
        n--;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, n ? error : "", (int)n, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, retry_in_s);
    return tx_exec(tx, s);
}
