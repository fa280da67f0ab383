/*
 * pub_views.c — two orders of the public campaign's cases kept in memory,
 * most viewed first and newest first, so that no list request walks the
 * database: a page is read by key, or by a walk in memory from a kept
 * position.
 *
 * View counts change every second, so the most-viewed order cannot be kept
 * by the writer as the newest-first one is (pub_rank).  Instead a
 * background thread of the store (started by the first list that needs it)
 * reads, in one read transaction, the published cases by id with their
 * region, tier and track (pub_rank's by-id dimension), their ids along the
 * views index and along pub_rank's newest-first dimension, and their tags
 * (pub_rank's tag dimension), and builds for each order the case at each
 * rank and, for every region, tier, track and tag, the sorted ranks of its
 * cases.  The new orders replace the old whole (readers hold a reference),
 * every PV_PERIOD_MS, or PV_LOAD times the last build's cost if that is
 * longer, so the refresher takes at most 1/PV_LOAD of a core.  The
 * most-viewed order may thus lag the live counts by that long (its rows show
 * live counts; the page says so), as on any large site.  A publication is
 * followed sooner: a request that sees the campaign's count differ from the
 * kept size wakes the refresher (at most every 2 builds' cost), and a case
 * no longer published is dropped from its page by the summary query.
 * Newest first with no filter or one is read from pub_rank, exact, and
 * never from here.
 *
 * A page of no filter or one filter is a slice of one rank list.  A page of
 * several filters walks the ranks their lists hold in common, leapfrogging
 * (each list's cursor gallops to the highest rank another stands at), so
 * it costs about the matches it passes, not the length of the lists; the
 * position in the shortest list of every PV_STEP-th match is kept per
 * order and combination (PV_MEMO of them, least recently used replaced,
 * dropped with the orders), taken only as deep as pages were asked, so a
 * deeper page walks on, in memory, from the last kept position.  For two
 * filters whose lists are both long (PV_PAIR_MIN ranks), where such a walk
 * could pass hundreds of thousands of matches, the build keeps those
 * positions itself, for every pair of values of two dimensions (about 3
 * bytes per case), so that any page of two filters starts at most PV_STEP
 * matches before its first row; three or four filters match far fewer
 * cases (in the demo at most 1.4 % of the campaign) and are walked as
 * above.  The build sorts nothing but the few filter values: a case's slot
 * comes from a map of the ids, and each order's ranks are dealt, ascending,
 * into lists laid out by their counts, the pairs' positions on the way.
 * Memory: about 85 bytes per published case.
 *
 * Written over the driver (db.h): the build runs on SQLite and on
 * PostgreSQL, on the calling thread's connection (store_db), in one
 * snapshot (a deferred BEGIN on SQLite, REPEATABLE READ on PostgreSQL), its
 * reads on PostgreSQL by pages of PV_PAGE rows, each from where the last
 * one ended.  On a store whose threads read on connections of their own
 * the refresher is a thread; on a store over one connection (store_over),
 * used by one thread at a time, the request that finds a build due runs it.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "store/pub_views.h"
#include "store/store_int.h"

/* A combination of filters keeps the walked list's position of every PV_STEP-th match. */
#define PV_STEP 20
#define PV_MEMO 256
/* Two filters whose lists both have PV_PAIR_MIN ranks or more have their walk kept by the
 * build (in at most PV_PAIR_MAX lists, so PV_PAIR_MAX squared cells). */
#define PV_PAIR_MIN 256
#define PV_PAIR_MAX 1024
/* The first build of a process: how long a request waits for it at most. */
#define PV_FIRST_WAIT_MS 60000.0
/* Woken by a request: not sooner than 1 s, nor 2 builds' cost, after the last build. */
#define PV_WAKE_MS 1000.0
/* Rebuilds run this much nicer than the process (SCHED_BATCH too); the first, waited for, does not.
 */
#define PV_NICE 15
/* PostgreSQL's reads go by pages of this many rows (its driver holds a run's rows). */
#define PV_PAGE 8192

/*
 * The build's reads, in one snapshot of the refresher's connection: the
 * cases by id with their filters, their ids most viewed first and newest
 * first, and their tags.  SQLite steps through a run's rows as it reads
 * them: its reads run whole (a range of one index each).  PostgreSQL's
 * read the same rows by pages, each after the last row of the one before,
 * by the key its columns end with.
 */
enum { Q_ATTRS, Q_VIEWS, Q_NEWEST, Q_TAGS, Q__MAX };
#define PV_ATTRS_SQL(pos)                                                                          \
    "SELECT case_id, region, coalesce(tier_id, 0), track_id" pos " FROM pub_rank "                 \
    "WHERE campaign_id = ?1 AND dim = 5 AND key = 0 "
#define PV_VIEWS_SQL(key) "SELECT id" key " FROM \"case\" "
#define PV_VIEWS_WHERE "WHERE campaign_id = ?1 AND published_at IS NOT NULL "
#define PV_VIEWS_ORDER "ORDER BY views DESC, published_at DESC, id DESC"
#define PV_NEWEST_SQL(pos)                                                                         \
    "SELECT case_id" pos " FROM pub_rank WHERE campaign_id = ?1 AND dim = 0 AND key = 0 "
#define PV_TAGS_SQL(pos)                                                                           \
    "SELECT case_id, key" pos " FROM pub_rank WHERE campaign_id = ?1 AND dim = 4 "
static const char *const pv_sql[DB_KIND__MAX][Q__MAX] = {
    [DB_SQLITE] =
        {
            PV_ATTRS_SQL("") "ORDER BY pos",
            /* Held to the views index (PostgreSQL has no INDEXED BY). */
            PV_VIEWS_SQL("") "INDEXED BY case_pub_views " PV_VIEWS_WHERE PV_VIEWS_ORDER,
            PV_NEWEST_SQL("") "ORDER BY pos",
            PV_TAGS_SQL("") "ORDER BY key, pos",
        },
    [DB_PG] =
        {
            PV_ATTRS_SQL(", pos") "AND pos > ?2 ORDER BY pos LIMIT ?3",
            PV_VIEWS_SQL(", views, published_at") PV_VIEWS_WHERE
            "AND (views, published_at, id) < (?2, ?3, ?4) " PV_VIEWS_ORDER " LIMIT ?5",
            PV_NEWEST_SQL(", pos") "AND pos > ?2 ORDER BY pos LIMIT ?3",
            PV_TAGS_SQL(", pos") "AND (key, pos) > (?2, ?3) ORDER BY key, pos LIMIT ?4",
        },
};

/* One snapshot for the whole build: SQLite's deferred BEGIN takes no lock from the writer. */
static const char *const pv_begin_sql[DB_KIND__MAX] = {
    [DB_SQLITE] = "BEGIN",
    [DB_PG] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
};

const char *pub_views_sql(int i)
{
    return i >= 0 && i < Q__MAX ? pv_sql[DB_SQLITE][i] : NULL;
}

/* One rank list: the ranks of the cases of one filter value, ascending. */
struct pv_list {
    uint64_t key; /* dimension (1 region .. 4 tag) << 40 | value */
    uint32_t off, len;
};

/* How far a combination of several filters has been walked in one order. */
struct pv_memo {
    int order, mask;
    int64_t key[4];
    double used_ms;
    uint32_t *at; /* at[j]: position in the walked list of match j * PV_STEP */
    size_t nat, cap;
};

/* One order of the cases: slot of each rank, and the rank lists of every filter value. */
struct pv_rank {
    uint32_t *slot; /* slot[rank] */
    struct pv_list *lists;
    size_t nlists;
    uint32_t *ranks;
    /* Two filters' kept walk: the position in the shorter list of every PV_STEP-th
     * match, at pair_pos[pair_off[cell] ...] (see struct pv_order). */
    uint32_t *pair_pos;
};

struct pv_order {
    int64_t campaign_id;
    uint32_t n;
    /* The published cases by id (slots): id ascending, and their filters (tier 0: none). */
    int64_t *id;
    int32_t *region, *tier, *track;
    struct pv_rank order[PV__ORDERS];
    /* The lists of at least PV_PAIR_MIN ranks (at most PV_PAIR_MAX, in key order):
     * big[place of the list] is its number b, or UINT32_MAX; the pair of lists
     * b1 < b2 is cell b1 * nbig + b2, whose positions are pair_off[cell] ..
     * pair_off[cell + 1] of each order's pair_pos. */
    uint32_t *big, nbig, *pair_off;
    int refs;
    pthread_mutex_t memo_lock;
    struct pv_memo memo[PV_MEMO];
};

struct pub_views {
    struct store *st;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake, ready; /* on the monotonic clock */
    struct pv_order *cur;
    int stop, want;
    uint64_t builds;  /* attempts finished */
    double end, cost; /* the last build's end (clock_ms) and its cost, ms */
    /* A refresher thread, when the store's threads read on connections of their own;
     * else (a store over one connection) a request builds when a build is due. */
    int threaded;
};

static pthread_mutex_t pv_create_lock = PTHREAD_MUTEX_INITIALIZER;

static void order_free(struct pv_order *o)
{
    if (!o)
        return;
    for (int i = 0; i < PV_MEMO; i++)
        free(o->memo[i].at);
    pthread_mutex_destroy(&o->memo_lock);
    for (int k = 0; k < PV__ORDERS; k++) {
        free(o->order[k].slot);
        free(o->order[k].lists);
        free(o->order[k].ranks);
        free(o->order[k].pair_pos);
    }
    free(o->big);
    free(o->pair_off);
    free(o->id);
    free(o->region);
    free(o->tier);
    free(o->track);
    free(o);
}

/* A tag of a case, as the build reads it: its list key and the case's slot. */
struct pv_pair {
    uint64_t key;
    uint32_t slot;
};

static uint64_t list_key(int dim, int64_t value)
{
    return (uint64_t)dim << 40 | ((uint64_t)value & 0xffffffffffu);
}

/* Grow *p (of *cap elements of size sz) to hold at least need; 0 or -1. */
static int grow(void **p, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 1024;
    while (ncap < need)
        ncap *= 2;
    void *np = realloc(*p, ncap * sz);
    if (!np)
        return -1;
    *p = np;
    *cap = ncap;
    return 0;
}

/* A build under way: the order it fills, and the tag pairs (tag key, slot) read. */
struct pv_build {
    struct pub_views *pv;
    struct pv_order *o;
    size_t cap; /* of o's arrays by id */
    int k;      /* the order being read */
    uint32_t r; /* its ranks read */
    struct pv_pair *tags;
    size_t ntags, tcap;
    /* The slot of each id from id0 on (-1: none), when the ids are dense enough; else NULL. */
    int32_t *by_id;
    int64_t id0, span;
};

/* The slot of case id, or -1: from the map by id, else a binary search of the ids. */
static int64_t slot_of(const struct pv_build *b, int64_t id)
{
    if (b->by_id)
        return id >= b->id0 && id - b->id0 < b->span ? b->by_id[id - b->id0] : -1;
    const struct pv_order *o = b->o;
    size_t lo = 0, hi = o->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (o->id[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < o->n && o->id[lo] == id ? (int64_t)lo : -1;
}

/* The map by id of the cases read (ids ascending), if they span at most 4 ids per case. */
static void map_ids(struct pv_build *b)
{
    const struct pv_order *o = b->o;
    if (o->n == 0 || o->id[o->n - 1] - o->id[0] >= 4 * (int64_t)o->n + 4096)
        return;
    b->id0 = o->id[0];
    b->span = o->id[o->n - 1] - b->id0 + 1;
    if (!(b->by_id = malloc((size_t)b->span * sizeof *b->by_id)))
        return;
    memset(b->by_id, 0xff, (size_t)b->span * sizeof *b->by_id);
    for (uint32_t i = 0; i < o->n; i++)
        b->by_id[o->id[i] - b->id0] = (int32_t)i;
}

/* Filter keys to dense indexes, by open addressing (a few hundred keys). */
struct pv_keys {
    uint64_t *key;
    uint32_t *ix; /* UINT32_MAX: an empty cell */
    size_t cap, n;
};

static size_t key_cell(const struct pv_keys *h, uint64_t key)
{
    size_t j = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 32) & (h->cap - 1);
    while (h->ix[j] != UINT32_MAX && h->key[j] != key)
        j = (j + 1) & (h->cap - 1);
    return j;
}

/* The index of key, the next one if it is new; UINT32_MAX when out of memory. */
static uint32_t key_index(struct pv_keys *h, uint64_t key)
{
    if (2 * (h->n + 1) > h->cap) {
        struct pv_keys g = {NULL, NULL, h->cap ? 2 * h->cap : 256, h->n};
        g.key = malloc(g.cap * sizeof *g.key);
        g.ix = malloc(g.cap * sizeof *g.ix);
        if (!g.key || !g.ix) {
            free(g.key);
            free(g.ix);
            return UINT32_MAX;
        }
        memset(g.ix, 0xff, g.cap * sizeof *g.ix);
        for (size_t i = 0; i < h->cap; i++)
            if (h->ix[i] != UINT32_MAX) {
                size_t j = key_cell(&g, h->key[i]);
                g.key[j] = h->key[i];
                g.ix[j] = h->ix[i];
            }
        free(h->key);
        free(h->ix);
        *h = g;
    }
    size_t j = key_cell(h, key);
    if (h->ix[j] == UINT32_MAX) {
        h->key[j] = key;
        h->ix[j] = (uint32_t)h->n++;
    }
    return h->ix[j];
}

static int u64_cmp(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

/* The indexes of the filter values of slot into vals, in the order of their dimensions: region,
 * tier if any, track (*nd of them), then tags; their count. */
static uint32_t values_of(uint32_t slot, const uint32_t *dix, const uint32_t *tag_at,
                          const uint32_t *tix, uint32_t *vals, uint32_t *nd)
{
    uint32_t nv = 0;
    for (int d = 0; d < 3; d++)
        if (dix[3 * slot + d] != UINT32_MAX)
            vals[nv++] = dix[3 * slot + d];
    *nd = nv;
    for (uint32_t t = tag_at[slot]; t < tag_at[slot + 1]; t++)
        vals[nv++] = tix[t];
    return nv;
}

/*
 * The rank lists of both orders, with no sort of the cases: every filter
 * value gets an index and a count, the lists are laid out by key with
 * those counts, and each order's ranks are dealt in ascending order into
 * the lists of their case's values, which thus come out sorted.  0 or -1.
 */
static int make_lists(struct pv_build *b)
{
    struct pv_order *o = b->o;
    const uint32_t n = o->n, none = UINT32_MAX;
    struct pv_keys h = {NULL, NULL, 0, 0};
    /* By slot: the indexes of its region, tier (none: no tier) and track; its tags are
     * tix[tag_at[slot] .. tag_at[slot + 1]). */
    uint32_t *dix = malloc((3 * (size_t)n + 1) * sizeof *dix);
    uint32_t *tag_at = calloc((size_t)n + 2, sizeof *tag_at);
    uint32_t *tix = malloc((b->ntags + 1) * sizeof *tix);
    uint32_t *count = NULL, *off = NULL, *fill = NULL, *bigx = NULL, *vals = NULL, *vpos = NULL;
    uint32_t *cells = NULL;
    uint64_t *keys = NULL;
    int rc = -1, oom = 0;
    if (!dix || !tag_at || !tix)
        goto out;
    for (uint32_t i = 0; i < n; i++) {
        dix[3 * i] = key_index(&h, list_key(1, o->region[i]));
        dix[3 * i + 1] = o->tier[i] ? key_index(&h, list_key(2, o->tier[i])) : none;
        dix[3 * i + 2] = key_index(&h, list_key(3, o->track[i]));
        oom |=
            dix[3 * i] == none || dix[3 * i + 2] == none || (o->tier[i] && dix[3 * i + 1] == none);
    }
    for (size_t i = 0; i < b->ntags; i++)
        tag_at[b->tags[i].slot + 2]++;
    for (uint32_t i = 0; i < n; i++)
        tag_at[i + 2] += tag_at[i + 1];
    for (size_t i = 0; i < b->ntags; i++) {
        uint32_t x = key_index(&h, b->tags[i].key);
        oom |= x == none;
        tix[tag_at[b->tags[i].slot + 1]++] = x;
    }
    const size_t m = h.n;
    count = calloc(m + 1, sizeof *count);
    off = malloc((m + 1) * sizeof *off);
    fill = malloc((m + 1) * sizeof *fill);
    keys = malloc((m + 1) * sizeof *keys);
    if (oom || !count || !off || !fill || !keys)
        goto out;
    for (uint32_t i = 0; i < 3 * n; i++)
        if (dix[i] != none)
            count[dix[i]]++;
    for (size_t i = 0; i < b->ntags; i++)
        count[tix[i]]++;
    /* The keys in order; the offset of each index's list in that order. */
    for (size_t i = 0; i < h.cap; i++)
        if (h.ix[i] != none)
            keys[h.ix[i]] = h.key[i];
    qsort(keys, m, sizeof *keys, u64_cmp);
    uint32_t total = 0;
    for (size_t p = 0; p < m; p++) {
        uint32_t x = h.ix[key_cell(&h, keys[p])];
        off[x] = total;
        total += count[x];
    }
    /* The big lists, numbered in key order (so in the order of their dimensions). */
    if (!(o->big = malloc((m ? m : 1) * sizeof *o->big)) ||
        !(bigx = malloc((m + 1) * sizeof *bigx)))
        goto out;
    for (size_t p = 0; p < m; p++) {
        uint32_t x = h.ix[key_cell(&h, keys[p])];
        bigx[x] = count[x] >= PV_PAIR_MIN && o->nbig < PV_PAIR_MAX ? o->nbig++ : none;
        o->big[p] = bigx[x];
    }
    /* The size of every pair of big lists of two dimensions, then its kept positions' offset. */
    const size_t nb = o->nbig, ncell = nb * nb;
    uint32_t maxv = 3;
    for (uint32_t i = 0; i < n; i++)
        if (3 + tag_at[i + 1] - tag_at[i] > maxv)
            maxv = 3 + tag_at[i + 1] - tag_at[i];
    vals = malloc(maxv * sizeof *vals);
    vpos = malloc(maxv * sizeof *vpos);
    cells = calloc(ncell + 1, sizeof *cells);
    o->pair_off = malloc((ncell + 1) * sizeof *o->pair_off);
    if (!vals || !vpos || !cells || !o->pair_off)
        goto out;
    /* Pairs of two dimensions: i among the region, tier and track (two tags are no filter). */
    for (uint32_t slot = 0, nd; slot < n; slot++) {
        uint32_t nv = values_of(slot, dix, tag_at, tix, vals, &nd);
        for (uint32_t i = 0; i < nd; i++)
            for (uint32_t j = i + 1; j < nv && bigx[vals[i]] != none; j++)
                if (bigx[vals[j]] != none)
                    cells[bigx[vals[i]] * nb + bigx[vals[j]]]++;
    }
    uint32_t npos = 0;
    for (size_t c = 0; c < ncell; c++) {
        o->pair_off[c] = npos;
        npos += (cells[c] + PV_STEP - 1) / PV_STEP;
    }
    o->pair_off[ncell] = npos;
    for (int k = 0; k < PV__ORDERS; k++) {
        struct pv_rank *rk = &o->order[k];
        rk->lists = malloc((m ? m : 1) * sizeof *rk->lists);
        rk->ranks = malloc((total ? total : 1) * sizeof *rk->ranks);
        rk->pair_pos = malloc((npos ? npos : 1) * sizeof *rk->pair_pos);
        if (!rk->lists || !rk->ranks || !rk->pair_pos)
            goto out;
        for (size_t p = 0; p < m; p++) {
            uint32_t x = h.ix[key_cell(&h, keys[p])];
            rk->lists[p] = (struct pv_list){keys[p], off[x], count[x]};
        }
        rk->nlists = m;
        memcpy(fill, off, m * sizeof *fill);
        memset(cells, 0, ncell * sizeof *cells);
        for (uint32_t r = 0; r < n; r++) {
            uint32_t slot = rk->slot[r], nd, nv = values_of(slot, dix, tag_at, tix, vals, &nd);
            for (uint32_t i = 0; i < nv; i++) {
                vpos[i] = fill[vals[i]] - off[vals[i]];
                rk->ranks[fill[vals[i]]++] = r;
            }
            /* Every PV_STEP-th match of a pair: its position in the list a page walks, the
             * shorter (page_several's choice: the first of the shortest). */
            for (uint32_t i = 0; i < nd; i++)
                for (uint32_t j = i + 1; j < nv && bigx[vals[i]] != none; j++) {
                    if (bigx[vals[j]] == none)
                        continue;
                    size_t c = bigx[vals[i]] * nb + bigx[vals[j]];
                    uint32_t match = cells[c]++;
                    if (match % PV_STEP == 0)
                        rk->pair_pos[o->pair_off[c] + match / PV_STEP] =
                            count[vals[j]] < count[vals[i]] ? vpos[j] : vpos[i];
                }
        }
    }
    rc = 0;
out:
    free(bigx);
    free(vals);
    free(vpos);
    free(cells);
    free(h.key);
    free(h.ix);
    free(dix);
    free(tag_at);
    free(tix);
    free(count);
    free(off);
    free(fill);
    free(keys);
    return rc;
}

/* The case by id, with its filters; 0 or -1. */
static int take_attrs(struct pv_build *b, struct db_stmt *s)
{
    struct pv_order *o = b->o;
    if (o->n == b->cap) {
        size_t ncap = b->cap ? 2 * b->cap : 4096;
        int64_t *id = realloc(o->id, ncap * sizeof *id);
        o->id = id ? id : o->id;
        int32_t *re = realloc(o->region, ncap * sizeof *re);
        o->region = re ? re : o->region;
        int32_t *ti = realloc(o->tier, ncap * sizeof *ti);
        o->tier = ti ? ti : o->tier;
        int32_t *tr = realloc(o->track, ncap * sizeof *tr);
        o->track = tr ? tr : o->track;
        if (!id || !re || !ti || !tr)
            return -1;
        b->cap = ncap;
    }
    o->id[o->n] = db_column_int64(s, 0);
    o->region[o->n] = (int32_t)db_column_int64(s, 1);
    o->tier[o->n] = (int32_t)db_column_int64(s, 2);
    o->track[o->n] = (int32_t)db_column_int64(s, 3);
    o->n++;
    return 0;
}

/* The next rank of order b->k; 0 (a case not among those by id is passed over). */
static int take_rank(struct pv_build *b, struct db_stmt *s)
{
    int64_t slot = slot_of(b, db_column_int64(s, 0));
    if (slot >= 0 && b->r < b->o->n)
        b->o->order[b->k].slot[b->r++] = (uint32_t)slot;
    return 0;
}

/* A tag of a case; 0 or -1. */
static int take_tag(struct pv_build *b, struct db_stmt *s)
{
    int64_t slot = slot_of(b, db_column_int64(s, 0));
    if (slot < 0)
        return 0;
    if (grow((void **)&b->tags, &b->tcap, b->ntags + 1, sizeof *b->tags) != 0)
        return -1;
    b->tags[b->ntags++] = (struct pv_pair){list_key(4, db_column_int64(s, 1)), (uint32_t)slot};
    return 0;
}

/* Where a page ended: the position (pub_rank), the key and position (tags), or views, time, id. */
struct pv_at {
    int64_t a, b;
    char at[40];
};

/* Every row of query q on c to take, by pages on PostgreSQL; 0, or -1 (logged, or stopped). */
static int read_all(struct pv_build *b, struct db_conn *c, int q,
                    int (*take)(struct pv_build *, struct db_stmt *))
{
    int paged = db_kind(c) == DB_PG;
    struct pv_at at = {q == Q_VIEWS ? INT64_MAX : 0, 0, ""};
    struct db_stmt *s = db_stmt(c, pv_sql[db_kind(c)][q]);
    for (;;) {
        if (!s)
            return -1;
        db_bind_int64(s, 1, b->o->campaign_id);
        if (paged) {
            int p = 2;
            db_bind_int64(s, p++, at.a);
            if (q == Q_VIEWS)
                db_bind_text(s, p++, at.at, -1);
            if (q == Q_VIEWS || q == Q_TAGS)
                db_bind_int64(s, p++, at.b);
            db_bind_int64(s, p, PV_PAGE);
        }
        int step, n = 0, rc = 0;
        while (rc == 0 && (step = db_step(s)) == DB_ROW) {
            rc = take(b, s);
            if (!paged || ++n < PV_PAGE)
                continue;
            /* The last row of a full page: where the next begins. */
            if (q == Q_VIEWS) {
                at.a = db_column_int64(s, 1);
                at.b = db_column_int64(s, 0);
                if (db_column_bytes(s, 2) >= sizeof at.at)
                    rc = -1;
                else
                    memcpy(at.at, db_text(s, 2), db_column_bytes(s, 2) + 1);
            } else {
                at.a = db_column_int64(s, q == Q_ATTRS ? 4 : 1);
                at.b = q == Q_TAGS ? db_column_int64(s, 2) : 0;
            }
        }
        db_reset(s);
        if (rc != 0 || step != DB_DONE || b->pv->stop)
            return -1;
        if (n < PV_PAGE)
            return 0;
    }
}

/* Read both orders of campaign on this thread's connection, in one snapshot; NULL (logged). */
static struct pv_order *build(struct pub_views *pv, int64_t campaign)
{
    struct db_conn *c = store_db(pv->st);
    struct pv_build b = {.pv = pv, .o = calloc(1, sizeof *b.o)};
    struct pv_order *o = b.o;
    int ok = 0;
    if (!o)
        return NULL;
    pthread_mutex_init(&o->memo_lock, NULL);
    o->campaign_id = campaign;
    if (!c || db_exec(c, pv_begin_sql[db_kind(c)]) != 0)
        goto out;
    ok = read_all(&b, c, Q_ATTRS, take_attrs) == 0;
    if (ok)
        map_ids(&b);
    /* Both orders hold every published case once (one snapshot). */
    for (int k = 0; ok && k < PV__ORDERS; k++) {
        b.k = k;
        b.r = 0;
        ok = (o->order[k].slot = malloc((o->n ? o->n : 1) * sizeof *o->order[k].slot)) &&
             read_all(&b, c, k == PV_VIEWS ? Q_VIEWS : Q_NEWEST, take_rank) == 0 && b.r == o->n;
    }
    ok = ok && read_all(&b, c, Q_TAGS, take_tag) == 0;
    if (db_commit(c) != 0) {
        db_rollback(c);
        ok = 0;
    }
    ok = ok && make_lists(&b) == 0;
out:
    free(b.tags);
    free(b.by_id);
    if (!ok) {
        if (!pv->stop)
            log_error("store: the kept orders of campaign %lld: not built", (long long)campaign);
        order_free(o);
        return NULL;
    }
    return o;
}

/* Drop a reference to o (under pv->lock); the last one frees an order replaced. */
static void order_put(struct pub_views *pv, struct pv_order *o)
{
    if (--o->refs == 0 && o != pv->cur)
        order_free(o);
}

/* Build the orders of campaign and make them current (called without pv->lock). */
static void refresh(struct pub_views *pv, int64_t campaign)
{
    double t0 = clock_ms();
    struct pv_order *o = build(pv, campaign);
    double end = clock_ms();
    pthread_mutex_lock(&pv->lock);
    if (o) {
        struct pv_order *old = pv->cur;
        pv->cur = o;
        o->refs = 1; /* pv->cur's */
        if (old)
            order_put(pv, old);
    }
    /* Asked for during the build: by waiters it served, or by requests comparing
     * the old orders; one that still sees a change asks again. */
    pv->want = 0;
    pv->builds++;
    pv->end = end;
    pv->cost = end - t0;
    pthread_cond_broadcast(&pv->ready);
    pthread_mutex_unlock(&pv->lock);
}

/* When the next build is due: after the period, or sooner when a request asked. */
static double due_ms(const struct pub_views *pv, int asked)
{
    double period = pv->cost * PV_LOAD > PV_PERIOD_MS ? pv->cost * PV_LOAD : PV_PERIOD_MS;
    double soon = pv->cost * 2 > PV_WAKE_MS ? pv->cost * 2 : PV_WAKE_MS;
    return pv->end + (asked ? soon : period);
}

/*
 * The refresher's thread at a lower priority once there are orders to read
 * from: a rebuild, which no request waits for, yields the cores to the
 * requests (SCHED_BATCH: waking, it preempts no one; PV_NICE more niceness,
 * per thread on Linux).  Lowering needs no privilege, raising it again does:
 * a later change of public campaign is built at the lower priority too.  A
 * failure is logged.
 */
static void lower_priority(void)
{
    id_t tid = (id_t)gettid();
    struct sched_param sp = {0};
    errno = 0;
    int niceness = getpriority(PRIO_PROCESS, tid) + PV_NICE, e = errno;
    if (!e)
        e = pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
    if (!e && setpriority(PRIO_PROCESS, tid, niceness > 19 ? 19 : niceness) != 0)
        e = errno;
    if (e)
        log_info("store: the kept orders' rebuilds keep the server's priority: %s", strerror(e));
}

static void *refresher(void *arg)
{
    struct pub_views *pv = arg;
    int lowered = 0;
    pthread_mutex_lock(&pv->lock);
    while (!pv->stop) {
        int64_t campaign = store_public_campaign(pv->st);
        if (!lowered && pv->cur && pv->cur->campaign_id == campaign) {
            lower_priority();
            lowered = 1;
        }
        pthread_mutex_unlock(&pv->lock);
        refresh(pv, campaign);
        pthread_mutex_lock(&pv->lock);
        for (;;) {
            double due = due_ms(pv, pv->want), now = clock_ms();
            if (pv->stop || now >= due)
                break;
            double wait = due - now;
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_sec += (time_t)(wait / 1000.0);
            ts.tv_nsec += (long)((wait - (double)(long)(wait / 1000.0) * 1000.0) * 1e6);
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&pv->wake, &pv->lock, &ts);
        }
    }
    pthread_mutex_unlock(&pv->lock);
    return NULL;
}

/* st's kept orders, their refresher started at the first call; NULL if it cannot start. */
static struct pub_views *views_of(struct store *st)
{
    pthread_mutex_lock(&pv_create_lock);
    struct pub_views **slot = store_pub_views(st), *pv = *slot;
    if (!pv && (pv = calloc(1, sizeof *pv))) {
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_mutex_init(&pv->lock, NULL);
        pthread_cond_init(&pv->wake, &ca);
        pthread_cond_init(&pv->ready, &ca);
        pthread_condattr_destroy(&ca);
        pv->st = st;
        pv->threaded = store_reads_per_thread(st);
        if (pv->threaded && pthread_create(&pv->thread, NULL, refresher, pv) != 0) {
            log_error("store: cannot start the kept orders' refresher");
            pthread_cond_destroy(&pv->wake);
            pthread_cond_destroy(&pv->ready);
            pthread_mutex_destroy(&pv->lock);
            free(pv);
            pv = NULL;
        }
        *slot = pv;
    }
    pthread_mutex_unlock(&pv_create_lock);
    return pv;
}

void pub_views_start(struct store *st)
{
    views_of(st);
}

/* A reference to the current order of st's public campaign, or NULL (none could be built). */
static struct pv_order *order_get(struct pub_views *pv, int64_t campaign, int64_t total_all)
{
    if (!pv->threaded) {
        /* The store's one thread builds here, when the refresher would have. */
        const struct pv_order *c = pv->cur;
        double now = clock_ms();
        if (!c || c->campaign_id != campaign || now >= due_ms(pv, 0) ||
            ((int64_t)c->n != total_all && now >= due_ms(pv, 1)))
            refresh(pv, campaign);
    }
    pthread_mutex_lock(&pv->lock);
    double until = clock_ms() + PV_FIRST_WAIT_MS;
    uint64_t b0 = pv->builds;
    /* No order of this campaign yet (the first build, or the public campaign changed):
     * wait for a build begun since, unless it failed. */
    while (pv->threaded && (!pv->cur || pv->cur->campaign_id != campaign) && !pv->stop &&
           pv->builds < b0 + 2 && clock_ms() < until) {
        pv->want = 1;
        pthread_cond_signal(&pv->wake);
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&pv->ready, &pv->lock, &ts);
    }
    struct pv_order *o = pv->cur && pv->cur->campaign_id == campaign ? pv->cur : NULL;
    if (o) {
        o->refs++;
        if (pv->threaded && (int64_t)o->n != total_all && !pv->want) {
            pv->want = 1; /* cases published or withdrawn since the build */
            pthread_cond_signal(&pv->wake);
        }
    }
    pthread_mutex_unlock(&pv->lock);
    return o;
}

static const struct pv_list *find_list(const struct pv_rank *rk, int dim, int64_t value)
{
    uint64_t k = list_key(dim, value);
    size_t lo = 0, hi = rk->nlists;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rk->lists[mid].key < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < rk->nlists && rk->lists[lo].key == k ? &rk->lists[lo] : NULL;
}

/*
 * The first position at or after `from` of the ranks a[0..len) (ascending)
 * holding a rank >= r, or len: galloping from `from`, so that a cursor moved
 * forward along a list costs the log of the distance, not of the list.
 */
static uint32_t seek(const uint32_t *a, uint32_t len, uint32_t from, uint32_t r)
{
    if (from >= len || a[from] >= r)
        return from;
    uint32_t lo = from, step = 1; /* a[lo] < r */
    while (step < len - lo && a[lo + step] < r) {
        lo += step;
        step *= 2;
    }
    uint32_t hi = step < len - lo ? lo + step : len; /* a[hi] >= r, or hi == len */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (a[mid] < r)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

/* The memo of the combination (mask, key) in order k, made (replacing the least recently used). */
static struct pv_memo *memo_of(struct pv_order *o, int k, int mask, const int64_t key[4])
{
    struct pv_memo *victim = &o->memo[0];
    for (int i = 0; i < PV_MEMO; i++) {
        struct pv_memo *m = &o->memo[i];
        if (m->order == k && m->mask == mask && memcmp(m->key, key, sizeof m->key) == 0)
            return m;
        if (m->used_ms < victim->used_ms)
            victim = m;
    }
    free(victim->at);
    memset(victim, 0, sizeof *victim);
    victim->order = k;
    victim->mask = mask;
    memcpy(victim->key, key, sizeof victim->key);
    return victim;
}

/*
 * Several filters: the ranks their lists hold in common, from the nearest
 * kept match on.  The walk leapfrogs: the shortest list's cursor stands at a
 * candidate rank, each other list's cursor gallops (seek) to it, and a list
 * standing past it moves the candidate there; so a page costs the matches
 * it passes and the log of the gaps between them, not a check of every rank
 * of the shortest list.  Kept positions are the shortest list's (`at`).
 */
static size_t page_several(struct pv_order *o, int k, int mask, const int64_t key[4], int64_t skip,
                           int n, int64_t *ids)
{
    const struct pv_rank *rk = &o->order[k];
    const uint32_t *a[4];
    uint32_t len[4], cur[4] = {0, 0, 0, 0}, big[4];
    int nl = 0;
    for (int d = 0; d < 4; d++) {
        if (!(mask & (1 << d)))
            continue;
        const struct pv_list *l = find_list(rk, d + 1, key[d]);
        if (!l)
            return 0; /* a filter with no case */
        big[nl] = o->big[l - rk->lists];
        a[nl] = rk->ranks + l->off;
        len[nl] = l->len;
        /* The shortest list first: its cursor is the walk's position. */
        if (nl > 0 && l->len < len[0]) {
            a[nl] = a[0];
            len[nl] = len[0];
            a[0] = rk->ranks + l->off;
            len[0] = l->len;
        }
        nl++;
    }
    /* From the kept position at or before match `skip`: the build's, for two big lists
     * (their cell's positions are in dimension order's cell); else the combination's memo,
     * which this walk extends. */
    uint32_t pos = 0, from_match = 0;
    size_t j = (size_t)(skip / PV_STEP), first = 0;
    int memo = nl != 2 || big[0] == UINT32_MAX || big[1] == UINT32_MAX;
    struct pv_memo *m = NULL;
    if (!memo) {
        size_t c = (size_t)big[0] * o->nbig + big[1];
        size_t nkept = o->pair_off[c + 1] - o->pair_off[c];
        if (nkept > 0) {
            size_t use = j < nkept ? j : nkept - 1;
            pos = rk->pair_pos[o->pair_off[c] + use];
            from_match = (uint32_t)(use * PV_STEP);
        }
    } else {
        pthread_mutex_lock(&o->memo_lock);
        m = memo_of(o, k, mask, key);
        m->used_ms = clock_ms();
        first = m->nat;
        if (m->nat > 0) {
            size_t use = j < m->nat ? j : m->nat - 1;
            pos = m->at[use];
            from_match = (uint32_t)(use * PV_STEP);
        }
        pthread_mutex_unlock(&o->memo_lock);
    }
    /* The positions of matches first * PV_STEP, (first + 1) * PV_STEP, ... met on the way. */
    uint32_t *taken = NULL;
    size_t ntaken = 0, tcap = 0, got = 0;
    cur[0] = pos;
    for (uint32_t match = from_match; cur[0] < len[0] && got < (size_t)n; cur[0]++) {
        uint32_t r = a[0][cur[0]];
        for (int i = 1; i < nl;) {
            cur[i] = seek(a[i], len[i], cur[i], r);
            if (cur[i] == len[i]) {
                cur[0] = len[0]; /* a list ended: no match beyond */
                break;
            }
            if (a[i][cur[i]] == r) {
                i++;
                continue;
            }
            /* List i passed r: the candidate moves to its rank, and every list is checked again. */
            cur[0] = seek(a[0], len[0], cur[0], a[i][cur[i]]);
            if (cur[0] == len[0])
                break;
            r = a[0][cur[0]];
            i = 1;
        }
        if (cur[0] == len[0])
            break;
        if (memo && match % PV_STEP == 0 && match / PV_STEP == first + ntaken &&
            grow((void **)&taken, &tcap, ntaken + 1, sizeof *taken) == 0)
            taken[ntaken++] = cur[0];
        if (match >= skip)
            ids[got++] = o->id[rk->slot[r]];
        match++;
    }
    if (ntaken) {
        pthread_mutex_lock(&o->memo_lock);
        m = memo_of(o, k, mask, key);
        /* Kept only if they follow on from what is kept (another walk may have gone on). */
        if (m->nat == first &&
            grow((void **)&m->at, &m->cap, m->nat + ntaken, sizeof *m->at) == 0) {
            memcpy(m->at + m->nat, taken, ntaken * sizeof *taken);
            m->nat += ntaken;
        }
        pthread_mutex_unlock(&o->memo_lock);
    }
    free(taken);
    return got;
}

size_t pub_views_page(struct store *st, int k, int mask, const int64_t key[4], int64_t total_all,
                      int64_t skip, int n, int64_t *ids)
{
    struct pub_views *pv = views_of(st);
    struct pv_order *o = pv ? order_get(pv, store_public_campaign(st), total_all) : NULL;
    if (!o)
        return 0;
    size_t got = 0;
    if (mask & (mask - 1)) {
        got = page_several(o, k, mask, key, skip, n, ids);
    } else {
        const struct pv_rank *rk = &o->order[k];
        const struct pv_list *l = NULL;
        uint32_t len = o->n;
        for (int d = 0; d < 4; d++)
            if (mask == 1 << d && (l = find_list(rk, d + 1, key[d])) == NULL)
                len = 0;
        if (l)
            len = l->len;
        for (int64_t i = skip; i < len && got < (size_t)n; i++)
            ids[got++] = o->id[rk->slot[l ? rk->ranks[l->off + i] : (uint32_t)i]];
    }
    pthread_mutex_lock(&pv->lock);
    order_put(pv, o);
    pthread_mutex_unlock(&pv->lock);
    return got;
}

void pub_views_stop(struct store *st)
{
    struct pub_views **slot = store_pub_views(st), *pv = *slot;
    if (!pv)
        return;
    pthread_mutex_lock(&pv->lock);
    pv->stop = 1;
    pthread_cond_broadcast(&pv->wake);
    pthread_cond_broadcast(&pv->ready);
    pthread_mutex_unlock(&pv->lock);
    if (pv->threaded)
        pthread_join(pv->thread, NULL);
    order_free(pv->cur);
    pthread_cond_destroy(&pv->wake);
    pthread_cond_destroy(&pv->ready);
    pthread_mutex_destroy(&pv->lock);
    free(pv);
    *slot = NULL;
}
