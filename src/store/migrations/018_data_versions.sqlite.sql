-- Issue 12, page cache: the triggers of data_versions (see 018_data_versions.sql). One
-- upsert per changed row of the tables a list page reads. The side tables of a person
-- (person_emails, custom_values, person_search) have none: every change to them comes with
-- a change of their record's row in the same transaction (its version), which bumps the
-- counter; a trigger there would cost each imported row two more upserts. The one
-- exception, the search backfill filling rows without a document, has its own trigger.
CREATE TRIGGER dv_organizations_i AFTER INSERT ON organizations BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
  INSERT INTO data_versions VALUES ('*', 'cross', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_organizations_u AFTER UPDATE ON organizations BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
  INSERT INTO data_versions VALUES ('*', 'cross', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_organizations_d AFTER DELETE ON organizations BEGIN
  INSERT INTO data_versions VALUES (old.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
  INSERT INTO data_versions VALUES ('*', 'cross', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_people_i AFTER INSERT ON people BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_people_u AFTER UPDATE ON people BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_people_d AFTER DELETE ON people BEGIN
  INSERT INTO data_versions VALUES (old.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_custom_fields_i AFTER INSERT ON custom_fields BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_custom_fields_u AFTER UPDATE ON custom_fields BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_custom_fields_d AFTER DELETE ON custom_fields BEGIN
  INSERT INTO data_versions VALUES (old.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_teams_i AFTER INSERT ON teams BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_teams_u AFTER UPDATE ON teams BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_teams_d AFTER DELETE ON teams BEGIN
  INSERT INTO data_versions VALUES (old.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_services_i AFTER INSERT ON services BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
  INSERT INTO data_versions VALUES ('*', 'cross', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_services_u AFTER UPDATE ON services BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
  INSERT INTO data_versions VALUES ('*', 'cross', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_services_d AFTER DELETE ON services BEGIN
  INSERT INTO data_versions VALUES (old.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
  INSERT INTO data_versions VALUES ('*', 'cross', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_slas_i AFTER INSERT ON slas BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
  INSERT INTO data_versions VALUES ('*', 'cross', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_slas_u AFTER UPDATE ON slas BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
  INSERT INTO data_versions VALUES ('*', 'cross', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_slas_d AFTER DELETE ON slas BEGIN
  INSERT INTO data_versions VALUES (old.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
  INSERT INTO data_versions VALUES ('*', 'cross', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_flsas_i AFTER INSERT ON flsas BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
  INSERT INTO data_versions VALUES ('*', 'cross', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_flsas_u AFTER UPDATE ON flsas BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
  INSERT INTO data_versions VALUES ('*', 'cross', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_flsas_d AFTER DELETE ON flsas BEGIN
  INSERT INTO data_versions VALUES (old.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
  INSERT INTO data_versions VALUES ('*', 'cross', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_org_annotations_i AFTER INSERT ON org_annotations BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_org_annotations_u AFTER UPDATE ON org_annotations BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_org_annotations_d AFTER DELETE ON org_annotations BEGIN
  INSERT INTO data_versions VALUES (old.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_organization_contacts_i AFTER INSERT ON organization_contacts BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_organization_contacts_u AFTER UPDATE ON organization_contacts BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_organization_contacts_d AFTER DELETE ON organization_contacts BEGIN
  INSERT INTO data_versions VALUES (old.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_trusts_i AFTER INSERT ON trusts BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
  INSERT INTO data_versions VALUES (new.trusted_account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
  INSERT INTO data_versions VALUES ('*', 'cross', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_trusts_u AFTER UPDATE ON trusts BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
  INSERT INTO data_versions VALUES (new.trusted_account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
  INSERT INTO data_versions VALUES ('*', 'cross', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_trusts_d AFTER DELETE ON trusts BEGIN
  INSERT INTO data_versions VALUES (old.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
  INSERT INTO data_versions VALUES (old.trusted_account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
  INSERT INTO data_versions VALUES ('*', 'cross', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_accounts_i AFTER INSERT ON accounts BEGIN
  INSERT INTO data_versions VALUES (new.id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
  INSERT INTO data_versions VALUES ('*', 'cross', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_accounts_u AFTER UPDATE ON accounts BEGIN
  INSERT INTO data_versions VALUES (new.id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
  INSERT INTO data_versions VALUES ('*', 'cross', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_accounts_d AFTER DELETE ON accounts BEGIN
  INSERT INTO data_versions VALUES (old.id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
  INSERT INTO data_versions VALUES ('*', 'cross', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_person_search_backfill AFTER UPDATE OF doc ON person_search
 WHEN old.doc IS NULL BEGIN
  INSERT INTO data_versions VALUES (new.account_id, 'rec', 1)
   ON CONFLICT (account_id, kind) DO UPDATE SET version = version + 1;
END;
