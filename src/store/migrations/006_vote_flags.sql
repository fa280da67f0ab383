-- 006_vote_flags.sql — fraud flags on an exhibition's votes, voids and their record.
--
-- The thresholds of the four rules are settings of the stage's vote, with
-- defaults.  A code request for a phone keeps, besides the contact's hash,
-- a keyed hash of the number's first seven digits (its block) and its last
-- four (shown in the mask anyway), so that runs of consecutive numbers can
-- be found without keeping any number.  A flag is a group of votes found by
-- one rule, with the numbers that explain it; voiding it marks its votes
-- invalid (kept, never deleted) and records who, when and why on the flag.

ALTER TABLE vote_setting ADD COLUMN burst_window INTEGER NOT NULL DEFAULT 600
    CHECK (burst_window BETWEEN 60 AND 86400);          -- seconds
ALTER TABLE vote_setting ADD COLUMN burst_min INTEGER NOT NULL DEFAULT 30
    CHECK (burst_min >= 2);                             -- votes for one case in the window
ALTER TABLE vote_setting ADD COLUMN burst_factor REAL NOT NULL DEFAULT 10
    CHECK (burst_factor >= 1);                          -- times its own and its peers' rate
ALTER TABLE vote_setting ADD COLUMN net_window INTEGER NOT NULL DEFAULT 3600
    CHECK (net_window BETWEEN 60 AND 86400);
ALTER TABLE vote_setting ADD COLUMN net_min INTEGER NOT NULL DEFAULT 20
    CHECK (net_min >= 2);                               -- new voters from one prefix in the window
ALTER TABLE vote_setting ADD COLUMN run_min INTEGER NOT NULL DEFAULT 5
    CHECK (run_min >= 2);                               -- consecutive phone numbers
ALTER TABLE vote_setting ADD COLUMN ring_window INTEGER NOT NULL DEFAULT 600
    CHECK (ring_window BETWEEN 60 AND 86400);
ALTER TABLE vote_setting ADD COLUMN ring_min INTEGER NOT NULL DEFAULT 10
    CHECK (ring_min >= 2);                              -- single-case voters verified in the window

ALTER TABLE vote_code ADD COLUMN block TEXT;             -- HMAC of the phone's first 7 digits
ALTER TABLE vote_code ADD COLUMN tail INTEGER;           -- the phone's last 4 digits
CREATE INDEX vote_code_block ON vote_code(stage_id, block) WHERE block IS NOT NULL;

-- Ids are never reused: a link to a flag from an earlier check cannot name another group.
CREATE TABLE vote_flag (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stage_id INTEGER NOT NULL REFERENCES stage(id),
    rule TEXT NOT NULL CHECK (rule IN ('burst', 'network', 'run', 'ring')),
    key TEXT NOT NULL,                  -- the group within its rule: a case, a prefix, a block
    case_id INTEGER REFERENCES "case"(id), -- the case most of its votes went to
    votes INTEGER NOT NULL,
    voters INTEGER NOT NULL,
    first_at TEXT,
    last_at TEXT,
    evidence TEXT NOT NULL,             -- JSON: the numbers that explain it
    found_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
    voided_at TEXT,
    voided_by INTEGER REFERENCES user(id),
    void_reason TEXT,
    voided_votes INTEGER,
    UNIQUE (stage_id, rule, key),
    CHECK ((voided_at IS NULL) = (voided_by IS NULL) AND (voided_at IS NULL) = (void_reason IS NULL))
);

CREATE TABLE vote_flag_vote (
    flag_id INTEGER NOT NULL REFERENCES vote_flag(id) ON DELETE CASCADE,
    vote_id INTEGER NOT NULL REFERENCES vote(id),
    PRIMARY KEY (flag_id, vote_id)
) WITHOUT ROWID;

-- The voided flag that made a vote invalid (NULL: valid).  Not a declared foreign key:
-- a voided flag is never deleted, and a key here would make every deletion of a flag not
-- voided (each "check again") look through all the votes.
ALTER TABLE vote ADD COLUMN void_flag INTEGER;
