/*
 * fraud.c — the fraud rules of fraud.h over an exhibition's votes.
 *
 * Everything is a few linear passes and counting sorts over the votes in
 * time order (one stable bucket per case, per prefix, per voter), with a
 * sliding window of two indexes for each rule, so that a stage of a
 * million votes is read in well under a second.
 */
#include <stdlib.h>
#include <string.h>

#include "domain/fraud.h"

/* ------------------------------------------------------------ growing arrays */

struct build {
    struct fraud_result *r;
    size_t cap_groups, cap_members;
    int oom;
};

static int add_member(struct build *b, size_t vote)
{
    struct fraud_result *r = b->r;
    if (r->nmembers == b->cap_members) {
        size_t cap = b->cap_members ? b->cap_members * 2 : 1024;
        size_t *m = realloc(r->members, cap * sizeof *m);
        if (!m)
            return b->oom = -1;
        r->members = m;
        b->cap_members = cap;
    }
    r->members[r->nmembers++] = vote;
    return 0;
}

static struct fraud_group *add_group(struct build *b, enum fraud_rule rule, int64_t key, int64_t key2)
{
    struct fraud_result *r = b->r;
    if (r->ngroups == b->cap_groups) {
        size_t cap = b->cap_groups ? b->cap_groups * 2 : 16;
        struct fraud_group *g = realloc(r->groups, cap * sizeof *g);
        if (!g) {
            b->oom = -1;
            return NULL;
        }
        r->groups = g;
        b->cap_groups = cap;
    }
    struct fraud_group *g = &r->groups[r->ngroups++];
    memset(g, 0, sizeof *g);
    g->rule = rule;
    g->key = key;
    g->key2 = key2;
    g->first = r->nmembers;
    return g;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Close group g: its members sorted, and its voters, times and main case counted. */
static void finish_group(struct build *b, struct fraud_group *g, const struct fraud_input *in)
{
    struct fraud_result *r = b->r;
    g->n = r->nmembers - g->first;
    size_t *m = r->members + g->first;
    qsort(m, g->n, sizeof *m, cmp_size);
    int64_t *ids = malloc((g->n ? g->n : 1) * sizeof *ids);
    if (!ids) {
        b->oom = -1;
        return;
    }
    g->first_at = g->n ? in->votes[m[0]].t : 0;
    g->last_at = g->n ? in->votes[m[g->n - 1]].t : 0;
    for (size_t i = 0; i < g->n; i++)
        ids[i] = in->votes[m[i]].voter_id;
    qsort(ids, g->n, sizeof *ids, cmp_i64);
    g->voters = 0;
    for (size_t i = 0; i < g->n; i++)
        g->voters += i == 0 || ids[i] != ids[i - 1];
    if (g->case_id == 0) {
        for (size_t i = 0; i < g->n; i++)
            ids[i] = in->votes[m[i]].case_id;
        qsort(ids, g->n, sizeof *ids, cmp_i64);
        size_t best = 0;
        for (size_t i = 0, j; i < g->n; i = j) {
            for (j = i; j < g->n && ids[j] == ids[i]; j++)
                ;
            if (j - i > best)
                best = j - i, g->case_id = ids[i];
        }
    }
    free(ids);
}

/* ------------------------------------------------------------ buckets */

/* A stable counting sort of the votes by a dense key: order[] and start[k..k+1). */
struct buckets {
    size_t *order, *start;
    size_t nkeys;
};

static int bucket(struct buckets *bk, const int32_t *key, size_t n, size_t nkeys)
{
    bk->nkeys = nkeys;
    bk->order = malloc((n ? n : 1) * sizeof *bk->order);
    bk->start = calloc(nkeys + 1, sizeof *bk->start);
    if (!bk->order || !bk->start)
        return -1;
    for (size_t i = 0; i < n; i++)
        bk->start[key[i] + 1]++;
    for (size_t k = 0; k < nkeys; k++)
        bk->start[k + 1] += bk->start[k];
    size_t *fill = malloc((nkeys ? nkeys : 1) * sizeof *fill);
    if (!fill)
        return -1;
    memcpy(fill, bk->start, nkeys * sizeof *fill);
    for (size_t i = 0; i < n; i++)
        bk->order[fill[key[i]]++] = i;
    free(fill);
    return 0;
}

static void buckets_free(struct buckets *bk)
{
    free(bk->order);
    free(bk->start);
}

/* The dense index of id in the sorted unique ids[0..n), or -1. */
static int32_t dense(const int64_t *ids, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && ids[lo] == id ? (int32_t)lo : -1;
}

/* Sorted unique copy of the ids; *n in and out. */
static int64_t *unique_ids(int64_t *ids, size_t *n)
{
    qsort(ids, *n, sizeof *ids, cmp_i64);
    size_t k = 0;
    for (size_t i = 0; i < *n; i++)
        if (k == 0 || ids[i] != ids[k - 1])
            ids[k++] = ids[i];
    *n = k;
    return ids;
}

/*
 * Ids to dense indexes by hashing (open addressing): a million votes look
 * their case and voter up in one or two probes instead of a binary search
 * each, and the unique cases are found without sorting every vote.
 */
struct idmap {
    int64_t *ids;
    int32_t *val; /* -1: empty slot */
    size_t n, mask;
};

static int idmap_init(struct idmap *m, size_t n)
{
    size_t nslots = 1024;
    while (nslots < 2 * n)
        nslots *= 2;
    m->n = 0;
    m->mask = nslots - 1;
    m->ids = malloc(nslots * sizeof *m->ids);
    m->val = malloc(nslots * sizeof *m->val);
    if (!m->ids || !m->val)
        return -1;
    memset(m->val, 0xff, nslots * sizeof *m->val);
    return 0;
}

/* id's slot: holding id, or the empty one where it would go. */
static size_t idmap_slot(const struct idmap *m, int64_t id)
{
    size_t k = (size_t)(((uint64_t)id * 0x9e3779b97f4a7c15ULL) >> 24) & m->mask;
    while (m->val[k] >= 0 && m->ids[k] != id)
        k = (k + 1) & m->mask;
    return k;
}

static void idmap_free(struct idmap *m)
{
    free(m->ids), free(m->val);
}

/* Add id with value v if new (the map doubles when half full); its value, or -1 without memory. */
static int32_t idmap_put(struct idmap *m, int64_t id, int32_t v)
{
    size_t k = idmap_slot(m, id);
    if (m->val[k] >= 0)
        return m->val[k];
    if (2 * (m->n + 1) > m->mask + 1) {
        struct idmap g;
        if (idmap_init(&g, 2 * (m->n + 1)) != 0) {
            idmap_free(&g);
            return -1;
        }
        for (size_t j = 0; j <= m->mask; j++)
            if (m->val[j] >= 0) {
                size_t q = idmap_slot(&g, m->ids[j]);
                g.ids[q] = m->ids[j], g.val[q] = m->val[j];
            }
        g.n = m->n;
        idmap_free(m);
        *m = g;
        k = idmap_slot(m, id);
    }
    m->ids[k] = id, m->val[k] = v, m->n++;
    return v;
}

static int32_t idmap_get(const struct idmap *m, int64_t id)
{
    return m->val[idmap_slot(m, id)];
}

/* ------------------------------------------------------------ burst */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void rule_burst(struct build *b, const struct fraud_input *in, const struct fraud_limits *l,
                       const struct buckets *bc, const int64_t *case_ids)
{
    size_t nv = in->nvotes, nc = bc->nkeys;
    if (nv == 0 || nc == 0)
        return;
    double W = l->burst_window;
    double span = (double)(in->votes[nv - 1].t - in->votes[0].t);
    if (span < W)
        span = W;
    double *rate = malloc(nc * sizeof *rate);
    if (!rate) {
        b->oom = -1;
        return;
    }
    for (size_t c = 0; c < nc; c++)
        rate[c] = (double)(bc->start[c + 1] - bc->start[c]) / span * W;
    qsort(rate, nc, sizeof *rate, cmp_double);
    double peers = nc % 2 ? rate[nc / 2] : (rate[nc / 2 - 1] + rate[nc / 2]) / 2;
    free(rate);
    double outside = span - W > W ? span - W : W;
    for (size_t c = 0; c < nc && !b->oom; c++) {
        const size_t *v = bc->order + bc->start[c];
        size_t m = bc->start[c + 1] - bc->start[c], marked = 0, best = 0;
        struct fraud_group *g = NULL;
        for (size_t i = 0, j = 0; i < m; i++) {
            while (j < m && in->votes[v[j]].t < in->votes[v[i]].t + l->burst_window)
                j++;
            size_t cnt = j - i;
            double own = (double)(m - cnt) / outside * W;
            double base = own > peers ? own : peers;
            if ((int)cnt < l->burst_min || (double)cnt < l->burst_factor * base)
                continue;
            if (!g && !(g = add_group(b, FRAUD_BURST, case_ids[c], 0)))
                return;
            for (size_t k = marked > i ? marked : i; k < j; k++)
                add_member(b, v[k]);
            marked = j;
            if (cnt > best) {
                best = cnt;
                g->ev[0] = W, g->ev[1] = (double)cnt, g->ev[2] = own, g->ev[3] = peers;
                g->ev[4] = base > 0 ? (double)cnt / base : (double)cnt;
            }
        }
        if (g) {
            g->case_id = case_ids[c];
            finish_group(b, g, in);
        }
    }
}

/* ------------------------------------------------------------ network */

static void rule_network(struct build *b, const struct fraud_input *in,
                         const struct fraud_limits *l, const struct buckets *bn,
                         const int32_t *voter_of)
{
    /* A voter's first vote from a prefix is their arrival there: per prefix, in time order. */
    size_t most = 0;
    for (size_t p = 0; p < bn->nkeys; p++)
        if (bn->start[p + 1] - bn->start[p] > most)
            most = bn->start[p + 1] - bn->start[p];
    /* seen: a voter's arrival index at this prefix, +1 (0: not yet); reset after each. */
    size_t *seen = calloc(in->nvoters + 1, sizeof *seen);
    size_t *arrival = malloc((most ? most : 1) * sizeof *arrival);
    unsigned char *flag = malloc(most ? most : 1);
    if (!seen || !arrival || !flag) {
        free(seen), free(arrival), free(flag);
        b->oom = -1;
        return;
    }
    for (size_t p = 0; p < bn->nkeys && !b->oom; p++) {
        const size_t *v = bn->order + bn->start[p];
        size_t m = bn->start[p + 1] - bn->start[p], na = 0;
        if ((int)m < l->net_min)
            continue;
        for (size_t i = 0; i < m; i++) {
            int32_t who = voter_of[v[i]];
            if (!seen[who])
                seen[who] = ++na, arrival[na - 1] = v[i];
        }
        memset(flag, 0, na);
        size_t best = 0, marked = 0, flagged = 0;
        for (size_t i = 0, j = 0; i < na; i++) {
            while (j < na && in->votes[arrival[j]].t < in->votes[arrival[i]].t + l->net_window)
                j++;
            if ((int)(j - i) < l->net_min)
                continue;
            for (size_t k = marked > i ? marked : i; k < j; k++)
                flag[k] = 1, flagged++;
            marked = j;
            best = j - i > best ? j - i : best;
        }
        if (flagged) {
            struct fraud_group *g = add_group(b, FRAUD_NETWORK, (int64_t)p, 0);
            for (size_t i = 0; g && i < m; i++)
                if (flag[seen[voter_of[v[i]]] - 1])
                    add_member(b, v[i]);
            if (g) {
                g->ev[0] = l->net_window, g->ev[1] = (double)best, g->ev[2] = (double)flagged;
                finish_group(b, g, in);
            }
        }
        for (size_t i = 0; i < m; i++)
            seen[voter_of[v[i]]] = 0;
    }
    free(seen), free(arrival), free(flag);
}

/* ------------------------------------------------------------ runs of numbers */

static int cmp_code(const void *a, const void *b)
{
    const struct fraud_code *x = a, *y = b;
    if (x->block != y->block)
        return x->block < y->block ? -1 : 1;
    if (x->tail != y->tail)
        return x->tail < y->tail ? -1 : 1;
    return x->t < y->t ? -1 : x->t > y->t;
}

/* Add every vote of the voter at dense index w. */
static void add_voter_votes(struct build *b, const struct buckets *bv, int32_t w)
{
    for (size_t k = bv->start[w]; k < bv->start[w + 1]; k++)
        add_member(b, bv->order[k]);
}

static void rule_run(struct build *b, const struct fraud_input *in, const struct fraud_limits *l,
                     const struct buckets *bv, const int64_t *voter_ids)
{
    size_t n = in->ncodes;
    if (n == 0)
        return;
    struct fraud_code *c = malloc(n * sizeof *c);
    unsigned char *taken = calloc(in->nvoters + 1, 1);
    if (!c || !taken) {
        free(c), free(taken);
        b->oom = -1;
        return;
    }
    memcpy(c, in->codes, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_code);
    for (size_t i = 0, j; i < n && !b->oom; i = j) {
        /* A run: same block, each next number at most two above the one before. */
        size_t numbers = 1;
        int64_t t0 = c[i].t, t1 = c[i].t;
        for (j = i + 1; j < n && c[j].block == c[i].block && c[j].tail - c[j - 1].tail <= 2; j++) {
            numbers += c[j].tail != c[j - 1].tail;
            t0 = c[j].t < t0 ? c[j].t : t0;
            t1 = c[j].t > t1 ? c[j].t : t1;
        }
        if ((int)numbers < l->run_min)
            continue;
        struct fraud_group *g = add_group(b, FRAUD_RUN, c[i].block, c[i].tail);
        if (!g)
            break;
        size_t verified = 0;
        for (size_t k = i; k < j; k++) {
            int32_t w = c[k].voter_id ? dense(voter_ids, in->nvoters, c[k].voter_id) : -1;
            if (w < 0 || taken[w])
                continue;
            taken[w] = 1;
            verified++;
            add_voter_votes(b, bv, w);
        }
        for (size_t k = i; k < j; k++) {
            int32_t w = c[k].voter_id ? dense(voter_ids, in->nvoters, c[k].voter_id) : -1;
            if (w >= 0)
                taken[w] = 0;
        }
        g->ev[0] = (double)numbers, g->ev[1] = c[i].tail, g->ev[2] = c[j - 1].tail;
        g->ev[3] = (double)(t1 - t0), g->ev[4] = (double)verified;
        finish_group(b, g, in);
    }
    free(c), free(taken);
}

/* ------------------------------------------------------------ rings */

struct single {
    int64_t case_id, verified_at;
    int32_t voter;
};

static int cmp_single(const void *a, const void *b)
{
    const struct single *x = a, *y = b;
    if (x->case_id != y->case_id)
        return x->case_id < y->case_id ? -1 : 1;
    return x->verified_at < y->verified_at ? -1 : x->verified_at > y->verified_at;
}

static void rule_ring(struct build *b, const struct fraud_input *in, const struct fraud_limits *l,
                      const struct buckets *bv)
{
    size_t nw = in->nvoters, ns = 0;
    struct single *s = malloc((nw ? nw : 1) * sizeof *s);
    if (!s) {
        b->oom = -1;
        return;
    }
    /* Voters (in_voters order is voter_ids order) whose every vote is for one case. */
    for (size_t w = 0; w < nw; w++) {
        size_t a = bv->start[w], z = bv->start[w + 1];
        if (a == z)
            continue;
        int64_t c = in->votes[bv->order[a]].case_id;
        size_t k = a + 1;
        while (k < z && in->votes[bv->order[k]].case_id == c)
            k++;
        if (k == z)
            s[ns++] = (struct single){c, in->voters[w].verified_at, (int32_t)w};
    }
    qsort(s, ns, sizeof *s, cmp_single);
    for (size_t i = 0; i < ns && !b->oom;) {
        size_t j = i;
        while (j < ns && s[j].case_id == s[i].case_id &&
               s[j].verified_at < s[i].verified_at + l->ring_window)
            j++;
        if ((int)(j - i) < l->ring_min) {
            i++;
            continue;
        }
        /* Grow the ring while each next voter is within the window of the one ring_min-1 before. */
        while (j < ns && s[j].case_id == s[i].case_id &&
               s[j].verified_at < s[j - (size_t)l->ring_min + 1].verified_at + l->ring_window)
            j++;
        struct fraud_group *g = add_group(b, FRAUD_RING, s[i].case_id, s[i].verified_at);
        if (!g)
            break;
        for (size_t k = i; k < j; k++)
            add_voter_votes(b, bv, s[k].voter);
        g->case_id = s[i].case_id;
        g->ev[0] = l->ring_window, g->ev[1] = (double)(j - i);
        g->ev[2] = (double)(s[j - 1].verified_at - s[i].verified_at);
        finish_group(b, g, in);
        i = j;
    }
    free(s);
}

/* ------------------------------------------------------------ all */

int fraud_find(const struct fraud_input *in, const struct fraud_limits *l, struct fraud_result *out)
{
    memset(out, 0, sizeof *out);
    struct build b = {out, 0, 0, 0};
    size_t nv = in->nvotes, ncases = 0;
    int64_t *case_ids = malloc((nv ? nv : 1) * sizeof *case_ids);
    int64_t *voter_ids = malloc((in->nvoters ? in->nvoters : 1) * sizeof *voter_ids);
    int32_t *kc = malloc((nv ? nv : 1) * sizeof *kc), *kn = malloc((nv ? nv : 1) * sizeof *kn);
    int32_t *kv = malloc((nv ? nv : 1) * sizeof *kv);
    struct buckets bc = {0}, bn = {0}, bv = {0};
    struct idmap cases = {0}, voters = {0};
    int64_t *rank = NULL; /* a case's dense id by the order it was met */
    int rc = -1;
    if (!case_ids || !voter_ids || !kc || !kn || !kv || idmap_init(&cases, 256) ||
        idmap_init(&voters, in->nvoters))
        goto done;
    /* The cases: numbered as met, then renumbered by id (the rules visit cases in id order). */
    for (size_t i = 0; i < nv; i++) {
        if ((kc[i] = idmap_put(&cases, in->votes[i].case_id, (int32_t)ncases)) < 0)
            goto done;
        if ((size_t)kc[i] == ncases)
            case_ids[ncases++] = in->votes[i].case_id;
    }
    if (!(rank = malloc((ncases ? ncases : 1) * sizeof *rank)))
        goto done;
    for (size_t c = 0; c < ncases; c++)
        rank[c] = case_ids[c];
    unique_ids(case_ids, &ncases); /* sorts: they are unique already */
    for (size_t c = 0; c < ncases; c++)
        cases.val[idmap_slot(&cases, case_ids[c])] = (int32_t)c;
    for (size_t c = 0; c < ncases; c++)
        rank[c] = cases.val[idmap_slot(&cases, rank[c])];
    for (size_t i = 0; i < nv; i++)
        kc[i] = (int32_t)rank[kc[i]];
    /* The voters come sorted by id (the store's order), so their index is their dense id. */
    for (size_t w = 0; w < in->nvoters; w++) {
        voter_ids[w] = in->voters[w].id;
        if (idmap_put(&voters, in->voters[w].id, (int32_t)w) < 0)
            goto done;
    }
    for (size_t i = 0; i < nv; i++) {
        kn[i] = in->votes[i].net;
        kv[i] = idmap_get(&voters, in->votes[i].voter_id);
        if (kv[i] < 0) /* a vote without a verification: cannot be, the schema holds it */
            goto done;
    }
    if (bucket(&bc, kc, nv, ncases) || bucket(&bn, kn, nv, (size_t)in->nnets) ||
        bucket(&bv, kv, nv, in->nvoters))
        goto done;
    rule_burst(&b, in, l, &bc, case_ids);
    rule_network(&b, in, l, &bn, kv);
    rule_run(&b, in, l, &bv, voter_ids);
    rule_ring(&b, in, l, &bv);
    rc = b.oom ? -1 : 0;
done:
    buckets_free(&bc), buckets_free(&bn), buckets_free(&bv);
    idmap_free(&cases), idmap_free(&voters);
    free(rank), free(case_ids), free(voter_ids), free(kc), free(kn), free(kv);
    if (rc != 0)
        fraud_result_free(out);
    return rc;
}

void fraud_result_free(struct fraud_result *r)
{
    free(r->groups);
    free(r->members);
    memset(r, 0, sizeof *r);
}
