-- 022_stage_case_flags.sql — a stored ranking's two flags that the
-- organiser's table counts: whether the case would advance by the rule
-- (proposed) and whether too few reviews counted (below_quorum), kept in a
-- row beside the case's stage_case row, whose explanation holds them too.
-- The table's scan reads them on SQLite and PostgreSQL alike, where it read
-- them out of the JSON with SQLite's json_extract (store/ranking.c).  A row
-- goes with its stage_case row (ON DELETE CASCADE).  Results stored before
-- are filled from their explanations.  Written to run again harmlessly (IF
-- NOT EXISTS, DO NOTHING), as a test that rewinds user_version past it does.
CREATE TABLE IF NOT EXISTS stage_case_flag (
    stage_id INTEGER NOT NULL,
    case_id INTEGER NOT NULL,
    proposed INTEGER NOT NULL DEFAULT 0,
    below_quorum INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (stage_id, case_id),
    FOREIGN KEY (stage_id, case_id) REFERENCES stage_case(stage_id, case_id) ON DELETE CASCADE
) WITHOUT ROWID;
INSERT INTO stage_case_flag (stage_id, case_id, proposed, below_quorum)
SELECT stage_id, case_id, coalesce(json_extract(explanation, '$.proposed'), 0),
       coalesce(json_extract(explanation, '$.below_quorum'), 0)
FROM stage_case WHERE explanation IS NOT NULL AND json_valid(explanation)
ON CONFLICT DO NOTHING;
