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
 * section could not be rendered (left to readers, as Markdown).
 */
int section_html_fill(struct db_conn *c);

/*
 * For the SQLite store's own handles until sqlite.c calls section_html_fill
 * on its driver connections: the same on a handle (at open, and bulk.c's
 * load); and a registration of nothing (readers and writers render in C,
 * no SQL function is needed), which goes with sqlite.c's call of it.
 */
struct sqlite3;
int section_html_fill_all(struct sqlite3 *db);
int section_html_register(struct sqlite3 *db);

#endif
