-- Issue 11: the importer finds an organizational unit by its name regardless of case in one
-- probe of this index (without it, each new unit scanned every organization of the account).
CREATE INDEX organizations_name_lower ON organizations (account_id, lower(name));
