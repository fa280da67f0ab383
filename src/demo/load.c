/*
 * demo_sink.c — loading the demo campaign into an empty SQLite database.
 *
 * store_load_demo() runs the generator (domain/demo.c) with a sink whose
 * callbacks insert each record through prepared statements, all inside one
 * job of the writer thread: one transaction, so a failure leaves the
 * database as it was.  It is a bulk load into a fresh database: the
 * secondary indexes of the tables it fills are dropped first and created
 * again at the end (one sort each instead of a B-tree insert per row), the
 * search indexes are built at the end in bulk (FTS5 indexes a sorted bulk
 * insert several times faster than rows interleaved with other tables'
 * inserts), and while it runs the writer's connection keeps the whole
 * transaction in memory and skips the fsyncs (nothing is acknowledged
 * before the load is complete; a crash leaves a folder to remove).  The last
 * step puts back synchronous=FULL and the usual cache and analyses the
 * database, so the planner has statistics from the first request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "domain/auth.h"
#include "store/accounts.h"
#include "demo/load_edition.h"
#include "store/sqlite_int.h"

enum ins_id {
    I_CAMPAIGN,
    I_STAGE,
    I_TIER,
    I_TRACK,
    I_REGION,
    I_UNIT,
    I_CASE,
    I_SECTION,
    I_TAG,
    I_CASE_TAG,
    I_ARTICLE,
    I_ARTICLE_TAG,
    I__MAX
};

static const char *const ins_sql[I__MAX] = {
    [I_CAMPAIGN] = "INSERT INTO campaign (slug, name, theme, organisers, call_md, opens_at, "
                   "closes_at, published_at, status) VALUES (?,?,?,?,?,?,?,?,'published')",
    [I_STAGE] = "INSERT INTO stage (campaign_id, seq, name, kind, starts_at, ends_at, summary) "
                "VALUES (?,?,?,?,?,?,?)",
    [I_TIER] = "INSERT INTO tier (campaign_id, slug, name, quota, rank) VALUES (?,?,?,?,?)",
    [I_TRACK] = "INSERT INTO track (campaign_id, slug, name) VALUES (?,?,?)",
    [I_REGION] = "INSERT OR IGNORE INTO region (code, name, source) VALUES (?,?,?)",
    [I_UNIT] = "INSERT INTO unit (id, parent_id, region_code, name, level) VALUES (?,?,?,?,?)",
    [I_CASE] = "INSERT INTO \"case\" (id, campaign_id, unit_id, region_code, track_id, tier_id, "
               "title, summary, status, submitted_at, published_at, views) "
               "VALUES (?,?,?,?,?,?,?,?,'published',?,?,?)",
    [I_SECTION] = "INSERT INTO case_section (case_id, seq, body_md) VALUES (?,?,?)",
    [I_TAG] = "INSERT INTO tag (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = name "
              "RETURNING id",
    [I_CASE_TAG] = "INSERT OR IGNORE INTO case_tag (case_id, tag_id) VALUES (?,?)",
    [I_ARTICLE] = "INSERT INTO article (id, campaign_id, title, source, author, published_at, "
                  "body_md, views) VALUES (?,?,?,?,?,?,?,?)",
    [I_ARTICLE_TAG] = "INSERT OR IGNORE INTO article_tag (article_id, tag_id) VALUES (?,?)",
};

struct loader {
    sqlite3 *db;
    sqlite3_stmt *stmt[I__MAX];
    int64_t campaign_id;
    json_t *tiers, *tracks; /* slug -> row id */
    char err[256];
};

static void bt(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

/* Step an insert; returns 0 or -1 with the message kept. */
static int done(struct loader *l, enum ins_id id)
{
    sqlite3_stmt *s = l->stmt[id];
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        snprintf(l->err, sizeof l->err, "insert %d: %s", (int)id, sqlite3_errmsg(l->db));
        return -1;
    }
    return 0;
}

static int on_campaign(void *ctx, const struct demo_campaign *c)
{
    struct loader *l = ctx;
    sqlite3_stmt *s = l->stmt[I_CAMPAIGN];
    bt(s, 1, c->slug), bt(s, 2, c->name), bt(s, 3, c->theme), bt(s, 4, c->organisers);
    bt(s, 5, c->call_md), bt(s, 6, c->opens_at), bt(s, 7, c->closes_at);
    bt(s, 8, c->published_at);
    if (done(l, I_CAMPAIGN))
        return -1;
    l->campaign_id = sqlite3_last_insert_rowid(l->db);
    return 0;
}

static int on_stage(void *ctx, const struct demo_stage *g)
{
    struct loader *l = ctx;
    sqlite3_stmt *s = l->stmt[I_STAGE];
    sqlite3_bind_int64(s, 1, l->campaign_id);
    sqlite3_bind_int(s, 2, g->seq);
    bt(s, 3, g->name), bt(s, 4, g->kind), bt(s, 5, g->starts_at), bt(s, 6, g->ends_at);
    bt(s, 7, g->summary);
    return done(l, I_STAGE);
}

static int on_tier(void *ctx, const struct demo_tier *t)
{
    struct loader *l = ctx;
    sqlite3_stmt *s = l->stmt[I_TIER];
    sqlite3_bind_int64(s, 1, l->campaign_id);
    bt(s, 2, t->slug), bt(s, 3, t->name);
    sqlite3_bind_int(s, 4, t->quota);
    sqlite3_bind_int(s, 5, t->rank);
    if (done(l, I_TIER))
        return -1;
    json_object_set_new(l->tiers, t->slug, json_integer(sqlite3_last_insert_rowid(l->db)));
    return 0;
}

static int on_track(void *ctx, const struct demo_track *t)
{
    struct loader *l = ctx;
    sqlite3_stmt *s = l->stmt[I_TRACK];
    sqlite3_bind_int64(s, 1, l->campaign_id);
    bt(s, 2, t->slug), bt(s, 3, t->name);
    if (done(l, I_TRACK))
        return -1;
    json_object_set_new(l->tracks, t->slug, json_integer(sqlite3_last_insert_rowid(l->db)));
    return 0;
}

static int on_region(void *ctx, const struct demo_region *r)
{
    struct loader *l = ctx;
    sqlite3_stmt *s = l->stmt[I_REGION];
    bt(s, 1, r->code), bt(s, 2, r->name), bt(s, 3, r->source);
    return done(l, I_REGION);
}

static int on_unit(void *ctx, const struct demo_unit *u)
{
    struct loader *l = ctx;
    sqlite3_stmt *s = l->stmt[I_UNIT];
    sqlite3_bind_int(s, 1, u->id);
    if (u->parent_id)
        sqlite3_bind_int(s, 2, u->parent_id);
    bt(s, 3, u->region_code), bt(s, 4, u->name);
    sqlite3_bind_int(s, 5, u->level);
    return done(l, I_UNIT);
}

/* The tag's id, created on first use; -1 on error. */
static int64_t tag_id(struct loader *l, const char *name)
{
    sqlite3_stmt *s = l->stmt[I_TAG];
    bt(s, 1, name);
    int64_t id = -1;
    if (sqlite3_step(s) == SQLITE_ROW)
        id = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return id;
}

static int on_case(void *ctx, const struct demo_case *c)
{
    struct loader *l = ctx;
    sqlite3_stmt *s = l->stmt[I_CASE];
    sqlite3_bind_int(s, 1, c->id);
    sqlite3_bind_int64(s, 2, l->campaign_id);
    sqlite3_bind_int(s, 3, c->unit_id);
    bt(s, 4, c->region_code);
    sqlite3_bind_int64(s, 5, json_integer_value(json_object_get(l->tracks, c->track_slug)));
    if (c->tier_slug)
        sqlite3_bind_int64(s, 6, json_integer_value(json_object_get(l->tiers, c->tier_slug)));
    bt(s, 7, c->title), bt(s, 8, c->summary), bt(s, 9, c->submitted_at);
    bt(s, 10, c->published_at);
    sqlite3_bind_int(s, 11, c->views);
    if (done(l, I_CASE))
        return -1;

    for (int i = 0; i < DEMO_SECTIONS; i++) {
        s = l->stmt[I_SECTION];
        sqlite3_bind_int(s, 1, c->id);
        sqlite3_bind_int(s, 2, i + 1);
        bt(s, 3, c->sections[i]);
        if (done(l, I_SECTION))
            return -1;
    }
    for (int i = 0; i < c->ntags; i++) {
        int64_t tid = tag_id(l, c->tags[i]);
        if (tid < 0)
            return -1;
        s = l->stmt[I_CASE_TAG];
        sqlite3_bind_int(s, 1, c->id);
        sqlite3_bind_int64(s, 2, tid);
        if (done(l, I_CASE_TAG))
            return -1;
    }
    return 0;
}

static int on_article(void *ctx, const struct demo_article *a)
{
    struct loader *l = ctx;
    sqlite3_stmt *s = l->stmt[I_ARTICLE];
    sqlite3_bind_int(s, 1, a->id);
    sqlite3_bind_int64(s, 2, l->campaign_id);
    bt(s, 3, a->title), bt(s, 4, a->source), bt(s, 5, a->author), bt(s, 6, a->published_at);
    bt(s, 7, a->body_md);
    sqlite3_bind_int(s, 8, a->views);
    if (done(l, I_ARTICLE))
        return -1;
    for (int i = 0; i < a->ntags; i++) {
        int64_t tid = tag_id(l, a->tags[i]);
        if (tid < 0)
            return -1;
        s = l->stmt[I_ARTICLE_TAG];
        sqlite3_bind_int(s, 1, a->id);
        sqlite3_bind_int64(s, 2, tid);
        if (done(l, I_ARTICLE_TAG))
            return -1;
    }
    return 0;
}

/*
 * The edition under way beside the finished one: the same tracks, tiers and
 * stage names, a submission window around today (so the demo can be used
 * as it stands), regional quotas, and one account for each role.
 */
static const char *const edition_sql[] = {
    "INSERT INTO campaign (slug, name, theme, organisers, call_md, opens_at, closes_at, status) "
    "SELECT 'current', '全国城市基层党建创新案例征集（新一届）', theme, organisers, call_md, "
    "date('now', '+8 hours', '-30 days'), date('now', '+8 hours', '+60 days'), 'open' "
    "FROM campaign WHERE id = ?1",
    "INSERT INTO track (campaign_id, slug, name) "
    "SELECT ?2, slug, name FROM track WHERE campaign_id = ?1 ORDER BY id",
    "INSERT INTO tier (campaign_id, slug, name, quota, rank) "
    "SELECT ?2, slug, name, quota, rank FROM tier WHERE campaign_id = ?1",
    "INSERT INTO stage (campaign_id, seq, name, kind, starts_at, ends_at, summary) "
    "SELECT ?2, seq, name, kind, date('now', '+8 hours', (30 * seq + 40) || ' days'), "
    "date('now', '+8 hours', (30 * seq + 65) || ' days'), summary "
    "FROM stage WHERE campaign_id = ?1",
    "INSERT INTO region_quota (campaign_id, region_code, quota) "
    "SELECT ?2, code, CASE code WHEN '310000' THEN 8 ELSE 5 END FROM region",
};

/* One account per role; they share the demo password, printed by `make run`. */
static const struct {
    const char *email, *name, *role, *region, *unit;
} demo_people[] = {
    {"organiser@demo.laurel", "组织方管理员", "organiser", NULL, NULL},
    {"shanghai@demo.laurel", "上海市推荐单位", "recommender", "310000", NULL},
    {"zhoujiadu@demo.laurel", "周家渡街道申报人", "submitter", NULL,
     "上海市浦东新区周家渡街道"},
    {"expert@demo.laurel", "评审专家", "reviewer", NULL, NULL},
};

struct edition {
    int64_t finished_id;
    char hash[AUTH_HASH_BYTES];
};

static int edition_job(struct store_tx *tx, void *arg)
{
    struct edition *e = arg;
    sqlite3_stmt *s;
    int64_t id = 0;
    for (size_t i = 0; i < sizeof edition_sql / sizeof edition_sql[0]; i++) {
        if (!(s = tx_prepare(tx, edition_sql[i])))
            return RC_ERROR;
        sqlite3_bind_int64(s, 1, e->finished_id);
        if (sqlite3_bind_parameter_count(s) >= 2)
            sqlite3_bind_int64(s, 2, id);
        if (tx_exec(tx, s) != RC_OK)
            return RC_ERROR;
        if (i == 0)
            id = sqlite3_last_insert_rowid(tx->db);
    }
    static const char unit_sql[] = "SELECT id FROM unit WHERE name = ?1";
    for (size_t i = 0; i < sizeof demo_people / sizeof demo_people[0]; i++) {
        int64_t uid, unit = 0;
        if (demo_people[i].unit) {
            if (!(s = tx_prepare(tx, unit_sql)))
                return RC_ERROR;
            sqlite3_bind_text(s, 1, demo_people[i].unit, -1, SQLITE_STATIC);
            if (sqlite3_step(s) == SQLITE_ROW)
                unit = sqlite3_column_int64(s, 0);
            sqlite3_reset(s);
            if (!unit)
                return RC_ERROR;
        }
        if (tx_user_add(tx, demo_people[i].email, demo_people[i].name, e->hash, &uid) !=
                RC_OK ||
            tx_user_role(tx, uid, store_role_parse(demo_people[i].role), demo_people[i].region,
                         unit) != RC_OK)
            return RC_ERROR;
    }
    return RC_OK;
}

struct demo_job {
    uint64_t seed;
    int ncases;
    struct loader *l;
    int gen_rc;
};

/* The tables the generator fills, whose secondary indexes wait for the end. */
static const char bulk_indexes_sql[] =
    "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL "
    "AND tbl_name IN ('case', 'case_section', 'case_tag', 'unit', 'tag', 'article', "
    "'article_tag') ORDER BY name";

/* The CREATE INDEX statements of the bulk tables, joined by ";", into *out (malloc'd). */
static int drop_bulk_indexes(struct loader *l, char **out)
{
    sqlite3_stmt *s;
    struct buf create = BUF_INIT, drop = BUF_INIT;
    buf_init(&create, 1 << 20);
    buf_init(&drop, 1 << 20);
    if (sqlite3_prepare_v2(l->db, bulk_indexes_sql, -1, &s, NULL) != SQLITE_OK)
        goto fail;
    while (sqlite3_step(s) == SQLITE_ROW) {
        buf_printf(&drop, "DROP INDEX \"%s\";", (const char *)sqlite3_column_text(s, 0));
        buf_printf(&create, "%s;", (const char *)sqlite3_column_text(s, 1));
    }
    sqlite3_finalize(s);
    if (create.oom || drop.oom ||
        (drop.len && sqlite3_exec(l->db, drop.p, NULL, NULL, NULL) != SQLITE_OK))
        goto fail;
    buf_release(&drop);
    buf_putc(&create, 0);
    *out = create.oom ? NULL : buf_detach(&create, NULL);
    buf_release(&create);
    return *out ? 0 : -1;
fail:
    snprintf(l->err, sizeof l->err, "indexes: %s", sqlite3_errmsg(l->db));
    buf_release(&create);
    buf_release(&drop);
    return -1;
}

static int load_job(sqlite3 *db, void *arg)
{
    struct demo_job *j = arg;
    struct loader *l = j->l;
    l->db = db;
    for (int i = 0; i < I__MAX; i++) {
        if (sqlite3_prepare_v2(db, ins_sql[i], -1, &l->stmt[i], NULL) != SQLITE_OK) {
            snprintf(l->err, sizeof l->err, "prepare %d: %s", i, sqlite3_errmsg(db));
            return -1;
        }
    }
    /* A fresh database with no journal (bulk_mode): a large cache, pages written once. */
    char *create = NULL;
    if (sqlite3_exec(db, "PRAGMA cache_size=-524288;", NULL, NULL, NULL) != SQLITE_OK ||
        drop_bulk_indexes(l, &create) != 0)
        return -1;
    const struct demo_sink sink = {l,        on_campaign, on_stage, on_tier,   on_track,
                                   on_region, on_unit,    on_case,  on_article};
    j->gen_rc = demo_generate(j->seed, j->ncases, &sink);
    int rc = j->gen_rc == 0 && sqlite3_exec(db, create, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
    free(create);
    if (rc != 0) {
        if (j->gen_rc == 0)
            snprintf(l->err, sizeof l->err, "indexes: %s", sqlite3_errmsg(db));
        return -1;
    }
    if (store_index_cases(db) != 0) {
        snprintf(l->err, sizeof l->err, "search index: %s", sqlite3_errmsg(db));
        return -1;
    }
    if (db_public_refresh(db, l->campaign_id) != 0) {
        snprintf(l->err, sizeof l->err, "public read tables: %s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

/*
 * Outside any transaction (writer_run_bare): no rollback journal and no fsync
 * while the demo fills the fresh database (arg non-NULL), then back to
 * store_open's WAL, synchronous=FULL and cache.  Nothing else has the
 * database open meanwhile: `laurel demo` refuses a folder that holds one.
 */
static int bulk_mode(sqlite3 *db, void *arg)
{
    const char *sql = arg ? "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                          : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                            "PRAGMA cache_size=-2048;";
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    sqlite3_stmt *s;
    int ok = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        ok = strcmp((const char *)sqlite3_column_text(s, 0), arg ? "off" : "wal") == 0;
    sqlite3_finalize(s);
    return ok ? 0 : -1;
}

/*
 * The last step: statistics for the planner.  analysis_limit bounds
 * ANALYZE's work per index (as PRAGMA optimize does), so it takes about the
 * same time at any size.
 */
static int finish_job(sqlite3 *db, void *arg)
{
    (void)arg;
    return sqlite3_exec(db, "PRAGMA analysis_limit=1000; ANALYZE;", NULL, NULL, NULL) ==
                   SQLITE_OK
               ? 0
               : -1;
}

int store_load_demo(struct store *st, uint64_t seed, int ncases, char *err, size_t errlen)
{
    struct loader l = {0};
    l.tiers = json_object();
    l.tracks = json_object();
    struct demo_job job = {seed, ncases, &l, 0};
    int rc = writer_run_bare(st->writer, bulk_mode, "on");
    if (rc == 0)
        rc = writer_run_sync(st->writer, load_job, &job);
    else
        snprintf(l.err, sizeof l.err, "cannot turn the journal off for the bulk load");
    for (int i = 0; i < I__MAX; i++)
        sqlite3_finalize(l.stmt[i]);
    if (rc != 0) {
        if (job.gen_rc == -2)
            snprintf(err, errlen, "--cases must be between 200 and %d", DEMO_MAX_CASES);
        else
            snprintf(err, errlen, "demo load failed: %s", l.err[0] ? l.err : "write error");
    } else {
        struct edition e = {l.campaign_id, ""};
        if (auth_init() != 0 || auth_hash_password(DEMO_PASSWORD, e.hash) != 0 ||
            store_write_sync(st, edition_job, &e) != RC_OK) {
            snprintf(err, errlen, "demo: cannot create the edition under way and its accounts");
            rc = -1;
        } else if (store_load_demo_review(st, seed, ncases, e.hash, err, errlen) != 0) {
            rc = -1; /* the later edition, in review: err set */
        } else if (writer_run_bare(st->writer, bulk_mode, NULL) != 0 ||
                   writer_run_sync(st->writer, finish_job, NULL) != 0) {
            snprintf(err, errlen, "demo: cannot analyse the database");
            rc = -1;
        } else if ((rc = store_reload(st)) != 0) {
            snprintf(err, errlen, "cannot reload counters");
        }
    }
    json_decref(l.tiers);
    json_decref(l.tracks);
    return rc;
}
