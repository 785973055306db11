-- Foundation: accounts, people, organizations, custom fields, tokens, attachments, audit.
-- Portable SQL only (SQLite and PostgreSQL run this same file). Times are RFC 3339 UTC
-- text, dates YYYY-MM-DD text, JSON documents text. Every tenant table has account_id.

CREATE TABLE id_sequence (value BIGINT NOT NULL);
INSERT INTO id_sequence (value) VALUES (0);

CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  settings TEXT NOT NULL,
  version BIGINT NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE organizations (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  name TEXT NOT NULL,
  parent_id BIGINT REFERENCES organizations (id),
  manager_id BIGINT,
  financial_id TEXT,
  remarks TEXT,
  remarks_attachments TEXT NOT NULL DEFAULT '[]',
  disabled BOOLEAN NOT NULL DEFAULT FALSE,
  partner BOOLEAN NOT NULL DEFAULT FALSE,
  picture_uri TEXT,
  contact TEXT NOT NULL DEFAULT '{}',
  custom_fields TEXT NOT NULL DEFAULT '{}',
  source TEXT NOT NULL DEFAULT 'manual',
  source_id TEXT,
  version BIGINT NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX organizations_account ON organizations (account_id, id);
CREATE INDEX organizations_financial ON organizations (account_id, financial_id);
CREATE INDEX organizations_parent ON organizations (parent_id);

CREATE TABLE people (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  username TEXT NOT NULL,
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL,
  title TEXT,
  primary_email TEXT,
  send_to TEXT,
  password_hash TEXT,
  web_access BOOLEAN NOT NULL DEFAULT TRUE,
  organization_id BIGINT REFERENCES organizations (id),
  line_manager_id BIGINT REFERENCES people (id),
  supervisor_id BIGINT REFERENCES people (id),
  room TEXT,
  address_1 TEXT,
  address_2 TEXT,
  city TEXT,
  state TEXT,
  postcode TEXT,
  country TEXT,
  email_locale TEXT,
  phone TEXT,
  mobile TEXT,
  fax TEXT,
  pager TEXT,
  sms_override TEXT,
  partner_organization_id BIGINT REFERENCES organizations (id),
  time_zone TEXT,
  last_login_at TEXT,
  last_login_host TEXT,
  gps TEXT,
  roles INTEGER NOT NULL DEFAULT 0,
  default_portal TEXT,
  notes TEXT,
  custom_fields TEXT NOT NULL DEFAULT '{}',
  source TEXT NOT NULL DEFAULT 'manual',
  source_id TEXT,
  deleted BOOLEAN NOT NULL DEFAULT FALSE,
  version BIGINT NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (account_id, username)
);
CREATE INDEX people_account ON people (account_id, id);
CREATE INDEX people_organization ON people (organization_id);

-- Every address (primary or alias) of a person, lower-cased: one person per address
-- in an account (CUST-2).
CREATE TABLE person_emails (
  account_id TEXT NOT NULL REFERENCES accounts (id),
  address TEXT NOT NULL,
  person_id BIGINT NOT NULL REFERENCES people (id),
  is_primary BOOLEAN NOT NULL DEFAULT FALSE,
  PRIMARY KEY (account_id, address)
);
CREATE INDEX person_emails_person ON person_emails (person_id);

CREATE TABLE custom_fields (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  record_type TEXT NOT NULL,
  field_key TEXT NOT NULL,
  label TEXT NOT NULL,
  type TEXT NOT NULL,
  required BOOLEAN NOT NULL DEFAULT FALSE,
  max_length INTEGER,
  options TEXT,
  version BIGINT NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (account_id, record_type, field_key)
);

-- Custom field values as rows, for filtering (ORG-4, CUST-4). account_id is the account
-- that owns the value: the record's own account, or the viewer of a foreign record.
CREATE TABLE custom_values (
  account_id TEXT NOT NULL REFERENCES accounts (id),
  record_id BIGINT NOT NULL,
  field_key TEXT NOT NULL,
  value_text TEXT,
  value_num DOUBLE PRECISION,
  PRIMARY KEY (account_id, record_id, field_key)
);
CREATE INDEX custom_values_lookup ON custom_values (account_id, field_key, value_text);

CREATE TABLE api_tokens (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  person_id BIGINT NOT NULL REFERENCES people (id),
  token_hash TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX api_tokens_person ON api_tokens (person_id);

-- Failed logins per key ("user:<account>:<username>" or "addr:<ip>") in a window.
CREATE TABLE login_failures (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  window_start BIGINT NOT NULL
);

CREATE TABLE attachments (
  key TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  filename TEXT NOT NULL,
  size BIGINT NOT NULL,
  content_type TEXT NOT NULL,
  created_by BIGINT,
  created_at TEXT NOT NULL
);

CREATE TABLE audit (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  at TEXT NOT NULL,
  actor_id BIGINT,
  actor_name TEXT,
  record_type TEXT NOT NULL,
  record_id BIGINT NOT NULL,
  action TEXT NOT NULL,
  changes TEXT NOT NULL
);
CREATE INDEX audit_record ON audit (account_id, record_type, record_id, id);
