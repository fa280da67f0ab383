/*
 * words.h — the data tables behind the demo's generators.
 *
 * Everything generate.c says in Chinese comes from here: the campaign's fixed
 * facts (regions with their GB/T 2260 codes, stages, tiers, the 13 real
 * Shanghai results and the units they name), and the phrase and sentence
 * pools the generator draws from.  The places below the regions are real
 * ones, listed in divisions.txt (demo/divisions.h).  Pools are NULL-terminated arrays of strings.
 *
 * Sentence templates may hold slots that generate.c fills in:
 *   {U} full unit name      {S} short unit name     {C} region name
 *   {O} the unit's party organ (街道党工委, 区委 ...)
 *   {B} the case's brand    {F} its field of work   {P} the problem met
 *   {G} the goal pursued    {R} the people served
 *   {A} a measure from dw_summary_acts   {E} an effect from dw_summary_effects
 *   {n:A:B} an integer in [A, B]     {f:A:B} a number with one decimal
 *   {x|y|z} one of the alternatives (no slots inside)
 */
#ifndef LAUREL_DEMO_WORDS_H
#define LAUREL_DEMO_WORDS_H

#define DW_PROVINCE 0
#define DW_MUNICIPALITY 1
#define DW_CORPS 2

#define DW_NREGIONS 32
#define DW_SHANGHAI 8 /* index of 310000 in dw_regions */
#define DW_HENAN 15
#define DW_ZHEJIANG 10

struct dw_region {
    const char *code;
    const char *name;
    const char *source;          /* the recommending body */
    int weight;                  /* relative share of the submitted cases */
    int kind;                    /* DW_PROVINCE, DW_MUNICIPALITY or DW_CORPS */
};

/* A unit that must exist because a real result names it. */
struct dw_fixed_unit {
    const char *region_code;
    const char *name;            /* full name */
    const char *short_name;
    const char *parent;          /* full name of the parent, NULL for none */
    int level;
    const char *same_as;         /* the 街道 of divisions.txt it is, when named otherwise */
};

struct dw_topic {
    int track;                   /* index into dw_tracks */
    const char *field;
    const char *problem;
    const char *goal;
    const char *people;
    const char *const *cores;    /* brand cores typical of the topic */
    const char *const *measures; /* headings of measures */
    const char *const *mains;    /* main ideas for titles */
    const char *const *tags;     /* 2-3 tags */
};

/* One of the 13 real Shanghai results. */
struct dw_seed {
    const char *title;
    const char *unit;
    int best;
    int topic;
    const char *brand;
    const char *lead;            /* a sentence of background of its own */
    const char *const *tags;
};

struct dw_track {
    const char *slug;
    const char *name;
};

struct dw_stage {
    const char *name;
    const char *kind;
    const char *starts_at;
    const char *ends_at;
    const char *summary;
};

#define DW_LIST_NONE 0
#define DW_LIST_PRESENTERS 1 /* the 12 best-case units at the ceremony */
#define DW_LIST_SHANGHAI 2   /* the 13 Shanghai titles */

struct dw_article {
    const char *title;
    const char *source;
    const char *published_at;
    const char *body;
    int list;                    /* DW_LIST_*: what generate.c appends after body */
    const char *tail;            /* a closing paragraph after the list, or NULL */
    const char *const *tags;
};

extern const char dw_campaign_name[];
extern const char dw_campaign_theme[];
extern const char dw_campaign_organisers[];
extern const char dw_call_md[];
extern const char dw_opens_at[];
extern const char dw_closes_at[];
extern const char dw_published_at[];

extern const struct dw_stage dw_stages[4];
extern const struct dw_track dw_tracks[];
extern const int dw_ntracks;
extern const struct dw_region dw_regions[DW_NREGIONS];
extern const struct dw_fixed_unit dw_fixed_units[];
extern const int dw_nfixed_units;
extern const struct dw_topic dw_topics[];
extern const int dw_ntopics;
extern const struct dw_seed dw_seeds[];
extern const int dw_nseeds;

/* Tags and brands. */
extern const char *const dw_tags[];
extern const char *const dw_common_tags[];
extern const char *const dw_brand_prefixes[];
extern const char *const dw_brand_cores[];
extern const char *const dw_brand_formulas[];

/* Titles and summaries. */
extern const char *const dw_title_mains[];
extern const char *const dw_title_subtitles[];
extern const char *const dw_title_brand_phrases[];
extern const char *const dw_summaries[];
extern const char *const dw_summary_tails[];
extern const char *const dw_summary_acts[];
extern const char *const dw_summary_effects[];

/* Section sentence pools. */
extern const char *const dw_bg_intro[];      /* streets and districts */
extern const char *const dw_bg_intro_city[]; /* cities and other level-1 units */
extern const char *const dw_bg_context[];
extern const char *const dw_bg_detail[];
extern const char *const dw_bg_problem[];
extern const char *const dw_bg_turn[];
extern const char *const dw_do_intro[];
extern const char *const dw_do_generic[];
extern const char *const dw_do_detail[];
extern const char *const dw_do_close[];
extern const char *const dw_ef_intro[];
extern const char *const dw_ef_figures[];
extern const char *const dw_ef_quotes[];
extern const char *const dw_ef_media[];
extern const char *const dw_di_intro[];
extern const char *const dw_di_points[];
extern const char *const dw_di_expert[];
extern const char *const dw_di_close[];
extern const char *const dw_ap_items[];

/* News. */
extern const struct dw_article dw_articles[];
extern const int dw_narticles;
extern const char *const dw_authors[];

/* Number of entries in a NULL-terminated pool. */
int dw_count(const char *const *pool);

#endif
