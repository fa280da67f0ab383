/*
 * news_image.c — images of news articles: the upload on the editor
 * (POST /admin/news/{id}/images, multipart with one file and the csrf
 * field) and the public files (GET /news/images/{sha256}).
 *
 * An upload is an action with a begin, as attachments are (upload.c), but
 * an image is small (NEWS_IMAGE_MAX), so its bytes are taken into memory
 * (file_form.h): larger bodies are refused with 413 before they are read,
 * and the small parts (the csrf token) are kept as form values for the
 * dispatcher's check.  The type is decided from the bytes alone (domain/image.h: PNG,
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
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "domain/image.h"
#include "domain/news.h"
#include "store/news.h"
#include "web/action.h"
#include "web/file_form.h"
#include "web/news.h"

struct news_upload {
    struct file_form f;
    int64_t campaign, id;
    const char *mime;
    unsigned width, height;
    char hex[FILE_FORM_HEX];
    int rc;
};

static int image_begin(struct web_act *x)
{
    struct news_upload *u = x->state;
    return file_form_begin(x->r, &u->f, NEWS_IMAGE_MAX, "image");
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
    if (!u->f.mp) {
        x->status = 415;
        key = "news_image_not_multipart";
    } else if (file_form_finish(&u->f) != 0) {
        x->status = 400;
        key = "err_bad_request";
    } else if (!u->f.file_done || u->f.len == 0) {
        key = "news_image_missing";
    } else if (!(u->mime = image_probe(u->f.data, u->f.len, &u->width, &u->height))) {
        x->status = 415;
        key = "news_image_type";
    }
    if (key)
        return web_refuse_field(x, "file", key);
    x->error = NULL;
    file_form_digest(&u->f, u->hex);
    x->next = arena_printf(&x->r->arena, "/admin/news/%lld?done=image#images", (long long)u->id);
    return RC_OK;
}

static int image_write(struct store_tx *tx, void *arg)
{
    struct news_upload *u = arg;
    return tx_news_image_add(tx, u->campaign, u->id, u->hex, u->f.name, u->mime, (int64_t)u->f.len,
                             u->width, u->height);
}

/* On the worker pool: the file under its digest (durable), then its row. */
static enum result image_work(void *state)
{
    struct news_upload *u = state;
    if (file_form_store(&u->f, web.data_dir, u->hex) != 0) {
        log_error("news image: cannot store %s: %s", u->hex, strerror(errno));
        return RC_ERROR;
    }
    return (enum result)store_write_sync(web.store, image_write, u);
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
