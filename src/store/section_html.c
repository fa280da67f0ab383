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
 * ended.  A section that cannot be rendered (out of memory) ends the fill:
 * it and the rest are left to readers, as Markdown.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "domain/markdown.h"
#include "store/section_html.h"
#include "store/store_int.h"

#define FILL_PAGE 256

/*
 * The sections not rendered: through their index, from its start, in its
 * order (a write's few; a range or an ORDER BY of case_id has SQLite weigh
 * the primary key, and PRAGMA optimize then ANALYZE every section at
 * close); or along the primary key from the case where the last page
 * ended (a bulk load, whose indexes are made after it: a page from the
 * start would walk every section rendered before it).
 */
static const char unrendered_sql[] =
    "SELECT case_id, seq, body_md FROM case_section WHERE body_html IS NULL LIMIT ?1";
static const char unrendered_from_sql[] =
    "SELECT case_id, seq, body_md FROM case_section WHERE body_html IS NULL AND case_id >= ?2 "
    "ORDER BY case_id LIMIT ?1";
static const char rendered_sql[] =
    "UPDATE case_section SET body_html = ?3 WHERE case_id = ?1 AND seq = ?2";

struct section {
    int64_t case_id, seq;
    char *md;
    size_t len;
};

/* Render page[0..n) and write each back (their Markdown freed); 0 or -1. */
static int render(struct db_conn *c, struct section *page, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
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
    }
    return rc;
}

int section_html_fill(struct db_conn *c, int whole)
{
    struct section *page = malloc(FILL_PAGE * sizeof *page);
    int64_t from = 0;
    int rc = page ? 0 : -1;
    /* A page rendered leaves the index (its sections rendered are passed over by
     * body_html IS NULL when the next page starts at the case it ended in). */
    for (size_t n = FILL_PAGE; rc == 0 && n == FILL_PAGE;) {
        struct db_stmt *s = db_stmt(c, whole ? unrendered_from_sql : unrendered_sql);
        if (!s) {
            rc = -1;
            break;
        }
        db_bind_int64(s, 1, FILL_PAGE);
        if (whole)
            db_bind_int64(s, 2, from);
        int step;
        for (n = 0; (step = db_step(s)) == DB_ROW; n++) {
            struct section *x = &page[n];
            x->case_id = from = db_column_int64(s, 0);
            x->seq = db_column_int64(s, 1);
            x->len = db_column_bytes(s, 2);
            if (!(x->md = malloc(x->len + 1))) {
                rc = -1;
                break;
            }
            memcpy(x->md, db_text(s, 2), x->len + 1);
        }
        db_reset(s);
        if (step == DB_ERROR)
            rc = -1;
        if (render(c, page, n) != 0)
            rc = -1;
    }
    free(page);
    if (rc != 0)
        log_error("store: case sections not rendered (left to readers): %s", db_errmsg(c));
    return rc;
}
