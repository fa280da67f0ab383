/*
 * dedupe.h — near-duplicate submissions: which cases are (almost) the same
 * text, found without comparing every pair.
 *
 *   1. Normalise: decode UTF-8 (invalid bytes are skipped), drop white space
 *      and punctuation (ASCII, Latin-1, general and supplemental punctuation,
 *      CJK symbols and punctuation, full-width and vertical forms), fold
 *      ASCII and full-width letters to lower-case ASCII and full-width digits
 *      to ASCII.  "社区 治理，" and "社区治理" become the same text.
 *   2. Shingle: every run of `shingle` consecutive code points (default 5),
 *      hashed to 64 bits; a text shorter than that is one shingle.
 *   3. Sign: a MinHash signature of DEDUPE_HASHES (128) values by one-
 *      permutation hashing — the top 7 bits of a shingle's hash choose one of
 *      128 bins, each bin keeps the least of the other 57 bits — with empty
 *      bins filled by rotation densification (Shrivastava & Li, 2014).  Two
 *      signatures agree in a bin with probability equal to the Jaccard
 *      similarity of the shingle sets, as with 128 independent hash
 *      functions, at 1/128 of the hashing.
 *   4. LSH: the signature is cut into `bands` bands of 128/bands rows
 *      (default 32 × 4); texts that agree on a whole band become candidate
 *      pairs.  A pair of similarity s becomes a candidate with probability
 *      1 − (1 − s^rows)^bands: 32 × 4 gives 0.87 at s = 0.5, 0.98 at 0.6,
 *      0.9996 at 0.7, and 0.03 at 0.2.
 *   5. Score: each candidate's similarity is estimated from the signatures
 *      (the share of equal bins), or with `exact` computed from the shingle
 *      sets for the candidates whose estimate is within 0.15 of the
 *      threshold or above (3.4 standard deviations of the estimate); pairs
 *      at or above the threshold (default 0.5) are returned, most similar
 *      first.
 *
 * Editing a text in scattered single characters destroys up to `shingle`
 * shingles per character changed (10 % of characters changed at random
 * leaves about 0.9^5 = 59 % of 5-shingles, Jaccard ≈ 0.42); edits in runs,
 * as when sentences are reworded, destroy far fewer.  Use smaller shingles,
 * more bands or a lower threshold to catch heavier edits.
 *
 * Deterministic for a given seed.  Pure: no HTTP, no SQL.
 */
#ifndef LAUREL_DEDUPE_H
#define LAUREL_DEDUPE_H

#include <stddef.h>
#include <stdint.h>

#define DEDUPE_HASHES 128

enum dedupe_rc {
    DEDUPE_OK = 0,
    DEDUPE_EINVAL, /* bad options (bands not dividing 128, threshold outside 0..1) */
    DEDUPE_ENOMEM,
    DEDUPE_RC__MAX
};

/* Options; a zero member means its default. */
struct dedupe_options {
    int shingle;      /* code points per shingle; default 5 */
    int bands;        /* LSH bands, a divisor of 128; default 32 (of 4 rows) */
    double threshold; /* report pairs at or above this similarity; default 0.5 */
    int exact;        /* 1: similarity is the exact Jaccard of the shingle sets */
    uint64_t seed;    /* hash seed; default a fixed constant */
};

struct dedupe_pair {
    int a, b;          /* text indices, a < b */
    double estimate;   /* from the signatures */
    double jaccard;    /* exact with `exact`, else -1 */
    double similarity; /* what the threshold and the order use */
};

struct dedupe_result {
    struct dedupe_pair *pairs; /* malloc'd; most similar first, then by (a, b) */
    int npairs;
    int ncandidates; /* pairs the LSH proposed */
    int nempty;      /* texts with nothing left after normalising: never paired */
};

/*
 * Normalise s[0..n) into code points out[] (room for n of them); returns
 * how many.
 */
size_t dedupe_normalise(const char *s, size_t n, uint32_t *out);

/*
 * The signature of s[0..n) in sig.  Returns the number of distinct shingle
 * positions (0 for a text with nothing left after normalising: then sig is
 * all UINT64_MAX), or -1 for bad options or out of memory.
 */
long dedupe_signature(const char *s, size_t n, const struct dedupe_options *opt,
                      uint64_t sig[DEDUPE_HASHES]);

/* Estimated Jaccard similarity of two signatures: the share of equal bins. */
double dedupe_estimate(const uint64_t a[DEDUPE_HASHES], const uint64_t b[DEDUPE_HASHES]);

/* Exact Jaccard similarity of two texts' shingle sets (1 for two empty texts); -1 on error. */
double dedupe_jaccard(const char *a, size_t an, const char *b, size_t bn,
                      const struct dedupe_options *opt);

/*
 * Find the near-duplicate pairs among texts[0..n) (texts[i] has lens[i]
 * bytes, UTF-8).  res need not be initialised; res->pairs is owned by it
 * (dedupe_result_free).  Returns DEDUPE_OK, DEDUPE_EINVAL or DEDUPE_ENOMEM.
 */
int dedupe_find(const char *const *texts, const size_t *lens, int n,
                const struct dedupe_options *opt, struct dedupe_result *res);

void dedupe_result_free(struct dedupe_result *res);

#endif
