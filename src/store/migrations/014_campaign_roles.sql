-- 014_campaign_roles.sql — the roles a campaign binds: a reviewer (expert, and
-- juror of its ballot stages) or a recommender (for one region) holds the role
-- in the campaigns named here, not in every campaign.  user_role keeps what a
-- person is (organiser, submitter of a unit, reviewer, recommender); a
-- reviewer or recommender acts in a campaign only with a row here.  The
-- organiser stays global: the office that creates campaigns runs them all.
CREATE TABLE campaign_role (
    campaign_id INTEGER NOT NULL REFERENCES campaign(id),
    user_id INTEGER NOT NULL REFERENCES user(id),
    role TEXT NOT NULL CHECK (role IN ('recommender','reviewer')),
    region_code TEXT REFERENCES region(code),
    CHECK (role <> 'recommender' OR region_code IS NOT NULL),
    PRIMARY KEY (user_id, role, campaign_id)
) WITHOUT ROWID;
CREATE INDEX campaign_role_campaign ON campaign_role(campaign_id, role);

-- Existing roles become rows for the campaigns they serve: those a reviewer
-- was assigned or sat on the jury in, those a recommender endorsed in, and
-- every campaign still running (not published, not archived).
INSERT OR IGNORE INTO campaign_role (campaign_id, user_id, role, region_code)
SELECT s.campaign_id, a.user_id, 'reviewer', NULL
FROM assignment a JOIN stage s ON s.id = a.stage_id
JOIN user_role r ON r.user_id = a.user_id AND r.role = 'reviewer'
UNION SELECT s.campaign_id, j.user_id, 'reviewer', NULL
FROM juror j JOIN stage s ON s.id = j.stage_id
JOIN user_role r ON r.user_id = j.user_id AND r.role = 'reviewer';

INSERT OR IGNORE INTO campaign_role (campaign_id, user_id, role, region_code)
SELECT DISTINCT m.campaign_id, m.user_id, 'recommender', r.region_code
FROM recommendation m JOIN user_role r ON r.user_id = m.user_id AND r.role = 'recommender';

INSERT OR IGNORE INTO campaign_role (campaign_id, user_id, role, region_code)
SELECT c.id, r.user_id, r.role, CASE WHEN r.role = 'recommender' THEN r.region_code END
FROM user_role r CROSS JOIN campaign c
WHERE r.role IN ('recommender','reviewer') AND c.status NOT IN ('published','archived');
