/*
 * certs.c — certificates on the site (certs.h).
 *
 * Making them: the organiser's action gives every awarded case of the
 * public campaign its serial number and check code (one write, audited),
 * then queues the batch on the worker pool: each certificate as a PDF of
 * its own into a ZIP, then all of them as one PDF, written beside each
 * other under <data>/certificates/ (to a temporary name, renamed when
 * complete).  One batch at a time; its progress is kept here for
 * /admin/results, which polls it.  A unit's own certificate is rendered
 * when asked for (one page).  Both follow the campaign's saved layout
 * (cert_layout.c, read once per batch or download); /verify/{code} shows
 * the award as it stands, or that a correction withdrew or changed it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/worker.h"
#include "store/accounts.h"
#include "store/certs.h"
#include "view/cert_pdf.h"
#include "view/zip.h"
#include "web/cert_layout.h"
#include "web/certs.h"
#include "web/correction.h"
#include "web/statement.h"

enum batch_state { BATCH_NONE, BATCH_RUNNING, BATCH_DONE, BATCH_FAILED };

static struct {
    pthread_mutex_t lock;
    enum batch_state state;
    int done, total;
    double seconds;
} batch = {PTHREAD_MUTEX_INITIALIZER, BATCH_NONE, 0, 0, 0};

/* A certificate's fields for the PDF, from its store row; serial and url filled here. */
static void fields_of(json_t *c, struct cert_fields *f, char serial[48], char url[512])
{
    snprintf(serial, 48, "%s-%04lld", json_string_value(json_object_get(c, "slug")),
             (long long)json_integer_value(json_object_get(c, "serial")));
    snprintf(url, 512, "%s/verify/%s", web.base_url ? web.base_url : "",
             json_string_value(json_object_get(c, "code")));
    *f = (struct cert_fields){json_string_value(json_object_get(c, "unit")),
                              json_string_value(json_object_get(c, "title")),
                              json_string_value(json_object_get(c, "tier")),
                              json_string_value(json_object_get(c, "campaign")),
                              json_string_value(json_object_get(c, "published_at")),
                              json_string_value(json_object_get(c, "organisers")),
                              serial,
                              json_string_value(json_object_get(c, "code")),
                              url};
}

static atomic_int cancelled;

void certs_cancel(void)
{
    cancelled = 1;
}

static int to_buf(void *ctx, const unsigned char *data, unsigned int len)
{
    struct buf *b = ctx;
    buf_append(b, data, len);
    return b->oom ? -1 : 0;
}

static int to_file(void *ctx, const unsigned char *data, unsigned int len)
{
    return !cancelled && fwrite(data, 1, len, ctx) == len ? 0 : -1;
}

/* <data>/certificates/certificates-<slug>.<ext>, and its name while it is being written. */
static void batch_path(char *out, size_t n, const char *slug, const char *ext, int tmp)
{
    snprintf(out, n, "%s/certificates/certificates-%s.%s%s", web.data_dir, slug, ext,
             tmp ? ".tmp" : "");
}

static void progress(int done, int total)
{
    pthread_mutex_lock(&batch.lock);
    batch.done = done;
    batch.total = total;
    pthread_mutex_unlock(&batch.lock);
}

/* Write the ZIP of single PDFs and the PDF of all: 0 or -1. */
static int batch_write(json_t *certs, const char *slug, const struct cert_style *st)
{
    size_t n = json_array_size(certs);
    struct cert_fields *f = calloc(n ? n : 1, sizeof *f);
    char (*serial)[48] = calloc(n ? n : 1, sizeof *serial);
    char (*url)[512] = calloc(n ? n : 1, sizeof *url);
    char zip_tmp[4200], pdf_tmp[4200], zip_path[4200], pdf_path[4200];
    batch_path(zip_tmp, sizeof zip_tmp, slug, "zip", 1);
    batch_path(pdf_tmp, sizeof pdf_tmp, slug, "pdf", 1);
    batch_path(zip_path, sizeof zip_path, slug, "zip", 0);
    batch_path(pdf_path, sizeof pdf_path, slug, "pdf", 0);
    FILE *zf = f && serial && url ? fopen(zip_tmp, "wb") : NULL;
    struct zip *z = zf ? zip_start(zf) : NULL;
    int rc = z ? 0 : -1;
    struct buf one = BUF_INIT;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (cancelled) {
            rc = -1;
            break;
        }
        json_t *c = json_array_get(certs, i);
        fields_of(c, &f[i], serial[i], url[i]);
        buf_reset(&one);
        char name[600];
        snprintf(name, sizeof name, "%s %s.pdf", serial[i], f[i].unit);
        for (char *p = name; *p; p++)
            if (*p == '/' || *p == '\\')
                *p = '_';
        rc = cert_pdf(&f[i], 1, st, to_buf, &one) == 0 && !one.oom
                 ? zip_add(z, name, one.p, one.len)
                 : -1;
        progress((int)i + 1, (int)n + 1);
    }
    buf_release(&one);
    if (z && zip_finish(z) != 0)
        rc = -1;
    if (zf && fclose(zf) != 0)
        rc = -1;
    FILE *pf = rc == 0 ? fopen(pdf_tmp, "wb") : NULL;
    if (rc == 0 && (!pf || cert_pdf(f, n, st, to_file, pf) != 0))
        rc = -1;
    if (pf && fclose(pf) != 0)
        rc = -1;
    if (rc == 0 && (rename(zip_tmp, zip_path) != 0 || rename(pdf_tmp, pdf_path) != 0))
        rc = -1;
    if (rc != 0) {
        if (cancelled)
            log_info("certificates: the batch of %s stopped at shutdown", slug);
        else
            log_error("certificates: the batch of %s failed: %s", slug, strerror(errno));
        remove(zip_tmp);
        remove(pdf_tmp);
    }
    free(f);
    free(serial);
    free(url);
    return rc;
}

/* The public campaign's slug as a file name ("" when there is none). */
static void campaign_slug(char out[64])
{
    json_t *camp = store_public_campaign(web.store) ? store_campaign(web.store) : NULL;
    const char *slug = camp ? json_string_value(json_object_get(camp, "slug")) : NULL;
    snprintf(out, 64, "%s", slug ? slug : "");
    json_decref(camp);
    for (char *p = out; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            *p = '-';
}

struct batch_job {
    int64_t campaign;
    char slug[64];
};

/* On the worker pool: the whole batch. */
static void batch_run(void *arg)
{
    struct batch_job *j = arg;
    double t0 = clock_ms();
    json_t *certs = store_certs(web.store, j->campaign, 0);
    struct cert_style *st = certs_style(j->campaign);
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/certificates", web.data_dir);
    int rc = certs && st && (mkdir(dir, 0750) == 0 || errno == EEXIST)
                 ? batch_write(certs, j->slug, st)
                 : -1;
    json_decref(certs);
    cert_style_free(st);
    pthread_mutex_lock(&batch.lock);
    batch.state = rc == 0 ? BATCH_DONE : BATCH_FAILED;
    batch.done = batch.total;
    batch.seconds = (clock_ms() - t0) / 1e3;
    pthread_mutex_unlock(&batch.lock);
    free(j);
}

/* 1 when the public campaign's files are there (and no batch is rewriting them); slug filled. */
static int files_ready(char slug[64])
{
    campaign_slug(slug);
    pthread_mutex_lock(&batch.lock);
    int running = batch.state == BATCH_RUNNING;
    pthread_mutex_unlock(&batch.lock);
    char pdf[4200], zip[4200];
    struct stat sb;
    batch_path(pdf, sizeof pdf, slug, "pdf", 0);
    batch_path(zip, sizeof zip, slug, "zip", 0);
    return *slug && !running && stat(pdf, &sb) == 0 && stat(zip, &sb) == 0;
}

json_t *certs_batch_model(void)
{
    static const char *const names[] = {"none", "running", "done", "failed"};
    pthread_mutex_lock(&batch.lock);
    json_t *m = json_pack("{s:s,s:i,s:i,s:f,s:b}", "state", names[batch.state], "done",
                          batch.done, "total", batch.total, "seconds", batch.seconds, "running",
                          batch.state == BATCH_RUNNING);
    if (batch.state == BATCH_DONE) /* this process made them: how long it took, for the page */
        json_object_set_new(m, "took", json_sprintf("%.1f", batch.seconds));
    pthread_mutex_unlock(&batch.lock);
    char slug[64];
    json_object_set_new(m, "ready", json_boolean(files_ready(slug)));
    return m;
}

struct make {
    int64_t campaign;
    int made;
    char slug[64];
};

static enum result make_load(struct web_act *x)
{
    struct make *s = x->state;
    s->campaign = store_public_campaign(web.store);
    if (!s->campaign) {
        x->error = "statement_no_campaign";
        return RC_STATE;
    }
    campaign_slug(s->slug);
    pthread_mutex_lock(&batch.lock);
    int running = batch.state == BATCH_RUNNING;
    pthread_mutex_unlock(&batch.lock);
    if (running) {
        x->error = "certs_running";
        return RC_STATE;
    }
    return RC_OK;
}

static int make_write(struct store_tx *tx, void *arg)
{
    struct make *s = arg;
    return tx_certs_assign(tx, s->campaign, &s->made);
}

/* After the codes are committed: start the batch in the background. */
static enum result make_then(struct web_act *x, struct resp *w, enum result rc)
{
    (void)w;
    struct make *s = x->state;
    if (rc != RC_OK)
        return rc;
    struct batch_job *j = malloc(sizeof *j);
    pthread_mutex_lock(&batch.lock);
    int busy = batch.state == BATCH_RUNNING;
    if (!busy && j) {
        batch.state = BATCH_RUNNING;
        batch.done = 0;
        batch.total = 0;
    }
    pthread_mutex_unlock(&batch.lock);
    if (busy || !j) {
        free(j);
        x->error = busy ? "certs_running" : NULL;
        return busy ? RC_STATE : RC_ERROR;
    }
    j->campaign = s->campaign;
    snprintf(j->slug, sizeof j->slug, "%s", s->slug);
    if (worker_submit(batch_run, j) != 0) {
        pthread_mutex_lock(&batch.lock);
        batch.state = BATCH_FAILED;
        pthread_mutex_unlock(&batch.lock);
        free(j);
        return RC_ERROR;
    }
    return RC_OK;
}

const struct web_action act_certs_make = {
    .state_size = sizeof(struct make),
    .load = make_load,
    .write = make_write,
    .then = make_then,
    .next = "/admin/results?making=1",
    .page = page_admin_results,
};

/* Send file path as an attachment named name (ASCII), of type mime. */
static void send_file(struct req *r, struct resp *w, const char *path, const char *name,
                      const char *mime)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;
    if (!f || fstat(fileno(f), &sb) != 0) {
        if (f)
            fclose(f);
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    if ((size_t)sb.st_size + 1 > w->body.max) /* the whole batch: larger than a page */
        w->body.max = (size_t)sb.st_size + 1;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&w->body, chunk, n);
    fclose(f);
    if (w->body.oom) {
        web_error(r, w, WEB_UNAVAILABLE);
        return;
    }
    w->status = 200;
    w->content_type = mime;
    resp_header(w, "Content-Disposition",
                arena_printf(&r->arena, "attachment; filename=\"%s\"", name));
    resp_header(w, "Cache-Control", "private, no-store");
}

void raw_certs_file(struct req *r, struct resp *w)
{
    const char *file = r->nparams ? r->params[0] : "";
    const char *ext = strcmp(file, "certificates.pdf") == 0   ? "pdf"
                      : strcmp(file, "certificates.zip") == 0 ? "zip"
                                                              : NULL;
    char slug[64];
    if (!ext || !files_ready(slug)) {
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    char path[4200], name[128];
    batch_path(path, sizeof path, slug, ext, 0);
    snprintf(name, sizeof name, "certificates-%s.%s", slug, ext);
    send_file(r, w, path, name, strcmp(ext, "pdf") == 0 ? "application/pdf" : "application/zip");
}

enum web_err page_my_certs(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    const struct store_user *u = web_user(r);
    int64_t campaign = store_public_campaign(web.store);
    json_t *list = campaign && u && u->unit_id ? store_certs(web.store, campaign, u->unit_id)
                                               : json_array();
    if (!list)
        return WEB_UNAVAILABLE;
    p->model = json_pack("{s:o,s:s}", "certificates", list, "unit", u ? u->unit_name : "");
    p->template = "certs_mine";
    p->title = i18n_get(r->lang, "certs_mine_title");
    return WEB_OK;
}

void raw_my_cert(struct req *r, struct resp *w)
{
    const struct store_user *u = web_user(r);
    const char *file = r->nparams ? r->params[0] : "";
    size_t n = strlen(file);
    int64_t id = 0;
    if (n > 4 && strcmp(file + n - 4, ".pdf") == 0) {
        char digits[24];
        snprintf(digits, sizeof digits, "%.*s", (int)(n - 4), file);
        id = web_path_id(digits);
    }
    int64_t campaign = store_public_campaign(web.store);
    json_t *list = id > 0 && campaign && u && u->unit_id
                       ? store_certs(web.store, campaign, u->unit_id)
                       : NULL;
    json_t *mine = NULL, *c;
    size_t i;
    json_array_foreach(list, i, c) if (json_integer_value(json_object_get(c, "case_id")) == id)
        mine = c;
    if (!mine) {
        json_decref(list);
        web_error(r, w, WEB_NOT_FOUND);
        return;
    }
    struct cert_fields f;
    char serial[48], url[512];
    fields_of(mine, &f, serial, url);
    struct cert_style *st = certs_style(campaign);
    int rc = st ? cert_pdf(&f, 1, st, to_buf, &w->body) : -1;
    cert_style_free(st);
    json_decref(list);
    if (rc != 0 || w->body.oom) {
        buf_reset(&w->body);
        web_error(r, w, WEB_UNAVAILABLE);
        return;
    }
    w->status = 200;
    w->content_type = "application/pdf";
    resp_header(w, "Content-Disposition",
                arena_printf(&r->arena, "attachment; filename=\"certificate-%s.pdf\"", serial));
    resp_header(w, "Cache-Control", "private, no-store");
}

enum web_err page_verify(struct req *r, const struct web_input *in, struct page *p)
{
    (void)in;
    const char *code = r->nparams ? r->params[0] : "";
    char up[CERT_CODE_LEN + 1];
    size_t n = strlen(code);
    for (size_t i = 0; i < n && i < CERT_CODE_LEN; i++)
        up[i] = code[i] >= 'a' && code[i] <= 'z' ? (char)(code[i] - 32) : code[i];
    up[n < CERT_CODE_LEN ? n : CERT_CODE_LEN] = 0;
    json_t *c = n == CERT_CODE_LEN ? store_cert_by_code(web.store, up) : NULL;
    if (!c) {
        p->error = "verify_unknown";
        return WEB_NOT_FOUND;
    }
    const char *tier = json_string_value(json_object_get(c, "tier"));
    const char *now = json_string_value(json_object_get(c, "tier_now"));
    int published = json_is_true(json_object_get(c, "published"));
    const char *state = !now || !published ? "withdrawn" : strcmp(now, tier) != 0 ? "changed" : "valid";
    json_object_set_new(c, "state", json_string(state));
    json_object_set_new(c, "valid", json_boolean(strcmp(state, "valid") == 0));
    json_object_set_new(c, "withdrawn", json_boolean(strcmp(state, "withdrawn") == 0));
    json_object_set_new(c, "changed", json_boolean(strcmp(state, "changed") == 0));
    char serial[48];
    snprintf(serial, sizeof serial, "%s-%04lld", json_string_value(json_object_get(c, "slug")),
             (long long)json_integer_value(json_object_get(c, "serial")));
    json_object_set_new(c, "serial_text", json_string(serial));
    /* What withdrew or changed it, dated, with the reason. */
    if (!json_is_true(json_object_get(c, "valid")))
        correction_put(c, json_integer_value(json_object_get(c, "case_id")), NULL);
    p->model = c;
    p->template = "verify";
    p->title = i18n_get(r->lang, "verify_title");
    return WEB_OK;
}
