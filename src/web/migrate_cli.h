/*
 * migrate_cli.h — `laurel migrate-db --from DATA_DIR --to postgresql://...`:
 * an installation moved from SQLite to PostgreSQL (store/migrate_db.h).
 * Parses its own arguments (main.c's command table, ARGS_OWN) and answers
 * 0 (copied), 1 (refused or failed: the target as it was) or 2 (usage).
 */
#ifndef LAUREL_WEB_MIGRATE_CLI_H
#define LAUREL_WEB_MIGRATE_CLI_H

int migrate_db_main(int argc, char **argv);

#endif
