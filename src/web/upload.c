/*
 * upload.c — attachments of a case, streamed: POST /submit/{id}/attachments
 * as multipart/form-data with one file part and the csrf field.
 *
 * A declared action (action.h) with a begin.  The body never sits in
 * memory.  When the headers are in, upload_begin checks that the case is
 * the user's and still editable, works out how many bytes this file may
 * have (20 MiB per file, 50 MiB per case, 10 files), raises r->max_body to
 * that (so a larger Content-Length gets 413 before any of the body is read)
 * and installs the sink.  The sink feeds the streaming multipart parser;
 * the file's bytes go to a temporary file under <data>/tmp/ while their
 * SHA-256 and size are computed, and crossing a limit refuses the request
 * at once (413); the small parts (the csrf token) are kept as form values,
 * so the dispatcher checks the token as for any form.  A case that takes
 * no file now still gets a sink that skips the file, so that the answer is
 * the reason (409, 413) rather than a missing token.  When the body has
 * ended, the action's load refuses what begin or the stream decided and
 * decides the type from the content alone (PDF, DOCX, JPEG, PNG; anything
 * else is 415, whatever its name or declared type); its work, on the worker
 * pool, syncs the file and renames it to <data>/files/<first 2 hex>/<sha256>
 * (content-addressed: the same content is stored once) and records the
 * row.  A refusal is the edit page again with the message beside the upload
 * form.  The original name is only metadata, sanitised: no path, no control
 * or bidirectional-override characters, at most 120 characters.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/utf8.h"
#include "domain/submission.h"
#include "http/multipart.h"
#include "store/accounts.h"
#include "store/submissions.h"
#include "web/action.h"
#include "web/submit.h"

#define UPLOAD_SLACK (64u << 10) /* multipart framing and the csrf field */
#define UPLOAD_OTHER_MAX (16u << 10) /* bytes of non-file parts */
#define UPLOAD_NAME_MAX 120
#define UPLOAD_VALUE_MAX 256 /* bytes of one small part kept as a form value */

enum upload_part { PART_NONE, PART_VALUE, PART_FILE, PART_SKIP };

/* The action's state: what begin decided and what the sink streamed. */
struct upload {
    struct req *r;
    int64_t case_id, user_id;
    int64_t limit;          /* bytes this file may have */
    int deny;               /* an HTTP status decided at begin, or 0 */
    const char *deny_key;
    struct multipart *mp;
    int status;             /* an HTTP status decided while streaming, or 0 */
    enum upload_part part;
    char *value_name;       /* the small part being read */
    char value[UPLOAD_VALUE_MAX];
    size_t value_len;
    size_t other_bytes;
    int files;              /* file parts seen */
    int file_done;
    int fd;
    char *tmp_path;         /* while it exists */
    crypto_hash_sha256_state sha;
    int64_t size;
    unsigned char head[8];
    size_t head_len;
    char *name;
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    const char *mime;
    int rc;                 /* of the store write */
};

/* ------------------------------------------------------------ names and types */

/* The original name as harmless metadata: last path segment, no controls, <= 120 chars. */
static char *sanitise_name(struct arena *a, const char *name)
{
    const char *base = name;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t n = strlen(base);
    char *out = arena_alloc(a, n + 1);
    if (!out)
        return NULL;
    size_t j = 0, i = 0;
    while (i < n) {
        size_t at = i;
        int32_t cp = utf8_next(base, n, &i);
        if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0x200e ||
            cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
            cp == '"')
            continue; /* controls, bidi overrides, invalid bytes and quotes are dropped */
        memcpy(out + j, base + at, i - at);
        j += i - at;
    }
    out[j] = 0;
    char *p = out;
    while (*p == ' ' || *p == '.')
        p++;
    size_t len = strlen(p);
    while (len && p[len - 1] == ' ')
        p[--len] = 0;
    p[utf8_prefix(p, len, UPLOAD_NAME_MAX)] = 0;
    return *p ? p : arena_strdup(a, "file");
}

static uint32_t le32(const unsigned char *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* 1 if the ZIP in fd (size bytes) lists [Content_Types].xml and a word/ entry. */
static int zip_is_docx(int fd, int64_t size)
{
    enum { TAIL = 22 + 65535, CD_MAX = 4 << 20 };
    size_t tail = size < TAIL ? (size_t)size : TAIL;
    if (tail < 22)
        return 0;
    unsigned char *buf = malloc(tail);
    int ok = 0, types = 0, word = 0;
    unsigned char *cd = NULL;
    if (!buf || pread(fd, buf, tail, size - (int64_t)tail) != (ssize_t)tail)
        goto done;
    size_t eocd = tail - 22 + 1;
    while (eocd-- > 0)
        if (le32(buf + eocd) == 0x06054b50)
            break;
    if (eocd == (size_t)-1)
        goto done;
    uint32_t cd_size = le32(buf + eocd + 12), cd_off = le32(buf + eocd + 16);
    if (cd_size == 0 || cd_size > CD_MAX || (int64_t)cd_off + cd_size > size)
        goto done;
    if (!(cd = malloc(cd_size)) || pread(fd, cd, cd_size, cd_off) != (ssize_t)cd_size)
        goto done;
    for (size_t at = 0; at + 46 <= cd_size && le32(cd + at) == 0x02014b50;) {
        size_t nlen = le16(cd + at + 28), xlen = le16(cd + at + 30), clen = le16(cd + at + 32);
        if (at + 46 + nlen > cd_size)
            break;
        const char *nm = (const char *)cd + at + 46;
        if (nlen == 19 && memcmp(nm, "[Content_Types].xml", 19) == 0)
            types = 1;
        if (nlen > 5 && memcmp(nm, "word/", 5) == 0)
            word = 1;
        at += 46 + nlen + xlen + clen;
    }
    ok = types && word;
done:
    free(cd);
    free(buf);
    return ok;
}

/* The MIME type of the received file, by its content; NULL if not accepted. */
static const char *sniff(struct upload *u)
{
    const unsigned char *h = u->head;
    if (u->head_len >= 5 && memcmp(h, "%PDF-", 5) == 0)
        return "application/pdf";
    if (u->head_len >= 8 && memcmp(h, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (u->head_len >= 3 && memcmp(h, "\xff\xd8\xff", 3) == 0)
        return "image/jpeg";
    if (u->head_len >= 4 && memcmp(h, "PK\x03\x04", 4) == 0 && zip_is_docx(u->fd, u->size))
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    return NULL;
}

/* ------------------------------------------------------------ streaming */

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int part_begin(void *ctx, const char *name, const char *filename, const char *ctype)
{
    (void)ctype; /* the declared type is never trusted */
    struct upload *u = ctx;
    if (filename && *filename && u->deny) {
        u->part = PART_SKIP; /* refused at begin: the reason is the answer, not the file */
    } else if (filename && *filename) {
        if (u->files++) {
            u->status = 400; /* one file per request */
            return 1;
        }
        u->tmp_path = arena_printf(&u->r->arena, "%s/tmp/upload-XXXXXX", web.data_dir);
        u->name = sanitise_name(&u->r->arena, filename);
        if (!u->tmp_path || !u->name) {
            u->status = 500;
            return 1;
        }
        u->fd = mkostemp(u->tmp_path, O_CLOEXEC);
        if (u->fd < 0) {
            log_error("upload: cannot create %s: %s", u->tmp_path, strerror(errno));
            u->tmp_path = NULL;
            u->status = 500;
            return 1;
        }
        crypto_hash_sha256_init(&u->sha);
        u->part = PART_FILE;
    } else {
        u->part = PART_VALUE;
        u->value_len = 0;
        u->value_name = arena_strdup(&u->r->arena, name);
        if (!u->value_name) {
            u->status = 500;
            return 1;
        }
    }
    return 0;
}

static int part_data(void *ctx, const char *data, size_t len)
{
    struct upload *u = ctx;
    switch (u->part) {
    case PART_FILE:
        u->size += (int64_t)len;
        if (u->size > u->limit) {
            u->status = 413;
            return 1;
        }
        for (size_t i = 0; i < len && u->head_len < sizeof u->head; i++)
            u->head[u->head_len++] = (unsigned char)data[i];
        crypto_hash_sha256_update(&u->sha, (const unsigned char *)data, len);
        if (write_all(u->fd, data, len) != 0) {
            log_error("upload: cannot write %s: %s", u->tmp_path, strerror(errno));
            u->status = 500;
            return 1;
        }
        return 0;
    case PART_VALUE:
        u->other_bytes += len;
        if (u->other_bytes > UPLOAD_OTHER_MAX || u->value_len + len > sizeof u->value) {
            u->status = 413;
            return 1;
        }
        memcpy(u->value + u->value_len, data, len);
        u->value_len += len;
        return 0;
    default:
        return 0;
    }
}

static int part_end(void *ctx)
{
    struct upload *u = ctx;
    if (u->part == PART_FILE) {
        unsigned char digest[crypto_hash_sha256_BYTES];
        crypto_hash_sha256_final(&u->sha, digest);
        sodium_bin2hex(u->hex, sizeof u->hex, digest, sizeof digest);
        u->file_done = 1;
    } else if (u->part == PART_VALUE &&
               web_form_keep(u->r, u->value_name, u->value, u->value_len) != 0) {
        u->status = 400;
        return 1;
    }
    u->part = PART_NONE;
    return 0;
}

static int upload_sink(struct req *r, const char *data, size_t len)
{
    struct upload *u = r->sink_ctx;
    if (multipart_feed(u->mp, data, len) == MULTIPART_OK)
        return 0;
    return u->status ? u->status : 400;
}

static void upload_cleanup(struct req *r)
{
    struct upload *u = r->sink_ctx;
    if (!u)
        return;
    if (u->fd >= 0)
        close(u->fd);
    u->fd = -1;
    if (u->tmp_path)
        unlink(u->tmp_path);
    u->tmp_path = NULL;
    multipart_free(u->mp);
    u->mp = NULL;
}

static int upload_begin(struct web_act *x)
{
    struct req *r = x->r;
    struct web_state *ws = r->app;
    struct upload *u = x->state;
    u->r = r;
    u->fd = -1;
    json_t *c = submit_own_case(r);
    if (!c) {
        ws->early = WEB_NOT_FOUND;
        return 0;
    }
    u->case_id = json_integer_value(json_object_get(c, "id"));
    u->user_id = x->user_id;
    int64_t files = json_integer_value(json_object_get(c, "files"));
    int64_t bytes = json_integer_value(json_object_get(c, "bytes"));
    const char *block = submit_edit_block(c);
    json_decref(c);
    /* Refusals decided here are answered by the load (small bodies) or 413 (large). */
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    if (!r->content_type || multipart_boundary(r->content_type, boundary, sizeof boundary) != 0) {
        u->deny = 415; /* no sink: the body, if small, is read as a form */
        u->deny_key = "submit_err_not_multipart";
        return 0;
    }
    if (block) {
        u->deny = 409;
        u->deny_key = block;
    } else if (files >= SUBMISSIONS_MAX_FILES) {
        u->deny = 413;
        u->deny_key = "submit_err_too_many_files";
    } else if (bytes >= SUBMISSIONS_MAX_CASE_BYTES) {
        u->deny = 413;
        u->deny_key = "submit_err_case_full";
    }
    if (!u->deny) {
        u->limit = SUBMISSIONS_MAX_CASE_BYTES - bytes;
        if (u->limit > SUBMISSIONS_MAX_FILE_BYTES)
            u->limit = SUBMISSIONS_MAX_FILE_BYTES;
        char *tmp = arena_printf(&r->arena, "%s/tmp", web.data_dir);
        if (!tmp || (mkdir(tmp, 0750) != 0 && errno != EEXIST)) {
            log_error("upload: cannot create %s: %s", tmp ? tmp : "tmp", strerror(errno));
            return 500;
        }
    }
    const struct multipart_cb cb = {u, part_begin, part_data, part_end};
    u->mp = multipart_new(boundary, &cb);
    if (!u->mp)
        return 500;
    r->sink_ctx = u;
    r->cleanup = upload_cleanup;
    r->sink = upload_sink;
    if (!u->deny) /* a refused one keeps the form limit: its file is skipped */
        r->max_body = (size_t)u->limit + UPLOAD_SLACK;
    return 0;
}

/* ------------------------------------------------------------ after the body */

static int attach_write(struct store_tx *tx, void *arg)
{
    struct upload *u = arg;
    return tx_attachment_add(tx, u->case_id, u->hex, u->name, u->mime, u->size, u->user_id);
}

/* fsync the folder at path, so a rename into it survives a crash. */
static void sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* On the worker pool: make the file durable under its digest, then record it. */
static void upload_store(void *arg)
{
    struct upload *u = arg;
    char dir[4096], path[4096 + 80];
    u->rc = RC_ERROR;
    snprintf(dir, sizeof dir, "%s/files", web.data_dir);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        goto fail;
    snprintf(dir, sizeof dir, "%s/files/%.2s", web.data_dir, u->hex);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        goto fail;
    snprintf(path, sizeof path, "%s/%s", dir, u->hex);
    if (fsync(u->fd) != 0)
        goto fail;
    struct stat sb;
    if (stat(path, &sb) == 0 && sb.st_size == u->size) {
        unlink(u->tmp_path); /* the same content is already stored */
    } else if (rename(u->tmp_path, path) != 0) {
        goto fail;
    } else {
        sync_dir(dir);
    }
    u->tmp_path = NULL;
    u->rc = store_write_sync(web.store, attach_write, u);
    return;
fail:
    log_error("upload: cannot store %s: %s", u->hex, strerror(errno));
}

/* What begin and the stream decided, the file's type by its content; refused beside the form. */
static enum result upload_load(struct web_act *x)
{
    struct upload *u = x->state;
    const char *key = NULL;
    x->error = "submit_upload_refused";
    if (u->deny) {
        x->status = u->deny;
        key = u->deny_key;
    } else if (multipart_finish(u->mp) != MULTIPART_OK) {
        x->status = 400;
        key = "err_bad_request";
    } else if (!u->file_done) {
        key = "submit_err_no_file";
    } else if (!(u->mime = sniff(u))) {
        x->status = 415;
        key = "submit_err_file_type";
    }
    if (key)
        return web_refuse_field(x, "file", key);
    x->error = NULL;
    x->next = arena_printf(&x->r->arena, "/submit/%lld?done=uploaded#attachments",
                           (long long)u->case_id);
    return RC_OK;
}

static enum result upload_work(void *state)
{
    struct upload *u = state;
    upload_store(u);
    return (enum result)u->rc;
}

/* The store found the case changed or full meanwhile. */
static const struct web_refusal upload_refusals[] = {
    {RC_NOTFOUND, 409, "submit_err_changed", NULL},
    {SUBMISSIONS_FULL, 413, "submit_err_case_full", NULL},
    {RC_OK},
};

const struct web_action act_submit_upload = {
    .state_size = sizeof(struct upload),
    .begin = upload_begin,
    .load = upload_load,
    .work = upload_work,
    .page = page_submit_edit,
    .refusals = upload_refusals,
};
