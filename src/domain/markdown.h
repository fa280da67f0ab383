/*
 * markdown.h — Markdown to HTML that is safe to print raw.
 *
 * Case bodies and news are written in Markdown (CommonMark).  Rendering goes
 * through cmark in its safe mode: raw HTML is replaced by a comment and
 * links or images with javascript:, vbscript:, file: or data: (other than
 * images) URLs are dropped, so the result may be printed unescaped.
 */
#ifndef LAUREL_MARKDOWN_H
#define LAUREL_MARKDOWN_H

#include <stddef.h>

/* Render md[0..len) (UTF-8); returns a malloc'd NUL-terminated string or NULL. */
char *markdown_to_html(const char *md, size_t len);

/* Plain text of the first `chars` characters of md's prose, for excerpts; malloc'd. */
char *markdown_excerpt(const char *md, size_t len, size_t chars);

#endif
