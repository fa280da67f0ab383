/*
 * section_html.c — each case section's HTML, rendered when it is written.
 *
 * Migration 011 keeps case_section.body_html beside body_md, NULL while not
 * rendered (a trigger sets it back to NULL whenever body_md changes).  The
 * writer renders what is NULL: for the cases a write changed, in that
 * write's transaction (changes_end), so a published page never waits for
 * it; for the whole table after a bulk load and when the store opens (a
 * database from before 011, or rows written by another program).  The SQL
 * function markdown_html(md) does the rendering (domain/markdown.h), and is
 * registered on every connection the store opens; readers never call it.
 */
#include <stdlib.h>

#include "core/log.h"
#include "domain/markdown.h"
#include "store/sqlite_int.h"

static void markdown_html_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const unsigned char *md = sqlite3_value_text(argv[0]);
    if (!md) {
        sqlite3_result_null(ctx);
        return;
    }
    char *html = markdown_to_html((const char *)md, (size_t)sqlite3_value_bytes(argv[0]));
    if (!html) {
        /* Not an error: that could roll the whole write back; NULL leaves it to readers. */
        sqlite3_result_null(ctx);
        return;
    }
    sqlite3_result_text(ctx, html, -1, free);
}

int section_html_register(sqlite3 *db)
{
    return sqlite3_create_function(db, "markdown_html", 1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, NULL,
                                   markdown_html_fn, NULL, NULL) == SQLITE_OK
               ? 0
               : -1;
}

int section_html_fill_case(sqlite3 *db, int64_t case_id)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v3(db,
                           "UPDATE case_section SET body_html = markdown_html(body_md) "
                           "WHERE case_id = ?1 AND body_html IS NULL",
                           -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(s, 1, case_id);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

int section_html_fill_all(sqlite3 *db)
{
    if (sqlite3_exec(db,
                     "UPDATE case_section SET body_html = markdown_html(body_md) "
                     "WHERE body_html IS NULL",
                     NULL, NULL, NULL) != SQLITE_OK) {
        log_error("store: cannot render case sections: %s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}
