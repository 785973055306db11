-- All Organizations pages (TRUST-3, issue 4's benchmark): each source of the view is read
-- in organization id order from the page's cursor and stops after one page (trust.c,
-- FOREIGN_PAGE), so a page costs its own rows instead of the whole view. Portable SQL.
CREATE INDEX slas_account_customer_org ON slas (account_id, customer_org_id);
CREATE INDEX flsas_account_customer_org ON flsas (account_id, customer_org_id);
CREATE INDEX flsas_customer_account_provider_org ON flsas (customer_account_id, provider_org_id);
