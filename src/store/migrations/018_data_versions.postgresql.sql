-- Issue 12, page cache: the triggers of data_versions (see 018_data_versions.sql). A
-- transaction bumps a counter once (the first row it changes; the rd.dv_* settings, local
-- to the transaction and undone with a rolled back savepoint, remember it): readers see the
-- new value only with the transaction's commit, so one bump covers all its rows. The
-- counter rows of an account stay locked until the writer's commit, so the account's
-- writers take turns at their counters (other accounts' writers never wait there); the
-- cross counter is written after the rec one, and a trust bumps its two accounts in a
-- fixed order, so two writers never wait for each other in a circle on these rows. The side tables of a person (person_emails,
-- custom_values, person_search) have no trigger: every change to them comes with a change
-- of their record's row (its version); the search backfill has its own.
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
-- TG_ARGV[0]: 'cross' when the table is also read by other accounts' pages.
CREATE FUNCTION dv_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  acc TEXT;
BEGIN
  IF TG_OP = 'DELETE' THEN
    acc := OLD.account_id;
  ELSE
    acc := NEW.account_id;
  END IF;
  PERFORM dv_bump(acc, 'rec');
  IF TG_NARGS > 0 THEN
    PERFORM dv_bump(acc, 'cross');
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION dv_account() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  acc TEXT;
BEGIN
  IF TG_OP = 'DELETE' THEN
    acc := OLD.id;
  ELSE
    acc := NEW.id;
  END IF;
  PERFORM dv_bump(acc, 'rec');
  PERFORM dv_bump(acc, 'cross');
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
  PERFORM dv_bump(LEAST(a, b), 'cross');
  PERFORM dv_bump(GREATEST(a, b), 'cross');
  RETURN NULL;
END $$;
CREATE TRIGGER dv_organizations AFTER INSERT OR UPDATE OR DELETE ON organizations FOR EACH ROW EXECUTE FUNCTION dv_row('cross');
CREATE TRIGGER dv_services AFTER INSERT OR UPDATE OR DELETE ON services FOR EACH ROW EXECUTE FUNCTION dv_row('cross');
CREATE TRIGGER dv_slas AFTER INSERT OR UPDATE OR DELETE ON slas FOR EACH ROW EXECUTE FUNCTION dv_row('cross');
CREATE TRIGGER dv_flsas AFTER INSERT OR UPDATE OR DELETE ON flsas FOR EACH ROW EXECUTE FUNCTION dv_row('cross');
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
