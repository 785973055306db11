-- Jobs that wait for a time (issue 15: scheduled RMM syncs, account setting
-- rmm.sync_every_minutes): claimed once the clock has reached run_at (RFC 3339 UTC, the
-- format of rd_time_now, which compares as text); NULL: at once. run_on (migration 026)
-- waits for a day the same way.
ALTER TABLE jobs ADD COLUMN run_at TEXT;
