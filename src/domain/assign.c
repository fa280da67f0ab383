/*
 * assign.c — optimal reviewer assignment as a min-cost flow; see assign.h.
 *
 * The network.  Nodes are the source S, the sink T, an overflow node X, one
 * node per case, one per (case, region) where the region cap binds, and one
 * per reviewer.  Arcs:
 *
 *   S → case                 capacity k, cost 0
 *   case → (case, region)    capacity max_same_region, cost 0 (only where a
 *                            case has more candidate reviewers of a region
 *                            than the cap; other reviewers hang off the case)
 *   (case, region) → reviewer  capacity 1, cost of the pair
 *   reviewer → T             capacity lo_r, cost 0
 *   reviewer → X             capacity hi_r - lo_r, cost 0
 *   X → T                    capacity nk - Σ lo_r, cost 0
 *
 * The lower bounds lo_r are removed the textbook way: with f' = f - lo_r on
 * the reviewer's arc, each reviewer must send lo_r straight to T and T may
 * take only nk - Σ lo_r through X, so a flow of value nk here is exactly a
 * flow meeting every lower bound in the original network, at the same cost.
 * All costs stay non-negative and no big-M constant is needed.
 *
 * The method is the primal-dual variant of successive shortest paths:
 * Dijkstra on reduced costs (with a binary heap, stopped once T is settled)
 * updates the node potentials; then Dinic's blocking flow saturates every
 * augmenting path of reduced cost zero at once; repeat until the flow is nk
 * or T is cut off.  With V nodes, E arcs and P phases (distinct shortest
 * path lengths, a handful because pair costs differ by a few tag counts) it
 * runs in O(P · (E log V + V·E)) time, the V·E being the Dinic worst case
 * that unit capacities keep far away, and O(V + E) memory.
 *
 * Pruning.  Every eligible pair in the network would make E ≈ n·m: 78
 * million arcs and 4 GB at 40,000 cases × 2,000 experts.  So the network
 * holds candidate pairs only: each case's ASSIGN_PRUNE_K·k cheapest eligible
 * reviewers (ties broken by a hash of the pair, so that equally good
 * reviewers are spread over the cases), each reviewer's lo + k cheapest
 * cases when he has a lower bound lo (the balanced floor or his own), and
 * every eligible reviewer of a case whose candidates cannot fill it under
 * the region cap.  The result is then checked against the full problem, by
 * one pass over all n·m pairs that computes each pair's cost on the fly:
 *
 *   - a full flow is optimal for the full problem iff no residual arc has a
 *     negative reduced cost under the final potentials π.  The candidates'
 *     arcs have none (the solver keeps them so); every other pair (c, r) is
 *     an arc without flow, so the check is cost(c, r) + π(tail) − π(r) ≥ 0,
 *     the tail being the pair's (case, region) node or, where the candidates
 *     have none, the case (a (case, region) node of the full network without
 *     candidates takes the case's potential, which keeps its arcs at reduced
 *     cost ≥ 0).  Pairs that fail are added and the network solved again.
 *   - a short flow is maximum for the full problem iff T cannot be reached
 *     from S in the full residual network.  A breadth-first search over it
 *     (the pairs generated on the fly, the flow taken from the candidates)
 *     decides; if T is reached, the pairs the search used are added and the
 *     network solved again.  If not, the search's reach is the minimum cut
 *     that explains the shortfall, and the flow is the exact maximum.
 *
 * Each round adds at least one pair, so this ends; after ASSIGN_MAX_ROUNDS
 * rounds the network takes every eligible pair.  The pairs' costs come from
 * a per-case scan: the case's lists (forbidden, conflicts, earlier-stage
 * reviewers) are marked in an array of m, then each reviewer is O(1).  At
 * 40,000 × 5 from 2,000 (77.5 million eligible pairs) a scan takes well under a
 * second and the network holds 1.2 million (bench/bench_assign.c, BENCHMARKS.md).
 *
 * Balanced loads: lo = floor(nk/m'), hi = ceil(nk/m') over the m' available
 * reviewers, each band clamped into the reviewer's own [min_load, max_load];
 * if that is infeasible but the unbalanced problem is not, the band is
 * widened to lo - d .. hi + d for the least d found by binary search.
 *
 * When the flow falls short, the message gives the exact maximum number of
 * reviews (the maximum flow without minimum loads) and the reason: the
 * reviewers' total capacity, the cases with too few eligible reviewers, or
 * the minimum cut — the cases reachable from S in the residual network,
 * whose eligible reviewers cannot take all their reviews — named by region,
 * every region of it.
 */
#include "assign.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/check.h"

#define INF64 INT64_MAX
#define ASSIGN_PRUNE_K 6     /* candidates per case: this many times k */
#define ASSIGN_MAX_ROUNDS 40 /* then every eligible pair */

static const char *const rc_names[ASSIGN_RC__MAX] = {
    [ASSIGN_OK] = "ok",
    [ASSIGN_EINVAL] = "invalid input",
    [ASSIGN_ENOMEM] = "out of memory",
    [ASSIGN_ECAPACITY] = "not enough reviewer capacity",
    [ASSIGN_ECASE] = "a case has too few eligible reviewers",
    [ASSIGN_EBOTTLENECK] = "some cases have too few eligible reviewers",
    [ASSIGN_EMINLOAD] = "minimum loads cannot be met",
};

const char *assign_rc_name(int rc)
{
    return rc >= 0 && rc < ASSIGN_RC__MAX ? rc_names[rc] : "unknown";
}

/* ---- the rules for one pair ---------------------------------------------- */

static int in_list(const int *list, int n, int x)
{
    for (int i = 0; i < n; i++)
        if (list[i] == x)
            return 1;
    return 0;
}

/* Bits set in x: the portable SWAR count (no call into libgcc without -mpopcnt). */
static inline int popcount64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (int)((x * 0x0101010101010101ULL) >> 56);
}

/* Cost of (c, r) under the rules that need no list (all but forbidden, seen, conflicts), or -1. */
static int base_cost(const struct assign_problem *p, int c, int r)
{
    const struct assign_case *kc = &p->cases[c];
    const struct assign_reviewer *rv = &p->reviewers[r];

    if (rv->max_load <= 0)
        return -1;
    if (!p->allow_own_region && kc->region >= 0 && kc->region == rv->region)
        return -1;
    if (kc->unit != 0 && kc->unit == rv->unit)
        return -1;
    if (rv->earlier && p->earlier_exclude)
        return -1;
    return ASSIGN_COST_BASE - popcount64(kc->tags & rv->tags) +
           (rv->earlier ? p->earlier_penalty : 0);
}

int assign_pair_cost(const struct assign_problem *p, int c, int r)
{
    int cost = base_cost(p, c, r);
    const struct assign_case *kc = &p->cases[c];

    if (cost < 0)
        return -1;
    if (kc->forbidden && in_list(kc->forbidden, kc->nforbidden, r))
        return -1;
    for (int i = 0; i < p->nconflicts; i++)
        if (p->conflicts[i].kase == c && p->conflicts[i].reviewer == r)
            return -1;
    if (!p->reviewers[r].earlier && kc->seen && in_list(kc->seen, kc->nseen, r)) {
        if (p->earlier_exclude)
            return -1;
        cost += p->earlier_penalty;
    }
    return cost;
}

/* ---- the flow network ---------------------------------------------------- */

struct net {
    int nv;     /* nodes */
    int na;     /* arcs (both directions) */
    int *start; /* nv + 1: arcs of u are [start[u], start[u+1]) */
    int *to, *cap, *cost, *rev;
    /* solver state */
    int64_t *pot, *dist;
    int *heap, *hpos, *level, *cur, *stack, *queue;
};

static void net_free(struct net *g)
{
    free(g->start), free(g->to), free(g->cap), free(g->cost), free(g->rev);
    free(g->pot), free(g->dist), free(g->heap), free(g->hpos), free(g->level), free(g->cur);
    free(g->stack), free(g->queue);
    memset(g, 0, sizeof *g);
}

/* Allocate for nv nodes and the degrees counted in start[1..nv]; start becomes the offsets. */
static int net_alloc(struct net *g)
{
    size_t nv = (size_t)g->nv;

    for (size_t u = 0; u < nv; u++)
        g->start[u + 1] += g->start[u];
    size_t na = (size_t)g->start[nv];
    g->na = (int)na;
    g->to = malloc(na * sizeof *g->to + 1);
    g->cap = malloc(na * sizeof *g->cap + 1);
    g->cost = malloc(na * sizeof *g->cost + 1);
    g->rev = malloc(na * sizeof *g->rev + 1);
    g->pot = calloc(nv, sizeof *g->pot);
    g->dist = malloc(nv * sizeof *g->dist);
    g->heap = malloc(nv * sizeof *g->heap);
    g->hpos = malloc(nv * sizeof *g->hpos);
    g->level = malloc(nv * sizeof *g->level);
    g->cur = malloc(nv * sizeof *g->cur);
    g->stack = malloc(nv * sizeof *g->stack);
    g->queue = malloc(nv * sizeof *g->queue);
    if (!g->to || !g->cap || !g->cost || !g->rev || !g->pot || !g->dist || !g->heap || !g->hpos ||
        !g->level || !g->cur || !g->stack || !g->queue)
        return -1;
    memcpy(g->cur, g->start, nv * sizeof *g->cur); /* fill pointers while building */
    return 0;
}

/*
 * Add the arc u → v and its reverse.  Pass 0 counts degrees into start[u+1];
 * pass 1 places the arcs.
 */
static void net_arc(struct net *g, int pass, int u, int v, int cap, int cost)
{
    if (pass == 0) {
        g->start[u + 1]++, g->start[v + 1]++;
        return;
    }
    int a = g->cur[u]++, b = g->cur[v]++;
    g->to[a] = v, g->cap[a] = cap, g->cost[a] = cost, g->rev[a] = b;
    g->to[b] = u, g->cap[b] = 0, g->cost[b] = -cost, g->rev[b] = a;
}

/* ---- binary heap of nodes keyed by dist ---------------------------------- */

static void heap_up(struct net *g, int i)
{
    int v = g->heap[i];
    while (i > 0) {
        int parent = (i - 1) / 2, pv = g->heap[parent];
        if (g->dist[pv] <= g->dist[v])
            break;
        g->heap[i] = pv, g->hpos[pv] = i;
        i = parent;
    }
    g->heap[i] = v, g->hpos[v] = i;
}

static void heap_down(struct net *g, int i, int n)
{
    int v = g->heap[i];
    for (;;) {
        int c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && g->dist[g->heap[c + 1]] < g->dist[g->heap[c]])
            c++;
        if (g->dist[g->heap[c]] >= g->dist[v])
            break;
        g->heap[i] = g->heap[c], g->hpos[g->heap[i]] = i;
        i = c;
    }
    g->heap[i] = v, g->hpos[v] = i;
}

/*
 * Dijkstra from s on reduced costs; stops once t is settled.  Then every
 * potential grows by min(dist, dist[t]), which keeps all residual reduced
 * costs non-negative and makes the shortest augmenting paths exactly the
 * paths of reduced cost zero.  Returns 0, or -1 if t is unreachable.
 */
static int dijkstra(struct net *g, int s, int t)
{
    int n = 0;

    for (int v = 0; v < g->nv; v++)
        g->dist[v] = INF64, g->hpos[v] = -1;
    g->dist[s] = 0;
    g->heap[n++] = s, g->hpos[s] = 0;
    while (n > 0) {
        int u = g->heap[0];
        g->hpos[u] = -2; /* settled */
        if (--n > 0) {
            g->heap[0] = g->heap[n];
            heap_down(g, 0, n);
        }
        if (u == t)
            break;
        int64_t du = g->dist[u] + g->pot[u];
        for (int a = g->start[u]; a < g->start[u + 1]; a++) {
            int v = g->to[a];
            if (g->cap[a] <= 0 || g->hpos[v] == -2)
                continue;
            int64_t nd = du + g->cost[a] - g->pot[v];
            if (nd < g->dist[v]) {
                g->dist[v] = nd;
                if (g->hpos[v] < 0) {
                    g->heap[n] = v;
                    heap_up(g, n);
                    n++;
                } else {
                    heap_up(g, g->hpos[v]);
                }
            }
        }
    }
    if (g->dist[t] == INF64)
        return -1;
    int64_t dt = g->dist[t];
    for (int v = 0; v < g->nv; v++)
        g->pot[v] += g->dist[v] < dt ? g->dist[v] : dt;
    return 0;
}

static int admissible(const struct net *g, int u, int a)
{
    return g->cap[a] > 0 && g->cost[a] + g->pot[u] - g->pot[g->to[a]] == 0;
}

/* Levels by BFS over admissible arcs; returns 1 if t is reachable. */
static int bfs_levels(struct net *g, int s, int t)
{
    int qh = 0, qt = 0;

    for (int v = 0; v < g->nv; v++)
        g->level[v] = -1;
    g->level[s] = 0;
    g->queue[qt++] = s;
    while (qh < qt) {
        int u = g->queue[qh++];
        for (int a = g->start[u]; a < g->start[u + 1]; a++) {
            int v = g->to[a];
            if (g->level[v] < 0 && admissible(g, u, a)) {
                g->level[v] = g->level[u] + 1;
                g->queue[qt++] = v;
            }
        }
    }
    return g->level[t] >= 0;
}

/* A blocking flow on the level graph, by iterative DFS with current arcs. Returns the flow. */
static int64_t blocking_flow(struct net *g, int s, int t)
{
    int64_t total = 0;
    int sp = 0; /* stack[0..sp] is the path of nodes; cur[u] its arc */

    for (int v = 0; v < g->nv; v++)
        g->cur[v] = g->start[v];
    g->stack[0] = s;
    for (;;) {
        int u = g->stack[sp];
        if (u == t) {
            int f = INT_MAX, cut = 0;
            for (int i = 0; i < sp; i++) {
                int a = g->cur[g->stack[i]];
                if (g->cap[a] < f)
                    f = g->cap[a], cut = i;
            }
            for (int i = 0; i < sp; i++) {
                int a = g->cur[g->stack[i]];
                g->cap[a] -= f;
                g->cap[g->rev[a]] += f;
            }
            total += f;
            sp = cut; /* retreat to the tail of the first saturated arc */
            continue;
        }
        int a = g->cur[u];
        for (; a < g->start[u + 1]; a++) {
            int v = g->to[a];
            if (g->level[v] == g->level[u] + 1 && admissible(g, u, a))
                break;
        }
        g->cur[u] = a;
        if (a < g->start[u + 1]) {
            g->stack[++sp] = g->to[a];
            continue;
        }
        /* dead end */
        g->level[u] = -1;
        if (sp == 0)
            break;
        sp--;
        g->cur[g->stack[sp]]++;
    }
    return total;
}

/* Min-cost flow from s to t up to `need`; returns the flow reached. */
static int64_t min_cost_flow(struct net *g, int s, int t, int64_t need)
{
    int64_t flow = 0;

    while (flow < need && dijkstra(g, s, t) == 0)
        while (bfs_levels(g, s, t))
            flow += blocking_flow(g, s, t);
    return flow;
}

/* ---- the problem as the solver sees it ----------------------------------- */

#define NODE_S 0
#define NODE_T 1
#define NODE_X 2
#define NODE_CASE0 3

struct ctx {
    const struct assign_problem *p;
    int n, m, k, nr, cap; /* cap: the region cap in force, 0 for none */
    int64_t need;
    int *xs, *xl;               /* per case (CSR): excluded reviewers */
    int *ss, *sl;               /* per case (CSR): seen reviewers who cost the penalty */
    int *markx, *marks, *markc; /* m: stamps for the current row */
    int stamp;
    int *rbase;               /* m: ASSIGN_COST_BASE + his penalty; -1: can take nothing */
    int *rreg, *runit;        /* m: region (INT_MIN + 1 for none), unit (INT_MIN + 1 for none) */
    uint64_t *rtags;          /* m: expertise tags */
    int *avail;               /* m: 1 if some case is eligible for him */
    int *elig;                /* n: eligible reviewers, the region cap counted */
    unsigned char *fullcr;    /* n·nr: the full network has a (case, region) node */
    int *regnode;             /* nr: scratch, the (case, region) node of the current case */
    int *byreg, *byreg_start; /* reviewers by region (CSR over nr) */
    /* candidate pairs: appended, then grouped by case and deduplicated by cand_sort */
    int ncand, candmax, *cc, *cr, *ccost;
    int *cstart; /* n + 1 */
    int dirty;   /* appended since the last cand_sort */
    int all;     /* every eligible pair is a candidate */
    /* the last search of the full residual network: what S reaches */
    unsigned char *vcase, *vrev, *vcr;
    int *queue, *parent;
    int rounds;
    int64_t eligible;
};

struct inst {
    struct net g;
    int rev0;      /* first reviewer node */
    int cr0, ncr;  /* (case, region) nodes */
    int *cr_case;  /* ncr: the case of each */
    int *cr_first; /* n + 1: the (case, region) nodes of case c are cr0 + [cr_first[c],
                      cr_first[c+1]) */
    int *cr_reg;   /* ncr: the region of each */
};

static void inst_free(struct inst *in)
{
    net_free(&in->g);
    free(in->cr_case), free(in->cr_first), free(in->cr_reg);
    memset(in, 0, sizeof *in);
}

static int region_count(const struct assign_problem *p)
{
    int nr = p->nregions;
    for (int r = 0; r < p->nreviewers; r++)
        if (p->reviewers[r].region >= nr)
            nr = p->reviewers[r].region + 1;
    return nr;
}

static void ctx_free(struct ctx *x)
{
    free(x->xs), free(x->xl), free(x->ss), free(x->sl);
    free(x->markx), free(x->marks), free(x->markc), free(x->rbase), free(x->avail);
    free(x->rreg), free(x->runit), free(x->rtags);
    free(x->elig), free(x->fullcr), free(x->regnode), free(x->byreg), free(x->byreg_start);
    free(x->cc), free(x->cr), free(x->ccost), free(x->cstart);
    free(x->vcase), free(x->vrev), free(x->vcr), free(x->queue), free(x->parent);
}

/* The per-case lists as CSR, the per-reviewer constants, the scratch arrays. */
static int ctx_init(struct ctx *x, const struct assign_problem *p)
{
    int n = p->ncases, m = p->nreviewers;

    memset(x, 0, sizeof *x);
    x->p = p;
    x->n = n, x->m = m, x->k = p->k;
    x->nr = region_count(p);
    x->cap = p->max_same_region > 0 && p->max_same_region < p->k ? p->max_same_region : 0;
    x->need = (int64_t)n * p->k;
    x->xs = calloc((size_t)n + 2, sizeof *x->xs);
    x->ss = calloc((size_t)n + 2, sizeof *x->ss);
    x->markx = calloc((size_t)m + 1, sizeof *x->markx);
    x->marks = calloc((size_t)m + 1, sizeof *x->marks);
    x->markc = calloc((size_t)m + 1, sizeof *x->markc);
    x->rbase = malloc(((size_t)m + 1) * sizeof *x->rbase);
    x->rreg = malloc(((size_t)m + 1) * sizeof *x->rreg);
    x->runit = malloc(((size_t)m + 1) * sizeof *x->runit);
    x->rtags = malloc(((size_t)m + 1) * sizeof *x->rtags);
    x->avail = calloc((size_t)m + 1, sizeof *x->avail);
    x->elig = calloc((size_t)n + 1, sizeof *x->elig);
    x->regnode = malloc(((size_t)x->nr + 1) * sizeof *x->regnode);
    x->byreg = malloc(((size_t)m + 1) * sizeof *x->byreg);
    x->byreg_start = calloc((size_t)x->nr + 2, sizeof *x->byreg_start);
    x->cstart = calloc((size_t)n + 2, sizeof *x->cstart);
    x->vcase = calloc((size_t)n + 1, 1);
    x->vrev = calloc((size_t)m + 1, 1);
    x->parent = malloc(((size_t)m + 1) * sizeof *x->parent);
    if (x->cap) {
        x->fullcr = calloc((size_t)n * (size_t)x->nr + 1, 1);
        x->vcr = calloc((size_t)n * (size_t)x->nr + 1, 1);
    }
    x->queue = malloc(((size_t)n + (size_t)m + 2 + (x->cap ? (size_t)n * (size_t)x->nr : 0)) *
                      sizeof *x->queue);
    if (!x->xs || !x->ss || !x->markx || !x->marks || !x->markc || !x->rbase || !x->rreg ||
        !x->runit || !x->rtags || !x->avail || !x->elig || !x->regnode || !x->byreg ||
        !x->byreg_start || !x->cstart || !x->vcase || !x->vrev || !x->parent || !x->queue ||
        (x->cap && (!x->fullcr || !x->vcr)))
        return -1;
    for (int r = 0; r < m; r++)
        if (p->reviewers[r].region >= 0)
            x->byreg_start[p->reviewers[r].region + 1]++;
    for (int g = 0; g < x->nr; g++)
        x->regnode[g] = x->byreg_start[g], x->byreg_start[g + 1] += x->byreg_start[g];
    for (int r = 0; r < m; r++) /* regnode serves as the fill pointers here */
        if (p->reviewers[r].region >= 0)
            x->byreg[x->regnode[p->reviewers[r].region]++] = r;
    for (int i = 0; i < x->nr; i++)
        x->regnode[i] = -1;
    for (int r = 0; r < m; r++) {
        const struct assign_reviewer *rv = &p->reviewers[r];
        x->rbase[r] = rv->max_load <= 0 || (rv->earlier && p->earlier_exclude)
                          ? -1
                          : ASSIGN_COST_BASE + (rv->earlier ? p->earlier_penalty : 0);
        /* Never equal to a case's INT_MIN, which stands for "no region" or "no unit". */
        x->rreg[r] = rv->region >= 0 ? rv->region : INT_MIN + 1;
        x->runit[r] = rv->unit != 0 ? rv->unit : INT_MIN + 1;
        x->rtags[r] = rv->tags;
    }
    /* Count, then fill: excluded (forbidden, conflicts, seen when excluded) and seen. */
    for (int pass = 0; pass < 2; pass++) {
        int *xf = NULL, *sf = NULL;
        if (pass == 1) {
            for (int c = 0; c < n; c++)
                x->xs[c + 1] += x->xs[c], x->ss[c + 1] += x->ss[c];
            x->xl = malloc(((size_t)x->xs[n] + 1) * sizeof *x->xl);
            x->sl = malloc(((size_t)x->ss[n] + 1) * sizeof *x->sl);
            xf = malloc(((size_t)n + 1) * sizeof *xf);
            sf = malloc(((size_t)n + 1) * sizeof *sf);
            if (!x->xl || !x->sl || !xf || !sf) {
                free(xf), free(sf);
                return -1;
            }
            memcpy(xf, x->xs, (size_t)n * sizeof *xf);
            memcpy(sf, x->ss, (size_t)n * sizeof *sf);
        }
        for (int c = 0; c < n; c++) {
            const struct assign_case *kc = &p->cases[c];
            for (int i = 0; i < kc->nforbidden; i++) {
                if (pass == 0)
                    x->xs[c + 1]++;
                else
                    x->xl[xf[c]++] = kc->forbidden[i];
            }
            for (int i = 0; i < kc->nseen; i++) {
                int r = kc->seen[i];
                if (p->reviewers[r].earlier)
                    continue; /* excluded or penalised already */
                if (p->earlier_exclude) {
                    if (pass == 0)
                        x->xs[c + 1]++;
                    else
                        x->xl[xf[c]++] = r;
                } else {
                    if (pass == 0)
                        x->ss[c + 1]++;
                    else
                        x->sl[sf[c]++] = r;
                }
            }
        }
        for (int i = 0; i < p->nconflicts; i++) {
            int c = p->conflicts[i].kase;
            if (pass == 0)
                x->xs[c + 1]++;
            else
                x->xl[xf[c]++] = p->conflicts[i].reviewer;
        }
        free(xf), free(sf);
    }
    return 0;
}

/* One case's row of pair costs: the case's fields and the reviewers' arrays, in locals. */
struct row {
    int creg, cunit, stamp, penalty;
    uint64_t ctags;
    const int *rbase, *markx, *marks, *rreg, *runit;
    const uint64_t *rtags;
};

/* Mark case c's lists and return its row for row_cost. */
static struct row row_begin(struct ctx *x, int c)
{
    const struct assign_case *kc = &x->p->cases[c];

    x->stamp++;
    for (int i = x->xs[c]; i < x->xs[c + 1]; i++)
        x->markx[x->xl[i]] = x->stamp;
    for (int i = x->ss[c]; i < x->ss[c + 1]; i++)
        x->marks[x->sl[i]] = x->stamp;
    return (struct row){kc->region >= 0 && !x->p->allow_own_region ? kc->region : INT_MIN,
                        kc->unit != 0 ? kc->unit : INT_MIN,
                        x->stamp,
                        x->p->earlier_penalty,
                        kc->tags,
                        x->rbase,
                        x->markx,
                        x->marks,
                        x->rreg,
                        x->runit,
                        x->rtags};
}

/* The cost of the row's case with reviewer r, or -1: assign_pair_cost, in O(1). */
static inline int row_cost(const struct row *w, int r)
{
    if (w->rbase[r] < 0 || w->markx[r] == w->stamp || w->rreg[r] == w->creg ||
        w->runit[r] == w->cunit)
        return -1;
    return w->rbase[r] - popcount64(w->ctags & w->rtags[r]) +
           (w->marks[r] == w->stamp ? w->penalty : 0);
}

/* ---- candidate pairs ----------------------------------------------------- */

static int cand_add(struct ctx *x, int c, int r, int cost)
{
    if (x->ncand == x->candmax) {
        size_t nmax = x->candmax ? (size_t)x->candmax * 2 : 4096;
        if (nmax > INT_MAX / 4)
            nmax = INT_MAX / 4;
        if ((size_t)x->ncand >= nmax)
            return -1;
        int *a = realloc(x->cc, nmax * sizeof *a);
        if (a)
            x->cc = a;
        int *b = realloc(x->cr, nmax * sizeof *b);
        if (b)
            x->cr = b;
        int *d = realloc(x->ccost, nmax * sizeof *d);
        if (d)
            x->ccost = d;
        if (!a || !b || !d)
            return -1;
        x->candmax = (int)nmax;
    }
    x->cc[x->ncand] = c, x->cr[x->ncand] = r, x->ccost[x->ncand] = cost;
    x->ncand++;
    x->dirty = 1;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Group the candidates by case, each case's by reviewer, without repeats; set cstart. */
static int cand_sort(struct ctx *x)
{
    int n = x->n, total = x->ncand;
    int *fill = NULL, *cc = NULL, *cr = NULL, *cost = NULL;
    uint64_t *tmp = NULL;
    int rc = -1, maxlen = 0;

    if (!x->dirty)
        return 0;
    /* Already in order (every pair, as the scan appends them): only the offsets. */
    int ordered = 1;
    for (int i = 1; i < total && ordered; i++)
        ordered = x->cc[i - 1] < x->cc[i] || (x->cc[i - 1] == x->cc[i] && x->cr[i - 1] < x->cr[i]);
    memset(x->cstart, 0, ((size_t)n + 2) * sizeof *x->cstart);
    if (ordered) {
        for (int i = 0; i < total; i++)
            x->cstart[x->cc[i] + 1]++;
        for (int c = 0; c < n; c++)
            x->cstart[c + 1] += x->cstart[c];
        x->dirty = 0;
        return 0;
    }
    for (int i = 0; i < total; i++)
        x->cstart[x->cc[i] + 1]++;
    for (int c = 0; c < n; c++) {
        if (x->cstart[c + 1] > maxlen)
            maxlen = x->cstart[c + 1];
        x->cstart[c + 1] += x->cstart[c];
    }
    fill = malloc(((size_t)n + 1) * sizeof *fill);
    cc = malloc(((size_t)x->candmax + 1) * sizeof *cc);
    cr = malloc(((size_t)x->candmax + 1) * sizeof *cr);
    cost = malloc(((size_t)x->candmax + 1) * sizeof *cost);
    tmp = malloc(((size_t)maxlen + 1) * sizeof *tmp);
    if (!fill || !cc || !cr || !cost || !tmp)
        goto out;
    memcpy(fill, x->cstart, (size_t)n * sizeof *fill);
    for (int i = 0; i < total; i++) {
        int at = fill[x->cc[i]]++;
        cc[at] = x->cc[i], cr[at] = x->cr[i], cost[at] = x->ccost[i];
    }
    /* Each case's pairs by reviewer, repeats dropped; compacted in place. */
    int out = 0;
    for (int c = 0; c < n; c++) {
        int from = x->cstart[c], to = x->cstart[c + 1], len = to - from;
        for (int i = 0; i < len; i++)
            tmp[i] = (uint64_t)(uint32_t)cr[from + i] << 32 | (uint32_t)cost[from + i];
        if (len > 16) {
            qsort(tmp, (size_t)len, sizeof *tmp, cmp_u64);
        } else {
            for (int i = 1; i < len; i++)
                for (int j = i; j > 0 && tmp[j - 1] > tmp[j]; j--) {
                    uint64_t t = tmp[j];
                    tmp[j] = tmp[j - 1], tmp[j - 1] = t;
                }
        }
        x->cstart[c] = out;
        for (int i = 0; i < len; i++) {
            if (i > 0 && tmp[i] >> 32 == tmp[i - 1] >> 32)
                continue;
            cc[out] = c, cr[out] = (int)(tmp[i] >> 32), cost[out] = (int)(uint32_t)tmp[i];
            out++;
        }
    }
    x->cstart[n] = out;
    free(x->cc), free(x->cr), free(x->ccost);
    x->cc = cc, x->cr = cr, x->ccost = cost;
    cc = cr = cost = NULL;
    x->ncand = out;
    x->dirty = 0;
    rc = 0;
out:
    free(fill), free(cc), free(cr), free(cost), free(tmp);
    return rc;
}

/* Keep the cap smallest keys in a max-heap key/val of *n entries. */
static void topk_push(uint64_t *key, int *val, int *n, int cap, uint64_t k, int v)
{
    int i;

    if (*n < cap) {
        for (i = (*n)++; i > 0; i = (i - 1) / 2) {
            int pa = (i - 1) / 2;
            if (key[pa] >= k)
                break;
            key[i] = key[pa], val[i] = val[pa];
        }
        key[i] = k, val[i] = v;
        return;
    }
    if (cap == 0 || k >= key[0])
        return;
    for (i = 0;;) {
        int c = 2 * i + 1;
        if (c >= cap)
            break;
        if (c + 1 < cap && key[c + 1] > key[c])
            c++;
        if (key[c] <= k)
            break;
        key[i] = key[c], val[i] = val[c];
        i = c;
    }
    key[i] = k, val[i] = v;
}

/* A hash of a case (r < 0) or a reviewer (c < 0); the pair's tie-break is their xor. */
static uint32_t pair_hash(int c, int r)
{
    uint32_t h = (uint32_t)c * 0x9e3779b1u ^ ((uint32_t)r + 0x7f4a7c15u) * 0x85ebca77u;
    h ^= h >> 15;
    h *= 0x2c1b3c6du;
    h ^= h >> 12;
    h *= 0x297a2d39u;
    h ^= h >> 15;
    return h;
}

/*
 * One pass over all pairs: each case's eligible reviewers under the region
 * cap (elig), who is available at all (avail), where the full network has
 * (case, region) nodes (fullcr), and the first candidates: each case's K
 * cheapest, each reviewer's L[r] cheapest (all eligible pairs if x->all).
 */
static int scan(struct ctx *x, int K, const int *L)
{
    int n = x->n, m = x->m, nr = x->nr, rc = -1;
    int *cnt = calloc((size_t)nr + 1, sizeof *cnt);
    int *ccnt = calloc((size_t)nr + 1, sizeof *ccnt);
    uint64_t *hk = malloc(((size_t)K + 1) * sizeof *hk);
    int *hv = malloc(((size_t)K + 1) * sizeof *hv);
    int *loff = calloc((size_t)m + 1, sizeof *loff), *lnum = calloc((size_t)m + 1, sizeof *lnum);
    uint64_t *lk = NULL;
    int *lv = NULL;
    uint32_t *hr = malloc(((size_t)m + 1) * sizeof *hr);
    int *bucket = malloc(((size_t)m + 1) * sizeof *bucket);
    uint64_t *lthr = malloc(((size_t)m + 1) * sizeof *lthr);
    size_t ltotal = 0;
    const int all = x->all;
    int64_t eligible = 0;

    if (!cnt || !ccnt || !hk || !hv || !loff || !lnum || !hr || !bucket || !lthr)
        goto out;
    for (int r = 0; r < m; r++) {
        int g = x->p->reviewers[r].region;
        hr[r] = pair_hash(-1, r);
        bucket[r] = x->cap && g >= 0 ? g : nr;   /* nr: not under the cap */
        lthr[r] = L[r] && !all ? UINT64_MAX : 0; /* a key must be below this to be kept */
    }
    for (int r = 0; r < m; r++)
        loff[r] = (int)ltotal, ltotal += x->all ? 0 : (size_t)L[r];
    lk = malloc((ltotal + 1) * sizeof *lk);
    lv = malloc((ltotal + 1) * sizeof *lv);
    if (!lk || !lv)
        goto out;
    for (int c = 0; c < n; c++) {
        int nh = 0, e = 0, *avail = x->avail;
        uint32_t hc = pair_hash(c, -1);
        uint64_t hthr = K ? UINT64_MAX : 0;
        memset(cnt, 0, ((size_t)nr + 1) * sizeof *cnt);
        struct row w = row_begin(x, c);
        for (int r = 0; r < m; r++) {
            int cost = row_cost(&w, r);
            if (cost < 0)
                continue;
            eligible++;
            avail[r] = 1;
            cnt[bucket[r]]++;
            if (all) {
                if (cand_add(x, c, r, cost))
                    goto out;
                continue;
            }
            /* The cost decides first; the hash only among equal costs. */
            uint64_t ck = (uint64_t)cost << 32, key;
            if (ck <= hthr) {
                key = ck | (hc ^ hr[r]);
                if (key < hthr) {
                    topk_push(hk, hv, &nh, K, key, r);
                    hthr = nh < K ? UINT64_MAX : hk[0];
                }
            }
            if (ck <= lthr[r]) {
                key = ck | (hc ^ hr[r]);
                if (key < lthr[r]) {
                    topk_push(lk + loff[r], lv + loff[r], &lnum[r], L[r], key, c);
                    lthr[r] = lnum[r] < L[r] ? UINT64_MAX : lk[loff[r]];
                }
            }
        }
        e = cnt[nr];
        for (int g = 0; g < nr && x->cap; g++) {
            e += cnt[g] < x->cap ? cnt[g] : x->cap;
            x->fullcr[(size_t)c * nr + g] = cnt[g] > x->cap;
        }
        x->elig[c] = e;
        if (x->all)
            continue;
        /* The candidates must be able to fill the case under the region cap, as the full row can.
         */
        int ce = 0;
        memset(ccnt, 0, ((size_t)nr + 1) * sizeof *ccnt);
        for (int i = 0; i < nh; i++) {
            int g = x->p->reviewers[hv[i]].region;
            if (x->cap && g >= 0)
                ce += ++ccnt[g] <= x->cap;
            else
                ce++;
            if (cand_add(x, c, hv[i], (int)(hk[i] >> 32)))
                goto out;
        }
        if (ce < (e < x->k ? e : x->k)) { /* all of the row; cand_sort drops the repeats */
            w = row_begin(x, c);
            for (int r = 0; r < m; r++) {
                int cost = row_cost(&w, r);
                if (cost >= 0 && cand_add(x, c, r, cost))
                    goto out;
            }
        }
    }
    for (int r = 0; r < m; r++)
        for (int i = 0; i < lnum[r]; i++)
            if (cand_add(x, lv[loff[r] + i], r, (int)(lk[loff[r] + i] >> 32)))
                goto out;
    rc = cand_sort(x);
out:
    x->eligible = eligible;
    free(bucket), free(lthr);
    free(cnt), free(ccnt), free(hk), free(hv), free(loff), free(lnum), free(lk), free(lv), free(hr);
    return rc;
}

/* ---- building and solving one network ------------------------------------ */

static void gen_arcs(struct ctx *x, struct inst *in, int pass, const int *lo, const int *hi)
{
    const struct assign_problem *p = x->p;
    struct net *g = &in->g;
    int64_t sumlo = 0;

    for (int c = 0; c < x->n; c++) {
        int cn = NODE_CASE0 + c;
        net_arc(g, pass, NODE_S, cn, x->k, 0);
        for (int i = in->cr_first[c]; i < in->cr_first[c + 1]; i++) {
            net_arc(g, pass, cn, in->cr0 + i, x->cap, 0);
            x->regnode[in->cr_reg[i]] = in->cr0 + i;
        }
        for (int i = x->cstart[c]; i < x->cstart[c + 1]; i++) {
            int r = x->cr[i], reg = p->reviewers[r].region;
            int tail = x->cap && reg >= 0 && x->regnode[reg] >= 0 ? x->regnode[reg] : cn;
            net_arc(g, pass, tail, in->rev0 + r, 1, x->ccost[i]);
        }
        for (int i = in->cr_first[c]; i < in->cr_first[c + 1]; i++)
            x->regnode[in->cr_reg[i]] = -1;
    }
    for (int r = 0; r < x->m; r++) {
        sumlo += lo[r];
        if (lo[r] > 0)
            net_arc(g, pass, in->rev0 + r, NODE_T, lo[r], 0);
        if (hi[r] > lo[r])
            net_arc(g, pass, in->rev0 + r, NODE_X, hi[r] - lo[r], 0);
    }
    net_arc(g, pass, NODE_X, NODE_T, (int)(x->need - sumlo), 0);
}

/* The network of the candidates for bounds lo..hi (Σ lo <= nk). 0, or -1 (out of memory). */
static int inst_build(struct ctx *x, struct inst *in, const int *lo, const int *hi)
{
    int n = x->n, nr = x->nr, ncr = 0;
    int *cnt = calloc((size_t)nr + 1, sizeof *cnt);

    memset(in, 0, sizeof *in);
    in->cr_first = calloc((size_t)n + 2, sizeof *in->cr_first);
    if (!cnt || !in->cr_first) {
        free(cnt);
        return -1;
    }
    /* (case, region) nodes where a case has more candidates of a region than the cap. */
    for (int pass = 0; pass < 2 && x->cap; pass++) {
        ncr = 0;
        for (int c = 0; c < n; c++) {
            in->cr_first[c] = ncr;
            for (int i = x->cstart[c]; i < x->cstart[c + 1]; i++) {
                int g = x->p->reviewers[x->cr[i]].region;
                if (g >= 0)
                    cnt[g]++;
            }
            for (int i = x->cstart[c]; i < x->cstart[c + 1]; i++) {
                int g = x->p->reviewers[x->cr[i]].region;
                if (g < 0 || cnt[g] == 0)
                    continue;
                if (cnt[g] > x->cap) {
                    if (pass == 1)
                        in->cr_case[ncr] = c, in->cr_reg[ncr] = g;
                    ncr++;
                }
                cnt[g] = 0;
            }
        }
        in->cr_first[n] = ncr;
        if (pass == 0) {
            in->cr_case = malloc(((size_t)ncr + 1) * sizeof *in->cr_case);
            in->cr_reg = malloc(((size_t)ncr + 1) * sizeof *in->cr_reg);
            if (!in->cr_case || !in->cr_reg) {
                free(cnt);
                return -1;
            }
        }
    }
    free(cnt);
    if (!in->cr_case) {
        in->cr_case = malloc(sizeof *in->cr_case);
        in->cr_reg = malloc(sizeof *in->cr_reg);
        if (!in->cr_case || !in->cr_reg)
            return -1;
    }
    in->ncr = ncr;
    /* Arcs, both directions, must be countable in an int. */
    if (2 * ((int64_t)n + ncr + x->ncand + 2 * (int64_t)x->m + 1) >= INT_MAX)
        return -1;
    in->cr0 = NODE_CASE0 + n;
    in->rev0 = in->cr0 + ncr;
    in->g.nv = in->rev0 + x->m;
    in->g.start = calloc((size_t)in->g.nv + 2, sizeof *in->g.start);
    if (!in->g.start)
        return -1;
    gen_arcs(x, in, 0, lo, hi);
    if (net_alloc(&in->g))
        return -1;
    gen_arcs(x, in, 1, lo, hi);
    return 0;
}

/* The case of a tail node (case or (case, region)). */
static int tail_case(const struct inst *in, int u)
{
    return u < in->cr0 ? u - NODE_CASE0 : in->cr_case[u - in->cr0];
}

/*
 * Price every pair that is not a candidate against the potentials of a full
 * flow; add those of negative reduced cost.  Returns how many were added
 * (0: the flow is optimal for the full problem), or -1.
 */
static int64_t price(struct ctx *x, struct inst *in)
{
    const struct assign_problem *p = x->p;
    const int64_t *pot = in->g.pot;
    int64_t added = 0, budget = x->ncand > 100000 ? x->ncand : 100000;

    for (int c = 0; c < x->n && added < budget; c++) {
        int64_t pc = pot[NODE_CASE0 + c];
        struct row w = row_begin(x, c);
        for (int i = x->cstart[c]; i < x->cstart[c + 1]; i++)
            x->markc[x->cr[i]] = x->stamp;
        for (int i = in->cr_first[c]; i < in->cr_first[c + 1]; i++)
            x->regnode[in->cr_reg[i]] = in->cr0 + i;
        for (int r = 0; r < x->m; r++) {
            if (x->markc[r] == x->stamp)
                continue;
            int cost = row_cost(&w, r);
            if (cost < 0)
                continue;
            int g = p->reviewers[r].region;
            int64_t tail = x->cap && g >= 0 && x->regnode[g] >= 0 ? pot[x->regnode[g]] : pc;
            if (cost + tail - pot[in->rev0 + r] < 0) {
                if (cand_add(x, c, r, cost))
                    return -1;
                added++;
            }
        }
        for (int i = in->cr_first[c]; i < in->cr_first[c + 1]; i++)
            x->regnode[in->cr_reg[i]] = -1;
    }
    return added;
}

/* Reviewers of case c with flow, as a stamp in markc; and their count per region in cnt. */
static void flowed_of(struct ctx *x, const struct inst *in, int c, int *cnt)
{
    const struct net *g = &in->g;
    int first = NODE_CASE0 + c;

    x->stamp++;
    for (int i = -1; i < in->cr_first[c + 1] - in->cr_first[c]; i++) {
        int u = i < 0 ? first : in->cr0 + in->cr_first[c] + i;
        for (int a = g->start[u]; a < g->start[u + 1]; a++) {
            int r = g->to[a] - in->rev0;
            if (r < 0 || g->cap[a] != 0)
                continue;
            x->markc[r] = x->stamp;
            if (cnt && x->p->reviewers[r].region >= 0)
                cnt[x->p->reviewers[r].region]++;
        }
    }
}

/*
 * Breadth-first search from S in the full residual network of the flow in
 * `in` (pairs generated on the fly).  Leaves what S reaches in vcase, vrev,
 * vcr.  If T is reached, adds the pairs the search went through that are not
 * candidates and returns how many (> 0); returns 0 if T is not reached (the
 * flow is maximum in the full network), -1 if out of memory.
 */
static int64_t search(struct ctx *x, struct inst *in)
{
    const struct assign_problem *p = x->p;
    const struct net *g = &in->g;
    int n = x->n, m = x->m, nr = x->nr, qh = 0, qt = 0, reached = 0, vx = 0;
    int *cnt = calloc((size_t)nr + 1, sizeof *cnt);
    int64_t added = 0;
    const int NX = n + m, CR0 = n + m + 1;

    if (!cnt)
        return -1;
    memset(x->vcase, 0, (size_t)n);
    memset(x->vrev, 0, (size_t)m);
    if (x->cap)
        memset(x->vcr, 0, (size_t)n * (size_t)nr);
    for (int a = g->start[NODE_S]; a < g->start[NODE_S + 1]; a++)
        if (g->cap[a] > 0) {
            int c = g->to[a] - NODE_CASE0;
            x->vcase[c] = 1, x->queue[qt++] = c;
        }
    while (qh < qt && !reached) {
        int u = x->queue[qh++];
        if (u < n || u >= CR0) { /* a case, or a (case, region) node of the full network */
            int c = u < n ? u : (u - CR0) / nr, only = u < n ? -1 : (u - CR0) % nr;
            memset(cnt, 0, ((size_t)nr + 1) * sizeof *cnt);
            flowed_of(x, in, c, cnt);
            int fstamp = x->stamp;
            if (only >= 0 && cnt[only] > 0 && !x->vcase[c])
                x->vcase[c] = 1, x->queue[qt++] = c; /* back to the case */
            struct row w = row_begin(x, c);
            int from = only >= 0 ? x->byreg_start[only] : 0;
            int to = only >= 0 ? x->byreg_start[only + 1] : m;
            for (int i = from; i < to; i++) {
                int r = only >= 0 ? x->byreg[i] : i, rg = p->reviewers[r].region;
                int viacr = x->cap && rg >= 0 && x->fullcr[(size_t)c * nr + rg];
                if ((only >= 0 && rg != only) || (only < 0 && viacr && x->vcr[(size_t)c * nr + rg]))
                    continue;
                if (x->markc[r] == fstamp || row_cost(&w, r) < 0)
                    continue; /* has flow (no residual forward), or not eligible */
                if (only < 0 && viacr) {
                    /* case → (case, region), residual while the region is under the cap */
                    if (cnt[rg] < x->cap) {
                        x->vcr[(size_t)c * nr + rg] = 1;
                        x->queue[qt++] = CR0 + c * nr + rg;
                    }
                    continue;
                }
                if (!x->vrev[r]) {
                    x->vrev[r] = 1, x->parent[r] = c;
                    x->queue[qt++] = n + r;
                }
            }
        } else if (u < NX) { /* a reviewer: back along his flow, on to T or X */
            int r = u - n, v = in->rev0 + r, rg = p->reviewers[r].region;
            for (int a = g->start[v]; a < g->start[v + 1]; a++) {
                int w = g->to[a];
                if (g->cap[a] <= 0)
                    continue;
                if (w == NODE_T) {
                    reached = 1;
                } else if (w == NODE_X) {
                    if (!vx)
                        vx = 1, x->queue[qt++] = NX;
                } else if (w >= NODE_CASE0 && w < in->rev0) {
                    int c = tail_case(in, w);
                    if (x->cap && rg >= 0 && x->fullcr[(size_t)c * nr + rg]) {
                        if (!x->vcr[(size_t)c * nr + rg])
                            x->vcr[(size_t)c * nr + rg] = 1, x->queue[qt++] = CR0 + c * nr + rg;
                    } else if (!x->vcase[c]) {
                        x->vcase[c] = 1, x->queue[qt++] = c;
                    }
                }
            }
        } else { /* X: on to T, or back to reviewers with flow through X */
            for (int a = g->start[NODE_X]; a < g->start[NODE_X + 1]; a++) {
                int w = g->to[a];
                if (g->cap[a] <= 0)
                    continue;
                if (w == NODE_T)
                    reached = 1;
                else if (w >= in->rev0 && !x->vrev[w - in->rev0])
                    x->vrev[w - in->rev0] = 1, x->parent[w - in->rev0] = -1,
                                x->queue[qt++] = n + (w - in->rev0);
            }
        }
    }
    free(cnt);
    if (!reached)
        return 0;
    /* Add the pairs by which the search reached reviewers, where they are not candidates. */
    for (int r = 0; r < m; r++) {
        int c = x->parent[r];
        if (!x->vrev[r] || c < 0)
            continue;
        int is = 0;
        for (int i = x->cstart[c]; i < x->cstart[c + 1] && !is; i++)
            is = x->cr[i] == r;
        if (is)
            continue;
        struct row w = row_begin(x, c);
        if (cand_add(x, c, r, row_cost(&w, r)))
            return -1;
        added++;
    }
    return added;
}

/* Every eligible pair a candidate: the fallback. */
static int cand_all(struct ctx *x)
{
    x->ncand = 0;
    x->all = 1;
    for (int c = 0; c < x->n; c++) {
        struct row w = row_begin(x, c);
        for (int r = 0; r < x->m; r++) {
            int cost = row_cost(&w, r);
            if (cost >= 0 && cand_add(x, c, r, cost))
                return -1;
        }
    }
    return cand_sort(x);
}

/*
 * Solve the network of the candidates for lo..hi, adding pairs until the
 * flow is right for the full problem: full and (with want_opt) optimal by
 * the reduced-cost check, or short and maximum (then vcase holds the cut).
 * Leaves the network in *in (inst_free).  Returns the flow, or -1.
 */
static int64_t run(struct ctx *x, const int *lo, const int *hi, int want_opt, struct inst *in)
{
    for (;;) {
        memset(in, 0, sizeof *in);
        if (cand_sort(x) || inst_build(x, in, lo, hi))
            return -1;
        int64_t flow = min_cost_flow(&in->g, NODE_S, NODE_T, x->need), added;
        x->rounds++;
        if (flow == x->need)
            added = want_opt && !x->all ? price(x, in) : 0;
        else
            added = search(x, in);
        if (added <= 0)
            return added < 0 ? -1 : flow;
        inst_free(in);
        if (x->rounds >= ASSIGN_MAX_ROUNDS && !x->all && cand_all(x))
            return -1;
    }
}

/* ---- messages ------------------------------------------------------------ */

/*
 * Append printf output to a fixed message buffer.  What does not fit is cut
 * at a character boundary and marked with "…"; nothing is appended after.
 */
static void msg(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void msg(char *out, const char *fmt, ...)
{
    static const char more[] = "…";
    char tmp[ASSIGN_MESSAGE_MAX];
    size_t len = strlen(out), room;
    va_list ap;

    if (len >= sizeof tmp - sizeof more)
        return; /* full, and marked so */
    va_start(ap, fmt);
    int w = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (w < 0)
        return;
    room = sizeof tmp - sizeof more - len; /* bytes that fit before the mark */
    if ((size_t)w <= room) {
        memcpy(out + len, tmp, (size_t)w + 1);
        return;
    }
    size_t cut = room;
    while (cut > 0 && ((unsigned char)tmp[cut] & 0xc0) == 0x80)
        cut--; /* not inside a UTF-8 sequence */
    memcpy(out + len, tmp, cut);
    memcpy(out + len + cut, more, sizeof more);
    /* Pad so that the buffer counts as full. */
    len = strlen(out);
    while (len < sizeof tmp - sizeof more)
        out[len++] = ' ';
    out[len] = 0;
}

/* How messages name case c and reviewer r: their ids when the caller gave them. */
static long long case_label(const struct assign_problem *p, int c)
{
    return p->case_ids ? (long long)p->case_ids[c] : c;
}

static long long reviewer_label(const struct assign_problem *p, int r)
{
    return p->reviewer_ids ? (long long)p->reviewer_ids[r] : r;
}

static void region_name(const struct assign_problem *p, int g, char *out, size_t n)
{
    if (g < 0)
        snprintf(out, n, "no region");
    else if (p->region_names && g < p->nregions && p->region_names[g])
        snprintf(out, n, "%s", p->region_names[g]);
    else
        snprintf(out, n, "region %d", g);
}

/*
 * Explain a short flow by the minimum cut: the cases S reaches in the full
 * residual network need more reviews than their eligible reviewers can
 * take.  Every region of them is named, the largest share first.
 */
static void explain_cut(struct ctx *x, int64_t flow, char *out)
{
    const struct assign_problem *p = x->p;
    int n = x->n, m = x->m, k = x->k, nr = x->nr;
    int *per = calloc((size_t)nr + 1, sizeof *per);
    int *ord = malloc(((size_t)nr + 1) * sizeof *ord);
    int ncut = 0, nreg = 0;
    char name[128];

    msg(out, "%lld reviews needed, %lld possible", (long long)x->need, (long long)flow);
    if (!per || !ord)
        goto out;
    for (int c = 0; c < n; c++)
        if (x->vcase[c]) {
            ncut++;
            per[p->cases[c].region >= 0 ? p->cases[c].region : nr]++;
        }
    /* Regions by share, largest first (then by index); "no region" counts as index nr. */
    for (int g = 0; g <= nr; g++)
        if (per[g]) {
            int j = nreg++;
            for (; j > 0 && per[ord[j - 1]] < per[g]; j--)
                ord[j] = ord[j - 1];
            ord[j] = g;
        }
    if (ncut == 0)
        goto out;
    msg(out, ": the %d case%s from ", ncut, ncut == 1 ? "" : "s");
    for (int i = 0; i < nreg; i++) {
        region_name(p, ord[i] < nr ? ord[i] : -1, name, sizeof name);
        if (nreg == 1)
            msg(out, "%s", name);
        else
            msg(out, "%s%s (%d)", i ? ", " : "", name, per[ord[i]]);
    }
    msg(out, " need %lld reviews and the reviewers eligible for them can take %lld",
        (long long)ncut * k, (long long)ncut * k - (x->need - flow));
    if (!p->allow_own_region) {
        int shown = 0;
        for (int i = 0; i < nreg; i++) {
            int g = ord[i], own = 0;
            if (g >= nr)
                continue;
            for (int r = 0; r < m; r++)
                own += p->reviewers[r].region == g && p->reviewers[r].max_load > 0;
            if (!own)
                continue;
            region_name(p, g, name, sizeof name);
            if (nreg == 1)
                msg(out, "; %d reviewer%s of %s cannot take cases from %s (回避)", own,
                    own == 1 ? "" : "s", name, name);
            else
                msg(out, "%s%s %d",
                    shown ? ", "
                          : "; reviewers who cannot take their own "
                            "region's cases (回避): ",
                    name, own);
            shown++;
        }
    }
out:
    free(per);
    free(ord);
}

/* Explain the reviewers left below their minimum load after a maximum flow. */
static void explain_minload(struct ctx *x, struct inst *in, const int *lo, char *out)
{
    struct net *g = &in->g;
    int m = x->m, nshort = 0, first = -1, firstgot = 0;
    int64_t missing = 0;

    for (int r = 0; r < m; r++) {
        int v = in->rev0 + r;
        for (int a = g->start[v]; a < g->start[v + 1]; a++) {
            if (g->to[a] != NODE_T || g->cap[a] == 0)
                continue; /* the lower-bound arc is the only one to T */
            nshort++;
            missing += g->cap[a];
            if (first < 0)
                first = r, firstgot = lo[r] - g->cap[a];
        }
    }
    msg(out, "the minimum loads cannot be met");
    if (first >= 0) {
        int elig = 0;
        for (int c = 0; c < x->n; c++) {
            struct row w = row_begin(x, c);
            elig += row_cost(&w, first) >= 0;
        }
        msg(out,
            ": %d reviewer%s short by %lld case%s in all; e.g. reviewer %lld gets %d of at "
            "least %d and is eligible for %d cases",
            nshort, nshort == 1 ? "" : "s", (long long)missing, missing == 1 ? "" : "s",
            reviewer_label(x->p, first), firstgot, lo[first], elig);
    }
}

/* Read the assignment out of the flow into res. */
static int extract(struct ctx *x, struct inst *in, struct assign_result *res)
{
    struct net *g = &in->g;
    int n = x->n, m = x->m, k = x->k;
    int *fill = calloc((size_t)n + 1, sizeof *fill);

    res->reviewers = malloc((size_t)n * k * sizeof *res->reviewers + 1);
    res->load = calloc((size_t)m + 1, sizeof *res->load);
    if (!fill || !res->reviewers || !res->load) {
        free(fill);
        return -1;
    }
    res->total_cost = 0;
    for (int u = NODE_CASE0; u < in->rev0; u++) {
        int c = tail_case(in, u);
        for (int a = g->start[u]; a < g->start[u + 1]; a++) {
            int r = g->to[a] - in->rev0;
            if (r < 0 || g->cap[a] != 0)
                continue;
            if (fill[c] < k)
                res->reviewers[(size_t)c * k + fill[c]] = r;
            fill[c]++;
            res->load[r]++;
            res->total_cost += g->cost[a];
        }
    }
    for (int c = 0; c < n; c++) {
        int *v = &res->reviewers[(size_t)c * k];
        for (int i = 1; i < k; i++) /* insertion sort: k is small */
            for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
                int t = v[j];
                v[j] = v[j - 1], v[j - 1] = t;
            }
        /*
         * assign.h's promise: exactly k distinct reviewers, none of the case's
         * own region (unless allowed) or unit, none unavailable.  The lists
         * (forbidden, conflicts) are left to the tests: checking them here
         * would cost more than the solve.
         */
        CHECK(fill[c] == k);
        for (int i = 0; i < k; i++)
            CHECK((i == 0 || v[i - 1] < v[i]) && base_cost(x->p, c, v[i]) >= 0);
    }
    res->load_min = m ? INT_MAX : 0, res->load_max = 0;
    for (int r = 0; r < m; r++) {
        if (res->load[r] < res->load_min)
            res->load_min = res->load[r];
        if (res->load[r] > res->load_max)
            res->load_max = res->load[r];
    }
    free(fill);
    return 0;
}

/*
 * Solve with bounds lo..hi.  With res NULL only feasibility is wanted.  On
 * failure the message goes to out (if not NULL).
 */
static int solve_bounds(struct ctx *x, const int *lo, const int *hi, struct assign_result *res,
                        char *out)
{
    struct inst in;
    int64_t flow, sumlo = 0;
    int rc = ASSIGN_OK, any_lo = 0;

    for (int r = 0; r < x->m; r++)
        sumlo += lo[r], any_lo |= lo[r] > 0;
    if (sumlo > x->need) {
        if (out)
            msg(out, "the minimum loads add up to %lld cases but only %lld reviews are needed",
                (long long)sumlo, (long long)x->need);
        return ASSIGN_EMINLOAD;
    }
    flow = run(x, lo, hi, res != NULL, &in);
    if (flow < 0) {
        inst_free(&in);
        return ASSIGN_ENOMEM;
    }
    if (flow < x->need) {
        /* Would it work without the minimum loads?  Then they are the reason. */
        rc = ASSIGN_EBOTTLENECK;
        if (any_lo) {
            int *zero = calloc((size_t)x->m + 1, sizeof *zero);
            char sub[ASSIGN_MESSAGE_MAX] = "";
            if (!zero) {
                inst_free(&in);
                return ASSIGN_ENOMEM;
            }
            rc = solve_bounds(x, zero, hi, NULL, sub);
            free(zero);
            if (rc == ASSIGN_OK) {
                rc = ASSIGN_EMINLOAD;
                if (out)
                    explain_minload(x, &in, lo, out);
            } else if (out) {
                msg(out, "%s", sub);
            }
        } else if (out) {
            explain_cut(x, flow, out);
        }
    } else if (res && extract(x, &in, res)) {
        rc = ASSIGN_ENOMEM;
    }
    inst_free(&in);
    return rc;
}

/*
 * No assignment at all: the reviewers' capacity or a case's eligible
 * reviewers fall short.  The figure "possible" is the maximum flow.
 */
static int explain_short(struct ctx *x, const int *hi, int64_t sumhi, int nshort, char *out)
{
    struct inst in;
    int *zero = calloc((size_t)x->m + 1, sizeof *zero);
    int64_t flow = zero ? run(x, zero, hi, 0, &in) : -1;
    char name[128];

    free(zero);
    if (zero)
        inst_free(&in);
    if (flow < 0)
        return ASSIGN_ENOMEM;
    msg(out, "%lld reviews needed, %lld possible: ", (long long)x->need, (long long)flow);
    if (sumhi < x->need) {
        msg(out, "%d reviewers can take %lld cases in all", x->m, (long long)sumhi);
        if (flow < sumhi)
            msg(out, "; the rules on who may review which case leave %lld of them",
                (long long)flow);
        return ASSIGN_ECAPACITY;
    }
    if (nshort > 1)
        msg(out, "%d cases have fewer than %d eligible reviewers: ", nshort, x->k);
    for (int c = 0, shown = 0; c < x->n && shown < 12; c++) {
        if (x->elig[c] >= x->k)
            continue;
        region_name(x->p, x->p->cases[c].region, name, sizeof name);
        if (nshort == 1)
            msg(out, "case %lld (%s) has %d eligible reviewer%s, %d needed", case_label(x->p, c),
                name, x->elig[c], x->elig[c] == 1 ? "" : "s", x->k);
        else
            msg(out, "%scase %lld (%s) has %d", shown ? ", " : "", case_label(x->p, c), name,
                x->elig[c]);
        if (++shown == 12 && nshort > 12)
            msg(out, ", …");
    }
    if (x->cap)
        msg(out, " (at most %d from one region)", x->cap);
    return ASSIGN_ECASE;
}

static int validate(const struct assign_problem *p)
{
    if (!p || p->ncases < 0 || p->nreviewers < 0 || p->k < 1 || p->max_same_region < 0 ||
        p->earlier_penalty < 0 || p->nconflicts < 0 || p->nregions < 0)
        return -1;
    if ((p->ncases && !p->cases) || (p->nreviewers && !p->reviewers) ||
        (p->nconflicts && !p->conflicts))
        return -1;
    if ((int64_t)p->ncases * p->k > INT_MAX / 2 || p->nreviewers > INT_MAX / 4)
        return -1;
    if (p->earlier_penalty > INT_MAX / 4)
        return -1;
    for (int c = 0; c < p->ncases; c++) {
        const struct assign_case *kc = &p->cases[c];
        if (kc->nforbidden < 0 || kc->nseen < 0 || (kc->nforbidden && !kc->forbidden) ||
            (kc->nseen && !kc->seen) || kc->region < -1)
            return -1;
        for (int i = 0; i < kc->nforbidden; i++)
            if (kc->forbidden[i] < 0 || kc->forbidden[i] >= p->nreviewers)
                return -1;
        for (int i = 0; i < kc->nseen; i++)
            if (kc->seen[i] < 0 || kc->seen[i] >= p->nreviewers)
                return -1;
    }
    for (int r = 0; r < p->nreviewers; r++) {
        const struct assign_reviewer *rv = &p->reviewers[r];
        if (rv->region < -1 || rv->min_load < 0 || rv->max_load < 0 ||
            (rv->max_load > 0 && rv->min_load > rv->max_load) || rv->max_load > INT_MAX / 4)
            return -1;
    }
    for (int i = 0; i < p->nconflicts; i++)
        if (p->conflicts[i].kase < 0 || p->conflicts[i].kase >= p->ncases ||
            p->conflicts[i].reviewer < 0 || p->conflicts[i].reviewer >= p->nreviewers)
            return -1;
    return 0;
}

void assign_result_free(struct assign_result *res)
{
    if (!res)
        return;
    free(res->reviewers);
    free(res->load);
    res->reviewers = NULL;
    res->load = NULL;
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/*
 * The bounds of each reviewer: his own (d < 0), or the balanced band
 * fl - d .. ce + d clamped into his own [min_load, max_load].  A reviewer
 * allowed no case takes none.
 */
static void bounds(const struct ctx *x, int fl, int ce, int d, int *lo, int *hi)
{
    for (int r = 0; r < x->m; r++) {
        const struct assign_reviewer *rv = &x->p->reviewers[r];
        int own_lo = rv->min_load, own_hi = rv->max_load;
        if (!x->avail[r]) {
            lo[r] = hi[r] = 0;
        } else if (d < 0) {
            lo[r] = own_lo, hi[r] = own_hi;
        } else {
            lo[r] = clamp(fl - d, own_lo, own_hi);
            hi[r] = clamp(ce + d, own_lo, own_hi);
        }
    }
}

int assign_solve(const struct assign_problem *p, struct assign_result *res)
{
    struct ctx x;
    int *lo = NULL, *hi = NULL, *L = NULL;
    int rc, ctx_ok = 0;

    if (!res)
        return ASSIGN_EINVAL;
    memset(res, 0, sizeof *res);
    if (validate(p)) {
        snprintf(res->message, sizeof res->message, "invalid assignment problem");
        return ASSIGN_EINVAL;
    }
    size_t m1 = (size_t)p->nreviewers + 1;
    lo = malloc(m1 * sizeof *lo);
    hi = malloc(m1 * sizeof *hi);
    L = calloc(m1, sizeof *L);
    rc = ASSIGN_ENOMEM;
    if (!lo || !hi || !L || ctx_init(&x, p))
        goto out;
    ctx_ok = 1;
    /* Candidates per reviewer: his lower bound (the balanced floor, estimated, or his own) + k. */
    int maybe = 0;
    for (int r = 0; r < x.m; r++)
        maybe += x.rbase[r] >= 0;
    int fl_est = p->balanced && maybe ? (int)(x.need / maybe) : 0;
    for (int r = 0; r < x.m; r++) {
        int want = p->reviewers[r].min_load > fl_est ? p->reviewers[r].min_load : fl_est;
        L[r] = x.rbase[r] < 0 || want == 0 ? 0 : want + x.k < x.n ? want + x.k : x.n;
    }
    x.all = p->exhaustive;
    if (scan(&x, ASSIGN_PRUNE_K * x.k, L))
        goto out;

    bounds(&x, 0, 0, -1, lo, hi);
    int64_t sumhi = 0, sumlo = 0;
    int nshort = 0;
    for (int r = 0; r < x.m; r++)
        sumhi += hi[r], sumlo += lo[r];
    for (int c = 0; c < x.n; c++)
        nshort += x.elig[c] < x.k;
    if (sumlo > x.need) {
        msg(res->message, "the minimum loads add up to %lld cases but only %lld reviews are needed",
            (long long)sumlo, (long long)x.need);
        rc = ASSIGN_EMINLOAD;
        goto out;
    }
    if (sumhi < x.need || nshort) {
        rc = explain_short(&x, hi, sumhi, nshort, res->message);
        goto out;
    }
    if (!p->balanced) {
        rc = solve_bounds(&x, lo, hi, res, res->message);
        goto out;
    }
    /* Balanced: floor..ceil over the reviewers who can take a case, widened if need be. */
    int avail = 0, maxload = 0;
    for (int r = 0; r < x.m; r++) {
        avail += hi[r] > 0;
        if (hi[r] > maxload)
            maxload = hi[r];
    }
    int fl = avail ? (int)(x.need / avail) : 0,
        ce = avail ? (int)((x.need + avail - 1) / avail) : 0;
    int dmax = maxload > fl ? maxload : fl;
    int d = 0;
    bounds(&x, fl, ce, 0, lo, hi);
    rc = solve_bounds(&x, lo, hi, res, NULL);
    if (rc != ASSIGN_OK && rc != ASSIGN_ENOMEM) {
        /* Feasible at all?  Then the least widening d in (0, dmax] by binary search. */
        bounds(&x, fl, ce, dmax, lo, hi);
        rc = solve_bounds(&x, lo, hi, NULL, res->message);
        if (rc != ASSIGN_OK)
            goto out;
        int a = 0, b = dmax; /* infeasible at a, feasible at b */
        while (b - a > 1) {
            int mid = a + (b - a) / 2;
            bounds(&x, fl, ce, mid, lo, hi);
            rc = solve_bounds(&x, lo, hi, NULL, NULL);
            if (rc == ASSIGN_ENOMEM)
                goto out;
            if (rc == ASSIGN_OK)
                b = mid;
            else
                a = mid;
        }
        d = b;
        bounds(&x, fl, ce, d, lo, hi);
        rc = solve_bounds(&x, lo, hi, res, res->message);
    }
    res->lo = fl - d > 0 ? fl - d : 0;
    res->hi = ce + d;
out:
    if (ctx_ok) {
        res->pairs_eligible = x.eligible;
        res->pairs_network = x.ncand;
        res->rounds = x.rounds;
        ctx_free(&x);
    }
    if (rc == ASSIGN_ENOMEM && !res->message[0])
        snprintf(res->message, sizeof res->message, "out of memory");
    if (rc != ASSIGN_OK)
        assign_result_free(res);
    else
        res->message[0] = 0;
    free(lo);
    free(hi);
    free(L);
    return rc;
}
