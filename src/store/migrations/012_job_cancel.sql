-- Cancelling jobs (issue 11, the job runner of src/jobs/). Portable SQL only.
--   cancel_requested  set by a cancel (POST /v1/imports/{id}/cancel): a queued job ends at
--                     once, a running one at its next batch. A cancelled job ends with
--                     status 'failed' and error 'cancelled' (the status CHECK of
--                     migration 002 stays as it is: see docs/DECISIONS.md).
ALTER TABLE jobs ADD COLUMN cancel_requested BOOLEAN NOT NULL DEFAULT FALSE;
