/*
 * ranking.h — the organiser's results of review stages (ranking.c): the
 * ranking table and each case's explanation, closing, ranking and
 * advancing a stage, the near-duplicate pairs, the stage's spreadsheets,
 * and the commands `laurel rank` and `laurel dedupe`.
 */
#ifndef LAUREL_WEB_RANKING_H
#define LAUREL_WEB_RANKING_H

#include "web/web.h"

/* GET /admin/stages/{id}/ranking and GET /admin/stages/{id}/cases/{case}. */
enum web_err page_ranking(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_ranking_case(struct req *r, const struct web_input *in, struct page *p);
/* POST /admin/stages/{id}/close, /rank (confirm=1 when released), /advance. */
void raw_ranking_close(struct req *r, struct resp *w);
void raw_ranking_rank(struct req *r, struct resp *w);
void raw_ranking_advance(struct req *r, struct resp *w);
/* GET /admin/stages/{id}/export/{kind}.xlsx, kind assignments | scores | ranking. */
void raw_ranking_export(struct req *r, struct resp *w);
/* GET /admin/dedupe[?threshold=T] and GET /admin/dedupe/{a}/{b}. */
void raw_dedupe(struct req *r, struct resp *w);
enum web_err page_dedupe_pair(struct req *r, const struct web_input *in, struct page *p);

/*
 * `laurel rank --stage N [--data DIR]` (N: the stage's sequence number in
 * the campaign under review) and `laurel dedupe [--threshold T] [--data
 * DIR]`: argv as main received it.  Return the exit status.
 */
int ranking_cli_rank(int argc, char **argv);
int ranking_cli_dedupe(int argc, char **argv);

#endif
