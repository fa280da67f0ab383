/*
 * section_html.c — each case section's HTML, rendered when it is written.
 *
 * Migration 011 (and src/store/pg/schema.sql) keeps case_section.body_html
 * beside body_md, NULL while not rendered (a trigger sets it back to NULL
 * whenever body_md changes).  A write renders what is NULL in its own
 * transaction, so a published page never waits for it: on SQLite's store
 * the writer after a write that wrote sections (changes_end), after a bulk
 * load and when the store opens (a database from before 011, or rows
 * written by another program); on a store over one connection
 * (store_over), every write.  The Markdown is rendered here, in C
 * (domain/markdown.h); readers never render.
 *
 * Written over the driver (db.h): the same on SQLite and PostgreSQL.  The
 * sections not rendered are read by pages of FILL_PAGE (PostgreSQL's
 * driver holds a run's rows), through the index of those alone
 * (case_section_unrendered); a page starts at the case where the last
 * ended, and the sections of that case already met are passed over in C.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "domain/markdown.h"
#include "store/section_html.h"
#include "store/store_int.h"

#define FILL_PAGE 256

static const char unrendered_sql[] =
    "SELECT case_id, seq, body_md FROM case_section WHERE body_html IS NULL AND case_id >= ?1 "
    "ORDER BY case_id, seq LIMIT ?2";
static const char rendered_sql[] =
    "UPDATE case_section SET body_html = ?3 WHERE case_id = ?1 AND seq = ?2";

struct section {
    int64_t case_id, seq;
    char *md;
    size_t len;
};

int section_html_fill(struct db_conn *c)
{
    struct section *page = malloc(FILL_PAGE * sizeof *page);
    int64_t last_case = 0, last_seq = 0;
    int rc = page ? 0 : -1;
    for (size_t n = FILL_PAGE; rc == 0 && n == FILL_PAGE;) {
        struct db_stmt *s = db_stmt(c, unrendered_sql);
        if (!s) {
            rc = -1;
            break;
        }
        db_bind_int64(s, 1, last_case);
        db_bind_int64(s, 2, FILL_PAGE);
        size_t fresh = 0;
        int step;
        for (n = 0; (step = db_step(s)) == DB_ROW; n++) {
            struct section *x = &page[fresh];
            x->case_id = db_column_int64(s, 0);
            x->seq = db_column_int64(s, 1);
            /* Met on the page before, and not rendered then. */
            if (x->case_id == last_case && x->seq <= last_seq)
                continue;
            x->len = db_column_bytes(s, 2);
            if (!(x->md = malloc(x->len + 1))) {
                rc = -1;
                break;
            }
            memcpy(x->md, db_text(s, 2), x->len + 1);
            fresh++;
        }
        db_reset(s);
        if (step == DB_ERROR)
            rc = -1;
        for (size_t i = 0; i < fresh; i++) {
            char *html = rc == 0 ? markdown_to_html(page[i].md, page[i].len) : NULL;
            struct db_stmt *u = html ? db_stmt(c, rendered_sql) : NULL;
            if (u) {
                db_bind_int64(u, 1, page[i].case_id);
                db_bind_int64(u, 2, page[i].seq);
                db_bind_text(u, 3, html, -1);
            }
            if (rc == 0 && db_run(u) != RC_OK)
                rc = -1; /* out of memory, or the write failed */
            free(html);
            free(page[i].md);
            last_case = page[i].case_id;
            last_seq = page[i].seq;
        }
        if (fresh == 0)
            break; /* a page of sections met before only */
    }
    free(page);
    if (rc != 0)
        log_error("store: case sections not rendered (left to readers): %s", db_errmsg(c));
    return rc;
}

int section_html_fill_all(struct sqlite3 *db)
{
    struct db_conn *c = db_sqlite_adopt(db);
    int rc = c ? section_html_fill(c) : -1;
    db_close(c);
    return rc;
}

int section_html_register(struct sqlite3 *db)
{
    (void)db;
    return 0;
}
