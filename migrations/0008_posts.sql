-- 党建新鲜事: organizations' posts, reviewed by a superior unless it trusts the poster.
CREATE TABLE posts (
    id {id},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    author_id BIGINT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    return_reason TEXT NOT NULL DEFAULT '',
    reviewed_by BIGINT,
    created_at BIGINT NOT NULL,
    reviewed_at BIGINT
);
CREATE INDEX posts_org ON posts (org_id, status);
CREATE INDEX posts_status ON posts (status, id);

CREATE TABLE post_likes (
    post_id BIGINT NOT NULL REFERENCES posts(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (post_id, user_id)
);

-- Organizations whose posts go out without review.
CREATE TABLE trusted_orgs (
    org_id BIGINT PRIMARY KEY REFERENCES orgs(id),
    trusted_by BIGINT NOT NULL,
    trusted_at BIGINT NOT NULL
);
