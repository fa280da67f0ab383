-- 021_vote_scan_at.sql — a vote's second as a column, for the fraud check's read.
--
-- vote_flags.c runs on SQLite and on PostgreSQL, so it cannot order the
-- votes by SQLite's unixepoch(at), as 015's index vote_scan did.  at_s is
-- that second as a column of the table, generated from `at` (virtual:
-- nothing more is stored in the table, the vote path writes `at` as
-- before; PostgreSQL's schema stores it, reckoned by the same rule), and
-- vote_scan is made again over it: the same entries as 015's, read in the
-- same order, one index range with no sort.  A vote still writes one index
-- besides its unique key.  It cannot run twice (ALTER TABLE ADD COLUMN has
-- no IF NOT EXISTS): a test that rewinds user_version past it takes the
-- column and the index away first (tests/e2e/test_campaigns.py).
ALTER TABLE vote ADD COLUMN at_s INTEGER GENERATED ALWAYS AS (unixepoch(at)) VIRTUAL;
DROP INDEX IF EXISTS vote_scan;
CREATE INDEX vote_scan ON vote (stage_id, valid, at_s, id, case_id, voter_id, net);
