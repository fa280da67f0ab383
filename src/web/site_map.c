/*
 * site_map.c — the site map for people: every section of the public site
 * and each region's page, in the visitor's language; see site_map.h.
 */
#include "web/site_map.h"

#include "store/store.h"

enum web_err page_site_map(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    static const struct {
        const char *path, *key;
    } sections[] = {
        {"/", "nav_home"},         {"/call", "nav_call"}, {"/cases", "nav_cases"},
        {"/results", "nav_results"}, {"/regions", "nav_regions"}, {"/tags", "nav_tags"},
        {"/news", "nav_news"},     {"/search", "nav_search"}, {"/feed.xml", "nav_feed"},
    };
    json_t *links = json_array();
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
        json_array_append_new(links, json_pack("{s:s,s:s}", "url", sections[i].path, "label",
                                               i18n_get(r->lang, sections[i].key)));
    json_t *regions = store_regions(web.store);
    p->model = json_pack("{s:o,s:o}", "sections", links, "regions",
                         regions ? regions : json_array());
    p->template = "site_map";
    p->title = i18n_get(r->lang, "nav_sitemap");
    return WEB_OK;
}
