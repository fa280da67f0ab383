-- 024_page_change.sql — what each write batch changed of the public pages,
-- so that the nodes on one database drop from their page caches just the
-- pages another node's write changed (store/nodes.c), not every page at
-- every write.  The triggers that fill page_change are put on every table
-- at a node's start (store/changes.c, changes_install_pg), from the same
-- two lists as SQLite's pre-update hook.  SQLite has no 024: its one
-- server's hook sees every write.

-- What each write batch changed of the public pages (store/changes.c,
-- nodes.c): a row per changed case (case_id 0: anything else, every page),
-- written by the triggers below while the write runs and stamped with the
-- batch's number last in the batch, so that every node bumps the page
-- generations of just those cases, as SQLite's pre-update hook does for
-- its one server.  The writer's own bookkeeping (the view counters' flush)
-- sets laurel.quiet for its statements.  Rows older than a few thousand
-- batches are dropped; a node further behind drops every page it keeps.
CREATE TABLE page_change (
    batch BIGINT,                 -- NULL until its batch is sealed
    case_id BIGINT NOT NULL,      -- 0: every page
    campaign_id BIGINT,           -- the case's, when the row says it
    neighbour BOOLEAN NOT NULL    -- shown on other cases' pages (its row, its tags)
);
CREATE INDEX page_change_batch ON page_change (batch);

-- Any statement on a table that public pages read and changes.c does not
-- follow row by row: every page.
CREATE FUNCTION page_change_any() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('laurel.quiet', true), '') <> 'on' THEN
        INSERT INTO page_change (case_id, neighbour) VALUES (0, false);
    END IF;
    RETURN NULL;
END $$;

-- A case's row (its campaign before and after) or a row of one case: the
-- case, once unless the row moved.  (A record's fields are looked up when a
-- statement runs, so each table's branch names only the fields it has.)
CREATE FUNCTION page_change_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('laurel.quiet', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'case' THEN
        IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND
                row(OLD.id, OLD.campaign_id) IS DISTINCT FROM row(NEW.id, NEW.campaign_id)) THEN
            INSERT INTO page_change VALUES (NULL, OLD.id, OLD.campaign_id, true);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO page_change VALUES (NULL, NEW.id, NEW.campaign_id, true);
        END IF;
    ELSE
        IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.case_id <> NEW.case_id) THEN
            INSERT INTO page_change VALUES (NULL, OLD.case_id, NULL, TG_TABLE_NAME = 'case_tag');
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO page_change VALUES (NULL, NEW.case_id, NULL, TG_TABLE_NAME = 'case_tag');
        END IF;
    END IF;
    RETURN NULL;
END $$;
