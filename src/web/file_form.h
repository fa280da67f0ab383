/*
 * file_form.h — a multipart form that carries one file, taken into memory.
 *
 * The uploads that are actions of their own — a news image (news_image.c),
 * an objection's attachment (notice_upload.c), a certificate's background
 * or seal (cert_layout.c) — read their body the same way: the action's
 * begin raises the body's limit to the file's plus FILE_FORM_SLACK before
 * anything is read (a larger body is 413); the file's bytes go into memory
 * up to that limit; a second file is 400; every other part is kept as a
 * form value (web_form_keep), so that the CSRF check and the declared
 * fields read them as from any form.  What the bytes are is the caller's
 * to decide, once the body is in; then the file is kept content-addressed
 * like every stored file (files.c serves them).  (Case attachments stream to disk
 * instead: upload.c.)
 */
#ifndef LAUREL_WEB_FILE_FORM_H
#define LAUREL_WEB_FILE_FORM_H

#include <sodium.h>
#include <stddef.h>

#include "http/multipart.h"
#include "web/action.h"

#define FILE_FORM_SLACK (64u << 10) /* the form's other fields and the multipart framing */
#define FILE_FORM_VALUE_MAX 8192    /* bytes of one field */
#define FILE_FORM_NAME_MAX 80       /* characters of the file's name kept */

struct file_form {
    struct req *r;
    struct multipart *mp; /* NULL: the body is not multipart (it is read as a form) */
    size_t limit;         /* the file's bytes at most */
    const char *fallback; /* the name of a file whose own name cleans to nothing */
    int status;           /* the HTTP status that stopped the body while streaming, or 0 */
    int part;
    char *value_name;
    char value[FILE_FORM_VALUE_MAX];
    size_t value_len;
    int files, file_done;
    unsigned char *data; /* the file's bytes (malloc'd, freed with the request) */
    size_t len;
    char *name; /* its name without folders or control characters (arena) */
};

/*
 * In an action's begin: a multipart body of r streams into f, its file
 * limited to limit bytes; any other body is left to be read as a form
 * (f->mp stays NULL).  0, or an HTTP status to refuse the request at once.
 */
int file_form_begin(struct req *r, struct file_form *f, size_t limit, const char *fallback);
/* Once the body is in: 0 when its multipart framing was whole, else -1. */
int file_form_finish(struct file_form *f);

#define FILE_FORM_HEX (2 * crypto_hash_sha256_BYTES + 1)
/* The file's SHA-256 in lower-case hex. */
void file_form_digest(const struct file_form *f, char hex[FILE_FORM_HEX]);
/*
 * On the worker pool: the file under data_dir/files/<first 2 hex>/<hex>,
 * synced with its folder, as every stored file is kept (the same bytes
 * once).  0, or -1 with errno set.
 */
int file_form_store(const struct file_form *f, const char *data_dir, const char *hex);

#endif
