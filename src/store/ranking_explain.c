/*
 * ranking_explain.c — the one writer of a ranking's explanations (see
 * ranking.h): what stage_case.explanation holds for each case, built from
 * domain/rank.h's results.  The ranking (review/rank_run.c) and the demo's
 * first round both write through it, so every reader (the ranking pages,
 * the export, `laurel rank`) meets one shape.  No SQL: it is the format,
 * whichever database keeps it.
 */
#include <stdlib.h>

#include "store/ranking.h"

static json_t *num_or_null(int has, double v)
{
    return has ? json_real(v) : json_null();
}

/* Each score of case c: reviewer, raw, z, normalised, dropped by either pass. */
static json_t *scores_of(const struct ranking_explain *x, int c)
{
    const struct rank_entry *er = &x->raw->entries[c], *en = &x->nor->entries[c];
    const struct rank_result *nor = x->nor;
    json_t *scores = json_array();
    for (int i = 0; i < er->nscores; i++) {
        const struct rank_item *it = &er->items[i];
        const struct rank_item *jt = NULL;
        for (int k = 0; k < en->nscores; k++)
            if (en->items[k].reviewer == it->reviewer)
                jt = &en->items[k];
        double norm = jt ? jt->normalised : it->raw;
        int kept = !jt || norm == it->raw || nor->sigma_all <= 0;
        json_array_append_new(
            scores, json_pack("{s:I,s:f,s:o,s:f,s:b,s:b}", "reviewer",
                              (json_int_t)x->reviewer_ids[it->reviewer], "raw", it->raw, "z",
                              num_or_null(!kept, (norm - nor->mu_all) /
                                                     (nor->sigma_all > 0 ? nor->sigma_all : 1)),
                              "normalised", norm, "dropped", it->dropped, "dropped_normalised",
                              jt ? jt->dropped : 0));
    }
    return scores;
}

char *ranking_explain(const struct ranking_explain *x, int c)
{
    const struct rank_entry *er = &x->raw->entries[c], *en = &x->nor->entries[c];
    const struct rank_entry *eu = &x->used->entries[c];
    const struct rank_options *o = &x->used->opt;
    json_t *e = json_object();
    json_object_set_new(e, "rule", json_string(x->rule));
    json_object_set_new(e, "n", json_integer(er->nscores));
    json_object_set_new(e, "quorum", json_integer(o->quorum));
    json_object_set_new(e, "below_quorum", json_boolean(eu->below_quorum));
    json_object_set_new(e, "raw_mean", json_real(er->raw_mean));
    json_object_set_new(e, "trimmed", json_real(er->expert));
    json_object_set_new(e, "normalised", json_real(en->expert));
    json_object_set_new(e, "shift", json_real(en->expert - er->expert));
    json_object_set_new(e, "normalise_used", json_boolean(o->normalise));
    json_object_set_new(e, "mu_all", json_real(x->nor->mu_all));
    json_object_set_new(e, "sigma_all", json_real(x->nor->sigma_all));
    json_object_set_new(e, "expert", json_real(eu->expert));
    json_object_set_new(e, "earlier",
                        num_or_null(x->has_earlier && x->has_earlier[c], eu->earlier));
    json_object_set_new(e, "votes", json_real(x->cases ? x->cases[c].votes : 0));
    json_object_set_new(e, "votes_scaled", json_real(eu->votes_scaled));
    json_object_set_new(e, "w_expert", json_real(o->w_expert));
    json_object_set_new(e, "w_earlier", json_real(o->w_earlier));
    json_object_set_new(e, "w_votes", json_real(o->w_votes));
    json_object_set_new(e, "blended", json_real(eu->blended));
    json_object_set_new(e, "rank", json_integer(eu->rank));
    json_object_set_new(e, "proposed", json_boolean(eu->advanced));
    json_object_set_new(e, "p_advance", json_real(eu->p_advance));
    json_object_set_new(e, "borderline", json_boolean(eu->borderline));
    json_object_set_new(e, "scores", scores_of(x, c));
    char *text = json_dumps(e, JSON_COMPACT | JSON_REAL_PRECISION(10));
    json_decref(e);
    return text;
}
