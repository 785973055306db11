-- Customer search (CUST-4): one row per person holding what `q` searches, normalized in C
-- (lower-cased, accents stripped: src/domain/search.c), written in the same transaction
-- as every change of a person, its addresses or its organization's name. Portable SQL
-- only; each backend adds its text index over doc after this migration (the `migration_extra`
-- operation of store.h: an FTS5 trigram table on SQLite, pg_trgm GIN on PostgreSQL).
--
--   person_text  the person's own part: names, username, every address, phone numbers
--   doc          person_text and the organization's name: what q matches
--   first_key, last_key  the normalized names: queries under 3 characters are a prefix
--                        match on these (trigram indexes need 3 characters)
--
-- Rows of people that existed before this migration get doc = NULL and are filled at the
-- next start of rolodeskd (rd_search_backfill): SQL alone cannot strip accents.

CREATE TABLE person_search (
  person_id BIGINT PRIMARY KEY REFERENCES people (id),
  account_id TEXT NOT NULL REFERENCES accounts (id),
  person_text TEXT,
  doc TEXT,
  first_key TEXT,
  last_key TEXT
);
-- person_id in the name indexes: a prefix query reads only the index, not the rows.
CREATE INDEX person_search_first ON person_search (account_id, first_key, person_id);
CREATE INDEX person_search_last ON person_search (account_id, last_key, person_id);
CREATE INDEX person_search_pending ON person_search (person_id) WHERE doc IS NULL;

INSERT INTO person_search (person_id, account_id) SELECT id, account_id FROM people;
