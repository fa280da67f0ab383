/*
 * bench_public.c — the public read paths measured where no cache can serve
 * them: each public page's store calls (what its handler in web/public.c
 * and web/feeds.c asks the store for) timed one at a time on a demo
 * database, over a random spread of case ids, list filters, pages, sorts
 * and search words of one to four characters, with and without hits.  The
 * page cache sits above the store, so nothing here can hit it; every call
 * is a distinct request.
 *
 * Prints per kind of request the median, p95 and max in milliseconds by the
 * wall clock, and the median, p95 and max of the calling thread's CPU time: on a
 * shared machine the wall clock's tail holds other processes' time slices
 * (and reads from disk), the CPU time only the request's own work.
 *
 *   ninja -C build bench_public
 *   build/laurel demo --data /tmp/d --cases 100000
 *   build/bench_public /tmp/d [requests per kind, default 200]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"

#define MAX_SAMPLES 4096

static uint64_t rng = 2019;

static uint64_t next_rand(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static size_t pick(size_t n)
{
    return n ? (size_t)(next_rand() % n) : 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *name, double *t, double *c, int n)
{
    int p95 = (n * 95) / 100 < n ? (n * 95) / 100 : n - 1;
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    qsort(c, (size_t)n, sizeof *c, cmp_double);
    printf("%-34s n=%-4d median %8.3f ms  p95 %8.3f ms  max %8.3f ms  cpu median %7.3f p95 %7.3f "
           "max %7.3f\n",
           name, n, t[n / 2], t[p95], t[n - 1], c[n / 2], c[p95], c[n - 1]);
    fflush(stdout);
}

/* The values a filter can take, read once from the store. */
static json_t *regions, *campaign, *tags, *case_ids;

static const char *rand_region(void)
{
    return json_string_value(
        json_object_get(json_array_get(regions, pick(json_array_size(regions))), "code"));
}

static const char *rand_slug(const char *list)
{
    json_t *a = json_object_get(campaign, list);
    return json_string_value(json_object_get(json_array_get(a, pick(json_array_size(a))), "slug"));
}

static const char *rand_tag(void)
{
    return json_string_value(
        json_object_get(json_array_get(tags, pick(json_array_size(tags))), "name"));
}

/* Total of the filter (one cheap call), then a random page of it. */
static int rand_page(struct store *st, struct store_filter *f, int deep)
{
    struct store_filter one = *f;
    one.page = 1;
    one.per_page = 1;
    json_t *p = store_cases(st, &one);
    int64_t total = p ? json_integer_value(json_object_get(p, "total")) : 0;
    json_decref(p);
    int pages = (int)((total + STORE_PER_PAGE - 1) / STORE_PER_PAGE);
    if (pages < 1)
        pages = 1;
    return deep ? pages - (int)pick(pages < 5 ? (size_t)pages : 5) : 1 + (int)pick((size_t)pages);
}

enum kind {
    K_CASE,
    K_CASES,
    K_CASES_DEEP,
    K_CASES_VIEWS,
    K_REGION,
    K_TIER_REGION,
    K_TRACK,
    K_TAG,
    K_FILTER3,
    K_REGIONS,
    K_TAGS,
    K_RESULTS,
    K_HOME,
    K_SEARCH_HIT,
    K_SEARCH_MISS,
    K_SEARCH_LONG,
    K_SITEMAP,
    K_VIEWS_ONE,
    K_VIEWS_TWO,
    K_TWO_LAST,
    K__MAX
};

static const char *const kind_name[K__MAX] = {
    "case page (random id)",
    "/cases?page=K (random K)",
    "/cases?page=K (last 5)",
    "/cases?sort=views&page=K",
    "/regions/R?page=K",
    "/cases?tier&region (page K)",
    "/cases?track=T&page=K",
    "/tags/T?page=K",
    "/cases?region&tier&track&tag",
    "/regions",
    "/tags",
    "/results",
    "/ (home)",
    "search 1-2 chars, hits",
    "search, no hit",
    "search 3-4 chars",
    "/sitemap.xml (one part)",
    "by views, 1 filter (page K)",
    "by views, 2 filters (page K)",
    "newest, 2 filters, last 5 pages",
};

/* Short words the demo's cases contain, and words none does. */
static const char *const short_words[] = {"社区", "物业", "党建", "楼宇", "治理", "社",
                                          "楼",   "治",   "沪",   "服务", "居民", "网格"};
static const char *const miss_words[] = {"zq", "鿿鿿", "xjv", "qqzz", "氕氘", "zz 鿿"};
static const char *const long_words[] = {"社区治理", "陆家嘴",   "居民自治", "志愿服务",
                                         "网格化",   "物业管理", "党建引领"};

/* When the timed part of a request began (after its parameters were drawn):
 * by the wall clock, and by the thread's CPU time. */
static double t_start, c_start;

static void start(void)
{
    t_start = now_ms();
    c_start = cpu_ms();
}

/* One request of kind k; the models are dropped at once. */
static void one(struct store *st, enum kind k)
{
    struct store_filter f = {0};
    f.per_page = STORE_PER_PAGE;
    json_t *a = NULL, *b = NULL, *c = NULL;
    switch (k) {
    case K_CASE:
        start();
        a = store_case(st, json_integer_value(json_array_get(
                               json_array_get(case_ids, pick(json_array_size(case_ids))), 0)));
        break;
    case K_CASES:
    case K_CASES_DEEP:
    case K_CASES_VIEWS:
        f.sort_views = k == K_CASES_VIEWS;
        f.page = rand_page(st, &f, k == K_CASES_DEEP);
        start();
        a = store_cases(st, &f);
        b = store_campaign(st);
        c = store_regions(st);
        break;
    case K_REGION:
        f.region = rand_region();
        f.page = rand_page(st, &f, 0);
        start();
        a = store_cases(st, &f);
        b = store_region(st, f.region);
        break;
    case K_TIER_REGION:
        f.region = rand_region();
        f.tier = rand_slug("tiers");
        f.page = rand_page(st, &f, 0);
        start();
        a = store_cases(st, &f);
        b = store_campaign(st);
        c = store_regions(st);
        break;
    case K_TRACK:
        f.track = rand_slug("tracks");
        f.sort_views = (int)pick(2);
        f.page = rand_page(st, &f, 0);
        start();
        a = store_cases(st, &f);
        b = store_campaign(st);
        c = store_regions(st);
        break;
    case K_TAG:
        f.tag = rand_tag();
        f.page = rand_page(st, &f, 0);
        start();
        a = store_cases(st, &f);
        break;
    case K_FILTER3:
        f.region = rand_region();
        f.track = rand_slug("tracks");
        f.tag = rand_tag();
        if (pick(2))
            f.tier = rand_slug("tiers");
        f.sort_views = (int)pick(2);
        f.page = rand_page(st, &f, 0);
        start();
        a = store_cases(st, &f);
        b = store_campaign(st);
        c = store_regions(st);
        break;
    case K_REGIONS:
        start();
        a = store_regions(st);
        break;
    case K_TAGS:
        start();
        a = store_tags(st);
        break;
    case K_RESULTS:
        start();
        a = store_results(st);
        break;
    case K_HOME:
        start();
        a = store_campaign(st);
        b = store_articles(st, 1, 5);
        f.tier = "best";
        f.sort_views = 1;
        f.page = 1;
        f.per_page = 8;
        c = store_cases(st, &f);
        json_decref(store_regions(st));
        break;
    case K_SEARCH_HIT:
    case K_SEARCH_MISS:
    case K_SEARCH_LONG:
        f.q = k == K_SEARCH_HIT    ? short_words[pick(sizeof short_words / sizeof *short_words)]
              : k == K_SEARCH_MISS ? miss_words[pick(sizeof miss_words / sizeof *miss_words)]
                                   : long_words[pick(sizeof long_words / sizeof *long_words)];
        f.page = pick(4) == 0 ? 2 : 1;
        start();
        a = store_cases(st, &f);
        break;
    case K_SITEMAP:
        start();
#ifdef STORE_SITEMAP_PARTS
        a = store_sitemap(st, 0, 50000);
#else
        a = store_sitemap(st);
#endif
        break;
    case K_VIEWS_ONE:
    case K_VIEWS_TWO:
    case K_TWO_LAST: {
        /* Two distinct filters of region, tier, track, tag (one of them for K_VIEWS_ONE). */
        size_t x = pick(4), y = (x + 1 + pick(3)) % 4;
        for (size_t d = 0; d < 4; d++)
            if (d == x || (k != K_VIEWS_ONE && d == y)) {
                if (d == 0)
                    f.region = rand_region();
                else if (d == 1)
                    f.tier = rand_slug("tiers");
                else if (d == 2)
                    f.track = rand_slug("tracks");
                else
                    f.tag = rand_tag();
            }
        /* The last pages of two filters newest first: at a combination's first visit,
         * a walk through all of its matches. */
        f.sort_views = k != K_TWO_LAST;
        f.page = rand_page(st, &f, k == K_TWO_LAST);
        start();
        a = store_cases(st, &f);
        break;
    }
    case K__MAX:
        break;
    }
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_public DATA [requests per kind]\n");
        return 2;
    }
    int n = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 200;
    if (n < 1 || n > MAX_SAMPLES)
        n = 200;
    char err[256] = "";
    struct store *st = store_open(argv[1], 0, err, sizeof err);
    if (!st) {
        fprintf(stderr, "bench_public: %s\n", err);
        return 1;
    }
    regions = store_regions(st);
    campaign = store_campaign(st);
    tags = store_tags(st);
#ifdef STORE_SITEMAP_PARTS
    json_t *sm = store_sitemap(st, 0, 2000000);
#else
    json_t *sm = store_sitemap(st);
#endif
    case_ids = json_incref(json_object_get(sm, "cases"));
    json_decref(sm);
    printf("bench_public: %zu published cases, %zu regions, %zu tags\n", json_array_size(case_ids),
           json_array_size(regions), json_array_size(tags));
    /* Once per process: the first most-viewed list waits for the order kept in memory
     * (store/pub_views.c), which a background thread rebuilds after that. */
    struct store_filter first = {.sort_views = 1, .page = 1, .per_page = STORE_PER_PAGE};
    double t0 = now_ms();
    json_decref(store_cases(st, &first));
    printf("first most-viewed list (waits for the order's first build): %.1f ms\n", now_ms() - t0);
    static double t[MAX_SAMPLES], c[MAX_SAMPLES];
    for (int k = 0; k < K__MAX; k++) {
        for (int i = 0; i < n; i++) {
            one(st, (enum kind)k);
            c[i] = cpu_ms() - c_start;
            t[i] = now_ms() - t_start;
        }
        report(kind_name[k], t, c, n);
    }
    json_decref(regions);
    json_decref(campaign);
    json_decref(tags);
    json_decref(case_ids);
    store_close(st);
    return 0;
}
