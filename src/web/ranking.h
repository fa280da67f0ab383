/*
 * ranking.h — the organiser's results of review stages: the ranking table
 * and each case's explanation, closing, ranking and advancing a stage, the
 * near-duplicate pairs (ranking.c), and the stage's spreadsheets
 * (ranking_export.c).  The commands `laurel rank` and `laurel dedupe` are
 * review/rank_run.h's and review/dedupe_run.h's.
 */
#ifndef LAUREL_WEB_RANKING_H
#define LAUREL_WEB_RANKING_H

#include "store/ranking.h"
#include "web/web.h"

/*
 * The review stage whose id is the path parameter param, from the request's
 * arena; NULL (then *e says why: not found, or out of memory) if there is
 * none or it is not a review stage.
 */
struct ranking_stage *ranking_stage_of(struct req *r, const char *param, enum web_err *e);

/* GET /admin/stages/{id}/ranking and GET /admin/stages/{id}/cases/{case}. */
enum web_err page_ranking(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_ranking_case(struct req *r, const struct web_input *in, struct page *p);
/* POST /admin/stages/{id}/close, /rank (confirm=1 when released), /advance. */
extern const struct web_action act_ranking_close, act_ranking_rank, act_ranking_advance;
/* GET /admin/stages/{id}/export/{kind}.xlsx, kind assignments | scores | ranking. */
void raw_ranking_export(struct req *r, struct resp *w);
/* GET /admin/dedupe[?threshold=T] and GET /admin/dedupe/{a}/{b}. */
void raw_dedupe(struct req *r, struct resp *w);
enum web_err page_dedupe_pair(struct req *r, const struct web_input *in, struct page *p);

#endif
