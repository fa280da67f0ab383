/*
 * dedupe.c — normalisation, shingles, one-permutation MinHash, LSH banding
 * and scoring of near-duplicate texts; see dedupe.h.
 *
 * Cost for n texts of L code points: O(n·L) to sign (one 64-bit hash per
 * shingle), O(n·B log(n·B)) to bucket the B band keys by sorting, and
 * O(C·128) to score C candidate pairs (plus O(L log L) per text involved
 * with `exact`).  Memory: 1 KB of signature per text.
 */
#include "dedupe.h"

#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"

#define DEFAULT_SHINGLE 5
#define DEFAULT_BANDS 32
#define DEFAULT_THRESHOLD 0.5
#define DEFAULT_SEED 0x6c617572656c2121ULL /* "laurel!!" */
#define BIN_BITS 7                         /* 2^7 = DEDUPE_HASHES bins */
#define VALUE_MASK ((1ULL << (64 - BIN_BITS)) - 1)
#define EMPTY UINT64_MAX
/*
 * With `exact`, candidates whose estimate is below threshold − EXACT_MARGIN
 * are not looked at again: the estimate's standard deviation is at most
 * sqrt(0.25 / 128) = 0.044, so the margin is 3.4 of them.
 */
#define EXACT_MARGIN 0.15

/* ---- normalisation ------------------------------------------------------- */

/* The code point cp folds to, or 0 if it is white space or punctuation. */
static uint32_t fold(uint32_t cp)
{
    if (cp < 0x80) {
        if (cp >= 'A' && cp <= 'Z')
            return cp + 32;
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
            return cp;
        return 0; /* controls, space, punctuation */
    }
    if (cp < 0xC0)
        return 0; /* C1 controls, NBSP, Latin-1 punctuation and signs */
    if (cp >= 0x2000 && cp <= 0x206F)
        return 0; /* general punctuation: spaces, dashes, quotes, … */
    if (cp >= 0x2E00 && cp <= 0x2E7F)
        return 0; /* supplemental punctuation */
    if (cp >= 0x3000 && cp <= 0x303F && cp != 0x3005 && cp != 0x3006 && cp != 0x3007)
        return 0; /* CJK symbols and punctuation, but 々 〆 〇 are letters */
    if (cp >= 0xFE10 && cp <= 0xFE1F)
        return 0; /* vertical forms */
    if (cp >= 0xFE30 && cp <= 0xFE6F)
        return 0; /* CJK compatibility forms, small form variants */
    if (cp == 0xFEFF || cp == 0x1680 || cp == 0x85)
        return 0;
    if (cp >= 0xFF01 && cp <= 0xFF65) {
        if (cp >= 0xFF10 && cp <= 0xFF19)
            return cp - 0xFF10 + '0';
        if (cp >= 0xFF21 && cp <= 0xFF3A)
            return cp - 0xFF21 + 'a';
        if (cp >= 0xFF41 && cp <= 0xFF5A)
            return cp - 0xFF41 + 'a';
        return 0; /* full-width punctuation, half-width CJK punctuation */
    }
    return cp;
}

size_t dedupe_normalise(const char *s, size_t n, uint32_t *out)
{
    size_t i = 0, k = 0;

    while (i < n) {
        int32_t cp = utf8_next(s, n, &i);
        uint32_t f;
        if (cp < 0)
            continue;
        if ((f = fold((uint32_t)cp)) != 0)
            out[k++] = f;
    }
    return k;
}

/* ---- hashing and signatures ---------------------------------------------- */

/* The MurmurHash3 finaliser: a bijection on 64 bits with full avalanche. */
static uint64_t fmix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static uint64_t shingle_hash(const uint32_t *cp, int w, uint64_t seed)
{
    uint64_t h = seed;
    for (int i = 0; i < w; i++)
        h = (h ^ cp[i]) * 0x9e3779b97f4a7c15ULL;
    return fmix64(h ^ (uint64_t)w);
}

static int options(const struct dedupe_options *in, struct dedupe_options *o)
{
    *o = in ? *in : (struct dedupe_options){0};
    if (o->shingle == 0)
        o->shingle = DEFAULT_SHINGLE;
    if (o->bands == 0)
        o->bands = DEFAULT_BANDS;
    if (o->threshold == 0)
        o->threshold = DEFAULT_THRESHOLD;
    if (o->seed == 0)
        o->seed = DEFAULT_SEED;
    if (o->shingle < 1 || o->shingle > 64 || o->bands < 1 || o->bands > DEDUPE_HASHES ||
        DEDUPE_HASHES % o->bands != 0 || !(o->threshold > 0 && o->threshold <= 1))
        return -1;
    return 0;
}

/* Sign the normalised text cp[0..len); returns the shingle count. */
static long sign(const uint32_t *cp, size_t len, const struct dedupe_options *o,
                 uint64_t sig[DEDUPE_HASHES])
{
    size_t w = (size_t)o->shingle, count;

    for (int j = 0; j < DEDUPE_HASHES; j++)
        sig[j] = EMPTY;
    if (len == 0)
        return 0;
    if (len < w)
        w = len;
    count = len - w + 1;
    for (size_t i = 0; i < count; i++) {
        uint64_t h = shingle_hash(cp + i, (int)w, o->seed);
        uint64_t *bin = &sig[h >> (64 - BIN_BITS)];
        uint64_t v = h & VALUE_MASK;
        if (v < *bin)
            *bin = v;
    }
    /* Rotation densification: an empty bin takes the next non-empty bin's value + offset. */
    for (int j = 0; j < DEDUPE_HASHES; j++) {
        if (sig[j] != EMPTY)
            continue;
        for (int t = 1; t < DEDUPE_HASHES; t++) {
            uint64_t v = sig[(j + t) % DEDUPE_HASHES];
            if (v != EMPTY && v <= VALUE_MASK) {
                sig[j] = v | ((uint64_t)t << (64 - BIN_BITS));
                break;
            }
        }
    }
    return (long)count;
}

long dedupe_signature(const char *s, size_t n, const struct dedupe_options *opt,
                      uint64_t sig[DEDUPE_HASHES])
{
    struct dedupe_options o;
    uint32_t *cp;
    long count;

    if (options(opt, &o) || (n && !s))
        return -1;
    if (!(cp = malloc((n + 1) * sizeof *cp)))
        return -1;
    count = sign(cp, dedupe_normalise(s, n, cp), &o, sig);
    free(cp);
    return count;
}

double dedupe_estimate(const uint64_t a[DEDUPE_HASHES], const uint64_t b[DEDUPE_HASHES])
{
    int same = 0;
    for (int j = 0; j < DEDUPE_HASHES; j++)
        same += a[j] == b[j];
    return (double)same / DEDUPE_HASHES;
}

/* ---- exact Jaccard ------------------------------------------------------- */

static int cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

/* The sorted, distinct shingle hashes of s in *out (malloc'd); returns the count or -1. */
static long shingle_set(const char *s, size_t n, const struct dedupe_options *o, uint64_t **out)
{
    uint32_t *cp = malloc((n + 1) * sizeof *cp);
    size_t len, w = (size_t)o->shingle, count = 0, k = 0;
    uint64_t *set;

    *out = NULL;
    if (!cp)
        return -1;
    len = dedupe_normalise(s, n, cp);
    if (len > 0) {
        if (len < w)
            w = len;
        count = len - w + 1;
    }
    if (!(set = malloc((count + 1) * sizeof *set))) {
        free(cp);
        return -1;
    }
    for (size_t i = 0; i < count; i++)
        set[i] = shingle_hash(cp + i, (int)w, o->seed);
    free(cp);
    qsort(set, count, sizeof *set, cmp_u64);
    for (size_t i = 0; i < count; i++)
        if (k == 0 || set[i] != set[k - 1])
            set[k++] = set[i];
    *out = set;
    return (long)k;
}

static double jaccard_sets(const uint64_t *a, long na, const uint64_t *b, long nb)
{
    long i = 0, j = 0, both = 0;

    if (na == 0 && nb == 0)
        return 1;
    while (i < na && j < nb) {
        if (a[i] == b[j])
            both++, i++, j++;
        else if (a[i] < b[j])
            i++;
        else
            j++;
    }
    return (double)both / (double)(na + nb - both);
}

double dedupe_jaccard(const char *a, size_t an, const char *b, size_t bn,
                      const struct dedupe_options *opt)
{
    struct dedupe_options o;
    uint64_t *sa, *sb;
    long na, nb;
    double j = -1;

    if (options(opt, &o) || (an && !a) || (bn && !b))
        return -1;
    na = shingle_set(a, an, &o, &sa);
    nb = shingle_set(b, bn, &o, &sb);
    if (na >= 0 && nb >= 0)
        j = jaccard_sets(sa, na, sb, nb);
    free(sa);
    free(sb);
    return j;
}

/* ---- candidate pairs and the scan ---------------------------------------- */

struct bucket {
    uint64_t key;
    int doc;
};

static int cmp_bucket(const void *pa, const void *pb)
{
    const struct bucket *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->doc - b->doc;
}

static int cmp_pair(const void *pa, const void *pb)
{
    const struct dedupe_pair *a = pa, *b = pb;
    if (a->similarity != b->similarity)
        return a->similarity > b->similarity ? -1 : 1;
    if (a->a != b->a)
        return a->a - b->a;
    return a->b - b->b;
}

/* Append x to a growable uint64 array. */
static int push(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 1024;
        uint64_t *p = realloc(*v, nc * sizeof *p);
        if (!p)
            return -1;
        *v = p, *cap = nc;
    }
    (*v)[(*n)++] = x;
    return 0;
}

void dedupe_result_free(struct dedupe_result *res)
{
    if (!res)
        return;
    free(res->pairs);
    res->pairs = NULL;
    res->npairs = 0;
}

int dedupe_find(const char *const *texts, const size_t *lens, int n,
                const struct dedupe_options *opt, struct dedupe_result *res)
{
    struct dedupe_options o;
    uint64_t *sigs = NULL, *cand = NULL, **sets = NULL;
    long *setn = NULL;
    uint32_t *cp = NULL;
    struct bucket *bk = NULL;
    size_t maxlen = 0, ncand = 0, capcand = 0, nb = 0;
    int rc = DEDUPE_ENOMEM;

    if (!res)
        return DEDUPE_EINVAL;
    memset(res, 0, sizeof *res);
    if (n < 0 || (n && (!texts || !lens)) || options(opt, &o))
        return DEDUPE_EINVAL;
    for (int i = 0; i < n; i++) {
        if (lens[i] && !texts[i])
            return DEDUPE_EINVAL;
        if (lens[i] > maxlen)
            maxlen = lens[i];
    }
    int rows = DEDUPE_HASHES / o.bands;
    sigs = malloc(((size_t)n * DEDUPE_HASHES + 1) * sizeof *sigs);
    cp = malloc((maxlen + 1) * sizeof *cp);
    bk = malloc(((size_t)n * o.bands + 1) * sizeof *bk);
    if (!sigs || !cp || !bk)
        goto out;

    /* Sign every text, and key every band of every non-empty text. */
    for (int i = 0; i < n; i++) {
        uint64_t *sig = sigs + (size_t)i * DEDUPE_HASHES;
        if (sign(cp, dedupe_normalise(texts[i], lens[i], cp), &o, sig) == 0) {
            res->nempty++;
            continue;
        }
        for (int b = 0; b < o.bands; b++) {
            uint64_t h = o.seed ^ ((uint64_t)b * 0x9e3779b97f4a7c15ULL);
            for (int r = 0; r < rows; r++)
                h = fmix64(h ^ sig[b * rows + r]);
            bk[nb++] = (struct bucket){h, i};
        }
    }
    free(cp);
    cp = NULL;

    /* Texts sharing a band key are candidates; each pair once. */
    qsort(bk, nb, sizeof *bk, cmp_bucket);
    for (size_t s = 0, e; s < nb; s = e) {
        for (e = s + 1; e < nb && bk[e].key == bk[s].key; e++)
            ;
        for (size_t x = s; x < e; x++)
            for (size_t y = x + 1; y < e; y++)
                if (bk[x].doc != bk[y].doc &&
                    push(&cand, &ncand, &capcand, (uint64_t)bk[x].doc << 32 | (uint32_t)bk[y].doc))
                    goto out;
    }
    free(bk);
    bk = NULL;
    if (ncand)
        qsort(cand, ncand, sizeof *cand, cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < ncand; i++)
        if (u == 0 || cand[i] != cand[u - 1])
            cand[u++] = cand[i];
    ncand = u;
    res->ncandidates = (int)ncand;

    if (o.exact) {
        sets = calloc((size_t)n + 1, sizeof *sets);
        setn = calloc((size_t)n + 1, sizeof *setn);
        if (!sets || !setn)
            goto out;
    }
    res->pairs = malloc((ncand + 1) * sizeof *res->pairs);
    if (!res->pairs)
        goto out;
    for (size_t i = 0; i < ncand; i++) {
        int a = (int)(cand[i] >> 32), b = (int)(uint32_t)cand[i];
        struct dedupe_pair p = {a, b, 0, -1, 0};
        p.estimate =
            dedupe_estimate(sigs + (size_t)a * DEDUPE_HASHES, sigs + (size_t)b * DEDUPE_HASHES);
        p.similarity = p.estimate;
        if (o.exact && p.estimate >= o.threshold - EXACT_MARGIN) {
            for (int k = 0; k < 2; k++) {
                int d = k ? b : a;
                if (!sets[d] && (setn[d] = shingle_set(texts[d], lens[d], &o, &sets[d])) < 0)
                    goto out;
            }
            p.jaccard = jaccard_sets(sets[a], setn[a], sets[b], setn[b]);
            p.similarity = p.jaccard;
        }
        if (p.similarity >= o.threshold)
            res->pairs[res->npairs++] = p;
    }
    qsort(res->pairs, (size_t)res->npairs, sizeof *res->pairs, cmp_pair);
    rc = DEDUPE_OK;
out:
    if (sets)
        for (int i = 0; i < n; i++)
            free(sets[i]);
    free(sets), free(setn), free(sigs), free(cand), free(cp), free(bk);
    if (rc != DEDUPE_OK)
        dedupe_result_free(res);
    return rc;
}
