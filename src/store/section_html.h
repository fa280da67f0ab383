/*
 * section_html.h — each case section's HTML rendered when it is written
 * (section_html.c), over the driver: on SQLite and on PostgreSQL.
 */
#ifndef LAUREL_SECTION_HTML_H
#define LAUREL_SECTION_HTML_H

struct db_conn;

/*
 * Render every case section of c not rendered yet (body_html NULL), in the
 * caller's transaction: 0, or -1 (logged) when a read or write failed or a
 * section could not be rendered (left to readers, as Markdown).  They are
 * found through their index; with whole set, in one pass of the primary
 * key instead (a bulk load, before its indexes are made).
 */
int section_html_fill(struct db_conn *c, int whole);

#endif
