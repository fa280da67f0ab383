-- 021_vote_scan_at.sql — the fraud check's read of a stage's votes by their time's text.
--
-- vote_flags.c runs on SQLite and on PostgreSQL, so its read of a stage's
-- valid votes orders them by `at` itself (2019-03-01T08:00:00.123Z: its
-- text's order is its time's) and reckons each vote's second in C, where
-- 015 ordered them by SQLite's unixepoch(at).  vote_scan is made again
-- over `at`: it holds every column the read needs in its order, so the
-- read (and the recount, which goes the same way) is one index range with
-- no table row touched and no sort; SQLite's planner did not read the
-- expression of 015's index from the index, so each vote's row was read too.
-- A vote still writes one index besides its unique key.
DROP INDEX IF EXISTS vote_scan;
CREATE INDEX vote_scan ON vote (stage_id, valid, at, id, case_id, voter_id, net);
