/*
 * nodes.h — the page caches of several nodes on one PostgreSQL database
 * kept honest (nodes.c).  The seal and its sequel run on the writer
 * thread; all three do nothing on SQLite.
 */
#ifndef LAUREL_NODES_H
#define LAUREL_NODES_H

#include "store/db.h"
#include "store/store.h"

/* Last in a batch: number it, and read what it and other nodes' batches changed. 0 or -1. */
int nodes_seal(struct store *st, struct db_conn *c);
/* After the batch's commit (committed 1) or rollback: bump the generations read. */
void nodes_sealed(struct store *st, int committed);
/* The seal's memory, at close. */
void nodes_free(struct store *st);

#endif
