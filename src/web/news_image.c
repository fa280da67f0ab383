/*
 * news_image.c — images of news articles: the upload on the editor
 * (POST /admin/news/{id}/images, multipart with one file and the csrf
 * field) and the public files (GET /news/images/{sha256}).
 *
 * An upload is an action with a begin, as attachments are (upload.c), but
 * an image is small (NEWS_IMAGE_MAX), so the sink keeps its bytes in memory:
 * larger bodies are refused with 413 before they are read, and the small
 * parts (the csrf token) are kept as form values for the dispatcher's
 * check.  The type is decided from the bytes alone (domain/image.h: PNG,
 * JPEG or GIF with a sane size); anything else is 415 with the message
 * beside the upload form.  The work, on the worker pool, writes the file
 * content-addressed under files/<2 hex>/<sha256> (the same bytes once),
 * syncs it and records the row.
 *
 * Images are public once uploaded: the organiser uploads them to publish
 * them, and the URL is the SHA-256 of the content, which no one guesses.
 * They are sent in place (an <img> shows them) with the sandboxing CSP of
 * every stored file and a day's cache.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/utf8.h"
#include "domain/image.h"
#include "domain/news.h"
#include "http/multipart.h"
#include "store/news.h"
#include "web/action.h"
#include "web/news.h"

#define IMAGE_SLACK (16u << 10) /* multipart framing and the csrf field */
#define IMAGE_VALUE_MAX 256     /* bytes of one small part kept as a form value */
#define IMAGE_NAME_MAX 80

struct news_upload {
    struct req *r;
    int64_t campaign, id;
    struct multipart *mp;
    int status; /* decided while streaming, or 0 */
    enum { PART_NONE, PART_VALUE, PART_FILE, PART_SKIP } part;
    char *value_name;
    char value[IMAGE_VALUE_MAX];
    size_t value_len;
    int files, file_done;
    unsigned char *data; /* the file's bytes (malloc'd, NEWS_IMAGE_MAX at most) */
    size_t len;
    char *name;
    const char *mime;
    unsigned width, height;
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    int rc;
};

/* The original name, as plain text of at most IMAGE_NAME_MAX characters without controls. */
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
    out[utf8_prefix(out, j, IMAGE_NAME_MAX)] = 0;
    return *out ? out : arena_strdup(a, "image");
}

static int part_begin(void *ctx, const char *name, const char *filename, const char *ctype)
{
    (void)ctype; /* never trusted */
    struct news_upload *u = ctx;
    if (filename && *filename) {
        if (u->files++) {
            u->status = 400; /* one file per request */
            return 1;
        }
        u->name = clean_name(&u->r->arena, filename);
        u->data = malloc(NEWS_IMAGE_MAX);
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
    struct news_upload *u = ctx;
    if (u->part == PART_FILE) {
        if (len > NEWS_IMAGE_MAX - u->len) {
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
    struct news_upload *u = ctx;
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
    struct news_upload *u = r->sink_ctx;
    if (multipart_feed(u->mp, data, len) == MULTIPART_OK)
        return 0;
    return u->status ? u->status : 400;
}

static void upload_cleanup(struct req *r)
{
    struct news_upload *u = r->sink_ctx;
    if (!u)
        return;
    free(u->data);
    u->data = NULL;
    multipart_free(u->mp);
    u->mp = NULL;
}

static int image_begin(struct web_act *x)
{
    struct req *r = x->r;
    struct news_upload *u = x->state;
    u->r = r;
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    if (!r->content_type || multipart_boundary(r->content_type, boundary, sizeof boundary) != 0)
        return 0; /* read as a form: load refuses it */
    const struct multipart_cb cb = {u, part_begin, part_data, part_end};
    if (!(u->mp = multipart_new(boundary, &cb)))
        return 500;
    r->sink_ctx = u;
    r->cleanup = upload_cleanup;
    r->sink = upload_sink;
    r->max_body = NEWS_IMAGE_MAX + IMAGE_SLACK;
    return 0;
}

static enum result image_load(struct web_act *x)
{
    struct news_upload *u = x->state;
    u->campaign = store_news_campaign(web.store);
    u->id = web_path_id(x->r->params[0]);
    json_t *a = u->id && u->campaign ? store_news_get(web.store, u->id) : NULL;
    if (!a)
        return RC_NOTFOUND;
    json_decref(a);
    const char *key = NULL;
    x->error = "news_image_refused";
    if (!u->mp) {
        x->status = 415;
        key = "news_image_not_multipart";
    } else if (multipart_finish(u->mp) != MULTIPART_OK) {
        x->status = 400;
        key = "err_bad_request";
    } else if (!u->file_done || u->len == 0) {
        key = "news_image_missing";
    } else if (!(u->mime = image_probe(u->data, u->len, &u->width, &u->height))) {
        x->status = 415;
        key = "news_image_type";
    }
    if (key)
        return web_refuse_field(x, "file", key);
    x->error = NULL;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, u->data, u->len);
    sodium_bin2hex(u->hex, sizeof u->hex, digest, sizeof digest);
    x->next = arena_printf(&x->r->arena, "/admin/news/%lld?done=image#images", (long long)u->id);
    return RC_OK;
}

static int image_write(struct store_tx *tx, void *arg)
{
    struct news_upload *u = arg;
    return tx_news_image_add(tx, u->campaign, u->id, u->hex, u->name, u->mime, (int64_t)u->len,
                             u->width, u->height);
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

/* On the worker pool: the file under its digest (durable), then its row. */
static enum result image_work(void *state)
{
    struct news_upload *u = state;
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
    return (enum result)store_write_sync(web.store, image_write, u);
fail:
    log_error("news image: cannot store %s: %s", u->hex, strerror(errno));
    return RC_ERROR;
}

const struct web_action act_admin_news_image = {
    .state_size = sizeof(struct news_upload),
    .begin = image_begin,
    .load = image_load,
    .work = image_work,
    .page = page_admin_news_edit,
};

void raw_news_image(struct req *r, struct resp *w)
{
    const char *sha = r->nparams ? r->params[0] : "";
    json_t *img = strlen(sha) == 64 && strspn(sha, "0123456789abcdef") == 64
                      ? store_news_image(web.store, sha)
                      : NULL;
    if (!img) {
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    web_send_file(r, w, sha, json_string_value(json_object_get(img, "mime")), "inline",
                  "public, max-age=86400");
    json_decref(img);
}
