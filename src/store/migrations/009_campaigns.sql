-- 009_campaigns.sql — the rules a call states, kept with its campaign so that
-- the server enforces what the notice says: how many cases one unit may
-- submit (0: no limit), how many attachments a case must carry and what they
-- are, in words the form shows.
ALTER TABLE campaign ADD COLUMN cases_per_unit INTEGER NOT NULL DEFAULT 1
    CHECK (cases_per_unit >= 0);
ALTER TABLE campaign ADD COLUMN attachments_min INTEGER NOT NULL DEFAULT 0
    CHECK (attachments_min >= 0);
ALTER TABLE campaign ADD COLUMN attachments_note TEXT NOT NULL DEFAULT '';
