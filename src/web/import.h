/*
 * import.h — the organiser's bulk files: CSV import of units, users and
 * cases (import.c) and the spreadsheet export of a campaign's submissions
 * (export.c).  routes.c lists them.
 */
#ifndef LAUREL_WEB_IMPORT_H
#define LAUREL_WEB_IMPORT_H

#include "web/web.h"

/* The largest CSV file an import accepts, in bytes (larger: 413). */
#define IMPORT_MAX_BYTES (5u * 1024u * 1024u)

/* GET /admin/import: the three upload forms and their columns. */
enum web_err page_import(struct req *r, const struct web_input *in, struct page *p);
/* GET /admin/import/sample/{kind}.csv: a sample file to fill in. */
void raw_import_sample(struct req *r, struct resp *w);
/*
 * POST /admin/import/{kind} (multipart/form-data: csrf, file): a declared
 * action whose begin installs the body sink that collects the file part (up
 * to IMPORT_MAX_BYTES) and keeps the csrf field as a form value; its answer
 * is the result page (200, or 422 with the lines refused, or 409).
 */
extern const struct web_action act_import;

/* GET /admin/export.xlsx?region=CODE: the current campaign's submissions. */
void raw_export_xlsx(struct req *r, struct resp *w);

#endif
