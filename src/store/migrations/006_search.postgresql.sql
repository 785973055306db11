-- CUST-4 on PostgreSQL: pg_trgm's GIN index over person_search.doc answers LIKE '%term%'
-- for terms of 3 characters or more (Debian's postgresql-15 ships the extension; it is
-- trusted, so the database owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX person_search_doc ON person_search USING gin (doc gin_trgm_ops);
