/*
 * migrate_cli.c — `laurel migrate-db` (migrate_cli.h): the arguments, the
 * data folder's lock (no server may write while it is copied), a line per
 * table copied, and what is left to the operator: the uploaded files and
 * the signing key are files of the data folder, not rows.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "store/migrate_db.h"
#include "store/store.h"
#include "web/migrate_cli.h"

static void progress(void *arg, const char *table, int64_t rows)
{
    (void)arg;
    printf("migrate-db: %-24s %10" PRId64 " rows\n", table, rows);
    fflush(stdout);
}

int migrate_db_main(int argc, char **argv)
{
    const char *from = NULL, *to = getenv("LAUREL_DB");
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
            from = argv[++i];
        else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
            to = argv[++i];
        else {
            from = NULL;
            break;
        }
    }
    if (!from || !to) {
        fputs("usage: laurel migrate-db --from DATA_DIR --to postgresql://USER@HOST/DB\n"
              "  (--to may be given as LAUREL_DB instead)\n",
              stderr);
        return 2;
    }
    char err[1024];
    if (store_lock(from, err, sizeof err) < 0) {
        fprintf(stderr, "laurel: %s\n", err);
        return 1;
    }
    double t0 = clock_ms();
    struct migrate_report r;
    if (store_migrate_db(from, to, progress, NULL, &r, err, sizeof err) != 0) {
        fprintf(stderr, "laurel: migrate-db: %s\n", err);
        return 1;
    }
    printf("migrate-db: %d tables, %" PRId64 " rows copied and counted in %.1f s; %d derived "
           "tables left for the store to rebuild\n",
           r.tables, r.rows, (clock_ms() - t0) / 1e3, r.derived);
    printf("migrate-db: copy %s/files (the uploads) to the nodes' shared upload folder, and "
           "signing.key and signing.pub beside it\n",
           from);
    return 0;
}
