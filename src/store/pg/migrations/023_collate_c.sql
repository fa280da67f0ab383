-- 023_collate_c.sql — PostgreSQL's first migration: the schema's version
-- recorded, and every text column compared and ordered by its bytes.
--
-- SQLite compares text by its bytes (BINARY), so its lists ordered by a
-- name (regions, tags, users, tiers) go by code point.  A PostgreSQL
-- database made with a locale (en_US.UTF-8, an ICU zh-CN) ordered them by
-- that locale's rules instead (case and punctuation set aside, Chinese by
-- pinyin), so the same data listed in another order on each database.  A
-- column's collation decides its comparisons, over the database's: each
-- text column becomes COLLATE "C", as schema.sql now makes them.  The type
-- stays text, so no table is rewritten; the indexes over these columns are
-- rebuilt.  SQLite has no 023: it orders so already.
--
-- A column a trigger names (its UPDATE OF list or its WHEN) or a generated
-- column reads cannot change its type under them, so those three triggers
-- and vote.at_s (with its index) are made again after, as schema.sql makes
-- them: vote is rewritten once, to store at_s anew; a column's storage
-- returns to its type's on a change of type, so case_text's is set again.

CREATE TABLE schema_version (
    one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
    version BIGINT NOT NULL
);
INSERT INTO schema_version (version) VALUES (22); -- the runner records 23 after this file

DROP TRIGGER article_default_slug ON article;
DROP TRIGGER outbox_erase ON outbox;
DROP TRIGGER case_section_md_changed ON case_section;
ALTER TABLE vote DROP COLUMN at_s; -- and its index, vote_scan

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT c.table_name,
               string_agg(format('ALTER COLUMN %I TYPE text COLLATE "C"', c.column_name), ', '
                          ORDER BY c.ordinal_position) AS alters
        FROM information_schema.columns c
        JOIN information_schema.tables b
          ON b.table_schema = c.table_schema AND b.table_name = c.table_name
        WHERE c.table_schema = current_schema() AND b.table_type = 'BASE TABLE'
          AND c.data_type = 'text' AND coalesce(c.collation_name, '') <> 'C'
        GROUP BY c.table_name
    LOOP
        EXECUTE format('ALTER TABLE %I %s', t.table_name, t.alters);
    END LOOP;
END $$;

CREATE TRIGGER article_default_slug BEFORE INSERT ON article
    FOR EACH ROW WHEN (NEW.slug IS NULL) EXECUTE FUNCTION article_default_slug();
CREATE TRIGGER outbox_erase BEFORE UPDATE OF sent_at ON outbox
    FOR EACH ROW WHEN (NEW.sent_at IS NOT NULL AND NEW.to_mask IS NOT NULL)
    EXECUTE FUNCTION outbox_erase();
CREATE TRIGGER case_section_md_changed BEFORE UPDATE OF body_md ON case_section
    FOR EACH ROW WHEN (NEW.body_html IS NOT NULL) EXECUTE FUNCTION case_section_md_changed();

ALTER TABLE vote ADD COLUMN at_s BIGINT GENERATED ALWAYS AS (
    extract(epoch FROM make_timestamp(substr(at, 1, 4)::int, substr(at, 6, 2)::int,
                                      substr(at, 9, 2)::int, substr(at, 12, 2)::int,
                                      substr(at, 15, 2)::int, substr(at, 18, 2)::int))::bigint
) STORED;
CREATE INDEX vote_scan ON vote (stage_id, valid, at_s, id) INCLUDE (case_id, voter_id, net);

ALTER TABLE case_text ALTER COLUMN trigram_text SET STORAGE EXTERNAL;
