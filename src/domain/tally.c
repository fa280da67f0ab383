/*
 * tally.c — counting a jury's ballot and proposing award tiers; see tally.h.
 */
#include "tally.h"

#include <stdlib.h>
#include <string.h>

int tally_share_above(const struct tally_case *a, const struct tally_case *b)
{
    /* a/ea > b/eb, with an eligible count of 0 as a share of 0. */
    int64_t ea = a->eligible > 0 ? a->eligible : 1, eb = b->eligible > 0 ? b->eligible : 1;
    int64_t na = a->eligible > 0 ? a->approvals : 0, nb = b->eligible > 0 ? b->approvals : 0;
    return na * eb > nb * ea;
}

static int share_equal(const struct tally_case *a, const struct tally_case *b)
{
    return !tally_share_above(a, b) && !tally_share_above(b, a);
}

/* Passes first; then by share; then by prior rank (unranked last); then by id. */
static int by_result(const void *pa, const void *pb)
{
    const struct tally_case *a = pa, *b = pb;
    if (a->passed != b->passed)
        return b->passed - a->passed;
    if (tally_share_above(a, b))
        return -1;
    if (tally_share_above(b, a))
        return 1;
    int ra = a->prior_rank > 0 ? a->prior_rank : 0x7fffffff;
    int rb = b->prior_rank > 0 ? b->prior_rank : 0x7fffffff;
    if (ra != rb)
        return ra < rb ? -1 : 1;
    return (a->case_id > b->case_id) - (a->case_id < b->case_id);
}

void tally_run(struct tally_case *c, int n, int places, struct tally_outcome *out)
{
    memset(out, 0, sizeof *out);
    if (n <= 0)
        return;
    for (int i = 0; i < n; i++) {
        c[i].passed = c[i].eligible > 0 && c[i].approvals * 2 > c[i].eligible;
        c[i].elected = c[i].runoff = 0;
        out->passed += c[i].passed;
    }
    qsort(c, (size_t)n, sizeof *c, by_result);
    for (int i = 0; i < n; i++)
        c[i].order = c[i].passed ? i + 1 : 0;
    if (places < 0)
        places = 0;
    if (out->passed <= places) {
        for (int i = 0; i < out->passed; i++)
            c[i].elected = 1;
        out->elected = out->passed;
        return;
    }
    /* More passes than places: is the last place shared by a tie? */
    if (places == 0 || !share_equal(&c[places - 1], &c[places])) {
        for (int i = 0; i < places; i++)
            c[i].elected = 1;
        out->elected = places;
        return;
    }
    int first = places - 1, last = places;
    while (first > 0 && share_equal(&c[first - 1], &c[places - 1]))
        first--;
    while (last + 1 < out->passed && share_equal(&c[last + 1], &c[places - 1]))
        last++;
    for (int i = 0; i < first; i++)
        c[i].elected = 1;
    for (int i = first; i <= last; i++)
        c[i].runoff = 1;
    out->elected = first;
    out->runoff = last - first + 1;
    out->runoff_places = places - first;
}

int tally_tiers(struct tally_place *p, int n, const struct tally_tier *t, int ntiers, int nregions,
                int *counts)
{
    int placed = 0;
    int filled[64] = {0};
    if (ntiers > 64)
        ntiers = 64;
    memset(counts, 0, sizeof *counts * (size_t)ntiers * (size_t)nregions);
    for (int i = 0; i < n; i++) {
        p[i].tier = -1;
        p[i].position = 0;
        p[i].why = TALLY_NO_ROOM;
        p[i].capped_tier = -1;
        int reg = p[i].region >= 0 && p[i].region < nregions ? p[i].region : -1;
        for (int k = 0; k < ntiers; k++) {
            if (filled[k] >= t[k].quota)
                continue;
            if (reg >= 0 && t[k].region_cap > 0 && counts[k * nregions + reg] >= t[k].region_cap) {
                if (p[i].capped_tier < 0)
                    p[i].capped_tier = k;
                continue;
            }
            p[i].tier = k;
            p[i].position = ++filled[k];
            p[i].why = p[i].capped_tier >= 0 ? TALLY_REGION_CAP : TALLY_IN_ORDER;
            if (reg >= 0)
                counts[k * nregions + reg]++;
            placed++;
            break;
        }
    }
    return placed;
}
