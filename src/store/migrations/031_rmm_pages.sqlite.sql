-- Issue 15: GET /v1/organizations?rmm_mapped= reads rmm_orgs, so its changes bump the
-- account's page counter like the tables of 018_data_versions.sqlite.sql.
CREATE TRIGGER dv_rmm_orgs_i AFTER INSERT ON rmm_orgs BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_rmm_orgs_u AFTER UPDATE ON rmm_orgs BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_rmm_orgs_d AFTER DELETE ON rmm_orgs BEGIN
  INSERT INTO data_versions VALUES (old.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
