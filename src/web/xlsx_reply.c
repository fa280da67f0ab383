/*
 * xlsx_reply.c — a generated spreadsheet sent back as a download; see
 * xlsx_reply.h.
 *
 * libxlsxwriter writes to a file, so each workbook gets a fresh private
 * folder under <data>/tmp (also its scratch folder), is read back whole
 * into memory, and is deleted with its folder before the job ends: nothing
 * is left in <data>/tmp whether the workbook was written or not.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "web/xlsx_reply.h"

/* Read the whole file at path into a malloc'd buffer. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = NULL;
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && sb.st_size >= 0 && (data = malloc((size_t)sb.st_size + 1))) {
        *len = fread(data, 1, (size_t)sb.st_size, f);
        if (*len != (size_t)sb.st_size) {
            free(data);
            data = NULL;
        }
    }
    fclose(f);
    return data;
}

/* A fresh private folder (0700) <data>/tmp/<tag>-XXXXXX, into dir (n bytes).  0 or -1. */
static int temp_dir(char *dir, size_t n, const char *tag)
{
    const char *base = web.data_dir && *web.data_dir ? web.data_dir : ".";
    if ((size_t)snprintf(dir, n, "%s/tmp", base) >= n)
        return -1;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -1;
    if ((size_t)snprintf(dir, n, "%s/tmp/%s-XXXXXX", base, tag) >= n)
        return -1;
    return mkdtemp(dir) ? 0 : -1;
}

char *xlsx_build(const char *what, const char *tag, xlsx_fill_fn *fill, void *ctx, size_t *len)
{
    char dir[4096], path[4200];
    if (temp_dir(dir, sizeof dir, tag) != 0) {
        log_error("%s: cannot query or make a temporary folder", what);
        return NULL;
    }
    snprintf(path, sizeof path, "%s/export.xlsx", dir);
    lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = dir};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    char *data = NULL;
    if (wb) {
        lxw_format *bold = workbook_add_format(wb);
        format_set_bold(bold);
        fill(wb, bold, ctx);
        lxw_error e = workbook_close(wb);
        if (e == LXW_NO_ERROR)
            data = slurp(path, len);
        else
            log_error("%s: %s", what, lxw_strerror(e));
    }
    unlink(path);
    rmdir(dir);
    return data;
}

int xlsx_body(struct req *r, struct resp *w, int rc, char **data, size_t len)
{
    if (rc != RC_OK || !*data) {
        free(*data);
        *data = NULL;
        web_error(r, w, rc != RC_OK ? WEB_UNAVAILABLE : WEB_INTERNAL);
        return -1;
    }
    buf_append(&w->body, *data, len);
    free(*data);
    *data = NULL;
    if (w->body.oom) {
        web_error(r, w, WEB_INTERNAL);
        return -1;
    }
    return 0;
}

void xlsx_attach(struct req *r, struct resp *w, const char *ascii_name, const char *utf8_name)
{
    struct buf cd = BUF_INIT;
    buf_init(&cd, 4096);
    buf_printf(&cd, "attachment; filename=\"%s\"; filename*=UTF-8''", ascii_name);
    buf_url(&cd, utf8_name, strlen(utf8_name));
    resp_header(w, "Content-Disposition", arena_strdup(&r->arena, cd.p ? cd.p : "attachment"));
    buf_release(&cd);
    resp_header(w, "Cache-Control", "no-store");
    w->status = 200;
    w->content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
}
