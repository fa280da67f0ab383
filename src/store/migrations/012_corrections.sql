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
