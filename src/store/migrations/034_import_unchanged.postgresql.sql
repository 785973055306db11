ALTER TABLE import_rows DROP CONSTRAINT import_rows_result_check;
ALTER TABLE import_rows ADD CONSTRAINT import_rows_result_check
 CHECK (result IN ('created', 'updated', 'unchanged', 'failed', 'deferred'));
