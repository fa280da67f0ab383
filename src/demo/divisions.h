/*
 * divisions.h — the real places the demo's units are named after.
 *
 * src/demo/divisions.txt, compiled into the binary (core/embed.h) and
 * written by tools/divisions.py from the National Bureau of Statistics'
 * division codes, lists for each of the 32 regions, in the order of
 * dw_regions, the places below it that the demo uses: level-1 units (a
 * province's cities, a municipality's districts, XPCC's divisions), the
 * level-2 units under them (a city's districts, the city a division
 * governs) and the 街道 of each.  generate.c builds its unit tree from them
 * alone, so that every unit's name and parent chain is a real place
 * (上海市 → 徐汇区 → 徐家汇街道); the tests check the tree against them.
 *
 * divisions_open() parses the embedded file into one owned structure;
 * every pointer in it lives until divisions_close().
 */
#ifndef LAUREL_DEMO_DIVISIONS_H
#define LAUREL_DEMO_DIVISIONS_H

#define DV_REGION 0
#define DV_CITY 1     /* level 1 */
#define DV_DISTRICT 2 /* level 2 */

struct dv_place {
    int kind;                   /* DV_REGION, DV_CITY or DV_DISTRICT */
    const char *code;           /* GB/T 2260, "430100"; "" where the data has none */
    const char *name;           /* 长沙市 */
    const char *const *streets; /* stems of its 街道 (徐家汇 for 徐家汇街道) */
    int nstreets;
};

struct divisions {
    struct dv_place *places; /* in file order: each region, then its units */
    int nplaces;
    char *text;         /* the file cut into words, which the pointers point into */
    const char **words; /* the street stems of all places, end to end */
};

/* The embedded places, or NULL if the file is missing or malformed, or memory ran out. */
struct divisions *divisions_open(void);
void divisions_close(struct divisions *dv);

#endif
