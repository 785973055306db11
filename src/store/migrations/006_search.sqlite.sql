-- CUST-4 on SQLite: an FTS5 index over person_search.doc with the trigram tokenizer
-- (substrings of 3 characters or more). Contentless: doc already lives in person_search,
-- and the triggers hand the index the exact old text it needs to remove a row.
-- (Migration 013 replaces these triggers by ones that index a transaction's changes at
-- its commit.)
CREATE VIRTUAL TABLE person_search_fts USING fts5(doc, content='', tokenize='trigram');
CREATE TRIGGER person_search_fts_insert AFTER INSERT ON person_search
 WHEN new.doc IS NOT NULL BEGIN
  INSERT INTO person_search_fts (rowid, doc) VALUES (new.person_id, new.doc);
 END;
CREATE TRIGGER person_search_fts_delete AFTER DELETE ON person_search
 WHEN old.doc IS NOT NULL BEGIN
  INSERT INTO person_search_fts (person_search_fts, rowid, doc)
   VALUES ('delete', old.person_id, old.doc);
 END;
CREATE TRIGGER person_search_fts_update AFTER UPDATE OF doc ON person_search BEGIN
  INSERT INTO person_search_fts (person_search_fts, rowid, doc)
   SELECT 'delete', old.person_id, old.doc WHERE old.doc IS NOT NULL;
  INSERT INTO person_search_fts (rowid, doc)
   SELECT new.person_id, new.doc WHERE new.doc IS NOT NULL;
 END;
