-- 004_public_read.sql — what the public pages read instead of counting and
-- sorting the case table on every request.  The pub_* tables are derived:
-- db_public_refresh() (store/public.c) rebuilds them, set-based,
-- whenever the published cases of a campaign change (the end of a bulk load, a
-- publication); only pub_figures.views follows the view counter's flush.
-- The indexes make every list order an index order (proved by
-- EXPLAIN QUERY PLAN in tests/unit/test_public_plan.c).

-- Figures of a campaign's exhibition: published cases, regions and units
-- among them, and their views.
CREATE TABLE pub_figures (
    campaign_id INTEGER PRIMARY KEY,
    cases INTEGER NOT NULL,
    regions INTEGER NOT NULL,
    units INTEGER NOT NULL,
    views INTEGER NOT NULL
);

-- Published cases per combination of the list filters: 0 means "any"
-- (region is the GB/T 2260 code as a number; tier, track and tag are ids).
-- Every combination that has cases has its row; a missing row means 0.
CREATE TABLE pub_count (
    campaign_id INTEGER NOT NULL,
    region INTEGER NOT NULL,
    tier_id INTEGER NOT NULL,
    track_id INTEGER NOT NULL,
    tag_id INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, region, tier_id, track_id, tag_id)
) WITHOUT ROWID;

-- The rank (1..) of each published case in the default order (newest
-- first: published_at DESC, id DESC) within all of its campaign (dim 0,
-- key 0), its region (1, the code), tier (2, tier id), track (3, track id)
-- and each of its tags (4, tag id).  Page K of one filter is a range seek.
-- Dim 5 (key 0) ranks them by id, for the sitemap's parts.
-- The case's region, tier and track ride along, so that a list with several
-- filters checks them within the walk instead of reading each case.
CREATE TABLE pub_rank (
    campaign_id INTEGER NOT NULL,
    dim INTEGER NOT NULL,
    key INTEGER NOT NULL,
    pos INTEGER NOT NULL,
    case_id INTEGER NOT NULL,
    region INTEGER NOT NULL,
    tier_id INTEGER,
    track_id INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, dim, key, pos)
) WITHOUT ROWID;

-- The pool of related cases of each tag: its RELATED_POOL leading
-- published cases (awarded first, then most viewed), with what the
-- related-cases order reads.  A case's related cases are the pool rows of
-- its own tags, by tags shared, same track, awarded, views: bounded by its
-- few tags, whatever the size of the campaign.
CREATE TABLE pub_pool (
    campaign_id INTEGER NOT NULL,
    tag_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    case_id INTEGER NOT NULL,
    track_id INTEGER NOT NULL,
    awarded INTEGER NOT NULL,
    views INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, tag_id, seq)
) WITHOUT ROWID;

-- Previous / next published case by id: a seek in either direction; and
-- the sitemap's parts, read from the index alone.
CREATE INDEX case_pub_id ON "case"(campaign_id, id, published_at)
    WHERE published_at IS NOT NULL;
-- Most viewed first, alone and with each column filter.
CREATE INDEX case_pub_views ON "case"(campaign_id, views DESC, published_at DESC, id DESC)
    WHERE published_at IS NOT NULL;
CREATE INDEX case_pub_region_views
    ON "case"(campaign_id, region_code, views DESC, published_at DESC, id DESC)
    WHERE published_at IS NOT NULL;
CREATE INDEX case_pub_tier_views
    ON "case"(campaign_id, tier_id, views DESC, published_at DESC, id DESC)
    WHERE published_at IS NOT NULL;
CREATE INDEX case_pub_track_views
    ON "case"(campaign_id, track_id, views DESC, published_at DESC, id DESC)
    WHERE published_at IS NOT NULL;
CREATE INDEX article_campaign ON article(campaign_id, published_at DESC, id DESC);

-- One-character searches ("社"*) read one prefix doclist instead of merging
-- every bigram that starts with the character: the short index gets a
-- prefix index of one character, and is refilled with what the public can
-- find (store_index_cases fills it the same way after a bulk load).
DROP TABLE case_short;
CREATE VIRTUAL TABLE case_short USING fts5(
    title, unit, tags, summary, content='', tokenize='laurel_bigram', prefix='1');
INSERT INTO case_short (rowid, title, unit, tags, summary)
SELECT c.id, c.title, u.name,
  (SELECT group_concat(t.name, ' ') FROM case_tag ct JOIN tag t ON t.id = ct.tag_id
   WHERE ct.case_id = c.id), c.summary
FROM "case" c JOIN unit u ON u.id = c.unit_id WHERE c.published_at IS NOT NULL ORDER BY c.id;
