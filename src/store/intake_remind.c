/*
 * intake_remind.c — the cases a deadline reminder goes to (intake_remind.h).
 * Written over the driver (db.h): it runs on SQLite and on PostgreSQL.
 */
#include "store/intake_remind.h"
#include "store/db.h"
#include "store/store_int.h"

json_t *store_intake_unfinished(struct store *st, int64_t campaign_id)
{
    static const char sql[] = "SELECT id, title, status, coalesce(correction_due, '') "
                              "FROM \"case\" WHERE campaign_id = ?1 "
                              "AND status IN ('draft', 'returned', 'correction') "
                              "ORDER BY id LIMIT ?2";
    struct db_stmt *s = store_stmt(st, sql);
    if (!s)
        return NULL;
    db_bind_int64(s, 1, campaign_id);
    db_bind_int64(s, 2, INTAKE_REMIND_MAX);
    json_t *a = json_array();
    int step;
    while ((step = db_step(s)) == DB_ROW) {
        const char *title = db_column_text(s, 1), *status = db_column_text(s, 2),
                   *due = db_column_text(s, 3);
        json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:s}", "id",
                                           (json_int_t)db_column_int64(s, 0), "title",
                                           title ? title : "", "status", status ? status : "",
                                           "due", due ? due : ""));
    }
    db_reset(s);
    if (step != DB_DONE) {
        json_decref(a);
        return NULL;
    }
    return a;
}
