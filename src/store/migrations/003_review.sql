-- 003_review.sql — review rounds: how each stage is run (criteria, reviewers
-- per case, blindness, aggregation and advancement rules), the reviewer pool
-- and its conflicts (回避), the assignments, the reviews and their scores,
-- and each stage's pool of cases with its results.
ALTER TABLE stage ADD COLUMN reviewers_per_case INTEGER NOT NULL DEFAULT 5;
ALTER TABLE stage ADD COLUMN blind INTEGER NOT NULL DEFAULT 1;
ALTER TABLE stage ADD COLUMN max_same_region INTEGER NOT NULL DEFAULT 2;
ALTER TABLE stage ADD COLUMN exclude_previous INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stage ADD COLUMN aggregation TEXT NOT NULL DEFAULT 'trimmed'
    CHECK (aggregation IN ('mean','median','trimmed'));
ALTER TABLE stage ADD COLUMN trim_k INTEGER NOT NULL DEFAULT 1;   -- drop k highest and k lowest
ALTER TABLE stage ADD COLUMN trim_min INTEGER NOT NULL DEFAULT 5; -- ... when at least this many
ALTER TABLE stage ADD COLUMN normalise INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stage ADD COLUMN previous_weight REAL NOT NULL DEFAULT 0;
ALTER TABLE stage ADD COLUMN vote_weight REAL NOT NULL DEFAULT 0;
ALTER TABLE stage ADD COLUMN quorum INTEGER NOT NULL DEFAULT 3;
ALTER TABLE stage ADD COLUMN advance_rule TEXT NOT NULL DEFAULT 'top'
    CHECK (advance_rule IN ('top','top_per_region','top_per_track','threshold'));
ALTER TABLE stage ADD COLUMN advance_n INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stage ADD COLUMN advance_threshold REAL NOT NULL DEFAULT 0;
-- setup → proposed (assignments drafted) → released (reviewers see them)
-- → closed (no more scoring) → ranked → advanced
ALTER TABLE stage ADD COLUMN state TEXT NOT NULL DEFAULT 'setup'
    CHECK (state IN ('setup','proposed','released','closed','ranked','advanced'));

CREATE TABLE criterion (
    id INTEGER PRIMARY KEY,
    stage_id INTEGER NOT NULL REFERENCES stage(id),
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    max_score REAL NOT NULL CHECK (max_score > 0),
    weight REAL NOT NULL DEFAULT 1 CHECK (weight >= 0),
    UNIQUE (stage_id, seq)
);

-- The reviewer pool: an expert's home region and unit (for 回避), expertise
-- tags, and how many cases they may take.
CREATE TABLE reviewer (
    user_id INTEGER PRIMARY KEY REFERENCES user(id),
    region_code TEXT REFERENCES region(code),
    unit_id INTEGER REFERENCES unit(id),
    expertise TEXT NOT NULL DEFAULT '', -- tags separated by '|'
    max_load INTEGER NOT NULL DEFAULT 100 CHECK (max_load >= 0),
    active INTEGER NOT NULL DEFAULT 1
);

-- Conflicts declared by a reviewer or added by the organiser; the automatic
-- ones (same region, same unit) are derived, never stored.
CREATE TABLE conflict (
    case_id INTEGER NOT NULL REFERENCES "case"(id),
    user_id INTEGER NOT NULL REFERENCES user(id),
    source TEXT NOT NULL CHECK (source IN ('declared','organiser')),
    reason TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
    PRIMARY KEY (case_id, user_id)
);

-- The cases a stage reviews, and what it made of them.
CREATE TABLE stage_case (
    stage_id INTEGER NOT NULL REFERENCES stage(id),
    case_id INTEGER NOT NULL REFERENCES "case"(id),
    score REAL,            -- the blended result
    rank INTEGER,
    advanced INTEGER NOT NULL DEFAULT 0,
    borderline INTEGER NOT NULL DEFAULT 0,
    explanation TEXT,      -- JSON: dropped scores, normalisation, blend
    PRIMARY KEY (stage_id, case_id)
);

CREATE TABLE assignment (
    stage_id INTEGER NOT NULL REFERENCES stage(id),
    case_id INTEGER NOT NULL REFERENCES "case"(id),
    user_id INTEGER NOT NULL REFERENCES user(id),
    state TEXT NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed','released','dropped')),
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
    PRIMARY KEY (stage_id, case_id, user_id)
);
CREATE INDEX assignment_user ON assignment(user_id, stage_id);

CREATE TABLE review (
    stage_id INTEGER NOT NULL REFERENCES stage(id),
    case_id INTEGER NOT NULL REFERENCES "case"(id),
    user_id INTEGER NOT NULL REFERENCES user(id),
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','submitted')),
    comment TEXT NOT NULL DEFAULT '',
    total REAL,            -- the weighted total of the scores, on a 0..100 scale
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
    submitted_at TEXT,
    PRIMARY KEY (stage_id, case_id, user_id)
);

CREATE TABLE review_score (
    stage_id INTEGER NOT NULL,
    case_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    criterion_id INTEGER NOT NULL REFERENCES criterion(id),
    score REAL NOT NULL,
    PRIMARY KEY (stage_id, case_id, user_id, criterion_id),
    FOREIGN KEY (stage_id, case_id, user_id) REFERENCES review(stage_id, case_id, user_id)
);

-- Public votes of an exhibition stage (an issue of its own); the model holds them now.
CREATE TABLE vote_total (
    stage_id INTEGER NOT NULL REFERENCES stage(id),
    case_id INTEGER NOT NULL REFERENCES "case"(id),
    votes INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (stage_id, case_id)
);
