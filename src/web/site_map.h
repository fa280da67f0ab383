/*
 * site_map.h — the site map for people (site_map.c): an HTML page of the
 * public site's sections and regions, the footer's 网站地图.  The XML
 * sitemap for search engines is feeds.c's.
 */
#ifndef LAUREL_WEB_SITE_MAP_H
#define LAUREL_WEB_SITE_MAP_H

#include "web/web.h"

enum web_err page_site_map(struct req *r, const struct web_input *in, struct page *p);

#endif
