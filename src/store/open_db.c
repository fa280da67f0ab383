/*
 * open_db.c — the store a command names: PostgreSQL when it is given a
 * database (--db postgresql://..., or LAUREL_DB in the environment), the
 * SQLite database of the data folder otherwise.  Every command that opens
 * the store (init, user add, assign, rank, dedupe, audit verify,
 * publish-statement, verify-results, export-site) opens it here, so that
 * each runs on the database a server of the same data would serve.
 */
#include <stdlib.h>

#include "store/store.h"

const char *store_db_uri(const char *db)
{
    if (!db || !*db)
        db = getenv("LAUREL_DB");
    return db && *db ? db : NULL;
}

struct store *store_open_db(const char *dir, const char *db, int create, char *err,
                            size_t errlen)
{
    const char *uri = store_db_uri(db);
    return uri ? store_open_pg(dir, uri, err, errlen) : store_open(dir, create, err, errlen);
}
