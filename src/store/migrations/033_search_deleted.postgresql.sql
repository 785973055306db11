-- Issue 11: person_search.deleted of a new row is written by the INSERT itself
-- (rd_search_person_set reads it from people in the same statement), not by a BEFORE
-- INSERT trigger, whose PL/pgSQL call and SELECT ran for every row written (the server's
-- CPU for a 20,000-row import: 10% less without it, bench/RESULTS.md). The trigger that
-- follows people.deleted afterwards (person_search_deleted) stays.
DROP TRIGGER person_search_deleted_new ON person_search;
DROP FUNCTION person_search_deleted_new();
