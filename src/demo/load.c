/*
 * load.c — demo_load (demo.h): the demo into an empty database.
 *
 * The finished campaign goes in through the store's bulk-load session
 * (store/bulk.h): the generator (generate.c) runs on a thread of its own
 * (generate_aside.c) while the session's one writer job takes its records:
 * the sink's callbacks append each record as rows
 * (store_bulk_row, typed values, the statements below; each section with
 * the HTML the store renders from its Markdown, STORE_HTML_OF_MD); the edition under
 * way and the four demo accounts follow in the same transaction.  No case
 * gets a tier here: each case's hidden merit is kept aside for the run of
 * the pipeline below.  The session drops the secondary indexes of the
 * tables the generator fills and builds them and the search indexes at the
 * end.  Then the 2020 edition in review (load_edition.c) is written as one
 * ordinary store write, its votes cast (votes.c), and the 2019 campaign
 * finished through the pipeline (finish2019.c: reviews, ranking, the
 * jury's ballot, tiers, 公示 and its close, which writes the tiers); a
 * reload builds the 2019 campaign's public read tables from that.  Then,
 * still without journal (demo_load_pages), the caller's renderer renders
 * the results page and every published case's pages, as publication does
 * in a real campaign (a load test's filler is measured on the pages real
 * visitors would read): the case pages on two threads of their own, copied
 * in by the writer (store/bulk_pages.c), the results page by the writer.  Then the session ends: the two search
 * indexes built on the second core copied in, WAL and synchronous=FULL
 * again, statistics for the planner.  Nothing is durable before the end;
 * on failure `laurel demo` removes the database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo/demo.h"
#include "demo/finish2019.h"
#include "demo/generate.h"
#include "demo/load_edition.h"
#include "demo/votes.h"
#include "domain/auth.h"
#include "store/accounts.h"
#include "store/bulk.h"

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
    [I_SECTION] = "INSERT INTO case_section (case_id, seq, body_md, body_html) VALUES (?,?,?,?)",
    [I_TAG] = "INSERT INTO tag (name) VALUES (?) ON CONFLICT (name) DO UPDATE SET name = name "
              "RETURNING id",
    [I_CASE_TAG] = "INSERT OR IGNORE INTO case_tag (case_id, tag_id) VALUES (?,?)",
    [I_ARTICLE] = "INSERT INTO article (id, campaign_id, title, source, author, published_at, "
                  "body_md, views) VALUES (?,?,?,?,?,?,?,?)",
    [I_ARTICLE_TAG] = "INSERT OR IGNORE INTO article_tag (article_id, tag_id) VALUES (?,?)",
};

/* The tables the generator fills, whose secondary indexes wait for the end of the load. */
static const char *const bulk_tables[] = {
    "case", "case_section", "case_tag", "unit", "tag", "article", "article_tag", NULL,
};

struct loader {
    struct store_bulk *b;
    int64_t campaign_id;
    json_t *tiers, *tracks; /* slug -> row id */
    json_t *tags;           /* name -> row id */
    unsigned char *merit;   /* per case id: FINISH_MERIT_* (finish2019.h) */
};

#define NVALS(v) ((int)(sizeof(v) / sizeof((v)[0])))

static int on_campaign(void *ctx, const struct demo_campaign *c)
{
    struct loader *l = ctx;
    const struct store_val v[] = {
        STORE_TEXT(c->slug),       STORE_TEXT(c->name),         STORE_TEXT(c->theme),
        STORE_TEXT(c->organisers), STORE_TEXT(c->call_md),      STORE_TEXT(c->opens_at),
        STORE_TEXT(c->closes_at),  STORE_TEXT(c->published_at),
    };
    return store_bulk_row(l->b, ins_sql[I_CAMPAIGN], v, NVALS(v), &l->campaign_id);
}

static int on_stage(void *ctx, const struct demo_stage *g)
{
    struct loader *l = ctx;
    const struct store_val v[] = {
        STORE_INT(l->campaign_id), STORE_INT(g->seq),        STORE_TEXT(g->name),
        STORE_TEXT(g->kind),       STORE_TEXT(g->starts_at), STORE_TEXT(g->ends_at),
        STORE_TEXT(g->summary),
    };
    return store_bulk_row(l->b, ins_sql[I_STAGE], v, NVALS(v), NULL);
}

static int on_tier(void *ctx, const struct demo_tier *t)
{
    struct loader *l = ctx;
    const struct store_val v[] = {
        STORE_INT(l->campaign_id), STORE_TEXT(t->slug), STORE_TEXT(t->name),
        STORE_INT(t->quota),       STORE_INT(t->rank),
    };
    int64_t id;
    if (store_bulk_row(l->b, ins_sql[I_TIER], v, NVALS(v), &id))
        return -1;
    json_object_set_new(l->tiers, t->slug, json_integer(id));
    return 0;
}

static int on_track(void *ctx, const struct demo_track *t)
{
    struct loader *l = ctx;
    const struct store_val v[] = {STORE_INT(l->campaign_id), STORE_TEXT(t->slug),
                                  STORE_TEXT(t->name)};
    int64_t id;
    if (store_bulk_row(l->b, ins_sql[I_TRACK], v, NVALS(v), &id))
        return -1;
    json_object_set_new(l->tracks, t->slug, json_integer(id));
    return 0;
}

static int on_region(void *ctx, const struct demo_region *r)
{
    struct loader *l = ctx;
    const struct store_val v[] = {STORE_TEXT(r->code), STORE_TEXT(r->name), STORE_TEXT(r->source)};
    return store_bulk_row(l->b, ins_sql[I_REGION], v, NVALS(v), NULL);
}

static int on_unit(void *ctx, const struct demo_unit *u)
{
    struct loader *l = ctx;
    const struct store_val v[] = {
        STORE_INT(u->id),           u->parent_id ? STORE_INT(u->parent_id) : STORE_NULL,
        STORE_TEXT(u->region_code), STORE_TEXT(u->name),
        STORE_INT(u->level),
    };
    return store_bulk_row(l->b, ins_sql[I_UNIT], v, NVALS(v), NULL);
}

/* The tag's id, created on first use (then kept in l->tags); -1 on error. */
static int64_t tag_id(struct loader *l, const char *name)
{
    json_t *known = json_object_get(l->tags, name);
    if (known)
        return json_integer_value(known);
    const struct store_val v[] = {STORE_TEXT(name)};
    int64_t id;
    if (store_bulk_row(l->b, ins_sql[I_TAG], v, 1, &id) != 0 || id <= 0)
        return -1;
    json_object_set_new(l->tags, name, json_integer(id));
    return id;
}

/* A case or an article's tag links: (owner, tag id) rows of the statement `link`. */
static int add_tags(struct loader *l, enum ins_id link, int owner, const char *const *tags,
                    int ntags)
{
    for (int i = 0; i < ntags; i++) {
        int64_t tid = tag_id(l, tags[i]);
        const struct store_val v[] = {STORE_INT(owner), STORE_INT(tid)};
        if (tid < 0 || store_bulk_row(l->b, ins_sql[link], v, NVALS(v), NULL))
            return -1;
    }
    return 0;
}

static int on_case(void *ctx, const struct demo_case *c)
{
    struct loader *l = ctx;
    json_int_t track = json_integer_value(json_object_get(l->tracks, c->track_slug));
    l->merit[c->id] = !c->merit                      ? FINISH_MERIT_NONE
                      : strcmp(c->merit, "best") == 0 ? FINISH_MERIT_BEST
                                                      : FINISH_MERIT_EXCELLENT;
    const struct store_val v[] = {
        STORE_INT(c->id),
        STORE_INT(l->campaign_id),
        STORE_INT(c->unit_id),
        STORE_TEXT(c->region_code),
        STORE_INT(track),
        STORE_NULL, /* the tier: written by the notice's close (finish2019.c) */
        STORE_TEXT(c->title),
        STORE_TEXT(c->summary),
        STORE_TEXT(c->submitted_at),
        STORE_TEXT(c->published_at),
        STORE_INT(c->views),
    };
    if (store_bulk_row(l->b, ins_sql[I_CASE], v, NVALS(v), NULL))
        return -1;
    for (int i = 0; i < DEMO_SECTIONS; i++) {
        const struct store_val sv[] = {STORE_INT(c->id), STORE_INT(i + 1),
                                       STORE_TEXT(c->sections[i]),
                                       STORE_HTML_OF_MD(c->sections[i])};
        if (store_bulk_row(l->b, ins_sql[I_SECTION], sv, NVALS(sv), NULL))
            return -1;
    }
    return add_tags(l, I_CASE_TAG, c->id, c->tags, c->ntags);
}

static int on_article(void *ctx, const struct demo_article *a)
{
    struct loader *l = ctx;
    const struct store_val v[] = {
        STORE_INT(a->id),       STORE_INT(l->campaign_id), STORE_TEXT(a->title),
        STORE_TEXT(a->source),  STORE_TEXT(a->author),     STORE_TEXT(a->published_at),
        STORE_TEXT(a->body_md), STORE_INT(a->views),
    };
    if (store_bulk_row(l->b, ins_sql[I_ARTICLE], v, NVALS(v), NULL))
        return -1;
    return add_tags(l, I_ARTICLE_TAG, a->id, a->tags, a->ntags);
}

/*
 * The edition under way beside the finished one: the same tracks, tiers and
 * stage names, a submission window around today (so the demo can be used
 * as it stands), regional quotas, and one account for each role.  ?1 is the
 * finished campaign, ?2 the new one.
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
    /* The finished call allowed one case per unit, as its cases keep; a demo of more
     * cases than units (a load test's) states the rule its cases keep instead. */
    "UPDATE campaign SET cases_per_unit = max(1, coalesce((SELECT max(n) FROM "
    "(SELECT count(*) AS n FROM \"case\" WHERE campaign_id = ?1 GROUP BY unit_id)), 1)) "
    "WHERE id = ?1 AND ?2 > 0",
};

/* One account per role; they share the demo password, printed by `make run`. */
static const struct {
    const char *email, *name, *role, *region, *unit;
} demo_people[] = {
    {"organiser@demo.laurel", "组织方管理员", "organiser", NULL, NULL},
    {"shanghai@demo.laurel", "上海市推荐单位", "recommender", "310000", NULL},
    {"zhoujiadu@demo.laurel", "周家渡街道申报人", "submitter", NULL, "上海市浦东新区周家渡街道"},
    {"expert@demo.laurel", "评审专家", "reviewer", NULL, NULL},
};

static int add_edition(struct loader *l, const char *hash)
{
    int64_t id = 0;
    for (size_t i = 0; i < sizeof edition_sql / sizeof edition_sql[0]; i++) {
        const struct store_val v[] = {STORE_INT(l->campaign_id), STORE_INT(id)};
        if (store_bulk_row(l->b, edition_sql[i], v, i == 0 ? 1 : 2, i == 0 ? &id : NULL))
            return -1;
    }
    static const char unit_sql[] = "SELECT id FROM unit WHERE name = ?1";
    struct store_tx *tx = store_bulk_tx(l->b);
    for (size_t i = 0; i < sizeof demo_people / sizeof demo_people[0]; i++) {
        int64_t uid, unit = 0;
        if (demo_people[i].unit) {
            const struct store_val v[] = {STORE_TEXT(demo_people[i].unit)};
            if (store_bulk_row(l->b, unit_sql, v, 1, &unit) || !unit)
                return -1;
        }
        if (tx_user_add(tx, demo_people[i].email, demo_people[i].name, hash, &uid) != RC_OK ||
            tx_user_role(tx, uid, store_role_parse(demo_people[i].role), demo_people[i].region,
                         unit, 0) != RC_OK)
            return -1;
    }
    return 0;
}

struct demo_job {
    uint64_t seed;
    int ncases;
    const char *hash;
    struct loader *l;
    int gen_rc;
};

/* The bulk load's fill: the finished campaign's records, then the edition under way. */
static int fill(struct store_bulk *b, void *arg)
{
    struct demo_job *j = arg;
    struct loader *l = j->l;
    l->b = b;
    const struct demo_sink sink = {l,         on_campaign, on_stage, on_tier,   on_track,
                                   on_region, on_unit,     on_case,  on_article};
    j->gen_rc = demo_generate_aside(j->seed, j->ncases, &sink);
    if (j->gen_rc != 0)
        return -1;
    return add_edition(l, j->hash);
}

int demo_load(struct store *st, uint64_t seed, int ncases, char *err, size_t errlen)
{
    return demo_load_pages(st, seed, ncases, NULL, err, errlen);
}

int demo_load_pages(struct store *st, uint64_t seed, int ncases, demo_pages_fn pages, char *err,
                    size_t errlen)
{
    if (ncases < DEMO_MIN_CASES || ncases > DEMO_MAX_CASES) {
        snprintf(err, errlen, "--cases must be between %d and %d", DEMO_MIN_CASES, DEMO_MAX_CASES);
        return -1;
    }
    char hash[AUTH_HASH_BYTES];
    if (auth_init() != 0 || auth_hash_published_password(DEMO_PASSWORD, hash) != 0) {
        snprintf(err, errlen, "demo: cannot hash the accounts' password");
        return -1;
    }
    struct loader l = {0};
    l.tiers = json_object();
    l.tracks = json_object();
    l.tags = json_object();
    l.merit = calloc((size_t)ncases + 1, 1);
    if (!l.merit) {
        snprintf(err, errlen, "demo: out of memory");
        json_decref(l.tiers);
        json_decref(l.tracks);
        json_decref(l.tags);
        return -1;
    }
    struct demo_job job = {seed, ncases, hash, &l, 0};
    char why[256];
    int rc = store_bulk_begin(st, err, errlen);
    if (rc == 0 && store_bulk_load(st, bulk_tables, fill, &job, why, sizeof why) != 0) {
        snprintf(err, errlen, "demo load failed: %s", why);
        rc = -1;
    }
    /* The later edition, in review: err set on failure. */
    if (rc == 0)
        rc = demo_load_edition(st, seed, ncases, hash, err, errlen);
    store_bulk_lap("2020 edition");
    /* The exhibition's votes, through the vote path (votes.c). */
    if (rc == 0)
        rc = demo_votes(st, seed, err, errlen);
    store_bulk_lap("exhibition votes");
    /* The 2019 campaign's results, through the pipeline (finish2019.c). */
    if (rc == 0)
        rc = demo_finish2019(st, seed, l.campaign_id, l.merit, ncases, err, errlen);
    store_bulk_lap("2019 pipeline");
    if (rc == 0 && pages && (rc = pages(st)) != 0)
        snprintf(err, errlen, "cannot render the public pages");
    store_bulk_lap("public pages");
    if (rc == 0)
        rc = store_bulk_end(st, err, errlen);
    else
        store_bulk_cancel(st);
    free(l.merit);
    json_decref(l.tiers);
    json_decref(l.tracks);
    json_decref(l.tags);
    return rc;
}
