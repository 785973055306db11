-- CUST-9 mail in. Portable SQL.
--   outbox.cc          the alias a customer wrote from, copied on the acknowledgement
--   outbox.message_id  our own Message-ID of a mail-in message (without <>): replies thread
--                      on it, and a message that comes back with it is a loop
CREATE TABLE mail_in_log (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  received_at TEXT NOT NULL,
  sender TEXT,
  message_id TEXT,
  -- created (a new request), noted (a note on one), dropped (auto-reply, loop, rate),
  -- rejected (unknown sender, a reply queued)
  outcome TEXT NOT NULL,
  request_id BIGINT,
  person_id BIGINT,
  reason TEXT
);
CREATE INDEX mail_in_log_account ON mail_in_log (account_id, id);
-- the per-sender rate limit counts one sender's recent messages
CREATE INDEX mail_in_log_sender ON mail_in_log (account_id, sender, received_at);

-- Attachments that came with a mail (rows of attachments, migration 011, by key).
CREATE TABLE request_attachments (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  request_id BIGINT NOT NULL REFERENCES requests (id),
  attachment_key TEXT NOT NULL,
  filename TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size BIGINT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX request_attachments_request ON request_attachments (request_id, id);
CREATE INDEX request_attachments_key ON request_attachments (attachment_key);

-- The per-account inbound secret of POST /v1/mail/inbound (rdmail.<account>.<secret>):
-- only its BLAKE2b hash, hex.
CREATE TABLE mail_in_secrets (
  account_id TEXT PRIMARY KEY REFERENCES accounts (id),
  secret_hash TEXT NOT NULL,
  created_at TEXT NOT NULL
);

ALTER TABLE outbox ADD COLUMN cc TEXT;
ALTER TABLE outbox ADD COLUMN message_id TEXT;
CREATE INDEX outbox_message_id ON outbox (message_id);
