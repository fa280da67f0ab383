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
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "domain/image.h"
#include "store/notice.h"
#include "web/notice_upload.h"

int objection_upload_begin(struct web_act *x, struct objection_upload *u)
{
    return file_form_begin(x->r, &u->f, OBJECTION_FILE_MAX, "attachment");
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
    if (!u->f.mp)
        return RC_OK;
    const char *key = NULL;
    if (file_form_finish(&u->f) != 0) {
        x->status = 400;
        key = "err_bad_request";
    } else if (!u->f.file_done || u->f.len == 0) {
        u->f.len = 0; /* the file input left empty: no attachment */
        return RC_OK;
    } else if (!(u->mime = file_type(u->f.data, u->f.len))) {
        x->status = 415;
        key = "notice_file_type";
    }
    if (key)
        return web_refuse_field(x, "file", key);
    file_form_digest(&u->f, u->hex);
    return RC_OK;
}

int objection_upload_store(const struct objection_upload *u)
{
    if (file_form_store(&u->f, web.data_dir, u->hex) == 0)
        return 0;
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
