-- Background jobs: imports, directory and RMM syncs, anything a worker of any rolodeskd
-- process runs for an account. Portable SQL only. Workers claim jobs through the
-- database with rd_job_claim (store.h): PostgreSQL `FOR UPDATE SKIP LOCKED`, SQLite one
-- writer, so several daemons on one database never run a job twice at once.
--   status      queued -> running -> done | failed; a running job whose heartbeat_at is
--               older than the lease goes back to whichever worker claims next.
--   payload     JSON text: what to do (file key, mapping, options), set by the creator.
--   total, processed, succeeded, failed_items   progress counters for progress bars.
--   claimed_by  which process/thread runs it; attempts counts the claims.
--   result      JSON text: the report (per-row errors, created/updated ids), when done.
CREATE TABLE jobs (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  kind TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'done', 'failed')),
  payload TEXT NOT NULL DEFAULT '{}',
  total BIGINT NOT NULL DEFAULT 0,
  processed BIGINT NOT NULL DEFAULT 0,
  succeeded BIGINT NOT NULL DEFAULT 0,
  failed_items BIGINT NOT NULL DEFAULT 0,
  result TEXT,
  error TEXT,
  created_by BIGINT,
  claimed_by TEXT,
  heartbeat_at TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  version BIGINT NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
-- The claim looks for the oldest queued (or stale running) job across all accounts.
CREATE INDEX jobs_claim ON jobs (status, id);
CREATE INDEX jobs_account ON jobs (account_id, id);
