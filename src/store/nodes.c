/*
 * nodes.c — what the nodes serving one PostgreSQL database know of each
 * other's writes: enough to keep their page caches honest.
 *
 * While a write runs, triggers note each public case it changes (or 0:
 * anything else, every page) in page_change (changes.c, pg/schema.sql).
 * Last in every batch, under the database's write lock, the seal takes the
 * batch's number from the sequence write_batch, stamps the batch's rows
 * with it, and reads them back together with the rows of the batches other
 * nodes sealed since this node's last one, in one statement.  After the
 * commit this node bumps the generations of just those cases (and of the
 * lists of their campaign), as SQLite's pre-update hook does for its one
 * server.  The writer runs a batch at least once a second (the view
 * counters' tick), so a page another node changed is served stale for at
 * most about a second.  Rows of a write made outside any node (a command
 * of the laurel binary) wait unstamped until the next node's seal takes
 * them as its own.  Rows older than NODES_KEEP batches are dropped; a node
 * further behind than that, or sealing its first batch, drops every page.
 * Nothing on SQLite, where one server is the only writer.
 */
#include "store/nodes.h"

#include <stdlib.h>

#include "core/log.h"
#include "store/sqlite_int.h"

#define NODES_KEEP 6000  /* batches whose rows page_change keeps */
#define NODES_PRUNE 256  /* one batch in this many drops the older rows */

/* Append one changed case to the seal's rows; -1 when memory runs out. */
static int note(struct node_seal *z, int64_t id, int64_t campaign, int neighbour)
{
    if (z->n == z->cap) {
        size_t cap = z->cap ? 2 * z->cap : 64;
        int64_t *cases = realloc(z->cases, cap * sizeof *cases);
        if (cases)
            z->cases = cases;
        int64_t *campaigns = cases ? realloc(z->campaigns, cap * sizeof *campaigns) : NULL;
        if (campaigns)
            z->campaigns = campaigns;
        char *nb = campaigns ? realloc(z->neighbour, cap) : NULL;
        if (!nb)
            return -1;
        z->neighbour = nb;
        z->cap = cap;
    }
    z->cases[z->n] = id;
    z->campaigns[z->n] = campaign;
    z->neighbour[z->n++] = (char)neighbour;
    return 0;
}

int nodes_seal(struct store *st, struct db_conn *c)
{
    /* ?1: the last batch this node knows of (0: none yet); ?2: how far back rows are kept. */
    static const char sql[] =
        "WITH n AS (SELECT nextval('write_batch') AS b), "
        "mine AS (UPDATE page_change SET batch = (SELECT b FROM n) WHERE batch IS NULL "
        "RETURNING case_id, campaign_id, neighbour), "
        "changed AS (SELECT case_id, campaign_id, neighbour FROM mine UNION ALL "
        "SELECT p.case_id, p.campaign_id, p.neighbour FROM page_change p, n WHERE ?1 > 0 AND "
        "p.batch > ?1 AND p.batch < n.b AND p.batch >= n.b - ?2) "
        "SELECT n.b, x.case_id, coalesce(x.campaign_id, c.campaign_id, -1), bool_or(x.neighbour)::int "
        "FROM n LEFT JOIN changed x ON true LEFT JOIN \"case\" c ON c.id = x.case_id "
        "GROUP BY n.b, x.case_id, 3";
    static const char prune_sql[] = "DELETE FROM page_change WHERE batch < ?1";
    struct node_seal *z = &st->seal;
    if (db_kind(c) != DB_PG)
        return 0;
    z->batch = 0;
    z->global = 0;
    z->n = 0;
    struct db_stmt *s = db_stmt(c, sql);
    if (!s)
        return -1;
    db_bind_int64(s, 1, st->batch_seen);
    db_bind_int64(s, 2, NODES_KEEP);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        z->batch = db_column_int64(s, 0);
        if (db_column_type(s, 1) == DB_NULL)
            continue; /* nothing changed */
        int64_t id = db_column_int64(s, 1);
        if (id == 0)
            z->global = 1;
        else if (!z->global && note(z, id, db_column_int64(s, 2), (int)db_column_int64(s, 3)))
            z->global = 1;
    }
    db_reset(s);
    if (rc != DB_DONE || z->batch == 0)
        return -1;
    /* The first batch since start, or rows this node may have missed: every page. */
    if (st->batch_seen == 0 || z->batch - st->batch_seen > NODES_KEEP)
        z->global = 1;
    if (z->batch % NODES_PRUNE == 0) {
        struct db_stmt *p = db_stmt(c, prune_sql);
        if (!p)
            return -1;
        db_bind_int64(p, 1, z->batch - NODES_KEEP);
        if (db_run(p) != RC_OK)
            return -1;
    }
    return 0;
}

void nodes_sealed(struct store *st, int committed)
{
    struct node_seal *z = &st->seal;
    if (!st->db_uri || !committed || z->batch == 0)
        return; /* rolled back: the next seal reads the others' rows again */
    changes_bump(st, z->cases, z->campaigns, z->neighbour, z->n, z->global);
    st->batch_seen = z->batch;
}

void nodes_free(struct store *st)
{
    free(st->seal.cases);
    free(st->seal.campaigns);
    free(st->seal.neighbour);
    st->seal = (struct node_seal){0};
}
