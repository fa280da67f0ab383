/*
 * notice_upload.c — an objection's attachment; see notice_upload.h.
 *
 * As a news image is (news_image.c): the body's limit is raised to the
 * file's plus its framing before anything is read (a larger body is 413),
 * the small parts are kept as form values for the CSRF check and the
 * declared fields, the type is decided from the bytes (a PDF's header or
 * domain/image.h's PNG and JPEG), and the file is written under its
 * SHA-256, synced, before its row is committed.  No public route serves
 * it: /files/{sha256} serves attachments of cases and /news/images/ news
 * images only, each by its own rows.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/utf8.h"
#include "domain/image.h"
#include "store/notice.h"
#include "web/notice_upload.h"

#define FILE_SLACK (64u << 10) /* the form's fields and the multipart framing */
#define FILE_NAME_MAX 80

enum { PART_NONE, PART_VALUE, PART_FILE };

/* The original name as plain text of at most FILE_NAME_MAX characters, without controls. */
static char *clean_name(struct arena *a, const char *name)
{
    const char *base = name;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t n = strlen(base), i = 0, j = 0;
    char *out = arena_alloc(a, n + 1);
    if (!out)
        return NULL;
    while (i < n) {
        size_t at = i;
        int32_t cp = utf8_next(base, n, &i);
        if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
            (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
            continue;
        memcpy(out + j, base + at, i - at);
        j += i - at;
    }
    out[utf8_prefix(out, j, FILE_NAME_MAX)] = 0;
    return *out ? out : arena_strdup(a, "attachment");
}

static int part_begin(void *ctx, const char *name, const char *filename, const char *ctype)
{
    (void)ctype; /* never trusted */
    struct objection_upload *u = ctx;
    if (filename && *filename) {
        if (u->files++) {
            u->status = 400; /* one file */
            return 1;
        }
        u->name = clean_name(&u->r->arena, filename);
        u->data = malloc(OBJECTION_FILE_MAX);
        if (!u->name || !u->data) {
            u->status = 500;
            return 1;
        }
        u->part = PART_FILE;
    } else {
        u->part = PART_VALUE;
        u->value_len = 0;
        if (!(u->value_name = arena_strdup(&u->r->arena, name))) {
            u->status = 500;
            return 1;
        }
    }
    return 0;
}

static int part_data(void *ctx, const char *data, size_t len)
{
    struct objection_upload *u = ctx;
    if (u->part == PART_FILE) {
        if (len > OBJECTION_FILE_MAX - u->len) {
            u->status = 413;
            return 1;
        }
        memcpy(u->data + u->len, data, len);
        u->len += len;
    } else if (u->part == PART_VALUE) {
        if (len > sizeof u->value - u->value_len) {
            u->status = 413;
            return 1;
        }
        memcpy(u->value + u->value_len, data, len);
        u->value_len += len;
    }
    return 0;
}

static int part_end(void *ctx)
{
    struct objection_upload *u = ctx;
    if (u->part == PART_FILE)
        u->file_done = 1;
    else if (u->part == PART_VALUE &&
             web_form_keep(u->r, u->value_name, u->value, u->value_len) != 0) {
        u->status = 400;
        return 1;
    }
    u->part = PART_NONE;
    return 0;
}

static int upload_sink(struct req *r, const char *data, size_t len)
{
    struct objection_upload *u = r->sink_ctx;
    if (multipart_feed(u->mp, data, len) == MULTIPART_OK)
        return 0;
    return u->status ? u->status : 400;
}

static void upload_cleanup(struct req *r)
{
    struct objection_upload *u = r->sink_ctx;
    if (!u)
        return;
    free(u->data);
    u->data = NULL;
    multipart_free(u->mp);
    u->mp = NULL;
}

int objection_upload_begin(struct web_act *x, struct objection_upload *u)
{
    struct req *r = x->r;
    u->r = r;
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    if (!r->content_type || multipart_boundary(r->content_type, boundary, sizeof boundary) != 0)
        return 0; /* a form without a file */
    const struct multipart_cb cb = {u, part_begin, part_data, part_end};
    if (!(u->mp = multipart_new(boundary, &cb)))
        return 500;
    r->sink_ctx = u;
    r->cleanup = upload_cleanup;
    r->sink = upload_sink;
    r->max_body = OBJECTION_FILE_MAX + FILE_SLACK;
    return 0;
}

/* PDF by its header; PNG and JPEG by domain/image.h (a GIF is not taken). */
static const char *file_type(const unsigned char *p, size_t n)
{
    if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
        return "application/pdf";
    unsigned w, h;
    const char *mime = image_probe(p, n, &w, &h);
    return mime && (!strcmp(mime, "image/png") || !strcmp(mime, "image/jpeg")) ? mime : NULL;
}

enum result objection_upload_check(struct web_act *x, struct objection_upload *u)
{
    if (!u->mp)
        return RC_OK;
    const char *key = NULL;
    if (multipart_finish(u->mp) != MULTIPART_OK) {
        x->status = 400;
        key = "err_bad_request";
    } else if (!u->file_done || u->len == 0) {
        u->len = 0; /* the file input left empty: no attachment */
        return RC_OK;
    } else if (!(u->mime = file_type(u->data, u->len))) {
        x->status = 415;
        key = "notice_file_type";
    }
    if (key)
        return web_refuse_field(x, "file", key);
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, u->data, u->len);
    sodium_bin2hex(u->hex, sizeof u->hex, digest, sizeof digest);
    return RC_OK;
}

/* Write all of p to a new file at path, synced; 0 or -1. */
static int write_file(const char *path, const unsigned char *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        p += k;
        n -= (size_t)k;
    }
    int rc = n == 0 && fsync(fd) == 0 ? 0 : -1;
    close(fd);
    return rc;
}

int objection_upload_store(const struct objection_upload *u)
{
    char dir[4096], path[4200], tmp[4300];
    snprintf(dir, sizeof dir, "%s/files", web.data_dir);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        goto fail;
    snprintf(dir, sizeof dir, "%s/files/%.2s", web.data_dir, u->hex);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        goto fail;
    snprintf(path, sizeof path, "%s/%s", dir, u->hex);
    struct stat sb;
    if (stat(path, &sb) != 0 || (size_t)sb.st_size != u->len) {
        snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid());
        if (write_file(tmp, u->data, u->len) != 0 || rename(tmp, path) != 0) {
            unlink(tmp);
            goto fail;
        }
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
            fsync(fd);
            close(fd);
        }
    }
    return 0;
fail:
    log_error("objection file: cannot store %s: %s", u->hex, strerror(errno));
    return -1;
}

void raw_objection_file(struct req *r, struct resp *w)
{
    int64_t stage = r->nparams > 1 ? web_path_id(r->params[0]) : 0;
    int64_t id = r->nparams > 1 ? web_path_id(r->params[1]) : 0;
    json_t *f = stage && id ? store_objection_file(web.store, stage, id) : NULL;
    if (!f) {
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    const char *mime = json_string_value(json_object_get(f, "mime"));
    const char *ext = !strcmp(mime, "application/pdf") ? "pdf"
                      : !strcmp(mime, "image/png")     ? "png"
                                                       : "jpg";
    char *disp = arena_printf(&r->arena, "attachment; filename=\"objection-%lld.%s\"",
                              (long long)id, ext);
    web_send_file(r, w, json_string_value(json_object_get(f, "sha256")),
                  json_string_value(json_object_get(f, "mime")), disp, "private, no-store");
    json_decref(f);
}
