/*
 * xlsx_reply.h — a generated spreadsheet sent back as a download: the
 * workbook is built on the worker pool in a private temporary file, read
 * into memory and deleted (xlsx_build), then the server thread puts the
 * bytes in the response (xlsx_body) and names the attachment
 * (xlsx_attach).  Used by the campaign export (export.c) and the stage
 * exports (ranking.c).
 */
#ifndef LAUREL_WEB_XLSX_REPLY_H
#define LAUREL_WEB_XLSX_REPLY_H

#include <stddef.h>
#include <xlsxwriter.h>

#include "web/web.h"

/* Writes the sheets of workbook wb; bold is a bold format for header rows. */
typedef void xlsx_fill_fn(lxw_workbook *wb, lxw_format *bold, void *ctx);

/*
 * On the worker pool: write a workbook with fill(wb, bold, ctx) into a
 * fresh private folder (0700) <data>/tmp/<tag>-XXXXXX, read it back and
 * delete the file and the folder.  Returns the bytes (malloc'd: the caller
 * owns and frees them) with their length in *len, or NULL; failures are
 * logged as "<what>: ...".
 */
char *xlsx_build(const char *what, const char *tag, xlsx_fill_fn *fill, void *ctx, size_t *len);

/*
 * On the server thread, in a web_work `then` callback: move *data (len
 * bytes, from xlsx_build; freed here and set to NULL) into the response
 * body.  Returns 0 when the body is in place (name it with xlsx_attach), or
 * -1 after sending the error page: WEB_UNAVAILABLE when the job did not run
 * (rc is not RC_OK), WEB_INTERNAL when there are no bytes or no memory.
 */
int xlsx_body(struct req *r, struct resp *w, int rc, char **data, size_t len);

/*
 * The headers of a workbook reply and status 200: the attachment's plain
 * file name ascii_name and its UTF-8 name utf8_name (RFC 6266 / RFC 5987),
 * Cache-Control: no-store, and the XLSX media type.
 */
void xlsx_attach(struct req *r, struct resp *w, const char *ascii_name, const char *utf8_name);

#endif
