-- 025_case_search.sql — what a search's hits are checked and ordered by, in
-- one narrow index: the up to SEARCH_CAP (1,000) hits of the full-text
-- index are looked up by id for their campaign, publication, filters and
-- order (store/public.c, Q_SEARCH).  Read from the case rows themselves,
-- those are up to a thousand pages of the largest table, mostly out of any
-- cache on a large campaign; from this index, a few dozen (a search at
-- 100,000 cases: 3.1 → 1.4 ms for that step, docs/BENCHMARKS.md).  SQLite
-- only: PostgreSQL's search reads its own table (search_pg.c).
CREATE INDEX IF NOT EXISTS case_search
    ON "case"(id, campaign_id, published_at, region_code, tier_id, track_id, views);
