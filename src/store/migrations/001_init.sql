-- 001_init.sql — the public side of a campaign: campaigns, their stages,
-- tiers and tracks; regions and units; cases with sections, tags and
-- attachments; news articles; and the search indexes.
CREATE TABLE campaign (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    theme TEXT NOT NULL DEFAULT '',
    organisers TEXT NOT NULL DEFAULT '',
    call_md TEXT NOT NULL DEFAULT '',
    opens_at TEXT NOT NULL,
    closes_at TEXT NOT NULL,
    published_at TEXT,
    status TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft','open','closed','screening','recommended','review',
                          'notice','published','archived'))
);

CREATE TABLE stage (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaign(id),
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('review','exhibition','ballot')),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    UNIQUE (campaign_id, seq)
);

CREATE TABLE tier (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaign(id),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    quota INTEGER NOT NULL CHECK (quota >= 0),
    rank INTEGER NOT NULL,
    UNIQUE (campaign_id, slug)
);

CREATE TABLE track (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaign(id),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (campaign_id, slug)
);

CREATE TABLE region (
    code TEXT PRIMARY KEY,           -- GB/T 2260
    name TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT ''  -- the recommending body
);

CREATE TABLE unit (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES unit(id),
    region_code TEXT NOT NULL REFERENCES region(code),
    name TEXT NOT NULL,
    level INTEGER NOT NULL
);
CREATE INDEX unit_region ON unit(region_code);

CREATE TABLE "case" (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaign(id),
    unit_id INTEGER NOT NULL REFERENCES unit(id),
    region_code TEXT NOT NULL REFERENCES region(code),
    track_id INTEGER NOT NULL REFERENCES track(id),
    tier_id INTEGER REFERENCES tier(id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'draft',
    submitted_at TEXT,
    published_at TEXT,
    views INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX case_campaign_published ON "case"(campaign_id, published_at, id);
CREATE INDEX case_region ON "case"(region_code, published_at);
CREATE INDEX case_tier ON "case"(tier_id);
CREATE INDEX case_views ON "case"(campaign_id, views);

CREATE TABLE case_section (
    case_id INTEGER NOT NULL REFERENCES "case"(id),
    seq INTEGER NOT NULL,            -- 1..5: the case template's sections
    body_md TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);

CREATE TABLE tag (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE case_tag (
    case_id INTEGER NOT NULL REFERENCES "case"(id),
    tag_id INTEGER NOT NULL REFERENCES tag(id),
    PRIMARY KEY (case_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX case_tag_tag ON case_tag(tag_id, case_id);

CREATE TABLE attachment (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES "case"(id),
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,              -- the original name, metadata only
    mime TEXT NOT NULL,
    size INTEGER NOT NULL
);
CREATE INDEX attachment_case ON attachment(case_id);

CREATE TABLE article (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaign(id),
    title TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    published_at TEXT NOT NULL,
    body_md TEXT NOT NULL,
    views INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE article_tag (
    article_id INTEGER NOT NULL REFERENCES article(id),
    tag_id INTEGER NOT NULL REFERENCES tag(id),
    PRIMARY KEY (article_id, tag_id)
) WITHOUT ROWID;

-- Substring search over a case's words: trigrams for queries of three
-- characters or more.  Shorter queries use case_short (see store/search.c).
CREATE VIRTUAL TABLE case_fts USING fts5(
    title, unit, tags, body, content='', tokenize='trigram');

-- Queries of one or two characters (社区, 党): every character position as
-- a bigram token (the tokenizer is Laurel's own, see store/search.c), so a
-- two-character query is one term and a one-character query a prefix.
-- Only the short fields are indexed: a body index of both kinds would
-- double the time to load a campaign (measured in docs/BENCHMARKS.md).
CREATE VIRTUAL TABLE case_short USING fts5(
    title, unit, tags, summary, content='', tokenize='laurel_bigram');
