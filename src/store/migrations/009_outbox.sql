-- The mail outbox (ACC-8, CUST-6): every message rolodeskd sends is first a row here,
-- written in the same transaction as the change that causes it, and delivered by the
-- outbox workers of whichever rolodeskd claims it (src/mail/outbox.c). Portable SQL only.
--   kind        what composed it: credentials, password_reset, ...
--   request     JSON text of a message the worker still has to compose (a "forgot
--               password" request: {"username"} or {"email"}); recipient is NULL until
--               then. account_id has no foreign key for that reason: a request names an
--               account that may not exist, and the answer must not tell.
--   body        the text; NULL once the message is sent or has finally failed (it may
--               carry a password or a reset link).
--   state       queued -> sending -> sent | queued (retry at next_attempt_at) | failed.
--   claimed_by, lease_until   the worker sending it; a lease that ran out (its daemon
--               died) lets the next claim take it over. attempts counts the claims.
CREATE TABLE outbox (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  person_id BIGINT,
  recipient TEXT,
  recipient_name TEXT,
  sender_name TEXT,
  subject TEXT,
  body TEXT,
  request TEXT,
  state TEXT NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  last_error TEXT,
  claimed_by TEXT,
  lease_until TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  sent_at TEXT
);
-- The claim looks for due messages of any account; GET /v1/outbox lists one account's.
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_account ON outbox (account_id, id);
