/*
 * changes.c — what a write changed, for the page cache's generations.
 *
 * A public page is cached under the store's generation for it (store.h,
 * store_page_generation): the sum of a global counter and either the counter
 * of one case (its page) or that of the public campaign's lists.  A write
 * bumps only the counters of what it changed.  To know that without asking
 * every write function, the writer's connection has a pre-update hook that,
 * while a write runs, sorts every changed row by its table:
 *
 *   - tables no public page reads (accounts, sessions, reviews, scores,
 *     assignments, the outbox, the vote rows and their daily counters, the
 *     codes voters and objectors ask for, the voters, the fraud flags, ...):
 *     nothing (a vote reaches public pages through vote_total, below), so a
 *     public vote in full swing drops only the pages of the cases voted for;
 *   - a case and the rows hanging from one case (sections, tags, files,
 *     vote totals): that case, and the lists of its campaign if it belongs
 *     to the public campaign (a unit's draft in a call still open leaves
 *     every public page cached); a public case's own row or tags (its title,
 *     status, tags) also every case page, as each names its neighbours
 *     (previous, next and related cases);
 *   - any other table, or more cases than we keep track of: everything (the
 *     safe default, so a table added later can never leave a stale page);
 *     a new voter token is nothing (no page shows one), a changed or
 *     deleted one everything: the vote path keeps tokens it has met under
 *     the global generation (votes.c).
 *
 * The counters are bumped after the commit (changes_apply from the write's
 * done callback), and a page reads its generation before it reads the
 * database, so a page rendered from data older than a commit is always
 * stored under an older generation than the one it is looked up with next.
 * Case counters live in a fixed table of slots (a case id hashes to one):
 * two cases sharing a slot only cost a needless render.  The hook runs on
 * the writer thread only; the counters are atomics read by every server
 * thread.
 *
 * On PostgreSQL, where the client has no such hook, triggers sort the rows
 * the same way from the same two lists (changes_install_pg puts them on
 * every table, and takes them off a table that has become private since): a
 * changed case, or 0 for everything, is a row of
 * page_change, which the batch's seal stamps and reads back for this node
 * and for the others (nodes.c).
 */
/* Debian's libsqlite3 is built with it; the header declares the hook only when asked. */
#define SQLITE_ENABLE_PREUPDATE_HOOK 1

#include <stdio.h>
#include <string.h>

#include "core/fault.h"
#include "store/sqlite_int.h"

/* Tables that no public page reads. */
static const char *const private_tables[] = {
    "user",       "user_role",      "session",   "token",        "outbox",   "region_quota",
    "case_event", "recommendation", "screening", "criterion",    "reviewer", "conflict",
    "stage_case", "stage_label",    "assignment", "review",      "review_score", "audit",
    "certificate",
    "vote",       "vote_day",       "vote_net",
    /* A voter's code and its check, an objector's code, the organiser's fraud flags. */
    "vote_code",  "voter",          "objection_code", "vote_flag",  "vote_flag_vote",
    /* Pages rendered at write (prerender.c): their marks, written while the write runs. */
    "page_dirty", "page_ref",       "page_html", "page_html_version", "page_pass",
    NULL,
};

/* Tables whose rows belong to one case, by a case_id column. */
static const char *const case_tables[] = {"case_section", "case_tag", "attachment", "vote_total",
                                          NULL};

static int listed(const char *const *list, const char *name)
{
    for (; *list; list++) {
        if (strcmp(*list, name) == 0)
            return 1;
    }
    return 0;
}

static unsigned slot_of(int64_t id)
{
    uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ULL;
    return (unsigned)(h >> 40) % STORE_CASE_SLOTS;
}

/*
 * Remember case id (of campaign `campaign`, or -1 when not known yet, to be
 * looked up); `neighbour` when what changed is shown on other cases' pages.
 */
static void note_case(struct store_changes *c, int64_t id, int64_t campaign, int neighbour)
{
    /* One entry per (case, campaign): a case that changed campaign keeps both. */
    for (int i = 0; i < c->ncases; i++) {
        if (c->cases[i] != id)
            continue;
        if (campaign < 0 || c->campaigns[i] == campaign) {
            c->neighbour[i] |= (char)neighbour;
            return;
        }
        if (c->campaigns[i] < 0) {
            c->campaigns[i] = campaign;
            c->neighbour[i] |= (char)neighbour;
            return;
        }
    }
    if (c->ncases == STORE_CHANGES_MAX) {
        c->global = 1;
        return;
    }
    c->cases[c->ncases] = id;
    c->neighbour[c->ncases] = (char)neighbour;
    c->campaigns[c->ncases++] = campaign;
}

/* The integer in column col of the row before (old) or after the change; -1 if none. */
static int64_t column(sqlite3 *db, int old, int col)
{
    sqlite3_value *v = NULL;
    if (col < 0 ||
        (old ? sqlite3_preupdate_old(db, col, &v) : sqlite3_preupdate_new(db, col, &v)) !=
            SQLITE_OK ||
        !v || sqlite3_value_type(v) != SQLITE_INTEGER)
        return -1;
    return sqlite3_value_int64(v);
}

/* The index of column `name` of table `table`, or -1. */
static int column_index(sqlite3 *db, const char *table, const char *name)
{
    sqlite3_stmt *s;
    int col = -1;
    if (sqlite3_prepare_v2(db, "SELECT cid FROM pragma_table_info(?1) WHERE name = ?2", -1, &s,
                           NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        col = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return col;
}

/* The case_id column of one of case_tables, as found at start; -1 if none. */
static int case_column(const struct store *st, const char *table)
{
    for (int i = 0; case_tables[i] && i < STORE_CASE_TABLES; i++) {
        if (strcmp(case_tables[i], table) == 0)
            return st->col_case_id[i];
    }
    return -1;
}

static void on_preupdate(void *ctx, sqlite3 *db, int op, const char *zdb, const char *table,
                         sqlite3_int64 key1, sqlite3_int64 key2)
{
    struct store *st = ctx;
    struct store_changes *c = st->changes;
    if (!c || c->global)
        return;
    c->rows++;
    if (strcmp(zdb, "main") != 0 || strncmp(table, "sqlite_", 7) == 0 ||
        listed(private_tables, table))
        return;
    if (op == SQLITE_INSERT && strcmp(table, "voter_token") == 0)
        return;
    int old = op != SQLITE_INSERT, young = op != SQLITE_DELETE;
    if (strcmp(table, "case") == 0) {
        /* Its campaign before and after: a case that left the public campaign counts too. */
        if (old)
            note_case(c, key1, column(db, 1, st->col_case_campaign), 1);
        if (young)
            note_case(c, op == SQLITE_UPDATE ? key2 : key1, column(db, 0, st->col_case_campaign),
                      1);
        if (st->col_case_campaign < 0)
            c->global = 1;
        return;
    }
    if (listed(case_tables, table)) {
        int col = case_column(st, table);
        int64_t a = old ? column(db, 1, col) : -1, b = young ? column(db, 0, col) : -1;
        if ((old && a < 0) || (young && b < 0)) {
            c->global = 1;
            return;
        }
        int tags = strcmp(table, "case_tag") == 0;
        c->sections |= strcmp(table, "case_section") == 0;
        if (a >= 0)
            note_case(c, a, -1, tags);
        if (b >= 0)
            note_case(c, b, -1, tags);
        return;
    }
    c->global = 1;
}

void changes_install(struct store *st)
{
    st->col_case_campaign = column_index(st->wdb, "case", "campaign_id");
    for (int i = 0; case_tables[i] && i < STORE_CASE_TABLES; i++)
        st->col_case_id[i] = column_index(st->wdb, case_tables[i], "case_id");
    sqlite3_preupdate_hook(st->wdb, on_preupdate, st);
}

void changes_begin(struct store *st, struct store_changes *c)
{
    memset(c, 0, sizeof *c);
    if (!st->wdb)
        return;
    c->total0 = sqlite3_total_changes64(st->wdb);
    st->changes = c;
}

void changes_end(struct store *st, struct store_changes *c)
{
    if (!st->wdb) /* PostgreSQL: page_change's rows, read once a batch (nodes.c) */
        return;   /* (its sections rendered once a batch too, sqlite.c's seal_batch) */
    st->changes = NULL;
    /* A statement's direct changes that no hook saw (none expected): assume the worst. */
    if (sqlite3_total_changes64(st->wdb) - c->total0 > c->rows)
        c->global = 1;
    /* Sections written: their HTML, in this transaction (a failure leaves them to readers). */
    if (c->sections || c->global)
        section_html_fill(st->wconn, 0);
    /* The pages this write changed, in this transaction (after the sections they show). */
    prerender_flush(st);
    if (c->global)
        return;
    sqlite3_stmt *s = NULL;
    for (int i = 0; i < c->ncases; i++) {
        if (c->campaigns[i] >= 0)
            continue;
        /* From the writer's statement cache: every vote asks it for its case. */
        struct store_tx tx = {st, st->wdb};
        if (!s && !(s = tx_prepare(&tx, "SELECT campaign_id FROM \"case\" WHERE id = ?1"))) {
            c->global = 1;
            break;
        }
        sqlite3_bind_int64(s, 1, c->cases[i]);
        if (sqlite3_step(s) == SQLITE_ROW)
            c->campaigns[i] = sqlite3_column_int64(s, 0);
        else
            c->global = 1; /* gone: its campaign is not known */
        sqlite3_reset(s);
    }
}

void changes_apply(struct store *st, const struct store_changes *c)
{
    changes_bump(st, c->cases, c->campaigns, c->neighbour, (size_t)c->ncases, c->global);
}

void changes_bump(struct store *st, const int64_t *cases, const int64_t *campaigns,
                  const char *neighbour, size_t n, int global)
{
    for (size_t i = 0; i < n && !global; i++)
        global = campaigns[i] < 0;
    if (global) {
        st->generation++;
        return;
    }
    int lists = 0, neighbours = 0;
    for (size_t i = 0; i < n; i++) {
        st->case_gen[slot_of(cases[i])]++;
        lists |= campaigns[i] == st->campaign_id;
        neighbours |= campaigns[i] == st->campaign_id && neighbour[i];
    }
    if (lists)
        st->list_gen++;
    if (neighbours)
        st->neighbour_gen++;
}

int changes_install_pg(struct db_conn *c)
{
    /* Each table of the schema and whether it has the trigger already. */
    static const char tables_sql[] =
        "SELECT t.tablename, CAST(EXISTS (SELECT 1 FROM pg_trigger g WHERE "
        "g.tgrelid = format('%I.%I', t.schemaname, t.tablename)::regclass AND "
        "g.tgname = 'page_change') AS INTEGER) FROM pg_tables t WHERE "
        "t.schemaname = current_schema() AND "
        "t.tablename <> 'page_change' ORDER BY 1";
    struct db_stmt *s = db_stmt(c, tables_sql);
    char names[128][64], has[128];
    int n = 0, rc;
    while (s && n < 128 && (rc = db_step(s)) == DB_ROW) {
        db_copy_text(names[n], sizeof names[0], s, 0);
        has[n++] = db_column_int64(s, 1) != 0;
    }
    db_reset(s);
    if (!s || n == 128) /* more tables than any schema of ours: look again */
        return -1;
    for (int i = 0; i < n; i++) {
        const char *t = names[i], *how;
        if (strchr(t, '"'))
            continue;
        if (listed(private_tables, t)) {
            /* Private since the trigger was put on it: taken off. */
            char sql[128];
            snprintf(sql, sizeof sql, "DROP TRIGGER IF EXISTS page_change ON \"%.63s\"", t);
            if (has[i] && db_exec(c, sql) != 0)
                return -1;
            continue;
        }
        if (has[i])
            continue;
        if (strcmp(t, "case") == 0 || listed(case_tables, t))
            how = "INSERT OR UPDATE OR DELETE ON \"%s\" FOR EACH ROW "
                  "EXECUTE FUNCTION page_change_case()";
        else if (strcmp(t, "voter_token") == 0) /* a new token is nothing (on_preupdate) */
            how = "UPDATE OR DELETE ON \"%s\" FOR EACH STATEMENT "
                  "EXECUTE FUNCTION page_change_any()";
        else
            how = "INSERT OR UPDATE OR DELETE OR TRUNCATE ON \"%s\" FOR EACH STATEMENT "
                  "EXECUTE FUNCTION page_change_any()";
        char sql[256] = "CREATE TRIGGER page_change AFTER ";
        size_t at = strlen(sql);
        snprintf(sql + at, sizeof sql - at, how, t);
        if (db_exec(c, sql) != 0)
            return -1;
    }
    return 0;
}

int changes_quiet(struct db_conn *c, int quiet)
{
    struct db_stmt *s = db_stmt(c, "SELECT set_config('laurel.quiet', ?1, true)");
    if (!s)
        return -1;
    db_bind_text(s, 1, quiet ? "on" : "off", -1);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_ROW ? 0 : -1;
}

uint64_t store_page_generation(struct store *st, int64_t case_id)
{
    /* A storage fault met while a page was read makes what it kept stale too. */
    uint64_t g = st->generation + fault_count();
    return g + (case_id > 0 ? st->case_gen[slot_of(case_id)] + st->neighbour_gen : st->list_gen);
}
