/*
 * bench_assign.c — reviewer assignment at the scale of the model campaign:
 * 4,000 cases × 5 reviewers from 200 experts across 32 regions, regional
 * 回避, at most 2 reviewers of one region on a case, balanced loads, 16
 * expertise tags, 400 declared conflicts.  Prints the optimal solver's
 * time, total cost, violations and load range, then a greedy baseline
 * (each case in turn takes its k cheapest eligible reviewers that still have
 * room) and the ratio of the two.
 *
 * Then the national scale: 40,000 cases × 5 from 2,000 experts, the same
 * rules and generator (4,000 conflicts).  The solver prunes the network to
 * candidate pairs and certifies the result against the full problem (a
 * reduced-cost check of every one of the 78 million eligible pairs, see
 * assign.c); as the reference, the same problem is solved again with every
 * eligible pair in the network (`exhaustive`), and the two total costs must
 * be equal.  Each solve runs in a child process so that its peak memory
 * (getrusage ru_maxrss, the child's alone) is its own.  `--no-reference`
 * skips the exhaustive solve (about 30 s and 4 GB).
 *
 * Build and run (not part of the meson build):
 *
 *   gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Isrc -o /tmp/bench_assign \
 *       bench/bench_assign.c src/domain/assign.c && /tmp/bench_assign
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "domain/assign.h"

#define NCASES 4000
#define NREV 200
#define NREG 32
#define K 5
#define CAP 2
#define NCONFLICTS 400

static uint64_t rng_state = 20190901;

static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int below(int n)
{
    return (int)(rng() % (uint64_t)n);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t some_tags(int count)
{
    uint64_t t = 0;
    while (__builtin_popcountll(t) < count)
        t |= 1ULL << below(16);
    return t;
}

/* Violations of the rules in an assignment. */
static int violations(const struct assign_problem *p, const int *rv, const int *lo, const int *hi,
                      int64_t *cost)
{
    int bad = 0;
    int *load = calloc(NREV, sizeof *load);
    *cost = 0;
    for (int c = 0; c < p->ncases; c++) {
        int per[NREG] = {0};
        for (int i = 0; i < p->k; i++) {
            int r = rv[c * p->k + i];
            int pc = assign_pair_cost(p, c, r);
            bad += pc < 0;
            *cost += pc;
            for (int j = 0; j < i; j++)
                bad += rv[c * p->k + j] == r;
            bad += ++per[p->reviewers[r].region] == CAP + 1;
            load[r]++;
        }
    }
    for (int r = 0; r < NREV; r++)
        bad += load[r] < lo[r] || load[r] > hi[r];
    free(load);
    return bad;
}

/* Greedy: case by case, the k cheapest eligible reviewers with room. Returns cases left short. */
static int greedy(const struct assign_problem *p, const int *cm, const int *hi, int *out)
{
    int *load = calloc(NREV, sizeof *load), shortfall = 0;
    for (int c = 0; c < p->ncases; c++) {
        int per[NREG] = {0}, got = 0;
        while (got < p->k) {
            int best = -1;
            for (int r = 0; r < NREV; r++) {
                int x = cm[c * NREV + r];
                if (x < 0 || load[r] >= hi[r] || per[p->reviewers[r].region] >= CAP)
                    continue;
                int dup = 0;
                for (int j = 0; j < got; j++)
                    dup |= out[c * p->k + j] == r;
                if (!dup && (best < 0 || x < cm[c * NREV + best]))
                    best = r;
            }
            if (best < 0)
                break;
            out[c * p->k + got++] = best;
            load[best]++;
            per[p->reviewers[best].region]++;
        }
        if (got < p->k) {
            shortfall++;
            for (; got < p->k; got++)
                out[c * p->k + got] = 0;
        }
    }
    free(load);
    return shortfall;
}

/* ---- the national scale ---------------------------------------------------- */

#define BIG_CASES 40000
#define BIG_REV 2000
#define BIG_CONFLICTS 4000

struct outcome {
    int rc, violations, load_min, load_max, lo, hi, rounds;
    int64_t cost, pairs_eligible, pairs_network;
    double seconds;
    long maxrss_kb;
};

/* Violations of the rules (any reviewer count, load bounds lo..hi for all). */
static int big_violations(const struct assign_problem *p, const struct assign_result *res)
{
    int bad = 0, m = p->nreviewers;
    int *load = calloc((size_t)m, sizeof *load);
    for (int c = 0; c < p->ncases; c++) {
        int per[NREG] = {0};
        for (int i = 0; i < p->k; i++) {
            int r = res->reviewers[c * p->k + i];
            bad += assign_pair_cost(p, c, r) < 0;
            for (int j = 0; j < i; j++)
                bad += res->reviewers[c * p->k + j] == r;
            bad += ++per[p->reviewers[r].region] == CAP + 1;
            load[r]++;
        }
    }
    for (int r = 0; r < m; r++)
        bad += load[r] < res->lo || load[r] > res->hi;
    free(load);
    return bad;
}

/* Solve p in a child process; its time, peak memory and result. */
static struct outcome solve_child(const struct assign_problem *p)
{
    struct outcome o = {.rc = -1};
    int fd[2];
    if (pipe(fd) != 0)
        return o;
    pid_t pid = fork();
    if (pid == 0) {
        struct assign_result res;
        close(fd[0]);
        double t0 = now();
        o.rc = assign_solve(p, &res);
        o.seconds = now() - t0;
        if (o.rc == ASSIGN_OK) {
            o.cost = res.total_cost;
            o.violations = big_violations(p, &res);
            o.load_min = res.load_min, o.load_max = res.load_max;
            o.lo = res.lo, o.hi = res.hi;
        } else {
            fprintf(stderr, "assign: %s: %s\n", assign_rc_name(o.rc), res.message);
        }
        o.rounds = res.rounds;
        o.pairs_eligible = res.pairs_eligible, o.pairs_network = res.pairs_network;
        if (write(fd[1], &o, sizeof o) != (ssize_t)sizeof o)
            _exit(1);
        _exit(0);
    }
    close(fd[1]);
    if (pid < 0 || read(fd[0], &o, sizeof o) != (ssize_t)sizeof o)
        o.rc = -1;
    close(fd[0]);
    struct rusage ru;
    int status;
    if (pid > 0 && wait4(pid, &status, 0, &ru) == pid)
        o.maxrss_kb = ru.ru_maxrss;
    return o;
}

static int national(int reference)
{
    struct assign_case *cases = calloc(BIG_CASES, sizeof *cases);
    struct assign_reviewer *revs = calloc(BIG_REV, sizeof *revs);
    struct assign_pair *conflicts = calloc(BIG_CONFLICTS, sizeof *conflicts);

    rng_state = 20191201;
    for (int c = 0; c < BIG_CASES; c++) {
        int g = below(NREG + 16);
        cases[c].region = g < NREG ? g : below(8);
        cases[c].unit = 1 + below(30000);
        cases[c].tags = some_tags(2 + below(2));
    }
    for (int r = 0; r < BIG_REV; r++) {
        revs[r].region = r % NREG;
        revs[r].unit = 1 + below(60000);
        revs[r].tags = some_tags(3 + below(3));
        revs[r].max_load = 200;
    }
    for (int i = 0; i < BIG_CONFLICTS; i++)
        conflicts[i].kase = below(BIG_CASES), conflicts[i].reviewer = below(BIG_REV);
    struct assign_problem p = {
        .cases = cases,
        .ncases = BIG_CASES,
        .reviewers = revs,
        .nreviewers = BIG_REV,
        .conflicts = conflicts,
        .nconflicts = BIG_CONFLICTS,
        .k = K,
        .max_same_region = CAP,
        .balanced = 1,
        .nregions = NREG,
    };
    printf("national scale: %d cases x %d reviewers, %d experts, %d regions (回避, <= %d per "
           "region), balanced\n",
           BIG_CASES, K, BIG_REV, NREG, CAP);
    struct outcome a = solve_child(&p);
    if (a.rc != ASSIGN_OK) {
        printf("  pruned: failed (%d)\n", a.rc);
        return 1;
    }
    printf("  pruned + certified: time %.3f s, peak memory %.0f MB, total cost %lld, violations "
           "%d, load %d..%d (bounds %d..%d)\n",
           a.seconds, a.maxrss_kb / 1024.0, (long long)a.cost, a.violations, a.load_min, a.load_max,
           a.lo, a.hi);
    printf("    network %lld of %lld eligible pairs (%.2f %%), %d network%s solved; optimality: "
           "reduced costs of all %lld pairs >= 0 under the final potentials\n",
           (long long)a.pairs_network, (long long)a.pairs_eligible,
           100.0 * (double)a.pairs_network / (double)a.pairs_eligible, a.rounds,
           a.rounds == 1 ? "" : "s", (long long)a.pairs_eligible);
    int bad = a.violations != 0;
    if (reference) {
        p.exhaustive = 1;
        struct outcome b = solve_child(&p);
        if (b.rc != ASSIGN_OK) {
            printf("  exhaustive reference: failed (%d)\n", b.rc);
            return 1;
        }
        printf("  exhaustive reference (all %lld pairs): time %.3f s, peak memory %.0f MB, total "
               "cost %lld, violations %d\n",
               (long long)b.pairs_network, b.seconds, b.maxrss_kb / 1024.0, (long long)b.cost,
               b.violations);
        printf("  costs %s (pruned %lld, exhaustive %lld); time exhaustive / pruned %.1fx, "
               "memory %.1fx\n",
               a.cost == b.cost ? "equal" : "DIFFER", (long long)a.cost, (long long)b.cost,
               b.seconds / a.seconds, (double)b.maxrss_kb / (double)a.maxrss_kb);
        bad |= a.cost != b.cost || b.violations != 0;
    }
    free(cases);
    free(revs);
    free(conflicts);
    return bad;
}

int main(int argc, char **argv)
{
    static struct assign_case cases[NCASES];
    static struct assign_reviewer revs[NREV];
    static struct assign_pair conflicts[NCONFLICTS];
    static int lo[NREV], hi[NREV];
    char names[NREG][16];
    const char *rn[NREG];

    for (int g = 0; g < NREG; g++) {
        snprintf(names[g], sizeof names[g], "R%02d", g);
        rn[g] = names[g];
    }
    /* Cases: regions weighted (a few big provinces), units 1..3000, 2-3 tags. */
    for (int c = 0; c < NCASES; c++) {
        int g = below(NREG + 16);
        cases[c].region = g < NREG ? g : below(8);
        cases[c].unit = 1 + below(3000);
        cases[c].tags = some_tags(2 + below(2));
    }
    for (int r = 0; r < NREV; r++) {
        revs[r].region = r % NREG;
        revs[r].unit = 1 + below(6000);
        revs[r].tags = some_tags(3 + below(3));
        revs[r].min_load = 0;
        revs[r].max_load = 200;
    }
    for (int i = 0; i < NCONFLICTS; i++)
        conflicts[i].kase = below(NCASES), conflicts[i].reviewer = below(NREV);

    struct assign_problem p = {
        .cases = cases,
        .ncases = NCASES,
        .reviewers = revs,
        .nreviewers = NREV,
        .conflicts = conflicts,
        .nconflicts = NCONFLICTS,
        .k = K,
        .max_same_region = CAP,
        .balanced = 1,
        .region_names = rn,
        .nregions = NREG,
    };
    struct assign_result res;
    double t0 = now();
    int rc = assign_solve(&p, &res);
    double t1 = now();
    if (rc != ASSIGN_OK) {
        printf("assign: %s: %s\n", assign_rc_name(rc), res.message);
        return 1;
    }
    for (int r = 0; r < NREV; r++)
        lo[r] = res.lo, hi[r] = res.hi;
    int64_t check;
    int bad = violations(&p, res.reviewers, lo, hi, &check);
    printf("min-cost flow: %d cases x %d reviewers, %d experts, %d regions (回避, <= %d per "
           "region)\n",
           NCASES, K, NREV, NREG, CAP);
    printf("  time %.3f s, total cost %lld (recomputed %lld; %lld shared expertise tags), "
           "violations %d, load %d..%d (bounds %d..%d)\n",
           t1 - t0, (long long)res.total_cost, (long long)check,
           (long long)NCASES * K * ASSIGN_COST_BASE - res.total_cost, bad, res.load_min,
           res.load_max, res.lo, res.hi);

    /* Greedy with the same matrix of allowed pairs and the same load bounds. */
    int *cm = malloc(sizeof(int) * NCASES * NREV);
    for (int c = 0; c < NCASES; c++)
        for (int r = 0; r < NREV; r++)
            cm[c * NREV + r] = assign_pair_cost(&p, c, r);
    int *gr = malloc(sizeof(int) * NCASES * K);
    double t2 = now();
    int gshort = greedy(&p, cm, hi, gr);
    double t3 = now();
    int64_t gcost = 0;
    int gbad = gshort ? -1 : violations(&p, gr, lo, hi, &gcost);
    printf("greedy (same load cap %d): time %.3f s, ", res.hi, t3 - t2);
    if (gshort) {
        printf("FAILED: %d cases left with fewer than %d reviewers\n", gshort, K);
    } else {
        printf("total cost %lld (%lld shared tags), violations %d\n", (long long)gcost,
               (long long)NCASES * K * ASSIGN_COST_BASE - gcost, gbad);
        printf("  greedy / optimal cost ratio %.4f\n", (double)gcost / (double)res.total_cost);
    }
    /* Greedy without load bounds except the experts' own maximum, for a cost comparison. */
    for (int r = 0; r < NREV; r++)
        hi[r] = revs[r].max_load;
    t2 = now();
    gshort = greedy(&p, cm, hi, gr);
    t3 = now();
    if (!gshort) {
        violations(&p, gr, (int[NREV]){0}, hi, &gcost);
        int mn = 1 << 30, mx = 0, load[NREV] = {0};
        for (int i = 0; i < NCASES * K; i++)
            load[gr[i]]++;
        for (int r = 0; r < NREV; r++)
            mn = load[r] < mn ? load[r] : mn, mx = load[r] > mx ? load[r] : mx;
        printf("greedy (max load %d only): time %.3f s, total cost %lld (%lld shared tags), "
               "load %d..%d, cost ratio to optimal balanced %.4f\n",
               revs[0].max_load, t3 - t2, (long long)gcost,
               (long long)NCASES * K * ASSIGN_COST_BASE - gcost, mn, mx,
               (double)gcost / (double)res.total_cost);
        printf("  shared tags greedy / optimal balanced %.4f\n",
               (double)((int64_t)NCASES * K * ASSIGN_COST_BASE - gcost) /
                   (double)((int64_t)NCASES * K * ASSIGN_COST_BASE - res.total_cost));
    } else {
        printf("greedy (max load only): FAILED, %d cases short\n", gshort);
    }
    printf("speed ratio optimal/greedy %.1fx\n", (t1 - t0) / (t3 - t2));
    assign_result_free(&res);
    free(cm);
    free(gr);
    int reference = !(argc > 1 && strcmp(argv[1], "--no-reference") == 0);
    return national(reference) || bad != 0;
}
