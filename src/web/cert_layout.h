/*
 * cert_layout.h — the organiser's certificate layout page, under a campaign
 * (/admin/campaigns/{id}/certificate): the wording and the boxes (a form),
 * the background and the seal (two uploads), and a preview of a
 * certificate in the saved layout (PNG or PDF).
 */
#ifndef LAUREL_WEB_CERT_LAYOUT_H
#define LAUREL_WEB_CERT_LAYOUT_H

#include <stdint.h>

#include "view/cert_pdf.h"
#include "web/action.h"
#include "web/web.h"

enum web_err page_cert_layout(struct req *r, const struct web_input *in, struct page *p);
void raw_cert_preview(struct req *r, struct resp *w);
extern const struct web_action act_cert_layout_save;
extern const struct web_action act_cert_background;
extern const struct web_action act_cert_seal;

/*
 * The campaign's saved certificate layout, ready to draw with cert_pdf or
 * cert_png (the caller frees it with cert_style_free); NULL on a fault.
 */
struct cert_style *certs_style(int64_t campaign);

#endif
