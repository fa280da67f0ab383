-- 026_page_pass.sql — every kept case page rendered again aside, not in the
-- write that asked for it.
--
-- A new build (its renderer's version), a publication or a correction (the
-- pools of related cases rebuilt), a public campaign changed: each asked
-- for every case page to be rendered again, and the writer did it in one
-- transaction, holding every write and, at a start, the listening socket:
-- at 1,000,000 cases a new binary did not answer for more than eleven
-- minutes.  Now such a write only records a pass here, and the writer
-- renders the pages in id order, a slice a batch, between the other writes
-- (store/prerender.c).  A case page's row is served only when no pass is
-- under way or the pass has reached it (store_page_html reads this row in
-- the same snapshot as the page's): the others are assembled at their visit,
-- as on PostgreSQL, so no page is ever older than its data or its build.
--
-- One row while a pass is under way: upto, the last case id it has rendered
-- (0 at its start).
--
-- SQLite only: PostgreSQL keeps no rendered pages (page_html), so no pass.
CREATE TABLE IF NOT EXISTS page_pass (
    only INTEGER PRIMARY KEY CHECK (only = 1),
    upto INTEGER NOT NULL
);
