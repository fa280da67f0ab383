/*
 * template.h — Laurel's logic-less, mustache-style template engine.
 *
 * Templates are parsed once at start into a tpl_set and rendered many times
 * against a jansson model (json_t).  The language:
 *
 *   {{name}}  {{a.b.c}}  {{.}}   value, HTML-escaped (& < > " ')
 *   {{{x_html}}}  {{& x_html}}   raw output; allowed only for names whose
 *                                last segment ends in "_html" (HTML that the
 *                                server sanitised); any other raw tag is a
 *                                parse error, so escaping cannot be forgotten
 *   {{#name}}...{{/name}}        section: skipped when the value is missing,
 *                                null, false, 0, "" or an empty array; run
 *                                once per element of an array; otherwise run
 *                                once with the value pushed on the context
 *   {{^name}}...{{/name}}        inverted section: run only when falsy
 *   {{>partial}}                 another template of the set, same context
 *   {{! comment }}               nothing
 *
 * Names resolve against the context stack, innermost first, by their first
 * segment; later segments descend into objects.  Strings print as they are
 * (escaped), integers in decimal, reals with %g, true as "true", null and
 * false as nothing.  A line holding only a section, inverted, closing,
 * partial or comment tag and white space is dropped whole (mustache's
 * "standalone" rule), so templates can be indented for people.
 */
#ifndef LAUREL_TEMPLATE_H
#define LAUREL_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>

#include "core/buf.h"

struct tpl_set;

/* A new, empty set.  Owned by the caller; free with tpl_set_free. */
struct tpl_set *tpl_set_new(void);
void tpl_set_free(struct tpl_set *set);

/*
 * Parse `src` (len bytes, need not be NUL-terminated) and add it under
 * `name` (copied).  Returns 0, or -1 with "name:line: reason" written to
 * err (errlen bytes at most) on a syntax error: unclosed or mismatched
 * section, unterminated tag, empty name, raw output of a non-_html name,
 * nesting deeper than 64, or a duplicate name.
 */
int tpl_set_add(struct tpl_set *set, const char *name, const char *src, size_t len, char *err,
                size_t errlen);

/*
 * Check that every partial named by the set's templates exists.  Call once
 * after the last tpl_set_add.  Returns 0, or -1 with a message in err.
 */
int tpl_set_link(struct tpl_set *set, char *err, size_t errlen);

/* 1 if the set holds a template called name. */
int tpl_set_has(const struct tpl_set *set, const char *name);

/*
 * Render template `name` with `model` as the outermost context, appending
 * to out.  Returns 0, or -1 if there is no such template, partials nest
 * deeper than 32, or out ran out of room (out->oom).  Thread-safe: a set
 * is read-only after tpl_set_link.
 */
int tpl_render(const struct tpl_set *set, const char *name, json_t *model, struct buf *out);

#endif
