/*
 * render.h — turning a page's model into HTML through the shared layout.
 *
 * render_init() parses every embedded template (templates/NAME.html) once.  render_page()
 * renders one page template with the model, then the layout around it; both
 * see the model plus `t` (the message catalog of the request's language) and
 * `site` (built by the caller).  A visitor's layout (a site without a user)
 * is put together from pieces rendered once per language: the same bytes.
 */
#ifndef LAUREL_RENDER_H
#define LAUREL_RENDER_H

#include <jansson.h>

#include "core/buf.h"
#include "view/i18n.h"

/* 0, or -1 with a message (a template that does not parse stops the start). */
int render_init(char *err, size_t errlen);
void render_free(void);

/*
 * Render template `name` (without ".html") inside the layout.  `site` (borrowed)
 * is what the layout needs beside the model: title, language links, the
 * signed-in user, the CSRF token.  Returns 0 or -1.
 */
int render_page(const char *name, json_t *model, enum lang lang, json_t *site, struct buf *out);

/*
 * Render template `name` alone, without the layout (a page's content kept
 * for later, a block put into it), appending to out.  As render_page
 * otherwise; `site` may be NULL.  Returns 0 or -1.
 */
int render_fragment(const char *name, json_t *model, enum lang lang, json_t *site,
                    struct buf *out);

/*
 * The layout around content (len bytes of HTML rendered before), appending
 * to out: what render_page gives when its template renders to content.
 */
int render_layout(const char *content, size_t len, enum lang lang, json_t *site,
                  struct buf *out);
/*
 * How many pieces a visitor's layout in lang is kept in (render.c): 0 until a
 * visitor's page in lang was rendered.  For tests.
 */
size_t render_layout_pieces(enum lang lang);

#endif
