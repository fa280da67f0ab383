/*
 * files.c — GET /files/{sha256}: an attachment's bytes, always as a
 * download.
 *
 * Files live content-addressed under <data>/files/<first 2 hex>/<sha256>;
 * the attachment rows say what they are called and who may read them.
 * Anyone may read the attachments of published cases; otherwise only the
 * owning unit's submitters, the recommender of the case's region (once the
 * case left its drafts) and organisers — everyone else gets 404, as for a
 * file that does not exist.  The response names the file with the sanitised
 * original name (an ASCII fallback and the RFC 5987 filename*), carries the
 * type recorded at upload (decided from the content) and is never rendered
 * in place: Content-Disposition: attachment, nosniff (the server adds it to
 * every response) and a sandboxing Content-Security-Policy.  web_send_file,
 * which sends a stored file so, serves the reviewers' downloads as well.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/jstr.h"
#include "store/accounts.h"
#include "store/submissions.h"
#include "web/submit.h"

/* The first row of rows that the request may read, or NULL; *public if by publication. */
static json_t *allowed_row(struct req *r, json_t *rows, int *public)
{
    const struct store_user *u = web_user(r);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        *public = json_is_true(json_object_get(row, "published"));
        if (*public)
            return row;
        if (!u)
            continue;
        if (u->roles & ROLE_ORGANISER)
            return row;
        if ((u->roles & ROLE_SUBMITTER) &&
            json_integer_value(json_object_get(row, "unit_id")) == u->unit_id)
            return row;
        if ((u->roles & ROLE_RECOMMENDER) &&
            strcmp(jstr(row, "region_code"), u->region_code) == 0 &&
            strcmp(jstr(row, "status"), "draft") != 0)
            return row;
    }
    return NULL;
}

/* attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded */
static const char *disposition(struct req *r, const char *name)
{
    struct buf b = BUF_INIT;
    buf_init(&b, 4096);
    buf_puts(&b, "attachment; filename=\"");
    for (const char *p = name; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        buf_putc(&b, ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\' && ch != '%' ? (char)ch
                                                                                    : '_');
    }
    buf_puts(&b, "\"; filename*=UTF-8''");
    buf_url(&b, name, strlen(name));
    char *s = b.oom ? NULL : arena_strndup(&r->arena, b.p, b.len);
    buf_release(&b);
    return s ? s : "attachment";
}

/* 1 if s is a SHA-256 in lowercase hex, the name of a stored file. */
static int is_sha256(const char *s)
{
    return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

void web_send_file(struct req *r, struct resp *w, const char *sha, const char *mime,
                   const char *disposition, const char *cache)
{
    char *path =
        is_sha256(sha) ? arena_printf(&r->arena, "%s/files/%.2s/%s", web.data_dir, sha, sha) : NULL;
    int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        buf_grow(&w->body, (size_t)sb.st_size + 1) != 0) {
        if (fd >= 0)
            close(fd);
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    size_t want = (size_t)sb.st_size;
    while (w->body.len < want) {
        ssize_t k = read(fd, w->body.p + w->body.len, want - w->body.len);
        if (k <= 0)
            break;
        w->body.len += (size_t)k;
    }
    close(fd);
    if (w->body.len != want) {
        buf_reset(&w->body);
        web_error(r, w, WEB_INTERNAL);
        return;
    }
    w->body.p[w->body.len] = 0;
    w->status = 200;
    w->content_type = arena_strdup(&r->arena, mime);
    resp_header(w, "Content-Disposition", disposition);
    resp_header(w, "Content-Security-Policy", "default-src 'none'; sandbox");
    resp_header(w, "Cache-Control", cache);
    resp_header(w, "Vary", "Cookie");
}

void raw_file(struct req *r, struct resp *w)
{
    const char *sha = r->nparams ? r->params[0] : "";
    if (!is_sha256(sha)) {
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    json_t *rows = store_file_rows(web.store, sha);
    int public = 0;
    json_t *row = rows ? allowed_row(r, rows, &public) : NULL;
    if (!row) {
        json_decref(rows);
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    web_send_file(r, w, sha, jstr(row, "mime"), disposition(r, jstr(row, "name")),
                  public ? "public, max-age=86400" : "private, no-store");
    json_decref(rows);
}
