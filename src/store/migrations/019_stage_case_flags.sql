-- A stored ranking's two flags that the organiser's table counts, whether
-- the case would advance by the rule (proposed) and whether too few reviews
-- counted (below_quorum), kept as columns beside the explanation that also
-- holds them: the table's scan reads them on SQLite and PostgreSQL alike,
-- where it read them out of the JSON with SQLite's json_extract
-- (store/ranking.c).  Results stored before are filled from their
-- explanations.
ALTER TABLE stage_case ADD COLUMN proposed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stage_case ADD COLUMN below_quorum INTEGER NOT NULL DEFAULT 0;
UPDATE stage_case SET
    proposed = coalesce(json_extract(explanation, '$.proposed'), 0),
    below_quorum = coalesce(json_extract(explanation, '$.below_quorum'), 0)
WHERE explanation IS NOT NULL AND json_valid(explanation);
