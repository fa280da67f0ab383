/*
 * certs.h — certificates (荣誉证书) on the site: the organiser makes a
 * campaign's certificates in the background (one PDF of all, and a ZIP of
 * one PDF each) with progress on /admin/results; an awarded unit downloads
 * its own from /me/certificates; anyone checks one at /verify/{code}.
 */
#ifndef LAUREL_WEB_CERTS_H
#define LAUREL_WEB_CERTS_H

#include <jansson.h>

#include "web/action.h"
#include "web/web.h"

enum web_err page_verify(struct req *r, const struct web_input *in, struct page *p);
enum web_err page_my_certs(struct req *r, const struct web_input *in, struct page *p);
void raw_my_cert(struct req *r, struct resp *w);
void raw_certs_file(struct req *r, struct resp *w);
extern const struct web_action act_certs_make;

/* Stop a running batch at its next certificate (at shutdown): its files are not kept. */
void certs_cancel(void);

/* The batch's state for the organiser's page: {state, done, total, seconds, pdf, zip}. */
json_t *certs_batch_model(void);

#endif
