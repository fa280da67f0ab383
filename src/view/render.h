/*
 * render.h — turning a page's model into HTML through the shared layout.
 *
 * render_init() parses every embedded template (templates/NAME.html) once.  render_page()
 * renders one page template with the model, then the layout around it; both
 * see the model plus `t` (the message catalog of the request's language) and
 * `site` (language, links to the other language, the current path).
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
 * Render template `name` (without ".html") inside the layout, with `title`
 * in <title>.  `other_url` is this page in the other language.  Returns 0
 * or -1.
 */
int render_page(const char *name, json_t *model, enum lang lang, const char *other_url,
                const char *title, struct buf *out);

#endif
