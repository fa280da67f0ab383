-- 016_page_html.sql — public pages rendered when their data is written.
--
-- A case page and the results page were assembled on every visit from about
-- ten queries and a template.  Their content (everything but the layout, the
-- view count, the vote block) now lives here, rendered by the writer in the
-- transaction of the write that changed it (store/prerender.c), and a visit
-- reads one row by key.  Written to run again harmlessly (IF NOT EXISTS; the
-- marks at the end only render every page once more), as a test that rewinds
-- user_version past it does.
--
-- page_html: one row per page and interface language; id = page * 8 + lang,
-- page the case id, or 0 for the results page.  vote_at is the byte offset
-- in html where the request puts the vote block (0 for results).
CREATE TABLE IF NOT EXISTS page_html (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    html TEXT NOT NULL,
    vote_at INTEGER NOT NULL
);

-- The templates and catalogs the rows were rendered with (one row): rows of
-- another version are rendered again when the server starts.
CREATE TABLE IF NOT EXISTS page_html_version (
    only INTEGER PRIMARY KEY CHECK (only = 1),
    version TEXT NOT NULL
);

-- The pages to render again before the write commits: case ids, 0 for the
-- results page, -1 for every case page of the public campaign.  Filled by
-- the triggers below whoever writes (laurel, a command, the sqlite3 shell),
-- emptied by the writer; rows left by a program without the renderer are
-- rendered when the server starts.  A page may be marked more than once (no
-- key: a trigger's INSERT OR IGNORE would take the conflict policy of the
-- statement that fired it).
CREATE TABLE IF NOT EXISTS page_dirty (page INTEGER NOT NULL);

-- What a rendered case page names of other cases (its related cases), so
-- that a change of their title or region renders it again.  Previous and
-- next are found by id, below.  The columns in the key's order: SQLite 3.40's
-- quick_check reports NULLs in a WITHOUT ROWID table declared otherwise.
CREATE TABLE IF NOT EXISTS page_ref (
    ref_id INTEGER NOT NULL,
    case_id INTEGER NOT NULL,
    PRIMARY KEY (ref_id, case_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS page_ref_case ON page_ref(case_id);

-- A case's own row: its page; when what other pages show of it changes
-- (title, region, publication, campaign), its published neighbours by id
-- (their previous / next), the pages listing it as related, and the results
-- page if it is or was awarded (or corrected: its list of corrections names it).
CREATE TRIGGER IF NOT EXISTS page_case_new AFTER INSERT ON "case"
WHEN NEW.published_at IS NOT NULL
BEGIN
    INSERT INTO page_dirty VALUES (NEW.id);
    INSERT INTO page_dirty SELECT id FROM "case"
        WHERE campaign_id = NEW.campaign_id AND id < NEW.id AND published_at IS NOT NULL
        ORDER BY id DESC LIMIT 1;
    INSERT INTO page_dirty SELECT id FROM "case"
        WHERE campaign_id = NEW.campaign_id AND id > NEW.id AND published_at IS NOT NULL
        ORDER BY id LIMIT 1;
    INSERT INTO page_dirty SELECT 0 WHERE NEW.tier_id IS NOT NULL;
END;

CREATE TRIGGER IF NOT EXISTS page_case_changed AFTER UPDATE OF campaign_id, unit_id, region_code, track_id,
    tier_id, title, summary, submitted_at, published_at ON "case"
WHEN OLD.published_at IS NOT NULL OR NEW.published_at IS NOT NULL
BEGIN
    INSERT INTO page_dirty VALUES (NEW.id);
    INSERT INTO page_dirty SELECT 0
        WHERE OLD.tier_id IS NOT NULL OR NEW.tier_id IS NOT NULL
        OR EXISTS (SELECT 1 FROM correction WHERE case_id = NEW.id);
END;

CREATE TRIGGER IF NOT EXISTS page_case_shown AFTER UPDATE OF campaign_id, region_code, title, published_at
    ON "case"
WHEN (OLD.published_at IS NOT NULL OR NEW.published_at IS NOT NULL)
    AND (OLD.campaign_id IS NOT NEW.campaign_id OR OLD.region_code IS NOT NEW.region_code
         OR OLD.title IS NOT NEW.title OR OLD.published_at IS NOT NEW.published_at)
BEGIN
    INSERT INTO page_dirty SELECT case_id FROM page_ref WHERE ref_id = NEW.id;
    INSERT INTO page_dirty SELECT id FROM "case"
        WHERE campaign_id = OLD.campaign_id AND id < NEW.id AND published_at IS NOT NULL
        ORDER BY id DESC LIMIT 1;
    INSERT INTO page_dirty SELECT id FROM "case"
        WHERE campaign_id = OLD.campaign_id AND id > NEW.id AND published_at IS NOT NULL
        ORDER BY id LIMIT 1;
    INSERT INTO page_dirty SELECT id FROM "case"
        WHERE campaign_id = NEW.campaign_id AND id < NEW.id AND published_at IS NOT NULL
        ORDER BY id DESC LIMIT 1;
    INSERT INTO page_dirty SELECT id FROM "case"
        WHERE campaign_id = NEW.campaign_id AND id > NEW.id AND published_at IS NOT NULL
        ORDER BY id LIMIT 1;
END;

CREATE TRIGGER IF NOT EXISTS page_case_gone AFTER DELETE ON "case"
WHEN OLD.published_at IS NOT NULL
BEGIN
    INSERT INTO page_dirty VALUES (OLD.id);
    INSERT INTO page_dirty SELECT case_id FROM page_ref WHERE ref_id = OLD.id;
    INSERT INTO page_dirty SELECT id FROM "case"
        WHERE campaign_id = OLD.campaign_id AND id < OLD.id AND published_at IS NOT NULL
        ORDER BY id DESC LIMIT 1;
    INSERT INTO page_dirty SELECT id FROM "case"
        WHERE campaign_id = OLD.campaign_id AND id > OLD.id AND published_at IS NOT NULL
        ORDER BY id LIMIT 1;
    INSERT INTO page_dirty SELECT 0 WHERE OLD.tier_id IS NOT NULL;
END;

-- Rows hanging from one case: that case's page.
CREATE TRIGGER IF NOT EXISTS page_section_new AFTER INSERT ON case_section
BEGIN INSERT INTO page_dirty VALUES (NEW.case_id); END;
CREATE TRIGGER IF NOT EXISTS page_section_changed AFTER UPDATE ON case_section
BEGIN
    INSERT INTO page_dirty VALUES (OLD.case_id);
    INSERT INTO page_dirty VALUES (NEW.case_id);
END;
CREATE TRIGGER IF NOT EXISTS page_section_gone AFTER DELETE ON case_section
BEGIN INSERT INTO page_dirty VALUES (OLD.case_id); END;
CREATE TRIGGER IF NOT EXISTS page_tag_new AFTER INSERT ON case_tag
BEGIN INSERT INTO page_dirty VALUES (NEW.case_id); END;
CREATE TRIGGER IF NOT EXISTS page_tag_gone AFTER DELETE ON case_tag
BEGIN INSERT INTO page_dirty VALUES (OLD.case_id); END;
CREATE TRIGGER IF NOT EXISTS page_file_new AFTER INSERT ON attachment
BEGIN INSERT INTO page_dirty VALUES (NEW.case_id); END;
CREATE TRIGGER IF NOT EXISTS page_file_changed AFTER UPDATE ON attachment
BEGIN
    INSERT INTO page_dirty VALUES (OLD.case_id);
    INSERT INTO page_dirty VALUES (NEW.case_id);
END;
CREATE TRIGGER IF NOT EXISTS page_file_gone AFTER DELETE ON attachment
BEGIN INSERT INTO page_dirty VALUES (OLD.case_id); END;

-- A correction: its case, the results page (both list it).
CREATE TRIGGER IF NOT EXISTS page_correction_new AFTER INSERT ON correction
BEGIN
    INSERT INTO page_dirty VALUES (NEW.case_id);
    INSERT INTO page_dirty VALUES (0);
END;
CREATE TRIGGER IF NOT EXISTS page_correction_changed AFTER UPDATE ON correction
BEGIN
    INSERT INTO page_dirty VALUES (OLD.case_id);
    INSERT INTO page_dirty VALUES (NEW.case_id);
    INSERT INTO page_dirty VALUES (0);
END;
CREATE TRIGGER IF NOT EXISTS page_correction_gone AFTER DELETE ON correction
BEGIN
    INSERT INTO page_dirty VALUES (OLD.case_id);
    INSERT INTO page_dirty VALUES (0);
END;

-- Names shown on the pages: the pages of the cases that carry them, when a name
-- really changed (the demo's loader "updates" a tag to itself once per use).
CREATE TRIGGER IF NOT EXISTS page_tag_renamed AFTER UPDATE OF name ON tag
WHEN OLD.name IS NOT NEW.name
BEGIN
    INSERT INTO page_dirty SELECT case_id FROM case_tag WHERE tag_id = NEW.id;
END;
CREATE TRIGGER IF NOT EXISTS page_region_renamed AFTER UPDATE OF code, name, source ON region
WHEN OLD.code IS NOT NEW.code OR OLD.name IS NOT NEW.name OR OLD.source IS NOT NEW.source
BEGIN
    INSERT INTO page_dirty SELECT id FROM "case"
        WHERE region_code IN (OLD.code, NEW.code) AND published_at IS NOT NULL;
    INSERT INTO page_dirty VALUES (0);
END;
CREATE TRIGGER IF NOT EXISTS page_unit_renamed AFTER UPDATE OF name ON unit
WHEN OLD.name IS NOT NEW.name
BEGIN
    INSERT INTO page_dirty SELECT id FROM "case"
        WHERE unit_id = NEW.id AND published_at IS NOT NULL;
END;
CREATE TRIGGER IF NOT EXISTS page_track_renamed AFTER UPDATE OF slug, name ON track
WHEN OLD.slug IS NOT NEW.slug OR OLD.name IS NOT NEW.name
BEGIN
    INSERT INTO page_dirty SELECT id FROM "case"
        WHERE track_id = NEW.id AND published_at IS NOT NULL;
END;
CREATE TRIGGER IF NOT EXISTS page_tier_changed AFTER UPDATE OF slug, name ON tier
WHEN OLD.slug IS NOT NEW.slug OR OLD.name IS NOT NEW.name
BEGIN
    INSERT INTO page_dirty SELECT id FROM "case"
        WHERE tier_id = NEW.id AND published_at IS NOT NULL;
    INSERT INTO page_dirty VALUES (0);
END;
-- The results list the tiers in their order (a quota is not shown).
CREATE TRIGGER IF NOT EXISTS page_tier_ranked AFTER UPDATE OF rank ON tier
WHEN OLD.rank IS NOT NEW.rank
BEGIN INSERT INTO page_dirty VALUES (0); END;
CREATE TRIGGER IF NOT EXISTS page_tier_new AFTER INSERT ON tier
BEGIN INSERT INTO page_dirty VALUES (0); END;
CREATE TRIGGER IF NOT EXISTS page_tier_gone AFTER DELETE ON tier
BEGIN INSERT INTO page_dirty VALUES (0); END;

-- The derived tables, rebuilt at publication and at a correction: the pools
-- of related cases (every case page), the results' list and counts.
CREATE TRIGGER IF NOT EXISTS page_pool_new AFTER INSERT ON pub_pool
BEGIN INSERT INTO page_dirty VALUES (-1); END;
CREATE TRIGGER IF NOT EXISTS page_pool_gone AFTER DELETE ON pub_pool
BEGIN INSERT INTO page_dirty VALUES (-1); END;
CREATE TRIGGER IF NOT EXISTS page_award_new AFTER INSERT ON pub_award
BEGIN INSERT INTO page_dirty VALUES (0); END;
CREATE TRIGGER IF NOT EXISTS page_award_gone AFTER DELETE ON pub_award
BEGIN INSERT INTO page_dirty VALUES (0); END;

-- A campaign published, archived or taken back may change which one is public
-- (the newest published or archived): everything.  A call opened or a review
-- round moved on renders nothing.
CREATE TRIGGER IF NOT EXISTS page_campaign_status AFTER UPDATE OF status, published_at
    ON campaign
WHEN (OLD.status IS NOT NEW.status OR OLD.published_at IS NOT NEW.published_at)
    AND (OLD.status IN ('published', 'archived') OR NEW.status IN ('published', 'archived'))
BEGIN
    INSERT INTO page_dirty VALUES (-1);
    INSERT INTO page_dirty VALUES (0);
END;

-- Databases from before: every page rendered at the next start.
INSERT INTO page_dirty VALUES (-1);
INSERT INTO page_dirty VALUES (0);
