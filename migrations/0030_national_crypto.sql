-- Which hash the audit chain appends with (the algorithms the database keeps, see
-- settings.crypto_algorithms); a database made before the choice existed keeps SHA-256.
ALTER TABLE audit_head ADD COLUMN algorithm TEXT NOT NULL DEFAULT 'international';
