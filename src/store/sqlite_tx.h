/*
 * sqlite_tx.h — SQLite-level access inside a store write, for code above
 * the store that binds and steps statements of its own.
 *
 * SQLite backend only: what uses it is tied to SQLite, and a second
 * database driver would not run it.  A loader appends typed rows through
 * bulk.h instead; this header serves a loader written before bulk.h offered
 * that, until it moves there.  Inside a write (store_write, store.h) only.
 */
#ifndef LAUREL_SQLITE_TX_H
#define LAUREL_SQLITE_TX_H

#include <sqlite3.h>

#include "store/store.h"

/* The writer's cached statement for the constant SQL text `sql`, or NULL (logged). */
sqlite3_stmt *tx_prepare(struct store_tx *tx, const char *sql);
/* The write's connection: for sqlite3_errmsg and sqlite3_last_insert_rowid. */
sqlite3 *tx_db(struct store_tx *tx);

#endif
