-- 理论自习室: articles for a subtree's members, and reading sessions checked on the server.
CREATE TABLE articles (
    id {id},
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    author TEXT NOT NULL,
    column_name TEXT NOT NULL,
    tags TEXT NOT NULL,
    body TEXT NOT NULL,
    publish_at BIGINT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX articles_publish ON articles (publish_at);

CREATE TABLE article_reads (
    article_id BIGINT NOT NULL REFERENCES articles(id),
    member_id BIGINT NOT NULL REFERENCES members(id),
    started_at BIGINT NOT NULL,
    completed_at BIGINT,
    PRIMARY KEY (article_id, member_id)
);
