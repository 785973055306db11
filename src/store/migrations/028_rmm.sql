-- RMM account synchronization (issue 15, RMM-1/2): the RMM's organizations as the last
-- load found them, each with its mapping to an organization of the account (at most one,
-- and an organization maps to at most one RMM organization: the unique index below;
-- NULLs do not collide on either backend) and the name proposal that load computed.
--   rmm_id        the RMM's key (VSA OrgId) as text
--   name_key      the name folded (case and spacing) for proposals and the q filter
--   data          the RMM's record as loaded (JSON text)
--   present       false when the last load no longer found it (kept while mapped)
--   proposed_id   the organization of the same folded name, when the load found one; only
--                 a proposal until a person confirms it (RMM-2); cleared by an unmapping
CREATE TABLE rmm_orgs (
  id BIGINT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id),
  rmm_id TEXT NOT NULL,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  ref TEXT,
  parent_rmm_id TEXT,
  data TEXT NOT NULL,
  present BOOLEAN NOT NULL DEFAULT TRUE,
  proposed_id BIGINT REFERENCES organizations (id),
  organization_id BIGINT REFERENCES organizations (id),
  loaded_at TEXT NOT NULL,
  version BIGINT NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX rmm_orgs_key ON rmm_orgs (account_id, rmm_id);
CREATE UNIQUE INDEX rmm_orgs_mapped ON rmm_orgs (organization_id);
CREATE INDEX rmm_orgs_account ON rmm_orgs (account_id, id);
CREATE INDEX rmm_orgs_name ON rmm_orgs (account_id, name_key);
CREATE INDEX rmm_orgs_proposed ON rmm_orgs (proposed_id);
-- RMM-3: organizations waiting to be created in the RMM (an export, or "push automatically"
-- when they were created); rmm_export jobs drain it, one organization a transaction. A job
-- claims an organization (claimed_by: its worker) before it creates it in the RMM, so two
-- jobs never create the same one; a claim older than the job lease is taken over.
CREATE TABLE rmm_push (
  organization_id BIGINT PRIMARY KEY REFERENCES organizations (id),
  account_id TEXT NOT NULL REFERENCES accounts (id),
  queued_at TEXT NOT NULL,
  claimed_by TEXT,
  claimed_at TEXT
);
CREATE INDEX rmm_push_account ON rmm_push (account_id, organization_id);
