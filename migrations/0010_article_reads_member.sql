-- Study badges count a member's completed reads on every answer and read: by member, not a scan.
CREATE INDEX article_reads_member ON article_reads (member_id, completed_at);
