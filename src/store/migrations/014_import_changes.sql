-- IMP-4, issue 11 (a dry run with a diff): what a dry run's created or updated row would
-- change, as the audit row of a real run would write it ({"field": {"old": ..., "new":
-- ...}}); NULL for real runs (their audit trail has it) and for failed or deferred rows.
ALTER TABLE import_rows ADD COLUMN changes TEXT;
