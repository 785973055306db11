-- PART-5: banners. One row per partner organization with a banner, and the account's
-- system banner (organization_id NULL): the PNG as base64 text (the store binds text, not
-- bytes; a banner is at most 256 KB), its size and digest (the ETag). Portable SQL: the
-- partial unique indexes keep one banner per organization and one system banner per
-- account on both backends.
CREATE TABLE banners (
  account_id TEXT NOT NULL REFERENCES accounts (id),
  organization_id BIGINT REFERENCES organizations (id),
  png TEXT NOT NULL,
  size BIGINT NOT NULL,
  digest TEXT NOT NULL,
  created_by BIGINT,
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX banners_organization ON banners (account_id, organization_id)
  WHERE organization_id IS NOT NULL;
CREATE UNIQUE INDEX banners_system ON banners (account_id) WHERE organization_id IS NULL;
-- Whether a partner organization's customers see its banner (true) or the system banner.
ALTER TABLE organizations ADD COLUMN use_custom_banner BOOLEAN NOT NULL DEFAULT TRUE;
