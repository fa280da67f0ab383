/*
 * user_admin.c — the organiser's changes to an account (user_admin.h):
 * edit, disable or enable, end the invitations a new one replaces, and
 * the disabled accounts for the list of users.
 * Written over the driver (db.h): it runs on SQLite and on PostgreSQL.
 */
#include "store/user_admin.h"
#include "store/db.h"
#include "store/store_int.h"

json_t *store_users_disabled(struct store *st)
{
    static const char sql[] = "SELECT id FROM \"user\" WHERE disabled <> 0 ORDER BY id LIMIT 100000";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    json_t *a = json_array();
    int step;
    while ((step = db_step(s)) == DB_ROW)
        json_array_append_new(a, json_integer(db_column_int64(s, 0)));
    db_reset(s);
    if (step != DB_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}

int tx_user_edit(struct store_tx *tx, int64_t user_id, const char *name, const char *email)
{
    static const char taken[] = "SELECT count(*) FROM \"user\" WHERE lower(email) = lower(?1) "
                                "AND id <> ?2";
    static const char sql[] = "UPDATE \"user\" SET name = ?2, email = ?3 WHERE id = ?1";
    struct db_stmt *s = tx_stmt(tx, taken);
    if (!s)
        return RC_ERROR;
    db_bind_text(s, 1, email, -1);
    db_bind_int64(s, 2, user_id);
    int step = db_step(s);
    int64_t n = step == DB_ROW ? db_column_int64(s, 0) : -1;
    db_reset(s);
    if (n != 0)
        return n < 0 ? RC_ERROR : RC_EXISTS;
    if (!(s = tx_stmt(tx, sql)))
        return RC_ERROR;
    db_bind_int64(s, 1, user_id);
    db_bind_text(s, 2, name, -1);
    db_bind_text(s, 3, email, -1);
    int rc = db_run(s);
    return rc == RC_OK && db_changes(s) == 0 ? RC_NOTFOUND : rc;
}

int tx_user_disable(struct store_tx *tx, int64_t user_id, int disabled)
{
    static const char sql[] = "UPDATE \"user\" SET disabled = ?2 WHERE id = ?1 AND disabled <> ?2";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    db_bind_int64(s, 1, user_id);
    db_bind_int64(s, 2, disabled ? 1 : 0);
    int rc = db_run(s);
    return rc == RC_OK && db_changes(s) == 0 ? RC_STALE : rc;
}

int tx_user_invites_end(struct store_tx *tx, int64_t user_id)
{
    static const char sql[] = "UPDATE token SET used_at = ?2 WHERE user_id = ?1 "
                              "AND kind = 'invite' AND used_at IS NULL";
    struct db_stmt *s = tx_stmt(tx, sql);
    if (!s)
        return RC_ERROR;
    char now[STORE_NOW_LEN];
    store_now(now);
    db_bind_int64(s, 1, user_id);
    db_bind_text(s, 2, now, -1);
    return db_run(s);
}
