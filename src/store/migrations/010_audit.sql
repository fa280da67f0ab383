-- 010_audit.sql — the audit chain and the signed results statements.
--
-- Every action that changes the campaign appends a row in the same
-- transaction as the change: who (an account id, 0 for none), what (the
-- action: its route), the object (the path it acted on, and the case when
-- it acted on one), a digest of the change, the time, and a hash covering
-- the previous row's hash and this row's content (store/audit.h says how).
-- A writer batch that holds votes appends one row whose digest is the
-- Merkle root of those votes (vote_first..vote_last, vote_count of them).
-- Nothing in Laurel changes or deletes a row: the triggers refuse it.
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,              -- unix seconds
    who INTEGER NOT NULL DEFAULT 0,   -- account id; 0: nobody signed in (the system)
    what TEXT NOT NULL,               -- the action's route, or 'votes', 'publish'
    object TEXT NOT NULL DEFAULT '',  -- the path acted on
    case_id INTEGER,                  -- the case acted on, if one
    digest TEXT NOT NULL,             -- SHA-256 (hex) of the change; a vote batch's Merkle root
    vote_first INTEGER,               -- a vote batch: its first and last vote id, and count
    vote_last INTEGER,
    vote_count INTEGER,
    prev TEXT NOT NULL,               -- the previous row's hash (64 zeros for the first)
    hash TEXT NOT NULL                -- SHA-256 (hex) of prev and this row's content
);
CREATE INDEX audit_who ON audit(who, id);
CREATE INDEX audit_what ON audit(what, id);
CREATE INDEX audit_case ON audit(case_id, id) WHERE case_id IS NOT NULL;
CREATE INDEX audit_votes ON audit(id) WHERE vote_last IS NOT NULL;

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit rows cannot be changed');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit rows cannot be deleted');
END;

-- A results statement (statement.h): the exact bytes issued and signed, kept
-- as issued; like the audit rows, never changed or deleted.
CREATE TABLE statement (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaign(id),
    issued_at TEXT NOT NULL,          -- 2020-02-04T08:00:00Z
    head TEXT NOT NULL,               -- the audit chain head it signs
    body BLOB NOT NULL                -- the statement file
);
CREATE INDEX statement_campaign ON statement(campaign_id, id);
CREATE TRIGGER statement_no_update BEFORE UPDATE ON statement
BEGIN
    SELECT RAISE(ABORT, 'statements cannot be changed');
END;
CREATE TRIGGER statement_no_delete BEFORE DELETE ON statement
BEGIN
    SELECT RAISE(ABORT, 'statements cannot be deleted');
END;

-- A certificate (荣誉证书) of an awarded case: its serial number in the
-- campaign and the check code printed on it (and in its QR code), which
-- /verify/{code} looks up to show the award as it stands now.  Made once per
-- case, the first time the campaign's certificates are made; kept when a
-- correction withdraws the award, so that the page can say so.
CREATE TABLE certificate (
    case_id INTEGER PRIMARY KEY REFERENCES "case"(id),
    campaign_id INTEGER NOT NULL REFERENCES campaign(id),
    serial INTEGER NOT NULL,          -- 1, 2, ... in the campaign, by tier, region, case
    code TEXT NOT NULL UNIQUE,        -- XXXX-XXXX-XXXX, Crockford base32, random
    tier_id INTEGER NOT NULL REFERENCES tier(id), -- the tier it was made for
    made_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
    UNIQUE (campaign_id, serial)
);
