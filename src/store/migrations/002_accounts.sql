-- 002_accounts.sql — people and what they do before experts see a case:
-- users and their roles, sessions, one-time tokens (invitations, password
-- resets), the outbox of messages, regional quotas, a case's submission
-- fields, its history of events, recommendations and screening decisions.
CREATE TABLE user (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    password_hash TEXT,              -- argon2id; NULL until an invitation is accepted
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
    disabled INTEGER NOT NULL DEFAULT 0
);

-- A person may hold several roles; a recommender is bound to a region, a
-- submitter to a unit.
CREATE TABLE user_role (
    user_id INTEGER NOT NULL REFERENCES user(id),
    role TEXT NOT NULL CHECK (role IN ('organiser','recommender','submitter','reviewer')),
    region_code TEXT REFERENCES region(code),
    unit_id INTEGER REFERENCES unit(id),
    CHECK (role <> 'recommender' OR region_code IS NOT NULL),
    CHECK (role <> 'submitter' OR unit_id IS NOT NULL),
    PRIMARY KEY (user_id, role)
);

-- Sessions: only the SHA-256 of the token is stored.
CREATE TABLE session (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES user(id),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX session_user ON session(user_id);

-- Invitations and password resets, by e-mailed link; hashed like sessions.
CREATE TABLE token (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES user(id),
    kind TEXT NOT NULL CHECK (kind IN ('invite','reset')),
    expires_at TEXT NOT NULL,
    used_at TEXT
);

-- Every e-mail is a row here first; the sender thread delivers it.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
    sent_at TEXT,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox(sent_at, next_attempt_at);

-- How many cases each region may recommend to a campaign.
CREATE TABLE region_quota (
    campaign_id INTEGER NOT NULL REFERENCES campaign(id),
    region_code TEXT NOT NULL REFERENCES region(code),
    quota INTEGER NOT NULL CHECK (quota >= 0),
    PRIMARY KEY (campaign_id, region_code)
);

ALTER TABLE "case" ADD COLUMN contact_name TEXT NOT NULL DEFAULT '';
ALTER TABLE "case" ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE "case" ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';
ALTER TABLE "case" ADD COLUMN tags_text TEXT NOT NULL DEFAULT '';
ALTER TABLE "case" ADD COLUMN created_by INTEGER REFERENCES user(id);
ALTER TABLE "case" ADD COLUMN updated_at TEXT;
ALTER TABLE "case" ADD COLUMN correction_due TEXT; -- 补正 deadline
CREATE INDEX case_campaign_status ON "case"(campaign_id, status, region_code);
CREATE INDEX case_unit ON "case"(unit_id);

-- The path of a case: every change of status, who made it and why.
CREATE TABLE case_event (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES "case"(id),
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
    user_id INTEGER REFERENCES user(id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_event_case ON case_event(case_id, id);

-- A region's endorsement of a case; the quota holds inside the database,
-- whatever the number of recommenders endorsing at once.
CREATE TABLE recommendation (
    case_id INTEGER PRIMARY KEY REFERENCES "case"(id),
    campaign_id INTEGER NOT NULL REFERENCES campaign(id),
    region_code TEXT NOT NULL REFERENCES region(code),
    user_id INTEGER NOT NULL REFERENCES user(id),
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX recommendation_region ON recommendation(campaign_id, region_code);

CREATE TRIGGER recommendation_quota BEFORE INSERT ON recommendation
WHEN (SELECT count(*) FROM recommendation
      WHERE campaign_id = NEW.campaign_id AND region_code = NEW.region_code)
     >= coalesce((SELECT quota FROM region_quota
                  WHERE campaign_id = NEW.campaign_id AND region_code = NEW.region_code), 0)
BEGIN
    SELECT RAISE(ABORT, 'quota exceeded');
END;

-- Formal screening (形式审查): one decision per case, with its checklist.
CREATE TABLE screening (
    case_id INTEGER PRIMARY KEY REFERENCES "case"(id),
    decision TEXT NOT NULL CHECK (decision IN ('passed','returned','rejected')),
    checklist TEXT NOT NULL DEFAULT '{}', -- JSON: item -> true/false
    reason TEXT NOT NULL DEFAULT '',
    due TEXT,
    user_id INTEGER NOT NULL REFERENCES user(id),
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);

ALTER TABLE attachment ADD COLUMN uploaded_by INTEGER REFERENCES user(id);
ALTER TABLE attachment ADD COLUMN created_at TEXT;
