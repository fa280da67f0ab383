/*
 * nodes.h — the page caches of several nodes on one PostgreSQL database
 * kept honest (nodes.c).  Both run on the writer thread, inside a batch;
 * both do nothing on SQLite.
 */
#ifndef LAUREL_NODES_H
#define LAUREL_NODES_H

#include "store/db.h"
#include "store/store.h"

/* Number this batch (last in it): 0, or -1 (the batch rolls back). */
int nodes_mark(struct store *st, struct db_conn *c);
/* Once a second: another node's batch since our last drops every page we keep. */
void nodes_catch_up(struct store *st, struct db_conn *c);

#endif
