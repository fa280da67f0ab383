/*
 * generate.c — the deterministic generator of the demo's finished campaign.
 *
 * demo_generate() builds a whole finished campaign from a seed and a case
 * count and hands it, record by record, to a sink.  Randomness comes from a
 * splitmix64 stream seeded from (seed, ncases) only, so the same arguments
 * always give byte-identical output.  The facts and the phrase pools live in
 * words.c, the real places below the regions in divisions.txt (divisions.h);
 * this file holds the logic: the unit tree, how many cases each region
 * submits, which cases deserve to win (their hidden merit: the 13 real
 * Shanghai results are fixed, Shanghai keeps the most awards; the tiers
 * themselves come from the pipeline the demo runs, finish2019.c), and the
 * assembly of titles,
 * summaries, five-section bodies and news from sentence templates.
 *
 * Strings are built in a handful of reusable buffers owned by the generator
 * and freed before it returns; pointers handed to the sink are valid only
 * during the callback.
 */
#include "demo/generate.h"

#include "core/buf.h"
#include "demo/divisions.h"
#include "demo/words.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_CASES DEMO_MIN_CASES
#define MAX_CASES DEMO_MAX_CASES
#define QUOTA_BEST 40
#define QUOTA_EXCELLENT 90
#define MIN_PER_REGION 5     /* every region submits at least this many */
#define CAP_TOTAL 9          /* awards of any region but Shanghai */
#define CAP_BEST 3           /* best cases of any region but Shanghai */
#define PRESENTERS 12        /* best-case units on stage at the ceremony */

#define TIER_NONE 0
#define TIER_BEST 1
#define TIER_EXCELLENT 2

#define UNIT_NO_DRAW 1       /* never the unit of a made-up case */
#define UNIT_TAKEN 2         /* has a case already: drawn again only when its region has no other */

struct unit_rec {
    int parent;              /* index + 1 of the parent, 0 for none */
    int level;
    int region;
    int flags;
    char code[8];            /* GB/T 2260 of a city or district, "" for none */
    size_t name;             /* offsets into gen.names */
    size_t short_name;
};

struct plan {
    int region;
    int seed;                /* index into dw_seeds, or -1 */
    int unit;                /* forced unit index, or -1 */
    int tier;
    int day;                 /* submission day, days since 1970-01-01 */
};

struct gen {
    uint64_t state;
    const struct demo_sink *sink;

    struct buf names;
    struct unit_rec *units;
    int nunits, capunits;
    int region_first[DW_NREGIONS];
    int region_units[DW_NREGIONS];

    /* slot values of the case being written */
    const char *u, *s, *c, *o, *b, *f, *p, *g, *r;
    const char *last_act;

    struct buf brand, title, summary, sec[DEMO_SECTIONS], item[6], tmp;

    int best_units[QUOTA_BEST];
    int best_regions[QUOTA_BEST];
    int nbest;
};

/* ---- Randomness ------------------------------------------------------- */

static uint64_t next(struct gen *g)
{
    uint64_t z = (g->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static int rnd(struct gen *g, int n)
{
    return (int)(((next(g) >> 32) * (uint64_t)n) >> 32);
}

static int range(struct gen *g, int lo, int hi)
{
    return lo + rnd(g, hi - lo + 1);
}

static const char *pick(struct gen *g, const char *const *pool)
{
    return pool[rnd(g, dw_count(pool))];
}

/* A pool entry not yet marked in *used (pools hold at most 64); NULL if none is left. */
static const char *pick_new(struct gen *g, const char *const *pool, uint64_t *used)
{
    int n = dw_count(pool);
    int left = 0;
    for (int i = 0; i < n; i++)
        left += !(*used >> i & 1);
    if (!left)
        return NULL;
    int k = rnd(g, left);
    for (int i = 0; i < n; i++) {
        if (*used >> i & 1)
            continue;
        if (k-- == 0) {
            *used |= 1ULL << i;
            return pool[i];
        }
    }
    return NULL;
}

/* ---- Text helpers ----------------------------------------------------- */

static size_t cps(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xc0) != 0x80;
    return k;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* The party organ that leads a unit, guessed from its name. */
static const char *organ(const char *name)
{
    if (ends_with(name, "街道"))
        return "街道党工委";
    if (ends_with(name, "镇"))
        return "镇党委";
    if (ends_with(name, "贸易区") || ends_with(name, "开发区"))
        return "党工委";
    if (ends_with(name, "区"))
        return "区委";
    if (ends_with(name, "县"))
        return "县委";
    if (ends_with(name, "旗"))
        return "旗委";
    if (ends_with(name, "市"))
        return "市委";
    if (ends_with(name, "州"))
        return "州委";
    if (ends_with(name, "师"))
        return "师党委";
    if (ends_with(name, "团"))
        return "团场党委";
    if (ends_with(name, "）"))
        return "集团党委";
    return "党委";
}

static void slot(struct gen *g, struct buf *b, const char *s, size_t n)
{
    if (n == 1) {
        const char *v = NULL;
        switch (*s) {
        case 'U': v = g->u; break;
        case 'S': v = g->s; break;
        case 'C': v = g->c; break;
        case 'O': v = g->o; break;
        case 'B': v = g->b; break;
        case 'F': v = g->f; break;
        case 'P': v = g->p; break;
        case 'G': v = g->g; break;
        case 'R': v = g->r; break;
        case 'A':
            do
                v = pick(g, dw_summary_acts);
            while (v == g->last_act);
            g->last_act = v;
            break;
        case 'E': v = pick(g, dw_summary_effects); break;
        }
        if (v)
            buf_puts(b, v);
        return;
    }
    if (n > 2 && (s[0] == 'n' || s[0] == 'f') && s[1] == ':') {
        char *end;
        long lo = strtol(s + 2, &end, 10);
        long hi = strtol(end + 1, NULL, 10);
        if (s[0] == 'n') {
            buf_printf(b, "%d", range(g, (int)lo, (int)hi));
        } else {
            int v = range(g, (int)lo * 10, (int)hi * 10 + 9);
            buf_printf(b, "%d.%d", v / 10, v % 10);
        }
        return;
    }
    int alts = 1;
    for (size_t i = 0; i < n; i++)
        alts += s[i] == '|';
    int k = rnd(g, alts);
    size_t i = 0;
    while (k > 0) {
        if (s[i++] == '|')
            k--;
    }
    size_t j = i;
    while (j < n && s[j] != '|')
        j++;
    buf_append(b, s + i, j - i);
}

/* Append template t with its slots filled; returns the code points added. */
static size_t expand(struct gen *g, struct buf *b, const char *t)
{
    size_t start = b->len;
    const char *q = t;
    while (*q) {
        const char *o = strchr(q, '{');
        if (!o) {
            buf_puts(b, q);
            break;
        }
        buf_append(b, q, (size_t)(o - q));
        const char *c = strchr(o + 1, '}');
        if (!c) {
            buf_puts(b, o);
            break;
        }
        slot(g, b, o + 1, (size_t)(c - o - 1));
        q = c + 1;
    }
    return b->p ? cps(b->p + start, b->len - start) : 0;
}

/* ---- Dates ------------------------------------------------------------ */

static int days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void format_day(int z, char out[11])
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int y = yoe + era * 400;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int d = doy - (153 * mp + 2) / 5 + 1;
    int m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    unsigned v[3] = {(unsigned)y, (unsigned)m, (unsigned)d};
    snprintf(out, 11, "%04u-%02u-%02u", v[0] % 10000, v[1] % 100, v[2] % 100);
}

static int parse_day(const char *s)
{
    return days_from_civil(atoi(s), atoi(s + 5), atoi(s + 8));
}

/* ---- Units ------------------------------------------------------------ */

static const char *unit_name(const struct gen *g, int i)
{
    return g->names.p + g->units[i].name;
}

static const char *unit_short(const struct gen *g, int i)
{
    return g->names.p + g->units[i].short_name;
}

/* Add a unit named prefix + stem + suffix, of GB/T 2260 code `code`; returns its index, or -1. */
static int add_unit(struct gen *g, int region, int parent, int level, const char *prefix,
                    const char *stem, const char *suffix, const char *code)
{
    if (g->nunits == g->capunits) {
        int cap = g->capunits ? g->capunits * 2 : 1024;
        struct unit_rec *u = realloc(g->units, (size_t)cap * sizeof *u);
        if (!u)
            return -1;
        g->units = u;
        g->capunits = cap;
    }
    struct unit_rec *u = &g->units[g->nunits];
    u->parent = parent + 1;
    u->level = level;
    u->region = region;
    u->flags = 0;
    snprintf(u->code, sizeof u->code, "%s", code);
    u->name = g->names.len;
    buf_puts(&g->names, prefix);
    u->short_name = g->names.len;
    buf_puts(&g->names, stem);
    buf_puts(&g->names, suffix);
    buf_append(&g->names, "", 1);
    if (g->names.oom)
        return -1;
    return g->nunits++;
}

static int find_unit(const struct gen *g, const char *name)
{
    for (int i = 0; i < g->nunits; i++) {
        if (strcmp(unit_name(g, i), name) == 0)
            return i;
    }
    return -1;
}

/* Choose k distinct indices below n (k <= n <= 64) into out. */
static void choose(struct gen *g, int n, int k, int *out)
{
    int idx[64];
    for (int i = 0; i < n; i++)
        idx[i] = i;
    for (int i = 0; i < k; i++) {
        int j = i + rnd(g, n - i);
        int t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
        out[i] = idx[i];
    }
}

/* Is the 街道 `street` under the unit called parent_name one of the real results' units? */
static int fixed_street(const char *region_code, const char *parent_name, const char *street)
{
    for (int i = 0; i < dw_nfixed_units; i++) {
        const struct dw_fixed_unit *f = &dw_fixed_units[i];
        if (f->parent && strcmp(f->region_code, region_code) == 0 &&
            strcmp(f->parent, parent_name) == 0 &&
            (strcmp(f->short_name, street) == 0 || (f->same_as && strcmp(f->same_as, street) == 0)))
            return 1;
    }
    return 0;
}

/* The 街道 of place p under unit `parent`, but those a real result's unit already is. */
static int add_streets(struct gen *g, int region, int parent, const struct dv_place *p)
{
    char prefix[256], street[256];
    snprintf(prefix, sizeof prefix, "%s", unit_name(g, parent));
    for (int i = 0; i < p->nstreets; i++) {
        snprintf(street, sizeof street, "%s街道", p->streets[i]);
        if (fixed_street(dw_regions[region].code, prefix, street))
            continue;
        if (add_unit(g, region, parent, 3, prefix, p->streets[i], "街道", "") < 0)
            return -1;
    }
    return 0;
}

/* The real units of the Shanghai results whose parent is `parent_name`. */
static int add_fixed(struct gen *g, int region, int parent, const char *parent_name)
{
    for (int i = 0; i < dw_nfixed_units; i++) {
        const struct dw_fixed_unit *f = &dw_fixed_units[i];
        if (strcmp(f->region_code, dw_regions[region].code) != 0)
            continue;
        if (parent_name ? !f->parent || strcmp(f->parent, parent_name) != 0 : f->parent != NULL)
            continue;
        size_t lead = strlen(f->name) - strlen(f->short_name);
        char prefix[256];
        snprintf(prefix, sizeof prefix, "%.*s", (int)lead, f->name);
        int u = add_unit(g, region, parent, f->level, prefix, f->short_name, "", "");
        if (u < 0)
            return -1;
        g->units[u].flags |= UNIT_NO_DRAW;
    }
    return 0;
}

/*
 * A unit of the division data: place p, of level 1 (a city under its region)
 * or 2 (a district under `parent`), then the real results' units under it,
 * then its 街道.  Returns its index, or -1.
 */
static int add_place(struct gen *g, int region, int parent, const struct dv_place *p)
{
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s",
             parent < 0 ? dw_regions[region].name : unit_name(g, parent));
    int u = add_unit(g, region, parent, parent < 0 ? 1 : 2, prefix, p->name, "", p->code);
    if (u < 0)
        return -1;
    snprintf(prefix, sizeof prefix, "%s", unit_name(g, u));
    if (add_fixed(g, region, u, prefix) < 0 || add_streets(g, region, u, p) < 0)
        return -1;
    return u;
}

/*
 * The unit tree: for each region, in the order of divisions.txt, the real
 * results' units directly under it, then its cities (a municipality's
 * districts, XPCC's divisions), their districts and 街道.  It draws nothing
 * from the random stream: the places are the same whatever the seed.
 */
static int build_units(struct gen *g)
{
    struct divisions *dv = divisions_open();
    if (!dv)
        return -1;
    int rc = -1, r = -1, city = -1;
    for (int i = 0; i < dv->nplaces; i++) {
        const struct dv_place *p = &dv->places[i];
        if (p->kind == DV_REGION) {
            if (r >= 0)
                g->region_units[r] = g->nunits - g->region_first[r];
            if (++r >= DW_NREGIONS || strcmp(p->code, dw_regions[r].code) != 0)
                goto out;
            g->region_first[r] = g->nunits;
            if (add_fixed(g, r, -1, NULL) < 0)
                goto out;
        } else if (p->kind == DV_CITY) {
            if ((city = add_place(g, r, -1, p)) < 0)
                goto out;
        } else if (add_place(g, r, city, p) < 0) {
            goto out;
        }
    }
    if (r != DW_NREGIONS - 1)
        goto out;
    g->region_units[r] = g->nunits - g->region_first[r];
    for (int i = 0; i < g->nunits; i++) {
        if (strstr(unit_name(g, i), "陆家嘴"))
            g->units[i].flags |= UNIT_NO_DRAW;
    }
    rc = 0;
out:
    divisions_close(dv);
    return rc;
}

static int emit_units(struct gen *g)
{
    if (!g->sink->unit)
        return 0;
    for (int i = 0; i < g->nunits; i++) {
        const struct unit_rec *u = &g->units[i];
        struct demo_unit du = {
            .id = i + 1,
            .parent_id = u->parent,
            .region_code = dw_regions[u->region].code,
            .name = unit_name(g, i),
            .level = u->level,
            .code = u->code,
        };
        if (g->sink->unit(g->sink->ctx, &du))
            return -1;
    }
    return 0;
}

/*
 * A unit of region r for a made-up case, mostly streets.  The call allows one
 * case per unit, so a unit that has one (UNIT_TAKEN, marked by emit_case) is
 * drawn again only when every unit of the region has one: only demos of more
 * cases than units reuse them.
 */
static int draw_unit(struct gen *g, int r)
{
    int want;
    int x = rnd(g, 100);
    if (dw_regions[r].kind == DW_MUNICIPALITY)
        want = x < 30 ? 1 : 3;
    else
        want = x < 10 ? 1 : x < 40 ? 2 : 3;
    int first = g->region_first[r], n = g->region_units[r];
    for (int tries = 0; tries < 200; tries++) {
        int i = first + rnd(g, n);
        const struct unit_rec *u = &g->units[i];
        if (!(u->flags & (UNIT_NO_DRAW | UNIT_TAKEN)) && (u->level == want || tries > 100))
            return i;
    }
    for (int i = first; i < first + n; i++) {
        if (!(g->units[i].flags & (UNIT_NO_DRAW | UNIT_TAKEN)))
            return i;
    }
    for (int tries = 0; tries < 200; tries++) {
        int i = first + rnd(g, n);
        if (!(g->units[i].flags & UNIT_NO_DRAW))
            return i;
    }
    return first;
}

/* ---- Plans: who submits, who wins ------------------------------------ */

static int weighted_region(struct gen *g, const int *eligible)
{
    int total = 0;
    for (int r = 0; r < DW_NREGIONS; r++)
        total += eligible[r] ? dw_regions[r].weight : 0;
    if (total == 0)
        return -1;
    int k = rnd(g, total);
    for (int r = 0; r < DW_NREGIONS; r++) {
        if (!eligible[r])
            continue;
        k -= dw_regions[r].weight;
        if (k < 0)
            return r;
    }
    return -1;
}

static void shuffle_ints(struct gen *g, int *a, int n)
{
    for (int i = n - 1; i > 0; i--) {
        int j = rnd(g, i + 1);
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

static struct plan *make_plans(struct gen *g, int ncases)
{
    int count[DW_NREGIONS], best[DW_NREGIONS] = {0}, total[DW_NREGIONS] = {0};
    int eligible[DW_NREGIONS];
    int sum = 0;
    for (int r = 0; r < DW_NREGIONS; r++) {
        count[r] = r == DW_SHANGHAI ? dw_nseeds + MIN_PER_REGION : MIN_PER_REGION;
        sum += count[r];
        eligible[r] = 1;
    }
    for (; sum < ncases; sum++)
        count[weighted_region(g, eligible)]++;

    struct plan *pl = calloc((size_t)ncases, sizeof *pl);
    int *order = malloc((size_t)ncases * sizeof *order);
    if (!pl || !order) {
        free(pl);
        free(order);
        return NULL;
    }
    int off[DW_NREGIONS];
    for (int r = 0, o = 0; r < DW_NREGIONS; r++) {
        off[r] = o;
        for (int i = 0; i < count[r]; i++) {
            pl[o + i].region = r;
            pl[o + i].seed = -1;
            pl[o + i].unit = -1;
        }
        o += count[r];
    }
    /* The real results. */
    for (int i = 0; i < dw_nseeds; i++) {
        struct plan *p = &pl[off[DW_SHANGHAI] + i];
        p->seed = i;
        p->tier = dw_seeds[i].best ? TIER_BEST : TIER_EXCELLENT;
        p->unit = find_unit(g, dw_seeds[i].unit);
        total[DW_SHANGHAI]++;
        best[DW_SHANGHAI] += dw_seeds[i].best;
    }
    pl[off[DW_HENAN]].unit = find_unit(g, "河南省郑州市");
    pl[off[DW_HENAN]].tier = TIER_BEST;
    pl[off[DW_ZHEJIANG]].unit = find_unit(g, "浙江省杭州市");
    for (int r = DW_HENAN;; r = DW_ZHEJIANG) { /* the forced units are nobody else's */
        if (pl[off[r]].unit >= 0)
            g->units[pl[off[r]].unit].flags |= UNIT_TAKEN;
        if (r == DW_ZHEJIANG)
            break;
    }
    pl[off[DW_ZHEJIANG]].tier = TIER_BEST;
    best[DW_HENAN] = total[DW_HENAN] = best[DW_ZHEJIANG] = total[DW_ZHEJIANG] = 1;
    int nbest = best[DW_SHANGHAI] + 2, nexc = total[DW_SHANGHAI] - best[DW_SHANGHAI];

    /* One award for every other region, then the rest by weight under the caps. */
    int tier_of[DW_NREGIONS][CAP_TOTAL + 1];
    memset(tier_of, 0, sizeof tier_of);
    tier_of[DW_HENAN][0] = tier_of[DW_ZHEJIANG][0] = TIER_BEST;
    for (int r = 0; r < DW_NREGIONS; r++) {
        if (r == DW_SHANGHAI)
            continue;
        tier_of[r][total[r]++] = TIER_EXCELLENT;
        nexc++;
    }
    while (nbest < QUOTA_BEST) {
        for (int r = 0; r < DW_NREGIONS; r++)
            eligible[r] = r != DW_SHANGHAI && best[r] < CAP_BEST && total[r] < CAP_TOTAL &&
                          total[r] < count[r];
        int r = weighted_region(g, eligible);
        if (r < 0)
            break;
        tier_of[r][total[r]++] = TIER_BEST;
        best[r]++;
        nbest++;
    }
    while (nexc < QUOTA_EXCELLENT) {
        for (int r = 0; r < DW_NREGIONS; r++)
            eligible[r] = r != DW_SHANGHAI && total[r] < CAP_TOTAL && total[r] < count[r];
        int r = weighted_region(g, eligible);
        if (r < 0)
            break;
        tier_of[r][total[r]++] = TIER_EXCELLENT;
        nexc++;
    }
    /* Hand the awards to random cases of each region. */
    for (int r = 0; r < DW_NREGIONS; r++) {
        if (r == DW_SHANGHAI)
            continue;
        int fixed = r == DW_HENAN || r == DW_ZHEJIANG;
        int n = count[r] - fixed;
        for (int i = 0; i < n; i++)
            order[i] = off[r] + fixed + i;
        shuffle_ints(g, order, n);
        for (int k = fixed; k < total[r]; k++)
            pl[order[k - fixed]].tier = tier_of[r][k];
    }

    /* Mix the regions, then number the cases in the order they came in. */
    for (int i = ncases - 1; i > 0; i--) {
        int j = rnd(g, i + 1);
        struct plan t = pl[i];
        pl[i] = pl[j];
        pl[j] = t;
    }
    int open = parse_day(dw_opens_at), close = parse_day(dw_closes_at);
    int span = close - open + 1, bins[400] = {0};
    for (int i = 0; i < ncases; i++) {
        /* submissions bunch up towards the deadline */
        int d = rnd(g, span);
        int e = rnd(g, span);
        bins[d > e ? d : e]++;
    }
    for (int d = 0, i = 0; d < span; d++) {
        while (bins[d]-- > 0)
            pl[i++].day = open + d;
    }
    free(order);
    return pl;
}

/* ---- Cases ------------------------------------------------------------ */

static void make_brand(struct gen *g, const struct dw_topic *t)
{
    buf_reset(&g->brand);
    int x = rnd(g, 10);
    if (x < 5) {
        buf_puts(&g->brand, pick(g, dw_brand_prefixes));
        buf_puts(&g->brand, pick(g, t->cores));
    } else if (x < 8) {
        buf_puts(&g->brand, pick(g, dw_brand_prefixes));
        buf_puts(&g->brand, pick(g, dw_brand_cores));
    } else {
        buf_puts(&g->brand, pick(g, dw_brand_formulas));
    }
}

static void make_title(struct gen *g, const struct dw_topic *t)
{
    struct buf *b = &g->title;
    buf_reset(b);
    buf_puts(b, g->u);
    buf_puts(b, "：");
    int x = rnd(g, 10);
    if (x < 5) {
        const char *main = rnd(g, 5) < 2 ? pick(g, t->mains) : pick(g, dw_title_mains);
        const char *sub = pick(g, dw_title_subtitles);
        for (int i = 0; i < 10 && strstr(main, "{B}") && strstr(sub, "{B}"); i++)
            sub = pick(g, dw_title_subtitles);
        expand(g, b, main);
        buf_puts(b, "——");
        expand(g, b, sub);
    } else if (x < 8) {
        buf_puts(b, "“");
        buf_puts(b, g->b);
        buf_puts(b, "”");
        expand(g, b, pick(g, dw_title_brand_phrases));
    } else {
        expand(g, b, rnd(g, 2) ? pick(g, t->mains) : pick(g, dw_title_mains));
    }
}

/* One paragraph of 100-150 code points, topped up with a closing sentence if short. */
static void make_summary(struct gen *g)
{
    for (int tries = 0; tries < 12; tries++) {
        struct buf *b = &g->summary;
        buf_reset(b);
        size_t n = expand(g, b, pick(g, dw_summaries));
        if (n < 100) {
            size_t keep = b->len;
            for (int k = 0; k < 4; k++) {
                b->len = keep;
                b->p[keep] = 0;
                size_t m = expand(g, b, pick(g, dw_summary_tails));
                if (n + m >= 100 && n + m <= 150) {
                    n += m;
                    break;
                }
            }
            if (n < 100) {
                b->len = keep;
                b->p[keep] = 0;
            }
        }
        if (n >= 100 && n <= 150)
            return;
    }
}

/* Append fresh sentences from pool to b until it holds `target` code points. */
static size_t fill(struct gen *g, struct buf *b, size_t have, size_t target,
                   const char *const *pool, uint64_t *used)
{
    while (have < target) {
        const char *t = pick_new(g, pool, used);
        if (!t)
            break;
        have += expand(g, b, t);
    }
    return have;
}

/*
 * 背景与起因: who the unit is, the wider setting, the problem met, the idea
 * chosen.  Seeds are real units: they open with a lead of their own instead
 * of made-up figures.
 */
static void section_background(struct gen *g, const struct unit_rec *u, const struct dw_seed *sd)
{
    struct buf *b = &g->sec[0];
    uint64_t used_ctx = 0, used_det = 0;
    size_t target = (size_t)range(g, 460, 620), n = 0;
    buf_reset(b);
    if (sd) {
        n += expand(g, b, sd->lead);
    } else {
        int city = u->level == 1 && dw_regions[u->region].kind != DW_MUNICIPALITY;
        n += expand(g, b, pick(g, city ? dw_bg_intro_city : dw_bg_intro));
    }
    n += expand(g, b, pick_new(g, dw_bg_detail, &used_det));
    buf_puts(b, "\n\n");
    n += expand(g, b, pick_new(g, dw_bg_context, &used_ctx));
    n += expand(g, b, pick_new(g, dw_bg_context, &used_ctx));
    buf_puts(b, "\n\n");
    n += expand(g, b, pick_new(g, dw_bg_detail, &used_det));
    n += expand(g, b, pick(g, dw_bg_problem));
    n = fill(g, b, n, target - 70, dw_bg_detail, &used_det);
    buf_puts(b, "\n\n");
    expand(g, b, pick(g, dw_bg_turn));
}

static void section_measures(struct gen *g, const struct dw_topic *t)
{
    struct buf *b = &g->sec[1];
    const char *heads[5];
    uint64_t used_t = 0, used_g = 0, used_d = 0;
    int k = range(g, 4, 5), kt = range(g, 2, 3);
    for (int i = 0; i < k; i++)
        heads[i] = i < kt ? pick_new(g, t->measures, &used_t) : pick_new(g, dw_do_generic, &used_g);
    for (int i = k - 1; i > 0; i--) {
        int j = rnd(g, i + 1);
        const char *x = heads[i];
        heads[i] = heads[j];
        heads[j] = x;
    }
    buf_reset(b);
    size_t n = expand(g, b, pick(g, dw_do_intro));
    size_t target = (size_t)range(g, 800, 1050) - 50;
    for (int i = 0; i < k; i++) {
        buf_reset(&g->item[i]);
        buf_printf(&g->item[i], "%d. **", i + 1);
        n += expand(g, &g->item[i], heads[i]) + 1;
        buf_puts(&g->item[i], "**。");
        for (int j = 0; j < 2; j++)
            n += expand(g, &g->item[i], pick_new(g, dw_do_detail, &used_d));
    }
    for (int i = 0; n < target; i = (i + 1) % k) {
        const char *d = pick_new(g, dw_do_detail, &used_d);
        if (!d)
            break;
        n += expand(g, &g->item[i], d);
    }
    buf_puts(b, "\n\n");
    for (int i = 0; i < k; i++) {
        buf_append(b, g->item[i].p, g->item[i].len);
        buf_putc(b, '\n');
    }
    buf_putc(b, '\n');
    expand(g, b, pick(g, dw_do_close));
}

static void section_effects(struct gen *g)
{
    struct buf *b = &g->sec[2];
    uint64_t used_f = 0, used_q = 0, used_m = 0;
    size_t target = (size_t)range(g, 400, 540);
    buf_reset(b);
    size_t n = expand(g, b, pick(g, dw_ef_intro));
    n += expand(g, b, pick_new(g, dw_ef_figures, &used_f));
    buf_puts(b, "\n\n");
    int k = range(g, 3, 5);
    for (int i = 0; i < k; i++) {
        buf_puts(b, "- ");
        n += expand(g, b, pick_new(g, dw_ef_figures, &used_f));
        buf_putc(b, '\n');
    }
    buf_putc(b, '\n');
    n += expand(g, b, pick_new(g, dw_ef_quotes, &used_q));
    n += expand(g, b, pick_new(g, dw_ef_media, &used_m));
    n = fill(g, b, n, target, dw_ef_media, &used_m);
    fill(g, b, n, target, dw_ef_quotes, &used_q);
}

static void section_discussion(struct gen *g)
{
    static const char *const ordinal[] = {"一是", "二是", "三是", "四是", "五是"};
    struct buf *b = &g->sec[3];
    uint64_t used_p = 0, used_e = 0;
    size_t target = (size_t)range(g, 380, 520);
    buf_reset(b);
    size_t n = expand(g, b, pick(g, dw_di_intro));
    int k = range(g, 3, 4);
    for (int i = 0; i < 5 && (i < k || n + 110 < target); i++) {
        buf_puts(b, "\n\n");
        buf_puts(b, ordinal[i]);
        n += 2 + expand(g, b, pick_new(g, dw_di_points, &used_p));
    }
    buf_puts(b, "\n\n");
    n += expand(g, b, pick_new(g, dw_di_expert, &used_e));
    n = fill(g, b, n, target - 50, dw_di_expert, &used_e);
    expand(g, b, pick(g, dw_di_close));
}

static void section_appendix(struct gen *g)
{
    struct buf *b = &g->sec[4];
    uint64_t used = 0;
    buf_reset(b);
    buf_puts(b, "本案例附有以下材料：\n\n");
    int k = range(g, 3, 5);
    for (int i = 0; i < k; i++) {
        buf_printf(b, "%d. ", i + 1);
        expand(g, b, pick_new(g, dw_ap_items, &used));
        buf_putc(b, '\n');
    }
    /* no trailing newline */
    if (b->len && b->p[b->len - 1] == '\n')
        b->p[--b->len] = 0;
}

static int add_tag(const char **tags, int n, const char *t)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(tags[i], t) == 0)
            return n;
    }
    tags[n] = t;
    return n + 1;
}

/*
 * The words of a case of unit ui in region `region` (a real result when sd is
 * not NULL): title, summary, sections, tags, unit, region and track into *dc,
 * pointing into g's buffers.  Returns 0, or -1 when out of memory.
 */
static int compose_case(struct gen *g, const struct dw_seed *sd, int ui, int region,
                        struct demo_case *dc)
{
    const struct unit_rec *u = &g->units[ui];
    const struct dw_topic *t = &dw_topics[sd ? sd->topic : rnd(g, dw_ntopics)];

    g->u = unit_name(g, ui);
    g->s = unit_short(g, ui);
    g->c = dw_regions[region].name;
    g->o = organ(g->u);
    g->f = t->field;
    g->p = t->problem;
    g->g = t->goal;
    g->r = t->people;
    g->last_act = NULL;
    if (sd) {
        buf_reset(&g->brand);
        buf_puts(&g->brand, sd->brand);
    } else {
        make_brand(g, t);
    }
    g->b = g->brand.p;

    if (sd) {
        buf_reset(&g->title);
        buf_puts(&g->title, sd->title);
    } else {
        make_title(g, t);
    }
    make_summary(g);
    section_background(g, u, sd);
    section_measures(g, t);
    section_effects(g);
    section_discussion(g);
    section_appendix(g);

    memset(dc, 0, sizeof *dc);
    if (sd) {
        for (const char *const *x = sd->tags; *x && dc->ntags < 5; x++)
            dc->ntags = add_tag(dc->tags, dc->ntags, *x);
    } else {
        int nt = dw_count(t->tags);
        int k = nt > 2 ? range(g, 2, nt) : nt;
        int pk[8];
        choose(g, nt, k, pk);
        for (int i = 0; i < k; i++)
            dc->ntags = add_tag(dc->tags, dc->ntags, t->tags[pk[i]]);
        int extra = rnd(g, 3);
        for (int i = 0; i < extra && dc->ntags < 5; i++)
            dc->ntags = add_tag(dc->tags, dc->ntags, pick(g, dw_common_tags));
    }
    dc->unit_id = ui + 1;
    dc->region_code = dw_regions[region].code;
    dc->track_slug = dw_tracks[t->track].slug;
    dc->title = g->title.p;
    dc->summary = g->summary.p;
    for (int i = 0; i < DEMO_SECTIONS; i++)
        dc->sections[i] = g->sec[i].p;
    if (g->title.oom || g->summary.oom || g->brand.oom)
        return -1;
    for (int i = 0; i < DEMO_SECTIONS; i++) {
        if (g->sec[i].oom)
            return -1;
    }
    return 0;
}

/*
 * Past the first DEMO_FULL_CASES, a case that won nothing keeps the first
 * paragraph of each section only (cut at a paragraph break, so it stays
 * whole sentences and valid Markdown).  The random draws are the same either
 * way, so the first DEMO_FULL_CASES cases do not depend on the count.
 */
static void compact_sections(struct gen *g)
{
    for (int i = 0; i < DEMO_SECTIONS - 1; i++) {
        struct buf *b = &g->sec[i];
        const char *br = b->p ? strstr(b->p, "\n\n") : NULL;
        if (br) {
            b->len = (size_t)(br - b->p);
            b->p[b->len] = 0;
        }
    }
}

static int emit_case(struct gen *g, const struct plan *p, int id, int exhibit_open)
{
    const struct dw_seed *sd = p->seed >= 0 ? &dw_seeds[p->seed] : NULL;
    int ui = p->unit >= 0 ? p->unit : draw_unit(g, p->region);
    g->units[ui].flags |= UNIT_TAKEN;
    struct demo_case dc;
    if (compose_case(g, sd, ui, p->region, &dc) < 0)
        return -1;
    if (id > DEMO_FULL_CASES && p->tier == TIER_NONE && !sd)
        compact_sections(g);

    char sub[11], pub[11];
    format_day(p->day, sub);
    format_day(exhibit_open + rnd(g, 31), pub);
    int views = range(g, 120, 900) + (rnd(g, 10) < 3 ? range(g, 0, 1800) : 0);
    if (p->tier == TIER_BEST)
        views = views * 4 + range(g, 3000, 7000);
    else if (p->tier == TIER_EXCELLENT)
        views = views * 2 + range(g, 1200, 3200);

    dc.id = id;
    dc.merit = p->tier == TIER_BEST ? "best" : p->tier == TIER_EXCELLENT ? "excellent" : NULL;
    dc.submitted_at = sub;
    dc.published_at = pub;
    dc.views = views;

    if (p->tier == TIER_BEST && g->nbest < QUOTA_BEST) {
        g->best_units[g->nbest] = ui;
        g->best_regions[g->nbest++] = p->region;
    }
    return g->sink->kase ? (g->sink->kase(g->sink->ctx, &dc) ? -1 : 0) : 0;
}

/* ---- Articles --------------------------------------------------------- */

/* The 12 units on stage: 郑州, 杭州, two Shanghai ones, then one per other region. */
static void list_presenters(struct gen *g, struct buf *b)
{
    int shown[PRESENTERS], n = 0;
    int taken[DW_NREGIONS] = {0};
    const char *first[] = {"河南省郑州市", "浙江省杭州市", "上海市", "上海市宝山区"};
    for (int i = 0; i < 4; i++) {
        int u = find_unit(g, first[i]);
        if (u >= 0)
            shown[n++] = u;
    }
    taken[DW_HENAN] = taken[DW_ZHEJIANG] = taken[DW_SHANGHAI] = 1;
    for (int i = 0; i < g->nbest && n < PRESENTERS; i++) {
        int r = g->best_regions[i];
        if (taken[r])
            continue;
        taken[r] = 1;
        shown[n++] = g->best_units[i];
    }
    for (int i = 0; i < n; i++)
        buf_printf(b, "- %s\n", unit_name(g, shown[i]));
}

static void list_shanghai(struct buf *b)
{
    for (int best = 1; best >= 0; best--) {
        buf_puts(b, best ? "**最佳案例**\n\n" : "\n**优秀案例**\n\n");
        int k = 0;
        for (int i = 0; i < dw_nseeds; i++) {
            if (dw_seeds[i].best == best)
                buf_printf(b, "%d. %s\n", ++k, dw_seeds[i].title);
        }
    }
}

static int emit_articles(struct gen *g)
{
    for (int i = 0; i < dw_narticles; i++) {
        const struct dw_article *a = &dw_articles[i];
        struct buf *b = &g->tmp;
        buf_reset(b);
        buf_puts(b, a->body);
        if (a->list != DW_LIST_NONE) {
            buf_puts(b, "\n\n");
            if (a->list == DW_LIST_PRESENTERS)
                list_presenters(g, b);
            else
                list_shanghai(b);
        }
        if (a->tail) {
            buf_putc(b, '\n');
            buf_puts(b, a->tail);
        }
        if (b->oom)
            return -1;
        struct demo_article da;
        memset(&da, 0, sizeof da);
        da.id = i + 1;
        da.title = a->title;
        da.source = a->source;
        da.author = pick(g, dw_authors);
        da.published_at = a->published_at;
        da.body_md = b->p;
        for (const char *const *x = a->tags; *x && da.ntags < DEMO_MAX_TAGS; x++)
            da.tags[da.ntags++] = *x;
        da.views = range(g, 1500, 12000) * (a->list == DW_LIST_SHANGHAI ? 3 : 1);
        if (g->sink->article && g->sink->article(g->sink->ctx, &da))
            return -1;
    }
    return 0;
}

/* ---- The fixed records ------------------------------------------------ */

static int emit_head(struct gen *g)
{
    const struct demo_sink *k = g->sink;
    struct demo_campaign c = {
        .slug = "2019",
        .name = dw_campaign_name,
        .theme = dw_campaign_theme,
        .organisers = dw_campaign_organisers,
        .call_md = dw_call_md,
        .opens_at = dw_opens_at,
        .closes_at = dw_closes_at,
        .published_at = dw_published_at,
    };
    if (k->campaign && k->campaign(k->ctx, &c))
        return -1;
    for (int i = 0; i < 4; i++) {
        const struct dw_stage *d = &dw_stages[i];
        struct demo_stage s = {i + 1, d->name, d->kind, d->starts_at, d->ends_at, d->summary};
        if (k->stage && k->stage(k->ctx, &s))
            return -1;
    }
    struct demo_tier tiers[2] = {
        {"best", "最佳案例", QUOTA_BEST, 1},
        {"excellent", "优秀案例", QUOTA_EXCELLENT, 2},
    };
    for (int i = 0; i < 2; i++) {
        if (k->tier && k->tier(k->ctx, &tiers[i]))
            return -1;
    }
    for (int i = 0; i < dw_ntracks; i++) {
        struct demo_track t = {dw_tracks[i].slug, dw_tracks[i].name};
        if (k->track && k->track(k->ctx, &t))
            return -1;
    }
    for (int i = 0; i < DW_NREGIONS; i++) {
        struct demo_region r = {dw_regions[i].code, dw_regions[i].name, dw_regions[i].source};
        if (k->region && k->region(k->ctx, &r))
            return -1;
    }
    return 0;
}

static void release(struct gen *g)
{
    buf_release(&g->names);
    buf_release(&g->brand);
    buf_release(&g->title);
    buf_release(&g->summary);
    buf_release(&g->tmp);
    for (int i = 0; i < DEMO_SECTIONS; i++)
        buf_release(&g->sec[i]);
    for (int i = 0; i < 6; i++)
        buf_release(&g->item[i]);
    free(g->units);
}

/* A generator seeded from (seed, ncases) with empty buffers; NULL if out of memory. */
static struct gen *gen_new(uint64_t seed, int ncases)
{
    struct gen *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->state = seed ^ ((uint64_t)ncases * 0xd1b54a32d192ed03ULL);
    next(g);
    buf_init(&g->names, 0);
    buf_init(&g->brand, 0);
    buf_init(&g->title, 0);
    buf_init(&g->summary, 0);
    buf_init(&g->tmp, 0);
    for (int i = 0; i < DEMO_SECTIONS; i++)
        buf_init(&g->sec[i], 0);
    for (int i = 0; i < 6; i++)
        buf_init(&g->item[i], 0);
    return g;
}

int demo_generate(uint64_t seed, int ncases, const struct demo_sink *sink)
{
    if (ncases < MIN_CASES || ncases > MAX_CASES)
        return -2;
    struct gen *g = gen_new(seed, ncases);
    if (!g)
        return -1;
    g->sink = sink;

    int rc = -1;
    struct plan *pl = NULL;
    if (emit_head(g) < 0 || build_units(g) < 0 || emit_units(g) < 0)
        goto out;
    pl = make_plans(g, ncases);
    if (!pl)
        goto out;
    int exhibit_open = parse_day(dw_stages[1].starts_at);
    for (int i = 0; i < ncases; i++) {
        if (emit_case(g, &pl[i], i + 1, exhibit_open) < 0)
            goto out;
    }
    if (emit_articles(g) < 0)
        goto out;
    rc = 0;
out:
    free(pl);
    release(g);
    free(g);
    return rc;
}

/* ---- Later editions over the same units ------------------------------- */

struct demo_units {
    struct gen g;
};

struct demo_units *demo_units_open(uint64_t seed, int ncases)
{
    if (ncases < MIN_CASES || ncases > MAX_CASES)
        return NULL;
    /* The same stream as demo_generate up to the unit tree: emit_head draws nothing. */
    struct gen *g = gen_new(seed, ncases);
    if (!g)
        return NULL;
    if (build_units(g) < 0) {
        release(g);
        free(g);
        return NULL;
    }
    return (struct demo_units *)g;
}

int demo_units_count(const struct demo_units *du)
{
    return du->g.nunits;
}

void demo_units_get(const struct demo_units *du, int i, struct demo_unit *out)
{
    const struct gen *g = &du->g;
    const struct unit_rec *u = &g->units[i];
    out->id = i + 1;
    out->parent_id = u->parent;
    out->region_code = dw_regions[u->region].code;
    out->name = unit_name(g, i);
    out->level = u->level;
    out->code = u->code;
}

int demo_units_region(const struct demo_units *du, int i)
{
    return du->g.units[i].region;
}

int demo_units_case(struct demo_units *du, uint64_t stream, int region, struct demo_case *out)
{
    struct gen *g = &du->g;
    if (region < 0 || region >= DW_NREGIONS)
        return -1;
    g->state = stream;
    next(g);
    int ui = draw_unit(g, region);
    return compose_case(g, NULL, ui, region, out);
}

void demo_units_close(struct demo_units *du)
{
    if (!du)
        return;
    release(&du->g);
    free(du);
}
