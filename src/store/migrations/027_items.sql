-- CUST-7 (issue 14): items (configuration items, assets) of an account, with the people
-- who own them or with whom they are shared; contracts held by an item and the item a
-- request is about (CUST-8).
CREATE TABLE items (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  number TEXT NOT NULL,
  name TEXT NOT NULL,
  category TEXT,
  organization_id BIGINT REFERENCES organizations (id),
  location_id BIGINT REFERENCES locations (id),
  department_id BIGINT REFERENCES departments (id),
  status TEXT NOT NULL DEFAULT 'in_use',
  serial TEXT,
  notes TEXT,
  custom_fields TEXT NOT NULL DEFAULT '{}',
  -- where the record came from (manual; rmm for RMM assets) and its key there
  source TEXT NOT NULL DEFAULT 'manual',
  source_id TEXT,
  version BIGINT NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX items_number ON items (account_id, number);
CREATE INDEX items_account ON items (account_id, id);
CREATE INDEX items_organization ON items (organization_id, id);
CREATE INDEX items_location ON items (location_id);
CREATE INDEX items_department ON items (department_id);

-- Who an item belongs to (owner) or is shared with (shared): one row per person and item.
CREATE TABLE item_people (
  account_id TEXT NOT NULL REFERENCES accounts (id),
  item_id BIGINT NOT NULL REFERENCES items (id),
  person_id BIGINT NOT NULL REFERENCES people (id),
  relation TEXT NOT NULL CHECK (relation IN ('owner', 'shared')),
  PRIMARY KEY (item_id, person_id)
);
CREATE INDEX item_people_person ON item_people (person_id, item_id);

ALTER TABLE contracts ADD COLUMN item_id BIGINT REFERENCES items (id);
CREATE INDEX contracts_item ON contracts (item_id, start_date);
ALTER TABLE requests ADD COLUMN item_id BIGINT REFERENCES items (id);
CREATE INDEX requests_item ON requests (item_id, id);
