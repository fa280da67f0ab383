/*
 * feeds.c — the machine-readable answers: /sitemap.xml (sitemaps.org; an
 * index of numbered parts beyond SITEMAP_MAX_URLS), /feed.xml (Atom),
 * /robots.txt, /healthz and /metrics (Prometheus text format).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/fault.h"
#include "http/server.h"
#include "web/pagecache.h"
#include "web/web.h"

#define SITEMAP_MAX_URLS 50000
#define FEED_ENTRIES 30

static const char *const fixed_pages[] = {"/", "/cases", "/results", "/regions", "/tags",
                                          "/news", "/search"};
#define NFIXED (sizeof fixed_pages / sizeof fixed_pages[0])

static void url_entry(struct buf *b, const char *path, json_int_t id, const char *date)
{
    buf_puts(b, "<url><loc>");
    buf_html(b, web.base_url, strlen(web.base_url));
    buf_html(b, path, strlen(path));
    if (id)
        buf_printf(b, "%lld", (long long)id);
    buf_puts(b, "</loc>");
    if (date && *date) {
        buf_puts(b, "<lastmod>");
        buf_html(b, date, strlen(date));
        buf_puts(b, "</lastmod>");
    }
    buf_puts(b, "</url>\n");
}

/*
 * The URLs are numbered: the fixed pages, then the published cases newest
 * first, then the articles; part K (1..) holds numbers (K-1)*MAX.. and
 * /sitemap.xml is the only part or the index of the parts.  The store is
 * asked for one part's rows only, by rank, so any part costs its own size.
 */
void raw_sitemap(struct req *r, struct resp *w)
{
    json_t *head = store_sitemap(web.store, 0, 0);
    int64_t total = (int64_t)NFIXED + json_integer_value(json_object_get(head, "ncases")) +
                    json_integer_value(json_object_get(head, "narticles"));
    json_decref(head);
    int64_t parts = (total + SITEMAP_MAX_URLS - 1) / SITEMAP_MAX_URLS;
    long part = 0; /* 0: /sitemap.xml */
    if (r->nparams) {
        char *end;
        part = strtol(r->params[0], &end, 10);
        if (strcmp(end, ".xml") != 0 || part < 1 || part > parts || parts == 1) {
            web_error(r, w, WEB_NOT_FOUND);
            return;
        }
    }
    w->content_type = "application/xml; charset=utf-8";
    buf_puts(&w->body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    if (parts > 1 && part == 0) {
        buf_puts(&w->body,
                 "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
        for (int64_t i = 1; i <= parts; i++) {
            buf_puts(&w->body, "<sitemap><loc>");
            buf_html(&w->body, web.base_url, strlen(web.base_url));
            buf_printf(&w->body, "/sitemap-%lld.xml</loc></sitemap>\n", (long long)i);
        }
        buf_puts(&w->body, "</sitemapindex>\n");
        return;
    }
    int64_t from = part ? (int64_t)(part - 1) * SITEMAP_MAX_URLS : 0;
    int64_t to = from + SITEMAP_MAX_URLS;
    buf_puts(&w->body, "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for (int64_t i = from; i < (int64_t)NFIXED && i < to; i++)
        url_entry(&w->body, fixed_pages[i], 0, NULL);
    int64_t sfrom = from > (int64_t)NFIXED ? from - (int64_t)NFIXED : 0;
    json_t *sm = store_sitemap(web.store, sfrom, to - (int64_t)NFIXED - sfrom);
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(sm, "cases"), i, e)
        url_entry(&w->body, "/cases/", json_integer_value(json_array_get(e, 0)),
                  json_string_value(json_array_get(e, 1)));
    json_array_foreach(json_object_get(sm, "articles"), i, e)
        url_entry(&w->body, json_string_value(json_array_get(e, 0)), 0,
                  json_string_value(json_array_get(e, 1)));
    buf_puts(&w->body, "</urlset>\n");
    json_decref(sm);
}

static void atom_text(struct buf *b, const char *tag, const char *s)
{
    buf_printf(b, "<%s>", tag);
    buf_html(b, s ? s : "", s ? strlen(s) : 0);
    buf_printf(b, "</%s>", tag);
}

static void atom_entry(struct buf *b, json_t *item, const char *kind, const char *summary,
                       const char *author)
{
    const char *date = json_string_value(json_object_get(item, "published_at"));
    const char *url = json_string_value(json_object_get(item, "url"));
    buf_puts(b, "<entry>");
    atom_text(b, "title", json_string_value(json_object_get(item, "title")));
    buf_puts(b, "<link href=\"");
    buf_html(b, web.base_url, strlen(web.base_url));
    buf_html(b, url, strlen(url));
    buf_puts(b, "\"/><id>");
    buf_html(b, web.base_url, strlen(web.base_url));
    buf_html(b, url, strlen(url));
    buf_printf(b, "</id><updated>%sT00:00:00Z</updated>", date ? date : "1970-01-01");
    buf_printf(b, "<category term=\"%s\"/>", kind);
    buf_puts(b, "<author>");
    atom_text(b, "name", author);
    buf_puts(b, "</author>");
    if (summary)
        atom_text(b, "summary", summary);
    buf_puts(b, "</entry>\n");
}

void raw_feed(struct req *r, struct resp *w)
{
    (void)r;
    json_t *c = store_campaign(web.store);
    json_t *news = store_articles(web.store, 1, FEED_ENTRIES);
    struct store_filter f = {0};
    f.page = 1;
    f.per_page = FEED_ENTRIES;
    json_t *cases = store_cases(web.store, &f);
    const char *name = c ? json_string_value(json_object_get(c, "name")) : "Laurel";
    const char *updated = c ? json_string_value(json_object_get(c, "published_at")) : NULL;
    struct buf *b = &w->body;
    w->content_type = "application/atom+xml; charset=utf-8";
    buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\">\n");
    atom_text(b, "title", name);
    buf_puts(b, "\n<link rel=\"self\" href=\"");
    buf_html(b, web.base_url, strlen(web.base_url));
    buf_puts(b, "/feed.xml\"/><link href=\"");
    buf_html(b, web.base_url, strlen(web.base_url));
    buf_puts(b, "/\"/><id>");
    buf_html(b, web.base_url, strlen(web.base_url));
    buf_printf(b, "/</id><updated>%sT00:00:00Z</updated>\n", updated && *updated ? updated
                                                                               : "1970-01-01");
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(news, "items"), i, e)
        atom_entry(b, e, "news", NULL, json_string_value(json_object_get(e, "source")));
    json_array_foreach(json_object_get(cases, "items"), i, e)
        atom_entry(b, e, "case", json_string_value(json_object_get(e, "summary")),
                   json_string_value(json_object_get(json_object_get(e, "unit"), "name")));
    buf_puts(b, "</feed>\n");
    json_decref(c);
    json_decref(news);
    json_decref(cases);
}

void raw_robots(struct req *r, struct resp *w)
{
    (void)r;
    w->content_type = "text/plain; charset=utf-8";
    buf_puts(&w->body, "User-agent: *\nDisallow: /api/\nDisallow: /search\n");
    buf_printf(&w->body, "Sitemap: %s/sitemap.xml\n", web.base_url);
}

/*
 * O(1): memory only, no query.  Unhealthy (503) after a storage fault
 * (corruption until a restart, I/O errors for a while); an installation
 * with no campaign published yet is healthy.  A warning from the
 * database's recovery at start is shown too.  The server's door answers
 * a plain GET /healthz with this too (http/frontdoor.h).
 */
int web_health(struct buf *out)
{
    char msg[256], warn[512];
    enum fault_kind k = fault_state(msg, sizeof msg);
    fault_warning(warn, sizeof warn);
    if (k != FAULT_NONE)
        buf_printf(out, "%s: %s\n", k == FAULT_CORRUPT ? "database corrupt" : "storage I/O error",
                   msg);
    else
        buf_puts(out, "ok\n");
    if (warn[0])
        buf_printf(out, "warning: %s\n", warn);
    return k != FAULT_NONE ? 503 : 200;
}

void raw_healthz(struct req *r, struct resp *w)
{
    (void)r;
    w->content_type = "text/plain; charset=utf-8";
    resp_header(w, "Cache-Control", "no-store");
    w->status = web_health(&w->body);
}

void raw_metrics(struct req *r, struct resp *w)
{
    (void)r;
    struct server_stats ss;
    struct store_stats st;
    uint64_t hits, misses, bytes;
    server_stats_get(&ss);
    store_stats_get(web.store, &st);
    pagecache_stats(&hits, &misses, &bytes);
    struct buf *b = &w->body;
    w->content_type = "text/plain; version=0.0.4; charset=utf-8";
    resp_header(w, "Cache-Control", "no-store");
    buf_puts(b, "# HELP laurel_http_requests_total Requests answered, by status class.\n"
                "# TYPE laurel_http_requests_total counter\n");
    for (int k = 1; k < 6; k++)
        buf_printf(b, "laurel_http_requests_total{class=\"%dxx\"} %llu\n", k,
                   (unsigned long long)ss.by_class[k]);
    buf_printf(b,
               "# HELP laurel_http_response_bytes_total Body bytes sent.\n"
               "# TYPE laurel_http_response_bytes_total counter\n"
               "laurel_http_response_bytes_total %llu\n"
               "# HELP laurel_http_connections Open connections.\n"
               "# TYPE laurel_http_connections gauge\n"
               "laurel_http_connections %llu\n"
               "# HELP laurel_http_rejected_framing_total Requests refused for ambiguous "
               "framing.\n"
               "# TYPE laurel_http_rejected_framing_total counter\n"
               "laurel_http_rejected_framing_total %llu\n"
               "# HELP laurel_http_cut_slow_total Connections cut for slow headers or body.\n"
               "# TYPE laurel_http_cut_slow_total counter\n"
               "laurel_http_cut_slow_total %llu\n"
               "# HELP laurel_http_cut_idle_total Idle connections closed near the limit.\n"
               "# TYPE laurel_http_cut_idle_total counter\n"
               "laurel_http_cut_idle_total %llu\n"
               "# HELP laurel_http_lane_reads_total Reads dispatched on the read lane.\n"
               "# TYPE laurel_http_lane_reads_total counter\n"
               "laurel_http_lane_reads_total %llu\n"
               "# HELP laurel_http_lane_full_total Reads answered 503: the lane was full.\n"
               "# TYPE laurel_http_lane_full_total counter\n"
               "laurel_http_lane_full_total %llu\n"
               "# HELP laurel_http_early_hits_total Reads the lane would have taken, answered "
               "from the page cache at once.\n"
               "# TYPE laurel_http_early_hits_total counter\n"
               "laurel_http_early_hits_total %llu\n",
               (unsigned long long)ss.bytes_out, (unsigned long long)ss.connections_open,
               (unsigned long long)ss.rejected_framing, (unsigned long long)ss.cut_slow,
               (unsigned long long)ss.cut_idle, (unsigned long long)ss.lane_reads,
               (unsigned long long)ss.lane_full, (unsigned long long)ss.early_hits);
    buf_printf(b,
               "# HELP laurel_http_door_health_total Health checks answered at the door, "
               "ahead of queued requests.\n"
               "# TYPE laurel_http_door_health_total counter\n"
               "laurel_http_door_health_total %llu\n",
               (unsigned long long)ss.door_health);
    buf_printf(b,
               "# HELP laurel_store_batches_total Write batches committed.\n"
               "# TYPE laurel_store_batches_total counter\n"
               "laurel_store_batches_total %llu\n"
               "# HELP laurel_store_jobs_total Write jobs run.\n"
               "# TYPE laurel_store_jobs_total counter\n"
               "laurel_store_jobs_total %llu\n"
               "# HELP laurel_store_views_flushed_total Page views written to the database.\n"
               "# TYPE laurel_store_views_flushed_total counter\n"
               "laurel_store_views_flushed_total %llu\n"
               "# HELP laurel_store_last_commit_seconds Duration of the last batch.\n"
               "# TYPE laurel_store_last_commit_seconds gauge\n"
               "laurel_store_last_commit_seconds %.6f\n"
               "# HELP laurel_store_write_batch The last write batch of the database this node "
               "has caught up with (PostgreSQL; 0 on SQLite).\n"
               "# TYPE laurel_store_write_batch gauge\n"
               "laurel_store_write_batch %lld\n"
               "# HELP laurel_store_pages_pass_at The case id up to which kept case pages are "
               "rendered again after an upgrade or a publication (the rest are assembled at "
               "their visits), or -1 when every kept page is current.\n"
               "# TYPE laurel_store_pages_pass_at gauge\n"
               "laurel_store_pages_pass_at %lld\n",
               (unsigned long long)st.batches, (unsigned long long)st.jobs,
               (unsigned long long)st.views_flushed, st.last_commit_ms / 1000.0,
               (long long)st.write_batch, (long long)st.pages_pass_at);
    buf_printf(b,
               "# HELP laurel_pagecache_hits_total Pages served from the page cache.\n"
               "# TYPE laurel_pagecache_hits_total counter\n"
               "laurel_pagecache_hits_total %llu\n"
               "# HELP laurel_pagecache_misses_total Pages rendered.\n"
               "# TYPE laurel_pagecache_misses_total counter\n"
               "laurel_pagecache_misses_total %llu\n"
               "# HELP laurel_pagecache_bytes Bytes held by the page cache.\n"
               "# TYPE laurel_pagecache_bytes gauge\n"
               "laurel_pagecache_bytes %llu\n",
               (unsigned long long)hits, (unsigned long long)misses, (unsigned long long)bytes);
    char warn[512];
    enum fault_kind k = fault_state(NULL, 0);
    fault_warning(warn, sizeof warn);
    buf_printf(b,
               "# HELP laurel_healthy 1 when /healthz says ok (no storage fault), else 0.\n"
               "# TYPE laurel_healthy gauge\n"
               "laurel_healthy %d\n"
               "# HELP laurel_store_corrupt 1 once the database was found corrupt.\n"
               "# TYPE laurel_store_corrupt gauge\n"
               "laurel_store_corrupt %d\n"
               "# HELP laurel_store_faults_total Storage faults met (corruption, I/O errors).\n"
               "# TYPE laurel_store_faults_total counter\n"
               "laurel_store_faults_total %llu\n"
               "# HELP laurel_store_recovery_warning 1 when recovery at start dropped WAL frames.\n"
               "# TYPE laurel_store_recovery_warning gauge\n"
               "laurel_store_recovery_warning %d\n",
               k == FAULT_NONE && store_public_campaign(web.store) != 0, k == FAULT_CORRUPT,
               (unsigned long long)fault_count(), warn[0] != 0);
}
