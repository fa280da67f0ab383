/*
 * nodes.c — what the nodes serving one PostgreSQL database know of each
 * other's writes: enough to keep their page caches honest.
 *
 * A node's own writes bump its page generations (changes.c); another
 * node's writes it cannot see happen.  So each write batch on PostgreSQL
 * takes a number of the sequence write_batch (nodes_mark, last in the
 * batch, under the database's write lock), and once a second each node's
 * writer reads the sequence's last number (nodes_catch_up): when it passed
 * the node's own last, another node wrote, and every page the node keeps
 * is dropped.  A page another node changed is thus served stale for at
 * most a second, as a page cache with a one-second lifetime would.  A
 * sequence, not a row: taking a number locks nothing, and reading the last
 * one reads no table.  Nothing on SQLite, where one server is the only
 * writer.
 */
#include "store/nodes.h"

#include "store/sqlite_int.h"

int nodes_mark(struct store *st, struct db_conn *c)
{
    static const char sql[] = "SELECT nextval('write_batch')";
    if (db_kind(c) != DB_PG)
        return 0;
    struct db_stmt *s = db_stmt(c, sql);
    int rc = s ? db_step(s) : DB_ERROR;
    if (rc == DB_ROW)
        st->batch_seen = db_column_int64(s, 0);
    db_reset(s);
    return rc == DB_ROW ? 0 : -1;
}

void nodes_catch_up(struct store *st, struct db_conn *c)
{
    static const char sql[] = "SELECT last_value FROM write_batch";
    if (db_kind(c) != DB_PG)
        return;
    struct db_stmt *s = db_stmt(c, sql);
    if (s && db_step(s) == DB_ROW && db_column_int64(s, 0) > st->batch_seen) {
        st->batch_seen = db_column_int64(s, 0);
        st->generation++;
    }
    db_reset(s);
}
