-- SQLite changes a CHECK only by building the table again (its rows copied as they are).
CREATE TABLE import_rows_new (
  import_id BIGINT NOT NULL REFERENCES imports (id),
  line BIGINT NOT NULL,
  result TEXT NOT NULL CHECK (result IN ('created', 'updated', 'unchanged', 'failed', 'deferred')),
  username TEXT,
  person_id BIGINT,
  errors TEXT,
  fields TEXT,
  changes TEXT,
  PRIMARY KEY (import_id, line)
);
INSERT INTO import_rows_new (import_id, line, result, username, person_id, errors, fields, changes)
 SELECT import_id, line, result, username, person_id, errors, fields, changes FROM import_rows;
DROP TABLE import_rows;
ALTER TABLE import_rows_new RENAME TO import_rows;
CREATE INDEX import_rows_username ON import_rows (import_id, username, line);
CREATE INDEX import_rows_result ON import_rows (import_id, result, line);
