/*
 * assign.c — optimal reviewer assignment as a min-cost flow; see assign.h.
 *
 * The network.  Nodes are the source S, the sink T, an overflow node X, one
 * node per case, one per (case, region) where the region cap binds, and one
 * per reviewer.  Arcs:
 *
 *   S → case                 capacity k, cost 0
 *   case → (case, region)    capacity max_same_region, cost 0 (only where a
 *                            case has more eligible reviewers of a region
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
 * path lengths: at most nk·C for the largest pair cost C, in practice a
 * handful because pair costs differ by a few tag counts — 3 on the
 * 4,000 × 5 benchmark) it runs in O(P · (E log V + V·E)) time, the V·E being
 * the Dinic worst case that unit capacities keep far away, and O(V + E)
 * memory: V ≈ n·(1 + regions), E ≈ n·m eligible pairs.  The n × m matrix of
 * pair costs is built once, in O(n·m + lists).
 *
 * Balanced loads: lo = floor(nk/m'), hi = ceil(nk/m') over the m' available
 * reviewers, each clipped to the reviewer's own [min_load, max_load]; if that
 * is infeasible but the unbalanced problem is not, the bounds are widened to
 * lo - d .. hi + d for the least d found by binary search.
 *
 * When the flow falls short, the residual graph gives the minimum cut: the
 * cases still reachable from S are the group whose eligible reviewers cannot
 * take all their reviews, and the message names them by region.
 */
#include "assign.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INF64 INT64_MAX

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
    return ASSIGN_COST_BASE - __builtin_popcountll(kc->tags & rv->tags) +
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

/* The n × m matrix of pair costs (-1: not allowed), from the rules and all lists. */
static int *cost_matrix(const struct assign_problem *p)
{
    size_t n = (size_t)p->ncases, m = (size_t)p->nreviewers;
    int *cm = malloc(n * m * sizeof *cm + 1);

    if (!cm)
        return NULL;
    for (size_t c = 0; c < n; c++)
        for (size_t r = 0; r < m; r++)
            cm[c * m + r] = base_cost(p, (int)c, (int)r);
    for (size_t c = 0; c < n; c++) {
        const struct assign_case *kc = &p->cases[c];
        for (int i = 0; i < kc->nforbidden; i++)
            cm[c * m + (size_t)kc->forbidden[i]] = -1;
        for (int i = 0; i < kc->nseen; i++) {
            int r = kc->seen[i];
            int *x = &cm[c * m + (size_t)r];
            if (*x < 0 || p->reviewers[r].earlier)
                continue; /* excluded, or penalised already */
            *x = p->earlier_exclude ? -1 : *x + p->earlier_penalty;
        }
    }
    for (int i = 0; i < p->nconflicts; i++)
        cm[(size_t)p->conflicts[i].kase * m + (size_t)p->conflicts[i].reviewer] = -1;
    return cm;
}

/* ---- the flow network ---------------------------------------------------- */

struct net {
    int nv;     /* nodes */
    int na;     /* arcs (both directions) */
    int *start; /* nv + 1: arcs of u are [start[u], start[u+1]) */
    int *to, *cap, *cost, *rev;
    /* construction: the edge list */
    int ne, emax;
    int *eu, *ev, *ecap, *ecost;
    /* solver state */
    int64_t *pot, *dist;
    int *heap, *hpos, *level, *cur, *stack, *queue;
};

static void net_free(struct net *g)
{
    free(g->start), free(g->to), free(g->cap), free(g->cost), free(g->rev);
    free(g->eu), free(g->ev), free(g->ecap), free(g->ecost);
    free(g->pot), free(g->dist), free(g->heap), free(g->hpos), free(g->level), free(g->cur);
    free(g->stack), free(g->queue);
    memset(g, 0, sizeof *g);
}

static int net_edge(struct net *g, int u, int v, int cap, int cost)
{
    if (g->ne == g->emax) {
        int nmax = g->emax ? g->emax * 2 : 1024;
        int *a = realloc(g->eu, (size_t)nmax * sizeof *a);
        if (a)
            g->eu = a;
        int *b = realloc(g->ev, (size_t)nmax * sizeof *b);
        if (b)
            g->ev = b;
        int *c = realloc(g->ecap, (size_t)nmax * sizeof *c);
        if (c)
            g->ecap = c;
        int *d = realloc(g->ecost, (size_t)nmax * sizeof *d);
        if (d)
            g->ecost = d;
        if (!a || !b || !c || !d)
            return -1;
        g->emax = nmax;
    }
    g->eu[g->ne] = u, g->ev[g->ne] = v, g->ecap[g->ne] = cap, g->ecost[g->ne] = cost;
    g->ne++;
    return 0;
}

/* Turn the edge list into arrays of arcs by tail (forward and reverse), and allocate the rest. */
static int net_build(struct net *g)
{
    size_t nv = (size_t)g->nv, na = 2 * (size_t)g->ne;

    g->na = (int)na;
    g->start = calloc(nv + 1, sizeof *g->start);
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
    if (!g->start || !g->to || !g->cap || !g->cost || !g->rev || !g->pot || !g->dist || !g->heap ||
        !g->hpos || !g->level || !g->cur || !g->stack || !g->queue)
        return -1;
    for (int e = 0; e < g->ne; e++)
        g->start[g->eu[e] + 1]++, g->start[g->ev[e] + 1]++;
    for (size_t u = 0; u < nv; u++)
        g->start[u + 1] += g->start[u];
    int *pos = g->cur; /* borrowed as fill pointers */
    memcpy(pos, g->start, nv * sizeof *pos);
    for (int e = 0; e < g->ne; e++) {
        int u = g->eu[e], v = g->ev[e];
        int a = pos[u]++, b = pos[v]++;
        g->to[a] = v, g->cap[a] = g->ecap[e], g->cost[a] = g->ecost[e], g->rev[a] = b;
        g->to[b] = u, g->cap[b] = 0, g->cost[b] = -g->ecost[e], g->rev[b] = a;
    }
    free(g->eu), free(g->ev), free(g->ecap), free(g->ecost);
    g->eu = g->ev = g->ecap = g->ecost = NULL;
    return 0;
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

/* ---- building and solving one instance ----------------------------------- */

#define NODE_S 0
#define NODE_T 1
#define NODE_X 2
#define NODE_CASE0 3

struct inst {
    const struct assign_problem *p;
    const int *cm; /* pair costs */
    const int *lo, *hi;
    struct net g;
    int rev0;     /* first reviewer node */
    int cr0, ncr; /* (case, region) nodes */
    int *cr_case; /* ncr: the case of each (case, region) node */
};

static void inst_free(struct inst *in)
{
    net_free(&in->g);
    free(in->cr_case);
}

static int region_count(const struct assign_problem *p)
{
    int nr = p->nregions;
    for (int r = 0; r < p->nreviewers; r++)
        if (p->reviewers[r].region >= nr)
            nr = p->reviewers[r].region + 1;
    return nr;
}

/* Build the network for bounds lo..hi. Returns 0 or -1 (out of memory). */
static int inst_build(struct inst *in)
{
    const struct assign_problem *p = in->p;
    int n = p->ncases, m = p->nreviewers, k = p->k;
    int nr = region_count(p);
    int cap = p->max_same_region > 0 && p->max_same_region < k ? p->max_same_region : 0;
    int64_t sumlo = 0;
    int *cnt = calloc((size_t)nr + 1, sizeof *cnt);
    int *node = malloc(((size_t)nr + 1) * sizeof *node);
    int ncr = 0, crmax = 0, rc = -1;

    memset(&in->g, 0, sizeof in->g);
    in->cr_case = NULL;
    if (!cnt || !node)
        goto out;
    /* Count the (case, region) nodes first: regions with more eligible reviewers than the cap. */
    if (cap) {
        for (int c = 0; c < n; c++) {
            memset(cnt, 0, ((size_t)nr + 1) * sizeof *cnt);
            for (int r = 0; r < m; r++)
                if (in->cm[(size_t)c * m + r] >= 0 && p->reviewers[r].region >= 0)
                    cnt[p->reviewers[r].region]++;
            for (int g = 0; g < nr; g++)
                crmax += cnt[g] > cap;
        }
    }
    in->cr_case = malloc(((size_t)crmax + 1) * sizeof *in->cr_case);
    if (!in->cr_case)
        goto out;
    in->cr0 = NODE_CASE0 + n;
    in->rev0 = in->cr0 + crmax;
    in->g.nv = in->rev0 + m;
    for (int c = 0; c < n; c++) {
        int cn = NODE_CASE0 + c;
        if (net_edge(&in->g, NODE_S, cn, k, 0))
            goto out;
        if (cap) {
            memset(cnt, 0, ((size_t)nr + 1) * sizeof *cnt);
            for (int r = 0; r < m; r++)
                if (in->cm[(size_t)c * m + r] >= 0 && p->reviewers[r].region >= 0)
                    cnt[p->reviewers[r].region]++;
            for (int g = 0; g < nr; g++) {
                node[g] = cn;
                if (cnt[g] > cap) {
                    node[g] = in->cr0 + ncr;
                    in->cr_case[ncr++] = c;
                    if (net_edge(&in->g, cn, node[g], cap, 0))
                        goto out;
                }
            }
        }
        for (int r = 0; r < m; r++) {
            int cost = in->cm[(size_t)c * m + r];
            int g = p->reviewers[r].region;
            if (cost < 0)
                continue;
            if (net_edge(&in->g, cap && g >= 0 ? node[g] : cn, in->rev0 + r, 1, cost))
                goto out;
        }
    }
    in->ncr = ncr;
    for (int r = 0; r < m; r++) {
        sumlo += in->lo[r];
        if (in->lo[r] > 0 && net_edge(&in->g, in->rev0 + r, NODE_T, in->lo[r], 0))
            goto out;
        if (in->hi[r] > in->lo[r] &&
            net_edge(&in->g, in->rev0 + r, NODE_X, in->hi[r] - in->lo[r], 0))
            goto out;
    }
    if (net_edge(&in->g, NODE_X, NODE_T, (int)((int64_t)n * k - sumlo), 0))
        goto out;
    rc = net_build(&in->g);
out:
    free(cnt);
    free(node);
    return rc;
}

/* Append printf output to a fixed message buffer. */
static void msg(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void msg(char *out, const char *fmt, ...)
{
    size_t len = strlen(out);
    va_list ap;

    if (len + 1 >= ASSIGN_MESSAGE_MAX)
        return;
    va_start(ap, fmt);
    vsnprintf(out + len, ASSIGN_MESSAGE_MAX - len, fmt, ap);
    va_end(ap);
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
 * Explain a short flow by the minimum cut: the cases reachable from S in the
 * residual graph need more reviews than their eligible reviewers can take.
 */
static void explain_cut(struct inst *in, int64_t flow, char *out)
{
    const struct assign_problem *p = in->p;
    struct net *g = &in->g;
    int n = p->ncases, m = p->nreviewers, k = p->k, nr = region_count(p);
    int64_t need = (int64_t)n * k;
    int *per = calloc((size_t)nr + 1, sizeof *per);
    int qh = 0, qt = 0, ncut = 0, top = -1;
    char name[128];

    msg(out, "%lld reviews needed, %lld possible", (long long)need, (long long)flow);
    if (!per)
        return;
    for (int v = 0; v < g->nv; v++)
        g->level[v] = -1;
    g->level[NODE_S] = 0;
    g->queue[qt++] = NODE_S;
    while (qh < qt) {
        int u = g->queue[qh++];
        for (int a = g->start[u]; a < g->start[u + 1]; a++)
            if (g->cap[a] > 0 && g->level[g->to[a]] < 0)
                g->level[g->to[a]] = 1, g->queue[qt++] = g->to[a];
    }
    for (int c = 0; c < n; c++) {
        if (g->level[NODE_CASE0 + c] < 0)
            continue;
        ncut++;
        per[p->cases[c].region >= 0 ? p->cases[c].region : nr]++;
    }
    for (int r = 0; r <= nr; r++)
        if (per[r] && (top < 0 || per[r] > per[top]))
            top = r;
    if (ncut == 0 || top < 0) {
        free(per);
        return;
    }
    region_name(p, top < nr ? top : -1, name, sizeof name);
    msg(out, ": the %d case%s from %s", ncut, ncut == 1 ? "" : "s", name);
    if (per[top] < ncut) {
        int shown = 0;
        msg(out, " (%d)", per[top]);
        for (int r = 0; r <= nr && shown < 3; r++) {
            if (!per[r] || r == top)
                continue;
            region_name(p, r < nr ? r : -1, name, sizeof name);
            msg(out, ", %s (%d)", name, per[r]);
            shown++;
        }
        if (shown == 3)
            msg(out, ", …");
    }
    msg(out, " need %lld reviews and the reviewers eligible for them can take %lld",
        (long long)ncut * k, (long long)ncut * k - (need - flow));
    if (!p->allow_own_region && top < nr) {
        int own = 0;
        for (int r = 0; r < m; r++)
            own += p->reviewers[r].region == top && p->reviewers[r].max_load > 0;
        region_name(p, top, name, sizeof name);
        if (own)
            msg(out, "; %d reviewer%s of %s cannot take cases from %s (回避)", own,
                own == 1 ? "" : "s", name, name);
    }
    free(per);
}

/* Explain the reviewers left below their minimum load after a short flow. */
static void explain_minload(struct inst *in, char *out)
{
    const struct assign_problem *p = in->p;
    struct net *g = &in->g;
    int m = p->nreviewers, nshort = 0, first = -1, firstgot = 0;
    int64_t missing = 0;

    for (int r = 0; r < m; r++) {
        int v = in->rev0 + r;
        for (int a = g->start[v]; a < g->start[v + 1]; a++) {
            if (g->to[a] != NODE_T || g->cap[a] == 0)
                continue; /* the lower-bound arc is the only one to T */
            nshort++;
            missing += g->cap[a];
            if (first < 0)
                first = r, firstgot = in->lo[r] - g->cap[a];
        }
    }
    msg(out, "the minimum loads cannot be met");
    if (first >= 0) {
        int elig = 0;
        for (int c = 0; c < p->ncases; c++)
            elig += in->cm[(size_t)c * m + first] >= 0;
        msg(out,
            ": %d reviewer%s short by %lld case%s in all; e.g. reviewer %d gets %d of at "
            "least %d and is eligible for %d cases",
            nshort, nshort == 1 ? "" : "s", (long long)missing, missing == 1 ? "" : "s", first,
            firstgot, in->lo[first], elig);
    }
}

/* Read the assignment out of the flow into res. */
static int extract(struct inst *in, struct assign_result *res)
{
    const struct assign_problem *p = in->p;
    struct net *g = &in->g;
    int n = p->ncases, m = p->nreviewers, k = p->k;
    int *fill = calloc((size_t)n + 1, sizeof *fill);

    res->reviewers = malloc((size_t)n * k * sizeof *res->reviewers + 1);
    res->load = calloc((size_t)m + 1, sizeof *res->load);
    if (!fill || !res->reviewers || !res->load) {
        free(fill);
        return -1;
    }
    res->total_cost = 0;
    for (int u = NODE_CASE0; u < in->rev0; u++) {
        int c = u < in->cr0 ? u - NODE_CASE0 : in->cr_case[u - in->cr0];
        for (int a = g->start[u]; a < g->start[u + 1]; a++) {
            int r = g->to[a] - in->rev0;
            if (r < 0 || g->cap[a] != 0)
                continue;
            if (fill[c] < k)
                res->reviewers[(size_t)c * k + fill[c]] = r;
            fill[c]++;
            res->load[r]++;
            res->total_cost += in->cm[(size_t)c * m + r];
        }
    }
    for (int c = 0; c < n; c++) {
        int *v = &res->reviewers[(size_t)c * k];
        for (int i = 1; i < k; i++) /* insertion sort: k is small */
            for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
                int t = v[j];
                v[j] = v[j - 1], v[j - 1] = t;
            }
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
static int solve_bounds(const struct assign_problem *p, const int *cm, const int *lo, const int *hi,
                        struct assign_result *res, char *out)
{
    struct inst in = {p, cm, lo, hi, {0}, 0, 0, 0, NULL};
    int64_t need = (int64_t)p->ncases * p->k, flow;
    int rc = ASSIGN_OK;

    if (inst_build(&in)) {
        inst_free(&in);
        return ASSIGN_ENOMEM;
    }
    flow = min_cost_flow(&in.g, NODE_S, NODE_T, need);
    if (flow < need) {
        /* Would it work without the minimum loads?  Then they are the reason. */
        int any_lo = 0;
        for (int r = 0; r < p->nreviewers; r++)
            any_lo |= lo[r] > 0;
        rc = ASSIGN_EBOTTLENECK;
        if (any_lo) {
            int *zero = calloc((size_t)p->nreviewers + 1, sizeof *zero);
            if (!zero) {
                inst_free(&in);
                return ASSIGN_ENOMEM;
            }
            char sub[ASSIGN_MESSAGE_MAX] = "";
            rc = solve_bounds(p, cm, zero, hi, NULL, sub);
            free(zero);
            if (rc == ASSIGN_OK) {
                rc = ASSIGN_EMINLOAD;
                if (out)
                    explain_minload(&in, out);
            } else if (out) {
                msg(out, "%s", sub);
            }
        } else if (out) {
            explain_cut(&in, flow, out);
        }
    } else if (res && extract(&in, res)) {
        rc = ASSIGN_ENOMEM;
    }
    inst_free(&in);
    return rc;
}

/* Checks that need no flow: input ranges, total capacity, each case's eligible reviewers. */
static int precheck(const struct assign_problem *p, const int *cm, const int *lo, const int *hi,
                    char *out)
{
    int n = p->ncases, m = p->nreviewers, k = p->k, nr = region_count(p);
    int cap = p->max_same_region > 0 && p->max_same_region < k ? p->max_same_region : 0;
    int64_t need = (int64_t)n * k, sumhi = 0, sumlo = 0;
    int *cnt;

    for (int r = 0; r < m; r++)
        sumhi += hi[r], sumlo += lo[r];
    if (sumhi < need) {
        msg(out, "%lld reviews needed, %lld possible: %d reviewers can take %lld cases in all",
            (long long)need, (long long)sumhi, m, (long long)sumhi);
        return ASSIGN_ECAPACITY;
    }
    if (sumlo > need) {
        msg(out, "the minimum loads add up to %lld cases but only %lld reviews are needed",
            (long long)sumlo, (long long)need);
        return ASSIGN_EMINLOAD;
    }
    cnt = calloc((size_t)nr + 1, sizeof *cnt);
    if (!cnt)
        return ASSIGN_ENOMEM;
    for (int c = 0; c < n; c++) {
        int elig = 0, direct = 0;
        memset(cnt, 0, ((size_t)nr + 1) * sizeof *cnt);
        for (int r = 0; r < m; r++) {
            if (cm[(size_t)c * m + r] < 0)
                continue;
            if (cap && p->reviewers[r].region >= 0)
                cnt[p->reviewers[r].region]++;
            else
                direct++;
        }
        elig = direct;
        for (int g = 0; g < nr; g++)
            elig += cnt[g] < cap ? cnt[g] : cap;
        if (elig < k) {
            char name[128];
            region_name(p, p->cases[c].region, name, sizeof name);
            msg(out,
                "%lld reviews needed, at most %lld possible: case %d (%s) has %d eligible "
                "reviewer%s, %d needed",
                (long long)need, (long long)need - (k - elig), c, name, elig, elig == 1 ? "" : "s",
                k);
            if (cap)
                msg(out, " (at most %d from one region)", cap);
            free(cnt);
            return ASSIGN_ECASE;
        }
    }
    free(cnt);
    return ASSIGN_OK;
}

static int validate(const struct assign_problem *p)
{
    if (!p || p->ncases < 0 || p->nreviewers < 0 || p->k < 1 || p->max_same_region < 0 ||
        p->earlier_penalty < 0 || p->nconflicts < 0 || p->nregions < 0)
        return -1;
    if ((p->ncases && !p->cases) || (p->nreviewers && !p->reviewers) ||
        (p->nconflicts && !p->conflicts))
        return -1;
    if ((int64_t)p->ncases * p->k > INT_MAX / 2 || (int64_t)p->ncases * p->nreviewers > INT_MAX / 4)
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

/* The bounds of reviewer r: his own, or balanced ones widened by d. */
static void bounds(const struct assign_problem *p, const int *cm, int fl, int ce, int d, int *lo,
                   int *hi)
{
    for (int r = 0; r < p->nreviewers; r++) {
        const struct assign_reviewer *rv = &p->reviewers[r];
        int avail = 0;
        for (int c = 0; c < p->ncases && !avail; c++)
            avail = cm[(size_t)c * p->nreviewers + r] >= 0;
        hi[r] = avail ? rv->max_load : 0;
        lo[r] = avail && rv->max_load > 0 ? rv->min_load : 0;
        if (d >= 0 && avail) {
            if (ce + d < hi[r])
                hi[r] = ce + d;
            if (fl - d > lo[r])
                lo[r] = fl - d;
            if (lo[r] > hi[r])
                lo[r] = hi[r];
        }
    }
}

int assign_solve(const struct assign_problem *p, struct assign_result *res)
{
    int *cm = NULL, *lo = NULL, *hi = NULL;
    int rc;

    if (!res)
        return ASSIGN_EINVAL;
    memset(res, 0, sizeof *res);
    if (validate(p)) {
        snprintf(res->message, sizeof res->message, "invalid assignment problem");
        return ASSIGN_EINVAL;
    }
    size_t m1 = (size_t)p->nreviewers + 1;
    cm = cost_matrix(p);
    lo = malloc(m1 * sizeof *lo);
    hi = malloc(m1 * sizeof *hi);
    if (!cm || !lo || !hi) {
        rc = ASSIGN_ENOMEM;
        goto out;
    }
    bounds(p, cm, 0, 0, -1, lo, hi);
    rc = precheck(p, cm, lo, hi, res->message);
    if (rc != ASSIGN_OK)
        goto out;
    if (!p->balanced) {
        rc = solve_bounds(p, cm, lo, hi, res, res->message);
        goto out;
    }
    /* Balanced: floor..ceil over the reviewers who can take a case, widened if need be. */
    int avail = 0, maxload = 0;
    for (int r = 0; r < p->nreviewers; r++) {
        avail += hi[r] > 0;
        if (hi[r] > maxload)
            maxload = hi[r];
    }
    int64_t need = (int64_t)p->ncases * p->k;
    int fl = avail ? (int)(need / avail) : 0, ce = avail ? (int)((need + avail - 1) / avail) : 0;
    int dmax = maxload > fl ? maxload : fl;
    int d = 0;
    bounds(p, cm, fl, ce, 0, lo, hi);
    rc = solve_bounds(p, cm, lo, hi, res, NULL);
    if (rc != ASSIGN_OK && rc != ASSIGN_ENOMEM) {
        /* Feasible at all?  Then the least widening d in (0, dmax] by binary search. */
        bounds(p, cm, fl, ce, dmax, lo, hi);
        rc = solve_bounds(p, cm, lo, hi, NULL, res->message);
        if (rc != ASSIGN_OK)
            goto out;
        int a = 0, b = dmax; /* infeasible at a, feasible at b */
        while (b - a > 1) {
            int mid = a + (b - a) / 2;
            bounds(p, cm, fl, ce, mid, lo, hi);
            rc = solve_bounds(p, cm, lo, hi, NULL, NULL);
            if (rc == ASSIGN_ENOMEM)
                goto out;
            if (rc == ASSIGN_OK)
                b = mid;
            else
                a = mid;
        }
        d = b;
        bounds(p, cm, fl, ce, d, lo, hi);
        rc = solve_bounds(p, cm, lo, hi, res, res->message);
    }
    res->lo = fl - d > 0 ? fl - d : 0;
    res->hi = ce + d;
out:
    if (rc == ASSIGN_ENOMEM && !res->message[0])
        snprintf(res->message, sizeof res->message, "out of memory");
    if (rc != ASSIGN_OK)
        assign_result_free(res);
    else
        res->message[0] = 0;
    free(cm);
    free(lo);
    free(hi);
    return rc;
}
