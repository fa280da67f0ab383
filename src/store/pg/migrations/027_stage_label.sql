-- 027_stage_label.sql — the labels reviewers know a case by (复评-0007),
-- numbered once, when the stage's assignments are released, and read by
-- key after that.
--
-- A label is the case's place in its stage's pool (the cases of
-- stage_case and of assignment) in a scrambled order, so that labels say
-- nothing of ids or regions.  Every reviewer's page used to number the
-- whole pool again (a window over a sorted union): milliseconds of a core
-- a request at 4,000 cases, and growing with the pool.  The pool no longer
-- changes once released (drop-outs are replaced by cases already in it), so
-- the numbers never did either; now they are kept (store/review.c,
-- tx_review_label_released).  Stages released before are numbered here, by
-- the same statement.  Written to run again harmlessly (IF NOT EXISTS; a
-- stage with labels is passed over), as a test that rewinds user_version
-- past it does.
CREATE TABLE IF NOT EXISTS stage_label (
    stage_id BIGINT NOT NULL REFERENCES stage(id),
    no BIGINT NOT NULL,
    case_id BIGINT NOT NULL REFERENCES "case"(id),
    PRIMARY KEY (stage_id, no),
    UNIQUE (stage_id, case_id)
);
WITH todo AS (SELECT s.id FROM stage s WHERE s.kind = 'review'
              AND s.state IN ('released','closed','ranked','advanced')
              AND NOT EXISTS (SELECT 1 FROM stage_label l WHERE l.stage_id = s.id))
INSERT INTO stage_label (stage_id, no, case_id)
SELECT stage_id, row_number() OVER (PARTITION BY stage_id
        ORDER BY (case_id * 2654435761 + stage_id * 40503) % 1000003, case_id), case_id
FROM (SELECT stage_id, case_id FROM stage_case WHERE stage_id IN (SELECT id FROM todo)
      UNION SELECT stage_id, case_id FROM assignment
            WHERE stage_id IN (SELECT id FROM todo)) pool;
