-- 007_ballot.sql — the final ballot (终评): a ballot stage's jury and its
-- sittings (the ballot, then any runoff), each sitting's candidates and
-- results, and the ballots themselves, kept secret.
--
-- Secrecy: a juror's saved, uncast choice (ballot_draft) is theirs until
-- they cast it; casting deletes it and writes two rows that share nothing:
-- ballot_cast (who has cast, no time) and ballot (what was cast, keyed by
-- the digest of the juror's random receipt, no time, no juror).  Both are
-- WITHOUT ROWID tables keyed by values, so not even insertion order links
-- them.
ALTER TABLE stage ADD COLUMN ballot_places INTEGER NOT NULL DEFAULT 0; -- approvals per ballot
ALTER TABLE stage ADD COLUMN jury_quorum INTEGER NOT NULL DEFAULT 5;   -- jurors present to tally

-- A tier may cap the cases of one region (0: no cap).
ALTER TABLE tier ADD COLUMN region_cap INTEGER NOT NULL DEFAULT 0 CHECK (region_cap >= 0);

CREATE TABLE juror (
    stage_id INTEGER NOT NULL REFERENCES stage(id),
    user_id INTEGER NOT NULL REFERENCES user(id),
    present INTEGER NOT NULL DEFAULT 0, -- at the current sitting
    PRIMARY KEY (stage_id, user_id)
) WITHOUT ROWID;

-- open (presence recorded) → voting (ballots issued to the present) → tallied.
CREATE TABLE sitting (
    id INTEGER PRIMARY KEY,
    stage_id INTEGER NOT NULL REFERENCES stage(id),
    round INTEGER NOT NULL,  -- 1 the ballot, 2.. runoffs
    places INTEGER NOT NULL CHECK (places >= 0),
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','voting','tallied')),
    present INTEGER NOT NULL DEFAULT 0, -- jurors present when voting began
    opened_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
    tallied_at TEXT,
    UNIQUE (stage_id, round)
);

-- A sitting's candidates, and after the tally what it made of them.
CREATE TABLE sitting_case (
    sitting_id INTEGER NOT NULL REFERENCES sitting(id),
    case_id INTEGER NOT NULL REFERENCES "case"(id),
    approvals INTEGER,
    eligible INTEGER,
    ord INTEGER,
    passed INTEGER NOT NULL DEFAULT 0,
    elected INTEGER NOT NULL DEFAULT 0,
    runoff INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sitting_id, case_id)
) WITHOUT ROWID;

CREATE TABLE ballot_draft (
    sitting_id INTEGER NOT NULL REFERENCES sitting(id),
    user_id INTEGER NOT NULL REFERENCES user(id),
    case_id INTEGER NOT NULL REFERENCES "case"(id),
    PRIMARY KEY (sitting_id, user_id, case_id)
) WITHOUT ROWID;

CREATE TABLE ballot_cast (
    sitting_id INTEGER NOT NULL REFERENCES sitting(id),
    user_id INTEGER NOT NULL REFERENCES user(id),
    PRIMARY KEY (sitting_id, user_id)
) WITHOUT ROWID;

CREATE TABLE ballot (
    sitting_id INTEGER NOT NULL REFERENCES sitting(id),
    receipt TEXT NOT NULL, -- SHA-256 of the receipt, hex
    PRIMARY KEY (sitting_id, receipt)
) WITHOUT ROWID;

CREATE TABLE ballot_approval (
    sitting_id INTEGER NOT NULL,
    receipt TEXT NOT NULL,
    case_id INTEGER NOT NULL REFERENCES "case"(id),
    PRIMARY KEY (sitting_id, receipt, case_id),
    FOREIGN KEY (sitting_id, receipt) REFERENCES ballot(sitting_id, receipt)
) WITHOUT ROWID;
-- The tally counts approvals by case.
CREATE INDEX ballot_approval_case ON ballot_approval(sitting_id, case_id);

-- The award proposal of a campaign: one row per awarded case, from the
-- tally and the ranking, then changed by hand within the quotas and caps.
CREATE TABLE award (
    campaign_id INTEGER NOT NULL REFERENCES campaign(id),
    case_id INTEGER NOT NULL REFERENCES "case"(id),
    tier_id INTEGER NOT NULL REFERENCES tier(id),
    ord INTEGER NOT NULL,       -- the tally's order, best first
    why TEXT NOT NULL CHECK (why IN ('in_order','region_cap','manual')),
    capped_tier_id INTEGER REFERENCES tier(id), -- region_cap: the tier it was capped out of
    PRIMARY KEY (campaign_id, case_id)
) WITHOUT ROWID;

-- 公示: the proposed awards published for a number of working days.  The
-- period's end is computed from the official calendar and the organiser's
-- own lines (domain/workdays.h), kept as typed.  While it is open the
-- proposal is frozen; closing writes the final tiers to the cases.
CREATE TABLE notice (
    campaign_id INTEGER PRIMARY KEY REFERENCES campaign(id),
    stage_id INTEGER NOT NULL REFERENCES stage(id),
    days INTEGER NOT NULL CHECK (days > 0),
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    contact TEXT NOT NULL,          -- how to object, as the organiser words it
    calendar TEXT NOT NULL DEFAULT '', -- the organiser's own days off and worked
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','closed')),
    published_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
    closed_at TEXT
);

-- Objections to a case during the notice; private to the organiser.
CREATE TABLE objection (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaign(id),
    case_id INTEGER NOT NULL REFERENCES "case"(id),
    name TEXT NOT NULL,
    contact TEXT NOT NULL,
    reason TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','upheld','rejected')),
    answer TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
    answered_at TEXT
);
CREATE INDEX objection_campaign ON objection(campaign_id, state);

-- One-time codes that verify an objector's e-mail address: its digest with
-- the code, valid 10 minutes, 5 tries.
CREATE TABLE objection_code (
    campaign_id INTEGER NOT NULL REFERENCES campaign(id),
    contact TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL, -- unix seconds
    PRIMARY KEY (campaign_id, contact)
) WITHOUT ROWID;
