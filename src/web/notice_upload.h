/*
 * notice_upload.h — the optional attachment of an objection (notice.c):
 * one file, PDF, PNG or JPEG by its bytes, at most OBJECTION_FILE_MAX,
 * streamed from a multipart form into memory, stored content-addressed
 * under <data>/files/<2 hex>/<sha256> as other uploads are, and served to
 * the organiser only.
 */
#ifndef LAUREL_WEB_NOTICE_UPLOAD_H
#define LAUREL_WEB_NOTICE_UPLOAD_H

#include <stddef.h>

#include "web/action.h"
#include "web/file_form.h"
#include "web/web.h"

#define OBJECTION_FILE_MAX (5u << 20)

struct objection_upload {
    struct file_form f; /* f.mp NULL: the form came urlencoded, without a file */
    const char *mime;
    char hex[FILE_FORM_HEX];
};

/* The action's begin: a multipart body streams through the sink; any other is read as a form. */
int objection_upload_begin(struct web_act *x, struct objection_upload *u);
/*
 * After the body: RC_OK with u->len 0 (no file) or the file typed and
 * digested; else the refusal (x->status 413 / 415 / 400, the message
 * beside the field "file").
 */
enum result objection_upload_check(struct web_act *x, struct objection_upload *u);
/* On the worker pool: the file under its digest, durable.  0 or -1 (logged). */
int objection_upload_store(const struct objection_upload *u);

/* GET /admin/stages/{id}/objections/{oid}/file (ROLE_ORGANISER): the attachment. */
void raw_objection_file(struct req *r, struct resp *w);

#endif
