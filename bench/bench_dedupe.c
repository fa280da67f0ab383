/*
 * bench_dedupe.c — the near-duplicate scan at the scale of the model
 * campaign: the 4,000 cases of the demo campaign (demo_generate, five
 * sections each, joined), of which 20 are replaced by near-copies of other
 * cases with 5–15 % of their characters changed.  The changes come in runs
 * of 1–20 characters (reworded phrases) taken from another case.  Prints
 * the scan's time, the planted pairs found and the false pairs reported.
 *
 * A second, informative run plants copies edited in scattered single
 * characters instead (the hard case for 5-character shingles; see
 * dedupe.h) and says up to which share of changes they are still found.
 *
 * Build and run (not part of the meson build):
 *
 *   gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Isrc -o /tmp/bench_dedupe \
 *       bench/bench_dedupe.c src/domain/dedupe.c src/demo/generate.c \
 *       src/demo/words.c src/core/buf.c src/core/utf8.c && /tmp/bench_dedupe
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/utf8.h"
#include "domain/dedupe.h"
#include "demo/generate.h"

#define NCASES 4000
#define NPLANT 20

struct keep {
    char *text[NCASES];
    size_t len[NCASES];
    int n;
};

static int on_case(void *ctx, const struct demo_case *c)
{
    struct keep *k = ctx;
    struct buf b = BUF_INIT;
    if (k->n >= NCASES)
        return 0;
    buf_puts(&b, c->title);
    buf_putc(&b, '\n');
    for (int s = 0; s < DEMO_SECTIONS; s++) {
        if (c->sections[s])
            buf_puts(&b, c->sections[s]);
        buf_putc(&b, '\n');
    }
    k->text[k->n] = buf_detach(&b, &k->len[k->n]);
    k->n++;
    return 0;
}

static uint64_t rng_state = 4000;

static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Decode a text into code points; returns the count. */
static size_t decode(const char *s, size_t n, int32_t *out)
{
    size_t i = 0, k = 0;
    while (i < n) {
        int32_t c = utf8_next(s, n, &i);
        if (c >= 0)
            out[k++] = c;
    }
    return k;
}

static void encode(struct buf *b, int32_t c)
{
    char u[4];
    if (c < 0x80) {
        buf_putc(b, (char)c);
    } else if (c < 0x800) {
        u[0] = (char)(0xC0 | c >> 6), u[1] = (char)(0x80 | (c & 0x3F));
        buf_append(b, u, 2);
    } else if (c < 0x10000) {
        u[0] = (char)(0xE0 | c >> 12), u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        u[2] = (char)(0x80 | (c & 0x3F));
        buf_append(b, u, 3);
    } else {
        u[0] = (char)(0xF0 | c >> 18), u[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((c >> 6) & 0x3F)), u[3] = (char)(0x80 | (c & 0x3F));
        buf_append(b, u, 4);
    }
}

/*
 * A copy of src with a share `frac` of its characters replaced by characters
 * of `donor`, in runs of 1..maxrun characters.  Returns the copy (malloc'd).
 */
static char *near_copy(const char *src, size_t sn, const char *donor, size_t dn, double frac,
                       int maxrun, size_t *outlen, double *changed)
{
    int32_t *a = malloc(sizeof(int32_t) * (sn + 1)), *d = malloc(sizeof(int32_t) * (dn + 1));
    size_t na = decode(src, sn, a), nd = decode(donor, dn, d);
    char *mark = calloc(na + 1, 1);
    size_t target = (size_t)(frac * (double)na), done = 0;
    while (done < target) {
        size_t run = 1 + rng() % (uint64_t)maxrun, at = rng() % na, from = rng() % nd;
        for (size_t i = 0; i < run && at + i < na && done < target; i++) {
            if (mark[at + i])
                continue;
            int32_t c = d[(from + i) % nd];
            if (c == a[at + i])
                c = 0x4E00 + (int32_t)(rng() % 0x5000); /* some other CJK character */
            a[at + i] = c;
            mark[at + i] = 1;
            done++;
        }
    }
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < na; i++)
        encode(&b, a[i]);
    *changed = (double)done / (double)na;
    free(a), free(d), free(mark);
    return buf_detach(&b, outlen);
}

/* Plant NPLANT copies (replacing cases), scan, and report. */
static void run(struct keep *k, const char *label, int maxrun, const struct dedupe_options *o,
                int nopt, const char *const *optname)
{
    char *saved[NPLANT];
    size_t savedlen[NPLANT];
    int src[NPLANT], dst[NPLANT];
    double minch = 1, maxch = 0, change[NPLANT];

    for (int p = 0; p < NPLANT; p++) {
        src[p] = (int)(rng() % (NCASES / 2));
        dst[p] = NCASES / 2 + p * 97; /* distinct, never a source */
        int donor = (int)(rng() % NCASES);
        double frac = 0.05 + 0.10 * (double)(rng() % 1001) / 1000.0, ch;
        saved[p] = k->text[dst[p]], savedlen[p] = k->len[dst[p]];
        k->text[dst[p]] = near_copy(k->text[src[p]], k->len[src[p]], k->text[donor], k->len[donor],
                                    frac, maxrun, &k->len[dst[p]], &ch);
        change[p] = ch;
        minch = ch < minch ? ch : minch;
        maxch = ch > maxch ? ch : maxch;
    }
    printf("%s: %d planted near-copies, %.1f–%.1f %% of characters changed\n", label, NPLANT,
           minch * 100, maxch * 100);
    for (int v = 0; v < nopt; v++) {
        struct dedupe_result res;
        double best = 1e9, t0, t1;
        for (int rep = 0; rep < 3; rep++) {
            t0 = now();
            if (dedupe_find((const char *const *)k->text, k->len, NCASES, &o[v], &res) !=
                DEDUPE_OK) {
                printf("dedupe_find failed\n");
                exit(1);
            }
            t1 = now();
            best = t1 - t0 < best ? t1 - t0 : best;
            if (rep < 2)
                dedupe_result_free(&res);
        }
        int found = 0, fals = 0, hit[NPLANT] = {0};
        double lo = 1, hi = 0, flo = 1, fhi = 0;
        for (int i = 0; i < res.npairs; i++) {
            int planted = -1;
            for (int p = 0; p < NPLANT; p++) {
                int a = src[p] < dst[p] ? src[p] : dst[p], b = src[p] < dst[p] ? dst[p] : src[p];
                if (res.pairs[i].a == a && res.pairs[i].b == b)
                    planted = p;
            }
            double s = res.pairs[i].similarity;
            if (planted >= 0) {
                hit[planted] = 1;
                found++, lo = s < lo ? s : lo, hi = s > hi ? s : hi;
            } else {
                fals++, flo = s < flo ? s : flo, fhi = s > fhi ? s : fhi;
                if (fals <= 3)
                    printf("    false pair %d–%d similarity %.3f\n", res.pairs[i].a, res.pairs[i].b,
                           s);
            }
        }
        printf("  %-34s best of 3: %.3f s; candidates %d; planted found %d/%d (similarity "
               "%.2f–%.2f); false pairs %d",
               optname[v], best, res.ncandidates, found, NPLANT, lo, hi, fals);
        if (fals)
            printf(" (%.2f–%.2f)", flo, fhi);
        printf("\n");
        if (found < NPLANT) {
            double maxfound = 0, minmissed = 1;
            for (int p = 0; p < NPLANT; p++) {
                if (hit[p] && change[p] > maxfound)
                    maxfound = change[p];
                if (!hit[p] && change[p] < minmissed)
                    minmissed = change[p];
            }
            printf("    found up to %.1f %% changed; the least changed copy missed had %.1f %%\n",
                   maxfound * 100, minmissed * 100);
        }
        dedupe_result_free(&res);
    }
    for (int p = 0; p < NPLANT; p++) {
        free(k->text[dst[p]]);
        k->text[dst[p]] = saved[p], k->len[dst[p]] = savedlen[p];
    }
}

int main(void)
{
    static struct keep k;
    struct demo_sink sink = {.ctx = &k, .kase = on_case};
    double t0 = now();
    if (demo_generate(2019, NCASES, &sink) != 0 || k.n != NCASES) {
        printf("demo_generate failed\n");
        return 1;
    }
    size_t total = 0;
    for (int i = 0; i < NCASES; i++)
        total += utf8_count(k.text[i], k.len[i]);
    printf("corpus: %d demo cases, %.0f characters on average (generated in %.2f s)\n", NCASES,
           (double)total / NCASES, now() - t0);

    const struct dedupe_options dflt = {0}, exact = {.exact = 1};
    const struct dedupe_options runs_opts[] = {dflt, exact};
    const char *const runs_names[] = {"default (5-grams, 32x4, >= 0.5)", "default + exact Jaccard"};
    run(&k, "edits in runs of 1-20 characters", 20, runs_opts, 2, runs_names);
    run(&k, "scattered single-character edits", 1, runs_opts, 2, runs_names);
    for (int i = 0; i < NCASES; i++)
        free(k.text[i]);
    return 0;
}
