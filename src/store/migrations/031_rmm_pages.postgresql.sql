-- Issue 15: GET /v1/organizations?rmm_mapped= reads rmm_orgs, so its changes bump the
-- account's page counter like the tables of 018_data_versions.postgresql.sql.
CREATE TRIGGER dv_rmm_orgs AFTER INSERT OR UPDATE OR DELETE ON rmm_orgs
 FOR EACH ROW EXECUTE FUNCTION dv_row();
