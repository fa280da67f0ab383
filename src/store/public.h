/*
 * public.h — what the store's machinery and the plan test see of the public
 * reads (public.c, over the driver): the SQL text of every named query, so
 * that tests/unit/test_public_plan.c explains the very texts the pages run,
 * and the upkeep of the public read tables (migration 004) that the writer,
 * the bulk load and the store's open call, on the writer's connection.
 */
#ifndef LAUREL_PUBLIC_H
#define LAUREL_PUBLIC_H

#include <stdint.h>

struct db_conn;
struct store;

enum public_q {
    Q_CAMPAIGN,
    Q_STAGES,
    Q_TIERS,
    Q_TRACKS,
    Q_FIGURES,
    Q_COUNT,
    Q_TIER_ID,
    Q_TRACK_ID,
    Q_TAG_ID,
    Q_CASE_SUMMARY,
    Q_SEARCH_HITS_TRI,
    Q_SEARCH_HITS_BI,
    Q_SEARCH,
    Q_CASE_ID_SPAN,
    Q_CASE,
    Q_CASE_TAGS,
    Q_CASE_SECTIONS,
    Q_CASE_ATTACHMENTS,
    Q_CASE_RELATED,
    Q_CASE_PREV,
    Q_CASE_NEXT,
    Q_REGIONS,
    Q_REGION_AWARDS,
    Q_AWARDED,
    Q_TAGS,
    Q_ARTICLES,
    Q_ARTICLE,
    Q_ARTICLE_TAGS,
    Q_ARTICLE_RELATED,
    Q_ARTICLE_PREV,
    Q_ARTICLE_NEXT,
    Q_SITEMAP_CASES,
    Q_SITEMAP_ARTICLES,
    Q_ARTICLE_COUNT,
    Q_LIST_PAGE,
    Q_CASE_RELATED_ANY,
    Q_REGION_NAMES,
    Q__MAX
};

extern const char *const public_sql[Q__MAX];

/*
 * Rebuild the public read tables (pub_figures, pub_count, pub_rank,
 * pub_pool, pub_award) of campaign_id from its published cases, and
 * refresh the planner's statistics; on the write's connection, inside the
 * caller's transaction.  Set-based: seconds at a million cases.  0 or -1
 * (logged).
 */
int db_public_refresh(struct db_conn *c, int64_t campaign_id);
/* The public campaign: the newest published (or archived) one, or 0. */
int64_t db_public_campaign(struct db_conn *c);
/* 1 if campaign_id has published cases but no pub_figures row, or awarded
 * ones but no pub_award row (a database migrated to 004 or 012 and not
 * refreshed yet), else 0. */
int db_public_stale(struct db_conn *c, int64_t campaign_id);
/* Add delta flushed views to the campaign's figures (the writer). */
void db_public_add_views(struct db_conn *c, int64_t campaign_id, int64_t delta);
/* Stop the public reads' refresher and drop what they keep in memory for st
 * (at store_close, before the read connections close). */
void db_public_close(struct store *st);

#endif
