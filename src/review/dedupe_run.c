/*
 * dedupe_run.c — the near-duplicate scan over the store (see dedupe_run.h),
 * and `laurel dedupe`.  The arithmetic is domain/dedupe.h's; the texts are
 * the store's (store_ranking_texts: title and sections of each case past
 * the draft state).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "domain/dedupe.h"
#include "review/dedupe_run.h"
#include "store/ranking.h"
#include "store/review.h"

double dedupe_run_threshold(const char *v)
{
    if (!v || !*v)
        return DEDUPE_RUN_DEFAULT;
    char *end;
    errno = 0;
    double t = strtod(v, &end);
    if (errno || *end || !(t >= 0.05 && t <= 1))
        return -1;
    return t;
}

json_t *dedupe_run_pairs(struct store *st, int64_t campaign_id, double threshold, int max,
                         int *ncases, int *npairs)
{
    struct ranking_texts t;
    *ncases = *npairs = 0;
    if (store_ranking_texts(st, campaign_id, &t) != RC_OK)
        return NULL;
    struct dedupe_options o = {.threshold = threshold, .exact = 1};
    struct dedupe_result res;
    json_t *pairs = NULL;
    if (dedupe_find((const char *const *)t.texts, t.lens, t.n, &o, &res) == DEDUPE_OK) {
        pairs = json_array();
        *npairs = res.npairs;
        for (int i = 0; i < res.npairs && i < max; i++) {
            const struct dedupe_pair *p = &res.pairs[i];
            json_array_append_new(
                pairs, json_pack("{s:I,s:I,s:s,s:s,s:f}", "a", (json_int_t)t.ids[p->a], "b",
                                 (json_int_t)t.ids[p->b], "title_a", t.titles[p->a], "title_b",
                                 t.titles[p->b], "similarity", p->similarity));
        }
        dedupe_result_free(&res);
    }
    *ncases = t.n;
    ranking_texts_free(&t);
    return pairs;
}

/* The text the scan compares: the title and the sections, joined with newlines. */
static char *text_of(json_t *c)
{
    struct buf b = BUF_INIT;
    buf_init(&b, 1u << 20);
    buf_puts(&b, json_string_value(json_object_get(c, "title")));
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(c, "sections"), i, s)
    {
        buf_putc(&b, '\n');
        buf_puts(&b, json_string_value(json_object_get(s, "body")));
    }
    char *t = b.oom ? NULL : strndup(b.p ? b.p : "", b.len);
    buf_release(&b);
    return t;
}

double dedupe_run_similarity(json_t *a, json_t *b)
{
    char *ta = text_of(a), *tb = text_of(b);
    struct dedupe_options o = {.exact = 1};
    double sim = ta && tb ? dedupe_jaccard(ta, strlen(ta), tb, strlen(tb), &o) : -1;
    free(ta);
    free(tb);
    return sim;
}

/* ------------------------------------------------------------ laurel dedupe */

/* --data DIR, --db URI and --threshold T; 0 or -1 (message printed). */
static int cli_options(int argc, char **argv, const char **data, const char **db,
                       double *threshold)
{
    for (int i = 2; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "laurel: option '%s' needs a value\n", a);
            return -1;
        }
        if (strcmp(a, "--data") == 0) {
            *data = v;
        } else if (strcmp(a, "--db") == 0) {
            *db = v;
        } else if (strcmp(a, "--threshold") == 0 && dedupe_run_threshold(v) > 0) {
            *threshold = dedupe_run_threshold(v);
        } else {
            fprintf(stderr, "laurel: unknown or bad option '%s %s'\n", a, v);
            return -1;
        }
    }
    return 0;
}

/* The store of folder data (or db), opened for the command, or NULL (message printed). */
static struct store *cli_store(const char *data, const char *db)
{
    char err[512];
    struct store *st = store_open_db(data, db, 0, err, sizeof err);
    if (!st)
        fprintf(stderr, "laurel: %s\n", err);
    return st;
}

int dedupe_run_main(int argc, char **argv)
{
    const char *data = "./data", *db = NULL;
    double threshold = DEDUPE_RUN_DEFAULT;
    if (cli_options(argc, argv, &data, &db, &threshold) != 0) {
        fputs("usage: laurel dedupe [--threshold T] [--data DIR] [--db URI]  (T in 0.05..1, default 0.5)\n",
              stderr);
        return 2;
    }
    struct store *st = cli_store(data, db);
    if (!st)
        return 1;
    int rc = 1, n = 0, npairs = 0;
    int64_t campaign = store_review_campaign_id(st);
    json_t *pairs =
        campaign ? dedupe_run_pairs(st, campaign, threshold, INT32_MAX, &n, &npairs) : NULL;
    if (!campaign)
        fputs("laurel: no campaign under review\n", stderr);
    else if (!pairs)
        fputs("laurel: the scan failed\n", stderr);
    else {
        printf("%d cases scanned, %d pairs at similarity >= %.2f\n", n, npairs, threshold);
        size_t i;
        json_t *p;
        json_array_foreach(pairs, i, p)
        {
            printf("%.3f %lld %lld %s | %s\n", json_real_value(json_object_get(p, "similarity")),
                   (long long)json_integer_value(json_object_get(p, "a")),
                   (long long)json_integer_value(json_object_get(p, "b")),
                   json_string_value(json_object_get(p, "title_a")),
                   json_string_value(json_object_get(p, "title_b")));
        }
        rc = 0;
    }
    json_decref(pairs);
    store_close(st);
    return rc;
}
