-- Login sessions end (ACC-8): after an absolute limit (expires_at) and after idle_s
-- seconds without use (idle_until, moved on as the session is used). Both NULL for API
-- tokens, which live until revoked. Sessions from before this migration had neither
-- limit: they are ended.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
ALTER TABLE api_tokens ADD COLUMN idle_s BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN idle_until TEXT;
UPDATE api_tokens SET revoked = TRUE WHERE kind = 'session';
