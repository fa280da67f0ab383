-- 005_votes.sql — public voting in an exhibition stage (网上展示).
--
-- The organiser's settings of a stage's vote; voters as a keyed hash of the
-- normalised contact (never the contact itself) with a masked form for
-- display; one-time codes, hashed; voter tokens, hashed; every vote a row;
-- and counters kept in the vote's own transaction (vote_total of 003 by
-- case, vote_day by voter and day, vote_net by network prefix and day) so
-- that every limit is one indexed read on the writer thread.  The unique
-- keys are the last word: a vote's ordinal per (stage, case, voter) cannot
-- repeat, whatever the code above does.

-- The installation's secret for the voter hash, made once here.
CREATE TABLE vote_secret (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    secret BLOB NOT NULL CHECK (length(secret) = 32)
);
INSERT INTO vote_secret (id, secret) VALUES (1, randomblob(32));

CREATE TABLE vote_setting (
    stage_id INTEGER PRIMARY KEY REFERENCES stage(id),
    opens_on TEXT NOT NULL,            -- first day of voting, Beijing time (YYYY-MM-DD)
    closes_on TEXT NOT NULL,           -- last day of voting, inclusive
    verify TEXT NOT NULL DEFAULT 'both' CHECK (verify IN ('phone','email','both')),
    per_case INTEGER NOT NULL DEFAULT 1 CHECK (per_case >= 1),
    per_day INTEGER NOT NULL DEFAULT 10 CHECK (per_day >= 1),
    per_net INTEGER NOT NULL DEFAULT 50 CHECK (per_net >= 1),
    live INTEGER NOT NULL DEFAULT 1 CHECK (live IN (0, 1)),
    CHECK (closes_on >= opens_on)
);

CREATE TABLE voter (
    id INTEGER PRIMARY KEY,
    hmac TEXT NOT NULL UNIQUE,          -- HMAC-SHA256(secret, normalised contact), hex
    kind TEXT NOT NULL CHECK (kind IN ('phone','email')),
    masked TEXT NOT NULL,               -- 138****8000, a***@example.org
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);

CREATE TABLE vote_code (
    id INTEGER PRIMARY KEY,
    stage_id INTEGER NOT NULL REFERENCES stage(id),
    hmac TEXT NOT NULL,                 -- the contact's hash
    code_hash TEXT NOT NULL,            -- HMAC(secret, hmac || code), hex
    net TEXT NOT NULL,                  -- the requester's network prefix
    created_at INTEGER NOT NULL,        -- unix seconds
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX vote_code_contact ON vote_code(hmac, created_at);
CREATE INDEX vote_code_net ON vote_code(net, created_at);

CREATE TABLE voter_token (
    token_hash TEXT PRIMARY KEY,        -- SHA-256 of the token, hex
    stage_id INTEGER NOT NULL REFERENCES stage(id),
    voter_id INTEGER NOT NULL REFERENCES voter(id),
    expires_at INTEGER NOT NULL
);

CREATE TABLE vote (
    id INTEGER PRIMARY KEY,
    stage_id INTEGER NOT NULL REFERENCES stage(id),
    case_id INTEGER NOT NULL REFERENCES "case"(id),
    voter_id INTEGER NOT NULL REFERENCES voter(id),
    ord INTEGER NOT NULL CHECK (ord >= 1),   -- this voter's n-th vote for this case
    day TEXT NOT NULL,                       -- Beijing date of the vote
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    net TEXT NOT NULL,                       -- /24 of IPv4, /64 of IPv6
    ua_hash TEXT NOT NULL,
    valid INTEGER NOT NULL DEFAULT 1 CHECK (valid IN (0, 1)),
    UNIQUE (stage_id, case_id, voter_id, ord)
);
CREATE INDEX vote_stage_at ON vote(stage_id, at);

CREATE TABLE vote_day (
    stage_id INTEGER NOT NULL,
    voter_id INTEGER NOT NULL,
    day TEXT NOT NULL,
    votes INTEGER NOT NULL,
    PRIMARY KEY (stage_id, voter_id, day)
) WITHOUT ROWID;

CREATE TABLE vote_net (
    stage_id INTEGER NOT NULL,
    net TEXT NOT NULL,
    day TEXT NOT NULL,
    votes INTEGER NOT NULL,
    PRIMARY KEY (stage_id, net, day)
) WITHOUT ROWID;

-- A message to a voter names its contact only until it is sent: then the
-- address becomes the masked form and the body (the code) goes.
ALTER TABLE outbox ADD COLUMN to_mask TEXT;
CREATE TRIGGER outbox_erase AFTER UPDATE OF sent_at ON outbox
WHEN NEW.sent_at IS NOT NULL AND NEW.to_mask IS NOT NULL
BEGIN
    UPDATE outbox SET to_addr = NEW.to_mask, body = '' WHERE id = NEW.id;
END;
