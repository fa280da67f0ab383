/*
 * news.h — the store's interface for news written by the organiser: the
 * articles of the campaign in every state, one article with its images,
 * the published article a public URL names, and the writes (create, save,
 * publish or unpublish, add an image, draft an announcement from the data).
 *
 * Articles belong to the public campaign (the newest published), or to the
 * campaign being run when none is published yet.  The public side reads
 * published articles only (store.h, store_articles / store_article).
 *
 * Results: RC_NOTFOUND for an article that is not there, RC_EXISTS for a
 * slug another article has, RC_STATE for a move its state does not allow,
 * RC_INVALID for a cover that is not one of the article's images or an
 * announcement naming a case or tier not of its campaign.
 */
#ifndef LAUREL_STORE_NEWS_H
#define LAUREL_STORE_NEWS_H

#include <jansson.h>
#include <stdint.h>

#include "domain/news.h"
#include "store/store.h"

/* The campaign news are written for (see above), or 0. */
int64_t store_news_campaign(struct store *st);
/*
 * The campaign's articles, newest date first: [{id, title, slug, status,
 * kind, published_at, updated_at, views, url}].
 */
json_t *store_news_list(struct store *st);
/*
 * One article of the campaign in any state: {id, title, slug, source,
 * author, published_at, status, kind, cover, body_md, updated_at,
 * images:[{sha256, name, mime, size, width, height, url}]}, or NULL.
 */
json_t *store_news_get(struct store *st, int64_t id);
/* The id of the published article that path segment s names (its slug or its number), or 0. */
int64_t store_news_public_id(struct store *st, const char *s);
/* {mime} of an uploaded image by its SHA-256 (lower-case hex), or NULL. */
json_t *store_news_image(struct store *st, const char *sha256);

/* An article as the organiser typed it; an empty slug is made from the title. */
struct news_fields {
    const char *title, *slug, *source, *author, *date, *body_md;
    const char *cover; /* an image's SHA-256, or NULL */
};
/* A new draft of the campaign; its id in *id.  RC_EXISTS when the slug given is taken. */
int tx_news_create(struct store_tx *tx, int64_t campaign_id, const struct news_fields *f,
                   int64_t *id);
/* Save article id of the campaign as typed (its state unchanged). */
int tx_news_save(struct store_tx *tx, int64_t campaign_id, int64_t id, const struct news_fields *f);
/* Move article id to state `to` (news_can_move). */
int tx_news_move(struct store_tx *tx, int64_t campaign_id, int64_t id, enum news_status to);
/* Record an image uploaded for article id (stored as files/<2 hex>/<sha256>). */
int tx_news_image_add(struct store_tx *tx, int64_t campaign_id, int64_t id, const char *sha256,
                      const char *name, const char *mime, int64_t size, unsigned width,
                      unsigned height);

/* An award proposed or decided: a case and its tier. */
struct news_pick {
    int64_t case_id, tier_id;
};
/*
 * Draft an announcement of kind NEWS_KIND_NOTICE (a 公示 of the period
 * from..to) or NEWS_KIND_RESULTS listing picks[0..n) of campaign_id, dated
 * `date`; its id in *id.  Every case and tier must be of the campaign.
 */
int tx_news_announce(struct store_tx *tx, int64_t campaign_id, enum news_kind kind,
                     const struct news_pick *picks, size_t n, const char *from, const char *to,
                     const char *date, int64_t *id);
/*
 * Draft the 公示 of campaign_id from its proposed awards, for the period
 * from..to (dated from), kept with the news desk's campaign (the public
 * one while there is one, so that the desk shows it).
 */
int tx_news_announce_notice(struct store_tx *tx, int64_t campaign_id, const char *from,
                            const char *to, int64_t *id);
/* Draft the 结果公告 of campaign_id from its published cases' tiers (tx_news_announce). */
int tx_news_announce_results(struct store_tx *tx, int64_t campaign_id, const char *date,
                             int64_t *id);

#endif
