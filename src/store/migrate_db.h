/*
 * migrate_db.h — an installation's SQLite database copied whole into an
 * empty PostgreSQL database (`laurel migrate-db`, issue 15).
 */
#ifndef LAUREL_STORE_MIGRATE_DB_H
#define LAUREL_STORE_MIGRATE_DB_H

#include <stdint.h>

struct migrate_report {
    int tables;   /* tables copied */
    int64_t rows; /* rows copied, in all */
    int derived;  /* tables of the source left out: rebuilt by the store from the rest */
};

/* Called after each table is copied, with its name and rows. */
typedef void (*migrate_progress_fn)(void *arg, const char *table, int64_t rows);

/*
 * Copy data_dir/laurel.db into the PostgreSQL database at uri, which must
 * be empty (its schema is made when it has none): every table, checked by
 * its count of rows, in one transaction.  0, or -1 with the reason in err
 * and the target as it was.
 */
int store_migrate_db(const char *data_dir, const char *uri, migrate_progress_fn progress, void *arg,
                     struct migrate_report *r, char *err, size_t errlen);

#endif
