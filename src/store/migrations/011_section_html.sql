-- 011_section_html.sql — each case section's HTML kept beside its Markdown.
--
-- A case page shows every section as HTML; rendering the Markdown on every
-- visit cost about a tenth of a page.  The writer renders a section when it
-- is written (store/section_html.c, in the write's own transaction), so a
-- page reads body_html by key.  A NULL body_html means "not rendered yet":
-- a reader renders it itself, the writer fills it at its next write of that
-- case and at start.  Any change of body_md, whoever makes it (laurel, the
-- sqlite3 shell, a test), turns body_html back to NULL here, so the HTML
-- can never be older than its Markdown.
ALTER TABLE case_section ADD COLUMN body_html TEXT;

CREATE TRIGGER case_section_md_changed AFTER UPDATE OF body_md ON case_section
WHEN NEW.body_html IS NOT NULL
BEGIN
    UPDATE case_section SET body_html = NULL WHERE case_id = NEW.case_id AND seq = NEW.seq;
END;

-- The sections still to render: empty once the writer has caught up.
CREATE INDEX case_section_unrendered ON case_section (case_id) WHERE body_html IS NULL;
