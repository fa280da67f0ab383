/*
 * generate.h — the demo's finished campaign, made up from a seed.
 *
 * demo_generate() makes up a finished campaign modelled on the 2019 national
 * call for urban grassroots governance innovation cases: 32 provincial units,
 * real units below them (cities, districts, streets), about 4,000 cases with
 * realistic Chinese titles and five-section bodies, tracks and tags, the
 * hidden quality that makes 40 cases best and 90 excellent once the demo
 * runs the pipeline (the 13 real Shanghai results among them, and Shanghai
 * with the most awards), and news articles.  The same seed and
 * count give byte-identical output.
 *
 * It is pure: it writes nothing itself but hands every record to a sink,
 * in this order: campaign, stages, tiers, tracks, regions, units, cases,
 * articles.  Pointers inside a record are valid only during the call.
 * A sink callback returns 0 to go on or -1 to stop the generation.
 */
#ifndef LAUREL_DEMO_GENERATE_H
#define LAUREL_DEMO_GENERATE_H

#include <stdint.h>

#include "demo/demo.h"

#define DEMO_SECTIONS 5 /* 背景与起因 做法与经过 成效与反响 探讨与评论 附录 */
#define DEMO_MAX_TAGS 6
/*
 * Cases up to this id get the full five-section body (about 2,500 code
 * points); past it, cases that won nothing keep the first paragraph of each
 * section, so that a campaign of a million cases fits in a few gigabytes and
 * loads in minutes (full-text indexing costs in proportion to the text).
 */
#define DEMO_FULL_CASES 4000

struct demo_campaign {
    const char *slug;       /* "2019" */
    const char *name;       /* 全国城市基层党建创新案例征集评选 */
    const char *theme;
    const char *organisers; /* joined with "、" */
    const char *call_md;    /* the call for cases, Markdown */
    const char *opens_at;   /* 2018-07-01 */
    const char *closes_at;  /* submission deadline */
    const char *published_at;
};

struct demo_stage {
    int seq;           /* 1.. */
    const char *name;  /* 初评 */
    const char *kind;  /* "review", "exhibition", "ballot" */
    const char *starts_at, *ends_at;
    const char *summary;
};

struct demo_tier {
    const char *slug; /* "best", "excellent" */
    const char *name; /* 最佳案例 */
    int quota;
    int rank; /* 1 = highest */
};

struct demo_track {
    const char *slug; /* "party-building" */
    const char *name; /* 党建引领 */
};

struct demo_region {
    const char *code;   /* GB/T 2260, "310000" */
    const char *name;   /* 上海市 */
    const char *source; /* the recommending body: 中共上海市委组织部 */
};

struct demo_unit {
    int id;             /* 1.., unique; parents come before children */
    int parent_id;      /* 0 for a unit directly under the region */
    const char *region_code;
    const char *name;   /* full name, e.g. 上海市浦东新区周家渡街道 */
    int level;          /* 1 city or equivalent, 2 district, 3 street */
    const char *code;   /* GB/T 2260 of a city or district (430100, 310104), "" for a street
                         * or a unit the division data has no code for */
};

struct demo_case {
    int id;                  /* 1.. */
    int unit_id;
    const char *region_code;
    const char *track_slug;
    const char *title;
    const char *summary;     /* one paragraph, plain text, ~120 characters */
    const char *sections[DEMO_SECTIONS]; /* Markdown bodies, no headings */
    const char *tags[DEMO_MAX_TAGS];
    int ntags;
    /*
     * Hidden quality: the award the case deserves ("best", "excellent" or
     * NULL).  Nothing writes it as a tier: the reviewers' scores and the
     * jury's approvals of the demo's run of the pipeline (finish2019.c)
     * follow it, and the tiers come out of the tally, the proposal and the
     * notice.
     */
    const char *merit;
    const char *submitted_at; /* 2018-09-14, within the call period */
    const char *published_at; /* date on the public page */
    int views;               /* a plausible starting view count */
};

struct demo_article {
    int id;
    const char *title;
    const char *source;      /* 来源 */
    const char *author;      /* 作者 */
    const char *published_at;
    const char *body_md;
    const char *tags[DEMO_MAX_TAGS];
    int ntags;
    int views;
};

struct demo_sink {
    void *ctx;
    int (*campaign)(void *ctx, const struct demo_campaign *c);
    int (*stage)(void *ctx, const struct demo_stage *s);
    int (*tier)(void *ctx, const struct demo_tier *t);
    int (*track)(void *ctx, const struct demo_track *t);
    int (*region)(void *ctx, const struct demo_region *r);
    int (*unit)(void *ctx, const struct demo_unit *u);
    int (*kase)(void *ctx, const struct demo_case *c);
    int (*article)(void *ctx, const struct demo_article *a);
};

/*
 * Generate the demo with `ncases` cases (DEMO_MIN_CASES to DEMO_MAX_CASES) from
 * `seed`.  Returns 0, -1 if a sink callback stopped it, or -2 for an
 * ncases out of range.
 */
int demo_generate(uint64_t seed, int ncases, const struct demo_sink *sink);
/*
 * The same, the generator on a thread of its own (generate_aside.c): the
 * sink's callbacks run on the caller's thread, in the same order, with the
 * same records, while the next cases are made up.
 */
int demo_generate_aside(uint64_t seed, int ncases, const struct demo_sink *sink);

/*
 * Later editions over the same units.  demo_units_open() rebuilds the unit
 * table demo_generate(seed, ncases) emits, unit for unit (ids, names,
 * parents), without emitting anything; NULL for an ncases out of range or
 * out of memory.  Units are indices 0..count-1, unit i having id i + 1.
 */
struct demo_units;
struct demo_units *demo_units_open(uint64_t seed, int ncases);
int demo_units_count(const struct demo_units *du);
/* Unit i as demo_generate emitted it; the name stays valid until close. */
void demo_units_get(const struct demo_units *du, int i, struct demo_unit *out);
/* The region of unit i: an index into dw_regions (demo/words.h). */
int demo_units_region(const struct demo_units *du, int i);
/*
 * Make up the words of a new case of region `region` (an index into
 * dw_regions) from the random stream `stream`: a unit of that region drawn as
 * the generator draws them (never a real result's unit, never 陆家嘴), title,
 * summary, five sections, tags and track, with the phrase pools of the
 * campaign.  Fills unit_id, region_code, track_slug, title, summary,
 * sections, tags and ntags of *out (the rest zero); its strings are valid
 * until the next call.  Returns 0, or -1 (bad region, out of memory).
 */
int demo_units_case(struct demo_units *du, uint64_t stream, int region, struct demo_case *out);
void demo_units_close(struct demo_units *du);

#endif
