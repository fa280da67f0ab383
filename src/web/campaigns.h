/*
 * campaigns.h — the organiser's campaigns (campaigns.c): the list with the
 * switcher, creating a campaign empty or as a copy of an earlier one, its
 * settings (title, organisers, theme, the call notice, dates, tiers and
 * their quotas, tracks), its ordered stages, and its life (open the call,
 * close it, archive it); and the public page of the open call.
 *
 * Every organiser page that acts on a campaign names it through
 * campaigns_bar() and carries it in its URL as ?campaign=ID.
 */
#ifndef LAUREL_WEB_CAMPAIGNS_H
#define LAUREL_WEB_CAMPAIGNS_H

#include "web/web.h"

/*
 * The campaign an organiser page acts on: ?campaign=ID when given (0 when
 * that is no campaign: the page answers 404), else the campaign being run.
 */
int64_t campaigns_chosen(const struct web_input *in);
/* The same from the request's query, for an action (0: malformed or no such campaign). */
int64_t campaigns_chosen_req(struct req *r);

/*
 * The bar that names the campaign a page acts on, with the switcher:
 * {id, name, status_word, archived, others:[{id, name, status_word, url}]}.
 * `path` is the page's own path, for the switcher's links.
 */
json_t *campaigns_bar(struct req *r, int64_t id, const char *path);

enum web_err page_campaigns(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_campaign(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_campaign_preview(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_call(struct req *r, const struct web_input *in, struct page *p);
extern const struct web_action act_campaign_create, act_campaign_save, act_campaign_stage_add,
    act_campaign_status;

#endif
