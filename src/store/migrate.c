/*
 * migrate.c — numbered schema migrations embedded in the binary.
 *
 * Files src/store/migrations/NNN_name.sql are applied in order, each in its
 * own transaction, and PRAGMA user_version records the last one applied; a
 * database newer than the binary is refused rather than guessed at.
 *
 * The numbers are shared with PostgreSQL's migrations (migrate_pg.c,
 * src/store/pg/migrations/NNN_name.sql): a number is one change of the
 * schema, and each database has the files of the numbers that change it,
 * so a number may be missing here (023 is PostgreSQL's alone: SQLite
 * already orders text by its bytes).  A migration here that creates or
 * alters a table comes with PostgreSQL's file of the same number and the
 * same change in src/store/pg/schema.sql (test_pg_migrate.c checks it;
 * docs/ARCHITECTURE.md, "A migration, on both databases").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/embed.h"
#include "store/sqlite_int.h"

#define MIGRATION_DIR "src/store/migrations/"

int migrate_run(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *s;
    int have = 0, newest = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot read schema version: %s", sqlite3_errmsg(db));
        return -1;
    }
    if (sqlite3_step(s) == SQLITE_ROW)
        have = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);

    size_t plen = strlen(MIGRATION_DIR);
    for (unsigned i = 0; i < embed_count; i++) {
        const struct embed_file *f = &embed_files[i];
        if (strncmp(f->name, MIGRATION_DIR, plen) != 0)
            continue;
        int num = atoi(f->name + plen);
        if (num > newest)
            newest = num;
        if (num <= have)
            continue;
        char *msg = NULL;
        char setv[64];
        snprintf(setv, sizeof setv, "PRAGMA user_version = %d; COMMIT;", num);
        if (sqlite3_exec(db, "BEGIN", NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, (const char *)f->data, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, setv, NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(err, errlen, "migration %s failed: %s", f->name, msg ? msg : "?");
            sqlite3_free(msg);
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    if (have > newest) {
        snprintf(err, errlen, "database schema %d is newer than this binary's %d", have, newest);
        return -1;
    }
    return 0;
}
