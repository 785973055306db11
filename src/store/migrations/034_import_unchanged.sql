-- Issue 11: a CSV row that leaves its customer as it is reports 'unchanged' (the record
-- engine writes nothing for it), counted in imports.unchanged. The result CHECK of
-- import_rows takes the new value in each backend's file.
ALTER TABLE imports ADD COLUMN unchanged BIGINT NOT NULL DEFAULT 0;
