-- 008: news written by the organiser.  An article gets a slug (its public
-- URL; /news/{id} keeps working), a state (draft, published, unpublished:
-- only published ones are public), a cover image, what kind of text it is
-- (news, a 公示 or a 结果公告 drafted from the data) and when it was last
-- saved.  Articles already there are published news; an article inserted
-- without a slug (the demo's loader) gets news-<id>.  Images uploaded for
-- articles are content-addressed files like attachments (files/<2 hex>/<sha256>).
ALTER TABLE article ADD COLUMN slug TEXT;
ALTER TABLE article ADD COLUMN status TEXT NOT NULL DEFAULT 'published'
    CHECK (status IN ('draft', 'published', 'unpublished'));
ALTER TABLE article ADD COLUMN kind TEXT NOT NULL DEFAULT 'news'
    CHECK (kind IN ('news', 'notice', 'results'));
ALTER TABLE article ADD COLUMN cover TEXT;
ALTER TABLE article ADD COLUMN updated_at TEXT;

UPDATE article SET slug = 'news-' || id;
CREATE UNIQUE INDEX article_slug ON article(slug);
CREATE INDEX article_public ON article(campaign_id, status, published_at);

CREATE TRIGGER article_default_slug AFTER INSERT ON article WHEN NEW.slug IS NULL
BEGIN
    UPDATE article SET slug = 'news-' || NEW.id WHERE id = NEW.id;
END;

CREATE TABLE news_image (
    article_id INTEGER NOT NULL REFERENCES article(id),
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    mime TEXT NOT NULL CHECK (mime IN ('image/png', 'image/jpeg', 'image/gif')),
    size INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (article_id, sha256)
) WITHOUT ROWID;
CREATE INDEX news_image_sha ON news_image(sha256);
