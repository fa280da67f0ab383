-- 015_vote_scan.sql — indexes that hold everything the fraud check reads.
--
-- "Check again" (sqlite_vote_flags.c) reads every valid vote of a stage in
-- time order (its id, case, voter, second and network prefix), the stage's
-- voters with their first verification, and its phone code requests.  Each
-- index below holds exactly what its read needs, in the order it needs, so
-- each read is one index range with no table row touched and no sort; the
-- recount counts the votes' range too.
--
-- vote_scan replaces vote_stage_at (stage, at), which no query used, so a
-- vote still writes one index besides its unique key; unixepoch(at) is the
-- vote's second, as the rules count time.  vote_code_block gains the
-- columns the check reads; voter_token_stage is new (a verification writes
-- it, a vote does not).
DROP INDEX vote_stage_at;
CREATE INDEX vote_scan ON vote (stage_id, valid, unixepoch(at), id, case_id, voter_id, net);

DROP INDEX vote_code_block;
CREATE INDEX vote_code_block ON vote_code (stage_id, block, tail, created_at, hmac)
    WHERE block IS NOT NULL;

CREATE INDEX voter_token_stage ON voter_token (stage_id, voter_id, expires_at);
