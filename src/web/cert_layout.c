/*
 * cert_layout.c — the certificate layout of a campaign, set by its
 * organiser (cert_layout.h): GET /admin/campaigns/{id}/certificate shows
 * the form and a preview; POST there saves the wording and the boxes;
 * POST .../certificate/background and .../seal upload the images;
 * GET .../certificate/preview.png (or .pdf) draws a certificate of the
 * campaign in the saved layout: its first award when it has one, else a
 * sample.
 *
 * The form's fields are declared (a wording each, four numbers a box, two
 * boxes square); check refuses a template with an unknown placeholder and
 * a box off the page, each beside its field, so nothing is saved.  The
 * uploads are actions with a begin, as news images are (news_image.c): the
 * sink keeps the bytes in memory up to the image's limit (413 beyond it),
 * load decides the type from the bytes (a background PNG or JPEG, a seal a
 * PNG that can be transparent; 415 otherwise), and the work decodes the
 * image as a certificate will (a broken or CMYK file is 415 too) before
 * storing it.  Every change is one write with its audit row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/jstr.h"
#include "domain/cert_layout.h"
#include "domain/image.h"
#include "store/campaigns.h"
#include "store/cert_layout.h"
#include "web/cert_layout.h"
#include "web/file_form.h"

#define PREVIEW_PX 1200          /* the preview's width in pixels */

struct cert_style *certs_style(int64_t campaign)
{
    struct cert_layout *l = malloc(sizeof *l);
    struct cert_style *st = NULL;
    if (l && store_cert_layout(web.store, campaign, l) == RC_OK)
        st = cert_style_new(l);
    if (l)
        cert_layout_release(l);
    free(l);
    return st;
}

/* The campaign of the path (its settings), or NULL. */
static json_t *path_campaign(struct req *r)
{
    int64_t id = r->nparams ? web_path_id(r->params[0]) : 0;
    return id > 0 ? store_campaign_settings(web.store, id) : NULL;
}

/* ------------------------------------------------------------ the page */

static const char *const word_keys[CERT_TEXT__MAX] = {
    "certs_field_heading", "certs_field_salutation", "certs_field_sentence",
    "certs_field_award",   "certs_field_organiser",  "certs_field_date_line",
};

static const char *const box_keys[CERT_BOX__MAX] = {
    "certs_box_heading", "certs_box_body", "certs_box_sign", "certs_box_qr", "certs_box_seal",
};

enum web_err page_cert_layout(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    json_t *c = path_campaign(r);
    if (!c)
        return WEB_NOT_FOUND;
    int64_t id = json_integer_value(json_object_get(c, "id"));
    struct cert_layout *l = malloc(sizeof *l);
    if (!l || store_cert_layout(web.store, id, l) != RC_OK) {
        free(l);
        json_decref(c);
        return WEB_UNAVAILABLE;
    }
    const struct web_act *x = web_act_of(r);
    const struct query *typed = x && x->a == &act_cert_layout_save ? web_form(r) : NULL;
    json_t *errs = x ? x->errors : NULL; /* {field: message}: each beside its field */
    json_t *words = json_array(), *boxes = json_array();
    for (int t = 0; t < CERT_TEXT__MAX; t++) {
        const char *name = cert_text_name((enum cert_text)t);
        const char *v = typed && query_get(typed, name) ? query_get(typed, name) : l->text[t];
        json_t *err = json_object_get(errs, name);
        json_array_append_new(words, json_pack("{s:s,s:s,s:s,s:b,s:O}", "name", name, "label",
                                               i18n_get(r->lang, word_keys[t]), "value", v, "long",
                                               t == CERT_TEXT_SENTENCE, "field_error",
                                               err ? err : json_false()));
    }
    static const char *const sides[] = {"x", "y", "w", "h"};
    for (int b = 0; b < CERT_BOX__MAX; b++) {
        const char *name = cert_box_name((enum cert_box)b);
        const double at[4] = {l->box[b].x, l->box[b].y, l->box[b].w, l->box[b].h};
        json_t *fields = json_array();
        for (int k = 0; k < (cert_box_square((enum cert_box)b) ? 3 : 4); k++) {
            const char *field = arena_printf(&r->arena, "%s_%s", name, sides[k]);
            const char *v = typed ? query_get(typed, field) : NULL;
            char num[32];
            snprintf(num, sizeof num, "%.1f", at[k]);
            char key[32];
            snprintf(key, sizeof key, "certs_side_%s", sides[k]);
            json_array_append_new(fields, json_pack("{s:s,s:s,s:s}", "name", field, "label",
                                                    i18n_get(r->lang, key), "value", v ? v : num));
        }
        json_t *err = json_object_get(errs, arena_printf(&r->arena, "%s_x", name));
        for (int k = 0; !err && k < 4; k++)
            err = json_object_get(errs, arena_printf(&r->arena, "%s_%s", name, sides[k]));
        json_array_append_new(boxes, json_pack("{s:s,s:s,s:o,s:O}", "name", name, "label",
                                               i18n_get(r->lang, box_keys[b]), "fields", fields,
                                               "field_error", err ? err : json_false()));
    }
    json_t *m = json_pack(
        "{s:I,s:O,s:O,s:o,s:o,s:b,s:s,s:b,s:o,s:i,s:i}", "id", (json_int_t)id, "name",
        json_object_get(c, "name"), "status", json_object_get(c, "status"), "words", words, "boxes",
        boxes, "has_background", l->background != NULL, "background_mime", l->background_mime,
        "has_seal", l->seal != NULL, "preview",
        json_sprintf("/admin/campaigns/%lld/certificate/preview.png?v=%lld", (long long)id,
                     (long long)time(NULL)),
        "background_mb", (int)(CERT_BACKGROUND_MAX >> 20), "seal_mb", (int)(CERT_SEAL_MAX >> 20));
    json_object_set_new(m, "side_max", json_integer(CERT_IMAGE_SIDE_MAX));
    json_object_set(m, "error_background", json_object_get(errs, "background"));
    json_object_set(m, "error_seal", json_object_get(errs, "seal"));
    json_object_set_new(m, "archived", json_boolean(strcmp(jstr(c, "status"), "archived") == 0));
    cert_layout_release(l);
    free(l);
    json_decref(c);
    if (query_get(&r->query, "saved"))
        p->notice = "certs_layout_saved";
    p->model = m;
    p->template = "cert_layout";
    p->title = i18n_get(r->lang, "certs_layout_title");
    return WEB_OK;
}

/* ------------------------------------------------------------ the wording and boxes */

#define WORD(n, flags, max)                                                                        \
    {                                                                                              \
        n, WEB_F_TEXT, WEB_F_ONELINE | (flags), 0, max, NULL, "certs_err_text"                     \
    }
#define SIDE(n, max)                                                                               \
    {                                                                                              \
        n, WEB_F_NUMBER, WEB_F_REQUIRED, 0, max, NULL, "certs_err_position"                        \
    }
#define BOX(n)                                                                                     \
    SIDE(n "_x", CERT_PAGE_W_MM), SIDE(n "_y", CERT_PAGE_H_MM), SIDE(n "_w", CERT_PAGE_W_MM)

static const struct web_field save_fields[] = {
    WORD("heading", WEB_F_REQUIRED, 40),
    WORD("salutation", 0, 100),
    WORD("sentence", WEB_F_REQUIRED, CERT_TEXT_MAX),
    WORD("award", 0, 100),
    WORD("organiser", 0, 200),
    WORD("date_line", 0, 100),
    BOX("heading"),
    SIDE("heading_h", CERT_PAGE_H_MM),
    BOX("body"),
    SIDE("body_h", CERT_PAGE_H_MM),
    BOX("sign"),
    SIDE("sign_h", CERT_PAGE_H_MM),
    BOX("qr"),
    BOX("seal"),
    {"drop_background", WEB_F_BOOL, 0, 0, 0, NULL, NULL},
    {"drop_seal", WEB_F_BOOL, 0, 0, 0, NULL, NULL},
    {NULL},
};

struct layout_job {
    int64_t campaign;
    struct cert_layout *l; /* from the arena: the wording and boxes only */
    int drop_background, drop_seal;
};

/* The campaign of an action's path in *id, not archived (404, 409); x->next its page. */
static enum result action_campaign(struct web_act *x, int64_t *id)
{
    json_t *c = path_campaign(x->r);
    if (!c)
        return RC_NOTFOUND;
    *id = json_integer_value(json_object_get(c, "id"));
    int archived = strcmp(jstr(c, "status"), "archived") == 0;
    json_decref(c);
    if (archived) {
        x->error = "campaigns_err_archived";
        return RC_STALE;
    }
    x->next =
        arena_printf(&x->r->arena, "/admin/campaigns/%lld/certificate?saved=1", (long long)*id);
    return RC_OK;
}

static enum result layout_load(struct web_act *x)
{
    struct layout_job *j = x->state;
    return action_campaign(x, &j->campaign);
}

static enum result layout_check(struct web_act *x)
{
    struct layout_job *j = x->state;
    if (!(j->l = arena_alloc(&x->r->arena, sizeof *j->l)))
        return RC_ERROR;
    cert_layout_default(j->l);
    for (int t = 0; t < CERT_TEXT__MAX; t++) {
        const char *name = cert_text_name((enum cert_text)t);
        const char *v = web_text(x, name);
        v = v ? v : "";
        if (cert_template_check(v) != 0)
            web_refuse_field(x, name, "certs_err_placeholder");
        snprintf(j->l->text[t], sizeof j->l->text[t], "%s", v);
    }
    static const char *const sides[] = {"x", "y", "w", "h"};
    for (int b = 0; b < CERT_BOX__MAX; b++) {
        const char *name = cert_box_name((enum cert_box)b);
        double v[4];
        for (int k = 0; k < 4; k++) {
            int square = cert_box_square((enum cert_box)b) && k == 3;
            v[k] =
                square ? v[2] : web_number(x, arena_printf(&x->r->arena, "%s_%s", name, sides[k]));
        }
        j->l->box[b] = (struct cert_rect){v[0], v[1], v[2], v[3]};
        if (cert_rect_check((enum cert_box)b, &j->l->box[b]) != 0)
            web_refuse_field(x, arena_printf(&x->r->arena, "%s_x", name), "certs_err_off_page");
    }
    j->drop_background = web_int(x, "drop_background") != 0;
    j->drop_seal = web_int(x, "drop_seal") != 0;
    return x->errors ? RC_INVALID : RC_OK;
}

static int layout_write(struct store_tx *tx, void *arg)
{
    struct layout_job *j = arg;
    return tx_cert_layout_save(tx, j->campaign, j->l, j->drop_background, j->drop_seal);
}

static const struct web_refusal layout_refusals[] = {
    {RC_STALE, 409, "campaigns_err_archived", NULL},
    {RC_OK},
};

const struct web_action act_cert_layout_save = {
    .fields = save_fields,
    .state_size = sizeof(struct layout_job),
    .load = layout_load,
    .check = layout_check,
    .write = layout_write,
    .page = page_cert_layout,
    .refusals = layout_refusals,
};

/* ------------------------------------------------------------ the images */

struct cert_upload {
    struct file_form f;
    int64_t campaign;
    int seal; /* the seal, or the background */
    const char *mime;
};

static int upload_begin(struct web_act *x)
{
    struct cert_upload *u = x->state;
    u->seal = x->a == &act_cert_seal;
    return file_form_begin(x->r, &u->f, u->seal ? CERT_SEAL_MAX : CERT_BACKGROUND_MAX, "image");
}

static enum result upload_load(struct web_act *x)
{
    struct cert_upload *u = x->state;
    enum result rc = action_campaign(x, &u->campaign);
    if (rc != RC_OK)
        return rc;
    const char *field = u->seal ? "seal" : "background", *key = NULL;
    unsigned w, h;
    if (!u->f.mp) {
        x->status = 415;
        key = "certs_err_not_multipart";
    } else if (file_form_finish(&u->f) != 0) {
        x->status = 400;
        key = "err_bad_request";
    } else if (!u->f.file_done || u->f.len == 0) {
        key = "certs_err_image_missing";
    } else if (!(u->mime = image_probe(u->f.data, u->f.len, &w, &h)) ||
               strcmp(u->mime, "image/gif") == 0 || (u->seal && strcmp(u->mime, "image/png"))) {
        x->status = 415;
        key = u->seal ? "certs_err_seal_type" : "certs_err_background_type";
    } else if (w > CERT_IMAGE_SIDE_MAX || h > CERT_IMAGE_SIDE_MAX) {
        key = "certs_err_image_side";
    } else if (u->seal && !cert_png_transparent(u->f.data, u->f.len)) {
        x->status = 415;
        key = "certs_err_seal_opaque";
    }
    return key ? web_refuse_field(x, field, key) : RC_OK;
}

static int upload_write(struct store_tx *tx, void *arg)
{
    struct cert_upload *u = arg;
    return tx_cert_layout_image(tx, u->campaign, u->seal, u->f.data, u->f.len, u->mime);
}

/* On the worker pool: decoded as a certificate draws it, then stored with its audit row. */
static enum result upload_work(void *state)
{
    struct cert_upload *u = state;
    if (cert_image_check(u->f.data, u->f.len, u->mime) != 0)
        return RC_INVALID;
    return (enum result)store_write_sync(web.store, upload_write, u);
}

static const struct web_refusal upload_refusals[] = {
    {RC_INVALID, 415, "certs_err_image_decode", NULL},
    {RC_STALE, 409, "campaigns_err_archived", NULL},
    {RC_OK},
};

const struct web_action act_cert_background = {
    .state_size = sizeof(struct cert_upload),
    .begin = upload_begin,
    .load = upload_load,
    .work = upload_work,
    .page = page_cert_layout,
    .refusals = upload_refusals,
};

const struct web_action act_cert_seal = {
    .state_size = sizeof(struct cert_upload),
    .begin = upload_begin,
    .load = upload_load,
    .work = upload_work,
    .page = page_cert_layout,
    .refusals = upload_refusals,
};

/* ------------------------------------------------------------ the preview */

static int to_body(void *ctx, const unsigned char *data, unsigned int len)
{
    struct buf *b = ctx;
    buf_append(b, data, len);
    return b->oom ? -1 : 0;
}

void raw_cert_preview(struct req *r, struct resp *w)
{
    const char *file = r->nparams > 1 ? r->params[1] : "";
    int png = strcmp(file, "preview.png") == 0;
    json_t *c = png || strcmp(file, "preview.pdf") == 0 ? path_campaign(r) : NULL;
    if (!c) {
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    int64_t id = json_integer_value(json_object_get(c, "id"));
    json_t *award = store_cert_sample(web.store, id);
    char today[16], serial[48], url[512];
    time_t now = time(NULL);
    struct tm tm;
    strftime(today, sizeof today, "%Y-%m-%d", gmtime_r(&now, &tm));
    const char *tier = jstr(json_array_get(json_object_get(c, "tiers"), 0), "name");
    struct cert_fields f = {i18n_get(r->lang, "certs_sample_unit"),
                            i18n_get(r->lang, "certs_sample_title"),
                            *tier ? tier : i18n_get(r->lang, "certs_sample_tier"),
                            jstr(c, "name"),
                            today,
                            jstr(c, "organisers"),
                            serial,
                            "0000-0000-0000",
                            url};
    snprintf(serial, sizeof serial, "%.4s-XXXX", today);
    if (award) {
        f = (struct cert_fields){jstr(award, "unit"),
                                 jstr(award, "title"),
                                 jstr(award, "tier"),
                                 jstr(award, "campaign"),
                                 jstr(award, "published_at"),
                                 jstr(award, "organisers"),
                                 serial,
                                 *jstr(award, "code") ? jstr(award, "code") : f.code,
                                 url};
        long long n = (long long)json_integer_value(json_object_get(award, "serial"));
        if (n > 0)
            snprintf(serial, sizeof serial, "%s-%04lld", jstr(award, "slug"), n);
        else /* its certificate is not made yet: no number */
            snprintf(serial, sizeof serial, "%s-XXXX", jstr(award, "slug"));
        if (!*f.date)
            f.date = today;
    }
    snprintf(url, sizeof url, "%s/verify/%s", web.base_url ? web.base_url : "", f.code);
    struct cert_style *st = certs_style(id);
    int rc = !st   ? -1
             : png ? cert_png(&f, st, PREVIEW_PX, to_body, &w->body)
                   : cert_pdf(&f, 1, st, to_body, &w->body);
    cert_style_free(st);
    json_decref(award);
    json_decref(c);
    if (rc != 0 || w->body.oom) {
        buf_reset(&w->body);
        web_error(r, w, WEB_UNAVAILABLE);
        return;
    }
    w->status = 200;
    w->content_type = png ? "image/png" : "application/pdf";
    resp_header(w, "Content-Disposition",
                png ? "inline" : "inline; filename=\"certificate-preview.pdf\"");
    resp_header(w, "Cache-Control", "private, no-store");
}
