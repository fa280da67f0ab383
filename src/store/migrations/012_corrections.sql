-- 012_corrections.sql — what changes after a campaign's results are published.
--
-- Once its notice (公示) is closed a campaign's list is frozen: the tiers of
-- its cases change only by a correction (更正) of the organiser, dated and
-- public, with its written reason: an award withdrawn (to_tier_id NULL) or
-- moved to another tier.  The rows are never changed or deleted.
CREATE TABLE correction (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaign(id),
    case_id INTEGER NOT NULL REFERENCES "case"(id),
    from_tier_id INTEGER NOT NULL REFERENCES tier(id),
    to_tier_id INTEGER REFERENCES tier(id), -- NULL: the award withdrawn
    reason TEXT NOT NULL,
    made_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX correction_campaign ON correction(campaign_id, id);
CREATE INDEX correction_case ON correction(case_id, id);

-- The draft 公示 announcement made when the notice was published (news.h).
ALTER TABLE notice ADD COLUMN article_id INTEGER REFERENCES article(id);

-- An objection's optional attachment (one file, stored content-addressed under
-- files/<2 hex>/<sha256>), the organiser's alone.
ALTER TABLE objection ADD COLUMN file_sha256 TEXT;
ALTER TABLE objection ADD COLUMN file_name TEXT;
ALTER TABLE objection ADD COLUMN file_mime TEXT;
ALTER TABLE objection ADD COLUMN file_size INTEGER;

-- The results page's list, read as it is shown: each awarded case of a published
-- campaign with the names the list prints, in its order (tier, region, case), filled
-- with the other public read tables (public.c, db_public_refresh: at
-- publication, at a correction, at start when missing) so that a render is one range
-- scan instead of four joins a row.  Titles of published cases do not change.
CREATE TABLE pub_award (
    campaign_id INTEGER NOT NULL,
    ord INTEGER NOT NULL,
    case_id INTEGER NOT NULL,
    tier_slug TEXT NOT NULL,
    title TEXT NOT NULL,
    unit_name TEXT NOT NULL,
    region_code TEXT NOT NULL,
    region_name TEXT NOT NULL,
    track_name TEXT NOT NULL,
    PRIMARY KEY (campaign_id, ord)
) WITHOUT ROWID;
