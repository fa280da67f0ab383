/*
 * migrate_pg.c — a PostgreSQL database brought to this binary's schema, as
 * migrate.c brings a SQLite one (store_int.h).
 *
 * One row, schema_version, holds the number of the newest migration the
 * database's schema includes.  The numbers are SQLite's: a number names one
 * change of the schema, done by src/store/migrations/NNN_name.sql on
 * SQLite, src/store/pg/migrations/NNN_name.sql on PostgreSQL, or both
 * (each side has the files of the numbers that change it).  An empty
 * database gets schema.sql whole, which records the newest number itself;
 * a database made before the version was recorded (no schema_version
 * table) is at 22, what schema.sql made until migration 023.  Each
 * migration above the database's version runs in its own transaction
 * under the database's write lock (db_begin: an advisory lock), the
 * version read again once the lock is held, so that nodes starting at once
 * on one database take turns and each migration runs once: the others
 * wait, then find it done.  A database newer than the binary is refused,
 * as on SQLite, rather than served by code that does not know its tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/embed.h"
#include "core/log.h"
#include "store/store_int.h"

#define PG_MIGRATION_DIR "src/store/pg/migrations/"
#define PG_BASELINE 22 /* schema.sql's tables before schema_version was recorded */

/* The schema version of c's database, in the write transaction: 0 when it has no tables, -1. */
static int schema_version(struct db_conn *c)
{
    struct db_stmt *s = db_prepare(c, "SELECT to_regclass('campaign') IS NULL, "
                                      "to_regclass('schema_version') IS NULL");
    if (!s || db_step(s) != DB_ROW) {
        db_finalize(s);
        return -1;
    }
    int empty = db_column_int64(s, 0) != 0, unversioned = db_column_int64(s, 1) != 0;
    db_finalize(s);
    if (empty || unversioned)
        return empty ? 0 : PG_BASELINE;
    s = db_prepare(c, "SELECT version FROM schema_version");
    int v = s && db_step(s) == DB_ROW ? (int)db_column_int64(s, 0) : -1;
    db_finalize(s);
    return v;
}

/* The first PostgreSQL migration numbered above v, or NULL. */
static const struct embed_file *next_migration(int v, int *num)
{
    const struct embed_file *next = NULL;
    size_t plen = strlen(PG_MIGRATION_DIR);
    for (unsigned i = 0; i < embed_count; i++) {
        const struct embed_file *f = &embed_files[i];
        int n = strncmp(f->name, PG_MIGRATION_DIR, plen) == 0 ? atoi(f->name + plen) : 0;
        if (n > v && (!next || n < *num)) {
            next = f;
            *num = n;
        }
    }
    return next;
}

int store_pg_newest(void)
{
    int newest = PG_BASELINE, n = 0;
    while (next_migration(newest, &n))
        newest = n;
    return newest;
}

/*
 * One step, under the write lock: 1 when it wrote (the schema, or the next
 * migration and its number), 0 when the database is at the newest, -1.
 */
static int migrate_step(struct db_conn *c, int newest, char *err, size_t errlen)
{
    if (db_begin(c) != 0) {
        snprintf(err, errlen, "cannot take the database's write lock: %s", db_errmsg(c));
        return -1;
    }
    int v = schema_version(c), num = 0;
    const struct embed_file *f =
        v > 0 ? next_migration(v, &num) : embed_find("src/store/pg/schema.sql");
    if (v < 0 || v > newest || !f) {
        if (v < 0)
            snprintf(err, errlen, "cannot read the schema's version: %s",
                     *db_errmsg(c) ? db_errmsg(c) : "schema_version holds no row");
        else if (v > newest)
            snprintf(err, errlen,
                     "database schema %d is newer than this binary's %d: a newer laurel "
                     "migrated it; run that one",
                     v, newest);
        db_rollback(c);
        return v < 0 || v > newest ? -1 : 0;
    }
    char setv[64];
    snprintf(setv, sizeof setv, "UPDATE schema_version SET version = %d", num);
    if (db_exec(c, (const char *)f->data) != 0 || (num && db_exec(c, setv) != 0) ||
        db_commit(c) != 0) {
        snprintf(err, errlen, "%s failed: %s", num ? f->name : "creating the schema", db_errmsg(c));
        db_rollback(c);
        return -1;
    }
    if (num)
        log_info("store: PostgreSQL schema migrated to %d (%s)", num, f->name);
    else
        log_info("store: PostgreSQL schema created at version %d", newest);
    return 1;
}

int store_pg_migrate(struct db_conn *c, int *applied, char *err, size_t errlen)
{
    int newest = store_pg_newest(), rc, n = 0;
    while ((rc = migrate_step(c, newest, err, errlen)) > 0)
        n++;
    if (applied)
        *applied = n;
    return rc;
}
