-- CUST-4, issue 11: the FTS5 index is written once per transaction instead of once per
-- statement. FTS5 writes its pending terms out as a new segment whenever a savepoint
-- begins or ends, and SQLite opens a statement savepoint around every statement of a
-- transaction that writes a virtual table: the triggers of migration 006 made every person
-- written by an import flush a segment of one document (a third of the import's time).
--
-- Now the triggers only note which rows changed, and the text each had in the index
-- before the transaction (the first change of a row in it wins: that is what the index
-- holds). The commit of every write transaction (lite_commit, src/store/sqlite.c) then
-- removes the old texts from the index and adds the current ones in two statements, and
-- empties the log. A rolled-back transaction or savepoint rolls the log back with it.
DROP TRIGGER person_search_fts_insert;
DROP TRIGGER person_search_fts_delete;
DROP TRIGGER person_search_fts_update;
CREATE TABLE person_search_fts_log (
  person_id INTEGER PRIMARY KEY,
  old_doc TEXT -- the text the index holds for the row, NULL when none
);
CREATE TRIGGER person_search_log_insert AFTER INSERT ON person_search BEGIN
  INSERT OR IGNORE INTO person_search_fts_log (person_id, old_doc) VALUES (new.person_id, NULL);
END;
CREATE TRIGGER person_search_log_delete AFTER DELETE ON person_search BEGIN
  INSERT OR IGNORE INTO person_search_fts_log (person_id, old_doc)
   VALUES (old.person_id, old.doc);
END;
CREATE TRIGGER person_search_log_update AFTER UPDATE OF doc ON person_search BEGIN
  INSERT OR IGNORE INTO person_search_fts_log (person_id, old_doc)
   VALUES (old.person_id, old.doc);
END;
