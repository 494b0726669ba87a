-- Photos in articles (a cover, and pictures placed in the text) and in 党建新鲜事 posts.
-- The files are in storage; a row points at a file that was written before it.
CREATE TABLE content_photos (
    id {id},
    owner_kind TEXT NOT NULL,
    owner_id BIGINT NOT NULL,
    role TEXT NOT NULL,
    position BIGINT NOT NULL,
    storage_key TEXT NOT NULL,
    thumb_key TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX content_photos_owner ON content_photos (owner_kind, owner_id, position);
