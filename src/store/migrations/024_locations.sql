-- ORG-5 (issue 14): an organization's locations (one of them its main location) and its
-- departments (informational groupings for assets, each with a primary contact).
CREATE TABLE locations (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  organization_id BIGINT NOT NULL REFERENCES organizations (id),
  name TEXT NOT NULL,
  main BOOLEAN NOT NULL DEFAULT FALSE,
  address_1 TEXT,
  address_2 TEXT,
  city TEXT,
  state TEXT,
  postcode TEXT,
  country TEXT,
  phone TEXT,
  notes TEXT,
  version BIGINT NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX locations_name ON locations (organization_id, lower(name));
CREATE INDEX locations_account ON locations (account_id, id);

CREATE TABLE departments (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  organization_id BIGINT NOT NULL REFERENCES organizations (id),
  name TEXT NOT NULL,
  primary_contact_id BIGINT REFERENCES people (id),
  notes TEXT,
  version BIGINT NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX departments_name ON departments (organization_id, lower(name));
CREATE INDEX departments_account ON departments (account_id, id);
CREATE INDEX departments_contact ON departments (primary_contact_id);
