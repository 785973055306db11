-- Customer imports from CSV (IMP-1..5). Portable SQL only. An import is a job (table jobs,
-- migration 002: status, claim, heartbeat) plus this row with what to import and how far
-- it got; the file itself lives under the data directory (imports/<account>/<id>.csv).
--   phase      rows -> deferred -> done: the main pass over the file, then the rows that
--              waited for a line manager defined further down the file.
--   processed  records of the file handled by committed batches: the resume offset.
--   created, updated, failed, deferred   committed counts of rows by result; skipped:
--              records with every field empty (spreadsheets write them), not rows.
CREATE TABLE imports (
  id BIGINT PRIMARY KEY REFERENCES jobs (id),
  account_id TEXT NOT NULL REFERENCES accounts (id),
  kind TEXT NOT NULL,
  file_path TEXT NOT NULL,
  charset TEXT NOT NULL,
  separator TEXT NOT NULL,
  ignore_first_line BOOLEAN NOT NULL,
  web_access BOOLEAN NOT NULL,
  dry_run BOOLEAN NOT NULL,
  mapping TEXT NOT NULL,
  caller TEXT NOT NULL,
  total_rows BIGINT NOT NULL DEFAULT 0,
  phase TEXT NOT NULL DEFAULT 'rows' CHECK (phase IN ('rows', 'deferred', 'done')),
  processed BIGINT NOT NULL DEFAULT 0,
  created BIGINT NOT NULL DEFAULT 0,
  updated BIGINT NOT NULL DEFAULT 0,
  failed BIGINT NOT NULL DEFAULT 0,
  deferred BIGINT NOT NULL DEFAULT 0,
  skipped BIGINT NOT NULL DEFAULT 0,
  started_at TEXT,
  finished_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX imports_account ON imports (account_id, id);

-- One row per record of the file (IMP-3): its physical line, the result, every reason.
-- result 'deferred' is a row waiting for its line manager; fields then holds the record's
-- values (JSON array) until the deferred pass decides it.
CREATE TABLE import_rows (
  import_id BIGINT NOT NULL REFERENCES imports (id),
  line BIGINT NOT NULL,
  result TEXT NOT NULL CHECK (result IN ('created', 'updated', 'failed', 'deferred')),
  username TEXT,
  person_id BIGINT,
  errors TEXT,
  fields TEXT,
  PRIMARY KEY (import_id, line)
);
CREATE INDEX import_rows_username ON import_rows (import_id, username, line);
CREATE INDEX import_rows_result ON import_rows (import_id, result, line);

-- Primary contacts of organizational units (ORG-5; the import template's "Primary Company
-- Contact" and "Primary Department Contact" columns).
CREATE TABLE organization_contacts (
  account_id TEXT NOT NULL REFERENCES accounts (id),
  organization_id BIGINT NOT NULL REFERENCES organizations (id),
  person_id BIGINT NOT NULL REFERENCES people (id),
  created_at TEXT NOT NULL,
  PRIMARY KEY (organization_id, person_id)
);
CREATE INDEX organization_contacts_account ON organization_contacts (account_id, person_id);

-- Organizational units found by name (company, department under company) on every row.
CREATE INDEX organizations_name ON organizations (account_id, name);
