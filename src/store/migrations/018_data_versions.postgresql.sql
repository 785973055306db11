-- Issue 12, page cache: the triggers of data_versions (see 018_data_versions.sql). A
-- transaction bumps a counter once (the first row it changes; the rd.dv_* settings, local
-- to the transaction and undone with a rolled back savepoint, remember it): readers see the
-- new value only with the transaction's commit, so one bump covers all its rows.
-- An account's counter is bumped at the first change, and its row stays locked until the
-- writer's commit: the account's writers take turns there, as they do on SQLite. The
-- installation-wide cross counter is bumped at commit (a deferred constraint trigger), so
-- it is locked only while a transaction commits, and a committing transaction waits for
-- nothing else: writers of different accounts never wait for each other's open
-- transactions there, and never in a circle (a trust bumps its two accounts in a fixed
-- order). The side tables of a person (person_emails, custom_values, person_search) have
-- no trigger: every change to them comes with a change of their record's row (its
-- version); the search backfill has its own.
CREATE FUNCTION dv_bump(acc TEXT, what TEXT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  mark TEXT := txid_current()::text || ' ' || acc;
BEGIN
  IF current_setting('rd.dv_' || what, true) IS NOT DISTINCT FROM mark THEN
    RETURN;
  END IF;
  INSERT INTO data_versions AS d (account_id, kind, version) VALUES (acc, what, 1)
  ON CONFLICT (account_id, kind) DO UPDATE SET version = d.version + 1;
  PERFORM set_config('rd.dv_' || what, mark, true);
END $$;
CREATE FUNCTION dv_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM dv_bump(OLD.account_id, 'rec');
  ELSE
    PERFORM dv_bump(NEW.account_id, 'rec');
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION dv_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM dv_bump(OLD.id, 'rec');
  ELSE
    PERFORM dv_bump(NEW.id, 'rec');
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION dv_trust() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  a TEXT;
  b TEXT;
BEGIN
  IF TG_OP = 'DELETE' THEN
    a := OLD.account_id;
    b := OLD.trusted_account_id;
  ELSE
    a := NEW.account_id;
    b := NEW.trusted_account_id;
  END IF;
  PERFORM dv_bump(LEAST(a, b), 'rec');
  PERFORM dv_bump(GREATEST(a, b), 'rec');
  RETURN NULL;
END $$;
-- At commit, for the tables other accounts' pages read.
CREATE FUNCTION dv_cross() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM dv_bump('*', 'cross');
  RETURN NULL;
END $$;
CREATE TRIGGER dv_organizations AFTER INSERT OR UPDATE OR DELETE ON organizations FOR EACH ROW EXECUTE FUNCTION dv_row();
CREATE TRIGGER dv_services AFTER INSERT OR UPDATE OR DELETE ON services FOR EACH ROW EXECUTE FUNCTION dv_row();
CREATE TRIGGER dv_slas AFTER INSERT OR UPDATE OR DELETE ON slas FOR EACH ROW EXECUTE FUNCTION dv_row();
CREATE TRIGGER dv_flsas AFTER INSERT OR UPDATE OR DELETE ON flsas FOR EACH ROW EXECUTE FUNCTION dv_row();
CREATE TRIGGER dv_people AFTER INSERT OR UPDATE OR DELETE ON people FOR EACH ROW EXECUTE FUNCTION dv_row();
CREATE TRIGGER dv_custom_fields AFTER INSERT OR UPDATE OR DELETE ON custom_fields FOR EACH ROW EXECUTE FUNCTION dv_row();
CREATE TRIGGER dv_teams AFTER INSERT OR UPDATE OR DELETE ON teams FOR EACH ROW EXECUTE FUNCTION dv_row();
CREATE TRIGGER dv_org_annotations AFTER INSERT OR UPDATE OR DELETE ON org_annotations FOR EACH ROW EXECUTE FUNCTION dv_row();
CREATE TRIGGER dv_organization_contacts AFTER INSERT OR UPDATE OR DELETE ON organization_contacts FOR EACH ROW EXECUTE FUNCTION dv_row();
CREATE TRIGGER dv_accounts AFTER INSERT OR UPDATE OR DELETE ON accounts
 FOR EACH ROW EXECUTE FUNCTION dv_account();
CREATE TRIGGER dv_trusts AFTER INSERT OR UPDATE OR DELETE ON trusts
 FOR EACH ROW EXECUTE FUNCTION dv_trust();
CREATE TRIGGER dv_person_search_backfill AFTER UPDATE OF doc ON person_search
 FOR EACH ROW WHEN (OLD.doc IS NULL) EXECUTE FUNCTION dv_row();
CREATE CONSTRAINT TRIGGER dv_organizations_cross AFTER INSERT OR UPDATE OR DELETE ON organizations
 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dv_cross();
CREATE CONSTRAINT TRIGGER dv_services_cross AFTER INSERT OR UPDATE OR DELETE ON services
 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dv_cross();
CREATE CONSTRAINT TRIGGER dv_slas_cross AFTER INSERT OR UPDATE OR DELETE ON slas
 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dv_cross();
CREATE CONSTRAINT TRIGGER dv_flsas_cross AFTER INSERT OR UPDATE OR DELETE ON flsas
 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dv_cross();
CREATE CONSTRAINT TRIGGER dv_accounts_cross AFTER INSERT OR UPDATE OR DELETE ON accounts
 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dv_cross();
CREATE CONSTRAINT TRIGGER dv_trusts_cross AFTER INSERT OR UPDATE OR DELETE ON trusts
 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dv_cross();
