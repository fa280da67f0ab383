-- 013_cert_layout.sql — the layout of a campaign's certificates (荣誉证书),
-- an organiser's setting (domain/cert_layout.h): the wording as templates,
-- the boxes in millimetres on A4 landscape, and the background and seal
-- images.  A NULL column, or no row, means the default of that part; the
-- images are small (4 MB and 1 MB at most) and kept here, so that a change
-- of layout and its audit row are one transaction.
CREATE TABLE cert_layout (
    campaign_id INTEGER PRIMARY KEY REFERENCES campaign(id),
    heading TEXT,
    salutation TEXT,
    sentence TEXT,
    award TEXT,
    organiser TEXT,
    date_line TEXT,
    positions TEXT,          -- {"heading": [x, y, w, h], ...} in mm
    background BLOB,         -- PNG or JPEG
    background_mime TEXT,
    seal BLOB,               -- PNG with transparency
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
