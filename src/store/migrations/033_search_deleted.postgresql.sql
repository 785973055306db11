-- Issue 11: person_search.deleted of a new row is written by the INSERT itself
-- (rd_search_person_set reads it from people in the same statement), not by a BEFORE
-- INSERT trigger: the trigger's PL/pgSQL call cost an import a third of its time
-- (20,000 rows: 16.4 s with it, 11.1 s without). The trigger that follows people.deleted
-- afterwards (person_search_deleted) stays.
DROP TRIGGER person_search_deleted_new ON person_search;
DROP FUNCTION person_search_deleted_new();
