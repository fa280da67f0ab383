/*
 * file_form.c — one file and the form's fields from a multipart body; see
 * file_form.h.
 */
#include "web/file_form.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/utf8.h"

enum { PART_NONE, PART_VALUE, PART_FILE };

/* The original name as plain text of at most FILE_FORM_NAME_MAX characters, without controls. */
static char *clean_name(struct arena *a, const char *name, const char *fallback)
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
    out[utf8_prefix(out, j, FILE_FORM_NAME_MAX)] = 0;
    return *out ? out : arena_strdup(a, fallback);
}

static int part_begin(void *ctx, const char *name, const char *filename, const char *ctype)
{
    (void)ctype; /* never trusted */
    struct file_form *f = ctx;
    if (filename && *filename) {
        if (f->files++) {
            f->status = 400; /* one file */
            return 1;
        }
        f->name = clean_name(&f->r->arena, filename, f->fallback);
        f->data = malloc(f->limit);
        if (!f->name || !f->data) {
            f->status = 500;
            return 1;
        }
        f->part = PART_FILE;
    } else {
        f->part = PART_VALUE;
        f->value_len = 0;
        if (!(f->value_name = arena_strdup(&f->r->arena, name))) {
            f->status = 500;
            return 1;
        }
    }
    return 0;
}

static int part_data(void *ctx, const char *data, size_t len)
{
    struct file_form *f = ctx;
    if (f->part == PART_FILE) {
        if (len > f->limit - f->len) {
            f->status = 413;
            return 1;
        }
        memcpy(f->data + f->len, data, len);
        f->len += len;
    } else if (f->part == PART_VALUE) {
        if (len > sizeof f->value - f->value_len) {
            f->status = 413;
            return 1;
        }
        memcpy(f->value + f->value_len, data, len);
        f->value_len += len;
    }
    return 0;
}

static int part_end(void *ctx)
{
    struct file_form *f = ctx;
    if (f->part == PART_FILE)
        f->file_done = 1;
    else if (f->part == PART_VALUE &&
             web_form_keep(f->r, f->value_name, f->value, f->value_len) != 0) {
        f->status = 400;
        return 1;
    }
    f->part = PART_NONE;
    return 0;
}

static int file_form_sink(struct req *r, const char *data, size_t len)
{
    struct file_form *f = r->sink_ctx;
    if (multipart_feed(f->mp, data, len) == MULTIPART_OK)
        return 0;
    return f->status ? f->status : 400;
}

static void file_form_cleanup(struct req *r)
{
    struct file_form *f = r->sink_ctx;
    if (!f)
        return;
    free(f->data);
    f->data = NULL;
    multipart_free(f->mp);
    f->mp = NULL;
}

int file_form_begin(struct req *r, struct file_form *f, size_t limit, const char *fallback)
{
    f->r = r;
    f->limit = limit;
    f->fallback = fallback;
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    if (!r->content_type || multipart_boundary(r->content_type, boundary, sizeof boundary) != 0)
        return 0;
    const struct multipart_cb cb = {f, part_begin, part_data, part_end};
    if (!(f->mp = multipart_new(boundary, &cb)))
        return 500;
    r->sink_ctx = f;
    r->cleanup = file_form_cleanup;
    r->sink = file_form_sink;
    r->max_body = limit + FILE_FORM_SLACK;
    return 0;
}

int file_form_finish(struct file_form *f)
{
    return multipart_finish(f->mp) == MULTIPART_OK ? 0 : -1;
}

void file_form_digest(const struct file_form *f, char hex[FILE_FORM_HEX])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, f->data, f->len);
    sodium_bin2hex(hex, FILE_FORM_HEX, digest, sizeof digest);
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

int file_form_store(const struct file_form *f, const char *data_dir, const char *hex)
{
    char dir[4096], path[4200], tmp[4300];
    snprintf(dir, sizeof dir, "%s/files", data_dir);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return -1;
    snprintf(dir, sizeof dir, "%s/files/%.2s", data_dir, hex);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return -1;
    snprintf(path, sizeof path, "%s/%s", dir, hex);
    struct stat sb;
    if (stat(path, &sb) == 0 && (size_t)sb.st_size == f->len)
        return 0;
    snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid());
    if (write_file(tmp, f->data, f->len) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    return 0;
}
