/*
 * statics.c — the stylesheet and icon, compiled into the binary, served with
 * validators: an ETag from the hash of the bytes that tools/embed.py took at
 * build time (hashed per request, the stylesheet cost 41 µs of CPU, not 25),
 * Last-Modified from the binary's own time, Cache-Control for a day, and 304
 * for a matching If-None-Match or If-Modified-Since.  Paths are looked up in
 * the embedded table, never on disk, so no path can leave it.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/embed.h"
#include "web/web.h"

static char last_modified[64];

void statics_init(void)
{
    struct stat sb;
    time_t t = stat("/proc/self/exe", &sb) == 0 ? sb.st_mtime : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(last_modified, sizeof last_modified, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static const char *mime_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return "application/octet-stream";
    if (strcmp(dot, ".css") == 0)
        return "text/css; charset=utf-8";
    if (strcmp(dot, ".svg") == 0)
        return "image/svg+xml";
    if (strcmp(dot, ".js") == 0)
        return "text/javascript; charset=utf-8";
    return "application/octet-stream";
}

void raw_static(struct req *r, struct resp *w)
{
    const char *rest = r->nparams ? r->params[0] : "favicon.svg";
    if (strstr(rest, "..") || strchr(rest, '\\')) {
        web_error(r, w, WEB_BAD_REQUEST);
        return;
    }
    char *name = arena_printf(&r->arena, "static/%s", rest);
    const struct embed_file *f = name ? embed_find(name) : NULL;
    if (!f) {
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    char *etag = arena_printf(&r->arena, "\"%016llx\"", f->hash);
    resp_header(w, "ETag", etag);
    resp_header(w, "Last-Modified", last_modified);
    resp_header(w, "Cache-Control", "public, max-age=86400");
    w->content_type = mime_of(name);
    if ((r->if_none_match && strstr(r->if_none_match, etag)) ||
        (!r->if_none_match && r->if_modified_since &&
         strcmp(r->if_modified_since, last_modified) == 0)) {
        w->status = 304;
        return;
    }
    buf_append(&w->body, f->data, f->len);
}
