-- Trusted accounts, services, agreements, teams and private annotations of foreign
-- organizations (TRUST-1..7). Portable SQL only.

-- "account_id trusts trusted_account_id" (TRUST-1, directed).
CREATE TABLE trusts (
  account_id TEXT NOT NULL REFERENCES accounts (id),
  trusted_account_id TEXT NOT NULL REFERENCES accounts (id),
  created_at TEXT NOT NULL,
  PRIMARY KEY (account_id, trusted_account_id)
);
CREATE INDEX trusts_trusted ON trusts (trusted_account_id, account_id);

CREATE TABLE teams (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  name TEXT NOT NULL,
  members TEXT NOT NULL DEFAULT '[]',
  version BIGINT NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX teams_account ON teams (account_id, id);

CREATE TABLE services (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  name TEXT NOT NULL,
  provider_org_id BIGINT NOT NULL REFERENCES organizations (id),
  version BIGINT NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX services_account ON services (account_id, id);

-- Agreements: status is computed from the dates and the cancelled flag at read time.
CREATE TABLE slas (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  service_id BIGINT NOT NULL REFERENCES services (id),
  customer_org_id BIGINT NOT NULL REFERENCES organizations (id),
  customer_account_id TEXT NOT NULL REFERENCES accounts (id),
  start_date TEXT NOT NULL,
  expiry_date TEXT,
  cancelled BOOLEAN NOT NULL DEFAULT FALSE,
  version BIGINT NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX slas_account ON slas (account_id, id);
CREATE INDEX slas_customer_account ON slas (customer_account_id, account_id);

CREATE TABLE flsas (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  provider_org_id BIGINT NOT NULL REFERENCES organizations (id),
  customer_org_id BIGINT NOT NULL REFERENCES organizations (id),
  customer_account_id TEXT NOT NULL REFERENCES accounts (id),
  service_desk_team_id BIGINT REFERENCES teams (id),
  start_date TEXT NOT NULL,
  expiry_date TEXT,
  cancelled BOOLEAN NOT NULL DEFAULT FALSE,
  version BIGINT NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX flsas_account ON flsas (account_id, id);
CREATE INDEX flsas_customer_account ON flsas (customer_account_id, account_id);

-- TRUST-5: what a viewer account keeps about another account's organization.
CREATE TABLE org_annotations (
  account_id TEXT NOT NULL REFERENCES accounts (id),
  organization_id BIGINT NOT NULL REFERENCES organizations (id),
  remarks TEXT,
  remarks_attachments TEXT NOT NULL DEFAULT '[]',
  financial_id TEXT,
  custom_fields TEXT NOT NULL DEFAULT '{}',
  version BIGINT NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (account_id, organization_id)
);
